#!/bin/sh
# lk-alloc --compare REV and --rev REV on a real two-commit state repo.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t3-alloc-lib.sh
. "$(dirname "$0")/t3-alloc-lib.sh"

# v2 in the working tree: half drops to 0%, cap caps at 2 instead of 3
rules_v2() {
	channel st half wb '["main"]' '[{"share": 0}]' &&
	channel st cap ozon '["main", "sup"]' '[{"if": ">", "value": 3, "then": 3}, {"max": 2}]'
}

test_expect_success '--compare HEAD: per channel, changes of the working tree' '
	alloc_state st && rules_v2 &&
	stock_input | lk-alloc -C st --compare HEAD >out 2>err &&
	cat >want <<-EOF &&
	CHANNEL               CHANGED       UP     DOWN  TO_ZERO    ADDED  REMOVED UNITS_BEFORE  UNITS_AFTER
	cap                         2        0        2        0        0        0            6            4
	    A1                             3 -> 2
	    A2                             3 -> 2
	half                        2        0        2        2        0        0            6            0
	    A1                             5 -> 0
	    A2                             1 -> 0
	EOF
	test_cmp want out
'

test_expect_success '--compare --json: one compare record per channel' '
	alloc_state st && rules_v2 &&
	stock_input | lk-alloc -C st --compare HEAD --json >out &&
	test_grep out "{\"type\":\"compare\",\"channel\":\"half\",\"changed\":2,\"up\":0,\"down\":2,\"to_zero\":2,\"added\":0,\"removed\":0,\"units_before\":6,\"units_after\":0,\"largest\":[{\"sku\":\"A1\",\"before\":5,\"after\":0},{\"sku\":\"A2\",\"before\":1,\"after\":0}]}" &&
	test "$(wc -l <out)" -eq 2
'

test_expect_success '--fail-on-zero: exit 3 when more products would drop to 0' '
	alloc_state st && rules_v2 &&
	stock_input >in &&
	lk-alloc -C st --compare HEAD --fail-on-zero 2 <in >out &&
	test_expect_code 3 lk-alloc -C st --compare HEAD --fail-on-zero 1 <in >out 2>err &&
	test_grep err "lk-alloc: half: 2 of 3 products would drop to 0 (past --fail-on-zero)"
'

test_expect_success '--compare between two commits: the older rules at REV' '
	alloc_state st && rules_v2 &&
	git -C st commit -qam "rules v2" &&
	stock_input | lk-alloc -C st --compare HEAD~1 --json >out &&
	test_grep out "\"channel\":\"half\",\"changed\":2" &&
	stock_input | lk-alloc -C st --compare HEAD --json >same &&
	test_grep same "\"channel\":\"half\",\"changed\":0"
'

test_expect_success '--rev: the rules as of a commit, working tree untouched' '
	alloc_state st && rules_v2 &&
	git -C st commit -qam "rules v2" &&
	stock_input | lk-alloc -C st --rev HEAD~1 >out &&
	test_grep out "{\"type\":\"alloc\",\"channel\":\"half\",\"sku\":\"A1\",\"qty\":5}" &&
	stock_input | lk-alloc -C st >now &&
	test_grep now "{\"type\":\"alloc\",\"channel\":\"half\",\"sku\":\"A1\",\"qty\":0,\"asked\":true}" &&
	test_expect_code 78 lk-alloc -C st --rev nosuchrev </dev/null 2>err
'

test_expect_success '--compare writes no snapshot; a filter change is added/removed' '
	alloc_state st &&
	echo "{\"include\": {\"brand\": [\"acme\"]}}" >st/filters/acme.json &&
	channel st half wb "[\"main\"]" "[{\"share\": 50}]" "\"filter\": \"acme\"" &&
	stock_input | lk-alloc -C st --compare HEAD --json >out &&
	test_grep out "\"channel\":\"half\",\"changed\":1,\"up\":0,\"down\":0,\"to_zero\":0,\"added\":0,\"removed\":1" &&
	test ! -e st/.lk/snapshots
'

test_done
