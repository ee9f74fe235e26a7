/*
 * reserve.c - the reserve ledger's rules (reserve.h): which orders hold
 * stock, when they let go, and how much of a marketplace decrease the
 * orders leave unexplained.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reserve.h"
#include "util.h"

/* A decrease this large (units, and more than half the push) looks like another sender. */
#define LARGE_DECREASE_MIN 3

void
lk_reserve_init(struct lk_reserve *r, time_t now, long long max_age, long long ttl)
{
	memset(r, 0, sizeof *r);
	r->now = now;
	r->max_age = max_age;
	r->ttl = ttl;
}

static void
order_free(struct lk_rsv_order *o)
{
	free(o->channel);
	free(o->id);
	free(o->sku);
	free(o->status);
	free(o->released);
	free(o->waiting);
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
lk_reserve_free(struct lk_reserve *r)
{
	for (size_t i = 0; i < r->norders; i++)
		order_free(&r->orders[i]);
	free(r->orders);
	free(r->index);
	for (size_t i = 0; i < r->ndecs; i++) {
		free(r->decs[i].channel);
		free(r->decs[i].sku);
	}
	free(r->decs);
	for (size_t i = 0; i < r->nconflicts; i++) {
		free(r->conflicts[i].channel);
		free(r->conflicts[i].sku);
		free(r->conflicts[i].reason);
	}
	free(r->conflicts);
	strv_free(r->complete, r->ncomplete);
	strv_free(r->failed, r->nfailed);
	strv_free(r->keeps, r->nkeeps);
	for (size_t i = 0; i < r->nsrcs; i++)
		free(r->srcs[i].name);
	free(r->srcs);
	free(r->listed);
	memset(r, 0, sizeof *r);
}

/* --- the order index: FNV-1a over the three key fields --- */

static uint64_t
hash_key(const char *channel, const char *id, const char *sku)
{
	const char *parts[3] = { channel, id, sku };
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0x1f) * 1099511628211ULL;  /* field separator */
	}
	return h;
}

static int
order_is(const struct lk_rsv_order *o, const char *channel, const char *id, const char *sku)
{
	return strcmp(o->channel, channel) == 0 && strcmp(o->id, id) == 0 &&
	    strcmp(o->sku, sku) == 0;
}

/* Slot of the key in the index: the order there, or an empty slot (SIZE_MAX). */
static size_t *
index_slot(const struct lk_reserve *r, const char *channel, const char *id, const char *sku)
{
	size_t mask = r->idxcap - 1;
	size_t i = hash_key(channel, id, sku) & mask;

	while (r->index[i] != SIZE_MAX && !order_is(&r->orders[r->index[i]], channel, id, sku))
		i = (i + 1) & mask;
	return &r->index[i];
}

static void
index_rebuild(struct lk_reserve *r)
{
	size_t cap = 64;

	while (cap < r->norders * 2 + 2)
		cap *= 2;
	free(r->index);
	r->index = lk_xmalloc(cap * sizeof *r->index);
	r->idxcap = cap;
	for (size_t i = 0; i < cap; i++)
		r->index[i] = SIZE_MAX;
	for (size_t i = 0; i < r->norders; i++) {
		struct lk_rsv_order *o = &r->orders[i];
		*index_slot(r, o->channel, o->id, o->sku) = i;
	}
}

static struct lk_rsv_order *
order_find(struct lk_reserve *r, const char *channel, const char *id, const char *sku)
{
	size_t *slot;

	if (r->idxcap == 0)
		return NULL;
	slot = index_slot(r, channel, id, sku);
	return *slot == SIZE_MAX ? NULL : &r->orders[*slot];
}

