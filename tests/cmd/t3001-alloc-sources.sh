#!/bin/sh
# lk-alloc: a failed or missing source never zeroes stock: its last
# complete snapshot stands in until it is older than the max age, then
# the channels that sum it stop (exit 3) and the others proceed.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t3-alloc-lib.sh
. "$(dirname "$0")/t3-alloc-lib.sh"

T0=1800000000

# main complete again, sup failed after a partial read
sup_failed() {
	cat <<-EOF
	{"type":"stock","sku":"A1","source":"main","qty":10}
	{"type":"stock","sku":"A2","source":"main","qty":3}
	{"type":"source","source":"main","status":"complete","records":2}
	{"type":"stock","sku":"A2","source":"sup","qty":7}
	{"type":"source","source":"sup","status":"failed","error":"timeout"}
	EOF
}

test_expect_success 'a complete run writes one snapshot per source' '
	alloc_state st &&
	stock_input | LK_TEST_NOW=$T0 lk-alloc -C st >out &&
	cat >want <<-EOF &&
	{"type":"snapshot","source":"sup","at":"2027-01-15T08:00:00Z","records":1,"products":1}
	{"sku":"A1","qty":1}
	EOF
	test_cmp want st/.lk/snapshots/sup.ndjson &&
	test_grep st/.lk/snapshots/main.ndjson "\"records\":2"
'

test_expect_success 'failed source within max age: snapshot used, nothing zeroed' '
	alloc_state st &&
	stock_input | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	cp st/.lk/snapshots/sup.ndjson sup.before &&
	sup_failed | LK_TEST_NOW=$((T0 + 1800)) lk-alloc -C st --explain=A1 >out 2>err &&
	test_grep err "lk-alloc: source '\''sup'\'' failed: using its last complete snapshot, 30m old (max 1h00m)" &&
	test_grep out "\"channel\":\"cap\",\"sku\":\"A1\",\"qty\":3,\"why\":{\"sources\":[{\"source\":\"main\",\"qty\":10},{\"source\":\"sup\",\"qty\":1,\"snapshot\":\"2027-01-15T08:00:00Z\"}]" &&
	test_grep out "{\"type\":\"alloc\",\"channel\":\"cap\",\"sku\":\"A2\",\"qty\":3}" &&
	test_cmp sup.before st/.lk/snapshots/sup.ndjson
'

test_expect_success 'past max age: its channels stop with exit 3, the others proceed' '
	alloc_state st &&
	stock_input | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	sup_failed | test_expect_code 3 env LK_TEST_NOW=$((T0 + 7200)) lk-alloc -C st >out 2>err &&
	test_grep err "lk-alloc: channels/cap.json: not allocated: source '\''sup'\'' failed and its last complete snapshot is 2h00m old (max 1h00m)" &&
	! grep -q "\"channel\":\"cap\"" out &&
	test_grep out "{\"type\":\"alloc\",\"channel\":\"half\",\"sku\":\"A1\",\"qty\":5}"
'

test_expect_success 'a source absent from the input counts as failed' '
	alloc_state st &&
	stock_input | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	sup_failed | grep -v "\"sup\"" | LK_TEST_NOW=$((T0 + 60)) lk-alloc -C st >out 2>err &&
	test_grep err "source '\''sup'\'' has no complete sentinel in the input: using its last complete snapshot" &&
	test_grep out "\"channel\":\"cap\",\"sku\":\"A1\",\"qty\":3"
'

test_expect_success 'no snapshot at all: its channels stop, exit 3' '
	alloc_state st &&
	sup_failed | test_expect_code 3 lk-alloc -C st >out 2>err &&
	test_grep err "source '\''sup'\'' failed and has no usable snapshot" &&
	! grep -q "\"channel\":\"cap\"" out && grep -q "\"channel\":\"half\"" out
'

test_expect_success 'a sentinel whose count does not match is a failed read' '
	alloc_state st &&
	stock_input | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	stock_input | sed "s/\"records\":3/\"records\":30/" | LK_TEST_NOW=$T0 lk-alloc -C st >out 2>err &&
	test_grep err "source '\''main'\'': the sentinel announces 30 records but 3 came: treated as failed"
'

test_expect_success '--dry-run and --rev write no snapshot' '
	alloc_state st &&
	stock_input | lk-alloc -C st -n >out &&
	stock_input | lk-alloc -C st --rev HEAD >out &&
	test ! -e st/.lk/snapshots/main.ndjson
'

test_expect_success 'the state lock held by another run: exit 75, no alloc records' '
	alloc_state st && mkdir -p st/.lk &&
	echo "{\"source_max_age\": \"6h\", \"lock_timeout\": \"1s\"}" >st/lk.json &&
	stock_input >in &&
	flock st/.lk/lock sh -c "lk-alloc -C st <in >out 2>err; echo \$? >rc" &&
	test "$(cat rc)" = 75 && test_grep err "state directory is busy" && ! grep -q alloc out
'

test_expect_success 'a snapshot cut short is refused' '
	alloc_state st &&
	stock_input | LK_TEST_NOW=$T0 lk-alloc -C st >/dev/null &&
	sed -i "s/\"records\":1/\"records\":2/" st/.lk/snapshots/sup.ndjson &&
	sup_failed | test_expect_code 3 env LK_TEST_NOW=$T0 lk-alloc -C st >out 2>err &&
	test_grep err "sup.ndjson: not a complete snapshot, ignored"
'

test_done
