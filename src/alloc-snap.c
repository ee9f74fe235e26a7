/*
 * alloc-snap.c - the last complete read of each source, kept in
 * STATE/.lk/snapshots/SOURCE.ndjson so that a failed read never turns
 * stock into 0 (lk-alloc(1), SNAPSHOTS).
 *
 * The file is NDJSON: a header line
 *   {"type":"snapshot","source":"main","at":"2026-11-27T10:16:21Z","records":2,"products":2}
 * then one line per product with stock, in sku order, per location when
 * the source has locations:
 *   {"sku":"A-1","qty":5}
 *   {"sku":"A-2","qty":3,"location":"msk"}
 * Products with 0 are left out: missing and 0 mean the same.  "records"
 * counts the lines after the header, so a cut file is refused; "products"
 * counts the products with stock, for the max_drop guard.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-int.h"
#include "atomic.h"
#include "confine.h"
#include "err.h"

static void
put_line(FILE *fp, const char *sku, long long qty, const char *loc)
{
	char num[24], *p = num + sizeof num;
	unsigned long long q = qty > 0 ? (unsigned long long)qty : 0;

	/* By hand, not fprintf: three million lines per run (make bench). */
	do
		*--p = (char)('0' + q % 10);
	while ((q /= 10) > 0);
	fputs("{\"sku\":", fp);
	lk_json_write_string(fp, sku, strlen(sku));
	fputs(",\"qty\":", fp);
	fwrite(p, 1, (size_t)(num + sizeof num - p), fp);
	if (loc) {
		fputs(",\"location\":", fp);
		lk_json_write_string(fp, loc, strlen(loc));
	}
	fputs("}\n", fp);
}

static int
cmp_loc(const void *x, const void *y)
{
	const struct locent *p = x, *q = y;

	if (p->row != q->row)
		return p->row < q->row ? -1 : 1;
	return (p->loc > q->loc) - (p->loc < q->loc);
}

/* Lines for one row: its locations merged, then what came without one.  fp NULL: count. */
static long long
put_row(struct lk_alloc *a, struct asrc *s, FILE *fp, uint32_t row, size_t *li)
{
	const char *sku = a->sku[row];
	long long rest = s->qty[row], n = 0;

	while (*li < s->nlocs && s->locs[*li].row == row) {
		uint32_t loc = s->locs[*li].loc;
		long long q = 0;

		for (; *li < s->nlocs && s->locs[*li].row == row && s->locs[*li].loc == loc; (*li)++)
			q += s->locs[*li].qty;
		rest -= q;
		if (q > 0) {
			if (fp)
				put_line(fp, sku, q, s->locnames[loc]);
			n++;
		}
	}
	if (rest > 0) {
		if (fp)
			put_line(fp, sku, rest, NULL);
		n++;
	}
	return n;
}

int
lk_alloc_snap_write(struct lk_alloc *a, struct asrc *s, const char *path, time_t now)
{
	struct lk_atomic at;
	size_t i, li, pass;
	long long n = 0, products = 0;
	char ts[21];
	uint32_t *pos;

	/* Where each row's location records start, to walk them in sku order. */
	if (s->nlocs > 1)
		qsort(s->locs, s->nlocs, sizeof *s->locs, cmp_loc);
	pos = lk_xcalloc(a->nprod + 1, sizeof *pos);
	for (i = 0; i < s->nlocs; i++)
		pos[s->locs[i].row + 1]++;
	for (i = 0; i < a->nprod; i++)
		pos[i + 1] += pos[i];
	if (lk_atomic_open(&at, path) < 0) {
		free(pos);
		return -1;
	}
	/* Pass 0 counts the lines for the header, pass 1 writes them. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			fputs("{\"type\":\"snapshot\",\"source\":", at.fp);
			lk_json_write_string(at.fp, s->cfg->name, strlen(s->cfg->name));
			fprintf(at.fp, ",\"at\":\"%s\",\"records\":%lld,\"products\":%lld}\n",
			    lk_fmt_time(now, ts), n, products);
		}
		for (i = 0; i < a->nprod; i++) {
			uint32_t row = a->order[i];
			long long k;

			if (s->qty[row] <= 0 && pos[row] == pos[row + 1])
				continue;
			li = pos[row];
			k = put_row(a, s, pass ? at.fp : NULL, row, &li);
			if (!pass) {
				n += k;
				products += s->qty[row] > 0;
			}
		}
	}
	free(pos);
	return lk_atomic_commit(&at);
}

static int
load_header(FILE *fp, const char *src, time_t *at, long long *records, long long *products)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, fp);
	json_t *h = n > 0 ? json_loadb(line, (size_t)n, 0, NULL) : NULL;
	const char *s = lk_rec_str(h, "source"), *t = lk_rec_str(h, "at");
	int rc = -1;

	if (s && t && strcmp(s, src) == 0 && lk_parse_time(t, at) == 0 &&
	    lk_rec_qty(h, "records", records) == 0)
		rc = 0;
	if (products && lk_rec_qty(h, "products", products) < 0)
		*products = -1;
	json_decref(h);
	free(line);
	return rc;
}

static void
add_row(struct lk_alloc *a, struct asrc *s, const char *sku, size_t len, const char *loc,
    size_t loclen, long long q)
{
	long row = lk_alloc_find(a, sku, len);

	/* A sku since removed from the catalog is no product any more. */
	if (row >= 0)
		lk_alloc_add(a, s, (uint32_t)row, loc, loclen, q);
}

