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

# items DIR CHANNEL: the items in the pushed state, its journal included.
items() {
	state "$1" "$2" | wc -l | tr -d ' '
}

test_expect_success 'Yandex Market: killed during the second of 3 batches, the rerun converges' '
	double_ctl POST /_double/reset >/dev/null &&
	double_ctl POST /_double/config "{\"ym_delay\":0.5}" >/dev/null &&
	mkstate s 3000 &&
	chan s ym "\"marketplace\": \"ym\", \"campaign_id\": 1111, \"credentials\": {\"env\": \"LK_YM_KEY\"}, \"rate\": 83, \"batch\": 1000" &&
	allocs ym 1 3000 "i % 13" >in &&
	{ lk-push -C s in >out 2>err & } &&
	pid=$! &&
	n=0 && while [ "$(items s ym)" -lt 1000 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done &&
	sleep 0.2 &&
	kill -9 $pid && { wait $pid; test $? = 137; } &&
	test "$(items s ym)" = 1000 &&
	test ! -f s/.lk/pushed/ym.ndjson &&
	double_ctl POST /_double/config "{\"ym_delay\":0}" >/dev/null &&
	sleep 0.7 &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-push -C s in >out2 2>err2 &&
	test "$(writes ym)" = 2 &&
	double_ctl GET "/_double/log?mp=ym" | jq -s -e "[.[].body.skus[0].sku] == [\"SKU-01001\", \"SKU-02001\"]" &&
	stock ym 55 >got && want ym in >exp && test_cmp exp got &&
	test "$(items s ym)" = 3000 &&
	test "$(wc -l <s/.lk/pushed/ym.ndjson)" = 3000 && test ! -f s/.lk/pushed/ym.journal.ndjson &&
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
	test "$(items s wb)" = 2000 &&
	state s wb >wb.state && jqe ".qty == 5" wb.state &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-push -C s in >out2 2>err2 &&
	stock wb 507 >got && want wb in >exp && test_cmp exp got &&
	test "$(items s wb)" = 3000 &&
	lk-push -C s in >out3 2>err3 && grep "unchanged 3000" err3
'

test_expect_success 'a small change is appended to the journal; the base is rewritten only once the journal is half its size' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 3000 &&
	allocs wb 1 3000 "i % 9 + 1" >in &&
	lk-push -C s in >out 2>err &&
	test ! -f s/.lk/pushed/wb.journal.ndjson && cp s/.lk/pushed/wb.ndjson base.before &&
	allocs wb 1 3000 "i % 9 + (i <= 10 ? 2 : 1)" >in4 &&
	lk-push -C s in4 >out4 2>err4 && grep "sent 10," err4 &&
	test_cmp base.before s/.lk/pushed/wb.ndjson &&
	test "$(wc -l <s/.lk/pushed/wb.journal.ndjson)" = 10 &&
	state s wb | jq -r "\"\(.sku) \(.qty)\"" | sort >got && want wb in4 >exp && test_cmp exp got &&
	allocs wb 1 3000 "i % 9 + (i <= 1600 ? 3 : 1)" >in5 &&
	lk-push -C s in5 >out5 2>err5 && grep "sent 1600," err5 &&
	test ! -f s/.lk/pushed/wb.journal.ndjson &&
	test "$(wc -l <s/.lk/pushed/wb.ndjson)" = 3000 &&
	state s wb | jq -r "\"\(.sku) \(.qty)\"" | sort >got && want wb in5 >exp && test_cmp exp got
'

test_done
