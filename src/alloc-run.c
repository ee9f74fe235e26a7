/*
 * alloc-run.c - after the input: choosing each source's data (this run,
 * snapshot, or stop), then the rules per channel and product.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc-int.h"
#include "confine.h"
#include "err.h"

#define DEFAULT_MAX_AGE (6 * 3600LL)

static void
fmt_age(long long secs, char *buf, size_t len)
{
	if (secs >= 3600)
		snprintf(buf, len, "%lldh%02lldm", secs / 3600, secs / 60 % 60);
	else
		snprintf(buf, len, "%lldm", secs / 60);
}

/* Whether this run read the source completely. */
static int
read_complete(const struct asrc *s)
{
	if (s->sentinel != 1)
		return 0;
	if (s->announced >= 0 && s->announced != s->nrecs) {
		lk_warn("source '%s': the sentinel announces %lld records but %lld came: "
		    "treated as failed", s->cfg->name, s->announced, s->nrecs);
		return 0;
	}
	if (s->announced_bad >= 0 && s->announced_bad != s->nbad_parsed) {
		lk_warn("source '%s': the sentinel announces %lld bad records but %lld came: "
		    "treated as failed", s->cfg->name, s->announced_bad, s->nbad_parsed);
		return 0;
	}
	return 1;
}

static long long
max_age(const struct lk_alloc *a, const struct asrc *s)
{
	long long max = s->cfg->max_age ? s->cfg->max_age : a->cfg->global.source_max_age;

	return max > 0 ? max : DEFAULT_MAX_AGE;
}

/*
 * The source guards, like rclone's --max-delete: why a complete read is
 * not to be believed (written to what), or 0.  Only a snapshot with
 * products makes a loss measurable.
 */
static int
guard(const struct lk_alloc *a, const struct asrc *s, const char *snapdir, char *what, size_t len)
{
	const struct lk_limit *l = &s->cfg->max_drop;
	long long snap = -1, live = 0;
	char *path, lim[32];
	time_t at;
	size_t row;
	int rc;

	if (s->nbad > 0 && s->cfg->bad_rows_fail) {
		snprintf(what, len, "has %lld unreadable row%s and bad_rows is \"fail\"", s->nbad,
		    s->nbad == 1 ? "" : "s");
		return 1;
	}
	if (a->force || snapdir == NULL)
		return 0;
	path = lk_xasprintf("%s/%s.ndjson", snapdir, s->cfg->name);
	rc = lk_alloc_snap_header(path, s->cfg->name, &at, &snap);
	free(path);
	if (rc < 0 || snap <= 0)
		return 0;
	if (s->nrecs == 0) {
		snprintf(what, len, "ended complete with 0 records where its last complete snapshot "
		    "had %lld product%s (a guard: lk-sync --force accepts it)", snap, snap == 1 ? "" : "s");
		return 1;
	}
	for (row = 0; row < a->nprod; row++)
		live += s->qty[row] > 0;
	if (live >= snap || !lk_limit_exceeded(l, snap - live, snap))
		return 0;
	if (l->percent_set)
		snprintf(lim, sizeof lim, "%g%%", l->percent);
	else
		snprintf(lim, sizeof lim, "%lld", l->count);
	snprintf(what, len, "has %lld product%s with stock where its last complete snapshot had %lld, "
	    "more lost than max_drop %s (a guard: lk-sync --force accepts it)", live, live == 1 ? "" : "s",
	    snap, lim);
	return 1;
}

/* Falls back to the snapshot; sets why when the source cannot be used. */
static void
use_snapshot(struct lk_alloc *a, struct asrc *s, const char *snapdir, time_t now,
    const char *what, char *why, size_t len)
{
	long long max = max_age(a, s);
	char age[32], maxs[32], *path;
	time_t at;

	fmt_age(max, maxs, sizeof maxs);
	lk_alloc_src_reset(s, a->nprod);
	if (snapdir == NULL) {
		snprintf(why, len, "source '%s' %s and snapshots are off", s->cfg->name, what);
		s->state = SRC_STALE;
		return;
	}
	path = lk_xasprintf("%s/%s.ndjson", snapdir, s->cfg->name);
	if (lk_alloc_snap_load(a, s, path, &at) < 0) {
		snprintf(why, len, "source '%s' %s and has no usable snapshot (%s)",
		    s->cfg->name, what, path);
		s->state = SRC_STALE;
	} else if (now - at > max) {
		fmt_age(now - at, age, sizeof age);
		snprintf(why, len, "source '%s' %s and its last complete snapshot is %s old (max %s)",
		    s->cfg->name, what, age, maxs);
		s->state = SRC_STALE;
		lk_alloc_src_reset(s, a->nprod);
	} else {
		fmt_age(now - at, age, sizeof age);
		lk_warn("source '%s' %s: using its last complete snapshot, %s old (max %s)",
		    s->cfg->name, what, age, maxs);
		s->state = SRC_SNAP;
		s->snap_at = at;
	}
	free(path);
}

