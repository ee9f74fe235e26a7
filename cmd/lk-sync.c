/*
 * lk-sync - run the whole pipeline for a state directory: what cron
 * calls every few minutes (lk-sync(1)).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "metrics.h"
#include "state.h"
#include "sync.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-sync [-nqv] [--force] [--full] [--json] [--print] [--stage-timeout secs] [-C dir]\n"
    "\n"
    "Fetches and parses every source on sale, fetches each marketplace channel's\n"
    "orders and stocks, then runs lk-reserve | lk-alloc | lk-push, holding the\n"
    "state lock; each stage's files are kept in STATE/.lk/runs/RUNID/.\n"
    "\n"
    "  -C, --state-dir DIR    the state directory (default $LK_STATE_DIR, else .)\n"
    "  -n, --dry-run          compute everything, send and save nothing\n"
    "      --force            pass --force to lk-alloc and lk-push: no source or zero guard\n"
    "      --full             read every source in full, even one unchanged since its last read\n"
    "      --print            print the pipeline as a shell script and exit\n"
    "      --json             print a JSON summary instead of the table\n"
    "      --stage-timeout SECS  stop a stage running longer (exit 75)\n"
    "  -q, --quiet            relay the stages' messages only when they fail\n"
    "  -v, --verbose          print more\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n";

enum { OPT_JSON = 256, OPT_PRINT, OPT_STAGE_TIMEOUT, OPT_FORCE, OPT_FULL };

static const struct option longopts[] = {
	{ "state-dir", required_argument, NULL, 'C' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "print", no_argument, NULL, OPT_PRINT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "stage-timeout", required_argument, NULL, OPT_STAGE_TIMEOUT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const struct lk_catalog_keep keep_all = { LK_KEEP_ALL, NULL };

struct report {
	struct lk_state *st;
	const struct lk_config *cfg;
	json_t *sum;
};

/* After the stages, holding the lock: the summary, what needs a person, summary.json. */
static void
after_run(struct lk_sync_plan *p, void *arg)
{
	struct report *r = arg;
	char *path = lk_path_join(p->rundir, "summary.json");
	FILE *fp;

	r->sum = lk_sync_summary(p, r->st, r->cfg);
	p->code = lk_sync_notify(p, r->st, r->cfg, r->sum);
	if ((fp = lk_confine_fopen(path, "w")) != NULL) {
		lk_sync_summary_json(r->sum, fp);
		if (fclose(fp) != 0)
			lk_warn("cannot write '%s':", path);
	} else {
		lk_warn("cannot create '%s':", path);
	}
	free(path);
	if (r->cfg->global.metrics_file && !p->o.dry_run)
		lk_metrics_write(r->st, r->cfg, r->sum, r->cfg->global.metrics_file);
}

int
main(int argc, char **argv)
{
	const char *state_dir = NULL;
	struct lk_sync_opts o;
	struct lk_sync_plan plan;
	struct lk_config cfg;
	struct lk_state *st;
	struct report rep;
	int c, print = 0, json = 0, code;
	long long secs;

	lk_start(argc, argv);
	memset(&o, 0, sizeof o);
	while ((c = getopt_long(argc, argv, "C:nqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': state_dir = optarg; break;
		case 'n': o.dry_run = 1; break;
		case OPT_FORCE: o.force = 1; break;
		case OPT_FULL: o.full = 1; break;
		case OPT_PRINT: print = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_STAGE_TIMEOUT:
			if (lk_parse_duration(optarg, &secs) == -1 || secs <= 0 || secs > 86400 * 7)
				lk_usage_error("--stage-timeout: not a duration: '%s'", optarg);
			o.stage_timeout = secs;
			break;
		case 'q': lk_quiet = 1; o.quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); return LK_EX_OK;
		case 'V': lk_print_version();
		default:
			fprintf(stderr, "Try '%s --help'.\n", lk_prog);
			return LK_EX_USAGE;
		}
	}
	if (optind != argc)
		lk_usage_error("unexpected argument '%s'", argv[optind]);
	if (print && json)
		lk_usage_error("--print and --json do not go together");

	/*
	 * Every column: this parse, the cycle's first, leaves the cache its
	 * stages map (lk(7), .lk/); lk-sync itself reads none of it.
	 */
	st = lk_config_open_or_die(state_dir, NULL, &cfg, &keep_all);
	lk_catalog_free(&cfg.catalog);
	o.progress = !json && !o.quiet && isatty(2);
	if (lk_sync_plan(&plan, st, &cfg, &o) == -1)
		return LK_EX_SOFTWARE;
	if (print) {
		lk_sync_print(&plan, stdout);
		lk_sync_free(&plan);
		lk_config_free(&cfg);
		lk_state_close(st);
		lk_close_stdout();
		return LK_EX_OK;
	}

	rep.st = st;
	rep.cfg = &cfg;
	rep.sum = NULL;
	plan.after = after_run;
	plan.after_arg = &rep;
	code = lk_sync_run(&plan, st);
	if (rep.sum == NULL)            /* the lock was busy: no run */
		rep.sum = lk_sync_summary(&plan, st, &cfg);
	if (json)
		lk_sync_summary_json(rep.sum, stdout);
	else if (plan.rundir)
		lk_sync_summary_text(rep.sum, stdout);
	json_decref(rep.sum);
	if (plan.rundir)
		lk_info("run %s: exit %d in %.1fs (%s)", plan.runid, code, plan.secs, plan.rundir);
	lk_sync_free(&plan);
	lk_config_free(&cfg);
	lk_state_close(st);
	lk_close_stdout();
	return code;
}
