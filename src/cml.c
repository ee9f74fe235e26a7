/*
 * cml.c - lk-parse-cml: stock records from CommerceML 2 and 3 (1C)
 * offers.xml and rests.xml, streamed through SAX (xml-src.h).
 *
 * Names are compared by local name, so the namespace (none in 2.04,
 * urn:1C.ru:commerceml_2 in 2.07, commerceml_3 in 3.1) does not matter.
 * Inside <Предложение> the parser keeps the sku fields, the total
 * <Количество> and a list of per-warehouse quantities from any of the
 * three forms 1C writes:
 *
 *   <Склад ИдСклада="..." КоличествоНаСкладе="..."/>                  2.07+
 *   <КоличествоНаСкладах><КоличествоНаСкладе ИдСклада=..>N</..>       2.05
 *   <Остатки><Остаток><Склад><Ид>..</Ид><Количество>..</Количество>   rests.xml
 *
 * Warehouse names come from <Склады><Склад><Ид/><Наименование/>.
 */
#include <stdlib.h>
#include <string.h>

#include "xml-src.h"
#include "util.h"

#define MAX_WH 10000            /* warehouses per offer, and declared */
#define DEPTH 16                /* element names kept below an offer */

struct text {
	char buf[512];
	size_t len;
	int set;
	unsigned long line, col;
};

struct wh {
	struct text id, qty;
	long long v;            /* the parsed quantity */
};

struct whname {
	char id[128];
	char name[256];
};

enum { N_SKLADY, N_SKLAD, N_ID, N_NAME, N_OFFERS, N_OFFER, N_ART, N_BAR, N_BAR2,
	N_QTY, N_WHID, N_WHQTY, N_WHQTYS, N_RESTS, N_REST, N_DATE, N_NAMES };

static const char *const names[N_NAMES] = {
	"Склады", "Склад", "Ид", "Наименование", "Предложения", "Предложение",
	"Артикул", "Штрихкод", "ШтрихКод", "Количество", "ИдСклада",
	"КоличествоНаСкладе", "КоличествоНаСкладах", "Остатки", "Остаток", "ДатаФормирования"
};

struct cml {
	struct lk_xml x;        /* first: the SAX user data */
	const xmlChar *n[N_NAMES];
	int depth, offers_depth, offer_depth, sklady_depth, seen_offers;
	const xmlChar *path[DEPTH];     /* names below the offer: path[0] = child */
	struct text *cap;
	int cap_depth;
	/* the current offer */
	struct text id, art, bar, name, total;
	struct wh *wh;
	size_t nwh, capwh;
	int in_wh;              /* a warehouse entry is open (nested forms) */
	unsigned long line, col;
	/* declared warehouses */
	struct whname *decl;
	size_t ndecl, capdecl;
	struct text decl_id, decl_name;
	struct lk_noqty nq;
	unsigned long undeclared;       /* --location-names without a name */
};

static void *
grow(struct cml *c, void *p, size_t *cap, size_t size)
{
	void *np;

	if (*cap >= MAX_WH) {
		lk_xml_stop(&c->x, "more than %d warehouses", MAX_WH);
		return NULL;
	}
	*cap = *cap ? *cap * 2 : 8;
	np = realloc(p, *cap * size);
	if (np == NULL)
		lk_xml_stop(&c->x, "out of memory");
	return np;
}

static void
capture(struct cml *c, struct text *t)
{
	c->cap = t;
	c->cap_depth = c->depth;
	t->len = 0;
	t->buf[0] = '\0';
	t->set = 1;
	t->line = lk_xml_line(&c->x);
	t->col = lk_xml_col(&c->x);
}

/* Sets t from an attribute of the start tag, if it is there. */
static void
attr_text(struct cml *c, struct text *t, const xmlChar **attrs, int nattr, const xmlChar *name)
{
	size_t len;
	const xmlChar *v = lk_xml_attr(attrs, nattr, name, &len);

	if (v == NULL)
		return;
	t->len = lk_xml_attr_copy(t->buf, sizeof t->buf, v, len);
	t->set = 1;
	t->line = lk_xml_line(&c->x);
	t->col = lk_xml_col(&c->x);
}

