/*
 * lk-parse-cml - stock records from a CommerceML (1C) offers.xml or rests.xml.
 * See lk-parse-cml(1); the parser is src/cml.c.
 */
#include <getopt.h>

#include "parse.h"

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

static const struct option longopts[] = {
	{"state-dir", required_argument, NULL, 'C'},
	{"source", required_argument, NULL, 's'},
	{"name", required_argument, NULL, LK_PO_NAME},
	{"sku", required_argument, NULL, LK_PO_SKU},
	{"per-warehouse", no_argument, NULL, LK_PO_PER_WAREHOUSE},
	{"location-names", no_argument, NULL, LK_PO_LOCATION_NAMES},
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
	return lk_parse_cli_main(argc, argv, usage_text, longopts, "cml", lk_cml_parse);
}
