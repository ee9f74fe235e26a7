/*
 * fetch.c - a source's bytes: http(s)/ftp, local files, imap (see fetch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "atomic.h"
#include "confine.h"
#include "err.h"
#include "exit.h"
#include "fetch.h"
#include "json-arena.h"
#include "lock.h"
#include "mime.h"
#include "util.h"
#include "version.h"

#define CHUNK (64 * 1024)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
lk_fetch_is_imap(const char *url)
{
	return url && (strncasecmp(url, "imap://", 7) == 0 || strncasecmp(url, "imaps://", 8) == 0);
}

static int
is_remote(const char *url)
{
	static const char *const schemes[] = { "http://", "https://", "ftp://", "ftps://" };
	size_t i;

	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			return 1;
	return 0;
}

static int
write_out(FILE *out, const void *p, size_t n, struct lk_fetch_stat *st)
{
	if (n && fwrite(p, 1, n, out) != n)
		return -1;
	st->written += (long long)n;
	return 0;
}

/* ---- local files ---- */

static int
copy_file(const char *path, FILE *out, struct lk_fetch_stat *st, long long max_size,
    struct stat *before, char *err, size_t errlen)
{
	char *buf;
	int fd, code = 0;
	ssize_t n;
	long long total = 0;
	struct stat sb;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seterr(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return errno == ENOENT ? LK_EX_NOINPUT : LK_EX_IOERR;
	}
	if (fstat(fd, &sb) == 0) {
		st->modified = sb.st_mtime;
		if (before)
			*before = sb;
	}
	buf = lk_xmalloc(CHUNK);
	for (;;) {
		n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			seterr(err, errlen, "cannot read '%s': %s", path, strerror(errno));
			code = LK_EX_IOERR;
			break;
		}
		if (n == 0)
			break;
		total += n;
		if (max_size > 0 && total > max_size) {
			seterr(err, errlen, "'%s' is larger than %lld bytes", path, max_size);
			code = LK_EX_UNAVAILABLE;
			break;
		}
		if (write_out(out, buf, (size_t)n, st) != 0) {
			seterr(err, errlen, "write error: %s", strerror(errno));
			code = LK_EX_IOERR;
			break;
		}
	}
	free(buf);
	close(fd);
	return code;
}

/* ---- the record of a source's last complete read (cache_dir/NAME.json) ---- */

static char *
cache_path(const struct lk_fetch_src *src, const char *ext)
{
	char *n = lk_xasprintf("%s.%s", src->name, ext), *p = lk_path_join(src->cache_dir, n);

	free(n);
	return p;
}

/* "SECONDS.NANOSECONDS", exact where a double would round. */
static json_t *
ts_json(const struct timespec *t)
{
	char buf[48];

	snprintf(buf, sizeof buf, "%lld.%09ld", (long long)t->tv_sec, t->tv_nsec);
	return json_string(buf);
}

/*
 * What tells one version of a local file from another without reading
 * it: a file replaced by rename has another inode, one rewritten in place
 * another mtime and ctime (nanoseconds), a touched one another mtime.
 */
static json_t *
file_identity(const char *url, const struct stat *sb)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:o, s:o}", "url", url,
	    "dev", (json_int_t)sb->st_dev, "ino", (json_int_t)sb->st_ino,
	    "size", (json_int_t)sb->st_size, "mtime", ts_json(&sb->st_mtim),
	    "ctime", ts_json(&sb->st_ctim));
}

/* Whether the record has every member of id, equal. */
static int
same_identity(const json_t *rec, const json_t *id)
{
	const char *k;
	json_t *v;

	if (!json_is_object(rec))
		return 0;
	json_object_foreach((json_t *)id, k, v)
		if (!json_equal(json_object_get(rec, k), v))
			return 0;
	return 1;
}

/* When the record's read was made ("at"); 0 unknown. */
static time_t
record_time(const json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "at"));
	time_t t;

	return s && lk_parse_time(s, &t) == 0 ? t : 0;
}

