/*
 * fuzz-parse.h - what the parser harnesses share: options picked from the
 * first input byte (so the fuzzer explores every mode), a sink that reads
 * every field, silent reports.
 */
#ifndef FUZZ_PARSE_H
#define FUZZ_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

static size_t fuzz_total;

static void
fuzz_sink(void *arg, const struct lk_stock *s)
{
	(void)arg;
	/* Touch every string so ASan sees a bad pointer or a missing NUL. */
	fuzz_total += strlen(s->sku) + (size_t)s->qty;
	if (s->location)
		fuzz_total += strlen(s->location);
	if (s->barcode)
		fuzz_total += strlen(s->barcode);
	if (s->name)
		fuzz_total += strlen(s->name);
}

static void
fuzz_report(void *arg, const char *msg)
{
	(void)arg;
	fuzz_total += strlen(msg);
}

typedef int fuzz_parser(struct lk_parse *, struct lk_input *);

/* Runs parse on data[1..] with options chosen by the bits of data[0]. */
static int
fuzz_run(fuzz_parser *parse, const uint8_t *data, size_t size,
    void (*pick)(struct lk_parse_opts *, unsigned))
{
	struct lk_parse_opts o;
	struct lk_parse p;
	struct lk_input in;
	unsigned bits = size > 0 ? data[0] : 0;

	lk_parse_opts_init(&o);
	o.name = "fuzz";
	o.source = "fuzz";
	o.strict = bits & 1;
	o.duplicates = bits & 2 ? LK_DUP_ERROR : LK_DUP_SUM;
	pick(&o, bits >> 2);
	lk_parse_init(&p, &o, fuzz_sink, NULL);
	p.report = fuzz_report;
	lk_input_open_mem(&in, size > 0 ? data + 1 : data, size > 0 ? size - 1 : 0);
	parse(&p, &in);
	lk_input_close(&in);
	lk_parse_free(&p);
	return 0;
}

#endif
