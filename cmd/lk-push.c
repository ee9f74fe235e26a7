/*
 * lk-push - send each channel the stock that changed since the last
 * successful push: marketplaces, YML feeds, NDJSON "external warehouse"
 * files.  The only command that writes to the outside world.
 * Options only: a run is lk_push_main() (src/push-main.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exit.h"
#include "push.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-push [-nqv] [--full] [--force] [--strict] [--summary] [-c channel] [-C dir] [file]\n"
    "\n"
    "Reads alloc records (from lk-alloc) from FILE or stdin and sends each channel\n"
    "only what differs from what lk last pushed there; writes pushed records.\n"
    "\n"
    "  -n, --dry-run        print the requests (secrets redacted) and what would be\n"
    "                       sent; send and write nothing\n"
    "      --full           send every item, changed or not (a daily full update)\n"
    "      --force          send even past the zero guard (max_zero)\n"
    "  -c, --channel NAME   push only this channel (repeatable)\n"
    "      --strict         a bad input record is fatal (65)\n"
    "      --summary        also write a push_summary record per channel\n"
    "  -C, --state-dir DIR  the state directory (default $LK_STATE_DIR, else .)\n"
    "  -q, --quiet          print only errors\n"
    "  -v, --verbose        print more\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n";

enum { OPT_FULL = 256, OPT_FORCE, OPT_STRICT, OPT_SUMMARY };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "channel", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "state-dir", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct lk_push_cmd cmd;
	int c, rc;


	lk_start(argc, argv);
	memset(&cmd, 0, sizeof cmd);
	while ((c = getopt_long(argc, argv, "nc:C:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': cmd.opts.dry_run = 1; break;
		case OPT_FULL: cmd.opts.full = 1; break;
		case OPT_FORCE: cmd.opts.force = 1; break;
		case 'c':
			cmd.sel = lk_xrealloc(cmd.sel, (cmd.nsel + 1) * sizeof *cmd.sel);
			cmd.sel[cmd.nsel++] = optarg;
			break;
		case OPT_STRICT: cmd.strict = 1; break;
		case OPT_SUMMARY: cmd.summary = 1; break;
		case 'C': cmd.dir = optarg; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); exit(LK_EX_OK);
		case 'V': lk_print_version();
		default: lk_usage_error("unknown option");
		}
	}
	if (optind < argc)
		cmd.input = argv[optind++];
	if (optind < argc)
		lk_usage_error("unexpected argument '%s'", argv[optind]);
	rc = lk_push_main(&cmd);
	free(cmd.sel);
	return rc;
}
