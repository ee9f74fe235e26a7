/*
 * mp-read.c - marketplace listings: orders, stocks, warehouses, products
 * (see mp-read.h).  One function per marketplace and kind; each follows
 * its API's pagination to the end and fails rather than stop early.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "exit.h"
#include "mp.h"
#include "mp-read.h"
#include "ndjson.h"
#include "secrets.h"
#include "util.h"

#define MAX_PAGES 100000

struct idmap {
	const char **key, **sku;
	size_t cap;
};

struct ctx {
	const struct lk_config *cfg;
	const struct lk_channel *ch;
	const struct lk_mp *mp;
	struct lk_mpread_opts *o;
	char *err;
	size_t errlen;
	int rc;                     /* exit code of the failure */
	struct curl_slist *auth;
	char *token;                /* MegaMarket: goes in the body */
	const char *base;
	struct idmap map;
	int idcol;                  /* catalog column of the marketplace id, or -1 */
	long long unknown;
	char first_unknown[80];
	long long nrec;
	char now[21];
	json_t *shown;              /* marketplace ids a stocks listing reported */
};

static int fail(struct ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct ctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	c->rc = code;
	return code;
}

/* ---- marketplace id -> catalog sku ---- */

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void
map_build(struct ctx *c)
{
	const struct lk_catalog *cat = &c->cfg->catalog;
	size_t i;

	c->idcol = lk_catalog_column(cat, c->mp->id_column);
	if (c->idcol < 0)
		return;
	c->map.cap = 64;
	while (c->map.cap < cat->nrows * 2 + 2)
		c->map.cap *= 2;
	c->map.key = lk_xcalloc(c->map.cap, sizeof *c->map.key);
	c->map.sku = lk_xcalloc(c->map.cap, sizeof *c->map.sku);
	for (i = 0; i < cat->nrows; i++) {
		const char *id = lk_catalog_get(cat, (long)i, c->idcol);
		size_t h;

		if (*id == '\0')
			continue;
		for (h = hash(id) & (c->map.cap - 1); c->map.key[h]; h = (h + 1) & (c->map.cap - 1))
			if (strcmp(c->map.key[h], id) == 0)
				break;
		if (c->map.key[h] == NULL) {
			c->map.key[h] = id;
			c->map.sku[h] = lk_catalog_get(cat, (long)i, 0);
		}
	}
}

static const char *
map_sku(struct ctx *c, const char *id)
{
	size_t h;

	if (c->map.cap == 0 || id == NULL)
		return NULL;
	for (h = hash(id) & (c->map.cap - 1); c->map.key[h]; h = (h + 1) & (c->map.cap - 1))
		if (strcmp(c->map.key[h], id) == 0)
			return c->map.sku[h];
	return NULL;
}

/* A JSON scalar as text ("123" for 123), into buf. */
static const char *
jtext(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

static const char *
jstr(const json_t *o, const char *key, char *buf, size_t len)
{
	return jtext(json_object_get(o, key), buf, len);
}

static long long
jint(const json_t *o, const char *key, long long def)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		long long n;
		if (lk_parse_ll(json_string_value(v), -(1LL << 62), 1LL << 62, &n) == 0)
			return n;
	}
	return def;
}

static void
unknown(struct ctx *c, const char *id)
{
	if (c->unknown++ == 0)
		snprintf(c->first_unknown, sizeof c->first_unknown, "%s", id ? id : "(none)");
}

/* ---- records ---- */

static void
emit_order(struct ctx *c, const char *id, const char *mpid, long long qty,
    const char *status, const char *at)
{
	const char *sku = map_sku(c, mpid);
	time_t t;
	char tb[21];

	if (sku == NULL) {
		unknown(c, mpid);
		return;
	}
	lk_emit_begin("order");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("id", id);
	lk_emit_str("sku", sku);
	lk_emit_int("qty", qty < 0 ? 0 : qty);
	lk_emit_str("status", status ? status : "");
	if (at && lk_parse_time(at, &t) == 0)
		lk_emit_str("at", lk_fmt_time(t, tb));
	lk_emit_end();
	c->nrec++;
}

static void emit_seen(struct ctx *c, const char *mpid, long long qty);

/*
 * After a complete stocks listing, a catalog item the marketplace did not
 * report is shown there as 0: say so, so that lk-push sends it again.
 */
static void
emit_unreported(struct ctx *c)
{
	const struct lk_catalog *cat = &c->cfg->catalog;
	size_t i;

	if (c->idcol < 0)
		return;
	for (i = 0; i < cat->nrows; i++) {
		const char *id = lk_catalog_get(cat, (long)i, c->idcol);

		if (*id && json_object_get(c->shown, id) == NULL)
			emit_seen(c, id, 0);
	}
}

static void
emit_seen(struct ctx *c, const char *mpid, long long qty)
{
	const char *sku = map_sku(c, mpid);

	if (sku == NULL) {
		unknown(c, mpid);
		return;
	}
	if (c->shown)
		json_object_set_new(c->shown, mpid, json_true());
	lk_emit_begin("seen");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("sku", sku);
	lk_emit_int("qty", qty < 0 ? 0 : qty);
	lk_emit_str("at", c->now);
	lk_emit_end();
	c->nrec++;
}

