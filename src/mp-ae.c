/*
 * mp-ae.c - AliExpress: stock updates as tasks (their results polled), the stock,
 * product and order listings.
 * Facts: ../shared/specs/marketplaces.md (AliExpress).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "exit.h"
#include "mp-int.h"
#include "push.h"
#include "util.h"

/* ---- stock updates ---- */

static int
ae_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i, j, k = 0;
	char *done = lk_xcalloc(n + 1, 1);

	rq->method = "POST";
	rq->url = lk_xasprintf("%s/api/v1/product/update-sku-stock", c->base);
	fp = lk_mp_body_open(&rq->body, &rq->body_len);
	fputs("{\"products\":[", fp);
	/* One product entry per product_id, its skus together, in first-seen order. */
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		fputs(k++ ? ",{\"product_id\":" : "{\"product_id\":", fp);
		lk_mp_put_str(fp, it[i]->id2);
		fputs(",\"skus\":[", fp);
		for (j = i; j < n; j++) {
			if (done[j] || strcmp(it[j]->id2, it[i]->id2) != 0)
				continue;
			done[j] = 1;
			fputs(j > i ? ",{\"sku_code\":" : "{\"sku_code\":", fp);
			lk_mp_put_str(fp, it[j]->id);
			fprintf(fp, ",\"inventory\":\"%lld\"}", it[j]->qty);
		}
		fputs("]}", fp);
	}
	fputs("]}", fp);
	free(done);
	return lk_mp_body_close(fp, err, errlen);
}

static struct lk_push_item *
ae_find(struct lk_push_item **it, size_t n, const char *pid, const char *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (it[i]->state == LK_PI_PENDING && strcmp(it[i]->id, code) == 0 &&
		    (pid == NULL || strcmp(it[i]->id2, pid) == 0))
			return it[i];
	return NULL;
}

/* Reads the task group's per-sku results; 0 when finished, 1 not yet, -1 error. */
static int
ae_tasks(struct lk_push_ctx *c, struct lk_push_item **it, size_t n, long long gid, char *msg, size_t msglen)
{
	struct lk_http_resp resp;
	json_t *j, *data, *tasks, *t;
	char *url = lk_xasprintf("%s/api/v1/tasks?group_id=%lld", c->base, gid);
	size_t k, x;
	int rc, finished;

	memset(&resp, 0, sizeof resp);
	rc = lk_push_get(c, url, &resp);
	free(url);
	if (rc != 0 || resp.status != 200) {
		snprintf(msg, msglen, "task group %lld: %s", gid, rc ? resp.error : "no result");
		lk_http_resp_free(&resp);
		return -1;
	}
	j = lk_mp_jbody(&resp);
	lk_http_resp_free(&resp);
	data = json_object_get(j, "data");
	tasks = json_object_get(data, "tasks");
	finished = lk_mp_jstr(data, "status", NULL, 0) && strcmp(lk_mp_jstr(data, "status", NULL, 0), "FINISHED") == 0;
	if (!finished || !json_is_array(tasks)) {
		json_decref(j);
		return 1;
	}
	json_array_foreach(tasks, k, t) {
		json_t *res = json_object_get(t, "result"), *ok = json_object_get(res, "updated_skus");
		json_t *errs = json_object_get(res, "errors"), *e;
		const char *pid = lk_mp_jstr(res, "product_id", NULL, 0);

		json_array_foreach(errs, x, e) {
			const char *sc = lk_mp_jstr(e, "sku_code", NULL, 0), *ec = lk_mp_jstr(e, "code", NULL, 0), *em = lk_mp_jstr(e, "message", NULL, 0);
			struct lk_push_item *p = sc ? ae_find(it, n, pid, sc) : NULL;

			if (p)
				lk_push_item_fail(p, LK_PI_FAILED, ec ? ec : "FAILED", "%s%s%s",
				    ec ? ec : "FAILED", em ? ": " : "", em ? em : "");
		}
		for (x = 0; x < json_array_size(ok); x++) {
			json_t *s = json_array_get(ok, x);
			struct lk_push_item *p = json_is_string(s) ? ae_find(it, n, pid, json_string_value(s)) : NULL;

			if (p)
				p->state = LK_PI_OK;
		}
		/* A successful task without a sku list confirms all its skus. */
		if (lk_mp_jstr(t, "status", NULL, 0) && strcmp(lk_mp_jstr(t, "status", NULL, 0), "SUCCESS") == 0 && !json_is_array(ok))
			for (x = 0; x < n; x++)
				if (it[x]->state == LK_PI_PENDING && pid && strcmp(it[x]->id2, pid) == 0)
					it[x]->state = LK_PI_OK;
	}
	json_decref(j);
	return 0;
}

