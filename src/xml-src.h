/*
 * xml-src.h - the SAX driver that lk-parse-yml, lk-parse-cml and the
 * sheets of lk-parse-xlsx share.
 *
 * lk_xml_run() lets libxml2 pull the input (read 64 KiB at a time) and
 * calls the element handlers of sax with x as the user data; a
 * parser's state starts with a struct lk_xml so the handlers can cast.
 * No tree is built: memory stays constant whatever the input size.
 *
 * Safety: the network is never used (XML_PARSE_NONET), no DTD or external
 * entity is loaded (no loader, no XML_PARSE_DTDLOAD, no XML_PARSE_NOENT),
 * and any entity declaration fails the run as soon as it is parsed,
 * before anything could be expanded: this rejects XXE and the
 * billion-laughs family alike.  Predefined entities (&amp; ...) and
 * character references work as usual.
 *
 * The first fatal libxml2 error fails the run with its line:column;
 * lk_xml_run() returns 0 when the document was read to its end, else -1.
 * Names are compared as pointers: lk_xml_intern() returns the parser
 * dictionary's copy, which is what the handlers receive.
 */
#ifndef LK_XMLSRC_H
#define LK_XMLSRC_H

#include <libxml/parser.h>

#include "parse.h"

struct lk_xml {
	struct lk_parse *p;
	xmlParserCtxtPtr ctxt;
	unsigned long nwarn;    /* non-fatal libxml2 errors */
	struct lk_input *in;
	long (*read)(void *arg, void *buf, size_t n);   /* lk_xml_run_fn(): instead of in */
	const char *(*why)(void *arg);                  /* ... and why read returned -1 */
	void *arg;
	const char *part;       /* lk_xml_run_fn(): the part of a container, named in errors */
	char *buf;              /* CHUNK bytes read ahead */
	size_t bpos, blen;
	char generic[256];      /* libxml2's first unstructured message (encodings) */
};

/* Creates the parser; the element handlers go into sax afterwards. */
int lk_xml_init(struct lk_xml *x, struct lk_parse *p);
const xmlChar *lk_xml_intern(struct lk_xml *x, const char *name);
int lk_xml_run(struct lk_xml *x, const xmlSAXHandler *sax, struct lk_input *in);
/*
 * The same over one part of a container (an XLSX sheet): read(arg, buf, n)
 * gives bytes, 0 at the end, or -1 with why(arg); errors are
 * "PART:LINE: reason" instead of a position in the input.
 */
int lk_xml_run_fn(struct lk_xml *x, const xmlSAXHandler *sax, const char *part,
    long (*read)(void *arg, void *buf, size_t n), const char *(*why)(void *arg), void *arg);
void lk_xml_free(struct lk_xml *x);
unsigned long lk_xml_line(const struct lk_xml *x);
unsigned long lk_xml_col(const struct lk_xml *x);
/* Fails the run at the current position and stops the parser. */
void lk_xml_stop(struct lk_xml *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An attribute of a SAX2 start tag (5 pointers each), decoded; NULL if absent. */
const xmlChar *lk_xml_attr(const xmlChar **attrs, int nattr, const xmlChar *name, size_t *len);
/* Copies an attribute value, turning libxml2's "&#38;" back into '&'. */
size_t lk_xml_attr_copy(char *dst, size_t cap, const xmlChar *v, size_t len);

#endif
