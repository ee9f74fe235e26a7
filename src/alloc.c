/*
 * alloc.c - the rules engine: set-up and validation of the channels, the
 * product table and the stock records (alloc.h).  Running the rules is in
 * alloc-run.c, snapshots in alloc-snap.c, reading records in alloc-input.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-int.h"
#include "err.h"

/* --- the product table: catalog rows, found by sku through the catalog's index --- */

static void
build_index(struct lk_alloc *a)
{
	size_t i;

	/* One array of sku pointers: the output and the snapshots name rows often. */
	a->sku = lk_xmalloc((a->nprod ? a->nprod : 1) * sizeof *a->sku);
	for (i = 0; i < a->nprod; i++)
		a->sku[i] = lk_catalog_get(a->cat, (long)i, 0);
}

long
lk_alloc_find(struct lk_alloc *a, const char *sku, size_t len)
{
	size_t g = a->next;
	long row;

	/* records come in catalog order more often than not: the row after the last one first */
	if (g < a->nprod && strncmp(a->sku[g], sku, len) == 0 && a->sku[g][len] == '\0')
		row = (long)g;
	else
		row = lk_catalog_find_n(a->cat, sku, len);
	if (row >= 0)
		a->next = (size_t)row + 1;
	return row;
}

static const char *const *sort_sku;

static int
cmp_row(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return strcmp(sort_sku[a], sort_sku[b]);
}

static void
build_order(struct lk_alloc *a)
{
	size_t i;
	int sorted = 1;

	a->order = lk_xmalloc((a->nprod ? a->nprod : 1) * sizeof *a->order);
	for (i = 0; i < a->nprod; i++) {
		a->order[i] = (uint32_t)i;
		if (i > 0 && strcmp(a->sku[i - 1], a->sku[i]) > 0)
			sorted = 0;
	}
	if (sorted)
		return;     /* a catalog kept sorted costs no sort */
	sort_sku = a->sku;
	qsort(a->order, a->nprod, sizeof *a->order, cmp_row);
}

/* --- sources and slots --- */

static long
find_source(const struct lk_alloc *a, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < a->nsrc; i++) {
		const char *n = a->src[i].cfg->name;

		if (strncmp(n, name, len) == 0 && n[len] == '\0')
			return (long)i;
	}
	return -1;
}

static int
same_locs(char *const *x, size_t nx, char *const *y, size_t ny)
{
	size_t i, j;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++) {
		for (j = 0; j < ny && strcmp(x[i], y[j]) != 0; j++)
			;
		if (j == ny)
			return 0;
	}
	return 1;
}

static size_t
add_slot(struct lk_alloc *a, size_t src, char *const *locs, size_t nlocs)
{
	size_t i;

	if (nlocs == 0)
		locs = NULL;
	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].src == src && (a->slots[i].locs == NULL) == (locs == NULL) &&
		    same_locs(a->slots[i].locs, a->slots[i].nlocs, locs, nlocs))
			return i;
	a->slots = lk_xrealloc(a->slots, (a->nslots + 1) * sizeof *a->slots);
	memset(&a->slots[a->nslots], 0, sizeof a->slots[0]);
	a->slots[a->nslots].src = src;
	a->slots[a->nslots].locs = locs;
	a->slots[a->nslots].nlocs = nlocs;
	return a->nslots++;
}

/* --- channels --- */

static const struct lk_channel *sort_ch;

static int
cmp_chan(const void *x, const void *y)
{
	return strcmp(sort_ch[*(const size_t *)x].name, sort_ch[*(const size_t *)y].name);
}

static const uint8_t *
filter_bits(struct lk_alloc *a, const struct lk_channel *c, struct lk_diag *d)
{
	const struct lk_config *cfg = a->cfg;
	struct lk_filter_prog *p;
	size_t i, r;

	for (i = 0; i < cfg->nfilters; i++)
		if (strcmp(cfg->filters[i].name, c->filter) == 0)
			break;
	if (i == cfg->nfilters) {
		lk_diag_add(d, c->file, "filter", "no filter '%s' in filters/", c->filter);
		return NULL;
	}
	if (a->filters[i])
		return a->filters[i];
	p = lk_filter_compile(&cfg->filters[i], a->cat, c->file, d);
	if (p == NULL)
		return NULL;
	a->filters[i] = lk_xmalloc(a->nprod ? a->nprod : 1);
	for (r = 0; r < a->nprod; r++)
		a->filters[i][r] = (uint8_t)lk_filter_match(p, a->cat, r);
	lk_filter_prog_free(p);
	return a->filters[i];
}

