#!/bin/sh
# The Google Sheets recipe of lk(7): a sheet shared by link is fetched
# from its export URL, which Google answers with a 307 to its download
# host.  Two tests/lib/httpd.py servers stand in: "docs" on 127.0.0.1
# answers like docs.google.com, "dl" on 127.0.0.2 (another host, still
# loopback) serves the file as an attachment.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

ROOT=$TRASH/www
mkdir -p "$ROOT"
ID=1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-sheet
printf 'sku,qty\r\nA-1,5\r\nA-2,"1 200"\r\n' >"$ROOT/$ID-0.csv"
cp "$TOP/tests/data/xlsx/ostatki_domkam.xlsx" "$ROOT/$ID-123.xlsx"
start_server DL "$PY" "$TOP/tests/lib/httpd.py" --root "$ROOT" --host 127.0.0.2 \
	--log "$TRASH/dl.log" || exit 1
start_server DOCS "$PY" "$TOP/tests/lib/httpd.py" --root "$ROOT" \
	--redirect-to "http://127.0.0.2:$DL_PORT" --log "$TRASH/docs.log" || exit 1
SHEET=http://127.0.0.1:$DOCS_PORT/spreadsheets/d/$ID/export

test_expect_success 'a CSV export: the 307 to the download host is followed' '
	lk-fetch --url "$SHEET?format=csv&gid=0" >out &&
	test_cmp "$ROOT/$ID-0.csv" out &&
	grep -q "\"path\": \"/spreadsheets/d/$ID/export?format=csv&gid=0\"" "$TRASH/docs.log" &&
	grep -q "\"path\": \"/f/$ID-0.csv\"" "$TRASH/dl.log" &&
	lk-parse-csv --name sheet out >records 2>/dev/null &&
	sentinel_ok=$(tail -n 1 records) &&
	case $sentinel_ok in *"\"status\":\"complete\",\"records\":2,"*) ;; *) false ;; esac &&
	grep -q "\"sku\":\"A-2\",\"source\":\"sheet\",\"qty\":1200}" records
'

test_expect_success 'an XLSX export of one tab (gid) reads as a workbook' '
	lk-fetch --url "$SHEET?format=xlsx&gid=123" -o tab.xlsx &&
	cmp "$ROOT/$ID-123.xlsx" tab.xlsx &&
	lk-parse-xlsx --sku Артикул --qty Наличие tab.xlsx >records 2>/dev/null &&
	tail -n 1 records | grep -q "\"status\":\"complete\",\"records\":50,"
'

test_expect_success 'an export that is not there fails (69), nothing written' '
	test_expect_code 69 lk-fetch --url "$SHEET?format=xlsx&gid=999" -o none.xlsx 2>err &&
	test ! -e none.xlsx && test_grep err "404"
'

test_expect_success 'lk-sync: a kind xlsx source at a Sheets export URL reaches a file channel' '
	mkstate st && mkdir st/out &&
	printf "sku\n1\n2\n3\n" >st/catalog.csv &&
	echo "{\"push\": true}" >st/lk.json &&
	cat >st/sources/sheet.json <<-EOF &&
	{"kind": "xlsx", "url": "$SHEET?format=xlsx&gid=123", "sku": "Артикул", "qty": "Наличие"}
	EOF
	echo "{\"marketplace\": \"ndjson\", \"output\": \"out/stock.ndjson\", \"sources\": [\"sheet\"], \"rule\": [{\"share\": 100}]}" >st/channels/file.json &&
	git -C st init -q && git -C st add -A &&
	git -C st -c user.name=t -c user.email=t@localhost commit -q -m init &&
	lk-sync -C st >sum 2>err &&
	grep -q "^sheet  *complete  *50" sum &&
	cat >want <<-\EOF &&
	{"type":"stock","sku":"1","source":"file","qty":86}
	{"type":"stock","sku":"2","source":"file","qty":66}
	{"type":"stock","sku":"3","source":"file","qty":15}
	EOF
	grep "\"type\":\"stock\"" st/out/stock.ndjson >got &&
	test_cmp want got
'

test_done
