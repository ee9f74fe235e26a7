/*
 * sync.c - lk-sync: plan the pipeline of a state directory, print it as
 * a shell script, run it stage by stage (see sync.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "sync.h"
#include "util.h"

/* --- exit codes --- */

int
lk_sync_worse(int a, int b)
{
	static const int order[] = { LK_EX_OK, LK_EX_TEMPFAIL, LK_EX_ATTENTION, LK_EX_PARTIAL, LK_EX_SAFETY,
		LK_EX_UNAVAILABLE, LK_EX_NOINPUT, LK_EX_DATAERR, LK_EX_CONFIG, LK_EX_CANTCREAT,
		LK_EX_IOERR, LK_EX_SOFTWARE };
	size_t n = sizeof order / sizeof order[0], i, ia = n, ib = n;

	for (i = 0; i < n; i++) {
		if (order[i] == a)
			ia = i;
		if (order[i] == b)
			ib = i;
	}
	/* an unknown code is a failure: as bad as an internal error */
	if (ia == n)
		ia = n - 1;
	if (ib == n)
		ib = n - 1;
	return ib > ia ? b : a;
}

/* --- the plan --- */

static struct lk_sync_stage *
add_stage(struct lk_sync_plan *p, enum lk_sync_kind kind, char *label)
{
	struct lk_sync_stage *s;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = lk_xrealloc(p->v, p->cap * sizeof *p->v);
	}
	s = &p->v[p->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->label = label;
	s->code = -1;
	return s;
}

static void
add_arg(struct lk_sync_stage *s, const char *a)
{
	s->argv = lk_xrealloc(s->argv, (s->argc + 2) * sizeof *s->argv);
	s->argv[s->argc++] = lk_xstrdup(a);
	s->argv[s->argc] = NULL;
}

/* The folder of our own executable, when the other commands are there too. */
static char *
find_bindir(void)
{
	char buf[PATH_MAX], *slash, *probe;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	int ok;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return NULL;
	*slash = '\0';
	probe = lk_path_join(buf, "lk-fetch");
	ok = access(probe, X_OK) == 0;
	free(probe);
	return ok ? lk_xstrdup(buf) : NULL;
}

static void
add_cmd(struct lk_sync_plan *p, struct lk_sync_stage *s, const char *cmd)
{
	char *path = NULL;

	if (p->bindir) {
		path = lk_path_join(p->bindir, cmd);
		if (access(path, X_OK) != 0) {
			free(path);
			path = NULL;
		}
	}
	add_arg(s, path ? path : cmd);
	free(path);
	add_arg(s, "-C");
	add_arg(s, p->state_dir);
}

/* The parser of a source's kind, NULL for ndjson (read as it is). */
static const char *
parser_of(const struct lk_source *src)
{
	const char *k = src->kind;

	if (k && strcmp(k, "email") == 0)
		k = src->format;
	if (k == NULL || strcmp(k, "ndjson") == 0)
		return NULL;
	if (strcmp(k, "yml") == 0)
		return "lk-parse-yml";
	if (strcmp(k, "csv") == 0)
		return "lk-parse-csv";
	if (strcmp(k, "cml") == 0)
		return "lk-parse-cml";
	if (strcmp(k, "xlsx") == 0)
		return "lk-parse-xlsx";
	return NULL;
}

static int
is_marketplace(const struct lk_channel *ch)
{
	return strcmp(ch->marketplace, "yml") != 0 && strcmp(ch->marketplace, "ndjson") != 0;
}