static struct lk_rsv_order *
order_add(struct lk_reserve *r, const char *channel, const char *id, const char *sku)
{
	struct lk_rsv_order *o;

	if (r->norders == r->ordcap) {
		r->ordcap = r->ordcap ? r->ordcap * 2 : 64;
		r->orders = lk_xrealloc(r->orders, r->ordcap * sizeof *r->orders);
	}
	o = &r->orders[r->norders++];
	memset(o, 0, sizeof *o);
	o->channel = lk_xstrdup(channel);
	o->id = lk_xstrdup(id);
	o->sku = lk_xstrdup(sku);
	if (r->norders * 2 + 2 > r->idxcap)
		index_rebuild(r);
	else
		*index_slot(r, channel, id, sku) = r->norders - 1;
	return o;
}

static void
release(struct lk_rsv_order *o, const char *why)
{
	o->reserving = 0;
	free(o->released);
	o->released = lk_xstrdup(why);
	free(o->waiting);
	o->waiting = NULL;
}

/* The order left the reserving statuses without a cancel: it waits for the sources. */
static void
ship(struct lk_reserve *r, struct lk_rsv_order *o, time_t changed)
{
	if (o->shipped)
		return;
	o->shipped = changed && changed <= r->now ? changed : r->now;
}

void
lk_reserve_order(struct lk_reserve *r, const char *channel, const char *id,
    const char *sku, long long qty, const char *status, time_t at, time_t changed,
    int reserving, int cancelled)
{
	struct lk_rsv_order *o = order_find(r, channel, id, sku);

	if (o == NULL) {
		o = order_add(r, channel, id, sku);
		o->first_seen = r->now;
		o->at = at ? at : r->now;
		/* Only a first sighting can start a reserve: a tombstone never reserves again. */
		o->reserving = reserving;
		if (!reserving)
			o->released = lk_xstrdup(cancelled ? "cancelled" : "status");
	} else if (o->reserving && cancelled) {
		release(o, "cancelled");
	} else if (o->reserving && !reserving) {
		ship(r, o, changed);
	} else if (o->reserving) {
		o->shipped = 0;     /* back in a reserving status: open again */
	}
	if (at && !o->at)
		o->at = at;
	o->last_seen = r->now;
	o->qty = qty;
	o->cancelled = cancelled;
	o->seen_now = 1;
	free(o->status);
	o->status = lk_xstrdup(status);
}

static int
strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static void
strv_add(char ***v, size_t *n, const char *s)
{
	if (strv_has(*v, *n, s))
		return;
	*v = lk_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = lk_xstrdup(s);
}

void
lk_reserve_listing(struct lk_reserve *r, const char *channel, int complete)
{
	/* One failed listing in the input is enough to trust none of that channel's. */
	if (complete)
		strv_add(&r->complete, &r->ncomplete, channel);
	else
		strv_add(&r->failed, &r->nfailed, channel);
}

/* --- sources: who lists a sku, and when their snapshots were produced --- */

void
lk_reserve_source_add(struct lk_reserve *r, const char *name, long long lag)
{
	struct lk_rsv_source *s;

	r->srcs = lk_xrealloc(r->srcs, (r->nsrcs + 1) * sizeof *r->srcs);
	s = &r->srcs[r->nsrcs++];
	memset(s, 0, sizeof *s);
	s->name = lk_xstrdup(name);
	s->lag = lag;
}

static struct lk_rsv_source *
src_find(struct lk_reserve *r, const char *name)
{
	for (size_t i = 0; i < r->nsrcs; i++)
		if (strcmp(r->srcs[i].name, name) == 0)
			return &r->srcs[i];
	return NULL;
}

void
lk_reserve_source(struct lk_reserve *r, const char *name, int complete, time_t produced)
{
	struct lk_rsv_source *s = src_find(r, name);

	if (s == NULL)
		return;     /* not on sale: channels do not count it */
	if (!complete) {
		s->failed_now = 1;
		return;
	}
	s->complete_now = 1;
	/* The latest snapshot is what lk-alloc uses, even if it is older than the one before. */
	s->produced = produced ? produced : r->now;
}

/* The listed set: pairs (hash, source bits), open addressing; hash 0 is an empty slot. */
static uint64_t
sku_hash(const char *sku)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)sku; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ? h : 1;
}

