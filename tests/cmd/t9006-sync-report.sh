#!/bin/sh
# lk-sync's summary tells the truth: a state per channel (table and
# --json), outcomes that need a person on stderr even with -q, once per
# change, with the exit status cron mails on; the metrics file.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

# set_json FILE KEY JSON: sets a member of a JSON file.
set_json() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); d[sys.argv[2]] = json.loads(sys.argv[3])
json.dump(d, open(sys.argv[1], "w"))' "$@"
}

# states FILE: "channel state" a line, from a --json summary.
states() {
	python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["channels"]:
    print(c["channel"], c["state"])' "$1"
}

# SKU-0004 (main only) to 0: wb would zero one of its 20 products.
zero_sku4() {
	sed "/SKU-0004/,/<count>/s|<count>25</count>|<count>0</count>|" feeds/main.xml >x && mv x feeds/main.xml
}

test_expect_success 'pushed, then nothing to send: the counts say what happened' '
	mkdemo && lk-sync -C state --json >1.json &&
	states 1.json >got && printf "%s\n" "ozon pushed" "site pushed" "wb pushed" "ym pushed" >expect &&
	test_cmp expect got &&
	lk-sync -C state -q >out.txt &&
	grep -E "^wb +nothing to send +20 +0 +20 +0 +0 +0$" out.txt &&
	grep -E "^site +nothing to send +20 +0 +20 +0 +0 +0$" out.txt &&
	grep -E "^reserved 0 units \(orders 0, unexplained 0; 0 orders, 0 shipped and waiting for a source\); undistributed 14 units over 6 products; 0 open conflicts$" out.txt
'

