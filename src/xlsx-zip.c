/*
 * xlsx-zip.c - an XLSX workbook's zip container through libzip, with the
 * limits of xlsx-zip.h, and xmlTextReader over one entry.
 *
 * libzip rather than minizip or a hand-written reader: it is packaged in
 * Debian (libzip-dev), checks the archive's consistency (ZIP_CHECKCONS)
 * and every entry's CRC, and reads from a descriptor or from memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "util.h"
#include "xlsx-zip.h"

#define SPOOL_MAX (1LL << 30)   /* a workbook read from a pipe: 1 GiB at most */

struct lk_xzip {
	zip_t *za;
	zip_file_t *zf;          /* the entry being read, or NULL */
	char entry[256];
	long long declared, got;
	char rerr[400];          /* why the last read failed */
	char generic[200];       /* libxml2's unstructured message (encodings) */
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
zip_code_str(int code, char *buf, size_t cap)
{
	zip_error_t ze;

	zip_error_init_with_code(&ze, code);
	snprintf(buf, cap, "%s", zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return buf;
}

/* Bytes that start an old .xls, or a password-protected .xlsx (both OLE2). */
static int
is_ole2(const unsigned char *b, size_t n)
{
	return n >= 4 && b[0] == 0xd0 && b[1] == 0xcf && b[2] == 0x11 && b[3] == 0xe0;
}

static void
open_error(int code, const unsigned char *head, size_t nhead, char *err, size_t errlen)
{
	char buf[128];

	if (is_ole2(head, nhead))
		seterr(err, errlen, "not an XLSX workbook but an OLE2 file (an old .xls, or a "
		    "password-protected workbook): save it as .xlsx without a password");
	else if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS)
		seterr(err, errlen, "not a zip archive, or a damaged or truncated one (%s)",
		    zip_code_str(code, buf, sizeof buf));
	else
		seterr(err, errlen, "cannot open the zip archive: %s", zip_code_str(code, buf, sizeof buf));
}

/* A regular file not gzip-compressed: libzip reads it in place. */
static int
in_place(int fd)
{
	struct stat sb;
	unsigned char b[2];

	return fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    !(pread(fd, b, 2, 0) == 2 && b[0] == 0x1f && b[1] == 0x8b);
}

/* A pipe (or gzip) to an unlinked temporary file; its descriptor, or -1. */
static int
spool(struct lk_input *in, unsigned char *head, size_t *nhead, char *err, size_t errlen)
{
	FILE *f = tmpfile();
	char *buf;
	long n;
	long long total = 0;
	int fd = -1;

	*nhead = 0;
	if (f == NULL) {
		seterr(err, errlen, "cannot create a temporary file: %s", strerror(errno));
		return -1;
	}
	buf = lk_xmalloc(64 * 1024);
	while ((n = lk_input_read(in, buf, 64 * 1024)) > 0) {
		if (*nhead == 0)
			memcpy(head, buf, (*nhead = n < 4 ? (size_t)n : 4));
		total += n;
		if (total > SPOOL_MAX) {
			seterr(err, errlen, "more than %lld bytes: refused", SPOOL_MAX);
			goto out;
		}
		if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
			seterr(err, errlen, "cannot write a temporary file: %s", strerror(errno));
			goto out;
		}
	}
	if (n < 0) {
		seterr(err, errlen, "%s", in->error);
		goto out;
	}
	if (total == 0) {
		seterr(err, errlen, "empty input");
		goto out;
	}
	if (fflush(f) != 0 || (fd = dup(fileno(f))) < 0)
		seterr(err, errlen, "cannot write a temporary file: %s", strerror(errno));
out:
	free(buf);
	fclose(f);
	return fd;
}