int
lk_sync_plan(struct lk_sync_plan *p, struct lk_state *st, const struct lk_config *cfg,
    const struct lk_sync_opts *o)
{
	struct lk_sync_stage *s, *cat;
	char real[PATH_MAX];
	size_t i;

	memset(p, 0, sizeof *p);
	p->o = *o;
	if (realpath(lk_state_dir(st), real) == NULL) {
		lk_warn("cannot resolve '%s':", lk_state_dir(st));
		return -1;
	}
	p->state_dir = lk_xstrdup(real);
	p->bindir = find_bindir();
	p->lock_timeout = cfg->global.lock_timeout;
	p->runs_keep = cfg->global.runs_keep > 0 ? cfg->global.runs_keep : 20;
	p->code = -1;

	for (i = 0; i < cfg->nsources; i++) {
		const struct lk_source *src = &cfg->sources[i];
		const char *parser = parser_of(src);

		if (!src->on_sale)
			continue;
		s = add_stage(p, LK_SYNC_FETCH, lk_xasprintf("fetch %s", src->name));
		s->source = lk_xstrdup(src->name);
		add_cmd(p, s, "lk-fetch");
		add_arg(s, "-o");
		s->out = parser ? lk_xasprintf("source-%s.body", src->name)
		    : lk_xasprintf("source-%s.ndjson", src->name);
		add_arg(s, s->out);        /* made absolute at run time */
		if (o->full) {
			add_arg(s, "--no-cache");
		} else if (parser) {
			s->reuse = lk_xasprintf("source-%s.ndjson", src->name);
			add_arg(s, "--reuse");
			add_arg(s, s->reuse);
		}
		add_arg(s, src->name);
		s->err = lk_xasprintf("source-%s.fetch.err", src->name);
		s->group = lk_xasprintf("source %s", src->name);
		if (parser == NULL)
			continue;
		s = add_stage(p, LK_SYNC_PARSE, lk_xasprintf("parse %s", src->name));
		s->source = lk_xstrdup(src->name);
		add_cmd(p, s, parser);
		add_arg(s, "--source");
		add_arg(s, src->name);
		s->in = lk_xasprintf("source-%s.body", src->name);
		add_arg(s, s->in);
		s->out = lk_xasprintf("source-%s.ndjson", src->name);
		s->err = lk_xasprintf("source-%s.parse.err", src->name);
		s->group = lk_xasprintf("source %s", src->name);
	}
	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];
		int k;

		if (!ch->enabled || !is_marketplace(ch))
			continue;
		for (k = 0; k < 2; k++) {
			const char *what = k == 0 ? "orders" : "stocks";

			s = add_stage(p, k == 0 ? LK_SYNC_ORDERS : LK_SYNC_STOCKS,
			    lk_xasprintf("%s %s", what, ch->name));
			add_cmd(p, s, "lk-fetch");
			s->out = lk_xasprintf("%s-%s.ndjson", what, ch->name);
			add_arg(s, "-o");
			add_arg(s, s->out);
			add_arg(s, k == 0 ? "--orders" : "--stocks");
			add_arg(s, ch->name);
			s->err = lk_xasprintf("%s-%s.err", what, ch->name);
			/* one account's rate budget is shared by its channels */
			s->group = lk_xasprintf("%s|%s|%s|%s|%s|%s", ch->marketplace,
			    ch->cred.env ? ch->cred.env : "",
			    ch->cred.file ? ch->cred.file : "", ch->cred.key ? ch->cred.key : "",
			    ch->cred.client_id ? ch->cred.client_id : "",
			    ch->cred.client_id_env ? ch->cred.client_id_env : "");
		}
	}
	cat = add_stage(p, LK_SYNC_CONCAT, lk_xstrdup("join"));
	cat->out = lk_xstrdup("reserve.in");
	for (i = 0; i < p->n; i++) {
		s = &p->v[i];
		if (s->kind == LK_SYNC_PARSE || s->kind == LK_SYNC_ORDERS || s->kind == LK_SYNC_STOCKS ||
		    (s->kind == LK_SYNC_FETCH && s->out && strstr(s->out, ".ndjson"))) {
			cat->inputs = lk_xrealloc(cat->inputs, (cat->ninputs + 1) * sizeof *cat->inputs);
			cat->inputs[cat->ninputs++] = lk_xstrdup(s->out);
		}
	}

	s = add_stage(p, LK_SYNC_RESERVE, lk_xstrdup("reserve"));
	add_cmd(p, s, "lk-reserve");
	if (o->dry_run)
		add_arg(s, "--dry-run");
	s->in = lk_xstrdup("reserve.in");
	s->out = lk_xstrdup("reserve.out");
	s->err = lk_xstrdup("reserve.err");

	s = add_stage(p, LK_SYNC_ALLOC, lk_xstrdup("alloc"));
	add_cmd(p, s, "lk-alloc");
	if (o->dry_run)
		add_arg(s, "--dry-run");
	if (o->force)
		add_arg(s, "--force");
	s->in = lk_xstrdup("reserve.out");
	s->out = lk_xstrdup("alloc.out");
	s->err = lk_xstrdup("alloc.err");

	s = add_stage(p, LK_SYNC_PUSH, lk_xstrdup("push"));
	add_cmd(p, s, "lk-push");
	add_arg(s, "--summary");        /* this run's counts, for the summary */
	if (o->dry_run)
		add_arg(s, "--dry-run");
	if (o->force)
		add_arg(s, "--force");
	s->in = lk_xstrdup("alloc.out");
	s->out = lk_xstrdup("push.out");
	s->err = lk_xstrdup("push.err");
	return 0;
}

