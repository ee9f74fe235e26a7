#!/bin/sh
# run.sh FUZZ_TIME - builds every tests/fuzz/fuzz-NAME.c with clang and
# libFuzzer (ASan + UBSan) into tests/fuzz/bin/, then runs each for
# FUZZ_TIME seconds (default 60) on the seeds in tests/fuzz/corpus/NAME/.
#
# The library is every src/*.c compiled with coverage into an archive, so
# a harness links only the modules it uses.  New inputs go to
# tests/fuzz/bin/corpus-NAME/ (the seeds are not touched); a crash leaves
# tests/fuzz/bin/crash-* and makes this script fail.
set -u
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
bin=tests/fuzz/bin
CC=${FUZZ_CC:-clang}
mkdir -p "$bin/obj"

pkgs="jansson libgit2 libcurl libxml-2.0 zlib libzip gmime-3.0"
# shellcheck disable=SC2086
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
-fno-sanitize-recover=all -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Isrc \
$(pkg-config --cflags $pkgs)"
# shellcheck disable=SC2086
libs="$(pkg-config --libs $pkgs) -lcsv -lm"

# The library, rebuilt where a source or any header is newer.
for c in src/*.c; do
	o="$bin/obj/$(basename "$c" .c).o"
	if [ ! -f "$o" ] || [ -n "$(find "$c" src/*.h -newer "$o" | head -n 1)" ]; then
		# shellcheck disable=SC2086
		$CC $cflags -fsanitize=fuzzer-no-link -w -c -o "$o" "$c" ||
			{ echo "fuzz: skipping $c (does not compile)" >&2; rm -f "$o"; }
	fi
done
rm -f "$bin/libfuzzlk.a"
ar rcs "$bin/libfuzzlk.a" "$bin"/obj/*.o || exit 1

status=0
for h in tests/fuzz/fuzz-*.c; do
	[ -f "$h" ] || continue
	name=$(basename "$h" .c)
	name=${name#fuzz-}
	exe="$bin/fuzz-$name"
	# shellcheck disable=SC2086
	if ! $CC $cflags -fsanitize=fuzzer -Itests/fuzz -o "$exe" "$h" "$bin/libfuzzlk.a" $libs; then
		echo "fuzz-$name: build failed" >&2
		status=1
		continue
	fi
	mkdir -p "$bin/corpus-$name"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	echo "fuzz-$name: $secs s"
	# shellcheck disable=SC2086
	if ! ASAN_OPTIONS=detect_leaks=1 "$exe" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$bin/" "$bin/corpus-$name" $seeds >"$bin/fuzz-$name.log" 2>&1; then
		echo "fuzz-$name: FAILED; see $bin/fuzz-$name.log" >&2
		tail -n 40 "$bin/fuzz-$name.log" >&2
		status=1
	else
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov: ' "$bin/fuzz-$name.log" |
			tail -n 3 | sed "s/^/fuzz-$name: /"
	fi
done
exit $status