static struct wh *
new_wh(struct cml *c)
{
	struct wh *w;

	if (c->nwh == c->capwh) {
		struct wh *nw = grow(c, c->wh, &c->capwh, sizeof *c->wh);

		if (nw == NULL)
			return NULL;
		c->wh = nw;
	}
	w = &c->wh[c->nwh++];
	memset(w, 0, sizeof *w);
	c->in_wh = 1;
	return w;
}

static void
begin_offer(struct cml *c)
{
	c->offer_depth = c->depth;
	c->line = lk_xml_line(&c->x);
	c->col = lk_xml_col(&c->x);
	c->id.set = c->art.set = c->bar.set = c->name.set = c->total.set = 0;
	c->nwh = 0;
	c->in_wh = 0;
}

/* A start tag below <Предложение>; rel is its depth below the offer (1 = child). */
static void
offer_child(struct cml *c, int rel, const xmlChar *name, const xmlChar **attrs, int nattr)
{
	const xmlChar **n = c->n, *parent = rel > 1 ? c->path[rel - 2] : NULL;
	struct wh *w;

	if (rel == 1) {
		if (name == n[N_ID])
			capture(c, &c->id);
		else if (name == n[N_ART])
			capture(c, &c->art);
		else if (name == n[N_BAR] || name == n[N_BAR2])
			capture(c, &c->bar);
		else if (name == n[N_NAME])
			capture(c, &c->name);
		else if (name == n[N_QTY])
			capture(c, &c->total);
		else if (name == n[N_SKLAD] && (w = new_wh(c)) != NULL) {
			attr_text(c, &w->id, attrs, nattr, n[N_WHID]);
			attr_text(c, &w->qty, attrs, nattr, n[N_WHQTY]);
			c->in_wh = 0;
		}
		return;
	}
	if ((parent == n[N_WHQTYS] && name == n[N_WHQTY]) ||
	    (parent == n[N_REST] && name == n[N_SKLAD])) {
		if ((w = new_wh(c)) == NULL)
			return;
		attr_text(c, &w->id, attrs, nattr, n[N_WHID]);
		attr_text(c, &w->qty, attrs, nattr, n[N_QTY]);
		if (!w->qty.set)
			capture(c, &w->qty);    /* 2.05: the quantity as the text */
	} else if (c->in_wh && (name == n[N_ID] || name == n[N_WHID]) &&
	    (parent == n[N_SKLAD] || parent == n[N_WHQTY])) {
		capture(c, &c->wh[c->nwh - 1].id);
	} else if (c->in_wh && name == n[N_QTY] &&
	    (parent == n[N_SKLAD] || parent == n[N_WHQTY])) {
		capture(c, &c->wh[c->nwh - 1].qty);
	} else if (parent == n[N_REST] && name == n[N_QTY]) {
		capture(c, &c->total);          /* <Остаток><Количество>: a total */
	}
}

static void
declared(struct cml *c, int rel, const xmlChar *name)
{
	if (rel == 1 && name == c->n[N_SKLAD]) {
		c->decl_id.set = c->decl_name.set = 0;
	} else if (rel == 2 && name == c->n[N_ID]) {
		capture(c, &c->decl_id);
	} else if (rel == 2 && name == c->n[N_NAME]) {
		capture(c, &c->decl_name);
	}
}

/* <КоммерческаяИнформация ДатаФормирования="2026-12-01T10:00:00">: when 1C made the file. */
static void
root_date(struct cml *c, const xmlChar **attrs, int nattr)
{
	size_t len;
	const xmlChar *v = lk_xml_attr(attrs, nattr, c->n[N_DATE], &len);

	if (v != NULL)
		lk_parse_produced(c->x.p, (const char *)v, len);
}

static void
on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
	struct cml *c = ctx;
	int rel;

	(void)prefix, (void)uri, (void)nns, (void)ns, (void)ndef;
	c->depth++;
	if (c->depth == 1)
		root_date(c, attrs, nattr);
	if (c->offer_depth) {
		rel = c->depth - c->offer_depth;
		if (rel <= DEPTH)
			c->path[rel - 1] = name;
		c->cap = NULL;          /* text before a child element is not a value */
		if (rel <= DEPTH)
			offer_child(c, rel, name, attrs, nattr);
	} else if (c->sklady_depth) {
		declared(c, c->depth - c->sklady_depth, name);
	} else if (name == c->n[N_OFFERS]) {
		c->offers_depth = c->depth;
		c->seen_offers = 1;
	} else if (name == c->n[N_OFFER] && c->offers_depth && c->depth == c->offers_depth + 1) {
		begin_offer(c);
	} else if (name == c->n[N_SKLADY]) {
		c->sklady_depth = c->depth;
	}
}

