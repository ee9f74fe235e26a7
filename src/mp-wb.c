/*
 * mp-wb.c - Wildberries: stock updates by warehouse and chrtId, the
 * warehouse and stock listings, orders (assembly tasks) and product cards.
 * Facts: ../shared/specs/marketplaces.md (Wildberries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "exit.h"
#include "mp-int.h"
#include "push.h"
#include "reserve.h"
#include "util.h"

/* ---- stock updates ---- */

/* An id that must be a whole number (chrtId); -1 when it is not. */
static int
num_id(struct lk_push_item *it, long long *out)
{
	if (lk_parse_ll(it->id, 1, 9007199254740991LL, out) == -1) {
		lk_push_item_fail(it, LK_PI_FAILED, "", "bad id '%s' in catalog.csv (not a number)", it->id);
		return -1;
	}
	return 0;
}

static int
wb_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i, k = 0;
	long long id;

	rq->method = "PUT";
	rq->url = lk_xasprintf("%s/api/v3/stocks/%lld", c->base, c->ch->warehouse_id);
	fp = lk_mp_body_open(&rq->body, &rq->body_len);
	fputs("{\"stocks\":[", fp);
	for (i = 0; i < n; i++) {
		if (num_id(it[i], &id) == -1)
			continue;
		fprintf(fp, "%s{\"chrtId\":%lld,\"amount\":%lld}", k++ ? "," : "", id, it[i]->qty);
	}
	fputs("]}", fp);
	if (lk_mp_body_close(fp, err, errlen) == -1)
		return -1;
	if (k == 0) {
		snprintf(err, errlen, "no item with a valid id");
		return -1;
	}
	return 0;
}

static int
wb_temp_code(const char *code)
{
	return strcmp(code, "StoreIsProcessing") == 0;
}

static enum lk_pv
wb_parse(struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    const struct lk_http_resp *resp, char *msg, size_t msglen)
{
	json_t *j, *e, *d;
	size_t i, k, x, named = 0;
	char code[64] = "";
	int v;

	(void)c;
	if (resp->status == 204 || resp->status == 200) {
		for (i = 0; i < n; i++)
			if (it[i]->state == LK_PI_PENDING)
				it[i]->state = LK_PI_OK;
		return LK_PV_DONE;
	}
	if ((v = lk_push_common_status(resp->status, it, n, resp, msg, msglen)) != -1)
		return (enum lk_pv)v;
	j = lk_mp_jbody(resp);
	if (resp->status == 409 && json_is_array(j)) {
		/* The whole batch was rejected; data names the culprits.  The rest goes again. */
		json_array_foreach(j, k, e) {
			const char *ec = lk_mp_jstr(e, "code", NULL, 0), *em = lk_mp_jstr(e, "message", NULL, 0);

			d = json_object_get(e, "data");
			if (!json_is_array(d))
				continue;
			for (x = 0; x < json_array_size(d); x++) {
				json_t *chrt = json_object_get(json_array_get(d, x), "chrtId");
				char idbuf[32];

				if (!json_is_integer(chrt))
					continue;
				snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(chrt));
				for (i = 0; i < n; i++) {
					if (it[i]->state != LK_PI_PENDING || strcmp(it[i]->id, idbuf) != 0)
						continue;
					lk_push_item_fail(it[i], ec && wb_temp_code(ec) ? LK_PI_TEMP : LK_PI_FAILED,
					    ec ? ec : "Conflict", "%s%s%s", ec ? ec : "Conflict",
					    em && *em ? ": " : "", em ? em : "");
					named++;
				}
			}
		}
		if (named == 0) {
			lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
			for (i = 0; i < n; i++)
				if (it[i]->state == LK_PI_PENDING)
					lk_push_item_fail(it[i], wb_temp_code(code) ? LK_PI_TEMP : LK_PI_FAILED,
					    code, "%s", msg);
		}
		json_decref(j);
		return LK_PV_DONE;
	}
	lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
	json_decref(j);
	if (resp->status == 400)
		return LK_PV_SPLIT;
	if (resp->status == 409) {
		/* 409 without a list: StoreIsProcessing for the whole warehouse */
		for (i = 0; i < n; i++)
			if (it[i]->state == LK_PI_PENDING)
				lk_push_item_fail(it[i], LK_PI_TEMP, code, "%s", msg);
		return LK_PV_DONE;
	}
	/* 404 (warehouse), 406 (updates blocked), other 4xx: the channel is refused. */
	return LK_PV_REFUSED;
}



