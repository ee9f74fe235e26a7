/*
 * xlsx.c - lk-parse-xlsx: stock records from one sheet of an XLSX
 * workbook (lk-parse-xlsx(1)), streamed.
 *
 * The zip container and the limits are xlsx-zip.c's.  Here: the package
 * relationships lead to the workbook, its sheet list and relationships to
 * the sheet, the shared strings and the styles, each read with
 * xmlTextReader; a first pass over the sheet's bytes finds its merged
 * ranges (they come after the cells); then the sheet is parsed with SAX
 * through xml-src.c, as the YML and 1C feeds are: SAX rather than the
 * reader for the one part that grows, since on a 1M-row workbook the
 * reader took 4.2 s of CPU and SAX 2.6 s (make bench).  What is kept: the
 * shared strings (one arena and an offset each: the only memory that
 * grows with the workbook), one bit per cell style (a date or not), and
 * the cells of the current row that matter (every cell until the header
 * row is found, then only the sku, quantity and location columns; the
 * others are skipped).
 *
 * A cell's value comes from its type: a shared string index, an inline
 * string, a number, or a formula's cached value (t="str" or a number);
 * dates (a date number format, or t="d"), booleans, errors and formulas
 * without a cached value are never taken for a quantity, and an empty
 * quantity cell is no quantity (lk_noqty), never 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "parse.h"
#include "util.h"
#include "xlsx-zip.h"
#include "xml-src.h"

#define CELL 1024               /* bytes of a cell kept, as lk-parse-csv */
#define VALUE_MAX (64 * 1024)   /* a cell's text read at most (Excel: 32767 chars) */
#define MAX_COL 16384           /* XFD, the last column */
#define MAX_ROW 1048576
#define MAX_SHEETS 4096
#define HEAD_SCAN 100           /* rows looked at for the best header guess */

/* --- small helpers --- */

struct buf {
	char *s;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n, size_t max)
{
	if (b->len + n > max)
		n = b->len < max ? max - b->len : 0;
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = lk_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Surrounding blanks (space, tab, CR, LF, NBSP) off s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	const unsigned char *a = (const unsigned char *)s, *e = a + *n;

	for (;;) {
		if (a < e && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
			a++;
		else if (e - a >= 2 && a[0] == 0xc2 && a[1] == 0xa0)
			a += 2;
		else
			break;
	}
	for (;;) {
		if (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		else if (e - a >= 2 && e[-2] == 0xc2 && e[-1] == 0xa0)
			e -= 2;
		else
			break;
	}
	*n = (size_t)(e - a);
	return (const char *)a;
}

/* The next code point of s, lowercased for Latin and Cyrillic letters. */
static unsigned
fold_next(const unsigned char **s, const unsigned char *end)
{
	const unsigned char *p = *s;
	unsigned c = *p++;

	if (c >= 0xc0 && c < 0xe0 && p < end && (*p & 0xc0) == 0x80)
		c = ((c & 0x1f) << 6) | (*p++ & 0x3f);
	*s = p;
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)      /* А-Я */
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)      /* Ё and the others */
		return c + 0x50;
	return c;
}

/* Whether a header cell names the column: blanks around and case do not matter. */
static int
same_name(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	const unsigned char *p, *pe, *q, *qe;

	a = trim(a, &an);
	b = trim(b, &bn);
	p = (const unsigned char *)a, pe = p + an;
	q = (const unsigned char *)b, qe = q + bn;
	while (p < pe && q < qe)
		if (fold_next(&p, pe) != fold_next(&q, qe))
			return 0;
	return p == pe && q == qe;
}

/* "AB" of column 28 (1-based). */
static char *
col_letters(unsigned col, char out[4])
{
	char t[4];
	int n = 0, i;

	while (col > 0 && n < 3) {
		t[n++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	out[n] = '\0';
	return out;
}

/* A number as Excel shows it: whole numbers without a point, else 15 digits. */
static size_t
num_text(const char *raw, char *out, size_t cap)
{
	char *end;
	double d = strtod(raw, &end);

	if (end == raw || !isfinite(d))
		return lk_parse_copy(out, cap, raw, strlen(raw));
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(out, cap, "%.0f", d);
	else
		snprintf(out, cap, "%.15g", d);
	return strlen(out);
}

/* --- the package: relationships, workbook, styles, shared strings --- */

struct rel {
	char *id, *type, *target;
};

struct rels {
	struct rel *v;
	size_t n;
};

struct sheet {
	char *name, *rid;
};

struct sst {
	char *arena;
	size_t len, cap;
	uint32_t *off;          /* n + 1 offsets: string i is arena[off[i]..off[i+1]-1) */
	size_t n, ncap;
};

struct xs {
	struct lk_parse *p;
	struct lk_xzip *z;
	char err[512];
	struct rels top;        /* _rels/.rels */
	struct rels rels;       /* the workbook's */
	struct sheet *sheets;
	size_t nsheets;
	char *wbdir;            /* "xl/" */
	struct sst sst;
	unsigned char *isdate;  /* per cell style (xf) index */
	size_t nxf;
};

static void
rels_free(struct rels *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].id), free(r->v[i].type), free(r->v[i].target);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* Fails the parse with the zip module's message for an entry. */
static int
entry_fail(struct xs *x, const char *why)
{
	return lk_parse_fail(x->p, 0, 0, "%s", why ? why : x->err);
}

/* An attribute of the current element, copied (NULL when absent). */
static char *
attr(xmlTextReaderPtr r, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(r, BAD_CAST name);
}

/* The "id" attribute in any namespace (r:id). */
static char *
attr_any_ns(xmlTextReaderPtr r, const char *local)
{
	char *v = NULL;

	while (v == NULL && xmlTextReaderMoveToNextAttribute(r) == 1)
		if (strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0)
			v = lk_xstrdup((const char *)xmlTextReaderConstValue(r));
	xmlTextReaderMoveToElement(r);
	return v;
}

/* "xl/" + "worksheets/sheet1.xml", "/xl/x.xml", "../x.xml": one normal path. */
static char *
resolve(const char *dir, const char *target)
{
	char *s = target[0] == '/' ? lk_xstrdup(target + 1) : lk_xasprintf("%s%s", dir, target);
	char *out = lk_xmalloc(strlen(s) + 1), *seg, *save = NULL;
	size_t n = 0;

	for (seg = strtok_r(s, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		if (n > 0)
			out[n++] = '/';
		memcpy(out + n, seg, strlen(seg));
		n += strlen(seg);
	}
	out[n] = '\0';
	free(s);
	return out;
}

/* Reads a .rels part; a missing one is no relationships. */
static int
read_rels(struct xs *x, const char *name, struct rels *out)
{
	xmlTextReaderPtr r;
	int rc;

	if (!lk_xzip_has(x->z, name))
		return 0;
	if ((r = lk_xzip_reader(x->z, name, x->err, sizeof x->err)) == NULL)
		return entry_fail(x, NULL);
	while ((rc = lk_xzip_read(x->z, r, 0)) == 1) {
		struct rel *e;

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "Relationship") != 0)
			continue;
		if (out->n >= 100000)
			break;
		out->v = lk_xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		e = &out->v[out->n++];
		e->id = attr(r, "Id");
		e->type = attr(r, "Type");
		e->target = attr(r, "Target");
		if (!e->id || !e->type || !e->target) {
			out->n--;
			free(e->id), free(e->type), free(e->target);
		}
	}
	if (rc < 0)
		lk_parse_fail(x->p, 0, 0, "%s", lk_xzip_reader_error(x->z));
	lk_xzip_reader_free(x->z, r);
	return rc < 0 ? -1 : 0;
}