static void
emit_warehouse(struct ctx *c, const char *id, const char *name)
{
	lk_emit_begin("warehouse");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("id", id);
	if (name)
		lk_emit_str("name", name);
	lk_emit_end();
	c->nrec++;
}

/* extra: NULL-terminated key/value pairs of further string fields. */
static void
emit_product(struct ctx *c, const char *mpid, const char *offer_id, const char *barcode,
    const char *name, ...)
{
	const char *sku = map_sku(c, mpid), *k, *v;
	va_list ap;

	lk_emit_begin("product");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("mp_id", mpid);
	if (offer_id)
		lk_emit_str("offer_id", offer_id);
	if (sku)
		lk_emit_str("sku", sku);
	if (barcode && *barcode)
		lk_emit_str("barcode", barcode);
	if (name)
		lk_emit_str("name", name);
	va_start(ap, name);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v && *v)
			lk_emit_str(k, v);
	}
	va_end(ap);
	lk_emit_end();
	c->nrec++;
}

/* ---- one API call ---- */

/* Sends body (stolen; may be NULL) and returns the parsed JSON answer, or NULL (c->err). */
static json_t *
api(struct ctx *c, const char *method, const char *path, json_t *body)
{
	struct lk_http_opts o = c->o->http;
	struct lk_http_resp resp;
	char *url, *data = NULL, *shown;
	size_t blen = strlen(c->base);
	json_t *out = NULL;
	int rc;

	while (blen > 0 && c->base[blen - 1] == '/')
		blen--;
	url = lk_xasprintf("%.*s%s", (int)blen, c->base, path);
	shown = lk_xasprintf("%s %s", method, path);
	if (strchr(shown, '?'))
		*strchr(shown, '?') = '\0';
	if (body && c->token) {
		json_t *d = json_object_get(body, "data");
		if (json_is_object(d))
			json_object_set_new(d, "token", json_string(c->token));
	}
	if (body) {
		data = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	rc = lk_http_request(method, url, c->auth, data, data ? strlen(data) : 0, &o, &resp);
	c->o->http.n_retries += o.n_retries;
	c->o->http.n_throttled += o.n_throttled;
	if (data) {
		explicit_bzero(data, strlen(data));     /* may hold the MegaMarket token */
		free(data);
	}
	if (rc != 0) {
		fail(c, rc, "%s: %s", c->ch->name, resp.error);
		goto done;
	}
	if (resp.status < 200 || resp.status >= 300) {
		char snip[160] = "";
		size_t i, n = 0;

		for (i = 0; resp.body && resp.body[i] && n < sizeof snip - 1; i++)
			snip[n++] = resp.body[i] == '\n' || resp.body[i] == '\r' ? ' ' : resp.body[i];
		snip[n] = '\0';
		fail(c, resp.status >= 500 ? LK_EX_TEMPFAIL : LK_EX_UNAVAILABLE,
		    "%s: %s: HTTP %ld: %s", c->ch->name, shown, resp.status, snip);
		goto done;
	}
	{
		json_error_t je;

		out = resp.body ? json_loadb(resp.body, resp.len, 0, &je) : NULL;
		if (out == NULL) {
			fail(c, LK_EX_TEMPFAIL, "%s: %s: the answer is not JSON", c->ch->name, shown);
			goto done;
		}
	}
	/* MegaMarket answers 200 with success 0; AliExpress with an error object. */
	if (c->mp->id == LK_MP_MM && jint(out, "success", 1) != 1) {
		json_t *e = json_object_get(out, "error");
		char b1[32];
		const char *code = jstr(e, "code", b1, sizeof b1);
		const char *msg = jstr(e, "message", NULL, 0);
		fail(c, LK_EX_UNAVAILABLE, "%s: %s: refused: %s %s", c->ch->name, shown,
		    code ? code : "", msg ? msg : "");
		json_decref(out);
		out = NULL;
	} else if (c->mp->id == LK_MP_AE && json_is_object(json_object_get(out, "error"))) {
		const char *msg = jstr(json_object_get(out, "error"), "message", NULL, 0);
		fail(c, LK_EX_UNAVAILABLE, "%s: %s: refused: %s", c->ch->name, shown, msg ? msg : "");
		json_decref(out);
		out = NULL;
	}
done:
	lk_http_resp_free(&resp);
	free(url);
	free(shown);
	return out;
}

static long
page(struct ctx *c, long max)
{
	long p = c->o->page_size;

	return p > 0 && p < max ? p : max;
}

static int
need(struct ctx *c, long long v, const char *what)
{
	if (v > 0)
		return 0;
	return fail(c, LK_EX_CONFIG, "%s: %s is not set", c->ch->file ? c->ch->file : c->ch->name, what);
}

/* Catalog ids of this marketplace, from index *pos, at most n, into a JSON array. */
static json_t *
id_batch(struct ctx *c, size_t *pos, long n, int numeric)
{
	const struct lk_catalog *cat = &c->cfg->catalog;
	json_t *a = json_array();

	while (*pos < cat->nrows && (long)json_array_size(a) < n) {
		const char *id = lk_catalog_get(cat, (long)(*pos)++, c->idcol);
		long long v;

		if (*id == '\0')
			continue;
		if (numeric) {
			if (lk_parse_ll(id, 1, 1LL << 62, &v) != 0) {
				lk_warn("%s: catalog %s '%s' is not a number; skipped", c->ch->name,
				    c->mp->id_column, id);
				continue;
			}
			json_array_append_new(a, json_integer(v));
		} else {
			json_array_append_new(a, json_string(id));
		}
	}
	return a;
}

/* ---- Wildberries ---- */

static int
wb_warehouses(struct ctx *c)
{
	json_t *r = api(c, "GET", "/api/v3/warehouses", NULL), *w;
	size_t i;
	char b[32];

	if (r == NULL)
		return c->rc;
	if (!json_is_array(r)) {
		json_decref(r);
		return fail(c, LK_EX_TEMPFAIL, "%s: warehouses: unexpected answer", c->ch->name);
	}
	json_array_foreach(r, i, w)
		emit_warehouse(c, jstr(w, "id", b, sizeof b), jstr(w, "name", NULL, 0));
	json_decref(r);
	return 0;
}

static int
wb_stocks(struct ctx *c)
{
	size_t pos = 0;
	char path[64], b[32];

	if (need(c, c->ch->warehouse_id, "warehouse_id"))
		return c->rc;
	if (c->idcol < 0)
		return fail(c, LK_EX_CONFIG, "catalog.csv has no %s column: nothing to ask for", c->mp->id_column);
	snprintf(path, sizeof path, "/api/v3/stocks/%lld", c->ch->warehouse_id);
	for (;;) {
		json_t *ids = id_batch(c, &pos, page(c, 1000), 1), *body, *r, *s;
		size_t i;

		if (json_array_size(ids) == 0) {
			json_decref(ids);
			break;
		}
		body = json_pack("{s:o}", "chrtIds", ids);
		if ((r = api(c, "POST", path, body)) == NULL)
			return c->rc;
		json_array_foreach(json_object_get(r, "stocks"), i, s)
			emit_seen(c, jstr(s, "chrtId", b, sizeof b), jint(s, "amount", 0));
		json_decref(r);
	}
	return 0;
}

struct wbord {
	long long id;
	char chrt[32];
	char at[40];
};

static int
wb_orders(struct ctx *c)
{
	struct wbord *v = NULL;
	size_t n = 0, cap = 0, i;
	time_t now = lk_now(), from = now - (time_t)c->o->since, to;
	long lim = page(c, 1000);
	int rc = 0;

	/* The history in windows of at most 30 days, each paged with next. */
	for (; from < now; from = to) {
		long long next = 0;
		int pages = 0;

		to = from + 30 * 86400 < now ? from + 30 * 86400 : now;
		for (;;) {
			char path[160], b[32];
			json_t *r, *a, *o;
			size_t k;
			long long nn;

			snprintf(path, sizeof path, "/api/v3/orders?limit=%ld&next=%lld&dateFrom=%lld&dateTo=%lld",
			    lim, next, (long long)from, (long long)to);
			if ((r = api(c, "GET", path, NULL)) == NULL) {
				rc = c->rc;
				goto out;
			}
			a = json_object_get(r, "orders");
			if (!json_is_array(a)) {
				json_decref(r);
				rc = fail(c, LK_EX_TEMPFAIL, "%s: orders: unexpected answer", c->ch->name);
				goto out;
			}
			json_array_foreach(a, k, o) {
				const char *ch = jstr(o, "chrtId", b, sizeof b), *at = jstr(o, "createdAt", NULL, 0);
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					v = lk_xrealloc(v, cap * sizeof *v);
				}
				v[n].id = jint(o, "id", 0);
				snprintf(v[n].chrt, sizeof v[n].chrt, "%s", ch ? ch : "");
				snprintf(v[n].at, sizeof v[n].at, "%s", at ? at : "");
				n++;
			}
			nn = jint(r, "next", -1);
			k = json_array_size(a);
			json_decref(r);
			if (k == 0)
				break;
			if (nn <= next || ++pages > MAX_PAGES) {
				rc = fail(c, LK_EX_TEMPFAIL, "%s: orders: the listing does not advance (next %lld)",
				    c->ch->name, nn);
				goto out;
			}
			next = nn;
		}
	}
	/* Their status, 1000 ids a call. */
	for (i = 0; i < n; ) {
		json_t *ids = json_array(), *r, *o;
		size_t k, start = i;
		char idb[32];

		for (; i < n && json_array_size(ids) < 1000; i++)
			json_array_append_new(ids, json_integer(v[i].id));
		if ((r = api(c, "POST", "/api/v3/orders/status", json_pack("{s:o}", "orders", ids))) == NULL) {
			rc = c->rc;
			goto out;
		}
		for (k = start; k < i; k++) {
			json_t *st = NULL;
			size_t j;

			json_array_foreach(json_object_get(r, "orders"), j, o)
				if (jint(o, "id", -1) == v[k].id) {
					st = o;
					break;
				}
			if (st == NULL) {
				json_decref(r);
				rc = fail(c, LK_EX_TEMPFAIL, "%s: no status for order %lld", c->ch->name, v[k].id);
				goto out;
			}
			snprintf(idb, sizeof idb, "%lld", v[k].id);
			emit_order(c, idb, v[k].chrt, 1, jstr(st, "supplierStatus", NULL, 0), v[k].at);
		}
		json_decref(r);
	}
out:
	free(v);
	return rc;
}