static void
on_text(void *ctx, const xmlChar *s, int len)
{
	struct cml *c = ctx;
	struct text *t = c->cap;
	size_t room;

	if (t == NULL)
		return;
	room = sizeof t->buf - 1 - t->len;
	if ((size_t)len > room)
		len = (int)room;
	memcpy(t->buf + t->len, s, (size_t)len);
	t->len += (size_t)len;
	t->buf[t->len] = '\0';
}

static void
end_declared(struct cml *c)
{
	struct whname *d;

	if (!c->decl_id.set)
		return;
	if (c->ndecl == c->capdecl) {
		struct whname *nd = grow(c, c->decl, &c->capdecl, sizeof *c->decl);

		if (nd == NULL)
			return;
		c->decl = nd;
	}
	d = &c->decl[c->ndecl++];
	lk_parse_copy(d->id, sizeof d->id, c->decl_id.buf, c->decl_id.len);
	lk_parse_copy(d->name, sizeof d->name, c->decl_name.set ? c->decl_name.buf : "",
	    c->decl_name.set ? c->decl_name.len : 0);
}

/* --- the end of an offer: its records --- */

#define WHAT "Количество, Склад or Остатки"

static const char *
text_of(struct text *t)
{
	char *s;

	if (!t->set)
		return NULL;
	s = lk_trim(t->buf);
	return *s ? s : NULL;
}

static int
check_sku(struct cml *c)
{
	const char *s = c->x.p->o->sku;

	if (s == NULL || strcmp(s, "id") == 0 || strcmp(s, "article") == 0 ||
	    strcmp(s, "barcode") == 0)
		return 0;
	return lk_parse_fail(c->x.p, 0, 0, "sku '%s' is not id, article or barcode", s);
}

static struct text *
sku_text(struct cml *c, const char **what)
{
	const char *s = c->x.p->o->sku;

	if (s != NULL && strcmp(s, "article") == 0) {
		*what = "<Артикул>";
		return &c->art;
	}
	if (s != NULL && strcmp(s, "barcode") == 0) {
		*what = "<Штрихкод>";
		return &c->bar;
	}
	*what = "<Ид>";
	return &c->id;
}

static int
qty_of(struct cml *c, const char *sku, struct text *t, long long *out)
{
	int rc = lk_parse_qty(c->x.p, t->buf, t->len, out);

	if (rc == 0)
		return 0;
	char ex[LK_EXCERPT_SIZE];

	lk_parse_bad_sku(c->x.p, sku, NULL, t->line, t->col, "quantity '%s' %s",
	    lk_excerpt(lk_trim(t->buf), (size_t)-1, ex), lk_parse_qty_why(rc));
	return -1;
}

static const char *
location_of(struct cml *c, struct wh *w)
{
	size_t i;

	if (c->x.p->o->location_names) {
		for (i = 0; i < c->ndecl; i++)
			if (strcmp(c->decl[i].id, w->id.buf) == 0 && c->decl[i].name[0])
				return c->decl[i].name;
		c->undeclared++;
	}
	return w->id.buf;
}

/* Parses every warehouse's quantity first: one bad value skips the offer. */
static int
warehouses(struct cml *c, const char *sku, long long *sum)
{
	size_t i;
	long long q;

	*sum = 0;
	for (i = 0; i < c->nwh; i++) {
		struct wh *w = &c->wh[i];

		if (text_of(&w->id) == NULL) {
			lk_parse_bad_sku(c->x.p, sku, NULL, c->line, 0, "warehouse without an id");
			return -1;
		}
		if (!w->qty.set) {
			lk_parse_bad_sku(c->x.p, sku, NULL, c->line, 0, "warehouse '%s' without a quantity",
			    w->id.buf);
			return -1;
		}
		if (qty_of(c, sku, &w->qty, &q) < 0)
			return -1;
		w->qty.len = 0;         /* parsed: the value is kept below */
		w->v = q;
		*sum = lk_qty_add(*sum, q);
	}
	return 0;
}

