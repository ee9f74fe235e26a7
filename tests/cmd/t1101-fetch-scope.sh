#!/bin/sh
# lk-fetch against the double: what each listing asks and which records
# belong to which channel when an account has several warehouses or
# campaigns (two WB channels, two Ozon warehouses FBS + rFBS, YM
# campaigns), AliExpress stock by sku_id, YM paging and API version,
# MegaMarket's missing stock read, WB open orders however old (new ones
# listed, older ones on assembly asked by id from the reserve ledger).
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

command -v jq >/dev/null || { test_skip 'marketplace listing scopes' 'jq missing'; test_done; }
start_server D "$PY" "$TOP/tests/double/mpdouble.py" --port 0 --seed "$TOP/tests/double/seed-demo.json" \
	--time-scale 0.01 --quiet || exit 1
DU=http://127.0.0.1:$D_PORT
LK_T_WB=wb-test-token LK_T_OZ=ozon-test-key LK_T_YM=ym-test-key LK_T_MM=mm-test-token LK_T_AE=ae-test-token
export LK_T_WB LK_T_OZ LK_T_YM LK_T_MM LK_T_AE

ctl() { curl -sS --fail -X "$1" "$DU$2" ${3:+-d "$3"}; }
fetch() { ctl DELETE /_double/log >/dev/null && lk-fetch -C "$STATE" "$@"; }
# the logged requests (method path) of a marketplace since the last fetch
reqs() { ctl GET "/_double/log?mp=$1" | jq -r '"\(.method) \(.path)"'; }
recs() { jq -r "select(.type == \"$1\") | [$2] | map(tostring) | join(\" \")" "$3" | sort; }

STATE=$TRASH/state
mkstate "$STATE"
echo '{"kind": "csv", "url": "/dev/null"}' >"$STATE/sources/main.json"
"$PY" - "$TOP/tests/double/seed-demo.json" "$STATE" "$DU" <<'EOF' || exit 1
import json, sys
seed, st, url = sys.argv[1:4]
d = json.load(open(seed))
rows = {}
for it in d["wb"]["items"]: rows.setdefault(it["sku"], {})["wb_chrt_id"] = str(it["chrtId"])
for it in d["ozon"]["items"]: rows.setdefault(it["sku"], {})["ozon_offer_id"] = it["offer_id"]
for it in d["ym"]["items"]: rows.setdefault(it["sku"], {})["ym_sku"] = it["offerId"]
for it in d["mm"]["items"]: rows.setdefault(it["sku"], {})["mm_offer_id"] = it["offerId"]
for it in d["ae"]["items"]:
    rows.setdefault(it["sku"], {}).update({"ae_sku_code": it["sku_code"], "ae_sku_id": it["sku_id"]})
cols = ["wb_chrt_id", "ozon_offer_id", "ym_sku", "mm_offer_id", "ae_sku_code", "ae_sku_id"]
with open(st + "/catalog.csv", "w") as f:
    f.write("sku," + ",".join(cols) + "\n")
    for k in sorted(rows):
        f.write(k + "," + ",".join(rows[k].get(c, "") for c in cols) + "\n")
ch = {"wb1": {"marketplace": "wb", "warehouse_id": 507, "credentials": {"env": "LK_T_WB"}},
      "wb2": {"marketplace": "wb", "warehouse_id": 508, "credentials": {"env": "LK_T_WB"}},
      "oz1": {"marketplace": "ozon", "warehouse_id": 22142605386000,
              "credentials": {"env": "LK_T_OZ", "client_id": "1001"}},
      "oz2": {"marketplace": "ozon", "warehouse_id": 22142605387000,
              "credentials": {"env": "LK_T_OZ", "client_id": "1001"}},
      "ym1": {"marketplace": "ym", "campaign_id": 1111, "business_id": 777, "credentials": {"env": "LK_T_YM"}},
      "ym3": {"marketplace": "ym", "ym_api": "v3", "business_id": 777, "warehouse_id": 56,
              "credentials": {"env": "LK_T_YM"}},
      "mm": {"marketplace": "mm", "credentials": {"env": "LK_T_MM"}},
      "ae": {"marketplace": "ae", "credentials": {"env": "LK_T_AE"}}}
for n, c in ch.items():
    c.update({"base_url": url, "sources": ["main"], "rule": [{"share": 100}]})
    json.dump(c, open("%s/channels/%s.json" % (st, n), "w"))
EOF