struct lk_xzip *
lk_xzip_open(struct lk_input *in, char *err, size_t errlen)
{
	struct lk_xzip *z;
	unsigned char head[4];
	size_t nhead = 0;
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;
	int fd, code = 0;

	if (in->fd < 0) {
		if (in->memlen == 0) {
			seterr(err, errlen, "empty input");
			return NULL;
		}
		nhead = in->memlen < 4 ? in->memlen : 4;
		memcpy(head, in->mem, nhead);
		zip_error_init(&ze);
		src = zip_source_buffer_create(in->mem, in->memlen, 0, &ze);
		if (src != NULL && (za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)) == NULL)
			zip_source_free(src);
		code = zip_error_code_zip(&ze);
		zip_error_fini(&ze);
	} else {
		if (in_place(in->fd)) {
			if (pread(in->fd, head, 4, 0) == 4)
				nhead = 4;
			if (nhead == 0) {
				seterr(err, errlen, "empty input");
				return NULL;
			}
			fd = dup(in->fd);
		} else {
			fd = spool(in, head, &nhead, err, errlen);
			if (fd < 0)
				return NULL;
		}
		if (fd < 0) {
			seterr(err, errlen, "cannot duplicate the input: %s", strerror(errno));
			return NULL;
		}
		if ((za = zip_fdopen(fd, ZIP_RDONLY | ZIP_CHECKCONS, &code)) == NULL)
			close(fd);
	}
	if (za == NULL) {
		open_error(code, head, nhead, err, errlen);
		return NULL;
	}
	z = lk_xcalloc(1, sizeof *z);
	z->za = za;
	return z;
}

void
lk_xzip_close(struct lk_xzip *z)
{
	if (z == NULL)
		return;
	if (z->zf)
		zip_fclose(z->zf);
	zip_discard(z->za);
	free(z);
}

static zip_int64_t
locate(struct lk_xzip *z, const char *name)
{
	zip_int64_t i = zip_name_locate(z->za, name, 0);

	/* Some writers differ in case ("xl/SharedStrings.xml"). */
	return i >= 0 ? i : zip_name_locate(z->za, name, ZIP_FL_NOCASE);
}

int
lk_xzip_has(struct lk_xzip *z, const char *name)
{
	return locate(z, name) >= 0;
}

/* The entry's declared size within the limits, or -1 with err. */
static long long
checked_size(struct lk_xzip *z, zip_int64_t i, const char *name, char *err, size_t errlen)
{
	zip_stat_t st;

	if (zip_stat_index(z->za, (zip_uint64_t)i, 0, &st) != 0 ||
	    !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE)) {
		seterr(err, errlen, "%s: %s", name, zip_strerror(z->za));
		return -1;
	}
	if ((long long)st.size > LK_XZIP_MAX_ENTRY) {
		seterr(err, errlen, "%s: %llu bytes uncompressed, above the limit of %lld: refused",
		    name, (unsigned long long)st.size, LK_XZIP_MAX_ENTRY);
		return -1;
	}
	if ((long long)st.size > LK_XZIP_RATIO_MIN &&
	    st.size / (st.comp_size ? st.comp_size : 1) > LK_XZIP_MAX_RATIO) {
		seterr(err, errlen, "%s: %llu bytes from %llu compressed, more than %d times: "
		    "a zip bomb? refused", name, (unsigned long long)st.size,
		    (unsigned long long)st.comp_size, LK_XZIP_MAX_RATIO);
		return -1;
	}
	return (long long)st.size;
}

long long
lk_xzip_size(struct lk_xzip *z, const char *name)
{
	char err[8];
	zip_int64_t i = locate(z, name);

	return i < 0 ? -1 : checked_size(z, i, name, err, sizeof err);
}

/* Opens an entry for entry_read(); 0, or -1 with err. */
static int
entry_open(struct lk_xzip *z, const char *name, char *err, size_t errlen)
{
	zip_int64_t i = locate(z, name);

	if (z->zf != NULL) {
		seterr(err, errlen, "%s: another entry is open", name);
		return -1;
	}
	if (i < 0) {
		seterr(err, errlen, "no %s in the archive", name);
		return -1;
	}
	if ((z->declared = checked_size(z, i, name, err, errlen)) < 0)
		return -1;
	if ((z->zf = zip_fopen_index(z->za, (zip_uint64_t)i, 0)) == NULL) {
		seterr(err, errlen, "%s: %s", name, zip_strerror(z->za));
		return -1;
	}
	snprintf(z->entry, sizeof z->entry, "%s", name);
	z->got = 0;
	z->rerr[0] = '\0';
	return 0;
}

/* xmlTextReader's input: the entry, counted against its declared size. */
static int
entry_read(void *ctx, char *buf, int len)
{
	struct lk_xzip *z = ctx;
	zip_int64_t n;

	if (z->zf == NULL || len <= 0)
		return z->zf == NULL ? -1 : 0;
	n = zip_fread(z->zf, buf, (zip_uint64_t)len);
	if (n < 0) {
		if (!z->rerr[0])
			seterr(z->rerr, sizeof z->rerr, "%s: %s", z->entry, zip_file_strerror(z->zf));
		return -1;
	}
	z->got += n;
	if (z->got > z->declared || (n == 0 && z->got != z->declared)) {
		if (!z->rerr[0])
			seterr(z->rerr, sizeof z->rerr, "%s: %lld bytes, not its declared %lld: damaged",
			    z->entry, z->got, z->declared);
		return -1;
	}
	return (int)n;
}