static int
check_steps(const struct lk_channel *c, long *equal_at, int *distributes, struct lk_diag *d)
{
	size_t i;
	int bad = 0;
	char field[32];

	*equal_at = -1;
	*distributes = 0;
	for (i = 0; i < c->nrule; i++) {
		const struct lk_rule_step *s = &c->rule[i];

		snprintf(field, sizeof field, "rule[%zu]", i);
		if (s->kind == LK_STEP_SHARE) {
			*distributes = 1;
			if (!(s->percent >= 0 && s->percent <= 100)) {
				lk_diag_add(d, c->file, field, "share %g is not between 0 and 100", s->percent);
				bad = 1;
			}
		} else if (s->kind == LK_STEP_EQUAL) {
			*distributes = 1;
			if (*equal_at >= 0) {
				lk_diag_add(d, c->file, field, "a second 'equal' step");
				bad = 1;
			}
			*equal_at = (long)i;
		} else if (s->kind != LK_STEP_IF && s->value < 0) {
			lk_diag_add(d, c->file, field, "negative quantity %lld", s->value);
			bad = 1;
		} else if (s->kind == LK_STEP_IF && !s->then_qty && s->then < 0) {
			lk_diag_add(d, c->file, field, "negative result %lld", s->then);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static void
add_src(struct achan *ch, size_t s, size_t cap)
{
	size_t i;

	if (ch->srcs == NULL)
		ch->srcs = lk_xcalloc(cap ? cap : 1, sizeof *ch->srcs);
	for (i = 0; i < ch->nsrcs; i++)
		if (ch->srcs[i] == s)
			return;
	ch->srcs[ch->nsrcs++] = s;
}

static int
set_sources(struct lk_alloc *a, struct achan *ch, struct lk_diag *d)
{
	const struct lk_channel *c = ch->cfg;
	size_t i;
	int bad = 0;

	ch->slots = lk_xcalloc(c->nsources ? c->nsources : 1, sizeof *ch->slots);
	for (i = 0; i < c->nsources; i++) {
		long s = find_source(a, c->sources[i].name, strlen(c->sources[i].name));

		if (s < 0) {
			lk_diag_add(d, c->file, "sources", "no source '%s' in sources/", c->sources[i].name);
			bad = 1;
			continue;
		}
		if (!a->src[s].cfg->on_sale)
			continue;   /* a source not on sale counts for no channel */
		if (c->enabled)
			a->src[s].used = 1;
		ch->slots[ch->nslots++] = add_slot(a, (size_t)s, c->sources[i].locations,
		    c->sources[i].nlocations);
		add_src(ch, (size_t)s, c->nsources);
	}
	return bad ? -1 : 0;
}

/* Channels that split equally: the same slots, and the same steps before 'equal'. */
static int
same_sources(const struct achan *x, const struct achan *y)
{
	size_t i, j;

	if (x->nslots != y->nslots)
		return 0;
	for (i = 0; i < x->nslots; i++) {
		for (j = 0; j < y->nslots && x->slots[i] != y->slots[j]; j++)
			;
		if (j == y->nslots)
			return 0;
	}
	return 1;
}

static int
same_prefix(const struct achan *x, const struct achan *y)
{
	long i;

	if (x->equal_at != y->equal_at)
		return 0;
	for (i = 0; i < x->equal_at; i++)
		if (memcmp(&x->cfg->rule[i], &y->cfg->rule[i], sizeof x->cfg->rule[i]) != 0)
			return 0;
	return 1;
}

static int
build_groups(struct lk_alloc *a, struct lk_diag *d)
{
	size_t i, g;
	int bad = 0;

	for (i = 0; i < a->nch; i++) {
		struct achan *c = &a->ch[i];

		if (c->equal_at < 0 || !c->cfg->enabled)
			continue;
		for (g = 0; g < a->ngroups; g++)
			if (same_sources(&a->ch[a->groups[g][0]], c))
				break;
		if (g == a->ngroups) {
			a->groups = lk_xrealloc(a->groups, (g + 1) * sizeof *a->groups);
			a->groupn = lk_xrealloc(a->groupn, (g + 1) * sizeof *a->groupn);
			a->groups[g] = lk_xcalloc(a->nch, sizeof **a->groups);
			a->groupn[g] = 0;
			a->ngroups++;
		} else if (!same_prefix(&a->ch[a->groups[g][0]], c)) {
			lk_diag_add(d, c->cfg->file, "rule",
			    "the steps before 'equal' differ from %s's, so the parts would not add up",
			    a->ch[a->groups[g][0]].cfg->file);
			bad = 1;
		}
		c->group = g;
		a->groups[g][a->groupn[g]++] = i;   /* channels are in name order */
	}
	return bad ? -1 : 0;
}

/* The slots undistributed is measured on: the union of the distributing channels'. */
static void
build_pool(struct lk_alloc *a)
{
	size_t i, j, k;

	a->pool = lk_xcalloc(a->nslots ? a->nslots : 1, sizeof *a->pool);
	for (i = 0; i < a->nch; i++) {
		struct achan *c = &a->ch[i];

		if (!c->distributes || !c->cfg->enabled)
			continue;
		for (j = 0; j < c->nslots; j++) {
			for (k = 0; k < a->npool && a->pool[k] != c->slots[j]; k++)
				;
			if (k == a->npool)
				a->pool[a->npool++] = c->slots[j];
		}
	}
}

static int
cmp_ovr(const void *x, const void *y)
{
	const struct ovr *p = x, *q = y;

	return (p->row > q->row) - (p->row < q->row);
}

static void
set_overrides(struct lk_alloc *a)
{
	const struct lk_config *cfg = a->cfg;
	size_t i, j;

	for (i = 0; i < cfg->noverrides; i++) {
		const struct lk_override *o = &cfg->overrides[i];
		long row = lk_alloc_find(a, o->sku, strlen(o->sku));
		struct achan *c = NULL;

		for (j = 0; j < a->nch; j++)
			if (strcmp(a->ch[j].cfg->name, o->channel) == 0)
				c = &a->ch[j];
		if (row < 0 || c == NULL) {
			lk_warn("overrides.csv: %s '%s' unknown, pin ignored",
			    row < 0 ? "sku" : "channel", row < 0 ? o->sku : o->channel);
			continue;
		}
		c->ovr = lk_xrealloc(c->ovr, (c->novr + 1) * sizeof *c->ovr);
		c->ovr[c->novr].row = (uint32_t)row;
		c->ovr[c->novr].qty = o->hide ? 0 : o->qty;
		c->ovr[c->novr].hide = o->hide;
		c->novr++;
	}
	for (j = 0; j < a->nch; j++)
		if (a->ch[j].novr > 1)
			qsort(a->ch[j].ovr, a->ch[j].novr, sizeof *a->ch[j].ovr, cmp_ovr);
}

static int
setup_channels(struct lk_alloc *a, struct lk_diag *d)
{
	const struct lk_config *cfg = a->cfg;
	size_t *idx = lk_xcalloc(cfg->nchannels ? cfg->nchannels : 1, sizeof *idx);
	size_t i;
	int bad = 0;

	for (i = 0; i < cfg->nchannels; i++)
		idx[i] = i;
	sort_ch = cfg->channels;
	qsort(idx, cfg->nchannels, sizeof *idx, cmp_chan);
	a->nch = cfg->nchannels;
	a->ch = lk_xcalloc(a->nch ? a->nch : 1, sizeof *a->ch);
	for (i = 0; i < a->nch; i++) {
		struct achan *c = &a->ch[i];

		c->cfg = &cfg->channels[idx[i]];
		bad |= check_steps(c->cfg, &c->equal_at, &c->distributes, d);
		bad |= set_sources(a, c, d);
		if (c->cfg->filter && (c->pass = filter_bits(a, c->cfg, d)) == NULL)
			bad = 1;
	}
	free(idx);
	if (bad)
		return -1;
	if (build_groups(a, d) < 0)
		return -1;
	build_pool(a);
	set_overrides(a);
	return 0;
}

struct lk_alloc *
lk_alloc_new(const struct lk_config *cfg, struct lk_diag *d)
{
	struct lk_alloc *a = lk_xcalloc(1, sizeof *a);
	size_t i;

	a->cfg = cfg;
	a->cat = &cfg->catalog;
	a->nprod = cfg->catalog.nrows;
	build_index(a);
	build_order(a);
	a->nsrc = cfg->nsources;
	a->src = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *a->src);
	for (i = 0; i < a->nsrc; i++) {
		a->src[i].cfg = &cfg->sources[i];
		a->src[i].announced = -1;
		a->src[i].announced_bad = -1;
		a->src[i].qty = lk_xcalloc(a->nprod ? a->nprod : 1, sizeof *a->src[i].qty);
	}
	a->reserve = lk_xcalloc(a->nprod ? a->nprod : 1, sizeof *a->reserve);
	a->filters = lk_xcalloc(cfg->nfilters ? cfg->nfilters : 1, sizeof *a->filters);
	if (setup_channels(a, d) < 0) {
		lk_alloc_free(a);
		return NULL;
	}
	return a;
}

void
lk_alloc_src_reset(struct asrc *s, size_t nprod)
{
	size_t i;

	memset(s->qty, 0, (nprod ? nprod : 1) * sizeof *s->qty);
	s->nlocs = 0;
	for (i = 0; i < s->nlocnames; i++)
		free(s->locnames[i]);
	s->nlocnames = 0;
}

void
lk_alloc_free(struct lk_alloc *a)
{
	size_t i, j;

	if (a == NULL)
		return;
	for (i = 0; i < a->nsrc; i++) {
		lk_alloc_src_reset(&a->src[i], a->nprod);
		free(a->src[i].qty);
		free(a->src[i].locs);
		free(a->src[i].locnames);
		free(a->src[i].badrows);
		free(a->src[i].unknown);
		for (j = 0; j < LK_ALLOC_BAD_SHOWN; j++)
			free(a->src[i].bad_first[j]);
	}
	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].owned)
			free(a->slots[i].qty);
	for (i = 0; i < a->nch; i++) {
		free(a->ch[i].slots);
		free(a->ch[i].srcs);
		free(a->ch[i].shows);
		free(a->ch[i].ovr);
	}
	for (i = 0; i < a->ngroups; i++)
		free(a->groups[i]);
	for (i = 0; i < a->cfg->nfilters; i++)
		free(a->filters[i]);
	free(a->filters);
	free(a->groups);
	free(a->groupn);
	free(a->pool);
	free(a->slots);
	free(a->ch);
	free(a->src);
	free(a->reserve);
	json_decref(a->reserve_orders);
	for (i = 0; i < a->ndropped_skus; i++)
		free(a->dropped_skus[i]);
	free(a->sku);
	free(a->order);
	free(a->unknown_src_name);
	free(a);
}

