#!/bin/sh
# lk-parse-xlsx on real suppliers' workbooks (tests/data/xlsx, SOURCES.md
# there) and on generated edge cases (tests/lib/mkxlsx.py): cell types,
# dates, formulas, merged titles, per-location columns, damaged and
# hostile archives.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t2-parse-lib.sh
. "$(dirname "$0")/t2-parse-lib.sh"

X=$TOP/tests/data/xlsx
MK=$TOP/tests/lib/mkxlsx.py

test_expect_success '1C report: header in row 5 under title rows and merged cells' '
	test_expect_code 1 lk-parse-xlsx -v --sku Артикул --qty Кол-во "$X/1c-ostatki_tg-ozon.xlsx" >out 2>err &&
	sentinel_is out complete 730 &&
	test_grep err "header in row 5" &&
	test "$(jq -s "[.[] | select(.type==\"stock\") | .qty] | add" out)" = 19670 &&
	sed -n 2p out >second &&
	echo "{\"type\":\"stock\",\"sku\":\"ASSKPDSTOP2FA1\",\"source\":\"1c-ostatki_tg-ozon\",\"qty\":4}" >want &&
	test_cmp want second
'

test_expect_success '1C report: empty quantity cells are reported, never taken for 0' '
	lk-parse-xlsx --sku Артикул --qty Кол-во "$X/1c-ostatki_tg-ozon.xlsx" >out 2>err;
	test "$(grep -c "has no quantity (an empty quantity cell)" err)" = 10 &&
	test_grep err "1c-ostatki_tg-ozon.xlsx:8: offer '"'"'ASSKPDSTOP3A1'"'"' has no quantity" &&
	test_grep err "408 more offers without a quantity skipped" &&
	! grep -q "\"type\":\"stock\",\"sku\":\"ASSKPDSTOP3A1\"" out &&
	test_grep out "{\"type\":\"bad_record\",\"source\":\"1c-ostatki_tg-ozon\",\"sku\":\"ASSKPDSTOP3A1\",\"line\":8,"
'

test_expect_success '1C report: formula cells give their cached values' '
	test_expect_code 1 lk-parse-xlsx --header-row 5 --sku Артикул --qty 19 "$X/1c-ostatki_tg-ozon.xlsx" >out 2>err &&
	sed -n 2p out >second &&
	echo "{\"type\":\"stock\",\"sku\":\"ASSKPDSTOP2FA1\",\"source\":\"1c-ostatki_tg-ozon\",\"qty\":48500}" >want &&
	test_cmp want second &&
	sentinel_is out complete 1148
'

test_expect_success 'garden list: codes stored as text are trimmed; merged titles skipped' '
	lk-parse-xlsx -v --sku Код --qty Залишок "$X/ostatki_nonzeq.xlsx" >out 2>err &&
	sentinel_is out complete 1893 &&
	test_grep err "254 merged ranges, 248 title rows skipped" &&
	test_grep err "98 fractional quantities floored, 2 duplicate skus" &&
	grep -q "{\"type\":\"stock\",\"sku\":\"1914\",\"source\":\"ostatki_nonzeq\",\"qty\":2}" out &&
	! grep -q "\"sku\":\"все для розсади / джиффі\"" out
'

test_expect_success 'the sentinel says when the workbook was saved (docProps/core.xml)' '
	lk-parse-xlsx --sku Код --qty Залишок "$X/ostatki_nonzeq.xlsx" 2>/dev/null | tail -n 1 |
	    grep -q "\"produced\":\"2022-04-28T13:16:01Z\",\"produced_from\":\"feed\"" &&
	test_expect_code 1 lk-parse-xlsx --sku Артикул --qty Кол-во "$X/1c-ostatki_tg-ozon.xlsx" >out 2>/dev/null &&
	tail -n 1 out | grep -q "\"produced_from\":\"file\""
'

test_expect_success 'garden list: numbers as text with a decimal comma (prices as quantities)' '
	lk-parse-xlsx --sku Код --qty Ціна "$X/ostatki_nonzeq.xlsx" >out 2>/dev/null &&
	grep -q "{\"type\":\"stock\",\"sku\":\"4489\",\"source\":\"ostatki_nonzeq\",\"qty\":73}" out
'

test_expect_success 'inline strings, numbers as text: 642 rows, one blank row skipped' '
	lk-parse-xlsx --sku title --qty price "$X/out_nonzeq_inline.xlsx" >out 2>err &&
	sentinel_is out complete 642 &&
	test_grep err "183 fractional quantities floored" &&
	head -n 1 out | grep -q "\"sku\":\"2932\",.*\"qty\":100}"
'

test_expect_success 'several sheets: --sheet by name or number; the first by default' '
	lk-parse-xlsx --sheet discounts --no-header "$X/price_wilo.xlsx" >a &&
	lk-parse-xlsx --sheet 2 --no-header "$X/price_wilo.xlsx" >b &&
	lk-parse-xlsx --sheet DISCOUNTS --no-header "$X/price_wilo.xlsx" >c &&
	test_cmp a b && test_cmp a c &&
	sentinel_is a complete 6 &&
	head -n 1 a | grep -q "\"sku\":\"PG1\",.*\"qty\":30}" &&
	test_expect_code 1 lk-parse-xlsx --sku Артикул --qty "€ без ПДВ" "$X/price_wilo.xlsx" >out 2>err &&
	test_grep err "price_wilo.xlsx:197: cell C197: quantity '"'"'по запиту'"'"' is not a number" &&
	tail -n 1 out | grep -q "\"status\":\"complete\""
'

test_expect_success 'a missing sheet fails and lists the sheets' '
	test_expect_code 65 lk-parse-xlsx --sheet nope "$X/price_wilo.xlsx" >out 2>err &&
	sentinel_is out failed 0 &&
	test_grep err "no sheet '"'"'nope'"'"' in the workbook (sheets: '"'"'price_list'"'"', '"'"'discounts'"'"')" &&
	test_expect_code 65 lk-parse-xlsx --sheet 3 "$X/price_wilo.xlsx" >out 2>/dev/null
'

test_expect_success 'missing columns fail and show the header-like row' '
	test_expect_code 65 lk-parse-xlsx "$X/price_wilo.xlsx" >out 2>err &&
	sentinel_is out failed 0 &&
	test_grep err "no row has the columns '"'"'sku'"'"', '"'"'qty'"'"' (row 1: Артикул, Номенклатура, € без ПДВ)"
'

test_expect_success 'granite list: header in row 2 under a title; fractions floored' '
	lk-parse-xlsx --sku Артикул --qty Наличие "$X/ostatki_domkam.xlsx" >out 2>err &&
	sentinel_is out complete 50 &&
	test_grep err "50 fractional quantities floored" &&
	head -n 1 out | grep -q "\"sku\":\"1\",.*\"qty\":86}"
'

# Workbooks several tests read, made once; use NAME copies one here.
G=$TRASH/gen
mkdir -p "$G"
use() {
	cp "$G/$1" .
}

# no_names FILE: the records without the input's name in bad_record errors
no_names() {
	sed 's/"error":"[^:]*:/"error":"INPUT:/' "$1"
}

cat >"$G/types.json" <<'EOF'
{"modified": "2026-11-27T01:00:00Z",
 "sheets": [{"name": "Остатки", "merges": ["A1:D1", "A18:D18"], "rows": [
 ["Прайс-лист ООО Ромашка"], [],
 ["Артикул", "Наименование", "Кол-во", "Склад"],
 ["A-1", "x", 5, "Москва"], ["A-2", "y", "1 234,5", "СПб"],
 ["A-3", "z", {"date": 45000}, "Москва"], ["A-4", "z", {"cdate": 45000}],
 ["A-5", "z", {"f": "C4*2", "v": 10}], ["A-6", "z", {"f": "C4*2"}],
 ["A-7", "z", {"f": "C4", "s": "7"}], ["A-8", "z", {"e": "#N/A"}],
 ["A-9", "z", {"b": 1}], ["A-10", "z", {"d": "2024-01-31"}],
 ["A-11", "z", {"fixed": 12.5}], ["A-12", "z", null],
 [4602824000486, "EAN as a number", 3], [{"sst": 999}, "bad", 1],
 ["Раздел 2"], ["Артикул", "Наименование", "Кол-во"],
 ["A-1", "again", 2, "Москва"], ["A-13", "x", 1e3], [null, "no sku", 4], [{"cdate": 45000}, "date sku", 1]
]}]}
EOF
python3 "$MK" "$G/types.xlsx" <"$G/types.json"
sed 's/"sheets"/"strings": "inline", "sheets"/' "$G/types.json" | python3 "$MK" "$G/inline.xlsx"

test_expect_success 'cell types: numbers, text, cached formulas; dates and errors refused' '
	use types.xlsx &&
	test_expect_code 1 lk-parse-xlsx --sku артикул --qty "КОЛ-ВО" --location склад types.xlsx >out 2>err &&
	cat >want <<-\EOF &&
	{"type":"stock","sku":"A-1","source":"types","qty":5,"location":"Москва"}
	{"type":"stock","sku":"A-2","source":"types","qty":1234,"location":"СПб"}
	{"type":"bad_record","source":"types","sku":"A-3","location":"Москва","line":6,"error":"types.xlsx:6: cell C6: a date, not a quantity"}
	{"type":"bad_record","source":"types","sku":"A-4","line":7,"error":"types.xlsx:7: cell C7: a date, not a quantity"}
	{"type":"stock","sku":"A-5","source":"types","qty":10}
	{"type":"bad_record","source":"types","sku":"A-6","line":9,"error":"types.xlsx:9: cell C9: a formula without a saved value (open and save the workbook in Excel or LibreOffice)"}
	{"type":"stock","sku":"A-7","source":"types","qty":7}
	{"type":"bad_record","source":"types","sku":"A-8","line":11,"error":"types.xlsx:11: cell C11: the error #N/A, not a quantity"}
	{"type":"bad_record","source":"types","sku":"A-9","line":12,"error":"types.xlsx:12: cell C12: a boolean, not a quantity"}
	{"type":"bad_record","source":"types","sku":"A-10","line":13,"error":"types.xlsx:13: cell C13: a date, not a quantity"}
	{"type":"stock","sku":"A-11","source":"types","qty":12}
	{"type":"bad_record","source":"types","sku":"A-12","line":15,"error":"types.xlsx:15: offer '"'"'A-12'"'"' has no quantity (an empty quantity cell)"}
	{"type":"stock","sku":"4602824000486","source":"types","qty":3}
	{"type":"bad_record","source":"types","line":17,"error":"types.xlsx:17: cell A17: the sku is a missing shared string"}
	{"type":"stock","sku":"A-1","source":"types","qty":2,"location":"Москва"}
	{"type":"stock","sku":"A-13","source":"types","qty":1000}
	{"type":"bad_record","source":"types","line":22,"error":"types.xlsx:22: cell A22: empty sku"}
	{"type":"bad_record","source":"types","line":23,"error":"types.xlsx:23: cell A23: the sku is a date"}
	{"type":"source","source":"types","status":"complete","records":8,"bad":10,"at":"2026-11-27T03:00:00Z","produced":"2026-11-27T01:00:00Z","produced_from":"feed"}
	EOF
	test_cmp want out &&
	cat >want <<-\EOF &&
	lk-parse-xlsx: types.xlsx:6: cell C6: a date, not a quantity
	lk-parse-xlsx: types.xlsx:7: cell C7: a date, not a quantity
	lk-parse-xlsx: types.xlsx:9: cell C9: a formula without a saved value (open and save the workbook in Excel or LibreOffice)
	lk-parse-xlsx: types.xlsx:11: cell C11: the error #N/A, not a quantity
	lk-parse-xlsx: types.xlsx:12: cell C12: a boolean, not a quantity
	lk-parse-xlsx: types.xlsx:13: cell C13: a date, not a quantity
	lk-parse-xlsx: types.xlsx:17: cell A17: the sku is a missing shared string
	lk-parse-xlsx: types.xlsx:22: cell A22: empty sku
	lk-parse-xlsx: types.xlsx:23: cell A23: the sku is a date
	lk-parse-xlsx: types.xlsx:15: offer '"'"'A-12'"'"' has no quantity (an empty quantity cell)
	lk-parse-xlsx: types.xlsx: 2 fractional quantities floored, 1 duplicate sku (quantities add up)
	EOF
	test_cmp want err
'

test_expect_success 'inline strings read as shared ones' '
	use types.xlsx && use inline.xlsx &&
	lk-parse-xlsx --sku артикул --qty кол-во --location склад --name types types.xlsx >a 2>/dev/null;
	lk-parse-xlsx --sku артикул --qty кол-во --location склад --name types inline.xlsx >b 2>/dev/null;
	no_names a >a2 && no_names b >b2 &&
	test_cmp a2 b2 && sentinel_is b complete 8
'

test_expect_success '--strict: the first bad row fails the source' '
	use types.xlsx &&
	test_expect_code 65 lk-parse-xlsx --strict --sku артикул --qty кол-во types.xlsx >out 2>err &&
	sentinel_is out failed 2 &&
	test_grep out "types.xlsx:6: cell C6: a date, not a quantity"
'

test_expect_success '--duplicates error reports the repeat with its row' '
	use types.xlsx &&
	test_expect_code 1 lk-parse-xlsx --duplicates error --sku артикул --qty кол-во --location склад types.xlsx >out 2>err &&
	test_grep err "types.xlsx:20: duplicate sku '"'"'A-1'"'"' at location Москва" &&
	sentinel_is out complete 7
'

test_expect_success '--header-row: forced, or an error when it lacks a column or is empty' '
	use types.xlsx &&
	lk-parse-xlsx --header-row 3 --sku 1 --qty 3 types.xlsx >a 2>/dev/null;
	sentinel_is a complete 8 &&
	test_expect_code 65 lk-parse-xlsx --header-row 3 --sku артикул --qty нет types.xlsx >out 2>err &&
	test_grep err "types.xlsx:3: no column '"'"'нет'"'"' in header row 3 (Артикул, Наименование, Кол-во, Склад)" &&
	test_expect_code 65 lk-parse-xlsx --header-row 2 types.xlsx >out 2>err &&
	test_grep err "types.xlsx:2: header row 2 is empty" &&
	test_expect_code 64 lk-parse-xlsx --header-row 0 types.xlsx 2>err
'


cat >"$G/sklad.json" <<'EOF'
{"modified": "2026-11-27T01:00:00Z",
 "sheets": [{"name": "Склады", "merges": ["A1:E1"], "rows": [
 ["Остатки на складах на 27.11.2026"],
 ["Артикул", "Наименование", "Москва", "Казань", "Новосибирск"],
 ["A-1", "x", 5, 0, 7], ["A-2", "y", null, "12", null], ["A-3", "z", null, null, null],
 ["A-4", "w", {"date": 45000}, 3, null]
]}]}
EOF
python3 "$MK" "$G/sklad.xlsx" <"$G/sklad.json"

test_expect_success '--locations: one record per warehouse column; empty cells give none' '
	use sklad.xlsx &&
	test_expect_code 1 lk-parse-xlsx --sku Артикул --locations "Москва, Казань,Новосибирск" sklad.xlsx >out 2>err &&
	cat >want <<-\EOF &&
	{"type":"stock","sku":"A-1","source":"sklad","qty":5,"location":"Москва"}
	{"type":"stock","sku":"A-1","source":"sklad","qty":0,"location":"Казань"}
	{"type":"stock","sku":"A-1","source":"sklad","qty":7,"location":"Новосибирск"}
	{"type":"stock","sku":"A-2","source":"sklad","qty":12,"location":"Казань"}
	{"type":"bad_record","source":"sklad","sku":"A-3","line":5,"error":"sklad.xlsx:5: offer '"'"'A-3'"'"' has no quantity (an empty quantity cell)"}
	{"type":"bad_record","source":"sklad","sku":"A-4","location":"Москва","line":6,"error":"sklad.xlsx:6: cell C6: a date, not a quantity"}
	{"type":"stock","sku":"A-4","source":"sklad","qty":3,"location":"Казань"}
	{"type":"source","source":"sklad","status":"complete","records":5,"bad":2,"at":"2026-11-27T03:00:00Z","produced":"2026-11-27T01:00:00Z","produced_from":"feed"}
	EOF
	test_cmp want out &&
	test_grep err "sklad.xlsx:6: cell C6: a date, not a quantity" &&
	test_grep err "sklad.xlsx:5: offer '"'"'A-3'"'"' has no quantity"
'

test_expect_success 'stdin, a pipe and gzip give what the file gives' '
	use types.xlsx &&
	lk-parse-xlsx --name t --sku артикул --qty кол-во types.xlsx >a 2>/dev/null;
	lk-parse-xlsx --name t --sku артикул --qty кол-во <types.xlsx >b 2>/dev/null;
	cat types.xlsx | lk-parse-xlsx --name t --sku артикул --qty кол-во >c 2>/dev/null;
	gzip -c types.xlsx | lk-parse-xlsx --name t --sku артикул --qty кол-во >d 2>/dev/null;
	for f in a b c d; do no_names $f >$f.2 || return 1; done &&
	test_cmp a.2 b.2 && test_cmp a.2 c.2 && test_cmp a.2 d.2 && sentinel_is a complete 8
'

test_expect_success 'a truncated workbook fails' '
	use types.xlsx &&
	head -c 3000 types.xlsx >cut.xlsx &&
	test_expect_code 65 lk-parse-xlsx cut.xlsx >out 2>err &&
	sentinel_is out failed 0 &&
	test_grep err "cut.xlsx: not a zip archive, or a damaged or truncated one" &&
	head -c 3000 types.xlsx | test_expect_code 65 lk-parse-xlsx >out 2>/dev/null &&
	sentinel_is out failed 0
'

test_expect_success 'a zip bomb is refused before it is inflated' '
	python3 -c "
import zipfile
with zipfile.ZipFile(\"bomb.xlsx\", \"w\", zipfile.ZIP_DEFLATED) as z:
    z.writestr(\"xl/workbook.xml\", \"<workbook><sheets><sheet name=\\\"S\\\" r:id=\\\"rId1\\\" xmlns:r=\\\"r\\\"/></sheets></workbook>\")
    z.writestr(\"xl/_rels/workbook.xml.rels\", \"<Relationships><Relationship Id=\\\"rId1\\\" Type=\\\"x/worksheet\\\" Target=\\\"worksheets/sheet1.xml\\\"/></Relationships>\")
    z.writestr(\"xl/worksheets/sheet1.xml\", b\"<worksheet>\" + b\" \" * (8 << 20) + b\"</worksheet>\")
" &&
	test "$(wc -c <bomb.xlsx)" -lt 20000 &&
	test_expect_code 65 lk-parse-xlsx bomb.xlsx >out 2>err &&
	sentinel_is out failed 0 &&
	grep -q "bomb.xlsx: xl/worksheets/sheet1.xml: [0-9]* bytes from [0-9]* compressed, more than 200 times: a zip bomb? refused" err
'

test_expect_success 'a part above 512 MiB, or larger than declared, is refused' '
	sed "s/\"sheets\"/\"lie_size\": {\"part\": \"xl\/worksheets\/sheet1.xml\", \"size\": 900000000}, \"sheets\"/" \
	    "$G/types.json" | python3 "$MK" big.xlsx &&
	test_expect_code 65 lk-parse-xlsx big.xlsx >out 2>err &&
	test_grep err "big.xlsx: xl/worksheets/sheet1.xml: 900000000 bytes uncompressed, above the limit of 536870912: refused" &&
	sed "s/\"sheets\"/\"lie_size\": {\"part\": \"xl\/worksheets\/sheet1.xml\", \"size\": 100}, \"sheets\"/" \
	    "$G/types.json" | python3 "$MK" small.xlsx &&
	test_expect_code 65 lk-parse-xlsx small.xlsx >out 2>err &&
	grep -q "small.xlsx: xl/worksheets/sheet1.xml: [0-9]* bytes, not its declared 100: damaged" err
'

test_expect_success 'a damaged part fails on its CRC, after the rows read before' '
	use types.xlsx &&
	python3 -c "
import zipfile
d = bytearray(open(\"types.xlsx\", \"rb\").read())
z = zipfile.ZipFile(\"types.xlsx\")
i = z.getinfo(\"xl/worksheets/sheet1.xml\")
at = i.header_offset + 30 + len(i.filename) + i.compress_size - 8
d[at] ^= 0x55
open(\"crc.xlsx\", \"wb\").write(bytes(d))
" &&
	test_expect_code 65 lk-parse-xlsx --sku артикул --qty кол-во crc.xlsx >out 2>err &&
	tail -n 1 out | grep -q "\"status\":\"failed\"" &&
	grep -q "crc.xlsx: .*xl/worksheets/sheet1.xml" err
'

test_expect_success 'an old .xls, an empty file, not a zip: clear failures' '
	printf "\320\317\021\340\241\261\032\341" >old.xls &&
	test_expect_code 65 lk-parse-xlsx old.xls >out 2>err &&
	test_grep err "old.xls: not an XLSX workbook but an OLE2 file (an old .xls, or a password-protected workbook)" &&
	: >empty.xlsx &&
	test_expect_code 65 lk-parse-xlsx empty.xlsx >out 2>err && test_grep err "empty.xlsx: empty input" &&
	echo "sku,qty" >csv.xlsx &&
	test_expect_code 65 lk-parse-xlsx csv.xlsx >out 2>err && test_grep err "csv.xlsx: not a zip archive" &&
	test_expect_code 66 lk-parse-xlsx missing.xlsx 2>err
'

test_expect_success 'a DOCTYPE in a part is refused (no entities)' '
	use types.xlsx &&
	python3 -c "
import zipfile
src = zipfile.ZipFile(\"types.xlsx\")
with zipfile.ZipFile(\"dtd.xlsx\", \"w\", zipfile.ZIP_DEFLATED) as z:
    for n in src.namelist():
        b = src.read(n)
        if n == \"xl/workbook.xml\":
            b = b.replace(b\"<workbook\", b\"<!DOCTYPE workbook [<!ENTITY a \\\"aaaa\\\">]><workbook\", 1)
        z.writestr(n, b)
" &&
	test_expect_code 65 lk-parse-xlsx dtd.xlsx >out 2>err &&
	test_grep err "dtd.xlsx: xl/workbook.xml: a DOCTYPE, which OOXML never has: refused"
'

test_expect_success 'a part that is not UTF-8 fails with libxml2'"'"'s reason on one line' '
	use types.xlsx &&
	python3 -c "
import zipfile
src = zipfile.ZipFile(\"types.xlsx\")
with zipfile.ZipFile(\"enc.xlsx\", \"w\", zipfile.ZIP_DEFLATED) as z:
    for n in src.namelist():
        b = src.read(n)
        if n == \"xl/sharedStrings.xml\":
            b = b.replace(b\"<si>\", b\"<si>\\xff\\xfe\", 1)
        z.writestr(n, b)
" &&
	test_expect_code 65 lk-parse-xlsx enc.xlsx >out 2>err &&
	test "$(wc -l <err)" = 1 &&
	test_grep err "enc.xlsx: xl/sharedStrings.xml:2: Input is not proper UTF-8"
'

test_expect_success 'options from sources/NAME.json: kind xlsx, sheet, header_row, locations' '
	use sklad.xlsx &&
	make_state st &&
	echo "{\"kind\": \"xlsx\", \"url\": \"file:///x.xlsx\", \"sheet\": \"Склады\", \"header_row\": 2, \"sku\": \"Артикул\", \"locations\": \"Москва,Новосибирск\"}" >st/sources/sklad.json &&
	test_expect_code 1 lk-parse-xlsx -C st --source sklad sklad.xlsx >out 2>/dev/null &&
	sentinel_is out complete 2 &&
	test "$(jq -r "select(.type==\"stock\") | .location" out | sort -u | tr "\n" " ")" = "Москва Новосибирск " &&
	echo "{\"kind\": \"csv\", \"url\": \"file:///x.csv\"}" >st/sources/c.json &&
	test_expect_code 78 lk-parse-xlsx -C st --source c sklad.xlsx 2>err &&
	test_grep err "kind: '"'"'csv'"'"' is not read by lk-parse-xlsx"
'

test_expect_success 'the EXAMPLES of lk-parse-xlsx(1) run' '
	cp "$X/ostatki_nonzeq.xlsx" ostatki.xlsx &&
	cp "$X/price_wilo.xlsx" price.xlsx &&
	cp "$X/ostatki_domkam.xlsx" granit.xlsx &&
	python3 "$MK" sklad.xlsx <<-\EOF &&
	{"sheets": [{"name": "Склады", "merges": ["A1:D1"], "rows": [
	 ["Остатки на складах на 27.11.2026"], ["Артикул", "Москва", "Казань"],
	 ["A-1", 5, 1], ["A-2", null, "12"]]}]}
	EOF
	make_state state &&
	echo "{\"kind\": \"xlsx\", \"url\": \"https://example.com/granit.xlsx\", \"sku\": \"Артикул\", \"qty\": \"Наличие\"}" >state/sources/granit.json &&
	run_examples lk-parse-xlsx.1 &&
	test "$(wc -l <examples.txt)" = 4 &&
	sentinel_is out.ndjson complete 50 && test_grep out.ndjson "\"source\":\"granit\""
'

test_done
