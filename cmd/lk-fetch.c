/*
 * lk-fetch - read a source or a marketplace listing (lk-fetch(1)).
 * Options only: a run is lk_fetch_main() (src/fetch-main.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exit.h"
#include "fetch.h"
#include "json-arena.h"
#include "mp-read.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-fetch [options] source\n"
    "       lk-fetch [options] --url url\n"
    "       lk-fetch [options] --keep file source\n"
    "       lk-fetch [options] --orders channel\n"
    "       lk-fetch [options] --stocks channel\n"
    "       lk-fetch [options] --warehouses channel\n"
    "       lk-fetch [options] --products channel\n"
    "\n"
    "  -C, --state-dir DIR   the state directory (default $LK_STATE_DIR, else .)\n"
    "  -u, --url URL         fetch URL (http, https, ftp, file, a path) instead of a source\n"
    "  -o, --output FILE     write to FILE atomically: complete or not at all\n"
    "      --no-cache        ignore the remembered ETag/Last-Modified (full download)\n"
    "      --reuse FILE      an unchanged source is not read: its kept records go to FILE\n"
    "      --keep FILE       keep FILE, the parser's records of the read just made\n"
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
	OPT_NOCACHE = 256, OPT_REUSE, OPT_KEEP, OPT_ORDERS, OPT_STOCKS, OPT_WAREHOUSES, OPT_PRODUCTS,
	OPT_SINCE, OPT_TIMEOUT, OPT_CTIMEOUT, OPT_RETRIES, OPT_MAXSIZE, OPT_CAFILE
};

static const struct option longopts[] = {
	{ "state-dir", required_argument, NULL, 'C' },
	{ "url", required_argument, NULL, 'u' },
	{ "output", required_argument, NULL, 'o' },
	{ "no-cache", no_argument, NULL, OPT_NOCACHE },
	{ "reuse", required_argument, NULL, OPT_REUSE },
	{ "keep", required_argument, NULL, OPT_KEEP },
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
	struct lk_fetch_cmd c;
	int ch;

	lk_json_arena_install();   /* before any JSON: the config is JSON too */
	lk_start(argc, argv);
	memset(&c, 0, sizeof c);
	c.retries = -2;
	c.since = 72 * 3600;
	while ((ch = getopt_long(argc, argv, "C:u:o:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C': c.state_dir = optarg; break;
		case 'u': c.url = optarg; break;
		case 'o': c.output = optarg; break;
		case OPT_NOCACHE: c.no_cache = 1; break;
		case OPT_REUSE: c.reuse = optarg; break;
		case OPT_KEEP: c.keep = optarg; break;
		case OPT_ORDERS: case OPT_STOCKS: case OPT_WAREHOUSES: case OPT_PRODUCTS:
			if (c.have_kind)
				lk_usage_error("give one of --orders, --stocks, --warehouses, --products");
			c.have_kind = 1;
			c.channel = optarg;
			c.kind = ch == OPT_ORDERS ? LK_MPREAD_ORDERS : ch == OPT_STOCKS ? LK_MPREAD_STOCKS :
			    ch == OPT_WAREHOUSES ? LK_MPREAD_WAREHOUSES : LK_MPREAD_PRODUCTS;
			break;
		case OPT_SINCE:
			if (lk_parse_duration(optarg, &c.since) != 0 || c.since <= 0)
				lk_usage_error("--since: not a duration such as 72h: '%s'", optarg);
			break;
		case OPT_TIMEOUT: c.timeout = secs_arg("--timeout", optarg); break;
		case OPT_CTIMEOUT: c.ctimeout = secs_arg("--connect-timeout", optarg); break;
		case OPT_RETRIES: c.retries = num_arg("--retries", optarg, 0, 100); break;
		case OPT_MAXSIZE: c.max_size = num_arg("--max-size", optarg, 1, (long long)1 << 50); break;
		case OPT_CAFILE: c.ca_file = optarg; break;
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
	if (c.have_kind + (c.url != NULL) + (argc > 0) != 1 || argc > 1)
		lk_usage_error("give one source, or --url, or one channel listing");
	c.source = argc > 0 ? argv[0] : NULL;
	if ((c.reuse || c.keep) && c.source == NULL)
		lk_usage_error("--reuse and --keep need a source");
	if (c.reuse && c.keep)
		lk_usage_error("give --reuse or --keep, not both");
	return lk_fetch_main(&c);
}

