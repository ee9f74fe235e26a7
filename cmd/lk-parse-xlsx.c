/*
 * lk-parse-xlsx - stock records from a sheet of an XLSX workbook.
 * See lk-parse-xlsx(1); the parser is src/xlsx.c.
 */
#include <getopt.h>

#include "parse.h"

static const char usage_text[] =
"usage: lk-parse-xlsx [options] [file]\n"
"\n"
"Reads a sheet of an XLSX workbook (file or stdin) and writes stock records.\n"
"  -C, --state-dir DIR     state directory (default $LK_STATE_DIR, else .)\n"
"  -s, --source NAME       source name; options from sources/NAME.json\n"
"      --name NAME         source name, without a state directory\n"
"      --sheet SHEET       sheet name, or number from 1 (default: the first)\n"
"      --sku COLUMN        sku column: header name or number from 1 (sku, or 1)\n"
"      --qty COLUMN        quantity column (qty, or 2)\n"
"      --location COLUMN   location column (none)\n"
"      --locations LIST    quantity columns, one per location (comma-separated)\n"
"      --header-row N      the header is row N (default: the first row that\n"
"                          has the named columns)\n"
"      --no-header         no header row; columns are numbers\n"
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
	{"sheet", required_argument, NULL, LK_PO_SHEET},
	{"sku", required_argument, NULL, LK_PO_SKU},
	{"qty", required_argument, NULL, LK_PO_QTY},
	{"location", required_argument, NULL, LK_PO_LOCATION},
	{"locations", required_argument, NULL, LK_PO_LOCATIONS},
	{"header-row", required_argument, NULL, LK_PO_HEADER_ROW},
	{"no-header", no_argument, NULL, LK_PO_NO_HEADER},
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
	return lk_parse_cli_main(argc, argv, usage_text, longopts, "xlsx", lk_xlsx_parse);
}
