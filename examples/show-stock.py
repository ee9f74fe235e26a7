#!/usr/bin/env python3
"""show-stock.py - what each marketplace of the demo holds now, per sku.

Usage: show-stock.py DOUBLE_URL STATE_DIR [SAVE.json [PREVIOUS.json]]

Reads the stock of the demo channels from the marketplace double's control
API (GET /_double/stock), the sources' stock and the reserve from the last
lk-sync run (STATE/.lk/runs/RUNID/), and prints one row per sku.  With
SAVE the table is saved as JSON; with PREVIOUS only the rows that changed
since then are printed, as old->new.
"""
import csv
import json
import os
import sys
import urllib.request

# (column, marketplace, warehouse) of the demo's channels: examples/state/channels
CHANNELS = [("wb", "wb", "507"), ("ozon", "ozon", "22142605386000"), ("ym", "ym", "55")]


def double_stock(url, mp, wh):
    with urllib.request.urlopen("%s/_double/stock?mp=%s&warehouse=%s" % (url, mp, wh), timeout=10) as r:
        doc = json.load(r)
    return doc.get("by_sku", {}).get(wh, {})


def records(path, rtype):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith('{"type":"%s"' % rtype):
                    yield json.loads(line)
    except FileNotFoundError:
        return


def main():
    url, state = sys.argv[1], sys.argv[2]
    save = sys.argv[3] if len(sys.argv) > 3 else None
    prev = sys.argv[4] if len(sys.argv) > 4 else None
    runs = os.path.join(state, ".lk", "runs")
    run = os.path.join(runs, sorted(os.listdir(runs))[-1])
    stock, names, reserved = {}, {}, {}
    for f in sorted(os.listdir(run)):
        if f.startswith("source-") and f.endswith(".ndjson"):
            for r in records(os.path.join(run, f), "stock"):
                stock[r["sku"]] = stock.get(r["sku"], 0) + r["qty"]
    for r in records(os.path.join(run, "reserve.out"), "reserve"):
        reserved[r["sku"]] = r["qty"]
    with open(os.path.join(state, "catalog.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names[row["sku"]] = row.get("name", "")
    held = {col: double_stock(url, mp, wh) for col, mp, wh in CHANNELS}
    table = {}
    for sku in sorted(names):
        table[sku] = {"stock": stock.get(sku, 0), "reserved": reserved.get(sku, 0)}
        for col, _, _ in CHANNELS:
            table[sku][col] = held[col].get(sku)
    cols = ["stock", "reserved"] + [c for c, _, _ in CHANNELS]
    old = None
    if prev:
        with open(prev, encoding="utf-8") as f:
            old = json.load(f)
    print("%-9s %-22s %s" % ("sku", "name", " ".join("%9s" % c for c in cols)))
    same = 0
    for sku, row in table.items():
        cells = []
        changed = False
        for c in cols:
            v = "-" if row[c] is None else str(row[c])
            if old is not None:
                o = old.get(sku, {}).get(c)
                o = "-" if o is None else str(o)
                if o != v:
                    v = "%s->%s" % (o, v)
                    changed = True
            cells.append("%9s" % v)
        if old is not None and not changed:
            same += 1
            continue
        print("%-9s %-22.22s %s" % (sku, names[sku], " ".join(cells)))
    if old is not None:
        print("(%d other products unchanged)" % same)
    if save:
        with open(save, "w", encoding="utf-8") as f:
            json.dump(table, f)


if __name__ == "__main__":
    main()
