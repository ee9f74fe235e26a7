#!/bin/sh
# lk-push to Wildberries against the double: batches at the API's limit,
# only changes on the next run, per-item 409s, 429/5xx recovery, refusal,
# and no secret anywhere.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 2600 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

test_expect_success '2500 changed items go in 3 requests (1000, 1000, 500)' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 2600 &&
	allocs wb 1 2500 "i % 50 + 1" >in &&
	lk-push -C s in >out 2>err &&
	double_ctl GET "/_double/log?mp=wb" >log &&
	test "$(jq -s "[.[] | select(.method == \"PUT\")] | length" log)" = 3 &&
	test "$(jq -s -c "[.[] | select(.method == \"PUT\") | .body.stocks | length]" log)" = "[1000,1000,500]" &&
	stock wb 507 >got && want wb in >exp && test_cmp exp got &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 2500 &&
	test "$(wc -l <s/.lk/pushed/wb.ndjson)" = 2500 &&
	jqe "select(.type == \"push_summary\") | .sent == 2500 and .requests == 3 and .throttled == 0" s/.lk/push.log
'

test_expect_success 'the second run sends only what changed' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 2600 &&
	allocs wb 1 2500 "i % 50 + 1" >in1 &&
	lk-push -C s in1 >/dev/null 2>&1 &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-push -C s in1 >out2 2>err2 &&
	test "$(writes wb)" = 0 && test ! -s out2 &&
	grep "unchanged 2500" err2 &&
	allocs wb 1 2500 "(i <= 10 ? 99 : i % 50 + 1)" >in3 &&
	lk-push -C s in3 >out3 2>err3 &&
	test "$(writes wb)" = 1 &&
	double_ctl GET "/_double/log?mp=wb" | jq -s -e ".[0].body.stocks | length == 10" &&
	jqe "select(.type == \"pushed\") | .status == \"ok\" and .qty == 99 and .prev == (.sku | ltrimstr(\"SKU-\") | tonumber % 50 + 1)" out3 &&
	stock wb 507 >got && want wb in3 >exp && test_cmp exp got &&
	lk-push -C s --full in3 >out4 2>&1 && test "$(writes wb)" = 4
'

test_expect_success 'a 409 names the culprits: they fail, the rest is resent and applied' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 30 &&
	sed -i "s/^SKU-00007,100007,/SKU-00007,999007,/; s/^SKU-00009,100009,/SKU-00009,999009,/" s/catalog.csv &&
	allocs wb 1 30 "i" >in &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	test "$(writes wb)" = 2 &&
	double_ctl GET "/_double/log?mp=wb" | jq -s -e "[.[].body.stocks | length] == [30, 28] and .[0].status == 409 and .[1].status == 204" &&
	jqe "select(.sku == \"SKU-00007\" or .sku == \"SKU-00009\") | .status == \"failed\" and (.error | test(\"NotFound\"))" out &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 28 &&
	want wb in | grep -v -e SKU-00007 -e SKU-00009 >exp && stock wb 507 >got && test_cmp exp got &&
	grep "\"sku\":\"SKU-00007\".*\"code\":\"NotFound\"" s/.lk/pushed/wb.failed.ndjson &&
	! grep SKU-00007 s/.lk/pushed/wb.ndjson &&
	double_ctl DELETE /_double/log >/dev/null &&
	test_expect_code 1 lk-push -C s in >out2 2>err2 &&
	test "$(writes wb)" = 0 &&
	jqe "select(.sku == \"SKU-00007\") | .status == \"failed\" and (.error | test(\"not sent again\"))" out2 &&
	allocs wb 7 7 "70" >in3 &&
	test_expect_code 1 lk-push -C s in3 >/dev/null 2>&1 && test "$(writes wb)" = 1
'

test_expect_success '429 with X-Ratelimit-Retry and 503 are retried; the run succeeds' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 300 &&
	double_ctl POST /_double/faults "{\"count\":2,\"status\":429,\"retry_after\":1,\"mp\":\"wb\",\"method\":\"PUT\"}" >/dev/null &&
	double_ctl POST /_double/faults "{\"count\":2,\"status\":503,\"mp\":\"wb\",\"method\":\"PUT\"}" >/dev/null &&
	allocs wb 1 300 "i + 1" >in &&
	lk-push -C s --channel wb -c wb in >out 2>err &&
	double_ctl GET /_double/faults | jq -e "length == 0" &&
	stock wb 507 >got && want wb in >exp && test_cmp exp got &&
	jqe "select(.type == \"push_summary\") | .retries == 4 and .throttled == 2 and .requests == 1" s/.lk/push.log &&
	grep "retries 4, throttled 2" err
'

test_expect_success '5xx past the retries: exit 75, nothing recorded; the next run sends it' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 100 &&
	allocs wb 1 100 "7" >in &&
	double_ctl POST /_double/faults "{\"count\":100,\"status\":502,\"mp\":\"wb\"}" >/dev/null &&
	test_expect_code 75 lk-push -C s in >out 2>err &&
	test ! -f s/.lk/pushed/wb.ndjson &&
	jqe "select(.type == \"pushed\") | .status == \"failed\"" out &&
	double_ctl DELETE /_double/faults >/dev/null &&
	lk-push -C s in >out2 2>&1 &&
	stock wb 507 >got && want wb in >exp && test_cmp exp got &&
	test "$(wc -l <s/.lk/pushed/wb.ndjson)" = 100
'

test_expect_success 'a wrong token: 69, nothing recorded, no secret printed' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 10 &&
	allocs wb 1 10 "3" >in &&
	LK_WB_TOKEN=secret-wrong-token-123 test_expect_code 69 lk-push -C s in >out 2>err &&
	test ! -f s/.lk/pushed/wb.ndjson &&
	jqe "select(.type == \"pushed\") | .status == \"failed\"" out &&
	! grep -r "secret-wrong-token-123" out err s/.lk &&
	! double_ctl GET "/_double/log?mp=wb" | grep "secret-wrong-token-123"
'

test_expect_success 'no token in the output, the log, the state or a dry run' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 10 &&
	allocs wb 1 10 "3" >in &&
	lk-push -C s -v in >out 2>err &&
	lk-push -C s -v -n --full in >out2 2>err2 &&
	jqe "select(.type == \"request\") | .headers.Authorization == \"<redacted>\"" out2 &&
	! grep -r "$LK_WB_TOKEN" out err out2 err2 s
'

test_done
