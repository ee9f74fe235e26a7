#!/bin/sh
# --source NAME: the parsers read their options from sources/NAME.json
# in a state directory (a git repository made by lk-state init); the
# command line wins; a bad or missing config is exit 78.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t2-parse-lib.sh
. "$(dirname "$0")/t2-parse-lib.sh"

# state: a state directory with one source of each kind.
state() {
	lk-state init st >/dev/null 2>&1 || make_state st
	cat >st/sources/ozon.json <<-\J
	{"kind": "yml", "url": "https://example.com/ozon.xml", "outlets": "sum", "duplicates": "error"}
	J
	cat >st/sources/restore.json <<-\J
	{"kind": "yml", "url": "https://example.com/cc.xml", "available_qty": 3, "sku": "barcode"}
	J
	cat >st/sources/ut11.json <<-\J
	{"kind": "cml", "url": "file:///exchange/offers0_1.xml", "per_warehouse": true, "location_names": true, "sku": "article"}
	J
	cat >st/sources/apteka.json <<-\J
	{"kind": "csv", "url": "file:///lists/ostatki.csv", "sku": "BARCODE", "qty": "OST", "location": "APTEKA", "encoding": "windows-1251", "delimiter": ";"}
	J
}

test_expect_success 'yml: outlets sum from the config, source name from --source' '
	state &&
	lk-parse-yml -C st --source ozon "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >out &&
	sentinel_is out complete 227 && ! grep -q location out &&
	test_grep out "{\"type\":\"stock\",\"sku\":\"1111176813\",\"source\":\"ozon\",\"qty\":5}"
'

test_expect_success 'yml: the command line wins over the config' '
	state &&
	lk-parse-yml -C st -s ozon --outlets split "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >out &&
	test_grep out "\"sku\":\"1111176813\",\"source\":\"ozon\",\"qty\":5,\"location\":\"Москва\"}"
'

test_expect_success 'yml: available_qty and sku barcode from the config (9 offers without one); LK_STATE_DIR' '
	state &&
	LK_STATE_DIR=st && export LK_STATE_DIR &&
	test_expect_code 1 lk-parse-yml -s restore "$YML/restore_click-collect-moskva.xml" >out 2>err &&
	test_grep out "\"sku\":\"8886463655566\",\"source\":\"restore\",\"qty\":0," &&
	sentinel_is out complete 1845 && test "$(grep -c "\"qty\":3," out)" = 1844 &&
	test "$(grep -c "offer with an empty or too long sku" err)" = 9
'

test_expect_success 'cml: per_warehouse, location_names and sku article from the config' '
	state &&
	test_expect_code 1 lk-parse-cml -C st -s ut11 "$CML/1c-ut11-2.07_offers0_1.xml" >out 2>err &&
	head -n 1 out | grep -q "\"sku\":\"Арт-7777\",\"source\":\"ut11\",\"qty\":20,\"location\":\"Магазин"
'

test_expect_success 'csv: columns, encoding and delimiter from the config' '
	state &&
	lk-parse-csv -C st --source apteka "$CSV/apteka_ostatki_windows-1251.csv" >out 2>err &&
	sentinel_is out complete 3571 &&
	head -n 1 out | grep -q "{\"type\":\"stock\",\"sku\":\"4602824000486\",\"source\":\"apteka\",\"qty\":2,\"location\":\"2\"}"
'

test_expect_success 'a source of another kind, a missing source, a bad config: 78' '
	state &&
	test_expect_code 78 lk-parse-csv -C st -s ozon x.csv 2>err && test_grep err "kind" &&
	test_expect_code 78 lk-parse-csv -C st -s nosuch x.csv 2>err && test_grep err "nosuch" &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///x.csv\", \"delimiter\": \";;\"}" >st/sources/bad.json &&
	test_expect_code 78 lk-parse-csv -C st -s apteka x.csv 2>err && test_grep err "bad.json: delimiter"
'

test_expect_success 'a missing state directory: 66' '
	test_expect_code 66 lk-parse-yml -C nowhere -s ozon x.xml 2>err
'

test_done
