/* fuzz-csv.c - libFuzzer harness for lk_csv_parse() (src/csv-src.c). */
#include "fuzz-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
pick(struct lk_parse_opts *o, unsigned bits)
{
	static const char *const enc[] = { NULL, "utf-8", "windows-1251", "auto" };
	static const int delim[] = { 0, ';', ',', '\t' };

	o->encoding = enc[bits & 3];
	o->delimiter = delim[(bits >> 2) & 3];
	o->header = !((bits >> 4) & 1);
	if (o->header) {
		o->sku = (bits >> 5) & 1 ? "BARCODE" : NULL;
		o->qty = (bits >> 5) & 1 ? "OST" : NULL;
		o->location = (bits >> 5) & 1 ? "APTEKA" : NULL;
	} else {
		o->location = (bits >> 5) & 1 ? "3" : NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_run(lk_csv_parse, data, size, pick);
}
