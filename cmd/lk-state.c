/*
 * lk-state - create, validate, inspect and commit the state directory.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "err.h"
#include "exit.h"
#include "mp.h"
#include "push.h"
#include "repo.h"
#include "secrets.h"
#include "state.h"
#include "status.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-state [-C dir] init [dir]\n"
    "       lk-state [-C dir] check [--rev rev]\n"
    "       lk-state [-C dir] list sources | channels\n"
    "       lk-state [-C dir] show [--rev rev] path\n"
    "       lk-state [-C dir] commit -m message\n"
    "       lk-state [-C dir] log [-n count]\n"
    "       lk-state [-C dir] status [--json]\n"
    "\n"
    "  -C, --state-dir DIR  the state directory (default $LK_STATE_DIR, else .)\n"
    "  -r, --rev REV        read the config as of a git revision\n"
    "  -m, --message MSG    the commit message\n"
    "  -n, --count N        show at most N commits\n"
    "      --json           status: one JSON object\n"
    "  -q, --quiet          print only errors\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n";

static int
cmd_init(const char *dir)
{
	char err[512];

	if (lk_repo_init_example(dir, err, sizeof err) == -1)
		lk_die(LK_EX_CANTCREAT, "%s", err);
	lk_info("initialised %s (an example configuration, pushing off); next steps", dir);
	lk_info("  edit sources/*.json, channels/*.json and catalog.csv in it "
	    "(credentials: an environment variable or a file outside it)");
	lk_info("  lk-state -C %s check && lk-state -C %s commit -m 'first channels'", dir, dir);
	lk_info("  lk-sync -C %s --dry-run; then \"push\": true in lk.json, commit, "
	    "and schedule lk-sync (lk(7), RUNNING MANY SELLERS)", dir);
	return LK_EX_OK;
}

static void
note_overcommit(const char *source, double percent, const char *channels, void *arg)
{
	(void)arg;
	lk_info("note: source '%s': channels %s can show up to %.0f%% of its stock together; "
	    "lk-alloc cuts each to what the channels before it left, but for \"overlap\" ones "
	    "(see lk-alloc(1), RULES)", source, channels, percent);
}

/* A disabled channel still shows what lk pushed there last: those units are taken. */
static void
warn_held(struct lk_state *st, const struct lk_config *cfg)
{
	size_t i, j, n;
	long long units;

	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];
		struct lk_pushstate ps;
		char *path;

		if (ch->enabled || ch->overlap)
			continue;
		path = lk_xasprintf("%s/.lk/pushed/%s.ndjson", lk_state_dir(st), ch->name);
		if (lk_pushstate_load(&ps, path, ch->name, "pushed") == -1)
			lk_warn("%s:", path);
		for (j = n = 0, units = 0; j < ps.skus.n; j++)
			if (ps.v[j].live && ps.v[j].qty > 0) {
				n++;
				units = lk_qty_add(units, ps.v[j].qty);
			}
		if (n)
			lk_warn("channel %s is disabled but lk last pushed %lld unit%s of %zu product%s "
			    "there: they count as taken from its sources until it is zeroed "
			    "(see lk-alloc(1), RULES)", ch->name, units, units == 1 ? "" : "s", n,
			    n == 1 ? "" : "s");
		lk_pushstate_free(&ps);
		free(path);
	}
}

static int
cmd_check(const char *dir, const char *rev)
{
	/*
	 * lk_mp_check() compares the channels' ids, lk_alloc_new() compiles the
	 * filters; every column is kept so that a check after an edit leaves
	 * the cache the next cycle maps (lk(7), .lk/)
	 */
	static const struct lk_catalog_keep keep = { LK_KEEP_ALL, NULL };
	struct lk_config cfg;
	struct lk_state *st = lk_config_open_or_die(dir, rev, &cfg, &keep);
	struct lk_diag d = { 0 };
	struct lk_alloc *a;

	/* Credentials files as the sending commands will find them (not at a revision). */
	if (rev == NULL)
		lk_cred_check_files(&cfg, &d);
	/* The rules as lk-alloc reads them: equal groups, filters, overrides. */
	a = lk_alloc_new(&cfg, &d);
	/* What the marketplaces need: ids, unique catalog ids, one channel per warehouse. */
	lk_mp_check(&cfg, &d);
	if (a == NULL || d.n > 0) {
		lk_alloc_free(a);
		lk_diag_print(&d);
		lk_die(LK_EX_CONFIG, "%s: %zu configuration problem%s", lk_state_dir(st),
		    d.n, d.n == 1 ? "" : "s");
	}
	lk_diag_free(&d);
	lk_alloc_overcommit(a, note_overcommit, NULL);
	warn_held(st, &cfg);
	lk_alloc_free(a);
	lk_info("%s%s%s: ok (%zu sources, %zu channels, %zu products)", lk_state_dir(st),
	    rev ? " at " : "", rev ? rev : "", cfg.nsources, cfg.nchannels, cfg.catalog.nrows);
	lk_config_free(&cfg);
	lk_state_close(st);
	return LK_EX_OK;
}

