/*
 * status.c - the state at a glance from STATE/.lk/ (status.h): nothing
 * is locked, written or contacted, so it is safe at any time, even
 * while lk-sync runs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "confine.h"
#include "exit.h"
#include "ndjson.h"
#include "status.h"
#include "util.h"

/* The failed skus a message names at most. */
#define FAILED_NAMED 5
/* The runs `lk-state status` lists. */
#define RUNS_SHOWN 5
/* How much of the end of push.log is read for each channel's last push. */
#define LOG_TAIL (1024 * 1024)

json_t *
lk_status_load(const char *path)
{
	FILE *fp = lk_confine_fopen(path, "r");
	json_t *o;

	if (fp == NULL)
		return NULL;
	o = json_loadf(fp, 0, NULL);
	fclose(fp);
	return o;
}

int
lk_status_snapshot(const char *lkdir, const char *source, time_t *at, long long *records)
{
	char *path = lk_xasprintf("%s/snapshots/%s.ndjson", lkdir, source), *line = NULL;
	size_t cap = 0;
	FILE *fp = lk_confine_fopen(path, "r");
	json_t *h = NULL;
	int rc = -1;

	free(path);
	if (fp == NULL)
		return -1;
	if (getline(&line, &cap, fp) > 0 && (h = json_loads(line, 0, NULL)) != NULL) {
		const char *t = lk_rec_str(h, "at");

		if (t && lk_parse_time(t, at) == 0) {
			rc = 0;
			if (lk_rec_qty(h, "records", records) == -1)
				*records = -1;
		}
	}
	json_decref(h);
	free(line);
	fclose(fp);
	return rc;
}

long
lk_status_failed(const char *lkdir, const char *channel, json_t **skus)
{
	char *path = lk_xasprintf("%s/pushed/%s.failed.ndjson", lkdir, channel), *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long count = 0;
	FILE *fp = lk_confine_fopen(path, "r");

	free(path);
	if (skus)
		*skus = json_array();
	if (fp == NULL)
		return 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *rec;

		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		count++;
		if (skus == NULL || json_array_size(*skus) >= FAILED_NAMED)
			continue;
		if ((rec = json_loadb(line, (size_t)n, 0, NULL)) != NULL && lk_rec_str(rec, "sku"))
			json_array_append_new(*skus, json_string(lk_rec_str(rec, "sku")));
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	return count;
}

