#!/bin/sh
# lk-push's file channels: the YML feed (well-formed UTF-8 XML, valid
# against a variant of Yandex's shops.dtd) and the NDJSON "external
# warehouse" file, both written whole and atomically.
#
# What the DTD check covers: ../shared/specs/shops.dtd is Yandex's old
# DTD; it has no <count> and no available="", and requires elements lk
# has no data for (url, currencies, categories; url and categoryId per
# offer).  The test validates against shops.dtd with exactly these
# changes: shop = (name, company, url?, currencies?, categories?, offers);
# offer = (url?, price?, currencyId?, categoryId*, name?, count), with
# <!ELEMENT count (#PCDATA)> and available (true|false) declared.
# Everything else (yml_catalog and its required date, offers (offer+),
# offer id, the element names and order) is checked as shops.dtd says.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

# No marketplace is called here; the channels point at a closed port.
DOUBLE_URL=http://127.0.0.1:9
DTD=${LK_SHOPS_DTD:-$TOP/../shared/specs/shops.dtd}

# variant_dtd OUT: shops.dtd with the changes above.
variant_dtd() {
	sed -e 's/^<!ELEMENT shop (name, company, url, currencies, categories, deliveryIncluded?, offers)>/<!ELEMENT shop (name, company, url?, currencies?, categories?, offers)>/' \
	    -e '/^<!ELEMENT offer (url, buyurl/,/^                )>/c\
<!ELEMENT offer (url?, price?, currencyId?, categoryId*, name?, count)>' "$DTD" >"$1" &&
	printf '<!ELEMENT count (#PCDATA)>\n<!ATTLIST offer available (true|false) #IMPLIED>\n' >>"$1" &&
	grep -q "^<!ELEMENT offer (url?, price?, currencyId?, categoryId\*, name?, count)>" "$1" &&
	grep -q "^<!ELEMENT shop (name, company, url?" "$1"
}