static void
write_record(const char *path, json_t *rec)
{
	char tbuf[21], *s;

	json_object_set_new(rec, "at", json_string(lk_fmt_time(lk_now(), tbuf)));
	s = json_dumps(rec, JSON_SORT_KEYS);
	if (s == NULL || lk_atomic_write(path, s, strlen(s)) != 0)
		lk_warn("cannot write the cache '%s'", path);
	lk_json_free(s);
}

/* Whether t is within 2 s of now or later: a change in the same tick could hide. */
static int
racy(const struct timespec *t, const struct timespec *now)
{
	return t->tv_sec + 2 > now->tv_sec;
}

/*
 * A local file.  With a cache_dir and a name its identity is recorded
 * after a complete read, unless it changed during the read or too
 * recently to be told from a change to come (the "racy" case of git's
 * index); with if_changed an unchanged identity is not read again.
 */
static int
fetch_file(const struct lk_fetch_src *src, const char *path, FILE *out,
    struct lk_fetch_stat *st, char *err, size_t errlen)
{
	struct stat sb, after;
	struct timespec t0;
	json_t *rec = NULL, *id;
	char *rec_path;
	int rc;

	if (src->cache_dir == NULL || src->name == NULL)
		return copy_file(path, out, st, src->http.max_size, NULL, err, errlen);
	rec_path = cache_path(src, "json");
	if (lk_confine_mkdirs(src->cache_dir) != 0) {
		seterr(err, errlen, "cannot create '%s': %s", src->cache_dir, strerror(errno));
		free(rec_path);
		return LK_EX_CANTCREAT;
	}
	if (src->if_changed && !src->no_cache && stat(path, &sb) == 0 &&
	    (rec = json_load_file(rec_path, 0, NULL)) != NULL) {
		id = file_identity(src->url, &sb);
		if (same_identity(rec, id)) {
			st->unchanged = 1;
			st->modified = sb.st_mtime;
			st->read_at = record_time(rec);
		}
		json_decref(id);
		json_decref(rec);
		if (st->unchanged) {
			free(rec_path);
			return 0;
		}
	}
	clock_gettime(CLOCK_REALTIME, &t0);
	memset(&sb, 0, sizeof sb);
	rc = copy_file(path, out, st, src->http.max_size, &sb, err, errlen);
	if (rc == 0) {
		id = file_identity(src->url, &sb);
		rec = stat(path, &after) == 0 ? file_identity(src->url, &after) : NULL;
		if (rec && json_equal(id, rec) && !racy(&sb.st_mtim, &t0) && !racy(&sb.st_ctim, &t0)) {
			write_record(rec_path, id);
		} else if (unlink(rec_path) == -1 && errno != ENOENT) {
			lk_warn("cannot remove '%s':", rec_path);
		}
		json_decref(id);
		json_decref(rec);
	}
	free(rec_path);
	return rc;
}

/* ---- http(s), ftp ---- */

/* A Last-Modified value as seconds since the epoch; 0 when absent or not a date. */
static time_t
http_date(const char *s)
{
	time_t t = s && *s ? curl_getdate(s, NULL) : -1;

	return t > 0 ? t : 0;
}

struct tee {
	FILE *out;
	struct lk_fetch_stat *st;
	struct lk_atomic *cache;    /* NULL when not caching */
	int cache_failed;
};

static int
tee_write(const void *p, size_t n, void *arg)
{
	struct tee *t = arg;

	if (write_out(t->out, p, n, t->st) != 0)
		return -1;
	if (t->cache && !t->cache_failed && fwrite(p, 1, n, t->cache->fp) != n)
		t->cache_failed = 1;
	return 0;
}

