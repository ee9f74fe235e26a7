/*
 * lk-parse-yml - stock records from a YML (Yandex Market Language) feed.
 * See lk-parse-yml(1); the parser is src/yml.c.
 */
#include <getopt.h>

#include "parse.h"

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

static const struct option longopts[] = {
	{"state-dir", required_argument, NULL, 'C'},
	{"source", required_argument, NULL, 's'},
	{"name", required_argument, NULL, LK_PO_NAME},
	{"sku", required_argument, NULL, LK_PO_SKU},
	{"qty", required_argument, NULL, LK_PO_QTY},
	{"outlets", required_argument, NULL, LK_PO_OUTLETS},
	{"available-qty", required_argument, NULL, LK_PO_AVAILABLE_QTY},
	{"keep-unavailable", no_argument, NULL, LK_PO_KEEP_UNAVAILABLE},
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
	return lk_parse_cli_main(argc, argv, usage_text, longopts, "yml", lk_yml_parse);
}
