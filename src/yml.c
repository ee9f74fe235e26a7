/*
 * yml.c - lk-parse-yml: stock records from YML (Yandex Market Language)
 * and similar <offers><offer> feeds, streamed through SAX (xml-src.h).
 *
 * Per offer only the few fields lk needs are kept, in fixed buffers that
 * are reused for the next offer: the sku (id attribute or an element),
 * the quantity (<count>, <outlets>, an attribute or a named element),
 * available, barcode and name.  Everything else is skipped by libxml2
 * without allocations on our side.
 */
#include <stdlib.h>
#include <string.h>

#include "xml-src.h"
#include "util.h"

#define MAX_OUTLETS 10000       /* per offer; more is not a real feed */

enum qty_mode { Q_AUTO, Q_COUNT, Q_OUTLETS, Q_ATTR, Q_ELEMENT };

/* The text of one child element of <offer>, first occurrence only. */
struct slot {
	const xmlChar *name;    /* interned; NULL when not wanted */
	char buf[1024];
	size_t len;
	int set;
	unsigned long line, col;
};
enum { S_NAME, S_MODEL, S_BARCODE, S_VENDORCODE, S_COUNT, S_SKU, S_QTY, NSLOTS };

struct outlet {
	char loc[256];
	char qty[64];
	int has_qty;
	unsigned long line, col;
};

struct yml {
	struct lk_xml x;        /* first: the SAX user data */
	enum qty_mode qmode;
	const xmlChar *n_offers, *n_offer, *n_outlets, *n_outlet, *n_option, *n_id, *n_available,
	    *n_instock, *n_whname, *n_quantity, *n_stock, *n_date;
	const xmlChar *sku_attr, *qty_attr;
	struct slot slot[NSLOTS];
	struct slot *sku_slot;  /* NULL: the sku is an attribute */
	struct slot *cap;       /* being captured */
	int depth, offers_depth, offer_depth, in_outlets, seen_offers;
	/* the current offer */
	char id[512], qattr[64], qstock[64];
	int has_id, has_qattr, has_qstock, available;   /* available: -1 unknown */
	unsigned long line, col;
	struct outlet *out;
	size_t nout, capout;
	struct lk_noqty nq;
	/* children of <outlets> that are neither <outlet> nor <option>, for the message */
	unsigned long unknown_outlets;
	char unknown_name[64];
};

static void
set_slot(struct yml *y, int i, const char *name)
{
	y->slot[i].name = lk_xml_intern(&y->x, name);
}

static int
setup_sku(struct yml *y, const char *sku)
{
	if (sku == NULL || strcmp(sku, "id") == 0) {
		y->sku_attr = y->n_id;
	} else if (sku[0] == '@') {
		if (sku[1] == '\0')
			return lk_parse_fail(y->x.p, 0, 0, "--sku '@' names no attribute");
		y->sku_attr = lk_xml_intern(&y->x, sku + 1);
	} else if (strcmp(sku, "vendorCode") == 0) {
		y->sku_slot = &y->slot[S_VENDORCODE];
	} else if (strcmp(sku, "barcode") == 0) {
		y->sku_slot = &y->slot[S_BARCODE];
	} else {
		set_slot(y, S_SKU, sku);
		y->sku_slot = &y->slot[S_SKU];
	}
	return 0;
}

static int
setup_qty(struct yml *y, const char *q)
{
	if (q == NULL || strcmp(q, "auto") == 0) {
		y->qmode = Q_AUTO;
	} else if (strcmp(q, "count") == 0) {
		y->qmode = Q_COUNT;
	} else if (strcmp(q, "outlets") == 0) {
		y->qmode = Q_OUTLETS;
	} else if (strcmp(q, "quantity") == 0 || strcmp(q, "stock") == 0) {
		y->qmode = Q_ATTR;
		y->qty_attr = lk_xml_intern(&y->x, q);
	} else if (q[0] == '@') {
		if (q[1] == '\0')
			return lk_parse_fail(y->x.p, 0, 0, "--qty '@' names no attribute");
		y->qmode = Q_ATTR;
		y->qty_attr = lk_xml_intern(&y->x, q + 1);
	} else {
		y->qmode = Q_ELEMENT;
		set_slot(y, S_QTY, q);
	}
	return 0;
}