static int
wb_products(struct ctx *c)
{
	json_t *cursor = json_pack("{s:i}", "limit", (int)page(c, 100));
	long lim = page(c, 100);
	int pages = 0;
	char b1[32], b2[32];

	/* The content API lives on its own host unless base_url points elsewhere (a test). */
	if (!(c->ch->base_url && *c->ch->base_url))
		c->base = "https://content-api.wildberries.ru";
	for (;;) {
		json_t *body = json_pack("{s:{s:O,s:{s:i}}}", "settings", "cursor", cursor,
		    "filter", "withPhoto", -1);
		json_t *r = api(c, "POST", "/content/v2/get/cards/list", body), *card, *size, *cur;
		size_t i, j;
		long long total;

		if (r == NULL) {
			json_decref(cursor);
			return c->rc;
		}
		json_array_foreach(json_object_get(r, "cards"), i, card) {
			const char *vc = jstr(card, "vendorCode", NULL, 0);
			const char *title = jstr(card, "title", NULL, 0);
			const char *nm = jstr(card, "nmID", b2, sizeof b2);

			json_array_foreach(json_object_get(card, "sizes"), j, size) {
				const char *chrt = jstr(size, "chrtID", b1, sizeof b1);
				json_t *skus = json_object_get(size, "skus");

				if (chrt == NULL)
					continue;
				emit_product(c, chrt, vc, json_string_value(json_array_get(skus, 0)), title,
				    "nm_id", nm, "tech_size", jstr(size, "techSize", NULL, 0), (const char *)NULL);
			}
		}
		cur = json_object_get(r, "cursor");
		total = jint(cur, "total", 0);
		if (total < lim || json_object_get(cur, "nmID") == NULL) {
			json_decref(r);
			break;
		}
		json_decref(cursor);
		cursor = json_pack("{s:i,s:O,s:O}", "limit", (int)lim, "updatedAt",
		    json_object_get(cur, "updatedAt"), "nmID", json_object_get(cur, "nmID"));
		json_decref(r);
		if (++pages > MAX_PAGES) {
			json_decref(cursor);
			return fail(c, LK_EX_TEMPFAIL, "%s: cards: too many pages", c->ch->name);
		}
	}
	json_decref(cursor);
	return 0;
}

