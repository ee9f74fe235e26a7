/* u-push: lk-push's request builders, answer parsers and last-pushed state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "push.h"
#include "tap.h"
#include "util.h"

static struct lk_channel ch;

/* A file's size, -1 when missing. */
static long long
fsize(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}
static struct lk_push_stats stats;

static struct lk_push_ctx
ctx(const char *mpname)
{
	struct lk_push_ctx c;

	memset(&c, 0, sizeof c);
	memset(&ch, 0, sizeof ch);
	ch.name = (char *)"t";
	ch.file = (char *)"channels/t.json";
	ch.marketplace = (char *)mpname;
	ch.warehouse_id = 507;
	ch.campaign_id = 1111;
	ch.business_id = 777;
	c.ch = &ch;
	c.mp = lk_mp_find(mpname);
	c.base = "http://127.0.0.1:1";
	c.stats = &stats;
	return c;
}

static void
items(struct lk_push_item *v, struct lk_push_item **p, size_t n, const char *const *ids)
{
	size_t i;

	memset(v, 0, n * sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].sku = ids[i];
		v[i].id = ids[i];
		v[i].id2 = "P1";
		v[i].qty = (long long)i + 1;
		p[i] = &v[i];
	}
}

static struct lk_http_resp
resp(long status, const char *body)
{
	struct lk_http_resp r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.body = (char *)body;
	r.len = body ? strlen(body) : 0;
	return r;
}

