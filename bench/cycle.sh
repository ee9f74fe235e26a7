#!/bin/sh
# bench/cycle.sh - the lk-sync cycle a seller runs every 2 minutes:
# N products (default 100,000; LK_BENCH_CYCLE_N), a 9-column catalog,
# 2 sources (a YML feed and a CSV price list, every product in both),
# 5 marketplace channels (wb, ozon, ym, mm, ae) against the double with
# its rate limits off.  A first full sync, then LK_BENCH_CYCLE_RUNS
# (default 3; 0: the first full sync only) cycles with 1% of the
# quantities changed in both sources, then as many with only the YML feed
# changed (the CSV list is not read again: lk-sync(1), Unchanged sources).
# Prints, per stage, the wall time and peak RSS of the process (medians
# over the cycles) and the CPU time the double spent answering it, which
# is not lk's (a stage's wall time includes it), beside the targets.
# Then it runs again at 1,000,000 products with LK_BENCH_CYCLE_1M_RUNS
# (default 1) cycles of each kind: about 6 minutes on 2 cores, the double
# taking about 2.5 GB; LK_BENCH_CYCLE_1M=0 skips it, LK_BENCH_CYCLE_N=0
# skips the 100,000 run.
# Every stage runs through /usr/bin/time: lk-sync takes the commands from
# its own folder, so a copy of it sits in bench/out/cycle/bin beside
# wrappers that time the real commands.  The wrappers cost time of their
# own, so each cycle is also run plainly, and that run's wall time is the
# figure beside the target.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
RUNS=${LK_BENCH_CYCLE_RUNS:-3}
export DOUBLE_DIR_SELF="$top/tests/double"
# shellcheck source=SCRIPTDIR/../tests/double/double.sh
. "$top/tests/double/double.sh"
LK_CYC_WB=wb-test-token LK_CYC_OZON=ozon-test-key LK_CYC_YM=ym-test-key
LK_CYC_MM=mm-test-token LK_CYC_AE=ae-test-token
export LK_CYC_WB LK_CYC_OZON LK_CYC_YM LK_CYC_MM LK_CYC_AE

# wrappers: each stage appends "label wall_s rss_kb start end double0 double1"
# to $LK_BENCH_TIMES (double0/1: the double's CPU ticks then); a label's wall
# time and the double's CPU during it are taken over the span from its
# first start to its last end (listings of several channels overlap)
bin=$top/bench/out/cycle/bin
rm -rf "$bin" && mkdir -p "$bin" && cp "$top/cmd/lk-sync" "$bin/" || exit 1
for c in lk-fetch lk-parse-yml lk-parse-csv lk-parse-cml lk-reserve lk-alloc lk-push; do
	cat >"$bin/$c" <<EOF
#!/bin/sh
ticks() { awk '{ print \$14 + \$15 }' /proc/\$LK_BENCH_DOUBLE_PID/stat 2>/dev/null || echo 0; }
case "\$*" in
*--orders*|*--stocks*) l=listings ;;
*--source*) l=\$(echo "\$*" | sed 's/.*--source \\([^ ]*\\).*/parse-\\1/') ;;
*) l=\$(echo $c | sed 's/^lk-//') ;;
esac
[ "\$l" = fetch ] && l=fetch-\$(eval "echo \\\${\$#}")
d0=\$(ticks)
t0=\$(date +%s.%N)
/usr/bin/time -f '%e %M' -o "\$LK_BENCH_TIMES.\$\$" "$top/cmd/$c" "\$@"
rc=\$?
d1=\$(ticks)
echo "\$l \$(tail -n 1 "\$LK_BENCH_TIMES.\$\$") \$t0 \$(date +%s.%N) \$d0 \$d1" >>"\$LK_BENCH_TIMES"
rm -f "\$LK_BENCH_TIMES.\$\$"
exit \$rc
EOF
	chmod +x "$bin/$c"
done

