#!/usr/bin/python3
"""mpdouble -- a local double of the WB, Ozon, Yandex Market, MegaMarket and
AliExpress seller APIs, for lk's tests, benchmarks and demo.

Loopback only. Stdlib + Debian's python3-jsonschema. See tests/double/README.md.
"""

import argparse
import base64
import copy
import datetime
import email.utils
import gc
import json
import math
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC_DIR = "/work/shared/specs/openapi"
REDACT = "REDACTED"
SECRET_HEADERS = ("authorization", "api-key", "x-auth-token")
ALLOWED_HOSTS = ("127.0.0.1", "::1", "localhost")
MPS = ("wb", "ozon", "ym", "mm", "ae")

DEFAULT_AUTH = {"wb": "wb-test-token",
                "ozon": {"client_id": "1001", "api_key": "ozon-test-key"},
                "ym": "ym-test-key", "mm": "mm-test-token", "ae": "ae-test-token"}


def now_iso(offset=0):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)).astimezone(
        datetime.timezone(datetime.timedelta(hours=3))).isoformat(timespec="seconds")


# Listings write their bodies as text (bytes), not as a dict per item given
# to json.dumps: a 100k-item listing spent most of the double's CPU building
# and encoding those dicts.  _j(v) is v exactly as _send's json.dumps writes
# it inside a body (same separators, ensure_ascii=False), so a body built
# from _j pieces is the same bytes as json.dumps of the dict it replaces.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_str = json.encoder.encode_basestring      # what _dumps does with a str


def _j(v):
    t = type(v)
    return str(v) if t is int else _str(v) if t is str else _dumps(v)


def b64tok(n):
    return base64.urlsafe_b64encode(str(n).encode()).decode().rstrip("=")


def unb64tok(tok):
    """Page token -> offset; None if invalid."""
    if tok in (None, ""):
        return 0
    try:
        s = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)).decode()
        v = int(s)
        return v if v >= 0 else None
    except Exception:
        return None


# --------------------------------------------------------------------------
# OpenAPI request-body validators
# --------------------------------------------------------------------------