/* --- records --- */

static uint32_t
intern_loc(struct asrc *s, const char *loc, size_t len)
{
	size_t i;

	for (i = s->nlocnames; i-- > 0; )
		if (strncmp(s->locnames[i], loc, len) == 0 && s->locnames[i][len] == '\0')
			return (uint32_t)i;
	s->locnames = lk_xrealloc(s->locnames, (s->nlocnames + 1) * sizeof *s->locnames);
	s->locnames[s->nlocnames] = lk_xstrndup(loc, len);
	return (uint32_t)s->nlocnames++;
}

void
lk_alloc_add(struct lk_alloc *a, struct asrc *s, uint32_t row, const char *loc,
    size_t loclen, long long qty)
{
	(void)a;
	if (qty > LK_QTY_MAX)       /* callers report it; here only bounded */
		qty = LK_QTY_MAX;
	if (qty < 0)
		qty = 0;
	s->qty[row] = lk_qty_add(s->qty[row], qty);
	if (loc == NULL)
		return;
	if (s->nlocs == s->caplocs) {
		s->caplocs = s->caplocs ? s->caplocs * 2 : 1024;
		s->locs = lk_xrealloc(s->locs, s->caplocs * sizeof *s->locs);
	}
	s->locs[s->nlocs].row = row;
	s->locs[s->nlocs].loc = intern_loc(s, loc, loclen);
	s->locs[s->nlocs].qty = qty;
	s->nlocs++;
}

