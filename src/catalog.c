/*
 * catalog.c - catalog.csv and overrides.csv.
 *
 * The catalog can hold a million products, so it is read in one pass with
 * libcsv into a flat cell array whose strings live in large chunks, and
 * indexed by sku with open addressing: no allocation per product.
 */
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv-file.h"
#include "state.h"
#include "util.h"

static char empty[] = "";

static char *
arena_dup(struct lk_arena *a, const char *s, size_t n)
{
	if (n == 0)
		return empty;
	return lk_arena_dup(a, s, n);
}

struct loader {
	struct lk_catalog *c;
	struct lk_diag *d;
	struct lk_arena *arena;
	char **cells;           /* nrows * ncolumns */
	size_t cap;             /* rows allocated */
	size_t col;             /* field number in the current row */
	unsigned long line;
	int header_done;
	char **header;
	size_t nheader, header_cap;
	int too_wide;
};

static void
loader_field(void *s, size_t n, void *data)
{
	struct loader *l = data;
	struct lk_catalog *c = l->c;

	if (!l->header_done) {
		if (l->nheader == l->header_cap) {
			l->header_cap = l->header_cap ? l->header_cap * 2 : 16;
			l->header = lk_xrealloc(l->header, l->header_cap * sizeof *l->header);
		}
		l->header[l->nheader++] = lk_xstrndup(s ? s : "", n);
		return;
	}
	if (l->col >= c->ncolumns) {
		l->too_wide = 1;
		l->col++;
		return;
	}
	if (c->nrows == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->cells = lk_xrealloc(l->cells, l->cap * c->ncolumns * sizeof *l->cells);
	}
	l->cells[c->nrows * c->ncolumns + l->col++] = arena_dup(l->arena, s ? s : "", n);
}