/* The target of the first relationship whose type ends in "/suffix". */
static const struct rel *
rel_by_type(const struct rels *r, const char *suffix)
{
	size_t i, n, k = strlen(suffix);

	for (i = 0; i < r->n; i++) {
		n = strlen(r->v[i].type);
		if (n > k && r->v[i].type[n - k - 1] == '/' && strcmp(r->v[i].type + n - k, suffix) == 0)
			return &r->v[i];
	}
	return NULL;
}

static const struct rel *
rel_by_id(const struct rels *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	return NULL;
}

/* The workbook part: from _rels/.rels, else where every writer puts it. */
static char *
workbook_path(struct xs *x)
{
	const struct rel *e;
	char *path;

	if (read_rels(x, "_rels/.rels", &x->top) < 0)
		return NULL;
	e = rel_by_type(&x->top, "officeDocument");
	path = e ? resolve("", e->target) : lk_xstrdup("xl/workbook.xml");
	if (!lk_xzip_has(x->z, path)) {
		lk_parse_fail(x->p, 0, 0, "no workbook (%s) in the archive: not an XLSX workbook", path);
		free(path);
		return NULL;
	}
	return path;
}

/*
 * When the workbook was last saved (docProps/core.xml dcterms:modified,
 * W3CDTF): the source's production time on the sentinel.
 */
static int
read_core(struct xs *x)
{
	const struct rel *e = rel_by_type(&x->top, "core-properties");
	char *path = e ? resolve("", e->target) : lk_xstrdup("docProps/core.xml");
	struct buf b = { NULL, 0, 0 };
	xmlTextReaderPtr r = NULL;
	int rc = 0, in = 0, type;
	const char *v;

	if (!lk_xzip_has(x->z, path))
		goto out;
	if ((r = lk_xzip_reader(x->z, path, x->err, sizeof x->err)) == NULL) {
		rc = entry_fail(x, NULL);
		goto out;
	}
	while ((rc = lk_xzip_read(x->z, r, 0)) == 1) {
		type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_ELEMENT)
			in = strcmp((const char *)xmlTextReaderConstLocalName(r), "modified") == 0 &&
			    !xmlTextReaderIsEmptyElement(r);
		else if (type == XML_READER_TYPE_END_ELEMENT)
			in = 0;
		else if (in && (v = (const char *)xmlTextReaderConstValue(r)) != NULL)
			buf_add(&b, v, strlen(v), 64);
	}
	if (rc < 0)
		lk_parse_fail(x->p, 0, 0, "%s", lk_xzip_reader_error(x->z));
	else if (b.len > 0)
		lk_parse_produced(x->p, b.s, b.len);
	lk_xzip_reader_free(x->z, r);
out:
	free(b.s);
	free(path);
	return rc < 0 ? -1 : 0;
}

static int
read_workbook(struct xs *x, const char *path)
{
	xmlTextReaderPtr r;
	char *slash, *rels;
	int rc;

	if ((r = lk_xzip_reader(x->z, path, x->err, sizeof x->err)) == NULL)
		return entry_fail(x, NULL);
	while ((rc = lk_xzip_read(x->z, r, 0)) == 1) {
		struct sheet *s;

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "sheet") != 0 ||
		    x->nsheets >= MAX_SHEETS)
			continue;
		x->sheets = lk_xrealloc(x->sheets, (x->nsheets + 1) * sizeof *x->sheets);
		s = &x->sheets[x->nsheets];
		s->name = attr(r, "name");
		s->rid = attr_any_ns(r, "id");
		if (s->name && s->rid)
			x->nsheets++;
		else
			free(s->name), free(s->rid);
	}
	if (rc < 0)
		lk_parse_fail(x->p, 0, 0, "%s", lk_xzip_reader_error(x->z));
	lk_xzip_reader_free(x->z, r);
	if (rc < 0)
		return -1;
	if (x->nsheets == 0)
		return lk_parse_fail(x->p, 0, 0, "the workbook lists no sheet");
	x->wbdir = lk_xstrdup(path);
	if ((slash = strrchr(x->wbdir, '/')) != NULL)
		slash[1] = '\0';
	else
		x->wbdir[0] = '\0';
	rels = lk_xasprintf("%s_rels/%s.rels", x->wbdir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	rc = read_rels(x, rels, &x->rels);
	free(rels);
	return rc;
}

/* --sheet: a sheet of that name, else a number from 1; the first by default. */
static char *
pick_sheet(struct xs *x, const char *want, const char **name)
{
	const struct sheet *s = NULL;
	const struct rel *e;
	char list[256] = "";
	long long n;
	size_t i;

	if (want == NULL)
		s = &x->sheets[0];
	for (i = 0; s == NULL && i < x->nsheets; i++)
		if (strcmp(x->sheets[i].name, want) == 0)
			s = &x->sheets[i];
	for (i = 0; s == NULL && i < x->nsheets; i++)
		if (same_name(x->sheets[i].name, strlen(x->sheets[i].name), want))
			s = &x->sheets[i];
	if (s == NULL && lk_parse_ll(want, 1, MAX_SHEETS, &n) == 0 && (size_t)n <= x->nsheets)
		s = &x->sheets[n - 1];
	if (s == NULL) {
		for (i = 0; i < x->nsheets && strlen(list) < sizeof list - 4; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'",
			    i ? ", " : "", x->sheets[i].name);
		lk_parse_fail(x->p, 0, 0, "no sheet '%s' in the workbook (sheets: %s)", want, list);
		return NULL;
	}
	*name = s->name;
	if ((e = rel_by_id(&x->rels, s->rid)) == NULL) {
		lk_parse_fail(x->p, 0, 0, "sheet '%s': no part for its relationship '%s'", s->name, s->rid);
		return NULL;
	}
	return resolve(x->wbdir, e->target);
}

