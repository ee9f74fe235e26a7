/*
 * sync-notify.c - the outcomes of an lk-sync run that need a person (a
 * channel stopped by the zero guard, a stale source, items that failed
 * (refused for good, or not sendable), a conflict), reported once per
 * change (lk-sync(1), ATTENTION).
 *
 * What was reported is remembered in STATE/.lk/reported.json, one entry
 * per outcome: its key ("zero_guard/wb"), a fingerprint that changes
 * when the outcome does (the failed items, the conflict's reason), and
 * the message.  A run prints the outcomes that are new or changed, and
 * those that went away, on standard error even with -q; the exit status
 * says whether there was anything new, so that cron mails once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "atomic.h"
#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "status.h"
#include "sync.h"
#include "util.h"

static const char *
gets(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static long long
geti(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
add(json_t *items, char *key, char *fp, char *msg)
{
	json_object_set_new(items, key, json_pack("{s:s, s:s}", "fp", fp, "message", msg));
	free(key);
	free(fp);
	free(msg);
}

/* The channels that sum a source, for the message. */
static char *
users(const struct lk_config *cfg, const char *source)
{
	char *s = lk_xstrdup(""), *t;
	size_t i, j;

	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];

		for (j = 0; j < ch->nsources && ch->enabled; j++) {
			if (strcmp(ch->sources[j].name, source) != 0)
				continue;
			t = lk_xasprintf("%s%s%s", s, *s ? ", " : "", ch->name);
			free(s);
			s = t;
			break;
		}
	}
	return s;
}

static json_t *
outcomes(const struct lk_config *cfg, const json_t *sum)
{
	json_t *items = json_object(), *v;
	char age[32], max[32];
	size_t i;

	json_array_foreach(json_object_get(sum, "sources"), i, v) {
		json_t *a = json_object_get(v, "age");
		char *u;

		if (strcmp(gets(v, "state", ""), "stale") != 0)
			continue;
		u = users(cfg, gets(v, "source", "?"));
		lk_status_age(geti(v, "max_age"), max, sizeof max);
		add(items, lk_xasprintf("stale/%s", gets(v, "source", "?")), lk_xstrdup(""),
		    lk_xasprintf("source '%s' is stale: %s (its last complete read %s%s%s, max %s); "
		    "channels it feeds are not updated: %s", gets(v, "source", "?"),
		    gets(v, "error", "it was not read completely"),
		    json_is_integer(a) ? "is " : "is missing", json_is_integer(a) ?
		    lk_status_age(json_integer_value(a), age, sizeof age) : "",
		    json_is_integer(a) ? " old" : "", max, *u ? u : "none"));
		free(u);
	}
	json_array_foreach(json_object_get(sum, "channels"), i, v) {
		const char *ch = gets(v, "channel", "?");
		long n;

		if (strcmp(gets(v, "state", ""), "zero guard") == 0)
			add(items, lk_xasprintf("zero_guard/%s", ch), lk_xstrdup(""),
			    lk_xasprintf("%s: stopped by the zero guard: %lld items would go to 0 "
			    "(max_zero); nothing was sent to it; to send anyway: %s", ch, geti(v, "zeroed"),
			    gets(v, "override", "")));
		if ((n = (long)geti(v, "failed")) > 0) {
			json_t *it = json_object_get(v, "failed_items"), *x;
			char *list = lk_xstrdup(""), *t;
			size_t j;

			json_array_foreach(it, j, x) {
				t = lk_xasprintf("%s%s%s (%s)", list, j ? ", " : "", gets(x, "sku", "?"),
				    gets(x, "error", ""));
				free(list);
				list = t;
			}
			t = json_dumps(it, JSON_COMPACT);
			add(items, lk_xasprintf("failed/%s", ch), lk_xasprintf("%ld %s", n, t ? t : ""),
			    lk_xasprintf("%s: %ld items failed: %s%s", ch, n, list,
			    (size_t)n > json_array_size(it) ? ", ..." : ""));
			free(t);
			free(list);
		}
	}
	json_array_foreach(json_object_get(sum, "conflicts"), i, v)
		add(items, lk_xasprintf("conflict/%s/%s", gets(v, "channel", "?"), gets(v, "sku", "?")),
		    lk_xstrdup(gets(v, "reason", "")),
		    lk_xasprintf("%s: conflict on %s (%s): the marketplace shows %lld, lk pushed %lld "
		    "and no order explains it; another program may be sending stock there",
		    gets(v, "channel", "?"), gets(v, "sku", "?"), gets(v, "reason", "?"),
		    geti(v, "seen"), geti(v, "pushed")));
	return items;
}

