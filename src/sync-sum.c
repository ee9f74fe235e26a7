/*
 * sync-sum.c - lk-sync's summary of a run, from the run folder's files:
 * per source its sentinel, per channel the products allocated, items
 * sent, unchanged and failed (pushed records), and units reserved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "sync.h"
#include "util.h"

struct chan_sum {
	const char *name;
	long long products, sent, failed, reserved;
};

struct summary {
	struct chan_sum *ch;
	size_t nch;
	json_t *sources;        /* array of {"source","status","records","error"} */
};

static struct chan_sum *
chan(struct summary *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nch; i++)
		if (strcmp(s->ch[i].name, name) == 0)
			return &s->ch[i];
	return NULL;
}

/*
 * Calls fn for each line of path that starts with {"type":"TYPE" (the
 * records lk writes always start so), parsed.  Other lines are skipped
 * unparsed, so a big stock file costs one pass of getline.
 */
static void
scan(const char *dir, const char *file, const char *type,
    void (*fn)(struct summary *, json_t *), struct summary *s)
{
	char *path = lk_path_join(dir, file), *line = NULL, *prefix;
	size_t cap = 0, plen;
	ssize_t n;
	FILE *fp = fopen(path, "r");

	free(path);
	if (fp == NULL)
		return;
	prefix = lk_xasprintf("{\"type\":\"%s\"", type);
	plen = strlen(prefix);
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *rec;

		if ((size_t)n < plen || memcmp(line, prefix, plen) != 0)
			continue;
		if ((rec = json_loadb(line, (size_t)n, 0, NULL)) == NULL)
			continue;
		fn(s, rec);
		json_decref(rec);
	}
	free(line);
	free(prefix);
	fclose(fp);
}

static json_t *reserve_map;

static void
on_reserve(struct summary *s, json_t *rec)
{
	const char *sku = lk_rec_str(rec, "sku");
	long long q;

	(void)s;
	if (sku && lk_rec_qty(rec, "qty", &q) == 0)
		json_object_set_new(reserve_map, sku, json_integer(q));
}

static void
on_alloc(struct summary *s, json_t *rec)
{
	const char *name = lk_rec_str(rec, "channel"), *sku = lk_rec_str(rec, "sku");
	struct chan_sum *c;
	json_t *r;

	if (name == NULL || (c = chan(s, name)) == NULL)
		return;
	c->products++;
	if (sku && (r = json_object_get(reserve_map, sku)) != NULL)
		c->reserved += json_integer_value(r);
}

static void
on_pushed(struct summary *s, json_t *rec)
{
	const char *name = lk_rec_str(rec, "channel"), *st = lk_rec_str(rec, "status");
	struct chan_sum *c;

	if (name == NULL || st == NULL || (c = chan(s, name)) == NULL)
		return;
	if (strcmp(st, "failed") == 0)
		c->failed++;
	else
		c->sent++;
}

static void
on_source(struct summary *s, json_t *rec)
{
	json_array_append(s->sources, rec);
}

static void
collect(const struct lk_sync_plan *p, const struct lk_config *cfg, struct summary *s)
{
	size_t i;

	memset(s, 0, sizeof *s);
	s->sources = json_array();
	s->ch = lk_xcalloc(cfg->nchannels + 1, sizeof *s->ch);
	for (i = 0; i < cfg->nchannels; i++)
		if (cfg->channels[i].enabled)
			s->ch[s->nch++].name = cfg->channels[i].name;
	if (p->rundir == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		const struct lk_sync_stage *st = &p->v[i];
		char *name;

		if (st->kind != LK_SYNC_FETCH)
			continue;
		name = lk_xasprintf("source-%s.ndjson", st->source);
		scan(p->rundir, name, "source", on_source, s);
		free(name);
	}
	reserve_map = json_object();
	scan(p->rundir, "reserve.out", "reserve", on_reserve, s);
	scan(p->rundir, "alloc.out", "alloc", on_alloc, s);
	if (p->pushed)
		scan(p->rundir, "push.out", "pushed", on_pushed, s);
	json_decref(reserve_map);
	reserve_map = NULL;
}

static void
release(struct summary *s)
{
	free(s->ch);
	json_decref(s->sources);
}

