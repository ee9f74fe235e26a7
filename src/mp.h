/*
 * mp.h - what lk knows about each marketplace, in one table: its name in
 * channel configs, default API root, the catalog column holding its item
 * id, its batch limit and documented request rate, and how a request is
 * authenticated.  The fetch (read) and push (write) adapters build on it.
 *
 * lk_mp_find() returns the entry for a channel's "marketplace" value, or
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

#include "state.h"

enum lk_mp_id { LK_MP_WB, LK_MP_OZON, LK_MP_YM, LK_MP_MM, LK_MP_AE };

struct lk_mp {
	enum lk_mp_id id;
	const char *name;           /* "wb", "ozon", "ym", "mm", "ae" */
	const char *title;          /* "Wildberries" */
	const char *default_base_url;
	const char *id_column;      /* catalog column (LK_COL_*) */
	long batch_max;             /* items per stock update request */
	double rate;                /* documented stock-update requests per second */
	int burst;                  /* documented burst */
};

const struct lk_mp *lk_mp_find(const char *name);
/* The channel's base_url, or the marketplace default. */
const char *lk_mp_base_url(const struct lk_mp *mp, const struct lk_channel *ch);
int lk_mp_auth(const struct lk_mp *mp, const struct lk_channel *ch,
    struct curl_slist **headers, char **body_token, char *err, size_t errlen);

#endif
