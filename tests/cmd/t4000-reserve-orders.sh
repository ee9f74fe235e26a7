#!/bin/sh
# lk-reserve: orders reserve once, and let go on cancel, once the source
# shows them after shipping or vanishing from a complete listing, or at
# reserve_max_age.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t4-reserve-lib.sh
. "$(dirname "$0")/t4-reserve-lib.sh"

test_expect_success 'a new order reserves its quantity' '
	mkstate s &&
	order 1 A 2 new >in &&
	at 0 lk-reserve -C s <in >out &&
	echo "{\"type\":\"reserve\",\"sku\":\"A\",\"qty\":2,\"orders\":[\"wb-msk:1\"],\"reason\":\"orders\"}" >want &&
	test_cmp want out
'

test_expect_success 'other records pass through first, reserves follow in sku order' '
	mkstate s &&
	{ order 1 B 1 new; echo "{\"type\":\"stock\",\"sku\":\"A\",\"source\":\"main\",\"qty\":5}"; order 2 A 1 new; } >in &&
	at 0 lk-reserve -C s <in >out &&
	sed -n 1p out | grep -q "\"type\":\"stock\"" &&
	jq -r "select(.type == \"reserve\") | .sku" out | tr "\n" " " >skus &&
	test "$(cat skus)" = "A B "
'

test_expect_success 'records pass through the same from a file as from a pipe, byte for byte' '
	mkstate s &&
	{
		echo "{\"type\":\"stock\",\"sku\":\"A\",\"source\":\"main\",\"qty\":5}"
		echo "{\"sku\":\"B\",\"type\":\"stock\",\"source\":\"main\",\"qty\":1}"
		echo "{ \"type\" : \"note\", \"x\" : 1 }"
		printf "{\"type\":\"seen\",\"channel\":\"wb-msk\",\"sku\":\"A\",\"qty\":3}\r\n"
		echo
		order 1 A 2 new
		echo "{\"type\":\"x\",\"nested\":{\"a\":[1,2]}}"
		echo "not json"
		echo "{\"type\":\"seen\",\"channel\":\"wb-msk\",\"sku\":\"C\",\"qty\":4}"
		printf "{\"type\":\"stock\",\"sku\":\"C\",\"source\":\"main\",\"qty\":2}"
	} >in &&
	cat >want <<-\EOF &&
	{"type":"stock","sku":"A","source":"main","qty":5}
	{"type":"stock","sku":"B","source":"main","qty":1}
	{"type":"note","x":1}
	{"type":"seen","channel":"wb-msk","sku":"A","qty":3}
	{"type":"x","nested":{"a":[1,2]}}
	{"type":"seen","channel":"wb-msk","sku":"C","qty":4}
	{"type":"stock","sku":"C","source":"main","qty":2}
	{"type":"reserve","sku":"A","qty":2,"orders":["wb-msk:1"],"reason":"orders"}
	EOF
	test_expect_code 1 at 0 lk-reserve -C s <in >file.out 2>err &&
	test_cmp want file.out &&
	test_grep err "<stdin>:8:" &&
	cat in | test_expect_code 1 at 0 lk-reserve -C s >pipe.out 2>err &&
	test_cmp want pipe.out &&
	{ echo "{\"type\":\"skipped\"}"; cat in; } >in2 &&
	(read -r _ && test_expect_code 1 at 0 lk-reserve -C s >rest.out 2>err) <in2 &&
	test_cmp want rest.out
'

test_expect_success 'the same order seen in five runs reserves once' '
	mkstate s &&
	order 1 A 1 new >in &&
	for i in 1 2 3 4 5; do at $((i * 60)) lk-reserve -C s <in >out || return 1; done &&
	test "$(qty A out)" = 1 &&
	test "$(grep -c "\"kind\":\"order\"" s/.lk/reserve.ndjson)" = 1
'

test_expect_success 'an order with two products reserves each sku' '
	mkstate s &&
	{ order 7 A 1 new; order 7 B 3 new; } >in &&
	at 0 lk-reserve -C s <in >out &&
	test "$(qty A out)" = 1 && test "$(qty B out)" = 3
