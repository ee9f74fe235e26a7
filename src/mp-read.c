/*
 * mp-read.c - marketplace listings: orders, stocks, warehouses, products
 * (see mp-read.h).  The listings themselves are in each marketplace's
 * file (mp-NAME.c, its ops table); this is what they share: the call,
 * the mapping of marketplace ids to catalog skus, the records and the
 * orders sentinel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "confine.h"
#include "err.h"
#include "exit.h"
#include "json-arena.h"
#include "mp-int.h"
#include "ndjson.h"
#include "secrets.h"
#include "util.h"

int
lk_mpread_fail(struct lk_mpread_ctx *c, int code, const char *fmt, ...)
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

/*
 * The table holds catalog row numbers and compares the catalog's own
 * strings: 4 bytes a slot, at most half full, no copy of an id.  A
 * duplicate id maps to its first row.  It is built at the first lookup:
 * a listing with nothing in it (most orders listings) needs none.
 */
static void
map_fill(struct lk_mpread_ctx *c)
{
	const struct lk_catalog *cat = &c->cfg->catalog;
	size_t i, mask;

	if (cat->nrows >= UINT32_MAX / 2)
		lk_die(LK_EX_SOFTWARE, "catalog.csv: too many rows");
	c->map.cap = 64;
	while (c->map.cap < cat->nrows * 2 + 2)
		c->map.cap *= 2;
	mask = c->map.cap - 1;
	c->map.slot = lk_xcalloc(c->map.cap, sizeof *c->map.slot);
	for (i = 0; i < cat->nrows; i++) {
		const char *id = lk_catalog_get(cat, (long)i, c->idcol);
		size_t h;

		if (*id == '\0')
			continue;
		for (h = hash(id) & mask; c->map.slot[h]; h = (h + 1) & mask)
			if (strcmp(lk_catalog_get(cat, (long)c->map.slot[h] - 1, c->idcol), id) == 0)
				break;
		if (c->map.slot[h] == 0)
			c->map.slot[h] = (uint32_t)i + 1;
	}
}

/* Maps ids through column from now on (its table built when first asked). */
static void
map_use(struct lk_mpread_ctx *c, const char *column)
{
	free(c->map.slot);
	memset(&c->map, 0, sizeof c->map);
	c->idcol = lk_catalog_column(&c->cfg->catalog, column);
	c->idname = column;
	if (c->shown)
		memset(c->shown, 0, c->cfg->catalog.nrows);
}

int
lk_mpread_column(struct lk_mpread_ctx *c, const char *column)
{
	map_use(c, column);
	return c->idcol < 0 ? -1 : 0;
}

/* The catalog row of a marketplace id, or -1. */
static long
map_row(struct lk_mpread_ctx *c, const char *id)
{
	const struct lk_catalog *cat = &c->cfg->catalog;
	size_t h, mask;

	if (c->idcol < 0 || id == NULL)
		return -1;
	if (c->map.cap == 0)
		map_fill(c);
	mask = c->map.cap - 1;
	for (h = hash(id) & mask; c->map.slot[h]; h = (h + 1) & mask)
		if (strcmp(lk_catalog_get(cat, (long)c->map.slot[h] - 1, c->idcol), id) == 0)
			return (long)c->map.slot[h] - 1;
	return -1;
}

static const char *
map_sku(struct lk_mpread_ctx *c, const char *id)
{
	long row = map_row(c, id);

	return row < 0 ? NULL : lk_catalog_get(&c->cfg->catalog, row, 0);
}

static void
unknown(struct lk_mpread_ctx *c, const char *id)
{
	if (c->unknown++ == 0)
		snprintf(c->first_unknown, sizeof c->first_unknown, "%s", id ? id : "(none)");
}

/* ---- records ---- */

void
lk_mpread_order(struct lk_mpread_ctx *c, const char *id, const char *mpid, long long qty,
    const char *status, const char *at)
{
	lk_mpread_order_changed(c, id, mpid, qty, status, at, NULL);
}