/* Whether a number format code shows a date or a time. */
static int
date_format(const char *f)
{
	for (; *f; f++) {
		switch (*f) {
		case '"':
			while (f[1] && f[1] != '"')
				f++;
			if (f[1])
				f++;
			break;
		case '[':       /* [Red], [$-419]; but [h] [mm] [ss] are durations */
			if (strchr("hHmMsS", f[1]))
				return 1;
			while (f[1] && f[1] != ']')
				f++;
			break;
		case '\\': case '_': case '*':
			if (f[1])
				f++;
			break;
		case 'd': case 'D': case 'm': case 'M': case 'y': case 'Y':
		case 'h': case 'H': case 's': case 'S':
			return 1;
		}
	}
	return 0;
}

/* The built-in formats that are dates and times (ECMA-376 18.8.30). */
static int
date_builtin(long id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
	    (id >= 50 && id <= 58);
}

static int
read_styles(struct xs *x, const char *path)
{
	xmlTextReaderPtr r;
	long *custom = NULL;     /* the custom date format ids */
	size_t ncustom = 0, cap = 0, i;
	int rc, in_xfs = 0, type;
	const char *name;
	char *v, *code;
	long id;

	if ((r = lk_xzip_reader(x->z, path, x->err, sizeof x->err)) == NULL)
		return entry_fail(x, NULL);
	while ((rc = lk_xzip_read(x->z, r, 0)) == 1) {
		type = xmlTextReaderNodeType(r);
		name = (const char *)xmlTextReaderConstLocalName(r);
		if (type == XML_READER_TYPE_END_ELEMENT && strcmp(name, "cellXfs") == 0)
			in_xfs = 0;
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (strcmp(name, "cellXfs") == 0) {
			in_xfs = !xmlTextReaderIsEmptyElement(r);
		} else if (strcmp(name, "numFmt") == 0) {
			v = attr(r, "numFmtId");
			code = attr(r, "formatCode");
			if (v && code && date_format(code) && ncustom < 100000) {
				if (ncustom == cap)
					custom = lk_xrealloc(custom, (cap = cap ? cap * 2 : 16) * sizeof *custom);
				custom[ncustom++] = strtol(v, NULL, 10);
			}
			xmlFree(v), xmlFree(code);
		} else if (in_xfs && strcmp(name, "xf") == 0 && x->nxf < 1000000) {
			v = attr(r, "numFmtId");
			id = v ? strtol(v, NULL, 10) : 0;
			xmlFree(v);
			x->isdate = lk_xrealloc(x->isdate, x->nxf + 1);
			x->isdate[x->nxf] = (unsigned char)date_builtin(id);
			for (i = 0; i < ncustom && !x->isdate[x->nxf]; i++)
				x->isdate[x->nxf] = custom[i] == id;
			x->nxf++;
		}
	}
	free(custom);
	if (rc < 0)
		lk_parse_fail(x->p, 0, 0, "%s", lk_xzip_reader_error(x->z));
	lk_xzip_reader_free(x->z, r);
	return rc < 0 ? -1 : 0;
}

static void
sst_push(struct sst *t, const char *s, size_t n)
{
	if (t->n + 2 > t->ncap) {
		t->ncap = t->ncap ? t->ncap * 2 : 1024;
		t->off = lk_xrealloc(t->off, t->ncap * sizeof *t->off);
	}
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->arena = lk_xrealloc(t->arena, t->cap);
	}
	if (t->n == 0)
		t->off[0] = 0;
	memcpy(t->arena + t->len, s, n);
	t->len += n;
	t->arena[t->len++] = '\0';
	t->off[++t->n] = (uint32_t)t->len;
}

/* The shared strings: each <si>'s text runs, without phonetic runs (<rPh>). */
static int
read_sst(struct xs *x, const char *path)
{
	xmlTextReaderPtr r;
	struct buf b = { NULL, 0, 0 };
	const xmlChar *n_si, *n_t, *n_rph, *name;
	int rc, type, in_t = 0, skip = 0;

	if ((r = lk_xzip_reader(x->z, path, x->err, sizeof x->err)) == NULL)
		return entry_fail(x, NULL);
	n_si = xmlTextReaderConstString(r, BAD_CAST "si");
	n_t = xmlTextReaderConstString(r, BAD_CAST "t");
	n_rph = xmlTextReaderConstString(r, BAD_CAST "rPh");
	buf_add(&b, "", 0, VALUE_MAX);
	while ((rc = lk_xzip_read(x->z, r, skip)) == 1) {
		skip = 0;
		type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_ELEMENT) {
			name = xmlTextReaderConstLocalName(r);
			if (name == n_rph) {
				skip = 1;
			} else if (name == n_si) {
				b.len = 0;
				if (xmlTextReaderIsEmptyElement(r))
					sst_push(&x->sst, "", 0);
			} else if (name == n_t) {
				in_t = !xmlTextReaderIsEmptyElement(r);
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			name = xmlTextReaderConstLocalName(r);
			if (name == n_t)
				in_t = 0;
			else if (name == n_si)
				sst_push(&x->sst, b.s, b.len);
		} else if (in_t) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v)
				buf_add(&b, v, strlen(v), VALUE_MAX);
		}
	}
	free(b.s);
	if (rc < 0)
		lk_parse_fail(x->p, 0, 0, "%s", lk_xzip_reader_error(x->z));
	lk_xzip_reader_free(x->z, r);
	return rc < 0 ? -1 : 0;
}

/* --- the sheet --- */

enum { C_SKU, C_QTY, C_LOC, C_FIRST_LOCS };

struct col {
	const char *spec;       /* the option: a header name, or a number from 1 */
	char *name;             /* wanted by header name (trimmed), or NULL */
	long col;               /* 1-based once known; 0: not used or not yet found */
	char head[CELL];        /* the header cell's text (per-location: the location) */
};