/* ---- listings ---- */

static int
wb_warehouses(struct lk_mpread_ctx *c)
{
	json_t *r = lk_mpread_api(c, "GET", "/api/v3/warehouses", NULL), *w;
	size_t i;
	char b[32];

	if (r == NULL)
		return c->rc;
	if (!json_is_array(r)) {
		json_decref(r);
		return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: warehouses: unexpected answer", c->ch->name);
	}
	json_array_foreach(r, i, w)
		lk_mpread_warehouse(c, lk_mp_jstr(w, "id", b, sizeof b), lk_mp_jstr(w, "name", NULL, 0));
	json_decref(r);
	return 0;
}

static int
wb_stocks(struct lk_mpread_ctx *c)
{
	size_t pos = 0;
	char path[64], b[32];

	if (lk_mpread_need(c, c->ch->warehouse_id, "warehouse_id"))
		return c->rc;
	if (c->idcol < 0)
		return lk_mpread_fail(c, LK_EX_CONFIG, "catalog.csv has no %s column: nothing to ask for", c->mp->id_column);
	snprintf(path, sizeof path, "/api/v3/stocks/%lld", c->ch->warehouse_id);
	for (;;) {
		json_t *ids = lk_mpread_ids(c, &pos, lk_mpread_page(c, 1000), 1), *body, *r, *s;
		size_t i;

		if (json_array_size(ids) == 0) {
			json_decref(ids);
			break;
		}
		body = json_pack("{s:o}", "chrtIds", ids);
		if ((r = lk_mpread_api(c, "POST", path, body)) == NULL)
			return c->rc;
		json_array_foreach(json_object_get(r, "stocks"), i, s)
			lk_mpread_seen(c, lk_mp_jstr(s, "chrtId", b, sizeof b), lk_mp_jint(s, "amount", 0));
		json_decref(r);
	}
	return 0;
}

struct wbord {
	long long id;
	long long wh;
	char chrt[32];
	char at[40];
};

struct wbords {
	struct wbord *v;
	size_t n, cap;
};

/* Adds the orders of an answer; 1, 0 when it had none, -1 when it has no order list. */
static int
wb_add(struct wbords *w, json_t *r)
{
	json_t *a = json_object_get(r, "orders"), *o;
	size_t k;
	char b[32];

	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, k, o) {
		const char *ch = lk_mp_jstr(o, "chrtId", b, sizeof b), *at = lk_mp_jstr(o, "createdAt", NULL, 0);

		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->v = lk_xrealloc(w->v, w->cap * sizeof *w->v);
		}
		w->v[w->n].id = lk_mp_jint(o, "id", 0);
		w->v[w->n].wh = lk_mp_jint(o, "warehouseId", 0);
		snprintf(w->v[w->n].chrt, sizeof w->v[w->n].chrt, "%s", ch ? ch : "");
		snprintf(w->v[w->n].at, sizeof w->v[w->n].at, "%s", at ? at : "");
		w->n++;
	}
	return json_array_size(a) > 0;
}

static int
wbord_cmp(const void *a, const void *b)
{
	const struct wbord *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The status lk reports for an order: the seller's (supplierStatus: new,
 * confirm, complete, cancel), which only the seller's own actions change
 * [WB-OAS-FBS /api/v3/orders/status]; an order WB or the buyer cancelled
 * before it shipped (wbStatus canceled, declined_by_client, ...) while
 * the seller's status is still new or confirm is "cancel": its units never
 * left the warehouse.  A cancel after shipping (complete) stays complete.
 */