static void
emit_order(struct lk_mpread_ctx *c, const char *id, const char *sku, long long qty,
    const char *status, const char *at, const char *changed)
{
	time_t t;
	char tb[21];

	lk_emit_begin("order");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("id", id);
	lk_emit_str("sku", sku);
	lk_emit_int("qty", qty < 0 ? 0 : qty);
	lk_emit_str("status", status ? status : "");
	if (at && lk_parse_time(at, &t) == 0)
		lk_emit_str("at", lk_fmt_time(t, tb));
	if (changed && lk_parse_time(changed, &t) == 0)
		lk_emit_str("changed", lk_fmt_time(t, tb));
	lk_emit_end();
	c->nrec++;
}

void
lk_mpread_order_changed(struct lk_mpread_ctx *c, const char *id, const char *mpid, long long qty,
    const char *status, const char *at, const char *changed)
{
	const char *sku = map_sku(c, mpid);

	if (sku == NULL) {
		unknown(c, mpid);
		return;
	}
	emit_order(c, id, sku, qty, status, at, changed);
}

void
lk_mpread_order_sku(struct lk_mpread_ctx *c, const char *id, const char *sku, long long qty,
    const char *status, const char *at)
{
	emit_order(c, id, sku, qty, status, at, NULL);
}

/*
 * After a complete stocks listing, a catalog item the marketplace did not
 * report is shown there as 0: say so, so that lk-push sends it again.
 */
static void
emit_unreported(struct lk_mpread_ctx *c)
{
	const struct lk_catalog *cat = &c->cfg->catalog;
	size_t i;

	if (c->idcol < 0)
		return;
	/* a duplicate id is its first row's: reported or emitted there */
	for (i = 0; i < cat->nrows; i++) {
		const char *id = lk_catalog_get(cat, (long)i, c->idcol);

		if (*id && !c->shown[i] && map_row(c, id) == (long)i)
			lk_mpread_seen(c, id, 0);
	}
}

const char *
lk_mpread_sku(struct lk_mpread_ctx *c, const char *mpid)
{
	return map_sku(c, mpid);
}

void
lk_mpread_seen(struct lk_mpread_ctx *c, const char *mpid, long long qty)
{
	long row = map_row(c, mpid);

	if (row < 0) {
		unknown(c, mpid);
		return;
	}
	if (c->shown)
		c->shown[row] = 1;
	lk_mpread_seen_sku(c, lk_catalog_get(&c->cfg->catalog, row, 0), qty);
}

void
lk_mpread_seen_sku(struct lk_mpread_ctx *c, const char *sku, long long qty)
{
	lk_emit_begin("seen");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("sku", sku);
	lk_emit_int("qty", qty < 0 ? 0 : qty);
	lk_emit_str("at", c->now);
	lk_emit_end();
	c->nrec++;
}

void
lk_mpread_warehouse(struct lk_mpread_ctx *c, const char *id, const char *name)
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
void
lk_mpread_product(struct lk_mpread_ctx *c, const char *mpid, const char *offer_id, const char *barcode,
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
json_t *
lk_mpread_api(struct lk_mpread_ctx *c, const char *method, const char *path, json_t *body)
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
		lk_json_free(data);
	}
	if (rc != 0) {
		lk_mpread_fail(c, rc, "%s: %s", c->ch->name, resp.error);
		goto done;
	}
	if (resp.status < 200 || resp.status >= 300) {
		char snip[LK_EXCERPT_SIZE];

		lk_excerpt(resp.body ? resp.body : "", resp.body ? resp.len : 0, snip);
		lk_mpread_fail(c, resp.status >= 500 ? LK_EX_TEMPFAIL : LK_EX_UNAVAILABLE,
		    "%s: %s: HTTP %ld: %s", c->ch->name, shown, resp.status, snip);
		goto done;
	}
	{
		json_error_t je;

		out = resp.body ? json_loadb(resp.body, resp.len, 0, &je) : NULL;
		if (out == NULL) {
			lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: %s: the answer is not JSON", c->ch->name, shown);
			goto done;
		}
	}
	/* MegaMarket answers 200 with success 0; AliExpress with an error object. */
	if (c->mp->refused != NULL) {
		char msg[256];

		if (c->mp->refused(out, msg, sizeof msg)) {
			lk_mpread_fail(c, LK_EX_UNAVAILABLE, "%s: %s: refused: %s", c->ch->name, shown, msg);
			json_decref(out);
			out = NULL;
		}
	}
