#!/bin/sh
# lk-fetch --orders/--stocks/--warehouses/--products against the
# marketplace double (tests/double/mpdouble.py), with pages of 3 items
# (LK_FETCH_PAGE_SIZE) so that every listing has several pages.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

command -v jq >/dev/null || { test_skip 'marketplace listings' 'jq missing'; test_done; }
start_server D "$PY" "$TOP/tests/double/mpdouble.py" --port 0 --seed "$TOP/tests/double/seed-demo.json" \
	--time-scale 0.01 --quiet || exit 1
DU=http://127.0.0.1:$D_PORT
LK_FETCH_PAGE_SIZE=3
LK_T_WB=wb-test-token LK_T_OZ=ozon-test-key LK_T_YM=ym-test-key LK_T_MM=mm-test-token LK_T_AE=ae-test-token
export LK_FETCH_PAGE_SIZE LK_T_WB LK_T_OZ LK_T_YM LK_T_MM LK_T_AE

ctl() { curl -sS --fail -X "$1" "$DU$2" ${3:+-d "$3"}; }

# The state: catalog.csv from the seed (SKU-0020 left out on purpose), a
# channel per marketplace and Yandex Market API.
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
        if k != "SKU-0020":
            f.write(k + "," + ",".join(rows[k].get(c, "") for c in cols) + "\n")
ch = {"wb": {"marketplace": "wb", "warehouse_id": 507, "credentials": {"env": "LK_T_WB"}},
      "oz": {"marketplace": "ozon", "warehouse_id": 22142605386000,
             "credentials": {"env": "LK_T_OZ", "client_id": "1001"}},
      "ym2": {"marketplace": "ym", "ym_api": "v2", "campaign_id": 1111, "business_id": 777,
              "credentials": {"env": "LK_T_YM"}},
      "ym3": {"marketplace": "ym", "ym_api": "v3", "business_id": 777, "warehouse_id": 55,
              "credentials": {"env": "LK_T_YM"}},
      "mm": {"marketplace": "mm", "credentials": {"env": "LK_T_MM"}},
      "ae": {"marketplace": "ae", "credentials": {"env": "LK_T_AE"}}}
for n, c in ch.items():
    c.update({"base_url": url, "sources": ["main"], "rule": [{"share": 100}]})
    json.dump(c, open("%s/channels/%s.json" % (st, n), "w"))
EOF

# requests the double logged for a path since the log was cleared
nreq() { ctl GET "/_double/log" | jq -s "[.[] | select(.path | contains(\"$1\"))] | length"; }
fetch() { ctl DELETE /_double/log >/dev/null && lk-fetch -C "$STATE" "$@"; }
# every boolean FILTER gives over the records is true (and there is one)
jall() { jq -se "[.[] | $1] | length > 0 and all" "$2" | grep -qx true; }
# the records of a type, sorted, as "sku qty" or given fields
recs() { jq -r "select(.type == \"$1\") | [$2] | map(tostring) | join(\" \")" "$3" | sort; }

# --- warehouses
test_expect_success 'warehouses: wb, ozon (cursor pages), ym v2 and v3 (pageToken), mm, ae' '
	fetch --warehouses wb >wb && recs warehouse ".id, .name" wb >got &&
	printf "507 Demo FBS Moscow\n508 Demo FBS Kazan\n" >want && test_cmp want got &&
	fetch --warehouses oz >oz && test "$(recs warehouse .id oz | wc -l)" = 2 &&
	fetch --warehouses ym2 >ym2 && recs warehouse ".id, .name" ym2 >got2 &&
	printf "55 Demo YM FBS\n56 Demo YM Express\n" >want && test_cmp want got2 &&
	LK_FETCH_PAGE_SIZE=1 fetch --warehouses ym3 >ym3 && recs warehouse ".id, .name" ym3 >got3 &&
	test_cmp want got3 && test "$(nreq /v3/businesses/777/warehouses)" = 2 &&
	fetch --warehouses mm >mm && test "$(recs warehouse .id mm)" = default &&
	fetch --warehouses ae >ae && test "$(recs warehouse .id ae)" = default
'

