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
#include "util.h"

struct chan_in {
	const struct lk_channel *ch;
	struct lk_push_want *w;
	size_t n, cap;
	/* sku -> position in w, so a repeated sku replaces the earlier one */
	json_t *pos;
	/* sku -> quantity the marketplace shows (seen records) */
	json_t *shown;
};

/* Remembers a seen record's quantity for its channel; the record passes on too. */
static void
note_shown(struct chan_in *in, size_t nch, const json_t *rec)
{
	const char *chan = lk_rec_str(rec, "channel"), *sku = lk_rec_str(rec, "sku");
	long long qty;
	size_t j;

	if (chan == NULL || sku == NULL || lk_rec_qty(rec, "qty", &qty) == -1)
		return;
	for (j = 0; j < nch; j++)
		if (strcmp(in[j].ch->name, chan) == 0)
			json_object_set_new(in[j].shown, sku, json_integer(qty));
}

/* Gives each wanted item what its marketplace shows, where known. */
static void
attach_shown(struct chan_in *c)
{
	json_t *v;
	size_t i;

	for (i = 0; i < c->n; i++) {
		v = json_object_get(c->shown, c->w[i].sku);
		c->w[i].has_shown = v != NULL;
		c->w[i].shown = v ? json_integer_value(v) : 0;
	}
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
	size_t nsel = cmd->nsel, i, j;
	int strict = cmd->strict, lockfd = -1, code = LK_EX_OK;
	struct lk_config cfg;
	struct lk_state *st;
	struct lk_reader rd;
	struct chan_in *in;
	json_t *rec;

	st = lk_config_open_or_die(dir, NULL, &cfg);
	for (i = 0; i < nsel; i++)
		if (lk_config_channel(&cfg, sel[i]) == NULL)
			lk_die(LK_EX_CONFIG, "--channel %s: no channels/%s.json", sel[i], sel[i]);

	/* A dry run writes nothing, so it does not take the lock. */
	if (!o.dry_run) {
		lockfd = lk_lock_state_or_die(lk_state_dir(st), cfg.global.lock_timeout * 1000);
	}

	in = lk_xcalloc(cfg.nchannels + 1, sizeof *in);
	for (i = 0; i < cfg.nchannels; i++) {
		in[i].ch = &cfg.channels[i];
		in[i].pos = json_object();
		in[i].shown = json_object();
	}
	if (lk_reader_open(&rd, input, LK_MAX_LINE_DEFAULT, strict) == -1)
		lk_die(LK_EX_NOINPUT, "%s:", input);
	while ((rec = lk_reader_next(&rd)) != NULL) {
		const char *type = lk_rec_type(rec), *chan, *sku;
		long long qty;
		json_t *pos;

		if (type == NULL || strcmp(type, "alloc") != 0) {
			if (type && strcmp(type, "seen") == 0)
				note_shown(in, cfg.nchannels, rec);
			lk_emit_record(rec);    /* other records pass through */
			json_decref(rec);
			continue;
		}
		chan = lk_rec_str(rec, "channel");
		sku = lk_rec_str(rec, "sku");
		if (chan == NULL || sku == NULL || *sku == '\0' || lk_rec_qty(rec, "qty", &qty) == -1) {
			lk_reader_bad(&rd, "an alloc record needs channel, sku and qty (an integer >= 0)");
			json_decref(rec);
			continue;
		}
		for (j = 0; j < cfg.nchannels; j++)
			if (strcmp(cfg.channels[j].name, chan) == 0)
				break;
		if (j == cfg.nchannels) {
			lk_reader_bad(&rd, "unknown channel '%s'", chan);
			json_decref(rec);
			continue;
		}
		pos = json_object_get(in[j].pos, sku);
		if (pos) {
			in[j].w[json_integer_value(pos)].qty = qty;
		} else {
			if (in[j].n == in[j].cap) {
				in[j].cap = in[j].cap ? in[j].cap * 2 : 256;
				in[j].w = lk_xrealloc(in[j].w, in[j].cap * sizeof *in[j].w);
			}
			in[j].w[in[j].n].sku = lk_xstrdup(sku);
			in[j].w[in[j].n].qty = qty;
			json_object_set_new(in[j].pos, sku, json_integer((json_int_t)in[j].n));
			in[j].n++;
		}
		json_decref(rec);
	}
	if (rd.nbad)
		code = LK_EX_PARTIAL;
	lk_reader_close(&rd);
	fflush(lk_emit_fp);
	for (i = 0; i < cfg.nchannels; i++)
		attach_shown(&in[i]);

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
			continue;
		}
		if (!ch->enabled)
			lk_warn("%s: the channel is disabled (a real run would send nothing)", ch->name);
		rc = lk_push_channel(st, &cfg, ch, in[i].w, in[i].n, &o, &s);
		fflush(lk_emit_fp);
		summary(ch, &s, o.dry_run);
		if (lk_push_log(st, ch, &s, o.dry_run) == -1)
			rc = worse(rc, LK_EX_CANTCREAT);
		code = worse(code, rc);
	}

	for (i = 0; i < cfg.nchannels; i++) {
		for (j = 0; j < in[i].n; j++)
			free(in[i].w[j].sku);
		free(in[i].w);
		json_decref(in[i].pos);
		json_decref(in[i].shown);
	}
	free(in);
	if (lockfd != -1)
		lk_unlock_state(lockfd);
	lk_config_free(&cfg);
	lk_state_close(st);
	lk_close_stdout();
	return code;
}
