/*
 * fuzz-xlsx.c - libFuzzer harness for lk_xlsx_parse() (src/xlsx.c,
 * src/xlsx-zip.c).  A workbook is outside input twice over: the zip
 * container and the XML parts in it.  Random bytes rarely pass a zip's
 * CRCs, so the first input byte picks the mode:
 *
 *   bit 7 clear: the rest is the workbook as it is (the container, its
 *     limits, a damaged archive);
 *   bit 7 set: the rest is "SHEET\0SHAREDSTRINGS\0STYLES", put into a
 *     valid archive with a fixed workbook, so the fuzzer reaches the sheet
 *     reader, the shared strings, the styles and the merged ranges.
 *
 * The other bits choose the options, as in the other parser harnesses.
 */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "fuzz-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
pick(struct lk_parse_opts *o, unsigned bits)
{
	static const char *const sheet[] = { NULL, "2", "Лист1", "S" };

	o->sheet = sheet[bits & 3];
	o->header = !((bits >> 2) & 1);
	if (o->header) {
		o->header_row = (bits >> 3) & 1 ? 2 : 0;
		o->sku = (bits >> 4) & 1 ? "Артикул" : NULL;
		o->qty = (bits >> 4) & 1 ? "Кол-во" : NULL;
		o->location = (bits >> 4) & 1 ? "Склад" : NULL;
	} else {
		o->locations = (bits >> 3) & 1 ? "2,3" : NULL;
		o->location = (bits >> 4) & 1 ? "4" : NULL;
	}
}

static const char workbook[] =
"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
"<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char wbrels[] =
"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
"<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
"<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
"<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"/xl/styles.xml\"/></Relationships>";

static int
add(zip_t *za, const char *name, const void *buf, size_t len)
{
	zip_source_t *s = zip_source_buffer(za, buf, len, 0);

	if (s == NULL || zip_file_add(za, name, s, ZIP_FL_OVERWRITE) < 0) {
		zip_source_free(s);
		return -1;
	}
	return 0;
}

/* The parts in a valid archive in memory; NULL when libzip cannot make one. */
static unsigned char *
wrap(const uint8_t *d, size_t n, size_t *outlen)
{
	const uint8_t *part[3] = { d, NULL, NULL }, *z, *end = d + n;
	size_t len[3] = { n, 0, 0 };
	zip_source_t *src;
	zip_error_t ze;
	zip_t *za;
	unsigned char *out = NULL;
	zip_int64_t sz;
	int i;

	for (i = 1; i < 3; i++) {
		if ((z = memchr(part[i - 1], 0, len[i - 1])) == NULL)
			break;
		len[i - 1] = (size_t)(z - part[i - 1]);
		part[i] = z + 1;
		len[i] = (size_t)(end - part[i]);
	}
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL)
		return NULL;
	zip_source_keep(src);
	if ((za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL)
		goto out;
	if (add(za, "xl/workbook.xml", workbook, sizeof workbook - 1) < 0 ||
	    add(za, "xl/_rels/workbook.xml.rels", wbrels, sizeof wbrels - 1) < 0 ||
	    add(za, "xl/worksheets/sheet1.xml", part[0], len[0]) < 0 ||
	    (part[1] && add(za, "xl/sharedStrings.xml", part[1], len[1]) < 0) ||
	    (part[2] && add(za, "xl/styles.xml", part[2], len[2]) < 0) ||
	    zip_close(za) < 0) {
		zip_discard(za);
		goto out;
	}
	if (zip_source_open(src) < 0)
		goto out;
	if (zip_source_seek(src, 0, SEEK_END) == 0 && (sz = zip_source_tell(src)) > 0 &&
	    zip_source_seek(src, 0, SEEK_SET) == 0) {
		out = malloc((size_t)sz);
		if (out && zip_source_read(src, out, (zip_uint64_t)sz) == sz) {
			*outlen = (size_t)sz;
		} else {
			free(out);
			out = NULL;
		}
	}
	zip_source_close(src);
out:
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *zipped, *in;
	size_t n = 0;

	if (size < 1 || !(data[0] & 0x80))
		return fuzz_run(lk_xlsx_parse, data, size, pick);
	/* fuzz_run() takes the options from the first byte, then the archive. */
	if ((zipped = wrap(data + 1, size - 1, &n)) == NULL)
		return 0;
	if ((in = malloc(n + 1)) != NULL) {
		in[0] = (unsigned char)(data[0] & 0x7f);
		memcpy(in + 1, zipped, n);
		fuzz_run(lk_xlsx_parse, in, n + 1, pick);
		free(in);
	}
	free(zipped);
	return 0;
}
