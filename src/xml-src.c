/*
 * xml-src.c - libxml2 SAX driver for the XML source parsers (xml-src.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parserInternals.h>
#include <libxml/xmlIO.h>

#include "util.h"
#include "xml-src.h"

#define CHUNK (64 * 1024)
#define MAX_WARN 3

unsigned long
lk_xml_line(const struct lk_xml *x)
{
	return x->ctxt && x->ctxt->input ? (unsigned long)x->ctxt->input->line : 0;
}

unsigned long
lk_xml_col(const struct lk_xml *x)
{
	return x->ctxt && x->ctxt->input ? (unsigned long)x->ctxt->input->col : 0;
}

void
lk_xml_stop(struct lk_xml *x, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lk_parse_fail(x->p, lk_xml_line(x), lk_xml_col(x), "%s", msg);
	xmlStopParser(x->ctxt);
}

/* Entities: only the predefined ones exist; a declaration fails the run. */
static void
on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
    const xmlChar *sys, xmlChar *content)
{
	(void)type, (void)pub, (void)sys, (void)content;
	lk_xml_stop(ctx, "entity declaration '%s' refused: entities are never expanded", name);
}

static void
on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *pub,
    const xmlChar *sys, const xmlChar *notation)
{
	(void)pub, (void)sys, (void)notation;
	lk_xml_stop(ctx, "entity declaration '%s' refused: entities are never expanded", name);
}

static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name);
}

/* libxml2's message without its final newline. */
static const char *
trim(const char *msg, char *buf, size_t cap)
{
	size_t n;

	if (msg == NULL)
		return "malformed XML";
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

/*
 * Encoding converters report through libxml2's generic channel, without
 * a position: keep the first line, to name the real cause of the fatal
 * error that follows ("Premature end of data" after a failed conversion).
 */
static void
on_generic(void *ctx, const char *fmt, ...)
{
	struct lk_xml *x = ctx;
	size_t n;
	va_list ap;

	if (x == NULL)
		return;         /* after lk_xml_free(): silent */
	n = strlen(x->generic);
	if (strchr(x->generic, '\n') != NULL || n + 1 >= sizeof x->generic)
		return;
	va_start(ap, fmt);
	vsnprintf(x->generic + n, sizeof x->generic - n, fmt, ap);
	va_end(ap);
}

static void
on_error(void *ctx, xmlErrorPtr e)
{
	struct lk_xml *x = ctx;
	char buf[300], line[400];

	if (e->level == XML_ERR_FATAL) {
		trim(x->generic[0] ? x->generic : e->message, buf, sizeof buf);
		if (x->part)
			lk_parse_fail(x->p, 0, 0, "%s:%d: %s", x->part, e->line, buf);
		else
			lk_parse_fail(x->p, (unsigned long)e->line, (unsigned long)e->int2, "%s", buf);
		xmlStopParser(x->ctxt);
		return;
	}
	/* Non-fatal (an undeclared entity in a feed with an external DTD). */
	if (x->nwarn++ < MAX_WARN && !x->p->failed) {
		snprintf(line, sizeof line, "%s:%d:%d: warning: %s", x->p->o->name,
		    e->line, e->int2, trim(e->message, buf, sizeof buf));
		x->p->report(x->p->report_arg, line);
	}
}

/* No file or URL is ever opened on a document's behalf. */
static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url, (void)id, (void)ctxt;
	return NULL;
}

/* libxml2 pulls the input in small pieces: hand them out of a big buffer. */
static int
on_read(void *ctx, char *buf, int len)
{
	struct lk_xml *x = ctx;
	long n;

	if (x->p->failed)
		return -1;      /* a strict record error: stop reading */
	if (x->bpos == x->blen) {
		n = x->read ? x->read(x->arg, x->buf, CHUNK) : lk_input_read(x->in, x->buf, CHUNK);
		if (n < 0 && x->read) {
			lk_parse_fail(x->p, 0, 0, "%s", x->why(x->arg));
			return -1;
		}
		if (n < 0) {
			lk_parse_fail(x->p, lk_xml_line(x), lk_xml_col(x), "%s", x->in->error);
			return -1;
		}
		x->bpos = 0;
		x->blen = (size_t)n;
	}
	if ((size_t)len > x->blen - x->bpos)
		len = (int)(x->blen - x->bpos);
	memcpy(buf, x->buf + x->bpos, (size_t)len);
	x->bpos += (size_t)len;
	return len;
}