char *
lk_status_age(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(buf, len, "%llds", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lldm", secs / 60);
	else if (secs < 86400)
		snprintf(buf, len, "%lldh%02lldm", secs / 3600, secs / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", secs / 86400, secs / 3600 % 24);
	return buf;
}

/* --- lk-state status --- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The run folders, oldest first. */
static char **
list_runs(const char *lkdir, size_t *n)
{
	char *dir = lk_path_join(lkdir, "runs"), **v = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;

	*n = 0;
	free(dir);
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		v = lk_xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = lk_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

char *
lk_status_last_run_file(const char *lkdir, const char *name)
{
	char **runs, *found = NULL;
	size_t n, i;
	struct stat sb;

	runs = list_runs(lkdir, &n);
	for (i = n; i-- > 0;) {
		char *path = lk_xasprintf("%s/runs/%s/%s", lkdir, runs[i], name);

		if (found == NULL && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
			found = path;
		else
			free(path);
		free(runs[i]);
	}
	free(runs);
	return found;
}

static json_t *
load_summary(const char *lkdir, const char *run)
{
	char *path = lk_xasprintf("%s/runs/%s/summary.json", lkdir, run);
	json_t *o = lk_status_load(path);

	free(path);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* channel -> the "at" of its last push_summary that sent (exit 0 or 1, nothing skipped). */
static json_t *
last_pushes(const char *lkdir)
{
	char *path = lk_path_join(lkdir, "push.log"), *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *m = json_object();
	FILE *fp = lk_confine_fopen(path, "r");
	struct stat sb;

	free(path);
	if (fp == NULL)
		return m;
	if (fstat(fileno(fp), &sb) == 0 && sb.st_size > LOG_TAIL) {
		fseeko(fp, sb.st_size - LOG_TAIL, SEEK_SET);
		if (getline(&line, &cap, fp) < 0)   /* a partial line */
			clearerr(fp);
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *rec = json_loadb(line, (size_t)n, 0, NULL), *ex;
		const char *ch = lk_rec_str(rec, "channel"), *at = lk_rec_str(rec, "at");

		ex = json_object_get(rec, "exit");
		if (ch && at && json_is_null(json_object_get(rec, "skipped")) && json_is_integer(ex) &&
		    (json_integer_value(ex) == LK_EX_OK || json_integer_value(ex) == LK_EX_PARTIAL))
			json_object_set_new(m, ch, json_string(at));
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	return m;
}

static json_t *
find_named(const json_t *arr, const char *key, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *n = lk_rec_str(v, key);

		if (n && strcmp(n, name) == 0)
			return v;
	}
	return NULL;
}

static void
need(json_t *s, const char *msg)
{
	json_array_append_new(json_object_get(s, "attention"), json_string(msg));
}

json_t *
lk_status_collect(const char *lkdir, const struct lk_config *cfg, time_t now)
{
	json_t *s = json_object(), *chans = json_array(), *srcs = json_array(), *runs = json_array();
	json_t *last = NULL, *pushes = last_pushes(lkdir), *rep, *v;
	char **names, tbuf[21], *path, *msg;
	size_t n, i;
	const char *k;

	json_object_set_new(s, "type", json_string("status"));
	json_object_set_new(s, "at", json_string(lk_fmt_time(now, tbuf)));
	json_object_set_new(s, "attention", json_array());
	/* the runs: the newest with a summary is "the last run" */
	names = list_runs(lkdir, &n);
	for (i = n; i-- > 0;) {
		json_t *sum = load_summary(lkdir, names[i]);

		if (json_array_size(runs) < RUNS_SHOWN)
			json_array_insert_new(runs, 0, json_pack("{s:s, s:O?, s:O?, s:O?, s:O?}",
			    "run", names[i], "at", json_object_get(sum, "at"),
			    "exit", json_object_get(sum, "exit"), "dry_run", json_object_get(sum, "dry_run"),
			    "secs", json_object_get(sum, "secs")));
		if (last == NULL && sum && !json_is_true(json_object_get(sum, "dry_run")))
			last = json_incref(sum);
		json_decref(sum);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	json_object_set_new(s, "runs", runs);
	json_object_set_new(s, "last_run", last ? json_incref(json_object_get(last, "run")) : json_null());

	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];
		json_t *skus, *c = find_named(json_object_get(last, "channels"), "channel", ch->name);
		json_t *at = json_object_get(pushes, ch->name);
		time_t t;
		long nf = lk_status_failed(lkdir, ch->name, &skus);

		v = json_pack("{s:s, s:b, s:O?, s:O?, s:n, s:I, s:o, s:I}", "channel", ch->name,
		    "enabled", ch->enabled, "state", json_object_get(c, "state"),
		    "last_push", at, "last_push_age", "failed_for_good", (json_int_t)nf,
		    "failed_skus", skus, "conflicts", (json_int_t)json_integer_value(json_object_get(c, "conflicts")));
		if (at && lk_parse_time(json_string_value(at), &t) == 0)
			json_object_set_new(v, "last_push_age", json_integer(now - t));
		json_array_append_new(chans, v);
		if (nf > 0) {
			msg = lk_xasprintf("%s: %ld items refused for good (.lk/pushed/%s.failed.ndjson)",
			    ch->name, nf, ch->name);
			need(s, msg);
			free(msg);
		}
	}
	json_object_set_new(s, "channels", chans);

	for (i = 0; i < cfg->nsources; i++) {
		const struct lk_source *src = &cfg->sources[i];
		long long max = src->max_age ? src->max_age : cfg->global.source_max_age, recs = -1;
		json_t *ls = find_named(json_object_get(last, "sources"), "source", src->name);
		time_t at;
		int have = lk_status_snapshot(lkdir, src->name, &at, &recs) == 0;

		if (!src->on_sale)
			continue;
		v = json_pack("{s:s, s:O?, s:n, s:n, s:n, s:I}", "source", src->name,
		    "state", json_object_get(ls, "state"), "last_complete", "age", "records",
		    "max_age", (json_int_t)max);
		if (have) {
			json_object_set_new(v, "last_complete", json_string(lk_fmt_time(at, tbuf)));
			json_object_set_new(v, "age", json_integer(now - at));
			if (recs >= 0)
				json_object_set_new(v, "records", json_integer(recs));
		}
		if (have ? now - at > max : last != NULL) {
			char age[32];

			msg = have ? lk_xasprintf("source '%s': last read completely %s ago (max_age %s)",
			    src->name, lk_status_age(now - at, age, sizeof age),
			    lk_status_age(max, tbuf, sizeof tbuf))
			    : lk_xasprintf("source '%s': never read completely", src->name);
			need(s, msg);
			free(msg);
		}
		json_array_append_new(srcs, v);
	}
	json_object_set_new(s, "sources", srcs);
	json_object_set_new(s, "reserve", last && json_object_get(last, "reserve") ?
	    json_incref(json_object_get(last, "reserve")) : json_null());
	json_object_set_new(s, "undistributed", last && json_object_get(last, "undistributed") ?
	    json_incref(json_object_get(last, "undistributed")) : json_null());
	json_object_set_new(s, "conflicts", last && json_object_get(last, "conflicts") ?
	    json_incref(json_object_get(last, "conflicts")) : json_array());

	/* what lk-sync reported and still stands (failed items and stale sources are checked above) */
	path = lk_path_join(lkdir, "reported.json");
	rep = lk_status_load(path);
	free(path);
	json_object_foreach(json_object_get(rep, "items"), k, v)
		if (strncmp(k, "failed/", 7) != 0 && strncmp(k, "stale/", 6) != 0 &&
		    json_string_value(json_object_get(v, "message")))
			need(s, json_string_value(json_object_get(v, "message")));
	json_decref(rep);
	if (last) {
		json_int_t code = json_integer_value(json_object_get(last, "exit"));

		if (code != LK_EX_OK && code != LK_EX_TEMPFAIL && code != LK_EX_ATTENTION) {
			msg = lk_xasprintf("the last run, %s, exited %lld (lk-sync(1), EXIT STATUS)",
			    json_string_value(json_object_get(last, "run")), (long long)code);
			need(s, msg);
			free(msg);
		}
	} else {
		need(s, "lk-sync has not run yet (no summary in .lk/runs/)");
	}
	json_decref(last);
	json_decref(pushes);
	return s;
}

static const char *
gets(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static const char *
age_of(const json_t *o, const char *key, char *buf, size_t len)
{
	json_t *a = json_object_get(o, key);

	return json_is_integer(a) ? lk_status_age(json_integer_value(a), buf, len) : "-";
}

void
lk_status_print(const json_t *s, FILE *fp)
{
	json_t *v, *r;
	size_t i, w = 7;
	char age[32];

	json_array_foreach(json_object_get(s, "channels"), i, v)
		if (strlen(gets(v, "channel", "")) > w)
			w = strlen(gets(v, "channel", ""));
	json_array_foreach(json_object_get(s, "sources"), i, v)
		if (strlen(gets(v, "source", "")) > w)
			w = strlen(gets(v, "source", ""));
	fprintf(fp, "%-*s  %-15s  %-20s  %6s  %6s  %9s\n", (int)w, "channel", "state", "last push",
	    "age", "failed", "conflicts");
	json_array_foreach(json_object_get(s, "channels"), i, v)
		fprintf(fp, "%-*s  %-15s  %-20s  %6s  %6lld  %9lld\n", (int)w, gets(v, "channel", "?"),
		    json_is_true(json_object_get(v, "enabled")) ? gets(v, "state", "-") : "disabled",
		    gets(v, "last_push", "never"), age_of(v, "last_push_age", age, sizeof age),
		    (long long)json_integer_value(json_object_get(v, "failed_for_good")),
		    (long long)json_integer_value(json_object_get(v, "conflicts")));
	fprintf(fp, "\n%-*s  %-15s  %-20s  %6s  %7s\n", (int)w, "source", "state", "last complete",
	    "age", "records");
	json_array_foreach(json_object_get(s, "sources"), i, v) {
		json_t *rc = json_object_get(v, "records");

		fprintf(fp, "%-*s  %-15s  %-20s  %6s  ", (int)w, gets(v, "source", "?"),
		    gets(v, "state", "-"), gets(v, "last_complete", "never"), age_of(v, "age", age, sizeof age));
		if (json_is_integer(rc))
			fprintf(fp, "%7lld\n", (long long)json_integer_value(rc));
		else
			fprintf(fp, "%7s\n", "-");
	}
	if ((r = json_object_get(s, "reserve")) && json_is_object(r))
		fprintf(fp, "\nreserved %lld units (orders %lld, unexplained %lld) over %lld products; "
		    "%lld orders, %lld shipped and waiting for a source\n",
		    (long long)json_integer_value(json_object_get(r, "units")),
		    (long long)json_integer_value(json_object_get(r, "orders")),
		    (long long)json_integer_value(json_object_get(r, "unexplained")),
		    (long long)json_integer_value(json_object_get(r, "products")),
		    (long long)json_integer_value(json_object_get(r, "order_count")),
		    (long long)json_integer_value(json_object_get(r, "waiting_for_source")));
	fputs("\nlast runs:\n", fp);
	json_array_foreach(json_object_get(s, "runs"), i, v) {
		json_t *e = json_object_get(v, "exit");

		if (json_is_integer(e))
			fprintf(fp, "  %s  exit %lld%s\n", gets(v, "run", "?"),
			    (long long)json_integer_value(e),
			    json_is_true(json_object_get(v, "dry_run")) ? "  (dry run)" : "");
		else
			fprintf(fp, "  %s  running, or stopped before its summary\n", gets(v, "run", "?"));
	}
	if (json_array_size(json_object_get(s, "attention")) == 0) {
		fputs("\nnothing needs a person\n", fp);
		return;
	}
	fputs("\nneeds a person:\n", fp);
	json_array_foreach(json_object_get(s, "attention"), i, v)
		fprintf(fp, "  %s\n", json_string_value(v));
}

int
lk_status_code(const json_t *s)
{
	return json_array_size(json_object_get(s, "attention")) ? LK_EX_ATTENTION : LK_EX_OK;
}
