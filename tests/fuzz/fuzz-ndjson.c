/*
 * libFuzzer harness for the NDJSON reader (ndjson.c): any bytes on stdin
 * of a command must give records or line-numbered errors, never a crash.
 * A small line limit exercises the over-long line path too.
 */
#include <stdio.h>
#include <stdint.h>

#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lk_reader r;
	json_t *v;
	FILE *fp, *saved_stdin = stdin;

	if (size == 0)
		return 0;
	fp = fmemopen((void *)data, size, "rb");
	if (fp == NULL)
		return 0;
	stdin = fp;
	if (lk_reader_open(&r, "-", 256, 0) == 0) {
		while ((v = lk_reader_next(&r)) != NULL) {
			long long q;

			(void)lk_rec_qty(v, "qty", &q);
			(void)lk_rec_str(v, "sku");
			json_decref(v);
		}
		lk_reader_close(&r);
	}
	stdin = saved_stdin;
	fclose(fp);
	return 0;
}
