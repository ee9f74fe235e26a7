#!/bin/sh
# bench/catalog.sh - what catalog.csv costs every process that loads it:
# a 10-column catalog (sku, the ids of the five marketplaces, name, price;
# bench/cycle.sh's) of LK_BENCH_CATALOG_N products (default 1,000,000).
# Each line is a command that loads it and reads nothing on stdin: its
# wall time and peak RSS, and the bytes per product over the same command
# on a 1-product catalog, beside the target (< 100 bytes per product in
# the commands that need only ids, issue 14); once parsing catalog.csv,
# once mapping the cache of it (.lk/cache/catalog.bin) that lk-sync's
# parse, or lk-state check's, leaves, as every stage of a cycle does.
# The catalog is older than 2 s when it is read, as in production, so
# that the cache is written.
# The data is generated once into bench/out/catalog/ (delete it to redo).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/catalog
n=${LK_BENCH_CATALOG_N:-1000000}
PATH="$top/cmd:$PATH"
LK_CAT_T=bench-token
export PATH LK_CAT_T

# state DIR N: the state directory with an N-product catalog and a channel per marketplace
state() {
	st=$1
	rm -rf "$st" && mkdir -p "$st/channels" "$st/sources"
	awk -v n="$2" -f "$top/bench/catalog.awk" >"$st/catalog.csv"
	echo '{}' >"$st/lk.json"
	echo '{"kind": "yml", "url": "file:///dev/null"}' >"$st/sources/main.json"
	for m in wb ozon ym mm ae; do
		printf '{"marketplace": "%s", "warehouse_id": 1, "campaign_id": 1, "business_id": 1, "credentials": {"env": "LK_CAT_T", "client_id": "1"}, "base_url": "http://127.0.0.1:9", "sources": ["main"], "rule": []}\n' \
		    "$m" >"$st/channels/$m.json"
	done
}

# rss NAME DIR CMD ARGS...: "wall_s peak_rss_kb" of CMD -C DIR ARGS </dev/null
rss() {
	name=$1 st=$2 cmd=$3
	shift 3
	/usr/bin/time -f '%e %M' -o "$out/time" "$cmd" -C "$st" "$@" </dev/null >/dev/null 2>"$out/err" ||
	    { echo "$name failed:"; cat "$out/err"; }
	cat "$out/time"
}

# measure NAME CMD ARGS...: CMD parsing catalog.csv (its cache removed
# first), then mapping the cache lk-state check wrote (lk(7), .lk/)
measure() {
	name=$1
	shift
	rm -rf "$out/st1/.lk/cache" "$out/st/.lk/cache"
	small=$(rss "$name" "$out/st1" "$@" | cut -d' ' -f2)
	big=$(rss "$name" "$out/st" "$@")
	lk-state -C "$out/st1" check 2>/dev/null
	lk-state -C "$out/st" check 2>/dev/null
	small_map=$(rss "$name" "$out/st1" "$@" | cut -d' ' -f2)
	big_map=$(rss "$name" "$out/st" "$@")
	[ -s "$out/st/.lk/cache/catalog.bin" ] || echo "$name: no cache written"
	awk -v name="$name" -v w="${big% *}" -v s="$small" -v b="${big#* }" -v mw="${big_map% *}" \
	    -v ms="$small_map" -v mb="${big_map#* }" -v n="$n" -v t="$target" 'BEGIN {
		printf "%-34s parsed %5.2f s %5.0f MB %4.0f B/product; mapped %5.2f s %5.0f MB %4.0f B/product%s\n",
		    name, w, b / 1024, (b - s) * 1024 / n, mw, mb / 1024, (mb - ms) * 1024 / n,
		    t == "" ? "" : "  (target < " t ")" }'
}

mkdir -p "$out"
if [ ! -f "$out/st/catalog.csv" ] || [ "$(wc -l <"$out/st/catalog.csv")" -ne $((n + 1)) ]; then
	state "$out/st" "$n"
	state "$out/st1" 1
	sleep 2.1           # older than 2 s, or no cache is written (lk(7))
fi
echo "products $n, 10 columns, $(du -m "$out/st/catalog.csv" | cut -f1) MB"
target=
measure "skus only (lk-reserve -n)" lk-reserve -n
target=100
measure "one channel's ids (lk-push -n -c wb)" lk-push -n -c wb
measure "every channel's ids (lk-push -n)" lk-push -n
target=
measure "lk-state check (ids + rules)" lk-state check
