/* u-mime - attachment decoding: base64, quoted-printable, names, nesting. */
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

int
main(void)
{
	char out[64], *att = NULL, *name = NULL;
	size_t n;

	n = lk_mime_base64("c2t1LHF0eQpBLDIK", 16, out);
	out[n] = '\0';
	is_str(out, "sku,qty\nA,2\n", "base64");
	n = lk_mime_qp("a=3Db=\r\nc=D1=84", 15, out);
	out[n] = '\0';
	is_str(out, "a=bc\xd1\x84", "quoted-printable with a soft line break");

	ok(lk_mime_attachment(msg, strlen(msg), "*.csv", &att, &n, &name) == 0, "csv attachment found");
	is_str(name ? name : "", "остатки.csv", "RFC 2047 name decoded");
	is_str(att ? att : "", "sku,qty\nA,2\n", "base64 body across lines");
	free(att);
	free(name);
	att = name = NULL;
	ok(lk_mime_attachment(msg, strlen(msg), "*.XML", &att, &n, &name) == 0, "xml attachment, glob ignores case");
	is_str(name ? name : "", "фид.xml", "RFC 2231 filename* decoded");
	is_str(att ? att : "", "<a x=\"1\">\xd1\x84</a>", "quoted-printable body");
	free(att);
	free(name);
	att = name = NULL;
	ok(lk_mime_attachment(msg, strlen(msg), NULL, &att, &n, &name) == 0 && strcmp(name, "остатки.csv") == 0,
	    "no glob: the first attachment");
	free(att);
	free(name);
	ok(lk_mime_attachment(msg, strlen(msg), "*.zip", &att, &n, &name) == -1, "no match: -1");
	ok(lk_mime_attachment("Subject: x\r\n\r\nbody\r\n", 20, NULL, &att, &n, &name) == -1,
	    "a message without attachments: -1");
	return tap_done();
}
