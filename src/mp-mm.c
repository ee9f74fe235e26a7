/*
 * mp-mm.c - MegaMarket: stock updates by offerId (token in the body) and the
 * order listings.  No documented call reads its stock or lists its offers:
 * what it shows is derived from what lk pushed and the orders since.
 * Facts: ../shared/specs/marketplaces.md (MegaMarket).
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

static int
mm_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i;

	rq->method = "POST";
	rq->url = lk_xasprintf("%s/api/merchantIntegration/v1/offerService/stock/update", c->base);
	fp = lk_mp_body_open(&rq->body, &rq->body_len);
	fputs("{\"meta\":{},\"data\":{\"token\":", fp);
	/* A dry run has no token: the body shows where it goes. */
	lk_mp_put_str(fp, c->body_token ? c->body_token : "<redacted>");
	fputs(",\"stocks\":[", fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ",{\"offerId\":" : "{\"offerId\":", fp);
		lk_mp_put_str(fp, it[i]->id);
		fprintf(fp, ",\"quantity\":%lld}", it[i]->qty);
	}
	fputs("]}}", fp);
	return lk_mp_body_close(fp, err, errlen);
}

static enum lk_pv
mm_parse(struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
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
	if (resp->status == 200 && json_integer_value(json_object_get(j, "success")) == 1) {
		json_decref(j);
		for (i = 0; i < n; i++)
			if (it[i]->state == LK_PI_PENDING)
				it[i]->state = LK_PI_OK;
		return LK_PV_DONE;
	}
	lk_mp_envelope(j, code, sizeof code, msg, msglen, resp->status);
	json_decref(j);
	if (strcmp(code, "UNAUTHORIZED") == 0 || strcmp(code, "FORBIDDEN") == 0)
		return LK_PV_REFUSED;
	/* HTTP 200 with success 0: no per-offer result; halve to find the culprits. */
	if (resp->status == 200 || resp->status == 400)
		return LK_PV_SPLIT;
	return LK_PV_REFUSED;
}



/* ---- listings ---- */

/* MegaMarket has one stock per merchant: no warehouse API. */
static int
mm_warehouses(struct lk_mpread_ctx *c)
{
	lk_mpread_warehouse(c, "default", "default");
	return 0;
}

typedef void (*mm_line_fn)(struct lk_mpread_ctx *c, const char *id, const char *offer, long long qty,
    const char *status, const char *at, void *arg);

/*
 * Open shipments (NEW, CONFIRMED, PACKED) and those cancelled since
 * --since: POST order/search for their ids, then order/get for their
 * items, 100 ids a call; items are per unit, summed per offer and given
 * to fn.
 */
