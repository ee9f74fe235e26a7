#!/bin/sh
# lk-alloc: the source guards.  A complete read with 0 records where the
# last snapshot had products, or one that lost more than max_drop of them,
# is treated as failed (the snapshot stands in, exit 3; --force accepts
# it).  A row the parser could not read never lowers its product: it
# keeps its snapshot quantity (bad_rows "fail" fails the source instead).
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t3-alloc-lib.sh
. "$(dirname "$0")/t3-alloc-lib.sh"

T0=1800000000

# guard_state DIR: main only, channel half (50%); catalog A1 A2 B1; the price lists
guard_state() {
	alloc_state "$1" && rm "$1/channels/cap.json" &&
	printf "sku,qty\nA1,10\nA2,3\nB1,4\n" >good.csv &&
	printf "sku,qty\nA1,>10\nA2,3\nB1,4\n" >badqty.csv &&
	printf "sku,qty\n,7\nA2,3\nB1,4\n" >nosku.csv &&
	printf "sku,qty\n" >empty.csv &&
	printf "sku,qty\nA2,3\n" >lost.csv
}

# parse NAME: main's stock from NAME.csv through the real parser
parse() {
	lk-parse-csv --name main "$1.csv" 2>>parse.err
	return 0
}

qty_of() {
	grep "\"channel\":\"$2\",\"sku\":\"$3\"" "$1" | sed 's/.*"qty":\([0-9]*\).*/\1/'
}


test_expect_success 'an unreadable quantity keeps the product at its snapshot quantity: exit 3, the row named' '
	guard_state st &&
	parse good | LK_TEST_NOW=$T0 lk-alloc -C st >out &&
	test "$(qty_of out half A1)" = 5 &&
	parse badqty >in &&
	test_grep in "{\"type\":\"bad_record\",\"source\":\"main\",\"sku\":\"A1\",\"line\":2," &&
	test_expect_code 3 env LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st <in >out 2>err &&
	test "$(qty_of out half A1)" = 5 && test "$(qty_of out half A2)" = 1 &&
	test_grep err "lk-alloc: source '\''main'\'': badqty.csv:2: quantity '\''>10'\'' is not a number" &&
	test_grep err "source '\''main'\'': 1 product of unreadable rows keep their last snapshot quantity" &&
	test_grep st/.lk/snapshots/main.ndjson "{\"sku\":\"A1\",\"qty\":10}"
'

test_expect_success 'a row without a sku: products the read gives 0 keep their snapshot quantity' '
	guard_state st &&
	parse good | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	parse nosku | test_expect_code 3 env LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st >out 2>err &&
	test "$(qty_of out half A1)" = 5 &&
	test_grep err "nosku.csv:2: empty sku"
'

test_expect_success 'no snapshot yet: the product of an unreadable row gets no alloc record' '
	guard_state st &&
	parse badqty | test_expect_code 3 lk-alloc -C st >out 2>err &&
	! grep -q "\"sku\":\"A1\"" out && test "$(qty_of out half A2)" = 1 &&
	test_grep err "get no alloc record (no snapshot)"
'

test_expect_success 'bad_rows "fail": the whole source is replaced by its snapshot' '
	guard_state st &&
	parse good | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///dev/null\", \"bad_rows\": \"fail\"}" >st/sources/main.json &&
	parse badqty | test_expect_code 3 env LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st >out 2>err &&
	test_grep err "source '\''main'\'' has 1 unreadable row and bad_rows is \"fail\": using its last complete snapshot" &&
	test "$(qty_of out half B1)" = 2
'

test_expect_success 'complete with 0 records where the snapshot had products: failed, snapshot used' '
	guard_state st &&
	parse good | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	parse empty | test_expect_code 3 env LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st >out 2>err &&
	test_grep err "source '\''main'\'' ended complete with 0 records where its last complete snapshot had 3 products (a guard: lk-sync --force accepts it): using its last complete snapshot, 1m old" &&
	test "$(qty_of out half A1)" = 5 && test "$(qty_of out half B1)" = 2 &&
	test_grep st/.lk/snapshots/main.ndjson "\"records\":3,\"products\":3"
'

test_expect_success 'more lost than max_drop (50%): failed; a looser max_drop or --force accepts it' '
	guard_state st &&
	parse good | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	parse lost >in &&
	test_expect_code 3 env LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st <in >out 2>err &&
	test_grep err "source '\''main'\'' has 1 product with stock where its last complete snapshot had 3, more lost than max_drop 50%" &&
	test "$(qty_of out half A1)" = 5 &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///dev/null\", \"max_drop\": \"70%\"}" >st/sources/main.json &&
	LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st -n <in >out &&
	test "$(qty_of out half A1)" = 0 &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///dev/null\"}" >st/sources/main.json &&
	LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st --force <in >out &&
	test "$(qty_of out half A1)" = 0 &&
	test_grep st/.lk/snapshots/main.ndjson "\"records\":1,\"products\":1"
'

test_done
