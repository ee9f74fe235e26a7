/*
 * mp.h - the marketplaces lk talks to, each behind one table of
 * operations (like curl's lib/vtls/ backends): its name in channel
 * configs, default API root, the catalog column holding its item id, its
 * batch limit and documented request rate, how a request is
 * authenticated, how a stock update is built and judged (lk-push), and
 * how its listings are read (lk-fetch --orders, --stocks, --warehouses,
 * --products).  Each marketplace lives in its own file, src/mp-NAME.c,
 * which defines its table; a change to one marketplace's API, or a new
 * marketplace, touches that file (and the registry in mp.c).
 *
 * lk_mp_find() returns the table for a channel's "marketplace" value, or
 * NULL.  lk_mp_auth() appends the marketplace's auth headers for a channel
 * to *headers (Wildberries "Authorization: TOKEN", Ozon "Client-Id" and
 * "Api-Key", Yandex Market "Api-Key", AliExpress "x-auth-token"); for
 * MegaMarket the token goes in the body, so it is returned in *body_token
 * instead (free with lk_secret_free).  Returns 0, or -1 with the reason
 * in err (never the secret itself).
 */
#ifndef LK_MP_H
#define LK_MP_H

#include <stddef.h>
#include <curl/curl.h>
#include <jansson.h>

#include "state.h"

enum lk_mp_id { LK_MP_WB, LK_MP_OZON, LK_MP_YM, LK_MP_MM, LK_MP_AE };

/* What a stock update's answer says about the whole batch (push.c acts on it). */
enum lk_pv {
	LK_PV_DONE,             /* each item is marked (ok/failed/temp/pending = resend) */
	LK_PV_SPLIT,            /* rejected whole, culprits unnamed: halve the batch and resend */
	LK_PV_REFUSED,          /* 401/403: stop the channel, exit 69 */
	LK_PV_TEMP,             /* temporary failure of the whole batch: stop the channel, 75 */
	LK_PV_FAILED            /* the whole batch failed for good; items marked */
};

struct lk_push_ctx;             /* push.h */
struct lk_push_item;
struct lk_push_req;
struct lk_http_resp;            /* http.h */
struct lk_mpread_ctx;           /* mp-int.h */

struct lk_mp {
	enum lk_mp_id id;
	const char *name;           /* "wb", "ozon", "ym", "mm", "ae" */
	const char *title;          /* "Wildberries" */
	const char *default_base_url;
	const char *id_column;      /* catalog column (LK_COL_*) */
	long batch_max;             /* items per stock update request */
	double rate;                /* documented stock-update requests per second */
	int burst;                  /* documented burst */

	/*
	 * Adds the auth headers for secret to *headers, or hands the token
	 * back in *body_token (a copy, or NULL when body_token is NULL);
	 * 0, or -1 with a message in err.
	 */
	int (*auth)(const struct lk_channel *ch, const char *secret, struct curl_slist **headers,
	    char **body_token, char *err, size_t errlen);

	/* --- lk-push: one stock update request for a batch --- */
	/* Builds the request for it[0..n-1]; 0, or -1 with a message. */
	int (*push_build)(const struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
	    struct lk_push_req *rq, char *err, size_t errlen);
	/* Judges the answer; marks the items; msg for whole-batch verdicts. */
	enum lk_pv (*push_parse)(struct lk_push_ctx *c, struct lk_push_item **it, size_t n,
	    const struct lk_http_resp *resp, char *msg, size_t msglen);
	long temp_wait_ms;          /* the wait before sending LK_PI_TEMP items again (0: next run) */
	double charge_4xx;          /* extra tokens a 4xx answer costs (WB: 9) */

	/*
	 * --- lk-fetch: listings (mp-read.h), each read to its end ---
	 * Each emits its records through lk_mpread_* (mp-int.h) and returns
	 * 0 or an exit code with the reason set by lk_mpread_fail().  NULL:
	 * the marketplace documents no such call (MegaMarket's stocks and
	 * products): stocks then give no seen record, products fail (69).
	 */
	int (*orders)(struct lk_mpread_ctx *c);
	int (*stocks)(struct lk_mpread_ctx *c);
	int (*warehouses)(struct lk_mpread_ctx *c);
	int (*products)(struct lk_mpread_ctx *c);
	/*
	 * A 2xx answer that still refuses the call (MegaMarket "success": 0,
	 * AliExpress "error"): a message in msg and 1; 0 when it is an answer.
	 * NULL: every 2xx is an answer.
	 */
	int (*refused)(const json_t *answer, char *msg, size_t msglen);

	/*
	 * What a channel of this marketplace needs beyond config.c's checks,
	 * reported into d (lk-state check); NULL: nothing more.
	 */
	void (*check)(const struct lk_config *cfg, const struct lk_channel *ch, struct lk_diag *d);
	/* Further catalog columns whose ids must be unique (NULL-terminated), besides id_column. */
	const char *const *more_id_columns;
};

extern const struct lk_mp lk_mp_wb, lk_mp_ozon, lk_mp_ym, lk_mp_mm, lk_mp_ae;

const struct lk_mp *lk_mp_find(const char *name);
/* The channel's base_url, or the marketplace default. */
const char *lk_mp_base_url(const struct lk_mp *mp, const struct lk_channel *ch);
int lk_mp_auth(const struct lk_mp *mp, const struct lk_channel *ch,
    struct curl_slist **headers, char **body_token, char *err, size_t errlen);
/*
 * What a later stage would refuse, found before a run (lk-state check):
 * ids a marketplace needs that a channel lacks, one marketplace id on two
 * catalog skus (naming both), two channels on one warehouse or campaign.
 * Problems go into d.
 */
void lk_mp_check(const struct lk_config *cfg, struct lk_diag *d);
/*
 * The catalog columns a channel reads (lk-push, lk-fetch): its
 * marketplace's id columns, AliExpress's product id column, a yml file's
 * name and price.  At most LK_MP_MAX_COLUMNS into out; returns the count.
 */
#define LK_MP_MAX_COLUMNS 4
size_t lk_mp_channel_columns(const struct lk_channel *ch, const char *out[LK_MP_MAX_COLUMNS]);
/*
 * Marketplace ids of a catalog column that sit on two skus: each pair
 * goes into d as "catalog.csv: COLUMN: 'ID' is on both A and B (one update
 * would carry it twice)", the first ten named; returns how many.  lk-state
 * check reports them; lk-push refuses the channel (78).
 */
size_t lk_mp_check_ids(const struct lk_catalog *cat, const char *column, struct lk_diag *d);
/*
 * The account a channel speaks for, as a key without secrets: the
 * marketplace, its API root and the credentials entry (variable or file
 * and key, Ozon's Client-Id).  Channels with one key share the account's
 * listings and its request budget.  Free the result.
 */
char *lk_mp_account(const struct lk_mp *mp, const struct lk_channel *ch);

#endif
