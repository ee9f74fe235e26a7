/*
 * catalog.c - catalog.csv and overrides.csv.
 *
 * The catalog can hold millions of products and every process of a cycle
 * loads it, so it is parsed with libcsv as it is read, piece by piece, and
 * only the kept columns stay (state.h): one block of strings, a 32-bit
 * offset per cell, a 32-bit row per slot of the sku index.  Ids are often
 * the sku itself (an offer id) and descriptive columns repeat (brand), so
 * a cell equal to its row's sku, or to one of the first distinct values of
 * its column, is stored once.  No allocation per product.
 */
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "catalog-int.h"
#include "csv-file.h"
#include "err.h"
#include "exit.h"
#include "state.h"
#include "util.h"

/* Slots of the table of repeated values; it stops taking new ones half full. */
#define INTERN_SLOTS (1u << 16)

struct loader {
	struct lk_catalog *c;
	struct lk_diag *d;
	const char *const *keep;    /* column names to keep; NULL: all */
	size_t cap;                 /* rows allocated per kept column */
	size_t col;                 /* field number in the current row */
	unsigned long line;         /* records read, the header included */
	int header_done, too_wide, first_empty, failed, bom_checked;
	size_t header_cap;
	uint32_t *intern;           /* offsets of repeated values, 0 = free */
	size_t nintern;
	unsigned long *skipped;     /* records that are no row (blank, bad): for line numbers */
	size_t nskipped, skipped_cap;
	int slow;                   /* libcsv reads the rest (feed) */
	char *carry;                /* the start of a line split between pieces */
	size_t ncarry, carry_cap;
	struct csv_parser p;
};