/* Keeps the first few distinct dropped skus, so -v can name them. */
static void
note_dropped(struct lk_alloc *a, const char *sku, size_t len)
{
	size_t i;

	if (a->ndropped_skus == LK_ALLOC_DROPPED_NAMED)
		return;
	for (i = 0; i < a->ndropped_skus; i++)
		if (strncmp(a->dropped_skus[i], sku, len) == 0 && a->dropped_skus[i][len] == '\0')
			return;
	a->dropped_skus[a->ndropped_skus++] = lk_xstrndup(sku, len);
}

void
lk_alloc_stock(struct lk_alloc *a, const char *sku, size_t skulen, const char *src,
    size_t srclen, const char *loc, size_t loclen, long long qty)
{
	struct asrc *s;
	long row, si;

	if (a->lastsrc < a->nsrc && strncmp(a->src[a->lastsrc].cfg->name, src, srclen) == 0 &&
	    a->src[a->lastsrc].cfg->name[srclen] == '\0') {
		si = (long)a->lastsrc;
	} else if ((si = find_source(a, src, srclen)) < 0) {
		if (a->unknown_src++ == 0)
			a->unknown_src_name = lk_xstrndup(src, srclen);
		return;
	}
	a->lastsrc = (size_t)si;
	s = &a->src[si];
	s->nrecs++;
	if ((row = lk_alloc_find(a, sku, skulen)) < 0) {
		s->dropped++;
		note_dropped(a, sku, skulen);
		return;
	}
	lk_alloc_add(a, s, (uint32_t)row, loc, loclen, qty);
}