void
lk_sync_free(struct lk_sync_plan *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		struct lk_sync_stage *s = &p->v[i];

		for (j = 0; j < s->argc; j++)
			free(s->argv[j]);
		free(s->argv);
		for (j = 0; j < s->ninputs; j++)
			free(s->inputs[j]);
		free(s->inputs);
		free(s->label); free(s->source); free(s->in); free(s->out); free(s->err);
		free(s->reuse);
		free(s->group);
	}
	free(p->v);
	free(p->state_dir);
	free(p->bindir);
	free(p->runid);
	free(p->rundir);
	memset(p, 0, sizeof *p);
}

/* --- printing the plan as a shell script --- */

static int
shell_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=+@%", *s))
			return 0;
	return 1;
}

static void
put_quoted(FILE *fp, const char *s)
{
	if (shell_safe(s)) {
		fputs(s, fp);
		return;
	}
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", fp);
		else
			fputc(*s, fp);
	}
	fputc('\'', fp);
}

/* "$R"/NAME */
static void
put_runfile(FILE *fp, const char *name)
{
	fputs("\"$R\"/", fp);
	put_quoted(fp, name);
}

static void
put_argv(const struct lk_sync_plan *p, const struct lk_sync_stage *s, FILE *fp)
{
	size_t i, len = p->bindir ? strlen(p->bindir) : 0;

	for (i = 0; i < s->argc; i++) {
		const char *a = s->argv[i];

		if (i > 0)
			fputc(' ', fp);
		if (i == 0 && p->bindir && strncmp(a, p->bindir, len) == 0 && a[len] == '/') {
			fputs("\"$B\"", fp);
			put_quoted(fp, a + len);
		} else if (i > 0 && strcmp(a, p->state_dir) == 0 && strcmp(s->argv[i - 1], "-C") == 0) {
			fputs("\"$D\"", fp);
		} else if ((s->out && strcmp(a, s->out) == 0) || (s->in && strcmp(a, s->in) == 0) ||
		    (s->reuse && strcmp(a, s->reuse) == 0)) {
			put_runfile(fp, a);
		} else {
			put_quoted(fp, a);
		}
	}
}

char *
lk_sync_sentinel(const char *source, const char *error, const char *at)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", "source", "source", source,
	    "status", "failed", "error", error);

	if (o && at)
		json_object_set_new(o, "at", json_string(at));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (s == NULL)
		lk_die(LK_EX_SOFTWARE, "out of memory");
	return s;
}

/* The fetch stage of a parse stage's source. */
static const struct lk_sync_stage *
fetch_stage(const struct lk_sync_plan *p, const struct lk_sync_stage *s)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == LK_SYNC_FETCH && strcmp(p->v[i].source, s->source) == 0)
			return &p->v[i];
	return NULL;
}