static uint64_t
hash_mem(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	/* FNV's low bits follow the last bytes; mix so "SKU-0000001".. spread. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Whether the stored string is s (n bytes); never reads past its NUL. */
static int
same(const char *stored, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (stored[i] != s[i] || stored[i] == '\0')
			return 0;
	return stored[n] == '\0';
}

/* The line of row (the header is line 1), from the records skipped before it. */
static unsigned long
row_line(const struct loader *l, size_t row)
{
	unsigned long line = (unsigned long)row + 2;
	size_t i;

	for (i = 0; i < l->nskipped && l->skipped[i] <= line; i++)
		line++;
	return line;
}

static void
skip_record(struct loader *l)
{
	if (l->nskipped == l->skipped_cap) {
		l->skipped_cap = l->skipped_cap ? l->skipped_cap * 2 : 16;
		l->skipped = lk_xrealloc(l->skipped, l->skipped_cap * sizeof *l->skipped);
	}
	l->skipped[l->nskipped++] = l->line;
}

/* Appends s (n bytes) and its NUL to the strings; its offset. */
static uint32_t
append(struct loader *l, const char *s, size_t n)
{
	struct lk_catalog *c = l->c;
	size_t off = c->nstrings_;

	if (c->nstrings_ + n + 1 > c->strings_cap_) {
		size_t cap = c->strings_cap_ ? c->strings_cap_ : 1 << 16;

		while (cap < c->nstrings_ + n + 1)
			cap *= 2;
		if (cap > (size_t)UINT32_MAX + 1)
			lk_die(LK_EX_SOFTWARE, "catalog.csv: the kept columns hold more than 4 GB");
		c->strings_ = lk_xrealloc(c->strings_, cap);
		c->strings_cap_ = cap;
	}
	memcpy(c->strings_ + off, s, n);
	c->strings_[off + n] = '\0';
	c->nstrings_ += n + 1;
	return (uint32_t)off;
}

/* The offset of the cell s (n bytes) of column col in the current row. */
static uint32_t
store(struct loader *l, size_t col, const char *s, size_t n)
{
	struct lk_catalog *c = l->c;
	uint32_t off, *slot;
	size_t h;

	if (n == 0)
		return 0;
	if (col == 0)
		return append(l, s, n);
	off = c->cells_[0][c->nrows];
	if (same(c->strings_ + off, s, n))
		return off;
	if (l->intern == NULL)
		l->intern = lk_xcalloc(INTERN_SLOTS, sizeof *l->intern);
	for (h = hash_mem(s, n) & (INTERN_SLOTS - 1); (off = l->intern[h]) != 0;
	    h = (h + 1) & (INTERN_SLOTS - 1))
		if (same(c->strings_ + off, s, n))
			return off;
	slot = &l->intern[h];
	off = append(l, s, n);
	if (l->nintern < INTERN_SLOTS / 2) {
		*slot = off;
		l->nintern++;
	}
	return off;
}

static void
header_field(struct loader *l, const char *s, size_t n)
{
	struct lk_catalog *c = l->c;

	if (c->ncolumns == l->header_cap) {
		l->header_cap = l->header_cap ? l->header_cap * 2 : 16;
		c->columns = lk_xrealloc(c->columns, l->header_cap * sizeof *c->columns);
	}
	c->columns[c->ncolumns++] = lk_xstrndup(s, n);
}

static void
header_done(struct loader *l)
{
	struct lk_catalog *c = l->c;
	size_t i, k;

	l->header_done = 1;
	c->cells_ = lk_xcalloc(c->ncolumns ? c->ncolumns : 1, sizeof *c->cells_);
	for (i = 0; i < c->ncolumns; i++) {
		int want = i == 0 || l->keep == NULL;

		for (k = 0; !want && l->keep[k]; k++)
			want = strcmp(l->keep[k], c->columns[i]) == 0;
		if (want)
			c->cells_[i] = lk_xmalloc(1);
	}
}

static void
loader_field(void *field, size_t n, void *data)
{
	struct loader *l = data;
	struct lk_catalog *c = l->c;
	const char *s = field ? field : "";
	size_t i;

	if (!l->header_done) {
		header_field(l, s, n);
		return;
	}
	if (l->col >= c->ncolumns) {
		l->too_wide = 1;
		l->col++;
		return;
	}
	if (c->nrows == l->cap) {
		if (c->nrows >= UINT32_MAX - 1)
			lk_die(LK_EX_SOFTWARE, "catalog.csv: more than 4 billion rows");
		l->cap = l->cap ? l->cap * 2 : 1024;
		for (i = 0; i < c->ncolumns; i++)
			if (c->cells_[i])
				c->cells_[i] = lk_xrealloc(c->cells_[i], l->cap * sizeof **c->cells_);
	}
	if (l->col == 0)
		l->first_empty = n == 0;
	if (c->cells_[l->col])
		c->cells_[l->col][c->nrows] = store(l, l->col, s, n);
	l->col++;
}

/* Adds row to the sku index, growing it to stay at most half full. */
static void
index_row(struct loader *l, size_t row)
{
	struct lk_catalog *c = l->c;
	const char *sku = c->strings_ + c->cells_[0][row];
	size_t slot, mask;
	uint32_t r;

	if ((row + 1) * 2 > c->index_cap_) {
		size_t cap = c->index_cap_ ? c->index_cap_ * 2 : 1024, i;

		free(c->index_);
		c->index_ = lk_xcalloc(cap, sizeof *c->index_);
		c->index_cap_ = cap;
		for (i = 0; i < row; i++) {
			const char *k = c->strings_ + c->cells_[0][i];

			if (*k == '\0')
				continue;
			for (slot = hash_mem(k, strlen(k)) & (cap - 1); c->index_[slot];
			    slot = (slot + 1) & (cap - 1))
				;
			c->index_[slot] = (uint32_t)i + 1;
		}
	}
	mask = c->index_cap_ - 1;
	for (slot = hash_mem(sku, strlen(sku)) & mask; (r = c->index_[slot]) != 0; slot = (slot + 1) & mask) {
		if (strcmp(c->strings_ + c->cells_[0][r - 1], sku) == 0) {
			char ex[LK_EXCERPT_SIZE];

			lk_diag_add(l->d, "catalog.csv", "sku", "'%s' appears twice (lines %lu and %lu)",
			    lk_excerpt(sku, (size_t)-1, ex), row_line(l, r - 1), l->line);
			return;
		}
	}
	c->index_[slot] = (uint32_t)row + 1;
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
		header_done(l);
		return;
	}
	if (l->col == 0) {
		skip_record(l);
		return;
	}
	if (l->col == 1 && c->ncolumns > 1 && l->first_empty) {
		l->col = 0;         /* blank line */
		skip_record(l);
		return;
	}
	if (l->too_wide) {
		lk_diag_add(l->d, "catalog.csv", NULL, "line %lu: %zu fields, the header has %zu",
		    l->line, l->col, c->ncolumns);
		skip_record(l);
		l->col = 0;
		l->too_wide = 0;
		return;
	}
	for (j = l->col; j < c->ncolumns; j++)
		if (c->cells_[j])
			c->cells_[j][c->nrows] = 0;
	if (c->strings_[c->cells_[0][c->nrows]] == '\0')
		lk_diag_add(l->d, "catalog.csv", "sku", "line %lu: empty sku", l->line);
	else
		index_row(l, c->nrows);
	c->nrows++;
	l->col = 0;
}

