#!/bin/sh
# bench/push.sh - lk-push throughput and pacing against the marketplace
# double: 100,000 changed Wildberries items (100 requests of 1000) with the
# double's clock 5 times faster (--time-scale 0.2: 300/min becomes 25
# requests/s, burst 20) and the channel's rate set to match.  Prints
# items/s, requests against the minimum ceil(n / batch), throttled
# answers (target 0) and the share of the allowed request rate used
# (target >= 90%): used = (requests / elapsed) / R.  Then the same input
# again (nothing changed: lk's own cost) and one changed item.
# (Not faster: the Python double itself needs about 25 ms per 1000-item
# request, so at 50 requests/s it, not lk, would set the pace.)
# Last, 20,000 AliExpress items: updates plus the polls of their tasks.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
PATH="$top/cmd:$PATH"
N=${LK_BENCH_PUSH_N:-100000}
BATCH=1000
SCALE=0.2
R=$(awk -v s="$SCALE" 'BEGIN { printf "%g", 5 / s }')
out=$top/bench/out/push
rm -rf "$out"
mkdir -p "$out/s/channels" "$out/s/sources"
DOUBLE_DIR_SELF=$top/tests/double
# shellcheck source=SCRIPTDIR/../tests/double/double.sh
. "$top/tests/double/double.sh"

python3 - "$N" >"$out/seed.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"wb": {"warehouses": [{"id": 507, "name": "Main", "officeId": 15}],
    "items": [{"sku": "SKU-%06d" % i, "chrtId": 1000000 + i, "nmId": 2000000 + i,
               "vendorCode": "SKU-%06d" % i, "barcode": "2%012d" % i} for i in range(1, n + 1)]}}))
PY
awk -v n="$N" 'BEGIN { print "sku,wb_chrt_id"; for (i = 1; i <= n; i++) printf "SKU-%06d,%d\n", i, 1000000 + i }' >"$out/s/catalog.csv"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"SKU-%06d\",\"qty\":%d}\n", i, i % 97 }' >"$out/in1"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"SKU-%06d\",\"qty\":%d}\n", i, (i == 1 ? 500 : i % 97) }' >"$out/in2"
echo '{"push": true}' >"$out/s/lk.json"
echo '{"kind": "yml", "url": "file:///dev/null"}' >"$out/s/sources/main.json"

double_start "$out/double" --seed "$out/seed.json" --time-scale "$SCALE" --quiet --log-max 1000 || exit 1
trap double_stop EXIT
printf '{"marketplace": "wb", "warehouse_id": 507, "base_url": "%s", "credentials": {"env": "LK_WB_TOKEN"}, "rate": %s, "sources": ["main"]}\n' \
	"$DOUBLE_URL" "$R" >"$out/s/channels/wb.json"
export LK_WB_TOKEN=wb-test-token

now() { date +%s.%N; }

t0=$(now)
lk-push -C "$out/s" -q "$out/in1" >"$out/out1" 2>"$out/err1"
rc=$?
t1=$(now)
stats=$(double_ctl GET /_double/stats)
reqs=$(echo "$stats" | jq '.by_status.wb | to_entries | map(.value) | add // 0')
thr=$(echo "$stats" | jq '.throttled.wb')
ok=$(grep -c '"status":"ok"' "$out/out1")
awk -v n="$N" -v ok="$ok" -v t0="$t0" -v t1="$t1" -v req="$reqs" -v b="$BATCH" -v r="$R" -v thr="$thr" -v rc="$rc" 'BEGIN {
	e = t1 - t0; min = int((n + b - 1) / b)
	printf "push %d changed items to WB (batch %d, R = %g req/s, burst 20): exit %d, %d confirmed\n", n, b, r, rc, ok
	printf "  elapsed          %.2f s   (minimum at R: %.2f s)\n", e, min / r
	printf "  items/s          %.0f\n", n / e
	printf "  requests         %d   (minimum ceil(n/batch) = %d)\n", req, min
	printf "  throttled        %d   (target 0)\n", thr
	printf "  rate used        %.0f%%  (target >= 90%%; the burst of 20 lets it pass 100%%)\n", 100 * (req / e) / r
}'

double_ctl DELETE /_double/log >/dev/null
t0=$(now)
lk-push -C "$out/s" -q "$out/in1" >/dev/null 2>&1
t1=$(now)
awk -v n="$N" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "second run, nothing changed: %.2f s (%.0f items/s, lk alone)\n", t1 - t0, n / (t1 - t0) }'
t0=$(now)
lk-push -C "$out/s" -q "$out/in2" >/dev/null 2>&1
t1=$(now)
awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "one item changed: %.2f s, ", t1 - t0 }'
echo "requests $(double_ctl GET "/_double/log?mp=wb" | grep -c .)"

# AliExpress: updates are tasks, each followed by a poll of its results
# (GET /api/v1/tasks), which is a read and not paced as an update.
# Requests should be ceil(n / 1000) updates plus at least as many polls.
NA=${LK_BENCH_PUSH_AE_N:-20000}
python3 - "$NA" >"$out/seed-ae.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"ae": {"items": [{"sku": "SKU-%06d" % i, "product_id": str(1005000000 + (i + 1) // 2),
    "sku_id": str(12000000000 + i), "sku_code": "SKU-%06d" % i} for i in range(1, n + 1)]}}))
PY
double_ctl POST /_double/seed "@$out/seed-ae.json" >/dev/null || exit 1
awk -v n="$NA" 'BEGIN { print "sku,ae_sku_code,ae_product_id"; for (i = 1; i <= n; i++) printf "SKU-%06d,SKU-%06d,%d\n", i, i, 1005000000 + int((i + 1) / 2) }' >"$out/s/catalog.csv"
awk -v n="$NA" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"type\":\"alloc\",\"channel\":\"ae\",\"sku\":\"SKU-%06d\",\"qty\":%d}\n", i, i % 89 + 1 }' >"$out/in-ae"
rm -f "$out/s/channels/wb.json"
printf '{"marketplace": "ae", "base_url": "%s", "credentials": {"env": "LK_AE_TOKEN"}, "rate": 50, "sources": ["main"]}\n' \
	"$DOUBLE_URL" >"$out/s/channels/ae.json"
export LK_AE_TOKEN=ae-test-token
double_ctl DELETE /_double/log >/dev/null
t0=$(now)
lk-push -C "$out/s" -q "$out/in-ae" >"$out/out-ae" 2>"$out/err-ae"
rc=$?
t1=$(now)
log=$(double_ctl GET "/_double/log?mp=ae")
upd=$(echo "$log" | grep -c '"method": *"POST"')
polls=$(echo "$log" | grep -c '"method": *"GET"')
ok=$(grep -c '"status":"ok"' "$out/out-ae")
awk -v n="$NA" -v ok="$ok" -v u="$upd" -v p="$polls" -v rc="$rc" -v t0="$t0" -v t1="$t1" 'BEGIN {
	min = int((n + 999) / 1000)
	printf "push %d changed items to AliExpress (1000 a request): exit %d, %d confirmed, %.2f s\n", n, rc, ok, t1 - t0
	printf "  requests         %d = %d updates (minimum %d) + %d task polls\n", u + p, u, min, p
}'