done:
	lk_http_resp_free(&resp);
	free(url);
	free(shown);
	return out;
}

void
lk_mpread_item(struct lk_mpread_ctx *c, json_t *item)
{
	if (c->share != NULL && !c->share_failed) {
		/* into one buffer, then one fwrite: json_dumpf writes each token by itself */
		size_t n = json_dumpb(item, c->sharebuf, c->sharecap, JSON_COMPACT);

		if (n >= c->sharecap && n > 0) {
			free(c->sharebuf);
			c->sharecap = n * 2 + 1;
			c->sharebuf = lk_xmalloc(c->sharecap);
			n = json_dumpb(item, c->sharebuf, c->sharecap, JSON_COMPACT);
		}
		if (n == 0 || n >= c->sharecap)
			c->share_failed = 1;
		else {
			c->sharebuf[n++] = '\n';
			if (fwrite(c->sharebuf, 1, n, c->share) != n)
				c->share_failed = 1;
		}
	}
	c->each(c, item);
}

/* Gives each item of a complete shared listing to c->each, one line at a time. */
static int
shared_replay(struct lk_mpread_ctx *c, FILE *fp, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long n = 0;
	json_error_t je;
	json_t *j;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &cap, fp)) > 0) {
		n++;
		if ((j = json_loadb(line, (size_t)len, 0, &je)) == NULL) {
			rc = lk_mpread_fail(c, LK_EX_SOFTWARE, "%s: %s:%lu: not JSON", c->ch->name, path, n);
			break;
		}
		c->each(c, j);
		json_decref(j);
	}
	if (rc == 0 && ferror(fp))
		rc = lk_mpread_fail(c, LK_EX_IOERR, "%s: cannot read '%s'", c->ch->name, path);
	free(line);
	return rc;
}

/* Whether another enabled channel speaks for the account acct (one that would read the shared copy). */
static int
account_has_others(const struct lk_mpread_ctx *c, const char *acct)
{
	size_t i;

	for (i = 0; i < c->cfg->nchannels; i++) {
		const struct lk_channel *o = &c->cfg->channels[i];
		char *a;
		int same;

		if (!o->enabled || strcmp(o->name, c->ch->name) == 0 || lk_mp_find(o->marketplace) != c->mp)
			continue;
		a = lk_mp_account(c->mp, o);
		same = strcmp(a, acct) == 0;
		free(a);
		if (same)
			return 1;
	}
	return 0;
}

