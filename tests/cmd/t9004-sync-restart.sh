#!/bin/sh
# The marketplace double goes away in the middle of a run and comes back
# (empty, on the same port): the next runs converge.  lk-push sees (through
# lk-fetch --stocks) that the restarted double lost the products it had
# already been sent, and sends them again.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

test_expect_success 'killed during a run, restarted: the next run converges' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	snapshot >before &&
	port=${DOUBLE_URL##*:} &&
	sed "s|<count>12</count>|<count>20</count>|" feeds/main.xml >x && mv x feeds/main.xml &&
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"hang\",\"hang\":3,\"mp\":\"ozon\",\"method\":\"POST\",\"path\":\"stocks\"}" >/dev/null || exit 1
	{ lk-sync -C state -q >first.out 2>first.err; echo $? >first.rc; } &
	bg=$!
	sleep 1 && double_stop &&
	double_start "$TRASH/double2" --seed "$TOP/tests/double/seed-demo.json" --time-scale 0.01 --quiet --port "$port" &&
	echo "$DOUBLE_PID" >"$TRASH/double2.pid" &&
	wait "$bg"; test "$(cat first.rc)" != 0 &&
	lk-sync -C state -q >second.out 2>second.err; echo "second: $?" &&
	lk-sync -C state -q >third.out 2>third.err; echo "third: $?" &&
	test "$(held wb SKU-0001)" = 10 && test "$(held ozon SKU-0001)" = 5 &&
	test "$(held ym SKU-0001)" = 4 &&
	snapshot | grep -v -e " 0$" -e " SKU-0001 " >after &&
	grep -v -e " 0$" -e " SKU-0001 " before >want && test_cmp want after &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-sync -C state -q >fourth.out 2>fourth.err &&
	test -z "$(pushed_items)"
'

# The restarted double belongs to the test's subshell: stop it from here.
[ -f "$TRASH/double2.pid" ] && kill "$(cat "$TRASH/double2.pid")" 2>/dev/null
double_stop
test_done
