#!/bin/sh
# lk-sync: the first sync of a demo-like state directory; the run folder;
# dry run; secrets stay out of everything lk writes.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

test_expect_success 'the first sync sends every product to every channel' '
	mkdemo &&
	lk-sync -C state >out.txt 2>err.txt &&
	test "$(held wb SKU-0001)" = 6 && test "$(held ozon SKU-0001)" = 3 &&
	test "$(held ym SKU-0001)" = 2 &&
	test "$(held wb SKU-0009)" = 10 &&
	test "$(held ym SKU-0005)" = 0 &&
	test "$(grep -c "<offer " state/out/site-feed.xml)" = 20 &&
	grep -E "^wb +pushed +20 +20 +0 +0 +0 +0$" out.txt &&
	grep -E "^main +complete +23 +0 +0s$" out.txt
'

test_expect_success 'the run folder keeps every stage, and a summary' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	r=$(last_run) &&
	for f in pipeline.sh source-main.body source-main.ndjson source-supplier.ndjson \
	    orders-wb.ndjson stocks-ozon.ndjson reserve.in reserve.out alloc.out push.out \
	    reserve.err alloc.err push.err summary.json; do
		test -f "$r/$f" || { echo "missing $f"; exit 1; }
	done &&
	test "$(grep -c "\"type\":\"pushed\"" "$r/push.out")" = 80 &&
	python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s[\"exit\"] == 0 and s[\"pushed\"], s" "$r/summary.json"
'

test_expect_success '--json: a machine-readable summary' '
	mkdemo && lk-sync -C state --json >s.json &&
	python3 -c "import json
s = json.load(open(\"s.json\"))
assert s[\"type\"] == \"sync\" and s[\"exit\"] == 0 and s[\"busy\"] is False
c = {x[\"channel\"]: x for x in s[\"channels\"]}
assert c[\"ozon\"][\"sent\"] == 20 and c[\"ozon\"][\"failed\"] == 0, c
assert [x[\"status\"] for x in s[\"sources\"]] == [\"complete\", \"complete\"]
assert all(st[\"exit\"] == 0 for st in s[\"stages\"]), s[\"stages\"]"
'

test_expect_success 'a second run with nothing changed sends nothing' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	double_ctl DELETE /_double/log >/dev/null &&
	lk-sync -C state -q >out.txt &&
	pushed_items >items && test ! -s items &&
	grep -E "^wb +nothing to send +20 +0 +20 +0 +0 +0$" out.txt
'

test_expect_success '--dry-run sends nothing and saves no ledger, snapshot or push state' '
	mkdemo && lk-sync -C state -n >out.txt &&
	lk-sync -C state -n -q --json >s.json &&
	python3 -c "import json
c = {x[\"channel\"]: x for x in json.load(open(\"s.json\"))[\"channels\"]}
assert c[\"wb\"][\"state\"] == \"would push\" and c[\"wb\"][\"sent\"] == 20, c[\"wb\"]" &&
	pushed_items >items && test ! -s items &&
	test "$(held ozon SKU-0004)" = - &&
	test ! -e state/.lk/pushed/wb.ndjson && test ! -e state/.lk/snapshots/main.ndjson &&
	test ! -e state/.lk/reserve.ndjson &&
	test ! -e state/out/site-feed.xml &&
	grep -E "^wb +would push +20 +20 +0 +0 +0 +0$" out.txt
'

test_expect_success 'secrets never reach the output, the messages or the run folder' '
	mkdemo && lk-sync -C state -v >out.txt 2>err.txt && lk-sync -C state -n -v >>out.txt 2>>err.txt &&
	lk-sync -C state --print >>out.txt &&
	for s in wb-test-token ozon-test-key ym-test-key; do
		! grep -r -F -e "$s" out.txt err.txt state/.lk || { echo "found $s"; exit 1; }
	done
'

test_expect_success 'a missing state directory is 66, a bad config 78, nothing run' '
	test_expect_code 66 lk-sync -C nowhere &&
	mkdemo && echo "{\"push\": maybe}" >state/lk.json &&
	test_expect_code 78 lk-sync -C state && test ! -d state/.lk/runs
'

test_expect_success 'runs are rotated: runs_keep are kept' '
	mkdemo && sed "s/\"runs_keep\": 20/\"runs_keep\": 2/" state/lk.json >x && mv x state/lk.json &&
	for i in 1 2 3 4; do lk-sync -C state -q >/dev/null || exit 1; done &&
	test "$(ls state/.lk/runs | wc -l)" = 2
'

test_done