static int
set_encoding(struct lk_xml *x, const char *enc)
{
	xmlCharEncodingHandlerPtr h;

	if (enc == NULL || strcmp(enc, "auto") == 0)
		return 0;
	h = xmlFindCharEncodingHandler(enc);
	if (h == NULL || xmlSwitchToEncoding(x->ctxt, h) < 0)
		return lk_parse_fail(x->p, 0, 0, "unknown encoding '%s'", enc);
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
	return 0;
}

int
lk_xml_init(struct lk_xml *x, struct lk_parse *p)
{
	xmlSAXHandler sax;

	memset(x, 0, sizeof *x);
	x->p = p;
	xmlSetExternalEntityLoader(refuse_loader);
	xmlSetGenericErrorFunc(x, on_generic);
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.entityDecl = on_entity_decl;
	sax.unparsedEntityDecl = on_unparsed_entity_decl;
	sax.getEntity = on_get_entity;
	sax.getParameterEntity = on_get_entity;
	sax.serror = on_error;
	x->ctxt = xmlCreateIOParserCtxt(&sax, x, on_read, NULL, x, XML_CHAR_ENCODING_NONE);
	if (x->ctxt == NULL)
		return lk_parse_fail(p, 0, 0, "cannot create the XML parser");
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET);
	return set_encoding(x, p->o->encoding);
}

const xmlChar *
lk_xml_intern(struct lk_xml *x, const char *name)
{
	return xmlDictLookup(x->ctxt->dict, (const xmlChar *)name, -1);
}

int
lk_xml_run_fn(struct lk_xml *x, const xmlSAXHandler *sax, const char *part,
    long (*read)(void *arg, void *buf, size_t n), const char *(*why)(void *arg), void *arg)
{
	x->part = part;
	x->read = read;
	x->why = why;
	x->arg = arg;
	return lk_xml_run(x, sax, NULL);
}

int
lk_xml_run(struct lk_xml *x, const xmlSAXHandler *sax, struct lk_input *in)
{
	if (x->p->failed)
		return -1;
	x->in = in;
	x->buf = lk_xmalloc(CHUNK);
	x->ctxt->sax->startElementNs = sax->startElementNs;
	x->ctxt->sax->endElementNs = sax->endElementNs;
	x->ctxt->sax->characters = sax->characters;
	x->ctxt->sax->cdataBlock = sax->characters;
	xmlParseDocument(x->ctxt);
	if (!x->p->failed && !x->ctxt->wellFormed && x->part)
		lk_parse_fail(x->p, 0, 0, "%s:%lu: malformed XML", x->part, lk_xml_line(x));
	else if (!x->p->failed && !x->ctxt->wellFormed)
		lk_parse_fail(x->p, lk_xml_line(x), lk_xml_col(x), "malformed XML");
	return x->p->failed ? -1 : 0;
}

void
lk_xml_free(struct lk_xml *x)
{
	if (x->ctxt != NULL) {
		if (x->ctxt->myDoc != NULL)
			xmlFreeDoc(x->ctxt->myDoc);
		xmlFreeParserCtxt(x->ctxt);
	}
	free(x->buf);
	x->buf = NULL;
	xmlSetGenericErrorFunc(NULL, on_generic);
	x->ctxt = NULL;
}

const xmlChar *
lk_xml_attr(const xmlChar **attrs, int nattr, const xmlChar *name, size_t *len)
{
	int i;

	for (i = 0; i < nattr; i++) {
		if (attrs[i * 5] == name) {
			*len = (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]);
			return attrs[i * 5 + 3];
		}
	}
	return NULL;
}

size_t
lk_xml_attr_copy(char *dst, size_t cap, const xmlChar *v, size_t len)
{
	const char *s = (const char *)v, *amp;
	size_t n = 0, k;

	/* Without XML_PARSE_NOENT libxml2 hands '&' over as "&#38;". */
	while (len > 0 && n + 1 < cap) {
		amp = memchr(s, '&', len);
		k = amp ? (size_t)(amp - s) : len;
		n += lk_parse_copy(dst + n, cap - n, s, k);
		s += k, len -= k;
		if (amp == NULL || n + 1 >= cap)
			break;
		dst[n++] = '&';
		dst[n] = '\0';
		k = len >= 5 && memcmp(s, "&#38;", 5) == 0 ? 5 : 1;
		s += k, len -= k;
	}
	dst[n] = '\0';
	return n;
}