/* A cell of the current row, its text in the row's buffer. */
struct rcell {
	uint32_t col;
	char kind;      /* 'n' number, 's' text, 'd' date, 'b' boolean, 'e' error,
	                   'f' formula without a cached value, 'x' bad shared string */
	size_t off, len;
};

enum ctype { T_N, T_S, T_STR, T_INLINE, T_B, T_E, T_D };

struct sheetr {
	struct lk_xml xml;      /* first: the SAX user data (xml-src.h) */
	const xmlChar *n_c, *n_v, *n_t, *n_is, *n_rph, *n_f, *n_row, *n_r, *n_s;
	int depth, skip;        /* skip: the depth of a subtree being skipped, or 0 */
	struct xs *x;
	struct lk_parse *p;
	struct col *cols;
	size_t ncols;
	int per_location;
	int header_found;
	long force_row;         /* --header-row, 0: find it */
	unsigned char *wanted;  /* MAX_COL + 1 flags, once the header is found */
	/* the row */
	unsigned long row, prev_row;
	struct rcell *cells;
	size_t ncells, capcells;
	struct buf text;
	/* the cell being read */
	uint32_t ccol, prev_col;
	enum ctype ctype;
	long cstyle;
	int has_f, has_v, in_v, in_t, in_is;
	struct buf val;
	/* merged ranges across columns, from the sheet's <mergeCells> */
	struct merge { uint32_t r1, r2, c1, c2; } *merges;
	size_t nmerges;
	struct buf mtext;       /* the sheet from its <mergeCells> on */
	char mtail[32];         /* the end of the previous piece */
	size_t nmtail;
	size_t mcur;            /* the first merge not above the current row */
	unsigned long titles;   /* rows skipped as merged titles */
	/* what the sheet said */
	struct lk_noqty noqty;
	char guess[256];        /* the header-like row, for a message */
	size_t guess_cells;
	unsigned long guess_row;
};

static void
cell_reset(struct sheetr *s)
{
	s->ctype = T_N;
	s->cstyle = 0;
	s->has_f = s->has_v = s->in_v = s->in_t = s->in_is = 0;
	s->val.len = 0;
}

static void
row_add(struct sheetr *s, char kind, const char *t, size_t n)
{
	struct rcell *c;

	if (s->ncells == s->capcells) {
		s->capcells = s->capcells ? s->capcells * 2 : 32;
		s->cells = lk_xrealloc(s->cells, s->capcells * sizeof *s->cells);
	}
	c = &s->cells[s->ncells++];
	c->col = s->ccol;
	c->kind = kind;
	c->off = s->text.len;
	buf_add(&s->text, t, n, (size_t)-1);
	c->len = n;
	s->text.len++;          /* keep the NUL between cells */
}

/* A finished <c>: its value by type, kept when its column matters. */
static void
cell_end(struct sheetr *s)
{
	struct xs *x = s->x;
	const char *v = s->val.s ? s->val.s : "";
	size_t n = s->val.len;
	char *end;
	long long i;

	switch (s->ctype) {
	case T_S:
		if (!s->has_v)
			return;
		i = strtoll(v, &end, 10);
		if (end == v || *end != '\0' || i < 0 || (size_t)i >= x->sst.n) {
			row_add(s, 'x', v, n);
			return;
		}
		v = x->sst.arena + x->sst.off[i];
		n = x->sst.off[i + 1] - x->sst.off[i] - 1;
		break;
	case T_INLINE:
	case T_STR:
		if (!s->has_v && !s->in_is && s->ctype == T_STR) {
			if (s->has_f)
				row_add(s, 'f', "", 0);
			return;
		}
		break;
	case T_B: row_add(s, 'b', v, n); return;
	case T_E: row_add(s, 'e', v, n); return;
	case T_D: row_add(s, 'd', v, n); return;
	case T_N:
		if (!s->has_v || n == 0) {
			if (s->has_f)
				row_add(s, 'f', "", 0);
			return;
		}
		if (s->cstyle >= 0 && (size_t)s->cstyle < x->nxf && x->isdate[s->cstyle])
			row_add(s, 'd', v, n);
		else
			row_add(s, 'n', v, n);
		return;
	}
	{
		size_t tn = n;

		trim(v, &tn);
		if (tn > 0)
			row_add(s, 's', v, n);
	}
}

static const struct rcell *
row_cell(const struct sheetr *s, long col)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if ((long)s->cells[i].col == col)
			return &s->cells[i];
	return NULL;
}

static const char *
ctext(const struct sheetr *s, const struct rcell *c)
{
	return s->text.s + c->off;
}

/* A cell's text as a name or an sku: numbers as Excel shows them, trimmed. */
static const char *
cell_str(const struct sheetr *s, const struct rcell *c, char *buf, size_t cap, size_t *len)
{
	const char *t = ctext(s, c);

	*len = c->len;
	if (c->kind == 'n') {
		*len = num_text(t, buf, cap);
		return buf;
	}
	return trim(t, len);
}

static void
ref(char out[16], long col, unsigned long row)
{
	char l[4];

	snprintf(out, 16, "%s%lu", col_letters((unsigned)col, l), row);
}

/* --- the header row --- */

static void
note_guess(struct sheetr *s)
{
	size_t i, n = 0, k;
	const char *t;
	char num[64];

	if (s->row > HEAD_SCAN || s->ncells <= s->guess_cells)
		return;
	s->guess_cells = s->ncells;
	s->guess_row = s->row;
	s->guess[0] = '\0';
	for (i = 0; i < s->ncells && n + 8 < sizeof s->guess; i++) {
		t = cell_str(s, &s->cells[i], num, sizeof num, &k);
		n += (size_t)snprintf(s->guess + n, sizeof s->guess - n, "%s%.*s", i ? ", " : "",
		    (int)(k < 60 ? k : 60), t);
		if (n >= sizeof s->guess)
			n = sizeof s->guess - 1;
	}
}

/* Whether this row has every named column; fills their numbers if so. */
static int
header_match(struct sheetr *s)
{
	size_t i, j, k;
	const char *t;
	char num[64];
	int all = 1;

	for (i = 0; i < s->ncols; i++) {
		if (s->cols[i].name == NULL)
			continue;
		s->cols[i].col = 0;
		for (j = 0; j < s->ncells && !s->cols[i].col; j++) {
			t = cell_str(s, &s->cells[j], num, sizeof num, &k);
			if (s->cells[j].kind != 'x' && same_name(t, k, s->cols[i].name))
				s->cols[i].col = s->cells[j].col;
		}
		all &= s->cols[i].col != 0;
	}
	return all;
}

