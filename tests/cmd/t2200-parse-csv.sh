#!/bin/sh
# lk-parse-csv on the real pharmacy lists in $DATA/csv (windows-1251,
# ';', decimal comma, NBSP thousands, repeated rows) and on small files
# for Google Sheets exports, quoting, line numbers and truncation.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t2-parse-lib.sh
. "$(dirname "$0")/t2-parse-lib.sh"

OST=$CSV/apteka_ostatki_windows-1251.csv
BYNAME="--sku BARCODE --qty OST --location APTEKA"

test_expect_success 'pharmacy list: 3571 rows, 10 fractions floored, 644 repeated pairs counted' '
	lk-parse-csv $BYNAME "$OST" >out 2>err &&
	sentinel_is out complete 3571 &&
	echo "lk-parse-csv: $OST: 10 fractional quantities floored, 644 duplicate skus (quantities add up)" >want &&
	test_cmp want err &&
	head -n 1 out >first &&
	echo "{\"type\":\"stock\",\"sku\":\"4602824000486\",\"source\":\"apteka_ostatki_windows-1251\",\"qty\":2,\"location\":\"2\"}" >want &&
	test_cmp want first &&
	test "$(grep -c "\"qty\":0," out)" = 9 &&
	test "$(jq -r "select(.type==\"stock\") | .location" out | sort -u | wc -l)" = 10
'

test_expect_success 'pharmacy list: columns by number give the same records' '
	lk-parse-csv $BYNAME "$OST" >a 2>/dev/null &&
	lk-parse-csv --sku 2 --qty 3 --location 1 "$OST" >b 2>/dev/null &&
	test_cmp a b
'