test_expect_success 'the YML feed is valid against the shops.dtd variant; every item, whole' '
	mkstate s 50 &&
	variant_dtd v.dtd &&
	sed -i "/^SKU-00002,/d" s/catalog.csv &&
	printf "%s\n" "SKU-00002,100002,SKU-00002,SKU-00002,SKU-00002,SKU-00002,1005001,\"Чайник <Bosch> & \"\"Co\"\"\",2.50" >>s/catalog.csv &&
	allocs feed 1 50 "i % 4" >in &&
	LK_TEST_NOW=2026-11-27T10:00:00Z lk-push -C s in >out 2>err &&
	xmllint --noout --encode UTF-8 s/out/feed.xml &&
	xmllint --noout --dtdvalid v.dtd s/out/feed.xml &&
	test "$(xmllint --xpath "count(//offer)" s/out/feed.xml)" = 50 &&
	test "$(xmllint --xpath "string(/yml_catalog/@date)" s/out/feed.xml)" = 2026-11-27T10:00:00Z &&
	test "$(xmllint --xpath "string(//offer[@id=\"SKU-00002\"]/name)" s/out/feed.xml)" = "Чайник <Bosch> & \"Co\"" &&
	test "$(xmllint --xpath "string(//offer[@id=\"SKU-00004\"]/@available)" s/out/feed.xml)" = false &&
	test "$(xmllint --xpath "string(//offer[@id=\"SKU-00005\"]/count)" s/out/feed.xml)" = 1 &&
	test "$(xmllint --xpath "string(//shop/name)" s/out/feed.xml)" = "Test & Co" &&
	test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 50 &&
	allocs feed 1 50 "(i == 5 ? 9 : i % 4)" >in2 &&
	lk-push -C s in2 >out2 2>err2 &&
	test "$(grep -c . out2)" = 1 &&
	test "$(xmllint --xpath "count(//offer)" s/out/feed.xml)" = 50 &&
	test "$(xmllint --xpath "string(//offer[@id=\"SKU-00005\"]/count)" s/out/feed.xml)" = 9
'

test_expect_success 'the check can fail: a feed without <count> is invalid' '
	mkstate s 5 &&
	variant_dtd v.dtd &&
	allocs feed 1 5 "1" >in &&
	lk-push -C s in >/dev/null 2>&1 &&
	sed "s|<count>1</count>||" s/out/feed.xml >bad.xml &&
	test_must_fail xmllint --noout --dtdvalid v.dtd bad.xml
'

test_expect_success 'invalid UTF-8 in the catalog becomes U+FFFD; the feed stays valid' '
	mkstate s 5 &&
	variant_dtd v.dtd &&
	printf "SKU-00006,100006,SKU-00006,SKU-00006,SKU-00006,SKU-00006,1,Bad \\377 name,1\n" >>s/catalog.csv &&
	allocs feed 1 6 "1" >in &&
	lk-push -C s in >/dev/null 2>&1 &&
	xmllint --noout --dtdvalid v.dtd s/out/feed.xml &&
	grep "Bad � name" s/out/feed.xml
'

test_expect_success 'the ndjson channel: stock records and a complete sentinel, whole' '
	mkstate s 30 &&
	allocs ext 1 30 "i * 2" >in &&
	LK_TEST_NOW=2026-11-27T10:00:00Z lk-push -C s in >out 2>err &&
	test "$(grep -c . s/out/ext.ndjson)" = 31 &&
	head -n 30 s/out/ext.ndjson >stock &&
	jqe ".type == \"stock\" and .source == \"ext\" and (.sku | startswith(\"SKU-\")) and .qty == (.sku | ltrimstr(\"SKU-\") | tonumber * 2)" stock &&
	tail -n 1 s/out/ext.ndjson | jq -e ".type == \"source\" and .source == \"ext\" and .status == \"complete\" and .records == 30" &&
	allocs ext 1 30 "(i == 1 ? 100 : i * 2)" >in2 &&
	lk-push -C s in2 >out2 2>&1 &&
	test "$(grep -c . s/out/ext.ndjson)" = 31 &&
	grep -F "{\"type\":\"stock\",\"sku\":\"SKU-00001\",\"source\":\"ext\",\"qty\":100}" s/out/ext.ndjson
'

test_expect_success 'a dry run writes no file; an unwritable output is 73 and keeps the old file' '
	mkstate s 5 &&
	allocs ext 1 5 "1" >in &&
	lk-push -C s -n in >out 2>err &&
	test ! -f s/out/ext.ndjson &&
	jqe ".status == \"dry_run\"" out &&
	lk-push -C s in >/dev/null 2>&1 && cp s/out/ext.ndjson before &&
	allocs ext 1 5 "2" >in2 &&
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	LD_PRELOAD="$TOP/tests/lib/inject.so" LK_INJECT_PATH=ext.ndjson LK_INJECT_OP=rename \
		test_expect_code 73 lk-push -C s in2 >out2 2>err2 &&
	test_cmp before s/out/ext.ndjson &&
	lk-push -C s in2 >/dev/null 2>&1 && grep -F "\"qty\":2" s/out/ext.ndjson
'

test_expect_success 'a file channel creates its output folder: out/ and below, and in output_dirs' '
	mkstate s 5 && rm -r s/out &&
	echo "{\"marketplace\": \"yml\", \"output\": \"out/feeds/site.xml\", \"sources\": [\"main\"]}" >s/channels/feed.json &&
	mkdir ext && echo "{\"push\": true, \"output_dirs\": [\"$(pwd)/ext\"]}" >s/lk.json &&
	echo "{\"marketplace\": \"ndjson\", \"output\": \"$(pwd)/ext/wh/1/ext.ndjson\", \"sources\": [\"main\"]}" >s/channels/ext.json &&
	{ allocs feed 1 5 "1"; allocs ext 1 5 "2"; } >in &&
	lk-push -C s in >out 2>err &&
	test "$(xmllint --xpath "count(//offer)" s/out/feeds/site.xml)" = 5 &&
	test "$(grep -c "\"qty\":2" ext/wh/1/ext.ndjson)" = 5
'

test_done
