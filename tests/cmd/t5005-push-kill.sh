#!/bin/sh
# lk-push killed with SIGKILL in the middle of a run: the confirmed
# batches are in the state, the rerun sends only what is missing, and the
# marketplace ends with exactly the alloc input.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 3000 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

# lines FILE: its line count, 0 when missing.
lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

test_expect_success 'Yandex Market: killed during the second of 3 batches, the rerun converges' '
	double_ctl POST /_double/reset >/dev/null &&
	double_ctl POST /_double/config "{\"ym_delay\":0.5}" >/dev/null &&
	mkstate s 3000 &&
	chan s ym "\"marketplace\": \"ym\", \"campaign_id\": 1111, \"credentials\": {\"env\": \"LK_YM_KEY\"}, \"rate\": 83, \"batch\": 1000" &&
	allocs ym 1 3000 "i % 13" >in &&
	{ lk-push -C s in >out 2>err & } &&
	pid=$! &&
	n=0 && while [ "$(lines s/.lk/pushed/ym.ndjson)" -lt 1000 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done &&
	sleep 0.2 &&
	kill -9 $pid && { wait $pid; test $? = 137; } &&
	test "$(lines s/.lk/pushed/ym.ndjson)" = 1000 &&
	double_ctl POST /_double/config "{\"ym_delay\":0}" >/dev/null &&
	sleep 0.7 &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-push -C s in >out2 2>err2 &&
	test "$(writes ym)" = 2 &&
	double_ctl GET "/_double/log?mp=ym" | jq -s -e "[.[].body.skus[0].sku] == [\"SKU-01001\", \"SKU-02001\"]" &&
	stock ym 55 >got && want ym in >exp && test_cmp exp got &&
	test "$(lines s/.lk/pushed/ym.ndjson)" = 3000 &&
	grep "unchanged 1000" err2
'

test_expect_success 'Wildberries: killed while the double hangs the request, the rerun converges' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 3000 &&
	allocs wb 1 2000 "5" >in0 &&
	lk-push -C s in0 >/dev/null 2>&1 &&
	allocs wb 1 3000 "i % 9 + 1" >in &&
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"hang\",\"hang\":3,\"mp\":\"wb\"}" >/dev/null &&
	{ lk-push -C s in >out 2>err & } &&
	pid=$! &&
	n=0 && until double_ctl GET /_double/faults | jq -e "length == 0" >/dev/null || [ $n -gt 100 ]; do sleep 0.05; n=$((n + 1)); done &&
	kill -9 $pid && { wait $pid; test $? = 137; } &&
	test "$(lines s/.lk/pushed/wb.ndjson)" = 2000 &&
	jqe ".qty == 5" s/.lk/pushed/wb.ndjson &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-push -C s in >out2 2>err2 &&
	stock wb 507 >got && want wb in >exp && test_cmp exp got &&
	test "$(lines s/.lk/pushed/wb.ndjson)" = 3000 &&
	lk-push -C s in >out3 2>err3 && grep "unchanged 3000" err3
'

test_done
