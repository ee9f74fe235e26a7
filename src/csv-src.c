/*
 * csv-src.c - lk-parse-csv: stock records from a supplier's CSV (or a
 * Google Sheets export), streamed through libcsv in fixed pieces.
 *
 * The input is decoded first (windows-1251 through iconv(3), or UTF-8;
 * auto: a UTF-8 BOM or valid UTF-8 in the first 64 KiB means UTF-8),
 * then handed to libcsv one line at a time: before each line, libcsv's
 * state tells whether a new row starts there, which gives every row its
 * exact line number even with quoted newlines.  Only the sku, quantity
 * and location cells of a row are kept (1 KiB each).
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "parse.h"
#include "util.h"

#define CHUNK (64 * 1024)
#define CELL 1024
#define MAX_FIELD (1024 * 1024)         /* libcsv's buffer grows to this at most */

enum { C_SKU, C_QTY, C_LOC, NCOLS };

struct cell {
	char buf[CELL];
	size_t len;
	int set;
};

struct csvs {
	struct lk_parse *p;
	struct csv_parser cp;
	iconv_t cd;             /* (iconv_t)-1: UTF-8 */
	int detected;           /* encoding and delimiter decided */
	int bom_checked;
	long col[NCOLS];        /* 0-based; -1: not used */
	const char *colname[NCOLS];     /* wanted by header name, or NULL */
	int header_done;
	char columns[256];      /* the header, for messages */
	size_t field;           /* index in the current row */
	struct cell cell[NCOLS];
	unsigned long line, row_line;
};

static void *
bounded_realloc(void *p, size_t n)
{
	return n > MAX_FIELD ? NULL : realloc(p, n);
}

/* A column option: a 1-based number, else a header name. */
static int
column(struct csvs *c, int i, const char *spec, long dflt)
{
	char *end;
	long n;

	c->col[i] = dflt;
	c->colname[i] = NULL;
	if (spec == NULL)
		return 0;
	n = strtol(spec, &end, 10);
	if (*spec >= '0' && *spec <= '9' && *end == '\0') {
		if (n < 1 || n > 100000)
			return lk_parse_fail(c->p, 0, 0, "column %s: numbers start at 1", spec);
		c->col[i] = n - 1;
		return 0;
	}
	if (!c->p->o->header)
		return lk_parse_fail(c->p, 0, 0, "column '%s' is a name, but there is no header row", spec);
	c->colname[i] = spec;
	c->col[i] = -1;
	return 0;
}

static int
setup(struct csvs *c)
{
	const struct lk_parse_opts *o = c->p->o;

	c->cd = (iconv_t)-1;
	if (csv_init(&c->cp, 0) != 0)
		return lk_parse_fail(c->p, 0, 0, "cannot start the CSV parser");
	csv_set_realloc_func(&c->cp, bounded_realloc);
	csv_set_quote(&c->cp, (unsigned char)o->quote);
	if (column(c, C_SKU, o->sku ? o->sku : (o->header ? "sku" : "1"), -1) < 0 ||
	    column(c, C_QTY, o->qty ? o->qty : (o->header ? "qty" : "2"), -1) < 0 ||
	    column(c, C_LOC, o->location, -1) < 0)
		return -1;
	c->header_done = !o->header;
	c->line = 1;
	return 0;
}

/* --- cells and rows (libcsv callbacks) --- */

static void
header_field(struct csvs *c, const char *s, size_t len)
{
	size_t n = strlen(c->columns);
	int i;

	if (n + len + 3 < sizeof c->columns)
		snprintf(c->columns + n, sizeof c->columns - n, "%s%.*s", n ? ", " : "", (int)len, s);
	for (i = 0; i < NCOLS; i++)
		if (c->colname[i] && c->col[i] < 0 && strlen(c->colname[i]) == len &&
		    strncasecmp(c->colname[i], s, len) == 0)
			c->col[i] = (long)c->field;
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct csvs *c = arg;
	int i;

	if (!c->header_done) {
		header_field(c, s, len);
	} else {
		for (i = 0; i < NCOLS; i++) {
			if (c->col[i] == (long)c->field) {
				c->cell[i].len = lk_parse_copy(c->cell[i].buf, CELL, s, len);
				c->cell[i].set = 1;
			}
		}
	}
	c->field++;
}

