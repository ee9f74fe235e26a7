/*
 * lk-alloc - how many units each channel shows (lk-alloc(1)).
 *
 * Options only: a run is lk_alloc_main() (src/alloc-main.c), the rules
 * are the library's (alloc.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "exit.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-alloc [-nqv] [-C dir] [--rev rev] [--explain[=sku]] [--force] [--no-snapshot]\n"
    "                [--strict]\n"
    "       lk-alloc --compare rev [--json] [--fail-on-zero limit] [-C dir] [--strict]\n"
    "\n"
    "Reads stock, source and reserve records on stdin and writes one alloc\n"
    "record per channel and product, by the channels' rules, then the\n"
    "undistributed records.  Other records pass through first.\n"
    "\n"
    "  -C, --state-dir DIR   the state directory (default $LK_STATE_DIR, else .)\n"
    "      --rev REV         use the rules as of git revision REV (writes no snapshot)\n"
    "      --explain[=SKU]   add \"why\" to alloc records (only SKU's when given)\n"
    "      --force           accept every complete read: no source guard (0 records, max_drop)\n"
    "  -n, --dry-run         do not write source snapshots\n"
    "      --no-snapshot     the same as --dry-run\n"
    "      --compare REV     print what the working tree's rules change against REV\n"
    "                        (input: stdin, or the last run's when stdin is a terminal)\n"
    "      --json            with --compare: compare records instead of a table\n"
    "      --fail-on-zero LIMIT  with --compare: exit 3 when a channel drops more than LIMIT\n"
    "                        products (a count, or a share: \"10%\") to 0\n"
    "      --strict          a bad record is fatal (exit 65)\n"
    "  -q, --quiet           only errors and warnings\n"
    "  -v, --verbose         say more\n"
    "  -h, --help            this help\n"
    "  -V, --version         the version\n";

static void
parse_opts(int argc, char **argv, struct lk_alloc_cmd *o)
{
	enum { OPT_REV = 256, OPT_EXPLAIN, OPT_NOSNAP, OPT_COMPARE, OPT_JSON, OPT_FAIL, OPT_STRICT,
		OPT_FORCE };
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'C' },
		{ "rev", required_argument, NULL, OPT_REV },
		{ "explain", optional_argument, NULL, OPT_EXPLAIN },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-snapshot", no_argument, NULL, OPT_NOSNAP },
		{ "compare", required_argument, NULL, OPT_COMPARE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "fail-on-zero", required_argument, NULL, OPT_FAIL },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "C:nqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': o->dir = optarg; break;
		case OPT_REV: o->rev = optarg; break;
		case OPT_EXPLAIN: o->explain = 1; o->explain_sku = optarg; break;
		case 'n': case OPT_NOSNAP: o->no_snapshot = 1; break;
		case OPT_COMPARE: o->compare = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_FAIL:
			if (lk_parse_limit(optarg, &o->fail_on_zero) < 0)
				lk_usage_error("--fail-on-zero takes a count or a share (\"10%%\"), not '%s'",
				    optarg);
			o->fail_on_zero_set = 1;
			break;
		case OPT_STRICT: o->strict = 1; break;
		case OPT_FORCE: o->force = 1; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); exit(LK_EX_OK);
		case 'V': lk_print_version();
		default: lk_usage_error("unknown option");
		}
	}
	if (optind < argc)
		lk_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->compare && (o->rev || o->explain))
		lk_usage_error("--compare takes no --rev or --explain");
	if (!o->compare && (o->json || o->fail_on_zero_set))
		lk_usage_error("--json and --fail-on-zero go with --compare");
}

int
main(int argc, char **argv)
{
	struct lk_alloc_cmd o;

	lk_start(argc, argv);
	memset(&o, 0, sizeof o);
	parse_opts(argc, argv, &o);
	return lk_alloc_main(&o);
}