static int
has_loc(const struct slot *sl, const char *name)
{
	size_t i;

	for (i = 0; i < sl->nlocs; i++)
		if (strcmp(sl->locs[i], name) == 0)
			return 1;
	return 0;
}

static void
fill_slots(struct lk_alloc *a)
{
	size_t i, j;

	for (i = 0; i < a->nslots; i++) {
		struct slot *sl = &a->slots[i];
		struct asrc *s = &a->src[sl->src];

		if (sl->owned)
			free(sl->qty);
		sl->owned = 0;
		sl->qty = s->qty;
		if (sl->locs == NULL)
			continue;
		sl->qty = lk_xcalloc(a->nprod ? a->nprod : 1, sizeof *sl->qty);
		sl->owned = 1;
		for (j = 0; j < s->nlocs; j++)
			if (has_loc(sl, s->locnames[s->locs[j].loc]))
				sl->qty[s->locs[j].row] += s->locs[j].qty;
	}
}

/*
 * A complete read with bad rows: the products they name keep their
 * snapshot quantity (with its locations), or, without a usable snapshot,
 * get no alloc record where they come from this source.  A bad row
 * without a sku may be any product: every one the read gives 0 is kept.
 */
static void
keep_bad_rows(struct lk_alloc *a, struct asrc *s, const char *snapdir, time_t now)
{
	struct asrc snap;
	uint8_t *flag;
	size_t i, n = 0;
	time_t at;
	char *path;
	int have = 0;

	if (s->nbad == 0)
		return;
	for (i = 0; i < (size_t)s->nbad && i < LK_ALLOC_BAD_SHOWN; i++)
		lk_warn("source '%s': %s", s->cfg->name, s->bad_first[i]);
	if (s->nbad > LK_ALLOC_BAD_SHOWN)
		lk_warn("source '%s': %lld more unreadable rows", s->cfg->name,
		    s->nbad - LK_ALLOC_BAD_SHOWN);
	flag = lk_xcalloc(a->nprod ? a->nprod : 1, 1);
	for (i = 0; i < s->nbadrows; i++)
		flag[s->badrows[i]] = 1;
	for (i = 0; s->bad_nosku && i < a->nprod; i++)
		flag[i] |= s->qty[i] == 0;
	memset(&snap, 0, sizeof snap);
	snap.cfg = s->cfg;
	snap.qty = lk_xcalloc(a->nprod ? a->nprod : 1, sizeof *snap.qty);
	if (snapdir) {
		path = lk_xasprintf("%s/%s.ndjson", snapdir, s->cfg->name);
		have = lk_alloc_snap_load(a, &snap, path, &at) == 0 && now - at <= max_age(a, s);
		free(path);
	}
	for (i = 0; i < s->nlocs; i++)
		if (flag[s->locs[i].row])
			s->locs[i].qty = 0;
	for (i = 0; i < a->nprod; i++) {
		if (!flag[i])
			continue;
		n++;
		s->qty[i] = 0;
		if (!have) {
			if (s->unknown == NULL)
				s->unknown = lk_xcalloc(a->nprod ? a->nprod : 1, 1);
			s->unknown[i] = 1;
		}
	}
	for (i = 0; have && i < snap.nlocs; i++) {
		const struct locent *e = &snap.locs[i];

		if (flag[e->row])
			lk_alloc_add(a, s, e->row, snap.locnames[e->loc],
			    strlen(snap.locnames[e->loc]), e->qty);
	}
	for (i = 0; have && i < a->nprod; i++)
		if (flag[i] && snap.qty[i] > s->qty[i])     /* what came without a location */
			lk_alloc_add(a, s, (uint32_t)i, NULL, 0, snap.qty[i] - s->qty[i]);
	if (n)
		lk_warn("source '%s': %zu product%s of unreadable rows %s", s->cfg->name, n,
		    n == 1 ? "" : "s", have ? "keep their last snapshot quantity" :
		    "get no alloc record (no snapshot): the channels keep what they show");
	lk_alloc_src_reset(&snap, a->nprod);
	free(snap.qty);
	free(snap.locs);
	free(snap.locnames);
	free(flag);
}