static void
header_end(struct csvs *c)
{
	static const char *const what[NCOLS] = { "sku", "qty", "location" };
	int i;

	c->header_done = 1;
	for (i = 0; i < NCOLS; i++) {
		if (c->colname[i] && c->col[i] < 0) {
			char ex[LK_EXCERPT_SIZE];

			lk_parse_fail(c->p, c->row_line, 0, "no column '%s' in the header (%s); "
			    "name the %s column with --%s", c->colname[i],
			    lk_excerpt(c->columns, (size_t)-1, ex), what[i], what[i]);
			return;
		}
	}
}

static void
record(struct csvs *c)
{
	struct cell *sku = &c->cell[C_SKU], *qty = &c->cell[C_QTY], *loc = &c->cell[C_LOC];
	struct lk_stock s;
	const char *known;
	int rc;

	memset(&s, 0, sizeof s);
	s.line = c->row_line;
	/* The sku, when it can be read, goes with the bad_record (lk-records(5)). */
	known = sku->set && sku->len > 0 && sku->len < CELL - 1 ? sku->buf : NULL;
	s.location = loc->set && loc->len ? loc->buf : NULL;
	if (!sku->set || !qty->set || (c->col[C_LOC] >= 0 && !loc->set)) {
		lk_parse_bad_sku(c->p, known, s.location, s.line, 0,
		    "row has %zu fields, too few for the %s column",
		    c->field, !sku->set ? "sku" : !qty->set ? "qty" : "location");
		return;
	}
	if (sku->len == 0 || sku->len >= CELL - 1) {
		lk_parse_bad(c->p, s.line, 0, sku->len ? "sku longer than %d bytes" : "empty sku", CELL - 2);
		return;
	}
	if ((rc = lk_parse_qty(c->p, qty->buf, qty->len, &s.qty)) < 0) {
		char ex[LK_EXCERPT_SIZE];

		lk_parse_bad_sku(c->p, known, s.location, s.line, 0, "quantity '%s' %s",
		    lk_excerpt(qty->buf, qty->len, ex), lk_parse_qty_why(rc));
		return;
	}
	s.sku = sku->buf;
	lk_parse_stock(c->p, &s);
}

static void
on_row(int term, void *arg)
{
	struct csvs *c = arg;
	int i;

	(void)term;
	if (c->p->failed)
		return;
	if (!c->header_done)
		header_end(c);
	else
		record(c);
	c->field = 0;
	for (i = 0; i < NCOLS; i++)
		c->cell[i].set = 0;
}

/* --- the byte stream: encoding, delimiter, lines --- */

/* Whether s is UTF-8, allowing a sequence cut at the end of the piece. */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = s[i] >= 0xf0 && s[i] <= 0xf4 ? 4 : s[i] >= 0xe0 && s[i] <= 0xef ? 3 :
		    s[i] >= 0xc2 && s[i] <= 0xdf ? 2 : 0;
		if (k == 0)
			return 0;
		for (j = 1; j < k; j++) {
			if (i + j >= n)
				return 1;
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		}
		i += k;
	}
	return 1;
}

/* The most frequent of ';', ',' and tab in the first line, outside quotes. */
static int
guess_delimiter(const char *s, size_t n, int quote)
{
	size_t i, semi = 0, comma = 0, tab = 0;
	int inq = 0;

	for (i = 0; i < n && (inq || (s[i] != '\n' && s[i] != '\r')); i++) {
		if (s[i] == quote)
			inq = !inq;
		else if (!inq)
			semi += s[i] == ';', comma += s[i] == ',', tab += s[i] == '\t';
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma)
		return '\t';
	return ',';
}

static int
detect(struct csvs *c, const char *s, size_t n)
{
	const struct lk_parse_opts *o = c->p->o;
	const char *enc = o->encoding;
	int cp1251;

	c->detected = 1;
	if (enc == NULL || strcmp(enc, "auto") == 0)
		cp1251 = !valid_utf8((const unsigned char *)s, n);
	else if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
		cp1251 = 0;
	else if (strcasecmp(enc, "windows-1251") == 0 || strcasecmp(enc, "cp1251") == 0)
		cp1251 = 1;
	else
		return lk_parse_fail(c->p, 0, 0, "unknown encoding '%s'", enc);
	if (cp1251 && (c->cd = iconv_open("UTF-8", "WINDOWS-1251")) == (iconv_t)-1)
		return lk_parse_fail(c->p, 0, 0, "cannot convert from windows-1251:");
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3, n -= 3;
	csv_set_delim(&c->cp, (unsigned char)(o->delimiter ? o->delimiter :
	    guess_delimiter(s, n, o->quote)));
	return 0;
}

