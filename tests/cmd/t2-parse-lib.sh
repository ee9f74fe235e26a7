# t2-parse-lib.sh - helpers for the parsers' tests (sourced, not run).
# shellcheck shell=sh disable=SC2034

LK_TEST_NOW=2026-11-27T03:00:00Z
export LK_TEST_NOW
YML=$DATA/yml
CML=$DATA/cml
CSV=$DATA/csv

# nstock FILE: the number of stock records in FILE.
nstock() {
	grep -c '^{"type":"stock"' "$1"
}

# sentinel_is FILE STATUS RECORDS: the last line is that sentinel.
sentinel_is() {
	_last=$(tail -n 1 "$1")
	case "$_last" in
	"{\"type\":\"source\","*"\"status\":\"$2\",\"records\":$3,"*) return 0 ;;
	esac
	echo "last line of $1 is not a $2 sentinel with $3 records: $_last" >&2
	return 1
}

# examples PAGE: the example commands of a man page, one per line.
examples() {
	mandoc -Tutf8 "$TOP/man/$1" | sed 's/.\x08//g' |
	sed -n '/^EXAMPLES/,/^SEE ALSO/p' | sed -n 's/^ *\$ //p'
}

# run_examples PAGE: runs each example in the current folder; each must
# exit 0 and end with a complete sentinel.
run_examples() {
	examples "$1" >examples.txt
	test -s examples.txt || { echo "no examples in $1" >&2; return 1; }
	while IFS= read -r _cmd; do
		echo "example: $_cmd"
		sh -c "$_cmd" >out.ndjson || { echo "failed: $_cmd" >&2; return 1; }
		_last=$(tail -n 1 out.ndjson)
		case "$_last" in
		*'"status":"complete"'*) ;;
		*) echo "not complete: $_cmd: $_last" >&2; return 1 ;;
		esac
		test "$(nstock out.ndjson)" -gt 0 || return 1
	done <examples.txt
}

# make_state DIR: a minimal state directory, a git repository.
make_state() {
	mkdir -p "$1/sources" &&
	echo '{"push": false}' >"$1/lk.json" &&
	echo 'sku' >"$1/catalog.csv" &&
	git -C "$1" init -q &&
	git -C "$1" add . &&
	git -C "$1" -c user.name=t -c user.email=t@example.com commit -q -m init
}
