/*
 * lk-parse-csv - stock records from a CSV stock list or a Google Sheets export.
 * See lk-parse-csv(1); the parser is src/csv-src.c.
 */
#include <getopt.h>

#include "parse.h"

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

static const struct option longopts[] = {
	{"state-dir", required_argument, NULL, 'C'},
	{"source", required_argument, NULL, 's'},
	{"name", required_argument, NULL, LK_PO_NAME},
	{"sku", required_argument, NULL, LK_PO_SKU},
	{"qty", required_argument, NULL, LK_PO_QTY},
	{"location", required_argument, NULL, LK_PO_LOCATION},
	{"delimiter", required_argument, NULL, LK_PO_DELIMITER},
	{"quote", required_argument, NULL, LK_PO_QUOTE},
	{"no-header", no_argument, NULL, LK_PO_NO_HEADER},
	{"encoding", required_argument, NULL, LK_PO_ENCODING},
	{"duplicates", required_argument, NULL, LK_PO_DUPLICATES},
	{"strict", no_argument, NULL, LK_PO_STRICT},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

int
main(int argc, char **argv)
{
	return lk_parse_cli_main(argc, argv, usage_text, longopts, "csv", lk_csv_parse);
}
