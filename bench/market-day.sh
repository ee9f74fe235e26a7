#!/bin/sh
# A bigger market day than make test's (tests/cmd/t9100-market-day.py):
# 300 products, 4 marketplaces, 8 simulated hours, lk-sync every 2
# simulated minutes, the feed regenerated every 20.  Prints units
# oversold, buyers lost and frozen channel-product-minutes, for lk and
# for an oracle that knows the true free stock.
top=$(cd "$(dirname "$0")/.." && pwd)
MARKETDAY_PRODUCTS=${MARKETDAY_PRODUCTS:-300} MARKETDAY_HOURS=${MARKETDAY_HOURS:-8} MARKETDAY_JSON=1 \
	"$top/tests/cmd/t9100-market-day.py" 2>&1 >/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        f = json.loads(line)
    except ValueError:
        sys.stdout.write(line)
        continue
    print("%d products, %d marketplaces, %g simulated hours, %d buyers (%.0f s)" % (
        f["products"], f["marketplaces"], f["hours"], f["buyers"], f["secs"]))
    print("%-8s %6s %9s %6s %15s" % ("", "sold", "oversold", "lost", "frozen min"))
    for k in ("lk", "oracle"):
        r = f[k]
        print("%-8s %6d %9d %6d %15d" % (k, r["sold"], r["oversold"], r["lost"], r["frozen_minutes"]))
    o = f["oracle"]["lost"]
    print("lost demand vs oracle: %+.0f%% (target: at most +10%%); oversold: %d (target: 0)" % (
        100.0 * (f["lk"]["lost"] - o) / o if o else 0, f["lk"]["oversold"]))
'