static uint64_t *
listed_slot(const struct lk_reserve *r, uint64_t h)
{
	size_t mask = r->listcap - 1, i = h & mask;

	while (r->listed[2 * i] && r->listed[2 * i] != h)
		i = (i + 1) & mask;
	return &r->listed[2 * i];
}

void
lk_reserve_stock(struct lk_reserve *r, const char *source, const char *sku)
{
	struct lk_rsv_source *s = src_find(r, source);
	uint64_t h = sku_hash(sku), *slot;
	size_t bit;

	/* A hash collision only makes an order wait for one more source. */
	if (s == NULL || (bit = (size_t)(s - r->srcs)) >= 64)
		return;
	if (2 * (r->nlisted + 1) > r->listcap) {
		uint64_t *old = r->listed;
		size_t oldcap = r->listcap;

		r->listcap = r->listcap ? r->listcap * 2 : 1024;
		r->listed = lk_xcalloc(2 * r->listcap, sizeof *r->listed);
		for (size_t i = 0; i < oldcap; i++)
			if (old[2 * i]) {
				uint64_t *n = listed_slot(r, old[2 * i]);
				n[0] = old[2 * i];
				n[1] = old[2 * i + 1];
			}
		free(old);
	}
	slot = listed_slot(r, h);
	if (slot[0] == 0) {
		slot[0] = h;
		r->nlisted++;
	}
	slot[1] |= (uint64_t)1 << bit;
}

/* Whether source i counts for sku in lk-alloc: listed now, or replaced by its snapshot. */
static int
src_lists(const struct lk_reserve *r, size_t i, const char *sku)
{
	const struct lk_rsv_source *s = &r->srcs[i];
	const uint64_t *slot;

	if (!s->complete_now || s->failed_now || i >= 64)
		return 1;
	if (r->listcap == 0)
		return 0;
	slot = listed_slot(r, sku_hash(sku));
	return slot[0] && (slot[1] >> i & 1);
}

/* Sets o->waiting to the sources that still count its units; NULL when none. */
static void
shipped_waits(const struct lk_reserve *r, struct lk_rsv_order *o)
{
	char *w = NULL;

	for (size_t i = 0; i < r->nsrcs; i++) {
		const struct lk_rsv_source *s = &r->srcs[i];
		char *n;

		if (!src_lists(r, i, o->sku) || (s->produced && s->produced > o->shipped + s->lag))
			continue;
		n = w ? lk_xasprintf("%s,%s", w, s->name) : lk_xstrdup(s->name);
		free(w);
		w = n;
	}
	free(o->waiting);
	o->waiting = w;
}

/* --- marketplace decreases --- */

static struct lk_rsv_decrease *
dec_find(struct lk_reserve *r, const char *channel, const char *sku, time_t pushed_at)
{
	for (size_t i = 0; i < r->ndecs; i++) {
		struct lk_rsv_decrease *d = &r->decs[i];
		if (d->pushed_at == pushed_at && strcmp(d->channel, channel) == 0 &&
		    strcmp(d->sku, sku) == 0)
			return d;
	}
	return NULL;
}

struct lk_rsv_decrease *
lk_reserve_decrease_add(struct lk_reserve *r, const char *channel, const char *sku, time_t pushed_at)
{
	struct lk_rsv_decrease *d;

	if (r->ndecs == r->deccap) {
		r->deccap = r->deccap ? r->deccap * 2 : 16;
		r->decs = lk_xrealloc(r->decs, r->deccap * sizeof *r->decs);
	}
	d = &r->decs[r->ndecs++];
	memset(d, 0, sizeof *d);
	d->channel = lk_xstrdup(channel);
	d->sku = lk_xstrdup(sku);
	d->pushed_at = pushed_at;
	d->since = r->now;
	return d;
}