/* ---- Ozon ---- */

/*
 * A cursor-paged Ozon listing: body gets "cursor"; items at items_key (a
 * path "result.items" allowed); each item to fn.  more(r) says whether
 * another page follows; next_key names the cursor field.
 */
static json_t *
jpath(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

typedef void (*item_fn)(struct ctx *c, json_t *item);

static int
ozon_paged(struct ctx *c, const char *path, json_t *body, const char *cursor_key,
    const char *items_key, const char *next_key, const char *has_next_key, item_fn fn)
{
	char *cur = lk_xstrdup("");
	int pages = 0;

	for (;;) {
		json_t *b = json_deep_copy(body), *r, *items, *it;
		const char *nc;
		size_t i, n;
		int more;

		json_object_set_new(b, cursor_key, json_string(cur));
		if ((r = api(c, "POST", path, b)) == NULL) {
			free(cur);
			json_decref(body);
			return c->rc;
		}
		items = jpath(r, items_key);
		if (!json_is_array(items)) {
			json_decref(r);
			free(cur);
			json_decref(body);
			return fail(c, LK_EX_TEMPFAIL, "%s: %s: no %s in the answer", c->ch->name, path, items_key);
		}
		json_array_foreach(items, i, it)
			fn(c, it);
		n = json_array_size(items);
		nc = json_string_value(jpath(r, next_key));
		more = has_next_key ? json_is_true(jpath(r, has_next_key)) : nc && *nc && n > 0;
		if (more && (nc == NULL || *nc == '\0' || strcmp(nc, cur) == 0 || ++pages > MAX_PAGES)) {
			json_decref(r);
			free(cur);
			json_decref(body);
			return fail(c, LK_EX_TEMPFAIL, "%s: %s: the listing does not advance", c->ch->name, path);
		}
		free(cur);
		cur = lk_xstrdup(more ? nc : "");
		json_decref(r);
		if (!more)
			break;
	}
	free(cur);
	json_decref(body);
	return 0;
}

static void
ozon_wh_item(struct ctx *c, json_t *w)
{
	char b[32];

	emit_warehouse(c, jstr(w, "warehouse_id", b, sizeof b), jstr(w, "name", NULL, 0));
}

static void
ozon_stock_item(struct ctx *c, json_t *it)
{
	json_t *s;
	size_t i;
	long long qty = 0;

	json_array_foreach(json_object_get(it, "stocks"), i, s) {
		const char *t = jstr(s, "type", NULL, 0);
		if (t && strcmp(t, "fbs") == 0)
			qty += jint(s, "present", 0) - jint(s, "reserved", 0);
	}
	emit_seen(c, jstr(it, "offer_id", NULL, 0), qty);
}

static void
ozon_order_item(struct ctx *c, json_t *p)
{
	json_t *prod;
	size_t i;
	const char *id = jstr(p, "posting_number", NULL, 0);

	json_array_foreach(json_object_get(p, "products"), i, prod)
		emit_order(c, id ? id : "", jstr(prod, "offer_id", NULL, 0), jint(prod, "quantity", 0),
		    jstr(p, "status", NULL, 0), jstr(p, "in_process_at", NULL, 0));
}

static void
ozon_product_item(struct ctx *c, json_t *p)
{
	char b[32];
	const char *off = jstr(p, "offer_id", NULL, 0);

	if (off)
		emit_product(c, off, off, NULL, NULL, "product_id", jstr(p, "product_id", b, sizeof b),
		    (const char *)NULL);
}

static int
ozon_run(struct ctx *c, enum lk_mpread_kind kind)
{
	json_t *body;
	char from[21], to[21];

	switch (kind) {
	case LK_MPREAD_WAREHOUSES:
		body = json_pack("{s:i}", "limit", (int)page(c, 200));
		return ozon_paged(c, "/v2/warehouse/list", body, "cursor", "warehouses", "cursor",
		    "has_next", ozon_wh_item);
	case LK_MPREAD_STOCKS:
		body = json_pack("{s:i,s:{s:s}}", "limit", (int)page(c, 1000), "filter", "visibility", "ALL");
		return ozon_paged(c, "/v4/product/info/stocks", body, "cursor", "items", "cursor",
		    NULL, ozon_stock_item);
	case LK_MPREAD_ORDERS:
		lk_fmt_time(lk_now() - (time_t)c->o->since, from);
		lk_fmt_time(lk_now() + 60 * 86400, to);
		body = json_pack("{s:i,s:s,s:{s:s,s:s}}", "limit", (int)page(c, 100), "sort_dir", "ASC",
		    "filter", "cutoff_from", from, "cutoff_to", to);
		if (c->ch->warehouse_id > 0)
			json_object_set_new(json_object_get(body, "filter"), "warehouse_ids",
			    json_pack("[I]", (json_int_t)c->ch->warehouse_id));
		return ozon_paged(c, "/v4/posting/fbs/unfulfilled/list", body, "cursor", "postings",
		    "cursor", "has_next", ozon_order_item);
	case LK_MPREAD_PRODUCTS:
		body = json_pack("{s:i,s:{s:s}}", "limit", (int)page(c, 1000), "filter", "visibility", "ALL");
		return ozon_paged(c, "/v3/product/list", body, "last_id", "result.items", "result.last_id",
		    NULL, ozon_product_item);
	}
	return 0;
}

/* ---- Yandex Market ---- */

/*
 * A pageToken-paged YM listing.  path has the limit already; items at
 * items_key, the next token at result.paging.nextPageToken (or
 * paging.nextPageToken).
 */
static int
ym_paged(struct ctx *c, const char *path, json_t *body, const char *items_key, item_fn fn)
{
	char *tok = NULL;
	int pages = 0;

	for (;;) {
		json_t *r, *items, *it;
		const char *nt;
		size_t i;
		char *p;

		p = tok ? lk_xasprintf("%s&page_token=%s", path, tok) : lk_xstrdup(path);
		r = api(c, "POST", p, json_deep_copy(body));
		free(p);
		if (r == NULL)
			break;
		items = jpath(r, items_key);
		if (!json_is_array(items)) {
			json_decref(r);
			fail(c, LK_EX_TEMPFAIL, "%s: %s: no %s in the answer", c->ch->name, path, items_key);
			break;
		}
		json_array_foreach(items, i, it)
			fn(c, it);
		nt = json_string_value(jpath(r, "result.paging.nextPageToken"));
		if (nt == NULL)
			nt = json_string_value(jpath(r, "paging.nextPageToken"));
		if (nt == NULL || *nt == '\0') {
			json_decref(r);
			free(tok);
			json_decref(body);
			return 0;
		}
		if ((tok && strcmp(tok, nt) == 0) || ++pages > MAX_PAGES) {
			json_decref(r);
			fail(c, LK_EX_TEMPFAIL, "%s: %s: the listing does not advance", c->ch->name, path);
			break;
		}
		free(tok);
		/* tokens are base64url-ish; escape what a query cannot hold */
		{
			CURL *h = curl_easy_init();
			char *e = h ? curl_easy_escape(h, nt, 0) : NULL;
			tok = lk_xstrdup(e ? e : nt);
			curl_free(e);
			if (h)
				curl_easy_cleanup(h);
		}
		json_decref(r);
	}
	free(tok);
	json_decref(body);
	return c->rc;
}

static void
ym_wh_item(struct ctx *c, json_t *w)
{
	char b[32];

	emit_warehouse(c, jstr(w, "id", b, sizeof b), jstr(w, "name", NULL, 0));
}

static void
ym_offer_item(struct ctx *c, json_t *o)
{
	json_t *s;
	size_t i;
	long long avail = -1, fit = -1;

	json_array_foreach(json_object_get(o, "stocks"), i, s) {
		const char *t = jstr(s, "type", NULL, 0);
		if (t && strcmp(t, "AVAILABLE") == 0)
			avail = jint(s, "count", 0);
		else if (t && strcmp(t, "FIT") == 0)
			fit = jint(s, "count", 0);
	}
	emit_seen(c, jstr(o, "offerId", NULL, 0), avail >= 0 ? avail : fit >= 0 ? fit : 0);
}

static void
ym_v2_stock_wh(struct ctx *c, json_t *w)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(w, "offers"), i, o)
		ym_offer_item(c, o);
}