void
lk_sync_summary_text(const struct lk_sync_plan *p, const struct lk_config *cfg, FILE *fp)
{
	struct summary s;
	size_t i, w = 7;
	json_t *src;

	collect(p, cfg, &s);
	json_array_foreach(s.sources, i, src) {
		const char *name = lk_rec_str(src, "source");

		if (name && strlen(name) > w)
			w = strlen(name);
	}
	for (i = 0; i < s.nch; i++)
		if (strlen(s.ch[i].name) > w)
			w = strlen(s.ch[i].name);
	if (json_array_size(s.sources) > 0) {
		fprintf(fp, "%-*s  %-8s  %7s\n", (int)w, "source", "status", "records");
		json_array_foreach(s.sources, i, src) {
			const char *name = lk_rec_str(src, "source"), *st = lk_rec_str(src, "status");
			const char *err = lk_rec_str(src, "error");
			long long n;

			if (lk_rec_qty(src, "records", &n) == 0)
				fprintf(fp, "%-*s  %-8s  %7lld", (int)w, name ? name : "?", st ? st : "?", n);
			else
				fprintf(fp, "%-*s  %-8s  %7s", (int)w, name ? name : "?", st ? st : "?", "-");
			if (err && st && strcmp(st, "complete") != 0)
				fprintf(fp, "  %s", err);
			fputc('\n', fp);
		}
		fputc('\n', fp);
	}
	fprintf(fp, "%-*s  %8s  %6s  %9s  %6s  %8s\n", (int)w, "channel", "products", "sent",
	    "unchanged", "failed", "reserved");
	for (i = 0; i < s.nch; i++) {
		const struct chan_sum *c = &s.ch[i];

		if (p->pushed)
			fprintf(fp, "%-*s  %8lld  %6lld  %9lld  %6lld  %8lld\n", (int)w, c->name,
			    c->products, c->sent, c->products - c->sent - c->failed > 0 ?
			    c->products - c->sent - c->failed : 0, c->failed, c->reserved);
		else
			fprintf(fp, "%-*s  %8lld  %6s  %9s  %6s  %8lld\n", (int)w, c->name,
			    c->products, "-", "-", "-", c->reserved);
	}
	release(&s);
}

void
lk_sync_summary_json(const struct lk_sync_plan *p, const struct lk_config *cfg, FILE *fp)
{
	struct summary s;
	json_t *o, *stages, *chans;
	size_t i;

	collect(p, cfg, &s);
	o = json_object();
	json_object_set_new(o, "type", json_string("sync"));
	json_object_set_new(o, "run", p->runid ? json_string(p->runid) : json_null());
	json_object_set_new(o, "state_dir", json_string(p->state_dir));
	json_object_set_new(o, "dry_run", json_boolean(p->o.dry_run));
	json_object_set_new(o, "exit", json_integer(p->code));
	json_object_set_new(o, "busy", json_boolean(p->rundir == NULL && p->code == LK_EX_TEMPFAIL));
	json_object_set_new(o, "pushed", json_boolean(p->pushed));
	json_object_set_new(o, "nopush", p->nopush ? json_string(p->nopush) : json_null());
	json_object_set_new(o, "secs", json_real((double)(long long)(p->secs * 1000) / 1000));
	stages = json_array();
	for (i = 0; i < p->n && p->rundir; i++) {
		const struct lk_sync_stage *st = &p->v[i];

		if (st->kind == LK_SYNC_CONCAT)
			continue;
		json_array_append_new(stages, json_pack("{s:s, s:o, s:f}", "stage", st->label,
		    "exit", st->ran ? json_integer(st->code) : json_null(),
		    "secs", (double)(long long)(st->secs * 1000) / 1000));
	}
	json_object_set_new(o, "stages", stages);
	json_object_set(o, "sources", s.sources);
	chans = json_array();
	for (i = 0; i < s.nch; i++) {
		const struct chan_sum *c = &s.ch[i];
		long long unch = c->products - c->sent - c->failed;

		json_array_append_new(chans, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
		    "channel", c->name, "products", (json_int_t)c->products,
		    "sent", (json_int_t)c->sent, "unchanged", (json_int_t)(p->pushed && unch > 0 ? unch : 0),
		    "failed", (json_int_t)c->failed, "reserved", (json_int_t)c->reserved));
	}
	json_object_set_new(o, "channels", chans);
	if (json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
		fputc('\n', fp);
	json_decref(o);
	release(&s);
}