static int
setup(struct yml *y)
{
	const struct lk_parse_opts *o = y->x.p->o;

	y->n_offers = lk_xml_intern(&y->x, "offers");
	y->n_offer = lk_xml_intern(&y->x, "offer");
	y->n_outlets = lk_xml_intern(&y->x, "outlets");
	y->n_outlet = lk_xml_intern(&y->x, "outlet");
	y->n_option = lk_xml_intern(&y->x, "option");
	y->n_id = lk_xml_intern(&y->x, "id");
	y->n_available = lk_xml_intern(&y->x, "available");
	y->n_instock = lk_xml_intern(&y->x, "instock");
	y->n_whname = lk_xml_intern(&y->x, "warehouse_name");
	y->n_quantity = lk_xml_intern(&y->x, "quantity");
	y->n_stock = lk_xml_intern(&y->x, "stock");
	y->n_date = lk_xml_intern(&y->x, "date");
	set_slot(y, S_NAME, "name");
	set_slot(y, S_MODEL, "model");
	set_slot(y, S_BARCODE, "barcode");
	set_slot(y, S_VENDORCODE, "vendorCode");
	set_slot(y, S_COUNT, "count");
	if (setup_sku(y, o->sku) < 0)
		return -1;
	return setup_qty(y, o->qty);
}

/* Copies attribute name of a start tag into buf; returns whether it was there. */
static int
get_attr(const xmlChar **attrs, int nattr, const xmlChar *name, char *buf, size_t cap)
{
	size_t len;
	const xmlChar *v = name ? lk_xml_attr(attrs, nattr, name, &len) : NULL;

	if (v == NULL)
		return 0;
	lk_xml_attr_copy(buf, cap, v, len);
	return 1;
}

static void
begin_offer(struct yml *y, const xmlChar **attrs, int nattr)
{
	char av[16];
	int i;

	y->offer_depth = y->depth;
	y->line = lk_xml_line(&y->x);
	y->col = lk_xml_col(&y->x);
	for (i = 0; i < NSLOTS; i++)
		y->slot[i].set = 0;
	y->nout = 0;
	y->in_outlets = 0;
	y->has_id = get_attr(attrs, nattr, y->sku_attr, y->id, sizeof y->id);
	if (y->has_id && y->sku_slot == NULL)
		lk_parse_prefetch(y->x.p, y->id, NULL);
	y->has_qattr = get_attr(attrs, nattr, y->qty_attr ? y->qty_attr : y->n_quantity,
	    y->qattr, sizeof y->qattr);
	y->has_qstock = y->qmode == Q_AUTO &&
	    get_attr(attrs, nattr, y->n_stock, y->qstock, sizeof y->qstock);
	y->available = -1;
	if (get_attr(attrs, nattr, y->n_available, av, sizeof av))
		y->available = !(strcmp(av, "false") == 0 || strcmp(av, "0") == 0);
}

static void
add_outlet(struct yml *y, const xmlChar **attrs, int nattr)
{
	struct outlet *o;

	if (y->nout == MAX_OUTLETS) {
		lk_xml_stop(&y->x, "more than %d outlets in one offer", MAX_OUTLETS);
		return;
	}
	if (y->nout == y->capout) {
		y->capout = y->capout ? y->capout * 2 : 8;
		y->out = realloc(y->out, y->capout * sizeof *y->out);
		if (y->out == NULL) {
			lk_xml_stop(&y->x, "out of memory");
			return;
		}
	}
	o = &y->out[y->nout++];
	o->line = lk_xml_line(&y->x);
	o->col = lk_xml_col(&y->x);
	if (!get_attr(attrs, nattr, y->n_id, o->loc, sizeof o->loc) &&
	    !get_attr(attrs, nattr, y->n_whname, o->loc, sizeof o->loc))
		o->loc[0] = '\0';
	o->has_qty = get_attr(attrs, nattr, y->n_instock, o->qty, sizeof o->qty);
	if (y->has_id && y->sku_slot == NULL && o->loc[0] && !y->x.p->o->outlets_sum)
		lk_parse_prefetch(y->x.p, y->id, o->loc);
}

/*
 * A child of <outlets>: <outlet> as Yandex documents it, or <option>
 * with the same attributes, which some shop engines write.
 */
static void
outlets_child(struct yml *y, const xmlChar *name, const xmlChar **attrs, int nattr)
{
	if (name == y->n_outlet || name == y->n_option) {
		add_outlet(y, attrs, nattr);
		return;
	}
	if (y->unknown_outlets++ == 0)
		lk_parse_copy(y->unknown_name, sizeof y->unknown_name, (const char *)name,
		    strlen((const char *)name));
}

static void
start_child(struct yml *y, const xmlChar *name)
{
	int i;

	if (name == y->n_outlets) {
		y->in_outlets = 1;
		return;
	}
	for (i = 0; i < NSLOTS; i++) {
		if (y->slot[i].name == name && !y->slot[i].set) {
			y->cap = &y->slot[i];
			y->cap->len = 0;
			y->cap->buf[0] = '\0';
			y->cap->line = lk_xml_line(&y->x);
			y->cap->col = lk_xml_col(&y->x);
			return;
		}
	}
}

