/*
 * lk-parse-cml - stock records from a CommerceML (1C) offers.xml or rests.xml.
 * See lk-parse-cml(1); the parser is src/cml.c.
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
"usage: lk-parse-cml [options] [file]\n"
"\n"
"Reads a CommerceML 2 or 3 offers.xml or rests.xml (file or stdin, gzip or\n"
"not) and writes stock records.\n"
"  -C, --state-dir DIR     state directory (default $LK_STATE_DIR, else .)\n"
"  -s, --source NAME       source name; options from sources/NAME.json\n"
"      --name NAME         source name, without a state directory\n"
"      --sku FIELD         id (<Ид>, default), article (<Артикул>) or barcode\n"
"      --per-warehouse     one record per warehouse (default: the total)\n"
"      --location-names    location is the warehouse name, not its <Ид>\n"
"      --encoding ENC      auto (default: the XML declaration), utf-8, windows-1251\n"
"      --duplicates MODE   sum (default: records add up, counted) or error\n"
"      --strict            a bad record fails the whole source (65)\n"
"  -q, --quiet             no warnings about counts\n"
"  -v, --verbose           more messages\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n";

enum { O_NAME = 256, O_SKU, O_PERWH, O_LOCNAMES, O_ENC, O_DUPS, O_STRICT };

static const struct option longopts[] = {
	{"state-dir", required_argument, NULL, 'C'},
	{"source", required_argument, NULL, 's'},
	{"name", required_argument, NULL, O_NAME},
	{"sku", required_argument, NULL, O_SKU},
	{"per-warehouse", no_argument, NULL, O_PERWH},
	{"location-names", no_argument, NULL, O_LOCNAMES},
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
		if (strcmp(arg, "id") != 0 && strcmp(arg, "article") != 0 && strcmp(arg, "barcode") != 0)
			lk_usage_error("--sku: '%s' is not id, article or barcode", arg);
		o->sku = arg, c->set[LK_OPT_SKU] = 1;
		break;
	case O_PERWH:
		o->per_warehouse = 1, c->set[LK_OPT_PER_WAREHOUSE] = 1;
		break;
	case O_LOCNAMES:
		o->location_names = 1, c->set[LK_OPT_LOCATION_NAMES] = 1;
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
	lk_parse_cli_config(&c, "cml");
	return lk_parse_cli_run(&c, lk_cml_parse);
}
