#!/bin/sh
# lk-parse-yml on the real feeds in $DATA/yml, and on small made-up feeds
# for each rule: quantities, outlets, available, duplicates, bad numbers,
# truncation, gzip, encodings, XXE and billion laughs.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t2-parse-lib.sh
. "$(dirname "$0")/t2-parse-lib.sh"

# feed FILE OFFERS...: a small YML feed around the given <offer>s.
feed() {
	_f=$1
	shift
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<yml_catalog date="2026-11-27 03:00"><shop><offers>'
		for _o in "$@"; do echo "$_o"; done
		echo '</offers></shop></yml_catalog>'
	} >"$_f"
}

test_expect_success 'ozon feed: 227 outlet records, 43 zero, complete' '
	lk-parse-yml "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >out &&
	test "$(nstock out)" = 227 &&
	test "$(grep -c "\"qty\":0," out)" = 43 &&
	head -n 1 out >first &&
	echo "{\"type\":\"stock\",\"sku\":\"1111176813\",\"source\":\"ozon-feeds_feed_2026-03-15T1011\",\"qty\":5,\"location\":\"Москва\"}" >want &&
	test_cmp want first &&
	echo "{\"type\":\"source\",\"source\":\"ozon-feeds_feed_2026-03-15T1011\",\"status\":\"complete\",\"records\":227,\"at\":\"2026-11-27T03:00:00Z\",\"produced\":\"2026-03-15T07:11:00Z\",\"produced_from\":\"feed\"}" >want &&
	tail -n 1 out >last && test_cmp want last
'

test_expect_success 'ozon feed: the next version differs in exactly the 6 instock values' '
	lk-parse-yml --name o "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >a &&
	lk-parse-yml --name o "$YML/ozon-feeds_feed_2026-03-15T1201.xml" >b &&
	diff a b | grep "^>" | grep "\"type\":\"stock\"" | sed "s/.*\"sku\":\"\\([0-9]*\\)\".*\"qty\":\\([0-9]*\\).*/\\1 \\2/" >got &&
	printf "%s\n" "11612 95" "11715 200" "11712 160" "11713 141" "11614 154" "11615 308" >want &&
	test_cmp want got &&
	diff a b | grep "^<" | grep -c "\"sku\":\"11615\",\"source\":\"o\",\"qty\":309," >n && test "$(cat n)" = 1
'

test_expect_success 'ozon feed: --outlets sum gives one record per offer, no location' '
	lk-parse-yml --outlets sum "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >out &&
	test "$(nstock out)" = 227 && ! grep -q location out
'

test_expect_success 'ginzzu feed (CRLF): 311 records with location, barcode and name' '
	lk-parse-yml "$YML/goods-ru_ginzzu_export-goods.xml" >out &&
	sentinel_is out complete 311 &&
	head -n 1 out >first &&
	echo "{\"type\":\"stock\",\"sku\":\"16976\",\"source\":\"goods-ru_ginzzu_export-goods\",\"qty\":459,\"location\":\"1\",\"barcode\":\"4892476001614\",\"name\":\"Пылесос VS117 вертикальный черно/синий\"}" >want &&
	test_cmp want first &&
	grep -q "\"qty\":45209," out
'

test_expect_success 'feed with only available: fails as a whole, keeps nothing complete' '
	test_expect_code 65 lk-parse-yml "$YML/restore_click-collect-moskva.xml" >out 2>err &&
	sentinel_is out failed 1 &&
	test_grep err "none of the 1854 offers has a quantity" &&
	test_grep err "--available-qty"
'

test_expect_success 'feed with only available: --available-qty 5, and available=false is 0' '
	lk-parse-yml --available-qty 5 "$YML/restore_click-collect-moskva.xml" >out &&
	sentinel_is out complete 1854 &&
	test "$(grep -c "\"qty\":5," out)" = 1853 &&
	grep "\"qty\":0," out >zero && test "$(wc -l <zero)" = 1 &&
	test_grep zero "\"sku\":\"IP7HYB-GLCFBLK\""
'

