/*
 * metrics.c - the Prometheus textfile of lk-sync (metrics.h), in the
 * text exposition format: a HELP and a TYPE line per metric, names with
 * the lk_ prefix and their unit (_seconds, _units), counters ending in
 * _total, one series per label set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "atomic.h"
#include "err.h"
#include "metrics.h"
#include "status.h"
#include "util.h"

/* The channel states of lk-sync's summary, as label values. */
static const char *const states[] = { "pushed", "nothing to send", "zero guard", "push off",
	"disabled", "source stale", "failed", NULL };

static const char *
gets(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static double
getn(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static json_t *
child(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, key, v);
	}
	return v;
}

static void
bump(json_t *o, const char *key, double d)
{
	json_object_set_new(o, key, json_real(getn(o, key) + d));
}

static void
head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the exposition format wants. */
static void
label(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
sample1(FILE *fp, const char *name, const char *k, const char *v, double x)
{
	fprintf(fp, "%s{%s=", name, k);
	label(fp, v);
	fprintf(fp, "} %.15g\n", x);
}

/* Per channel, a value kept in metrics.json's channels.NAME.key. */
static void
per_channel(FILE *fp, json_t *chans, const char *name, const char *type, const char *help,
    const char *key)
{
	const char *k;
	json_t *v;

	head(fp, name, type, help);
	json_object_foreach(chans, k, v)
		if (json_object_get(v, key))
			sample1(fp, name, "channel", k, getn(v, key));
}

/* Per stage ("fetch main" is stage fetch, name main), a gauge kept in stages.KEY.key. */
static void
per_stage(FILE *fp, json_t *stages, const char *name, const char *help, const char *key)
{
	const char *k;
	json_t *v;

	head(fp, name, "gauge", help);
	json_object_foreach(stages, k, v) {
		const char *sp = strchr(k, ' ');
		char *stage = sp ? lk_xstrndup(k, (size_t)(sp - k)) : lk_xstrdup(k);

		fprintf(fp, "%s{stage=", name);
		label(fp, stage);
		fputs(",name=", fp);
		label(fp, sp ? sp + 1 : "");
		fprintf(fp, "} %.15g\n", getn(v, key));
		free(stage);
	}
}

static int
has_channel(const json_t *sum, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(sum, "channels"), i, v)
		if (strcmp(gets(v, "channel", ""), name) == 0)
			return 1;
	return 0;
}

/* Folds this run into the kept values. */
static void
update(json_t *m, const json_t *sum, time_t now)
{
	json_t *stages = child(m, "stages"), *chans = child(m, "channels"), *v;
	const char *k;
	void *tmp;
	size_t i;

	bump(m, "runs", 1);
	json_object_set_new(m, "last_run", json_integer(now));
	json_object_set(m, "last_exit", json_object_get(sum, "exit"));
	json_object_set(m, "last_secs", json_object_get(sum, "secs"));
	json_array_foreach(json_object_get(sum, "stages"), i, v) {
		json_t *s;

		if (!json_is_integer(json_object_get(v, "exit")))
			continue;       /* did not run: it keeps its last values */
		s = child(stages, gets(v, "stage", "?"));
		json_object_set_new(s, "at", json_integer(now));
		json_object_set(s, "exit", json_object_get(v, "exit"));
		json_object_set(s, "secs", json_object_get(v, "secs"));
	}
	/* channels no longer configured leave the file */
	json_object_foreach_safe(chans, tmp, k, v)
		if (!has_channel(sum, k))
			json_object_del(chans, k);
	json_array_foreach(json_object_get(sum, "channels"), i, v) {
		json_t *c = child(chans, gets(v, "channel", "?"));
		const char *st = gets(v, "state", "");

		bump(c, "sent", getn(v, "sent"));
		bump(c, "failed", getn(v, "failed"));
		bump(c, "zeroed", strcmp(st, "zero guard") == 0 ? 0 : getn(v, "zeroed"));
		bump(c, "throttled", getn(v, "throttled"));
		json_object_set_new(c, "state", json_string(st));
		json_object_set_new(c, "refused", json_real(getn(v, "failed_for_good")));
		json_object_set_new(c, "conflicts", json_real(getn(v, "conflicts")));
		if (json_object_get(v, "secs"))
			json_object_set(c, "push_secs", json_object_get(v, "secs"));
		if (strcmp(st, "pushed") == 0 || strcmp(st, "nothing to send") == 0)
			json_object_set_new(c, "last_push", json_integer(now));
	}
}

