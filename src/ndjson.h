/*
 * ndjson.h - newline-delimited JSON records in and out (lk-records(5)).
 *
 * Reading.  lk_reader_open() opens a file ("-" or NULL is stdin).  Each
 * lk_reader_next() returns the next record as a new jansson reference the
 * caller must json_decref(), or NULL at the end of input.  A line is a
 * record when it is a JSON object, valid UTF-8, without duplicate keys and
 * at most max_line bytes long.  CRLF endings, blank lines and a last line
 * without a newline are accepted.  A bad line is reported as
 * "PROG: NAME:LINE: reason"; without strict it is skipped and counted in
 * r->nbad (the command exits 1 at the end), with strict it is fatal (65).
 * lk_reader_bad() applies the same policy to a record that parsed but
 * whose fields are wrong.  A read error is fatal (74).
 *
 * Writing.  Records go to lk_emit_fp (stdout by default), one compact
 * object per line with "type" first.  Build a record with lk_emit_begin(),
 * the field calls, and lk_emit_end(); or write a whole object with
 * lk_emit_record().  Strings are escaped; invalid UTF-8 becomes U+FFFD.
 * A failed write is fatal (74).  The functions never take ownership of a
 * json_t.
 */
#ifndef LK_NDJSON_H
#define LK_NDJSON_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#define LK_MAX_LINE_DEFAULT (1024 * 1024)

struct lk_reader {
	FILE *fp;
	const char *name;       /* for messages: file name or "<stdin>" */
	unsigned long line;     /* line number of the last line read */
	unsigned long nbad;     /* bad lines skipped */
	unsigned long nrec;     /* records returned */
	size_t max_line;
	int strict;
	char *buf;
	size_t cap, start, end;
	unsigned long long pos;  /* offset of buf[0] in the input: a line's is pos + (line - buf) */
	int eof;
};

int lk_reader_open(struct lk_reader *r, const char *path, size_t max_line, int strict);
json_t *lk_reader_next(struct lk_reader *r);
/*
 * The two halves of lk_reader_next(), for a reader with a fast path of its
 * own: lk_reader_line() frames the next line (without its end; may be
 * empty; valid until the next call) and returns 0 at the end of input;
 * lk_reader_parse() turns a line into a record, or reports it and
 * returns NULL.
 */
int lk_reader_line(struct lk_reader *r, char **line, size_t *len);
json_t *lk_reader_parse(struct lk_reader *r, const char *s, size_t n);
void lk_reader_bad(struct lk_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lk_reader_close(struct lk_reader *r);

/* Record accessors: NULL/-1 when the field is missing or of another type. */
const char *lk_rec_type(const json_t *rec);
const char *lk_rec_str(const json_t *rec, const char *key);
/* An integer field >= 0 that fits in long long; returns 0, or -1. */
int lk_rec_qty(const json_t *rec, const char *key, long long *out);

extern FILE *lk_emit_fp;

void lk_emit_begin(const char *type);
void lk_emit_str(const char *key, const char *val);
void lk_emit_strn(const char *key, const char *val, size_t len);
void lk_emit_int(const char *key, long long v);
void lk_emit_bool(const char *key, int v);
void lk_emit_json(const char *key, const json_t *v);
void lk_emit_end(void);
void lk_emit_record(const json_t *rec);

/*
 * A flat JSON object of strings without escapes and of integers >= 0,
 * parsed in place: the fast path of commands that read millions of
 * records.  Returns the number of fields, or -1 for anything else (the
 * caller then uses jansson, which accepts or reports it).  Values point
 * into s (strings without their quotes).
 */
struct lk_flat {
	const char *k, *v;
	size_t klen, vlen;
	int str;
};
int lk_flat_parse(const char *s, size_t n, struct lk_flat *f, int maxf);
const struct lk_flat *lk_flat_get(const struct lk_flat *f, int n, const char *key);
/* An integer field's value (it has at most 18 digits). */
long long lk_flat_int(const struct lk_flat *v);
/* Writes a parsed flat record, byte for byte what lk_emit_record() writes for it. */
void lk_emit_flat(const struct lk_flat *f, int n);

/*
 * Whether the line (len bytes) a flat record was parsed from is what
 * lk_emit_flat() writes for it: "type" first and nothing between the
 * tokens.  lk_emit_flat_line() then copies the line as it is.
 */
int lk_flat_canonical(const struct lk_flat *f, int n, size_t len);
void lk_emit_flat_line(const char *s, size_t len, const struct lk_flat *f, int n);
/*
 * Whether a line is a record lk_emit_record() writes as it is: a
 * canonical flat record whose values may also be flat objects one level
 * down ({"type":"undistributed",...,"sources":{"main":1}}); *type is its
 * type then (not NUL-terminated, tlen bytes).  lk_emit_line() writes a
 * line and its newline.
 */
int lk_line_canonical(const char *s, size_t len, const char **type, size_t *tlen);
void lk_emit_line(const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1 for ASCII), or 0 when invalid. */
size_t lk_utf8_len(const unsigned char *s, size_t avail);

/* Escapes s (len bytes) as a JSON string with quotes, onto fp. */
void lk_json_write_string(FILE *fp, const char *s, size_t len);

#endif
