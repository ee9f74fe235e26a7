/*
 * lk-parse-yml - stock records from a YML (Yandex Market Language) feed.
 * See lk-parse-yml(1); the parser is src/yml.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exit.h"
#include "parse.h"
#include "util.h"

static const char usage_text[] =
"usage: lk-parse-yml [options] [file]\n"
"\n"
"Reads a YML feed (file or stdin, gzip or not) and writes stock records.\n"
"  -C, --state-dir DIR     state directory (default $LK_STATE_DIR, else .)\n"
"  -s, --source NAME       source name; options from sources/NAME.json\n"
"      --name NAME         source name, without a state directory\n"
"      --sku FIELD         id (default), vendorCode, barcode, ELEMENT or @ATTR\n"
"      --qty FIELD         auto (default), count, outlets, quantity, stock,\n"
"                          ELEMENT or @ATTR\n"
"      --outlets MODE      split (one record per outlet, default) or sum\n"
"      --available-qty N   units for an available offer without a quantity\n"
"      --keep-unavailable  available=\"false\" keeps the quantity (default 0)\n"
"      --encoding ENC      auto (default: the XML declaration), utf-8, windows-1251\n"
"      --duplicates MODE   sum (default: records add up, counted) or error\n"
"      --strict            a bad record fails the whole source (65)\n"
"  -q, --quiet             no warnings about counts\n"
"  -v, --verbose           more messages\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n";

enum { O_NAME = 256, O_SKU, O_QTY, O_OUTLETS, O_AVQTY, O_KEEP, O_ENC, O_DUPS, O_STRICT };

static const struct option longopts[] = {
	{"state-dir", required_argument, NULL, 'C'},
	{"source", required_argument, NULL, 's'},
	{"name", required_argument, NULL, O_NAME},
	{"sku", required_argument, NULL, O_SKU},
	{"qty", required_argument, NULL, O_QTY},
	{"outlets", required_argument, NULL, O_OUTLETS},
	{"available-qty", required_argument, NULL, O_AVQTY},
	{"keep-unavailable", no_argument, NULL, O_KEEP},
	{"encoding", required_argument, NULL, O_ENC},
	{"duplicates", required_argument, NULL, O_DUPS},
	{"strict", no_argument, NULL, O_STRICT},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

static void
option(struct lk_parse_cli *c, int ch, const char *arg)
{
	struct lk_parse_opts *o = &c->opts;

	switch (ch) {
	case O_SKU:
		o->sku = arg, c->set[LK_OPT_SKU] = 1;
		break;
	case O_QTY:
		o->qty = arg, c->set[LK_OPT_QTY] = 1;
		break;
	case O_OUTLETS:
		if (strcmp(arg, "split") != 0 && strcmp(arg, "sum") != 0)
			lk_usage_error("--outlets: '%s' is not split or sum", arg);
		o->outlets_sum = strcmp(arg, "sum") == 0, c->set[LK_OPT_OUTLETS] = 1;
		break;
	case O_AVQTY:
		if (lk_parse_ll(arg, 0, 1000000000, &o->available_qty) < 0)
			lk_usage_error("--available-qty: '%s' is not a whole number >= 0", arg);
		c->set[LK_OPT_AVAILABLE_QTY] = 1;
		break;
	case O_KEEP:
		o->unavailable_zero = 0, c->set[LK_OPT_UNAVAILABLE] = 1;
		break;
	case O_ENC:
		if (lk_parse_opt_encoding(arg) < 0)
			lk_usage_error("--encoding: '%s' is not auto, utf-8 or windows-1251", arg);
		o->encoding = arg, c->set[LK_OPT_ENCODING] = 1;
		break;
	case O_DUPS:
		if (lk_parse_opt_duplicates(arg, &o->duplicates) < 0)
			lk_usage_error("--duplicates: '%s' is not sum or error", arg);
		c->set[LK_OPT_DUPLICATES] = 1;
		break;
	default:
		lk_usage_error("unknown option");
	}
}

int
main(int argc, char **argv)
{
	struct lk_parse_cli c;
	int ch;

	lk_start(argc, argv);
	memset(&c, 0, sizeof c);
	lk_parse_opts_init(&c.opts);
	while ((ch = getopt_long(argc, argv, "C:s:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C': c.state_dir = optarg; break;
		case 's': c.source = optarg; break;
		case O_NAME: c.name = optarg; break;
		case O_STRICT: c.opts.strict = 1; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); return LK_EX_OK;
		case 'V': lk_print_version();
		case '?': lk_usage_error("see the options above");
		default: option(&c, ch, optarg);
		}
	}
	if (argc - optind > 1)
		lk_usage_error("one input file at most");
	c.file = argv[optind];
	lk_parse_cli_config(&c, "yml");
	return lk_parse_cli_run(&c, lk_yml_parse);
}