static int
mm_list(struct lk_mpread_ctx *c, mm_line_fn fn, void *arg)
{
	long cnt = lk_mpread_page(c, 1000);
	json_t *ids, *r, *x;
	size_t i, j;
	char from[21], to[21], b[32];

	lk_fmt_time(lk_now() - (time_t)c->o->since, from);
	lk_fmt_time(lk_now(), to);
	r = lk_mpread_api(c, "POST", "/api/market/v1/orderService/order/search",
	    json_pack("{s:{},s:{s:s,s:s,s:[sssss],s:i}}", "meta", "data", "dateFrom", from, "dateTo", to,
	    "statuses", "NEW", "CONFIRMED", "PACKED", "MERCHANT_CANCELED", "CUSTOMER_CANCELED",
	    "count", (int)cnt));
	if (r == NULL)
		return c->rc;
	ids = json_incref(lk_mp_jpath(r, "data.shipments"));
	json_decref(r);
	if (!json_is_array(ids)) {
		json_decref(ids);
		return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: order/search: no shipments in the answer", c->ch->name);
	}
	if ((long)json_array_size(ids) >= cnt) {
		json_decref(ids);
		return lk_mpread_fail(c, LK_EX_TEMPFAIL, "%s: order/search returned its limit of %ld shipments: "
		    "the listing may be truncated", c->ch->name, cnt);
	}
	for (i = 0; i < json_array_size(ids); ) {
		json_t *batch = json_array();

		for (; i < json_array_size(ids) && json_array_size(batch) < 100; i++)
			json_array_append(batch, json_array_get(ids, i));
		r = lk_mpread_api(c, "POST", "/api/market/v1/orderService/order/get",
		    json_pack("{s:{},s:{s:o}}", "meta", "data", "shipments", batch));
		if (r == NULL) {
			json_decref(ids);
			return c->rc;
		}
		json_array_foreach(lk_mp_jpath(r, "data.shipments"), j, x) {
			/* items are per unit: sum them per offer */
			json_t *sum = json_object(), *it, *q;
			const char *k, *id = lk_mp_jstr(x, "shipmentId", b, sizeof b);
			size_t m;

			json_array_foreach(json_object_get(x, "items"), m, it) {
				const char *off = lk_mp_jstr(it, "offerId", NULL, 0);
				if (off == NULL)
					continue;
				q = json_object_get(sum, off);
				json_object_set_new(sum, off, json_integer((q ? json_integer_value(q) : 0) +
				    lk_mp_jint(it, "quantity", 1)));
			}
			json_object_foreach(sum, k, q)
				fn(c, id ? id : "", k, json_integer_value(q), lk_mp_jstr(x, "status", NULL, 0),
				    lk_mp_jstr(x, "creationDate", NULL, 0), arg);
			json_decref(sum);
		}
		json_decref(r);
	}
	json_decref(ids);
	return 0;
}

static void
mm_order_line(struct lk_mpread_ctx *c, const char *id, const char *offer, long long qty,
    const char *status, const char *at, void *arg)
{
	(void)arg;
	lk_mpread_order(c, id, offer, qty, status, at);
}

static int
mm_orders(struct lk_mpread_ctx *c)
{
	return mm_list(c, mm_order_line, NULL);
}

/* What the derived stock reads: the push state, and the cancels lk-reserve already knew. */
struct mm_derive {
	struct lk_pushstate ps;
	json_t *known;              /* "id\nsku" -> when the ledger last saw that shipment cancelled */
};

/*
 * What MegaMarket may show of each offer, from the channel's last push of
 * it: an open shipment placed after the push took its units off; one
 * cancelled after the push gave them back (UNCONFIRMED that MegaMarket
 * does, lk-reserve(1)).  Placed and cancelled after the push: no change.
 * Placed before the push and cancelled: the push overwrote what the order
 * had taken, so if the cancel came after the push its units are back on
 * top of the pushed number.  The listing gives no cancel time; the
 * reserve ledger proves the cancel came first when it already held the
 * shipment as cancelled at a run no later than the push.  Otherwise the
 * units count as given back: the derived number errs high (never below
 * what MegaMarket may show), so lk-push sends the item again rather than
 * trust it, and the next run knows.
 */
static void
mm_after_push(struct lk_mpread_ctx *c, const char *id, const char *offer, long long qty,
    const char *status, const char *at, void *arg)
{
	struct mm_derive *dv = arg;
	const char *sku = lk_mpread_sku(c, offer);
	struct lk_pushstate_entry *e = sku ? lk_pushstate_find(&dv->ps, sku) : NULL;
	json_t *seen;
	time_t t;
	char *key;

	if (e == NULL)
		return;
	/* An unknown placing time counts as before the push: the number then errs high. */
	if (at == NULL || lk_parse_time(at, &t) != 0)
		t = e->at;
	if (!lk_reserve_status_cancelled(status)) {
		if (t > e->at)
			e->qty -= qty;
		return;
	}
	if (t > e->at)
		return;
	key = lk_xasprintf("%s\n%s", id, sku);
	seen = json_object_get(dv->known, key);
	free(key);
	if (seen == NULL || (time_t)json_integer_value(seen) > e->at)
		e->qty += qty;
}

