#!/bin/sh
# lk-sync: what a change in a feed, an order and a dead feed do to the
# marketplaces, checked on the double.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

test_expect_success 'a change in one feed sends only those products' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	test "$(held wb SKU-0004)" = 10 &&
	double_ctl DELETE /_double/log >/dev/null &&
	sed "s|<count>25</count>|<count>5</count>|" feeds/main.xml >x && mv x feeds/main.xml &&
	lk-sync -C state -q >out.txt &&
	pushed_items >items &&
	printf "%s\n" "ozon SKU-0004" "wb 100004" "ym SKU-0004" >expect &&
	test_cmp expect items &&
	test "$(held wb SKU-0004)" = 2 &&
	test "$(held ozon SKU-0004)" = 1 && test "$(held ym SKU-0004)" = 0 &&
	grep -E "^wb +pushed +20 +1 +19 +0 +0 +0$" out.txt
'

test_expect_success 'an order on one marketplace lowers the stock on the others' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	test "$(held ozon SKU-0003)" = 2 && test "$(held ym SKU-0003)" = 0 &&
	double_ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"SKU-0003\",\"qty\":2,\"warehouse\":\"507\"}" >/dev/null &&
	lk-sync -C state -q >out.txt &&
	test "$(held ozon SKU-0003)" = 1 && test "$(held ym SKU-0003)" = 0 &&
	test "$(held wb SKU-0003)" = 2 &&
	test "$(held ozon SKU-0001)" = 3 &&
	grep -E "^ozon +pushed +20 +1 +19 +0 +0 +2$" out.txt
'

test_expect_success 'a feed that fails to download changes nothing' '
	mkdemo && lk-sync -C state -q >/dev/null && snapshot >before &&
	sed "s|\"url\": \"[^\"]*\"|\"url\": \"http://127.0.0.1:1/main.xml\"|" state/sources/main.json >x &&
	mv x state/sources/main.json &&
	double_ctl DELETE /_double/log >/dev/null &&
	test_expect_code 75 lk-sync -C state -q --json >s.json &&
	snapshot >after && test_cmp before after &&
	pushed_items >items && test ! -s items &&
	python3 -c "import json
s = json.load(open(\"s.json\"))
src = {x[\"source\"]: x[\"status\"] for x in s[\"sources\"]}
assert src == {\"main\": \"failed\", \"supplier\": \"complete\"}, src
assert s[\"pushed\"] is True, s"
'

test_expect_success 'a dead feed on the very first run: nothing is pushed at all (exit 3)' '
	mkdemo &&
	sed "s|\"url\": \"[^\"]*\"|\"url\": \"http://127.0.0.1:1/main.xml\"|" state/sources/main.json >x &&
	mv x state/sources/main.json &&
	test_expect_code 3 lk-sync -C state -q >out.txt 2>err.txt &&
	pushed_items >items && test ! -s items &&
	! grep -q "\"type\":\"pushed\"" "$(last_run)/push.out" &&
	test ! -e state/out/site-feed.xml
'

test_expect_success 'a dead supplier feed on the first run: its channels wait, the site feed (main only) is written' '
	mkdemo &&
	sed "s|\"url\": \"[^\"]*\"|\"url\": \"http://127.0.0.1:1/supplier.csv\"|" state/sources/supplier.json >x &&
	mv x state/sources/supplier.json &&
	test_expect_code 3 lk-sync -C state -q >out.txt 2>err.txt &&
	pushed_items >items && test ! -s items &&
	grep -q "\"channel\":\"site\".*\"status\":\"ok\"" "$(last_run)/push.out" &&
	! grep "\"type\":\"pushed\"" "$(last_run)/push.out" | grep -v "\"channel\":\"site\""
'

test_expect_success 'a feed that does not parse: the last snapshot is used, exit 65' '
	mkdemo && lk-sync -C state -q >/dev/null && snapshot >before &&
	head -c 3000 feeds/main.xml >x && mv x feeds/main.xml &&
	test_expect_code 65 lk-sync -C state -q >out.txt 2>err.txt &&
	snapshot >after && test_cmp before after &&
	grep -E "^main +snapshot +12 .*Premature end of data" out.txt
'

test_done
