# t5-push-lib.sh - helpers for the t5xxx lk-push tests; sourced after lib.sh.
# The tests run lk-push with real libcurl against the marketplace double on
# 127.0.0.1, with its clocks 100 times faster (--time-scale 0.01); the
# channels' "rate" is the documented rate times 100 to match.
# shellcheck shell=sh

LK_TEST_SLEEP_SCALE=0.01
LK_WB_TOKEN=wb-test-token
LK_OZ_KEY=ozon-test-key
LK_YM_KEY=ym-test-key
LK_MM_TOKEN=mm-test-token
LK_AE_TOKEN=ae-test-token
export LK_TEST_SLEEP_SCALE LK_WB_TOKEN LK_OZ_KEY LK_YM_KEY LK_MM_TOKEN LK_AE_TOKEN

if [ -f "$TOP/tests/double/double.sh" ]; then
	# shellcheck source=SCRIPTDIR/../double/double.sh
	. "$TOP/tests/double/double.sh"
else
	double_start() {
		_d=$1
		shift
		mkdir -p "$_d"
		python3 "$TOP/tests/double/mpdouble.py" --port 0 --port-file "$_d/port" --quiet "$@" \
			2>"$_d/double.log" &
		DOUBLE_PID=$!
		_i=0
		while [ ! -s "$_d/port" ]; do
			_i=$((_i + 1))
			[ "$_i" -gt 100 ] && return 1
			sleep 0.05
		done
		DOUBLE_URL=http://127.0.0.1:$(cat "$_d/port")
		export DOUBLE_URL DOUBLE_PID
	}
	double_stop() {
		kill "$DOUBLE_PID" 2>/dev/null
		wait "$DOUBLE_PID" 2>/dev/null
		return 0
	}
	double_ctl() {
		if [ $# -ge 3 ]; then
			curl -sf -X "$1" -H 'Content-Type: application/json' --data "$3" "$DOUBLE_URL$2"
		else
			curl -sf -X "$1" "$DOUBLE_URL$2"
		fi
	}
fi

# mkseed N FILE: a double seed with N items SKU-00001.. on every marketplace.
mkseed() {
	python3 - "$1" >"$2" <<'PY'
import json, sys
n = int(sys.argv[1])
sk = ["SKU-%05d" % i for i in range(1, n + 1)]
print(json.dumps({
  "wb": {"warehouses": [{"id": 507, "name": "Main", "officeId": 15}],
         "items": [{"sku": s, "chrtId": 100000 + i, "nmId": 200000 + i, "vendorCode": s,
                    "barcode": "2%012d" % i} for i, s in enumerate(sk, 1)]},
  "ozon": {"warehouses": [{"warehouse_id": 22142605386000, "name": "FBS"}],
           "items": [{"sku": s, "offer_id": s, "product_id": 300000 + i, "ozon_sku": 400000 + i}
                     for i, s in enumerate(sk, 1)]},
  "ym": {"business_id": 777, "campaigns": [{"id": 1111, "warehouse_id": 55}],
         "warehouses": [{"id": 55, "name": "YM"}], "items": [{"sku": s} for s in sk]},
  "mm": {"warehouses": [{"id": "default"}], "items": [{"sku": s, "offerId": s} for s in sk]},
  "ae": {"items": [{"sku": s, "product_id": str(1005000 + (i + 1) // 2), "sku_id": str(12000000000 + i),
                    "sku_code": s} for i, s in enumerate(sk, 1)]},
}))
PY
}

# mkstate DIR N: a state directory with N catalog items and a channel per
# marketplace (wb, ozon, ym, ym3, mm, ae) pointing at the double, plus
# the file channels feed (yml) and ext (ndjson).
mkstate() {
	mkdir -p "$1/channels" "$1/sources" &&
	echo '{"push": true, "max_zero": "10%", "lock_timeout": "2s"}' >"$1/lk.json" &&
	echo '{"kind": "yml", "url": "file:///dev/null"}' >"$1/sources/main.json" &&
	awk -v n="$2" 'BEGIN {
		print "sku,wb_chrt_id,ozon_offer_id,ym_sku,mm_offer_id,ae_sku_code,ae_product_id,name,price"
		for (i = 1; i <= n; i++) {
			s = sprintf("SKU-%05d", i)
			printf "%s,%d,%s,%s,%s,%s,%d,Item %d,%d.50\n", s, 100000 + i, s, s, s, s, 1005000 + int((i + 1) / 2), i, i
		}
	}' >"$1/catalog.csv" &&
	chan "$1" wb '"marketplace": "wb", "warehouse_id": 507, "credentials": {"env": "LK_WB_TOKEN"}, "rate": 500' &&
	chan "$1" ozon '"marketplace": "ozon", "warehouse_id": 22142605386000, "credentials": {"env": "LK_OZ_KEY", "client_id": "1001"}, "rate": 133' &&
	chan "$1" ym '"marketplace": "ym", "campaign_id": 1111, "credentials": {"env": "LK_YM_KEY"}, "rate": 83' &&
	chan "$1" ym3 '"marketplace": "ym", "ym_api": "v3", "business_id": 777, "warehouse_id": 55, "credentials": {"env": "LK_YM_KEY"}, "rate": 83' &&
	chan "$1" mm '"marketplace": "mm", "credentials": {"env": "LK_MM_TOKEN"}, "rate": 100' &&
	chan "$1" ae '"marketplace": "ae", "credentials": {"env": "LK_AE_TOKEN"}, "rate": 100' &&
	echo '{"marketplace": "yml", "output": "out/feed.xml", "shop_name": "Test & Co", "sources": ["main"]}' >"$1/channels/feed.json" &&
	echo '{"marketplace": "ndjson", "output": "out/ext.ndjson", "sources": ["main"]}' >"$1/channels/ext.json" &&
	mkdir -p "$1/out"
}

# chan DIR NAME FIELDS: writes channels/NAME.json with base_url at the double.
chan() {
	printf '{%s, "base_url": "%s", "sources": ["main"]}\n' "$3" "$DOUBLE_URL" >"$1/channels/$2.json"
}

# allocs CHANNEL FROM TO QTY-EXPR: alloc records; QTY-EXPR is awk over i.
allocs() {
	awk -v c="$1" -v a="$2" -v b="$3" "BEGIN { for (i = a; i <= b; i++)
		printf \"{\\\"type\\\":\\\"alloc\\\",\\\"channel\\\":\\\"%s\\\",\\\"sku\\\":\\\"SKU-%05d\\\",\\\"qty\\\":%d}\\n\", c, i, $4 }"
}

# writes MP: the number of logged stock-update requests to MP.
writes() {
	double_ctl GET "/_double/log?mp=$1" | jq -s '[.[] | select(.method != "GET" and (.path | test("stocks|stock/update|update-sku-stock")) and (.path | test("info") | not))] | length'
}

# stock MP WAREHOUSE: the double's stock by lk sku, as "SKU QTY" lines, sorted.
stock() {
	double_ctl GET "/_double/stock?mp=$1" | jq -r --arg w "$2" '.by_sku[$w] // {} | to_entries[] | "\(.key) \(.value)"' | sort
}

# want CHANNEL FILE: the last qty of each sku of CHANNEL in alloc FILE, as "SKU QTY" lines, sorted.
want() {
	jq -r --arg c "$1" 'select(.type == "alloc" and .channel == $c) | "\(.sku) \(.qty)"' "$2" | sort
}

# throttled MP: the double's count of 429/420 answers for MP.
throttled() {
	double_ctl GET /_double/stats | jq -r --arg m "$1" '.throttled[$m]'
}

# jqe FILTER FILE: true when FILTER gives at least one value and all are true.
jqe() {
	jq -s -e "[.[] | $1] | length > 0 and all" "$2" >/dev/null
}

# state DIR CHANNEL: what .lk/pushed/CHANNEL.ndjson and its journal say
# together (the journal's last line per sku wins), one record a line.
state() {
	cat "$1/.lk/pushed/$2.ndjson" "$1/.lk/pushed/$2.journal.ndjson" 2>/dev/null |
		jq -c -s 'reduce .[] as $r ({}; .[$r.sku] = $r) | .[] | select(.deleted != true)'
}
