#!/usr/bin/python3
"""t6000-double: the local marketplace double (tests/double/mpdouble.py) behaves
like the documented WB, Ozon, Yandex Market, MegaMarket and AliExpress APIs.
TAP on stdout."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOUBLE = os.path.join(ROOT, "tests", "double", "mpdouble.py")
SEED = os.path.join(ROOT, "tests", "double", "seed-demo.json")
SPECS = os.environ.get("MPDOUBLE_SPEC_DIR", "/work/shared/specs/openapi")

WB = {"Authorization": "wb-test-token"}
OZ = {"Client-Id": "1001", "Api-Key": "ozon-test-key"}
YM = {"Api-Key": "ym-test-key"}
AE = {"x-auth-token": "ae-test-token"}
MMTOK = "mm-test-token"
OZWH = 22142605386000

RESULTS = []
PORT = None
PLAN = 66


def ok(cond, desc, *diag):
    RESULTS.append(bool(cond))
    n = len(RESULTS)
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond:
        for d in diag:
            for line in str(d).splitlines()[:20]:
                print("# " + line)
    sys.stdout.flush()
    return bool(cond)


def call(method, path, body=None, headers=None, timeout=10, raw=None, port=None):
    c = http.client.HTTPConnection("127.0.0.1", port or PORT, timeout=timeout)
    h = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    try:
        j = json.loads(payload) if payload else None
    except ValueError:
        j = payload.decode("utf-8", "replace")
    return r.status, hdrs, j


def ctl(method, path, body=None):
    return call(method, "/_double" + path, body)[2]


def stock(mp, wh):
    return ctl("GET", "/stock?mp=%s" % mp)["warehouses"].get(str(wh), {})


def start(extra, tmp, name="port"):
    pf = os.path.join(tmp, name)
    t0 = time.monotonic()
    p = subprocess.Popen([DOUBLE, "--port", "0", "--port-file", pf, "--quiet"] + extra,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # generous: the machine may be shared and loaded (the figure is printed, not judged)
    while not os.path.exists(pf) and time.monotonic() - t0 < 60 and p.poll() is None:
        time.sleep(0.01)
    dt = time.monotonic() - t0
    port = int(open(pf).read()) if os.path.exists(pf) else None
    return p, port, dt


def build_seed(tmp):
    s = json.load(open(SEED))
    # ids used by the official request examples
    s["wb"]["items"].append({"sku": "EX-WB", "chrtId": 12345678, "nmId": 299999})
    s["ozon"]["items"].append({"sku": "EX-OZ", "offer_id": "PH11042", "product_id": 313455276})
    s["ozon"]["warehouses"].append({"warehouse_id": 20605650762000, "name": "example"})
    s["ym"]["items"].append({"sku": "EX-YM", "offerId": "A-1"})
    s["ym"]["warehouses"].append({"id": 123, "name": "example v3"})
    fn = os.path.join(tmp, "seed.json")
    json.dump(s, open(fn, "w"))
    return fn


def spec_example(f, path):
    d = json.load(open(os.path.join(SPECS, f)))
    for op in d["paths"][path].values():
        if isinstance(op, dict) and "requestBody" in op:
            return op["requestBody"]["content"]["application/json"].get("example")
    return None


_VALIDATORS = {}


def response_validator(f, path, method):
    """A draft-7 validator of the operation's 200 answer, from the official
    document, with the double's own OpenAPI 3.0 -> JSON Schema adjustments
    (nullable; int64 as string or integer, as protobuf JSON sends either)."""
    import importlib.util
    import jsonschema
    key = (f, path, method)
    if key in _VALIDATORS:
        return _VALIDATORS[key]
    spec = importlib.util.spec_from_file_location("mpdouble", DOUBLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    doc = json.load(open(os.path.join(SPECS, f)))
    mod._fix_schema(doc.get("components", {}))
    mod._fix_schema(doc.get("paths", {}))
    ops = doc["paths"][path][method]["responses"]
    resp = mod._inline_refs(ops.get("200", ops.get("204")), doc)
    sch = resp["content"]["application/json"]["schema"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        v = jsonschema.Draft7Validator(sch, resolver=jsonschema.RefResolver("", doc))
    _VALIDATORS[key] = v
    return v


def main():
    global PORT
    tmp = tempfile.mkdtemp(prefix="t6000-")
    seed = build_seed(tmp)
    print("1..%d" % PLAN)
    proc, PORT, dt = start(["--seed", seed], tmp)
    if not ok(PORT and proc.poll() is None, "double starts and writes its port file",
              proc.stderr.read().decode() if proc.poll() is not None else ""):
        print("# cannot continue")
        while len(RESULTS) < PLAN:
            ok(False, "skipped: double did not start")
        return 1
    try:
        run(tmp, proc, dt)
    except Exception as e:      # a crash fails the rest of the plan, visibly
        import traceback
        for line in traceback.format_exc().splitlines():
            print("# " + line)
        while len(RESULTS) < PLAN:
            ok(False, "not reached: %s: %s" % (type(e).__name__, e))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if len(RESULTS) != PLAN:
        print("# planned %d tests, ran %d" % (PLAN, len(RESULTS)))
        return 1
    return 0 if all(RESULTS) else 1


def run(tmp, proc, dt):
    # start-up time is a figure, not a test (a loaded machine is slow): bench/ measures speed
    print("# start-up (port file) took %.2fs" % dt)

    # --- loopback only
    loop = False
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in open(fn).read().splitlines()[1:]:
                f = line.split()
                addr, port = f[1].split(":")
                if int(port, 16) == PORT and f[3] == "0A":
                    loop = addr in ("0100007F", "00000000000000000000000001000000")
        except OSError:
            pass
    ok(loop, "listening socket is bound to 127.0.0.1 only (/proc/net/tcp)")
    r = subprocess.run([DOUBLE, "--host", "0.0.0.0", "--port", "0"], capture_output=True, timeout=10)
    ok(r.returncode == 64 and b"refusing" in r.stderr, "--host 0.0.0.0 is refused (exit 64)",
       r.returncode, r.stderr)

    # --- WB basics
    s, h, j = call("GET", "/ping", headers=WB)
    ok(s == 200 and j.get("Status") == "OK", "WB /ping answers {Status: OK}", s, j)
    s, h, j = call("GET", "/api/v3/warehouses", headers=WB)
    ok(s == 200 and isinstance(j, list) and {w["id"] for w in j} >= {507, 508}
       and all("isProcessing" in w for w in j), "WB warehouses list (array with isProcessing)", s, j)
    s, h, j = call("GET", "/api/v3/warehouses")
    ok(s == 401 and h.get("content-type", "").startswith("application/problem+json")
       and j.get("status") == 401, "WB without Authorization: 401 problem+json", s, h, j)

    # WB documented example (property examples of the schema)
    ex = {"stocks": [{"chrtId": 12345678, "amount": 10}]}
    s, h, j = call("PUT", "/api/v3/stocks/507", ex, WB)
    ok(s == 204 and stock("wb", 507).get("12345678") == 10 and "x-ratelimit-remaining" in h,
       "WB PUT stocks example: 204, stock set, X-Ratelimit-Remaining sent", s, h, j)
    s, h, j = call("POST", "/api/v3/stocks/507", {"chrtIds": [12345678, 100001]}, WB)
    ok(s == 200 and {(x["chrtId"], x["amount"]) for x in j["stocks"]} == {(12345678, 10), (100001, 5)},
       "WB POST stocks reads back by chrtIds", s, j)
    s, h, j = call("PUT", "/api/v3/stocks/507", {"stocks": [{"sku": "2000000000011", "amount": 3}]}, WB)
    ok(s == 400 and j.get("code") == "SKUUploadDisabled", "WB legacy sku key: 400 SKUUploadDisabled", s, j)
    ctl("POST", "/reset")       # every 4xx costs 10 of the burst of 20
    before = stock("wb", 507)
    s, h, j = call("PUT", "/api/v3/stocks/507",
                   {"stocks": [{"chrtId": 100002, "amount": 1}, {"chrtId": 999, "amount": 1},
                               {"chrtId": 100003, "amount": 100001}]}, WB)
    named = {(e["code"], d["chrtId"]) for e in (j if isinstance(j, list) else []) for d in e.get("data", [])}
    ok(s == 409 and named == {("NotFound", 999), ("UploadDataLimit", 100003)} and stock("wb", 507) == before,
       "WB 409 array names the offending items, batch not applied", s, j)
    s, h, j = call("PUT", "/api/v3/stocks/507",
                   {"stocks": [{"chrtId": 100001, "amount": 1}] * 1001}, WB)
    ok(s == 400 and j.get("code") == "IncorrectRequestBody", "WB batch of 1001 rejected (400)", s, j)
    ctl("POST", "/reset")
    s, h, j = call("PUT", "/api/v3/stocks/99", ex, WB)
    ok(s == 404 and j.get("code") == "NotFound", "WB unknown warehouse: 404 NotFound", s, j)

    # WB token bucket: 4xx costs 10, then 429 with X-Ratelimit-* headers
    ctl("POST", "/reset")
    s1, h1, _ = call("PUT", "/api/v3/stocks/507", ex, WB)
    s2, h2, _ = call("PUT", "/api/v3/stocks/507", {"stocks": [{"sku": "x", "amount": 1}]}, WB)
    ok(s1 == 204 and h1.get("x-ratelimit-remaining") == "19" and s2 == 400
       and h2.get("x-ratelimit-remaining") == "9", "WB: a 2xx costs 1, a 4xx costs 10 (Remaining 19 -> 9)",
       h1.get("x-ratelimit-remaining"), h2.get("x-ratelimit-remaining"))
    got = None
    for i in range(15):
        s, h, j = call("PUT", "/api/v3/stocks/507", ex, WB)
        if s == 429:
            got = (i, h, j)
            break
    ok(got is not None and all(k in got[1] for k in ("x-ratelimit-retry", "x-ratelimit-reset",
                                                     "x-ratelimit-limit"))
       and "x-ratelimit-remaining" not in got[1] and got[1]["x-ratelimit-limit"] == "20"
       and got[2].get("status") == 429,
       "WB 429 after the burst, with X-Ratelimit-Retry/-Reset/-Limit, no -Remaining", got)
    ok(ctl("GET", "/stats")["throttled"]["wb"] >= 1, "stats count WB 429s")

    # WB orders
    ctl("POST", "/reset")
    o1 = ctl("POST", "/orders", {"mp": "wb", "item": "100001", "warehouse": 507})
    o2 = ctl("POST", "/orders", {"mp": "wb", "item": "SKU-0002", "qty": 2})
    s, h, j = call("GET", "/api/v3/orders/new", headers=WB)
    ids = sorted(o["id"] for o in j["orders"])
    ok(s == 200 and ids == sorted([o1["id"]] + o2["ids"]) and all(o["chrtId"] in (100001, 100002)
                                                                for o in j["orders"]),
       "WB orders/new lists created orders (qty 2 = two assembly orders)", s, j, o1, o2)
    ctl("POST", "/orders/wb/%s/cancel" % o1["id"])
    ctl("POST", "/orders/wb/%s/ship" % o2["ids"][0])
    s, h, j = call("GET", "/api/v3/orders/new", headers=WB)
    ok([o["id"] for o in j["orders"]] == [o2["ids"][1]], "WB cancel/ship remove orders from orders/new", j)
    s, h, j = call("POST", "/api/v3/orders/status", {"orders": [o1["id"], o2["ids"][0]]}, WB)
    st = {o["id"]: o["supplierStatus"] for o in j["orders"]}
    ok(st == {o1["id"]: "cancel", o2["ids"][0]: "complete"}, "WB orders/status reports cancel/complete", j)
    pages, nxt = [], 0
    for _ in range(5):
        s, h, j = call("GET", "/api/v3/orders?limit=2&next=%d" % nxt, headers=WB)
        if s != 200 or not j["orders"]:
            break
        pages.append([o["id"] for o in j["orders"]])
        nxt = j["next"]
    ok([len(p) for p in pages] == [2, 1], "WB /api/v3/orders paginates with next", pages)
    s, h, j = call("GET", "/api/v3/orders?limit=0&next=0", headers=WB)
    ok(s == 400 and j.get("code") == "IncorrectParameter", "WB orders limit=0: 400 IncorrectParameter", s, j)
    cards, cur = [], {"limit": 7}
    for _ in range(10):
        s, h, j = call("POST", "/content/v2/get/cards/list", {"settings": {"cursor": cur, "filter": {"withPhoto": -1}}}, WB)
        cards += [sz["chrtID"] for c in j["cards"] for sz in c["sizes"]]
        if j["cursor"]["total"] < 7:
            break
        cur = {"limit": 7, "updatedAt": j["cursor"]["updatedAt"], "nmID": j["cursor"]["nmID"]}
    ok(sorted(cards) == sorted([100000 + i for i in range(1, 21)] + [12345678]),
       "WB cards/list cursor pagination yields every chrtID once", cards)

    # --- Ozon
    ctl("POST", "/reset")
    ex = spec_example("ozon.json", "/v2/products/stocks")
    s, h, j = call("POST", "/v2/products/stocks", ex, OZ)
    ok(s == 200 and j["result"][0]["updated"] is True and stock("ozon", OZWH).get("PH11042") == 100,
       "Ozon /v2/products/stocks official example accepted and applied", s, j)
    s, h, j = call("POST", "/v2/products/stocks", ex, OZ)
    ok(s == 200 and j["result"][0]["updated"] is False
       and j["result"][0]["errors"][0]["code"] == "TOO_MANY_REQUESTS",
       "Ozon same item+warehouse again within 30 s: per-item TOO_MANY_REQUESTS in a 200", s, j)
    ctl("POST", "/config", {"time_scale": 0.01})
    time.sleep(0.35)
    s, h, j = call("POST", "/v2/products/stocks", ex, OZ)
    ok(s == 200 and j["result"][0]["updated"] is True, "Ozon: after the (scaled) 30 s the item updates again", j)
    ctl("POST", "/config", {"time_scale": 1})
    s, h, j = call("POST", "/v2/products/stocks", {"stocks": [
        {"offer_id": "SKU-0001", "stock": 1, "warehouse_id": 1},
        {"offer_id": "NOPE", "stock": 1, "warehouse_id": OZWH},
        {"offer_id": "SKU-0002", "stock": 1000000, "warehouse_id": OZWH},
        {"offer_id": "SKU-0003", "stock": 6, "warehouse_id": OZWH}]}, OZ)
    codes = [(r["updated"], (r["errors"] or [{}])[0].get("code")) for r in j["result"]]
    ok(s == 200 and codes == [(False, "WAREHOUSE_NOT_FOUND"), (False, "NOT_FOUND_ERROR"),
                              (False, "STOCK_TOO_BIG"), (True, None)],
       "Ozon per-item errors inside a 200 (warehouse, not found, too big), good item applied", s, j)
    s, h, j = call("POST", "/v2/products/stocks",
                   {"stocks": [{"offer_id": "SKU-%04d" % (i % 20 + 1), "stock": 1, "warehouse_id": OZWH}
                               for i in range(101)]}, OZ)
    ok(s == 400 and isinstance(j.get("code"), int) and "message" in j, "Ozon batch of 101: 400 rpcStatus", s, j)
    s, h, j = call("POST", "/v2/products/stocks", ex, {"Client-Id": "1001", "Api-Key": "bad"})
    ok(s == 403 and "code" in j and "message" in j, "Ozon wrong Api-Key: 403 rpcStatus", s, j)
    # reads, lists, pagination, examples
    e1 = spec_example("ozon.json", "/v4/product/info/stocks")
    s, h, j = call("POST", "/v4/product/info/stocks", e1, OZ)
    ok(s == 200 and "items" in j, "Ozon /v4/product/info/stocks official example accepted", s, j)
    seen, cur = [], ""
    for _ in range(10):
        s, h, j = call("POST", "/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 8,
                                                          "cursor": cur}, OZ)
        seen += [i["offer_id"] for i in j["items"]]
        cur = j["cursor"]
        if not cur:
            break
    ok(len(seen) == 21 and len(set(seen)) == 21, "Ozon info/stocks cursor pagination covers 21 items", seen)
    e2 = dict(spec_example("ozon.json", "/v2/warehouse/list"))
    e2["cursor"] = ""   # the example's cursor is the placeholder "string"
    s, h, j = call("POST", "/v2/warehouse/list", e2, OZ)
    ok(s == 200 and [w["warehouse_id"] for w in j["warehouses"]] == [20605650762000],
       "Ozon /v2/warehouse/list example (warehouse_ids filter) accepted", s, j)
    whs, cur = [], ""
    for _ in range(5):
        s, h, j = call("POST", "/v2/warehouse/list", {"limit": 1, "cursor": cur}, OZ)
        whs += [w["warehouse_id"] for w in j["warehouses"]]
        cur = j["cursor"]
        if not j["has_next"]:
            break
    ok(len(whs) == 3 and len(set(whs)) == 3, "Ozon warehouse list cursor/has_next pagination", whs)
    ctl("POST", "/orders", {"mp": "ozon", "item": "SKU-0001", "qty": 2, "warehouse": OZWH})
    p2 = ctl("POST", "/orders", {"mp": "ozon", "item": "SKU-0002", "warehouse": OZWH})
    ctl("POST", "/orders", {"mp": "ozon", "item": "SKU-0003", "warehouse": OZWH})
    ctl("POST", "/orders/ozon/%s/cancel" % p2["id"])
    e3 = spec_example("ozon.json", "/v4/posting/fbs/unfulfilled/list")
    s, h, j = call("POST", "/v4/posting/fbs/unfulfilled/list", e3, OZ)
    ok(s == 200 and "postings" in j, "Ozon unfulfilled/list official example accepted", s, j)
    posts, cur = [], ""
    for _ in range(5):
        s, h, j = call("POST", "/v4/posting/fbs/unfulfilled/list", {"limit": 1, "cursor": cur}, OZ)
        posts += [(p["products"][0]["offer_id"], p["products"][0]["quantity"]) for p in j["postings"]]
        cur = j["cursor"]
        if not j["has_next"]:
            break
    ok(posts == [("SKU-0001", 2), ("SKU-0003", 1)], "Ozon unfulfilled postings paginate, cancelled excluded", posts)
    s, h, j = call("POST", "/v4/posting/fbs/unfulfilled/list", {"limit": 101}, OZ)
    ok(s == 400, "Ozon unfulfilled/list limit 101 rejected by the schema", s, j)
    prods, last = [], ""
    for _ in range(10):
        s, h, j = call("POST", "/v3/product/list", {"filter": {"visibility": "ALL"}, "last_id": last, "limit": 10}, OZ)
        prods += [(p["offer_id"], p["product_id"]) for p in j["result"]["items"]]
        last = j["result"]["last_id"]
        if not last:
            break
    ok(len(prods) == 21 and ("PH11042", 313455276) in prods, "Ozon /v3/product/list last_id pagination", prods)
    # Ozon request rate: 50/s global, 80/min on stocks
    ctl("POST", "/reset")
    body = {"stocks": [{"offer_id": "SKU-0004", "stock": 1, "warehouse_id": OZWH}]}
    sts = [call("POST", "/v2/products/stocks", body, OZ)[0] for _ in range(51)]
    s429 = [s for s in sts if s == 429]
    ok(s429 and sts[:40].count(200) == 40, "Ozon: more than 50 requests within a second give HTTP 429",
       sts)
    ctl("POST", "/reset")
    sts = []
    for burst in range(3):
        sts += [call("POST", "/v2/products/stocks", body, OZ)[0] for _ in range(40 if burst < 2 else 1)]
        time.sleep(1.05 if burst < 2 else 0)
    ok(sts[:80].count(200) == 80 and sts[80] == 429, "Ozon /v2/products/stocks: the 81st request in a minute is 429",
       sts[78:])
    ok(ctl("GET", "/stats")["throttled"]["ozon"] >= 1, "stats count Ozon 429s")

    # --- Yandex Market
    ctl("POST", "/reset")
    ex = {"skus": [{"sku": "A-1", "items": [{"count": 5, "updatedAt": "2017-11-21T00:42:42+03:00"}]}]}
    s, h, j = call("PUT", "/v2/campaigns/1111/offers/stocks", ex, YM)
    ok(s == 200 and j == {"status": "OK"} and stock("ym", 55).get("A-1") == 5
       and h.get("x-ratelimit-resource-remaining") == "99999"
       and "x-ratelimit-resource-until" in h and h.get("x-ratelimit-resource-limit") == "100000",
       "YM v2 PUT offers/stocks documented example: OK, X-RateLimit-Resource-* (skus counted)", s, h, j)
    ex3 = {"skuItems": [{"sku": "A-1", "partnerWarehouseId": 123, "count": 5, "updatedAt": "2025-01-01T00:00:00Z"}]}
    s, h, j = call("POST", "/v3/businesses/777/offers/stocks/update", ex3, YM)
    ok(s == 200 and j == {"status": "OK"} and stock("ym", 123).get("A-1") == 5,
       "YM v3 offers/stocks/update documented example accepted", s, j)
    s, h, j = call("POST", "/v3/businesses/777/offers/stocks/update",
                   {"skuItems": ex3["skuItems"] * 2}, YM)
    ok(s == 400 and j.get("status") == "ERROR" and j["errors"][0]["code"], "YM duplicate (sku, warehouse): 400 envelope", s, j)
    s, h, j = call("PUT", "/v2/campaigns/1111/offers/stocks",
                   {"skus": [{"sku": "S%d" % i, "items": [{"count": 1}]} for i in range(2001)]}, YM)
    ok(s == 400 and j.get("status") == "ERROR", "YM batch of 2001 skus: 400 {status: ERROR, errors}", s, j)
    s, h, j = call("PUT", "/v2/campaigns/1111/offers/stocks",
                   {"skus": [{"sku": "NOPE", "items": [{"count": 1}]}]}, YM)
    s2, h2, j2 = call("PUT", "/v2/campaigns/1111/offers/stocks", ex)
    ok(s == 400 and j["errors"][0]["code"] == "OFFER_NOT_FOUND" and s2 == 401 and j2.get("status") == "ERROR",
       "YM unknown sku: 400 envelope; no Api-Key: 401 envelope", j, s2, j2)
    s, h, j = call("POST", "/v2/campaigns/1111/offers/stocks?limit=30", {}, YM)
    offers = [o["offerId"] for w in j["result"]["warehouses"] for o in w["offers"]]
    ok(s == 200 and "A-1" in offers, "YM v2 POST offers/stocks reads stock back", j)
    ordnums = [ctl("POST", "/orders", {"mp": "ym", "item": "SKU-00%02d" % i})["id"] for i in range(1, 6)]
    got, tok = [], ""
    for _ in range(5):
        s, h, j = call("POST", "/v1/businesses/777/orders?limit=2" + ("&pageToken=" + tok if tok else ""),
                       {"statuses": ["PROCESSING"]}, YM)
        got += [str(o["orderId"]) for o in j["orders"]]
        tok = (j.get("paging") or {}).get("nextPageToken")
        if not tok:
            break
    ok(got == [str(x) for x in ordnums], "YM v1 businesses orders paginate by pageToken", got, ordnums)
    # parallel limit 4
    ctl("POST", "/config", {"ym_delay": 0.4})
    res = []
    lk = threading.Lock()

    def one():
        r = call("PUT", "/v2/campaigns/1111/offers/stocks", ex, YM)
        with lk:
            res.append(r)
    ths = [threading.Thread(target=one) for _ in range(8)]
    for t in ths:
        t.start()
        time.sleep(0.02)
    for t in ths:
        t.join()
    ctl("POST", "/config", {"ym_delay": 0})
    codes = sorted(r[0] for r in res)
    msg = [r[2]["errors"][0]["message"] for r in res if r[0] == 420]
    ok(codes == [200] * 4 + [420] * 4 and all("4 parallel" in m for m in msg)
       and all("x-ratelimit-resource-limit" in r[1] for r in res),
       "YM: more than 4 parallel requests get 420 'Hit rate limit of 4 parallel requests'", codes, msg)
    ctl("POST", "/reset")
    sts = [call("POST", "/v3/businesses/777/offers/stocks/update", ex3, YM)[0] for _ in range(51)]
    ok(sts[:50] == [200] * 50 and sts[50] == 420, "YM v3 stocks/update: 51st request in a minute is 420",
       sts[45:])

    # --- MegaMarket
    ctl("POST", "/reset")
    mmu = "/api/merchantIntegration/v1/offerService/stock/update"
    body = {"meta": {}, "data": {"token": MMTOK, "stocks": [{"offerId": "SKU-0005", "quantity": 5}]}}
    s, h, j = call("POST", mmu, body)
    ok(s == 200 and j.get("success") == 1 and stock("mm", "default").get("SKU-0005") == 5,
       "MegaMarket stock/update documented body: success 1", s, j)
    bad = {"meta": {}, "data": {"token": "wrong", "stocks": body["data"]["stocks"]}}
    s, h, j = call("POST", mmu, bad)
    s2, h2, j2 = call("POST", mmu, {"meta": {}, "data": {"token": MMTOK,
                                                          "stocks": [{"offerId": "SKU-0001", "quantity": 1}] * 301}})
    s3, h3, j3 = call("POST", mmu, {"meta": {}, "data": {"token": MMTOK,
                                                          "stocks": [{"offerId": "NOPE", "quantity": 1}]}})
    ok(s == s2 == s3 == 200 and j["success"] == 0 and j2["success"] == 0 and j3["success"] == 0
       and "error" in j and stock("mm", "default").get("SKU-0001") == 2,
       "MegaMarket bad token / 301 offers / unknown offer: HTTP 200 with success 0", j, j2, j3)
    mo = ctl("POST", "/orders", {"mp": "mm", "item": "SKU-0001", "qty": 2})
    s, h, j = call("POST", "/api/market/v1/orderService/order/search",
                   {"meta": {}, "data": {"token": MMTOK, "statuses": ["NEW"], "count": 100}})
    s2, h2, j2 = call("POST", "/api/market/v1/orderService/order/get",
                      {"meta": {}, "data": {"token": MMTOK, "shipments": j["data"]["shipments"]}})
    ok(j["data"]["shipments"] == [mo["id"]] and len(j2["data"]["shipments"][0]["items"]) == 2,
       "MegaMarket order/search + order/get", j, j2)

    # --- AliExpress
    aeu = "/api/v1/product/update-sku-stock"
    ae_ex = {"products": [{"product_id": "1005000001", "skus": [{"sku_code": "SKU-0001", "inventory": "10"}]}]}
    s, h, j = call("POST", aeu, ae_ex, AE)
    gid = (j.get("data") or {}).get("group_id") if isinstance(j, dict) else None
    s2, h2, j2 = call("GET", "/api/v1/tasks?group_id=%s" % gid, headers=AE)
    ok(s == 200 and gid and j2["data"]["tasks"][0]["status"] == "SUCCESS"
       and stock("ae", "default").get("SKU-0001") == 10, "AliExpress update-sku-stock -> group_id -> tasks SUCCESS",
       j, j2)
    s, h, j = call("POST", aeu, {"products": [{"product_id": "1005000001",
                                               "skus": [{"sku_code": "NOPE", "inventory": "1"}]}]}, AE)
    s2, h2, j2 = call("GET", "/api/v1/tasks?group_id=%s" % j["data"]["group_id"], headers=AE)
    t = j2["data"]["tasks"][0]
    ok(t["status"] == "FAILED" and t["result"]["errors"][0]["sku_code"] == "NOPE",
       "AliExpress unknown sku_code: task FAILED naming the sku", j2)
    s, h, j = call("POST", aeu, {"products": ae_ex["products"] * 1001}, AE)
    s2, h2, j2 = call("POST", aeu, ae_ex)
    ok(s == 400 and s2 == 401, "AliExpress batch of 1001 products: 400; no x-auth-token: 401", s, j, s2, j2)
    ctl("POST", "/orders", {"mp": "ae", "item": "SKU-0001"})
    ctl("POST", "/orders", {"mp": "ae", "item": "SKU-0002"})
    s, h, j = call("POST", "/seller-api/v1/order/get-order-list", {"order_statuses": [], "page_size": 1, "page": 2}, AE)
    s2, h2, j2 = call("POST", "/api/v1/stocks", {"stocks": [{"sku": "12000000001"}]}, AE)
    ok(j["data"]["total_count"] == 2 and j["data"]["orders"][0]["order_lines"][0]["sku_code"] == "SKU-0002"
       and j2["data"]["skus_info"][0]["max_sellable_quantity"] == 10,
       "AliExpress order list page/page_size and stocks read", j, j2)

    # --- faults
    ctl("POST", "/reset")
    ctl("POST", "/faults", {"count": 2, "status": 503, "path": "/api/v3/warehouses"})
    sts = [call("GET", "/api/v3/warehouses", headers=WB)[0] for _ in range(3)]
    s_other = call("GET", "/ping", headers=WB)[0]
    ok(sts == [503, 503, 200] and s_other == 200, "fault: next 2 matching requests answer 503, then normal",
       sts, s_other)
    ctl("POST", "/faults", {"count": 1, "status": 429, "retry_after": 2, "mp": "wb"})
    s, h, j = call("GET", "/api/v3/warehouses", headers=WB)
    ok(s == 429 and h.get("retry-after") == "2" and h.get("x-ratelimit-retry") == "2", "fault: WB 429 with Retry-After and X-Ratelimit-Retry", s, h)
    ctl("POST", "/faults", {"count": 1, "kind": "hang", "hang": 1.5, "path": "/ping"})
    t0 = time.monotonic()
    try:
        call("GET", "/ping", headers=WB, timeout=0.5)
        hung = False
    except (socket.timeout, TimeoutError):
        hung = True
    ok(hung and time.monotonic() - t0 < 1.4, "fault: hang past the client's timeout")
    ctl("POST", "/faults", {"count": 1, "kind": "cut", "path": "/api/v3/warehouses"})
    try:
        call("GET", "/api/v3/warehouses", headers=WB)
        cut = False
    except (http.client.IncompleteRead, ConnectionError):
        cut = True
    ok(cut, "fault: connection closed in the middle of the body")
    ctl("POST", "/faults", {"count": 1, "kind": "conflict", "path": "/api/v3/stocks"})
    before = stock("wb", 507)
    s, h, j = call("PUT", "/api/v3/stocks/507", {"stocks": [{"chrtId": 100001, "amount": 77}]}, WB)
    s2, h2, j2 = call("PUT", "/api/v3/stocks/507", {"stocks": [{"chrtId": 100001, "amount": 77}]}, WB)
    ok(s == 409 and j[0]["code"] == "StoreIsProcessing" and j[0]["data"][0]["chrtId"] == 100001
       and s2 == 204 and before.get("100001") == 5, "fault: per-item conflict (WB 409) once, then 204", j, s2)
    ok(ctl("GET", "/faults") == [] and ctl("GET", "/stats")["faults_fired"] == 6,
       "faults are used up and counted", ctl("GET", "/stats"))

    # --- log redaction
    ctl("DELETE", "/log")
    call("GET", "/api/v3/warehouses", headers=WB)
    call("POST", "/v2/warehouse/list", {"limit": 10}, OZ)
    call("POST", "/v3/businesses/777/warehouses", {}, YM)
    call("POST", "/v3/businesses/777/warehouses", {}, {"Authorization": "Bearer ym-test-key"})
    call("POST", "/api/market/v1/orderService/order/search", {"meta": {}, "data": {"token": MMTOK}})
    call("POST", "/api/v1/stocks", {"stocks": [{"sku": "12000000001"}]}, AE)
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    c.request("GET", "/_double/log")
    logtxt = c.getresponse().read().decode()
    c.close()
    lines = [json.loads(x) for x in logtxt.splitlines() if x]
    secret_free = all(x not in logtxt for x in ("wb-test-token", "ozon-test-key", "ym-test-key",
                                                 "mm-test-token", "ae-test-token"))
    oz = [e for e in lines if e["mp"] == "ozon"]
    redacted = [k.lower() for e in lines for k, v in e["headers"].items() if v == "REDACTED"]
    ok(len(lines) == 6 and [e["status"] for e in lines] == [200] * 6 and secret_free
       and sorted(set(redacted)) == ["api-key", "authorization", "x-auth-token"]
       and oz and oz[0]["headers"].get("Client-Id") == "1001"
       and any(e["mp"] == "mm" and e["body"]["data"]["token"] == "REDACTED" for e in lines)
       and all({"method", "path", "headers", "body", "status"} <= set(e) for e in lines),
       "request log (NDJSON) redacts Authorization, Api-Key, x-auth-token, data.token; keeps Client-Id",
       logtxt[:3000])

    # --- answers against the official 200 response schemas
    ctl("POST", "/reset")
    ctl("POST", "/orders", {"mp": "wb", "item": "100001", "warehouse": "507"})
    ctl("POST", "/orders", {"mp": "ozon", "item": "SKU-0001", "qty": 2, "warehouse": str(OZWH)})
    ctl("POST", "/orders", {"mp": "ym", "item": "SKU-0001", "campaign": 1111})
    oid = ctl("GET", "/orders?mp=wb")["orders"][0]["id"]
    # answers in every state lk reads: an order on assembly and a cancelled one (WB),
    # a posting handed to delivery (Ozon), a cancelled order (YM)
    wb2 = ctl("POST", "/orders", {"mp": "wb", "item": "100002", "warehouse": "507"})["id"]
    wb3 = ctl("POST", "/orders", {"mp": "wb", "item": "100003", "warehouse": "508"})["id"]
    ctl("POST", "/orders/wb/%s/confirm" % wb2)
    ctl("POST", "/orders/wb/%s/cancel" % wb3)
    oz2 = ctl("POST", "/orders", {"mp": "ozon", "item": "SKU-0002", "warehouse": str(OZWH)})["id"]
    ctl("POST", "/orders/ozon/%s/ship" % oz2, {"at": "2026-06-01T10:00:00Z"})
    ym2 = ctl("POST", "/orders", {"mp": "ym", "item": "SKU-0002", "campaign": 1111})["id"]
    ctl("POST", "/orders/ym/%s/cancel" % ym2, {"at": "2026-06-01T10:00:00Z"})
    now = int(time.time())
    calls = [
        ("wildberries.json", "/api/v3/stocks/{warehouseId}", "post", "POST", "/api/v3/stocks/507",
         {"chrtIds": [100001, 100002]}, WB),
        ("wildberries.json", "/api/v3/warehouses", "get", "GET", "/api/v3/warehouses", None, WB),
        ("wildberries.json", "/api/v3/orders/new", "get", "GET", "/api/v3/orders/new", None, WB),
        ("wildberries.json", "/api/v3/orders", "get", "GET", "/api/v3/orders?limit=10&next=0", None, WB),
        ("wildberries.json", "/api/v3/orders", "get", "GET",
         "/api/v3/orders?limit=2&next=0&dateFrom=%d&dateTo=%d" % (now - 86400, now + 60), None, WB),
        ("wildberries.json", "/api/v3/orders/status", "post", "POST", "/api/v3/orders/status",
         {"orders": [oid, wb2, wb3]}, WB),
        ("ozon.json", "/v2/products/stocks", "post", "POST", "/v2/products/stocks",
         {"stocks": [{"offer_id": "SKU-0003", "stock": 2, "warehouse_id": OZWH}]}, OZ),
        ("ozon.json", "/v4/product/info/stocks", "post", "POST", "/v4/product/info/stocks",
         {"limit": 5, "filter": {"visibility": "ALL"}}, OZ),
        ("ozon.json", "/v2/warehouse/list", "post", "POST", "/v2/warehouse/list", {"limit": 10}, OZ),
        ("ozon.json", "/v4/posting/fbs/unfulfilled/list", "post", "POST", "/v4/posting/fbs/unfulfilled/list",
         {"limit": 10, "cursor": "", "filter": {"cutoff_from": "2026-01-01T00:00:00Z",
                                                 "cutoff_to": "2027-01-01T00:00:00Z"}}, OZ),
        ("ozon.json", "/v4/posting/fbs/unfulfilled/list", "post", "POST", "/v4/posting/fbs/unfulfilled/list",
         {"limit": 10, "cursor": "", "filter": {"statuses": ["delivering", "driver_pickup"],
                                                 "warehouse_ids": [OZWH],
                                                 "delivering_date_from": "2026-05-29T00:00:00Z",
                                                 "delivering_date_to": "2026-06-02T00:00:00Z"}}, OZ),
        ("yandex-market.json", "/v2/campaigns/{campaignId}/offers/stocks", "put", "PUT",
         "/v2/campaigns/1111/offers/stocks", {"skus": [{"sku": "SKU-0001", "items": [{"count": 3}]}]}, YM),
        ("yandex-market.json", "/v2/campaigns/{campaignId}/offers/stocks", "post", "POST",
         "/v2/campaigns/1111/offers/stocks?limit=5", {}, YM),
        ("yandex-market.json", "/v3/businesses/{businessId}/offers/stocks/update", "post", "POST",
         "/v3/businesses/777/offers/stocks/update",
         {"skuItems": [{"sku": "SKU-0001", "partnerWarehouseId": 55, "count": 3}]}, YM),
        ("yandex-market.json", "/v3/businesses/{businessId}/offers/stocks", "post", "POST",
         "/v3/businesses/777/offers/stocks?limit=5", {"partnerWarehouseId": 55}, YM),
        ("yandex-market.json", "/v2/businesses/{businessId}/warehouses", "post", "POST",
         "/v2/businesses/777/warehouses?limit=1", {}, YM),
        ("yandex-market.json", "/v3/businesses/{businessId}/warehouses", "post", "POST",
         "/v3/businesses/777/warehouses?limit=1", {}, YM),
        ("yandex-market.json", "/v1/businesses/{businessId}/orders", "post", "POST",
         "/v1/businesses/777/orders?limit=5", {"statuses": ["PROCESSING"]}, YM),
        ("yandex-market.json", "/v1/businesses/{businessId}/orders", "post", "POST",
         "/v1/businesses/777/orders?limit=5", {"statuses": ["CANCELLED", "DELIVERY"], "campaignIds": [1111],
                                                "dates": {"updateDateFrom": "2026-05-29T00:00:00Z"}}, YM),
        ("yandex-market.json", "/v2/campaigns/{campaignId}/offers/stocks", "post", "POST",
         "/v2/campaigns/1111/offers/stocks", {"offerIds": ["SKU-0001", "SKU-0002"]}, YM),
    ]
    # the answers that must not be empty for the check to mean anything
    filled = {"/api/v3/orders/status": ("orders", 3), "/v1/businesses/777/orders?limit=5": ("orders", 1)}
    bad, checked = [], 0
    for f, path, method, m, url, body, hdr in calls:
        st, h, j = call(m, url, body, hdr)
        if url in filled and st == 200:
            key, least = filled[url]
            got = j
            for k in key.split("."):
                got = got.get(k, []) if isinstance(got, dict) else []
            if len(got) < least:
                bad.append("%s %s: %s has %d entries, want >= %d" % (m, url, key, len(got), least))
        v = response_validator(f, path, method)
        errs = [e for e in v.iter_errors(j)] if st == 200 else ["HTTP %s" % st]
        checked += 1
        if errs:
            bad.append("%s %s: %s" % (m, url, "; ".join(
                "%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message) if hasattr(e, "message") else str(e)
                for e in errs[:3])))
    ok(checked == len(calls) and not bad,
       "%d answers valid against the official 200 response schemas (WB, Ozon, YM)" % checked, *bad)
    v = response_validator("yandex-market.json", "/v1/businesses/{businessId}/orders", "post")
    st, h, j = call("POST", "/v1/businesses/777/orders?limit=5", {}, YM)
    j2 = json.loads(json.dumps(j))
    j2["orders"][0]["delivery"]["warehouseId"] = 55
    ok(not list(v.iter_errors(j)) and list(v.iter_errors(j2)),
       "the check can fail: an integer delivery.warehouseId breaks the YM orders schema", j)

    # --- reset + shutdown
    ctl("POST", "/reset")
    ok(stock("wb", 507) == {"100001": 5, "100002": 0} and ctl("GET", "/orders")["orders"] == [],
       "reset restores the seeded stock and drops orders", stock("wb", 507))
    try:
        s = call("POST", "/_double/shutdown")[0]
    except (OSError, http.client.HTTPException) as e:
        s = e
    try:
        rc = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    ok(s == 200 and rc == 0, "POST /_double/shutdown answers 200, then exits 0", s, rc)
    p2, port2, _ = start([], tmp, "port2")
    time.sleep(0.1)
    p2.send_signal(signal.SIGTERM)
    try:
        rc = p2.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p2.kill()
        rc = None
    ok(port2 and rc == 0, "SIGTERM exits 0", port2, rc)


if __name__ == "__main__":
    sys.exit(main())
