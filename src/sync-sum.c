/*
 * sync-sum.c - lk-sync's summary of a run (lk-sync(1), Output), from the
 * run folder's files and the state directory's snapshots: per source its
 * sentinel, state and data age; per channel a state and the counts of
 * its push_summary; the reserve, undistributed units (per source, from
 * lk-alloc's records) and open conflicts.
 * One JSON object holds it all; the table is printed from that object,
 * so both always say the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "status.h"
#include "sync.h"
#include "util.h"

struct scan_ctx {
	json_t *sum;
	json_t *chans;          /* name -> channel object */
	json_t *reserve_map;    /* sku -> units reserved */
	json_t *srcs;           /* the sources array */
	long long rsv_units, rsv_unexplained, rsv_products, und_units, und_products;
	json_t *rsv_orders;     /* the orders that reserve, and those shipped, waiting for a source */
	json_t *rsv_shipped;
	json_t *und_src;        /* source -> undistributed units */
};

static void
add_int(json_t *o, const char *key, long long d)
{
	json_t *v = json_object_get(o, key);

	if (v && json_is_integer(v))
		json_integer_set(v, json_integer_value(v) + d);
	else
		json_object_set_new(o, key, json_integer(d));
}

static void
on_source(struct scan_ctx *s, json_t *rec)
{
	json_array_append(s->srcs, rec);
}

static void
on_reserve(struct scan_ctx *s, json_t *rec)
{
	const char *sku = lk_rec_str(rec, "sku");
	long long q, u = 0;
	size_t i;
	json_t *v;

	if (sku == NULL || lk_rec_qty(rec, "qty", &q) == -1)
		return;
	json_object_set_new(s->reserve_map, sku, json_integer(q));
	s->rsv_units += q;
	s->rsv_products++;
	if (lk_rec_qty(rec, "unexplained", &u) == 0)
		s->rsv_unexplained += u;
	json_array_foreach(json_object_get(rec, "orders"), i, v)
		if (json_is_string(v))
			json_object_set(s->rsv_orders, json_string_value(v), json_true());
	json_array_foreach(json_object_get(rec, "shipped"), i, v)
		if (json_is_string(v))
			json_object_set(s->rsv_shipped, json_string_value(v), json_true());
}

static void
on_conflict(struct scan_ctx *s, json_t *rec)
{
	const char *name = lk_rec_str(rec, "channel");
	json_t *c = name ? json_object_get(s->chans, name) : NULL;

	json_array_append(json_object_get(s->sum, "conflicts"), rec);
	if (c)
		add_int(c, "conflicts", 1);
}

static void
count_alloc(struct scan_ctx *s, const char *name, const char *sku)
{
	json_t *c = name ? json_object_get(s->chans, name) : NULL, *r;

	if (c == NULL)
		return;
	add_int(c, "products", 1);
	if (sku && (r = json_object_get(s->reserve_map, sku)) != NULL)
		add_int(c, "reserved", json_integer_value(r));
}

static void
on_alloc(struct scan_ctx *s, json_t *rec)
{
	count_alloc(s, lk_rec_str(rec, "channel"), lk_rec_str(rec, "sku"));
}

/*
 * An alloc record as lk-alloc writes it, {"type":"alloc","channel":"C",
 * "sku":"S",...} with no escapes in C and S, counted without a JSON parse
 * (a 100k cycle has 500k of them); 0 for any other shape, which is parsed.
 */
