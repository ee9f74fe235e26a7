/*
 * alloc-input.c - reading lk-alloc's input records.
 *
 * Most of the input is stock records, millions of them, and jansson
 * builds a tree per line.  So a line that is a flat object of plain
 * strings and integers is parsed in place (lk_flat_parse); every
 * other line, and every line the fast path is not sure of, goes to
 * jansson, which accepts it or reports it with its line.  Both paths end
 * in the same calls, so the output cannot depend on the path:
 * LK_TEST_NO_FASTPATH=1 turns the fast path off and the tests compare.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc-int.h"
#include "err.h"
#include "exit.h"

/*
 * A well-formed stock record, or with pass a record of a type lk-alloc
 * does not read, through the fast path; 0 when it is not one.
 */
static int
fast_line(struct lk_alloc *const *a, size_t na, const char *s, size_t n, int pass)
{
	struct lk_flat f[16];
	const struct lk_flat *t, *sku, *src, *qty, *loc;
	int nf = lk_flat_parse(s, n, f, 16);

	if (nf < 0)
		return 0;
	t = lk_flat_get(f, nf, "type");
	if (t == NULL || !t->str || t->vlen == 0)
		return 0;
	if (t->vlen != 5 || memcmp(t->v, "stock", 5) != 0) {
		/* other types pass through (seen records: one per channel and product) */
		if (!pass || (t->vlen == 6 && memcmp(t->v, "source", 6) == 0) ||
		    (t->vlen == 7 && memcmp(t->v, "reserve", 7) == 0) ||
		    (t->vlen == 10 && memcmp(t->v, "bad_record", 10) == 0))
			return 0;   /* records lk-alloc reads: the slow path */
		lk_emit_flat_line(s, n, f, nf);
		return 1;
	}
	sku = lk_flat_get(f, nf, "sku");
	src = lk_flat_get(f, nf, "source");
	qty = lk_flat_get(f, nf, "qty");
	loc = lk_flat_get(f, nf, "location");
	if (!sku || !sku->str || sku->vlen == 0 || !src || !src->str || src->vlen == 0 ||
	    !qty || qty->str || (loc && !loc->str) || lk_flat_int(qty) > LK_QTY_MAX)
		return 0;   /* jansson's path reports it */
	while (na-- > 0)
		lk_alloc_stock(a[na], sku->v, sku->vlen, src->v, src->vlen, loc ? loc->v : NULL,
		    loc ? loc->vlen : 0, lk_flat_int(qty));
	return 1;
}

static const char *
nonempty(const json_t *rec, const char *key)
{
	const char *v = lk_rec_str(rec, key);

	return v && *v ? v : NULL;
}

/* A stock record lk-alloc refuses, of a known sku and source: as a parser's bad row. */
static void
bad_stock(struct lk_alloc *const *a, size_t na, struct lk_reader *r, const char *src,
    const char *sku, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s:%lu: stock record '%s': %s", r->name, r->line, sku, why);
	while (na-- > 0)
		lk_alloc_bad(a[na], src, sku, msg, 0);
}

static void
slow_stock(struct lk_alloc *const *a, size_t na, struct lk_reader *r, const json_t *rec)
{
	const char *sku = nonempty(rec, "sku"), *src = nonempty(rec, "source");
	const json_t *loc = json_object_get(rec, "location");
	long long qty;

	if (sku == NULL || src == NULL) {
		lk_reader_bad(r, "stock record without a non-empty string '%s'", sku ? "source" : "sku");
		return;
	}
	if (lk_rec_qty(rec, "qty", &qty) < 0) {
		lk_reader_bad(r, "stock record '%s': 'qty' is not an integer >= 0", sku);
		bad_stock(a, na, r, src, sku, "'qty' is not an integer >= 0");
		return;
	}
	if (qty > LK_QTY_MAX) {
		lk_reader_bad(r, "stock record '%s': 'qty' %lld is above the maximum %lld", sku, qty,
		    LK_QTY_MAX);
		bad_stock(a, na, r, src, sku, "'qty' is above the maximum");
		return;
	}
	if (loc && !json_is_string(loc)) {
		lk_reader_bad(r, "stock record '%s': 'location' is not a string", sku);
		return;
	}
	while (na-- > 0)
		lk_alloc_stock(a[na], sku, json_string_length(json_object_get(rec, "sku")), src,
		    strlen(src), loc ? json_string_value(loc) : NULL,
		    loc ? json_string_length(loc) : 0, qty);
}

