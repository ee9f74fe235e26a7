#!/bin/sh
# lk-state status: the state at a glance from a prepared .lk/, read-only,
# without the lock or the network; exit 2 when something needs a person.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

LK_TEST_NOW=2026-11-27T10:20:00Z
export LK_TEST_NOW

# A demo state directory with .lk/ as lk-sync would leave it: main read
# 5 minutes ago, supplier 7 hours ago (past its 6h); wb pushed 2 minutes
# ago with two items refused for good; ozon stopped by the zero guard
# since its push an hour ago; ym never pushed; a conflict on wb; the
# last real run exited 3; a dry run and a run in progress after it.
prepare() {
	cp -R "$TOP/examples/state" state && L=state/.lk &&
	mkdir -p "$L"/snapshots "$L"/pushed "$L"/runs/20261127T100000Z-0000001 \
	    "$L"/runs/20261127T101000Z-0000002 "$L"/runs/20261127T101500Z-0000003 \
	    "$L"/runs/20261127T101900Z-0000004 &&
	printf "%s\n" "{\"type\":\"snapshot\",\"source\":\"main\",\"at\":\"2026-11-27T10:15:00Z\",\"records\":1}" \
	    "{\"sku\":\"SKU-0001\",\"qty\":5}" >"$L"/snapshots/main.ndjson &&
	printf "%s\n" "{\"type\":\"snapshot\",\"source\":\"supplier\",\"at\":\"2026-11-27T03:20:00Z\",\"records\":0}" \
	    >"$L"/snapshots/supplier.ndjson &&
	printf "%s\n" \
	    "{\"type\":\"push_summary\",\"channel\":\"ozon\",\"at\":\"2026-11-27T09:20:00Z\",\"sent\":3,\"unchanged\":17,\"failed\":0,\"retries\":0,\"throttled\":0,\"requests\":1,\"zeroed\":0,\"secs\":0.1,\"skipped\":null,\"exit\":0}" \
	    "{\"type\":\"push_summary\",\"channel\":\"ozon\",\"at\":\"2026-11-27T10:10:00Z\",\"sent\":0,\"unchanged\":4,\"failed\":0,\"retries\":0,\"throttled\":0,\"requests\":0,\"zeroed\":14,\"secs\":0.1,\"skipped\":\"zero guard\",\"exit\":3}" \
	    "{\"type\":\"push_summary\",\"channel\":\"wb\",\"at\":\"2026-11-27T10:18:00Z\",\"sent\":1,\"unchanged\":17,\"failed\":2,\"retries\":0,\"throttled\":0,\"requests\":1,\"zeroed\":0,\"secs\":0.1,\"skipped\":null,\"exit\":1}" \
	    >"$L"/push.log &&
	printf "%s\n" \
	    "{\"type\":\"push_failed\",\"channel\":\"wb\",\"sku\":\"SKU-0005\",\"qty\":3,\"code\":\"SKU not found\",\"at\":\"2026-11-27T10:18:00Z\"}" \
	    "{\"type\":\"push_failed\",\"channel\":\"wb\",\"sku\":\"SKU-0006\",\"qty\":1,\"code\":\"SKU not found\",\"at\":\"2026-11-27T10:18:00Z\"}" \
	    >"$L"/pushed/wb.failed.ndjson &&
	echo "{\"type\":\"sync\",\"run\":\"20261127T100000Z-0000001\",\"at\":\"2026-11-27T10:00:05Z\",\"dry_run\":false,\"exit\":0,\"secs\":1.5}" \
	    >"$L"/runs/20261127T100000Z-0000001/summary.json &&
	cat >"$L"/runs/20261127T101000Z-0000002/summary.json <<-EOF &&
	{"type":"sync","run":"20261127T101000Z-0000002","at":"2026-11-27T10:10:05Z","dry_run":false,"exit":3,"secs":2.0,
	 "sources":[{"source":"main","state":"complete"},{"source":"supplier","state":"stale"}],
	 "channels":[{"channel":"ozon","state":"zero guard","conflicts":0},{"channel":"site","state":"nothing to send","conflicts":0},
	  {"channel":"wb","state":"pushed","conflicts":1},{"channel":"ym","state":"source stale","conflicts":0}],
	 "conflicts":[{"type":"conflict","channel":"wb","sku":"SKU-0001","reason":"above_pushed","pushed":6,"seen":40}],
	 "reserve":{"units":3,"orders":2,"unexplained":1,"products":2,"order_count":1,"waiting_for_source":1},"undistributed":{"units":2,"products":2}}
	EOF
	echo "{\"type\":\"sync\",\"run\":\"20261127T101500Z-0000003\",\"at\":\"2026-11-27T10:15:05Z\",\"dry_run\":true,\"exit\":0,\"secs\":1.0,\"channels\":[]}" \
	    >"$L"/runs/20261127T101500Z-0000003/summary.json &&
	cat >"$L"/reported.json <<-EOF
	{"type":"reported","at":"2026-11-27T10:10:05Z","items":{
	 "conflict/wb/SKU-0001":{"fp":"above_pushed","message":"wb: conflict on SKU-0001 (above_pushed): the marketplace shows 40, lk pushed 6"},
	 "failed/wb":{"fp":"2","message":"wb: 2 items failed"},
	 "stale/supplier":{"fp":"","message":"source supplier is stale"},
	 "zero_guard/ozon":{"fp":"","message":"ozon: stopped by the zero guard: 14 items would go to 0"}}}
	EOF
}