static int
alloc_line(struct scan_ctx *s, const char *line, size_t len)
{
	static const char head[] = "{\"type\":\"alloc\",\"channel\":\"", mid[] = "\",\"sku\":\"";
	char name[256], sku[1024];
	const char *p = line + sizeof head - 1, *end = line + len, *q;
	size_t nl, sl;

	if (len < sizeof head - 1 || memcmp(line, head, sizeof head - 1) != 0)
		return 0;
	for (q = p; q < end && *q != '"' && *q != '\\'; q++)
		;
	nl = (size_t)(q - p);
	if (nl >= sizeof name || (size_t)(end - q) < sizeof mid - 1 || memcmp(q, mid, sizeof mid - 1) != 0)
		return 0;
	memcpy(name, p, nl);
	name[nl] = '\0';
	for (p = q + sizeof mid - 1, q = p; q < end && *q != '"' && *q != '\\'; q++)
		;
	sl = (size_t)(q - p);
	if (q == end || *q != '"' || sl >= sizeof sku)
		return 0;
	memcpy(sku, p, sl);
	sku[sl] = '\0';
	count_alloc(s, name, sku);
	return 1;
}

static void
on_undistributed(struct scan_ctx *s, json_t *rec)
{
	const char *k;
	long long q;
	json_t *v;

	if (lk_rec_qty(rec, "qty", &q) == 0) {
		s->und_units += q;
		s->und_products++;
	}
	json_object_foreach(json_object_get(rec, "sources"), k, v)
		if (json_is_integer(v))
			add_int(s->und_src, k, json_integer_value(v));
}

/* The first few items a push failed for, named in the summary and the attention message. */
#define FAILED_NAMED 5

static void
on_pushed(struct scan_ctx *s, json_t *rec)
{
	const char *name = lk_rec_str(rec, "channel"), *st = lk_rec_str(rec, "status");
	json_t *c = name ? json_object_get(s->chans, name) : NULL, *v;

	if (c == NULL || st == NULL || strcmp(st, "failed") != 0)
		return;
	if ((v = json_object_get(c, "failed_items")) == NULL)
		json_object_set_new(c, "failed_items", v = json_array());
	if (json_array_size(v) < FAILED_NAMED)
		json_array_append_new(v, json_pack("{s:s, s:s}", "sku", lk_rec_str(rec, "sku") ?
		    lk_rec_str(rec, "sku") : "?", "error", lk_rec_str(rec, "error") ?
		    lk_rec_str(rec, "error") : ""));
}

static void
on_push_summary(struct scan_ctx *s, json_t *rec)
{
	const char *name = lk_rec_str(rec, "channel");
	json_t *c = name ? json_object_get(s->chans, name) : NULL;

	if (c)
		json_object_set(c, "push_summary", rec);
}

/* The source's state: complete, snapshot (its last one stands in), stale or unused. */
static void
source_state(json_t *src, const struct lk_source *cfg, const struct lk_config *all,
    const char *lkdir, time_t now)
{
	const char *st = lk_rec_str(src, "status");
	long long max = cfg->max_age ? cfg->max_age : all->global.source_max_age, recs;
	time_t at;
	int have = lk_status_snapshot(lkdir, cfg->name, &at, &recs) == 0;
	const char *state;

	if (max <= 0)
		max = 6 * 3600;
	if (st && strcmp(st, "complete") == 0) {
		state = "complete";
		json_object_set_new(src, "age", json_integer(0));
	} else {
		state = have && now - at <= max ? "snapshot" : "stale";
		json_object_set_new(src, "age", have ? json_integer(now - at) : json_null());
	}
	json_object_set_new(src, "state", json_string(state));
	json_object_set_new(src, "max_age", json_integer(max));
}

static json_t *
find_source(json_t *srcs, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(srcs, i, v) {
		const char *n = lk_rec_str(v, "source");

		if (n && strcmp(n, name) == 0)
			return v;
	}
	return NULL;
}

/* Whether the channel has a share or equal step: undistributed is measured on those. */
static int
distributes(const struct lk_channel *ch)
{
	size_t i;

	for (i = 0; i < ch->nrule; i++)
		if (ch->rule[i].kind == LK_STEP_SHARE || ch->rule[i].kind == LK_STEP_EQUAL)
			return 1;
	return 0;
}

