/*
 * push-mp.c - the marketplace adapters of lk-push: each builds a stock
 * update request for a batch and judges the answer item by item
 * (push.h, struct lk_push_adapter).  Facts: ../shared/specs/marketplaces.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "ndjson.h"
#include "push.h"
#include "util.h"

static FILE *
mopen(char **buf, size_t *len)
{
	FILE *fp = open_memstream(buf, len);

	if (fp == NULL)
		lk_die(70, "open_memstream:");
	return fp;
}

static int
mclose(FILE *fp, char *err, size_t errlen)
{
	if (fclose(fp) == EOF) {
		snprintf(err, errlen, "cannot build the request body");
		return -1;
	}
	return 0;
}

static void
jstr(FILE *fp, const char *s)
{
	lk_json_write_string(fp, s, strlen(s));
}

/* An id that must be a whole number (WB chrtId); -1 when it is not. */
static int
num_id(struct lk_push_item *it, long long *out)
{
	if (lk_parse_ll(it->id, 1, 9007199254740991LL, out) == -1) {
		lk_push_item_fail(it, LK_PI_FAILED, "", "bad id '%s' in catalog.csv (not a number)", it->id);
		return -1;
	}
	return 0;
}

/* Parses a JSON body; NULL when it is not JSON. */
static json_t *
jbody(const struct lk_http_resp *resp)
{
	json_error_t e;

	if (resp->body == NULL || resp->len == 0)
		return NULL;
	return json_loadb(resp->body, resp->len, 0, &e);
}

static const char *
jget_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A message from the usual error envelopes: {code,message} or {errors:[{code,message}]}. */
static void
envelope_msg(const json_t *j, char *code, size_t codelen, char *msg, size_t msglen, long status)
{
	const json_t *e = j;
	const char *c = NULL, *m = NULL;
	json_t *cv;

	if (json_is_object(j) && json_is_array(json_object_get(j, "errors")))
		e = json_array_get(json_object_get(j, "errors"), 0);
	if (json_is_object(j) && json_is_object(json_object_get(j, "error")))
		e = json_object_get(j, "error");
	if (json_is_array(j))
		e = json_array_get(j, 0);
	if (json_is_object(e)) {
		cv = json_object_get(e, "code");
		c = json_is_string(cv) ? json_string_value(cv) : NULL;
		m = jget_str(e, "message");
		if (m == NULL)
			m = jget_str(e, "detail");
		if (c == NULL && json_is_integer(cv))
			snprintf(code, codelen, "%lld", (long long)json_integer_value(cv));
	}
	if (c)
		snprintf(code, codelen, "%s", c);
	else if (code[0] == '\0')
		snprintf(code, codelen, "HTTP_%ld", status);
	snprintf(msg, msglen, "HTTP %ld: %s%s%s", status, code, m ? ": " : "", m ? m : "");
}

/* ------------------------------------------------------------ Wildberries */

static int
wb_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i, k = 0;
	long long id;

	rq->method = "PUT";
	rq->url = lk_xasprintf("%s/api/v3/stocks/%lld", c->base, c->ch->warehouse_id);
	fp = mopen(&rq->body, &rq->body_len);
	fputs("{\"stocks\":[", fp);
	for (i = 0; i < n; i++) {
		if (num_id(it[i], &id) == -1)
			continue;
		fprintf(fp, "%s{\"chrtId\":%lld,\"amount\":%lld}", k++ ? "," : "", id, it[i]->qty);
	}
	fputs("]}", fp);
	if (mclose(fp, err, errlen) == -1)
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
	j = jbody(resp);
	if (resp->status == 409 && json_is_array(j)) {
		/* The whole batch was rejected; data names the culprits.  The rest goes again. */
		json_array_foreach(j, k, e) {
			const char *ec = jget_str(e, "code"), *em = jget_str(e, "message");

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
			envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
			for (i = 0; i < n; i++)
				if (it[i]->state == LK_PI_PENDING)
					lk_push_item_fail(it[i], wb_temp_code(code) ? LK_PI_TEMP : LK_PI_FAILED,
					    code, "%s", msg);
		}
		json_decref(j);
		return LK_PV_DONE;
	}
	envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
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

const struct lk_push_adapter lk_push_wb = { LK_MP_WB, wb_build, wb_parse, 5000, 9.0 };

/* ------------------------------------------------------------------- Ozon */