# generate DIR N: the state directory, the feeds and the double's seed
generate() {
	d=$1 n=$2
	rm -rf "$d" && mkdir -p "$d/st/channels" "$d/st/sources" "$d/feeds" || return 1
	awk -v n="$n" -f "$top/bench/catalog.awk" >"$d/st/catalog.csv"
	# one seed per marketplace: the double parses one at a time
	python3 - "$n" "$d" <<'PY'
import json, sys
n = int(sys.argv[1])
sk = ["SKU-%07d" % i for i in range(1, n + 1)]
seed = {
  "wb": {"warehouses": [{"id": 507, "name": "Main", "officeId": 15}],
         "items": [{"sku": s, "chrtId": 10000000 + i, "nmId": 20000000 + i, "vendorCode": s,
                    "barcode": "2%012d" % i} for i, s in enumerate(sk, 1)]},
  "ozon": {"warehouses": [{"warehouse_id": 22142605386000, "name": "FBS"}],
           "items": [{"sku": s, "offer_id": s, "product_id": 30000000 + i, "ozon_sku": 40000000 + i}
                     for i, s in enumerate(sk, 1)]},
  "ym": {"business_id": 777, "campaigns": [{"id": 1111, "warehouse_id": 55}],
         "warehouses": [{"id": 55, "name": "YM"}], "items": [{"sku": s} for s in sk]},
  "mm": {"warehouses": [{"id": "default"}], "items": [{"sku": s, "offerId": s} for s in sk]},
  "ae": {"items": [{"sku": s, "product_id": str(1005000000 + (i + 1) // 2), "sku_id": str(12000000000 + i),
                    "sku_code": s} for i, s in enumerate(sk, 1)]},
}
for m in seed:
    with open("%s/seed-%s.json" % (sys.argv[2], m), "w") as f:
        json.dump({m: seed[m]}, f)
PY
	echo '{"push": true, "max_zero": "10%", "runs_keep": 3}' >"$d/st/lk.json"
	printf '{"kind": "yml", "url": "%s/feeds/main.xml", "sku": "vendorCode"}\n' "$d" >"$d/st/sources/main.json"
	printf '{"kind": "csv", "url": "%s/feeds/supplier.csv", "sku": "article", "qty": "stock", "delimiter": ";"}\n' "$d" >"$d/st/sources/supplier.json"
	feeds "$d" "$n" 0
}

# feeds DIR N ROUND [main]: the two sources, or only main; from round 1
# on, 1% of the products (a different 1% each round) have other quantities
feeds() {
	awk -v n="$2" -v r="$3" -v only="${4:-}" -v out="$1/feeds" 'BEGIN {
		x = out "/main.xml.tmp"; c = only == "main" ? "/dev/null" : out "/supplier.csv.tmp"
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yml_catalog date=\"2026-11-27T09:00:00+03:00\">\n<shop>\n<name>Bench</name>\n<company>Bench LLC</company>\n<url>https://shop.example.com/</url>\n<currencies><currency id=\"RUR\" rate=\"1\"/></currencies>\n<categories><category id=\"1\">All</category></categories>\n<offers>" > x
		print "article;name;price;stock" > c
		for (i = 1; i <= n; i++) {
			q = (i * 7) % 40; p = (i * 3) % 25
			if (r > 0 && i % 100 == r % 100) { q += 5 + r; p += 3 + r }
			printf "<offer id=\"%d\" available=\"true\">\n<name>Item %d</name>\n<vendorCode>SKU-%07d</vendorCode>\n<price>%d</price><currencyId>RUR</currencyId><categoryId>1</categoryId>\n<count>%d</count>\n</offer>\n", i, i, i, i % 5000, q > x
			printf "SKU-%07d;Item %d;%d;%d\n", i, i, i % 5000, p > c
		}
		print "</offers>\n</shop>\n</yml_catalog>" > x
	}' && mv "$1/feeds/main.xml.tmp" "$1/feeds/main.xml" &&
	{ [ "${4:-}" = main ] || mv "$1/feeds/supplier.csv.tmp" "$1/feeds/supplier.csv"; }
}

