#!/bin/sh
# lk-fetch: throughput and peak RSS while streaming a 400 MB download from
# tests/lib/httpd.py on 127.0.0.1 (generated on the fly, no disk file),
# plain and chunked, to /dev/null.  Target: peak RSS under 32 MB.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/fetch
rm -rf "$out"
mkdir -p "$out"
size=$((400 * 1024 * 1024))
/usr/bin/python3 "$top/tests/lib/httpd.py" --root "$out" --port-file "$out/port" >"$out/httpd.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
i=0
while [ ! -s "$out/port" ]; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { echo "the test server did not start"; exit 1; }
	sleep 0.05
done
port=$(cat "$out/port")
for mode in "" "?chunked=1"; do
	start=$(date +%s.%N)
	/usr/bin/time -f %M -o "$out/rss" "$top/cmd/lk-fetch" --url "http://127.0.0.1:$port/gen/$size$mode" >/dev/null || {
		echo "lk-fetch failed"; exit 1; }
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$size" -v kb="$(cat "$out/rss")" -v m="${mode:-content-length}" 'BEGIN {
		printf "fetch 400 MB (%s): %.0f MB/s, peak RSS %.1f MB (target < 32 MB)%s\n",
		    m, n / 1048576 / (e - s), kb / 1024, kb / 1024 < 32 ? "" : "  OVER TARGET"
	}'
done