static const char *
wb_status(const json_t *st)
{
	static const char *const gone[] = { "canceled", "canceled_by_client", "declined_by_client",
		"canceled_by_carrier", NULL };
	const char *ss = lk_mp_jstr(st, "supplierStatus", NULL, 0), *ws = lk_mp_jstr(st, "wbStatus", NULL, 0);

	if (ss == NULL)
		return "";
	if (ws != NULL && (strcmp(ss, "new") == 0 || strcmp(ss, "confirm") == 0))
		for (size_t i = 0; gone[i]; i++)
			if (strcmp(ws, gone[i]) == 0)
				return "cancel";
	return ss;
}

/* The entry for id in a POST /api/v3/orders/status answer, or NULL. */
static json_t *
wb_status_of(json_t *r, long long id)
{
	json_t *o;
	size_t j;

	json_array_foreach(json_object_get(r, "orders"), j, o)
		if (lk_mp_jint(o, "id", -1) == id)
			return o;
	return NULL;
}

/*
 * The open assembly orders of the whole account (the listings are per
 * seller account [WB-OAS-FBS]): GET /api/v3/orders/new gives every new
 * order however old; the history (GET /api/v3/orders, windows of at most
 * 30 days over --since, WB keeps 3 months) adds those already on
 * assembly (confirm) and recent ones in other states; their status comes
 * from POST /api/v3/orders/status, 1000 ids a call.  Older orders on
 * assembly are asked by id (wb_held).  Each order, as
 * {id,chrtId,warehouseId,createdAt,status}, to lk_mpread_item().
 */
static int
wb_account_orders(struct lk_mpread_ctx *c)
{
	struct wbords w = { NULL, 0, 0 };
	size_t n, i, k;
	time_t now = lk_now(), from = now - (time_t)c->o->since, to;
	long lim = lk_mpread_page(c, 1000);
	json_t *r;
	int more, rc = 0;

	if ((r = lk_mpread_api(c, "GET", "/api/v3/orders/new", NULL)) == NULL)
		return c->rc;
	more = wb_add(&w, r);
	json_decref(r);
	if (more == -1) {
		rc = lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: orders/new: unexpected answer", c->ch->name);
		goto out;
	}
	for (; from < now; from = to) {
		long long next = 0;
		int pages = 0;

		to = from + 30 * 86400 < now ? from + 30 * 86400 : now;
		for (;;) {
			char path[160];
			long long nn;

			snprintf(path, sizeof path, "/api/v3/orders?limit=%ld&next=%lld&dateFrom=%lld&dateTo=%lld",
			    lim, next, (long long)from, (long long)to);
			if ((r = lk_mpread_api(c, "GET", path, NULL)) == NULL) {
				rc = c->rc;
				goto out;
			}
			more = wb_add(&w, r);
			nn = lk_mp_jint(r, "next", -1);
			json_decref(r);
			if (more == -1) {
				rc = lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: orders: unexpected answer", c->ch->name);
				goto out;
			}
			if (more == 0)
				break;
			if (nn <= next || ++pages > LK_MP_MAX_PAGES) {
				rc = lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: orders: the listing does not advance (next %lld)",
				    c->ch->name, nn);
				goto out;
			}
			next = nn;
		}
	}
	/* A new order inside the window is in both listings: once is enough. */
	if (w.n > 1)
		qsort(w.v, w.n, sizeof *w.v, wbord_cmp);
	for (i = n = 0; i < w.n; i++)
		if (n == 0 || w.v[n - 1].id != w.v[i].id)
			w.v[n++] = w.v[i];
	for (i = 0; i < n; ) {
		json_t *ids = json_array();
		size_t start = i;

		for (; i < n && json_array_size(ids) < 1000; i++)
			json_array_append_new(ids, json_integer(w.v[i].id));
		if ((r = lk_mpread_api(c, "POST", "/api/v3/orders/status", json_pack("{s:o}", "orders", ids))) == NULL) {
			rc = c->rc;
			goto out;
		}
		for (k = start; k < i; k++) {
			json_t *st, *rec;

			if ((st = wb_status_of(r, w.v[k].id)) == NULL) {
				json_decref(r);
				rc = lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: no status for order %lld", c->ch->name, w.v[k].id);
				goto out;
			}
			rec = json_pack("{s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)w.v[k].id,
			    "chrtId", w.v[k].chrt, "warehouseId", (json_int_t)w.v[k].wh, "createdAt", w.v[k].at,
			    "status", wb_status(st));
			lk_mpread_item(c, rec);
			json_decref(rec);
		}
		json_decref(r);
	}
