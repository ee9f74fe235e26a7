# t4-reserve-lib.sh - helpers for the t4xxx lk-reserve tests; sourced after lib.sh.
# shellcheck shell=sh

# mkstate DIR: a real state directory with one Wildberries channel wb-msk.
mkstate() {
	mkdir -p "$1/channels" "$1/sources" &&
	echo '{"push": true}' >"$1/lk.json" &&
	echo 'sku' >"$1/catalog.csv" &&
	echo '{"kind": "yml", "url": "file:///dev/null"}' >"$1/sources/main.json" &&
	echo '{"marketplace": "wb", "warehouse_id": 1, "credentials": {"env": "LK_T"}, "sources": ["main"]}' \
		>"$1/channels/wb-msk.json" &&
	git -C "$1" init -q
}

# at SECS CMD...: runs CMD at 2026-01-01T00:00:00Z + SECS.
at() {
	_t=$((1767225600 + $1))
	shift
	LK_TEST_NOW=$_t "$@"
}

# time_at SECS: that moment as RFC 3339.
time_at() {
	date -u -d "@$((1767225600 + $1))" +%Y-%m-%dT%H:%M:%SZ
}

# order ID SKU QTY STATUS [AT-SECS]: an order record of wb-msk.
order() {
	_at=
	[ $# -ge 5 ] && _at=",\"at\":\"$(time_at "$5")\""
	printf '{"type":"order","channel":"wb-msk","id":"%s","sku":"%s","qty":%s,"status":"%s"%s}\n' \
		"$1" "$2" "$3" "$4" "$_at"
}

# stock SKU QTY [SOURCE]: a stock record of source main (or SOURCE).
stock() {
	printf '{"type":"stock","sku":"%s","source":"%s","qty":%s}\n' "$1" "${3:-main}" "$2"
}

# sentinel complete|failed PRODUCED-SECS [SOURCE [RECORDS]]: the sentinel of source
# main (or SOURCE) after RECORDS (1) stock records.
sentinel() {
	printf '{"type":"source","source":"%s","status":"%s","records":%s,"produced":"%s"}\n' \
		"${3:-main}" "$1" "${4:-1}" "$(time_at "$2")"
}

# listing complete|failed: the orders sentinel of wb-msk.
listing() {
	printf '{"type":"orders","channel":"wb-msk","status":"%s","records":0}\n' "$1"
}

# seen SKU QTY AT-SECS: what wb-msk shows.
seen() {
	printf '{"type":"seen","channel":"wb-msk","sku":"%s","qty":%s,"at":"%s"}\n' "$1" "$2" "$(time_at "$3")"
}

# pushed STATE SKU QTY AT-SECS: lk-push's record of what it sent to wb-msk.
pushed() {
	mkdir -p "$1/.lk/pushed" &&
	printf '{"type":"pushed","channel":"wb-msk","sku":"%s","qty":%s,"at":"%s"}\n' "$2" "$3" "$(time_at "$4")" \
		>>"$1/.lk/pushed/wb-msk.ndjson"
}

# qty SKU FILE: the reserve of SKU in FILE (0 when none).
qty() {
	jq -r --arg s "$1" 'select(.type == "reserve" and .sku == $s) | .qty' "$2" | grep . || echo 0
}

# jqe FILTER FILE: true when FILTER gives at least one value and all are true
# (jq 1.6's -e looks only at the last input).
jqe() {
	jq -s -e "[.[] | $1] | length > 0 and all" "$2" >/dev/null
}

# inject OP CMD...: runs CMD with tests/lib/inject.so failing OP on the ledger.
# Under ASan the shim comes first in the library list, which ASan must allow.
inject() {
	_op=$1
	shift
	LD_PRELOAD="$TOP/tests/lib/inject.so" LK_INJECT_OP=$_op LK_INJECT_PATH=.lk/reserve.ndjson \
		LK_FSYNC=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}
