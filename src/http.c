/*
 * http.c - libcurl with lk's reliability rules (see http.h).
 *
 * One engine, do_transfer(), runs a request with retries; the in-memory
 * form collects the body, the streaming form hands 2xx bodies to the
 * caller.  Retry policy follows curl's --retry: timeouts, connection
 * failures after connect, 408/420/429/5xx; Retry-After (or Wildberries'
 * X-Ratelimit-Retry) wins over the exponential backoff; the total wait
 * never passes retry_max_time_ms.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "exit.h"
#include "http.h"
#include "util.h"
#include "version.h"

#define MAX_BACKOFF_MS 60000L
#define DEF_REQUEST_MAX (64LL * 1024 * 1024)
#define MAX_ERRBODY 4096

static int curl_ready;

static void set_error(struct lk_http_resp *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct lk_http_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
}

static CURLSH *shared;    /* connections and DNS, kept between requests */
/*
 * The one easy handle of every request: a new one per request costs its
 * setup and its own multi handle again (a listing sends ~1,000 requests).
 * Its options are reset before each attempt.
 */
static CURL *easy;

void
lk_http_global_init(void)
{
	if (curl_ready)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		lk_die(LK_EX_SOFTWARE, "cannot initialise libcurl");
	/*
	 * One connection cache for every request of the process, so a run of
	 * batches keeps its connection open instead of a TCP and TLS handshake
	 * per request.  lk is single-threaded: no lock functions are needed.
	 */
	shared = curl_share_init();
	if (shared) {
		curl_share_setopt(shared, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
		curl_share_setopt(shared, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	}
	curl_ready = 1;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
}

const char *
lk_http_redact_url(const char *url, char *buf, size_t len)
{
	const char *p, *host, *at, *end;
	size_t n = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (url == NULL)
		return buf;
	p = strstr(url, "://");
	host = p ? p + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	/* scheme:// */
	if (p) {
		n = (size_t)(host - url);
		if (n >= len)
			n = len - 1;
		memcpy(buf, url, n);
	}
	if (at)
		host = at + 1;
	{
		size_t rest = strcspn(host, "?#");
		if (n + rest >= len)
			rest = len - 1 - n;
		memcpy(buf + n, host, rest);
		n += rest;
	}
	buf[n] = '\0';
	return buf;
}

int
lk_http_secret_header(const char *name, size_t len)
{
	const char *p = LK_HTTP_SECRET_HEADERS, *e;

	while (*p) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == len && strncasecmp(p, name, len) == 0)
			return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static int
loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char h[256];
	size_t n = strlen(host);

	if (n >= sizeof h)
		return 0;
	/* IPv6 literals come bracketed; a trailing dot is the same name. */
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
	} else {
		memcpy(h, host, n + 1);
		if (n > 1 && h[n - 1] == '.')
			h[n - 1] = '\0';
	}
	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
lk_http_cleartext_remote(const char *url, char *host, size_t hostlen)
{
	static const char *const tls[] = { "https", "ftps", "imaps", "pop3s", "smtps",
		"ldaps", "sftp", "scp", "wss", "file", NULL };
	CURLU *u;
	char *scheme = NULL, *h = NULL;
	size_t i;
	int bad = 0;

	if (url == NULL || strstr(url, "://") == NULL)
		return 0;       /* a local path */
	if ((u = curl_url()) == NULL)
		lk_die(LK_EX_SOFTWARE, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		bad = 1;
		for (i = 0; tls[i]; i++)
			if (strcasecmp(scheme, tls[i]) == 0)
				bad = 0;
		if (bad && loopback(h))
			bad = 0;
		if (bad)
			snprintf(host, hostlen, "%s", h);
	} else if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "file://", 7) != 0) {
		/* Unparsable: not provably safe. */
		bad = 1;
		snprintf(host, hostlen, "%s", "?");
	}
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return bad;
}

/* Whether url carries a password in its userinfo (curl sends it as basic auth). */
static int
url_has_password(const char *url)
{
	CURLU *u = curl_url();
	char *pw = NULL;
	int has;

	if (u == NULL)
		lk_die(LK_EX_SOFTWARE, "out of memory");
	has = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK && pw && *pw;
	curl_free(pw);
	curl_url_cleanup(u);
	return has;
}

/* ---- one attempt's state ---- */