out:
	free(w.v);
	return rc;
}

/*
 * The orders the reserve ledger (.lk/reserve.ndjson, lk-reserve(1)) still
 * holds for the channel, by id: an order put on assembly (confirm) before
 * --since is in neither listing, yet it is still to be assembled.  Those
 * the listing shows are struck off as they pass (wb_order_item); the
 * rest are asked by id (wb_held).
 */
struct wbheld {
	struct lk_reserve r;
	json_t *ids;                /* order id -> index in r.orders */
};

static void
wb_held_load(struct lk_mpread_ctx *c, struct wbheld *h)
{
	char *path, err[256];
	long long id;
	size_t i;

	h->ids = json_object();
	lk_reserve_init(&h->r, lk_now(), 0, 0);
	if (c->o->lkdir == NULL)
		return;
	path = lk_path_join(c->o->lkdir, "reserve.ndjson");
	if (lk_reserve_load(&h->r, path, err, sizeof err) != 0)
		lk_warn("%s: %s: orders older than --since are not asked for", c->ch->name, err);
	free(path);
	for (i = 0; i < h->r.norders; i++)
		if (h->r.orders[i].reserving && strcmp(h->r.orders[i].channel, c->ch->name) == 0 &&
		    lk_parse_ll(h->r.orders[i].id, 1, 1LL << 62, &id) == 0)
			json_object_set_new(h->ids, h->r.orders[i].id, json_integer((json_int_t)i));
}

/*
 * WB gives the status of the held orders the listing did not show by id
 * (POST /api/v3/orders/status, 1000 ids a call); each is emitted again as
 * the ledger knows it (sku, quantity, time) with WB's status now, so
 * lk-reserve keeps it, ships it or releases it.  An id WB does not answer
 * for is left out: to lk-reserve it vanished (shipped).
 */
static int
wb_held(struct lk_mpread_ctx *c, struct wbheld *h)
{
	void *it = json_object_iter(h->ids);

	while (it != NULL) {
		json_t *ids = json_array(), *ans, *o;
		void *start = it;
		long long id;
		char tb[21];

		for (; it != NULL && json_array_size(ids) < 1000; it = json_object_iter_next(h->ids, it)) {
			lk_parse_ll(json_object_iter_key(it), 1, 1LL << 62, &id);
			json_array_append_new(ids, json_integer(id));
		}
		if ((ans = lk_mpread_api(c, "POST", "/api/v3/orders/status", json_pack("{s:o}", "orders", ids))) == NULL)
			return c->rc;
		for (; start != it; start = json_object_iter_next(h->ids, start)) {
			const struct lk_rsv_order *ro =
			    &h->r.orders[json_integer_value(json_object_iter_value(start))];

			lk_parse_ll(ro->id, 1, 1LL << 62, &id);
			if ((o = wb_status_of(ans, id)) != NULL)
				lk_mpread_order_sku(c, ro->id, ro->sku, ro->qty, wb_status(o), lk_fmt_time(ro->at, tb));
		}
		json_decref(ans);
	}
	return 0;
}

/* An order of the account: the channel's when it came to its warehouse. */
static void
wb_order_item(struct lk_mpread_ctx *c, json_t *o)
{
	struct wbheld *h = c->mpdata;
	char idb[32];

	if (lk_mp_jint(o, "warehouseId", 0) != c->ch->warehouse_id)
		return;
	snprintf(idb, sizeof idb, "%lld", lk_mp_jint(o, "id", 0));
	json_object_del(h->ids, idb);
	lk_mpread_order(c, idb, lk_mp_jstr(o, "chrtId", NULL, 0), 1, lk_mp_jstr(o, "status", NULL, 0),
	    lk_mp_jstr(o, "createdAt", NULL, 0));
}