static void
loader_row(int ch, void *data)
{
	struct loader *l = data;
	struct lk_catalog *c = l->c;
	size_t j;

	(void)ch;
	l->line++;
	if (!l->header_done) {
		/* The header row has been collected into l->header. */
		l->header_done = 1;
		c->columns = l->header;
		c->ncolumns = l->nheader;
		l->header = NULL;
		return;
	}
	if (l->col == 0)
		return;
	if (l->col == 1 && c->nrows < l->cap && c->ncolumns > 1 &&
	    l->cells[c->nrows * c->ncolumns][0] == '\0') {
		l->col = 0;         /* blank line */
		return;
	}
	if (l->too_wide)
		lk_diag_add(l->d, "catalog.csv", NULL, "line %lu: %zu fields, the header has %zu",
		    l->line, l->col, c->ncolumns);
	for (j = l->col; j < c->ncolumns; j++)
		l->cells[c->nrows * c->ncolumns + j] = empty;
	if (!l->too_wide)
		c->nrows++;
	l->col = 0;
	l->too_wide = 0;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
build_index(struct lk_catalog *c, struct lk_diag *d)
{
	size_t i, cap = 16, slot;

	while (cap < c->nrows * 2)
		cap *= 2;
	c->index = lk_xcalloc(cap, sizeof *c->index);
	c->index_cap = cap;
	for (i = 0; i < c->nrows; i++) {
		const char *sku = c->rows[i][0];

		if (*sku == '\0') {
			lk_diag_add(d, "catalog.csv", "sku", "row %zu: empty sku", i + 1);
			continue;
		}
		for (slot = hash_str(sku) & (cap - 1); c->index[slot]; slot = (slot + 1) & (cap - 1)) {
			if (strcmp(c->rows[c->index[slot] - 1][0], sku) == 0) {
				lk_diag_add(d, "catalog.csv", "sku", "'%s' appears twice (rows %zu and %zu)",
				    sku, c->index[slot], i + 1);
				break;
			}
		}
		if (c->index[slot] == 0)
			c->index[slot] = i + 1;
	}
}

/* Parses catalog.csv text; used on the working tree and on a revision alike. */
static void
parse_catalog(const char *buf, size_t len, struct lk_catalog *c, struct lk_diag *d)
{
	struct csv_parser p;
	struct lk_arena *arena = lk_xcalloc(1, sizeof *arena);
	struct loader l = { 0 };
	size_t i, off = 0;

	l.c = c;
	l.d = d;
	l.arena = arena;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	if (csv_parse(&p, buf + off, len - off, loader_field, loader_row, &l) != len - off ||
	    csv_fini(&p, loader_field, loader_row, &l) != 0)
		lk_diag_add(d, "catalog.csv", NULL, "near line %lu: %s", l.line + 1,
		    csv_strerror(csv_error(&p)));
	csv_free(&p);
	if (l.header) {
		for (i = 0; i < l.nheader; i++)
			free(l.header[i]);
		free(l.header);
	}
	if (c->ncolumns == 0 || strcmp(c->columns[0], "sku") != 0)
		lk_diag_add(d, "catalog.csv", NULL, "the first line must be a header starting with 'sku'");
	c->rows = lk_xcalloc(c->nrows ? c->nrows : 1, sizeof *c->rows);
	for (i = 0; i < c->nrows; i++)
		c->rows[i] = l.cells + i * c->ncolumns;
	if (c->nrows == 0)
		free(l.cells);
	c->arena_ = arena;
	if (c->ncolumns)
		build_index(c, d);
}

void lk_overrides_load(struct lk_state *st, const struct lk_catalog *cat,
    struct lk_override **out, size_t *n, struct lk_diag *d);

void
lk_catalog_load(struct lk_state *st, struct lk_catalog *c, struct lk_diag *d)
{
	char *buf;
	size_t len;

	memset(c, 0, sizeof *c);
	if (lk_state_read(st, "catalog.csv", &buf, &len) == -1) {
		lk_diag_add(d, "catalog.csv", NULL, "missing (a header line 'sku,...' and one row per product)");
		return;
	}
	parse_catalog(buf, len, c, d);
	free(buf);
}

void
lk_catalog_free(struct lk_catalog *c)
{
	struct lk_arena *a = c->arena_;
	size_t i;

	for (i = 0; i < c->ncolumns; i++)
		free(c->columns[i]);
	free(c->columns);
	if (c->nrows)
		free(c->rows[0]);
	free(c->rows);
	free(c->index);
	if (a) {
		lk_arena_free(a);
		free(a);
	}
	memset(c, 0, sizeof *c);
}

long
lk_catalog_find(const struct lk_catalog *c, const char *sku)
{
	size_t slot;

	if (c->index_cap == 0)
		return -1;
	for (slot = hash_str(sku) & (c->index_cap - 1); c->index[slot];
	    slot = (slot + 1) & (c->index_cap - 1))
		if (strcmp(c->rows[c->index[slot] - 1][0], sku) == 0)
			return (long)c->index[slot] - 1;
	return -1;
}

int
lk_catalog_column(const struct lk_catalog *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ncolumns; i++)
		if (strcmp(c->columns[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
lk_catalog_get(const struct lk_catalog *c, long row, int col)
{
	if (row < 0 || (size_t)row >= c->nrows || col < 0 || (size_t)col >= c->ncolumns)
		return "";
	return c->rows[row][col];
}

void
lk_overrides_load(struct lk_state *st, const struct lk_catalog *cat,
    struct lk_override **out, size_t *n, struct lk_diag *d)
{
	struct lk_csv_table t;
	char *buf, err[256];
	size_t len, i;
	long long q;

	*out = NULL;
	*n = 0;
	if (lk_state_read(st, "overrides.csv", &buf, &len) == -1)
		return;     /* optional */
	if (lk_csv_table_parse(buf, len, &t, err, sizeof err) == -1) {
		lk_diag_add(d, "overrides.csv", NULL, "line %s", err);
		free(buf);
		return;
	}
	free(buf);
	if (t.nrows == 0 || t.nfields[0] < 3 || strcmp(t.rows[0][0], "sku") != 0 ||
	    strcmp(t.rows[0][1], "channel") != 0 || strcmp(t.rows[0][2], "qty") != 0) {
		lk_diag_add(d, "overrides.csv", NULL, "the first line must be the header 'sku,channel,qty'");
		lk_csv_table_free(&t);
		return;
	}
	*out = lk_xcalloc(t.nrows, sizeof **out);
	for (i = 1; i < t.nrows; i++) {
		struct lk_override *o = &(*out)[*n];
		char **r = t.rows[i];

		if (t.nfields[i] < 3) {
			lk_diag_add(d, "overrides.csv", NULL, "line %lu: needs sku,channel,qty", t.lines[i]);
			continue;
		}
		if (strcmp(r[2], "hide") == 0) {
			o->hide = 1;
		} else if (lk_parse_ll(r[2], 0, 1000000000, &q) == 0) {
			o->qty = q;
		} else {
			lk_diag_add(d, "overrides.csv", "qty", "line %lu: '%s' is neither a whole "
			    "number nor 'hide'", t.lines[i], r[2]);
			continue;
		}
		if (cat->ncolumns && lk_catalog_find(cat, r[0]) < 0)
			lk_diag_add(d, "overrides.csv", "sku", "line %lu: '%s' is not in catalog.csv",
			    t.lines[i], r[0]);
		o->sku = lk_xstrdup(r[0]);
		o->channel = lk_xstrdup(r[1]);
		(*n)++;
	}
	lk_csv_table_free(&t);
}
