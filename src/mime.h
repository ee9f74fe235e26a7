/*
 * mime.h - finding and decoding an attachment in an e-mail message.
 *
 * lk_mime_attachment() walks the MIME tree of msg (RFC 2045/2046,
 * nested multiparts included) and returns the first part that has a
 * file name (Content-Disposition filename, RFC 2231 filename*, or
 * Content-Type name; RFC 2047 encoded words are decoded) matching glob
 * (fnmatch(3), case-insensitive; NULL matches any attachment).  Its body
 * is decoded from base64 or quoted-printable (7bit/8bit/binary as is)
 * into *out (malloc'd, *outlen bytes) and its name into *name.  Returns 0,
 * or -1 when no attachment matches.
 */
#ifndef LK_MIME_H
#define LK_MIME_H

#include <stddef.h>

int lk_mime_attachment(const char *msg, size_t len, const char *glob,
    char **out, size_t *outlen, char **name);

/* Decoders, exposed for the unit tests.  Return the decoded length. */
size_t lk_mime_base64(const char *in, size_t len, char *out);
size_t lk_mime_qp(const char *in, size_t len, char *out);

#endif
