/*
 * mp-ym.c - Yandex Market: stock updates (v2 by campaign, v3 by business and
 * warehouse), the warehouse, stock, order and offer-mapping listings.
 * Facts: ../shared/specs/marketplaces.md (Yandex Market).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "exit.h"
#include "mp-int.h"
#include "push.h"
#include "util.h"

/* ---- stock updates ---- */

/* One API version per channel, for its stock updates and its listings alike. */
static int
ym_v3(const struct lk_channel *ch)
{
	/* config.c: v2 (by campaign) unless ym_api says v3 */
	return ch->ym_api != NULL && strcmp(ch->ym_api, "v3") == 0;
}

static int
ym_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i;
	char tbuf[21];
	int v3 = ym_v3(c->ch);

	lk_fmt_time(lk_now(), tbuf);
	fp = lk_mp_body_open(&rq->body, &rq->body_len);
	if (v3) {
		rq->method = "POST";
		rq->url = lk_xasprintf("%s/v3/businesses/%lld/offers/stocks/update", c->base, c->ch->business_id);
		fputs("{\"skuItems\":[", fp);
	} else {
		rq->method = "PUT";
		rq->url = lk_xasprintf("%s/v2/campaigns/%lld/offers/stocks", c->base, c->ch->campaign_id);
		fputs("{\"skus\":[", fp);
	}
	for (i = 0; i < n; i++) {
		fputs(i ? ",{\"sku\":" : "{\"sku\":", fp);
		lk_mp_put_str(fp, it[i]->id);
		if (v3)
			fprintf(fp, ",\"partnerWarehouseId\":%lld,\"count\":%lld,\"updatedAt\":\"%s\"}",
			    c->ch->warehouse_id, it[i]->qty, tbuf);
		else
			fprintf(fp, ",\"items\":[{\"count\":%lld,\"updatedAt\":\"%s\"}]}", it[i]->qty, tbuf);
	}
	fputs("]}", fp);
	return lk_mp_body_close(fp, err, errlen);
}

static enum lk_pv
ym_parse(struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    const struct lk_http_resp *resp, char *msg, size_t msglen)
{
	json_t *j;
	char code[64] = "";
	size_t i;
	int v;

	(void)c;
	if ((v = lk_push_common_status(resp->status, it, n, resp, msg, msglen)) != -1)
		return (enum lk_pv)v;
	j = lk_mp_jbody(resp);
	if (resp->status == 200) {
		const char *st = lk_mp_jstr(j, "status", NULL, 0);
		int good = st && strcmp(st, "OK") == 0;

		json_decref(j);
		if (good) {
			for (i = 0; i < n; i++)
				if (it[i]->state == LK_PI_PENDING)
					it[i]->state = LK_PI_OK;
			return LK_PV_DONE;
		}
		snprintf(msg, msglen, "HTTP 200 without status OK");
		lk_push_fail_all(it, n, LK_PI_TEMP, "", msg);
		return LK_PV_DONE;
	}
	lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
	json_decref(j);
	/*
	 * There is no per-item result: a 400 rejects the whole request.  When
	 * the code is about items, halve the batch to find them; about the
	 * campaign or warehouse, halving would not help.
	 */
	if (resp->status == 400 && strstr(code, "WAREHOUSE") == NULL && strstr(code, "CAMPAIGN") == NULL &&
	    strstr(code, "BUSINESS") == NULL)
		return LK_PV_SPLIT;
	if (resp->status == 400) {
		lk_push_fail_all(it, n, LK_PI_FAILED, "", msg);
		return LK_PV_REFUSED;
	}
	return LK_PV_REFUSED;
}



/* ---- listings ---- */

typedef void (*item_fn)(struct lk_mpread_ctx *c, json_t *item);

/*
 * A pageToken-paged YM listing.  path has the limit already; items at
 * items_key, the next token at result.paging.nextPageToken (or
 * paging.nextPageToken).
 */