static int
parse_piece(struct csvs *c, const char *s, size_t n)
{
	if (csv_parse(&c->cp, s, n, on_field, on_row, c) == n)
		return 0;
	if (csv_error(&c->cp) == CSV_ENOMEM)
		return lk_parse_fail(c->p, c->line, 0, "a field longer than %d bytes", MAX_FIELD);
	return lk_parse_fail(c->p, c->line, 0, "%s", csv_strerror(csv_error(&c->cp)));
}

/* UTF-8 text to libcsv, one line at a time (see the top of the file). */
static int
feed(struct csvs *c, const char *s, size_t n)
{
	const char *nl;
	size_t k;

	if (!c->bom_checked && n > 0) {
		c->bom_checked = 1;
		if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3, n -= 3;
	}
	while (n > 0 && !c->p->failed) {
		nl = memchr(s, '\n', n);
		k = nl ? (size_t)(nl - s) + 1 : n;
		if (c->cp.pstate == 0)
			c->row_line = c->line;
		if (parse_piece(c, s, k) < 0)
			return -1;
		c->line += nl != NULL;
		s += k, n -= k;
	}
	return c->p->failed ? -1 : 0;
}

static int
decode_feed(struct csvs *c, char *in, size_t n, char *out)
{
	char *ip = in, *op;
	size_t il = n, ol;

	if (c->cd == (iconv_t)-1)
		return feed(c, in, n);
	/*
	 * windows-1251 is one byte a character: every piece converts whole,
	 * into at most 3 bytes each.  The one unassigned byte (0x98) becomes
	 * U+FFFD rather than failing a whole supplier list.
	 */
	op = out, ol = 3 * CHUNK;
	while (iconv(c->cd, &ip, &il, &op, &ol) == (size_t)-1) {
		if (errno != EILSEQ || il == 0 || ol < 3)
			return lk_parse_fail(c->p, c->line, 0, "cannot convert from windows-1251: %s",
			    strerror(errno));
		memcpy(op, "\xef\xbf\xbd", 3);
		op += 3, ol -= 3;
		ip++, il--;
	}
	return feed(c, out, (size_t)(op - out));
}

static int
run(struct csvs *c, struct lk_input *in)
{
	char *buf = malloc(CHUNK), *out = malloc(3 * CHUNK);
	long n;
	int total = 0;

	if (buf == NULL || out == NULL) {
		free(buf), free(out);
		return lk_parse_fail(c->p, 0, 0, "out of memory");
	}
	while (!c->p->failed && (n = lk_input_read(in, buf, CHUNK)) != 0) {
		if (n < 0) {
			lk_parse_fail(c->p, c->line, 0, "%s", in->error);
			break;
		}
		total = 1;
		if ((!c->detected && detect(c, buf, (size_t)n) < 0) ||
		    decode_feed(c, buf, (size_t)n, out) < 0)
			break;
	}
	free(buf), free(out);
	/* libcsv's own check (CSV_STRICT_FINI) needs CSV_STRICT, too strict here. */
	if (!c->p->failed && c->cp.pstate == 2 && c->cp.quoted)       /* FIELD_BEGUN */
		lk_parse_fail(c->p, c->row_line, 0, "a quoted field is not closed (truncated file?)");
	if (!c->p->failed)
		csv_fini(&c->cp, on_field, on_row, c);
	if (!c->p->failed && !total)
		lk_parse_fail(c->p, 0, 0, "empty input");
	return c->p->failed ? -1 : 0;
}

int
lk_csv_parse(struct lk_parse *p, struct lk_input *in)
{
	struct csvs *c = calloc(1, sizeof *c);
	int rc = -1;

	if (c == NULL)
		return lk_parse_fail(p, 0, 0, "out of memory");
	c->p = p;
	if (setup(c) == 0) {
		rc = run(c, in);
		csv_free(&c->cp);
	}
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	free(c);
	return rc;
}