test_expect_success 'pharmacy list: NBSP thousands separators (1 000,000 in CENA)' '
	lk-parse-csv --sku BARCODE --qty CENA --location APTEKA "$OST" >out 2>/dev/null &&
	sed -n 2p out >second &&
	echo "{\"type\":\"stock\",\"sku\":\"5995327253237\",\"source\":\"apteka_ostatki_windows-1251\",\"qty\":1000,\"location\":\"2\"}" >want &&
	test_cmp want second &&
	test "$(jq -s "[.[] | select(.type==\"stock\" and .qty >= 1000)] | length" out)" = 76
'

test_expect_success 'pharmacy list: --duplicates error reports each of the 644 with its line' '
	test_expect_code 1 lk-parse-csv $BYNAME --duplicates error "$OST" >out 2>err &&
	sentinel_is out complete 2927 &&
	test "$(grep -c "duplicate sku" err)" = 644 &&
	test_grep err "lk-parse-csv: $OST:37: duplicate sku '"'"'4607045191944'"'"' at location 2"
'

test_expect_success 'pharmacy list: a missing column names the columns there are' '
	test_expect_code 65 lk-parse-csv "$OST" >out 2>err &&
	sentinel_is out failed 0 &&
	test_grep err "no column '"'"'sku'"'"' in the header (APTEKA, BARCODE, OST, CENA)"
'

test_expect_success 'product list: windows-1251 names become UTF-8; barcodes as quantities are above 10^9' '
	test_expect_code 1 lk-parse-csv --sku NAZV --qty BARCODE "$CSV/apteka_tovar_windows-1251.csv" >out 2>err &&
	sentinel_is out complete 1 &&
	tail -n 1 out | grep -q "\"bad\":709," &&
	test "$(grep -c "^{\"type\":\"bad_record\"" out)" -eq 709 &&
	head -n 1 out | grep -q "^{\"type\":\"bad_record\",\"source\":\"apteka_tovar_windows-1251\",\"sku\":\"Флюдитек\",\"line\":2,\"error\":\".*apteka_tovar_windows-1251.csv:2: quantity '\''3400935381316'\'' is above the maximum 1000000000\"}" &&
	test_grep err "apteka_tovar_windows-1251.csv:2: quantity '\''3400935381316'\'' is above the maximum 1000000000"
'

test_expect_success 'windows-1251: the unassigned byte 0x98 becomes U+FFFD' '
	printf "sku;qty\nA\230;1\n\300;2\n" >w.csv &&
	lk-parse-csv --encoding windows-1251 w.csv >out &&
	printf "\"sku\":\"A\357\277\275\",\"source\":\"w\",\"qty\":1}" >want &&
	grep -F -f want out &&
	test_grep out "\"sku\":\"А\",\"source\":\"w\",\"qty\":2}"
'

test_expect_success 'Google Sheets export: CRLF, quoted commas and newlines, no final newline' '
	printf "sku,qty,location\r\n\"A,1\",5,\"Склад\r\nМосква\"\r\nB,\"1,5\",\r\nC,x,\r\nD,7," >sheet.csv &&
	test_expect_code 1 lk-parse-csv --location location sheet.csv >out 2>err &&
	sentinel_is out complete 3 &&
	test_grep out "{\"type\":\"stock\",\"sku\":\"A,1\",\"source\":\"sheet\",\"qty\":5,\"location\":\"Склад\\r\\nМосква\"}" &&
	test_grep out "{\"type\":\"stock\",\"sku\":\"B\",\"source\":\"sheet\",\"qty\":1}" &&
	test_grep out "{\"type\":\"stock\",\"sku\":\"D\",\"source\":\"sheet\",\"qty\":7}" &&
	echo "lk-parse-csv: sheet.csv:5: quantity '"'"'x'"'"' is not a number" >want &&
	head -n 1 err >got && test_cmp want got
'

test_expect_success 'UTF-8 BOM, tab delimiter detected, --strict' '
	printf "\357\273\277sku\tqty\nA\t1\nB\tbad\nC\t3\n" >t.tsv &&
	test_expect_code 1 lk-parse-csv t.tsv >out 2>err &&
	sentinel_is out complete 2 && test_grep out "\"sku\":\"A\"" &&
	test_expect_code 65 lk-parse-csv --strict t.tsv >out 2>err &&
	sentinel_is out failed 1 && test_grep out "t.tsv:3: quantity"
'

test_expect_success 'no header, columns by number, another delimiter and quote' '
	printf "x|'"'"'A|1'"'"'|4\ny|B|-2\n" >n.csv &&
	lk-parse-csv --no-header --delimiter "|" --quote "'"'"'" --sku 2 --qty 3 n.csv >out 2>err &&
	sentinel_is out complete 2 &&
	test_grep out "\"sku\":\"A|1\",\"source\":\"n\",\"qty\":4}" &&
	test_grep out "\"sku\":\"B\",\"source\":\"n\",\"qty\":0}" &&
	test_grep err "1 negative set to 0" &&
	test_expect_code 65 lk-parse-csv --no-header --sku BARCODE n.csv 2>err && test_grep err "no header row"
'

test_expect_success 'short rows and empty skus are errors with their line' '
	printf "sku;qty;loc\nA;1;x\nB\n;3;y\n" >s.csv &&
	test_expect_code 1 lk-parse-csv --location loc s.csv >out 2>err &&
	sentinel_is out complete 1 &&
	test_grep err "s.csv:3: row has 1 fields, too few for the qty column" &&
	test_grep err "s.csv:4: empty sku"
'

test_expect_success 'truncated inside a quoted field: records so far, failed, 65' '
	printf "sku,qty\nA,1\nB,2\n\"C,3\n" >cut.csv &&
	test_expect_code 65 lk-parse-csv cut.csv >out 2>err &&
	sentinel_is out failed 2 && test_grep err "cut.csv:4: a quoted field is not closed"
'

test_expect_success 'gzip input, stdin, empty input' '
	gzip -c "$OST" | lk-parse-csv $BYNAME >out 2>/dev/null &&
	sentinel_is out complete 3571 && test_grep out "\"source\":\"stdin\"" &&
	: >empty.csv &&
	test_expect_code 65 lk-parse-csv empty.csv >out 2>err && test_grep err "empty input"
'

test_expect_success 'usage: --help, --version, bad --delimiter' '
	lk-parse-csv --help | head -n 1 | grep -q "^usage: lk-parse-csv " &&
	lk-parse-csv --version | grep -q "^lk-parse-csv (lk) " &&
	test_expect_code 64 lk-parse-csv --delimiter ";;" x 2>err
'

test_expect_success 'the EXAMPLES of lk-parse-csv(1) run' '
	cp "$OST" ostatki.csv &&
	printf "sku,qty\r\nA,1\r\nB,2\r\n" >sheet.csv &&
	examples lk-parse-csv.1 >ex && test "$(wc -l <ex)" = 3 &&
	grep -v "duplicates error" ex >ok.txt &&
	while IFS= read -r cmd; do sh -c "$cmd" >o 2>/dev/null && tail -n 1 o | grep -q "\"status\":\"complete\"" || exit 1; done <ok.txt &&
	cmd=$(grep "duplicates error" ex) && { sh -c "$cmd" >o 2>/dev/null; test $? = 1; } &&
	sentinel_is o complete 2927
'

test_done