/* A line the fast parser declined (a sku with escapes): through jansson. */
static int
load_escaped(struct lk_alloc *a, struct asrc *s, const char *line, size_t n)
{
	json_t *v = json_loadb(line, n, 0, NULL);
	const json_t *sku = json_object_get(v, "sku"), *loc = json_object_get(v, "location");
	long long q;
	int rc = -1;

	if (json_is_string(sku) && lk_rec_qty(v, "qty", &q) == 0 && (!loc || json_is_string(loc))) {
		add_row(a, s, json_string_value(sku), json_string_length(sku),
		    loc ? json_string_value(loc) : NULL, loc ? json_string_length(loc) : 0, q);
		rc = 0;
	}
	json_decref(v);
	return rc;
}

int
lk_alloc_snap_header(const char *path, const char *src, time_t *at, long long *products)
{
	FILE *fp = lk_confine_fopen(path, "r");
	long long records;
	int rc;

	if (fp == NULL)
		return -1;
	rc = load_header(fp, src, at, &records, products);
	fclose(fp);
	if (rc == 0 && *products < 0)
		*products = records;    /* before "products": a line per product or location */
	return rc;
}

int
lk_alloc_snap_load(struct lk_alloc *a, struct asrc *s, const char *path, time_t *at)
{
	FILE *fp = lk_confine_fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long long want, got = 0;
	struct lk_flat f[4];

	if (fp == NULL)
		return -1;
	if (load_header(fp, s->cfg->name, at, &want, NULL) < 0)
		goto bad;
	while ((n = getline(&line, &cap, fp)) > 0) {
		int nf = lk_flat_parse(line, (size_t)n, f, 4);
		const struct lk_flat *sku = nf < 0 ? NULL : lk_flat_get(f, nf, "sku");
		const struct lk_flat *qty = nf < 0 ? NULL : lk_flat_get(f, nf, "qty");
		const struct lk_flat *loc = nf < 0 ? NULL : lk_flat_get(f, nf, "location");
		long long q = 0;
		size_t i;

		got++;
		if (nf < 0 || !sku || !sku->str || !qty || qty->str || (loc && !loc->str)) {
			if (load_escaped(a, s, line, (size_t)n) < 0)
				goto bad;
			continue;
		}
		for (i = 0; i < qty->vlen; i++)
			q = q * 10 + (qty->v[i] - '0');
		add_row(a, s, sku->v, sku->vlen, loc ? loc->v : NULL, loc ? loc->vlen : 0, q);
	}
	if (ferror(fp) || got != want)
		goto bad;
	free(line);
	fclose(fp);
	return 0;
bad:
	lk_warn("%s: not a complete snapshot, ignored", path);
	lk_alloc_src_reset(s, a->nprod);
	free(line);
	fclose(fp);
	errno = EINVAL;
	return -1;
}