struct xfer {
	CURL *c;
	int stream;                 /* deliver 2xx bodies to fn */
	lk_http_write_fn fn;
	void *arg;
	long long max_size;
	long long delivered;        /* bytes given to fn (over all attempts) */
	int oversize;
	int write_failed;
	/* the in-memory body or the error body of a streamed request */
	char *body;
	size_t len, cap, body_max;
	char *hdr;
	size_t hlen, hcap;
	long status;                /* of the response being received */
};

static void
buf_add(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap : 1024;
		while (nc < *len + n + 1)
			nc *= 2;
		*b = lk_xrealloc(*b, nc);
		*cap = nc;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	(*b)[*len] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *vx)
{
	struct xfer *x = vx;
	size_t n = size * nmemb;

	/* A new status line starts a new response (redirect, 100, retry). */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->hlen = 0;
		if (x->hdr)
			x->hdr[0] = '\0';
		x->status = 0;
		{
			const char *sp = memchr(p, ' ', n);
			if (sp && (size_t)(sp - p) + 4 <= n &&
			    isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
			    isdigit((unsigned char)sp[3]))
				x->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
		}
	}
	if (x->hlen + n <= 256 * 1024)
		buf_add(&x->hdr, &x->hlen, &x->hcap, p, n);
	return n;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *vx)
{
	struct xfer *x = vx;
	size_t n = size * nmemb;
	long code = x->status;

	if (code == 0)          /* ftp, file: no status line */
		code = 200;
	if (x->stream && code >= 200 && code < 300) {
		if (x->max_size > 0 && x->delivered + (long long)n > x->max_size) {
			x->oversize = 1;
			return 0;
		}
		if (x->fn(p, n, x->arg) != 0) {
			x->write_failed = 1;
			return 0;
		}
		x->delivered += (long long)n;
		return n;
	}
	/* In memory: the whole body (request) or a bounded error body (stream). */
	if (!x->stream && x->max_size > 0 && (long long)(x->len + n) > x->max_size) {
		x->oversize = 1;
		return 0;
	}
	if (x->stream) {
		if (x->len < MAX_ERRBODY)
			buf_add(&x->body, &x->len, &x->cap, p,
			    n < MAX_ERRBODY - x->len ? n : MAX_ERRBODY - x->len);
		return n;
	}
	buf_add(&x->body, &x->len, &x->cap, p, n);
	return n;
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

static int
transient_status(long s)
{
	return s == 408 || s == 420 || s == 429 || s == 500 || s == 502 ||
	    s == 503 || s == 504 || s == 522 || s == 524;
}

static int
transient_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* The exit code for a curl failure that is not retried (or no longer). */
static int
curl_exit(CURLcode rc)
{
	switch (rc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return LK_EX_CONFIG;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_REMOTE_FILE_NOT_FOUND:
		return LK_EX_UNAVAILABLE;
	case CURLE_WRITE_ERROR:
		return LK_EX_IOERR;
	case CURLE_OUT_OF_MEMORY:
		return LK_EX_SOFTWARE;
	default:
		return LK_EX_TEMPFAIL;
	}
}

/* Seconds from X-Ratelimit-Retry (may be decimal, the double scales it); -1 if absent. */
static long
header_retry_ms(const struct xfer *x, const char *name)
{
	struct lk_http_resp r;
	char v[64];
	char *end;
	double d;

	memset(&r, 0, sizeof r);
	r.headers = x->hdr;
	if (lk_http_header(&r, name, v, sizeof v) == NULL)
		return -1;
	d = strtod(v, &end);
	if (end == v || d < 0 || d > 86400)
		return -1;
	return (long)(d * 1000.0 + 0.5);
}

static void
fill_defaults(struct lk_http_opts *o, int stream)
{
	if (o->connect_timeout_ms <= 0)
		o->connect_timeout_ms = 10000;
	if (o->timeout_ms <= 0)
		o->timeout_ms = stream ? 600000 : 60000;
	if (!stream && o->max_size <= 0)
		o->max_size = DEF_REQUEST_MAX;
	if (o->retries == 0)
		o->retries = 5;
	if (o->retries < 0)
		o->retries = 0;
	if (o->retry_delay_ms <= 0)
		o->retry_delay_ms = 1000;
	if (o->retry_max_time_ms <= 0)
		o->retry_max_time_ms = 300000;
	if (o->max_redirs <= 0)
		o->max_redirs = 5;
}

static int
do_transfer(const char *method, const char *url, struct curl_slist *headers,
    const char *body, size_t body_len, const char *etag, const char *lastmod,
    struct lk_http_opts *o, struct xfer *x, struct lk_http_resp *resp)
{
	struct curl_slist *hl = NULL, *h;
	char errbuf[CURL_ERROR_SIZE], where[512], ua[64], tmp[512];
	struct timespec t0;
	long waited = 0, backoff;
	int attempt, result = LK_EX_TEMPFAIL, secret = 0;

	lk_http_global_init();
	lk_http_redact_url(url, where, sizeof where);
	for (h = headers; h; h = h->next)
		if (strchr(h->data, ':') &&
		    lk_http_secret_header(h->data, (size_t)(strchr(h->data, ':') - h->data)))
			secret = 1;
	if (!secret)
		secret = url_has_password(url);
	if (secret && lk_http_cleartext_remote(url, tmp, sizeof tmp)) {
		set_error(resp, "%s: refused: credentials would go in clear text to '%s' "
		    "(use https; plain http only to a loopback address)", where, tmp);
		return LK_EX_CONFIG;
	}
	if (easy == NULL && (easy = curl_easy_init()) == NULL)
		lk_die(LK_EX_SOFTWARE, "cannot create a libcurl handle");
	x->c = easy;
	for (h = headers; h; h = h->next)
		hl = curl_slist_append(hl, h->data);
	if (etag && *etag) {
		snprintf(tmp, sizeof tmp, "If-None-Match: %s", etag);
		hl = curl_slist_append(hl, tmp);
	}
	if (lastmod && *lastmod) {
		snprintf(tmp, sizeof tmp, "If-Modified-Since: %s", lastmod);
		hl = curl_slist_append(hl, tmp);
	}
	if (body && !x->stream) {
		int has_ct = 0;
		for (h = headers; h; h = h->next)
			if (strncasecmp(h->data, "Content-Type:", 13) == 0)
				has_ct = 1;
		if (!has_ct)
			hl = curl_slist_append(hl, "Content-Type: application/json");
		hl = curl_slist_append(hl, "Expect:");
	}
	snprintf(ua, sizeof ua, "lk/%s", LK_VERSION);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	backoff = o->retry_delay_ms;
	for (attempt = 0;; attempt++) {
		CURL *c = x->c;
		CURLcode rc;
		long status = 0, wait_ms = -1;
		char why[300];

		curl_easy_reset(c);
		errbuf[0] = '\0';
		x->len = 0;
		x->hlen = 0;
		x->status = 0;
		if (x->body)
			x->body[0] = '\0';
		if (x->hdr)
			x->hdr[0] = '\0';
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (shared)
			curl_easy_setopt(c, CURLOPT_SHARE, shared);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
		/* A stalled peer: under 1 byte/s for 30 s (or the whole timeout). */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
		    o->timeout_ms / 1000 < 30 ? (o->timeout_ms + 999) / 1000 : 30L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		if (o->ca_file && *o->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)o->max_redirs);
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
		if (secret) {
			/* A redirect must not carry a secret header from https to plain http. */
			curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
			curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
			    strncasecmp(url, "https:", 6) == 0 ? "https" : "http,https");
		} else if (x->stream) {
			curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps");
			curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
			if (o->max_size > 0)
				curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
		} else {
			curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
			curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		}
		if (strcmp(method, "GET") != 0) {
			if (body) {
				curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
				curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
			}
			if (strcmp(method, "POST") != 0 || !body)
				curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		}

		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		resp->status = status;

		if (x->write_failed) {
			set_error(resp, "%s: cannot write the body", where);
			result = LK_EX_IOERR;
			break;
		}
		if (x->oversize || rc == CURLE_FILESIZE_EXCEEDED) {
			set_error(resp, "%s: response larger than %lld bytes",
			    where, o->max_size);
			result = LK_EX_UNAVAILABLE;
			break;
		}
		if (rc != CURLE_OK) {
			snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
			if (x->stream && x->delivered > 0) {
				set_error(resp,
				    "%s: transfer failed after %lld bytes: %s", where, x->delivered, why);
				result = LK_EX_TEMPFAIL;
				break;
			}
			if (!transient_curl(rc)) {
				set_error(resp, "%s: %s", where, why);
				result = curl_exit(rc);
				break;
			}
		} else if (transient_status(status)) {
			curl_off_t ra = -1;
			snprintf(why, sizeof why, "HTTP %ld", status);
			if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
				wait_ms = (long)(ra > 86400 ? 86400 : ra) * 1000;
			if (wait_ms < 0)
				wait_ms = header_retry_ms(x, "X-Ratelimit-Retry");
			if (status == 429 || status == 420)
				o->n_throttled++;
		} else {
			result = 0;
			break;
		}

		/* A transient failure: retry, or give up with 75. */
		if (wait_ms < 0) {
			long j = backoff / 4;
			wait_ms = backoff + (j > 0 ? (long)(random() % (2 * j + 1)) - j : 0);
			backoff = backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
		}
		if (attempt >= o->retries ||
		    elapsed_ms(&t0) + waited + wait_ms > o->retry_max_time_ms) {
			set_error(resp, "%s: %s%s", where, why,
			    attempt < o->retries ? " (retry wait past the time limit)" :
			    attempt > 0 ? " (retries used up)" : "");
			result = LK_EX_TEMPFAIL;
			break;
		}
		if (!o->quiet)
			lk_warn("%s: %s; retrying in %ld ms (%d of %d)", where, why, wait_ms,
			    attempt + 1, o->retries);
		o->n_retries++;
		lk_sleep_ms(wait_ms);
		waited += wait_ms;
	}
	if (result == LK_EX_TEMPFAIL && resp->error[0] == '\0')
		set_error(resp, "%s: failed", where);
	/* nothing of this request stays set: errbuf and hl die here */
	curl_easy_reset(x->c);
	x->c = NULL;
	curl_slist_free_all(hl);
	resp->headers = x->hdr;
	resp->body = x->len ? x->body : (free(x->body), NULL);
	resp->len = x->len;
	x->hdr = NULL;
	x->body = NULL;
	return result;
}