static int
entry_close(void *ctx)
{
	struct lk_xzip *z = ctx;

	if (z->zf)
		zip_fclose(z->zf);
	z->zf = NULL;
	return 0;
}

int
lk_xzip_entry_open(struct lk_xzip *z, const char *name, char *err, size_t errlen)
{
	return entry_open(z, name, err, errlen);
}

long
lk_xzip_entry_read(void *z, void *buf, size_t n)
{
	return entry_read(z, buf, n > INT_MAX ? INT_MAX : (int)n);
}

void
lk_xzip_entry_close(struct lk_xzip *z)
{
	entry_close(z);
}

int
lk_xzip_scan(struct lk_xzip *z, const char *name,
    void (*fn)(void *arg, const char *buf, size_t n), void *arg, char *err, size_t errlen)
{
	char *buf;
	int n;

	if (entry_open(z, name, err, errlen) < 0)
		return -1;
	buf = lk_xmalloc(64 * 1024);
	while ((n = entry_read(z, buf, 64 * 1024)) > 0)
		fn(arg, buf, (size_t)n);
	free(buf);
	entry_close(z);
	if (n < 0) {
		seterr(err, errlen, "%s", z->rerr);
		return -1;
	}
	return 0;
}

/*
 * Encoding converters report through libxml2's generic channel, without
 * a position: the first line names the cause of the error that follows
 * (and nothing reaches stderr).
 */
static void
on_generic(void *ctx, const char *fmt, ...)
{
	struct lk_xzip *z = ctx;
	size_t n;
	va_list ap;

	if (z == NULL)
		return;
	n = strlen(z->generic);
	if (strchr(z->generic, '\n') != NULL || n + 1 >= sizeof z->generic)
		return;
	va_start(ap, fmt);
	vsnprintf(z->generic + n, sizeof z->generic - n, fmt, ap);
	va_end(ap);
}

static void
on_xml_error(void *ctx, xmlErrorPtr e)
{
	struct lk_xzip *z = ctx;
	size_t n;

	if (z->rerr[0] || e == NULL || e->level < XML_ERR_ERROR)
		return;
	seterr(z->rerr, sizeof z->rerr, "%s:%d: %s", z->entry, e->line,
	    z->generic[0] ? z->generic : e->message ? e->message : "malformed XML");
	n = strlen(z->rerr);
	while (n > 0 && (z->rerr[n - 1] == '\n' || z->rerr[n - 1] == ' '))
		z->rerr[--n] = '\0';
	for (; n > 0; n--)      /* one line: "...encoding ! Bytes: 0xFF" */
		if (z->rerr[n - 1] == '\n')
			z->rerr[n - 1] = ' ';
}

xmlTextReaderPtr
lk_xzip_reader(struct lk_xzip *z, const char *name, char *err, size_t errlen)
{
	xmlTextReaderPtr r;

	if (entry_open(z, name, err, errlen) < 0)
		return NULL;
	r = xmlReaderForIO(entry_read, entry_close, z, name, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (r == NULL) {
		entry_close(z);
		seterr(err, errlen, "%s: cannot start the XML reader", name);
		return NULL;
	}
	z->generic[0] = '\0';
	xmlSetGenericErrorFunc(z, on_generic);
	xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, z);
	return r;
}

const char *
lk_xzip_reader_error(struct lk_xzip *z)
{
	return z->rerr[0] ? z->rerr : NULL;
}

void
lk_xzip_reader_free(struct lk_xzip *z, xmlTextReaderPtr r)
{
	if (r != NULL)
		xmlFreeTextReader(r);
	entry_close(z);
	xmlSetGenericErrorFunc(NULL, on_generic);      /* silent until the next reader */
}

int
lk_xzip_read(struct lk_xzip *z, xmlTextReaderPtr r, int skip)
{
	int ret = skip ? xmlTextReaderNext(r) : xmlTextReaderRead(r);

	if (ret == 1 && xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE) {
		seterr(z->rerr, sizeof z->rerr, "%s: a DOCTYPE, which OOXML never has: refused",
		    z->entry);
		return -1;
	}
	if (ret < 0 && !z->rerr[0])
		seterr(z->rerr, sizeof z->rerr, "%s: malformed XML", z->entry);
	return ret;
}
