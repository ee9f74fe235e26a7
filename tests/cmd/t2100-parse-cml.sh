#!/bin/sh
# lk-parse-cml on the real 1C exchange files in $DATA/cml, and on small
# made-up files for the 2.05 and rests forms, bad numbers and truncation.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t2-parse-lib.sh
. "$(dirname "$0")/t2-parse-lib.sh"

UT11=$CML/1c-ut11-2.07_offers0_1.xml

# offers FILE OFFERS...: a small CML 2.07 offers package.
offers() {
	_f=$1
	shift
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07"><ПакетПредложений>'
		echo '<Склады><Склад><Ид>s1</Ид><Наименование>Главный</Наименование></Склад><Склад><Ид>s2</Ид><Наименование>Второй</Наименование></Склад></Склады>'
		echo '<Предложения>'
		for _o in "$@"; do echo "$_o"; done
		echo '</Предложения></ПакетПредложений></КоммерческаяИнформация>'
	} >"$_f"
}

test_expect_success 'UT 11 offers (2.07): 201 totals, 62 zero, 3 fractional floored' '
	lk-parse-cml "$UT11" >out 2>err &&
	sentinel_is out complete 201 &&
	test "$(grep -c "\"qty\":0," out)" = 62 &&
	echo "lk-parse-cml: $UT11: 3 fractional quantities floored" >want && test_cmp want err &&
	head -n 1 out >first &&
	echo "{\"type\":\"stock\",\"sku\":\"cbcf4968-55bc-11d9-848a-00112f43529a\",\"source\":\"1c-ut11-2.07_offers0_1\",\"qty\":20,\"name\":\"Барбарис (конфеты)\"}" >want &&
	test_cmp want first &&
	test_grep out "\"sku\":\"cbcf4980-55bc-11d9-848a-00112f43529a\",\"source\":\"1c-ut11-2.07_offers0_1\",\"qty\":30,"
'

test_expect_success 'UT 11 offers per warehouse: 139 offers with Склад give 163 records, sums equal the totals' '
	lk-parse-cml --per-warehouse "$UT11" >pw 2>err &&
	sentinel_is pw complete 225 &&
	test "$(grep -c "\"location\":" pw)" = 163 &&
	test "$(grep "\"location\":" pw | jq -r .sku | sort -u | wc -l)" = 139 &&
	jq -r "select(.type==\"stock\") | \"\\(.sku) \\(.qty)\"" pw |
		awk "{s[\$1] += \$2} END {for (k in s) print k, s[k]}" | sort >sums &&
	lk-parse-cml "$UT11" 2>/dev/null | jq -r "select(.type==\"stock\") | \"\\(.sku) \\(.qty)\"" | sort >totals &&
	test_cmp totals sums &&
	echo "lk-parse-cml: $UT11: 3 fractional quantities floored" >want && test_cmp want err
'

test_expect_success 'UT 11: warehouse names from <Склады>; sku from <Артикул>, 42 offers without one' '
	test_expect_code 1 lk-parse-cml --per-warehouse --location-names --sku article "$UT11" >out 2>err &&
	test "$(grep -c "offer without <Артикул>" err)" = 42 &&
	test_grep err "lk-parse-cml: $UT11:1683:16: offer without <Артикул>" &&
	head -n 1 out >first &&
	echo "{\"type\":\"stock\",\"sku\":\"Арт-7777\",\"source\":\"1c-ut11-2.07_offers0_1\",\"qty\":20,\"location\":\"Магазин \\\"Продукты\\\"\",\"name\":\"Барбарис (конфеты)\"}" >want &&
	test_cmp want first
'

test_expect_success 'Bitrix rests.xml (3.1, nested): 86 offers x 12 warehouses, all zero' '
	lk-parse-cml "$CML/bitrix6-3.1_rests.xml" >out &&
	sentinel_is out complete 86 && test "$(grep -c "\"qty\":0}" out)" = 86 &&
	lk-parse-cml --per-warehouse "$CML/bitrix6-3.1_rests.xml" >pw &&
	sentinel_is pw complete 1032 && test "$(grep -c "\"qty\":0," pw)" = 1032 &&
	test "$(jq -r "select(.type==\"stock\") | .location" pw | sort -u | wc -l)" = 12 &&
	test_grep pw "\"sku\":\"235ccc6d-ab81-11e4-944a-00155d020201#a5abd77f-93f6-11e5-9468-00155d020201\",\"source\":\"bitrix6-3.1_rests\",\"qty\":0,\"location\":\"be3dfd89-0ac5-11e1-84f0-00241d886595\"}"
'

test_expect_success 'Bitrix rests.xml: undeclared warehouses keep their id, one warning' '
	lk-parse-cml --per-warehouse --location-names "$CML/bitrix6-3.1_rests.xml" >out 2>err &&
	test_grep err "1032 records name a warehouse not declared in <Склады>" &&
	test_grep out "\"location\":\"be3dfd89-0ac5-11e1-84f0-00241d886595\""
'

test_expect_success 'Bitrix offers.xml without stock: fails as a whole' '
	test_expect_code 65 lk-parse-cml "$CML/bitrix6-3.1_offers.xml" >out 2>err &&
	sentinel_is out failed 0 && test_grep err "none of the 86 offers has a quantity"
'

test_expect_success 'import.xml (the catalogue) is refused' '
	test_expect_code 65 lk-parse-cml "$CML/1c-doc-2.04_import.xml" >out 2>err &&
	sentinel_is out failed 0 && test_grep err "no <Предложения>"
