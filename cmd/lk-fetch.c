/*
 * lk-fetch - read a source or a marketplace listing (lk-fetch(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "err.h"
#include "exit.h"
#include "fetch.h"
#include "mpread.h"
#include "ndjson.h"
#include "secrets.h"
#include "state.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-fetch [options] source\n"
    "       lk-fetch [options] --url url\n"
    "       lk-fetch [options] --orders channel\n"
    "       lk-fetch [options] --stocks channel\n"
    "       lk-fetch [options] --warehouses channel\n"
    "       lk-fetch [options] --products channel\n"
    "\n"
    "  -C, --state-dir DIR   the state directory (default $LK_STATE_DIR, else .)\n"
    "  -u, --url URL         fetch URL (http, https, ftp, file, a path) instead of a source\n"
    "  -o, --output FILE     write to FILE atomically: complete or not at all\n"
    "      --no-cache        ignore the remembered ETag/Last-Modified (full download)\n"
    "      --orders CHANNEL  the channel's open orders, as order records\n"
    "      --stocks CHANNEL  the stock the marketplace shows, as seen records\n"
    "      --warehouses CHANNEL  the channel's warehouses\n"
    "      --products CHANNEL    the channel's products, for catalog.csv\n"
    "      --since DURATION  orders: how far back to look (default 72h)\n"
    "      --timeout SECS    total time per attempt\n"
    "      --connect-timeout SECS  time to connect\n"
    "      --retries N       retries of transient failures (default 5)\n"
    "      --max-size BYTES  refuse a larger download\n"
    "      --ca-file FILE    also trust the CA certificates in FILE\n"
    "  -q, --quiet           print only errors\n"
    "  -v, --verbose         print more\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n";

enum {
	OPT_NOCACHE = 256, OPT_ORDERS, OPT_STOCKS, OPT_WAREHOUSES, OPT_PRODUCTS,
	OPT_SINCE, OPT_TIMEOUT, OPT_CTIMEOUT, OPT_RETRIES, OPT_MAXSIZE, OPT_CAFILE
};

static const struct option longopts[] = {
	{ "state-dir", required_argument, NULL, 'C' },
	{ "url", required_argument, NULL, 'u' },
	{ "output", required_argument, NULL, 'o' },
	{ "no-cache", no_argument, NULL, OPT_NOCACHE },
	{ "orders", required_argument, NULL, OPT_ORDERS },
	{ "stocks", required_argument, NULL, OPT_STOCKS },
	{ "warehouses", required_argument, NULL, OPT_WAREHOUSES },
	{ "products", required_argument, NULL, OPT_PRODUCTS },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, OPT_CTIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "max-size", required_argument, NULL, OPT_MAXSIZE },
	{ "ca-file", required_argument, NULL, OPT_CAFILE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static long long
num_arg(const char *opt, const char *s, long long min, long long max)
{
	long long v;

	if (lk_parse_ll(s, min, max, &v) != 0)
		lk_usage_error("%s: not a number in %lld..%lld: '%s'", opt, min, max, s);
	return v;
}

static long long
secs_arg(const char *opt, const char *s)
{
	long long v;

	if (lk_parse_duration(s, &v) != 0 || v <= 0 || v > 86400)
		lk_usage_error("%s: not a duration such as 30 or 5m: '%s'", opt, s);
	return v;
}

int
main(int argc, char **argv)
{
	const char *state_dir = NULL, *url = NULL, *output = NULL, *channel = NULL;
	const char *ca_file = NULL;
	enum lk_mpread_kind kind = 0;
	int have_kind = 0, no_cache = 0, ch;
	long long timeout = 0, ctimeout = 0, retries = -2, max_size = 0, since = 72 * 3600;
	struct lk_fetch_src src;
	struct lk_fetch_stat st;
	struct lk_config cfg;
	struct lk_state *state = NULL;
	struct lk_atomic out;
	char err[512], *password = NULL, *cache_dir = NULL, *local_url = NULL;
	FILE *fp = stdout;
	int rc;

	lk_start(argc, argv);
	while ((ch = getopt_long(argc, argv, "C:u:o:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C': state_dir = optarg; break;
		case 'u': url = optarg; break;
		case 'o': output = optarg; break;
		case OPT_NOCACHE: no_cache = 1; break;
		case OPT_ORDERS: case OPT_STOCKS: case OPT_WAREHOUSES: case OPT_PRODUCTS:
			if (have_kind)
				lk_usage_error("give one of --orders, --stocks, --warehouses, --products");
			have_kind = 1;
			channel = optarg;
			kind = ch == OPT_ORDERS ? LK_MPREAD_ORDERS : ch == OPT_STOCKS ? LK_MPREAD_STOCKS :
			    ch == OPT_WAREHOUSES ? LK_MPREAD_WAREHOUSES : LK_MPREAD_PRODUCTS;
			break;
		case OPT_SINCE:
			if (lk_parse_duration(optarg, &since) != 0 || since <= 0)
				lk_usage_error("--since: not a duration such as 72h: '%s'", optarg);
			break;
		case OPT_TIMEOUT: timeout = secs_arg("--timeout", optarg); break;
		case OPT_CTIMEOUT: ctimeout = secs_arg("--connect-timeout", optarg); break;
		case OPT_RETRIES: retries = num_arg("--retries", optarg, 0, 100); break;
		case OPT_MAXSIZE: max_size = num_arg("--max-size", optarg, 1, (long long)1 << 50); break;
		case OPT_CAFILE: ca_file = optarg; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); return 0;
		case 'V': lk_print_version();
		default:
			fprintf(stderr, "Try '%s --help'.\n", lk_prog);
			return LK_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (have_kind + (url != NULL) + (argc > 0) != 1 || argc > 1)
		lk_usage_error("give one source, or --url, or one channel listing");

	memset(&src, 0, sizeof src);
	memset(&cfg, 0, sizeof cfg);
	if (!url) {
		state = lk_config_open_or_die(state_dir, NULL, &cfg);
	}
	if (have_kind) {
		const struct lk_channel *c = lk_config_channel(&cfg, channel);
		struct lk_mpread_opts mo;

		if (c == NULL)
			lk_die(LK_EX_CONFIG, "no channel '%s' (channels/%s.json)", channel, channel);
		memset(&mo, 0, sizeof mo);
		mo.since = since;
		{
			const char *ps = getenv("LK_FETCH_PAGE_SIZE");
			long long v;

			if (ps && *ps && lk_parse_ll(ps, 1, 100000, &v) == 0)
				mo.page_size = (long)v;
		}
		mo.http.timeout_ms = (timeout ? timeout : c->timeout) * 1000;
		mo.http.connect_timeout_ms = ctimeout * 1000;
		mo.http.retries = retries == -2 ? 0 : retries == 0 ? -1 : (int)retries;
		mo.http.ca_file = ca_file;
		mo.http.quiet = lk_quiet;
		if (output) {
			if (lk_atomic_open(&out, output) != 0)
				lk_die(LK_EX_CANTCREAT, "cannot create '%s':", output);
			lk_emit_fp = out.fp;
		}
		rc = lk_mpread_run(&cfg, c, kind, &mo, err, sizeof err);
		if (output) {
			if (rc == 0 && lk_atomic_commit(&out) != 0)
				lk_die(LK_EX_CANTCREAT, "cannot write '%s':", output);
			if (rc != 0)
				lk_atomic_abort(&out);
			lk_emit_fp = stdout;
		}
		if (rc != 0)
			lk_warn("%s", err);
		lk_config_free(&cfg);
		lk_state_close(state);
		lk_close_stdout();
		return rc;
	}

	if (url) {
		src.url = url;
	} else {
		const struct lk_source *s = lk_config_source(&cfg, argv[0]);

		if (s == NULL)
			lk_die(LK_EX_CONFIG, "no source '%s' (sources/%s.json)", argv[0], argv[0]);
		src.name = s->name;
		if (s->kind && strcmp(s->kind, "email") == 0) {
			src.url = s->imap_url;
			src.imap_subject = s->imap_subject;
			src.imap_from = s->imap_from;
			src.attachment = s->attachment;
		} else if (s->url && s->url[0] != '/' && strstr(s->url, "://") == NULL) {
			/* A relative path in the config means the state directory's. */
			src.url = local_url = lk_path_join(lk_state_dir(state), s->url);
		} else {
			src.url = s->url;
		}
		if (src.url == NULL)
			lk_die(LK_EX_CONFIG, "%s: no url", s->file);
		src.user = s->user;
		if (s->cred.env || s->cred.file) {
			password = lk_cred_get(&s->cred, err, sizeof err);
			if (password == NULL)
				lk_die(LK_EX_CONFIG, "%s: %s", s->file, err);
			src.password = password;
		}
		if (!timeout)
			timeout = s->timeout;
		if (!ctimeout)
			ctimeout = s->connect_timeout;
		if (retries == -2 && s->retries)
			retries = s->retries;
		if (!max_size)
			max_size = s->max_size;
		if (!ca_file)
			ca_file = s->ca_file;
		cache_dir = lk_path_join(lk_state_lkdir(state), "http");
		src.cache_dir = cache_dir;
	}
	src.no_cache = no_cache;
	src.http.timeout_ms = timeout * 1000;
	src.http.connect_timeout_ms = ctimeout * 1000;
	src.http.retries = retries == -2 ? 0 : retries == 0 ? -1 : (int)retries;
	src.http.max_size = max_size;
	src.http.ca_file = ca_file;
	src.http.quiet = lk_quiet;

	if (output) {
		if (lk_atomic_open(&out, output) != 0)
			lk_die(LK_EX_CANTCREAT, "cannot create '%s':", output);
		fp = out.fp;
	}
	rc = lk_fetch_run(&src, fp, &st, err, sizeof err);
	if (output) {
		if (rc == 0 && lk_atomic_commit(&out) != 0) {
			snprintf(err, sizeof err, "cannot write '%s': %s", output, strerror(errno));
			rc = LK_EX_CANTCREAT;
		} else if (rc != 0) {
			lk_atomic_abort(&out);
		}
	}
	if (rc != 0) {
		if (st.written > 0 && !output)
			lk_warn("%s (%lld bytes were already written: the output is incomplete)",
			    err, st.written);
		else
			lk_warn("%s", err);
	} else if (st.from_cache) {
		lk_info("%s: not modified; replayed the last complete download (%lld bytes)",
		    src.name, st.written);
	}
	lk_secret_free(password);
	free(local_url);
	free(cache_dir);
	if (state) {
		lk_config_free(&cfg);
		lk_state_close(state);
	}
	if (rc == 0)
		lk_close_stdout();
	else
		fflush(stdout);
	return rc;
}