static char *
basic_auth(const char *user, const char *pass)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *raw = lk_xasprintf("%s:%s", user, pass ? pass : "");
	size_t n = strlen(raw), i, o = 0;
	char *h = lk_xmalloc(32 + 4 * (n / 3 + 1));

	o = (size_t)snprintf(h, 32, "Authorization: Basic ");
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)raw[i + 2];
		h[o++] = tbl[(v >> 18) & 63];
		h[o++] = tbl[(v >> 12) & 63];
		h[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		h[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	h[o] = '\0';
	explicit_bzero(raw, n);
	free(raw);
	return h;
}

static int
fetch_http(const struct lk_fetch_src *src, FILE *out, struct lk_fetch_stat *st,
    char *err, size_t errlen)
{
	struct lk_http_opts o = src->http;
	struct lk_http_resp resp;
	struct curl_slist *hl = NULL;
	struct lk_atomic cache;
	struct tee t;
	char *meta_path = NULL, *body_path = NULL, *auth = NULL;
	char etag[512] = "", lastmod[128] = "";
	json_t *meta = NULL;
	long long delivered = 0;
	int rc, caching = src->cache_dir && src->name;

	memset(&t, 0, sizeof t);
	t.out = out;
	t.st = st;
	if (caching) {
		char *n = lk_xasprintf("%s.json", src->name);
		meta_path = lk_path_join(src->cache_dir, n);
		free(n);
		n = lk_xasprintf("%s.body", src->name);
		body_path = lk_path_join(src->cache_dir, n);
		free(n);
		if (lk_confine_mkdirs(src->cache_dir) != 0) {
			seterr(err, errlen, "cannot create '%s': %s", src->cache_dir, strerror(errno));
			rc = LK_EX_CANTCREAT;
			goto out;
		}
		meta = json_load_file(meta_path, 0, NULL);
		if (meta && !src->no_cache && (src->if_changed || access(body_path, R_OK) == 0) &&
		    json_is_string(json_object_get(meta, "url")) &&
		    strcmp(json_string_value(json_object_get(meta, "url")), src->url) == 0) {
			const char *v = json_string_value(json_object_get(meta, "etag"));
			if (v && strlen(v) < sizeof etag)
				snprintf(etag, sizeof etag, "%s", v);
			v = json_string_value(json_object_get(meta, "last_modified"));
			if (v && strlen(v) < sizeof lastmod)
				snprintf(lastmod, sizeof lastmod, "%s", v);
		}
		if (lk_atomic_open(&cache, body_path) != 0) {
			seterr(err, errlen, "cannot create '%s': %s", body_path, strerror(errno));
			rc = LK_EX_CANTCREAT;
			goto out;
		}
		t.cache = &cache;
	}
	if (src->user && *src->user) {
		auth = basic_auth(src->user, src->password);
		hl = curl_slist_append(hl, auth);
	}
	rc = lk_http_stream(src->url, hl, etag, lastmod, &o, tee_write, &t, &resp, &delivered);
	st->status = resp.status;
	if (rc != 0) {
		seterr(err, errlen, "%s", resp.error);
		if (t.cache)
			lk_atomic_abort(&cache);
		goto out_resp;
	}
	if (resp.status == 304) {
		if (t.cache)
			lk_atomic_abort(&cache);
		if (!caching || (etag[0] == '\0' && lastmod[0] == '\0')) {
			seterr(err, errlen, "%s: HTTP 304 for an unconditional request", src->name ? src->name : "source");
			rc = LK_EX_UNAVAILABLE;
			goto out_resp;
		}
		/* The bytes are those of the recorded download: so is their time. */
		st->read_at = record_time(meta);
		st->modified = lastmod[0] ? http_date(lastmod) : st->read_at;
		if (src->if_changed) {
			st->unchanged = 1;
			rc = 0;
			goto out_resp;
		}
		st->from_cache = 1;
		{
			time_t m = st->modified;

			rc = copy_file(body_path, out, st, 0, NULL, err, errlen);
			st->modified = m;
		}
		if (rc == LK_EX_NOINPUT)
			rc = LK_EX_TEMPFAIL;
		goto out_resp;
	}
	{
		char lm[128];
		st->modified = http_date(lk_http_header(&resp, "Last-Modified", lm, sizeof lm));
	}
	if (t.cache) {
		/* Complete: body first, then the validators that describe it. */
		char buf[512];
		const char *et = lk_http_header(&resp, "ETag", buf, sizeof buf);
		char tbuf[21];
		json_t *m;

		if (t.cache_failed) {
			lk_atomic_abort(&cache);
			lk_warn("cannot write the cache '%s'", body_path);
			goto out_resp;
		}
		unlink(meta_path);
		if (lk_atomic_commit(&cache) != 0) {
			lk_warn("cannot write the cache '%s':", body_path);
			goto out_resp;
		}
		m = json_object();
		json_object_set_new(m, "url", json_string(src->url));
		if (et)
			json_object_set_new(m, "etag", json_string(et));
		et = lk_http_header(&resp, "Last-Modified", buf, sizeof buf);
		if (et)
			json_object_set_new(m, "last_modified", json_string(et));
		json_object_set_new(m, "size", json_integer(delivered));
		json_object_set_new(m, "at", json_string(lk_fmt_time(lk_now(), tbuf)));
		{
			char *s = json_dumps(m, JSON_SORT_KEYS);
			if (s == NULL || lk_atomic_write(meta_path, s, strlen(s)) != 0)
				lk_warn("cannot write the cache '%s'", meta_path);
			lk_json_free(s);
		}
		json_decref(m);
	}
out_resp:
	lk_http_resp_free(&resp);
out:
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	curl_slist_free_all(hl);
	json_decref(meta);
	free(meta_path);
	free(body_path);
	return rc;
}

/* ---- imap ---- */

struct membuf {
	char *p;
	size_t len, cap;
	long long max;
	int over;
};

static size_t
mem_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct membuf *m = arg;
	size_t n = size * nmemb;

	if (m->max > 0 && (long long)(m->len + n) > m->max) {
		m->over = 1;
		return 0;
	}
	if (m->len + n + 1 > m->cap) {
		size_t nc = m->cap ? m->cap : 4096;
		while (nc < m->len + n + 1)
			nc *= 2;
		m->p = lk_xrealloc(m->p, nc);
		m->cap = nc;
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	m->p[m->len] = '\0';
	return n;
}

/* Appends an IMAP quoted string; -1 when s cannot be quoted (CR, LF). */
static int
imap_quote(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 >= cap)
		return -1;
	dst[n++] = '"';
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n' || n + 3 >= cap)
			return -1;
		if (*s == '"' || *s == '\\')
			dst[n++] = '\\';
		dst[n++] = *s;
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return 0;
}