static enum lk_pv
ae_parse(struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    const struct lk_http_resp *resp, char *msg, size_t msglen)
{
	json_t *j, *g;
	char code[64] = "";
	long long gid;
	size_t i;
	int v, tries, rc = 1;

	if ((v = lk_push_common_status(resp->status, it, n, resp, msg, msglen)) != -1)
		return (enum lk_pv)v;
	j = lk_mp_jbody(resp);
	if (resp->status != 200) {
		lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
		json_decref(j);
		return resp->status == 400 ? LK_PV_SPLIT : LK_PV_REFUSED;
	}
	g = json_object_get(json_object_get(j, "data"), "group_id");
	if (!json_is_integer(g)) {
		lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
		json_decref(j);
		return LK_PV_SPLIT;
	}
	gid = (long long)json_integer_value(g);
	json_decref(j);
	/* The update is a task: ask for its per-sku results, a few times if it is still running. */
	for (tries = 0; tries < 5 && rc == 1; tries++) {
		if (tries)
			lk_sleep_ms(1000);
		rc = ae_tasks(c, it, n, gid, msg, msglen);
	}
	/*
	 * No task results: the update was accepted but 200 does not mean it
	 * was applied [AE-DOC]; the skus are not counted as sent and go again
	 * next run.
	 */
	if (rc == -1)
		lk_warn("%s: %s; the batch is not counted as sent", c->ch->name, msg);
	for (i = 0; i < n; i++)
		if (it[i]->state == LK_PI_PENDING)
			lk_push_item_fail(it[i], LK_PI_TEMP, "", "task group %lld: no result for this sku yet", gid);
	return LK_PV_DONE;
}


/* ---- listings ---- */

/* One stock per seller here: no warehouse API is used. */
static int
ae_warehouses(struct lk_mpread_ctx *c)
{
	lk_mpread_warehouse(c, "default", "default");
	return 0;
}

/*
 * POST /api/v1/stocks takes AliExpress's numeric sku ids
 * ({"stocks":[{"sku":"12000030548567848"}]}) [AE-DOC], not the seller's
 * sku_code: the catalog column ae_sku_id, filled from lk-fetch --products.
 */
static int
ae_stocks(struct lk_mpread_ctx *c)
{
	json_t *r, *x;
	size_t i, pos = 0;
	char b1[32];

	if (lk_mpread_column(c, LK_COL_AE_SKU_ID) != 0)
		return lk_mpread_fail(c, LK_EX_CONFIG, "catalog.csv has no %s column "
		    "(AliExpress stock is read by sku_id: see lk-fetch --products)", LK_COL_AE_SKU_ID);
	for (;;) {
		json_t *ids = lk_mpread_ids(c, &pos, lk_mpread_page(c, 1000), 0), *stocks = json_array();

		if (json_array_size(ids) == 0) {
			json_decref(ids);
			json_decref(stocks);
			return 0;
		}
		json_array_foreach(ids, i, x)
			json_array_append_new(stocks, json_pack("{s:O}", "sku", x));
		json_decref(ids);
		r = lk_mpread_api(c, "POST", "/api/v1/stocks", json_pack("{s:o}", "stocks", stocks));
		if (r == NULL)
			return c->rc;
		json_array_foreach(lk_mp_jpath(r, "data.skus_info"), i, x)
			lk_mpread_seen(c, lk_mp_jstr(x, "sku", b1, sizeof b1), lk_mp_jint(x, "max_sellable_quantity", 0));
		json_decref(r);
	}
}

static int
ae_products(struct lk_mpread_ctx *c)
{
	json_t *r, *x, *y;
	size_t i, j;
	char b1[32], b2[32], last[64] = "";
	long lim = lk_mpread_page(c, 50);
	int pages = 0;

	for (;;) {
		json_t *body = json_pack("{s:i}", "limit", (int)lim);
		size_t n;

		if (*last)
			json_object_set_new(body, "last_product_id", json_string(last));
		if ((r = lk_mpread_api(c, "POST", "/api/v1/scroll-short-product-by-filter", body)) == NULL)
			return c->rc;
		x = json_object_get(r, "data");
		json_array_foreach(x, i, y) {
			const char *pid = lk_mp_jstr(y, "id", b1, sizeof b1);
			json_t *s;

			json_array_foreach(json_object_get(y, "sku"), j, s) {
				const char *code = lk_mp_jstr(s, "code", NULL, 0);
				if (code)
					lk_mpread_product(c, code, code, NULL, NULL, "product_id", pid,
					    "sku_id", lk_mp_jstr(s, "id", b2, sizeof b2), (const char *)NULL);
			}
			if (pid)
				snprintf(last, sizeof last, "%s", pid);
		}
		n = json_array_size(x);
		json_decref(r);
		if ((long)n < lim)
			return 0;
		if (++pages > LK_MP_MAX_PAGES)
			return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: products: too many pages", c->ch->name);
	}
}