static void
take_header(struct sheetr *s)
{
	const struct rcell *c;
	size_t i, k;
	const char *t;
	char num[64];

	s->header_found = 1;
	s->wanted = lk_xcalloc(MAX_COL + 1, 1);
	for (i = 0; i < s->ncols; i++) {
		struct col *cl = &s->cols[i];

		if (cl->col == 0)
			continue;
		s->wanted[cl->col] = 1;
		if ((c = row_cell(s, cl->col)) != NULL) {
			t = cell_str(s, c, num, sizeof num, &k);
			lk_parse_copy(cl->head, sizeof cl->head, t, k);
		} else {
			col_letters((unsigned)cl->col, cl->head);
		}
	}
	lk_debug("%s: header in row %lu", s->p->o->name, s->row);
}

static void
header_row(struct sheetr *s)
{
	size_t i;

	if (s->force_row) {
		if ((long)s->row < s->force_row)
			return;
		if ((long)s->row > s->force_row) {
			lk_parse_fail(s->p, (unsigned long)s->force_row, 0, "header row %ld is empty",
			    s->force_row);
			return;
		}
		if (s->ncells == 0) {
			lk_parse_fail(s->p, s->row, 0, "header row %ld is empty", s->force_row);
			return;
		}
		note_guess(s);
		if (!header_match(s)) {
			for (i = 0; i < s->ncols && (!s->cols[i].name || s->cols[i].col); i++)
				;
			lk_parse_fail(s->p, s->row, 0, "no column '%s' in header row %lu (%s)",
			    s->cols[i].name, s->row, s->guess);
			return;
		}
		take_header(s);
		return;
	}
	if (s->ncells == 0)
		return;
	note_guess(s);
	if (header_match(s))
		take_header(s);
}

/* --- merged cells --- */

#define MERGE_TEXT_MAX (64 << 20)

/* Whether "NAME" at s[i] is a tag name: '<', an optional prefix, then NAME. */
static int
tag_at(const char *s, size_t i)
{
	while (i > 0 && (s[i - 1] == ':' || s[i - 1] == '_' || (s[i - 1] >= 'a' && s[i - 1] <= 'z') ||
	    (s[i - 1] >= 'A' && s[i - 1] <= 'Z') || (s[i - 1] >= '0' && s[i - 1] <= '9')))
		i--;
	return i > 0 && s[i - 1] == '<';
}

/*
 * The sheet's bytes, before it is read: <mergeCells> comes after the
 * cells (the schema's order), so this pass keeps only what follows its
 * start tag.  '<' never occurs raw in text, so the tag cannot be faked
 * by a cell's value.
 */
static void
merge_piece(void *arg, const char *buf, size_t n)
{
	struct sheetr *s = arg;
	char win[64 * 1024 + sizeof s->mtail];
	const char *hit;
	size_t k = s->nmtail, off;

	if (s->mtext.len > 0) {
		if (s->mtext.len < MERGE_TEXT_MAX)
			buf_add(&s->mtext, buf, n, MERGE_TEXT_MAX);
		return;
	}
	if (n > 64 * 1024)
		return;
	memcpy(win, s->mtail, k);
	memcpy(win + k, buf, n);
	for (off = 0; (hit = memmem(win + off, k + n - off, "mergeCells", 10)) != NULL;
	    off = (size_t)(hit - win) + 10) {
		if (tag_at(win, (size_t)(hit - win))) {
			buf_add(&s->mtext, hit, k + n - (size_t)(hit - win), MERGE_TEXT_MAX);
			return;
		}
	}
	s->nmtail = k + n < sizeof s->mtail ? k + n : sizeof s->mtail;
	memcpy(s->mtail, win + k + n - s->nmtail, s->nmtail);
}

/* "A1" at *p: row and column; 0 when malformed. */
static int
cell_ref(const char **p, uint32_t *row, uint32_t *col)
{
	const char *v = *p;
	unsigned long r;
	char *end;

	*col = 0;
	for (; *v >= 'A' && *v <= 'Z' && *col <= MAX_COL; v++)
		*col = *col * 26 + (uint32_t)(*v - 'A' + 1);
	r = strtoul(v, &end, 10);
	if (*col == 0 || *col > MAX_COL || end == v || r == 0 || r > MAX_ROW)
		return 0;
	*row = (uint32_t)r;
	*p = end;
	return 1;
}

static int
merge_cmp(const void *a, const void *b)
{
	const struct merge *x = a, *y = b;

	return x->r1 < y->r1 ? -1 : x->r1 > y->r1;
}

/* The ranges of several columns, by first row. */
static void
merge_parse(struct sheetr *s)
{
	const char *t = s->mtext.s, *end, *hit, *gt, *q;
	struct merge m;
	size_t cap = 0;

	if (t == NULL)
		return;         /* no <mergeCells> */
	end = t + s->mtext.len;
	for (; t < end && (hit = memmem(t, (size_t)(end - t), "mergeCell", 9)) != NULL; t = hit + 9) {
		if (!tag_at(s->mtext.s, (size_t)(hit - s->mtext.s)) || hit + 9 >= end ||
		    (hit[9] != ' ' && hit[9] != '/'))
			continue;
		gt = memchr(hit, '>', (size_t)(end - hit));
		q = memmem(hit, (size_t)((gt ? gt : end) - hit), "ref=\"", 5);
		if (q == NULL)
			continue;
		q += 5;
		if (!cell_ref(&q, &m.r1, &m.c1) || *q++ != ':' || !cell_ref(&q, &m.r2, &m.c2) ||
		    *q != '"' || m.r2 < m.r1 || m.c2 <= m.c1)
			continue;
		if (s->nmerges == cap)
			s->merges = lk_xrealloc(s->merges, (cap = cap ? cap * 2 : 64) * sizeof *s->merges);
		s->merges[s->nmerges++] = m;
	}
	free(s->mtext.s);
	s->mtext.s = NULL;
	s->mtext.len = s->mtext.cap = 0;
	if (s->nmerges > 1)
		qsort(s->merges, s->nmerges, sizeof *s->merges, merge_cmp);
}

