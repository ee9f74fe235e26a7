/*
 * mime.c - the attachment of an e-mail message (see mime.h), through
 * GMime: its parser handles what suppliers' mail clients send (nested
 * multiparts, forwarded messages, RFC 2047 words inside quoted
 * parameters, RFC 2231 continuations and charsets, bare 8-bit names),
 * and its decoders the transfer encodings.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime.h"
#include "util.h"

/*
 * Names without a declared charset that are not UTF-8 are taken as
 * windows-1251, the charset of Russian Windows mail clients.
 */
static const char *fallback[] = { "utf-8", "windows-1251", NULL };

/* The message, its parts reading *ba (free it after the message). */
static GMimeMessage *
parse(const char *msg, size_t len, GByteArray **ba)
{
	static int started;
	GMimeParserOptions *opts;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;

	if (!started) {
		g_mime_init();
		started = 1;
	}
	/*
	 * The stream reads the caller's bytes in place (not owned, freed
	 * without its data), and the parts are substreams of it: a message
	 * of 40 MB is not copied.
	 */
	*ba = g_byte_array_new_take((guint8 *)msg, len);
	stream = g_mime_stream_mem_new_with_byte_array(*ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(opts, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	m = g_mime_parser_construct_message(parser, opts);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return m;
}

/* The part's body without its transfer encoding; 0, or -1. */
static int
content(GMimePart *part, char **out, size_t *outlen)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *s;
	GByteArray *b;

	if (w == NULL)
		return -1;
	s = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, s) < 0) {
		g_object_unref(s);
		return -1;
	}
	/*
	 * The decoded bytes are handed over, not copied: GLib's allocator is
	 * the system malloc (since 2.46), so the caller's free() fits.
	 */
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	g_object_unref(s);
	*outlen = b->len;
	g_byte_array_append(b, (const guint8 *)"", 1);
	*out = (char *)g_byte_array_free(b, FALSE);
	return 0;
}

int
lk_mime_attachment(const char *msg, size_t len, const char *glob,
    char **out, size_t *outlen, char **name)
{
	GByteArray *ba;
	GMimeMessage *m = parse(msg, len, &ba);
	GMimePartIter *it;
	GMimeObject *o;
	const char *fn;
	int rc = -1;

	if (m == NULL) {
		g_byte_array_free(ba, FALSE);
		return -1;
	}
	/* The iterator walks multiparts and the messages forwarded inside. */
	it = g_mime_part_iter_new(GMIME_OBJECT(m));
	do {
		o = g_mime_part_iter_get_current(it);
		if (o == NULL || !GMIME_IS_PART(o))
			continue;
		fn = g_mime_part_get_filename(GMIME_PART(o));
		if (fn == NULL || *fn == '\0' || (glob && fnmatch(glob, fn, FNM_CASEFOLD) != 0))
			continue;
		if (content(GMIME_PART(o), out, outlen) == 0) {
			*name = lk_xstrdup(fn);
			rc = 0;
		}
		break;
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	g_object_unref(m);
	g_byte_array_free(ba, FALSE);   /* the wrapper only: the bytes are the caller's */
	return rc;
}