'

test_expect_success 'a cancel releases at once' '
	mkstate s &&
	{ order 1 A 1 new; order 2 A 1 new; } >in &&
	at 0 lk-reserve -C s <in >out && test "$(qty A out)" = 2 &&
	{ order 1 A 1 cancel; order 2 A 1 new; } >in &&
	at 60 lk-reserve -C s <in >out && test "$(qty A out)" = 1 &&
	at 120 lk-reserve -C s --list >list &&
	jqe "select(.id == \"1\") | .reserving == false and .released == \"cancelled\"" list
'

test_expect_success 'a shipped order is released once the source shows it, and never reserves again' '
	mkstate s &&
	order 1 A 1 confirm | at 0 lk-reserve -C s >out && test "$(qty A out)" = 1 &&
	{ stock A 5; sentinel complete 30; order 1 A 1 complete; } | at 60 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	{ stock A 4; sentinel complete 90; order 1 A 1 complete; } | at 120 lk-reserve -C s >out &&
	test "$(qty A out)" = 0 &&
	order 1 A 1 confirm | at 180 lk-reserve -C s >out && test "$(qty A out)" = 0 &&
	at 200 lk-reserve -C s --list >list &&
	jqe "select(.id == \"1\") | .released == \"shown\"" list
'

test_expect_success 'reserve_max_age releases' '
	mkstate s &&
	echo "{\"push\": true, \"reserve_max_age\": \"2h\"}" >s/lk.json &&
	order 1 A 1 new >in &&
	at 0 lk-reserve -C s <in >out && test "$(qty A out)" = 1 &&
	at 7199 lk-reserve -C s <in >out && test "$(qty A out)" = 1 &&
	at 7200 lk-reserve -C s <in >out && test "$(qty A out)" = 0 &&
	at 7300 lk-reserve -C s --list >list && jqe "select(.id == \"1\") | .released == \"max_age\"" list
'

test_expect_success 'an order gone from a complete listing ships, not from a failed one' '
	mkstate s &&
	{ order 1 A 1 new; order 2 A 1 new; } | at 0 lk-reserve -C s >out &&
	{ order 2 A 1 new; listing failed; } | at 60 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 &&
	order 2 A 1 new | at 120 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 &&
	{ order 2 A 1 new; listing complete; } | at 180 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 && jqe "select(.type == \"reserve\") | .shipped == [\"wb-msk:1\"]" out &&
	{ stock A 3; sentinel complete 200; order 2 A 1 new; listing complete; } | at 240 lk-reserve -C s >out &&
	test "$(qty A out)" = 1
'

test_expect_success 'reserve_statuses in the channel file overrides the defaults' '
	mkstate s &&
	echo "{\"marketplace\":\"wb\",\"warehouse_id\":1,\"credentials\":{\"env\":\"LK_T\"},\"sources\":[\"main\"],\"reserve_statuses\":[\"waiting\"]}" >s/channels/wb-msk.json &&
	{ order 1 A 1 new; order 2 B 1 waiting; } | at 0 lk-reserve -C s >out &&
	test "$(qty A out)" = 0 && test "$(qty B out)" = 1
'

test_expect_success 'a bad record is reported with its line, skipped, exit 1' '
	mkstate s &&
	{ order 1 A 1 new; echo "{\"type\":\"order\",\"channel\":\"wb-msk\",\"sku\":\"B\",\"qty\":1,\"status\":\"new\"}"; } >in &&
	test_expect_code 1 at 0 lk-reserve -C s <in >out 2>err &&
	test_grep err "lk-reserve: <stdin>:2: order without '"'"'id'"'"'" &&
	test "$(qty A out)" = 1
'

test_expect_success '--strict: a bad record is fatal, nothing written' '
	mkstate s &&
	{ order 1 A 1 new; echo "{\"type\":\"order\",\"channel\":\"nope\",\"id\":\"2\",\"sku\":\"B\",\"qty\":1,\"status\":\"new\"}"; } >in &&
	test_expect_code 65 at 0 lk-reserve --strict -C s <in >out 2>err &&
	test_grep err "<stdin>:2: order 2: unknown channel '"'"'nope'"'"'" &&
	test ! -s out && test ! -e s/.lk/reserve.ndjson