int
lk_http_request(const char *method, const char *url, struct curl_slist *headers,
    const char *body, size_t body_len, struct lk_http_opts *opts, struct lk_http_resp *resp)
{
	struct lk_http_opts local;
	struct xfer x;

	memset(resp, 0, sizeof *resp);
	memset(&x, 0, sizeof x);
	if (opts == NULL) {
		memset(&local, 0, sizeof local);
		opts = &local;
	}
	fill_defaults(opts, 0);
	x.max_size = opts->max_size;
	return do_transfer(method ? method : "GET", url, headers, body, body_len,
	    NULL, NULL, opts, &x, resp);
}

int
lk_http_stream(const char *url, struct curl_slist *headers,
    const char *etag, const char *last_modified, struct lk_http_opts *opts,
    lk_http_write_fn fn, void *arg, struct lk_http_resp *resp, long long *delivered)
{
	struct lk_http_opts local;
	struct xfer x;
	char where[512];
	int rc;

	memset(resp, 0, sizeof *resp);
	memset(&x, 0, sizeof x);
	if (opts == NULL) {
		memset(&local, 0, sizeof local);
		opts = &local;
	}
	fill_defaults(opts, 1);
	x.stream = 1;
	x.fn = fn;
	x.arg = arg;
	x.max_size = opts->max_size;
	rc = do_transfer("GET", url, headers, NULL, 0, etag, last_modified, opts, &x, resp);
	if (delivered)
		*delivered = x.delivered;
	if (rc != 0)
		return rc;
	if (resp->status == 0 || (resp->status >= 200 && resp->status < 300) ||
	    resp->status == 304)
		return 0;
	lk_http_redact_url(url, where, sizeof where);
	set_error(resp, "%s: HTTP %ld", where, resp->status);
	return resp->status >= 300 && resp->status < 400 ? LK_EX_UNAVAILABLE :
	    resp->status >= 500 ? LK_EX_TEMPFAIL : LK_EX_UNAVAILABLE;
}

void
lk_http_resp_free(struct lk_http_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	free(resp->headers);
	resp->body = NULL;
	resp->headers = NULL;
	resp->len = 0;
}

const char *
lk_http_header(const struct lk_http_resp *resp, const char *name, char *buf, size_t len)
{
	const char *p;
	size_t nl = strlen(name);

	if (resp == NULL || resp->headers == NULL || len == 0)
		return NULL;
	for (p = resp->headers; *p; ) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);

		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = p + ll;
			size_t n;

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			n = (size_t)(e - v);
			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}