static int
ae_orders(struct lk_mpread_ctx *c)
{
	json_t *r, *x, *y;
	size_t i, j;
	char b1[32];
	long lim = lk_mpread_page(c, 100), pg = 1;
	long long seen = 0, total;

	for (;; pg++) {
		r = lk_mpread_api(c, "POST", "/seller-api/v1/order/get-order-list",
		    json_pack("{s:[],s:i,s:i}", "order_statuses", "page_size", (int)lim, "page", (int)pg));
		if (r == NULL)
			return c->rc;
		total = lk_mp_jint(json_object_get(r, "data"), "total_count", -1);
		x = lk_mp_jpath(r, "data.orders");
		json_array_foreach(x, i, y) {
			json_t *l;
			const char *id = lk_mp_jstr(y, "id", b1, sizeof b1);

			json_array_foreach(json_object_get(y, "order_lines"), j, l)
				lk_mpread_order(c, id ? id : "", lk_mp_jstr(l, "sku_code", NULL, 0),
				    lk_mp_jint(l, "quantity", 0), lk_mp_jstr(y, "status", NULL, 0),
				    lk_mp_jstr(y, "created_at", NULL, 0));
		}
		seen += (long long)json_array_size(x);
		j = json_array_size(x);
		json_decref(r);
		if (total < 0)
			return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: get-order-list: no total_count", c->ch->name);
		if (seen >= total)
			return 0;
		if (j == 0 || pg > LK_MP_MAX_PAGES)
			return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: get-order-list ended at %lld of %lld orders",
			    c->ch->name, seen, total);
	}
}

/* AliExpress answers a refused call with an "error" object. */
static int
ae_refused(const json_t *out, char *msg, size_t msglen)
{
	const json_t *e = json_object_get(out, "error");
	const char *m;

	if (!json_is_object(e))
		return 0;
	m = lk_mp_jstr(e, "message", NULL, 0);
	snprintf(msg, msglen, "%s", m ? m : "");
	return 1;
}

static int
ae_auth(const struct lk_channel *ch, const char *secret, struct curl_slist **headers,
    char **body_token, char *err, size_t errlen)
{
	(void)ch, (void)body_token, (void)err, (void)errlen;
	return lk_mp_header(headers, "x-auth-token", secret);
}

/* An update names product_id and sku_code; a stock read, sku_id. */
static void
ae_check(const struct lk_config *cfg, const struct lk_channel *ch, struct lk_diag *d)
{
	const char *pid = ch->ae_product_column ? ch->ae_product_column : LK_COL_AE_PID;

	if (lk_catalog_column(&cfg->catalog, pid) < 0)
		lk_diag_add(d, "catalog.csv", pid, "missing (%s pushes by product_id)", ch->name);
	if (lk_catalog_column(&cfg->catalog, LK_COL_AE_SKU_ID) < 0)
		lk_diag_add(d, "catalog.csv", LK_COL_AE_SKU_ID, "missing (%s reads stock by sku_id; "
		    "lk-fetch --products %s lists them)", ch->name, ch->name);
}

static const char *const ae_more_ids[] = { LK_COL_AE_SKU_ID, NULL };

/* 1000 products a request; the rate is unconfirmed, kept low (marketplaces.md). */
const struct lk_mp lk_mp_ae = {
	.id = LK_MP_AE, .name = "ae", .title = "AliExpress",
	.default_base_url = "https://openapi.ru.laliexpress.com",
	.id_column = LK_COL_AE, .batch_max = 1000, .rate = 1.0, .burst = 1,
	.auth = ae_auth,
	.push_build = ae_build, .push_parse = ae_parse,
	.orders = ae_orders, .stocks = ae_stocks, .warehouses = ae_warehouses, .products = ae_products,
	.refused = ae_refused,
	.check = ae_check, .more_id_columns = ae_more_ids,
};
