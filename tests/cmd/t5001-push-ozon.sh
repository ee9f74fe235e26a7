#!/bin/sh
# lk-push to Ozon against the double: batches of 100, per-item errors
# (NOT_FOUND permanent, TOO_MANY_REQUESTS temporary), and pacing that
# keeps a run free of 429s at the documented rate (80/min, scaled).
# Ozon refuses an item updated twice within 30 s (0.3 s here).
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 300 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

test_expect_success '250 items go in 3 requests of at most 100; stock matches' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 300 &&
	allocs ozon 1 250 "i % 7" >in &&
	lk-push -C s in >out 2>err &&
	double_ctl GET "/_double/log?mp=ozon" >log &&
	test "$(jq -s -c "[.[] | .body.stocks | length]" log)" = "[100,100,50]" &&
	jqe ".headers[\"Api-Key\"] == \"REDACTED\" and .headers[\"Client-Id\"] == \"1001\"" log &&
	stock ozon 22142605386000 >got && want ozon in >exp && test_cmp exp got &&
	test "$(wc -l <s/.lk/pushed/ozon.ndjson)" = 250
'

test_expect_success 'an unknown offer fails for good and is not resent; the others are applied' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	sed -i "s/^SKU-00003,100003,SKU-00003,/SKU-00003,100003,NOPE-3,/" s/catalog.csv &&
	allocs ozon 1 20 "5" >in &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	jqe "select(.sku == \"SKU-00003\") | .status == \"failed\" and (.error | test(\"NOT_FOUND\"))" out &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 19 &&
	test "$(writes ozon)" = 1 &&
	test_expect_code 1 lk-push -C s in >out2 2>err2 &&
	test "$(writes ozon)" = 1 &&
	sleep 0.4 &&
	test_expect_code 1 lk-push -C s --full in >out3 2>err3 &&
	test "$(writes ozon)" = 2 &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out3)" = 19
'

test_expect_success 'TOO_MANY_REQUESTS is sent once more after the wait, then confirmed' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	allocs ozon 1 20 "4" >in &&
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"conflict\",\"mp\":\"ozon\",\"code\":\"TOO_MANY_REQUESTS\"}" >/dev/null &&
	lk-push -C s in >out 2>err &&
	test "$(writes ozon)" = 2 &&
	grep "refused for now (TOO_MANY_REQUESTS)" err &&
	stock ozon 22142605386000 >got && want ozon in >exp && test_cmp exp got &&
	jqe "select(.type == \"pushed\") | .status == \"ok\"" out
'

test_expect_success 'TOO_MANY_REQUESTS twice: failed now, not remembered, sent by the next run' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	allocs ozon 1 20 "4" >in &&
	double_ctl POST /_double/faults "{\"count\":2,\"kind\":\"conflict\",\"mp\":\"ozon\",\"code\":\"TOO_MANY_REQUESTS\"}" >/dev/null &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	test ! -f s/.lk/pushed/ozon.failed.ndjson &&
	lk-push -C s in >out2 2>err2 &&
	stock ozon 22142605386000 >got && want ozon in >exp && test_cmp exp got
'

test_expect_success 'pacing: 120 requests at the documented rate, no 429' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 300 &&
	chan s ozon "\"marketplace\": \"ozon\", \"warehouse_id\": 22142605386000, \"credentials\": {\"env\": \"LK_OZ_KEY\", \"client_id\": \"1001\"}, \"rate\": 133.3, \"batch\": 1" &&
	allocs ozon 1 120 "9" >in &&
	lk-push -C s in >out 2>err &&
	test "$(writes ozon)" = 120 &&
	test "$(throttled ozon)" = 0 &&
	stock ozon 22142605386000 >got && want ozon in >exp && test_cmp exp got
'

test_expect_success 'pacing off (a rate far above the limit) does get 429s: the check above can fail' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 300 &&
	chan s ozon "\"marketplace\": \"ozon\", \"warehouse_id\": 22142605386000, \"credentials\": {\"env\": \"LK_OZ_KEY\", \"client_id\": \"1001\"}, \"rate\": 100000, \"batch\": 1" &&
	allocs ozon 1 120 "9" >in &&
	{ lk-push -C s in >out 2>err; rc=$?; } &&
	{ test $rc = 0 || test $rc = 75; } &&
	test "$(throttled ozon)" -gt 0
'

test_expect_success 'Wildberries pacing: 60 requests past the burst of 20, no 429' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 300 &&
	chan s wb "\"marketplace\": \"wb\", \"warehouse_id\": 507, \"credentials\": {\"env\": \"LK_WB_TOKEN\"}, \"rate\": 500, \"batch\": 5" &&
	allocs wb 1 300 "2" >in &&
	lk-push -C s in >out 2>err &&
	test "$(writes wb)" = 60 &&
	test "$(throttled wb)" = 0 &&
	stock wb 507 >got && want wb in >exp && test_cmp exp got
'

test_done