/* Whether a source the channel sums is stale (lk-alloc then stops it). */
static const char *
stale_source(json_t *srcs, const struct lk_channel *ch)
{
	size_t i;

	for (i = 0; i < ch->nsources; i++) {
		json_t *v = find_source(srcs, ch->sources[i].name);
		const char *st = v ? lk_rec_str(v, "state") : NULL;

		if (st && strcmp(st, "stale") == 0)
			return ch->sources[i].name;
	}
	return NULL;
}

static void
set_state(json_t *c, const char *state, const char *reason)
{
	json_object_set_new(c, "state", json_string(state));
	json_object_set_new(c, "reason", reason ? json_string(reason) : json_null());
}

static void
copy_count(json_t *c, json_t *ps, const char *key)
{
	json_t *v = json_object_get(ps, key);

	json_object_set(c, key, v ? v : json_integer(0));
}

/*
 * The command that sends a channel the zero guard stopped: a new run with
 * the guards off, so that it sends what is true then, not this run's
 * quantities hours later.
 */
static char *
override_cmd(const struct lk_sync_plan *p, const char *channel)
{
	(void)channel;
	return lk_xasprintf("lk-sync -C %s --force", p->state_dir);
}

/* One channel's state from what this run's stages wrote about it. */
static void
channel_state(const struct lk_sync_plan *p, const struct lk_config *cfg,
    const struct lk_channel *ch, json_t *c, json_t *srcs)
{
	json_t *ps = json_object_get(c, "push_summary");
	const char *stale = stale_source(srcs, ch), *skipped;
	long long prod = json_integer_value(json_object_get(c, "products")), sent, failed, code;
	char buf[128];

	if (!ch->enabled) {
		set_state(c, "disabled", NULL);
		return;
	}
	if (ps == NULL) {
		if (stale && prod == 0) {
			snprintf(buf, sizeof buf, "source '%s' is too old", stale);
			set_state(c, "source stale", buf);
		} else if (!p->pushed) {
			set_state(c, "failed", p->nopush ? p->nopush : "lk-push did not run");
		} else if (prod == 0) {
			set_state(c, "nothing to send", "no alloc records");
		} else {
			set_state(c, "failed", "lk-push did not report it");
		}
		return;
	}
	copy_count(c, ps, "sent");
	copy_count(c, ps, "unchanged");
	copy_count(c, ps, "failed");
	copy_count(c, ps, "zeroed");
	copy_count(c, ps, "throttled");
	copy_count(c, ps, "secs");
	copy_count(c, ps, "exit");
	skipped = lk_rec_str(ps, "skipped");
	sent = json_integer_value(json_object_get(ps, "sent"));
	failed = json_integer_value(json_object_get(ps, "failed"));
	code = json_integer_value(json_object_get(ps, "exit"));
	if (skipped && strcmp(skipped, "zero guard") == 0) {
		char *cmd = override_cmd(p, ch->name);

		snprintf(buf, sizeof buf, "%lld items would go to 0 (max_zero)",
		    (long long)json_integer_value(json_object_get(ps, "zeroed")));
		set_state(c, "zero guard", buf);
		json_object_set_new(c, "override", json_string(cmd));
		free(cmd);
	} else if ((skipped && strcmp(skipped, "push is off in lk.json") == 0) ||
	    (p->o.dry_run && !cfg->global.push)) {
		set_state(c, "push off", "push is off in lk.json");
	} else if (skipped && strcmp(skipped, "channel disabled") == 0) {
		set_state(c, "disabled", NULL);
	} else if (skipped) {
		set_state(c, "failed", skipped);
	} else if (code != LK_EX_OK && code != LK_EX_PARTIAL) {
		snprintf(buf, sizeof buf, "lk-push exited %lld for it", code);
		set_state(c, "failed", buf);
	} else if (sent == 0 && failed > 0) {
		snprintf(buf, sizeof buf, "%lld items failed", failed);
		set_state(c, "failed", buf);
	} else if (sent + failed == 0) {
		set_state(c, "nothing to send", NULL);
	} else {
		set_state(c, p->o.dry_run ? "would push" : "pushed", NULL);
	}
}

struct on_type {
	const char *type;
	void (*fn)(struct scan_ctx *, json_t *);
};