static int
slow_parse(struct loader *l, const char *s, size_t n)
{
	l->slow = 1;
	if (csv_parse(&l->p, s, n, loader_field, loader_row, l) != n) {
		l->failed = 1;
		return -1;
	}
	return 0;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * One line without its newline, as libcsv reads a line that has no quote
 * and no CR but a last one before the newline: fields split at commas,
 * spaces and tabs around each taken off, a blank line no record.  0, or
 * -1 when the line is not such a line (libcsv must read it).
 */
static int
fast_line(struct loader *l, const char *s, size_t n)
{
	const char *e = s + n, *f, *fe, *comma;

	if (n > 0 && e[-1] == '\r')
		e--;
	if (memchr(s, '"', (size_t)(e - s)) != NULL || memchr(s, '\r', (size_t)(e - s)) != NULL)
		return -1;
	for (f = s; f < e && is_blank(*f); f++)
		;
	if (f == e)
		return 0;
	for (f = s;; f = comma + 1) {
		comma = memchr(f, ',', (size_t)(e - f));
		fe = comma ? comma : e;
		while (f < fe && is_blank(*f))
			f++;
		while (fe > f && is_blank(fe[-1]))
			fe--;
		loader_field((void *)f, (size_t)(fe - f), l);
		if (comma == NULL)
			break;
	}
	loader_row('\n', l);
	return 0;
}

/*
 * Most catalogs quote nothing: their lines are split here, a memchr per
 * field, where libcsv's state machine takes each byte.  The first line
 * that needs libcsv goes to it with the rest of the file; libcsv then
 * starts at a record, as it would have.
 */
static int
feed(const char *piece, size_t len, void *arg)
{
	struct loader *l = arg;
	const char *nl;

	if (!l->bom_checked) {
		l->bom_checked = 1;
		if (len >= 3 && memcmp(piece, "\xef\xbb\xbf", 3) == 0)
			piece += 3, len -= 3;
	}
	if (l->slow)
		return slow_parse(l, piece, len);
	if (l->ncarry > 0) {
		size_t take;

		nl = memchr(piece, '\n', len);
		take = nl ? (size_t)(nl - piece) + 1 : len;
		if (l->ncarry + take > l->carry_cap) {
			l->carry_cap = (l->ncarry + take) * 2;
			l->carry = lk_xrealloc(l->carry, l->carry_cap);
		}
		memcpy(l->carry + l->ncarry, piece, take);
		l->ncarry += take;
		piece += take;
		len -= take;
		if (nl == NULL)
			return 0;
		if (fast_line(l, l->carry, l->ncarry - 1) != 0) {
			if (slow_parse(l, l->carry, l->ncarry) != 0)
				return -1;
			l->ncarry = 0;
			return slow_parse(l, piece, len);
		}
		l->ncarry = 0;
	}
	while ((nl = memchr(piece, '\n', len)) != NULL) {
		if (fast_line(l, piece, (size_t)(nl - piece)) != 0)
			return slow_parse(l, piece, len);
		len -= (size_t)(nl - piece) + 1;
		piece = nl + 1;
	}
	if (len > 0) {
		if (len > l->carry_cap) {
			l->carry_cap = len * 2;
			l->carry = lk_xrealloc(l->carry, l->carry_cap);
		}
		memcpy(l->carry, piece, len);
		l->ncarry = len;
	}
	return 0;
}

static void
load_begin(struct loader *l, struct lk_catalog *c, const char *const *keep, struct lk_diag *d)
{
	memset(c, 0, sizeof *c);
	memset(l, 0, sizeof *l);
	l->c = c;
	l->d = d;
	l->keep = keep;
	/* Offset 0 is the empty string of every empty cell. */
	c->strings_ = lk_xmalloc(1 << 16);
	c->strings_cap_ = 1 << 16;
	c->strings_[0] = '\0';
	c->nstrings_ = 1;
	csv_init(&l->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
}

static void
load_end(struct loader *l)
{
	struct lk_catalog *c = l->c;
	size_t i;

	/* a last line without its newline: libcsv ends it as it ends a file */
	if (!l->failed && l->ncarry > 0)
		slow_parse(l, l->carry, l->ncarry);
	free(l->carry);
	if (l->failed || csv_fini(&l->p, loader_field, loader_row, l) != 0)
		lk_diag_add(l->d, "catalog.csv", NULL, "near line %lu: %s", l->line + 1,
		    csv_strerror(csv_error(&l->p)));
	csv_free(&l->p);
	free(l->intern);
	free(l->skipped);
	if (c->ncolumns == 0 || strcmp(c->columns[0], "sku") != 0)
		lk_diag_add(l->d, "catalog.csv", NULL, "the first line must be a header starting with 'sku'");
	if (!l->header_done)
		header_done(l);
	/* Growth doubled; give back what the last doubling did not fill. */
	c->strings_ = lk_xrealloc(c->strings_, c->nstrings_);
	c->strings_cap_ = c->nstrings_;
	for (i = 0; i < c->ncolumns; i++)
		if (c->cells_[i] && c->nrows)
			c->cells_[i] = lk_xrealloc(c->cells_[i], c->nrows * sizeof **c->cells_);
}

/*
 * From the cache when catalog.csv has a key (lk_state_key()) and the
 * cache was parsed from that version; else parsed.  A parse that keeps
 * every column (lk-sync's, first in a cycle) writes the cache when it
 * found no problem and the file kept its key throughout; a command that
 * keeps fewer does not, so that its parse stays within its columns.
 */
void
lk_catalog_load(struct lk_state *st, struct lk_catalog *c, const char *const *keep,
    struct lk_diag *d)
{
	char key[160], after[160];
	int keyed = lk_state_key(st, "catalog.csv", key, sizeof key) == 0;
	size_t problems = d->n;
	struct loader l;

	if (keyed && lk_catalog_cache_load(st, c, keep, key) == 0)
		return;
	load_begin(&l, c, keep, d);
	if (lk_state_read_each(st, "catalog.csv", feed, &l) == -1) {
		lk_diag_add(d, "catalog.csv", NULL, "missing (a header line 'sku,...' and one row per product)");
		csv_free(&l.p);
		free(l.carry);
		lk_catalog_free(c);
		return;
	}
	load_end(&l);
	if (keyed && keep == NULL && d->n == problems &&
	    lk_state_key(st, "catalog.csv", after, sizeof after) == 0 && strcmp(key, after) == 0)
		lk_catalog_cache_save(st, c, key);
}

void
lk_catalog_parse(const char *text, size_t len, struct lk_catalog *c, struct lk_diag *d)
{
	struct loader l;

	load_begin(&l, c, NULL, d);
	feed(text, len, &l);
	load_end(&l);
}

void
lk_catalog_free(struct lk_catalog *c)
{
	size_t i;

	for (i = 0; i < c->ncolumns; i++) {
		free(c->columns[i]);
		if (c->cells_ && c->map_ == NULL)
			free(c->cells_[i]);
	}
	free(c->columns);
	free(c->cells_);
	if (c->map_)
		munmap(c->map_, c->map_len_);
	else {
		free(c->strings_);
		free(c->index_);
	}
	memset(c, 0, sizeof *c);
}

long
lk_catalog_find(const struct lk_catalog *c, const char *sku)
{
	return lk_catalog_find_n(c, sku, strlen(sku));
}

long
lk_catalog_find_n(const struct lk_catalog *c, const char *sku, size_t len)
{
	size_t slot, mask = c->index_cap_ - 1;
	uint32_t r;

	if (c->index_cap_ == 0)
		return -1;
	for (slot = hash_mem(sku, len) & mask; (r = c->index_[slot]) != 0; slot = (slot + 1) & mask)
		if (same(c->strings_ + c->cells_[0][r - 1], sku, len))
			return (long)r - 1;
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

int
lk_catalog_kept(const struct lk_catalog *c, int col)
{
	return col >= 0 && (size_t)col < c->ncolumns && c->cells_[col] != NULL;
}

const char *
lk_catalog_get(const struct lk_catalog *c, long row, int col)
{
	if (row < 0 || (size_t)row >= c->nrows || col < 0 || (size_t)col >= c->ncolumns)
		return "";
	if (c->cells_[col] == NULL)
		lk_die(LK_EX_SOFTWARE, "catalog.csv: column '%s' read but not kept (a bug)", c->columns[col]);
	return c->strings_ + c->cells_[col][row];
}

void lk_overrides_load(struct lk_state *st, const struct lk_catalog *cat,
    struct lk_override **out, size_t *n, struct lk_diag *d);

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