test_expect_success 'status: the table from a prepared .lk/, exit 2' '
	prepare &&
	test_expect_code 2 lk-state -C state status >out &&
	cat >expect <<-EOF &&
	channel   state            last push                age  failed  conflicts
	ozon      zero guard       2026-11-27T09:20:00Z   1h00m       0          0
	site      nothing to send  never                      -       0          0
	wb        pushed           2026-11-27T10:18:00Z      2m       2          1
	ym        source stale     never                      -       0          0

	source    state            last complete            age  records
	main      complete         2026-11-27T10:15:00Z      5m        1
	supplier  stale            2026-11-27T03:20:00Z   7h00m        0

	reserved 3 units (orders 2, unexplained 1) over 2 products; 1 orders, 1 shipped and waiting for a source

	last runs:
	  20261127T100000Z-0000001  exit 0
	  20261127T101000Z-0000002  exit 3
	  20261127T101500Z-0000003  exit 0  (dry run)
	  20261127T101900Z-0000004  running, or stopped before its summary

	needs a person:
	  wb: 2 items refused for good (.lk/pushed/wb.failed.ndjson)
	  source '"'"'supplier'"'"': last read completely 7h00m ago (max_age 6h00m)
	  wb: conflict on SKU-0001 (above_pushed): the marketplace shows 40, lk pushed 6
	  ozon: stopped by the zero guard: 14 items would go to 0
	  the last run, 20261127T101000Z-0000002, exited 3 (lk-sync(1), EXIT STATUS)
	EOF
	test_cmp expect out
'

test_expect_success 'status --json: the same, for scripts' '
	prepare &&
	test_expect_code 2 lk-state -C state status --json >s.json &&
	python3 -c "import json
s = json.load(open(\"s.json\"))
assert s[\"type\"] == \"status\" and s[\"last_run\"] == \"20261127T101000Z-0000002\", s
c = {x[\"channel\"]: x for x in s[\"channels\"]}
assert c[\"wb\"][\"last_push_age\"] == 120 and c[\"wb\"][\"failed_skus\"] == [\"SKU-0005\", \"SKU-0006\"], c[\"wb\"]
assert c[\"ozon\"][\"last_push\"] == \"2026-11-27T09:20:00Z\" and c[\"ozon\"][\"state\"] == \"zero guard\", c[\"ozon\"]
assert c[\"ym\"][\"last_push\"] is None and c[\"ym\"][\"last_push_age\"] is None, c[\"ym\"]
src = {x[\"source\"]: x for x in s[\"sources\"]}
assert src[\"supplier\"][\"age\"] == 7 * 3600 and src[\"supplier\"][\"max_age\"] == 6 * 3600, src
assert s[\"reserve\"][\"units\"] == 3 and s[\"reserve\"][\"waiting_for_source\"] == 1, s[\"reserve\"]
assert [r[\"exit\"] for r in s[\"runs\"]] == [0, 3, 0, None], s[\"runs\"]
assert len(s[\"attention\"]) == 5 and len(s[\"conflicts\"]) == 1, s"
'

test_expect_success 'status reads only: no lock taken, nothing written, works while locked' '
	prepare && : >state/.lk/lock &&
	(cd state/.lk && find . -type f -exec md5sum {} + | sort) >before &&
	flock state/.lk/lock -c "lk-state -C state status >out; echo \$? >rc" &&
	test "$(cat rc)" = 2 &&
	(cd state/.lk && find . -type f -exec md5sum {} + | sort) >after &&
	test_cmp before after
'

test_expect_success 'status: nothing needs a person, exit 0' '
	prepare && L=state/.lk &&
	rm -r "$L"/pushed "$L"/reported.json "$L"/runs/20261127T101000Z-0000002 &&
	sed "s/03:20:00Z/10:15:00Z/" "$L"/snapshots/supplier.ndjson >x && mv x "$L"/snapshots/supplier.ndjson &&
	lk-state -C state status >out &&
	test "$(tail -n 1 out)" = "nothing needs a person"
'

test_expect_success 'status before any run: says so, exit 2' '
	cp -R "$TOP/examples/state" state &&
	test_expect_code 2 lk-state -C state status >out &&
	test_grep out "lk-sync has not run yet" && test ! -e state/.lk
'

test_done