/*
 * Calls the handler of each line of path whose type has one, the record
 * parsed: lk writes every record starting {"type":"TYPE", so other lines
 * are skipped unparsed and a big stock file costs one pass of getline.
 * An alloc record is not parsed either (alloc_line()).  -1: no file.
 */
static int
scan(const char *dir, const char *file, const struct on_type *on, size_t non, struct scan_ctx *s)
{
	static const char prefix[] = "{\"type\":\"";
	char *path = lk_path_join(dir, file), *line;
	size_t plen = sizeof prefix - 1, i, n;
	struct lk_reader r;

	/* framed in the reader's buffer: most lines are skipped at a glance, not copied out */
	if (lk_reader_open(&r, path, 0, 0) == -1) {
		free(path);
		return -1;
	}
	while (lk_reader_line(&r, &line, &n)) {
		const char *t = line + plen;
		json_t *rec;

		if (n <= plen || memcmp(line, prefix, plen) != 0)
			continue;
		for (i = 0; i < non; i++) {
			size_t tl = strlen(on[i].type);

			if (n > plen + tl && memcmp(t, on[i].type, tl) == 0 && t[tl] == '"')
				break;
		}
		if (i == non || (on[i].fn == on_alloc && alloc_line(s, line, n)))
			continue;
		if ((rec = json_loadb(line, n, 0, NULL)) == NULL)
			continue;
		on[i].fn(s, rec);
		json_decref(rec);
	}
	lk_reader_close(&r);
	free(path);
	return 0;
}

/* What each run file is read for. */
static const struct on_type on_src[] = { { "source", on_source } };
static const struct on_type on_rsv[] = { { "reserve", on_reserve }, { "conflict", on_conflict } };
static const struct on_type on_alc[] = { { "alloc", on_alloc }, { "undistributed", on_undistributed } };
static const struct on_type on_psh[] = { { "push_summary", on_push_summary }, { "pushed", on_pushed } };