test_expect_success 'windows-1251 feed: UTF-8 names (from <model>, trimmed)' '
	lk-parse-yml --available-qty 1 "$YML/frezermsk_yandex_windows-1251.xml" >out &&
	sentinel_is out complete 106 &&
	test_grep out "{\"type\":\"stock\",\"sku\":\"29\",\"source\":\"frezermsk_yandex_windows-1251\",\"qty\":1,\"name\":\"GKF 600 Professional кромочный\"}"
'

test_expect_success 'WordPress feed: --sku vendorCode, the 12 offers without one reported' '
	test_expect_code 1 lk-parse-yml --available-qty 2 --sku vendorCode "$YML/wp-y4ym_vseprobaby_feed-yml-0.xml" >out 2>err &&
	sentinel_is out complete 70 &&
	test "$(grep -c "offer without a sku (vendorCode)" err)" = 12 &&
	test_grep err "wp-y4ym_vseprobaby_feed-yml-0.xml:582:35: offer without a sku"
'

test_expect_success 'gzip input is detected and read' '
	gzip -c "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >feed.xml.gz &&
	lk-parse-yml feed.xml.gz >gz.out &&
	lk-parse-yml --name feed "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >plain.out &&
	test_cmp plain.out gz.out &&
	gzip -c "$YML/ozon-feeds_feed_2026-03-15T1011.xml" | lk-parse-yml >stdin.out &&
	sentinel_is stdin.out complete 227 && test_grep stdin.out "\"source\":\"stdin\""
'

test_expect_success 'truncated gzip: records so far, failed sentinel, 65' '
	gzip -c "$YML/goods-ru_ginzzu_export-goods.xml" >full.gz &&
	head -c 30000 full.gz >cut.gz &&
	test_expect_code 65 lk-parse-yml cut.gz >out 2>err &&
	n=$(nstock out) && test "$n" -gt 0 && test "$n" -lt 311 &&
	sentinel_is out failed "$n" && test_grep err "truncated gzip data"
'

test_expect_success 'truncated feed: records so far, then failed with line:col, 65' '
	head -n 300 "$YML/ozon-feeds_feed_2026-03-15T1011.xml" >feed.xml &&
	test_expect_code 65 lk-parse-yml feed.xml >out 2>err &&
	n=$(nstock out) && test "$n" = 42 && sentinel_is out failed 42 &&
	test_grep out "\"error\":\"feed.xml:301:1: " &&
	test_grep err "lk-parse-yml: feed.xml:301:1: "
'

test_expect_success 'malformed feed: the position of the error' '
	feed feed.xml "<offer id=\"a\"><count>1</count></offer>" "<offer id=\"b\"><count>2</cuont></offer>" &&
	test_expect_code 65 lk-parse-yml feed.xml >out 2>err &&
	sentinel_is out failed 1 &&
	test_grep err "feed.xml:4:"
'