static int
ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int
imap_perform(const struct lk_fetch_src *src, const char *url, const char *custom,
    struct membuf *m, char *err, size_t errlen)
{
	const struct lk_http_opts *o = &src->http;
	char errbuf[CURL_ERROR_SIZE], where[512];
	CURL *c;
	CURLcode rc;

	lk_http_global_init();
	lk_http_redact_url(url, where, sizeof where);
	if (src->password && lk_http_cleartext_remote(url, errbuf, sizeof errbuf)) {
		snprintf(err, errlen, "%s: refused: the password would go in clear text to '%s' "
		    "(use imaps; plain imap only to a loopback address)", where, errbuf);
		return LK_EX_CONFIG;
	}
	c = curl_easy_init();
	if (c == NULL)
		lk_die(LK_EX_SOFTWARE, "cannot create a libcurl handle");
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 300000L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (src->user)
		curl_easy_setopt(c, CURLOPT_USERNAME, src->user);
	if (src->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, src->password);
	if (custom)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, custom);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	if (m->over) {
		seterr(err, errlen, "%s: message larger than %lld bytes", where, m->max);
		return LK_EX_UNAVAILABLE;
	}
	if (rc != CURLE_OK) {
		seterr(err, errlen, "%s: %s", where, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		switch (rc) {
		case CURLE_LOGIN_DENIED:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_REMOTE_ACCESS_DENIED:
			return LK_EX_UNAVAILABLE;
		case CURLE_URL_MALFORMAT:
		case CURLE_UNSUPPORTED_PROTOCOL:
			return LK_EX_CONFIG;
		default:
			return LK_EX_TEMPFAIL;
		}
	}
	return 0;
}

/* Appends s to the IMAP command in buf, cut at its size. */
static void
append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n, "%s", s);
}