void
lk_alloc_source(struct lk_alloc *a, const char *src, int complete, long long records)
{
	long si = find_source(a, src, strlen(src));

	if (si < 0) {
		if (a->unknown_src++ == 0)
			a->unknown_src_name = lk_xstrdup(src);
		return;
	}
	a->src[si].sentinel = complete ? 1 : 2;
	a->src[si].announced = records;
}

void
lk_alloc_source_bad(struct lk_alloc *a, const char *src, long long bad)
{
	long si = find_source(a, src, strlen(src));

	if (si >= 0)
		a->src[si].announced_bad = bad;
}

void
lk_alloc_bad(struct lk_alloc *a, const char *src, const char *sku, const char *error, int parsed)
{
	long si = find_source(a, src, strlen(src)), row;
	struct asrc *s;

	if (si < 0) {
		if (a->unknown_src++ == 0)
			a->unknown_src_name = lk_xstrdup(src);
		return;
	}
	s = &a->src[si];
	if (s->nbad < LK_ALLOC_BAD_SHOWN)
		s->bad_first[s->nbad] = lk_xstrdup(error ? error : "unreadable");
	s->nbad++;
	s->nbad_parsed += parsed != 0;
	row = sku ? lk_alloc_find(a, sku, strlen(sku)) : -1;
	if (row < 0) {
		/* A sku not in the catalog is no product of ours; none at all may be any. */
		s->bad_nosku += sku == NULL;
		return;
	}
	if (s->nbadrows == s->capbad) {
		s->capbad = s->capbad ? s->capbad * 2 : 16;
		s->badrows = lk_xrealloc(s->badrows, s->capbad * sizeof *s->badrows);
	}
	s->badrows[s->nbadrows++] = (uint32_t)row;
}

void
lk_alloc_force(struct lk_alloc *a)
{
	a->force = 1;
}

size_t
lk_alloc_guarded(const struct lk_alloc *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nsrc; i++)
		n += a->src[i].guarded || (a->src[i].state == SRC_LIVE && a->src[i].nbad > 0);
	return n;
}

void
lk_alloc_reserve(struct lk_alloc *a, const char *sku, size_t skulen, long long qty)
{
	long row = lk_alloc_find(a, sku, skulen);

	if (row < 0) {
		a->unknown_res++;
		return;
	}
	a->reserve[row] = lk_qty_add(a->reserve[row], qty > LK_QTY_MAX ? LK_QTY_MAX : qty);
}

int
lk_alloc_wants_shows(const struct lk_alloc *a, const char *channel)
{
	size_t i;

	for (i = 0; i < a->nch; i++) {
		const struct achan *c = &a->ch[i];

		if (strcmp(c->cfg->name, channel) == 0)
			return !c->cfg->overlap && c->nsrcs > 0 &&
			    (!c->cfg->enabled || c->stopped || c->pass != NULL);
	}
	return 0;
}

