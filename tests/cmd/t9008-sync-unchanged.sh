#!/bin/sh
# lk-sync: a source unchanged since its last complete read is not fetched
# or parsed again; its kept records stand, so the allocation is what a full
# read gives, its production time does not move, and a failed fetch after
# a skip is a failed source as any other.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

# A file changed within 2 s of its read is read again next time (lk-fetch(1)):
# the demo's feeds, just copied, must age first.
mkaged() {
	mkdemo && sleep 3
}

# alloc_of RUN: the allocation a run computed
alloc_of() {
	grep -E '"type":"(alloc|undistributed)"' "$1/alloc.out"
}

produced() {
	lk-reserve -C state --list | jq -r "select(.kind == \"source\" and .source == \"$1\") | .produced"
}

test_expect_success 'unchanged sources are not read again; the allocation is what a full read gives' '
	mkaged &&
	lk-sync -C state -q >/dev/null && r1=$(last_run) &&
	test -f "$r1/source-main.body" &&
	lk-sync -C state -v >out2 2>err2 && r2=$(last_run) &&
	test ! -e "$r2/source-main.body" && test ! -e "$r2/source-supplier.body" &&
	test_cmp "$r1/source-main.ndjson" "$r2/source-main.ndjson" &&
	test_cmp "$r1/source-supplier.ndjson" "$r2/source-supplier.ndjson" &&
	test_grep "$r2/source-main.fetch.err" "not read again" &&
	jq -e "[.stages[] | select(.unchanged) | .stage] == [\"parse main\", \"parse supplier\"]" \
	    "$r2/summary.json" &&
	grep -E "^main +complete +23 " out2 &&
	lk-sync -C state --full -q >/dev/null && r3=$(last_run) &&
	test -f "$r3/source-main.body" && test -f "$r3/source-supplier.body" &&
	alloc_of "$r2" >a2 && alloc_of "$r3" >a3 && test -s a2 && test_cmp a2 a3
'

test_expect_success 'an unchanged source keeps its production time' '
	mkaged &&
	lk-sync -C state -q >/dev/null && p1=$(produced supplier) && m1=$(produced main) &&
	test -n "$p1" && test -n "$m1" &&
	lk-sync -C state -q >/dev/null && test ! -e "$(last_run)/source-supplier.body" &&
	test "$(produced supplier)" = "$p1" && test "$(produced main)" = "$m1"
'

test_expect_success 'a failed fetch after a skip: the snapshot stands in, then a full read, then a skip' '
	mkaged &&
	lk-sync -C state -q >/dev/null && lk-sync -C state -q >/dev/null && r2=$(last_run) &&
	test ! -e "$r2/source-supplier.body" &&
	mv feeds/supplier.csv feeds/supplier.away &&
	{ lk-sync -C state -q >out3 2>err3 || :; } && r3=$(last_run) &&
	grep -E "^supplier +snapshot" out3 &&
	grep -q "\"status\":\"failed\"" "$r3/source-supplier.ndjson" &&
	alloc_of "$r2" >a2 && alloc_of "$r3" >a3 && test_cmp a2 a3 &&
	mv feeds/supplier.away feeds/supplier.csv && sleep 3 &&
	lk-sync -C state -q >out4 && r4=$(last_run) &&
	test -f "$r4/source-supplier.body" && grep -E "^supplier +complete" out4 &&
	lk-sync -C state -q >/dev/null && test ! -e "$(last_run)/source-supplier.body"
'

test_expect_success 'a changed source is read again, the unchanged one is not' '
	mkaged &&
	lk-sync -C state -q >/dev/null &&
	sed -i "s/;5$/;7/" feeds/supplier.csv &&
	lk-sync -C state -q >/dev/null && r=$(last_run) &&
	test -f "$r/source-supplier.body" && test ! -e "$r/source-main.body"
'

test_done
