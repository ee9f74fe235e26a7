#!/bin/sh
# Two lk-sync runs at once: the second exits 75 and changes nothing; the
# cron wrapper stays quiet on 75 and speaks on a real failure.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

# A first run held up by the double (its first Wildberries request hangs 3 s),
# in the background; returns once it holds the lock.
slow_run() {
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"hang\",\"hang\":3,\"mp\":\"wb\"}" >/dev/null || return 1
	{ lk-sync -C state -q >first.out 2>first.err; echo $? >first.rc; } &
	i=0
	while ! ls state/.lk/runs/* >/dev/null 2>&1; do
		i=$((i + 1)); [ "$i" -lt 200 ] || return 1; sleep 0.05
	done
}

short_lock() {
	sed "s/\"lock_timeout\": \"30s\"/\"lock_timeout\": \"1s\"/" state/lk.json >x && mv x state/lk.json
}

test_expect_success 'two runs at once: the second exits 75, the first completes' '
	mkdemo && short_lock && slow_run &&
	test_expect_code 75 lk-sync -C state --json >second.json 2>second.err &&
	test_grep second.err "lk-sync: the state directory is busy" &&
	python3 -c "import json; s = json.load(open(\"second.json\")); assert s[\"busy\"] and s[\"exit\"] == 75, s" &&
	wait && test "$(cat first.rc)" = 0 &&
	test "$(ls state/.lk/runs | wc -l)" = 1 &&
	test "$(held wb SKU-0001)" = 6
'

test_expect_success 'the cron wrapper: busy is exit 75 and prints nothing' '
	mkdemo && short_lock && slow_run &&
	LK_CRON_BIN="$TOP/cmd" LK_CRON_ENV=/dev/null bash "$TOP/contrib/cron/lk-cron.sh" "$(pwd)/state" >cron.out 2>&1;
	rc=$? && wait && test "$rc" = 75 && test ! -s cron.out
'

test_expect_success 'the cron wrapper: a run is quiet when it works' '
	mkdemo &&
	LK_CRON_BIN="$TOP/cmd" LK_CRON_ENV=/dev/null bash "$TOP/contrib/cron/lk-cron.sh" "$(pwd)/state" >cron.out 2>&1 &&
	test ! -s cron.out && test "$(held ozon SKU-0001)" = 3
'

test_expect_success 'the cron wrapper: a real failure speaks (for MAILTO), with its code' '
	mkdemo && echo "{\"push\": maybe}" >state/lk.json &&
	LK_CRON_BIN="$TOP/cmd" LK_CRON_ENV=/dev/null bash "$TOP/contrib/cron/lk-cron.sh" "$(pwd)/state" >cron.out 2>&1;
	test $? = 78 && test_grep cron.out "lk-cron: lk-sync -C" && test_grep cron.out "exit 78"
'

test_expect_success 'the cron wrapper: a run past LK_CRON_TIMEOUT is stopped and reported' '
	mkdemo &&
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"hang\",\"hang\":5,\"mp\":\"wb\"}" >/dev/null &&
	LK_CRON_TIMEOUT=1 LK_CRON_BIN="$TOP/cmd" LK_CRON_ENV=/dev/null bash "$TOP/contrib/cron/lk-cron.sh" "$(pwd)/state" >cron.out 2>&1;
	test $? = 124 && test_grep cron.out "took longer than 1s"
'

test_done