'

test_expect_success '1C example offers (2.04): 2 offers, characteristic ids' '
	lk-parse-cml "$CML/1c-doc-2.04_offers.xml" >out &&
	sentinel_is out complete 2 &&
	test_grep out "\"sku\":\"05e26d70-01e4-11dc-a411-00055d80a2d1#05e26d76-01e4-11dc-a411-00055d80a2d1\",\"source\":\"1c-doc-2.04_offers\",\"qty\":0,\"name\":\"Стол обеденный\"}"
'

test_expect_success 'UMI.CMS offers (BOM): 14 quantities from 16 to 41' '
	lk-parse-cml "$CML/umi-cms-2.04_offers.xml" >out &&
	sentinel_is out complete 14 &&
	test "$(jq -s "[.[] | select(.type==\"stock\") | .qty] | min" out)" = 16 &&
	test "$(jq -s "[.[] | select(.type==\"stock\") | .qty] | max" out)" = 41 &&
	test_grep out "\"sku\":\"bd72d927-55bc-11d9-848a-00112f43529a\",\"source\":\"umi-cms-2.04_offers\",\"qty\":26,"
'

test_expect_success '2.05 КоличествоНаСкладах, attribute or child elements' '
	offers o.xml "<Предложение><Ид>a</Ид><КоличествоНаСкладах><КоличествоНаСкладе ИдСклада=\"s1\">4</КоличествоНаСкладе><КоличествоНаСкладе><ИдСклада>s2</ИдСклада><Количество>6</Количество></КоличествоНаСкладе></КоличествоНаСкладах></Предложение>" &&
	lk-parse-cml o.xml >out && test_grep out "\"sku\":\"a\",\"source\":\"o\",\"qty\":10}" &&
	lk-parse-cml --per-warehouse --location-names o.xml >out &&
	test_grep out "\"qty\":4,\"location\":\"Главный\"}" && test_grep out "\"qty\":6,\"location\":\"Второй\"}"
'

test_expect_success 'rests total form, fractions and negatives counted once' '
	offers o.xml "<Предложение><Ид>a</Ид><Остатки><Остаток><Количество>2.9</Количество></Остаток></Остатки></Предложение>" \
		"<Предложение><Ид>b</Ид><Количество>-3</Количество></Предложение>" &&
	lk-parse-cml o.xml >out 2>err &&
	test_grep out "\"sku\":\"a\",\"source\":\"o\",\"qty\":2}" && test_grep out "\"sku\":\"b\",\"source\":\"o\",\"qty\":0}" &&
	echo "lk-parse-cml: o.xml: 1 fractional quantity floored, 1 negative set to 0" >want && test_cmp want err
'

test_expect_success 'a quantity that is not a number: line:col, offer skipped, exit 1' '
	offers o.xml "<Предложение><Ид>a</Ид><Количество>1</Количество></Предложение>" \
		"<Предложение><Ид>b</Ид><Склад ИдСклада=\"s1\" КоличествоНаСкладе=\"x5\"/></Предложение>" &&
	test_expect_code 1 lk-parse-cml o.xml >out 2>err &&
	sentinel_is out complete 1 &&
	test_grep err "lk-parse-cml: o.xml:6:" && test_grep err "quantity '"'"'x5'"'"' is not a number"
'

test_expect_success 'truncated rests: records so far, failed with line:col, 65' '
	head -n 200 "$CML/bitrix6-3.1_rests.xml" >rests.xml &&
	test_expect_code 65 lk-parse-cml rests.xml >out 2>err &&
	sentinel_is out failed 2 && test_grep out "\"error\":\"rests.xml:201:1: "
'

test_expect_success 'duplicates and entity declarations' '
	offers o.xml "<Предложение><Ид>a</Ид><Количество>1</Количество></Предложение>" "<Предложение><Ид>a</Ид><Количество>2</Количество></Предложение>" &&
	test_expect_code 1 lk-parse-cml --duplicates error o.xml >out 2>err &&
	sentinel_is out complete 1 && test_grep err "duplicate sku" &&
	printf "%s\n" "<?xml version=\"1.0\"?>" "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" "<x>&e;</x>" >e.xml &&
	test_expect_code 65 lk-parse-cml e.xml >out 2>err && test_grep err "refused"
'

test_expect_success 'usage: --help, --version, a bad --sku' '
	lk-parse-cml --help | head -n 1 | grep -q "^usage: lk-parse-cml " &&
	lk-parse-cml --version | grep -q "^lk-parse-cml (lk) " &&
	test_expect_code 64 lk-parse-cml --sku name x 2>err && test_grep err "bad usage"
'

test_expect_success 'the EXAMPLES of lk-parse-cml(1) run' '
	cp "$UT11" offers0_1.xml && cp "$CML/bitrix6-3.1_rests.xml" rests.xml &&
	run_examples lk-parse-cml.1 && test "$(wc -l <examples.txt)" = 3 &&
	sentinel_is out.ndjson complete 1032 && test_grep out.ndjson "\"source\":\"1c\""
'

test_expect_success 'produced: ДатаФормирования, Moscow time without a zone' '
	lk-parse-cml "$CML/1c-ut11-2.07_offers0_1.xml" >out &&
	tail -n 1 out | jq -e ".produced == \"2018-02-24T09:52:07Z\" and .produced_from == \"feed\"" >/dev/null
'

test_done