static void
conflict_add(struct lk_reserve *r, const struct lk_rsv_decrease *d, const char *reason,
    long long orders)
{
	struct lk_rsv_conflict *c;

	if (r->nconflicts == r->concap) {
		r->concap = r->concap ? r->concap * 2 : 8;
		r->conflicts = lk_xrealloc(r->conflicts, r->concap * sizeof *r->conflicts);
	}
	c = &r->conflicts[r->nconflicts++];
	c->channel = lk_xstrdup(d->channel);
	c->sku = lk_xstrdup(d->sku);
	c->reason = lk_xstrdup(reason);
	c->pushed = d->pushed;
	c->seen = d->seen;
	c->orders = orders;
	c->pushed_at = d->pushed_at;
}

void
lk_reserve_seen(struct lk_reserve *r, const char *channel, const char *sku,
    long long seen, time_t seen_at, long long pushed, long long before, time_t pushed_at,
    long long grace)
{
	struct lk_rsv_decrease *d;

	if (seen_at - pushed_at < grace) {
		if (before < 0 || seen >= before || seen >= pushed)
			return;
		if (before < pushed)
			pushed = before;
	}
	/* A newer push closes the window of orders that explain an older decrease. */
	for (size_t i = 0; i < r->ndecs; i++) {
		d = &r->decs[i];
		if (d->pushed_at < pushed_at && (d->until == 0 || d->until > pushed_at) &&
		    strcmp(d->channel, channel) == 0 && strcmp(d->sku, sku) == 0)
			d->until = pushed_at;
	}
	d = dec_find(r, channel, sku, pushed_at);
	if (d == NULL && seen == pushed)
		return;
	if (d == NULL)
		d = lk_reserve_decrease_add(r, channel, sku, pushed_at);
	d->pushed = pushed;
	d->seen = seen;
	if (seen > pushed)
		conflict_add(r, d, "above_pushed", 0);
}

void
lk_reserve_cancel_keeps(struct lk_reserve *r, const char *channel)
{
	strv_add(&r->keeps, &r->nkeeps, channel);
}

/*
 * Units of the channel's orders for sku placed in the decrease's window;
 * a cancelled order counts only where the cancel kept its units off.
 */
static long long
explained(const struct lk_reserve *r, const struct lk_rsv_decrease *d)
{
	int keeps = strv_has(r->keeps, r->nkeeps, d->channel);
	long long sum = 0;

	for (size_t i = 0; i < r->norders; i++) {
		const struct lk_rsv_order *o = &r->orders[i];
		if ((o->cancelled && !keeps) || o->at <= d->pushed_at || (d->until && o->at > d->until))
			continue;
		if (strcmp(o->sku, d->sku) == 0 && strcmp(o->channel, d->channel) == 0)
			sum += o->qty;
	}
	return sum;
}

static void
dec_update(struct lk_reserve *r, struct lk_rsv_decrease *d)
{
	long long e = explained(r, d);
	long long u = d->pushed - d->seen - e;

	if (u < 0)
		u = 0;
	if (!d->expired && d->qty > 0 && r->now - d->since >= r->ttl)
		d->expired = 1;
	if (d->expired) {
		d->qty = 0;
		return;
	}
	if (u > d->qty)
		d->since = r->now;  /* new unexplained units get their own full ttl */
	d->qty = u;
	if (u >= LARGE_DECREASE_MIN && 2 * u > d->pushed)
		conflict_add(r, d, "large_decrease", e);
}

static void
decreases_finish(struct lk_reserve *r)
{
	size_t j = 0;

	for (size_t i = 0; i < r->ndecs; i++) {
		struct lk_rsv_decrease *d = &r->decs[i];
		dec_update(r, d);
		/* Keep an expired entry while its push is the latest, so it cannot return. */
		if ((d->qty == 0 && !d->expired) || (d->expired && d->until)) {
			free(d->channel);
			free(d->sku);
			continue;
		}
		r->decs[j++] = *d;
	}
	r->ndecs = j;
}

static int
listing_complete(const struct lk_reserve *r, const char *channel)
{
	return strv_has(r->complete, r->ncomplete, channel) &&
	    !strv_has(r->failed, r->nfailed, channel);
}

