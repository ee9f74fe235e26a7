/*
 * mime.c - the attachment of an e-mail message (see mime.h).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "util.h"

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

size_t
lk_mime_base64(const char *in, size_t len, char *out)
{
	unsigned long acc = 0;
	int bits = 0;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)in[i]);
		if (in[i] == '=')
			break;
		if (v < 0)
			continue;       /* line breaks, spaces */
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	return n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static size_t
qp_decode(const char *in, size_t len, char *out, int header)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '=' && i + 1 < len && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
			/* soft line break */
			i++;
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
				i++;
		} else if (in[i] == '=' && i + 2 < len && hexval((unsigned char)in[i + 1]) >= 0 &&
		    hexval((unsigned char)in[i + 2]) >= 0) {
			out[n++] = (char)(hexval((unsigned char)in[i + 1]) * 16 +
			    hexval((unsigned char)in[i + 2]));
			i += 2;
		} else if (header && in[i] == '_') {
			out[n++] = ' ';
		} else {
			out[n++] = in[i];
		}
	}
	return n;
}

size_t
lk_mime_qp(const char *in, size_t len, char *out)
{
	return qp_decode(in, len, out, 0);
}

/* ---- headers ---- */

/* End of the header block of [p, e): the body's start. */
static const char *
header_end(const char *p, const char *e, const char **body)
{
	const char *q;

	for (q = p; q < e; q++) {
		if (*q != '\n')
			continue;
		if (q + 1 < e && q[1] == '\n') {
			*body = q + 2;
			return q + 1;
		}
		if (q + 2 < e && q[1] == '\r' && q[2] == '\n') {
			*body = q + 3;
			return q + 1;
		}
	}
	if (p < e && (*p == '\n' || (*p == '\r' && p + 1 < e && p[1] == '\n'))) {
		*body = *p == '\n' ? p + 1 : p + 2;
		return p;
	}
	*body = e;
	return e;
}

