/*
 * http.h - HTTP(S) requests through libcurl, with lk's reliability rules.
 *
 * One lk_http_request() call sends a request and collects the response in
 * memory (API calls; bodies are small), retrying what is transient:
 * timeouts, connection failures after connect, 5xx, 429 and Yandex
 * Market's 420.  A retry waits as the server says (Retry-After, or
 * Wildberries' X-Ratelimit-Retry), else backs off exponentially from
 * retry_delay_ms with +-25% jitter, capped at 60 s, and never past
 * retry_max_time_ms in total (curl's --retry semantics).  Each retry is
 * reported on stderr without secrets.  TLS verification is always on
 * (ca_file adds a CA bundle); the User-Agent names lk and its version;
 * connect and total timeouts are always set, so a cron run cannot hang.
 *
 * Returns 0 when a response arrived (any status: the caller judges it),
 * or an exit code (75 when the transient failures outlasted the retries,
 * 69 for a refusal such as a TLS failure, 74 for a local I/O error) with
 * a message in resp->error.  Secrets in headers are never printed:
 * headers named in LK_HTTP_SECRET_HEADERS are shown as "<redacted>".
 *
 * lk_http_stream() is the streaming form for source downloads: the body
 * goes to a write callback as it arrives, with a size limit, conditional
 * GET, and no retry once body bytes have been delivered (the caller must
 * treat a failure then as a failed source).
 */
#ifndef LK_HTTP_H
#define LK_HTTP_H

#include <stddef.h>
#include <curl/curl.h>

#define LK_HTTP_SECRET_HEADERS "authorization,api-key,client-secret,x-auth-token,cookie,x-api-token"

struct lk_http_opts {
	long connect_timeout_ms;    /* default 10 s */
	long timeout_ms;            /* total per attempt; default 60 s */
	long long max_size;         /* response limit in bytes; 0 = 64 MiB for lk_http_request */
	int retries;                /* default 5 */
	long retry_delay_ms;        /* first backoff; default 1000 */
	long retry_max_time_ms;     /* give up after; default 300 s */
	const char *ca_file;
	int max_redirs;             /* default 5 */
	int quiet;                  /* no retry warnings */
	/* statistics, filled in */
	int n_retries;
	int n_throttled;            /* 429/420 responses seen */
};

struct lk_http_resp {
	long status;
	char *body;                 /* NUL-terminated; NULL when empty */
	size_t len;
	char *headers;              /* raw header block of the final response */
	char error[256];
};

/* method "GET", "POST", "PUT", "DELETE"; headers may be NULL; body may be NULL. */
int lk_http_request(const char *method, const char *url, struct curl_slist *headers,
    const char *body, size_t body_len, struct lk_http_opts *opts, struct lk_http_resp *resp);
void lk_http_resp_free(struct lk_http_resp *resp);
/* Value of a response header (case-insensitive), in buf; NULL if absent. */
const char *lk_http_header(const struct lk_http_resp *resp, const char *name, char *buf, size_t len);

/*
 * Streaming GET for source downloads (http, https, ftp, ftps).  The body
 * of a 2xx response goes to write(data, len, arg) as it arrives (write
 * returns 0, or -1 to abort: the result is then 74).  The body of any
 * other response is never delivered.  etag / last_modified (may be NULL)
 * make the request conditional (If-None-Match / If-Modified-Since).
 * opts->max_size (0 = no limit) bounds the delivered (decoded) bytes.
 * Transient failures are retried as lk_http_request() does, but only
 * while nothing has been delivered; *delivered counts the bytes given to
 * write.  Returns 0 for a 2xx (complete body delivered) or a 304 (nothing
 * delivered; resp->status says which; resp->headers holds the final
 * response's headers for ETag / Last-Modified), else an exit code with
 * the reason in resp->error: 75 temporary (timeouts, 5xx, 429, a
 * connection cut), 69 refused (other 4xx, TLS verification, too many
 * redirects, max_size exceeded), 78 bad URL, 74 local write failure.
 * opts->retries < 0 means no retries (0 means the default, 5).
 */
typedef int (*lk_http_write_fn)(const void *data, size_t len, void *arg);
int lk_http_stream(const char *url, struct curl_slist *headers,
    const char *etag, const char *last_modified, struct lk_http_opts *opts,
    lk_http_write_fn write, void *arg, struct lk_http_resp *resp, long long *delivered);

/* Whether a header name is one of LK_HTTP_SECRET_HEADERS (any case). */
int lk_http_secret_header(const char *name, size_t len);

/*
 * Whether url would carry credentials in clear text off this machine: a
 * scheme without TLS (http, ftp, imap, ...) to a host that is not a
 * loopback address (127.0.0.0/8, ::1, localhost).  When so, returns 1 and
 * copies the host into host; 0 for https, imaps, a local path or file://.
 * Every request that carries a secret header is checked again here, so
 * plain http gets no token even if a caller forgets the config check:
 * lk_http_request() and lk_http_stream() refuse it with 78, before any
 * connection, and such a request sent over https follows redirects to
 * https only.
 */
int lk_http_cleartext_remote(const char *url, char *host, size_t hostlen);

/* Copies url into buf without userinfo, query or fragment, for messages. */
const char *lk_http_redact_url(const char *url, char *buf, size_t len);

/* Initialises libcurl once per process; idempotent. */
void lk_http_global_init(void);

#endif
