/*
 * mp-ozon.c - Ozon: stock updates by offer_id and warehouse, the warehouse,
 * stock, FBS posting and product listings.
 * Facts: ../shared/specs/marketplaces.md (Ozon).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "exit.h"
#include "mp-int.h"
#include "push.h"
#include "secrets.h"
#include "util.h"

/* ---- stock updates ---- */

static int
oz_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i;

	rq->method = "POST";
	rq->url = lk_xasprintf("%s/v2/products/stocks", c->base);
	fp = lk_mp_body_open(&rq->body, &rq->body_len);
	fputs("{\"stocks\":[", fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ",{\"offer_id\":" : "{\"offer_id\":", fp);
		lk_mp_put_str(fp, it[i]->id);
		fprintf(fp, ",\"stock\":%lld,\"warehouse_id\":%lld}", it[i]->qty, c->ch->warehouse_id);
	}
	fputs("]}", fp);
	return lk_mp_body_close(fp, err, errlen);
}

/* Per-item codes that clear up by themselves. */
static int
oz_temp_code(const char *code)
{
	return strcmp(code, "TOO_MANY_REQUESTS") == 0;
}

static enum lk_pv
oz_parse(struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    const struct lk_http_resp *resp, char *msg, size_t msglen)
{
	json_t *j, *res, *r;
	size_t i, k;
	char code[64] = "";
	int v;

	(void)c;
	if ((v = lk_push_common_status(resp->status, it, n, resp, msg, msglen)) != -1)
		return (enum lk_pv)v;
	j = lk_mp_jbody(resp);
	if (resp->status != 200) {
		lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
		json_decref(j);
		return resp->status == 400 ? LK_PV_SPLIT : LK_PV_REFUSED;
	}
	res = json_object_get(j, "result");
	if (!json_is_array(res)) {
		snprintf(msg, msglen, "HTTP 200 without a result list");
		json_decref(j);
		lk_push_fail_all(it, n, LK_PI_TEMP, "", msg);
		return LK_PV_DONE;
	}
	json_array_foreach(res, k, r) {
		const char *off = lk_mp_jstr(r, "offer_id", NULL, 0);
		json_t *errs = json_object_get(r, "errors"), *e0;

		if (off == NULL)
			continue;
		for (i = 0; i < n; i++) {
			if (it[i]->state != LK_PI_PENDING || strcmp(it[i]->id, off) != 0)
				continue;
			if (json_is_true(json_object_get(r, "updated"))) {
				it[i]->state = LK_PI_OK;
			} else {
				const char *ec = "UNKNOWN", *em = "";

				e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
				if (lk_mp_jstr(e0, "code", NULL, 0))
					ec = lk_mp_jstr(e0, "code", NULL, 0);
				if (lk_mp_jstr(e0, "message", NULL, 0))
					em = lk_mp_jstr(e0, "message", NULL, 0);
				lk_push_item_fail(it[i], oz_temp_code(ec) ? LK_PI_TEMP : LK_PI_FAILED,
				    ec, "%s%s%s", ec, *em ? ": " : "", em);
			}
			break;
		}
	}
	json_decref(j);
	for (i = 0; i < n; i++)
		if (it[i]->state == LK_PI_PENDING)
			lk_push_item_fail(it[i], LK_PI_TEMP, "", "not in Ozon's answer");
	return LK_PV_DONE;
}



/* ---- listings ---- */

/*
 * A cursor-paged Ozon listing: body gets "cursor"; items at items_key (a
 * path "result.items" allowed); each item to fn.  more(r) says whether
 * another page follows; next_key names the cursor field.
 */
typedef void (*item_fn)(struct lk_mpread_ctx *c, json_t *item);