static void
slow_source(struct lk_alloc *const *a, size_t na, struct lk_reader *r, const json_t *rec)
{
	const char *src = nonempty(rec, "source"), *st = lk_rec_str(rec, "status");
	const json_t *n = json_object_get(rec, "records");
	long long records = -1, bad = -1;

	if (src == NULL) {
		lk_reader_bad(r, "source record without a non-empty string 'source'");
		return;
	}
	if (st == NULL || (strcmp(st, "complete") != 0 && strcmp(st, "failed") != 0)) {
		lk_reader_bad(r, "source record '%s': 'status' is not \"complete\" or \"failed\"", src);
		return;
	}
	if (n && lk_rec_qty(rec, "records", &records) < 0) {
		lk_reader_bad(r, "source record '%s': 'records' is not an integer >= 0", src);
		return;
	}
	if (json_object_get(rec, "bad") && lk_rec_qty(rec, "bad", &bad) < 0) {
		lk_reader_bad(r, "source record '%s': 'bad' is not an integer >= 0", src);
		return;
	}
	while (na-- > 0) {
		lk_alloc_source(a[na], src, strcmp(st, "complete") == 0, records);
		if (bad >= 0)
			lk_alloc_source_bad(a[na], src, bad);
	}
}

/* The orders behind a reserve, for --explain: few skus have open orders. */
static void
keep_orders(struct lk_alloc *a, const char *sku, const json_t *rec)
{
	json_t *o = json_object_get(rec, "orders"), *sh = json_object_get(rec, "shipped");

	if (!json_is_array(o) || json_array_size(o) == 0)
		return;
	if (a->reserve_orders == NULL)
		a->reserve_orders = json_object();
	json_object_set_new(a->reserve_orders, sku, json_pack("{s:O, s:o}", "orders", o,
	    "shipped", json_is_array(sh) ? json_incref(sh) : json_array()));
}

/* A row or offer a parser could not read (lk-records(5)). */
static void
slow_bad(struct lk_alloc *const *a, size_t na, struct lk_reader *r, const json_t *rec)
{
	const char *src = nonempty(rec, "source"), *sku = nonempty(rec, "sku");
	const char *err = lk_rec_str(rec, "error");

	if (src == NULL) {
		lk_reader_bad(r, "bad_record record without a non-empty string 'source'");
		return;
	}
	while (na-- > 0)
		lk_alloc_bad(a[na], src, sku, err, 1);
}

static void
slow_reserve(struct lk_alloc *const *a, size_t na, struct lk_reader *r, const json_t *rec)
{
	const char *sku = nonempty(rec, "sku");
	long long qty;

	if (sku == NULL) {
		lk_reader_bad(r, "reserve record without a non-empty string 'sku'");
		return;
	}
	if (lk_rec_qty(rec, "qty", &qty) < 0) {
		lk_reader_bad(r, "reserve record '%s': 'qty' is not an integer >= 0", sku);
		return;
	}
	if (qty > LK_QTY_MAX) {
		lk_reader_bad(r, "reserve record '%s': 'qty' %lld is above the maximum %lld", sku, qty,
		    LK_QTY_MAX);
		return;
	}
	while (na-- > 0) {
		lk_alloc_reserve(a[na], sku, strlen(sku), qty);
		keep_orders(a[na], sku, rec);
	}
}

static void
slow_line(struct lk_alloc *const *a, size_t na, struct lk_reader *r, const char *s, size_t n,
    int pass)
{
	json_t *v = lk_reader_parse(r, s, n);
	const char *type;

	if (v == NULL)
		return;
	type = lk_rec_type(v);
	if (strcmp(type, "stock") == 0)
		slow_stock(a, na, r, v);
	else if (strcmp(type, "source") == 0)
		slow_source(a, na, r, v);
	else if (strcmp(type, "reserve") == 0)
		slow_reserve(a, na, r, v);
	else if (strcmp(type, "bad_record") == 0)
		slow_bad(a, na, r, v);
	else if (pass)
		lk_emit_record(v);
	json_decref(v);
}

void
lk_alloc_read(struct lk_alloc *const *a, size_t na, struct lk_reader *r, int pass)
{
	const char *nf = getenv("LK_TEST_NO_FASTPATH");
	int fast = !(nf && strcmp(nf, "1") == 0);
	char *s;
	size_t n;

	while (lk_reader_line(r, &s, &n)) {
		if (n == 0)
			continue;
		if (n > r->max_line) {
			lk_reader_bad(r, "line longer than %zu bytes", r->max_line);
			continue;
		}
		if (fast && fast_line(a, na, s, n, pass)) {
			r->nrec++;
			continue;
		}
		slow_line(a, na, r, s, n, pass);
	}
}