int
main(void)
{
	struct lk_push_item v[4], *p[4];
	struct lk_push_req rq;
	struct lk_push_ctx c;
	struct lk_http_resp r;
	char err[256], msg[256];
	static const char *const wbids[] = { "100001", "100002", "100003" };
	static const char *const ozids[] = { "SKU-1", "SKU-\"2", "SKU-3" };
	enum lk_pv pv;

	/* --- Wildberries --- */
	c = ctx("wb");
	items(v, p, 3, wbids);
	memset(&rq, 0, sizeof rq);
	is_int(lk_mp_wb.push_build(&c, p, 3, &rq, err, sizeof err), 0, "wb: builds");
	is_str(rq.method, "PUT", "wb: PUT");
	is_str(rq.url, "http://127.0.0.1:1/api/v3/stocks/507", "wb: url has the warehouse");
	is_str(rq.body, "{\"stocks\":[{\"chrtId\":100001,\"amount\":1},{\"chrtId\":100002,\"amount\":2},"
	    "{\"chrtId\":100003,\"amount\":3}]}", "wb: body by chrtId");
	free(rq.url);
	free(rq.body);

	r = resp(204, NULL);
	pv = lk_mp_wb.push_parse(&c, p, 3, &r, msg, sizeof msg);
	ok(pv == LK_PV_DONE && v[0].state == LK_PI_OK && v[2].state == LK_PI_OK, "wb: 204 confirms all");

	items(v, p, 3, wbids);
	r = resp(409, "[{\"code\":\"NotFound\",\"message\":\"Not found\",\"data\":[{\"sku\":\"\",\"chrtId\":100002,\"amount\":2}]}]");
	pv = lk_mp_wb.push_parse(&c, p, 3, &r, msg, sizeof msg);
	ok(pv == LK_PV_DONE, "wb: 409 is judged per item");
	is_int(v[1].state, LK_PI_FAILED, "wb: the culprit is failed");
	is_str(v[1].code ? v[1].code : "", "NotFound", "wb: with its code");
	ok(v[0].state == LK_PI_PENDING && v[2].state == LK_PI_PENDING, "wb: the others go again");

	items(v, p, 3, wbids);
	r = resp(409, "[{\"code\":\"StoreIsProcessing\",\"message\":\"x\",\"data\":[{\"chrtId\":100001,\"amount\":1},"
	    "{\"chrtId\":100002,\"amount\":2},{\"chrtId\":100003,\"amount\":3}]}]");
	lk_mp_wb.push_parse(&c, p, 3, &r, msg, sizeof msg);
	ok(v[0].state == LK_PI_TEMP && v[2].state == LK_PI_TEMP, "wb: StoreIsProcessing is temporary");

	items(v, p, 3, wbids);
	r = resp(401, "{\"title\":\"unauthorized\"}");
	ok(lk_mp_wb.push_parse(&c, p, 3, &r, msg, sizeof msg) == LK_PV_REFUSED, "wb: 401 refuses the channel");
	items(v, p, 3, wbids);
	r = resp(400, "{\"code\":\"IncorrectRequestBody\",\"message\":\"bad\"}");
	ok(lk_mp_wb.push_parse(&c, p, 3, &r, msg, sizeof msg) == LK_PV_SPLIT, "wb: 400 halves the batch");

	v[0].id = "12x";
	memset(&rq, 0, sizeof rq);
	is_int(lk_mp_wb.push_build(&c, p, 1, &rq, err, sizeof err), -1, "wb: a non-numeric chrtId is refused");
	is_int(v[0].state, LK_PI_FAILED, "wb: that item is failed");
	free(rq.url);
	free(rq.body);

	/* --- Ozon --- */
	c = ctx("ozon");
	items(v, p, 3, ozids);
	memset(&rq, 0, sizeof rq);
	is_int(lk_mp_ozon.push_build(&c, p, 2, &rq, err, sizeof err), 0, "ozon: builds");
	is_str(rq.url, "http://127.0.0.1:1/v2/products/stocks", "ozon: url");
	is_str(rq.body, "{\"stocks\":[{\"offer_id\":\"SKU-1\",\"stock\":1,\"warehouse_id\":507},"
	    "{\"offer_id\":\"SKU-\\\"2\",\"stock\":2,\"warehouse_id\":507}]}", "ozon: body escapes offer_id");
	free(rq.url);
	free(rq.body);
	r = resp(200, "{\"result\":[{\"offer_id\":\"SKU-1\",\"updated\":true,\"errors\":[]},"
	    "{\"offer_id\":\"SKU-\\\"2\",\"updated\":false,\"errors\":[{\"code\":\"NOT_FOUND_ERROR\",\"message\":\"nf\"}]},"
	    "{\"offer_id\":\"SKU-3\",\"updated\":false,\"errors\":[{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"slow\"}]}]}");
	pv = lk_mp_ozon.push_parse(&c, p, 3, &r, msg, sizeof msg);
	ok(pv == LK_PV_DONE && v[0].state == LK_PI_OK, "ozon: updated item ok");
	ok(v[1].state == LK_PI_FAILED && v[1].code && strcmp(v[1].code, "NOT_FOUND_ERROR") == 0, "ozon: NOT_FOUND is permanent");
	ok(v[2].state == LK_PI_TEMP && v[2].code && strcmp(v[2].code, "TOO_MANY_REQUESTS") == 0, "ozon: TOO_MANY_REQUESTS is temporary");
	items(v, p, 3, ozids);
	r = resp(200, "{\"result\":[{\"offer_id\":\"SKU-1\",\"updated\":true}]}");
	lk_mp_ozon.push_parse(&c, p, 3, &r, msg, sizeof msg);
	ok(v[1].state == LK_PI_TEMP && v[2].state == LK_PI_TEMP, "ozon: items missing from the answer are not confirmed");
	items(v, p, 3, ozids);
	r = resp(403, "{\"code\":7,\"message\":\"Invalid Api-Key\"}");
	ok(lk_mp_ozon.push_parse(&c, p, 3, &r, msg, sizeof msg) == LK_PV_REFUSED, "ozon: 403 refuses");

	/* --- Yandex Market --- */
	c = ctx("ym");
	items(v, p, 2, ozids);
	memset(&rq, 0, sizeof rq);
	lk_mp_ym.push_build(&c, p, 2, &rq, err, sizeof err);
	is_str(rq.method, "PUT", "ym v2: PUT");
	is_str(rq.url, "http://127.0.0.1:1/v2/campaigns/1111/offers/stocks", "ym v2: url by campaign");
	ok(strncmp(rq.body, "{\"skus\":[{\"sku\":\"SKU-1\",\"items\":[{\"count\":1,\"updatedAt\":\"", 55) == 0,
	    "ym v2: body %s", rq.body);
	free(rq.url);
	free(rq.body);
	ch.ym_api = (char *)"v3";
	memset(&rq, 0, sizeof rq);
	lk_mp_ym.push_build(&c, p, 2, &rq, err, sizeof err);
	is_str(rq.url, "http://127.0.0.1:1/v3/businesses/777/offers/stocks/update", "ym v3: url by business");
	ok(strstr(rq.body, "\"skuItems\":[{\"sku\":\"SKU-1\",\"partnerWarehouseId\":507,\"count\":1") != NULL,
	    "ym v3: body %s", rq.body);
	free(rq.url);
	free(rq.body);
	r = resp(200, "{\"status\":\"OK\"}");
	ok(lk_mp_ym.push_parse(&c, p, 2, &r, msg, sizeof msg) == LK_PV_DONE && v[1].state == LK_PI_OK, "ym: OK confirms");
	items(v, p, 2, ozids);
	r = resp(400, "{\"status\":\"ERROR\",\"errors\":[{\"code\":\"OFFER_NOT_FOUND\",\"message\":\"x\"}]}");
	ok(lk_mp_ym.push_parse(&c, p, 2, &r, msg, sizeof msg) == LK_PV_SPLIT, "ym: an item 400 halves the batch");
	r = resp(400, "{\"status\":\"ERROR\",\"errors\":[{\"code\":\"WAREHOUSE_NOT_FOUND\",\"message\":\"x\"}]}");
	ok(lk_mp_ym.push_parse(&c, p, 2, &r, msg, sizeof msg) == LK_PV_REFUSED, "ym: a warehouse 400 does not");

	/* --- MegaMarket: the token goes in the body --- */
	c = ctx("mm");
	c.body_token = (char *)"tok-123";
	items(v, p, 2, ozids);
	memset(&rq, 0, sizeof rq);
	lk_mp_mm.push_build(&c, p, 2, &rq, err, sizeof err);
	is_str(rq.body, "{\"meta\":{},\"data\":{\"token\":\"tok-123\",\"stocks\":[{\"offerId\":\"SKU-1\",\"quantity\":1},"
	    "{\"offerId\":\"SKU-\\\"2\",\"quantity\":2}]}}", "mm: body");
	free(rq.url);
	free(rq.body);
	c.body_token = NULL;
	memset(&rq, 0, sizeof rq);
	lk_mp_mm.push_build(&c, p, 2, &rq, err, sizeof err);
	ok(strstr(rq.body, "<redacted>") != NULL, "mm: a dry run shows no token");
	free(rq.url);
	free(rq.body);
	r = resp(200, "{\"success\":1,\"meta\":{},\"data\":{}}");
	ok(lk_mp_mm.push_parse(&c, p, 2, &r, msg, sizeof msg) == LK_PV_DONE && v[0].state == LK_PI_OK, "mm: success 1");
	items(v, p, 2, ozids);
	r = resp(200, "{\"success\":0,\"error\":{\"code\":\"OFFER_NOT_FOUND\",\"message\":\"x\"}}");
	ok(lk_mp_mm.push_parse(&c, p, 2, &r, msg, sizeof msg) == LK_PV_SPLIT, "mm: success 0 halves");
	r = resp(200, "{\"success\":0,\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"x\"}}");
	ok(lk_mp_mm.push_parse(&c, p, 2, &r, msg, sizeof msg) == LK_PV_REFUSED, "mm: a bad token refuses");

	/* --- AliExpress: grouped by product --- */
	c = ctx("ae");
	items(v, p, 3, ozids);
	v[1].id2 = "P2";
	memset(&rq, 0, sizeof rq);
	lk_mp_ae.push_build(&c, p, 3, &rq, err, sizeof err);
	is_str(rq.body, "{\"products\":[{\"product_id\":\"P1\",\"skus\":[{\"sku_code\":\"SKU-1\",\"inventory\":\"1\"},"
	    "{\"sku_code\":\"SKU-3\",\"inventory\":\"3\"}]},{\"product_id\":\"P2\",\"skus\":[{\"sku_code\":\"SKU-\\\"2\","
	    "\"inventory\":\"2\"}]}]}", "ae: skus grouped by product_id");
	free(rq.url);
	free(rq.body);

	/* --- last-pushed state --- */
	{
		char dir[] = "/tmp/u-push.XXXXXX", *path;
		struct lk_pushstate ps;
		FILE *fp;
		char line[512], *jpath, *fpath;
		long long base;
		int i;

		ok(mkdtemp(dir) != NULL, "temp dir");
		path = lk_xasprintf("%s/wb.ndjson", dir);
		is_int(lk_pushstate_load(&ps, path, "wb", "pushed"), 0, "a missing state is empty");
		for (i = 0; i < 1000; i++) {
			char sku[32];

			snprintf(sku, sizeof sku, "SKU-%d", i);
			lk_pushstate_set(&ps, sku, i, -1, 1700000000, NULL);
		}
		lk_pushstate_set(&ps, "SKU-5", 55, -1, 1700000000, NULL);
		lk_pushstate_del(&ps, "SKU-7");
		is_int(lk_pushstate_save(&ps), 0, "saves");
		jpath = lk_pushstate_journal(path);
		is_str(jpath + strlen(dir), "/wb.journal.ndjson", "the journal's name");
		ok(access(path, F_OK) == -1 && fsize(jpath) > 0, "a save appends to the journal only");
		is_int(lk_pushstate_compact(&ps, 0), 0, "compacts");
		ok(access(jpath, F_OK) == -1 && fsize(path) > 0, "compacting folds the journal into the base");
		lk_pushstate_free(&ps);
		fp = fopen(path, "r");
		ok(fp && fgets(line, sizeof line, fp), "reads back");
		is_str(line, "{\"type\":\"pushed\",\"channel\":\"wb\",\"sku\":\"SKU-0\",\"qty\":0,"
		    "\"at\":\"2023-11-14T22:13:20Z\"}\n", "the format lk-reserve reads");
		if (fp)
			fclose(fp);
		is_int(lk_pushstate_load(&ps, path, "wb", "pushed"), 0, "loads");
		is_int((long long)ps.live, 999, "999 items (one deleted)");
		ok(lk_pushstate_find(&ps, "SKU-5") && lk_pushstate_find(&ps, "SKU-5")->qty == 55, "the update kept");
		ok(lk_pushstate_find(&ps, "SKU-7") == NULL, "the deleted one is gone");
		ok(lk_pushstate_find(&ps, "SKU-999") && lk_pushstate_find(&ps, "SKU-999")->qty == 999, "the last one");

		/* a small change is appended, and not compacted into a big base */
		base = fsize(path);
		lk_pushstate_set(&ps, "SKU-1", 11, -1, 1700000000, NULL);
		is_int(lk_pushstate_compact(&ps, 0), 0, "a small journal is left as it is");
		ok(fsize(path) == base && fsize(jpath) > 0 && fsize(jpath) < 200, "only the changed line was written");
		lk_pushstate_free(&ps);
		/* a kill in the middle of an append: the cut line is dropped, the next append starts afresh */
		fp = fopen(jpath, "a");
		ok(fp && fputs("{\"type\":\"pushed\",\"channel\":\"wb\",\"sku\":\"SKU-2\",\"qty\":2", fp) >= 0,
		    "a line cut short");
		if (fp)
			fclose(fp);
		is_int(lk_pushstate_load(&ps, path, "wb", "pushed"), 0, "loads the base and the journal");
		ok(lk_pushstate_find(&ps, "SKU-1")->qty == 11, "the journal's line wins");
		ok(lk_pushstate_find(&ps, "SKU-2")->qty == 2, "the cut line is ignored");
		lk_pushstate_set(&ps, "SKU-3", 33, -1, 1700000000, NULL);
		is_int(lk_pushstate_save(&ps), 0, "appends after a cut line");
		lk_pushstate_free(&ps);
		is_int(lk_pushstate_load(&ps, path, "wb", "pushed"), 0, "loads again");
		ok(lk_pushstate_find(&ps, "SKU-3")->qty == 33 && lk_pushstate_find(&ps, "SKU-1")->qty == 11,
		    "both journal lines are read");
		lk_pushstate_free(&ps);
		/* the failed state: a failure that is over is a deleted line */
		fpath = lk_xasprintf("%s/wb.failed.ndjson", dir);
		is_int(lk_pushstate_load(&ps, fpath, "wb", "push_failed"), 0, "an empty failed state");
		lk_pushstate_set(&ps, "A", 1, -1, 1700000000, "NotFound");
		lk_pushstate_set(&ps, "B", 2, -1, 1700000000, "NotFound");
		is_int(lk_pushstate_compact(&ps, 0), 0, "compacted");
		lk_pushstate_del(&ps, "A");
		is_int(lk_pushstate_save(&ps), 0, "the deletion saved");
		lk_pushstate_free(&ps);
		lk_pushstate_load(&ps, fpath, "wb", "push_failed");
		ok(lk_pushstate_find(&ps, "A") == NULL && lk_pushstate_find(&ps, "B") &&
		    strcmp(lk_pushstate_find(&ps, "B")->code, "NotFound") == 0, "the deletion replayed");
		lk_pushstate_del(&ps, "B");
		is_int(lk_pushstate_compact(&ps, 1), 0, "compacted to nothing");
		ok(access(fpath, F_OK) == -1, "an empty state has no file");
		lk_pushstate_free(&ps);
		free(fpath);
		fpath = lk_pushstate_journal(path);
		unlink(fpath);
		free(fpath);
		free(jpath);
		lk_pushstate_free(&ps);
		unlink(path);
		free(path);
		rmdir(dir);
	}
	return tap_done();
}
