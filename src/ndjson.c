#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
		r->fp = fopen(path, "rb");
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
		lk_reader_bad(r, "%s", e.text);
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

static int emit_nfields;

static FILE *
out(void)
{
	return lk_emit_fp ? lk_emit_fp : stdout;
}

static void
check(FILE *fp)
{
	if (ferror(fp))
		lk_die(LK_EX_IOERR, "write error on %s:", fp == stdout ? "stdout" : "output");
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

void
lk_json_write_string(FILE *fp, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, n;

	putc('"', fp);
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (n = lk_utf8_len(s + i, len - i)) > 0) {
			i += n;
			run += n;
			continue;
		}
		if (run)
			fwrite(s + i - run, 1, run, fp);
		run = 0;
		if (c == '"' || c == '\\') {
			putc('\\', fp);
			putc(c, fp);
		} else if (c == '\n') {
			fputs("\\n", fp);
		} else if (c == '\t') {
			fputs("\\t", fp);
		} else if (c == '\r') {
			fputs("\\r", fp);
		} else if (c < 0x20) {
			fputs("\\u00", fp);
			putc(hex[c >> 4], fp);
			putc(hex[c & 15], fp);
		} else {
			fputs("\xef\xbf\xbd", fp);
		}
		i++;
	}
	if (run)
		fwrite(s + i - run, 1, run, fp);
	putc('"', fp);
}

static void
key(const char *k)
{
	FILE *fp = out();

	putc(emit_nfields++ ? ',' : '{', fp);
	lk_json_write_string(fp, k, strlen(k));
	putc(':', fp);
}

void
lk_emit_begin(const char *type)
{
	emit_nfields = 0;
	lk_emit_str("type", type);
}

void
lk_emit_strn(const char *k, const char *val, size_t len)
{
	key(k);
	lk_json_write_string(out(), val, len);
}

void
lk_emit_str(const char *k, const char *val)
{
	if (val == NULL) {
		key(k);
		fputs("null", out());
		return;
	}
	lk_emit_strn(k, val, strlen(val));
}

void
lk_emit_int(const char *k, long long v)
{
	key(k);
	fprintf(out(), "%lld", v);
}

void
lk_emit_bool(const char *k, int v)
{
	key(k);
	fputs(v ? "true" : "false", out());
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	return fwrite(buf, 1, size, data) == size ? 0 : -1;
}

void
lk_emit_json(const char *k, const json_t *v)
{
	key(k);
	if (v == NULL)
		fputs("null", out());
	else
		json_dump_callback(v, dump_cb, out(),
		    JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

void
lk_emit_end(void)
{
	FILE *fp = out();

	fputs(emit_nfields ? "}\n" : "{}\n", fp);
	emit_nfields = 0;
	check(fp);
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
