#!/bin/sh
# lk-sync --print: the script runs by hand and gives the same result.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

test_expect_success '--print runs by hand and gives what lk-sync gives' '
	mkdemo && lk-sync -C state -q >/dev/null && snapshot >by-sync &&
	rm -rf state feeds out && mkdemo &&
	test "$(held wb SKU-0001)" = 5 &&
	lk-sync -C state --print >pipeline.sh &&
	test "$(grep -c "lk-fetch" pipeline.sh)" = 10 &&
	test "$(grep -c "lk-fetch.*--keep" pipeline.sh)" = 2 &&
	sh pipeline.sh 2>err.txt && snapshot >by-hand &&
	test_cmp by-sync by-hand &&
	lk-sync -C state -q >out.txt &&
	grep -E "^wb +nothing to send +20 +0 +20 +0 +0 +0$" out.txt
'

test_expect_success '--print with --dry-run passes --dry-run to the three last stages' '
	mkdemo && lk-sync -C state -n --print >p.sh &&
	test "$(grep -c -- "--dry-run <" p.sh)" = 3
'

test_done
