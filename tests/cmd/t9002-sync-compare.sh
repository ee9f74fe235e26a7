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

test_done