channels() {
	st=$1
	ch() {
		printf '{%s, "base_url": "%s", "sources": ["main", "supplier"], "rate": 100000, "rule": %s}\n' \
		    "$2" "$DOUBLE_URL" "$3" >"$st/channels/$1.json"
	}
	ch wb '"marketplace": "wb", "warehouse_id": 507, "credentials": {"env": "LK_CYC_WB"}' '[{"share": 30}]'
	ch ozon '"marketplace": "ozon", "warehouse_id": 22142605386000, "credentials": {"env": "LK_CYC_OZON", "client_id": "1001"}' '[{"share": 20}]'
	ch ym '"marketplace": "ym", "campaign_id": 1111, "business_id": 777, "warehouse_id": 55, "credentials": {"env": "LK_CYC_YM"}' '[{"share": 20}]'
	ch mm '"marketplace": "mm", "credentials": {"env": "LK_CYC_MM"}' '[{"share": 15}]'
	ch ae '"marketplace": "ae", "credentials": {"env": "LK_CYC_AE"}' '[{"share": 15}]'
}

# the double's CPU ticks so far (10 ms each)
ticks() {
	awk '{ print $14 + $15 }' "/proc/$LK_BENCH_DOUBLE_PID/stat" 2>/dev/null || echo 0
}

# sync DIR NAME [plain]: one lk-sync run, its stages' figures into
# DIR/NAME.times; plain: the real commands, not the timing wrappers
# (whose own processes cost about a tenth of a second a stage), so only
# the whole run's figures
sync_run() {
	LK_BENCH_TIMES=$1/$2.times
	rm -f "$LK_BENCH_TIMES"
	export LK_BENCH_TIMES
	sync=$bin/lk-sync
	[ "${3:-}" = plain ] && sync=$top/cmd/lk-sync
	d0=$(ticks)
	t0=$(date +%s.%N)
	/usr/bin/time -f '%e %M' -o "$1/$2.sync" "$sync" -C "$1/st" -q --json >"$1/$2.json" 2>"$1/$2.err"
	rc=$?
	echo "lk-sync $(tail -n 1 "$1/$2.sync") $t0 $(date +%s.%N) $d0 $(ticks)" >>"$LK_BENCH_TIMES"
	[ "$rc" -eq 0 ] || { echo "lk-sync exited $rc ($1/$2.err):"; head -5 "$1/$2.err"; }
}

# plain_report TARGET FILES...: the median plain run, beside the target
plain_report() {
	wt=$1
	shift
	awk -v runs=$# -v wt="$wt" '
	function med(a, k,    i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	$1 == "lk-sync" { n++; w[n] = $2; c[n] = $2 - ($7 - $6) / 100; m[n] = $3 }
	END {
		printf "  whole lk-sync without the timing wrappers (median of %d): %.2f s%s, without the double'"'"'s CPU %.2f s, largest process %.0f MB\n",
		    runs, med(w, n), wt == "-" ? "" : " (target < " wt " s)", med(c, n), med(m, n) / 1024
	}' "$@"
}

# report TITLE FILES...: per stage, the median over the files (runs) of
# the stage's summed wall time, its largest RSS and the double's CPU
# and the targets (wall "-" when there is none)
report() {
	title=$1 wt=$2 mt=$3
	shift 3
	awk -v title="$title" -v runs=$# -v wt="$wt" -v mt="$mt" '
	function med(a, k,    i, j, t, m) {
		m = 0
		for (i = 1; i <= k; i++) b[i] = a[i]
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
		return k % 2 ? b[(k + 1) / 2] : (b[k / 2] + b[k / 2 + 1]) / 2
	}
	FNR == 1 { r++ }
	{
		if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 }
		if (!(($1, r) in t0) || $4 < t0[$1, r]) { t0[$1, r] = $4; c0[$1, r] = $6 }
		if ($5 > t1[$1, r]) t1[$1, r] = $5
		if ($7 > c1[$1, r]) c1[$1, r] = $7
		w[$1, r] = t1[$1, r] - t0[$1, r]; d[$1, r] = (c1[$1, r] - c0[$1, r]) / 100
		if ($3 + 0 > m[$1, r] + 0) m[$1, r] = $3
		if ($1 != "lk-sync" && $3 + 0 > maxrss + 0) maxrss = $3
	}
	END {
		printf "%s (median of %d)\n", title, runs
		printf "  %-15s %7s %8s %12s\n", "stage", "wall s", "peak MB", "double cpu s"
		for (i = 1; i <= ns; i++) {
			s = order[i]
			for (k = 1; k <= runs; k++) { aw[k] = w[s, k]; am[k] = m[s, k]; ad[k] = d[s, k] }
			W = med(aw, runs); M = med(am, runs); D = med(ad, runs)
			# the count over the whole run (stages overlap: their sum counts twice)
			if (s == "lk-sync") { sw = W; sd = D }
			printf "  %-15s %7.2f %8.0f %12.2f\n", s, W, M / 1024, D
		}
		printf "  whole run with the wrappers %.2f s, without the double'"'"'s CPU %.2f s; largest stage %.0f MB (target < %s MB)\n",
		    sw, sw - sd, maxrss / 1024, mt
	}' "$@"
}