static int
ozon_paged(struct lk_mpread_ctx *c, const char *path, json_t *body, const char *cursor_key,
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
		if ((r = lk_mpread_api(c, "POST", path, b)) == NULL) {
			free(cur);
			json_decref(body);
			return c->rc;
		}
		items = lk_mp_jpath(r, items_key);
		if (!json_is_array(items)) {
			json_decref(r);
			free(cur);
			json_decref(body);
			return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: %s: no %s in the answer", c->ch->name, path, items_key);
		}
		json_array_foreach(items, i, it)
			fn(c, it);
		n = json_array_size(items);
		nc = json_string_value(lk_mp_jpath(r, next_key));
		more = has_next_key ? json_is_true(lk_mp_jpath(r, has_next_key)) : nc && *nc && n > 0;
		if (more && (nc == NULL || *nc == '\0' || strcmp(nc, cur) == 0 || ++pages > LK_MP_MAX_PAGES)) {
			json_decref(r);
			free(cur);
			json_decref(body);
			return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: %s: the listing does not advance", c->ch->name, path);
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
ozon_wh_item(struct lk_mpread_ctx *c, json_t *w)
{
	char b[32];

	lk_mpread_warehouse(c, lk_mp_jstr(w, "warehouse_id", b, sizeof b), lk_mp_jstr(w, "name", NULL, 0));
}

/* A warehouse id, an integer or (int64 in protobuf JSON) a string; 0 when neither. */
static long long
wh_id(const json_t *w)
{
	long long v;

	if (json_is_integer(w))
		return (long long)json_integer_value(w);
	if (json_is_string(w) && lk_parse_ll(json_string_value(w), 1, 1LL << 62, &v) == 0)
		return v;
	return 0;
}

/*
 * POST /v4/product/info/stocks gives each item's stock per scheme (type
 * fbs, rfbs, fbo, fbp) with the warehouses it is or was kept on
 * (warehouse_ids) [OZ-OAS]: exact for the channel's warehouse when it is
 * the only one listed.  Items also kept on other warehouses of the
 * scheme are asked per warehouse afterwards (ozon_stocks).
 */
/* Ozon skus to ask per warehouse (kept in C: a JSON array would outlive the pages, json-arena.h). */
struct oz_ask {
	long long *v;
	size_t n, cap;
};

static void
ozon_stock_item(struct lk_mpread_ctx *c, json_t *it)
{
	struct oz_ask *ask = c->mpdata;
	json_t *s, *w;
	size_t i, j;
	long long qty = 0;
	int ours = 0, shared = 0;

	json_array_foreach(json_object_get(it, "stocks"), i, s) {
		const char *t = lk_mp_jstr(s, "type", NULL, 0);
		json_t *whs = json_object_get(s, "warehouse_ids");
		int here = 0;

		if (t == NULL || (strcmp(t, "fbs") != 0 && strcmp(t, "rfbs") != 0))
			continue;
		json_array_foreach(whs, j, w)
			if (wh_id(w) == c->ch->warehouse_id)
				here = 1;
		if (!here)
			continue;
		ours = 1;
		if (json_array_size(whs) == 1) {
			qty += lk_mp_jint(s, "present", 0) - lk_mp_jint(s, "reserved", 0);
		} else {
			shared = 1;
			if (ask->n == ask->cap) {
				ask->cap = ask->cap ? ask->cap * 2 : 256;
				ask->v = lk_xrealloc(ask->v, ask->cap * sizeof *ask->v);
			}
			ask->v[ask->n++] = lk_mp_jint(s, "sku", 0);
		}
	}
	/* Not on our warehouse: left to the unreported pass (shown as 0). */
	if (ours && !shared)
		lk_mpread_seen(c, lk_mp_jstr(it, "offer_id", NULL, 0), qty);
}

static void
ozon_order_item(struct lk_mpread_ctx *c, json_t *p)
{
	json_t *prod;
	size_t i;
	const char *id = lk_mp_jstr(p, "posting_number", NULL, 0);

	const char *st = lk_mp_jstr(p, "status", NULL, 0), *changed = NULL;

	/* delivering_date: "Дата передачи отправления в доставку" [OZ-OAS], when it got these statuses */
	if (st && (strcmp(st, "delivering") == 0 || strcmp(st, "driver_pickup") == 0))
		changed = lk_mp_jstr(p, "delivering_date", NULL, 0);
	json_array_foreach(json_object_get(p, "products"), i, prod)
		lk_mpread_order_changed(c, id ? id : "", lk_mp_jstr(prod, "offer_id", NULL, 0),
		    lk_mp_jint(prod, "quantity", 0), st, lk_mp_jstr(p, "in_process_at", NULL, 0), changed);
}

static void
ozon_product_item(struct lk_mpread_ctx *c, json_t *p)
{
	char b[32];
	const char *off = lk_mp_jstr(p, "offer_id", NULL, 0);

	if (off)
		lk_mpread_product(c, off, off, NULL, NULL, "product_id", lk_mp_jstr(p, "product_id", b, sizeof b),
		    (const char *)NULL);
}

static int
ozon_warehouses(struct lk_mpread_ctx *c)
{
	json_t *body = json_pack("{s:i}", "limit", (int)lk_mpread_page(c, 200));

	return ozon_paged(c, "/v2/warehouse/list", body, "cursor", "warehouses", "cursor",
	    "has_next", ozon_wh_item);
}

/* Every product's stock by scheme, for the whole account, each item to lk_mpread_item(). */
static int
ozon_account_stocks(struct lk_mpread_ctx *c)
{
	json_t *body = json_pack("{s:i,s:{s:s}}", "limit", (int)lk_mpread_page(c, 1000), "filter",
	    "visibility", "ALL");

	return ozon_paged(c, "/v4/product/info/stocks", body, "cursor", "items", "cursor", NULL, lk_mpread_item);
}

static int
ozon_stocks(struct lk_mpread_ctx *c)
{
	struct oz_ask ask = { NULL, 0, 0 };
	json_t *r, *x;
	size_t pos, i;
	int rc;

	if (lk_mpread_need(c, c->ch->warehouse_id, "warehouse_id"))
		return c->rc;
	/* The account's listing, read once per run; what is on the channel's warehouse as it comes. */
	c->mpdata = &ask;
	rc = lk_mpread_shared(c, "ozon-stocks", ozon_account_stocks, ozon_stock_item);
	c->mpdata = NULL;
	/*
	 * Per warehouse: POST /v2/product/info/stocks-by-warehouse/fbs, Ozon
	 * skus in batches of 500 -> {sku,offer_id,present,reserved,warehouse_id}
	 * for the seller's FBS and rFBS warehouses ([OZ-TYPES]; not in the
	 * reduced official spec).
	 */
	for (pos = 0; rc == 0 && pos < ask.n; ) {
		json_t *skus = json_array();

		for (; pos < ask.n && json_array_size(skus) < 500; pos++)
			json_array_append_new(skus, json_integer((json_int_t)ask.v[pos]));
		if ((r = lk_mpread_api(c, "POST", "/v2/product/info/stocks-by-warehouse/fbs",
		    json_pack("{s:o}", "sku", skus))) == NULL) {
			rc = c->rc;
			break;
		}
		json_array_foreach(json_object_get(r, "result"), i, x)
			if (wh_id(json_object_get(x, "warehouse_id")) == c->ch->warehouse_id)
				lk_mpread_seen(c, lk_mp_jstr(x, "offer_id", NULL, 0),
				    lk_mp_jint(x, "present", 0) - lk_mp_jint(x, "reserved", 0));
		json_decref(r);
	}
	free(ask.v);
	return rc;
}

static int
ozon_orders(struct lk_mpread_ctx *c)
{
	json_t *body, *flt;
	char from[21], to[21], now[21];

	lk_fmt_time(lk_now() - (time_t)c->o->since, from);
	lk_fmt_time(lk_now() + 60 * 86400, to);
	lk_fmt_time(lk_now(), now);
	body = json_pack("{s:i,s:s,s:{s:s,s:s}}", "limit", (int)lk_mpread_page(c, 100), "sort_dir", "ASC",
	    "filter", "cutoff_from", from, "cutoff_to", to);
	if (c->ch->warehouse_id > 0)
		json_object_set_new(json_object_get(body, "filter"), "warehouse_ids",
		    json_pack("[I]", (json_int_t)c->ch->warehouse_id));
	if (ozon_paged(c, "/v4/posting/fbs/unfulfilled/list", json_deep_copy(body), "cursor", "postings",
	    "cursor", "has_next", ozon_order_item) != 0) {
		json_decref(body);
		return c->rc;
	}
	/*
	 * Then the postings handed to delivery since --since (the
	 * delivering_date filter, not combined with cutoff [OZ-OAS]), so
	 * lk-reserve counts a shipment from Ozon's own time.
	 */
	json_object_del(json_object_get(body, "filter"), "cutoff_from");
	json_object_del(json_object_get(body, "filter"), "cutoff_to");
	flt = json_pack("{s:s,s:s,s:[ss]}", "delivering_date_from", from, "delivering_date_to", now,
	    "statuses", "delivering", "driver_pickup");
	json_object_update(json_object_get(body, "filter"), flt);
	json_decref(flt);
	return ozon_paged(c, "/v4/posting/fbs/unfulfilled/list", body, "cursor", "postings",
	    "cursor", "has_next", ozon_order_item);
}

static int
ozon_products(struct lk_mpread_ctx *c)
{
	json_t *body = json_pack("{s:i,s:{s:s}}", "limit", (int)lk_mpread_page(c, 1000), "filter",
	    "visibility", "ALL");

	return ozon_paged(c, "/v3/product/list", body, "last_id", "result.items", "result.last_id",
	    NULL, ozon_product_item);
}

static int
ozon_auth(const struct lk_channel *ch, const char *secret, struct curl_slist **headers,
    char **body_token, char *err, size_t errlen)
{
	char *client_id = lk_cred_client_id(&ch->cred);
	int rc;

	(void)body_token;
	if (client_id == NULL) {
		snprintf(err, errlen, "%s: credentials: Ozon needs a Client-Id "
		    "(client_id or client_id_env)", ch->file);
		return -1;
	}
	rc = lk_mp_header(headers, "Client-Id", client_id);
	free(client_id);
	if (rc == 0)
		rc = lk_mp_header(headers, "Api-Key", secret);
	return rc;
}

/* 100 pairs a request, 80 requests a minute (marketplaces.md). */
const struct lk_mp lk_mp_ozon = {
	.id = LK_MP_OZON, .name = "ozon", .title = "Ozon",
	.default_base_url = "https://api-seller.ozon.ru",
	.id_column = LK_COL_OZON, .batch_max = 100, .rate = 80.0 / 60.0, .burst = 1,
	.auth = ozon_auth,
	.push_build = oz_build, .push_parse = oz_parse, .temp_wait_ms = 30000,
	.orders = ozon_orders, .stocks = ozon_stocks, .warehouses = ozon_warehouses, .products = ozon_products,
};
