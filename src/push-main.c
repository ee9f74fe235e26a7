/*
 * push-main.c - one lk-push run (lk-push(1)): read the alloc and seen
 * records, group them by channel, push each selected channel
 * (push.c), report and log.  The worst channel's code is the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exit.h"
#include "lock.h"
#include "ndjson.h"
#include "push.h"
#include "state.h"
#include "strmap.h"
#include "util.h"

/*
 * The input, held until every record is read: one set of the skus for
 * every channel (a sku is in most of them) and per channel its items in
 * input order, found through a number per sku.  An item a seen record
 * named before (or without) an alloc record waits in w, not wanted.
 */
struct chan_in {
	const struct lk_channel *ch;
	struct lk_push_want *w;
	size_t n, cap;
	size_t nwanted;
	uint32_t *at;                   /* at[sku number]: its index in w + 1, 0: none */
	size_t nat;
	size_t next;                    /* the sku number after the last one: the next one's guess */
};

/* The channel's input, by name. */
static struct chan_in *
chan_of(struct chan_in *in, size_t nch, const char *chan)
{
	size_t j;

	for (j = 0; j < nch; j++)
		if (strcmp(in[j].ch->name, chan) == 0)
			return &in[j];
	return NULL;
}

/* The channel's item for sku, added (not wanted, nothing shown) when missing. */
static struct lk_push_want *
item(struct chan_in *c, struct lk_strmap *skus, const char *sku)
{
	size_t k = lk_strmap_put_near(skus, sku, strlen(sku), NULL, c->next);
	struct lk_push_want *w;

	c->next = k + 1;
	if (k >= c->nat) {
		size_t old = c->nat;

		c->nat = skus->cap > k ? skus->cap : k + 1;
		c->at = lk_xrealloc(c->at, c->nat * sizeof *c->at);
		memset(c->at + old, 0, (c->nat - old) * sizeof *c->at);
	}
	if (c->at[k])
		return &c->w[c->at[k] - 1];
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->w = lk_xrealloc(c->w, c->cap * sizeof *c->w);
	}
	w = &c->w[c->n];
	memset(w, 0, sizeof *w);
	w->sku = skus->keys[k];
	c->at[k] = (uint32_t)++c->n;
	return w;
}

/* Remembers a seen record's quantity (-1: none) for its channel; the record passes on too. */
static void
note_shown(struct chan_in *in, size_t nch, struct lk_strmap *skus, const char *chan, const char *sku,
    long long qty)
{
	struct chan_in *c;
	struct lk_push_want *w;

	if (chan == NULL || sku == NULL || qty < 0 || (c = chan_of(in, nch, chan)) == NULL)
		return;
	w = item(c, skus, sku);
	w->shown = qty;
	w->has_shown = 1;
}

/* An alloc record: the channel's wanted quantity for sku (a repeated sku replaces the earlier). */
static void
want(struct chan_in *in, size_t nch, struct lk_strmap *skus, struct lk_reader *rd, const char *chan,
    const char *sku, long long qty, int asked)
{
	struct chan_in *c = chan_of(in, nch, chan);
	struct lk_push_want *w;

	if (c == NULL) {
		lk_reader_bad(rd, "unknown channel '%s'", chan);
		return;
	}
	w = item(c, skus, sku);
	c->nwanted += !w->wanted;
	w->wanted = 1;
	w->qty = qty;
	w->asked = (unsigned char)asked;
}

/*
 * The fast path: an alloc or seen record, or one that passes through,
 * that is a flat object (ndjson.h); 0 when the line is not one, and
 * jansson reads it (and accepts or reports it) the same way.
 */
