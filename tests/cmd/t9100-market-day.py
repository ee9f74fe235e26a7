#!/usr/bin/python3
"""t9100-market-day: a simulated market day against the marketplace double.

Buyers order products on four marketplaces (Wildberries, Ozon, Yandex
Market, MegaMarket; one equal split), orders ship 60-180 minutes after
they are placed and some are cancelled, the warehouse's YML feed is
regenerated every 20 minutes from the physical stock this test keeps
(so it lags), and lk-sync runs every 2 simulated minutes with
LK_TEST_NOW moving the clock.  The same buyers meet an oracle: a sync
that knows the true free stock at every run.  The oracle splits it with
lk-alloc itself (the same state directory's rules, the same remainder
distribution), so the only difference between lk and the oracle is what
lk knows.

Counted, for lk and for the oracle:
  oversold    units sold that were not free (physical minus open orders)
  frozen      channel-product-minutes showing 0 while the goods were free:
              the demand lost, as issue 19 defines it
  lost        buyers who met a 0 while the goods were free
Asserted: lk oversells 0 units, and its frozen minutes are at most 10%
above the oracle's.  Lost buyers are printed, not asserted: one unit
held a few minutes too long on a popular product changes which channel
keeps the last unit, and every later buyer of that product on another
channel counts, so on a day this small they swing by tens of percent
either way.  What lk still holds that the oracle does not: an order
cancelled on Ozon vanishes from its open-order listing like a shipped
one and is held until the next feed (lk-reserve(1)), and a shipment on
Wildberries or MegaMarket, whose APIs give no status-change time, is
timed by the run that sees it (Ozon's and Yandex Market's by the
marketplace's own time).  make bench runs a bigger day over several
seeds.

The marketplaces behave as lk-reserve(1) and lk-push(1) say they do: the
number a marketplace shows is what lk sent, minus the orders placed on it
since (it takes ordered units off at once); a cancel gives the unit back.

Knobs (environment): MARKETDAY_PRODUCTS (120), MARKETDAY_HOURS (3),
MARKETDAY_SEED (1), MARKETDAY_JSON=1 prints the figures as one JSON line,
MARKETDAY_KEEP=1 keeps the state directory and the double's log.
TAP on stdout.
"""

import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOUBLE = os.path.join(ROOT, "tests", "double", "mpdouble.py")
BIN = os.path.join(ROOT, "cmd")

N = int(os.environ.get("MARKETDAY_PRODUCTS", "120"))
HOURS = float(os.environ.get("MARKETDAY_HOURS", "3"))
SEED = int(os.environ.get("MARKETDAY_SEED", "1"))
T0 = int(datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.timezone.utc).timestamp())
MPS = ["wb", "ozon", "ym", "mm"]
WH = {"wb": "507", "ozon": "22142605386000", "ym": "55", "mm": "default"}
SYNC_EVERY = 2          # minutes
FEED_EVERY = 20         # minutes
MSK = datetime.timezone(datetime.timedelta(hours=3))

RESULTS = []


