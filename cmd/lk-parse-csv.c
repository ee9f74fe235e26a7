/*
 * lk-parse-csv - stock records from a CSV stock list or a Google Sheets export.
 * See lk-parse-csv(1); the parser is src/csvsrc.c.
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
"usage: lk-parse-csv [options] [file]\n"
"\n"
"Reads a CSV stock list (file or stdin, gzip or not) and writes stock records.\n"
"  -C, --state-dir DIR     state directory (default $LK_STATE_DIR, else .)\n"
"  -s, --source NAME       source name; options from sources/NAME.json\n"
"      --name NAME         source name, without a state directory\n"
"      --sku COLUMN        sku column: header name or number from 1 (sku, or 1)\n"
"      --qty COLUMN        quantity column (qty, or 2)\n"
"      --location COLUMN   location column (none)\n"
"      --delimiter C       ';', ',', 'tab' or another character (default: the\n"
"                          most frequent of ; , tab in the first line)\n"
"      --quote C           quote character (default \")\n"
"      --no-header         the first row is data; columns are numbers\n"
"      --encoding ENC      auto (default), utf-8 or windows-1251\n"
"      --duplicates MODE   sum (default: records add up, counted) or error\n"
"      --strict            a bad record fails the whole source (65)\n"
"  -q, --quiet             no warnings about counts\n"
"  -v, --verbose           more messages\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n";

enum { O_NAME = 256, O_SKU, O_QTY, O_LOC, O_DELIM, O_QUOTE, O_NOHEADER, O_ENC, O_DUPS, O_STRICT };

static const struct option longopts[] = {
	{"state-dir", required_argument, NULL, 'C'},
	{"source", required_argument, NULL, 's'},
	{"name", required_argument, NULL, O_NAME},
	{"sku", required_argument, NULL, O_SKU},
	{"qty", required_argument, NULL, O_QTY},
	{"location", required_argument, NULL, O_LOC},
	{"delimiter", required_argument, NULL, O_DELIM},
	{"quote", required_argument, NULL, O_QUOTE},
	{"no-header", no_argument, NULL, O_NOHEADER},
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
	case O_LOC:
		o->location = arg, c->set[LK_OPT_LOCATION] = 1;
		break;
	case O_DELIM:
		if (lk_parse_opt_char(arg, &o->delimiter) < 0)
			lk_usage_error("--delimiter: '%s' is not one character or 'tab'", arg);
		c->set[LK_OPT_DELIMITER] = 1;
		break;
	case O_QUOTE:
		if (lk_parse_opt_char(arg, &o->quote) < 0)
			lk_usage_error("--quote: '%s' is not one character", arg);
		c->set[LK_OPT_QUOTE] = 1;
		break;
	case O_NOHEADER:
		o->header = 0, c->set[LK_OPT_HEADER] = 1;
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
	lk_parse_cli_config(&c, "csv");
	return lk_parse_cli_run(&c, lk_csv_parse);
}
