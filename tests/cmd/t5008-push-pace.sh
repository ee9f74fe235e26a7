#!/bin/sh
# lk-push's request budget per account, kept across runs in .lk/pace/:
# runs back to back and channels of one account stay under Wildberries'
# documented limit (300/min, burst 20), the double enforcing it at scale 1.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 40 "$TRASH/seed.json"
# WB's second warehouse, for a second channel of the account
jq '.wb.warehouses += [{"id": 508, "name": "Second", "officeId": 16}]' "$TRASH/seed.json" >"$TRASH/seed2.json"
double_start "$TRASH/double" --seed "$TRASH/seed2.json" || exit 1
trap double_stop EXIT

# wb channels with one item a request, at WB's documented rate (no "rate")
wbchan() {
	printf '{"marketplace": "wb", "warehouse_id": %s, "credentials": {"env": "LK_WB_TOKEN"}, "batch": 1, "base_url": "%s", "sources": ["main"]}\n' \
		"$2" "$DOUBLE_URL" >"s/channels/$1.json"
}
throttled() { double_ctl GET /_double/stats | jq .throttled.wb; }

test_expect_success 'two runs back to back: the second waits for the budget the first spent, 0 throttled' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 && rm s/channels/*.json && wbchan wb 507 &&
	allocs wb 1 20 "i" >in1 && allocs wb 1 20 "i + 1" >in2 &&
	lk-push -C s in1 >out1 2>err1 && lk-push -C s in2 >out2 2>err2 &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out2)" = 20 &&
	test "$(throttled)" = 0 && test_grep err2 "throttled 0" &&
	ls s/.lk/pace/wb-*.json
'

test_expect_success 'the check can fail: without the kept budget the second run is throttled' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 && rm s/channels/*.json && wbchan wb 507 &&
	allocs wb 1 20 "i" >in1 && allocs wb 1 20 "i + 1" >in2 &&
	lk-push -C s in1 >out1 2>err1 && rm -r s/.lk/pace && { lk-push -C s in2 >out2 2>err2; true; } &&
	test "$(throttled)" -gt 0
'

test_expect_success 'channels of one account share its budget in one run: 0 throttled' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 && rm s/channels/*.json && wbchan wb 507 && wbchan wb2 508 &&
	{ allocs wb 1 15 "i"; allocs wb2 16 30 "i"; } >in &&
	lk-push -C s in >out 2>err &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 30 &&
	test "$(throttled)" = 0 && test "$(ls s/.lk/pace | wc -l)" = 1
'

test_done