static void
emit(FILE *fp, const json_t *m, const json_t *sum, const char *lkdir, const struct lk_config *cfg,
    time_t now)
{
	json_t *stages = json_object_get(m, "stages"), *chans = json_object_get(m, "channels"), *v;
	const json_t *r = json_object_get(sum, "reserve");
	const char *k;
	size_t i, j;

	head(fp, "lk_sync_runs_total", "counter", "lk-sync runs that ran their stages.");
	fprintf(fp, "lk_sync_runs_total %.15g\n", getn(m, "runs"));
	head(fp, "lk_sync_last_run_timestamp_seconds", "gauge", "When the last lk-sync run ended.");
	fprintf(fp, "lk_sync_last_run_timestamp_seconds %.15g\n", getn(m, "last_run"));
	head(fp, "lk_sync_last_run_exit_code", "gauge", "The last lk-sync run's exit status (lk-sync(1)).");
	fprintf(fp, "lk_sync_last_run_exit_code %.15g\n", getn(m, "last_exit"));
	head(fp, "lk_sync_last_run_duration_seconds", "gauge", "How long the last lk-sync run took.");
	fprintf(fp, "lk_sync_last_run_duration_seconds %.15g\n", getn(m, "last_secs"));
	head(fp, "lk_sync_attention_items", "gauge",
	    "Outcomes of the last run that need a person (zero guard, stale source, refused items, conflicts).");
	fprintf(fp, "lk_sync_attention_items %zu\n", json_array_size(json_object_get(sum, "attention")));

	per_stage(fp, stages, "lk_stage_last_run_timestamp_seconds", "When each stage last ran.", "at");
	per_stage(fp, stages, "lk_stage_last_exit_code", "Each stage's exit status when it last ran.", "exit");

	per_channel(fp, chans, "lk_channel_items_sent_total", "counter",
	    "Items the marketplace confirmed (or a file channel wrote).", "sent");
	per_channel(fp, chans, "lk_channel_items_failed_total", "counter",
	    "Items a push failed for, for now or for good.", "failed");
	per_channel(fp, chans, "lk_channel_items_zeroed_total", "counter",
	    "Items sent from a positive quantity to 0.", "zeroed");
	per_channel(fp, chans, "lk_channel_throttled_total", "counter",
	    "Rate-limit answers (429/420) from the marketplace.", "throttled");
	per_channel(fp, chans, "lk_channel_push_duration_seconds", "gauge",
	    "How long the channel's last push took.", "push_secs");
	per_channel(fp, chans, "lk_channel_last_push_timestamp_seconds", "gauge",
	    "When the channel was last pushed without a stop (sent, or nothing to send).", "last_push");
	per_channel(fp, chans, "lk_channel_refused_items", "gauge",
	    "Items the marketplace refused for good, not sent again until their quantity changes.", "refused");
	per_channel(fp, chans, "lk_channel_conflicts", "gauge",
	    "Open conflicts: marketplace numbers neither lk's push nor the orders explain.", "conflicts");
	head(fp, "lk_channel_state", "gauge", "1 for the channel's state in the last run, else 0.");
	json_object_foreach(chans, k, v)
		for (j = 0; states[j]; j++) {
			char *lv = lk_xstrdup(states[j]), *c;

			for (c = lv; *c; c++)
				if (*c == ' ')
					*c = '_';
			fputs("lk_channel_state{channel=", fp);
			label(fp, k);
			fputs(",state=", fp);
			label(fp, lv);
			fprintf(fp, "} %d\n", strcmp(gets(v, "state", ""), states[j]) == 0);
			free(lv);
		}

	head(fp, "lk_source_snapshot_timestamp_seconds", "gauge",
	    "When the source was last read completely (its snapshot).");
	for (i = 0; i < cfg->nsources; i++) {
		time_t at;
		long long recs;

		if (cfg->sources[i].on_sale &&
		    lk_status_snapshot(lkdir, cfg->sources[i].name, &at, &recs) == 0)
			sample1(fp, "lk_source_snapshot_timestamp_seconds", "source",
			    cfg->sources[i].name, (double)at);
	}
	head(fp, "lk_source_snapshot_age_seconds", "gauge",
	    "How old the source's last complete read was when the run ended.");
	for (i = 0; i < cfg->nsources; i++) {
		time_t at;
		long long recs;

		if (cfg->sources[i].on_sale &&
		    lk_status_snapshot(lkdir, cfg->sources[i].name, &at, &recs) == 0)
			sample1(fp, "lk_source_snapshot_age_seconds", "source", cfg->sources[i].name,
			    (double)(now - at));
	}
	head(fp, "lk_source_stale", "gauge", "1 when the source is too old to use (its channels stop).");
	json_array_foreach(json_object_get(sum, "sources"), i, v)
		sample1(fp, "lk_source_stale", "source", gets(v, "source", "?"),
		    strcmp(gets(v, "state", ""), "stale") == 0);

	head(fp, "lk_reserve_units", "gauge", "Units held back by the reserve, by reason.");
	sample1(fp, "lk_reserve_units", "reason", "orders", getn(r, "orders"));
	sample1(fp, "lk_reserve_units", "reason", "unexplained", getn(r, "unexplained"));
	head(fp, "lk_undistributed_units", "gauge",
	    "Units no channel received in the last run, by source (lk-alloc(1), UNDISTRIBUTED).");
	json_array_foreach(json_object_get(sum, "sources"), i, v)
		if (json_is_integer(json_object_get(v, "undistributed")))
			sample1(fp, "lk_undistributed_units", "source", gets(v, "source", "?"),
			    getn(v, "undistributed"));
}

int
lk_metrics_write(struct lk_state *st, const struct lk_config *cfg, const json_t *sum, const char *path)
{
	char *lkdir = lk_path_join(lk_state_dir(st), ".lk"), *kept = lk_path_join(lkdir, "metrics.json");
	char *text;
	json_t *m = lk_status_load(kept);
	time_t now = lk_now();
	struct lk_atomic a;
	int rc = 0;

	if (!json_is_object(m)) {
		json_decref(m);
		m = json_object();
	}
	update(m, sum, now);
	text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || lk_atomic_write(kept, text, strlen(text)) == -1) {
		lk_warn("cannot write '%s':", kept);
		rc = -1;
	}
	free(text);
	/* node_exporter reads it as another user */
	if (lk_atomic_open_mode(&a, path, 0644) == -1) {
		lk_warn("metrics_file: cannot create '%s':", path);
		rc = -1;
	} else {
		emit(a.fp, m, sum, lkdir, cfg, now);
		if (lk_atomic_commit(&a) == -1) {
			lk_warn("metrics_file: cannot write '%s':", path);
			rc = -1;
		}
	}
	json_decref(m);
	free(kept);
	free(lkdir);
	return rc;
}