static void
ym_order_item(struct ctx *c, json_t *o)
{
	json_t *it;
	size_t i;
	char b[32];
	const char *id = jstr(o, "orderId", b, sizeof b);

	json_array_foreach(json_object_get(o, "items"), i, it)
		emit_order(c, id ? id : "", jstr(it, "offerId", NULL, 0), jint(it, "count", 0),
		    jstr(o, "status", NULL, 0), jstr(o, "creationDate", NULL, 0));
}

static void
ym_product_item(struct ctx *c, json_t *m)
{
	json_t *offer = json_object_get(m, "offer");
	char b[32];
	const char *id = jstr(offer, "offerId", NULL, 0);

	if (id)
		emit_product(c, id, id, NULL, jstr(offer, "name", NULL, 0), "market_sku",
		    jstr(json_object_get(m, "mapping"), "marketSku", b, sizeof b), (const char *)NULL);
}

static int
ym_run(struct ctx *c, enum lk_mpread_kind kind)
{
	const struct lk_channel *ch = c->ch;
	int v3 = ch->ym_api ? strcmp(ch->ym_api, "v3") == 0 : ch->business_id > 0;
	char path[160];

	switch (kind) {
	case LK_MPREAD_WAREHOUSES:
		if (need(c, ch->business_id, "business_id"))
			return c->rc;
		if (!v3) {
			json_t *r, *w;
			size_t i;

			snprintf(path, sizeof path, "/v2/businesses/%lld/warehouses", ch->business_id);
			if ((r = api(c, "POST", path, json_object())) == NULL)
				return c->rc;
			json_array_foreach(jpath(r, "result.warehouses"), i, w)
				ym_wh_item(c, w);
			json_decref(r);
			return 0;
		}
		snprintf(path, sizeof path, "/v3/businesses/%lld/warehouses?limit=%ld", ch->business_id, page(c, 30));
		return ym_paged(c, path, json_object(), "result.warehouses", ym_wh_item);
	case LK_MPREAD_STOCKS:
		if (v3) {
			if (need(c, ch->business_id, "business_id") || need(c, ch->warehouse_id, "warehouse_id"))
				return c->rc;
			snprintf(path, sizeof path, "/v3/businesses/%lld/offers/stocks?limit=%ld",
			    ch->business_id, page(c, 100));
			return ym_paged(c, path, json_pack("{s:I}", "partnerWarehouseId",
			    (json_int_t)ch->warehouse_id), "result.offers", ym_offer_item);
		}
		if (need(c, ch->campaign_id, "campaign_id"))
			return c->rc;
		snprintf(path, sizeof path, "/v2/campaigns/%lld/offers/stocks?limit=%ld",
		    ch->campaign_id, page(c, 100));
		return ym_paged(c, path, json_object(), "result.warehouses", ym_v2_stock_wh);
	case LK_MPREAD_ORDERS: {
		json_t *body = json_pack("{s:[sss]}", "statuses", "UNPAID", "PENDING", "PROCESSING");

		if (need(c, ch->business_id, "business_id")) {
			json_decref(body);
			return c->rc;
		}
		if (!v3 && ch->campaign_id > 0)
			json_object_set_new(body, "campaignIds", json_pack("[I]", (json_int_t)ch->campaign_id));
		snprintf(path, sizeof path, "/v1/businesses/%lld/orders?limit=%ld", ch->business_id, page(c, 50));
		return ym_paged(c, path, body, "orders", ym_order_item);
	}
	case LK_MPREAD_PRODUCTS:
		if (need(c, ch->business_id, "business_id"))
			return c->rc;
		snprintf(path, sizeof path, "/v2/businesses/%lld/offer-mappings?limit=%ld",
		    ch->business_id, page(c, 200));
		return ym_paged(c, path, json_object(), "result.offerMappings", ym_product_item);
	}
	return 0;
}