static int
ym_paged(struct lk_mpread_ctx *c, const char *path, json_t *body, const char *items_key, item_fn fn)
{
	char *tok = NULL;
	int pages = 0;

	for (;;) {
		json_t *r, *items, *it;
		const char *nt;
		size_t i;
		char *p;

		p = tok ? lk_xasprintf("%s&pageToken=%s", path, tok) : lk_xstrdup(path);
		r = lk_mpread_api(c, "POST", p, json_deep_copy(body));
		free(p);
		if (r == NULL)
			break;
		items = lk_mp_jpath(r, items_key);
		if (!json_is_array(items)) {
			json_decref(r);
			lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: %s: no %s in the answer", c->ch->name, path, items_key);
			break;
		}
		json_array_foreach(items, i, it)
			fn(c, it);
		nt = json_string_value(lk_mp_jpath(r, "result.paging.nextPageToken"));
		if (nt == NULL)
			nt = json_string_value(lk_mp_jpath(r, "paging.nextPageToken"));
		if (nt == NULL || *nt == '\0') {
			json_decref(r);
			free(tok);
			json_decref(body);
			return 0;
		}
		if ((tok && strcmp(tok, nt) == 0) || ++pages > LK_MP_MAX_PAGES) {
			json_decref(r);
			lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: %s: the listing does not advance", c->ch->name, path);
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
ym_wh_item(struct lk_mpread_ctx *c, json_t *w)
{
	char b[32];

	lk_mpread_warehouse(c, lk_mp_jstr(w, "id", b, sizeof b), lk_mp_jstr(w, "name", NULL, 0));
}

static void
ym_offer_item(struct lk_mpread_ctx *c, json_t *o)
{
	json_t *s;
	size_t i;
	long long avail = -1, fit = -1;

	json_array_foreach(json_object_get(o, "stocks"), i, s) {
		const char *t = lk_mp_jstr(s, "type", NULL, 0);
		if (t && strcmp(t, "AVAILABLE") == 0)
			avail = lk_mp_jint(s, "count", 0);
		else if (t && strcmp(t, "FIT") == 0)
			fit = lk_mp_jint(s, "count", 0);
	}
	lk_mpread_seen(c, lk_mp_jstr(o, "offerId", NULL, 0), avail >= 0 ? avail : fit >= 0 ? fit : 0);
}

static void
ym_v2_stock_wh(struct lk_mpread_ctx *c, json_t *w)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(w, "offers"), i, o)
		ym_offer_item(c, o);
}

/*
 * A v3 channel without campaign_id keeps the orders shipped from its
 * warehouse (delivery.warehouseId, a string in BusinessOrderDeliveryDTO
 * [YM-OAS]); campaignIds already scoped the others in the request.
 */
static void
ym_order_item(struct lk_mpread_ctx *c, json_t *o)
{
	json_t *it;
	size_t i;
	char b[32], wb[32], want[32];
	const char *id = lk_mp_jstr(o, "orderId", b, sizeof b), *wh;

	if (c->ch->campaign_id <= 0 && c->ch->warehouse_id > 0) {
		wh = lk_mp_jstr(json_object_get(o, "delivery"), "warehouseId", wb, sizeof wb);
		snprintf(want, sizeof want, "%lld", c->ch->warehouse_id);
		if (wh == NULL || strcmp(wh, want) != 0)
			return;
	}
	json_array_foreach(json_object_get(o, "items"), i, it)
		lk_mpread_order_changed(c, id ? id : "", lk_mp_jstr(it, "offerId", NULL, 0), lk_mp_jint(it, "count", 0),
		    lk_mp_jstr(o, "status", NULL, 0), lk_mp_jstr(o, "creationDate", NULL, 0),
		    lk_mp_jstr(o, "updateDate", NULL, 0));
}

static void
ym_product_item(struct lk_mpread_ctx *c, json_t *m)
{
	json_t *offer = json_object_get(m, "offer");
	char b[32];
	const char *id = lk_mp_jstr(offer, "offerId", NULL, 0);

	if (id)
		lk_mpread_product(c, id, id, NULL, lk_mp_jstr(offer, "name", NULL, 0), "market_sku",
		    lk_mp_jstr(json_object_get(m, "mapping"), "marketSku", b, sizeof b), (const char *)NULL);
}

/*
 * Warehouses of the business, paged by pageToken with limit <= 30 in both
 * versions: POST v2/businesses/{businessId}/warehouses (getPagedWarehouses,
 * cabinets with warehouse groups) or v3 (getPartnerWarehouses) [YM-OAS].
 */
static int
ym_warehouses(struct lk_mpread_ctx *c)
{
	const struct lk_channel *ch = c->ch;
	char path[160];

	if (lk_mpread_need(c, ch->business_id, "business_id"))
		return c->rc;
	snprintf(path, sizeof path, "/%s/businesses/%lld/warehouses?limit=%ld", ym_v3(ch) ? "v3" : "v2",
	    ch->business_id, lk_mpread_page(c, 30));
	return ym_paged(c, path, json_object(), "result.warehouses", ym_wh_item);
}

static int
ym_stocks(struct lk_mpread_ctx *c)
{
	const struct lk_channel *ch = c->ch;
	char path[160];

	if (ym_v3(ch)) {
		if (lk_mpread_need(c, ch->business_id, "business_id") ||
		    lk_mpread_need(c, ch->warehouse_id, "warehouse_id"))
			return c->rc;
		snprintf(path, sizeof path, "/v3/businesses/%lld/offers/stocks?limit=%ld",
		    ch->business_id, lk_mpread_page(c, 100));
		return ym_paged(c, path, json_pack("{s:I}", "partnerWarehouseId",
		    (json_int_t)ch->warehouse_id), "result.offers", ym_offer_item);
	}
	if (lk_mpread_need(c, ch->campaign_id, "campaign_id"))
		return c->rc;
	snprintf(path, sizeof path, "/v2/campaigns/%lld/offers/stocks?limit=%ld",
	    ch->campaign_id, lk_mpread_page(c, 100));
	return ym_paged(c, path, json_object(), "result.warehouses", ym_v2_stock_wh);
}

static int
ym_orders(struct lk_mpread_ctx *c)
{
	const struct lk_channel *ch = c->ch;
	json_t *body = json_pack("{s:[sss]}", "statuses", "UNPAID", "PENDING", "PROCESSING");
	char path[160], from[21];

	if (lk_mpread_need(c, ch->business_id, "business_id")) {
		json_decref(body);
		return c->rc;
	}
	/* getBusinessOrders lists every campaign of the business unless campaignIds says which. */
	if (ch->campaign_id > 0)
		json_object_set_new(body, "campaignIds", json_pack("[I]", (json_int_t)ch->campaign_id));
	snprintf(path, sizeof path, "/v1/businesses/%lld/orders?limit=%ld", ch->business_id,
	    lk_mpread_page(c, 50));
	if (ym_paged(c, path, json_deep_copy(body), "orders", ym_order_item) != 0) {
		json_decref(body);
		return c->rc;
	}
	/*
	 * Then the orders cancelled or handed to delivery lately
	 * (dates.updateDateFrom, ISO 8601), so lk-reserve sees a cancel as
	 * one, not as an order gone like a shipped one, and a shipment at its
	 * updateDate rather than at the run that missed the order.
	 */
	lk_fmt_time(lk_now() - (time_t)c->o->since, from);
	json_object_set_new(body, "statuses", json_pack("[ssss]", "CANCELLED", "DELIVERY", "PICKUP", "DELIVERED"));
	json_object_set_new(body, "dates", json_pack("{s:s}", "updateDateFrom", from));
	return ym_paged(c, path, body, "orders", ym_order_item);
}

static int
ym_products(struct lk_mpread_ctx *c)
{
	const struct lk_channel *ch = c->ch;
	char path[160];

	if (lk_mpread_need(c, ch->business_id, "business_id"))
		return c->rc;
	snprintf(path, sizeof path, "/v2/businesses/%lld/offer-mappings?limit=%ld",
	    ch->business_id, lk_mpread_page(c, 200));
	return ym_paged(c, path, json_object(), "result.offerMappings", ym_product_item);
}

static int
ym_auth(const struct lk_channel *ch, const char *secret, struct curl_slist **headers,
    char **body_token, char *err, size_t errlen)
{
	(void)ch, (void)body_token, (void)err, (void)errlen;
	return lk_mp_header(headers, "Api-Key", secret);
}

/* Orders and warehouses are read by business in both versions. */
static void
ym_check(const struct lk_config *cfg, const struct lk_channel *ch, struct lk_diag *d)
{
	(void)cfg;
	if (ch->business_id <= 0)
		lk_diag_add(d, ch->file, "business_id", "missing (orders and warehouses are read by business: "
		    "POST /v1/businesses/{businessId}/orders)");
}

/*
 * v2 takes 2000 skus a request and 100000 skus a minute, v3 50 requests
 * a minute: the stricter one is used (marketplaces.md).
 */
const struct lk_mp lk_mp_ym = {
	.id = LK_MP_YM, .name = "ym", .title = "Yandex Market",
	.default_base_url = "https://api.partner.market.yandex.ru",
	.id_column = LK_COL_YM, .batch_max = 2000, .rate = 50.0 / 60.0, .burst = 1,
	.auth = ym_auth,
	.push_build = ym_build, .push_parse = ym_parse,
	.orders = ym_orders, .stocks = ym_stocks, .warehouses = ym_warehouses, .products = ym_products,
	.check = ym_check,
};
