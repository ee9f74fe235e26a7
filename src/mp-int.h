/*
 * mp-int.h - what the marketplace files (src/mp-NAME.c) share: the
 * listing context and its record emitters (mp-read.c), and the JSON and
 * request-body helpers of the stock updates (mp.c).  Not for commands.
 */
#ifndef LK_MP_INT_H
#define LK_MP_INT_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "mp.h"
#include "mp-read.h"
#include "push.h"

#define LK_MP_MAX_PAGES 100000  /* a listing longer than this does not advance */

/* ---- listings (mp-read.c) ---- */

/* Marketplace id -> catalog row: open addressing over the catalog's own strings. */
struct lk_mpread_idmap {
	uint32_t *slot;             /* catalog row + 1; 0 = free */
	size_t cap;
};

struct lk_mpread_ctx {
	const struct lk_config *cfg;
	const struct lk_channel *ch;
	const struct lk_mp *mp;
	struct lk_mpread_opts *o;
	char *err;
	size_t errlen;
	int rc;                     /* exit code of the failure */
	struct curl_slist *auth;
	char *token;                /* MegaMarket: goes in the body */
	const char *base;
	struct lk_mpread_idmap map;
	int idcol;                  /* catalog column of the marketplace id, or -1 */
	const char *idname;         /* its name */
	long long unknown;
	char first_unknown[80];
	long long nrec;
	char now[21];
	unsigned char *shown;       /* stocks: per catalog row, whether the listing reported its id */
	void *mpdata;               /* the marketplace file's own state during a listing */
	int no_unreported;          /* stocks: items not reported are unknown, not 0 */
	/* lk_mpread_shared(): where the account's items go as they arrive */
	void (*each)(struct lk_mpread_ctx *c, json_t *item);
	FILE *share;                /* the other channels' copy being written, or NULL */
	char *sharebuf;             /* one item's JSON on its way there */
	size_t sharecap;
	int share_failed;
};

/* Sets c->err and c->rc; returns code. */
int lk_mpread_fail(struct lk_mpread_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * One API call: sends body (stolen; may be NULL; MegaMarket's token is
 * put into its "data") to base + path and returns the parsed JSON answer,
 * or NULL with the failure in c->err / c->rc.
 */
json_t *lk_mpread_api(struct lk_mpread_ctx *c, const char *method, const char *path, json_t *body);
/* The page size to ask for: the API's max, or the smaller one a test set. */
long lk_mpread_page(struct lk_mpread_ctx *c, long max);
/* 0 when v > 0, else fails (78) naming the missing setting. */
int lk_mpread_need(struct lk_mpread_ctx *c, long long v, const char *what);
/*
 * Maps marketplace ids through another catalog column than the
 * marketplace's id_column (AliExpress reads stock by ae_sku_id); 0, or
 * -1 when catalog.csv has no such column.
 */
int lk_mpread_column(struct lk_mpread_ctx *c, const char *column);
/* Catalog ids of this marketplace from row *pos on, at most n, as a JSON array. */
json_t *lk_mpread_ids(struct lk_mpread_ctx *c, size_t *pos, long n, int numeric);

/*
 * An account-wide listing (the API lists the whole account; each channel
 * keeps its share) read once per lk-sync run.  read(c) lists the account
 * and hands each item to lk_mpread_item() as its page arrives, which
 * gives it to each(c, item): nothing of the account is held.  With
 * $LK_RUN_DIR set (by lk-sync), the first channel of the account to ask
 * runs read(c) and also writes the items, one JSON object a line, to
 * RUNDIR/shared-NAME-ACCOUNT.ndjson, renamed into place only when read
 * succeeded; the others, waiting on its lock, read the items from that
 * file one at a time (a failed listing leaves no file: the next channel
 * reads the account itself).  Without it, or when no other enabled
 * channel speaks for the account, read(c) runs every time.
 * Returns 0, or the exit code with c->err set.
 */
int lk_mpread_shared(struct lk_mpread_ctx *c, const char *name, int (*read)(struct lk_mpread_ctx *c),
    void (*each)(struct lk_mpread_ctx *c, json_t *item));
/* One item of an account-wide listing (borrowed): to the other channels' copy, then to each(). */
void lk_mpread_item(struct lk_mpread_ctx *c, json_t *item);

/* Records; marketplace ids the catalog does not know are counted and left out. */
void lk_mpread_order(struct lk_mpread_ctx *c, const char *id, const char *mpid, long long qty,
    const char *status, const char *at);
/* The same with the marketplace's own time of the order's last status change (lk-records(5) changed). */
void lk_mpread_order_changed(struct lk_mpread_ctx *c, const char *id, const char *mpid, long long qty,
    const char *status, const char *at, const char *changed);
/* An order line of a catalog sku itself (one the reserve ledger holds, asked again by id). */
void lk_mpread_order_sku(struct lk_mpread_ctx *c, const char *id, const char *sku, long long qty,
    const char *status, const char *at);
void lk_mpread_seen(struct lk_mpread_ctx *c, const char *mpid, long long qty);
/* A seen record for a catalog sku itself. */
void lk_mpread_seen_sku(struct lk_mpread_ctx *c, const char *sku, long long qty);
/* The catalog sku of a marketplace id, or NULL. */
const char *lk_mpread_sku(struct lk_mpread_ctx *c, const char *mpid);
void lk_mpread_warehouse(struct lk_mpread_ctx *c, const char *id, const char *name);
/* extra: NULL-terminated key/value pairs of further string fields. */
void lk_mpread_product(struct lk_mpread_ctx *c, const char *mpid, const char *offer_id,
    const char *barcode, const char *name, ...);

/* ---- JSON (mp.c) ---- */

/* A JSON scalar member as text ("123" for 123, into buf when given), or NULL. */
const char *lk_mp_jstr(const json_t *o, const char *key, char *buf, size_t len);
/* A member as a whole number (integer, real or numeric string), or def. */
long long lk_mp_jint(const json_t *o, const char *key, long long def);
/* A member by a dotted path ("result.items"), or NULL. */
json_t *lk_mp_jpath(json_t *o, const char *path);

/* ---- stock update requests (mp.c) ---- */

/* An in-memory stream for a request body (dies when out of memory). */
FILE *lk_mp_body_open(char **buf, size_t *len);
/* Closes it; 0, or -1 with a message. */
int lk_mp_body_close(FILE *fp, char *err, size_t errlen);
/* Writes s as a JSON string. */
void lk_mp_put_str(FILE *fp, const char *s);
/* The answer's body as JSON, or NULL. */
json_t *lk_mp_jbody(const struct lk_http_resp *resp);
/* code and "HTTP S: code: message" from the usual error envelopes. */
void lk_mp_envelope(const json_t *j, char *code, size_t codelen, char *msg, size_t msglen, long status);
/* Appends "name: value" to *headers, wiping our copy; 0 or -1. */
int lk_mp_header(struct curl_slist **headers, const char *name, const char *value);

#endif
