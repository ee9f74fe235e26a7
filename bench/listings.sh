#!/bin/sh
# bench/listings.sh - lk-fetch's marketplace listings (the listings stage
# of lk-sync, one channel at a time): for each of wb, ozon, ym, mm, ae,
# the stocks and the orders listing of bench/cycle.sh's state directory
# (N products, default 100,000: LK_BENCH_LISTINGS_N) against the double
# with its rate limits off.  Prints, per listing, the median over
# LK_BENCH_LISTINGS_RUNS runs (default 3) of the wall time, the peak RSS,
# lk-fetch's own CPU time and the CPU time the double spent answering it
# (part of the wall time, not lk's), beside the memory target.
# LK_BENCH_LISTINGS_1M=1 runs it again at 1,000,000 products (one run;
# the double needs a few GB and a minute to seed); LK_BENCH_LISTINGS_N=0
# skips the first size.  MegaMarket documents no stock read: its "stocks"
# is lk's push state less the orders since, empty before a first push.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# generate() and channels() of the cycle bench (which then runs nothing)
LK_BENCH_CYCLE_N=0 LK_BENCH_CYCLE_1M=0
# shellcheck source=SCRIPTDIR/cycle.sh
. "$top/bench/cycle.sh"

# listings DIR RUNS: every listing RUNS times; "kind ch wall rss_kb user sys double records" lines
listings() {
	ticks() { awk '{ print $14 + $15 }' "/proc/$DOUBLE_PID/stat"; }
	r=1
	while [ "$r" -le "$2" ]; do
		for k in stocks orders; do
			for ch in wb ozon ym mm ae; do
				d0=$(ticks)
				/usr/bin/time -f '%e %M %U %S' -o "$1/time" "$top/cmd/lk-fetch" -C "$1/st" -q "--$k" "$ch" \
				    >"$1/$k-$ch.out" 2>"$1/$k-$ch.err" || { echo "lk-fetch --$k $ch failed:"; head -3 "$1/$k-$ch.err"; }
				echo "$k $ch $(tail -n 1 "$1/time") $(($(ticks) - d0)) $(grep -c . "$1/$k-$ch.out")"
			done
		done
		r=$((r + 1))
	done
}

# report TITLE TARGET_MB <lines: the medians per listing
report() {
	awk -v title="$1" -v mt="$2" '
	function med(s, k,    i, j, t, n, b) {
		n = split(s, b, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] + 0 < b[i] + 0) { t = b[i]; b[i] = b[j]; b[j] = t }
		return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
	}
	{
		l = $1 " " $2
		if (!(l in w)) order[++n] = l
		w[l] = w[l] " " $3; m[l] = m[l] " " $4; c[l] = c[l] " " ($5 + $6); d[l] = d[l] " " $7 / 100; rec[l] = $8
		runs[l]++
	}
	END {
		printf "%s (median of %d)\n", title, runs[order[1]]
		printf "  %-12s %7s %8s %8s %12s %8s\n", "listing", "wall s", "peak MB", "lk cpu s", "double cpu s", "records"
		for (i = 1; i <= n; i++) {
			l = order[i]; M = med(m[l]) / 1024; if (M > max) max = M
			printf "  %-12s %7.2f %8.0f %8.2f %12.2f %8d\n", l, med(w[l]), M, med(c[l]), med(d[l]), rec[l]
		}
		printf "  largest %.0f MB (target < %s MB)\n", max, mt
	}'
}

# bench N RUNS TARGET_MB
bench_listings() {
	d=$top/bench/out/listings/n$1
	echo "products $1, 9-column catalog, channels wb ozon ym mm ae; load $(cut -d' ' -f1-3 /proc/loadavg)"
	generate "$d" "$1" || return 1
	double_start "$d/double" --no-rate-limits --quiet --log-max 1000 || return 1
	for m in wb ozon ym mm ae; do
		double_ctl POST /_double/seed "@$d/seed-$m.json" >/dev/null || { double_stop; return 1; }
	done
	channels "$d/st"
	listings "$d" "$2" | report "lk-fetch listings" "$3"
	double_stop
	rm -rf "$d"
}

if [ "${LK_BENCH_LISTINGS_N:-100000}" != 0 ]; then
	bench_listings "${LK_BENCH_LISTINGS_N:-100000}" "${LK_BENCH_LISTINGS_RUNS:-3}" 150
fi
if [ "${LK_BENCH_LISTINGS_1M:-0}" = 1 ]; then
	echo
	bench_listings 1000000 1 1024
fi
