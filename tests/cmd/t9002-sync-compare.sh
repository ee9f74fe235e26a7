#!/bin/sh
# A rule change reviewed in CI: lk-alloc --compare on the last run's input,
# between the commit under review and its parent.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

# ci: what a CI job runs on a pushed commit; exit 3 blocks the merge.
ci() {
	lk-alloc -C state --compare HEAD~1 --fail-on-zero 5 <"$(last_run)/reserve.out"
}

test_expect_success 'a small rule change passes the check' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	sed "s/{\"share\": 50}/{\"share\": 40}/" state/channels/wb.json >x && mv x state/channels/wb.json &&
	commit "wb: 40% instead of 50%" &&
	ci >report.txt &&
	grep -E "^wb +13 +0 +13 +0 " report.txt &&
	grep -E "^ozon +0 +0 +0 +0 " report.txt
'

test_expect_success 'a rule that zeroes a channel fails the check (exit 3), nothing is pushed' '
	mkdemo && lk-sync -C state -q >/dev/null && snapshot >before &&
	sed "s/{\"share\": 50}/{\"share\": 0}/" state/channels/wb.json >x && mv x state/channels/wb.json &&
	commit "wb: 0% by mistake" &&
	test_expect_code 3 ci >report.txt &&
	grep -E "^wb +20 +0 +20 +20 " report.txt &&
	snapshot >after && test_cmp before after
'

test_expect_success 'with nothing on stdin, --compare reads the last run'"'"'s input itself' '
	mkdemo && lk-sync -C state -q >/dev/null && lk-sync -C state -q -n >/dev/null &&
	sed "s/{\"share\": 50}/{\"share\": 40}/" state/channels/wb.json >x && mv x state/channels/wb.json &&
	commit "wb: 40% instead of 50%" &&
	ci >expect &&
	lk-alloc -C state --compare HEAD~1 --fail-on-zero 5 </dev/null >got 2>err &&
	test_cmp expect got &&
	test_grep err "lk-alloc: input: $(last_run)/reserve.out" &&
	lk-alloc -C state --compare HEAD~1 --fail-on-zero 5 <&- >got 2>/dev/null &&
	test_cmp expect got
'

test_expect_success 'no run to take the input from: exit 66, said so' '
	mkdemo &&
	test_expect_code 66 lk-alloc -C state --compare HEAD </dev/null 2>err &&
	test_grep err "no input on stdin, and no lk-sync run in .lk/runs/"
'

test_expect_success '--fail-on-zero takes a share, as max_zero does' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	sed "s/{\"share\": 50}/{\"share\": 0}/" state/channels/wb.json >x && mv x state/channels/wb.json &&
	commit "wb: 0% by mistake" &&
	test_expect_code 3 lk-alloc -C state --compare HEAD~1 --fail-on-zero 50% <"$(last_run)/reserve.out" >/dev/null 2>err &&
	test_grep err "lk-alloc: wb: 20 of 20 products would drop to 0 (past --fail-on-zero)" &&
	lk-alloc -C state --compare HEAD~1 --fail-on-zero 100% <"$(last_run)/reserve.out" >/dev/null &&
	test_expect_code 64 lk-alloc -C state --compare HEAD~1 --fail-on-zero lots </dev/null 2>/dev/null
'

test_done