/*
 * Whether one merged range holds both cells of the row: a title or a
 * section name across the sku and quantity columns.  Ranges never
 * overlap, and rows come in order, so a cursor skips the ranges above.
 */
static int
merged_title(struct sheetr *s, uint32_t row, uint32_t a, uint32_t b)
{
	uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
	size_t i;

	while (s->mcur < s->nmerges && s->merges[s->mcur].r2 < row && s->merges[s->mcur].r1 < row)
		s->mcur++;
	for (i = s->mcur; i < s->nmerges && s->merges[i].r1 <= row; i++)
		if (s->merges[i].r2 >= row && s->merges[i].c1 <= lo && hi <= s->merges[i].c2)
			return 1;
	return 0;
}

/* --- data rows --- */

/* A quantity cell's value; 0, or -1 with why (the row is bad). */
static int
qty_of(struct sheetr *s, const struct rcell *c, long long *q, char *why, size_t cap)
{
	const char *t = ctext(s, c);
	char r[16], num[64];
	double d;

	ref(r, c->col, s->row);
	switch (c->kind) {
	case 'n':
		if (strpbrk(t, "eE")) {
			d = strtod(t, NULL);
			if (!isfinite(d) || fabs(d) > 1e15)
				break;
			snprintf(num, sizeof num, "%.6f", d);
			t = num;
		}
		if (lk_parse_qty(s->p, t, strlen(t), q) == 0)
			return 0;
		break;
	case 's':
		if (lk_parse_qty(s->p, t, c->len, q) == 0)
			return 0;
		break;
	case 'd':
		snprintf(why, cap, "cell %s: a date, not a quantity", r);
		return -1;
	case 'b':
		snprintf(why, cap, "cell %s: a boolean, not a quantity", r);
		return -1;
	case 'e':
		snprintf(why, cap, "cell %s: the error %s, not a quantity", r, t);
		return -1;
	case 'f':
		snprintf(why, cap, "cell %s: a formula without a saved value "
		    "(open and save the workbook in Excel or LibreOffice)", r);
		return -1;
	case 'x':
		snprintf(why, cap, "cell %s: shared string %s does not exist", r, t);
		return -1;
	}
	snprintf(why, cap, "cell %s: quantity '%s' is not a number", r, t);
	return -1;
}

/* A text-like cell (sku, location); NULL with why for a date, error, ... */
static const char *
str_of(struct sheetr *s, const struct rcell *c, char *buf, size_t cap, size_t *len,
    const char *what, char *why, size_t whycap)
{
	char r[16];
	const char *t;

	ref(r, c->col, s->row);
	if (c->kind == 's' || c->kind == 'n') {
		t = cell_str(s, c, buf, cap, len);
		if (*len >= CELL - 1) {
			snprintf(why, whycap, "cell %s: %s longer than %d bytes", r, what, CELL - 2);
			return NULL;
		}
		return t;
	}
	snprintf(why, whycap, "cell %s: the %s is %s", r, what,
	    c->kind == 'd' ? "a date" : c->kind == 'b' ? "a boolean" : c->kind == 'e' ? "an error" :
	    c->kind == 'f' ? "a formula without a saved value" : "a missing shared string");
	return NULL;
}

static void
emit(struct sheetr *s, const char *sku, const char *loc, long long qty)
{
	struct lk_stock st;

	memset(&st, 0, sizeof st);
	st.sku = sku;
	st.location = loc;
	st.qty = qty;
	st.line = s->row;
	lk_parse_stock(s->p, &st);
}

static void
data_row(struct sheetr *s)
{
	const struct rcell *sc = row_cell(s, s->cols[C_SKU].col), *qc = NULL, *lc;
	char skub[CELL], locb[CELL], why[300], num[64], r[16];
	const char *sku, *loc = NULL, *t;
	size_t n, k, i;
	long long q;
	int any = 0;

	for (i = 1; i < s->ncols && !any; i++)
		any = s->cols[i].col && row_cell(s, s->cols[i].col) != NULL;
	if (s->nmerges && merged_title(s, (uint32_t)s->row, (uint32_t)s->cols[C_SKU].col,
	    (uint32_t)s->cols[s->per_location ? C_FIRST_LOCS : C_QTY].col)) {
		s->titles++;
		return;
	}
	if (sc == NULL) {
		if (!any)
			return;         /* a blank row, or text in other columns only */
		ref(r, s->cols[C_SKU].col, s->row);
		lk_parse_bad(s->p, s->row, 0, "cell %s: empty sku", r);
		return;
	}
	if ((sku = str_of(s, sc, num, sizeof num, &n, "sku", why, sizeof why)) == NULL) {
		lk_parse_bad(s->p, s->row, 0, "%s", why);
		return;
	}
	if (same_name(sku, n, s->cols[C_SKU].head))
		return;                 /* the header again (a list in sections) */
	lk_parse_copy(skub, sizeof skub, sku, n);
	if (s->cols[C_LOC].col && (lc = row_cell(s, s->cols[C_LOC].col)) != NULL) {
		if ((t = str_of(s, lc, num, sizeof num, &k, "location", why, sizeof why)) == NULL) {
			lk_parse_bad(s->p, s->row, 0, "%s", why);
			return;
		}
		lk_parse_copy(locb, sizeof locb, t, k);
		loc = locb;
	}
	s->noqty.offers++;
	if (!s->per_location) {
		qc = row_cell(s, s->cols[C_QTY].col);
		if (qc == NULL) {
			lk_noqty_add(s->p, &s->noqty, skub, s->row, "an empty quantity cell");
			return;
		}
		if (qty_of(s, qc, &q, why, sizeof why) < 0) {
			lk_parse_bad_sku(s->p, skub, loc, s->row, 0, "%s", why);
			return;
		}
		s->noqty.nqty++;
		emit(s, skub, loc, q);
		return;
	}
	/* One record per location column; an empty cell is no record there. */
	for (i = C_FIRST_LOCS, any = 0; i < s->ncols; i++) {
		if ((qc = row_cell(s, s->cols[i].col)) == NULL)
			continue;
		if (qty_of(s, qc, &q, why, sizeof why) < 0) {
			lk_parse_bad_sku(s->p, skub, s->cols[i].head, s->row, 0, "%s", why);
			continue;
		}
		any = 1;
		emit(s, skub, s->cols[i].head, q);
	}
	if (any)
		s->noqty.nqty++;
	else
		lk_noqty_add(s->p, &s->noqty, skub, s->row, "an empty quantity cell");
}

