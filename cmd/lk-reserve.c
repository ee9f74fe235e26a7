/*
 * lk-reserve - hold stock back for marketplace orders the sources do not
 * show yet, and for marketplace decreases no order explains (lk-reserve(1)).
 * The run is lk_reserve_main() (src/reserve-run.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "exit.h"
#include "reserve.h"

static const char usage_text[] =
    "usage: lk-reserve [-nqv] [--strict] [-C dir]\n"
    "       lk-reserve --list [-C dir]\n"
    "\n"
    "Reads order, orders and seen records on stdin, passes every other record\n"
    "on, then writes one reserve record per product that has a reserve.\n"
    "\n"
    "  -C, --state-dir DIR  the state directory (default $LK_STATE_DIR, else .)\n"
    "  -n, --dry-run        compute and print, but do not save the ledger\n"
    "      --list           print the ledger (STATE/.lk/reserve.ndjson) and exit\n"
    "      --strict         a bad record is fatal (exit 65)\n"
    "  -q, --quiet          only errors and warnings\n"
    "  -v, --verbose        say more\n"
    "  -h, --help           this help\n"
    "  -V, --version        the version\n";

static void
parse_opts(int argc, char **argv, struct lk_reserve_opts *o)
{
	enum { OPT_LIST = 256, OPT_STRICT };
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "strict", no_argument, NULL, OPT_STRICT },
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
		case 'n': o->dry_run = 1; break;
		case OPT_LIST: o->list = 1; break;
		case OPT_STRICT: o->strict = 1; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); exit(LK_EX_OK);
		case 'V': lk_print_version();
		default: lk_usage_error("unknown option");
		}
	}
	if (optind < argc)
		lk_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->list && (o->dry_run || o->strict))
		lk_usage_error("--list takes no other option but -C");
}

int
main(int argc, char **argv)
{
	struct lk_reserve_opts o = { 0 };

	lk_start(argc, argv);
	parse_opts(argc, argv, &o);
	return lk_reserve_main(&o);
}
