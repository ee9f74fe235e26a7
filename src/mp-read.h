/*
 * mp-read.h - reading listings from a marketplace (lk-fetch(1) --orders,
 * --stocks, --warehouses, --products).
 *
 * lk_mpread_run() lists one kind of thing for a channel, following the
 * API's pagination to its end, and emits records with lk_emit_* (ndjson.h):
 *   orders      one "order" record per order line (open orders only), then
 *               an "orders" sentinel {"channel","status":"complete","records"};
 *               on failure the sentinel says "failed" with "error"
 *   stocks      one "seen" record per item the marketplace reports
 *   warehouses  one "warehouse" record per warehouse
 *   products    one "product" record per marketplace item
 * Marketplace ids are mapped back to catalog skus through the catalog
 * column of lk_mp_find(ch->marketplace)->id_column; items the catalog does
 * not know are left out of order and seen records and counted in one
 * warning.  Returns 0, or an exit code (75 temporary, 69 refused, 78 bad
 * configuration) with the reason in err (never a secret).  A listing that
 * could not be read to its end always fails: records already emitted are
 * then followed by no "complete" sentinel.
 */
#ifndef LK_MPREAD_H
#define LK_MPREAD_H

#include <stddef.h>

#include "http.h"
#include "state.h"

enum lk_mpread_kind {
	LK_MPREAD_ORDERS, LK_MPREAD_STOCKS, LK_MPREAD_WAREHOUSES, LK_MPREAD_PRODUCTS
};

struct lk_mpread_opts {
	long long since;            /* orders: seconds back from now (WB, 72h) */
	struct lk_http_opts http;
	long page_size;             /* 0 = each API's maximum; tests use small pages */
	const char *lkdir;          /* the state's .lk folder (MegaMarket stocks read .lk/pushed), or NULL */
};

int lk_mpread_run(const struct lk_config *cfg, const struct lk_channel *ch,
    enum lk_mpread_kind kind, struct lk_mpread_opts *o, char *err, size_t errlen);

#endif