static int
oz_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i;

	rq->method = "POST";
	rq->url = lk_xasprintf("%s/v2/products/stocks", c->base);
	fp = mopen(&rq->body, &rq->body_len);
	fputs("{\"stocks\":[", fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ",{\"offer_id\":" : "{\"offer_id\":", fp);
		jstr(fp, it[i]->id);
		fprintf(fp, ",\"stock\":%lld,\"warehouse_id\":%lld}", it[i]->qty, c->ch->warehouse_id);
	}
	fputs("]}", fp);
	return mclose(fp, err, errlen);
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
	j = jbody(resp);
	if (resp->status != 200) {
		envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
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
		const char *off = jget_str(r, "offer_id");
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
				if (jget_str(e0, "code"))
					ec = jget_str(e0, "code");
				if (jget_str(e0, "message"))
					em = jget_str(e0, "message");
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

const struct lk_push_adapter lk_push_ozon = { LK_MP_OZON, oz_build, oz_parse, 30000, 0 };

/* ---------------------------------------------------------- Yandex Market */

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
	fp = mopen(&rq->body, &rq->body_len);
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
		jstr(fp, it[i]->id);
		if (v3)
			fprintf(fp, ",\"partnerWarehouseId\":%lld,\"count\":%lld,\"updatedAt\":\"%s\"}",
			    c->ch->warehouse_id, it[i]->qty, tbuf);
		else
			fprintf(fp, ",\"items\":[{\"count\":%lld,\"updatedAt\":\"%s\"}]}", it[i]->qty, tbuf);
	}
	fputs("]}", fp);
	return mclose(fp, err, errlen);
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
	j = jbody(resp);
	if (resp->status == 200) {
		const char *st = jget_str(j, "status");
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
	envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
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

const struct lk_push_adapter lk_push_ym = { LK_MP_YM, ym_build, ym_parse, 0, 0 };

/* ------------------------------------------------------------- MegaMarket */

static int
mm_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i;

	rq->method = "POST";
	rq->url = lk_xasprintf("%s/api/merchantIntegration/v1/offerService/stock/update", c->base);
	fp = mopen(&rq->body, &rq->body_len);
	fputs("{\"meta\":{},\"data\":{\"token\":", fp);
	/* A dry run has no token: the body shows where it goes. */
	jstr(fp, c->body_token ? c->body_token : "<redacted>");
	fputs(",\"stocks\":[", fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ",{\"offerId\":" : "{\"offerId\":", fp);
		jstr(fp, it[i]->id);
		fprintf(fp, ",\"quantity\":%lld}", it[i]->qty);
	}
	fputs("]}}", fp);
	return mclose(fp, err, errlen);
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
	j = jbody(resp);
	if (resp->status == 200 && json_integer_value(json_object_get(j, "success")) == 1) {
		json_decref(j);
		for (i = 0; i < n; i++)
			if (it[i]->state == LK_PI_PENDING)
				it[i]->state = LK_PI_OK;
		return LK_PV_DONE;
	}
	envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
	json_decref(j);
	if (strcmp(code, "UNAUTHORIZED") == 0 || strcmp(code, "FORBIDDEN") == 0)
		return LK_PV_REFUSED;
	/* HTTP 200 with success 0: no per-offer result; halve to find the culprits. */
	if (resp->status == 200 || resp->status == 400)
		return LK_PV_SPLIT;
	return LK_PV_REFUSED;
}

const struct lk_push_adapter lk_push_mm = { LK_MP_MM, mm_build, mm_parse, 0, 0 };

/* -------------------------------------------------------------- AliExpress */

static int
ae_build(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
    struct lk_push_req *rq, char *err, size_t errlen)
{
	FILE *fp;
	size_t i, j, k = 0;
	char *done = lk_xcalloc(n + 1, 1);

	rq->method = "POST";
	rq->url = lk_xasprintf("%s/api/v1/product/update-sku-stock", c->base);
	fp = mopen(&rq->body, &rq->body_len);
	fputs("{\"products\":[", fp);
	/* One product entry per product_id, its skus together, in first-seen order. */
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		fputs(k++ ? ",{\"product_id\":" : "{\"product_id\":", fp);
		jstr(fp, it[i]->id2);
		fputs(",\"skus\":[", fp);
		for (j = i; j < n; j++) {
			if (done[j] || strcmp(it[j]->id2, it[i]->id2) != 0)
				continue;
			done[j] = 1;
			fputs(j > i ? ",{\"sku_code\":" : "{\"sku_code\":", fp);
			jstr(fp, it[j]->id);
			fprintf(fp, ",\"inventory\":\"%lld\"}", it[j]->qty);
		}
		fputs("]}", fp);
	}
	fputs("]}", fp);
	free(done);
	return mclose(fp, err, errlen);
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
	j = jbody(&resp);
	lk_http_resp_free(&resp);
	data = json_object_get(j, "data");
	tasks = json_object_get(data, "tasks");
	finished = jget_str(data, "status") && strcmp(jget_str(data, "status"), "FINISHED") == 0;
	if (!finished || !json_is_array(tasks)) {
		json_decref(j);
		return 1;
	}
	json_array_foreach(tasks, k, t) {
		json_t *res = json_object_get(t, "result"), *ok = json_object_get(res, "updated_skus");
		json_t *errs = json_object_get(res, "errors"), *e;
		const char *pid = jget_str(res, "product_id");

		json_array_foreach(errs, x, e) {
			const char *sc = jget_str(e, "sku_code"), *ec = jget_str(e, "code"), *em = jget_str(e, "message");
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
		if (jget_str(t, "status") && strcmp(jget_str(t, "status"), "SUCCESS") == 0 && !json_is_array(ok))
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
	j = jbody(resp);
	if (resp->status != 200) {
		envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
		json_decref(j);
		return resp->status == 400 ? LK_PV_SPLIT : LK_PV_REFUSED;
	}
	g = json_object_get(json_object_get(j, "data"), "group_id");
	if (!json_is_integer(g)) {
		envelope_msg(j, code, sizeof code, msg, msglen, resp->status);
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
	if (rc == -1) {
		/* No task results: accepted, not confirmed per sku.  Count it as sent. */
		lk_warn("%s: %s; counting the batch as sent", c->ch->name, msg);
		for (i = 0; i < n; i++)
			if (it[i]->state == LK_PI_PENDING)
				it[i]->state = LK_PI_OK;
	}
	for (i = 0; i < n; i++)
		if (it[i]->state == LK_PI_PENDING)
			lk_push_item_fail(it[i], LK_PI_TEMP, "", "task group %lld: no result for this sku yet", gid);
	return LK_PV_DONE;
}

const struct lk_push_adapter lk_push_ae = { LK_MP_AE, ae_build, ae_parse, 0, 0 };