# --- products: every page, and how they become catalog rows
for c in wb oz ym2 ym3 ae; do
	test_expect_success "products ($c): all 20 items, over several pages" "
		fetch --products $c >out &&
		test \"\$(jq -r 'select(.type == \"product\") | .mp_id' out | sort -u | wc -l)\" = 20 &&
		test \"\$(jq -r 'select(.type == \"product\") | .channel' out | sort -u)\" = $c
	"
done

test_expect_success 'products: mp_id is the catalog column value, sku when the catalog knows it' '
	fetch --products wb >out &&
	jall "select(.mp_id == \"100001\") | .sku == \"SKU-0001\" and .barcode == \"2000000000001\"" out &&
	jall "select(.mp_id == \"100020\") | has(\"sku\") | not" out
'

test_expect_success 'products -> catalog.csv rows (the man page one-liner) -> stocks map back' '
	fetch --products oz >prod &&
	jq -rn "\"sku,ozon_offer_id\", (inputs | select(.type == \"product\") | [.offer_id, .mp_id] | @csv)" \
		<prod >catalog.csv &&
	test "$(wc -l <catalog.csv)" = 21 && test_grep catalog.csv "\"SKU-0020\",\"SKU-0020\"" &&
	cp -r "$STATE" s2 && cp catalog.csv s2/catalog.csv &&
	lk-fetch -C s2 --stocks oz >seen 2>err &&
	test "$(recs seen .sku seen | wc -l)" = 20 && ! test_grep err "not in catalog" 2>/dev/null
'

# --- stocks: what the double holds
test_expect_success 'stocks (wb): read by chrtId in batches, as the double holds them; unreported items are 0' '
	fetch --stocks wb >out 2>err &&
	recs seen ".sku, .qty" out >all &&
	grep -v " 0$" all >got &&
	ctl GET "/_double/stock?mp=wb&warehouse=507" |
		jq -r ".by_sku[\"507\"] | to_entries[] | select(.key != \"SKU-0020\") | \"\(.key) \(.value)\"" |
		grep -v " 0$" | sort >want &&
	test_cmp want got && test -s got &&
	held=$(ctl GET "/_double/stock?mp=wb&warehouse=507" | jq -r ".by_sku[\"507\"] | keys[]") &&
	for s in $(cut -d" " -f1 all); do
		echo "$held" | grep -qx "$s" || grep -qx "$s 0" all || return 1
	done &&
	test "$(wc -l <all)" = 19 &&
	test "$(nreq /api/v3/stocks/507)" -ge 7
'

test_expect_success 'products (mm): no documented listing, 69 and no record' '
	test_expect_code 69 fetch --products mm >out 2>err &&
	test_grep err "documents no call" && test ! -s out
'