static void
orders_finish(struct lk_reserve *r)
{
	size_t j = 0;

	for (size_t i = 0; i < r->norders; i++) {
		struct lk_rsv_order *o = &r->orders[i];
		if (o->reserving && !o->seen_now && listing_complete(r, o->channel))
			ship(r, o, 0);  /* gone from the open orders: shipped, or a cancel not shown */
		if (o->reserving && o->shipped) {
			shipped_waits(r, o);
			if (o->waiting == NULL)
				release(o, "shown");
		}
		if (o->reserving && r->now - o->first_seen >= r->max_age)
			release(o, "max_age");
		if (!o->reserving && r->now - o->last_seen > r->max_age) {
			order_free(o);
			continue;
		}
		r->orders[j++] = *o;
	}
	r->norders = j;
	index_rebuild(r);
}

void
lk_reserve_finish(struct lk_reserve *r)
{
	/* Orders first, so dropped tombstones no longer explain a decrease. */
	orders_finish(r);
	decreases_finish(r);
}

/* --- totals per sku --- */

struct item {
	const char *sku;
	long long oq, uq;
	char *label;    /* "channel:id" or NULL */
	int shipped;    /* a shipped order waiting for the sources */
};

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->sku, y->sku);

	if (c)
		return c;
	if (!x->label || !y->label)
		return (x->label != NULL) - (y->label != NULL);
	return strcmp(x->label, y->label);
}

static struct item *
collect(const struct lk_reserve *r, size_t *n)
{
	struct item *it = lk_xcalloc(r->norders + r->ndecs, sizeof *it);
	size_t k = 0;

	for (size_t i = 0; i < r->norders; i++) {
		const struct lk_rsv_order *o = &r->orders[i];
		if (!o->reserving || o->qty == 0)
			continue;
		it[k].sku = o->sku;
		it[k].oq = o->qty;
		it[k].shipped = o->shipped != 0;
		it[k++].label = lk_xasprintf("%s:%s", o->channel, o->id);
	}
	for (size_t i = 0; i < r->ndecs; i++) {
		if (r->decs[i].qty == 0)
			continue;
		it[k].sku = r->decs[i].sku;
		it[k++].uq = r->decs[i].qty;
	}
	qsort(it, k, sizeof *it, item_cmp);
	*n = k;
	return it;
}

static void
total_add(struct lk_rsv_total *t, struct item *it)
{
	t->order_qty += it->oq;
	t->unexplained_qty += it->uq;
	t->qty += it->oq + it->uq;
	if (!it->label)
		return;
	if (it->shipped && (t->nshipped == 0 || strcmp(t->shipped[t->nshipped - 1], it->label))) {
		t->shipped = lk_xrealloc(t->shipped, (t->nshipped + 1) * sizeof *t->shipped);
		t->shipped[t->nshipped++] = lk_xstrdup(it->label);
	}
	if (t->norders && strcmp(t->orders[t->norders - 1], it->label) == 0) {
		free(it->label);
		return;
	}
	t->orders = lk_xrealloc(t->orders, (t->norders + 1) * sizeof *t->orders);
	t->orders[t->norders++] = it->label;
}

struct lk_rsv_total *
lk_reserve_totals(const struct lk_reserve *r, size_t *n)
{
	size_t ni, nt = 0;
	struct item *it = collect(r, &ni);
	struct lk_rsv_total *t = lk_xcalloc(ni, sizeof *t);

	for (size_t i = 0; i < ni; i++) {
		if (nt == 0 || strcmp(t[nt - 1].sku, it[i].sku) != 0)
			t[nt++].sku = lk_xstrdup(it[i].sku);
		total_add(&t[nt - 1], &it[i]);
	}
	free(it);
	*n = nt;
	return t;
}

void
lk_reserve_totals_free(struct lk_rsv_total *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].sku);
		strv_free(t[i].orders, t[i].norders);
		strv_free(t[i].shipped, t[i].nshipped);
	}
	free(t);
}
