#!/bin/sh
# bench/alloc.sh - lk-alloc on 1,000,000 products x 3 sources x 6 channels
# with mixed rules: records/s in and out, wall time, peak RSS.
# Targets: under 6 s wall, under 1.5 GB RSS (the 3M-record run).
# The data is generated once into bench/out/alloc/ (delete it to redo).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/alloc
st=$out/st
n=${LK_BENCH_PRODUCTS:-1000000}
PATH="$top/cmd:$PATH"
LK_FSYNC=${LK_FSYNC:-1}
export PATH LK_FSYNC

channel() {
	printf '{"marketplace": "%s", "warehouse_id": 1, "credentials": {"env": "T"}, "enabled": true, "sources": %s, "rule": %s%s}\n' \
	    "$2" "$3" "$4" "${5:+, $5}" >"$st/channels/$1.json"
}

config() {
	mkdir -p "$st/sources" "$st/channels" "$st/filters"
	echo '{"source_max_age": "6h"}' >"$st/lk.json"
	for s in main sup wh; do
		echo '{"kind": "yml", "url": "file:///dev/null", "on_sale": true}' >"$st/sources/$s.json"
	done
	printf 'sku,channel,qty\nSKU-0000042,wb,hide\n' >"$st/overrides.csv"
	echo '{"exclude": {"brand": ["brand-7"]}}' >"$st/filters/no7.json"
	channel wb wb '["main", "sup"]' '[{"share": 50}, {"max": 100}]'
	channel ozon ozon '["main", "sup"]' '[{"share": 30}, {"buffer": 1}]'
	channel ym ym '["main", "sup", "wh"]' '[{"equal": true}]' '"campaign_id": 1'
	channel mm mm '["main", "sup", "wh"]' '[{"equal": true}, {"min": 2}]'
	channel ae ae '["wh"]' '[{"if": ">", "value": 10, "then": 10}, {"if": "<", "value": 3, "then": 0}]'
	channel site yml '["main"]' '[]' '"filter": "no7", "output": "out/site.xml"'
}

generate() {
	rm -rf "$out" && mkdir -p "$st"
	awk -v n="$n" 'BEGIN {
		print "sku,brand,category,name" > "'"$st/catalog.csv"'"
		for (i = 0; i < n; i++)
			printf "SKU-%07d,brand-%d,cat-%d,Product %d\n", i, i % 50, i % 300, i > "'"$st/catalog.csv"'"
		split("main sup wh", src, " ")
		for (s = 1; s <= 3; s++) {
			for (i = 0; i < n; i++)
				printf "{\"type\":\"stock\",\"sku\":\"SKU-%07d\",\"source\":\"%s\",\"qty\":%d,\"at\":\"2026-11-27T10:00:00Z\"}\n", i, src[s], (i * 7 + s) % 40
			printf "{\"type\":\"source\",\"source\":\"%s\",\"status\":\"complete\",\"records\":%d}\n", src[s], n
		}
	}' >"$out/stock.ndjson"
	# the same input with wh failed: its snapshot is read instead
	sed 's/"source":"wh","status":"complete"/"source":"wh","status":"failed"/' \
	    "$out/stock.ndjson" >"$out/stock-failed.ndjson"
}

# measure NAME INPUT [lk-alloc options]: prints the figures of one run
measure() {
	name=$1 in=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$out/time" lk-alloc -C "$st" "$@" <"$in" >"$out/alloc.ndjson" 2>"$out/err" ||
	    { echo "lk-alloc failed:"; cat "$out/err"; }
	read -r wall rss <"$out/time"
	lin=$(wc -l <"$in")
	lout=$(wc -l <"$out/alloc.ndjson")
	awk -v name="$name" -v w="$wall" -v r="$rss" -v i="$lin" -v o="$lout" 'BEGIN {
		if (w < 0.01) w = 0.01
		printf "%-28s %6.2f s  %6.0f MB  in %9d rec %8.0f rec/s  out %9d rec %8.0f rec/s\n",
		    name, w, r / 1024, i, i / w, o, o / w }'
}

if [ ! -f "$out/stock.ndjson" ] || [ ! -f "$st/catalog.csv" ]; then generate; fi
config
echo "products $n, sources 3, channels 6; input $(du -m "$out/stock.ndjson" | cut -f1) MB"
echo "targets: wall < 6 s, peak RSS < 1500 MB"
rm -rf "$st/.lk"
measure "first run (writes snapshots)" "$out/stock.ndjson"
measure "second run (writes snapshots)" "$out/stock.ndjson"
measure "--dry-run (no snapshots)" "$out/stock.ndjson" --dry-run
measure "source wh failed (snapshot)" "$out/stock-failed.ndjson" --dry-run
LK_TEST_NO_FASTPATH=1 measure "jansson only, --dry-run" "$out/stock.ndjson" --dry-run
