/*
 * sync.h - lk-sync(1): the whole pipeline for one state directory, as
 * child processes (the sources and listings side by side, then one stage
 * after the other), each reading and writing files in the run folder
 * STATE/.lk/runs/RUNID/.
 *
 *   for each source on sale (at most LK_SYNC_SOURCES_MAX at once, beside the listings):
 *                              lk-fetch -o source-S.body --reuse source-S.ndjson S
 *                              lk-parse-KIND --source S source-S.body > source-S.ndjson
 *                              lk-fetch --keep source-S.ndjson S (in-process)
 *     (a source unchanged since the read whose records lk-fetch kept is not
 *     read: lk-fetch puts the kept records at source-S.ndjson and writes no
 *     body, and the parse is skipped; --full reads every source in full)
 *   for each marketplace channel: lk-fetch -o orders-C.ndjson --orders C
 *                              lk-fetch -o stocks-C.ndjson --stocks C
 *     (the listings of different accounts run at the same time, at most
 *     LK_SYNC_LISTINGS_MAX at once; those of one account one after the other)
 *   cat source-*.ndjson orders-*.ndjson stocks-*.ndjson > reserve.in
 *   lk-reserve < reserve.in > reserve.out
 *   lk-alloc   < reserve.out > alloc.out
 *   lk-push    < alloc.out  > push.out
 *
 * A source whose fetch or parse fails gets a "failed" source sentinel,
 * so lk-alloc falls back to its last snapshot.  lk-push runs only when
 * lk-reserve and lk-alloc both exited 0.
 *
 * Calling sequence (cmd/lk-sync.c):
 *
 *   lk_sync_plan(&plan, st, cfg, &opts)   the stages (no side effects)
 *   lk_sync_print(&plan, fp)              the plan as a shell script
 *   lk_sync_run(&plan, &result)           takes the lock, runs, calls plan.after
 *                                         (still holding the lock), rotates
 *   lk_sync_summary(&plan, ...)           the summary, one JSON object
 *   lk_sync_notify(&plan, ...)            what needs a person, once per change
 *   lk_sync_summary_text/json(sum, fp)    the table or the JSON
 *   lk_sync_free(&plan)
 *
 * lk_sync_run() returns the run's exit code (lk-sync(1), EXIT STATUS):
 * 75 when the lock is busy; otherwise the most severe code of the
 * stages, in the order 0 < 75 < 2 < 1 < 3 < 69 < 66 < 65 < 78 < 73 < 74 < 70
 * (a stage killed by a signal counts 70).  lk_sync_notify() then turns
 * it into what cron should hear (2 for a new outcome that needs a person).
 */
#ifndef LK_SYNC_H
#define LK_SYNC_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "state.h"

#define LK_SYNC_LISTINGS_MAX 4
#define LK_SYNC_SOURCES_MAX 2

enum lk_sync_kind {
	LK_SYNC_FETCH,          /* a source's bytes into source-S.body */
	LK_SYNC_PARSE,          /* the body into source-S.ndjson */
	LK_SYNC_ORDERS,         /* lk-fetch --orders */
	LK_SYNC_STOCKS,         /* lk-fetch --stocks */
	LK_SYNC_CONCAT,         /* reserve.in: done by lk-sync itself (cat) */
	LK_SYNC_RESERVE,
	LK_SYNC_ALLOC,
	LK_SYNC_PUSH
};

struct lk_sync_stage {
	enum lk_sync_kind kind;
	char *label;            /* "fetch main", "orders wb" */
	char *source;           /* FETCH, PARSE: the source name */
	char **argv;            /* argv[0] is the full path (or bare name on PATH) */
	size_t argc;
	char *in;               /* file name in the run folder, or NULL */
	char *out;              /* file name in the run folder, or NULL */
	char *err;              /* the stage's stderr file name */
	char *group;            /* stages of one group run one at a time, in order: a source's
	                           fetch and parse; one account's listings (its rate budget) */
	char **inputs;          /* CONCAT: the files joined */
	size_t ninputs;
	char *reuse;            /* FETCH: where lk-fetch puts the kept records of an unchanged source */
	/* results */
	int ran;
	int reused;             /* PARSE: the source was unchanged; its kept records stand */
	int code;               /* exit code; 128+N when killed by signal N */
	double secs;
};

struct lk_sync_opts {
	int dry_run;            /* -n: passed to lk-reserve, lk-alloc and lk-push */
	int force;              /* --force: passed to lk-alloc and lk-push */
	int full;               /* --full: every source read in full (lk-fetch --no-cache, no --reuse) */
	int progress;           /* a line per stage on stderr */
	int quiet;              /* do not relay the stages' messages unless they failed */
	long long stage_timeout;/* seconds; 0 = none */
};

struct lk_sync_plan {
	struct lk_sync_opts o;
	char *state_dir;        /* absolute */
	char *bindir;           /* where the commands are, or NULL: PATH */
	struct lk_sync_stage *v;
	size_t n, cap;
	long long lock_timeout; /* seconds */
	long long runs_keep;
	/* after lk_sync_run() */
	char *runid;
	char *rundir;
	int code;
	int pushed;             /* lk-push ran */
	const char *nopush;     /* why lk-push did not run, or NULL */
	char nopush_buf[64];
	double secs;
	/* called by lk_sync_run() after the stages, the lock still held */
	void (*after)(struct lk_sync_plan *p, void *arg);
	void *after_arg;
};

/* Builds the plan; returns 0, or -1 with a message already printed. */
int lk_sync_plan(struct lk_sync_plan *p, struct lk_state *st, const struct lk_config *cfg,
    const struct lk_sync_opts *o);
void lk_sync_print(const struct lk_sync_plan *p, FILE *fp);
int lk_sync_run(struct lk_sync_plan *p, struct lk_state *st);
/*
 * The run's summary (sync-sum.c, lk-sync(1) Output): one JSON object from
 * the run folder's files and .lk/snapshots; the caller owns it.
 */
json_t *lk_sync_summary(const struct lk_sync_plan *p, struct lk_state *st, const struct lk_config *cfg);
void lk_sync_summary_text(const json_t *sum, FILE *fp);
void lk_sync_summary_json(const json_t *sum, FILE *fp);
/*
 * The summary's outcomes that need a person (sync-notify.c): prints the new
 * and the resolved ones on stderr, remembers them in .lk/reported.json
 * (not in a dry run; call it holding the lock), fills the summary's
 * "attention" and "resolved", and returns the run's exit status.
 */
int lk_sync_notify(const struct lk_sync_plan *p, struct lk_state *st, const struct lk_config *cfg,
    json_t *sum);
void lk_sync_free(struct lk_sync_plan *p);

/* A failed source sentinel as one JSON line (no newline); at may be NULL. */
char *lk_sync_sentinel(const char *source, const char *error, const char *at);

/* The more severe of two exit codes, in the order above. */
int lk_sync_worse(int a, int b);

#endif
