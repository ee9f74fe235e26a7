#!/bin/sh
# make check: the whole suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the linters and a short fuzz run.
# The sanitizer build happens in a copy of the tree, so objects built with
# other flags never mix with the developer's build.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
fuzz_time=${1:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/lk-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$top"
tar cf - --exclude=./.git --exclude=./bench/out --exclude=./tests/out \
	--exclude=./demo --exclude='*.o' --exclude='*.a' . | (cd "$work" && tar xf -)
cd "$work"
make -s clean
make -s SAN='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' \
	OPT='-O1 -g' test-build
status=0
LK_TEST_DATA=${LK_TEST_DATA:-$top/../shared/data} \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
LK_SANITIZED=1 sh tests/run || status=1

echo "== mandoc -Tlint"
mandoc -Tlint -Wwarning man/*.[157] || status=1
echo "== shellcheck"
# shellcheck disable=SC2046
shellcheck -x $(ls tests/run tests/lib/*.sh tests/cmd/*.sh tests/double/*.sh tools/*.sh \
	contrib/cron/*.sh debian/lk.postinst debian/lk.postrm examples/*.sh bench/*.sh tests/fuzz/*.sh 2>/dev/null) || status=1
echo "== fuzz smoke (${fuzz_time}s per harness)"
sh tests/fuzz/run.sh "$fuzz_time" || status=1
exit $status
