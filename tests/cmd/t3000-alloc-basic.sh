#!/bin/sh
# lk-alloc: output and its order, pass-through, determinism, the fast
# path against jansson, the catalog warning, bad records, --explain.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t3-alloc-lib.sh
. "$(dirname "$0")/t3-alloc-lib.sh"

test_expect_success 'alloc records by channel then sku, then undistributed' '
	alloc_state st &&
	{ echo "{\"type\":\"order\",\"id\":\"o1\",\"sku\":\"A1\"}"; stock_input; } |
		lk-alloc -C st >out 2>err &&
	cat >want <<-EOF &&
	{"type":"order","id":"o1","sku":"A1"}
	{"type":"alloc","channel":"cap","sku":"A1","qty":3}
	{"type":"alloc","channel":"cap","sku":"A2","qty":3}
	{"type":"alloc","channel":"cap","sku":"B1","qty":0}
	{"type":"alloc","channel":"half","sku":"A1","qty":5}
	{"type":"alloc","channel":"half","sku":"A2","qty":1}
	{"type":"alloc","channel":"half","sku":"B1","qty":0}
	{"type":"undistributed","sku":"A1","qty":5,"sources":{"main":5}}
	{"type":"undistributed","sku":"A2","qty":2,"sources":{"main":2}}
	EOF
	test_cmp want out
'

test_expect_success 'a sku not in the catalog: dropped, one warning, exit 0' '
	alloc_state st &&
	{ stock_input; echo "{\"type\":\"stock\",\"sku\":\"ZZ2\",\"source\":\"sup\",\"qty\":1}"; } |
		sed "s/\"records\":1/\"records\":2/" | lk-alloc -C st >out 2>err &&
	test_grep err "lk-alloc: 2 stock records of skus not in catalog.csv dropped (main 1, sup 1)" &&
	test "$(wc -l <err)" -eq 1 &&
	! grep -q ZZ out
'

test_expect_success '-v names the dropped skus, the first ten' '
	alloc_state st &&
	{ stock_input; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		echo "{\"type\":\"stock\",\"sku\":\"ZZ$i\",\"source\":\"sup\",\"qty\":1}"; done; } |
		sed "s/\"records\":1/\"records\":13/" | lk-alloc -C st -v >out 2>err &&
	test_grep err "lk-alloc: 13 stock records of skus not in catalog.csv dropped (main 1, sup 12)" &&
	test_grep err "lk-alloc: skus not in catalog.csv: ZZ, ZZ1, ZZ2, ZZ3, ZZ4, ZZ5, ZZ6, ZZ7, ZZ8, ZZ9, ... (the first 10)" &&
	stock_input | lk-alloc -C st -v >out 2>err &&
	test_grep err "lk-alloc: skus not in catalog.csv: ZZ" && ! grep -q "the first" err &&
	stock_input | lk-alloc -C st >out 2>err && ! grep -q "skus not in catalog.csv:" err
'

test_expect_success 'reserve is taken off before the rules' '
	alloc_state st &&
	{ stock_input; echo "{\"type\":\"reserve\",\"sku\":\"A1\",\"qty\":4,\"orders\":[\"o1\"],\"reason\":\"order\"}"; } |
		lk-alloc -C st >out &&
	test_grep out "{\"type\":\"alloc\",\"channel\":\"half\",\"sku\":\"A1\",\"qty\":3}"
'

test_expect_success 'same input, same rules: byte-identical; fast path equals jansson' '
	alloc_state st &&
	stock_input >in &&
	printf "%s\n" "{\"type\": \"stock\", \"sku\": \"A\\u0032\", \"source\": \"main\", \"qty\": 2, \"name\": \"Ж\"}" >>in &&
	sed -i "s/\"records\":3/\"records\":4/" in &&
	lk-alloc -C st <in >out1 && lk-alloc -C st <in >out2 &&
	LK_TEST_NO_FASTPATH=1 lk-alloc -C st <in >out3 &&
	test_cmp out1 out2 && test_cmp out1 out3 &&
	test_grep out1 "{\"type\":\"alloc\",\"channel\":\"half\",\"sku\":\"A2\",\"qty\":2}"