test_expect_success 'undistributed by source: one no channel sums shows all its units, one with shares what they leave' '
	mkdemo && for c in wb ozon ym; do set_json state/channels/$c.json sources "[\"main\"]" || return 1; done &&
	set_json state/channels/site.json enabled false && commit "supplier on no channel, no site" &&
	lk-sync -C state -q --json >s.json && lk-sync -C state -q >out.txt &&
	r=$(ls -d state/.lk/runs/* | head -n 1) &&
	grep "\"type\":\"undistributed\"" "$r/alloc.out" >und &&
	grep -c "\"sources\":{\"main\":[0-9]*,\"supplier\":[0-9]*}" und &&
	python3 -c "import json
s = {x[\"source\"]: x[\"undistributed\"] for x in json.load(open(\"s.json\"))[\"sources\"]}
assert s == {\"main\": 68, \"supplier\": 52}, s
u = json.load(open(\"s.json\"))[\"undistributed\"]
assert u[\"units\"] == 120, u
recs = [json.loads(l) for l in open(\"und\")]
assert sum(r[\"sources\"].get(\"supplier\", 0) for r in recs) == 52
assert all(sum(r[\"sources\"].values()) == r[\"qty\"] for r in recs), recs
# main: per product, its units less what wb, ozon and ym show of them
m, g = {}, {}
for l in open(\"$r/source-main.ndjson\"):
    d = json.loads(l)
    if d[\"type\"] == \"stock\": m[d[\"sku\"]] = m.get(d[\"sku\"], 0) + d[\"qty\"]
for l in open(\"$r/alloc.out\"):
    d = json.loads(l)
    if d[\"type\"] == \"alloc\": g[d[\"sku\"]] = g.get(d[\"sku\"], 0) + d[\"qty\"]
assert sum(max(0, m[k] - g.get(k, 0)) for k in m) == 68" &&
	grep -E "^main +complete +23 +68 +0s$" out.txt &&
	grep -E "^supplier +complete +6 +52 +0s$" out.txt &&
	grep -E "undistributed 120 units over [0-9]+ products;" out.txt
'

test_expect_success 'zero guard, disabled and failed channels in one run; the override works' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	set_json state/channels/wb.json max_zero 0 && set_json state/channels/site.json enabled false &&
	commit "guard wb, site off" && zero_sku4 &&
	LK_DEMO_YM_TOKEN=wrong test_expect_code 69 lk-sync -C state -q --json >2.json 2>err.txt &&
	states 2.json >got &&
	printf "%s\n" "ozon pushed" "site disabled" "wb zero guard" "ym failed" >expect &&
	test_cmp expect got &&
	python3 -c "import json
c = {x[\"channel\"]: x for x in json.load(open(\"2.json\"))[\"channels\"]}
wb = c[\"wb\"]
assert (wb[\"sent\"], wb[\"zeroed\"], wb[\"unchanged\"], wb[\"exit\"]) == (0, 1, 19, 3), wb
assert wb[\"reason\"] == \"1 items would go to 0 (max_zero)\", wb
assert wb[\"override\"].endswith(\"/state --force\") and wb[\"override\"].startswith(\"lk-sync -C \"), wb
assert c[\"ym\"][\"reason\"] == \"lk-push exited 69 for it\", c[\"ym\"]
assert c[\"ozon\"][\"sent\"] == 1 and c[\"ozon\"][\"unchanged\"] == 19, c[\"ozon\"]" &&
	test "$(held wb SKU-0004)" = 10 &&
	grep "lk-sync: attention: wb: stopped by the zero guard: 1 items would go to 0" err.txt &&
	cmd=$(python3 -c "import json; print([x for x in json.load(open(\"2.json\"))[\"channels\"] if x[\"channel\"] == \"wb\"][0][\"override\"])") &&
	sh -c "$cmd" >/dev/null 2>&1 &&
	test "$(held wb SKU-0004)" = 0
'

test_expect_success 'the table shows each state with its reason and the override' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	set_json state/channels/wb.json max_zero 0 && set_json state/channels/site.json enabled false &&
	commit "guard wb, site off" && zero_sku4 &&
	LK_DEMO_YM_TOKEN=wrong test_expect_code 69 lk-sync -C state -q >out.txt 2>/dev/null &&
	grep -E "^wb +zero guard +20 +0 +19 +0 +1 +0  1 items would go to 0 \(max_zero\)$" out.txt &&
	grep -E "^ +to send anyway: lk-sync -C [^ ]+/state --force$" out.txt &&
	grep -E "^site +disabled +0 +0 +0 +0 +0 +0$" out.txt &&
	grep -E "^ym +failed +20 +0 +19 +1 +1 +0  lk-push exited 69 for it$" out.txt &&
	grep -E "^ozon +pushed +20 +1 +19 +0 +1 +0$" out.txt
'

test_expect_success 'push off: the channels say so, nothing is counted as sent' '
	mkdemo && lk-sync -C state -q >/dev/null && zero_sku4 &&
	set_json state/lk.json push false && commit "push off" &&
	lk-sync -C state -q --json >s.json && states s.json >got &&
	printf "%s\n" "ozon push off" "site push off" "wb push off" "ym push off" >expect &&
	test_cmp expect got &&
	lk-sync -C state -q >out.txt &&
	grep -E "^wb +push off +20 +0 +0 +0 +0 +0  push is off in lk.json$" out.txt &&
	lk-sync -C state -q -n >out.txt &&
	grep -E "^wb +push off +20 +1 +19 +0 +1 +0  push is off in lk.json$" out.txt
'

test_expect_success 'a source too old: its channels are "source stale", the others go' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	sed "s|\"url\": \"[^\"]*\"|\"url\": \"http://127.0.0.1:1/supplier.csv\"|" state/sources/supplier.json >x &&
	mv x state/sources/supplier.json &&
	LK_TEST_NOW=$(($(date +%s) + 7 * 3600)) test_expect_code 3 lk-sync -C state -q --json >s.json 2>err.txt &&
	states s.json | grep -v "^site " >got &&
	printf "%s\n" "ozon source stale" "wb source stale" "ym source stale" >expect &&
	test_cmp expect got && states s.json | grep -E "^site (pushed|nothing to send)$" &&
	python3 -c "import json
s = {x[\"source\"]: x for x in json.load(open(\"s.json\"))[\"sources\"]}
assert s[\"supplier\"][\"state\"] == \"stale\" and s[\"supplier\"][\"age\"] >= 7 * 3600, s
assert s[\"main\"][\"state\"] == \"complete\" and s[\"main\"][\"age\"] == 0, s" &&
	grep "lk-sync: attention: source .supplier. is stale: lk-fetch exited 75 (its last complete read is 7h00m old, max 6h00m); channels it feeds are not updated: ozon, wb, ym" err.txt &&
	python3 -c "import json
s = json.load(open(\"s.json\"))
assert [x[\"undistributed\"] for x in s[\"sources\"]] == [None, None], s[\"sources\"]
assert s[\"undistributed\"] == {\"units\": None, \"products\": None}, s[\"undistributed\"]" &&
	LK_TEST_NOW=$(($(date +%s) + 7 * 3600)) lk-sync -C state -q >out.txt 2>/dev/null;
	grep -E "^wb +source stale +0 +0 +0 +0 +0 +0  source .supplier. is too old$" out.txt &&
	grep -E "^supplier +stale +- +- +7h00m  " out.txt &&
	grep -E "; undistributed unknown; " out.txt
'

test_expect_success 'once per change: reported with -q, then quiet, then resolved' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	set_json state/channels/wb.json max_zero 0 && commit "guard wb" && zero_sku4 &&
	test_expect_code 3 lk-sync -C state -q >/dev/null 2>err1 &&
	test "$(grep -c "attention:" err1)" = 1 &&
	lk-sync -C state -q >out.txt 2>err2 &&
	! grep "attention" err2 &&
	grep -E "^wb +zero guard " out.txt &&
	sed "/SKU-0004/,/<count>/s|<count>0</count>|<count>25</count>|" feeds/main.xml >x && mv x feeds/main.xml &&
	lk-sync -C state -q >/dev/null 2>err3 &&
	grep "lk-sync: resolved: wb: stopped by the zero guard" err3 &&
	lk-sync -C state -q >/dev/null 2>err4 && test ! -s err4
'

test_expect_success 'a conflict: reported once (exit 2), then quiet (exit 0)' '
	mkdemo && set_json state/channels/wb.json seen_grace 0 && commit "no grace" &&
	lk-sync -C state -q >/dev/null &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":40}}" >/dev/null &&
	test_expect_code 2 lk-sync -C state -q --json >s.json 2>err1 &&
	grep "lk-sync: attention: wb: conflict on SKU-0001 (above_pushed): the marketplace shows 40, lk pushed 6" err1 &&
	python3 -c "import json
s = json.load(open(\"s.json\"))
assert len(s[\"conflicts\"]) == 1 and s[\"exit\"] == 2, s
assert [a[\"new\"] for a in s[\"attention\"]] == [True], s[\"attention\"]" &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":40}}" >/dev/null &&
	lk-sync -C state -q >out.txt 2>err2 && ! grep attention err2 &&
	grep "^conflict: wb SKU-0001: above_pushed (pushed 6, seen 40)$" out.txt
'

test_expect_success 'items that fail: named once (exit 1), then quiet (exit 0)' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	sed "s|^SKU-0004,100004,|SKU-0004,,|" state/catalog.csv >x && mv x state/catalog.csv && commit "no chrt id" &&
	sed "/SKU-0004/,/<count>/s|<count>25</count>|<count>7</count>|" feeds/main.xml >x && mv x feeds/main.xml &&
	test_expect_code 1 lk-sync -C state -q >out.txt 2>err1 &&
	grep "lk-sync: attention: wb: 1 items failed: SKU-0004 (no wb_chrt_id in catalog.csv)$" err1 &&
	grep -E "^wb +failed +20 +0 +19 +1 +0 +0  1 items failed$" out.txt &&
	lk-sync -C state -q >/dev/null 2>err2 && ! grep attention err2
'

test_expect_success 'the cron wrapper mails once for a guard stop' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	set_json state/channels/wb.json max_zero 0 && commit "guard wb" && zero_sku4 &&
	LK_CRON_BIN="$TOP/cmd" LK_CRON_ENV=/nonexistent bash "$TOP/contrib/cron/lk-cron.sh" "$(pwd)/state" >mail1 2>&1;
	test $? = 3 && grep "attention: wb: stopped by the zero guard" mail1 &&
	LK_CRON_BIN="$TOP/cmd" LK_CRON_ENV=/nonexistent bash "$TOP/contrib/cron/lk-cron.sh" "$(pwd)/state" >mail2 2>&1 &&
	test ! -s mail2
'

test_expect_success 'metrics_file: a textfile promtool accepts, written atomically each run' '
	command -v promtool >/dev/null || { echo "promtool missing: tools/deps.sh installs prometheus"; exit 1; }
	mkdemo && set_json state/lk.json metrics_file "\"$(pwd)/lk.prom\"" && commit metrics &&
	lk-sync -C state -q >/dev/null && lk-sync -C state -q >/dev/null &&
	promtool check metrics <lk.prom &&
	test "$(stat -c %a lk.prom)" = 644 && ! ls lk.prom.* 2>/dev/null &&
	grep "^lk_sync_runs_total 2$" lk.prom &&
	grep "^lk_channel_items_sent_total{channel=\"wb\"} 20$" lk.prom &&
	grep "^lk_channel_state{channel=\"wb\",state=\"nothing_to_send\"} 1$" lk.prom &&
	grep "^lk_stage_last_exit_code{stage=\"fetch\",name=\"main\"} 0$" lk.prom &&
	grep "^lk_source_snapshot_age_seconds{source=\"main\"} " lk.prom &&
	grep "^lk_reserve_units{reason=\"orders\"} 0$" lk.prom &&
	grep "^lk_undistributed_units{source=\"main\"} 0$" lk.prom &&
	grep "^lk_undistributed_units{source=\"supplier\"} 14$" lk.prom &&
	lk-sync -C state -q -n >/dev/null && grep "^lk_sync_runs_total 2$" lk.prom
'

test_expect_success 'metrics_file must be absolute: a relative one would land in the rules repository' '
	mkdemo && set_json state/lk.json metrics_file "\"lk.prom\"" &&
	test_expect_code 78 lk-sync -C state -q >/dev/null 2>err &&
	test_grep err "lk.json: metrics_file: must be an absolute path" && test ! -e state/lk.prom
'

test_expect_success 'the nightly --full example of lk-push(1) sends what the last run allocated' '
	mkdemo && lk-sync -C state -q >/dev/null && lk-sync -C state -q >/dev/null &&
	grep "^0 3 \* \* \* " "$TOP/man/lk-push.1" | sed -e "s|^0 3 \* \* \* ||" -e "s|/srv/lk/state|$(pwd)/state|g" >nightly.sh &&
	test -s nightly.sh &&
	double_ctl DELETE /_double/log >/dev/null &&
	sh nightly.sh &&
	pushed_items >items &&
	test "$(grep -c "^wb " items)" = 20 && test "$(grep -c "^ozon " items)" = 20
'

test_expect_success 'generated outputs stay out of the rules repository' '
	mkdemo && set_json state/lk.json metrics_file "\"$(pwd)/lk.prom\"" && commit metrics &&
	lk-sync -C state -q >/dev/null &&
	test -s state/out/site-feed.xml && test -s state/.lk/reported.json -o ! -e state/.lk/reported.json &&
	lk-state -C state commit -q -m "after a run" >/dev/null &&
	git -C state ls-files >files &&
	! grep -E "^(out|\.lk)/" files &&
	test -z "$(git -C state status --porcelain)"
'

test_expect_success 'the example alert rules pass promtool' '
	command -v promtool >/dev/null || exit 1
	promtool check rules "$TOP/contrib/prometheus/lk-alerts.yml"
'

test_done
