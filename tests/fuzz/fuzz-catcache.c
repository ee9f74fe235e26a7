/*
 * fuzz-catcache.c - libFuzzer harness for lk_catalog_cache_load()
 * (src/catalog-cache.c): a damaged .lk/cache/catalog.bin must be a miss,
 * never a read out of bounds.  The input is the file after its magic,
 * byte-order mark and key, which the harness writes valid (a file that
 * fails them is refused before anything else is read); every cell of a
 * file taken is read, and every sku looked up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog-int.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "fuzz"

static struct lk_state *st;
static char path[256];

static void
setup(void)
{
	char dir[] = "/tmp/lk-fuzz-catcache.XXXXXX", err[256];
	int code;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/.lk", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/.lk/cache", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/.lk/cache/catalog.bin", dir);
	if ((st = lk_state_open(dir, NULL, err, sizeof err, &code)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char magic[8] = "lkcat\0\0\1";
	static size_t total;
	uint32_t endian = 0x01020304, pad = 0;
	char key[160] = KEY;
	struct lk_catalog c;
	FILE *fp;
	size_t row, col;

	if (st == NULL)
		setup();
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	fwrite(magic, 1, sizeof magic, fp);
	fwrite(&endian, sizeof endian, 1, fp);
	fwrite(&pad, sizeof pad, 1, fp);
	fwrite(key, 1, sizeof key, fp);
	fwrite(data, 1, size, fp);
	fclose(fp);
	if (lk_catalog_cache_load(st, &c, NULL, KEY) != 0)
		return 0;
	for (row = 0; row < c.nrows; row++)
		for (col = 0; col < c.ncolumns; col++) {
			const char *v = lk_catalog_get(&c, (long)row, (int)col);

			total += strlen(v);
			if (col == 0)
				total += (size_t)lk_catalog_find(&c, v);
		}
	for (col = 0; col < c.ncolumns; col++)
		total += strlen(c.columns[col]);
	lk_catalog_free(&c);
	return 0;
}