/* ---- MegaMarket ---- */

static int
mm_run(struct ctx *c, enum lk_mpread_kind kind)
{
	json_t *r, *x, *y;
	size_t i, j;
	char b[32];

	switch (kind) {
	case LK_MPREAD_WAREHOUSES:
		/* MegaMarket has one stock per merchant: no warehouse API. */
		emit_warehouse(c, "default", "default");
		return 0;
	case LK_MPREAD_STOCKS: {
		size_t pos = 0;

		if (c->idcol < 0)
			return fail(c, LK_EX_CONFIG, "catalog.csv has no %s column: nothing to ask for", c->mp->id_column);
		for (;;) {
			json_t *ids = id_batch(c, &pos, page(c, 300), 0);

			if (json_array_size(ids) == 0) {
				json_decref(ids);
				return 0;
			}
			r = api(c, "POST", "/api/merchantIntegration/v1/offerService/stock/get",
			    json_pack("{s:{},s:{s:o}}", "meta", "data", "offerIds", ids));
			if (r == NULL)
				return c->rc;
			json_array_foreach(jpath(r, "data.stocks"), i, x)
				emit_seen(c, jstr(x, "offerId", NULL, 0), jint(x, "quantity", 0));
			json_decref(r);
		}
	}
	case LK_MPREAD_PRODUCTS: {
		long long off = 0, total;
		long lim = page(c, 1000);

		for (;;) {
			r = api(c, "POST", "/api/merchantIntegration/v1/offerService/offer/list",
			    json_pack("{s:{},s:{s:I,s:i}}", "meta", "data", "offset", (json_int_t)off, "limit", (int)lim));
			if (r == NULL)
				return c->rc;
			x = jpath(r, "data.offers");
			total = jint(json_object_get(r, "data"), "total", -1);
			json_array_foreach(x, i, y) {
				const char *id = jstr(y, "offerId", NULL, 0);
				if (id)
					emit_product(c, id, id, NULL, jstr(y, "name", NULL, 0), (const char *)NULL);
			}
			off += (long long)json_array_size(x);
			j = json_array_size(x);
			json_decref(r);
			if (total < 0)
				return fail(c, LK_EX_TEMPFAIL, "%s: offer/list: no total in the answer", c->ch->name);
			if (off >= total)
				return 0;
			if (j == 0)
				return fail(c, LK_EX_TEMPFAIL, "%s: offer/list ended at %lld of %lld offers",
				    c->ch->name, off, total);
		}
	}
	case LK_MPREAD_ORDERS: {
		long cnt = page(c, 1000);
		json_t *ids;
		char from[21], to[21];

		lk_fmt_time(lk_now() - (time_t)c->o->since, from);
		lk_fmt_time(lk_now(), to);
		r = api(c, "POST", "/api/market/v1/orderService/order/search",
		    json_pack("{s:{},s:{s:s,s:s,s:[sss],s:i}}", "meta", "data", "dateFrom", from, "dateTo", to,
		    "statuses", "NEW", "CONFIRMED", "PACKED", "count", (int)cnt));
		if (r == NULL)
			return c->rc;
		ids = json_incref(jpath(r, "data.shipments"));
		json_decref(r);
		if (!json_is_array(ids)) {
			json_decref(ids);
			return fail(c, LK_EX_TEMPFAIL, "%s: order/search: no shipments in the answer", c->ch->name);
		}
		if ((long)json_array_size(ids) >= cnt) {
			json_decref(ids);
			return fail(c, LK_EX_TEMPFAIL, "%s: order/search returned its limit of %ld shipments: "
			    "the listing may be truncated", c->ch->name, cnt);
		}
		for (i = 0; i < json_array_size(ids); ) {
			json_t *batch = json_array();

			for (; i < json_array_size(ids) && json_array_size(batch) < 100; i++)
				json_array_append(batch, json_array_get(ids, i));
			r = api(c, "POST", "/api/market/v1/orderService/order/get",
			    json_pack("{s:{},s:{s:o}}", "meta", "data", "shipments", batch));
			if (r == NULL) {
				json_decref(ids);
				return c->rc;
			}
			json_array_foreach(jpath(r, "data.shipments"), j, x) {
				/* items are per unit: sum them per offer */
				json_t *sum = json_object(), *it, *q;
				const char *k, *id = jstr(x, "shipmentId", b, sizeof b);
				size_t m;

				json_array_foreach(json_object_get(x, "items"), m, it) {
					const char *off = jstr(it, "offerId", NULL, 0);
					if (off == NULL)
						continue;
					q = json_object_get(sum, off);
					json_object_set_new(sum, off, json_integer((q ? json_integer_value(q) : 0) +
					    jint(it, "quantity", 1)));
				}
				json_object_foreach(sum, k, q)
					emit_order(c, id ? id : "", k, json_integer_value(q),
					    jstr(x, "status", NULL, 0), jstr(x, "creationDate", NULL, 0));
				json_decref(sum);
			}
			json_decref(r);
		}
		json_decref(ids);
		return 0;
	}
	}
	return 0;
}