test_expect_success 'stocks (ozon, ym v2, ym v3, ae): every item the double holds' '
	for c in oz:ozon ym2:ym ym3:ym ae:ae; do
		ch=${c%%:*} mp=${c#*:}
		fetch --stocks "$ch" >"$ch.out" 2>"$ch.err" || return 1
		recs seen ".sku, .qty" "$ch.out" | grep -v -e "^SKU-0020 " -e " 0$" >"$ch.got"
		ctl GET "/_double/stock?mp=$mp" |
			jq -r "[.by_sku | to_entries[] | select(.key == \"22142605386000\" or .key == \"55\" or .key == \"default\") | .value | to_entries[]] |
				.[] | select(.key != \"SKU-0020\" and .value != 0) | \"\(.key) \(.value)\"" | sort >"$ch.want"
		test_cmp "$ch.want" "$ch.got" || return 1
		test -s "$ch.got" || return 1
	done
'

test_expect_success 'seen records carry channel, sku, qty and at' '
	fetch --stocks oz >out &&
	jall "select(.type == \"seen\") | (.channel == \"oz\") and (.qty | type == \"number\") and (.at | test(\"Z$\"))" out
'

# --- orders
test_expect_success 'set up: orders on every marketplace' '
	for i in 1 2 3 4 5; do
		ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"10000$i\",\"qty\":1,\"warehouse\":\"507\"}" &&
		ctl POST /_double/orders "{\"mp\":\"ozon\",\"item\":\"SKU-000$i\",\"qty\":2,\"warehouse\":\"22142605386000\"}" &&
		ctl POST /_double/orders "{\"mp\":\"ym\",\"item\":\"SKU-000$i\",\"qty\":1,\"warehouse\":\"55\",\"campaign\":1111}" &&
		ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-000$i\",\"qty\":2}" &&
		ctl POST /_double/orders "{\"mp\":\"ae\",\"item\":\"SKU-000$i\",\"qty\":1}" || return 1
	done >/dev/null &&
	ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"100020\",\"qty\":2,\"warehouse\":\"507\"}" >/dev/null &&
	ctl POST /_double/orders "{\"mp\":\"ozon\",\"item\":\"SKU-0020\",\"qty\":1,\"warehouse\":\"22142605386000\"}" >/dev/null
'

for c in wb oz ym2 ym3 ae; do
	test_expect_success "orders ($c): every page, then one complete sentinel last" "
		fetch --orders $c >out 2>err &&
		test \"\$(recs order .sku out | sort -u | tr '\n' ' ')\" = 'SKU-0001 SKU-0002 SKU-0003 SKU-0004 SKU-0005 ' &&
		tail -n 1 out | jq -e '.type == \"orders\" and .status == \"complete\" and .channel == \"$c\"' &&
		test \"\$(tail -n 1 out | jq .records)\" = \"\$(grep -c '\"type\":\"order\"' out)\" &&
		jall 'select(.type == \"order\") | (.id | type == \"string\") and (.qty >= 1) and (.status | length > 0) and (.at | test(\"Z\$\"))' out
	"
done

test_expect_success 'orders (wb): pages with next, statuses asked in one call' '
	fetch --orders wb >out &&
	test "$(nreq /api/v3/orders/status)" = 1 && test "$(nreq /api/v3/orders)" -ge 4 &&
	test "$(recs order .status out | sort -u)" = new
'

test_expect_success 'orders (ozon): qty per posting line' '
	fetch --orders oz >out &&
	test "$(recs order ".sku, .qty" out | head -n 1)" = "SKU-0001 2"
'

test_expect_success 'orders: items the catalog lacks are left out with one warning and a count' '
	fetch --orders wb >out 2>err &&
	test "$(grep -c "not in catalog" err)" = 1 && test_grep err "2 items" && test_grep err "100020" &&
	! grep -q 100020 out
'

test_expect_success 'orders (mm): per-unit items summed; a full search page fails loudly' '
	LK_FETCH_PAGE_SIZE=100 fetch --orders mm >out &&
	test "$(recs order ".sku, .qty" out | head -n 1)" = "SKU-0001 2" &&
	tail -n 1 out | jq -e ".status == \"complete\" and .records == 5" &&
	test_expect_code 75 fetch --orders mm >out2 2>err &&
	tail -n 1 out2 | jq -e ".status == \"failed\" and (.error | test(\"truncated\"))" &&
	! grep -q "\"complete\"" out2
'

test_expect_success 'orders (ym, mm): recently cancelled orders are listed with their cancel' '
	ym=$(ctl POST /_double/orders "{\"mp\":\"ym\",\"item\":\"SKU-0006\",\"qty\":1,\"warehouse\":\"55\",\"campaign\":1111}" | jq -r .id) &&
	mm=$(ctl POST /_double/orders "{\"mp\":\"mm\",\"item\":\"SKU-0006\",\"qty\":1}" | jq -r .id) &&
	ctl POST "/_double/orders/ym/$ym/cancel" >/dev/null && ctl POST "/_double/orders/mm/$mm/cancel" >/dev/null &&
	fetch --orders ym2 >out &&
	jall "select(.type == \"order\" and .sku == \"SKU-0006\") | .status == \"CANCELLED\"" out &&
	ctl GET "/_double/log?mp=ym" | jq -s -e "[.[] | .body.dates.updateDateFrom // empty] | length >= 1" &&
	LK_FETCH_PAGE_SIZE=100 fetch --orders mm >out &&
	jall "select(.type == \"order\" and .sku == \"SKU-0006\") | .status == \"MERCHANT_CANCELED\"" out
'

test_expect_success 'orders (ozon, ym): recent shipments are listed with the marketplace'"'"'s own time as changed' '
	at=$(date -u -d "@$(($(date +%s) - 60))" +%Y-%m-%dT%H:%M:%SZ) &&
	oz=$(ctl POST /_double/orders "{\"mp\":\"ozon\",\"item\":\"SKU-0007\",\"qty\":1,\"warehouse\":\"22142605386000\"}" | jq -r .id) &&
	ym=$(ctl POST /_double/orders "{\"mp\":\"ym\",\"item\":\"SKU-0007\",\"qty\":1,\"warehouse\":\"55\",\"campaign\":1111}" | jq -r .id) &&
	ctl POST "/_double/orders/ozon/$oz/ship" "{\"at\":\"$at\"}" >/dev/null &&
	ctl POST "/_double/orders/ym/$ym/ship" "{\"at\":\"$at\"}" >/dev/null &&
	fetch --orders oz >out &&
	jall "select(.type == \"order\" and .sku == \"SKU-0007\") | .status == \"delivering\" and .changed == \"$at\"" out &&
	jall "select(.type == \"order\" and .sku != \"SKU-0007\") | has(\"changed\") | not" out &&
	ctl GET "/_double/log?mp=ozon" | jq -s -e "[.[] | .body.filter.delivering_date_from // empty] | length >= 1" &&
	fetch --orders ym2 >out &&
	jall "select(.type == \"order\" and .sku == \"SKU-0007\") | .status == \"DELIVERY\" and .changed == \"$at\"" out
'

test_expect_success 'orders: a failure mid-listing gives a failed sentinel and 75, never complete' '
	ctl POST /_double/faults "{\"count\":20,\"status\":500,\"path\":\"/v1/businesses/777/orders\"}" >/dev/null &&
	test_expect_code 75 fetch --retries 1 --orders ym3 >out 2>err &&
	ctl DELETE /_double/faults >/dev/null &&
	! grep -q "\"complete\"" out &&
	tail -n 1 out | jq -e ".type == \"orders\" and .status == \"failed\" and (.error | test(\"HTTP 500\"))"
'

test_expect_success 'orders: 429 with Retry-After is waited out, the listing completes' '
	ctl POST /_double/faults "{\"count\":1,\"status\":429,\"retry_after\":1,\"path\":\"/v2/warehouse/list\"}" >/dev/null &&
	fetch --warehouses oz >out 2>err &&
	test_grep err "HTTP 429; retrying" && test "$(recs warehouse .id out | wc -l)" = 2
'

test_expect_success 'orders with --output: a failure leaves no file, success writes it whole' '
	ctl POST /_double/faults "{\"count\":20,\"status\":503,\"path\":\"/v4/posting/fbs/unfulfilled/list\"}" >/dev/null &&
	test_expect_code 75 fetch --retries 0 --orders oz -o got.ndjson 2>err &&
	ctl DELETE /_double/faults >/dev/null &&
	test ! -e got.ndjson &&
	fetch --orders oz -o got.ndjson >stdout && test ! -s stdout &&
	tail -n 1 got.ndjson | jq -e ".status == \"complete\""
'

test_expect_success 'wrong credentials: refused (69), failed sentinel, the token never printed' '
	LK_T_WB=wrong-token-xyz test_expect_code 69 fetch --orders wb >out 2>err &&
	tail -n 1 out | jq -e ".status == \"failed\"" &&
	! grep -e wrong-token-xyz -e wb-test-token out err &&
	LK_T_MM=wrong-mm-xyz test_expect_code 69 fetch --orders mm >out 2>err &&
	! grep -e wrong-mm-xyz out err
'

test_expect_success 'tokens never appear in output or messages, even with -v' '
	fetch -v --orders oz >out 2>err && LK_FETCH_PAGE_SIZE=100 fetch -v --orders mm >>out 2>>err &&
	! grep -e ozon-test-key -e mm-test-token out err
'

test_expect_success 'a missing credential variable is a configuration error (78)' '
	test_expect_code 78 env -u LK_T_AE lk-fetch -C "$STATE" --stocks ae >out 2>err &&
	test_grep err LK_T_AE
'

test_expect_success 'an unknown channel is 78' '
	test_expect_code 78 lk-fetch -C "$STATE" --orders nosuch 2>err
'

test_done