static int
fast_line(struct chan_in *in, size_t nch, struct lk_strmap *skus, struct lk_reader *rd, char *s, size_t n)
{
	struct lk_flat f[16];
	const struct lk_flat *t, *chan, *sku, *qty;
	int nf = lk_flat_parse(s, n, f, 16), alloc;
	const char *type;
	size_t tlen;

	/* undistributed records, with their sources, pass through as they are */
	if (nf < 0 && lk_line_canonical(s, n, &type, &tlen) &&
	    !(tlen == 5 && memcmp(type, "alloc", 5) == 0) && !(tlen == 4 && memcmp(type, "seen", 4) == 0)) {
		rd->nrec++;
		lk_emit_line(s, n);
		return 1;
	}
	if (nf < 0 || (t = lk_flat_get(f, nf, "type")) == NULL || !t->str || t->vlen == 0)
		return 0;
	alloc = t->vlen == 5 && memcmp(t->v, "alloc", 5) == 0;
	chan = lk_flat_get(f, nf, "channel");
	sku = lk_flat_get(f, nf, "sku");
	qty = lk_flat_get(f, nf, "qty");
	if (alloc && (!chan || !chan->str || !sku || !sku->str || sku->vlen == 0 || !qty || qty->str))
		return 0;       /* jansson reports it */
	rd->nrec++;
	if (!alloc) {
		lk_emit_flat_line(s, n, f, nf);
		if (t->vlen != 4 || memcmp(t->v, "seen", 4) != 0 || !chan || !chan->str || !sku || !sku->str ||
		    !qty || qty->str)
			return 1;
	}
	/* the values end where their closing quotes were */
	((char *)chan->v)[chan->vlen] = '\0';
	((char *)sku->v)[sku->vlen] = '\0';
	if (alloc)
		want(in, nch, skus, rd, chan->v, sku->v, lk_flat_int(qty), 0);  /* "asked": true is not flat */
	else
		note_shown(in, nch, skus, chan->v, sku->v, lk_flat_int(qty));
	return 1;
}

/* Keeps the wanted items, in input order. */
static void
keep_wanted(struct chan_in *c)
{
	size_t i, k;

	for (i = k = 0; i < c->n; i++)
		if (c->w[i].wanted)
			c->w[k++] = c->w[i];
	c->n = k;
	free(c->at);
	c->at = NULL;
}

/* Exit codes by severity: the worst channel decides. */
static int
worse(int a, int b)
{
	static const int order[] = { LK_EX_OK, LK_EX_PARTIAL, LK_EX_SAFETY, LK_EX_TEMPFAIL,
		LK_EX_CONFIG, LK_EX_UNAVAILABLE, LK_EX_CANTCREAT, LK_EX_SOFTWARE };
	int ia = 8, ib = 8;
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (order[i] == a)
			ia = (int)i;
		if (order[i] == b)
			ib = (int)i;
	}
	return ib > ia ? b : a;
}

/* The channel's push_summary on stdout too, so lk-sync's summary reads this run's. */
static void
emit_summary(const struct lk_channel *ch, const struct lk_push_stats *s)
{
	char *line = lk_push_summary_line(ch, s);
	FILE *fp = lk_emit_fp ? lk_emit_fp : stdout;

	fputs(line, fp);
	fflush(fp);
	free(line);
}

static int
selected(char *const *sel, size_t nsel, const char *name)
{
	size_t i;

	if (nsel == 0)
		return 1;
	for (i = 0; i < nsel; i++)
		if (strcmp(sel[i], name) == 0)
			return 1;
	return 0;
}

static void
summary(const struct lk_channel *ch, const struct lk_push_stats *s, int dry_run)
{
	if (s->skipped && s->sent == 0 && s->failed == 0) {
		lk_info("%s: skipped (%s)", ch->name, s->skipped);
		return;
	}
	lk_info("%s: %s %ld, unchanged %ld, failed %ld, retries %ld, throttled %ld, requests %ld, %.2fs",
	    ch->name, dry_run ? "would send" : "sent", s->sent, s->unchanged, s->failed, s->retries,
	    s->throttled, s->requests, s->secs);
}