int
lk_mpread_shared(struct lk_mpread_ctx *c, const char *name, int (*read)(struct lk_mpread_ctx *c),
    void (*each)(struct lk_mpread_ctx *c, json_t *item))
{
	const char *run = getenv("LK_RUN_DIR");
	char *acct, *path, *lock;
	unsigned long long h = 1469598103934665603ULL;
	const unsigned char *p;
	struct lk_atomic a;
	FILE *fp;
	int fd, rc;

	c->each = each;
	if (run == NULL || *run == '\0')
		return read(c);
	acct = lk_mp_account(c->mp, c->ch);
	/* The copy costs a JSON dump and a write per item: an account's only channel keeps none. */
	if (!account_has_others(c, acct)) {
		free(acct);
		return read(c);
	}
	for (p = (const unsigned char *)acct; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	free(acct);
	path = lk_xasprintf("%s/shared-%s-%016llx.ndjson", run, name, h);
	lock = lk_xasprintf("%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		lk_warn("%s: cannot share the listing through %s:", c->ch->name, lock);
		if (fd != -1)
			close(fd);
		free(path);
		free(lock);
		return read(c);
	}
	if ((fp = lk_confine_fopen(path, "r")) != NULL) {
		rc = shared_replay(c, fp, path);
		fclose(fp);
	} else {
		if (errno != ENOENT)
			lk_warn("%s: cannot read '%s':", c->ch->name, path);
		if (lk_atomic_open(&a, path) == 0)
			c->share = a.fp;
		else
			lk_warn("%s: cannot keep the listing in %s:", c->ch->name, path);
		c->share_failed = 0;
		rc = read(c);
		if (c->share != NULL) {
			/* only a complete listing is kept: the next channel reads a failed one itself */
			if (rc != 0 || c->share_failed) {
				if (rc == 0)
					lk_warn("%s: cannot keep the listing in %s:", c->ch->name, path);
				lk_atomic_abort(&a);
			} else if (lk_atomic_commit(&a) != 0) {
				lk_warn("%s: cannot keep the listing in %s:", c->ch->name, path);
			}
			c->share = NULL;
		}
	}
	close(fd);      /* releases the lock */
	free(path);
	free(lock);
	return rc;
}

long
lk_mpread_page(struct lk_mpread_ctx *c, long max)
{
	long p = c->o->page_size;

	return p > 0 && p < max ? p : max;
}

int
lk_mpread_need(struct lk_mpread_ctx *c, long long v, const char *what)
{
	if (v > 0)
		return 0;
	return lk_mpread_fail(c, LK_EX_CONFIG, "%s: %s is not set", c->ch->file ? c->ch->file : c->ch->name, what);
}

/* Catalog ids of this marketplace, from index *pos, at most n, into a JSON array. */
json_t *
lk_mpread_ids(struct lk_mpread_ctx *c, size_t *pos, long n, int numeric)
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
				    c->idname, id);
				continue;
			}
			json_array_append_new(a, json_integer(v));
		} else {
			json_array_append_new(a, json_string(id));
		}
	}
	return a;
}

/* ---- entry ---- */

int
lk_mpread_run(const struct lk_config *cfg, const struct lk_channel *ch,
    enum lk_mpread_kind kind, struct lk_mpread_opts *o, char *err, size_t errlen)
{
	struct lk_mpread_ctx c;
	int (*fn)(struct lk_mpread_ctx *) = NULL;
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
	if (kind == LK_MPREAD_STOCKS)
		c.shown = lk_xcalloc(cfg->catalog.nrows + 1, 1);
	map_use(&c, c.mp->id_column);
	switch (kind) {
	case LK_MPREAD_ORDERS: fn = c.mp->orders; break;
	case LK_MPREAD_STOCKS: fn = c.mp->stocks; break;
	case LK_MPREAD_WAREHOUSES: fn = c.mp->warehouses; break;
	case LK_MPREAD_PRODUCTS: fn = c.mp->products; break;
	}
	if (fn != NULL) {
		rc = fn(&c);
	} else if (kind == LK_MPREAD_STOCKS) {
		/* Nothing seen is not "0 shown": no record at all. */
		lk_info("%s: %s documents no call that reads its stock; nothing seen", ch->name, c.mp->title);
		rc = 0;
		goto done;
	} else {
		rc = lk_mpread_fail(&c, LK_EX_UNAVAILABLE, "%s: %s documents no call for this listing",
		    ch->name, c.mp->title);
	}
	if (kind == LK_MPREAD_STOCKS && rc == 0 && !c.no_unreported)
		emit_unreported(&c);
done:
	if (c.unknown > 0)
		lk_warn("%s: %lld item%s not in catalog.csv's %s column (first: %s); left out",
		    ch->name, c.unknown, c.unknown == 1 ? "" : "s", c.idname, c.first_unknown);
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
	free(c.map.slot);
	free(c.shown);
	free(c.sharebuf);
	return rc;
}