test_expect_success 'WB: two channels of one account see only their own warehouse'"'"'s orders' '
	ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"100001\",\"qty\":1,\"warehouse\":\"507\"}" >/dev/null &&
	ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"100002\",\"qty\":2,\"warehouse\":\"508\"}" >/dev/null &&
	fetch --orders wb1 >o1 && fetch --orders wb2 >o2 &&
	test "$(recs order ".sku, .qty" o1)" = "SKU-0001 1" &&
	test "$(recs order ".sku, .qty" o2 | uniq -c | sed "s/^ *//")" = "2 SKU-0002 1" &&
	tail -n 1 o1 | jq -e ".records == 1"
'

test_expect_success 'WB: a new order older than --since is still found (orders/new)' '
	ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"100003\",\"qty\":1,\"warehouse\":\"507\",\"age\":432000}" >/dev/null &&
	fetch --orders wb1 >o1 &&
	recs order .sku o1 >got && printf "SKU-0001\nSKU-0003\n" >want && test_cmp want got &&
	reqs wb | grep -qx "GET /api/v3/orders/new"
'

# WB lists an order on assembly (confirm) only in the history, which lk
# reads over --since (72 h): one placed 5 days ago that lk-reserve holds is
# asked by id (POST /api/v3/orders/status) and emitted with its status now.
test_expect_success 'WB: held orders placed before --since are asked by id and keep or end their reserve' '
	now=$(($(date +%s) + 60)) && old=$(date -u -d "@$((now - 432000))" +%Y-%m-%dT%H:%M:%SZ) &&
	mk() { ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"$1\",\"warehouse\":\"507\",\"at\":\"$old\"}" | jq -r .id; } &&
	a=$(mk 100005) && b=$(mk 100006) && c=$(mk 100007) &&
	cycle() { LK_TEST_NOW=$now lk-fetch -C "$STATE" --orders wb1 >o && LK_TEST_NOW=$now lk-reserve -C "$STATE" <o >r; } &&
	entry() { jq -c "select(.kind == \"order\" and .id == \"$1\") | [.status, .reserving, .shipped != null, .released]" \
		"$STATE/.lk/reserve.ndjson"; } &&
	cycle && for i in $a $b $c; do test "$(entry $i)" = "[\"new\",true,false,null]" || return 1; done &&
	ctl POST /_double/orders/wb/$a/confirm >/dev/null && ctl POST /_double/orders/wb/$b/ship >/dev/null &&
	ctl POST /_double/orders/wb/$c/cancel >/dev/null &&
	ctl DELETE /_double/log >/dev/null && cycle &&
	test "$(entry $a)" = "[\"confirm\",true,false,null]" &&
	test "$(entry $b)" = "[\"complete\",true,true,null]" &&
	test "$(entry $c)" = "[\"cancel\",false,false,\"cancelled\"]" &&
	recs order ".id, .sku, .status" o >got &&
	printf "%s SKU-0005 confirm\n%s SKU-0006 complete\n%s SKU-0007 cancel\n" $a $b $c | sort >want &&
	grep -e "^$a " -e "^$b " -e "^$c " got >got3 && test_cmp want got3 &&
	ctl GET "/_double/log?mp=wb" | jq -s -e --argjson a $a --argjson b $b --argjson c $c \
		"[.[] | select(.path == \"/api/v3/orders/status\") | .body.orders | select(index(\$a))] | .[0] | sort == ([\$a, \$b, \$c] | sort)" &&
	ctl DELETE /_double/log >/dev/null && cycle &&
	test "$(entry $a)" = "[\"confirm\",true,false,null]" &&
	ctl GET "/_double/log?mp=wb" | jq -s -e --argjson a $a "[.[] | .body.orders? // [] | select(index(\$a))] | length == 1" &&
	rm "$STATE/.lk/reserve.ndjson"
'

test_expect_success 'Ozon: FBS and rFBS warehouses each read their own stock' '
	ctl POST /_double/stock "{\"mp\":\"ozon\",\"warehouse\":\"22142605386000\",\"stock\":{\"SKU-0001\":3,\"SKU-0002\":4}}" >/dev/null &&
	ctl POST /_double/stock "{\"mp\":\"ozon\",\"warehouse\":\"22142605387000\",\"stock\":{\"SKU-0001\":10,\"SKU-0003\":6}}" >/dev/null &&
	fetch --stocks oz1 >s1 && fetch --stocks oz2 >s2 &&
	recs seen ".sku, .qty" s1 | grep -v " 0$" >got1 && printf "SKU-0001 3\nSKU-0002 4\n" >want1 &&
	recs seen ".sku, .qty" s2 | grep -v " 0$" >got2 && printf "SKU-0001 10\nSKU-0003 6\n" >want2 &&
	test_cmp want1 got1 && test_cmp want2 got2 &&
	test "$(recs seen ".sku, .qty" s2 | grep -c "^SKU-0002 0$")" = 1
'