/* The unfolded value of header name in [p, e), a new string, or NULL. */
static char *
header_get(const char *p, const char *e, const char *name)
{
	size_t nl = strlen(name);

	while (p < e) {
		const char *eol = memchr(p, '\n', (size_t)(e - p));
		if (eol == NULL)
			eol = e;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			char *v = lk_xmalloc((size_t)(e - p) + 1);
			size_t n = 0;
			const char *q = p + nl + 1;

			for (;;) {
				for (; q < eol; q++)
					if (*q != '\r')
						v[n++] = *q;
				if (eol + 1 < e && (eol[1] == ' ' || eol[1] == '\t')) {
					q = eol + 1;
					eol = memchr(q, '\n', (size_t)(e - q));
					if (eol == NULL)
						eol = e;
					continue;
				}
				break;
			}
			v[n] = '\0';
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

/* Decodes RFC 2047 encoded words in s, in place (charset kept as is). */
static void
decode_words(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		char *q1, *q2, *end;
		if (r[0] == '=' && r[1] == '?' && (q1 = strchr(r + 2, '?')) && q1[1] &&
		    q1[2] == '?' && (end = strstr(q1 + 3, "?=")) != NULL) {
			int enc = toupper((unsigned char)q1[1]);
			q2 = q1 + 3;
			if (enc == 'B')
				w += lk_mime_base64(q2, (size_t)(end - q2), w);
			else
				w += qp_decode(q2, (size_t)(end - q2), w, 1);
			r = end + 2;
			/* whitespace between two encoded words is dropped */
			{
				char *t = r;
				while (*t == ' ' || *t == '\t')
					t++;
				if (t[0] == '=' && t[1] == '?')
					r = t;
			}
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Decodes RFC 2231 charset'lang'pct-encoded, in place. */
static void
decode_2231(char *s)
{
	char *p = strchr(s, '\''), *w = s;

	if (p == NULL || (p = strchr(p + 1, '\'')) == NULL)
		return;
	for (p++; *p; p++) {
		if (*p == '%' && hexval((unsigned char)p[1]) >= 0 && hexval((unsigned char)p[2]) >= 0) {
			*w++ = (char)(hexval((unsigned char)p[1]) * 16 + hexval((unsigned char)p[2]));
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

/* Parameter key of a header value ("text/csv; name=\"a.csv\""), a new string. */
static char *
param_get(const char *v, const char *key)
{
	size_t kl = strlen(key);
	const char *p = strchr(v, ';');

	while (p) {
		const char *k, *val;
		int ext = 0;
		size_t n;
		char *out;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		k = p;
		if (strncasecmp(k, key, kl) != 0 ||
		    !(k[kl] == '=' || (k[kl] == '*' && (k[kl + 1] == '=' || k[kl + 1] == '0')))) {
			/* skip this parameter, honouring quotes */
			int inq = 0;
			for (; *p && (inq || *p != ';'); p++) {
				if (*p == '"')
					inq = !inq;
				else if (*p == '\\' && inq && p[1])
					p++;
			}
			p = *p ? p : NULL;
			continue;
		}
		if (k[kl] == '*') {
			ext = 1;
			val = strchr(k + kl, '=');
			if (val == NULL)
				return NULL;
			val++;
		} else {
			val = k + kl + 1;
		}
		out = lk_xmalloc(strlen(val) + 1);
		n = 0;
		if (*val == '"') {
			for (val++; *val && *val != '"'; val++) {
				if (*val == '\\' && val[1])
					val++;
				out[n++] = *val;
			}
		} else {
			for (; *val && *val != ';' && *val != ' ' && *val != '\t'; val++)
				out[n++] = *val;
		}
		out[n] = '\0';
		if (ext && strncasecmp(k + kl, "*=", 2) == 0)
			decode_2231(out);
		else if (ext)
			decode_2231(out);
		else
			decode_words(out);
		return out;
	}
	return NULL;
}

/* ---- the MIME tree ---- */

struct found {
	const char *glob;
	char *out;
	size_t outlen;
	char *name;
};

static int walk(const char *p, const char *e, struct found *f, int depth);

static int
walk_multipart(const char *body, const char *e, const char *boundary, struct found *f, int depth)
{
	size_t bl = strlen(boundary);
	const char *p = body, *start = NULL;

	while (p < e) {
		const char *eol = memchr(p, '\n', (size_t)(e - p));
		const char *next = eol ? eol + 1 : e;

		if ((size_t)(e - p) >= bl + 2 && p[0] == '-' && p[1] == '-' &&
		    memcmp(p + 2, boundary, bl) == 0) {
			int last = (size_t)(e - p) >= bl + 4 && p[bl + 2] == '-' && p[bl + 3] == '-';
			if (start) {
				/* the part ends before the line break preceding the delimiter */
				const char *pe = p;
				if (pe > start && pe[-1] == '\n')
					pe--;
				if (pe > start && pe[-1] == '\r')
					pe--;
				if (walk(start, pe, f, depth + 1) == 0)
					return 0;
			}
			if (last)
				return -1;
			start = next;
		}
		p = next;
	}
	return -1;
}

static int
walk(const char *p, const char *e, struct found *f, int depth)
{
	const char *body, *he;
	char *ctype, *disp, *cte, *name = NULL;
	int r = -1;

	if (depth > 20)
		return -1;
	he = header_end(p, e, &body);
	ctype = header_get(p, he, "Content-Type");
	disp = header_get(p, he, "Content-Disposition");
	if (ctype && strncasecmp(ctype + strspn(ctype, " \t"), "multipart/", 10) == 0) {
		char *b = param_get(ctype, "boundary");
		if (b && *b)
			r = walk_multipart(body, e, b, f, depth);
		free(b);
		goto done;
	}
	if (ctype && strncasecmp(ctype + strspn(ctype, " \t"), "message/rfc822", 14) == 0) {
		r = walk(body, e, f, depth + 1);
		goto done;
	}
	if (disp)
		name = param_get(disp, "filename");
	if (name == NULL && ctype)
		name = param_get(ctype, "name");
	if (name == NULL || (f->glob && fnmatch(f->glob, name, FNM_CASEFOLD) != 0))
		goto done;
	cte = header_get(p, he, "Content-Transfer-Encoding");
	{
		const char *c = cte ? cte + strspn(cte, " \t") : "";
		size_t n = (size_t)(e - body);

		f->out = lk_xmalloc(n + 1);
		if (strncasecmp(c, "base64", 6) == 0)
			f->outlen = lk_mime_base64(body, n, f->out);
		else if (strncasecmp(c, "quoted-printable", 16) == 0)
			f->outlen = lk_mime_qp(body, n, f->out);
		else {
			memcpy(f->out, body, n);
			f->outlen = n;
		}
		f->out[f->outlen] = '\0';
	}
	free(cte);
	f->name = name;
	name = NULL;
	r = 0;
done:
	free(name);
	free(ctype);
	free(disp);
	return r;
}

int
lk_mime_attachment(const char *msg, size_t len, const char *glob,
    char **out, size_t *outlen, char **name)
{
	struct found f;

	memset(&f, 0, sizeof f);
	f.glob = glob && *glob ? glob : NULL;
	if (walk(msg, msg + len, &f, 0) != 0)
		return -1;
	*out = f.out;
	*outlen = f.outlen;
	if (name)
		*name = f.name;
	else
		free(f.name);
	return 0;
}