static void
row_end(struct sheetr *s)
{
	if (!s->header_found)
		header_row(s);
	else
		data_row(s);
	s->ncells = 0;
	s->text.len = 0;
	s->prev_col = 0;
}

/* "B12" (n bytes, not NUL-terminated) -> column 2; 0 when malformed. */
static uint32_t
ref_col(const xmlChar *v, size_t n)
{
	uint32_t c = 0;
	size_t i;

	for (i = 0; i < n && v[i] >= 'A' && v[i] <= 'Z'; i++) {
		c = c * 26 + (uint32_t)(v[i] - 'A' + 1);
		if (c > MAX_COL)
			return 0;
	}
	return i < n && v[i] >= '0' && v[i] <= '9' ? c : 0;
}

static enum ctype
ctype_of(const xmlChar *v, size_t n)
{
	static const struct { const char *t; enum ctype c; } types[] = {
		{ "s", T_S }, { "str", T_STR }, { "inlineStr", T_INLINE }, { "b", T_B },
		{ "e", T_E }, { "d", T_D }
	};
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i].t) == n && memcmp(types[i].t, v, n) == 0)
			return types[i].c;
	return T_N;
}

/* A whole number of at most 9 digits in v[0..n), else -1. */
static long
attr_num(const xmlChar *v, size_t n)
{
	long r = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		r = r * 10 + (v[i] - '0');
	}
	return r;
}

/* A <c> start: its attributes (SAX2: 5 pointers each); whether its column matters. */
static int
cell_start(struct sheetr *s, int nattr, const xmlChar **attrs)
{
	const xmlChar *name, *v;
	uint32_t col = 0;
	size_t n;
	int i;

	cell_reset(s);
	for (i = 0; i < nattr; i++) {
		name = attrs[i * 5];
		v = attrs[i * 5 + 3];
		n = (size_t)(attrs[i * 5 + 4] - v);
		if (attrs[i * 5 + 1] != NULL)
			continue;       /* a prefixed attribute: not r, t or s */
		if (name == s->n_r)
			col = ref_col(v, n);
		else if (name == s->n_t)
			s->ctype = ctype_of(v, n);
		else if (name == s->n_s)
			s->cstyle = attr_num(v, n);
	}
	if (col == 0)
		col = s->prev_col + 1;
	if (col > MAX_COL) {
		lk_parse_fail(s->p, s->row, 0, "a cell beyond column XFD");
		return 0;
	}
	s->ccol = s->prev_col = col;
	return !s->header_found || s->wanted[col];
}

static void
row_start(struct sheetr *s, int nattr, const xmlChar **attrs)
{
	size_t n;
	const xmlChar *v = lk_xml_attr(attrs, nattr, s->n_r, &n);
	long r = v ? attr_num(v, n) : -1;

	s->ncells = 0;
	s->text.len = 0;
	s->prev_col = 0;
	s->row = r >= 1 && r <= MAX_ROW ? (unsigned long)r : s->prev_row + 1;
	s->prev_row = s->row;
}

/*
 * The sheet's SAX handlers (xml-src.c drives them, as for the YML and 1C
 * feeds): the state machine of one row.  A subtree not needed (a cell of
 * another column, a formula's text, a phonetic run) is skipped by depth.
 */
static void
on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
	struct sheetr *s = ctx;

	(void)prefix, (void)uri, (void)nns, (void)ns, (void)ndef;
	s->depth++;
	if (s->skip)
		return;
	if (name == s->n_c) {
		if (!cell_start(s, nattr, attrs))
			s->skip = s->depth;
	} else if (name == s->n_v) {
		s->has_v = s->in_v = 1;
	} else if (name == s->n_t) {
		s->in_t = s->in_is;
	} else if (name == s->n_is) {
		s->in_is = 1;
	} else if (name == s->n_rph) {
		s->skip = s->depth;
	} else if (name == s->n_f) {
		s->has_f = 1;
		s->skip = s->depth;
	} else if (name == s->n_row) {
		row_start(s, nattr, attrs);
	}
}

static void
on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct sheetr *s = ctx;

	(void)prefix, (void)uri;
	if (s->skip) {
		if (s->skip == s->depth)
			s->skip = 0;
		s->depth--;
		return;
	}
	s->depth--;
	if (name == s->n_c)
		cell_end(s);
	else if (name == s->n_v)
		s->in_v = 0;
	else if (name == s->n_t)
		s->in_t = 0;
	else if (name == s->n_row)
		row_end(s);
}

static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct sheetr *s = ctx;

	if (!s->skip && (s->in_v || s->in_t))
		buf_add(&s->val, (const char *)ch, (size_t)len, VALUE_MAX);
}

static const char *
zip_why(void *z)
{
	const char *e = lk_xzip_reader_error(z);

	return e ? e : "read error";
}

static int
read_sheet(struct sheetr *s, const char *path)
{
	struct xs *x = s->x;
	xmlSAXHandler sax;

	if (lk_xml_init(&s->xml, s->p) < 0)
		return -1;
	s->n_c = lk_xml_intern(&s->xml, "c");
	s->n_v = lk_xml_intern(&s->xml, "v");
	s->n_t = lk_xml_intern(&s->xml, "t");
	s->n_is = lk_xml_intern(&s->xml, "is");
	s->n_rph = lk_xml_intern(&s->xml, "rPh");
	s->n_f = lk_xml_intern(&s->xml, "f");
	s->n_row = lk_xml_intern(&s->xml, "row");
	s->n_r = lk_xml_intern(&s->xml, "r");
	s->n_s = lk_xml_intern(&s->xml, "s");
	buf_add(&s->val, "", 0, VALUE_MAX);
	buf_add(&s->text, "", 0, (size_t)-1);
	memset(&sax, 0, sizeof sax);
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	if (lk_xzip_entry_open(x->z, path, x->err, sizeof x->err) < 0)
		lk_parse_fail(s->p, 0, 0, "%s", x->err);
	else
		lk_xml_run_fn(&s->xml, &sax, path, lk_xzip_entry_read, zip_why, x->z);
	lk_xzip_entry_close(x->z);
	lk_xml_free(&s->xml);
	return s->p->failed ? -1 : 0;
}

/* --- columns from the options --- */