def ok(cond, desc, *diag):
    RESULTS.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(RESULTS), desc))
    if not cond:
        for d in diag:
            for line in str(d).splitlines()[-30:]:
                print("# " + line)
    sys.stdout.flush()
    return bool(cond)


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Double:
    def __init__(self, tmp, seed):
        port_file = os.path.join(tmp, "port")
        self.log = open(os.path.join(tmp, "double.log"), "w")
        self.p = subprocess.Popen([sys.executable, DOUBLE, "--port", "0", "--port-file", port_file,
                                   "--seed", seed, "--time-scale", "0.01", "--no-rate-limits", "--quiet"],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s" % open(port_file).read().strip()

    def ctl(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
        self.log.close()


def skus():
    return ["SKU-%05d" % i for i in range(1, N + 1)]


def write_seed(path):
    sk = skus()
    json.dump({
        "wb": {"warehouses": [{"id": 507, "name": "Main", "officeId": 15}],
               "items": [{"sku": s, "chrtId": 100000 + i, "nmId": 200000 + i, "vendorCode": s,
                          "barcode": "2%012d" % i} for i, s in enumerate(sk, 1)]},
        "ozon": {"warehouses": [{"warehouse_id": 22142605386000, "name": "FBS"}],
                 "items": [{"sku": s, "offer_id": s, "product_id": 300000 + i, "ozon_sku": 400000 + i}
                           for i, s in enumerate(sk, 1)]},
        "ym": {"business_id": 777, "campaigns": [{"id": 1111, "warehouse_id": 55}],
               "warehouses": [{"id": 55, "name": "YM"}], "items": [{"sku": s} for s in sk]},
        "mm": {"warehouses": [{"id": "default"}], "items": [{"sku": s, "offerId": s} for s in sk]},
    }, open(path, "w"))


def write_state(d, url, feed):
    os.makedirs(os.path.join(d, "channels"))
    os.makedirs(os.path.join(d, "sources"))
    json.dump({"push": True, "max_zero": "100%"}, open(os.path.join(d, "lk.json"), "w"))
    with open(os.path.join(d, "catalog.csv"), "w") as f:
        f.write("sku,wb_chrt_id,ozon_offer_id,ym_sku,mm_offer_id\n")
        for i, s in enumerate(skus(), 1):
            f.write("%s,%d,%s,%s,%s\n" % (s, 100000 + i, s, s, s))
    json.dump({"kind": "yml", "url": feed}, open(os.path.join(d, "sources", "main.json"), "w"))
    chans = {
        "wb": {"marketplace": "wb", "warehouse_id": 507, "credentials": {"env": "LK_WB_TOKEN"}, "rate": 5000},
        "ozon": {"marketplace": "ozon", "warehouse_id": 22142605386000,
                 "credentials": {"env": "LK_OZ_KEY", "client_id": "1001"}, "rate": 5000},
        "ym": {"marketplace": "ym", "campaign_id": 1111, "business_id": 777, "warehouse_id": 55,
               "credentials": {"env": "LK_YM_KEY"}, "rate": 5000},
        "mm": {"marketplace": "mm", "credentials": {"env": "LK_MM_TOKEN"}, "rate": 5000},
    }
    for name, c in chans.items():
        c.update({"base_url": url, "sources": ["main"], "rule": [{"equal": True}]})
        json.dump(c, open(os.path.join(d, "channels", name + ".json"), "w"))
    subprocess.run(["git", "init", "-q", d], check=True)


def write_feed(path, phys, t):
    """The warehouse's export: physical stock, dated by its own (Moscow) clock."""
    date = datetime.datetime.fromtimestamp(t, MSK).strftime("%Y-%m-%d %H:%M")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog date="%s"><shop><offers>\n' % date)
        for s in skus():
            f.write('<offer id="%s"><count>%d</count></offer>\n' % (s, phys[s]))
        f.write("</offers></shop></yml_catalog>\n")
    os.rename(tmp, path)


def lk_alloc(st, free, t):
    """The oracle's split: lk-alloc itself, on the true free stock.

    The same rules and the same remainder distribution as lk's, so the
    only difference between lk and the oracle is what lk knows."""
    recs = ['{"type":"stock","source":"main","sku":"%s","qty":%d}' % (s, max(free[s], 0)) for s in skus()]
    recs.append('{"type":"source","source":"main","status":"complete","records":%d,"at":"%s"}'
                % (len(recs), iso(t)))
    r = subprocess.run([os.path.join(BIN, "lk-alloc"), "-q", "-n", "-C", st], input="\n".join(recs) + "\n",
                       stdout=subprocess.PIPE, text=True, check=True, env=dict(os.environ, LK_TEST_NOW=str(t)))
    shown = {m: {} for m in MPS}
    for line in r.stdout.splitlines():
        rec = json.loads(line)
        if rec["type"] == "alloc":
            shown[rec["channel"]][rec["sku"]] = rec["qty"]
    return shown


def events(rng, minutes):
    """The day's buyers and the restocks, the same for lk and the oracle.

    Demand is skewed (product k is wanted 1/k as often as the first), so
    popular products sell out and come back, where overselling happens.
    Deliveries arrive a minute before an export: how late a feed shows a
    delivery is the same for any feed-driven sync, and the oracle is
    there to measure what reserves cost, not what the feed's period does."""
    ev = []
    sk = skus()
    weights = [1.0 / (k + 1) for k in range(len(sk))]
    per_min = max(1, N // 40)
    for minute in range(minutes):
        for _ in range(rng.randint(0, 2 * per_min)):
            ev.append((minute, "buy", rng.choices(sk, weights)[0], rng.choice(MPS), rng.randint(60, 180),
                       rng.random() < 0.08, rng.randint(5, 40)))
        if minute % 60 == FEED_EVERY - 1:
            for s in sorted(set(rng.choices(sk, weights, k=max(1, N // 10)))):
                ev.append((minute, "restock", s, rng.randint(5, 15)))
    return ev


class World:
    """Physical stock, open orders and what each marketplace shows."""

    def __init__(self, rng):
        self.phys = {s: rng.randint(0, 6) for s in skus()}
        self.open = {}          # order key -> [sku, mp, ship_minute, cancel_minute or None, id]
        self.shown = {m: {s: 0 for s in skus()} for m in MPS}
        self.oversold = self.lost = self.frozen = self.sold = self.cancelled = 0

    def free(self, s):
        return self.phys[s] - sum(1 for o in self.open.values() if o[0] == s)

    def buy(self, minute, s, mp, ship_after, cancels, cancel_after):
        if self.shown[mp][s] <= 0:
            if self.free(s) > 0:
                self.lost += 1
            return None
        if self.free(s) <= 0:
            self.oversold += 1      # the seller cancels it: never placed
            return None
        self.shown[mp][s] -= 1
        self.sold += 1
        return [s, mp, minute + ship_after, minute + cancel_after if cancels else None, None]

    def count_frozen(self):
        for s in skus():
            if self.free(s) > 0:
                self.frozen += sum(1 for m in MPS if self.shown[m][s] <= 0)


def run_oracle(ev, minutes, tmp):
    st = os.path.join(tmp, "oracle")
    write_state(st, "http://127.0.0.1:9", os.path.join(tmp, "feed.xml"))
    w = World(random.Random(SEED))
    byminute = {}
    for e in ev:
        byminute.setdefault(e[0], []).append(e)
    n = 0
    for minute in range(minutes):
        if minute % SYNC_EVERY == 0:
            shown = lk_alloc(st, {s: w.free(s) for s in skus()}, T0 + minute * 60 + 30)
            for m in MPS:
                for s in skus():
                    w.shown[m][s] = shown[m][s]
        for e in byminute.get(minute, []):
            if e[1] == "restock":
                w.phys[e[2]] += e[3]
                continue
            o = w.buy(minute, *e[2:])
            if o:
                n += 1
                w.open[n] = o
        step_orders(w, minute, None)
        w.count_frozen()
    return w


def step_orders(w, minute, dbl, at=None):
    """Ships and cancels what is due this minute."""
    for k, o in list(w.open.items()):
        s, mp, ship, cancel, oid = o
        if cancel is not None and cancel <= minute and cancel < ship:
            del w.open[k]
            w.cancelled += 1
            w.shown[mp][s] += 1     # the marketplace gives the unit back
            if dbl:
                dbl.ctl("POST", "/_double/orders/%s/%s/cancel" % (mp, oid), {"at": at})
                add_stock(dbl, mp, s, 1)
        elif ship <= minute:
            del w.open[k]
            w.phys[s] -= 1
            if dbl:
                dbl.ctl("POST", "/_double/orders/%s/%s/ship" % (mp, oid), {"at": at})


def item_key(mp, s):
    return str(100000 + int(s[4:])) if mp == "wb" else s


def add_stock(dbl, mp, s, delta):
    cur = dbl.ctl("GET", "/_double/stock?mp=%s&warehouse=%s" % (mp, WH[mp]))
    q = cur["warehouses"].get(WH[mp], {}).get(item_key(mp, s), 0)
    dbl.ctl("POST", "/_double/stock", {"mp": mp, "warehouse": WH[mp],
                                       "stock": {item_key(mp, s): max(0, q + delta)}})


def read_shown(dbl, w):
    for mp in MPS:
        cur = dbl.ctl("GET", "/_double/stock?mp=%s&warehouse=%s" % (mp, WH[mp]))
        by = cur["by_sku"].get(WH[mp], {})
        for s in skus():
            w.shown[mp][s] = by.get(s, 0)


def run_lk(ev, minutes, tmp):
    seed = os.path.join(tmp, "seed.json")
    write_seed(seed)
    dbl = Double(tmp, seed)
    st = os.path.join(tmp, "state")
    feed = os.path.join(tmp, "feed.xml")
    env = dict(os.environ, PATH=BIN + ":" + os.environ["PATH"], LK_WB_TOKEN="wb-test-token",
               LK_OZ_KEY="ozon-test-key", LK_YM_KEY="ym-test-key", LK_MM_TOKEN="mm-test-token",
               LK_TEST_SLEEP_SCALE="0.01", LK_FSYNC="0")
    failures = []
    try:
        write_state(st, dbl.url, feed)
        w = World(random.Random(SEED))
        byminute = {}
        for e in ev:
            byminute.setdefault(e[0], []).append(e)
        for minute in range(minutes):
            t = T0 + minute * 60
            if minute % FEED_EVERY == 0:
                write_feed(feed, w.phys, t)
            if minute % SYNC_EVERY == 0:
                r = subprocess.run(["lk-sync", "-q", "-C", st], env=dict(env, LK_TEST_NOW=str(t + 30)),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                # 2: a new outcome that needs a person (a conflict), reported once: not a failure
                if r.returncode not in (0, 1, 2):
                    failures.append("minute %d: lk-sync exited %d\n%s" % (minute, r.returncode, r.stdout))
                read_shown(dbl, w)
            for e in byminute.get(minute, []):
                if e[1] == "restock":
                    w.phys[e[2]] += e[3]
                    continue
                o = w.buy(minute, *e[2:])
                if o:
                    r = dbl.ctl("POST", "/_double/orders", {"mp": o[1], "item": o[0], "qty": 1,
                                                            "at": iso(t + 45)})
                    o[4] = str(r["id"])
                    w.open[o[4] + o[1]] = o
                    add_stock(dbl, o[1], o[0], -1)    # the marketplace takes it off at once
            step_orders(w, minute, dbl, iso(t + 50))
            w.count_frozen()
    finally:
        dbl.stop()
    return w, failures


def pct(x, base):
    return 100.0 * (x - base) / base if base else 0.0


def main():
    minutes = int(HOURS * 60)
    ev = events(random.Random(SEED), minutes)
    print("1..3")
    tmp = tempfile.mkdtemp(prefix="lk-t9100-")
    oracle = run_oracle(ev, minutes, tmp)
    start = time.time()
    w, failures = run_lk(ev, minutes, tmp)
    secs = time.time() - start
    fig = {"products": N, "hours": HOURS, "marketplaces": len(MPS), "buyers": sum(1 for e in ev if e[1] == "buy"),
           "lk": {"sold": w.sold, "oversold": w.oversold, "lost": w.lost, "frozen_minutes": w.frozen,
                  "cancelled": w.cancelled},
           "oracle": {"sold": oracle.sold, "oversold": oracle.oversold, "lost": oracle.lost,
                      "frozen_minutes": oracle.frozen},
           "frozen_vs_oracle_pct": round(pct(w.frozen, oracle.frozen), 1),
           "lost_vs_oracle_pct": round(pct(w.lost, oracle.lost), 1),
           "seed": SEED, "secs": round(secs, 1)}
    print("# " + json.dumps(fig))
    if os.environ.get("MARKETDAY_JSON"):
        sys.stderr.write(json.dumps(fig) + "\n")
    ok(not failures, "every lk-sync run ends 0, 1 or 2", *failures[:3])
    ok(w.oversold == 0, "lk oversells 0 units (%d)" % w.oversold)
    ok(w.frozen * 100 <= oracle.frozen * 110,
       "lk's frozen minutes are at most 10%% above the oracle's (%d vs %d, %+.1f%%)"
       % (w.frozen, oracle.frozen, pct(w.frozen, oracle.frozen)))
    if all(RESULTS) and not os.environ.get("MARKETDAY_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("# kept %s" % tmp)
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