/* Whether the outcomes explain a stage's exit 1 or 3 (the summary's channel states). */
static int
explained(const struct lk_sync_stage *s, const json_t *sum, const json_t *items)
{
	json_t *v;
	size_t i;
	int seen = 0;

	if (s->code != LK_EX_PARTIAL && s->code != LK_EX_SAFETY)
		return 0;
	if (s->kind == LK_SYNC_ALLOC) {
		const char *k;

		if (s->code != LK_EX_SAFETY)
			return 0;
		json_object_foreach((json_t *)items, k, v)
			if (strncmp(k, "stale/", 6) == 0)
				return 1;
		return 0;
	}
	if (s->kind != LK_SYNC_PUSH)
		return 0;
	json_array_foreach(json_object_get(sum, "channels"), i, v) {
		long long code = geti(v, "exit");

		if (code == s->code)
			seen = 1;
		if (code == LK_EX_OK)
			continue;
		if (code == LK_EX_SAFETY && strcmp(gets(v, "state", ""), "zero guard") == 0)
			continue;
		if (code == LK_EX_PARTIAL && geti(v, "failed") > 0)
			continue;
		return 0;
	}
	return seen;
}

static json_t *
load(const char *path)
{
	json_t *o = lk_status_load(path), *items = json_object_get(o, "items");

	items = json_is_object(items) ? json_incref(items) : json_object();
	json_decref(o);
	return items;
}

int
lk_sync_notify(const struct lk_sync_plan *p, struct lk_state *st, const struct lk_config *cfg,
    json_t *sum)
{
	char *lkdir = lk_path_join(lk_state_dir(st), ".lk"), *path, *text, tbuf[21];
	json_t *now, *before, *att = json_array(), *gone = json_array(), *v;
	const char *k;
	int code = p->code, fresh = 0;
	size_t i;

	path = lk_path_join(lkdir, "reported.json");
	now = outcomes(cfg, sum);
	before = load(path);
	json_object_foreach(now, k, v) {
		json_t *old = json_object_get(before, k);
		int isnew = old == NULL || strcmp(gets(old, "fp", ""), gets(v, "fp", "")) != 0;

		if (isnew) {
			lk_warn("attention: %s", gets(v, "message", ""));
			fresh = 1;
		}
		json_array_append_new(att, json_pack("{s:s, s:s, s:b}", "key", k,
		    "message", gets(v, "message", ""), "new", isnew));
	}
	json_object_foreach(before, k, v) {
		if (json_object_get(now, k))
			continue;
		lk_warn("resolved: %s", gets(v, "message", ""));
		json_array_append_new(gone, json_pack("{s:s, s:s}", "key", k,
		    "message", gets(v, "message", "")));
	}
	json_object_set_new(sum, "attention", att);
	json_object_set_new(sum, "resolved", gone);

	if (!p->o.dry_run && (json_object_size(now) || json_object_size(before))) {
		json_t *o = json_pack("{s:s, s:s, s:O}", "type", "reported", "at",
		    lk_fmt_time(lk_now(), tbuf), "items", now);

		text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
		if (text == NULL || lk_atomic_write(path, text, strlen(text)) == -1)
			lk_warn("cannot write '%s':", path);
		free(text);
		json_decref(o);
	}

	if (code >= 0 && code < 128 && json_object_size(now) > 0) {
		if (fresh) {
			code = lk_sync_worse(code, LK_EX_ATTENTION);
		} else {
			/* Reported before, unchanged: the causes no longer count. */
			code = LK_EX_OK;
			for (i = 0; i < p->n; i++) {
				const struct lk_sync_stage *s = &p->v[i];
				int c = s->code;

				if (!s->ran || explained(s, sum, now))
					continue;
				if (c >= 128 || c == 127)
					c = LK_EX_SOFTWARE;
				code = lk_sync_worse(code, c);
			}
		}
	}
	json_object_set_new(sum, "exit", json_integer(code));
	json_decref(now);
	json_decref(before);
	free(path);
	free(lkdir);
	return code;
}