size_t
lk_alloc_resolve(struct lk_alloc *a, const char *snapdir, time_t now)
{
	char **why = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *why);
	size_t i, j, stopped = 0;

	char what[512];

	for (i = 0; i < a->nsrc; i++) {
		struct asrc *s = &a->src[i];
		int complete = read_complete(s);

		if (complete && !guard(a, s, snapdir, what, sizeof what)) {
			s->state = SRC_LIVE;
			keep_bad_rows(a, s, snapdir, now);
		} else if (!s->used) {
			s->state = SRC_UNUSED;
		} else {
			if (complete)
				s->guarded = 1;
			else
				snprintf(what, sizeof what, "%s", s->sentinel == 2 ? "failed" :
				    s->sentinel == 1 ? "was incomplete" :
				    "has no complete sentinel in the input");
			why[i] = lk_xmalloc(1024);
			use_snapshot(a, s, snapdir, now, what, why[i], 1024);
		}
	}
	for (i = 0; i < a->nch; i++) {
		struct achan *c = &a->ch[i];

		for (j = 0; j < c->nslots && c->cfg->enabled && !c->stopped; j++) {
			size_t si = a->slots[c->slots[j]].src;

			if (a->src[si].state != SRC_STALE)
				continue;
			c->stopped = 1;
			stopped++;
			lk_warn("%s: not allocated: %s", c->cfg->file, why[si]);
		}
	}
	for (i = 0; i < a->nsrc; i++)
		free(why[i]);
	free(why);
	fill_slots(a);
	return stopped;
}

int
lk_alloc_stopped(const struct lk_alloc *a, const char *channel)
{
	size_t i;

	for (i = 0; i < a->nch; i++)
		if (strcmp(a->ch[i].cfg->name, channel) == 0)
			return a->ch[i].stopped;
	return 0;
}

