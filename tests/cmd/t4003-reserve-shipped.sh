#!/bin/sh
# lk-reserve: a shipped order reserves until every on-sale source that
# lists its sku has delivered a complete snapshot produced after the
# shipment (plus the source's lag); reserve_max_age bounds it.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t4-reserve-lib.sh
. "$(dirname "$0")/t4-reserve-lib.sh"

# Two on-sale sources: main (a feed) and sup (a supplier with a lag of 1h).
mk2() {
	mkstate s &&
	echo '{"kind": "csv", "url": "file:///dev/null", "lag": "1h"}' >s/sources/sup.json &&
	echo '{"marketplace": "wb", "warehouse_id": 1, "credentials": {"env": "LK_T"}, "sources": ["main", "sup"]}' \
		>s/channels/wb-msk.json
}

test_expect_success 'shipped at 600: main produced at 590 still counts it, at 610 not' '
	mkstate s &&
	order 1 A 2 new | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 5; sentinel complete 590; order 1 A 2 complete; } | at 600 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 &&
	jqe "select(.type == \"reserve\") | .shipped == [\"wb-msk:1\"] and .orders == [\"wb-msk:1\"]" out &&
	at 660 lk-reserve -C s --list >list &&
	jqe "select(.id == \"1\") | .reserving and .shipped == \"$(time_at 600)\" and .waiting == \"main\"" list &&
	jqe "select(.id == \"1\") | .why == \"shipped 00:10:00Z, waiting for main newer than 00:10:00Z\"" list &&
	{ stock A 5; sentinel complete 600; order 1 A 2 complete; } | at 720 lk-reserve -C s >out &&
	test "$(qty A out)" = 2 &&
	{ stock A 3; sentinel complete 610; order 1 A 2 complete; } | at 780 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'the marketplace status-change time is the shipment time' '
	mkstate s &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 5; sentinel complete 500;
	  echo "{\"type\":\"order\",\"channel\":\"wb-msk\",\"id\":\"1\",\"sku\":\"A\",\"qty\":1,\"status\":\"complete\",\"changed\":\"$(time_at 400)\"}"; } |
	at 900 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'a source that does not list the sku is not waited for' '
	mk2 &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 5; sentinel complete 700; stock B 1 sup; sentinel complete 100 sup; order 1 A 1 complete; } |
	at 600 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'a lagging source is waited for until produced after shipment + lag' '
	mk2 &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 5; sentinel complete 700; stock A 2 sup; sentinel complete 700 sup; order 1 A 1 complete; } |
	at 600 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	at 660 lk-reserve -C s --list >list &&
	jqe "select(.id == \"1\") | .waiting == \"sup\" and (.why | endswith(\"sup newer than 01:10:00Z\"))" list &&
	{ stock A 5; sentinel complete 700; stock A 2 sup; sentinel complete 4200 sup; order 1 A 1 complete; } |
	at 4300 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	{ stock A 5; sentinel complete 700; stock A 1 sup; sentinel complete 4201 sup; order 1 A 1 complete; } |
	at 4400 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'a failed or missing source is waited for with its last complete snapshot' '
	mkstate s &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 5; sentinel complete 100; } | at 120 lk-reserve -C s >/dev/null &&
	order 1 A 1 complete | at 600 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	{ stock A 4; sentinel failed 900; order 1 A 1 complete; } | at 960 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	{ stock A 4; sentinel complete 900; } | at 1020 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'a source produced after the shipment in an earlier run releases without being in the input' '
	mkstate s &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	{ order 1 A 1 complete; listing complete; } | at 600 lk-reserve -C s >out &&
	test "$(qty A out)" = 1 &&
	{ stock A 4; sentinel complete 650; listing complete; } | at 700 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'a source that is not on sale is not waited for' '
	mk2 &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///dev/null\", \"on_sale\": false}" >s/sources/sup.json &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 5; sentinel complete 700; order 1 A 1 complete; } | at 600 lk-reserve -C s >out &&
	test "$(qty A out)" = 0
'

test_expect_success 'reserve_max_age ends the wait' '
	mkstate s &&
	echo "{\"push\": true, \"reserve_max_age\": \"2h\"}" >s/lk.json &&
	order 1 A 1 new | at 0 lk-reserve -C s >/dev/null &&
	order 1 A 1 complete | at 600 lk-reserve -C s >out && test "$(qty A out)" = 1 &&
	order 1 A 1 complete | at 7200 lk-reserve -C s >out && test "$(qty A out)" = 0 &&
	at 7300 lk-reserve -C s --list >list && jqe "select(.id == \"1\") | .released == \"max_age\"" list
'

test_expect_success 'a bad lag is a configuration error (78)' '
	mk2 &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///dev/null\", \"lag\": \"soon\"}" >s/sources/sup.json &&
	test_expect_code 78 lk-reserve -C s </dev/null 2>err &&
	test_grep err "sources/sup.json: lag"
'

test_expect_success 'the ledger keeps each source production time' '
	mkstate s &&
	{ stock A 5; sentinel complete 100; } | at 120 lk-reserve -C s >/dev/null &&
	jqe "select(.kind == \"source\") | .source == \"main\" and .produced == \"$(time_at 100)\"" s/.lk/reserve.ndjson
'

test_expect_success 'lk-alloc --explain shows the orders behind the reserve and which shipped' '
	mkstate s && printf "sku\nA\n" >s/catalog.csv &&
	{ order 1 A 2 new; order 2 A 1 new; } | at 0 lk-reserve -C s >/dev/null &&
	{ stock A 9; sentinel complete 590; order 1 A 2 complete; order 2 A 1 new; } |
	at 600 lk-reserve -C s | at 600 lk-alloc -C s --explain=A >out &&
	jqe "select(.type == \"alloc\") | .qty == 6 and .why.reserve == 3 and
	    .why.reserve_orders == [\"wb-msk:1\", \"wb-msk:2\"] and .why.reserve_shipped == [\"wb-msk:1\"]" out
'

test_done
