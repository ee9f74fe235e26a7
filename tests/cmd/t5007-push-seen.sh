#!/bin/sh
# lk-push compares with what the marketplace shows (seen records) as well
# as with what it last pushed: a marketplace that lost or overwrote stock
# gets it back on the next run; one that shows the right number is left
# alone.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 40 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

# seen CHANNEL FROM TO QTY-EXPR: seen records, like lk-fetch --stocks writes.
seen() {
	allocs "$@" | sed 's/"type":"alloc"/"type":"seen"/'
}

test_expect_success 'a marketplace that lost its stock gets it back; the rest is not resent' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	allocs wb 1 30 "i" >in &&
	lk-push -C s in >/dev/null 2>&1 &&
	double_ctl POST /_double/reset >/dev/null &&
	{ seen wb 1 30 "(i <= 5 ? 0 : i)"; cat in; } >in2 &&
	lk-push -C s in2 >out 2>err &&
	test "$(writes wb)" = 1 &&
	double_ctl GET "/_double/log?mp=wb" | jq -s -e ".[0].body.stocks | length == 5" &&
	test "$(jq -s "[.[] | select(.type == \"seen\")] | length" out)" = 30 &&
	jqe "select(.type == \"pushed\") | .status == \"ok\" and .prev == .qty" out
'

test_expect_success 'when the marketplace shows what lk pushed, nothing is sent' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	allocs wb 1 30 "i" >in &&
	lk-push -C s in >/dev/null 2>&1 &&
	double_ctl DELETE /_double/log >/dev/null &&
	{ seen wb 1 30 "i"; cat in; } >in2 &&
	lk-push -C s in2 >out 2>err &&
	test "$(writes wb)" = 0 && grep "unchanged 30" err
'

test_expect_success 'flat records read in place give what jansson gives, reports included' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	allocs wb 1 20 "i" >in &&
	lk-push -C s in >/dev/null 2>&1 &&
	{ seen wb 1 10 "(i <= 3 ? 0 : i)"; allocs wb 1 20 "(i == 7 ? 70 : i)"; allocs ozon 1 5 "i"
	  echo "{\"type\":\"alloc\",\"channel\":\"nope\",\"sku\":\"SKU-00001\",\"qty\":1}"
	  echo "{\"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"\",\"qty\":1}"
	  echo "{ \"qty\" : 9 , \"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"SKU-00002\"}"
	  echo "{\"type\":\"note\",\"text\":\"a/b\"}"; } >in2 &&
	LK_TEST_NOW=2026-11-27T10:00:00Z lk-push -C s -n in2 >fast.out 2>fast.err; echo $? >fast.rc &&
	LK_TEST_NO_FASTPATH=1 LK_TEST_NOW=2026-11-27T10:00:00Z lk-push -C s -n in2 >slow.out 2>slow.err; echo $? >slow.rc &&
	sed "s/, [0-9.]*s\$//" slow.err >slow.msg && sed "s/, [0-9.]*s\$//" fast.err >fast.msg &&
	test_cmp slow.out fast.out && test_cmp slow.msg fast.msg && test_cmp slow.rc fast.rc &&
	test "$(cat fast.rc)" = 1 &&
	jq -r "select(.type == \"pushed\" and .channel == \"wb\") | .sku" fast.out | sort >got &&
	printf "SKU-%05d\n" 1 2 3 7 >exp && test_cmp exp got
'

test_done