static int
col_spec(struct sheetr *s, struct col *c, const char *spec)
{
	long long n;
	size_t len;
	const char *t;

	c->spec = spec;
	if (spec == NULL)
		return 0;
	if (lk_parse_ll(spec, 1, MAX_COL, &n) == 0) {
		c->col = (long)n;
		return 0;
	}
	if (!s->p->o->header)
		return lk_parse_fail(s->p, 0, 0, "column '%s' is a name, but there is no header row", spec);
	len = strlen(spec);
	t = trim(spec, &len);
	c->name = lk_xstrndup(t, len);
	return 0;
}

static int
setup_cols(struct sheetr *s)
{
	const struct lk_parse_opts *o = s->p->o;
	const char *a, *e;
	size_t n = 0, i;

	for (a = o->locations; a && *a; a = *e ? e + 1 : e, n++)
		e = a + strcspn(a, ",");
	s->per_location = n > 0;
	s->ncols = C_FIRST_LOCS + n;
	s->cols = lk_xcalloc(s->ncols, sizeof *s->cols);
	if (col_spec(s, &s->cols[C_SKU], o->sku ? o->sku : o->header ? "sku" : "1") < 0 ||
	    col_spec(s, &s->cols[C_QTY], s->per_location ? NULL : o->qty ? o->qty :
	    o->header ? "qty" : "2") < 0 ||
	    col_spec(s, &s->cols[C_LOC], o->location) < 0)
		return -1;
	for (a = o->locations, i = C_FIRST_LOCS; a && *a; a = *e ? e + 1 : e, i++) {
		char *one;

		e = a + strcspn(a, ",");
		one = lk_xstrndup(a, (size_t)(e - a));
		if (col_spec(s, &s->cols[i], one) < 0) {
			free(one);
			return -1;
		}
		s->cols[i].spec = NULL;
		free(one);
	}
	s->force_row = o->header_row;
	if (!o->header) {
		s->header_found = 1;
		s->wanted = lk_xcalloc(MAX_COL + 1, 1);
		for (i = 0; i < s->ncols; i++) {
			if (s->cols[i].col) {
				s->wanted[s->cols[i].col] = 1;
				col_letters((unsigned)s->cols[i].col, s->cols[i].head);
			}
		}
	}
	return 0;
}

static void
missing_header(struct sheetr *s)
{
	char names[300] = "";
	size_t i, n = 0;

	for (i = 0; i < s->ncols; i++)
		if (s->cols[i].name && n + 8 < sizeof names)
			n += (size_t)snprintf(names + n, sizeof names - n, "%s'%s'", n ? ", " : "",
			    s->cols[i].name);
	if (s->guess_row)
		lk_parse_fail(s->p, 0, 0, "no row has the columns %s (row %lu: %s); name them "
		    "with --sku and --qty, or give --header-row", names, s->guess_row, s->guess);
	else
		lk_parse_fail(s->p, 0, 0, "the sheet is empty");
}

static void
sheet_free(struct sheetr *s)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		free(s->cols[i].name);
	free(s->cols);
	free(s->wanted);
	free(s->cells);
	free(s->text.s);
	free(s->val.s);
	free(s->merges);
	free(s->mtext.s);
}

static void
xs_free(struct xs *x)
{
	size_t i;

	rels_free(&x->top);
	rels_free(&x->rels);
	for (i = 0; i < x->nsheets; i++)
		free(x->sheets[i].name), free(x->sheets[i].rid);
	free(x->sheets);
	free(x->wbdir);
	free(x->sst.arena);
	free(x->sst.off);
	free(x->isdate);
	lk_xzip_close(x->z);
}

/* The parts the sheet needs: shared strings and styles, when there are. */
static int
read_parts(struct xs *x)
{
	const struct rel *e;
	char *path;
	int rc = 0;

	if ((e = rel_by_type(&x->rels, "sharedStrings")) != NULL) {
		path = resolve(x->wbdir, e->target);
		if (lk_xzip_has(x->z, path))
			rc = read_sst(x, path);
		free(path);
	}
	if (rc == 0 && (e = rel_by_type(&x->rels, "styles")) != NULL) {
		path = resolve(x->wbdir, e->target);
		if (lk_xzip_has(x->z, path))
			rc = read_styles(x, path);
		free(path);
	}
	return rc;
}

int
lk_xlsx_parse(struct lk_parse *p, struct lk_input *in)
{
	struct xs x;
	struct sheetr s;
	char *wb = NULL, *sheet = NULL;
	const char *sheet_name = NULL;

	memset(&x, 0, sizeof x);
	memset(&s, 0, sizeof s);
	x.p = p;
	s.x = &x;
	s.p = p;
	if ((x.z = lk_xzip_open(in, x.err, sizeof x.err)) == NULL)
		return lk_parse_fail(p, 0, 0, "%s", x.err);
	if (setup_cols(&s) == 0 && (wb = workbook_path(&x)) != NULL &&
	    read_core(&x) == 0 && read_workbook(&x, wb) == 0 &&
	    (sheet = pick_sheet(&x, p->o->sheet, &sheet_name)) != NULL &&
	    read_parts(&x) == 0) {
		if (!lk_xzip_has(x.z, sheet))
			lk_parse_fail(p, 0, 0, "sheet '%s': no %s in the archive", sheet_name, sheet);
		else
			lk_debug("%s: sheet '%s' (%s), %zu shared strings in %zu bytes", p->o->name,
			    sheet_name, sheet, x.sst.n, x.sst.cap + x.sst.ncap * sizeof *x.sst.off);
	}
	if (!p->failed) {
		if (lk_xzip_scan(x.z, sheet, merge_piece, &s, x.err, sizeof x.err) < 0)
			lk_parse_fail(p, 0, 0, "%s", x.err);
		else
			merge_parse(&s);
	}
	if (!p->failed && read_sheet(&s, sheet) == 0) {
		lk_debug("%s: %zu merged ranges, %lu title rows skipped", p->o->name, s.nmerges, s.titles);
		if (!s.header_found && s.force_row)
			lk_parse_fail(p, (unsigned long)s.force_row, 0, "header row %ld is empty",
			    s.force_row);
		else if (!s.header_found)
			missing_header(&s);
		else
			lk_noqty_finish(p, &s.noqty, "an empty quantity cell",
			    "is the quantity column the right one?");
	}
	free(wb);
	free(sheet);
	sheet_free(&s);
	xs_free(&x);
	return p->failed ? -1 : 0;
}
