#!/bin/sh
# lk-alloc: never more than exists.  A rule's result and a pin are capped
# by what is available; channels together never show more than a source
# has unless they are "overlap"; a disabled channel holds what lk last
# pushed there; quantities are bounded (10^9) and sums saturate.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t3-alloc-lib.sh
. "$(dirname "$0")/t3-alloc-lib.sh"

# main only: SKU A1 has $1 units, A2 none
one_stock() {
	cat <<-EOF
	{"type":"stock","sku":"A1","source":"main","qty":$1}
	{"type":"source","source":"main","status":"complete","records":1}
	EOF
}

# a state with only the channels given after it
bare_state() {
	alloc_state "$1" && rm "$1"/channels/*.json
}

qty_of() {
	# qty_of FILE CHANNEL SKU
	grep "\"channel\":\"$2\",\"sku\":\"$3\"" "$1" | sed 's/.*"qty":\([0-9]*\).*/\1/'
}

test_expect_success 'a condition never shows more than is available: if < 5 then 1 at 0 shows 0' '
	bare_state st &&
	channel st low wb "[\"main\"]" "[{\"if\": \"<\", \"value\": 5, \"then\": 1}]" &&
	one_stock 0 | lk-alloc -C st >out &&
	test "$(qty_of out low A1)" = 0 &&
	test "$(qty_of out low A2)" = 0 &&
	one_stock 3 | lk-alloc -C st >out &&
	test "$(qty_of out low A1)" = 1
'

test_expect_success 'two channels showing the whole stock share it; overlap shows it twice on purpose' '
	bare_state st &&
	channel st a wb "[\"main\"]" "[]" &&
	channel st b ozon "[\"main\"]" "[{\"max\": 100}]" &&
	one_stock 7 | lk-alloc -C st >out &&
	test "$(qty_of out a A1)" = 7 &&
	test "$(qty_of out b A1)" = 0 &&
	channel st b ozon "[\"main\"]" "[{\"max\": 100}]" "\"overlap\": true" &&
	one_stock 7 | lk-alloc -C st >out &&
	test "$(qty_of out a A1)" = 7 &&
	test "$(qty_of out b A1)" = 7 &&
	lk-state -C st check 2>err &&
	test_grep err "channels a, b can show up to 200% of its stock together"
'

test_expect_success 'shares that add up to 100% are never cut' '
	bare_state st &&
	channel st a wb "[\"main\"]" "[{\"share\": 60}]" &&
	channel st b ozon "[\"main\"]" "[{\"share\": 40}]" &&
	one_stock 10 | lk-alloc -C st >out &&
	test "$(qty_of out a A1)" = 6 &&
	test "$(qty_of out b A1)" = 4
'

test_expect_success 'a disabled channel holds what lk last pushed there: 24 units are shown 24 times' '
	bare_state st &&
	channel st ozon ozon "[\"main\"]" "[{\"equal\": true}]" &&
	channel st mm wb "[\"main\"]" "[{\"equal\": true}]" &&
	channel st ym wb "[\"main\"]" "[{\"equal\": true}]" &&
	sed -i "s/\"enabled\": true/\"enabled\": false/" st/channels/ym.json &&
	mkdir -p st/.lk/pushed &&
	echo "{\"type\":\"pushed\",\"channel\":\"ym\",\"sku\":\"A1\",\"qty\":8,\"at\":\"2026-11-27T10:00:00Z\"}" \
		>st/.lk/pushed/ym.ndjson &&
	one_stock 24 | lk-alloc -C st >out &&
	test "$(qty_of out ozon A1)" = 8 &&
	test "$(qty_of out mm A1)" = 8 &&
	! grep -q "\"channel\":\"ym\"" out &&
	lk-state -C st check 2>err &&
	test_grep err "channel ym is disabled but lk last pushed 8 units of 1 product there"
'

test_expect_success 'a quantity above 10^9 is a bad record with its line; sums saturate at 10^9' '
	bare_state st &&
	channel st a wb "[\"main\"]" "[]" &&
	cat >in <<-EOF &&
	{"type":"stock","sku":"A1","source":"main","qty":9223372036854775807}
	{"type":"stock","sku":"A2","source":"main","qty":1000000000}
	{"type":"stock","sku":"A2","source":"main","qty":1000000000}
	{"type":"source","source":"main","status":"complete","records":2}
	EOF
	test_expect_code 1 lk-alloc -C st <in >out 2>err &&
	test_grep err "lk-alloc: <stdin>:1: stock record '\''A1'\'': '\''qty'\'' 9223372036854775807 is above the maximum 1000000000" &&
	test "$(qty_of out a A2)" = 1000000000
'

test_done
