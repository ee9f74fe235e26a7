#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "util.h"

FILE *lk_emit_fp;

int
lk_reader_open(struct lk_reader *r, const char *path, size_t max_line, int strict)
{
	memset(r, 0, sizeof *r);
	if (path == NULL || strcmp(path, "-") == 0) {
		r->fp = stdin;
		r->name = "<stdin>";
	} else {
		/* Run data (.lk/) is never read through a symlink either. */
		r->fp = lk_confine_private(path) ? lk_confine_fopen(path, "r") : fopen(path, "rb");
		if (r->fp == NULL)
			return -1;
		r->name = path;
	}
	r->max_line = max_line ? max_line : LK_MAX_LINE_DEFAULT;
	r->strict = strict;
	r->cap = 64 * 1024;
	r->buf = lk_xmalloc(r->cap);
	return 0;
}

void
lk_reader_close(struct lk_reader *r)
{
	if (r->fp && r->fp != stdin)
		fclose(r->fp);
	free(r->buf);
	r->buf = NULL;
	r->fp = NULL;
}

static void
report(struct lk_reader *r, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (r->strict)
		lk_die(LK_EX_DATAERR, "%s:%lu: %s", r->name, r->line, msg);
	lk_warn("%s:%lu: %s", r->name, r->line, msg);
	r->nbad++;
}

void
lk_reader_bad(struct lk_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(r, fmt, ap);
	va_end(ap);
}

static void
fill(struct lk_reader *r)
{
	size_t n;

	if (r->start > 0) {
		r->pos += r->start;
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		r->cap *= 2;
		r->buf = lk_xrealloc(r->buf, r->cap);
	}
	n = fread(r->buf + r->end, 1, r->cap - r->end, r->fp);
	r->end += n;
	if (n == 0) {
		if (ferror(r->fp))
			lk_die(LK_EX_IOERR, "%s: read error:", r->name);
		r->eof = 1;
	}
}

int
lk_reader_line(struct lk_reader *r, char **line, size_t *len)
{
	int skipping = 0;
	char *nl;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL || (r->eof && r->end > r->start)) {
			size_t n = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
			char *s = r->buf + r->start;

			r->start += n + (nl != NULL);
			if (skipping) {
				skipping = 0;
				continue;
			}
			r->line++;
			if (n > 0 && s[n - 1] == '\r')
				n--;
			*line = s;
			*len = n;
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->end - r->start > r->max_line) {
			if (!skipping) {
				r->line++;
				lk_reader_bad(r, "line longer than %zu bytes", r->max_line);
				skipping = 1;
			}
			r->start = r->end;
		}
		fill(r);
	}
}

json_t *
lk_reader_parse(struct lk_reader *r, const char *s, size_t n)
{
	json_t *v;
	json_error_t e;

	if (n > r->max_line) {
		lk_reader_bad(r, "line longer than %zu bytes", r->max_line);
		return NULL;
	}
	v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &e);
	if (v == NULL) {
		/* jansson quotes the input near the error: keep that short and inert. */
		char ex[LK_EXCERPT_SIZE];
		char *near = strstr(e.text, " near '");
		size_t tl;

		if (near) {
			near += 7;
			tl = strlen(near);
			if (tl > 0 && near[tl - 1] == '\'')
				tl--;
			lk_reader_bad(r, "%.*s%s'", (int)(near - e.text), e.text,
			    lk_excerpt(near, tl, ex));
		} else {
			lk_reader_bad(r, "%s", e.text);
		}
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		lk_reader_bad(r, "record is not a JSON object");
		return NULL;
	}
	if (lk_rec_type(v) == NULL) {
		json_decref(v);
		lk_reader_bad(r, "record has no string field 'type'");
		return NULL;
	}
	r->nrec++;
	return v;
}

json_t *
lk_reader_next(struct lk_reader *r)
{
	char *s;
	size_t n;
	json_t *v;

	while (lk_reader_line(r, &s, &n)) {
		if (n > 0 && (v = lk_reader_parse(r, s, n)) != NULL)
			return v;
	}
	return NULL;
}

const char *
lk_rec_str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

const char *
lk_rec_type(const json_t *rec)
{
	return lk_rec_str(rec, "type");
}