/* ---- AliExpress ---- */

static int
ae_run(struct ctx *c, enum lk_mpread_kind kind)
{
	json_t *r, *x, *y;
	size_t i, j;
	char b1[32], b2[32];

	switch (kind) {
	case LK_MPREAD_WAREHOUSES:
		emit_warehouse(c, "default", "default");
		return 0;
	case LK_MPREAD_STOCKS: {
		size_t pos = 0;

		if (c->idcol < 0)
			return fail(c, LK_EX_CONFIG, "catalog.csv has no %s column: nothing to ask for", c->mp->id_column);
		for (;;) {
			json_t *codes = id_batch(c, &pos, page(c, 1000), 0), *stocks = json_array();

			if (json_array_size(codes) == 0) {
				json_decref(codes);
				json_decref(stocks);
				return 0;
			}
			json_array_foreach(codes, i, x)
				json_array_append_new(stocks, json_pack("{s:O}", "sku", x));
			json_decref(codes);
			r = api(c, "POST", "/api/v1/stocks", json_pack("{s:o}", "stocks", stocks));
			if (r == NULL)
				return c->rc;
			json_array_foreach(jpath(r, "data.skus_info"), i, x) {
				const char *code = jstr(x, "sku_code", NULL, 0);
				emit_seen(c, code ? code : jstr(x, "sku", b1, sizeof b1),
				    jint(x, "max_sellable_quantity", 0));
			}
			json_decref(r);
		}
	}
	case LK_MPREAD_PRODUCTS: {
		char last[64] = "";
		long lim = page(c, 50);
		int pages = 0;

		for (;;) {
			json_t *body = json_pack("{s:i}", "limit", (int)lim);
			size_t n;

			if (*last)
				json_object_set_new(body, "last_product_id", json_string(last));
			if ((r = api(c, "POST", "/api/v1/scroll-short-product-by-filter", body)) == NULL)
				return c->rc;
			x = json_object_get(r, "data");
			json_array_foreach(x, i, y) {
				const char *pid = jstr(y, "id", b1, sizeof b1);
				json_t *s;

				json_array_foreach(json_object_get(y, "sku"), j, s) {
					const char *code = jstr(s, "code", NULL, 0);
					if (code)
						emit_product(c, code, code, NULL, NULL, "product_id", pid,
						    "sku_id", jstr(s, "id", b2, sizeof b2), (const char *)NULL);
				}
				if (pid)
					snprintf(last, sizeof last, "%s", pid);
			}
			n = json_array_size(x);
			json_decref(r);
			if ((long)n < lim)
				return 0;
			if (++pages > MAX_PAGES)
				return fail(c, LK_EX_TEMPFAIL, "%s: products: too many pages", c->ch->name);
		}
	}
	case LK_MPREAD_ORDERS: {
		long lim = page(c, 100), pg = 1;
		long long seen = 0, total;

		for (;; pg++) {
			r = api(c, "POST", "/seller-api/v1/order/get-order-list",
			    json_pack("{s:[],s:i,s:i}", "order_statuses", "page_size", (int)lim, "page", (int)pg));
			if (r == NULL)
				return c->rc;
			total = jint(json_object_get(r, "data"), "total_count", -1);
			x = jpath(r, "data.orders");
			json_array_foreach(x, i, y) {
				json_t *l;
				const char *id = jstr(y, "id", b1, sizeof b1);

				json_array_foreach(json_object_get(y, "order_lines"), j, l)
					emit_order(c, id ? id : "", jstr(l, "sku_code", NULL, 0), jint(l, "quantity", 0),
					    jstr(y, "status", NULL, 0), jstr(y, "created_at", NULL, 0));
			}
			seen += (long long)json_array_size(x);
			j = json_array_size(x);
			json_decref(r);
			if (total < 0)
				return fail(c, LK_EX_TEMPFAIL, "%s: get-order-list: no total_count", c->ch->name);
			if (seen >= total)
				return 0;
			if (j == 0 || pg > MAX_PAGES)
				return fail(c, LK_EX_TEMPFAIL, "%s: get-order-list ended at %lld of %lld orders",
				    c->ch->name, seen, total);
		}
	}
	}
	return 0;
}

