#!/bin/sh
# A bigger market day than make test's (tests/cmd/t9100-market-day.py):
# 300 products, 4 marketplaces, 8 simulated hours, lk-sync every 2
# simulated minutes, the feed regenerated every 20, once per seed of
# MARKETDAY_SEEDS (default "1 2 3").  Prints per seed units oversold,
# buyers lost and frozen channel-product-minutes (the demand lost), for
# lk and for an oracle that knows the true free stock and splits it with
# lk-alloc; then lk against the oracle.  Targets (issue 19): 0 oversold,
# frozen minutes at most 10% above the oracle's.
top=$(cd "$(dirname "$0")/.." && pwd)
for seed in ${MARKETDAY_SEEDS:-1 2 3}; do
	MARKETDAY_SEED=$seed MARKETDAY_PRODUCTS=${MARKETDAY_PRODUCTS:-300} \
	MARKETDAY_HOURS=${MARKETDAY_HOURS:-8} MARKETDAY_JSON=1 \
		"$top/tests/cmd/t9100-market-day.py" 2>&1 >/dev/null
done | python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    try:
        f = json.loads(line)
    except ValueError:
        sys.stdout.write(line)
        continue
    rows.append(f)
    print("seed %d: %d products, %d marketplaces, %g simulated hours, %d buyers (%.0f s)" % (
        f["seed"], f["products"], f["marketplaces"], f["hours"], f["buyers"], f["secs"]))
    print("  %-8s %6s %9s %6s %12s" % ("", "sold", "oversold", "lost", "frozen min"))
    for k in ("lk", "oracle"):
        r = f[k]
        print("  %-8s %6d %9d %6d %12d" % (k, r["sold"], r["oversold"], r["lost"], r["frozen_minutes"]))
    print("  lk vs oracle: frozen minutes %+.1f%%, lost buyers %+.1f%%; oversold %d" % (
        f["frozen_vs_oracle_pct"], f["lost_vs_oracle_pct"], f["lk"]["oversold"]))
if rows:
    print("%d seeds: oversold %d in all; frozen minutes vs oracle %s (target: at most +10%%)" % (
        len(rows), sum(f["lk"]["oversold"] for f in rows),
        ", ".join("%+.1f%%" % f["frozen_vs_oracle_pct"] for f in rows)))
'
