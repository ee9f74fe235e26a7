/*
 * mime.h - finding and decoding an attachment in an e-mail message.
 *
 * lk_mime_attachment() walks the MIME tree of msg (RFC 2045/2046,
 * nested multiparts and forwarded message/rfc822 parts included) and
 * returns the first part that has a file name (Content-Disposition
 * filename, RFC 2231 filename* in any charset, or Content-Type name; RFC
 * 2047 encoded words are decoded, even inside quotes; a bare 8-bit name
 * is UTF-8, else windows-1251) matching glob as UTF-8 (fnmatch(3),
 * ignoring ASCII case; NULL matches any attachment).  Its body is decoded
 * from base64 or quoted-printable (7bit/8bit/binary as is) into
 * *out (malloc'd, NUL-terminated, *outlen bytes) and its UTF-8 name into
 * *name.  Returns 0, or -1 when no attachment matches.  The parser is
 * GMime's (mime.c).
 */
#ifndef LK_MIME_H
#define LK_MIME_H

#include <stddef.h>

int lk_mime_attachment(const char *msg, size_t len, const char *glob,
    char **out, size_t *outlen, char **name);

#endif