'

test_expect_success 'a bad record is reported with its line and skipped: exit 1; --strict: 65' '
	alloc_state st &&
	{ stock_input; echo "{\"type\":\"stock\",\"sku\":\"A2\",\"source\":\"main\",\"qty\":-1}"; } >in &&
	test_expect_code 1 lk-alloc -C st <in >out 2>err &&
	test_grep err "lk-alloc: <stdin>:7: stock record '\''A2'\'': '\''qty'\'' is not an integer >= 0" &&
	test_grep out "\"channel\":\"half\",\"sku\":\"A1\",\"qty\":5" &&
	test_expect_code 65 lk-alloc -C st --strict <in >out 2>err &&
	! grep -q alloc out
'

test_expect_success 'an unknown filter is a config error: 78, naming the file' '
	alloc_state st &&
	channel st half wb "[\"main\"]" "[{\"share\": 50}]" "\"filter\": \"nope\"" &&
	stock_input | test_expect_code 78 lk-alloc -C st >out 2>err &&
	test_grep err "lk-alloc: channels/half.json: filter"
'

test_expect_success 'filters and overrides: outside the filter untouched, pins win up to the stock' '
	alloc_state st &&
	echo "{\"include\": {\"brand\": [\"acme\"]}, \"exclude\": {\"sku_glob\": [\"*2\"]}}" >st/filters/acme.json &&
	channel st half wb "[\"main\"]" "[{\"share\": 50}]" "\"filter\": \"acme\"" &&
	printf "sku,channel,qty\nB1,half,4\nA1,cap,hide\n" >st/overrides.csv &&
	{ stock_input; echo "{\"type\":\"stock\",\"sku\":\"B1\",\"source\":\"main\",\"qty\":2}"; } |
		sed "s/\"records\":3/\"records\":4/" | lk-alloc -C st >out 2>err &&
	test_grep err "lk-alloc: overrides.csv: B1,half pins 4 but only 2 are available: showing 2" &&
	grep "\"half\"" out >half &&
	cat >want <<-EOF &&
	{"type":"alloc","channel":"half","sku":"A1","qty":5}
	{"type":"alloc","channel":"half","sku":"B1","qty":2}
	EOF
	test_cmp want half &&
	test_grep out "{\"type\":\"alloc\",\"channel\":\"cap\",\"sku\":\"A1\",\"qty\":0,\"asked\":true}"
'

test_expect_success '--explain=SKU: why for that sku only: sources, reserve, steps' '
	alloc_state st &&
	stock_input | lk-alloc -C st --explain=A1 >out &&
	grep "\"why\"" out >why &&
	test "$(wc -l <why)" -eq 2 &&
	test_grep why "{\"type\":\"alloc\",\"channel\":\"cap\",\"sku\":\"A1\",\"qty\":3,\"why\":{\"sources\":[{\"source\":\"main\",\"qty\":10},{\"source\":\"sup\",\"qty\":1}],\"reserve\":0,\"available\":11,\"steps\":[{\"step\":\"if > 3 then 3\",\"qty\":3}]}}" &&
	test_grep why "\"steps\":[{\"step\":\"share 50%\",\"qty\":5}]"
'

test_expect_success '--explain without a sku explains every record' '
	alloc_state st &&
	stock_input | lk-alloc -C st --explain >out &&
	test "$(grep -c "\"why\"" out)" -eq 6
'