/* lk-fetch -C "$D" --keep "$R"/source-S.ndjson S */
static void
put_keep(const struct lk_sync_plan *p, const struct lk_sync_stage *f,
    const struct lk_sync_stage *s, FILE *fp)
{
	struct lk_sync_stage k;
	char c[] = "-C", kp[] = "--keep";
	char *argv[] = { f->argv[0], c, p->state_dir, kp, s->out, s->source, NULL };

	memset(&k, 0, sizeof k);
	k.argv = argv;
	k.argc = 6;
	k.out = s->out;
	put_argv(p, &k, fp);
}

void
lk_sync_print(const struct lk_sync_plan *p, FILE *fp)
{
	const struct lk_sync_stage *keep;
	size_t i, j;

	fputs("#!/bin/sh\n", fp);
	fputs("# The pipeline lk-sync runs for this state directory, one stage a line\n"
	    "# (lk-sync --print).  Each stage reads and writes files in $R.  A source\n"
	    "# whose download fails gets a \"failed\" sentinel, so lk-alloc uses its\n"
	    "# last snapshot; a source unchanged since the read whose records were\n"
	    "# kept (--keep) gets no body but those records (--reuse); nothing is\n"
	    "# pushed unless lk-reserve and lk-alloc succeed.\n", fp);
	fputs("D=", fp);
	put_quoted(fp, p->state_dir);
	fputc('\n', fp);
	if (p->bindir) {
		fputs("B=", fp);
		put_quoted(fp, p->bindir);
		fputc('\n', fp);
	}
	fputs("R=$(mktemp -d \"${TMPDIR:-/tmp}/lk-sync.XXXXXX\") || exit\n", fp);
	fputs("echo \"lk-sync: stage files in $R\" >&2\n", fp);
	for (i = 0; i < p->n; i++) {
		const struct lk_sync_stage *s = &p->v[i];
		char *sent, *name;

		switch (s->kind) {
		case LK_SYNC_FETCH:
			put_argv(p, s, fp);
			sent = lk_sync_sentinel(s->source, "lk-fetch failed", NULL);
			name = lk_xasprintf("source-%s.ndjson", s->source);
			fputs(" || printf '%s\\n' ", fp);
			put_quoted(fp, sent);
			fputs(" >", fp);
			put_runfile(fp, name);
			fputc('\n', fp);
			free(sent);
			free(name);
			break;
		case LK_SYNC_PARSE:
			fputs("test ! -f ", fp);
			put_runfile(fp, s->in);
			fputs(" || ", fp);
			put_argv(p, s, fp);
			fputs(" >", fp);
			put_runfile(fp, s->out);
			fputc('\n', fp);
			keep = fetch_stage(p, s);
			if (keep && keep->reuse) {
				/* lk-sync keeps them itself, as this line would */
				fputs("test ! -f ", fp);
				put_runfile(fp, s->in);
				fputs(" || ", fp);
				put_keep(p, keep, s, fp);
				fputc('\n', fp);
			}
			break;
		case LK_SYNC_ORDERS:
		case LK_SYNC_STOCKS:
			put_argv(p, s, fp);
			fputc('\n', fp);
			break;
		case LK_SYNC_CONCAT:
			fputs("cat", fp);
			for (j = 0; j < s->ninputs; j++) {
				fputc(' ', fp);
				put_runfile(fp, s->inputs[j]);
			}
			fputs(" >", fp);
			put_runfile(fp, s->out);
			fputs(" 2>/dev/null\n", fp);
			break;
		case LK_SYNC_RESERVE:
		case LK_SYNC_ALLOC:
		case LK_SYNC_PUSH:
			put_argv(p, s, fp);
			fputs(" <", fp);
			put_runfile(fp, s->in);
			fputs(" >", fp);
			put_runfile(fp, s->out);
			if (s->kind != LK_SYNC_PUSH)
				fputs(" || exit", fp);
			fputc('\n', fp);
			break;
		}
	}
}
