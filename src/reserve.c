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
}

void
lk_reserve_order(struct lk_reserve *r, const char *channel, const char *id,
    const char *sku, long long qty, const char *status, time_t at,
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
	} else if (o->reserving && !reserving) {
		release(o, cancelled ? "cancelled" : "status");
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
    long long seen, time_t seen_at, long long pushed, time_t pushed_at,
    long long grace)
{
	struct lk_rsv_decrease *d;

	if (seen_at - pushed_at < grace)
		return;
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

/* Units of the channel's non-cancelled orders for sku placed in the decrease's window. */
static long long
explained(const struct lk_reserve *r, const struct lk_rsv_decrease *d)
{
	long long sum = 0;

	for (size_t i = 0; i < r->norders; i++) {
		const struct lk_rsv_order *o = &r->orders[i];
		if (o->cancelled || o->at <= d->pushed_at || (d->until && o->at > d->until))
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
			release(o, "vanished");
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
	}
	free(t);
}