/* The shipments of the channel that the reserve ledger holds as cancelled, with when it last saw them. */
static json_t *
mm_known_cancels(struct lk_mpread_ctx *c)
{
	struct lk_reserve r;
	json_t *known = json_object();
	char *path, err[256];
	size_t i;

	lk_reserve_init(&r, lk_now(), 0, 0);
	path = lk_path_join(c->o->lkdir, "reserve.ndjson");
	if (lk_reserve_load(&r, path, err, sizeof err) != 0)
		lk_warn("%s: %s: every cancel counts as given back", c->ch->name, err);
	free(path);
	for (i = 0; i < r.norders; i++) {
		const struct lk_rsv_order *o = &r.orders[i];
		char *key;

		if (o->reserving || !o->cancelled || strcmp(o->channel, c->ch->name) != 0)
			continue;
		key = lk_xasprintf("%s\n%s", o->id, o->sku);
		json_object_set_new(known, key, json_integer((json_int_t)o->last_seen));
		free(key);
	}
	lk_reserve_free(&r);
	return known;
}

/*
 * No public documentation names a call that reads MegaMarket's stock.
 * What it shows is derived (mm_after_push) from what lk last pushed
 * (.lk/pushed/CHANNEL) and the shipments listed since --since: a
 * marketplace takes ordered units off at once (lk-reserve(1)), and lk-push
 * then sends the item again.  UNCONFIRMED for MegaMarket.  Items lk never
 * pushed get no seen record.
 */
static int
mm_stocks(struct lk_mpread_ctx *c)
{
	struct mm_derive dv;
	char *path;
	size_t i;
	int rc;

	c->no_unreported = 1;
	if (c->o->lkdir == NULL)
		return 0;
	memset(&dv, 0, sizeof dv);
	path = lk_xasprintf("%s/pushed/%s.ndjson", c->o->lkdir, c->ch->name);
	rc = lk_pushstate_load(&dv.ps, path, c->ch->name, "pushed");
	free(path);
	if (rc != 0 || dv.ps.live == 0) {
		lk_pushstate_free(&dv.ps);
		return 0;
	}
	dv.known = mm_known_cancels(c);
	rc = mm_list(c, mm_after_push, &dv);
	for (i = 0; rc == 0 && i < dv.ps.skus.n; i++)
		if (dv.ps.v[i].live)
			lk_mpread_seen_sku(c, dv.ps.skus.keys[i], dv.ps.v[i].qty);
	json_decref(dv.known);
	lk_pushstate_free(&dv.ps);
	return rc;
}

/* MegaMarket answers HTTP 200 with "success": 0 when it refuses a call. */
static int
mm_refused(const json_t *out, char *msg, size_t msglen)
{
	const json_t *e;
	char b[32];
	const char *code, *m;

	if (lk_mp_jint(out, "success", 1) == 1)
		return 0;
	e = json_object_get(out, "error");
	code = lk_mp_jstr(e, "code", b, sizeof b);
	m = lk_mp_jstr(e, "message", NULL, 0);
	snprintf(msg, msglen, "%s %s", code ? code : "", m ? m : "");
	return 1;
}

/* The token goes in the body ("data"."token"), not in a header. */
static int
mm_auth(const struct lk_channel *ch, const char *secret, struct curl_slist **headers,
    char **body_token, char *err, size_t errlen)
{
	(void)ch, (void)headers, (void)err, (void)errlen;
	if (body_token)
		*body_token = lk_xstrdup(secret);
	return 0;
}

/* 300 offers a request (documented for prices only); rate undocumented, kept low. */
const struct lk_mp lk_mp_mm = {
	.id = LK_MP_MM, .name = "mm", .title = "MegaMarket",
	.default_base_url = "https://api.megamarket.tech",
	.id_column = LK_COL_MM, .batch_max = 300, .rate = 1.0, .burst = 1,
	.auth = mm_auth,
	.push_build = mm_build, .push_parse = mm_parse,
	/*
	 * No public documentation names a call that reads MegaMarket's stock
	 * or lists its offers (marketplaces.md): stocks are derived from the
	 * push state and the orders; no products.
	 */
	.orders = mm_orders, .stocks = mm_stocks, .warehouses = mm_warehouses,
	.refused = mm_refused,
};