/* <yml_catalog date="2026-12-01 10:00">: when the feed was made. */
static void
root_date(struct yml *y, const xmlChar **attrs, int nattr)
{
	size_t len;
	const xmlChar *v = lk_xml_attr(attrs, nattr, y->n_date, &len);

	if (v != NULL)
		lk_parse_produced(y->x.p, (const char *)v, len);
}

static void
on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
	struct yml *y = ctx;

	(void)prefix, (void)uri, (void)nns, (void)ns, (void)ndef;
	y->depth++;
	if (y->depth == 1)
		root_date(y, attrs, nattr);
	if (y->offer_depth) {
		if (y->depth == y->offer_depth + 1)
			start_child(y, name);
		else if (y->in_outlets && y->depth == y->offer_depth + 2)
			outlets_child(y, name, attrs, nattr);
	} else if (name == y->n_offers) {
		y->offers_depth = y->depth;
		y->seen_offers = 1;
	} else if (name == y->n_offer && y->offers_depth && y->depth == y->offers_depth + 1) {
		begin_offer(y, attrs, nattr);
	}
}

static void
on_text(void *ctx, const xmlChar *s, int len)
{
	struct yml *y = ctx;
	struct slot *c = y->cap;
	size_t room;

	if (c == NULL)
		return;
	room = sizeof c->buf - 1 - c->len;
	if ((size_t)len > room)
		len = (int)room;        /* a value this long is cut; sku is checked */
	memcpy(c->buf + c->len, s, (size_t)len);
	c->len += (size_t)len;
	c->buf[c->len] = '\0';
}

/* --- the end of an offer: its records --- */

static const char *
sku_of(struct yml *y)
{
	char *s;
	size_t cap;

	if (y->sku_slot != NULL) {
		if (!y->sku_slot->set)
			return NULL;
		s = y->sku_slot->buf;
		cap = sizeof y->sku_slot->buf;
	} else {
		if (!y->has_id)
			return NULL;
		s = y->id;
		cap = sizeof y->id;
	}
	if (strlen(s) >= cap - 1)
		return "";              /* cut: reported as too long */
	return lk_trim(s);
}

static void
emit_text(struct yml *y, struct lk_stock *s, char *text, unsigned long line, unsigned long col)
{
	char ex[LK_EXCERPT_SIZE];
	int rc = lk_parse_qty(y->x.p, text, strlen(text), &s->qty);

	if (rc < 0) {
		lk_parse_bad_sku(y->x.p, s->sku, NULL, line, col, "quantity '%s' %s",
		    lk_excerpt(lk_trim(text), (size_t)-1, ex), lk_parse_qty_why(rc));
		return;
	}
	lk_parse_stock(y->x.p, s);
}

static void
emit_outlets(struct yml *y, struct lk_stock *s, int zero)
{
	long long sum = 0, q;
	size_t i;
	int rc;

	for (i = 0; i < y->nout; i++) {
		struct outlet *o = &y->out[i];

		q = 0;
		if (!zero && !o->has_qty) {
			lk_parse_bad_sku(y->x.p, s->sku, NULL, o->line, o->col, "outlet without instock");
			return;
		}
		if (!zero && (rc = lk_parse_qty(y->x.p, o->qty, strlen(o->qty), &q)) < 0) {
			lk_parse_bad_sku(y->x.p, s->sku, NULL, o->line, o->col, "quantity '%s' %s",
			    lk_trim(o->qty), lk_parse_qty_why(rc));
			return;
		}
		if (y->x.p->o->outlets_sum) {
			sum = lk_qty_add(sum, q);
			continue;
		}
		s->qty = q;
		s->location = o->loc[0] ? o->loc : NULL;
		lk_parse_stock(y->x.p, s);
	}
	if (y->x.p->o->outlets_sum) {
		s->qty = sum;
		lk_parse_stock(y->x.p, s);
	}
}

/* What the mode looks for, for messages. */
static const char *
wanted(const struct yml *y)
{
	switch (y->qmode) {
	case Q_COUNT:
		return "<count>";
	case Q_OUTLETS:
		return "<outlets>";
	case Q_ATTR:
		return "a quantity attribute";
	case Q_ELEMENT:
		return "a quantity element";
	default:
		return "count, outlets, quantity or stock";
	}
}

/* An offer without a quantity: the fallback, or an error told at the end. */
static void
no_quantity(struct yml *y, struct lk_stock *s)
{
	const struct lk_parse_opts *o = y->x.p->o;

	if (y->available == 0 || o->available_qty >= 0) {
		s->qty = y->available == 0 ? 0 : o->available_qty;
		lk_parse_stock(y->x.p, s);
		return;
	}
	lk_noqty_add(y->x.p, &y->nq, s->sku, y->line, wanted(y));
}