void
lk_alloc_shows(struct lk_alloc *a, const char *channel, const char *sku, long long qty)
{
	long row = lk_alloc_find(a, sku, strlen(sku));
	size_t i;

	if (row < 0 || qty <= 0)
		return;
	for (i = 0; i < a->nch; i++) {
		struct achan *c = &a->ch[i];

		if (strcmp(c->cfg->name, channel) != 0)
			continue;
		if (c->shows == NULL)
			c->shows = lk_xcalloc(a->nprod ? a->nprod : 1, sizeof *c->shows);
		c->shows[row] = qty > LK_QTY_MAX ? LK_QTY_MAX : qty;
	}
}

void
lk_alloc_warn_dropped(const struct lk_alloc *a)
{
	unsigned long n = 0;
	size_t i;
	char list[512] = "";
	size_t len = 0;

	for (i = 0; i < a->nsrc; i++) {
		if (a->src[i].dropped == 0)
			continue;
		n += a->src[i].dropped;
		if (len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s %lu",
			    len ? ", " : "", a->src[i].cfg->name, a->src[i].dropped);
	}
	if (n) {
		lk_warn("%lu stock records of skus not in catalog.csv dropped (%s)", n, list);
		for (i = 0, len = 0; i < a->ndropped_skus && len < sizeof list; i++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
			    a->dropped_skus[i]);
		if (a->ndropped_skus == LK_ALLOC_DROPPED_NAMED)
			lk_debug("skus not in catalog.csv: %s, ... (the first %d)", list,
			    LK_ALLOC_DROPPED_NAMED);
		else
			lk_debug("skus not in catalog.csv: %s", list);
	}
	if (a->unknown_src)
		lk_warn("%lu records of sources not in sources/ ignored (first: '%s')",
		    a->unknown_src, a->unknown_src_name);
	if (a->unknown_res)
		lk_warn("%lu reserve records of skus not in catalog.csv ignored", a->unknown_res);
}

/*
 * The largest share of a source's stock a channel can show: the product of
 * its share steps (those before 'equal' for a group, which then counts
 * once).  Caps and conditions only lower it, so this is an upper bound.
 */
static double
channel_part(const struct achan *c)
{
	size_t i, end = c->equal_at >= 0 ? (size_t)c->equal_at : c->cfg->nrule;
	double part = 1.0;

	for (i = 0; i < end; i++)
		if (c->cfg->rule[i].kind == LK_STEP_SHARE)
			part *= c->cfg->rule[i].percent / 100.0;
	return part;
}

static int
uses_source(const struct achan *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->cfg->nsources; i++)
		if (strcmp(c->cfg->sources[i].name, name) == 0)
			return 1;
	return 0;
}

/* Appends ", name" (or "+name" within a group) to *list. */
static void
append_name(char **list, const char *sep, const char *name)
{
	char *grown = lk_xasprintf("%s%s%s", *list, **list ? sep : "", name);

	free(*list);
	*list = grown;
}

void
lk_alloc_overcommit(const struct lk_alloc *a,
    void (*cb)(const char *source, double percent, const char *channels, void *arg), void *arg)
{
	unsigned char *group_seen = lk_xcalloc(a->ngroups + 1, 1);
	size_t s, i, j, n;
	char *names, *group;
	double total;

	for (s = 0; s < a->nsrc; s++) {
		const char *src = a->src[s].cfg->name;

		if (!a->src[s].cfg->on_sale)
			continue;
		memset(group_seen, 0, a->ngroups + 1);
		total = 0;
		n = 0;
		names = lk_xstrdup("");
		for (i = 0; i < a->nch; i++) {
			const struct achan *c = &a->ch[i];

			if (!c->cfg->enabled || !uses_source(c, src))
				continue;
			if (c->equal_at >= 0) {
				if (group_seen[c->group])
					continue;
				group_seen[c->group] = 1;
				group = lk_xstrdup("");
				for (j = 0; j < a->groupn[c->group]; j++)
					append_name(&group, "+", a->ch[a->groups[c->group][j]].cfg->name);
				append_name(&names, ", ", group);
				free(group);
			} else {
				append_name(&names, ", ", c->cfg->name);
			}
			total += channel_part(c);
			n++;
		}
		if (n > 1 && total > 1.0 + 1e-9)
			cb(src, total * 100.0, names, arg);
		free(names);
	}
	free(group_seen);
}