# bench N: the whole thing at N products
bench() {
	n=$1
	d=$top/bench/out/cycle/n$n
	echo "products $n, 9-column catalog, sources main (YML) and supplier (CSV), channels wb ozon ym mm ae; load $(cut -d' ' -f1-3 /proc/loadavg)"
	generate "$d" "$n" || return 1
	double_start "$d/double" --no-rate-limits --quiet --log-max 1000 || return 1
	LK_BENCH_DOUBLE_PID=$DOUBLE_PID
	export LK_BENCH_DOUBLE_PID
	t0=$(date +%s.%N)
	for m in wb ozon ym mm ae; do
		double_ctl POST /_double/seed "@$d/seed-$m.json" >/dev/null || { double_stop; return 1; }
	done
	echo "the double seeded in $(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }') s, $(double_rss) MB"
	channels "$d/st"
	"$top/cmd/lk-state" -C "$d/st" init -q || { double_stop; return 1; }
	sync_run "$d" first
	report "first full sync" "$T_FIRST" "$T_RSS" "$d/first.times"
	if [ "$RUNS" -eq 0 ]; then
		echo "the double: $(double_rss) MB"
		double_stop
		return 0
	fi
	# each round twice: a plain run, then one through the wrappers, each
	# with its own 1% changed
	files='' plain=''
	i=1
	while [ "$i" -le "$RUNS" ]; do
		feeds "$d" "$n" $((2 * i - 1))
		sync_run "$d" "cycle$i.plain" plain
		plain="$plain $d/cycle$i.plain.times"
		feeds "$d" "$n" $((2 * i))
		sync_run "$d" "cycle$i"
		files="$files $d/cycle$i.times"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	report "1%-changed cycle" "$T_CYCLE" "$T_RSS" $files
	# shellcheck disable=SC2086
	plain_report "$T_CYCLE" $plain
	# Then only main changes: supplier is not read again (lk-fetch --reuse).
	# Round 0 is not counted: the last cycle read supplier within 2 s of
	# its writing, too recent for its identity to be recorded (lk-fetch(1)).
	files='' plain=''
	i=0
	while [ "$i" -le "$RUNS" ]; do
		feeds "$d" "$n" $((2 * RUNS + 1 + 2 * i)) main
		sync_run "$d" "same$i.plain" plain
		[ "$i" -gt 0 ] && plain="$plain $d/same$i.plain.times"
		feeds "$d" "$n" $((2 * RUNS + 2 + 2 * i)) main
		sync_run "$d" "same$i"
		[ "$i" -gt 0 ] && files="$files $d/same$i.times"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	report "1%-changed cycle, supplier unchanged" "$T_CYCLE" "$T_RSS" $files
	# shellcheck disable=SC2086
	plain_report "$T_CYCLE" $plain
	echo "the double: $(double_rss) MB"
	double_stop
}

# the double's resident memory now and at its peak, in MB
double_rss() {
	awk '/^VmRSS|^VmHWM/ { v[$1] = $2 } END { printf "%.0f (peak %.0f)", v["VmRSS:"] / 1024, v["VmHWM:"] / 1024 }' \
	    "/proc/$LK_BENCH_DOUBLE_PID/status"
}

# curl needs @FILE for big seeds
double_ctl() {
	curl -sf -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$DOUBLE_URL$2"
}

if [ "${LK_BENCH_CYCLE_N:-100000}" != 0 ]; then
	T_FIRST=- T_CYCLE=5 T_RSS=150
	bench "${LK_BENCH_CYCLE_N:-100000}"
fi
if [ "${LK_BENCH_CYCLE_1M:-1}" = 1 ]; then
	echo
	T_FIRST=60 T_CYCLE=- T_RSS=1024 RUNS=${LK_BENCH_CYCLE_1M_RUNS:-1}
	bench 1000000
fi