static int
cmd_list(const char *dir, const char *what)
{
	struct lk_config cfg;
	struct lk_state *st;
	size_t i;

	if (strcmp(what, "sources") != 0 && strcmp(what, "channels") != 0)
		lk_usage_error("list takes 'sources' or 'channels', not '%s'", what);
	st = lk_config_open_or_die(dir, NULL, &cfg, NULL);
	if (strcmp(what, "sources") == 0) {
		for (i = 0; i < cfg.nsources; i++)
			printf("%s\t%s\t%s\n", cfg.sources[i].name, cfg.sources[i].kind,
			    cfg.sources[i].on_sale ? "on_sale" : "not_on_sale");
	} else {
		for (i = 0; i < cfg.nchannels; i++)
			printf("%s\t%s\t%s\n", cfg.channels[i].name, cfg.channels[i].marketplace,
			    cfg.channels[i].enabled ? "enabled" : "disabled");
	}
	lk_config_free(&cfg);
	lk_state_close(st);
	return LK_EX_OK;
}

static int
cmd_show(const char *dir, const char *rev, const char *path)
{
	char err[512], *buf;
	size_t len;
	int code;
	struct lk_state *st = lk_state_open(dir, rev, err, sizeof err, &code);

	if (st == NULL)
		lk_die(code, "%s", err);
	if (lk_state_read(st, path, &buf, &len) == -1)
		lk_die(LK_EX_NOINPUT, "%s: %s%s:", path, rev ? "at " : "", rev ? rev : "");
	fwrite(buf, 1, len, stdout);
	free(buf);
	lk_state_close(st);
	return LK_EX_OK;
}

static void
report_secret(const char *file, const char *path, const char *why, void *arg)
{
	(void)arg;
	lk_warn("%s: %s: %s", file, path, why);
}

static int
cmd_commit(const char *dir, const char *msg)
{
	struct lk_config cfg;
	struct lk_state *st;
	char err[512], oid[16];
	size_t n;
	int rc;

	if (msg == NULL || *msg == '\0')
		lk_usage_error("commit needs -m MESSAGE");
	st = lk_config_open_or_die(dir, NULL, &cfg, NULL);
	lk_config_free(&cfg);
	lk_state_close(st);
	n = lk_repo_find_secrets(dir, report_secret, NULL, err, sizeof err);
	if (n == (size_t)-1)
		lk_die(LK_EX_CONFIG, "%s", err);
	if (n > 0)
		lk_die(LK_EX_CONFIG, "refusing to commit: %zu value%s look%s like secrets; "
		    "keep them in the environment or a credentials file outside the repository",
		    n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	rc = lk_repo_commit(dir, msg, oid, sizeof oid, err, sizeof err);
	if (rc == -1)
		lk_die(LK_EX_CANTCREAT, "%s", err);
	if (rc == 1)
		lk_info("nothing to commit");
	else
		printf("%s\n", oid);
	return LK_EX_OK;
}

/* Reads .lk/ only: no lock, no network, nothing written. */
static int
cmd_status(const char *dir, int json)
{
	struct lk_config cfg;
	struct lk_state *st = lk_config_open_or_die(dir, NULL, &cfg, NULL);
	char *lkdir = lk_path_join(lk_state_dir(st), ".lk");
	json_t *s = lk_status_collect(lkdir, &cfg, lk_now());
	int code = lk_status_code(s);

	if (json) {
		if (json_dumpf(s, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
			putchar('\n');
	} else {
		lk_status_print(s, stdout);
	}
	json_decref(s);
	free(lkdir);
	lk_config_free(&cfg);
	lk_state_close(st);
	lk_close_stdout();
	return code;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'C' },
		{ "rev", required_argument, NULL, 'r' },
		{ "message", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *rev = NULL, *msg = NULL, *sub;
	long long count = 0;
	char err[512];
	int c, json = 0;

	lk_start(argc, argv);
	/* GNU getopt permutes, so options may come before or after the subcommand. */
	while ((c = getopt_long(argc, argv, "C:r:m:n:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'r': rev = optarg; break;
		case 'm': msg = optarg; break;
		case 'n':
			if (lk_parse_ll(optarg, 1, 1000000, &count) == -1)
				lk_usage_error("--count needs a whole number, not '%s'", optarg);
			break;
		case 'j': json = 1; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); return LK_EX_OK;
		case 'V': lk_print_version();
		default: fputs(usage_text, stderr); return LK_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		lk_usage_error("which subcommand? init, check, list, show, commit, log or status");
	sub = argv[0];
	if (strcmp(sub, "init") == 0 && argc <= 2)
		return cmd_init(argc == 2 ? argv[1] : dir ? dir : ".");
	if (strcmp(sub, "check") == 0 && argc == 1)
		return cmd_check(dir, rev);
	if (strcmp(sub, "list") == 0 && argc == 2)
		return cmd_list(dir, argv[1]);
	if (strcmp(sub, "show") == 0 && argc == 2)
		return cmd_show(dir, rev, argv[1]);
	if (strcmp(sub, "commit") == 0 && argc == 1)
		return cmd_commit(dir ? dir : getenv("LK_STATE_DIR") ? getenv("LK_STATE_DIR") : ".", msg);
	if (strcmp(sub, "log") == 0 && argc == 1) {
		const char *d = dir ? dir : getenv("LK_STATE_DIR") ? getenv("LK_STATE_DIR") : ".";

		if (lk_repo_log(d, stdout, (size_t)count, err, sizeof err) == -1)
			lk_die(LK_EX_NOINPUT, "%s", err);
		return LK_EX_OK;
	}
	if (strcmp(sub, "status") == 0 && argc == 1)
		return cmd_status(dir, json);
	lk_usage_error("'%s' with %d argument%s is not a subcommand this knows", sub,
	    argc - 1, argc == 2 ? "" : "s");
}
