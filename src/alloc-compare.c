/*
 * alloc-compare.c - what a rule change would do (lk-alloc --compare):
 * the alloc records of the same input under two configs, joined on
 * (channel, sku), summed per channel.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc-compare.h"
#include "err.h"
#include "ndjson.h"

void
lk_alloc_collect(void *arg, const struct lk_alloc_out *o)
{
	struct lk_alloc_rows *r = arg;

	if (o->kind != LK_ALLOC_ALLOC)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->v = lk_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n].channel = o->channel;
	r->v[r->n].sku = o->sku;
	r->v[r->n].qty = o->qty;
	r->n++;
}

static void
add_top(struct lk_compare *c, const char *sku, long long before, long long after)
{
	long long d = (after < 0 ? 0 : after) - (before < 0 ? 0 : before);
	size_t i, at;

	if (d < 0)
		d = -d;
	/* Kept sorted: the largest change first, then by sku (input order). */
	for (at = 0; at < c->ntop; at++) {
		long long e = c->top[at].delta;

		if (d > e)
			break;
	}
	if (at == LK_COMPARE_TOP)
		return;
	if (c->ntop < LK_COMPARE_TOP)
		c->ntop++;
	for (i = c->ntop - 1; i > at; i--)
		c->top[i] = c->top[i - 1];
	c->top[at].sku = sku;
	c->top[at].before = before;
	c->top[at].after = after;
	c->top[at].delta = d;
}

/* One product of one channel: before or after is -1 when there is no record. */
static void
count(struct lk_compare *c, const char *sku, long long before, long long after)
{
	if (before >= 0)
		c->before += before;
	if (after >= 0)
		c->after += after;
	if (before == after)
		return;
	c->changed++;
	if (before < 0)
		c->added++;
	else if (after < 0)
		c->removed++;
	else if (after > before)
		c->up++;
	else
		c->down++;
	if (after == 0 && before > 0)
		c->to_zero++;
	add_top(c, sku, before, after);
}

static struct lk_compare *
chan_get(struct lk_compare **v, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].channel, name) == 0)
			return &(*v)[i];
	*v = lk_xrealloc(*v, (*n + 1) * sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	(*v)[*n].channel = name;
	return &(*v)[(*n)++];
}

static int
cmp_row(const struct lk_alloc_row *x, const struct lk_alloc_row *y)
{
	int c = strcmp(x->channel, y->channel);

	return c ? c : strcmp(x->sku, y->sku);
}

static int
cmp_compare(const void *x, const void *y)
{
	return strcmp(((const struct lk_compare *)x)->channel, ((const struct lk_compare *)y)->channel);
}

size_t
lk_alloc_compare(const struct lk_alloc_rows *b, const struct lk_alloc_rows *a,
    struct lk_compare **out)
{
	struct lk_compare *v = NULL;
	size_t n = 0, i = 0, j = 0;

	/* Both lists are in (channel, sku) order: a merge join. */
	while (i < b->n || j < a->n) {
		int c = i == b->n ? 1 : j == a->n ? -1 : cmp_row(&b->v[i], &a->v[j]);

		if (c < 0) {
			count(chan_get(&v, &n, b->v[i].channel), b->v[i].sku, b->v[i].qty, -1);
			i++;
		} else if (c > 0) {
			count(chan_get(&v, &n, a->v[j].channel), a->v[j].sku, -1, a->v[j].qty);
			j++;
		} else {
			count(chan_get(&v, &n, b->v[i].channel), b->v[i].sku, b->v[i].qty, a->v[j].qty);
			i++, j++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_compare);
	*out = v;
	return n;
}

size_t
lk_compare_stopped(struct lk_compare **v, size_t n, const char *channel)
{
	chan_get(v, &n, channel)->stopped = 1;
	qsort(*v, n, sizeof **v, cmp_compare);
	return n;
}

static void
print_qty(FILE *fp, long long q)
{
	if (q < 0)
		fputs("-", fp);
	else
		fprintf(fp, "%lld", q);
}

void
lk_compare_print(FILE *fp, const struct lk_compare *v, size_t n)
{
	size_t i, k;

	fprintf(fp, "%-20s %8s %8s %8s %8s %8s %8s %12s %12s\n", "CHANNEL", "CHANGED", "UP",
	    "DOWN", "TO_ZERO", "ADDED", "REMOVED", "UNITS_BEFORE", "UNITS_AFTER");
	for (i = 0; i < n; i++) {
		const struct lk_compare *c = &v[i];

		if (c->stopped) {
			fprintf(fp, "%-20s stopped: a source is too old (see the warnings)\n", c->channel);
			continue;
		}
		fprintf(fp, "%-20s %8lld %8lld %8lld %8lld %8lld %8lld %12lld %12lld\n", c->channel,
		    c->changed, c->up, c->down, c->to_zero, c->added, c->removed, c->before, c->after);
		for (k = 0; k < c->ntop; k++) {
			fprintf(fp, "    %-30s ", c->top[k].sku);
			print_qty(fp, c->top[k].before);
			fputs(" -> ", fp);
			print_qty(fp, c->top[k].after);
			fputc('\n', fp);
		}
	}
}

void
lk_compare_emit(const struct lk_compare *v, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct lk_compare *c = &v[i];
		json_t *top = json_array();

		lk_emit_begin("compare");
		lk_emit_str("channel", c->channel);
		if (c->stopped) {
			lk_emit_bool("stopped", 1);
			lk_emit_end();
			json_decref(top);
			continue;
		}
		lk_emit_int("changed", c->changed);
		lk_emit_int("up", c->up);
		lk_emit_int("down", c->down);
		lk_emit_int("to_zero", c->to_zero);
		lk_emit_int("added", c->added);
		lk_emit_int("removed", c->removed);
		lk_emit_int("units_before", c->before);
		lk_emit_int("units_after", c->after);
		for (k = 0; k < c->ntop; k++)
			json_array_append_new(top, json_pack("{s:s, s:o, s:o}", "sku", c->top[k].sku,
			    "before", c->top[k].before < 0 ? json_null() : json_integer(c->top[k].before),
			    "after", c->top[k].after < 0 ? json_null() : json_integer(c->top[k].after)));
		lk_emit_json("largest", top);
		lk_emit_end();
		json_decref(top);
	}
}
