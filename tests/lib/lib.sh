# lib.sh - shell test library; source it from tests/cmd/t*.sh.
#
#   . "$(dirname "$0")/../lib/lib.sh"
#   test_expect_success 'desc' 'commands'   # runs in a fresh temp dir
#   test_expect_code 65 cmd args...         # inside a test: exact exit code
#   test_must_fail cmd args...              # non-zero, but not a crash (>=128)
#   test_cmp expected actual
#   test_skip 'desc' 'reason'
#   test_done
#
# Every test runs in its own directory under $TRASH (kept when a test
# fails, removed when all pass).  $TOP is the repository, $DATA the
# shared test data (../shared/data).  Commands in cmd/ are on PATH.
# shellcheck shell=sh

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$TOP/cmd:$PATH"
DATA=${LK_TEST_DATA:-$TOP/../shared/data}
LK_FSYNC=0
export TOP PATH DATA LK_FSYNC
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/lk-$(basename "$0" .sh).XXXXXX")
test_count=0
test_failures=0

test_expect_success() {
	test_count=$((test_count + 1))
	_dir="$TRASH/t$test_count"
	mkdir -p "$_dir"
	if (cd "$_dir" && eval "$2") >"$TRASH/t$test_count.log" 2>&1; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/t$test_count.log" | tail -n 30
		echo "#   kept in $_dir"
		test_failures=$((test_failures + 1))
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

test_expect_code() {
	_want=$1
	shift
	"$@"
	_got=$?
	if [ "$_got" -ne "$_want" ]; then
		echo "expected exit $_want, got $_got: $*" >&2
		return 1
	fi
}

test_must_fail() {
	"$@"
	_got=$?
	if [ "$_got" -eq 0 ]; then
		echo "expected failure, got success: $*" >&2
		return 1
	fi
	if [ "$_got" -ge 128 ]; then
		echo "crashed with $_got: $*" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# Fails unless file $1 contains the fixed string $2.
test_grep() {
	grep -F -e "$2" "$1" >/dev/null || {
		echo "'$2' not found in $1:" >&2
		head -n 20 "$1" >&2
		return 1
	}
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failures" -eq 0 ]; then
		rm -rf "$TRASH"
		exit 0
	fi
	echo "# $test_failures failed; kept $TRASH"
	exit 1
}
