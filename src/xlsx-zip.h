/*
 * xlsx-zip.h - the zip container of an XLSX workbook, read through libzip
 * with limits, and an XML reader (libxml2's xmlTextReader) streaming one
 * entry of it, or the entry's bytes for a SAX parser (xml-src.h).
 *
 *   z = lk_xzip_open(in, err, errlen)     a seekable file is read in place;
 *                                         a pipe is spooled to a temporary
 *                                         file; memory is read as it is
 *   r = lk_xzip_reader(z, "xl/workbook.xml", err, errlen)
 *   while ((rc = lk_xzip_read(z, r, 0)) == 1) ...
 *   lk_xzip_reader_error(z)               why a read failed (rc -1)
 *   lk_xzip_reader_free(z, r)             one entry open at a time
 *   lk_xzip_close(z)
 *
 * Limits (lk-parse-xlsx(1)): an entry whose uncompressed size is above
 * LK_XZIP_MAX_ENTRY, or above LK_XZIP_RATIO_MIN and more than
 * LK_XZIP_MAX_RATIO times its compressed size, is refused before a byte of
 * it is inflated (a zip bomb); the bytes inflated are counted and an entry
 * that gives more than its declared size fails.  The XML may not have a
 * DOCTYPE (nothing in OOXML has one; entities are never expanded) and
 * never reaches the network.
 *
 * Errors are one line without the file name ("xl/worksheets/sheet1.xml:
 * CRC error"); the caller adds it.
 */
#ifndef LK_XLSX_ZIP_H
#define LK_XLSX_ZIP_H

#include <stddef.h>

#include <libxml/xmlreader.h>

#include "parse.h"

#define LK_XZIP_MAX_ENTRY (512LL << 20)     /* 512 MiB uncompressed */
#define LK_XZIP_RATIO_MIN (1LL << 20)       /* entries up to 1 MiB: any ratio */
#define LK_XZIP_MAX_RATIO 200               /* XML deflates 5-30 times; bombs 1000 */

struct lk_xzip;

struct lk_xzip *lk_xzip_open(struct lk_input *in, char *err, size_t errlen);
void lk_xzip_close(struct lk_xzip *z);

/* Whether the archive has an entry of that name. */
int lk_xzip_has(struct lk_xzip *z, const char *name);

/* The declared uncompressed size of an entry (checked against the limits), or -1. */
long long lk_xzip_size(struct lk_xzip *z, const char *name);

/*
 * Inflates one entry (with the same limits) and hands its bytes to fn in
 * pieces; 0, or -1 with the reason in err.
 */
int lk_xzip_scan(struct lk_xzip *z, const char *name,
    void (*fn)(void *arg, const char *buf, size_t n), void *arg, char *err, size_t errlen);

/*
 * One entry as a byte stream (the SAX parser's input): open (0, or -1
 * with err), read (bytes, 0 at the end, -1 with lk_xzip_reader_error()),
 * close.  One entry at a time, readers included.
 */
int lk_xzip_entry_open(struct lk_xzip *z, const char *name, char *err, size_t errlen);
long lk_xzip_entry_read(void *z, void *buf, size_t n);
void lk_xzip_entry_close(struct lk_xzip *z);

/* A reader over one entry, or NULL with the reason in err. */
xmlTextReaderPtr lk_xzip_reader(struct lk_xzip *z, const char *name, char *err, size_t errlen);
/*
 * The next node (skip: past the current node's subtree, xmlTextReaderNext):
 * 1, 0 at the end, or -1 with the reason (zip, limit, XML) in
 * lk_xzip_reader_error().
 */
int lk_xzip_read(struct lk_xzip *z, xmlTextReaderPtr r, int skip);
const char *lk_xzip_reader_error(struct lk_xzip *z);
void lk_xzip_reader_free(struct lk_xzip *z, xmlTextReaderPtr r);

#endif