/* Where the offer's quantity is under the mode: a slot, the outlets or an attribute. */
static struct slot *
pick(struct yml *y, int *outlets, char **attr)
{
	struct slot *count = &y->slot[S_COUNT];
	enum qty_mode m = y->qmode;

	*outlets = 0;
	*attr = NULL;
	if ((m == Q_AUTO || m == Q_COUNT) && count->set)
		return count;
	if (m == Q_ELEMENT && y->slot[S_QTY].set)
		return &y->slot[S_QTY];
	if ((m == Q_AUTO || m == Q_OUTLETS) && y->nout)
		*outlets = 1;
	else if ((m == Q_AUTO || m == Q_ATTR) && y->has_qattr)
		*attr = y->qattr;
	else if (m == Q_AUTO && y->has_qstock)
		*attr = y->qstock;
	return NULL;
}

static void
emit_quantity(struct yml *y, struct lk_stock *s)
{
	int outlets;
	char *attr;
	struct slot *sl = pick(y, &outlets, &attr);

	if (sl != NULL)
		emit_text(y, s, sl->buf, sl->line, sl->col);
	else if (outlets)
		emit_outlets(y, s, 0);
	else if (attr != NULL)
		emit_text(y, s, attr, y->line, y->col);
	if (sl == NULL && !outlets && attr == NULL)
		no_quantity(y, s);
	else
		y->nq.nqty++;
}

static const char *
text_of(struct slot *sl)
{
	char *t;

	if (!sl->set)
		return NULL;
	t = lk_trim(sl->buf);
	return *t ? t : NULL;
}

static void
end_offer(struct yml *y)
{
	struct lk_stock s;

	memset(&s, 0, sizeof s);
	y->nq.offers++;
	s.line = y->line;
	s.sku = sku_of(y);
	if (s.sku == NULL || *s.sku == '\0') {
		lk_parse_bad(y->x.p, y->line, y->col, s.sku ? "offer with an empty or too long sku" :
		    "offer without a sku (%s)", y->x.p->o->sku ? y->x.p->o->sku : "id");
		return;
	}
	s.name = text_of(&y->slot[S_NAME]);
	if (s.name == NULL)
		s.name = text_of(&y->slot[S_MODEL]);
	s.barcode = text_of(&y->slot[S_BARCODE]);
	if (y->available == 0 && y->x.p->o->unavailable_zero) {
		s.qty = 0;
		if (y->nout && !y->x.p->o->outlets_sum && y->qmode != Q_COUNT)
			emit_outlets(y, &s, 1);
		else
			lk_parse_stock(y->x.p, &s);
		return;
	}
	emit_quantity(y, &s);
}

static int
finish(struct yml *y)
{
	struct lk_parse *p = y->x.p;
	char hint[160];

	if (!y->seen_offers)
		return lk_parse_fail(p, 0, 0, "no <offers> element: not a YML feed");
	if (y->unknown_outlets && y->nq.nqty == 0) {
		/* Inventing units would hide that the quantities are there, unread. */
		snprintf(hint, sizeof hint, "their <outlets> hold <%s>, which lk does not read "
		    "(it reads <outlet> and <option> with instock)", y->unknown_name);
		return lk_noqty_finish(p, &y->nq, wanted(y), hint);
	}
	return lk_noqty_finish(p, &y->nq, wanted(y),
	    "set --available-qty N to give each available offer N units");
}

static void
on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct yml *y = ctx;

	(void)prefix, (void)uri;
	if (y->cap != NULL && y->depth == y->offer_depth + 1) {
		y->cap->set = 1;
		y->cap = NULL;
	}
	if (y->offer_depth) {
		if (y->depth == y->offer_depth) {
			end_offer(y);
			y->offer_depth = 0;
		} else if (y->depth == y->offer_depth + 1 && name == y->n_outlets) {
			y->in_outlets = 0;
		}
	} else if (y->depth == y->offers_depth) {
		y->offers_depth = 0;
	}
	y->depth--;
}

int
lk_yml_parse(struct lk_parse *p, struct lk_input *in)
{
	struct yml *y = calloc(1, sizeof *y);
	xmlSAXHandler sax;
	int rc = -1;

	if (y == NULL)
		return lk_parse_fail(p, 0, 0, "out of memory");
	if (lk_xml_init(&y->x, p) == 0 && setup(y) == 0) {
		memset(&sax, 0, sizeof sax);
		sax.startElementNs = on_start;
		sax.endElementNs = on_end;
		sax.characters = on_text;
		rc = lk_xml_run(&y->x, &sax, in);
		if (rc == 0)
			rc = finish(y);
	}
	lk_xml_free(&y->x);
	free(y->out);
	free(y);
	return rc;
}