def _fix_schema(node):
    """OpenAPI 3.0 -> JSON Schema draft 7 adjustments (in place):
    nullable -> type+null; int64 strings also accept integers (protobuf JSON);
    drop Ozon's bogus date 'pattern' (' YYYY-MM-DDThh:mm:ss.mcsZ')."""
    if isinstance(node, dict):
        for v in node.values():
            _fix_schema(v)
        t = node.get("type")
        if node.get("type") == "string" and node.get("format") == "int64":
            node["type"] = ["string", "integer"]
            t = node["type"]
        if node.get("nullable") is True and t is not None:
            node["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in node:
                node["enum"] = list(node["enum"]) + [None]
        pat = node.get("pattern")
        if isinstance(pat, str) and "YYYY" in pat:
            del node["pattern"]
    elif isinstance(node, list):
        for v in node:
            _fix_schema(v)


def _inline_refs(node, doc, stack=()):
    """Resolve local $refs once at start-up (a validator without ref lookups is
    several times faster). A recursive $ref is left for the resolver."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in stack:
                return node
            target = doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _inline_refs(target, doc, stack + (ref,))
        return {k: _inline_refs(v, doc, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, doc, stack) for v in node]
    return node


# Keywords that only annotate (Draft 7 without a format checker ignores
# "format"; "nullable" and "x-*" are OpenAPI's, unknown to Draft 7).
_ANNOTATIONS = {"description", "example", "examples", "title", "default", "format", "nullable",
                "x-transform", "readOnly", "writeOnly", "deprecated"}
_TYPES = {          # a JSON type's test on the Python value x
    "object": "isinstance({x}, dict)",
    "array": "isinstance({x}, list)",
    "string": "isinstance({x}, str)",
    "integer": "(isinstance({x}, int) and not isinstance({x}, bool))",
    "number": "(isinstance({x}, (int, float)) and not isinstance({x}, bool))",
    "boolean": "isinstance({x}, bool)",
    "null": "{x} is None",
}


def _quick(schema):
    """A check that returns True only when schema surely accepts the
    instance (False: maybe not, ask jsonschema).  jsonschema walks a
    1000-item body one validator object per item; this is one plain Python
    function, written from the schema and compiled, for the common case of
    a valid body (a push of 100k items is 100k item checks: a closure per
    keyword cost most of the double's CPU).  Never kinder: a keyword it does
    not know fails the check wherever it applies."""
    consts = {}
    src = ["def check(v0):"]
    names = iter(range(1, 1 << 30))

    def const(x):
        n = "c%d" % len(consts)
        consts[n] = x
        return n

    def emit(sch, var, pad):
        src.append(pad + "pass")
        if sch is True or sch == {}:
            return
        if not isinstance(sch, dict):
            src.append(pad + "return False")
            return
        # The type first: once a single type is checked, the other keywords'
        # "applies to this type" tests are known (True: dropped; False: the
        # keyword is skipped).  The checks are pure: their order changes no
        # verdict.  A push body is 100k items through these lines.
        known = sch.get("type") if isinstance(sch.get("type"), str) and sch["type"] in _TYPES else None

        def applies(kind):
            """The test that keyword of kind applies to var: None when sure, False when never."""
            if known is None:
                return _TYPES[kind].format(x=var)
            return None if known == kind or (kind == "number" and known == "integer") else False

        def when(kind, cond):
            g = applies(kind)
            if g is not False:
                src.append(pad + "if %s: return False" % (cond if g is None else "%s and %s" % (g, cond)))

        for k, a in sorted(sch.items(), key=lambda ka: ka[0] != "type"):
            if k in _ANNOTATIONS:
                continue
            if k == "type":
                ts = a if isinstance(a, list) else [a]
                if any(t not in _TYPES for t in ts):
                    src.append(pad + "return False")
                    return
                test = " or ".join(_TYPES[t].format(x=var) for t in ts)
                src.append(pad + "if not (%s): return False" % test)
            elif k == "properties":
                g = applies("object")
                if g is False:
                    continue
                src.append(pad + "if %s:" % (g or "True"))
                src.append(pad + "    pass")
                for n, sub in a.items():
                    x = "v%d" % next(names)
                    src.append(pad + "    if %s in %s:" % (const(n), var))
                    src.append(pad + "        %s = %s[%s]" % (x, var, const(n)))
                    emit(sub, x, pad + "        ")
            elif k == "required":
                for n in a:
                    when("object", "%s not in %s" % (const(n), var))
            elif k == "items" and isinstance(a, dict):
                g = applies("array")
                if g is False:
                    continue
                x = "v%d" % next(names)
                src.append(pad + "if %s:" % (g or "True"))
                src.append(pad + "    for %s in %s:" % (x, var))
                emit(a, x, pad + "        ")
            elif k in ("minItems", "maxItems", "minLength", "maxLength"):
                op = "<" if k.startswith("min") else ">"
                when("array" if k.endswith("Items") else "string", "len(%s) %s %s" % (var, op, const(a)))
            elif k == "uniqueItems":
                when("array", "%s and len(%s) > 1" % (const(a), var))
            elif k in ("minimum", "maximum"):
                when("number", "%s %s %s" % (var, "<" if k == "minimum" else ">", const(a)))
            elif k == "pattern":
                when("string", "%s.search(%s) is None" % (const(re.compile(a)), var))
            elif k == "enum" and all(type(e) is str for e in a):
                src.append(pad + "if not (type(%s) is str and %s in %s): return False" % (var, var, const(set(a))))
            elif k == "enum":
                # the type too: 1 is no enum's True
                src.append(pad + "if not any(type(%s) is type(e) and %s == e for e in %s): return False"
                           % (var, var, const(a)))
            elif k == "anyOf":
                fs = [const(_quick(sub)) for sub in a]
                src.append(pad + "if not (%s): return False" % " or ".join("%s(%s)" % (f, var) for f in fs))
            else:
                src.append(pad + "return False")
                return

    emit(schema, "v0", "    ")
    src.append("    return True")
    ns = dict(consts)
    exec("\n".join(src), ns)
    return ns["check"]


class Specs:
    OPS = {
        "wb.put_stocks": ("wildberries.json", "/api/v3/stocks/{warehouseId}", "put"),
        "wb.read_stocks": ("wildberries.json", "/api/v3/stocks/{warehouseId}", "post"),
        "wb.delete_stocks": ("wildberries.json", "/api/v3/stocks/{warehouseId}", "delete"),
        "wb.orders_status": ("wildberries.json", "/api/v3/orders/status", "post"),
        "oz.stocks": ("ozon.json", "/v2/products/stocks", "post"),
        "oz.info_stocks": ("ozon.json", "/v4/product/info/stocks", "post"),
        "oz.wh_list": ("ozon.json", "/v2/warehouse/list", "post"),
        "oz.unfulfilled": ("ozon.json", "/v4/posting/fbs/unfulfilled/list", "post"),
        "ym.v2_update": ("yandex-market.json", "/v2/campaigns/{campaignId}/offers/stocks", "put"),
        "ym.v2_get": ("yandex-market.json", "/v2/campaigns/{campaignId}/offers/stocks", "post"),
        "ym.v3_update": ("yandex-market.json", "/v3/businesses/{businessId}/offers/stocks/update", "post"),
        "ym.v3_get": ("yandex-market.json", "/v3/businesses/{businessId}/offers/stocks", "post"),
        "ym.v3_wh": ("yandex-market.json", "/v3/businesses/{businessId}/warehouses", "post"),
        "ym.v2_wh": ("yandex-market.json", "/v2/businesses/{businessId}/warehouses", "post"),
        "ym.orders": ("yandex-market.json", "/v1/businesses/{businessId}/orders", "post"),
    }

    def __init__(self, spec_dir):
        self.docs = {}
        self.validators = {}
        self.quick = {}
        self.examples = {}
        for f in ("wildberries.json", "ozon.json", "yandex-market.json"):
            with open(os.path.join(spec_dir, f), encoding="utf-8") as fh:
                doc = json.load(fh)
            self.examples[f] = copy.deepcopy(doc)
            _fix_schema(doc.get("components", {}))
            _fix_schema(doc.get("paths", {}))
            if f == "ozon.json":
                sch = doc["components"]["schemas"]
                st = sch["productv2ProductsStocksRequestStock"]
                # quant_size is required but not defined; product_id is optional
                # when offer_id is given (public clients): UNCONFIRMED, relaxed.
                st["required"] = ["stock", "warehouse_id"]
                st["anyOf"] = [{"required": ["offer_id"]}, {"required": ["product_id"]}]
                # the official example sends sort_dir "asc": accept any case
                en = sch["posting.v4.PostingFbsUnfulfilledListRequest.SortDir.Enum"]
                en["enum"] = ["ASC", "DESC", "asc", "desc"]
            self.docs[f] = doc
        for key, (f, path, method) in self.OPS.items():
            doc = self.docs[f]
            op = doc["paths"][path][method]
            schema = _inline_refs(op["requestBody"]["content"]["application/json"]["schema"], doc)
            resolver = jsonschema.RefResolver("", doc)
            cls = jsonschema.Draft7Validator
            self.validators[key] = cls(schema, resolver=resolver)
            self.quick[key] = _quick(schema)

    def errors(self, key, body, skip=None):
        """List of error strings (empty = valid). skip(err) -> True ignores an error."""
        if self.quick[key](body):
            return []
        v = self.validators[key]
        out = []
        for e in v.iter_errors(body):
            if skip is not None and skip(e):
                continue
            loc = "/".join(str(p) for p in e.absolute_path)
            out.append(("%s: %s" % (loc, e.message)) if loc else e.message)
            if len(out) >= 5:
                break
        return out


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------

class Reject(Exception):
    """Raised by handlers to send an error response."""

    def __init__(self, resp):
        super().__init__("reject")
        self.resp = resp


class Resp:
    __slots__ = ("status", "body", "headers", "ctype", "cost")

    def __init__(self, status=200, body=None, headers=None, ctype="application/json", cost=None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.ctype = ctype
        self.cost = cost        # YM resource cost override


class Bucket:
    """WB token bucket (in double-time)."""

    def __init__(self, burst, per_min):
        self.burst0 = burst
        self.per_min0 = per_min
        self.tokens = None
        self.t = None


class Items:
    """A marketplace's seeded items, read-only after the seed, compact: a
    million items per marketplace must fit beside four other marketplaces.
    One list per field instead of a dict per item, a value equal to the
    item's key or to an earlier field of the item stored as that same
    object, the default name not stored at all.  Reading an item builds its
    dict (a fresh one each time: changing it changes nothing).  Behaves as
    a read-only mapping key -> item in seed order."""

    _NAME = object()        # the name is "Item KEY"

    def __init__(self):
        self.index = {}         # key -> row
        self.keys = []          # row -> key (the seed's order)
        self.fields = []        # field names
        self.cols = []          # cols[f][row]; _MISSING: no such field
        self._by = {}           # field -> {value: key}, built on first use

    def add(self, key, it):
        if key in self.index:   # a repeated key replaces the earlier item, as a dict did
            row = self.index[key]
        else:
            row = len(self.keys)
            self.index[key] = row
            self.keys.append(key)
            for c in self.cols:
                c.append(_MISSING)
        seen = {key: key}
        for f in it:
            if f not in self.fields:
                self.fields.append(f)
                self.cols.append([_MISSING] * len(self.keys))
        for f, c in zip(self.fields, self.cols):
            v = it.get(f, _MISSING)
            if f == "name" and v == "Item %s" % key:
                v = self._NAME
            elif isinstance(v, str):
                v = seen.setdefault(v, v)
            c[row] = v
        self._by = {}

    def cell(self, f):
        """A reader key -> field f of that item that builds no dict (listings
        read two or three fields of 100k items); KeyError as items[key][f]."""
        c = self.cols[self.fields.index(f)] if f in self.fields else None
        index, keys, name = self.index, self.keys, self._NAME

        def get(key):
            row = index[key]
            v = _MISSING if c is None else c[row]
            if v is _MISSING:
                raise KeyError(f)
            return "Item %s" % keys[row] if v is name else v
        return get

    def _item(self, row):
        key = self.keys[row]
        return {f: ("Item %s" % key if c[row] is self._NAME else c[row])
                for f, c in zip(self.fields, self.cols) if c[row] is not _MISSING}

    def canon(self, key):
        """The stored key object equal to key (so that state keyed by it does not copy strings)."""
        row = self.index.get(key)
        return key if row is None else self.keys[row]

    def by(self, field):
        """{value of field: key} over the items that have it (the last one wins)."""
        if field not in self._by:
            m = {}
            if field in self.fields:
                c = self.cols[self.fields.index(field)]
                for row, key in enumerate(self.keys):
                    if c[row] is not _MISSING:
                        m[c[row]] = key
            self._by[field] = m
        return self._by[field]

    def __getitem__(self, key):
        return self._item(self.index[key])

    def get(self, key, default=None):
        row = self.index.get(key)
        return default if row is None else self._item(row)

    def __contains__(self, key):
        return key in self.index

    def __len__(self):
        return len(self.keys)

    def __iter__(self):
        return iter(self.keys)

    def items(self):
        return ((k, self._item(r)) for r, k in enumerate(self.keys))

    def values(self):
        return (self._item(r) for r in range(len(self.keys)))


_MISSING = object()


class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.time_scale = args.time_scale
        self.rate_scale = args.rate_scale
        self.rate_limits = not args.no_rate_limits
        self.ym_parallel = args.ym_parallel
        self.ym_delay = 0.0
        self.auth = copy.deepcopy(DEFAULT_AUTH)
        for mp, flag in (("wb", args.wb_token), ("ym", args.ym_token), ("mm", args.mm_token),
                         ("ae", args.ae_token)):
            if flag:
                self.auth[mp] = flag
        if args.ozon_client_id:
            self.auth["ozon"]["client_id"] = args.ozon_client_id
        if args.ozon_api_key:
            self.auth["ozon"]["api_key"] = args.ozon_api_key
        self.flag_auth = copy.deepcopy(self.auth)
        self.initial_seed = {}
        self.clear()

    # --- whole-state helpers
    def clear(self):
        with self.lock:
            self.mp = {m: {"warehouses": {}, "items": Items(), "stock": {}} for m in MPS}
            for m in MPS:
                self.mp[m]["order"] = self.mp[m]["items"].keys
            self.mp["ym"].update({"business_id": None, "campaigns": {}})
            self.orders = {m: {} for m in MPS}
            self.next_order = 5000000
            self.log = []
            self.seq = 0
            self.faults = []
            self.fault_id = 0
            self.stats = {"requests": {m: 0 for m in MPS}, "by_status": {m: {} for m in MPS},
                          "throttled": {"wb": 0, "ozon": 0, "ozon_items": 0, "ym": 0},
                          "faults_fired": 0}
            self.buckets = {}
            self.windows = {}
            self.ozon_pair = {}
            self.ym_inflight = {}
            self.ae_groups = {}
            self.next_group = 900000
            self.updated_at = {}

    def reset(self):
        with self.lock:
            self.clear()
            self.auth = copy.deepcopy(self.flag_auth)
            self.seed(copy.deepcopy(self.initial_seed))

    def dt(self, seconds):
        """Real seconds for a documented window of `seconds`."""
        return seconds * self.time_scale

    def fmt_secs(self, real):
        if self.time_scale == 1:
            return str(max(0, int(math.ceil(real))))
        return ("%.3f" % max(0.0, real)).rstrip("0").rstrip(".") or "0"

    # --- seed
    def seed(self, s, consume=False):
        """Seeds from s; consume: s may be taken apart on the way (nobody keeps it)."""
        if not isinstance(s, dict):
            raise ValueError("seed must be an object")
        with self.lock:
            a = s.get("auth") or {}
            for m in ("wb", "ym", "mm", "ae"):
                if m in a:
                    self.auth[m] = str(a[m])
            if "ozon" in a:
                oz = a["ozon"]
                if "client_id" in oz:
                    self.auth["ozon"]["client_id"] = str(oz["client_id"])
                if "api_key" in oz:
                    self.auth["ozon"]["api_key"] = str(oz["api_key"])
            for m in MPS:
                if m in s:
                    self._seed_mp(m, s[m] or {}, consume)
            for m, whs in (s.get("stock") or {}).items():
                if m not in MPS:
                    raise ValueError("unknown marketplace in stock: %s" % m)
                for wh, items in whs.items():
                    for k, q in items.items():
                        self.mp[m]["stock"].setdefault(str(wh), {})[self.mp[m]["items"].canon(str(k))] = int(q)
            # The items' columns are lists of 100k values, read-only and
            # acyclic: out of the cycle collector's way.  Each full
            # collection walked them all, and a push of 1000 items allocates
            # enough to start one: json.loads of a 2000-item body took 14 ms
            # instead of 2.  Frozen objects are still freed by their
            # reference counts (a new seed drops the old items as before).
            gc.freeze()

    def _seed_mp(self, m, sec, consume):
        st = {"warehouses": {}, "items": Items(), "stock": {}}
        st["order"] = st["items"].keys
        if m == "ym":
            st["business_id"] = int(sec.get("business_id", 777))
            st["campaigns"] = {}
            for c in sec.get("campaigns", []):
                st["campaigns"][int(c["id"])] = {"id": int(c["id"]),
                                                 "warehouse_id": int(c.get("warehouse_id", 0))}
        whs = sec.get("warehouses")
        if whs is None and m in ("mm", "ae"):
            whs = [{"id": "default"}]
        for w in whs or []:
            w = dict(w)
            if m == "ozon":
                wid = int(w.get("warehouse_id", w.get("id")))
                w["warehouse_id"] = wid
            elif m in ("mm", "ae"):
                wid = str(w.get("id", "default"))
            else:
                wid = int(w["id"])
            w.setdefault("name", "Warehouse %s" % wid)
            st["warehouses"][wid] = w
        todo = list(sec.get("items", []))
        if consume:     # each parsed item is dropped once stored: a big seed is not held twice
            sec["items"] = None
        todo.reverse()
        i = -1
        while todo:
            i += 1
            it = dict(todo.pop())
            if m == "wb":
                it["chrtId"] = int(it["chrtId"])
                it.setdefault("nmId", 200000 + i)
                it.setdefault("vendorCode", it.get("sku", str(it["chrtId"])))
                it.setdefault("barcode", "20%011d" % it["chrtId"])
                key = str(it["chrtId"])
            elif m == "ozon":
                it.setdefault("offer_id", it.get("sku"))
                it["product_id"] = int(it.get("product_id", 300000 + i))
                it["ozon_sku"] = int(it.get("ozon_sku", it["product_id"] + 100000))
                key = str(it["offer_id"])
            elif m == "ym":
                it.setdefault("offerId", it.get("sku"))
                it.setdefault("marketSku", 100000000 + i)
                key = str(it["offerId"])
            elif m == "mm":
                it.setdefault("offerId", it.get("sku"))
                key = str(it["offerId"])
            else:
                it.setdefault("sku_code", it.get("sku"))
                it.setdefault("product_id", str(1005000000 + i))
                it.setdefault("sku_id", str(12000000000 + i))
                it["product_id"] = str(it["product_id"])
                it["sku_id"] = str(it["sku_id"])
                key = str(it["sku_code"])
            if key in (None, "None"):
                raise ValueError("%s item without its id: %r" % (m, it))
            it.setdefault("name", "Item %s" % key)
            st["items"].add(key, it)
        self.mp[m] = st
        self.orders[m] = {}

    def item_sku(self, m, key):
        it = self.mp[m]["items"].get(key)
        return it.get("sku") if it else None

    # --- rate limiting
    def wb_take(self, name, burst, per_min):
        """Check WB bucket; returns (ok, bucket). Does not deduct."""
        if not self.rate_limits:
            return True, None
        b = self.buckets.get(name)
        burst = max(1, int(round(burst * self.rate_scale)))
        rate = per_min * self.rate_scale / (60.0 * self.time_scale)  # tokens per real second
        nowt = time.monotonic()
        if b is None:
            b = {"tokens": float(burst), "t": nowt, "burst": burst, "rate": rate}
            self.buckets[name] = b
        b["burst"], b["rate"] = burst, rate
        b["tokens"] = min(float(burst), b["tokens"] + (nowt - b["t"]) * rate)
        b["t"] = nowt
        return b["tokens"] >= 1.0, b

    def window(self, name, limit, period, cost=1, check_only=False):
        """Fixed window counter in double-time. Returns (ok, used, limit, until_real_epoch)."""
        nowt = time.time()
        limit = max(1, int(limit * self.rate_scale))
        w = self.windows.get(name)
        per = self.dt(period)
        if w is None or nowt >= w["start"] + per:
            w = {"start": nowt, "used": 0}
            self.windows[name] = w
        if not self.rate_limits:
            w["used"] += 0 if check_only else cost
            return True, w["used"], limit, w["start"] + per
        if w["used"] + (cost if not check_only else 1) > limit:
            return False, w["used"], limit, w["start"] + per
        if not check_only:
            w["used"] += cost
        return True, w["used"], limit, w["start"] + per

    def sliding(self, name, limit, period):
        """Sliding-window count of requests (Ozon per-minute / per-second)."""
        if not self.rate_limits:
            return True
        nowt = time.monotonic()
        per = self.dt(period)
        limit = max(1, int(limit * self.rate_scale))
        q = self.windows.setdefault(name, [])
        while q and q[0] <= nowt - per:
            q.pop(0)
        if len(q) >= limit:
            return False
        q.append(nowt)
        return True


# --------------------------------------------------------------------------
# Error shapes per marketplace
# --------------------------------------------------------------------------

def wb_problem(status, title, detail=""):
    texts = {401: "Unauthorized", 429: "Too Many Requests"}
    return Resp(status, {"title": title, "detail": detail, "code": "mpdouble-%d" % status,
                         "requestId": "%032x" % int(time.time() * 1e6), "origin": "mpdouble",
                         "status": status, "statusText": texts.get(status, "Error"),
                         "timestamp": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")},
                ctype="application/problem+json")


def wb_err(status, code, message="", data=None):
    b = {"code": code, "message": message}
    if data is not None:
        b["data"] = data
    return Resp(status, b)


def oz_err(status, code, message):
    return Resp(status, {"code": code, "message": message, "details": []})


def ym_err(status, code, message):
    return Resp(status, {"status": "ERROR", "errors": [{"code": code, "message": message}]})


def mm_err(code, message):
    return Resp(200, {"success": 0, "meta": {}, "error": {"code": code, "message": message},
                      "data": {}})


def ae_err(status, code, message):
    return Resp(status, {"error": {"code": code, "message": message}})


def generic_error(mp, status, message="injected fault"):
    if mp == "wb":
        if status in (401, 429):
            return wb_problem(status, "too many requests" if status == 429 else "error", message)
        return wb_err(status, "InternalServerError" if status >= 500 else "Error", message)
    if mp == "ozon":
        return oz_err(status, 8 if status == 429 else (13 if status >= 500 else 3), message)
    if mp == "ym":
        code = {420: "LIMIT_EXCEEDED", 500: "INTERNAL_ERROR", 503: "SERVICE_UNAVAILABLE"}
        return ym_err(status, code.get(status, "ERROR"), message)
    if mp == "mm":
        r = mm_err("INTERNAL_ERROR" if status >= 500 else "ERROR", message)
        r.status = status
        return r
    return ae_err(status, "INTERNAL_ERROR" if status >= 500 else "ERROR", message)


# --------------------------------------------------------------------------
# Request context
# --------------------------------------------------------------------------

class Req:
    def __init__(self, method, path, query, headers, raw, mp):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.raw = raw
        self.mp = mp
        self.json = None
        self.json_ok = False
        if raw:
            try:
                self.json = json.loads(raw.decode("utf-8"))
                self.json_ok = True
            except Exception:
                pass
        self.m = None

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def hdr(self, name):
        return self.headers.get(name)


class App:
    def __init__(self, args):
        self.args = args
        self.specs = Specs(args.spec_dir)
        self.state = State(args)
        self.shutdown_cb = None
        self.shutdown_requested = False
        self.routes = []
        self._routes()

    # ------------------------------------------------------------------ routes
    def _routes(self):
        R = self.routes.append
        # Wildberries
        R(("GET", r"/ping", "wb", self.wb_ping, "wb.ping"))
        R(("GET", r"/api/v3/warehouses", "wb", self.wb_warehouses, "wb.stocks"))
        R(("PUT", r"/api/v3/stocks/(-?\d+)", "wb", self.wb_put_stocks, "wb.stocks"))
        R(("POST", r"/api/v3/stocks/(-?\d+)", "wb", self.wb_read_stocks, "wb.stocks"))
        R(("DELETE", r"/api/v3/stocks/(-?\d+)", "wb", self.wb_delete_stocks, "wb.delete"))
        R(("GET", r"/api/v3/orders/new", "wb", self.wb_orders_new, "wb.orders"))
        R(("GET", r"/api/v3/orders", "wb", self.wb_orders, "wb.orders"))
        R(("POST", r"/api/v3/orders/status", "wb", self.wb_orders_status, "wb.orders"))
        R(("POST", r"/content/v2/get/cards/list", "wb", self.wb_cards, "wb.content"))
        # Ozon
        R(("POST", r"/v2/products/stocks", "ozon", self.oz_stocks, None))
        R(("POST", r"/v4/product/info/stocks", "ozon", self.oz_info_stocks, None))
        R(("POST", r"/v2/product/info/stocks-by-warehouse/fbs", "ozon", self.oz_stocks_by_wh, None))
        R(("POST", r"/v2/warehouse/list", "ozon", self.oz_wh_list, None))
        R(("POST", r"/v4/posting/fbs/unfulfilled/list", "ozon", self.oz_unfulfilled, None))
        R(("POST", r"/v3/product/list", "ozon", self.oz_product_list, None))
        # Yandex Market
        R(("PUT", r"/v2/campaigns/(\d+)/offers/stocks", "ym", self.ym_v2_update, "campaign"))
        R(("POST", r"/v2/campaigns/(\d+)/offers/stocks", "ym", self.ym_v2_get, "campaign"))
        R(("POST", r"/v3/businesses/(\d+)/offers/stocks/update", "ym", self.ym_v3_update, "business"))
        R(("POST", r"/v3/businesses/(\d+)/offers/stocks", "ym", self.ym_v3_get, "business"))
        R(("POST", r"/v3/businesses/(\d+)/warehouses", "ym", self.ym_v3_wh, "business"))
        R(("POST", r"/v2/businesses/(\d+)/warehouses", "ym", self.ym_v2_wh, "business"))
        R(("POST", r"/v1/businesses/(\d+)/orders", "ym", self.ym_orders, "business"))
        R(("POST", r"/v2/businesses/(\d+)/offer-mappings", "ym", self.ym_offer_mappings, "business"))
        # MegaMarket
        R(("POST", r"/api/merchantIntegration/v1/offerService/stock/update", "mm", self.mm_stock_update, None))
        R(("POST", r"/api/market/v1/orderService/order/search", "mm", self.mm_order_search, None))
        R(("POST", r"/api/market/v1/orderService/order/get", "mm", self.mm_order_get, None))
        # AliExpress
        R(("POST", r"/api/v1/product/update-sku-stock", "ae", self.ae_update_stock, None))
        R(("GET", r"/api/v1/tasks", "ae", self.ae_tasks, None))
        R(("POST", r"/api/v1/stocks", "ae", self.ae_stocks, None))
        R(("POST", r"/seller-api/v1/order/get-order-list", "ae", self.ae_orders, None))
        R(("POST", r"/api/v1/scroll-short-product-by-filter", "ae", self.ae_products, None))
        self.routes = [(m, re.compile(p + r"/?$"), mp, h, rl) for (m, p, mp, h, rl) in self.routes]

    def match(self, method, path):
        """Returns (route, groups, mp-of-path) or (None, None, mp-guess)."""
        forced = None
        for pfx in MPS:
            if path.startswith("/" + pfx + "/"):
                forced = pfx
                path = path[len(pfx) + 1:]
                break
        guess = forced
        for (m, rx, mp, h, rl) in self.routes:
            mo = rx.match(path)
            if mo and (forced is None or forced == mp):
                if guess is None:
                    guess = mp
                if m == method:
                    return (m, rx, mp, h, rl), mo.groups(), mp, path
        return None, None, guess, path

    # ------------------------------------------------------------------ auth
    def check_auth(self, req):
        st = self.state
        mp = req.mp
        if mp == "wb":
            tok = req.hdr("Authorization") or ""
            if tok.startswith("Bearer "):
                tok = tok[7:]
            if tok != st.auth["wb"]:
                return wb_problem(401, "unauthorized",
                                  "empty Authorization header" if not tok else "token problem; token is invalid")
        elif mp == "ozon":
            cid, key = req.hdr("Client-Id"), req.hdr("Api-Key")
            if not cid or not key:
                return oz_err(401, 16, "Client-Id and Api-Key headers are required")
            if cid != st.auth["ozon"]["client_id"] or key != st.auth["ozon"]["api_key"]:
                return oz_err(403, 7, "Invalid Api-Key, please contact support")
        elif mp == "ym":
            tok = req.hdr("Api-Key")
            if tok is None:
                a = req.hdr("Authorization") or ""
                for p in ("Bearer ", "OAuth oauth_token=", "OAuth "):
                    if a.startswith(p):
                        tok = a[len(p):]
                        break
            if tok != st.auth["ym"]:
                return ym_err(401, "UNAUTHORIZED", "Missing or invalid authorization")
        elif mp == "mm":
            d = req.json.get("data") if isinstance(req.json, dict) else None
            tok = d.get("token") if isinstance(d, dict) else None
            if tok != st.auth["mm"]:
                return mm_err("UNAUTHORIZED", "Токен не найден или недействителен")
        elif mp == "ae":
            if req.hdr("x-auth-token") != st.auth["ae"]:
                return ae_err(401, "UNAUTHORIZED", "invalid x-auth-token")
        return None

    # ------------------------------------------------------------------ faults
    def take_fault(self, req):
        st = self.state
        with st.lock:
            for f in st.faults:
                if f["count"] <= 0:
                    continue
                if f.get("path") and f["path"] not in req.path:
                    continue
                if f.get("method") and f["method"].upper() != req.method:
                    continue
                if f.get("mp") and f["mp"] != req.mp:
                    continue
                if f.get("after", 0) > 0:
                    f["after"] -= 1
                    continue
                f["count"] -= 1
                st.stats["faults_fired"] += 1
                st.faults = [x for x in st.faults if x["count"] > 0]
                return dict(f)
        return None

    def fault_resp(self, req, f):
        st = self.state
        status = int(f.get("status", 500))
        r = generic_error(req.mp, status, f.get("message", "injected fault"))
        ra = f.get("retry_after")
        if ra is not None:
            r.headers["Retry-After"] = str(ra)
        if req.mp == "wb" and status == 429:
            r.headers["X-Ratelimit-Retry"] = str(ra if ra is not None else 1)
            r.headers["X-Ratelimit-Reset"] = str(ra if ra is not None else 1)
            r.headers["X-Ratelimit-Limit"] = "20"
        if req.mp == "ym":
            with st.lock:
                r.headers.update(self.ym_headers_static())
        return r

    def conflict_resp(self, req, f):
        code = f.get("code")
        body = req.json if isinstance(req.json, dict) else {}
        if req.mp == "wb":
            data = [{"sku": "", "chrtId": s.get("chrtId"), "amount": s.get("amount")}
                    for s in body.get("stocks", []) if isinstance(s, dict)]
            return Resp(409, [{"code": code or "StoreIsProcessing",
                               "message": "injected per-item conflict", "data": data}])
        if req.mp == "ozon":
            res = []
            for s in body.get("stocks", []) if isinstance(body.get("stocks"), list) else []:
                if isinstance(s, dict):
                    res.append({"warehouse_id": s.get("warehouse_id"), "product_id": s.get("product_id", 0),
                                "offer_id": s.get("offer_id", ""), "updated": False,
                                "errors": [{"code": code or "TOO_MANY_REQUESTS",
                                            "message": "injected per-item conflict"}]})
            return Resp(200, {"result": res})
        if req.mp == "ym":
            return ym_err(400, code or "BAD_REQUEST", "injected conflict")
        if req.mp == "mm":
            return mm_err(code or "CONFLICT", "injected conflict")
        if req.mp == "ae":
            prods = body.get("products", []) if isinstance(body.get("products"), list) else []
            tasks = []
            for p in prods:
                if isinstance(p, dict):
                    tasks.append({"product_id": str(p.get("product_id")), "status": "FAILED",
                                  "errors": [{"sku_code": s.get("sku_code"), "code": code or "CONFLICT",
                                              "message": "injected per-item conflict"}
                                             for s in p.get("skus", []) if isinstance(s, dict)]})
            with self.state.lock:
                gid = self.state.next_group
                self.state.next_group += 1
                self.state.ae_groups[gid] = tasks
            return Resp(200, {"data": {"group_id": gid}, "error": None})
        return generic_error(req.mp, 409)

    # ------------------------------------------------------------------ dispatch
    def handle(self, req, route, groups):
        """Returns a Resp. Rate-limits, auth, handler."""
        st = self.state
        h, rl = route[3], route[4]
        mp = req.mp
        if mp == "mm" and not req.json_ok:
            return mm_err("INVALID_REQUEST", "Невалидный JSON")
        a = self.check_auth(req)
        if a is not None:
            return a        # no account known: does not touch the rate-limit buckets
        if mp == "wb":
            return self.wb_limited(req, rl, lambda: self.call(h, req, groups))
        if mp == "ozon":
            with st.lock:
                ok_g = st.sliding("ozon.global", 50, 1.0)
                ok_m = True
                if ok_g and h == self.oz_stocks:
                    ok_m = st.sliding("ozon.stocks", 80, 60.0)
                if not ok_g or not ok_m:
                    st.stats["throttled"]["ozon"] += 1
            if not ok_g:
                return oz_err(429, 8, "You have reached request rate limit per second")
            if not ok_m:
                return oz_err(429, 8, "You have reached request rate limit per minute")
            return self.call(h, req, groups)
        if mp == "ym":
            return self.ym_limited(req, route, groups)
        return self.call(h, req, groups)

    def call(self, h, req, groups):
        try:
            return h(req, *groups)
        except Reject as e:
            return e.resp

    # --- WB token bucket wrapper
    WB_LIMITS = {"wb.stocks": (20, 300), "wb.orders": (20, 300), "wb.delete": (2, 10),
                 "wb.ping": (3, 6), "wb.content": (5, 100)}

    def wb_limited(self, req, rl, fn):
        st = self.state
        burst, per_min = self.WB_LIMITS[rl]
        with st.lock:
            ok, b = st.wb_take(rl, burst, per_min)
            if not ok:
                st.stats["throttled"]["wb"] += 1
                retry = (1.0 - b["tokens"]) / b["rate"]
                reset = (b["burst"] - b["tokens"]) / b["rate"]
                r = wb_problem(429, "too many requests", "limited by mpdouble bucket %s" % rl)
                r.headers.update({"X-Ratelimit-Retry": st.fmt_secs(retry),
                                  "X-Ratelimit-Reset": st.fmt_secs(reset),
                                  "X-Ratelimit-Limit": str(b["burst"])})
                return r
        r = fn()
        with st.lock:
            if b is not None:
                cost = 10 if 400 <= r.status < 500 else 1
                b["tokens"] -= cost
                r.headers["X-Ratelimit-Remaining"] = str(max(0, int(b["tokens"])))
        return r

    # --- YM parallel + resource limits
    def ym_resource(self, handler):
        # (name, amount, period seconds, cost-from-request)
        if handler == self.ym_v2_update:
            return ("v2stocks", 100000, 60)
        if handler == self.ym_v2_get:
            return ("v2getstocks", 100000, 60)
        if handler == self.ym_v3_update:
            return ("v3stocks", 50, 60)
        if handler in (self.ym_v3_wh, self.ym_v2_wh):
            return ("warehouses", 100, 3600)
        if handler == self.ym_orders:
            return ("orders", 10000, 3600)
        if handler == self.ym_v3_get:
            return ("v3getstocks", 100000, 60)
        return ("other", 10000, 3600)

    def ym_headers(self, name, used, limit, until):
        return {"X-RateLimit-Resource-Limit": str(limit),
                "X-RateLimit-Resource-Remaining": str(max(0, limit - used)),
                "X-RateLimit-Resource-Until": email.utils.formatdate(until, usegmt=True)}

    def ym_headers_static(self):
        return {"X-RateLimit-Resource-Limit": "0", "X-RateLimit-Resource-Remaining": "0",
                "X-RateLimit-Resource-Until": email.utils.formatdate(time.time(), usegmt=True)}

    def ym_limited(self, req, route, groups):
        st = self.state
        h, kind = route[3], route[4]
        ident = groups[0] if groups else "0"
        pkey = "%s:%s" % (kind, ident)
        name, amount, period = self.ym_resource(h)
        wkey = "ym.%s.%s" % (name, ident)
        plimit = st.ym_parallel if h != self.ym_orders else max(st.ym_parallel, 6)
        with st.lock:
            n = st.ym_inflight.get(pkey, 0)
            if st.rate_limits and n >= plimit:
                st.stats["throttled"]["ym"] += 1
                ok, used, limit, until = st.window(wkey, amount, period, check_only=True)
                r = ym_err(420, "LIMIT_EXCEEDED", "Hit rate limit of %d parallel requests for %s %s"
                           % (plimit, "campaignId" if kind == "campaign" else "businessId", ident))
                r.headers.update(self.ym_headers(name, used, limit, until))
                return r
            ok, used, limit, until = st.window(wkey, amount, period, check_only=True)
            if not ok:
                st.stats["throttled"]["ym"] += 1
                r = ym_err(420, "LIMIT_EXCEEDED", "Resource limit exceeded: %s" % name)
                r.headers.update(self.ym_headers(name, used, limit, until))
                return r
            st.ym_inflight[pkey] = n + 1
            delay = st.ym_delay
        try:
            if delay:
                time.sleep(delay)
            r = self.call(h, req, groups)
        finally:
            with st.lock:
                st.ym_inflight[pkey] -= 1
        cost = 1
        if h == self.ym_v2_update and isinstance(req.json, dict) and isinstance(req.json.get("skus"), list):
            cost = max(1, len(req.json["skus"]))
        if r.cost is not None:
            cost = r.cost
        with st.lock:
            # 2xx and 4xx both consume the quota
            st.window(wkey, amount, period, cost=0)          # roll the window if it expired
            w = st.windows[wkey]
            w["used"] += cost
            limit = max(1, int(amount * st.rate_scale))
            r.headers.update(self.ym_headers(name, w["used"], limit, w["start"] + st.dt(period)))
        return r

    # ------------------------------------------------------------------ helpers
    def need_json(self, req, mp, obj=True):
        if not req.json_ok or (obj and not isinstance(req.json, dict)):
            if mp == "wb":
                raise Reject(wb_err(400, "IncorrectRequestBody", "Incorrect required body"))
            if mp == "ozon":
                raise Reject(oz_err(400, 3, "invalid request payload: malformed JSON"))
            if mp == "ym":
                raise Reject(ym_err(400, "BAD_REQUEST", "Invalid JSON in request body"))
            if mp == "mm":
                raise Reject(mm_err("INVALID_REQUEST", "Невалидный JSON"))
            raise Reject(ae_err(400, "BAD_REQUEST", "invalid JSON"))
        return req.json

    def validate(self, key, req, mp, skip=None):
        errs = self.specs.errors(key, req.json, skip)
        if errs:
            msg = "; ".join(errs)
            if mp == "wb":
                raise Reject(wb_err(400, "IncorrectRequestBody", msg))
            if mp == "ozon":
                raise Reject(oz_err(400, 3, "Request validation error: " + msg))
            raise Reject(ym_err(400, "BAD_REQUEST", msg))

    # ================================================================== WB
    def wb_ping(self, req):
        return Resp(200, {"TS": now_iso(), "Status": "OK"})

    def wb_warehouses(self, req):
        st = self.state
        with st.lock:
            out = []
            for wid, w in st.mp["wb"]["warehouses"].items():
                out.append({"id": wid, "name": w.get("name"), "officeId": int(w.get("officeId", 0)),
                            "cargoType": int(w.get("cargoType", 1)),
                            "deliveryType": int(w.get("deliveryType", 1)),
                            "isDeleting": bool(w.get("isDeleting", False)),
                            "isProcessing": bool(w.get("isProcessing", False))})
        return Resp(200, out)

    def _wb_wh(self, wh):
        w = self.state.mp["wb"]["warehouses"].get(int(wh))
        if w is None:
            raise Reject(wb_err(404, "NotFound", "Warehouse not found"))
        return w

    def wb_put_stocks(self, req, wh):
        body = self.need_json(req, "wb")
        stocks = body.get("stocks")
        if isinstance(stocks, list):
            for s in stocks:
                if isinstance(s, dict) and "sku" in s:
                    return wb_err(400, "SKUUploadDisabled",
                                  "Uploading stock is not allowed by 'sku'. Please use the 'chrtId' key")
        # amount > 100000 is a per-item 409 UploadDataLimit, not a 400
        self.validate("wb.put_stocks", req, "wb",
                      skip=lambda e: e.validator == "maximum" and list(e.absolute_path)[-1:] == ["amount"])
        st = self.state
        with st.lock:
            w = self._wb_wh(wh)
            if w.get("isProcessing") or w.get("isDeleting"):
                return Resp(409, [{"code": "StoreIsProcessing",
                                   "message": "The warehouse is being processed. Try again later",
                                   "data": [{"sku": "", "chrtId": s.get("chrtId"), "amount": s.get("amount")}
                                            for s in stocks]}])
            items = st.mp["wb"]["items"]
            bad = {}
            apply = []
            for s in stocks:
                if "chrtId" not in s or "amount" not in s:
                    continue        # "parameter names are not validated": ignored, still 204
                c, a = s["chrtId"], s["amount"]
                if str(c) not in items:
                    bad.setdefault("NotFound", []).append({"sku": "", "chrtId": c, "amount": a})
                elif a > 100000:
                    bad.setdefault("UploadDataLimit", []).append({"sku": "", "chrtId": c, "amount": a})
                elif a < 0:
                    bad.setdefault("IncorrectParameter", []).append({"sku": "", "chrtId": c, "amount": a})
                else:
                    apply.append((items.canon(str(c)), a))
            if bad:
                msgs = {"NotFound": "Not found", "IncorrectParameter": "Incorrect amount",
                        "UploadDataLimit": "Exceeded the limit of the uploaded data"}
                return Resp(409, [{"code": k, "message": msgs[k], "data": v} for k, v in bad.items()])
            d = st.mp["wb"]["stock"].setdefault(str(int(wh)), {})
            for c, a in apply:
                d[c] = a
        return Resp(204, None)

    def wb_read_stocks(self, req, wh):
        self.need_json(req, "wb")
        self.validate("wb.read_stocks", req, "wb")
        st = self.state
        with st.lock:
            self._wb_wh(wh)
            d = st.mp["wb"]["stock"].get(str(int(wh)), {})
            out = []
            for c in req.json["chrtIds"]:
                a = d.get(str(c), _MISSING)
                if a is not _MISSING:
                    out.append('{"chrtId":%s,"amount":%s}' % (_j(c), _j(a)))
        return Resp(200, ('{"stocks":[%s]}' % ",".join(out)).encode("utf-8"))

    def wb_delete_stocks(self, req, wh):
        self.need_json(req, "wb")
        self.validate("wb.delete_stocks", req, "wb")
        st = self.state
        with st.lock:
            w = self._wb_wh(wh)
            if w.get("isProcessing"):
                return wb_err(409, "StoreIsProcessing", "The warehouse is being processed")
            d = st.mp["wb"]["stock"].get(str(int(wh)), {})
            ids = [str(c) for c in req.json["chrtIds"]]
            if not any(c in d for c in ids):
                return wb_err(404, "NotFound", "")
            for c in ids:
                d.pop(c, None)
        return Resp(204, None)

    def _wb_order(self, o):
        it = self.state.mp["wb"]["items"].get(o["item"], {})
        return {"id": o["id"], "rid": "rid-%d" % o["id"], "orderUid": "uid-%d" % o["id"],
                "createdAt": o["createdAt"], "warehouseId": int(o["warehouse"]) if o["warehouse"] else 0,
                "officeId": 15, "nmId": it.get("nmId", 0), "chrtId": int(o["item"]),
                "article": it.get("vendorCode", ""), "skus": [it.get("barcode", "")],
                "isZeroOrder": False, "cargoType": 1, "deliveryType": "fbs",
                "price": 100000, "convertedPrice": 100000, "currencyCode": 643,
                "convertedCurrencyCode": 643, "colorCode": "", "comment": "", "offices": [],
                "options": {"isB2b": False}, "scanPrice": None, "address": None}

    def wb_orders_new(self, req):
        st = self.state
        with st.lock:
            out = [self._wb_order(o) for o in st.orders["wb"].values() if o["status"] == "new"]
        return Resp(200, {"orders": out})

    def wb_orders(self, req):
        try:
            limit = int(req.q("limit"))
            nxt = int(req.q("next", "0"))
            dfrom = req.q("dateFrom")
            dto = req.q("dateTo")
            dfrom = int(dfrom) if dfrom is not None else None
            dto = int(dto) if dto is not None else None
        except (TypeError, ValueError):
            return wb_err(400, "IncorrectParameter", "Передан некорректный параметр")
        if not 1 <= limit <= 1000 or nxt < 0:
            return wb_err(400, "IncorrectParameter", "Передан некорректный параметр")
        if dfrom is not None and dto is not None and (dto < dfrom or dto - dfrom > 30 * 86400):
            return wb_err(400, "IncorrectParameter", "Period must not exceed 30 days")
        st = self.state
        with st.lock:
            allo = sorted(st.orders["wb"].values(), key=lambda o: o["id"])
            sel = [o for o in allo if o["id"] > nxt
                   and (dfrom is None or o["ts"] >= dfrom) and (dto is None or o["ts"] <= dto)]
            page = sel[:limit]
            out = [self._wb_order(o) for o in page]
        return Resp(200, {"next": page[-1]["id"] if page else nxt, "orders": out})

    WB_WBSTATUS = {"new": "waiting", "confirm": "waiting", "complete": "sold", "cancel": "canceled"}

    def wb_orders_status(self, req):
        self.need_json(req, "wb")
        self.validate("wb.orders_status", req, "wb")
        st = self.state
        with st.lock:
            out = []
            for i in req.json["orders"]:
                o = st.orders["wb"].get(str(i))
                if o:
                    out.append({"id": o["id"], "supplierStatus": o["status"],
                                "wbStatus": self.WB_WBSTATUS.get(o["status"], "waiting"),
                                "isCancellable": o["status"] in ("new", "confirm")})
        return Resp(200, {"orders": out})

    def wb_cards(self, req):
        body = self.need_json(req, "wb")
        settings = body.get("settings") or {}
        cur = settings.get("cursor") or {}
        if not isinstance(cur, dict):
            return wb_err(400, "IncorrectRequestBody", "settings.cursor must be an object")
        limit = cur.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            return wb_err(400, "IncorrectRequestBody", "cursor.limit must be 1..100")
        after = cur.get("nmID")
        st = self.state
        with st.lock:
            cards = {}
            for key in st.mp["wb"]["order"]:
                it = st.mp["wb"]["items"][key]
                c = cards.setdefault(it["nmId"], {"nmID": it["nmId"], "imtID": it["nmId"] + 1000000,
                                                  "vendorCode": it.get("vendorCode"),
                                                  "title": it.get("name"), "sizes": [],
                                                  "updatedAt": "2026-01-01T00:00:00.000Z"})
                c["sizes"].append({"chrtID": it["chrtId"], "techSize": it.get("techSize", "0"),
                                   "skus": [it["barcode"]] if it.get("barcode") else []})
            ordered = [cards[k] for k in sorted(cards)]
        if after is not None:
            ordered = [c for c in ordered if c["nmID"] > after]
        page = ordered[:limit]
        cursor = {"total": len(page)}
        if page:
            cursor.update({"updatedAt": page[-1]["updatedAt"], "nmID": page[-1]["nmID"]})
        return Resp(200, {"cards": page, "cursor": cursor})

    # ================================================================== Ozon
    OZ_OPEN = ("awaiting_registration", "acceptance_in_progress", "awaiting_approve",
               "awaiting_packaging", "awaiting_deliver", "arbitration", "client_arbitration")

    def oz_stocks(self, req):
        body = self.need_json(req, "ozon")
        stocks = body.get("stocks")
        if isinstance(stocks, list) and len(stocks) > 100:
            return oz_err(400, 3, "Request validation error: invalid ProductsStocksRequest.Stocks: "
                          "value must contain at most 100 item(s)")
        if isinstance(stocks, list):
            for i, s in enumerate(stocks):
                if isinstance(s, dict) and "warehouse_id" not in s:
                    return oz_err(400, 3, "Request validation error: invalid ProductsStocksRequest.Stocks[%d]: "
                                  "embedded message failed validation | caused by: invalid "
                                  "ProductsStocksRequest_Stock.WarehouseId: value must be greater than 0" % i)
        self.validate("oz.stocks", req, "ozon")
        st = self.state
        res = []
        nowt = time.monotonic()
        window = st.dt(30.0)
        with st.lock:
            m = st.mp["ozon"]
            oid_of, pid_of = m["items"].cell("offer_id"), m["items"].cell("product_id")
            for s in stocks:
                off = s.get("offer_id")
                pid = s.get("product_id")
                key = str(off) if off not in (None, "") else m["items"].by("product_id").get(int(pid)) if pid not in (None, "") else None
                it = bool(key) and key in m["items"]
                wid = int(s["warehouse_id"])
                # the answer's text, as json.dumps wrote the dict {"warehouse_id",
                # "product_id", "offer_id", "updated", "errors"} (see _j)
                r = '{"warehouse_id":%d,"product_id":%s,"offer_id":%s,"updated":' % (
                    wid, _j(pid_of(key) if it else int(pid or 0)), _j(oid_of(key) if it else (off or "")))
                err = None
                if wid not in m["warehouses"]:
                    err = ("WAREHOUSE_NOT_FOUND", "warehouse has wrong id: %d" % wid)
                elif not it:
                    err = ("NOT_FOUND_ERROR", "Product not found") if off in (None, "") else \
                        ("NOT_FOUND_ERROR", "offer_id not found: %s" % off)
                elif int(s["stock"]) >= 1000000:
                    err = ("STOCK_TOO_BIG", "stock must be less than 1000000")
                elif int(s["stock"]) < 0:
                    err = ("NEGATIVE_STOCK", "stock must not be negative")
                elif st.rate_limits and nowt - st.ozon_pair.get(wid, {}).get(key, -1e18) < window:
                    err = ("TOO_MANY_REQUESTS", "Stock is updated too frequently")
                    st.stats["throttled"]["ozon_items"] += 1
                if err:
                    r += 'false,"errors":%s}' % _dumps([{"code": err[0], "message": err[1]}])
                else:
                    key = m["items"].canon(key)
                    m["stock"].setdefault(str(wid), {})[key] = int(s["stock"])
                    st.ozon_pair.setdefault(wid, {})[key] = nowt
                    r += 'true,"errors":[]}'
                res.append(r)
        return Resp(200, ('{"result":[%s]}' % ",".join(res)).encode("utf-8"))

    def _oz_reserved_all(self):
        """{(item, warehouse as str): units} of the open orders, once per request (not per item)."""
        out = {}
        for o in self.state.orders["ozon"].values():
            if o["status"] in self.OZ_OPEN:
                k = (o["item"], str(o["warehouse"]))
                out[k] = out.get(k, 0) + o["qty"]
        return out

    def oz_info_stocks(self, req):
        self.need_json(req, "ozon")
        self.validate("oz.info_stocks", req, "ozon")
        body = req.json
        limit = body["limit"]
        if not 1 <= limit <= 1000:
            return oz_err(400, 3, "Request validation error: limit must be in 1..1000")
        off = unb64tok(body.get("cursor") or "")
        if off is None:
            return oz_err(400, 3, "invalid cursor")
        flt = body.get("filter") or {}
        st = self.state
        with st.lock:
            m = st.mp["ozon"]
            keys = oz_filter(m, flt)
            total = len(keys)
            page = keys[off:off + limit]
            items = []
            reserved = self._oz_reserved_all()
            # the warehouses' scheme, once per request, not once per item; a
            # stock warehouse that is no number fails (int()) only when an
            # item of the page is in it, as it always did
            whs = []
            for wid, d in m["stock"].items():
                try:
                    w = m["warehouses"].get(int(wid), m["warehouses"].get(wid, {}))
                    whs.append((d, str(wid), "rfbs" if w.get("is_rfbs") else "fbs", int(wid)))
                except ValueError:
                    whs.append((d, str(wid), None, wid))
            oid, pid, sku = (m["items"].cell(f) for f in ("offer_id", "product_id", "ozon_sku"))
            for k in page:
                # one entry per scheme (fbs / rfbs), summed over its warehouses [OZ-OAS]
                by_type = {}
                for d, wids, typ, wid in whs:
                    if k in d:
                        if typ is None:
                            int(wid)
                        t = by_type.setdefault(typ, [0, 0, []])
                        rsv = reserved.get((k, wids), 0) if reserved else 0
                        t[0] += d[k] + rsv
                        t[1] += rsv
                        t[2].append(str(wid))
                if not by_type:
                    by_type["fbs"] = [0, 0, []]
                head = '{"offer_id":%s,"product_id":%s,"stocks":[' % (_j(oid(k)), _j(pid(k)))
                sk = _j(sku(k))
                items.append(head + ",".join(
                    '{"type":"%s","present":%s,"reserved":%s,"sku":%s,"shipment_type":"SHIPMENT_TYPE_GENERAL",'
                    '"warehouse_ids":[%s]}' % (t, _j(v[0]), _j(v[1]), sk, ",".join(v[2]))
                    for t, v in sorted(by_type.items())) + "]}")
        nxt = off + len(page)
        return Resp(200, ('{"items":[%s],"total":%d,"cursor":%s}' % (
            ",".join(items), total, _j(b64tok(nxt) if nxt < total else ""))).encode("utf-8"))

    def oz_stocks_by_wh(self, req):
        body = self.need_json(req, "ozon")
        skus = body.get("sku")
        if not isinstance(skus, list) or not skus or len(skus) > 500:
            return oz_err(400, 3, "Request validation error: sku must contain 1..500 items")
        st = self.state
        res = []
        with st.lock:
            m = st.mp["ozon"]
            reserved = self._oz_reserved_all()
            for s in skus:
                try:
                    k = m["items"].by("ozon_sku").get(int(s))
                except (TypeError, ValueError):
                    return oz_err(400, 3, "Request validation error: invalid sku %r" % (s,))
                if k is None:
                    continue
                it = m["items"][k]
                for wid, w in m["warehouses"].items():
                    d = m["stock"].get(str(wid), {})
                    if k in d:
                        rsv = reserved.get((k, str(wid)), 0)
                        res.append({"sku": it["ozon_sku"], "fbs_sku": it["ozon_sku"],
                                    "product_id": it["product_id"], "offer_id": it["offer_id"],
                                    "present": d[k] + rsv, "reserved": rsv, "warehouse_id": wid,
                                    "warehouse_name": w.get("name")})
        return Resp(200, {"result": res})

    def oz_wh_list(self, req):
        self.need_json(req, "ozon")
        self.validate("oz.wh_list", req, "ozon")
        body = req.json
        limit = body["limit"] or 200      # protobuf: 0 means unset (the official example sends 0)
        if not 1 <= limit <= 200:
            return oz_err(400, 3, "Request validation error: limit must be in 1..200")
        off = unb64tok(body.get("cursor") or "")
        if off is None:
            return oz_err(400, 3, "invalid cursor")
        st = self.state
        with st.lock:
            whs = list(st.mp["ozon"]["warehouses"].values())
        if body.get("warehouse_ids"):
            want = set(int(x) for x in body["warehouse_ids"])
            whs = [w for w in whs if w["warehouse_id"] in want]
        page = whs[off:off + limit]
        out = [{"warehouse_id": w["warehouse_id"], "name": w.get("name"),
                "status": w.get("status", "created"), "is_rfbs": bool(w.get("is_rfbs", False)),
                "is_kgt": bool(w.get("is_kgt", False)), "is_express": bool(w.get("is_express", False)),
                "warehouse_type": w.get("warehouse_type", "FBS")} for w in page]
        nxt = off + len(page)
        return Resp(200, {"warehouses": out, "cursor": b64tok(nxt) if nxt < len(whs) else "",
                          "has_next": nxt < len(whs)})

    def _oz_posting(self, o):
        st = self.state
        it = st.mp["ozon"]["items"].get(o["item"], {})
        wid = int(o["warehouse"]) if o["warehouse"] else 0
        w = st.mp["ozon"]["warehouses"].get(wid, {})
        d = {"posting_number": o["id"], "order_id": o["num"], "order_number": "%d-0001" % o["num"],
                "status": o["status"], "substatus": "posting_created", "in_process_at": o["createdAt"],
                "shipment_date": o["createdAt"],
                "delivery_method": {"id": 1, "name": "mpdouble", "warehouse_id": wid,
                                    "warehouse": w.get("name", ""), "tpl_provider_id": 1, "tpl_provider": "Ozon"},
                "products": [{"offer_id": it.get("offer_id", o["item"]), "sku": it.get("ozon_sku", 0),
                              "quantity": o["qty"], "name": it.get("name", ""),
                              "price": {"amount": "100.0000", "currency": "RUB"},
                              "currency_code": "RUB"}]}
        if o.get("deliveringAt"):
            # delivering_date: "Дата передачи отправления в доставку" [OZ-OAS Postings]
            d["delivering_date"] = o["deliveringAt"]
        return d

    def oz_unfulfilled(self, req):
        self.need_json(req, "ozon")
        self.validate("oz.unfulfilled", req, "ozon")
        body = req.json
        limit = body.get("limit", 100)
        flt = body.get("filter") or {}
        if ("cutoff_from" in flt or "cutoff_to" in flt) and \
                ("delivering_date_from" in flt or "delivering_date_to" in flt):
            return oz_err(400, 3, "use either cutoff or delivering_date filter, not both")
        off = unb64tok(body.get("cursor") or "")
        if off is None:
            return oz_err(400, 3, "invalid cursor")
        statuses = flt.get("statuses") or list(self.OZ_OPEN)
        whf = set(str(x) for x in (flt.get("warehouse_ids") or []))
        dfrom, dto = flt.get("delivering_date_from"), flt.get("delivering_date_to")
        dfrom = self._at({"at": dfrom})[1] if dfrom else None
        dto = self._at({"at": dto})[1] if dto else None
        st = self.state
        with st.lock:
            sel = [o for o in st.orders["ozon"].values() if o["status"] in statuses
                   and (not whf or str(o["warehouse"]) in whf)]
            if dfrom is not None or dto is not None:
                # filter.delivering_date_from/to: postings handed to delivery then [OZ-OAS]
                sel = [o for o in sel if o.get("deliveringAt")
                       and (dfrom is None or self._at({"at": o["deliveringAt"]})[1] >= dfrom)
                       and (dto is None or self._at({"at": o["deliveringAt"]})[1] <= dto)]
            if str(body.get("sort_dir", "ASC")).upper() == "DESC":
                sel.reverse()
            page = sel[off:off + limit]
            out = [self._oz_posting(o) for o in page]
        nxt = off + len(page)
        return Resp(200, {"postings": out, "count": len(out), "has_next": nxt < len(sel),
                          "cursor": b64tok(nxt) if nxt < len(sel) else ""})

    def oz_product_list(self, req):
        body = self.need_json(req, "ozon")
        limit = body.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            return oz_err(400, 3, "Request validation error: limit must be in 1..1000")
        off = unb64tok(body.get("last_id") or "")
        if off is None:
            return oz_err(400, 3, "invalid last_id")
        flt = body.get("filter") or {}
        st = self.state
        with st.lock:
            m = st.mp["ozon"]
            keys = oz_filter(m, flt)
            page = keys[off:off + limit]
            items = [{"product_id": m["items"][k]["product_id"], "offer_id": m["items"][k]["offer_id"],
                      "has_fbo_stocks": False, "has_fbs_stocks": any(k in d for d in m["stock"].values()),
                      "archived": False, "is_discounted": False, "quants": []} for k in page]
        nxt = off + len(page)
        return Resp(200, {"result": {"items": items, "total": len(keys),
                                     "last_id": b64tok(nxt) if nxt < len(keys) else ""}})

    # ================================================================== YM
    def _ym_campaign(self, cid):
        c = self.state.mp["ym"]["campaigns"].get(int(cid))
        if c is None:
            raise Reject(ym_err(403, "FORBIDDEN", "Access denied to campaignId %s" % cid))
        return c

    def _ym_business(self, bid):
        if self.state.mp["ym"].get("business_id") != int(bid):
            raise Reject(ym_err(403, "FORBIDDEN", "Access denied to businessId %s" % bid))

    def _ym_limit(self, req, maximum, default):
        v = req.q("limit")
        if v is None:
            return default
        try:
            v = int(v)
        except ValueError:
            raise Reject(ym_err(400, "BAD_REQUEST", "limit must be an integer"))
        if v < 1:
            raise Reject(ym_err(400, "BAD_REQUEST", "limit must be >= 1"))
        return min(v, maximum)       # x-transform: truncateLimit

    def _ym_page(self, req):
        tok = req.q("pageToken", req.q("page_token"))
        off = unb64tok(tok)
        if off is None:
            raise Reject(ym_err(400, "BAD_REQUEST", "Invalid pageToken"))
        return off

    def _ym_apply(self, pairs):
        """pairs: list of (sku, warehouse_id, count). All-or-nothing."""
        st = self.state
        m = st.mp["ym"]
        missing = [s for s, w, c in pairs if s not in m["items"]]
        if missing:
            raise Reject(ym_err(400, "OFFER_NOT_FOUND", "Offers not found: %s" % ", ".join(missing[:20])))
        nowi = now_iso()
        dicts = {}      # str(w) -> its (stock, updated_at) dicts, looked up once per request
        for s, w, c in pairs:
            s = m["items"].canon(s)
            w = str(w)
            d = dicts.get(w)
            if d is None:
                d = dicts[w] = (m["stock"].setdefault(w, {}), st.updated_at.setdefault(("ym", w), {}))
            d[0][s] = c
            d[1][s] = nowi

    def ym_v2_update(self, req, cid):
        self.need_json(req, "ym")
        self.validate("ym.v2_update", req, "ym")
        skus = req.json["skus"]
        seen = set()
        for s in skus:
            k = s["sku"].strip()
            if k in seen:
                return ym_err(400, "DUPLICATE_SKU", "Duplicate sku in request: %s" % k)
            seen.add(k)
        st = self.state
        with st.lock:
            c = self._ym_campaign(cid)
            wkey = "ym.v2stocks.%s" % cid
            ok, used, limit, until = st.window(wkey, 100000, 60, cost=0, check_only=True)
            if st.rate_limits and used + len(skus) > limit:
                st.stats["throttled"]["ym"] += 1
                r = ym_err(420, "LIMIT_EXCEEDED", "Resource limit exceeded: %d skus per minute" % limit)
                r.cost = 0
                return r
            self._ym_apply([(s["sku"].strip(), c["warehouse_id"], s["items"][0]["count"]) for s in skus])
        return Resp(200, {"status": "OK"})

    def ym_v3_update(self, req, bid):
        self.need_json(req, "ym")
        self.validate("ym.v3_update", req, "ym")
        items = req.json["skuItems"]
        seen = set()
        for s in items:
            k = (s["sku"].strip(), s["partnerWarehouseId"])
            if k in seen:
                return ym_err(400, "DUPLICATE_SKU", "Duplicate (sku, partnerWarehouseId): %s, %s" % k)
            seen.add(k)
        st = self.state
        with st.lock:
            self._ym_business(bid)
            whs = st.mp["ym"]["warehouses"]
            badw = sorted(set(s["partnerWarehouseId"] for s in items if s["partnerWarehouseId"] not in whs))
            if badw:
                return ym_err(400, "WAREHOUSE_NOT_FOUND", "Unknown partnerWarehouseId: %s"
                              % ", ".join(str(x) for x in badw))
            self._ym_apply([(s["sku"].strip(), s["partnerWarehouseId"], s["count"]) for s in items])
        return Resp(200, {"status": "OK"})

    def _ym_offers(self, wid, keys):
        """The offers of keys in the warehouse as JSON text, and their number.
        The reserve of the open orders and "now" (the time of an offer never
        updated) are taken once per request, not once per offer."""
        st = self.state
        d = st.mp["ym"]["stock"].get(str(wid), {})
        rsv = {}
        for o in st.orders["ym"].values():
            if o["status"] == "PROCESSING" and str(o["warehouse"]) == str(wid):
                rsv[o["item"]] = rsv.get(o["item"], 0) + o["qty"]
        upd = st.updated_at.get(("ym", str(wid)), {})
        now = None
        out = []
        for k in keys:
            if k in d:
                u = upd.get(k)
                if u is None:
                    u = now = now or now_iso()
                out.append('{"offerId":%s,"stocks":[{"type":"AVAILABLE","count":%s},'
                           '{"type":"FIT","count":%s}],"updatedAt":%s}'
                           % (_j(k), _j(d[k]), _j(d[k] + rsv.get(k, 0)), _j(u)))
        return ",".join(out), len(out)

    def ym_v2_get(self, req, cid):
        self.need_json(req, "ym", obj=False) if req.raw else None
        if req.json is None:
            req.json = {}
        self.validate("ym.v2_get", req, "ym")
        limit = self._ym_limit(req, 100, 100)
        off = self._ym_page(req)
        st = self.state
        with st.lock:
            c = self._ym_campaign(cid)
            keys = req.json.get("offerIds")
            if keys:
                keys = [k.strip() for k in keys]
                page, nxt = keys, None
            else:
                allk = st.mp["ym"]["order"]       # sliced, not copied: one page costs its page
                page = allk[off:off + limit]
                nxt = off + len(page) if off + len(page) < len(allk) else None
            offers, n = self._ym_offers(c["warehouse_id"], page)
        paging = ',"paging":{"nextPageToken":%s}' % _j(b64tok(nxt)) if nxt is not None else ""
        r = Resp(200, ('{"status":"OK","result":{"warehouses":[{"warehouseId":%s,"offers":[%s]}]%s}}'
                       % (_j(c["warehouse_id"]), offers, paging)).encode("utf-8"))
        r.cost = max(1, n)
        return r

    def ym_v3_get(self, req, bid):
        self.need_json(req, "ym")
        self.validate("ym.v3_get", req, "ym")
        limit = self._ym_limit(req, 100, 100)
        off = self._ym_page(req)
        st = self.state
        with st.lock:
            self._ym_business(bid)
            wid = req.json["partnerWarehouseId"]
            if wid not in st.mp["ym"]["warehouses"]:
                return ym_err(404, "NOT_FOUND", "Warehouse %s not found" % wid)
            keys = req.json.get("offerIds")
            if keys:
                page, nxt = [k.strip() for k in keys], None
            else:
                allk = st.mp["ym"]["order"]
                page = allk[off:off + limit]
                nxt = off + len(page) if off + len(page) < len(allk) else None
            offers, n = self._ym_offers(wid, page)
        paging = ',"paging":{"nextPageToken":%s}' % _j(b64tok(nxt)) if nxt is not None else ""
        return Resp(200, ('{"status":"OK","result":{"partnerWarehouseId":%s,"offers":[%s]%s}}'
                          % (_j(wid), offers, paging)).encode("utf-8"))

    def ym_v3_wh(self, req, bid):
        if not req.raw:
            req.json, req.json_ok = {}, True
        self.need_json(req, "ym")
        self.validate("ym.v3_wh", req, "ym")
        limit = self._ym_limit(req, 30, 15)
        off = self._ym_page(req)
        st = self.state
        with st.lock:
            self._ym_business(bid)
            whs = list(st.mp["ym"]["warehouses"].values())
        if req.json.get("warehouseIds"):
            want = set(req.json["warehouseIds"])
            whs = [w for w in whs if int(w["id"]) in want]
        page = whs[off:off + limit]
        res = {"warehouses": [{"id": int(w["id"]), "name": w.get("name"),
                               "models": [{"placementType": w.get("placementType", "FBS"),
                                           "apiAvailability": "AVAILABLE"}]} for w in page]}
        if off + len(page) < len(whs):
            res["paging"] = {"nextPageToken": b64tok(off + len(page))}
        return Resp(200, {"status": "OK", "result": res})

    def ym_v2_wh(self, req, bid):
        # getPagedWarehouses: pageToken paging, limit 1..30, default 15 (PageLimit30) [YM-OAS]
        if not req.raw:
            req.json, req.json_ok = {}, True
        self.need_json(req, "ym")
        self.validate("ym.v2_wh", req, "ym")
        limit = self._ym_limit(req, 30, 15)
        off = self._ym_page(req)
        st = self.state
        with st.lock:
            self._ym_business(bid)
            camp = {c["warehouse_id"]: cid for cid, c in st.mp["ym"]["campaigns"].items()}
            whs = [{"id": int(w["id"]), "name": w.get("name"), "campaignId": camp.get(int(w["id"]), 0),
                    "express": False}
                   for w in st.mp["ym"]["warehouses"].values()]
        if req.json.get("campaignIds"):
            want = set(req.json["campaignIds"])
            whs = [w for w in whs if w["campaignId"] in want]
        page = whs[off:off + limit]
        res = {"warehouses": page}
        if off + len(page) < len(whs):
            res["paging"] = {"nextPageToken": b64tok(off + len(page))}
        return Resp(200, {"status": "OK", "result": res})

    def _ym_order(self, o):
        it = self.state.mp["ym"]["items"].get(o["item"], {})
        return {"orderId": o["num"], "campaignId": o.get("campaign") or 0, "programType": "FBS",
                "status": o["status"], "substatus": o.get("substatus", "STARTED"),
                "creationDate": o["createdAt"], "updateDate": o.get("updatedAt", o["createdAt"]),
                "paymentType": "PREPAID", "paymentMethod": "YANDEX", "fake": False,
                "items": [{"id": o["num"] * 10 + 1, "offerId": o["item"], "offerName": it.get("name", ""),
                           "count": o["qty"]}],
                "delivery": {"warehouseId": str(o["warehouse"]) if o["warehouse"] else "",
                             "type": "DELIVERY", "dispatchType": "BUYER", "serviceName": "Доставка",
                             "deliveryServiceId": 1, "deliveryPartnerType": "YANDEX_MARKET",
                             "dates": {"fromDate": o["createdAt"][:10]}}}

    def ym_orders(self, req, bid):
        if not req.raw:
            req.json, req.json_ok = {}, True
        self.need_json(req, "ym")
        self.validate("ym.orders", req, "ym")
        limit = self._ym_limit(req, 50, 50)
        off = self._ym_page(req)
        b = req.json
        st = self.state
        with st.lock:
            self._ym_business(bid)
            sel = list(st.orders["ym"].values())
            if b.get("statuses"):
                sel = [o for o in sel if o["status"] in b["statuses"]]
            if b.get("campaignIds"):
                sel = [o for o in sel if o.get("campaign") in b["campaignIds"]]
            if b.get("orderIds"):
                sel = [o for o in sel if o["num"] in b["orderIds"]]
            upd = (b.get("dates") or {}).get("updateDateFrom")
            if upd:
                # dates.updateDateFrom (ISO 8601): orders updated since then [YM-OAS OrderDatesFilterDTO]
                since = self._at({"at": upd})[1]
                sel = [o for o in sel if self._at({"at": o.get("updatedAt", o["createdAt"])})[1] >= since]
            page = sel[off:off + limit]
            out = [self._ym_order(o) for o in page]
        res = {"orders": out}
        if off + len(page) < len(sel):
            res["paging"] = {"nextPageToken": b64tok(off + len(page))}
        return Resp(200, res)

    def ym_offer_mappings(self, req, bid):
        if not req.raw:
            req.json, req.json_ok = {}, True
        body = self.need_json(req, "ym")
        limit = self._ym_limit(req, 200, 100)
        off = self._ym_page(req)
        st = self.state
        with st.lock:
            self._ym_business(bid)
            keys = st.mp["ym"]["order"]
            if body.get("offerIds"):
                want = set(body["offerIds"])
                keys = [k for k in keys if k in want]
            page = keys[off:off + limit]
            out = [{"offer": {"offerId": k, "name": st.mp["ym"]["items"][k].get("name")},
                    "mapping": {"marketSku": st.mp["ym"]["items"][k]["marketSku"]}} for k in page]
        res = {"offerMappings": out, "paging": {}}
        if off + len(page) < len(keys):
            res["paging"] = {"nextPageToken": b64tok(off + len(page))}
        return Resp(200, {"status": "OK", "result": res})

    # ================================================================== MegaMarket
    MM_BATCH = 300

    def mm_stock_update(self, req):
        d = req.json.get("data")
        stocks = d.get("stocks") if isinstance(d, dict) else None
        if not isinstance(stocks, list) or not stocks:
            return mm_err("INVALID_REQUEST", "data.stocks must be a non-empty array")
        if len(stocks) > self.MM_BATCH:
            return mm_err("LIMIT_EXCEEDED", "Too many offers in request: %d > %d" % (len(stocks), self.MM_BATCH))
        for i, s in enumerate(stocks):
            if not isinstance(s, dict) or not isinstance(s.get("offerId"), str) or \
                    not isinstance(s.get("quantity"), int) or isinstance(s.get("quantity"), bool) \
                    or s["quantity"] < 0:
                return mm_err("INVALID_REQUEST", "data.stocks[%d]: offerId (string) and quantity "
                              "(integer >= 0) are required" % i)
        st = self.state
        with st.lock:
            m = st.mp["mm"]
            missing = [s["offerId"] for s in stocks if s["offerId"] not in m["items"]]
            if missing:
                return mm_err("OFFER_NOT_FOUND", "Offers not found: %s" % ", ".join(missing[:20]))
            wh = m["stock"].setdefault("default", {})
            for s in stocks:
                wh[m["items"].canon(s["offerId"])] = s["quantity"]
        return Resp(200, {"success": 1, "meta": {}, "data": {}})

    def mm_order_search(self, req):
        d = req.json.get("data") or {}
        statuses = d.get("statuses")
        count = d.get("count", 100)
        # dateFrom/dateTo bound the shipments' creation time (UNCONFIRMED: public
        # clients send them; the double applies them, never listing more than asked)
        try:
            span = [datetime.datetime.fromisoformat(str(d[k]).replace("Z", "+00:00")).timestamp()
                    if d.get(k) else None for k in ("dateFrom", "dateTo")]
        except ValueError:
            return mm_err("INVALID_REQUEST", "dateFrom/dateTo must be ISO 8601 times")
        st = self.state
        with st.lock:
            sel = [o for o in st.orders["mm"].values() if (not statuses or o["status"] in statuses)
                   and (span[0] is None or o["ts"] >= span[0]) and (span[1] is None or o["ts"] <= span[1])]
            ids = [o["id"] for o in sel][:count if isinstance(count, int) and count > 0 else 100]
        return Resp(200, {"success": 1, "meta": {}, "data": {"shipments": ids}})

    def mm_order_get(self, req):
        d = req.json.get("data") or {}
        ids = d.get("shipments")
        if not isinstance(ids, list) or not ids:
            return mm_err("INVALID_REQUEST", "data.shipments must be a non-empty array")
        st = self.state
        out = []
        with st.lock:
            for i in ids:
                o = st.orders["mm"].get(str(i))
                if o:
                    out.append({"shipmentId": o["id"], "orderCode": "MM%s" % o["id"], "status": o["status"],
                                "creationDate": o["createdAt"],
                                "items": [{"itemIndex": str(n + 1), "offerId": o["item"], "quantity": 1,
                                           "status": o["status"], "price": 100}
                                          for n in range(o["qty"])]})
        return Resp(200, {"success": 1, "meta": {}, "data": {"shipments": out}})

    # ================================================================== AliExpress
    def ae_update_stock(self, req):
        body = self.need_json(req, "ae")
        prods = body.get("products")
        if not isinstance(prods, list) or not prods:
            return ae_err(400, "BAD_REQUEST", "products must be a non-empty array")
        if len(prods) > 1000:
            return ae_err(400, "BAD_REQUEST", "too many products: %d > 1000" % len(prods))
        for i, p in enumerate(prods):
            if not isinstance(p, dict) or "product_id" not in p or not isinstance(p.get("skus"), list) \
                    or not p["skus"]:
                return ae_err(400, "BAD_REQUEST", "products[%d]: product_id and skus[] are required" % i)
            for j, s in enumerate(p["skus"]):
                inv = s.get("inventory") if isinstance(s, dict) else None
                if not isinstance(s, dict) or not isinstance(s.get("sku_code"), str) or \
                        not (isinstance(inv, str) and inv.isdigit() or isinstance(inv, int) and inv >= 0):
                    return ae_err(400, "BAD_REQUEST", "products[%d].skus[%d]: sku_code and inventory "
                                  "(non-negative integer as string) are required" % (i, j))
        st = self.state
        tasks = []
        with st.lock:
            m = st.mp["ae"]
            wh = m["stock"].setdefault("default", {})
            pid_of = m["items"].cell("product_id")
            for p in prods:
                errs = []
                okc = []
                for s in p["skus"]:
                    if s["sku_code"] not in m["items"] or pid_of(s["sku_code"]) != str(p["product_id"]):
                        errs.append({"sku_code": s["sku_code"], "code": "SKU_NOT_FOUND",
                                     "message": "sku_code not found in product %s" % p["product_id"]})
                    else:
                        k = m["items"].canon(s["sku_code"])
                        wh[k] = int(s["inventory"])
                        okc.append(k)
                tasks.append({"product_id": str(p["product_id"]), "status": "FAILED" if errs else "SUCCESS",
                              "updated_skus": okc, "errors": errs})
            gid = st.next_group
            st.next_group += 1
            st.ae_groups[gid] = tasks
        return Resp(200, {"data": {"group_id": gid}, "error": None})

    def ae_tasks(self, req):
        try:
            gid = int(req.q("group_id"))
        except (TypeError, ValueError):
            return ae_err(400, "BAD_REQUEST", "group_id is required")
        with self.state.lock:
            tasks = self.state.ae_groups.get(gid)
        if tasks is None:
            return ae_err(404, "NOT_FOUND", "group %d not found" % gid)
        # text, as json.dumps wrote the dicts (see _j): a group holds 1000 products
        out = ['{"id":%d,"status":%s,"result":{"product_id":%s,"updated_skus":[%s],"errors":%s}}'
               % (gid * 1000 + i, _j(t["status"]), _j(t["product_id"]),
                  ",".join(_j(k) for k in t.get("updated_skus", [])), _dumps(t["errors"]))
               for i, t in enumerate(tasks)]
        return Resp(200, ('{"data":{"group_id":%d,"status":"FINISHED","tasks":[%s]},"error":null}'
                          % (gid, ",".join(out))).encode("utf-8"))

    def ae_stocks(self, req):
        body = self.need_json(req, "ae")
        stocks = body.get("stocks")
        if not isinstance(stocks, list) or not stocks or len(stocks) > 1000:
            return ae_err(400, "BAD_REQUEST", "stocks must contain 1..1000 items")
        st = self.state
        out = []
        with st.lock:
            m = st.mp["ae"]
            wh = m["stock"].get("default", {})
            by_sid = m["items"].by("sku_id")
            skuid, pid = m["items"].cell("sku_id"), m["items"].cell("product_id")
            for s in stocks:
                # "sku" is AliExpress's numeric sku id, never the seller's sku_code [AE-DOC]
                sid = s.get("sku") if isinstance(s, dict) else None
                if not isinstance(sid, str) or not sid.isdigit():
                    return ae_err(400, "BAD_REQUEST", "stocks[].sku must be a numeric sku id")
                k = by_sid.get(sid)
                if k in m["items"]:
                    out.append('{"sku":%s,"sku_code":%s,"product_id":%s,"max_sellable_quantity":%s}'
                               % (_j(skuid(k)), _j(k), _j(pid(k)), _j(wh.get(k, 0))))
        return Resp(200, ('{"data":{"skus_info":[%s]},"error":null}' % ",".join(out)).encode("utf-8"))

    def ae_orders(self, req):
        body = self.need_json(req, "ae")
        page, size = body.get("page", 1), body.get("page_size", 50)
        if not isinstance(page, int) or not isinstance(size, int) or page < 1 or not 1 <= size <= 100:
            return ae_err(400, "BAD_REQUEST", "page >= 1 and page_size 1..100 required")
        sts = body.get("order_statuses") or []
        st = self.state
        with st.lock:
            sel = [o for o in st.orders["ae"].values() if not sts or o["status"] in sts]
            pg = sel[(page - 1) * size: page * size]
            out = [{"id": o["id"], "status": o["status"], "created_at": o["createdAt"],
                    "order_lines": [{"item_id": o["id"] + "-1", "sku_code": o["item"],
                                     "product_id": st.mp["ae"]["items"].get(o["item"], {}).get("product_id"),
                                     "quantity": o["qty"]}]} for o in pg]
        return Resp(200, {"data": {"total_count": len(sel), "orders": out}, "error": None})

    def ae_products(self, req):
        body = self.need_json(req, "ae")
        limit = body.get("limit", 50)
        last = body.get("last_product_id")
        if not isinstance(limit, int) or not 1 <= limit <= 50:
            return ae_err(400, "BAD_REQUEST", "limit must be 1..50")
        st = self.state
        with st.lock:
            m = st.mp["ae"]
            prods = {}
            for k in m["order"]:
                it = m["items"][k]
                prods.setdefault(it["product_id"], []).append(
                    {"id": it["sku_id"], "code": k, "ipm_sku_stock": m["stock"].get("default", {}).get(k, 0)})
        ids = sorted(prods, key=int)
        if last:
            ids = [i for i in ids if int(i) > int(last)]
        pg = ids[:limit]
        return Resp(200, {"data": [{"id": i, "sku": prods[i]} for i in pg], "error": None})

    # ================================================================== control
    def control(self, method, path, query, raw):
        st = self.state
        body = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except Exception:
                return 400, {"error": "invalid JSON"}
        sub = path[len("/_double"):].rstrip("/") or "/"
        q = lambda k, d=None: query.get(k, [d])[0]
        try:
            if sub == "/health":
                return 200, {"ok": True}
            if sub == "/seed" and method == "POST":
                st.seed(body or {}, consume=True)
                return 200, {"ok": True}
            if sub == "/stock" and method == "GET":
                mp = q("mp")
                if mp not in MPS:
                    return 400, {"error": "mp must be one of %s" % ",".join(MPS)}
                whf = q("warehouse")
                with st.lock:
                    whs = {w: dict(d) for w, d in st.mp[mp]["stock"].items() if whf is None or w == whf}
                    by = {w: {(st.item_sku(mp, k) or k): v for k, v in d.items()} for w, d in whs.items()}
                return 200, {"mp": mp, "warehouses": whs, "by_sku": by}
            if sub == "/stock" and method == "POST":
                mp = body.get("mp")
                if mp not in MPS:
                    return 400, {"error": "mp must be one of %s" % ",".join(MPS)}
                with st.lock:
                    d = st.mp[mp]["stock"].setdefault(str(body.get("warehouse", "default")), {})
                    for k, v in (body.get("stock") or {}).items():
                        d[str(k)] = int(v)
                return 200, {"ok": True}
            if sub == "/orders" and method == "POST":
                return self.ctl_create_order(body or {})
            if sub == "/orders" and method == "GET":
                mp = q("mp")
                with st.lock:
                    out = [dict(o) for m in MPS if mp in (None, m) for o in st.orders[m].values()]
                return 200, {"orders": out}
            mo = re.match(r"^/orders/(\w+)/([^/]+)/(cancel|ship|confirm)$", sub)
            if mo and method == "POST":
                return self.ctl_order_status(*mo.groups(), at=(body or {}).get("at"))
            if sub == "/faults":
                with st.lock:
                    if method == "POST":
                        f = dict(body or {})
                        if not isinstance(f.get("count"), int) or f["count"] < 1:
                            return 400, {"error": "count (integer >= 1) required"}
                        if not isinstance(f.get("after", 0), int) or f.get("after", 0) < 0:
                            return 400, {"error": "after must be an integer >= 0"}
                        f.setdefault("kind", "status")
                        if f["kind"] not in ("status", "hang", "cut", "conflict"):
                            return 400, {"error": "kind must be status|hang|cut|conflict"}
                        st.fault_id += 1
                        f["id"] = st.fault_id
                        st.faults.append(f)
                        return 200, {"ok": True, "id": f["id"]}
                    if method == "DELETE":
                        st.faults = []
                        return 200, {"ok": True}
                    return 200, [dict(f) for f in st.faults]      # a JSON array
            if sub == "/log":
                with st.lock:
                    if method == "DELETE":
                        st.log = []
                        return 200, {"ok": True}
                    mp = q("mp")
                    since = int(q("since", "0"))
                    lines = [e for e in st.log if e["seq"] > since and (mp is None or e["mp"] == mp)]
                return 200, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines)
            if sub == "/stats":
                with st.lock:
                    return 200, json.loads(json.dumps(st.stats))
            if sub == "/reset" and method == "POST":
                st.reset()
                return 200, {"ok": True}
            if sub == "/config" and method == "POST":
                with st.lock:
                    if "time_scale" in body:
                        st.time_scale = float(body["time_scale"])
                    if "rate_scale" in body:
                        st.rate_scale = float(body["rate_scale"])
                    if "rate_limits" in body:
                        st.rate_limits = bool(body["rate_limits"])
                    if "ym_parallel" in body:
                        st.ym_parallel = int(body["ym_parallel"])
                    if "ym_delay" in body:
                        st.ym_delay = float(body["ym_delay"])
                    if "mm_batch" in body:
                        self.MM_BATCH = int(body["mm_batch"])
                    return 200, {"ok": True, "time_scale": st.time_scale, "rate_scale": st.rate_scale,
                                 "rate_limits": st.rate_limits, "ym_parallel": st.ym_parallel,
                                 "ym_delay": st.ym_delay}
            if sub == "/shutdown" and method == "POST":
                self.shutdown_requested = True      # acted on once the answer is sent
                return 200, {"ok": True}
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            return 400, {"error": "%s: %s" % (type(e).__name__, e)}
        return 404, {"error": "unknown control call %s %s" % (method, path)}

    OPEN_STATUS = {"wb": "new", "ozon": "awaiting_packaging", "ym": "PROCESSING", "mm": "NEW", "ae": "Created"}
    CANCEL_STATUS = {"wb": "cancel", "ozon": "cancelled", "ym": "CANCELLED", "mm": "MERCHANT_CANCELED",
                     "ae": "Cancelled"}
    SHIP_STATUS = {"wb": "complete", "ozon": "delivering", "ym": "DELIVERY", "mm": "SHIPPED", "ae": "Shipped"}
    # The seller took the order on (still open): WB "confirm" (on assembly, in no
    # listing but the 30-day history), Ozon "awaiting_deliver", MM "CONFIRMED".
    CONFIRM_STATUS = {"wb": "confirm", "ozon": "awaiting_deliver", "mm": "CONFIRMED"}

    @staticmethod
    def _at(b):
        """The order's time: the test's clock ("at", RFC 3339) or now; (iso, unix)."""
        at = b.get("at") if isinstance(b, dict) else None
        if at is None:
            return now_iso(), int(time.time())
        t = datetime.datetime.fromisoformat(str(at).replace("Z", "+00:00"))
        return str(at), int(t.timestamp())

    def ctl_create_order(self, b):
        st = self.state
        mp = b.get("mp")
        if mp not in MPS:
            return 400, {"error": "mp must be one of %s" % ",".join(MPS)}
        item = str(b.get("item", ""))
        qty = int(b.get("qty", 1))
        age = int(b.get("age", 0))      # seconds since the order was placed
        if qty < 1:
            return 400, {"error": "qty must be >= 1"}
        with st.lock:
            m = st.mp[mp]
            if item not in m["items"]:
                # allow lk's sku
                for k, it in m["items"].items():
                    if it.get("sku") == item:
                        item = k
                        break
                else:
                    return 400, {"error": "unknown %s item %r" % (mp, item)}
            wh = b.get("warehouse")
            camp = b.get("campaign")
            if mp == "ym":
                if camp is None and m["campaigns"]:
                    camp = next(iter(m["campaigns"]))
                if wh is None and camp is not None and int(camp) in m["campaigns"]:
                    wh = m["campaigns"][int(camp)]["warehouse_id"]
            if wh is None and m["warehouses"]:
                wh = next(iter(m["warehouses"]))
            ids = []
            created, ts = self._at(b)
            if age:
                created, ts = now_iso(-age), int(time.time()) - age
            n_orders = qty if mp == "wb" else 1
            for _ in range(n_orders):
                st.next_order += 1
                num = st.next_order
                if b.get("id") is not None and n_orders == 1:
                    oid = str(b["id"])
                elif mp == "ozon":
                    oid = "%d-0001-1" % num
                else:
                    oid = str(num)
                if mp in ("wb", "ym") and not oid.isdigit():
                    return 400, {"error": "%s order ids are integers" % mp}
                o = {"mp": mp, "id": int(oid) if mp == "wb" else oid, "num": int(oid) if oid.isdigit() else num,
                     "item": item, "qty": 1 if mp == "wb" else qty, "warehouse": wh,
                     "campaign": int(camp) if camp is not None else None,
                     "status": b.get("status", self.OPEN_STATUS[mp]), "createdAt": created,
                     "ts": ts}
                st.orders[mp][oid] = o
                ids.append(o["id"])
        return 200, {"ok": True, "mp": mp, "id": ids[0], "ids": ids, "status": self.OPEN_STATUS[mp]}

    def ctl_order_status(self, mp, oid, action, at=None):
        st = self.state
        if mp not in MPS:
            return 400, {"error": "mp must be one of %s" % ",".join(MPS)}
        with st.lock:
            o = st.orders[mp].get(oid)
            if o is None:
                return 404, {"error": "no %s order %s" % (mp, oid)}
            if action == "confirm" and mp not in self.CONFIRM_STATUS:
                return 400, {"error": "no confirm step for %s orders" % mp}
            o["status"] = {"cancel": self.CANCEL_STATUS, "ship": self.SHIP_STATUS,
                           "confirm": self.CONFIRM_STATUS}[action][mp]
            o["updatedAt"] = self._at({"at": at})[0]
            if mp == "ozon" and action == "ship":
                o["deliveringAt"] = o["updatedAt"]
            if mp == "ym":
                o["substatus"] = "SHOP_FAILED" if action == "cancel" else "DELIVERY_SERVICE_RECEIVED"
            return 200, {"ok": True, "mp": mp, "id": o["id"], "status": o["status"]}

    # ------------------------------------------------------------------ log
    def record(self, req, status, mp):
        st = self.state
        hdrs = {}
        for k, v in req.headers.items():
            hdrs[k] = REDACT if k.lower() in SECRET_HEADERS else v
        if req.json_ok:
            body = req.json
            if mp == "mm" and isinstance(body, dict) and isinstance(body.get("data"), dict) \
                    and "token" in body["data"]:
                body = dict(body)
                body["data"] = dict(body["data"])
                body["data"]["token"] = REDACT
        else:
            body = req.raw[:65536].decode("utf-8", "replace") if req.raw else None
        with st.lock:
            st.seq += 1
            if len(st.log) >= self.args.log_max:
                del st.log[:len(st.log) // 10 + 1]
            st.log.append({"seq": st.seq, "ts": time.time(), "mp": mp, "method": req.method,
                           "path": req.path, "query": req.query_string, "headers": hdrs, "body": body,
                           "status": status})
            if mp in st.stats["requests"]:
                st.stats["requests"][mp] += 1
                bs = st.stats["by_status"][mp]
                bs[str(status)] = bs.get(str(status), 0) + 1


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------

def oz_filter(m, flt):
    """Ozon item keys in listing order, narrowed by filter.offer_id / product_id
    (the seed's own list, not a copy, when there is no filter: callers slice it)."""
    keys = m["order"]
    if flt.get("offer_id"):
        want = set(str(x) for x in flt["offer_id"])
        keys = [k for k in keys if k in want]
    if flt.get("product_id"):
        want = set(str(x) for x in flt["product_id"])
        keys = [k for k in keys if str(m["items"][k]["product_id"]) in want]
    return keys


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive clients (libcurl reuses connections) would otherwise wait
    # on Nagle's algorithm and delayed ACKs: 40 ms per small response.
    disable_nagle_algorithm = True
    server_version = "mpdouble/1.0"
    sys_version = ""
    app = None

    def log_message(self, fmt, *a):
        if not self.app.args.quiet and self.app.args.verbose:
            sys.stderr.write("mpdouble: " + (fmt % a) + "\n")

    def _body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline(65537)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline(65537)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body, ctype="application/json", headers=None, cut=False):
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status, "Enhance Your Calm" if status == 420 else None)
        if status != 204:
            self.send_header("Content-Type", ctype + ("; charset=utf-8" if "json" in ctype or "ndjson" in ctype else ""))
            self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if cut:
            self.wfile.write(data[:max(1, len(data) // 2)])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if status != 204 and data and self.command != "HEAD":
            self.wfile.write(data)

    def _dispatch(self):
        app = self.app
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        try:
            raw = self._body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if path.startswith("/_double/") or path == "/_double":
            status, body = app.control(self.command, path, query, raw)
            ctype = "application/x-ndjson" if isinstance(body, str) else "application/json"
            if app.shutdown_requested:
                self.close_connection = True
            self._send(status, body, ctype, {"Connection": "close"} if app.shutdown_requested else None)
            if app.shutdown_requested and app.shutdown_cb:
                self.wfile.flush()
                threading.Thread(target=app.shutdown_cb, daemon=True).start()
            return
        route, groups, mp, rpath = app.match(self.command, path)
        req = Req(self.command, path, query, dict(self.headers.items()), raw, mp)
        req.query_string = u.query
        if route is None:
            status = 405 if mp else 404
            r = generic_error(mp, status, "no such method") if mp else \
                Resp(404, {"error": "mpdouble: no route for %s %s" % (self.command, path)})
            app.record(req, r.status, mp or "none")
            self._send(r.status, r.body, r.ctype, r.headers)
            return
        f = app.take_fault(req)
        if f is not None:
            kind = f.get("kind", "status")
            if kind == "hang":
                app.record(req, 0, mp)
                time.sleep(float(f.get("hang", 30)))
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if kind == "status":
                r = app.fault_resp(req, f)
                app.record(req, r.status, mp)
                self._send(r.status, r.body, r.ctype, r.headers)
                return
            if kind == "conflict":
                a = app.check_auth(req)
                r = a if a is not None else app.conflict_resp(req, f)
                app.record(req, r.status, mp)
                self._send(r.status, r.body, r.ctype, r.headers)
                return
            # cut: process normally, then truncate the body
            r = app.handle(req, route, groups)
            body = r.body if r.body is not None else {"status": "OK"}
            app.record(req, 200, mp)
            self._send(200, body, r.ctype, r.headers, cut=True)
            return
        r = app.handle(req, route, groups)
        app.record(req, r.status, mp)
        self._send(r.status, r.body, r.ctype, r.headers)

    def _safe(self):
        try:
            self._dispatch()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:   # never let a bug kill the connection silently
            import traceback
            traceback.print_exc()
            try:
                self._send(500, {"error": "mpdouble internal error: %s" % e})
            except OSError:
                pass
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _safe


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Server6(Server):
    address_family = socket.AF_INET6


def main(argv=None):
    p = argparse.ArgumentParser(description="Local marketplace double (WB, Ozon, YM, MegaMarket, AliExpress).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--seed", action="append", default=[], help="seed JSON file (may repeat)")
    p.add_argument("--time-scale", type=float, default=1.0)
    p.add_argument("--rate-scale", type=float, default=1.0)
    p.add_argument("--no-rate-limits", action="store_true")
    p.add_argument("--ym-parallel", type=int, default=4)
    p.add_argument("--spec-dir", default=os.environ.get("MPDOUBLE_SPEC_DIR", DEFAULT_SPEC_DIR))
    p.add_argument("--log-max", type=int, default=100000)
    for f in ("--wb-token", "--ozon-client-id", "--ozon-api-key", "--ym-token", "--mm-token", "--ae-token"):
        p.add_argument(f)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.host not in ALLOWED_HOSTS:
        sys.stderr.write("mpdouble: refusing --host %s: only 127.0.0.1, ::1 or localhost\n" % args.host)
        return 64
    if args.time_scale <= 0 or args.rate_scale <= 0:
        sys.stderr.write("mpdouble: --time-scale and --rate-scale must be > 0\n")
        return 64
    try:
        app = App(args)
        for fn in args.seed:
            with open(fn, encoding="utf-8") as fh:
                s = json.load(fh)
            app.state.seed(s)
            app.state.initial_seed = _merge_seed(app.state.initial_seed, s)
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write("mpdouble: %s\n" % e)
        return 66 if isinstance(e, OSError) else 65
    host = "127.0.0.1" if args.host == "localhost" else args.host
    Handler.app = app
    cls = Server6 if ":" in host else Server
    try:
        srv = cls((host, args.port), Handler)
    except OSError as e:
        sys.stderr.write("mpdouble: cannot listen on %s:%d: %s\n" % (host, args.port, e))
        return 69
    port = srv.server_address[1]
    app.shutdown_cb = srv.shutdown

    def on_signal(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.port_file:
        tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
        with open(tmp, "w") as fh:
            fh.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    if not args.quiet:
        sys.stderr.write("mpdouble: listening on http://%s:%d\n" % (host if ":" not in host else "[%s]" % host, port))
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    if not args.quiet:
        sys.stderr.write("mpdouble: stopped\n")
    return 0


def _merge_seed(a, b):
    out = dict(a)
    for k, v in b.items():
        if k in ("auth", "stock") and isinstance(v, dict):
            out[k] = dict(out.get(k) or {})
            out[k].update(v)
        else:
            out[k] = v
    return out


if __name__ == "__main__":
    sys.exit(main())