int
lk_alloc_snapshot_save(struct lk_alloc *a, const char *snapdir, time_t now)
{
	size_t i;

	if (lk_confine_mkdirs(snapdir) < 0) {
		lk_warn("%s:", snapdir);
		return -1;
	}
	for (i = 0; i < a->nsrc; i++) {
		char *path;
		int rc;

		if (a->src[i].state != SRC_LIVE)
			continue;
		path = lk_xasprintf("%s/%s.ndjson", snapdir, a->src[i].cfg->name);
		rc = lk_alloc_snap_write(a, &a->src[i], path, now);
		if (rc < 0)
			lk_warn("%s:", path);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --- the rules --- */

/*
 * Per run: what the channels without a record hold of each source, and
 * what all channels took so far (lk_alloc_run() keeps the invariant of
 * alloc.h with these).  Arrays per source, per row; NULL for a source no
 * enabled channel sums.
 */
struct taking {
	long long **held, **taken;
	long long **drawn;          /* what the share and equal channels show of it (undistributed) */
	long long **shown;          /* per overlap share or equal channel: what it shows, per row */
	long long *room;            /* per source of the channel at hand */
	int any_held;
};

struct calc {
	long long avail;
	long long rule;             /* the rule's result, before the caps */
	const char *capped_by;      /* NULL, "available" or "other channels" */
	long long trace[64];
	size_t ntrace;
	size_t eq_k, eq_n;
	const struct ovr *ovr;
};

static const struct ovr *
find_ovr(const struct achan *c, uint32_t row)
{
	size_t lo = 0, hi = c->novr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->ovr[mid].row == row)
			return &c->ovr[mid];
		if (c->ovr[mid].row < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The sources' quantity less the reserve and what is held of them, never below 0. */
static long long
available(const struct lk_alloc *a, const size_t *slots, size_t n, const size_t *srcs,
    size_t nsrcs, const struct taking *t, uint32_t row)
{
	long long q = 0;
	size_t i;

	for (i = 0; i < n; i++)
		q = lk_qty_add(q, a->slots[slots[i]].qty[row]);
	q -= a->reserve[row];
	for (i = 0; t->any_held && i < nsrcs; i++)
		if (t->held[srcs[i]])
			q -= t->held[srcs[i]][row];
	return q > 0 ? q : 0;
}

/*
 * Takes q units of row from the sources srcs[0..n), at most room[i] from
 * each, in proportion to room (the rounding leftover in order): a channel
 * summing two sources leaves each of them as much as it can.
 */
static void
take(long long **to, const size_t *srcs, size_t n, const long long *room, uint32_t row, long long q)
{
	long long total = 0, left, part;
	size_t i;

	for (i = 0; i < n; i++)
		total += room[i];
	if (q > total)
		q = total;
	if (q <= 0)
		return;
	left = q;
	for (i = 0; i < n; i++) {
		if (room[i] == 0)
			continue;       /* also a source no enabled channel sums: no array */
		part = q * room[i] / total;    /* <= 10^9 * 10^9: fits */
		to[srcs[i]][row] += part;
		left -= part;
	}
	for (i = 0; i < n && left > 0; i++) {
		part = room[i] - q * room[i] / total;
		if (part > left)
			part = left;
		if (part > 0)
			to[srcs[i]][row] += part;
		left -= part;
	}
}

/*
 * What is left of each of c's sources for c, after used (and, for
 * undistributed, what disabled channels hold): room[i] for c->srcs[i];
 * returns the sum.
 */
static long long
rooms(const struct lk_alloc *a, const struct achan *c, const struct taking *t, uint32_t row,
    long long *const *used, int less_held)
{
	long long sum = 0;
	size_t i, j;

	for (i = 0; i < c->nsrcs; i++) {
		size_t s = c->srcs[i];
		long long mine = 0, left = a->src[s].qty[row] - used[s][row];

		if (less_held && t->held[s])
			left -= t->held[s][row];
		for (j = 0; j < c->nslots; j++)
			if (a->slots[c->slots[j]].src == s)
				mine = lk_qty_add(mine, a->slots[c->slots[j]].qty[row]);
		t->room[i] = mine < left ? mine : left;
		if (t->room[i] < 0)
			t->room[i] = 0;
		sum += t->room[i];
	}
	return sum;
}

/* c's rooms for the channels' split: what the channels before it left. */
static long long
room_of(const struct lk_alloc *a, const struct achan *c, const struct taking *t, uint32_t row)
{
	return rooms(a, c, t, row, t->taken, 0);
}

/*
 * What is left of each of c's sources after what the share and equal
 * channels drew: where an overlap channel's units are counted for
 * undistributed, after every other channel (it takes nothing from them).
 */
static void
undrawn_of(const struct lk_alloc *a, const struct achan *c, struct taking *t, uint32_t row)
{
	rooms(a, c, t, row, t->drawn, 1);
}

/* Whether channel c writes an alloc record for row. */
static int
carries(const struct achan *c, uint32_t row)
{
	if (!c->cfg->enabled || c->stopped)
		return 0;
	return !c->pass || c->pass[row] || (c->novr && find_ovr(c, row));
}

/* A source on sale that no enabled channel sums, read completely: undistributed counts all of it. */
static int
idle(const struct asrc *s)
{
	return !s->used && s->cfg->on_sale && s->state == SRC_LIVE;
}

/*
 * Room for hold(): what is left of each of c's sources that an enabled
 * channel sums (idle 0), or of each idle one (idle 1).
 */
static long long
hold_room(const struct lk_alloc *a, const struct achan *c, struct taking *t, uint32_t row, int idle)
{
	long long sum = 0;
	size_t k;

	for (k = 0; k < c->nsrcs; k++) {
		size_t s = c->srcs[k];

		t->room[k] = t->held[s] && a->src[s].used == !idle ?
		    a->src[s].qty[row] - t->held[s][row] : 0;
		if (t->room[k] < 0)
			t->room[k] = 0;
		sum += t->room[k];
	}
	return sum;
}

/*
 * The units the channels without a record hold: taken before any channel
 * runs.  What the sources enabled channels sum cannot hold comes from the
 * idle ones, so that undistributed does not count it.
 */
static void
hold(struct lk_alloc *a, struct taking *t)
{
	size_t i, k;
	uint32_t row;
	long long rest;

	for (i = 0; i < a->nch; i++) {
		const struct achan *c = &a->ch[i];

		if (c->shows == NULL || c->cfg->overlap)
			continue;
		for (row = 0; row < a->nprod; row++) {
			if (c->shows[row] <= 0 || carries(c, row))
				continue;
			rest = c->shows[row] - hold_room(a, c, t, row, 0);
			take(t->held, c->srcs, c->nsrcs, t->room, row, c->shows[row]);
			if (rest > 0 && hold_room(a, c, t, row, 1) > 0)
				take(t->held, c->srcs, c->nsrcs, t->room, row, rest);
			t->any_held = 1;
		}
	}
	for (k = 0; k < a->nsrc; k++)
		if (t->held[k])
			memcpy(t->taken[k], t->held[k], (a->nprod ? a->nprod : 1) * sizeof **t->taken);
}

/* Member k of n among the group's channels that carry this row. */
static void
equal_place(const struct lk_alloc *a, size_t ci, uint32_t row, size_t *k, size_t *n)
{
	const struct achan *c = &a->ch[ci];
	size_t i;

	*k = *n = 0;
	for (i = 0; i < a->groupn[c->group]; i++) {
		const struct achan *m = &a->ch[a->groups[c->group][i]];

		if (m->pass && !m->pass[row])
			continue;
		if (a->groups[c->group][i] == ci)
			*k = *n;
		(*n)++;
	}
}

/*
 * The quantity of channel ci for row, -1 when the channel does not carry
 * it: the rule (or the pin), then cut to what is available to it and, but
 * for an overlap channel, to what the channels before it left.
 */
static long long
compute(const struct lk_alloc *a, size_t ci, uint32_t row, struct taking *t, struct calc *w)
{
	const struct achan *c = &a->ch[ci];
	const struct lk_rule_step *r = c->cfg->rule;
	long long *tr = NULL;
	long long q, room;
	size_t e;

	w->ovr = c->novr ? find_ovr(c, row) : NULL;
	w->capped_by = NULL;
	if (w->ovr == NULL && c->pass && !c->pass[row])
		return -1;
	for (e = 0; e < c->nsrcs; e++)
		if (a->src[c->srcs[e]].unknown && a->src[c->srcs[e]].unknown[row])
			return -1;      /* an unreadable row and no snapshot: leave it as shown */
	q = w->avail = available(a, c->slots, c->nslots, c->srcs, c->nsrcs, t, row);
	if (c->cfg->nrule <= sizeof w->trace / sizeof w->trace[0]) {
		tr = w->trace;
		w->ntrace = c->cfg->nrule;
	}
	if (c->equal_at < 0) {
		q = lk_rules_apply(r, c->cfg->nrule, q, tr);
	} else {
		e = (size_t)c->equal_at;
		q = lk_rules_apply(r, e, q, tr);
		equal_place(a, ci, row, &w->eq_k, &w->eq_n);
		q = lk_rules_equal_part(q, w->eq_n, w->eq_k,
		    lk_alloc_hash(a->sku[row], strlen(a->sku[row])));
		if (tr)
			tr[e] = q;
		q = lk_rules_apply(r + e + 1, c->cfg->nrule - e - 1, q, tr ? tr + e + 1 : NULL);
	}
	if (w->ovr)
		q = w->ovr->qty;
	w->rule = q;
	if (q > w->avail) {
		q = w->avail;
		w->capped_by = "available";
	}
	if (!c->cfg->overlap) {
		room = room_of(a, c, t, row);
		if (q > room) {
			q = room;
			w->capped_by = "other channels";
		}
		take(t->taken, c->srcs, c->nsrcs, t->room, row, q);
		if (c->distributes)
			take(t->drawn, c->srcs, c->nsrcs, t->room, row, q);
	} else if (t->shown[ci]) {
		t->shown[ci][row] = q;
	}
	return q;
}

static json_t *
explain(const struct lk_alloc *a, size_t ci, uint32_t row, const struct calc *w)
{
	const struct achan *c = &a->ch[ci];
	json_t *why = json_object(), *srcs = json_array(), *steps = json_array();
	size_t i;
	char buf[128];

	for (i = 0; i < c->nslots; i++) {
		const struct slot *sl = &a->slots[c->slots[i]];
		const struct asrc *s = &a->src[sl->src];
		json_t *o = json_pack("{s:s, s:I}", "source", s->cfg->name, "qty", (json_int_t)sl->qty[row]);
		size_t j;

		if (sl->locs) {
			json_t *l = json_array();

			for (j = 0; j < sl->nlocs; j++)
				json_array_append_new(l, json_string(sl->locs[j]));
			json_object_set_new(o, "locations", l);
		}
		if (s->state == SRC_SNAP) {
			char at[21];

			json_object_set_new(o, "snapshot", json_string(lk_fmt_time(s->snap_at, at)));
		}
		json_array_append_new(srcs, o);
	}
	json_object_set_new(why, "sources", srcs);
	json_object_set_new(why, "reserve", json_integer(a->reserve[row]));
	if (a->reserve_orders) {
		/* Which orders hold it, and which of them shipped but are not in the sources yet. */
		json_t *ro = json_object_get(a->reserve_orders, a->sku[row]);
		if (ro) {
			json_object_set(why, "reserve_orders", json_object_get(ro, "orders"));
			json_object_set(why, "reserve_shipped", json_object_get(ro, "shipped"));
		}
	}
	json_object_set_new(why, "available", json_integer(w->avail));
	for (i = 0; i < w->ntrace; i++) {
		lk_rules_describe(&c->cfg->rule[i], buf, sizeof buf);
		if ((long)i == c->equal_at)
			snprintf(buf, sizeof buf, "equal: part %zu of %zu", w->eq_k + 1, w->eq_n);
		json_array_append_new(steps, json_pack("{s:s, s:I}", "step", buf, "qty",
		    (json_int_t)w->trace[i]));
	}
	json_object_set_new(why, "steps", steps);
	if (w->ovr && w->ovr->hide)
		json_object_set_new(why, "override", json_string("hide"));
	else if (w->ovr)
		json_object_set_new(why, "override", json_integer(w->ovr->qty));
	if (w->capped_by)
		json_object_set_new(why, "capped", json_pack("{s:I, s:s}", "from", (json_int_t)w->rule,
		    "by", w->capped_by));
	return why;
}

static void
run_channel(struct lk_alloc *a, size_t ci, const struct lk_alloc_opts *o, lk_alloc_cb cb,
    void *arg, struct taking *t, uint8_t *carried)
{
	const struct achan *c = &a->ch[ci];
	struct lk_alloc_out out = { LK_ALLOC_ALLOC, c->cfg->name, NULL, 0, 0, NULL, NULL, 0 };
	struct calc w;
	unsigned long cut = 0;
	size_t i;

	for (i = 0; i < a->nprod; i++) {
		uint32_t row = a->order[i];
		long long q;

		w.ntrace = w.eq_k = w.eq_n = 0;
		if ((q = compute(a, ci, row, t, &w)) < 0)
			continue;
		if (w.ovr && !w.ovr->hide && w.capped_by)
			lk_warn("overrides.csv: %s,%s pins %lld but only %lld %s available: showing %lld",
			    a->sku[row], c->cfg->name, w.ovr->qty, q, q == 1 ? "is" : "are", q);
		else if (w.capped_by && w.capped_by[0] == 'o')
			cut++;
		if (c->distributes)
			carried[row] = 1;
		out.sku = a->sku[row];
		out.qty = q;
		out.asked = q == 0 && (w.ovr ? w.ovr->qty == 0 : w.avail > 0);
		out.why = NULL;
		if (o && o->explain && (o->explain_sku == NULL || strcmp(o->explain_sku, out.sku) == 0))
			out.why = explain(a, ci, row, &w);
		cb(arg, &out);
		json_decref(out.why);
	}
	if (cut)
		lk_debug("%s: %lu product%s cut to what the channels before it left of the sources "
		    "(the rules show more than 100%% together; see lk-alloc(1), RULES)",
		    c->cfg->file, cut, cut == 1 ? "" : "s");
}

/*
 * Undistributed, per product and source (lk-alloc(1), UNDISTRIBUTED): of
 * a source in the pool, its units there (when a share or equal channel
 * carries the product) less what the channels without a record hold of
 * it and what the share and equal channels drew from it, the overlap ones
 * last, from what the others left; of an idle
 * source, all its units less what is held of it.  The reserve comes off
 * those, source after source in the order of the configuration.  Nothing
 * while a share or equal channel is stopped.
 */
static void
run_undistributed(struct lk_alloc *a, lk_alloc_cb cb, void *arg, struct taking *t,
    const uint8_t *carried)
{
	struct lk_alloc_out out = { LK_ALLOC_UNDISTRIBUTED, NULL, NULL, 0, 0, NULL, NULL, 0 };
	struct lk_alloc_part *parts = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *parts);
	long long *u = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *u);
	size_t i, j, s;

	for (i = 0; i < a->nch; i++)
		if (a->ch[i].distributes && a->ch[i].cfg->enabled && a->ch[i].stopped)
			goto out;
	for (i = 0; i < a->nch; i++)
		for (j = 0; t->shown[i] && j < a->nprod; j++) {
			if (t->shown[i][j] <= 0)
				continue;
			undrawn_of(a, &a->ch[i], t, (uint32_t)j);
			take(t->drawn, a->ch[i].srcs, a->ch[i].nsrcs, t->room, (uint32_t)j, t->shown[i][j]);
		}
	out.parts = parts;
	for (i = 0; i < a->nprod; i++) {
		uint32_t row = a->order[i];
		long long r = a->reserve[row], q;

		for (s = 0; s < a->nsrc; s++) {
			u[s] = 0;
			if (t->drawn[s] && carried[row]) {
				for (j = 0; j < a->npool; j++)
					if (a->slots[a->pool[j]].src == s)
						u[s] = lk_qty_add(u[s], a->slots[a->pool[j]].qty[row]);
				if (u[s] > a->src[s].qty[row])     /* pooled slots may share locations */
					u[s] = a->src[s].qty[row];
				u[s] -= t->drawn[s][row];
			} else if (idle(&a->src[s])) {
				u[s] = a->src[s].qty[row];
			} else {
				continue;
			}
			if (t->held[s])
				u[s] -= t->held[s][row];
			if (u[s] < 0)
				u[s] = 0;
		}
		out.qty = 0;
		out.nparts = 0;
		for (s = 0; s < a->nsrc; s++) {
			q = u[s] < r ? u[s] : r;
			r -= q;
			if ((q = u[s] - q) <= 0)
				continue;
			parts[out.nparts].source = a->src[s].cfg->name;
			parts[out.nparts++].qty = q;
			out.qty += q;
		}
		if (out.qty <= 0)
			continue;
		out.sku = a->sku[row];
		cb(arg, &out);
	}
out:
	free(parts);
	free(u);
}

void
lk_alloc_run(struct lk_alloc *a, const struct lk_alloc_opts *o, lk_alloc_cb cb, void *arg)
{
	size_t np = a->nprod ? a->nprod : 1, i, nidle = 0;
	uint8_t *carried = lk_xcalloc(np, 1);
	struct taking t = { 0 };

	t.held = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *t.held);
	t.taken = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *t.taken);
	t.drawn = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *t.drawn);
	t.room = lk_xcalloc(a->nsrc ? a->nsrc : 1, sizeof *t.room);
	t.shown = lk_xcalloc(a->nch ? a->nch : 1, sizeof *t.shown);
	for (i = 0; i < a->nch; i++)
		if (a->ch[i].distributes && a->ch[i].cfg->overlap && a->ch[i].cfg->enabled)
			t.shown[i] = lk_xcalloc(np, sizeof **t.shown);
	for (i = 0; i < a->nsrc; i++) {
		nidle += idle(&a->src[i]);
		if (!a->src[i].used && !idle(&a->src[i]))
			continue;
		t.held[i] = lk_xcalloc(np, sizeof **t.held);
		t.taken[i] = lk_xcalloc(np, sizeof **t.taken);
	}
	for (i = 0; i < a->npool; i++)
		if (t.drawn[a->slots[a->pool[i]].src] == NULL)
			t.drawn[a->slots[a->pool[i]].src] = lk_xcalloc(np, sizeof **t.drawn);
	hold(a, &t);
	for (i = 0; i < a->nch; i++)
		if (a->ch[i].cfg->enabled && !a->ch[i].stopped)
			run_channel(a, i, o, cb, arg, &t, carried);
	if (a->npool || nidle)
		run_undistributed(a, cb, arg, &t, carried);
	for (i = 0; i < a->nsrc; i++) {
		free(t.held[i]);
		free(t.taken[i]);
		free(t.drawn[i]);
	}
	free(t.held);
	free(t.taken);
	for (i = 0; i < a->nch; i++)
		free(t.shown[i]);
	free(t.shown);
	free(t.drawn);
	free(t.room);
	free(carried);
}