json_t *
lk_sync_summary(const struct lk_sync_plan *p, struct lk_state *st, const struct lk_config *cfg)
{
	struct scan_ctx s;
	json_t *o = json_object(), *stages = json_array(), *chans = json_array(), *v;
	char *lkdir = lk_path_join(lk_state_dir(st), ".lk"), tbuf[21];
	time_t now = lk_now();
	size_t i;

	memset(&s, 0, sizeof s);
	s.sum = o;
	s.chans = json_object();
	s.reserve_map = json_object();
	s.srcs = json_array();
	s.rsv_orders = json_object();
	s.rsv_shipped = json_object();
	s.und_src = json_object();
	json_object_set_new(o, "type", json_string("sync"));
	json_object_set_new(o, "run", p->runid ? json_string(p->runid) : json_null());
	json_object_set_new(o, "at", json_string(lk_fmt_time(now, tbuf)));
	json_object_set_new(o, "state_dir", json_string(p->state_dir));
	json_object_set_new(o, "dry_run", json_boolean(p->o.dry_run));
	json_object_set_new(o, "exit", json_integer(p->code));
	json_object_set_new(o, "busy", json_boolean(p->rundir == NULL && p->code == LK_EX_TEMPFAIL));
	json_object_set_new(o, "pushed", json_boolean(p->pushed));
	json_object_set_new(o, "nopush", p->nopush ? json_string(p->nopush) : json_null());
	json_object_set_new(o, "secs", json_real((double)(long long)(p->secs * 1000) / 1000));
	for (i = 0; i < p->n && p->rundir; i++) {
		const struct lk_sync_stage *sg = &p->v[i];

		if (sg->kind == LK_SYNC_CONCAT)
			continue;
		json_array_append_new(stages, json_pack("{s:s, s:o, s:f}", "stage", sg->label,
		    "exit", sg->ran ? json_integer(sg->code) : json_null(),
		    "secs", (double)(long long)(sg->secs * 1000) / 1000));
		if (sg->reused)
			json_object_set_new(json_array_get(stages, json_array_size(stages) - 1),
			    "unchanged", json_true());
	}
	json_object_set_new(o, "stages", stages);
	json_object_set(o, "sources", s.srcs);
	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];

		v = json_pack("{s:s, s:s, s:n, s:n, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "channel", ch->name, "marketplace", ch->marketplace ? ch->marketplace : "",
		    "state", "reason", "products", (json_int_t)0, "sent", (json_int_t)0,
		    "unchanged", (json_int_t)0, "failed", (json_int_t)0, "zeroed", (json_int_t)0,
		    "reserved", (json_int_t)0, "conflicts", (json_int_t)0, "failed_for_good",
		    (json_int_t)lk_status_failed(lkdir, ch->name, NULL));
		json_array_append_new(chans, v);
		json_object_set(s.chans, ch->name, v);
	}
	json_object_set_new(o, "channels", chans);
	json_object_set_new(o, "conflicts", json_array());
	if (p->rundir) {
		for (i = 0; i < p->n; i++) {
			char *name;

			if (p->v[i].kind != LK_SYNC_FETCH)
				continue;
			name = lk_xasprintf("source-%s.ndjson", p->v[i].source);
			scan(p->rundir, name, on_src, 1, &s);
			free(name);
		}
		scan(p->rundir, "reserve.out", on_rsv, 2, &s);
		if (scan(p->rundir, "alloc.out", on_alc, 2, &s) < 0) {
			json_decref(s.und_src);
			s.und_src = NULL;       /* lk-alloc did not run: nothing is known */
		}
		if (p->pushed)
			scan(p->rundir, "push.out", on_psh, 2, &s);
	}
	json_array_foreach(s.srcs, i, v) {
		const char *name = lk_rec_str(v, "source");
		const struct lk_source *src = name ? lk_config_source(cfg, name) : NULL;

		if (src)
			source_state(v, src, cfg, lkdir, now);
	}
	for (i = 0; i < cfg->nchannels; i++) {
		v = json_object_get(s.chans, cfg->channels[i].name);
		if (p->rundir)
			channel_state(p, cfg, &cfg->channels[i], v, s.srcs);
		json_object_del(v, "push_summary");
		/* lk-alloc writes no undistributed record while such a channel is stopped */
		if (s.und_src && distributes(&cfg->channels[i]) &&
		    strcmp(lk_rec_str(v, "state") ? lk_rec_str(v, "state") : "", "source stale") == 0) {
			json_decref(s.und_src);
			s.und_src = NULL;
		}
	}
	json_array_foreach(s.srcs, i, v) {
		const char *name = lk_rec_str(v, "source");
		json_t *u = s.und_src && name ? json_object_get(s.und_src, name) : NULL;

		json_object_set_new(v, "undistributed", s.und_src == NULL ? json_null() :
		    json_integer(u ? json_integer_value(u) : 0));
	}
	json_object_set_new(o, "reserve", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "units", (json_int_t)s.rsv_units, "orders", (json_int_t)(s.rsv_units - s.rsv_unexplained),
	    "unexplained", (json_int_t)s.rsv_unexplained, "products", (json_int_t)s.rsv_products,
	    "order_count", (json_int_t)json_object_size(s.rsv_orders),
	    "waiting_for_source", (json_int_t)json_object_size(s.rsv_shipped)));
	json_decref(s.rsv_orders);
	json_decref(s.rsv_shipped);
	json_object_set_new(o, "undistributed", s.und_src == NULL ?
	    json_pack("{s:n, s:n}", "units", "products") : json_pack("{s:I, s:I}",
	    "units", (json_int_t)s.und_units, "products", (json_int_t)s.und_products));
	json_object_set_new(o, "attention", json_array());
	json_decref(s.chans);
	json_decref(s.reserve_map);
	json_decref(s.srcs);
	json_decref(s.und_src);
	free(lkdir);
	return o;
}