/* ---- entry ---- */

int
lk_mpread_run(const struct lk_config *cfg, const struct lk_channel *ch,
    enum lk_mpread_kind kind, struct lk_mpread_opts *o, char *err, size_t errlen)
{
	struct ctx c;
	char aerr[256];
	int rc;

	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	c.ch = ch;
	c.o = o;
	c.err = err;
	c.errlen = errlen;
	c.idcol = -1;
	err[0] = '\0';
	lk_fmt_time(lk_now(), c.now);
	c.mp = lk_mp_find(ch->marketplace);
	if (c.mp == NULL) {
		snprintf(err, errlen, "%s: marketplace '%s' has no API to read", ch->name,
		    ch->marketplace ? ch->marketplace : "");
		rc = LK_EX_CONFIG;
		goto sentinel;
	}
	c.base = lk_mp_base_url(c.mp, ch);
	if (lk_mp_auth(c.mp, ch, &c.auth, &c.token, aerr, sizeof aerr) != 0) {
		snprintf(err, errlen, "%s: %s", ch->name, aerr);
		rc = LK_EX_CONFIG;
		goto sentinel;
	}
	c.auth = curl_slist_append(c.auth, "Accept: application/json");
	map_build(&c);
	if (kind == LK_MPREAD_STOCKS)
		c.shown = json_object();
	switch (c.mp->id) {
	case LK_MP_WB:
		rc = kind == LK_MPREAD_ORDERS ? wb_orders(&c) : kind == LK_MPREAD_STOCKS ? wb_stocks(&c) :
		    kind == LK_MPREAD_WAREHOUSES ? wb_warehouses(&c) : wb_products(&c);
		break;
	case LK_MP_OZON:
		rc = ozon_run(&c, kind);
		break;
	case LK_MP_YM:
		rc = ym_run(&c, kind);
		break;
	case LK_MP_MM:
		rc = mm_run(&c, kind);
		break;
	case LK_MP_AE:
		rc = ae_run(&c, kind);
		break;
	default:
		rc = LK_EX_SOFTWARE;
	}
	if (kind == LK_MPREAD_STOCKS && rc == 0)
		emit_unreported(&c);
	json_decref(c.shown);
	if (c.unknown > 0)
		lk_warn("%s: %lld item%s not in catalog.csv's %s column (first: %s); left out",
		    ch->name, c.unknown, c.unknown == 1 ? "" : "s", c.mp->id_column, c.first_unknown);
	if (o->http.n_throttled > 0)
		lk_info("%s: throttled %d time%s", ch->name, o->http.n_throttled,
		    o->http.n_throttled == 1 ? "" : "s");
sentinel:
	if (kind == LK_MPREAD_ORDERS) {
		lk_emit_begin("orders");
		lk_emit_str("channel", ch->name);
		lk_emit_str("status", rc == 0 ? "complete" : "failed");
		lk_emit_int("records", c.nrec);
		if (rc != 0)
			lk_emit_str("error", err);
		lk_emit_str("at", c.now);
		lk_emit_end();
	}
	curl_slist_free_all(c.auth);
	lk_secret_free(c.token);
	free(c.map.key);
	free(c.map.sku);
	return rc;
}
