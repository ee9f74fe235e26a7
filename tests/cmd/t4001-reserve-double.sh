#!/bin/sh
# lk-reserve: double reservation - a marketplace decrease against lk's
# last push that the orders do not explain is reserved, for
# seen_reserve_ttl or until orders explain it, never counted twice.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t4-reserve-lib.sh
. "$(dirname "$0")/t4-reserve-lib.sh"

# The man page's worked example: pushed 10 at 00:10, the marketplace shows 7
# at 00:30, one order (placed 00:20) explains 1: 2 units unexplained.
example() {
	mkstate s && pushed s A 10 600 &&
	{ order 1 A 1 new 1200; seen A 7 1800; } >in1 &&
	at 1800 lk-reserve -C s <in1 >out1
}

test_expect_success 'a marketplace decrease with no order reserves' '
	mkstate s && pushed s A 10 600 &&
	seen A 8 1800 | at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 &&
	jqe "select(.type == \"reserve\") | .reason == \"unexplained\" and .orders == []" out
'

test_expect_success 'seen records pass through' '
	mkstate s && pushed s A 10 600 &&
	seen A 10 1800 | at 1800 lk-reserve -C s >out &&
	test "$(jq -r .type out)" = seen
'

test_expect_success 'flat records read in place give what jansson gives, reports included' '
	mkstate s && pushed s A 10 600 && pushed s B 5 600 && pushed s C 3 600 &&
	printf "%s\n" "{\"type\":\"seen\",\"channel\":\"wb-msk\",\"sku\":\"C\",\"qty\":1,\"at\":\"nope\"}" \
		"{\"type\":\"seen\",\"channel\":\"wb-spb\",\"sku\":\"C\",\"qty\":1}" \
		"{ \"qty\" : 2 , \"type\":\"seen\",\"channel\":\"wb-msk\",\"sku\":\"B\"}" \
		"{\"type\":\"note\",\"text\":\"a/b\",\"n\":7}" >odd &&
	{ stock A 4; sentinel complete 900; order 1 A 1 new 1200; seen A 7 1800; cat odd; listing complete; } >in &&
	at 1800 lk-reserve -C s -n <in >fast.out 2>fast.err; echo $? >fast.rc &&
	LK_TEST_NO_FASTPATH=1 at 1800 lk-reserve -C s -n <in >slow.out 2>slow.err; echo $? >slow.rc &&
	test_cmp slow.out fast.out && test_cmp slow.err fast.err && test_cmp slow.rc fast.rc &&
	test "$(cat fast.rc)" = 1 && grep -c "wb-spb\|RFC 3339" fast.err >n && test "$(cat n)" = 2 &&
	test "$(qty A fast.out)" = 3 && test "$(qty B fast.out)" = 3
'

test_expect_success 'worked example: pushed 10, shows 7, one order explains 1 -> 1 + 2' '
	example &&
	test "$(qty A out1)" = 3 &&
	jqe "select(.type == \"reserve\") | .reason == \"orders+unexplained\" and .unexplained == 2 and .orders == [\"wb-msk:1\"]" out1
'

test_expect_success 'the order then appears: the unexplained part shrinks, no double count' '
	example &&
	{ order 1 A 1 new 1200; order 2 A 1 new 1500; seen A 7 2400; } | at 2400 lk-reserve -C s >out2 &&
	test "$(qty A out2)" = 3 &&
	jqe "select(.type == \"reserve\") | .unexplained == 1" out2 &&
	{ order 1 A 1 new 1200; order 2 A 1 new 1500; order 3 A 1 new 1600; seen A 7 3000; } |
		at 3000 lk-reserve -C s >out3 &&
	test "$(qty A out3)" = 3 &&
	jqe "select(.type == \"reserve\") | .reason == \"orders\"" out3
'

test_expect_success 'the unexplained reserve ends after seen_reserve_ttl and does not come back' '
	example &&
	{ order 1 A 1 new 1200; seen A 7 5399; } | at 5399 lk-reserve -C s >out &&
	test "$(qty A out)" = 3 &&
	{ order 1 A 1 new 1200; seen A 7 5400; } | at 5400 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	{ order 1 A 1 new 1200; seen A 7 6000; } | at 6000 lk-reserve -C s >out &&
	test "$(qty A out)" = 1