'

test_expect_success 'orders of a channel without reserving statuses are refused' '
	mkstate s &&
	echo "{\"marketplace\":\"yml\",\"output\":\"out/site.xml\",\"sources\":[\"main\"]}" >s/channels/site.json &&
	echo "{\"type\":\"order\",\"channel\":\"site\",\"id\":\"1\",\"sku\":\"A\",\"qty\":1,\"status\":\"new\"}" >in &&
	test_expect_code 1 at 0 lk-reserve -C s <in >out 2>err &&
	test_grep err "channel '"'"'site'"'"' has no reserve_statuses"
'

test_expect_success 'a bad reserve_statuses is a configuration error (78)' '
	mkstate s &&
	echo "{\"marketplace\":\"wb\",\"warehouse_id\":1,\"credentials\":{\"env\":\"LK_T\"},\"sources\":[\"main\"],\"reserve_statuses\":[\"new\",3]}" >s/channels/wb-msk.json &&
	test_expect_code 78 lk-reserve -C s </dev/null 2>err &&
	test_grep err "channels/wb-msk.json: reserve_statuses"
'

test_expect_success '--dry-run computes but does not save' '
	mkstate s &&
	order 1 A 1 new | at 0 lk-reserve -n -C s >out &&
	test "$(qty A out)" = 1 && jqe "select(.type == \"reserve\") | .dry_run" out &&
	test ! -e s/.lk/reserve.ndjson
'

test_expect_success '--list prints each entry with its age' '
	mkstate s &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	at 90 lk-reserve -C s --list >list &&
	jqe "select(.type == \"ledger\" and .kind == \"order\") | .age == 90 and .status == \"new\"" list
'

test_expect_success 'a held state lock is exit 75 and leaves the ledger alone' '
	mkstate s &&
	echo "{\"push\": true, \"lock_timeout\": \"1s\"}" >s/lk.json &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	cp s/.lk/reserve.ndjson before &&
	order 2 B 1 new >in &&
	test_expect_code 75 flock s/.lk/lock env LK_TEST_NOW=1767225660 lk-reserve -C s <in >out 2>err &&
	test_grep err "busy" &&
	test ! -s out && test_cmp before s/.lk/reserve.ndjson
'

if [ -f "$TOP/tests/lib/inject.so" ]; then
test_expect_success 'a ledger that cannot be written is exit 73, the old one stays, nothing on stdout' '
	mkstate s &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	cp s/.lk/reserve.ndjson before &&
	for op in write fsync rename; do
		{ order 1 A 1 new; order 2 B 1 new; } |
		inject $op env LK_TEST_NOW=1767225660 lk-reserve -C s >out 2>err
		test $? = 73 || { echo "$op: not 73" >&2; return 1; }
		test ! -s out && test_grep err "cannot write" && test_cmp before s/.lk/reserve.ndjson || return 1
		if find s/.lk -name "*tmp*" | grep -q .; then echo "$op: temp file left" >&2; return 1; fi
	done
'
else
test_skip 'a ledger that cannot be written is exit 73' 'tests/lib/inject.so not built'
fi

test_expect_success 'a damaged ledger is refused with its line (65)' '
	mkstate s && mkdir -p s/.lk &&
	echo "{\"type\":\"ledger\",\"kind\":\"order\",\"channel\":\"wb-msk\"}" >s/.lk/reserve.ndjson &&
	test_expect_code 65 lk-reserve -C s </dev/null >out 2>err &&
	test_grep err "reserve.ndjson:1: ledger entry without"
'

test_expect_success '-h prints the usage, -V the version, a bad option is 64' '
	lk-reserve -h >out && head -n 1 out | grep -q "^usage: lk-reserve " &&
	lk-reserve -V | grep -q "^lk-reserve (lk) " &&
	test_expect_code 64 lk-reserve --bogus 2>err
'

test_done