test_expect_success 'XXE: an external entity is refused, nothing read' '
	cat >xxe.xml <<-\XML &&
	<?xml version="1.0"?>
	<!DOCTYPE yml_catalog [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
	<yml_catalog><shop><offers><offer id="a"><name>&xxe;</name><count>1</count></offer></offers></shop></yml_catalog>
	XML
	test_expect_code 65 lk-parse-yml xxe.xml >out 2>err &&
	sentinel_is out failed 0 &&
	test_grep err "xxe.xml:2:" && test_grep err "entity declaration '"'"'xxe'"'"' refused" &&
	! grep -q "root:" out
'

test_expect_success 'billion laughs: refused at the first declaration' '
	{
		echo "<?xml version=\"1.0\"?>"
		echo "<!DOCTYPE lolz ["
		echo "<!ENTITY lol \"lol\">"
		i=1; prev=lol
		while [ $i -le 9 ]; do
			echo "<!ENTITY lol$i \"&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;\">"
			prev=lol$i; i=$((i + 1))
		done
		echo "]>"
		echo "<yml_catalog><shop><offers><offer id=\"a\"><name>&lol9;</name><count>1</count></offer></offers></shop></yml_catalog>"
	} >lol.xml &&
	test_expect_code 65 lk-parse-yml lol.xml >out 2>err &&
	sentinel_is out failed 0 && test_grep err "entity declaration '"'"'lol'"'"' refused"
'

test_expect_success 'an undeclared entity with an external DTD is a warning only' '
	cat >dtd.xml <<-\XML &&
	<?xml version="1.0"?>
	<!DOCTYPE yml_catalog SYSTEM "shops.dtd">
	<yml_catalog><shop><offers><offer id="a"><name>A&nbsp;B &amp; C</name><count>1</count></offer></offers></shop></yml_catalog>
	XML
	lk-parse-yml dtd.xml >out 2>err &&
	sentinel_is out complete 1 && test_grep out "\"name\":\"AB & C\""
'

test_expect_success 'bytes the declared encoding cannot convert: failed with the cause' '
	printf "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n<yml_catalog><shop><offers><offer id=\"a\"><name>\320\232\320\276\377</name></offer></offers></shop></yml_catalog>\n" >enc.xml &&
	test_expect_code 65 lk-parse-yml enc.xml >out 2>err &&
	sentinel_is out failed 0 &&
	echo "lk-parse-yml: enc.xml:2:48: input conversion failed due to input error, bytes 0xD0 0x9A 0xD0 0xBE" >want &&
	test_cmp want err
'

test_expect_success 'a quantity that is not a number: reported with line:col (end of its start tag), skipped, exit 1' '
	feed feed.xml "<offer id=\"a\"><count>3</count></offer>" "<offer id=\"b\"><count>abc</count></offer>" "<offer id=\"c\"><count>5</count></offer>" &&
	test_expect_code 1 lk-parse-yml feed.xml >out 2>err &&
	sentinel_is out complete 2 &&
	echo "lk-parse-yml: feed.xml:4:21: quantity '"'"'abc'"'"' is not a number" >want &&
	test_cmp want err
'

test_expect_success '--strict: the bad quantity fails the source' '
	feed feed.xml "<offer id=\"a\"><count>3</count></offer>" "<offer id=\"b\"><count>abc</count></offer>" "<offer id=\"c\"><count>5</count></offer>" &&
	test_expect_code 65 lk-parse-yml --strict feed.xml >out 2>err &&
	sentinel_is out failed 1 && test_grep out "feed.xml:4:21: quantity"
'

test_expect_success 'fractions floored, negatives 0, one warning' '
	feed feed.xml "<offer id=\"a\"><count>2.7</count></offer>" "<offer id=\"b\"><count>-4</count></offer>" "<offer id=\"c\"><count> 1 000 </count></offer>" &&
	lk-parse-yml feed.xml >out 2>err &&
	test_grep out "\"sku\":\"a\",\"source\":\"feed\",\"qty\":2}" &&
	test_grep out "\"sku\":\"b\",\"source\":\"feed\",\"qty\":0}" &&
	test_grep out "\"sku\":\"c\",\"source\":\"feed\",\"qty\":1000}" &&
	echo "lk-parse-yml: feed.xml: 1 fractional quantity floored, 1 negative set to 0" >want &&
	test_cmp want err
'

test_expect_success 'duplicates: written and counted, or reported with --duplicates error' '
	feed feed.xml "<offer id=\"a\"><count>1</count></offer>" "<offer id=\"a\"><count>2</count></offer>" "<offer id=\"b\"><count>2</count></offer>" &&
	lk-parse-yml feed.xml >out 2>err &&
	sentinel_is out complete 3 && test_grep err "1 duplicate sku (quantities add up)" &&
	test_expect_code 1 lk-parse-yml --duplicates error feed.xml >out 2>err &&
	sentinel_is out complete 2 && test_grep err "feed.xml:4: duplicate sku '"'"'a'"'"'"
'

test_expect_success 'outlets: split by id, the same sku at two outlets is no duplicate' '
	feed feed.xml "<offer id=\"a\"><outlets><outlet id=\"1\" instock=\"3\"/><outlet id=\"2\" instock=\"4\"/></outlets></offer>" &&
	lk-parse-yml feed.xml >out 2>err && test ! -s err &&
	test_grep out "\"sku\":\"a\",\"source\":\"feed\",\"qty\":3,\"location\":\"1\"}" &&
	test_grep out "\"sku\":\"a\",\"source\":\"feed\",\"qty\":4,\"location\":\"2\"}" &&
	lk-parse-yml --outlets sum feed.xml >out && test_grep out "\"qty\":7}"
'

test_expect_success 'auto: count wins over outlets; --qty outlets picks them' '
	feed feed.xml "<offer id=\"a\"><count>9</count><outlets><outlet id=\"1\" instock=\"3\"/></outlets></offer>" &&
	lk-parse-yml feed.xml >out && test_grep out "\"qty\":9}" &&
	lk-parse-yml --qty outlets feed.xml >out && test_grep out "\"qty\":3,\"location\":\"1\"}"
'

test_expect_success 'quantity and stock attributes, a named element, @ATTR for sku' '
	feed feed.xml "<offer id=\"a\" quantity=\"16\" code=\"X-1\"/>" "<offer id=\"b\" stock=\"5\" code=\"X-2\"><stock-count>8</stock-count></offer>" &&
	lk-parse-yml feed.xml >out &&
	test_grep out "\"sku\":\"a\",\"source\":\"feed\",\"qty\":16}" &&
	test_grep out "\"sku\":\"b\",\"source\":\"feed\",\"qty\":5}" &&
	test_expect_code 1 lk-parse-yml --qty stock-count --sku @code feed.xml >out 2>err &&
	test_grep out "\"sku\":\"X-2\",\"source\":\"feed\",\"qty\":8}" &&
	test_grep err "offer '"'"'X-1'"'"' has no quantity (a quantity element)"
'

test_expect_success 'available=false gives 0 unless --keep-unavailable' '
	feed feed.xml "<offer id=\"a\" available=\"false\"><count>4</count></offer>" &&
	lk-parse-yml feed.xml >out && test_grep out "\"qty\":0}" &&
	lk-parse-yml --keep-unavailable feed.xml >out && test_grep out "\"qty\":4}"
'

test_expect_success 'sku with &amp; in the id attribute comes out as &' '
	feed feed.xml "<offer id=\"A&amp;B\"><count>1</count></offer>" &&
	lk-parse-yml feed.xml >out && test_grep out "\"sku\":\"A&B\""
'

test_expect_success 'not a YML feed, an empty input: failed, 65' '
	echo "<catalog/>" >x.xml &&
	test_expect_code 65 lk-parse-yml x.xml >out 2>err && test_grep err "no <offers> element" &&
	: >empty.xml &&
	test_expect_code 65 lk-parse-yml empty.xml >out 2>err && sentinel_is out failed 0
'

test_expect_success 'usage: --help, --version, bad options, missing file' '
	lk-parse-yml --help >out && head -n 1 out | grep -q "^usage: lk-parse-yml " &&
	lk-parse-yml -V | grep -q "^lk-parse-yml (lk) " &&
	test_expect_code 64 lk-parse-yml --outlets both x 2>err &&
	test_expect_code 64 lk-parse-yml --no-such-option 2>err &&
	test_expect_code 64 lk-parse-yml a b 2>err &&
	test_expect_code 66 lk-parse-yml missing.xml 2>err && test_grep err "missing.xml"
'

test_expect_success 'the EXAMPLES of lk-parse-yml(1) run' '
	cp "$YML/ozon-feeds_feed_2026-03-15T1011.xml" ozon-feed.xml &&
	cp "$YML/restore_click-collect-moskva.xml" click-collect.xml &&
	cp "$YML/frezermsk_yandex_windows-1251.xml" frezer.xml &&
	make_state state &&
	echo "{\"kind\": \"yml\", \"url\": \"file:///feeds/frezer.xml\", \"available_qty\": 2}" >state/sources/frezer.json &&
	run_examples lk-parse-yml.1 &&
	test "$(wc -l <examples.txt)" = 4 &&
	sentinel_is out.ndjson complete 106 && test_grep out.ndjson "\"source\":\"frezer\",\"qty\":2"
'

# produced FILE: the sentinel's production time and where it came from.
produced() {
	tail -n 1 "$1" | jq -r '"\(.produced) \(.produced_from)"'
}

test_expect_success 'produced: the feed date without a zone is Moscow time by default' '
	feed f.xml "<offer id=\"a\"><count>1</count></offer>" &&
	lk-parse-yml f.xml >out && test "$(produced out)" = "2026-11-27T00:00:00Z feed"
'

test_expect_success 'produced: a source timezone, and a date with its own zone' '
	make_state state &&
	feed state/f.xml "<offer id=\"a\"><count>1</count></offer>" &&
	echo "{\"kind\": \"yml\", \"url\": \"f.xml\", \"timezone\": \"Asia/Yekaterinburg\"}" >state/sources/f.json &&
	lk-parse-yml -C state --source f state/f.xml >out &&
	test "$(produced out)" = "2026-11-26T22:00:00Z feed" &&
	echo "{\"kind\": \"yml\", \"url\": \"f.xml\", \"timezone\": \"+00:00\"}" >state/sources/f.json &&
	lk-parse-yml -C state --source f state/f.xml >out &&
	test "$(produced out)" = "2026-11-27T03:00:00Z feed" &&
	sed "s/date=\"[^\"]*\"/date=\"2026-11-27T02:30:00+05:00\"/" state/f.xml >state/g.xml &&
	lk-parse-yml -C state --source f state/g.xml >out &&
	test "$(produced out)" = "2026-11-26T21:30:00Z feed"
'

test_expect_success 'produced: an unknown timezone is a configuration error' '
	make_state state &&
	echo "{\"kind\": \"yml\", \"url\": \"f.xml\", \"timezone\": \"Mars/Olympus\"}" >state/sources/f.json &&
	test_expect_code 78 lk-parse-yml -C state --source f /dev/null 2>err &&
	test_grep err "sources/f.json: timezone"
'

test_expect_success 'produced: without a date, the file time; from a pipe, now; never after now' '
	printf "<shop><offers><offer id=\"a\"><count>1</count></offer></offers></shop>" >f.xml &&
	touch -d 2026-11-27T01:02:03Z f.xml &&
	lk-parse-yml f.xml >out && test "$(produced out)" = "2026-11-27T01:02:03Z file" &&
	lk-parse-yml <f.xml >out && test "$(produced out)" = "2026-11-27T01:02:03Z file" &&
	cat f.xml | lk-parse-yml >out && test "$(produced out)" = "2026-11-27T03:00:00Z now" &&
	touch -d 2026-11-28T00:00:00Z f.xml &&
	lk-parse-yml f.xml >out && test "$(produced out)" = "2026-11-27T03:00:00Z file"
'

test_expect_success 'produced: a date that is not one is reported, the file time used' '
	feed f.xml "<offer id=\"a\"><count>1</count></offer>" &&
	sed -i "s/date=\"[^\"]*\"/date=\"yesterday\"/" f.xml &&
	touch -d 2026-11-27T01:00:00Z f.xml &&
	lk-parse-yml f.xml >out 2>err &&
	test_grep err "the feed'"'"'s date '"'"'yesterday'"'"' is not a date" &&
	test "$(produced out)" = "2026-11-27T01:00:00Z file"
'

test_expect_success '<outlets><option instock> read like <outlet>: one record per option' '
	lk-parse-yml "$TOP/tests/data/yml/outlets-option.xml" >out &&
	sentinel_is out complete 5 &&
	test_grep out "{\"type\":\"stock\",\"sku\":\"1043\",\"source\":\"outlets-option\",\"qty\":14,\"location\":\"0\"," &&
	test_grep out "\"sku\":\"1051\",\"source\":\"outlets-option\",\"qty\":3,\"location\":\"2\"" &&
	test_grep out "\"sku\":\"1052\",\"source\":\"outlets-option\",\"qty\":0," &&
	lk-parse-yml --outlets sum "$TOP/tests/data/yml/outlets-option.xml" >out &&
	test_grep out "\"sku\":\"1051\",\"source\":\"outlets-option\",\"qty\":9,"
'

test_expect_success '<outlets> with only unknown children: the error says so, no --available-qty hint' '
	test_expect_code 65 lk-parse-yml "$TOP/tests/data/yml/outlets-unknown.xml" >out 2>err &&
	sentinel_is out failed 1 &&
	test_grep err "none of the 4 offers has a quantity (count, outlets, quantity or stock); their <outlets> hold <store>, which lk does not read (it reads <outlet> and <option> with instock)" &&
	! grep -q -- "--available-qty" err
'

test_done