'

test_expect_success 'seen_reserve_ttl comes from lk.json' '
	mkstate s && echo "{\"push\": true, \"seen_reserve_ttl\": \"10m\"}" >s/lk.json &&
	pushed s A 10 600 &&
	seen A 9 1800 | at 1800 lk-reserve -C s >out && test "$(qty A out)" = 1 &&
	seen A 9 2400 | at 2400 lk-reserve -C s >out && test "$(qty A out)" = 0
'

test_expect_success 'an order placed before the push explains nothing' '
	mkstate s && pushed s A 10 600 &&
	{ order 1 A 1 new 300; seen A 9 1800; } | at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 2
'

test_expect_success 'a cancelled order does not explain a decrease' '
	mkstate s && pushed s A 10 600 &&
	{ order 1 A 1 cancel 1200; seen A 9 1800; } | at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 1
'

test_expect_success 'right after a push the marketplace is not compared yet' '
	mkstate s && pushed s A 10 1750 &&
	seen A 5 1800 | at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'no push file, or a sku lk never pushed: nothing to compare' '
	mkstate s &&
	seen A 5 1800 | at 1800 lk-reserve -C s >out && test "$(qty A out)" = 0 &&
	pushed s B 3 600 &&
	seen A 5 1800 | at 1800 lk-reserve -C s >out && test "$(qty A out)" = 0
'

test_expect_success 'more than lk pushed: a conflicting sender is reported' '
	mkstate s && pushed s A 10 600 &&
	seen A 14 1800 | at 1800 lk-reserve -C s >out 2>err &&
	test_grep err "lk-reserve: wb-msk: A: the marketplace shows 14, lk pushed 10 at 2026-01-01T00:10:00Z: another program may be sending stock there" &&
	jqe "select(.type == \"conflict\") | .reason == \"above_pushed\" and .seen == 14 and .pushed == 10" out &&
	test "$(qty A out)" = 0
'

test_expect_success 'a decrease far beyond the orders is reported, and reserved' '
	mkstate s && pushed s A 10 600 &&
	{ order 1 A 1 new 1200; seen A 0 1800; } | at 1800 lk-reserve -C s >out 2>err &&
	test_grep err "lk-reserve: wb-msk: A: the marketplace shows 0, lk pushed 10" &&
	jqe "select(.type == \"conflict\") | .reason == \"large_decrease\" and .orders == 1" out &&
	test "$(qty A out)" = 10
'

test_expect_success 'decreases on two channels add up for the sku' '
	mkstate s && pushed s A 10 600 &&
	cp s/channels/wb-msk.json s/channels/wb-spb.json &&
	mkdir -p s/.lk/pushed &&
	echo "{\"type\":\"pushed\",\"channel\":\"wb-spb\",\"sku\":\"A\",\"qty\":4,\"at\":\"$(time_at 600)\"}" >s/.lk/pushed/wb-spb.ndjson &&
	{ seen A 9 1800; echo "{\"type\":\"seen\",\"channel\":\"wb-spb\",\"sku\":\"A\",\"qty\":2,\"at\":\"$(time_at 1800)\"}"; } |
		at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 3
'

test_expect_success 'a cancel explains nothing where the units come back, all where they do not' '
	mkstate s && pushed s A 10 600 &&
	{ order 1 A 2 cancel 1200; seen A 8 1800; } | at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 && jqe "select(.type == \"reserve\") | .unexplained == 2" out &&
	mkstate s && pushed s A 10 600 &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"LK_T\"}, \"sources\": [\"main\"], \"cancel_returns_stock\": false}" \
		>s/channels/wb-msk.json &&
	{ order 1 A 2 cancel 1200; seen A 8 1800; } | at 1800 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'cancel_returns_stock must be true or false (78)' '
	mkstate s &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"LK_T\"}, \"sources\": [\"main\"], \"cancel_returns_stock\": \"no\"}" \
		>s/channels/wb-msk.json &&
	test_expect_code 78 lk-reserve -C s </dev/null 2>err &&
	test_grep err "channels/wb-msk.json: cancel_returns_stock"
'

test_done