void
lk_sync_summary_json(const json_t *sum, FILE *fp)
{
	if (json_dumpf(sum, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
		fputc('\n', fp);
}

static long long
geti(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
gets(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

void
lk_sync_summary_text(const json_t *sum, FILE *fp)
{
	json_t *srcs = json_object_get(sum, "sources"), *chans = json_object_get(sum, "channels");
	json_t *v, *cf = json_object_get(sum, "conflicts"), *r;
	size_t i, w = 7;
	char age[32], und[64];

	json_array_foreach(srcs, i, v)
		if (strlen(gets(v, "source", "?")) > w)
			w = strlen(gets(v, "source", "?"));
	json_array_foreach(chans, i, v)
		if (strlen(gets(v, "channel", "?")) > w)
			w = strlen(gets(v, "channel", "?"));
	if (json_array_size(srcs) > 0) {
		fprintf(fp, "%-*s  %-8s  %7s  %13s  %6s\n", (int)w, "source", "state", "records",
		    "undistributed", "age");
		json_array_foreach(srcs, i, v) {
			json_t *a = json_object_get(v, "age"), *u = json_object_get(v, "undistributed");
			const char *err = gets(v, "error", NULL);

			if (json_is_integer(json_object_get(v, "records")))
				fprintf(fp, "%-*s  %-8s  %7lld", (int)w, gets(v, "source", "?"),
				    gets(v, "state", gets(v, "status", "?")), geti(v, "records"));
			else
				fprintf(fp, "%-*s  %-8s  %7s", (int)w, gets(v, "source", "?"),
				    gets(v, "state", gets(v, "status", "?")), "-");
			if (json_is_integer(u))
				fprintf(fp, "  %13lld", (long long)json_integer_value(u));
			else
				fprintf(fp, "  %13s", "-");
			fprintf(fp, "  %6s", json_is_integer(a) ?
			    lk_status_age(json_integer_value(a), age, sizeof age) : "-");
			if (err)
				fprintf(fp, "  %s", err);
			fputc('\n', fp);
		}
		fputc('\n', fp);
	}
	fprintf(fp, "%-*s  %-15s  %8s  %6s  %9s  %6s  %6s  %8s\n", (int)w, "channel", "state",
	    "products", "sent", "unchanged", "failed", "zeroed", "reserved");
	json_array_foreach(chans, i, v) {
		const char *st = gets(v, "state", "-"), *why = gets(v, "reason", NULL);

		fprintf(fp, "%-*s  %-15s  %8lld  %6lld  %9lld  %6lld  %6lld  %8lld", (int)w,
		    gets(v, "channel", "?"), st, geti(v, "products"), geti(v, "sent"),
		    geti(v, "unchanged"), geti(v, "failed"), geti(v, "zeroed"), geti(v, "reserved"));
		if (why)
			fprintf(fp, "  %s", why);
		fputc('\n', fp);
		if (json_object_get(v, "override"))
			fprintf(fp, "%-*s  to send anyway: %s\n", (int)w, "", gets(v, "override", ""));
	}
	r = json_object_get(sum, "reserve");
	v = json_object_get(sum, "undistributed");
	if (json_is_integer(json_object_get(v, "units")))
		snprintf(und, sizeof und, "%lld units over %lld products", geti(v, "units"),
		    geti(v, "products"));
	else
		snprintf(und, sizeof und, "unknown");
	fprintf(fp, "\nreserved %lld units (orders %lld, unexplained %lld; %lld orders, %lld shipped "
	    "and waiting for a source); undistributed %s; %zu open conflicts\n",
	    geti(r, "units"), geti(r, "orders"), geti(r, "unexplained"), geti(r, "order_count"),
	    geti(r, "waiting_for_source"), und, json_array_size(cf));
	json_array_foreach(cf, i, v)
		fprintf(fp, "conflict: %s %s: %s (pushed %lld, seen %lld)\n", gets(v, "channel", "?"),
		    gets(v, "sku", "?"), gets(v, "reason", "?"), geti(v, "pushed"), geti(v, "seen"));
}
