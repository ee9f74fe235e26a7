/*
 * u-mime - attachments (mime.c, GMime): base64, quoted-printable, nesting,
 * forwarded messages, and names in any charset matched as UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "tap.h"

static const char msg[] =
    "From: Supplier <s@example.com>\r\n"
    "Subject: stock\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "hello\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: text/csv; name=\"=?UTF-8?B?0L7RgdGC0LDRgtC60Lg=?=.csv\"\r\n"
    "Content-Disposition: attachment\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "c2t1LHF0eQpB\r\n"
    "LDIK\r\n"
    "--outer\r\n"
    "Content-Type: application/xml\r\n"
    "Content-Disposition: attachment;\r\n"
    "\tfilename*=utf-8''%D1%84%D0%B8%D0%B4.xml\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<a x=3D\"1\">=D1=84=\r\n"
    "</a>\r\n"
    "--outer--\r\n";

/* One attachment: HEADERS (Content-Type, Content-Disposition, ...) and a base64 body. */
#define ONE(headers, b64) \
    "From: s@example.com\r\nSubject: stock\r\nMIME-Version: 1.0\r\n" \
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n" \
    "--b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nSee the list.\r\n" \
    "--b\r\n" headers "Content-Transfer-Encoding: base64\r\n\r\n" b64 "\r\n--b--\r\n"

/* The attachment's name and body, or "-" when none matches glob. */
static void
name_is(const char *m, const char *glob, const char *want, const char *what)
{
	char *att = NULL, *name = NULL;
	size_t n = 0;
	int rc = lk_mime_attachment(m, strlen(m), glob, &att, &n, &name);

	is_str(rc == 0 ? name : "-", want, "%s", what);
	free(att);
	free(name);
}

int
main(void)
{
	char *att = NULL, *name = NULL;
	size_t n;
	static const char koi8[] = ONE("Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename=\"=?koi8-r?B?z9PUwdTLyS54bHN4?=\"\r\n",
	    "UEsDBAAAeGwA");
	static const char cp1251[] = ONE("Content-Type: application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet\r\n"
	    "Content-Disposition: attachment; filename*=windows-1251''%EE%F1%F2%E0%F2%EA%E8.xlsx\r\n",
	    "UEsDBAAAeGwA");
	static const char cont[] = ONE("Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment;\r\n"
	    " filename*0*=windows-1251''%CF%F0%E0%E9%F1%20;\r\n"
	    " filename*1*=%EF%EE%F1%F2%E0%E2%F9%E8%EA%E0.xlsx\r\n",
	    "UEsDBAAAeGwA");
	static const char bare[] = ONE("Content-Type: application/octet-stream; "
	    "name=\"\xee\xf1\xf2\xe0\xf2\xea\xe8.xlsx\"\r\n", "UEsDBAAAeGwA");
	static const char fwd[] =
	    "From: manager@example.com\r\nSubject: Fwd: stock\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
	    "--o\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n"
	    "--o\r\nContent-Type: message/rfc822\r\n\r\n"
	    ONE("Content-Type: application/octet-stream\r\n"
	        "Content-Disposition: attachment; filename=\"=?koi8-r?B?z9PUwdTLyS54bHN4?=\"\r\n",
	        "UEsDBAAAeGwA")
	    "\r\n--o--\r\n";

	ok(lk_mime_attachment(msg, strlen(msg), "*.csv", &att, &n, &name) == 0, "csv attachment found");
	is_str(name ? name : "", "остатки.csv", "RFC 2047 name decoded");
	is_str(att ? att : "", "sku,qty\nA,2\n", "base64 body across lines");
	free(att), free(name), att = name = NULL;

	ok(lk_mime_attachment(msg, strlen(msg), "*.XML", &att, &n, &name) == 0, "xml attachment, glob ignores case");
	is_str(name ? name : "", "фид.xml", "RFC 2231 filename* decoded");
	is_str(att ? att : "", "<a x=\"1\">\xd1\x84</a>", "quoted-printable body");
	free(att), free(name), att = name = NULL;

	ok(lk_mime_attachment(msg, strlen(msg), NULL, &att, &n, &name) == 0 && strcmp(name, "остатки.csv") == 0,
	    "no glob: the first attachment");
	free(att), free(name), att = name = NULL;

	name_is(koi8, "*.xlsx", "остатки.xlsx", "=?koi8-r?B?...?= in a quoted filename, as UTF-8");
	name_is(koi8, "остатки*", "остатки.xlsx", "a Cyrillic glob matches the decoded name");
	name_is(koi8, "ОСТАТКИ.XLSX", "-", "fnmatch ignores ASCII case only");
	name_is(cp1251, "*.xlsx", "остатки.xlsx", "RFC 2231 filename*=windows-1251'' as UTF-8");
	name_is(cont, "*.xlsx", "Прайс поставщика.xlsx", "RFC 2231 continuations in windows-1251");
	name_is(bare, "*.xlsx", "остатки.xlsx", "a bare 8-bit windows-1251 name");
	name_is(fwd, "*.xlsx", "остатки.xlsx", "an attachment in a forwarded message");

	ok(lk_mime_attachment(cp1251, strlen(cp1251), "*.xlsx", &att, &n, &name) == 0 && n == 9 &&
	    memcmp(att, "PK\x03\x04\x00\x00xl\x00", 9) == 0, "binary body, NULs included");
	free(att), free(name), att = name = NULL;

	ok(lk_mime_attachment(msg, strlen(msg), "*.zip", &att, &n, &name) == -1, "no match: -1");
	ok(lk_mime_attachment("Subject: x\r\n\r\nbody\r\n", 20, NULL, &att, &n, &name) == -1,
	    "no attachment: -1");
	ok(lk_mime_attachment("\0\0garbage", 9, NULL, &att, &n, &name) == -1, "garbage: -1");
	return tap_done();
}