test_expect_success 'YM: campaignIds scope a campaign channel, the warehouse a v3 one' '
	ctl POST /_double/orders "{\"mp\":\"ym\",\"item\":\"SKU-0004\",\"qty\":1,\"campaign\":1111}" >/dev/null &&
	ctl POST /_double/orders "{\"mp\":\"ym\",\"item\":\"SKU-0005\",\"qty\":2,\"campaign\":1112}" >/dev/null &&
	fetch --orders ym1 >o1 && test "$(recs order ".sku, .qty" o1)" = "SKU-0004 1" &&
	ctl GET "/_double/log?mp=ym" | jq -s -e ".[0].body.campaignIds == [1111]" &&
	fetch --orders ym3 >o3 && test "$(recs order ".sku, .qty" o3)" = "SKU-0005 2"
'

test_expect_success 'YM: a channel without ym_api reads through v2, as it pushes' '
	fetch --stocks ym1 >/dev/null && lk-fetch -C "$STATE" --warehouses ym1 >/dev/null &&
	reqs ym >got && ! grep -q " /v3/" got &&
	grep -qx "POST /v2/campaigns/1111/offers/stocks" got
'

test_expect_success 'YM v2: warehouses are paged (pageToken, limit <= 30)' '
	LK_FETCH_PAGE_SIZE=1 fetch --warehouses ym1 >w &&
	recs warehouse .id w >got && printf "55\n56\n" >want && test_cmp want got &&
	test "$(reqs ym | grep -c "^POST /v2/businesses/777/warehouses$")" = 2 &&
	ctl GET "/_double/log?mp=ym" | jq -r .query | grep -q "pageToken="
'

test_expect_success 'AliExpress: stock read by numeric sku_id, mapped back through ae_sku_id' '
	ctl POST /_double/stock "{\"mp\":\"ae\",\"warehouse\":\"default\",\"stock\":{\"SKU-0002\":9}}" >/dev/null &&
	fetch --stocks ae >s &&
	recs seen ".sku, .qty" s | grep "^SKU-0002 " >got && echo "SKU-0002 9" >want && test_cmp want got &&
	ctl GET "/_double/log?mp=ae" | jq -e ".body.stocks | all(.sku | test(\"^[0-9]+$\"))"
'

test_expect_success 'AliExpress: no ae_sku_id column is a configuration error (78)' '
	cp -r "$STATE" s2 && cut -d, -f1-6 "$STATE/catalog.csv" >s2/catalog.csv &&
	test_expect_code 78 lk-fetch -C s2 --stocks ae >out 2>err && test_grep err ae_sku_id
'

test_expect_success 'MegaMarket: no documented stock read: nothing pushed, no seen record, no request' '
	fetch --stocks mm >s 2>err && test ! -s s && test -z "$(reqs mm)"
'

test_expect_success 'MegaMarket: seen = what lk pushed less the units ordered since (a cancel gives them back)' '
	mkdir -p "$STATE/.lk/pushed" &&
	printf "%s\n" "{\"type\":\"pushed\",\"channel\":\"mm\",\"sku\":\"SKU-0006\",\"qty\":5,\"at\":\"2026-01-01T00:00:00Z\"}" \
		"{\"type\":\"pushed\",\"channel\":\"mm\",\"sku\":\"SKU-0007\",\"qty\":4,\"at\":\"2099-01-01T00:00:00Z\"}" \
		>"$STATE/.lk/pushed/mm.ndjson" &&
	ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-0006\",\"qty\":2}" >/dev/null &&
	ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-0007\",\"qty\":1}" >/dev/null &&
	id=$(ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-0006\",\"qty\":1}" | jq -r .id) &&
	ctl POST "/_double/orders/mm/$id/cancel" >/dev/null &&
	fetch --stocks mm >s &&
	recs seen ".sku, .qty" s >got && printf "SKU-0006 3\nSKU-0007 4\n" >want && test_cmp want got &&
	! reqs mm | grep -v orderService
'