/* The account's orders, read once per run (lk_mpread_shared), then the held ones. */
static int
wb_orders(struct lk_mpread_ctx *c)
{
	struct wbheld h;
	char name[48];
	int rc;

	if (lk_mpread_need(c, c->ch->warehouse_id, "warehouse_id"))
		return c->rc;
	snprintf(name, sizeof name, "wb-orders-%lld", c->o->since);
	wb_held_load(c, &h);
	c->mpdata = &h;
	if ((rc = lk_mpread_shared(c, name, wb_account_orders, wb_order_item)) == 0)
		rc = wb_held(c, &h);
	c->mpdata = NULL;
	json_decref(h.ids);
	lk_reserve_free(&h.r);
	return rc;
}

static int
wb_products(struct lk_mpread_ctx *c)
{
	json_t *cursor = json_pack("{s:i}", "limit", (int)lk_mpread_page(c, 100));
	long lim = lk_mpread_page(c, 100);
	int pages = 0;
	char b1[32], b2[32];

	/* The content API lives on its own host unless base_url points elsewhere (a test). */
	if (!(c->ch->base_url && *c->ch->base_url))
		c->base = "https://content-api.wildberries.ru";
	for (;;) {
		json_t *body = json_pack("{s:{s:O,s:{s:i}}}", "settings", "cursor", cursor,
		    "filter", "withPhoto", -1);
		json_t *r = lk_mpread_api(c, "POST", "/content/v2/get/cards/list", body), *card, *size, *cur;
		size_t i, j;
		long long total;

		if (r == NULL) {
			json_decref(cursor);
			return c->rc;
		}
		json_array_foreach(json_object_get(r, "cards"), i, card) {
			const char *vc = lk_mp_jstr(card, "vendorCode", NULL, 0);
			const char *title = lk_mp_jstr(card, "title", NULL, 0);
			const char *nm = lk_mp_jstr(card, "nmID", b2, sizeof b2);

			json_array_foreach(json_object_get(card, "sizes"), j, size) {
				const char *chrt = lk_mp_jstr(size, "chrtID", b1, sizeof b1);
				json_t *skus = json_object_get(size, "skus");

				if (chrt == NULL)
					continue;
				lk_mpread_product(c, chrt, vc, json_string_value(json_array_get(skus, 0)), title,
				    "nm_id", nm, "tech_size", lk_mp_jstr(size, "techSize", NULL, 0), (const char *)NULL);
			}
		}
		cur = json_object_get(r, "cursor");
		total = lk_mp_jint(cur, "total", 0);
		if (total < lim || json_object_get(cur, "nmID") == NULL) {
			json_decref(r);
			break;
		}
		json_decref(cursor);
		cursor = json_pack("{s:i,s:O,s:O}", "limit", (int)lim, "updatedAt",
		    json_object_get(cur, "updatedAt"), "nmID", json_object_get(cur, "nmID"));
		json_decref(r);
		if (++pages > LK_MP_MAX_PAGES) {
			json_decref(cursor);
			return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: cards: too many pages", c->ch->name);
		}
	}
	json_decref(cursor);
	return 0;
}

static int
wb_auth(const struct lk_channel *ch, const char *secret, struct curl_slist **headers,
    char **body_token, char *err, size_t errlen)
{
	(void)ch, (void)body_token, (void)err, (void)errlen;
	return lk_mp_header(headers, "Authorization", secret);
}

/*
 * 1000 items a request, 300 requests a minute with a burst of 20; a 4xx
 * answer counts as 10 requests; 409 StoreIsProcessing clears after a few
 * seconds (marketplaces.md).
 */
const struct lk_mp lk_mp_wb = {
	.id = LK_MP_WB, .name = "wb", .title = "Wildberries",
	.default_base_url = "https://marketplace-api.wildberries.ru",
	.id_column = LK_COL_WB, .batch_max = 1000, .rate = 5.0, .burst = 20,
	.auth = wb_auth,
	.push_build = wb_build, .push_parse = wb_parse, .temp_wait_ms = 5000, .charge_4xx = 9.0,
	.orders = wb_orders, .stocks = wb_stocks, .warehouses = wb_warehouses, .products = wb_products,
};
