/*
 * push-state.c - the last-pushed (and permanently failed) items of a
 * channel: STATE/.lk/pushed/CHANNEL.ndjson and CHANNEL.failed.ndjson.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "err.h"
#include "ndjson.h"
#include "push.h"
#include "util.h"

static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static void
index_put(size_t *idx, size_t cap, const struct lk_pushstate_entry *v, size_t i)
{
	size_t h = hash(v[i].sku) & (cap - 1);

	while (idx[h] != 0)
		h = (h + 1) & (cap - 1);
	idx[h] = i + 1;
}

static void
reindex(struct lk_pushstate *ps, size_t cap)
{
	size_t i;

	free(ps->index);
	ps->index = lk_xcalloc(cap, sizeof *ps->index);
	ps->index_cap = cap;
	for (i = 0; i < ps->n; i++)
		if (ps->v[i].sku)
			index_put(ps->index, cap, ps->v, i);
}

struct lk_pushstate_entry *
lk_pushstate_find(const struct lk_pushstate *ps, const char *sku)
{
	size_t h, j;

	if (ps->index_cap == 0)
		return NULL;
	h = hash(sku) & (ps->index_cap - 1);
	while ((j = ps->index[h]) != 0) {
		if (ps->v[j - 1].sku && strcmp(ps->v[j - 1].sku, sku) == 0)
			return &ps->v[j - 1];
		h = (h + 1) & (ps->index_cap - 1);
	}
	return NULL;
}

void
lk_pushstate_set(struct lk_pushstate *ps, const char *sku, long long qty, time_t at, const char *code)
{
	struct lk_pushstate_entry *e = lk_pushstate_find(ps, sku);

	ps->dirty = 1;
	if (e == NULL) {
		if (ps->n == ps->cap) {
			ps->cap = ps->cap ? ps->cap * 2 : 64;
			ps->v = lk_xrealloc(ps->v, ps->cap * sizeof *ps->v);
		}
		e = &ps->v[ps->n++];
		memset(e, 0, sizeof *e);
		e->sku = lk_xstrdup(sku);
		if (ps->n * 2 > ps->index_cap)
			reindex(ps, ps->index_cap ? ps->index_cap * 2 : 128);
		else
			index_put(ps->index, ps->index_cap, ps->v, ps->n - 1);
	}
	e->qty = qty;
	e->at = at;
	free(e->line);
	e->line = NULL;
	free(e->code);
	e->code = code ? lk_xstrdup(code) : NULL;
}

void
lk_pushstate_del(struct lk_pushstate *ps, const char *sku)
{
	struct lk_pushstate_entry *e = lk_pushstate_find(ps, sku);

	if (e == NULL)
		return;
	/* A tombstone: the slot stays (so probing works), saving skips it. */
	free(e->sku);
	free(e->code);
	free(e->line);
	e->sku = NULL;
	e->code = NULL;
	e->line = NULL;
	ps->dirty = 1;
}

int
lk_pushstate_load(struct lk_pushstate *ps, const char *path, const char *channel, const char *type)
{
	struct lk_reader r;
	json_t *rec;
	FILE *fp;

	memset(ps, 0, sizeof *ps);
	ps->channel = lk_xstrdup(channel);
	ps->path = lk_xstrdup(path);
	ps->type = type;
	reindex(ps, 128);
	fp = fopen(path, "r");
	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	fclose(fp);
	if (lk_reader_open(&r, path, LK_MAX_LINE_DEFAULT, 0) == -1)
		return -1;
	while ((rec = lk_reader_next(&r)) != NULL) {
		const char *sku = lk_rec_str(rec, "sku");
		const char *at = lk_rec_str(rec, "at");
		long long qty;
		time_t t = 0;

		if (sku == NULL || lk_rec_qty(rec, "qty", &qty) == -1) {
			lk_warn("%s:%lu: no sku or qty; the item will be sent again", path, r.line);
		} else {
			if (at)
				lk_parse_time(at, &t);
			lk_pushstate_set(ps, sku, qty, t, lk_rec_str(rec, "code"));
		}
		json_decref(rec);
	}
	lk_reader_close(&r);
	ps->dirty = 0;
	return 0;
}

/*
 * Each entry's line is formatted once and kept: saving after every batch
 * then costs a copy of the file, not a re-encoding of every item.
 */
static void
format_line(const struct lk_pushstate *ps, struct lk_pushstate_entry *en)
{
	char tbuf[21];
	FILE *fp = open_memstream(&en->line, &en->linelen);

	if (fp == NULL)
		lk_die(70, "open_memstream:");
	fputs("{\"type\":", fp);
	lk_json_write_string(fp, ps->type, strlen(ps->type));
	fputs(",\"channel\":", fp);
	lk_json_write_string(fp, ps->channel, strlen(ps->channel));
	fputs(",\"sku\":", fp);
	lk_json_write_string(fp, en->sku, strlen(en->sku));
	fprintf(fp, ",\"qty\":%lld", en->qty);
	if (en->code) {
		fputs(",\"code\":", fp);
		lk_json_write_string(fp, en->code, strlen(en->code));
	}
	fprintf(fp, ",\"at\":\"%s\"}\n", lk_fmt_time(en->at, tbuf));
	if (fclose(fp) == EOF)
		lk_die(70, "open_memstream:");
}

int
lk_pushstate_save(struct lk_pushstate *ps)
{
	struct lk_atomic a;
	size_t i, live = 0;
	int e;

	if (!ps->dirty)
		return 0;
	for (i = 0; i < ps->n; i++)
		if (ps->v[i].sku)
			live++;
	if (live == 0) {
		if (unlink(ps->path) == -1 && errno != ENOENT)
			return -1;
		ps->dirty = 0;
		return 0;
	}
	if (lk_atomic_open(&a, ps->path) == -1)
		return -1;
	for (i = 0; i < ps->n; i++) {
		struct lk_pushstate_entry *en = &ps->v[i];

		if (en->sku == NULL)
			continue;
		if (en->line == NULL)
			format_line(ps, en);
		fwrite(en->line, 1, en->linelen, a.fp);
	}
	if (ferror(a.fp)) {
		e = errno ? errno : EIO;
		lk_atomic_abort(&a);
		errno = e;
		return -1;
	}
	if (lk_atomic_commit(&a) == -1)
		return -1;
	ps->dirty = 0;
	return 0;
}

void
lk_pushstate_free(struct lk_pushstate *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].sku);
		free(ps->v[i].code);
		free(ps->v[i].line);
	}
	free(ps->v);
	free(ps->index);
	free(ps->channel);
	free(ps->path);
	memset(ps, 0, sizeof *ps);
}