# A shipment placed before lk's last push and cancelled: the push had
# overwritten what it took, so if the cancel came after the push MegaMarket
# shows its unit on top.  Only the reserve ledger holding it as cancelled
# at a run no later than the push proves the cancel came first.
test_expect_success 'MegaMarket: a cancel of a shipment placed before the push errs high unless the ledger knew it' '
	t() { echo "2026-06-01T$1:00:00Z"; } &&
	id=$(ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-0008\",\"qty\":1,\"at\":\"$(t 01)\"}" | jq -r .id) &&
	ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-0009\",\"qty\":2,\"at\":\"$(t 02)\"}" >/dev/null &&
	ctl POST "/_double/orders/mm/$id/cancel" >/dev/null &&
	printf "%s\n" "{\"type\":\"pushed\",\"channel\":\"mm\",\"sku\":\"SKU-0008\",\"qty\":2,\"at\":\"$(t 12)\"}" \
		"{\"type\":\"pushed\",\"channel\":\"mm\",\"sku\":\"SKU-0009\",\"qty\":5,\"at\":\"$(t 00)\"}" \
		>"$STATE/.lk/pushed/mm.ndjson" &&
	rm -f "$STATE/.lk/reserve.ndjson" &&
	derived() { LK_TEST_NOW=$(t 20) lk-fetch -C "$STATE" --stocks mm >s && recs seen ".sku, .qty" s; } &&
	ledger_at() { LK_TEST_NOW=$(t "$1") lk-fetch -C "$STATE" --orders mm >o &&
		LK_TEST_NOW=$(t "$1") lk-reserve -C "$STATE" <o >/dev/null; } &&
	derived >got && printf "SKU-0008 3\nSKU-0009 3\n" >want && test_cmp want got &&
	ledger_at 06 && jq -s -e "any(.[]; .id == \"$id\" and .released == \"cancelled\")" "$STATE/.lk/reserve.ndjson" &&
	derived >got && printf "SKU-0008 2\nSKU-0009 3\n" >want && test_cmp want got &&
	ledger_at 18 && derived >got && printf "SKU-0008 3\nSKU-0009 3\n" >want && test_cmp want got &&
	rm "$STATE/.lk/reserve.ndjson"
'

test_expect_success 'in one run (LK_RUN_DIR) an account-wide listing is read once for all its channels' '
	mkdir run &&
	ctl DELETE /_double/log >/dev/null &&
	LK_RUN_DIR=$PWD/run lk-fetch -C "$STATE" --orders wb1 >o1 &&
	n1=$(reqs wb | wc -l) && test "$n1" -ge 2 &&
	LK_RUN_DIR=$PWD/run lk-fetch -C "$STATE" --orders wb2 >o2 &&
	test "$(reqs wb | wc -l)" = "$n1" &&
	recs order .sku o1 >got1 && printf "SKU-0001\nSKU-0003\n" >want1 && test_cmp want1 got1 &&
	test "$(recs order .sku o2 | uniq -c | sed "s/^ *//")" = "2 SKU-0002" &&
	ctl DELETE /_double/log >/dev/null &&
	LK_RUN_DIR=$PWD/run lk-fetch -C "$STATE" --stocks oz1 >s1 &&
	LK_RUN_DIR=$PWD/run lk-fetch -C "$STATE" --stocks oz2 >s2 &&
	test "$(reqs ozon | grep -c "/v4/product/info/stocks$")" = 1 &&
	recs seen ".sku, .qty" s2 | grep -v " 0$" >got2 && printf "SKU-0001 10\nSKU-0003 6\n" >want2 &&
	test_cmp want2 got2
'

test_expect_success 'a shared listing that failed on a later page is not kept: the next channel reads the account itself' '
	mkdir run2 &&
	ctl DELETE /_double/log >/dev/null &&
	ctl POST /_double/faults "{\"count\":1,\"status\":400,\"after\":1,\"path\":\"/v4/product/info/stocks\"}" >/dev/null &&
	test_expect_code 69 env LK_RUN_DIR=$PWD/run2 LK_FETCH_PAGE_SIZE=5 lk-fetch -C "$STATE" -o f1 --stocks oz1 &&
	test "$(reqs ozon | grep -c "/v4/product/info/stocks$")" = 2 &&
	test ! -e f1 &&
	test -z "$(ls run2 | grep -v "[.]lock$")" &&
	ctl DELETE /_double/log >/dev/null &&
	LK_RUN_DIR=$PWD/run2 LK_FETCH_PAGE_SIZE=5 lk-fetch -C "$STATE" --stocks oz2 >f2 &&
	test "$(reqs ozon | grep -c "/v4/product/info/stocks$")" = 4 &&
	recs seen ".sku, .qty" f2 | grep -v " 0$" >got2 && printf "SKU-0001 10\nSKU-0003 6\n" >want2 &&
	test_cmp want2 got2 &&
	ls run2/shared-ozon-stocks-*.ndjson &&
	lk-fetch -C "$STATE" --stocks oz1 >s1 &&
	ctl DELETE /_double/log >/dev/null &&
	LK_RUN_DIR=$PWD/run2 lk-fetch -C "$STATE" --stocks oz1 >f1 &&
	test "$(reqs ozon | grep -c "/v4/product/info/stocks$")" = 0 &&
	recs seen ".sku, .qty" s1 >want1 && recs seen ".sku, .qty" f1 >got1 &&
	test_cmp want1 got1
'

test_done