test_expect_success 'equal: 10 among 3 channels is 4,3,3 and adds up' '
	alloc_state st &&
	rm st/channels/*.json &&
	for c in c1 c2 c3; do channel st $c wb "[\"main\"]" "[{\"equal\": true}]" || return 1; done &&
	stock_input | lk-alloc -C st >out &&
	grep "\"type\":\"alloc\".*\"sku\":\"A1\"" out | sed "s/.*qty\"://; s/}//" | sort -n | tr "\n" " " >parts &&
	test "$(cat parts)" = "3 3 4 "
'

# two_sources: main A1 10, A2 3; sup A1 1, A2 4; both complete.
two_sources() {
	cat <<-EOF
	{"type":"stock","sku":"A1","source":"main","qty":10}
	{"type":"stock","sku":"A2","source":"main","qty":3}
	{"type":"source","source":"main","status":"complete","records":2}
	{"type":"stock","sku":"A1","source":"sup","qty":1}
	{"type":"stock","sku":"A2","source":"sup","qty":4}
	{"type":"source","source":"sup","status":"complete","records":2}
	EOF
}

test_expect_success 'undistributed by source: one no channel sums gives all, a shared one what the share left, the reserve off the first' '
	alloc_state st && rm st/channels/cap.json &&
	{ two_sources; echo "{\"type\":\"reserve\",\"sku\":\"A1\",\"qty\":2}"; } |
		lk-alloc -C st >out 2>err &&
	grep "\"type\":\"undistributed\"" out >got &&
	cat >want <<-EOF &&
	{"type":"undistributed","sku":"A1","qty":5,"sources":{"main":4,"sup":1}}
	{"type":"undistributed","sku":"A2","qty":6,"sources":{"main":2,"sup":4}}
	EOF
	test_cmp want got &&
	grep -q "\"channel\":\"half\",\"sku\":\"A1\",\"qty\":4}" out
'

test_expect_success 'undistributed by source: a channel on two sources draws from each in proportion; an overlap one counts last' '
	alloc_state st && rm st/channels/cap.json &&
	channel st half wb "[\"main\", \"sup\"]" "[{\"share\": 50}]" &&
	sed "s/\"A1\",\"source\":\"sup\",\"qty\":1/\"A1\",\"source\":\"sup\",\"qty\":6/" >in <<-EOF &&
	$(two_sources)
	EOF
	lk-alloc -C st <in >out 2>err &&
	grep "\"type\":\"undistributed\"" out >got &&
	cat >want <<-EOF &&
	{"type":"undistributed","sku":"A1","qty":8,"sources":{"main":5,"sup":3}}
	{"type":"undistributed","sku":"A2","qty":4,"sources":{"main":1,"sup":3}}
	EOF
	test_cmp want got &&
	channel st site yml "[\"main\"]" "[{\"share\": 100}]" "\"overlap\": true, \"output\": \"out/site.xml\"" &&
	lk-alloc -C st <in >out 2>err &&
	grep "\"type\":\"undistributed\"" out >got &&
	cat >want <<-EOF &&
	{"type":"undistributed","sku":"A1","qty":3,"sources":{"sup":3}}
	{"type":"undistributed","sku":"A2","qty":3,"sources":{"sup":3}}
	EOF
	test_cmp want got
'

test_expect_success 'undistributed by source: what a disabled channel still shows of a source no channel sums is not counted' '
	alloc_state st && rm st/channels/cap.json &&
	channel st old ozon "[\"sup\"]" "[{\"share\": 50}]" "\"enabled\": false" &&
	sed -i "s/\"enabled\": true, //" st/channels/old.json &&
	mkdir -p st/.lk/pushed &&
	echo "{\"type\":\"pushed\",\"channel\":\"old\",\"sku\":\"A2\",\"qty\":3,\"at\":\"2026-11-27T10:00:00Z\"}" \
		>st/.lk/pushed/old.ndjson &&
	two_sources | lk-alloc -C st >out 2>err &&
	grep "\"type\":\"undistributed\"" out >got &&
	cat >want <<-EOF &&
	{"type":"undistributed","sku":"A1","qty":6,"sources":{"main":5,"sup":1}}
	{"type":"undistributed","sku":"A2","qty":3,"sources":{"main":2,"sup":1}}
	EOF
	test_cmp want got
'

test_expect_success '--help and --version' '
	lk-alloc --help >out && test_grep out "usage: lk-alloc [-nqv]" &&
	lk-alloc -V | grep -q "^lk-alloc (lk) " &&
	test_expect_code 64 lk-alloc --bogus 2>err
'

test_done