static int
fetch_imap(const struct lk_fetch_src *src, FILE *out, struct lk_fetch_stat *st,
    char *err, size_t errlen)
{
	struct membuf m;
	char cmd[1024] = "UID SEARCH", where[512];
	char *url = NULL, *att = NULL, *name = NULL;
	unsigned long long uid = 0;
	const char *p;
	size_t attlen;
	int rc;

	lk_http_redact_url(src->url, where, sizeof where);
	memset(&m, 0, sizeof m);
	m.max = 1024 * 1024;
	if (!ascii(src->imap_subject) || !ascii(src->imap_from))
		append(cmd, sizeof cmd, " CHARSET UTF-8");
	if (src->imap_subject && *src->imap_subject) {
		append(cmd, sizeof cmd, " SUBJECT ");
		if (imap_quote(cmd, sizeof cmd, src->imap_subject) != 0)
			goto badq;
	}
	if (src->imap_from && *src->imap_from) {
		append(cmd, sizeof cmd, " FROM ");
		if (imap_quote(cmd, sizeof cmd, src->imap_from) != 0)
			goto badq;
	}
	if (strcmp(cmd, "UID SEARCH") == 0)
		append(cmd, sizeof cmd, " ALL");
	rc = imap_perform(src, src->url, cmd, &m, err, errlen);
	if (rc != 0)
		goto out;
	/* "* SEARCH 3 7 12": the highest UID is the newest message. */
	for (p = m.p ? m.p : ""; (p = strstr(p, "* SEARCH")) != NULL; ) {
		p += 8;
		while (*p == ' ' || (*p >= '0' && *p <= '9')) {
			if (*p == ' ') {
				p++;
				continue;
			}
			{
				char *end;
				unsigned long long v = strtoull(p, &end, 10);
				if (v > uid)
					uid = v;
				p = end;
			}
		}
	}
	free(m.p);
	memset(&m, 0, sizeof m);
	if (uid == 0) {
		seterr(err, errlen, "%s: no message matches", where);
		rc = LK_EX_TEMPFAIL;
		goto out;
	}
	{
		size_t l = strlen(src->url);
		url = lk_xasprintf("%s%s;UID=%llu", src->url,
		    l && src->url[l - 1] == '/' ? "" : "/", uid);
	}
	m.max = src->http.max_size > 0 ? src->http.max_size : 64LL * 1024 * 1024;
	rc = imap_perform(src, url, NULL, &m, err, errlen);
	if (rc != 0)
		goto out;
	if (m.p == NULL || lk_mime_attachment(m.p, m.len, src->attachment, &att, &attlen, &name) != 0) {
		seterr(err, errlen, "%s: message UID %llu has no attachment%s%s", where, uid,
		    src->attachment ? " matching " : "", src->attachment ? src->attachment : "");
		rc = LK_EX_DATAERR;
		goto out;
	}
	lk_debug("%s: message UID %llu, attachment '%s', %zu bytes", where, uid, name, attlen);
	if (write_out(out, att, attlen, st) != 0) {
		seterr(err, errlen, "write error: %s", strerror(errno));
		rc = LK_EX_IOERR;
	}
	goto out;
badq:
	seterr(err, errlen, "%s: the subject or sender cannot contain line breaks", where);
	rc = LK_EX_CONFIG;
out:
	free(m.p);
	free(url);
	free(att);
	free(name);
	return rc;
}

int
lk_fetch_run(const struct lk_fetch_src *src, FILE *out,
    struct lk_fetch_stat *st, char *err, size_t errlen)
{
	const char *url = src->url;

	memset(st, 0, sizeof *st);
	err[0] = '\0';
	if (url == NULL || *url == '\0') {
		seterr(err, errlen, "no url");
		return LK_EX_CONFIG;
	}
	if (lk_fetch_is_imap(url))
		return fetch_imap(src, out, st, err, errlen);
	if (is_remote(url))
		return fetch_http(src, out, st, err, errlen);
	if (strncasecmp(url, "file://", 7) == 0) {
		url += 7;
		if (strncasecmp(url, "localhost/", 10) == 0)
			url += 9;
		if (*url != '/') {
			seterr(err, errlen, "file URL must be absolute: %s", src->url);
			return LK_EX_CONFIG;
		}
	} else if (strstr(url, "://")) {
		seterr(err, errlen, "unsupported URL scheme: %.*s", (int)(strstr(url, "://") - url), url);
		return LK_EX_CONFIG;
	}
	return fetch_file(src, url, out, st, err, errlen);
}
