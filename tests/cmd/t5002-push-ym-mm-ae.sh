#!/bin/sh
# lk-push to Yandex Market (v2 and v3), MegaMarket and AliExpress against
# the double: batches, 420 recovery, culprits found by halving a rejected
# batch (no per-item results), AliExpress per-sku task results.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 5000 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

test_expect_success 'YM v2: 4500 items in 3 requests of at most 2000' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 5000 &&
	allocs ym 1 4500 "i % 11" >in &&
	lk-push -C s in >out 2>err &&
	double_ctl GET "/_double/log?mp=ym" | jq -s -c "[.[] | select(.method == \"PUT\") | .body.skus | length]" >sizes &&
	test "$(cat sizes)" = "[2000,2000,500]" &&
	stock ym 55 >got && want ym in >exp && test_cmp exp got
'

test_expect_success 'YM v3 by business and warehouse; a 420 is waited out' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 100 &&
	double_ctl POST /_double/faults "{\"count\":2,\"status\":420,\"retry_after\":1,\"mp\":\"ym\"}" >/dev/null &&
	allocs ym3 1 100 "i" >in &&
	lk-push -C s in >out 2>err &&
	double_ctl GET "/_double/log?mp=ym" | jq -s -e "[.[] | .status] == [420, 420, 200] and (.[2].path | endswith(\"/v3/businesses/777/offers/stocks/update\"))" &&
	stock ym 55 >got && want ym3 in >exp && test_cmp exp got &&
	grep "throttled 2" err
'

test_expect_success 'YM: an unknown sku rejects the batch; halving finds it, the rest is applied' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 64 &&
	sed -i "s/^SKU-00037,100037,SKU-00037,SKU-00037,/SKU-00037,100037,SKU-00037,BAD-37,/" s/catalog.csv &&
	allocs ym 1 64 "3" >in &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	jqe "select(.sku == \"SKU-00037\") | .status == \"failed\" and (.error | test(\"OFFER_NOT_FOUND\"))" out &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 63 &&
	want ym in | grep -v SKU-00037 >exp && stock ym 55 >got && test_cmp exp got &&
	test "$(writes ym)" -le 14 &&
	double_ctl DELETE /_double/log >/dev/null &&
	test_expect_code 1 lk-push -C s in >out2 2>err2 && test "$(writes ym)" = 0
'

test_expect_success 'MegaMarket: batches of 300, token in the body (logged redacted), culprit found' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 700 &&
	sed -i "s/^SKU-00500,100500,SKU-00500,SKU-00500,SKU-00500,/SKU-00500,100500,SKU-00500,SKU-00500,BAD-500,/" s/catalog.csv &&
	allocs mm 1 700 "i % 5" >in &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	jqe "select(.sku == \"SKU-00500\") | .status == \"failed\"" out &&
	want mm in | grep -v SKU-00500 >exp && stock mm default >got && test_cmp exp got &&
	double_ctl GET "/_double/log?mp=mm" >log &&
	jqe ".body.data.token == \"REDACTED\" and (.body.data.stocks | length) <= 300" log
'

test_expect_success 'AliExpress: grouped by product; per-sku task errors fail only that sku' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	sed -i "s/^\(SKU-00011,.*\),1005006,/\1,1009999,/" s/catalog.csv &&
	grep "^SKU-00011,.*,1009999," s/catalog.csv &&
	allocs ae 1 40 "i + 2" >in &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	jqe "select(.sku == \"SKU-00011\") | .status == \"failed\" and (.error | test(\"SKU_NOT_FOUND\"))" out &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 39 &&
	want ae in | grep -v SKU-00011 >exp && stock ae default >got && test_cmp exp got &&
	double_ctl GET "/_double/log?mp=ae" | jq -s -e "[.[] | .method] == [\"POST\", \"GET\"] and (.[0].body.products | length) == 21"
'

test_expect_success 'AliExpress: task results that cannot be read are never counted as sent' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 4 &&
	allocs ae 1 4 "i + 2" >in &&
	double_ctl POST /_double/faults "{\"count\":100,\"status\":500,\"path\":\"/api/v1/tasks\"}" >/dev/null &&
	{ lk-push -C s in >out 2>err; rc=$?; } &&
	double_ctl DELETE /_double/faults >/dev/null &&
	test "$rc" != 0 && test_grep err "not counted as sent" &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 0 &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-push -C s in >out2 2>err2 &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out2)" = 4 &&
	double_ctl GET "/_double/log?mp=ae" | jq -s -e "[.[] | select(.method == \"POST\")] | length == 1"
'

test_done
