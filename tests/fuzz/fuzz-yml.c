/* fuzz-yml.c - libFuzzer harness for lk_yml_parse() (src/yml.c). */
#include "fuzz-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
pick(struct lk_parse_opts *o, unsigned bits)
{
	static const char *const qty[] = { NULL, "count", "outlets", "quantity", "stock",
		"stock-count", "@qty", "auto" };
	static const char *const sku[] = { NULL, "vendorCode", "barcode", "@code" };

	o->qty = qty[bits & 7];
	o->sku = sku[(bits >> 3) & 3];
	o->outlets_sum = (bits >> 5) & 1;
	o->available_qty = (bits >> 5) & 1 ? 2 : -1;
	o->unavailable_zero = !((bits >> 4) & 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_run(lk_yml_parse, data, size, pick);
}
