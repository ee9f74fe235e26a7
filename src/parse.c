/*
 * parse.c - what the source parsers share (parse.h): options from
 * a source config, quantity numbers, the duplicate set, error reporting,
 * the sink of the commands and the source sentinel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "parse.h"
#include "state.h"
#include "util.h"


void
lk_parse_opts_init(struct lk_parse_opts *o)
{
	memset(o, 0, sizeof *o);
	o->unavailable_zero = 1;
	o->available_qty = -1;
	o->quote = '"';
	o->header = 1;
	o->duplicates = LK_DUP_SUM;
}

int
lk_parse_opt_duplicates(const char *s, enum lk_dup_policy *out)
{
	if (strcmp(s, "sum") == 0)
		*out = LK_DUP_SUM;
	else if (strcmp(s, "error") == 0)
		*out = LK_DUP_ERROR;
	else
		return -1;
	return 0;
}

int
lk_parse_opt_char(const char *s, int *out)
{
	if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		*out = '\t';
	else if (strlen(s) == 1 && (unsigned char)s[0] < 0x80 && s[0] != '\n' && s[0] != '\r')
		*out = (unsigned char)s[0];
	else
		return -1;
	return 0;
}

int
lk_parse_opt_encoding(const char *s)
{
	return strcmp(s, "auto") == 0 || strcmp(s, "utf-8") == 0 ||
	    strcmp(s, "windows-1251") == 0 ? 0 : -1;
}

int
lk_parse_opts_from_source(struct lk_parse_opts *o, const unsigned char set[LK_OPT_NBITS],
    const struct lk_source *src, char *err, size_t errlen)
{
	if (!set[LK_OPT_SKU] && src->sku)
		o->sku = src->sku;
	if (!set[LK_OPT_QTY] && src->qty)
		o->qty = src->qty;
	if (!set[LK_OPT_LOCATION] && src->location)
		o->location = src->location;
	if (!set[LK_OPT_ENCODING] && src->encoding)
		o->encoding = src->encoding;
	if (src->timezone)
		o->timezone = src->timezone;
	if (!set[LK_OPT_OUTLETS] && src->outlets) {
		if (strcmp(src->outlets, "sum") != 0 && strcmp(src->outlets, "split") != 0) {
			snprintf(err, errlen, "outlets: '%s' is not split or sum", src->outlets);
			return -1;
		}
		o->outlets_sum = strcmp(src->outlets, "sum") == 0;
	}
	if (!set[LK_OPT_UNAVAILABLE])
		o->unavailable_zero = src->unavailable_zero;
	if (!set[LK_OPT_HEADER])
		o->header = src->header;
	if (!set[LK_OPT_DELIMITER] && src->delimiter &&
	    lk_parse_opt_char(src->delimiter, &o->delimiter) < 0) {
		snprintf(err, errlen, "delimiter: '%s' is not one character or \"tab\"", src->delimiter);
		return -1;
	}
	if (!set[LK_OPT_QUOTE] && src->quote && lk_parse_opt_char(src->quote, &o->quote) < 0) {
		snprintf(err, errlen, "quote: '%s' is not one character", src->quote);
		return -1;
	}
	if (!set[LK_OPT_DUPLICATES] && src->duplicates &&
	    lk_parse_opt_duplicates(src->duplicates, &o->duplicates) < 0) {
		snprintf(err, errlen, "duplicates: '%s' is not sum or error", src->duplicates);
		return -1;
	}
	if (!set[LK_OPT_AVAILABLE_QTY] && src->available_qty >= 0)
		o->available_qty = src->available_qty;
	if (!set[LK_OPT_PER_WAREHOUSE])
		o->per_warehouse = src->per_warehouse;
	if (!set[LK_OPT_LOCATION_NAMES])
		o->location_names = src->location_names;
	if (!set[LK_OPT_SHEET] && src->sheet)
		o->sheet = src->sheet;
	if (!set[LK_OPT_HEADER_ROW] && src->header_row > 0)
		o->header_row = (long)src->header_row;
	if (!set[LK_OPT_LOCATIONS] && src->locations)
		o->locations = src->locations;
	return 0;
}

/* --- reports --- */

static void
default_report(void *arg, const char *msg)
{
	(void)arg;
	lk_warn("%s", msg);
}