int
lk_rec_qty(const json_t *rec, const char *key, long long *out)
{
	json_t *v = json_object_get(rec, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* --- writing --- */

/*
 * A record is built in one buffer and written with one fwrite at
 * lk_emit_end(): stdio calls per field cost more than the escaping.
 */
static struct {
	char *p;
	size_t len, cap;
	int nfields;
} ebuf;

static FILE *
out(void)
{
	return lk_emit_fp ? lk_emit_fp : stdout;
}

static inline void
grow(size_t more)
{
	if (ebuf.len + more <= ebuf.cap)
		return;
	while (ebuf.len + more > ebuf.cap)
		ebuf.cap = ebuf.cap ? ebuf.cap * 2 : 4096;
	ebuf.p = lk_xrealloc(ebuf.p, ebuf.cap);
}

static inline void
put(const char *s, size_t n)
{
	grow(n);
	memcpy(ebuf.p + ebuf.len, s, n);
	ebuf.len += n;
}

static inline void
putch(char c)
{
	grow(1);
	ebuf.p[ebuf.len++] = c;
}

size_t
lk_utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

/* Bytes that go into a JSON string as they are: printable ASCII but '"' and '\\'. */
static unsigned char plain[256];

static void
init_plain(void)
{
	int c;

	for (c = 0x20; c < 0x7f; c++)
		plain[c] = c != '"' && c != '\\';
}

/* Appends s as a JSON string with quotes; invalid UTF-8 becomes U+FFFD. */
static void
put_string(const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start, n;

	if (!plain['a'])
		init_plain();
	grow(len + 2);
	ebuf.p[ebuf.len++] = '"';
	while (i < len) {
		start = i;
		while (i < len && plain[s[i]])
			i++;
		if (i > start)
			put(str + start, i - start);
		if (i == len)
			break;
		if (s[i] >= 0x80 && (n = lk_utf8_len(s + i, len - i)) > 0) {
			put(str + i, n);
			i += n;
			continue;
		}
		switch (s[i]) {
		case '"': put("\\\"", 2); break;
		case '\\': put("\\\\", 2); break;
		case '\n': put("\\n", 2); break;
		case '\t': put("\\t", 2); break;
		case '\r': put("\\r", 2); break;
		default:
			if (s[i] < 0x20) {
				char u[6] = { '\\', 'u', '0', '0', hex[s[i] >> 4], hex[s[i] & 15] };

				put(u, sizeof u);
			} else {
				put("\xef\xbf\xbd", 3);
			}
		}
		i++;
	}
	putch('"');
}

void
lk_json_write_string(FILE *fp, const char *s, size_t len)
{
	size_t saved = ebuf.len;

	/* Borrow the end of the record buffer; the record in progress stays. */
	put_string(s, len);
	fwrite(ebuf.p + saved, 1, ebuf.len - saved, fp);
	ebuf.len = saved;
}

/* Keys are lk's own identifiers, plain ASCII: no escaping needed. */
static void
key(const char *k)
{
	size_t n = strlen(k);

	grow(n + 4);
	ebuf.p[ebuf.len++] = ebuf.nfields++ ? ',' : '{';
	ebuf.p[ebuf.len++] = '"';
	memcpy(ebuf.p + ebuf.len, k, n);
	ebuf.len += n;
	ebuf.p[ebuf.len++] = '"';
	ebuf.p[ebuf.len++] = ':';
}

void
lk_emit_begin(const char *type)
{
	ebuf.len = 0;
	ebuf.nfields = 0;
	lk_emit_str("type", type);
}

void
lk_emit_strn(const char *k, const char *val, size_t len)
{
	key(k);
	put_string(val, len);
}

void
lk_emit_str(const char *k, const char *val)
{
	if (val == NULL) {
		key(k);
		put("null", 4);
		return;
	}
	lk_emit_strn(k, val, strlen(val));
}

void
lk_emit_int(const char *k, long long v)
{
	char buf[24], *p = buf + sizeof buf;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	key(k);
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	put(p, (size_t)(buf + sizeof buf - p));
}

void
lk_emit_bool(const char *k, int v)
{
	key(k);
	if (v)
		put("true", 4);
	else
		put("false", 5);
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	(void)data;
	put(buf, size);
	return 0;
}

void
lk_emit_json(const char *k, const json_t *v)
{
	key(k);
	if (v == NULL)
		put("null", 4);
	else
		json_dump_callback(v, dump_cb, NULL,
		    JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

void
lk_emit_end(void)
{
	FILE *fp = out();

	if (ebuf.nfields)
		put("}\n", 2);
	else
		put("{}\n", 3);
	ebuf.nfields = 0;
	if (fwrite(ebuf.p, 1, ebuf.len, fp) != ebuf.len || ferror(fp))
		lk_die(LK_EX_IOERR, "write error on %s:", fp == stdout ? "stdout" : "output");
	ebuf.len = 0;
}

void
lk_emit_record(const json_t *rec)
{
	const char *k;
	json_t *v;
	const char *type = lk_rec_type(rec);

	lk_emit_begin(type ? type : "unknown");
	json_object_foreach((json_t *)rec, k, v) {
		if (strcmp(k, "type") != 0)
			lk_emit_json(k, v);
	}
	lk_emit_end();
}

/* --- flat records, parsed in place --- */

static int
ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A string without escapes from just after its opening quote; end at the quote. */
static const char *
plain_string(const char *p, const char *end)
{
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		size_t n;

		if (c == '"')
			return p;
		if (c == '\\' || c < 0x20)
			return NULL;
		if (c < 0x80) {
			p++;
			continue;
		}
		if ((n = lk_utf8_len((const unsigned char *)p, (size_t)(end - p))) == 0)
			return NULL;
		p += n;
	}
	return NULL;
}

int
lk_flat_parse(const char *s, size_t len, struct lk_flat *f, int maxf)
{
	const char *p = s, *end = s + len, *q;
	int n = 0, i;

	while (p < end && ws(*p))
		p++;
	if (p == end || *p++ != '{')
		return -1;
	while (p < end && ws(*p))
		p++;
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		if (n == maxf || p == end || *p++ != '"' || (q = plain_string(p, end)) == NULL)
			return -1;
		f[n].k = p;
		f[n].klen = (size_t)(q - p);
		for (p = q + 1; p < end && ws(*p); p++)
			;
		if (p == end || *p++ != ':')
			return -1;
		while (p < end && ws(*p))
			p++;
		if (p < end && *p == '"') {
			if ((q = plain_string(++p, end)) == NULL)
				return -1;
			f[n].str = 1;
			f[n].v = p;
			f[n].vlen = (size_t)(q - p);
			p = q + 1;
		} else {
			/* A plain integer >= 0 of at most 18 digits: it fits. */
			for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
				;
			if (q == p || q - p > 18 || (*p == '0' && q - p > 1) ||
			    (q < end && (*q == '.' || *q == 'e' || *q == 'E')))
				return -1;
			f[n].str = 0;
			f[n].v = p;
			f[n].vlen = (size_t)(q - p);
			p = q;
		}
		for (i = 0; i < n; i++)   /* duplicates: jansson reports them */
			if (f[i].klen == f[n].klen && memcmp(f[i].k, f[n].k, f[n].klen) == 0)
				return -1;
		n++;
		while (p < end && ws(*p))
			p++;
		if (p < end && *p == ',') {
			for (p++; p < end && ws(*p); p++)
				;
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		return -1;
	}
done:
	while (p < end && ws(*p))
		p++;
	return p == end ? n : -1;
}

const struct lk_flat *
lk_flat_get(const struct lk_flat *f, int n, const char *key)
{
	size_t kl = strlen(key);
	int i;

	for (i = 0; i < n; i++)
		if (f[i].klen == kl && memcmp(f[i].k, key, kl) == 0)
			return &f[i];
	return NULL;
}

long long
lk_flat_int(const struct lk_flat *v)
{
	long long x = 0;
	size_t i;

	for (i = 0; i < v->vlen; i++)
		x = x * 10 + (v->v[i] - '0');
	return x;
}

int
lk_flat_canonical(const struct lk_flat *f, int n, size_t len)
{
	size_t want = 1 + (size_t)n;    /* the braces and the commas */
	int i;

	if (n < 1 || f[0].klen != 4 || memcmp(f[0].k, "type", 4) != 0 || !f[0].str)
		return 0;
	for (i = 0; i < n; i++)
		want += f[i].klen + 3 + f[i].vlen + (f[i].str ? 2 : 0);
	/* every byte more is white space between the tokens */
	return want == len;
}

void
lk_emit_line(const char *s, size_t len)
{
	ebuf.len = 0;
	ebuf.nfields = 0;
	put(s, len);
	putch('\n');
	if (fwrite(ebuf.p, 1, ebuf.len, out()) != ebuf.len)
		lk_die(LK_EX_IOERR, "write error on %s:", out() == stdout ? "stdout" : "output");
	ebuf.len = 0;
}

void
lk_emit_flat_line(const char *s, size_t len, const struct lk_flat *f, int n)
{
	if (lk_flat_canonical(f, n, len))
		lk_emit_line(s, len);
	else
		lk_emit_flat(f, n);
}

/*
 * An object from p: keys plain strings (lk_flat_parse's), no two alike;
 * values plain strings, integers as lk_flat_parse takes them, or (depth >
 * 0) such objects; nothing between the tokens.  At the top "type" comes
 * first, a non-empty string the emitter copies as it is (no DEL, which it
 * writes as U+FFFD).  Returns the end of the object, or NULL.
 */
static const char *
canon_object(const char *p, const char *end, int depth, int top, const char **type, size_t *tlen)
{
	const char *keys[32], *q;
	size_t klens[32], kl;
	int nk = 0, i;

	if (p == end || *p++ != '{')
		return NULL;
	if (p < end && *p == '}')
		return top ? NULL : p + 1;
	for (;;) {
		if (nk == 32 || p == end || *p++ != '"' || (q = plain_string(p, end)) == NULL)
			return NULL;
		kl = (size_t)(q - p);
		for (i = 0; i < nk; i++)
			if (klens[i] == kl && memcmp(keys[i], p, kl) == 0)
				return NULL;
		if (top && nk == 0 && (kl != 4 || memcmp(p, "type", 4) != 0))
			return NULL;
		keys[nk] = p;
		klens[nk] = kl;
		p = q + 1;
		if (p == end || *p++ != ':' || p == end)
			return NULL;
		if (*p == '"') {
			if ((q = plain_string(p + 1, end)) == NULL)
				return NULL;
			if (top && nk == 0) {
				if (q == p + 1 || memchr(p + 1, 0x7f, (size_t)(q - p - 1)) != NULL)
					return NULL;
				*type = p + 1;
				*tlen = (size_t)(q - p - 1);
			}
			p = q + 1;
		} else if (top && nk == 0) {
			return NULL;
		} else if (*p == '{') {
			if (depth == 0 || (p = canon_object(p, end, depth - 1, 0, NULL, NULL)) == NULL)
				return NULL;
		} else {
			for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
				;
			if (q == p || q - p > 18 || (*p == '0' && q - p > 1) ||
			    (q < end && (*q == '.' || *q == 'e' || *q == 'E')))
				return NULL;
			p = q;
		}
		nk++;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		return p < end && *p == '}' ? p + 1 : NULL;
	}
}

int
lk_line_canonical(const char *s, size_t len, const char **type, size_t *tlen)
{
	return canon_object(s, s + len, 1, 1, type, tlen) == s + len;
}

/*
 * Writes the record as lk_emit_record() would: "type" first, then the
 * other fields in their order; a flat record's keys and values need no
 * escaping, so they are copied as they are.
 */
void
lk_emit_flat(const struct lk_flat *f, int n)
{
	const struct lk_flat *t = lk_flat_get(f, n, "type");
	int i;

	lk_emit_begin("");
	ebuf.len--;             /* the empty type's closing quote */
	if (t)
		put(t->v, t->vlen);
	else
		put("unknown", 7);
	putch('"');
	for (i = 0; i < n; i++) {
		if (&f[i] == t)
			continue;
		grow(f[i].klen + f[i].vlen + 6);
		putch(',');
		putch('"');
		put(f[i].k, f[i].klen);
		put("\":", 2);
		if (f[i].str)
			putch('"');
		put(f[i].v, f[i].vlen);
		if (f[i].str)
			putch('"');
	}
	lk_emit_end();
}