int
lk_push_main(const struct lk_push_cmd *cmd)
{
	struct lk_push_opts o = cmd->opts;
	const char *dir = cmd->dir, *input = cmd->input;
	char *const *sel = cmd->sel;
	size_t nsel = cmd->nsel, i;
	int strict = cmd->strict, lockfd = -1, code = LK_EX_OK;
	struct lk_config cfg;
	struct lk_state *st;
	struct lk_reader rd;
	struct lk_strmap skus;
	struct chan_in *in;
	json_t *rec;
	char *line;
	size_t len;
	const char *nofast = getenv("LK_TEST_NO_FASTPATH");
	int fast = !(nofast && strcmp(nofast, "1") == 0);

	{
		/* the ids of the channels pushed (-c), or of every channel */
		const char **chans = lk_xcalloc(nsel + 1, sizeof *chans);
		struct lk_catalog_keep keep = { LK_KEEP_IDS, nsel ? chans : NULL };

		for (i = 0; i < nsel; i++)
			chans[i] = sel[i];
		st = lk_config_open_or_die(dir, NULL, &cfg, &keep);
		free(chans);
	}
	for (i = 0; i < nsel; i++)
		if (lk_config_channel(&cfg, sel[i]) == NULL)
			lk_die(LK_EX_CONFIG, "--channel %s: no channels/%s.json", sel[i], sel[i]);

	/* A dry run writes nothing, so it does not take the lock. */
	if (!o.dry_run) {
		lockfd = lk_lock_state_or_die(lk_state_dir(st), cfg.global.lock_timeout * 1000);
	}

	memset(&skus, 0, sizeof skus);
	in = lk_xcalloc(cfg.nchannels + 1, sizeof *in);
	for (i = 0; i < cfg.nchannels; i++) {
		in[i].ch = &cfg.channels[i];
	}
	if (lk_reader_open(&rd, input, LK_MAX_LINE_DEFAULT, strict) == -1)
		lk_die(LK_EX_NOINPUT, "%s:", input);
	while (lk_reader_line(&rd, &line, &len)) {
		const char *type, *chan, *sku;
		long long qty;

		if (len == 0)
			continue;
		if (len > rd.max_line) {
			lk_reader_bad(&rd, "line longer than %zu bytes", rd.max_line);
			continue;
		}
		if (fast && fast_line(in, cfg.nchannels, &skus, &rd, line, len))
			continue;
		if ((rec = lk_reader_parse(&rd, line, len)) == NULL)
			continue;
		rd.nrec++;
		type = lk_rec_type(rec);
		if (type == NULL || strcmp(type, "alloc") != 0) {
			if (type && strcmp(type, "seen") == 0)
				note_shown(in, cfg.nchannels, &skus, lk_rec_str(rec, "channel"), lk_rec_str(rec, "sku"),
				    lk_rec_qty(rec, "qty", &qty) == -1 ? -1 : qty);
			lk_emit_record(rec);    /* other records pass through */
			json_decref(rec);
			continue;
		}
		chan = lk_rec_str(rec, "channel");
		sku = lk_rec_str(rec, "sku");
		if (chan == NULL || sku == NULL || *sku == '\0' || lk_rec_qty(rec, "qty", &qty) == -1)
			lk_reader_bad(&rd, "an alloc record needs channel, sku and qty (an integer >= 0)");
		else
			want(in, cfg.nchannels, &skus, &rd, chan, sku, qty,
			    json_is_true(json_object_get(rec, "asked")));
		json_decref(rec);
	}
	if (rd.nbad)
		code = LK_EX_PARTIAL;
	lk_reader_close(&rd);
	fflush(lk_emit_fp);
	for (i = 0; i < cfg.nchannels; i++)
		keep_wanted(&in[i]);

	if (!cfg.global.push)
		lk_warn("push is off in lk.json%s", o.dry_run ? " (a real run would send nothing)" : "; nothing is sent");
	lk_http_global_init();
	for (i = 0; i < cfg.nchannels; i++) {
		const struct lk_channel *ch = in[i].ch;
		struct lk_push_stats s;
		int rc;

		if (!selected(sel, nsel, ch->name))
			continue;
		if (in[i].n == 0) {
			lk_debug("%s: no alloc records", ch->name);
			continue;
		}
		if ((!cfg.global.push || !ch->enabled) && !o.dry_run) {
			memset(&s, 0, sizeof s);
			s.skipped = !cfg.global.push ? "push is off in lk.json" : "channel disabled";
			summary(ch, &s, 0);
			lk_push_log(st, ch, &s, 0);
			if (cmd->summary)
				emit_summary(ch, &s);
			continue;
		}
		if (!ch->enabled)
			lk_warn("%s: the channel is disabled (a real run would send nothing)", ch->name);
		rc = lk_push_channel(st, &cfg, ch, in[i].w, in[i].n, &o, &s);
		fflush(lk_emit_fp);
		summary(ch, &s, o.dry_run);
		if (lk_push_log(st, ch, &s, o.dry_run) == -1)
			rc = worse(rc, LK_EX_CANTCREAT);
		if (cmd->summary)
			emit_summary(ch, &s);
		code = worse(code, rc);
	}

	lk_push_done();
	for (i = 0; i < cfg.nchannels; i++)
		free(in[i].w);
	free(in);
	lk_strmap_free(&skus);
	if (lockfd != -1)
		lk_unlock_state(lockfd);
	lk_config_free(&cfg);
	lk_state_close(st);
	lk_close_stdout();
	return code;
}
