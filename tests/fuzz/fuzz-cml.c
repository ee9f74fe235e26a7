/* fuzz-cml.c - libFuzzer harness for lk_cml_parse() (src/cml.c). */
#include "fuzz-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
pick(struct lk_parse_opts *o, unsigned bits)
{
	static const char *const sku[] = { NULL, "article", "barcode", "id" };

	o->sku = sku[bits & 3];
	o->per_warehouse = (bits >> 2) & 1;
	o->location_names = (bits >> 3) & 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_run(lk_cml_parse, data, size, pick);
}