void
lk_parse_init(struct lk_parse *p, const struct lk_parse_opts *o, lk_stock_fn *sink, void *arg)
{
	memset(p, 0, sizeof *p);
	p->o = o;
	p->sink = sink;
	p->arg = arg;
	p->report = default_report;
}

void
lk_parse_free(struct lk_parse *p)
{
	free(p->seen.slots);
	p->seen.slots = NULL;
}

static void
vformat(char *buf, size_t cap, const struct lk_parse *p, unsigned long line,
    unsigned long col, const char *fmt, va_list ap)
{
	int n;

	if (col)
		n = snprintf(buf, cap, "%s:%lu:%lu: ", p->o->name, line, col);
	else if (line)
		n = snprintf(buf, cap, "%s:%lu: ", p->o->name, line);
	else
		n = snprintf(buf, cap, "%s: ", p->o->name);
	if (n >= 0 && (size_t)n < cap)
		vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
}

int
lk_parse_fail(struct lk_parse *p, unsigned long line, unsigned long col, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	vformat(p->error, sizeof p->error, p, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* A record error: reported and counted; handed to p->bad when bad. */
static void
vbad(struct lk_parse *p, const struct lk_bad *bad, unsigned long line, unsigned long col,
    const char *fmt, va_list ap)
{
	char msg[512];
	struct lk_bad b;

	if (p->failed)
		return;
	vformat(msg, sizeof msg, p, line, col, fmt, ap);
	if (p->o->strict) {
		p->failed = 1;
		memcpy(p->error, msg, sizeof p->error);
		return;
	}
	p->nbad++;
	p->report(p->report_arg, msg);
	if (bad && p->bad) {
		b = *bad;
		b.error = msg;
		p->bad(p->arg, &b);
	}
}

void
lk_parse_bad(struct lk_parse *p, unsigned long line, unsigned long col, const char *fmt, ...)
{
	struct lk_bad b = { NULL, NULL, line, NULL };
	va_list ap;

	va_start(ap, fmt);
	vbad(p, &b, line, col, fmt, ap);
	va_end(ap);
}

void
lk_parse_bad_sku(struct lk_parse *p, const char *sku, const char *location, unsigned long line,
    unsigned long col, const char *fmt, ...)
{
	struct lk_bad b = { sku, location, line, NULL };
	va_list ap;

	va_start(ap, fmt);
	vbad(p, &b, line, col, fmt, ap);
	va_end(ap);
}

/* Reported and counted only: its bad_record was handed over already. */
static void
bad_reported(struct lk_parse *p, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(p, NULL, line, 0, fmt, ap);
	va_end(ap);
}

/* --- duplicates: a set of 64-bit hashes of "sku\0location" --- */

static uint64_t
key_hash(const char *sku, const char *loc)
{
	/* FNV-1a, then a final mix so that the low bits index well. */
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *s;

	for (s = (const unsigned char *)sku; *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (s = (const unsigned char *)(loc ? loc : ""); *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}

/*
 * Doubles the table in place: realloc() of a large block is mremap(), so
 * the old and the new table never both take memory.  Then every entry is
 * taken out and put back until none moves: at that fixed point each entry
 * sits at the first free slot from its home, which is what lookups need.
 */
static void
keyset_grow(struct lk_keyset *k)
{
	size_t ncap = k->cap ? k->cap * 2 : 1024, i, j, moved;
	uint64_t *t, h;

	t = lk_xrealloc(k->slots, ncap * sizeof *t);
	memset(t + k->cap, 0, (ncap - k->cap) * sizeof *t);
	for (moved = 1; moved; ) {
		for (moved = 0, i = 0; i < ncap; i++) {
			if ((h = t[i]) == 0)
				continue;
			t[i] = 0;
			for (j = h & (ncap - 1); t[j]; j = (j + 1) & (ncap - 1))
				;
			t[j] = h;
			moved += j != i;
		}
	}
	k->slots = t;
	k->cap = ncap;
}

/* Adds h; returns 1 when it was already there. */
static int
keyset_add(struct lk_keyset *k, uint64_t h)
{
	size_t i;

	if ((k->n + 1) * 4 > k->cap * 3)
		keyset_grow(k);
	for (i = h & (k->cap - 1); k->slots[i]; i = (i + 1) & (k->cap - 1))
		if (k->slots[i] == h)
			return 1;
	k->slots[i] = h;
	k->n++;
	return 0;
}

void
lk_parse_prefetch(const struct lk_parse *p, const char *sku, const char *loc)
{
	if (p->seen.cap)
		__builtin_prefetch(&p->seen.slots[key_hash(sku, loc) & (p->seen.cap - 1)]);
}

int
lk_parse_stock(struct lk_parse *p, const struct lk_stock *s)
{
	if (p->failed)
		return -1;      /* after a strict error nothing more is handed over */
	if (keyset_add(&p->seen, key_hash(s->sku, s->location))) {
		if (p->o->duplicates == LK_DUP_ERROR) {
			char ex[LK_EXCERPT_SIZE], ex2[LK_EXCERPT_SIZE];

			lk_parse_bad_sku(p, s->sku, s->location, s->line, 0, "duplicate sku '%s'%s%s",
			    lk_excerpt(s->sku, (size_t)-1, ex), s->location ? " at location " : "",
			    s->location ? lk_excerpt(s->location, (size_t)-1, ex2) : "");
			return -1;
		}
		p->dups++;
	}
	p->records++;
	p->sink(p->arg, s);
	return 0;
}

/* --- quantities --- */

/* Length of a thousands separator at s: ' ', U+00A0, U+202F, or 0xA0. */
static size_t
thousands_sep(const unsigned char *s, const unsigned char *end)
{
	if (*s == ' ' || *s == 0xa0)
		return 1;
	if (*s == 0xc2 && s + 1 < end && s[1] == 0xa0)
		return 2;
	if (*s == 0xe2 && s + 2 < end && s[1] == 0x80 && s[2] == 0xaf)
		return 3;
	return 0;
}

static int
blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
lk_parse_qty(struct lk_parse *p, const char *str, size_t len, long long *out)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	long long v = 0;
	int neg = 0, digits = 0, frac = 0, fdigits = 0;
	size_t k;

	while (s < end && blank(*s))
		s++;
	while (end > s && blank(end[-1]))
		end--;
	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (; s < end; s++) {
		if (*s >= '0' && *s <= '9') {
			digits++;
			if (fdigits || frac) {
				fdigits++;
				frac |= *s != '0' ? 2 : 0;
				continue;
			}
			if (v > LK_QTY_MAX)
				continue;       /* too big; the digits still have to be digits */
			v = v * 10 + (*s - '0');
		} else if ((*s == '.' || *s == ',') && digits && !fdigits && !frac) {
			frac = 1;       /* one decimal separator, after a digit */
		} else if (digits && !frac && (k = thousands_sep(s, end)) > 0 &&
		    s + k < end && s[k] >= '0' && s[k] <= '9') {
			s += k - 1;     /* a separator between digits */
		} else {
			return -1;
		}
	}
	if (!digits || (frac && !fdigits))
		return -1;
	if (v > LK_QTY_MAX && !neg)
		return -2;
	if (neg && (v > 0 || (frac & 2))) {
		p->negative++;
		v = 0;
	} else if (frac & 2) {
		p->floored++;
	}
	*out = v;
	return 0;
}

/* --- offers without a quantity --- */

void
lk_noqty_add(struct lk_parse *p, struct lk_noqty *q, const char *sku,
    unsigned long line, const char *what)
{
	char ex[LK_EXCERPT_SIZE];
	struct lk_bad b = { sku, NULL, line, NULL };
	char msg[512];

	if (p->o->strict) {
		lk_parse_bad(p, line, 0, "offer '%s' has %s", lk_excerpt(sku, (size_t)-1, ex), what);
		return;
	}
	/* Its bad_record now (only the first few are kept for the messages). */
	if (p->bad) {
		snprintf(msg, sizeof msg, "%s:%lu: offer '%s' has no quantity (%s)", p->o->name, line,
		    lk_excerpt(sku, (size_t)-1, ex), what);
		b.error = msg;
		p->bad(p->arg, &b);
	}
	if (q->n < LK_NOQTY_SHOWN) {
		lk_parse_copy(q->first[q->n].sku, sizeof q->first[0].sku, sku, strlen(sku));
		q->first[q->n].line = line;
	}
	q->n++;
}

int
lk_noqty_finish(struct lk_parse *p, const struct lk_noqty *q, const char *what,
    const char *hint)
{
	char msg[256], ex[LK_EXCERPT_SIZE];
	unsigned long i;

	if (q->n == 0)
		return 0;
	if (q->nqty == 0)
		return lk_parse_fail(p, q->first[0].line, 0,
		    "none of the %lu offers has a quantity (%s); %s", q->offers, what, hint);
	for (i = 0; i < q->n && i < LK_NOQTY_SHOWN; i++)
		bad_reported(p, q->first[i].line, "offer '%s' has no quantity (%s)",
		    lk_excerpt(q->first[i].sku, (size_t)-1, ex), what);
	if (q->n > LK_NOQTY_SHOWN) {
		p->nbad += q->n - LK_NOQTY_SHOWN;
		snprintf(msg, sizeof msg, "%s: %lu more offers without a quantity skipped",
		    p->o->name, q->n - LK_NOQTY_SHOWN);
		p->report(p->report_arg, msg);
	}
	return 0;
}

/* --- the end of a run --- */

void
lk_parse_summary(struct lk_parse *p)
{
	char msg[512];
	size_t n = 0;

	if (!p->floored && !p->negative && !p->dups)
		return;
	n = (size_t)snprintf(msg, sizeof msg, "%s: ", p->o->name);
	if (p->floored)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "%lu fractional quantit%s floored",
		    p->floored, p->floored == 1 ? "y" : "ies");
	if (p->negative)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "%s%lu negative set to 0",
		    p->floored ? ", " : "", p->negative);
	if (p->dups)
		snprintf(msg + n, sizeof msg - n, "%s%lu duplicate sku%s (quantities add up)",
		    p->floored || p->negative ? ", " : "", p->dups, p->dups == 1 ? "" : "s");
	p->report(p->report_arg, msg);
}

void
lk_parse_produced(struct lk_parse *p, const char *s, size_t len)
{
	const char *tz = p->o->timezone ? p->o->timezone : LK_SOURCE_TZ;
	char buf[64], msg[256];
	time_t t;

	lk_parse_copy(buf, sizeof buf, s, len);
	if (lk_parse_local_time(buf, tz, &t) == 0) {
		p->produced = t;
		p->produced_from = "feed";
		return;
	}
	snprintf(msg, sizeof msg, "%s: the feed's date '%s' is not a date (in %s); using the file's time",
	    p->o->name, buf, tz);
	p->report(p->report_arg, msg);
}

void
lk_parse_emit_sentinel(const struct lk_parse *p)
{
	char at[21], pt[21];
	time_t now = lk_now(), produced = p->produced;
	const char *from = p->produced_from;

	if (produced == 0) {
		produced = now;
		from = "now";
	}
	/* A source clock ahead of ours must not make a snapshot look newer than it can be. */
	if (produced > now)
		produced = now;
	lk_emit_begin("source");
	lk_emit_str("source", p->o->source);
	lk_emit_str("status", p->failed ? "failed" : "complete");
	lk_emit_int("records", (long long)p->records);
	if (p->nbad && !p->failed)
		lk_emit_int("bad", (long long)p->nbad);
	if (p->failed)
		lk_emit_str("error", p->error);
	lk_emit_str("at", lk_fmt_time(now, at));
	lk_emit_str("produced", lk_fmt_time(produced, pt));
	lk_emit_str("produced_from", from);
	lk_emit_end();
}

int
lk_parse_status(const struct lk_parse *p)
{
	if (p->failed)
		return LK_EX_DATAERR;
	return p->nbad ? LK_EX_PARTIAL : LK_EX_OK;
}

const char *
lk_parse_qty_why(int rc)
{
	return rc == -2 ? "is above the maximum 1000000000" : "is not a number";
}

void
lk_parse_emit_bad(void *arg, const struct lk_bad *b)
{
	lk_emit_begin("bad_record");
	lk_emit_str("source", arg);
	if (b->sku)
		lk_emit_str("sku", b->sku);
	if (b->location)
		lk_emit_str("location", b->location);
	lk_emit_int("line", (long long)b->line);
	lk_emit_str("error", b->error);
	lk_emit_end();
}

void
lk_parse_emit_stock(void *arg, const struct lk_stock *s)
{
	lk_emit_begin("stock");
	lk_emit_str("sku", s->sku);
	lk_emit_str("source", arg);
	lk_emit_int("qty", s->qty);
	if (s->location)
		lk_emit_str("location", s->location);
	if (s->barcode)
		lk_emit_str("barcode", s->barcode);
	if (s->name)
		lk_emit_str("name", s->name);
	lk_emit_end();
}

size_t
lk_parse_copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap) {
		len = cap - 1;
		/* Do not cut a UTF-8 sequence: back up to its lead byte. */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return len;
}