static void
emit(struct cml *c, struct lk_stock *s)
{
	size_t i;
	long long sum;

	if (c->x.p->o->per_warehouse && c->nwh > 0) {
		if (warehouses(c, s->sku, &sum) < 0)
			return;
		for (i = 0; i < c->nwh; i++) {
			s->qty = c->wh[i].v;
			s->location = location_of(c, &c->wh[i]);
			lk_parse_stock(c->x.p, s);
		}
		return;
	}
	if (c->total.set) {
		if (qty_of(c, s->sku, &c->total, &s->qty) == 0)
			lk_parse_stock(c->x.p, s);
		return;
	}
	if (warehouses(c, s->sku, &sum) == 0) {
		s->qty = sum;
		lk_parse_stock(c->x.p, s);
	}
}

static void
end_offer(struct cml *c)
{
	struct lk_stock s;
	const char *what;
	struct text *t = sku_text(c, &what);

	memset(&s, 0, sizeof s);
	c->nq.offers++;
	s.line = c->line;
	s.sku = text_of(t);
	if (s.sku == NULL) {
		lk_parse_bad(c->x.p, c->line, c->col, "offer without %s", what);
		return;
	}
	s.name = text_of(&c->name);
	s.barcode = text_of(&c->bar);
	if (c->nwh == 0 && !c->total.set) {
		lk_noqty_add(c->x.p, &c->nq, s.sku, c->line, WHAT);
		return;
	}
	c->nq.nqty++;
	emit(c, &s);
}

static int
finish(struct cml *c)
{
	struct lk_parse *p = c->x.p;
	char msg[256];

	if (!c->seen_offers)
		return lk_parse_fail(p, 0, 0, "no <Предложения>: not an offers.xml or rests.xml "
		    "(import.xml holds the catalogue, not the stock)");
	if (c->undeclared) {
		snprintf(msg, sizeof msg, "%s: %lu records name a warehouse not declared in "
		    "<Склады>; their location is the id", p->o->name, c->undeclared);
		p->report(p->report_arg, msg);
	}
	return lk_noqty_finish(p, &c->nq, WHAT,
	    "the stock of a 1C exchange is in offers.xml or rests.xml");
}

static void
on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct cml *c = ctx;
	int rel;

	(void)prefix, (void)uri;
	if (c->cap != NULL && c->depth == c->cap_depth)
		c->cap = NULL;
	if (c->offer_depth) {
		rel = c->depth - c->offer_depth;
		if (rel == 0) {
			end_offer(c);
			c->offer_depth = 0;
		} else if (c->in_wh && (name == c->n[N_SKLAD] || name == c->n[N_WHQTY])) {
			c->in_wh = 0;
		}
	} else if (c->sklady_depth) {
		if (c->depth == c->sklady_depth)
			c->sklady_depth = 0;
		else if (c->depth == c->sklady_depth + 1)
			end_declared(c);
	} else if (c->depth == c->offers_depth) {
		c->offers_depth = 0;
	}
	c->depth--;
}

int
lk_cml_parse(struct lk_parse *p, struct lk_input *in)
{
	struct cml *c = calloc(1, sizeof *c);
	xmlSAXHandler sax;
	int rc = -1, i;

	if (c == NULL)
		return lk_parse_fail(p, 0, 0, "out of memory");
	if (lk_xml_init(&c->x, p) == 0 && check_sku(c) == 0) {
		for (i = 0; i < N_NAMES; i++)
			c->n[i] = lk_xml_intern(&c->x, names[i]);
		memset(&sax, 0, sizeof sax);
		sax.startElementNs = on_start;
		sax.endElementNs = on_end;
		sax.characters = on_text;
		rc = lk_xml_run(&c->x, &sax, in);
		if (rc == 0)
			rc = finish(c);
	}
	lk_xml_free(&c->x);
	free(c->wh);
	free(c->decl);
	free(c);
	return rc;
}
