/*
 * lk-alloc - how many units each channel shows (lk-alloc(1)).
 *
 * Options, reading, emitting; the rules are in the library (alloc.h).
 * Snapshots of complete sources are written after the input is read,
 * under the state lock, and before any alloc record is written: a busy
 * lock (75) leaves no alloc output behind for lk-push to act on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "alloc_compare.h"
#include "err.h"
#include "exit.h"
#include "lock.h"
#include "ndjson.h"
#include "state.h"
#include "util.h"

static const char usage_text[] =
    "usage: lk-alloc [-nqv] [-C dir] [--rev rev] [--explain[=sku]] [--no-snapshot] [--strict]\n"
    "       lk-alloc --compare rev [--json] [--fail-on-zero n] [-C dir] [--strict]\n"
    "\n"
    "Reads stock, source and reserve records on stdin and writes one alloc\n"
    "record per channel and product, by the channels' rules, then the\n"
    "undistributed records.  Other records pass through first.\n"
    "\n"
    "  -C, --state-dir DIR   the state directory (default $LK_STATE_DIR, else .)\n"
    "      --rev REV         use the rules as of git revision REV (writes no snapshot)\n"
    "      --explain[=SKU]   add \"why\" to alloc records (only SKU's when given)\n"
    "  -n, --dry-run         do not write source snapshots\n"
    "      --no-snapshot     the same as --dry-run\n"
    "      --compare REV     print what the working tree's rules change against REV\n"
    "      --json            with --compare: compare records instead of a table\n"
    "      --fail-on-zero N  with --compare: exit 3 when a channel drops more than N products to 0\n"
    "      --strict          a bad record is fatal (exit 65)\n"
    "  -q, --quiet           only errors and warnings\n"
    "  -v, --verbose         say more\n"
    "  -h, --help            this help\n"
    "  -V, --version         the version\n";

struct opts {
	const char *dir, *rev, *compare, *explain_sku;
	int explain, no_snapshot, json, strict;
	long long fail_on_zero;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_REV = 256, OPT_EXPLAIN, OPT_NOSNAP, OPT_COMPARE, OPT_JSON, OPT_FAIL, OPT_STRICT };
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'C' },
		{ "rev", required_argument, NULL, OPT_REV },
		{ "explain", optional_argument, NULL, OPT_EXPLAIN },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-snapshot", no_argument, NULL, OPT_NOSNAP },
		{ "compare", required_argument, NULL, OPT_COMPARE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "fail-on-zero", required_argument, NULL, OPT_FAIL },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	o->fail_on_zero = -1;
	while ((c = getopt_long(argc, argv, "C:nqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': o->dir = optarg; break;
		case OPT_REV: o->rev = optarg; break;
		case OPT_EXPLAIN: o->explain = 1; o->explain_sku = optarg; break;
		case 'n': case OPT_NOSNAP: o->no_snapshot = 1; break;
		case OPT_COMPARE: o->compare = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_FAIL:
			if (lk_parse_ll(optarg, 0, (long long)1 << 50, &o->fail_on_zero) < 0)
				lk_usage_error("--fail-on-zero takes a count, not '%s'", optarg);
			break;
		case OPT_STRICT: o->strict = 1; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage_text, stdout); lk_close_stdout(); exit(LK_EX_OK);
		case 'V': lk_print_version();
		default: lk_usage_error("unknown option");
		}
	}
	if (optind < argc)
		lk_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->compare && (o->rev || o->explain))
		lk_usage_error("--compare takes no --rev or --explain");
	if (!o->compare && (o->json || o->fail_on_zero >= 0))
		lk_usage_error("--json and --fail-on-zero go with --compare");
}

/* --- output: alloc records are most of it, so they skip the generic emitter --- */

struct out {
	const char *channel;
	char *prefix;               /* {"type":"alloc","channel":"NAME","sku": */
	size_t plen;
};

static void
set_prefix(struct out *w, const char *channel)
{
	FILE *m;

	free(w->prefix);
	m = open_memstream(&w->prefix, &w->plen);
	if (m == NULL)
		lk_die(LK_EX_SOFTWARE, "open_memstream:");
	fputs("{\"type\":\"alloc\",\"channel\":", m);
	lk_json_write_string(m, channel, strlen(channel));
	fputs(",\"sku\":", m);
	fclose(m);
	w->channel = channel;
}

static void
emit(void *arg, const struct lk_alloc_out *o)
{
	struct out *w = arg;
	char num[32], *p = num + sizeof num;
	unsigned long long q = o->qty > 0 ? (unsigned long long)o->qty : 0;

	if (o->kind == LK_ALLOC_UNDISTRIBUTED || o->why) {
		lk_emit_begin(o->kind == LK_ALLOC_ALLOC ? "alloc" : "undistributed");
		if (o->channel)
			lk_emit_str("channel", o->channel);
		lk_emit_str("sku", o->sku);
		lk_emit_int("qty", o->qty);
		if (o->why)
			lk_emit_json("why", o->why);
		lk_emit_end();
		return;
	}
	if (w->channel != o->channel)
		set_prefix(w, o->channel);
	fwrite(w->prefix, 1, w->plen, stdout);
	lk_json_write_string(stdout, o->sku, strlen(o->sku));
	/* By hand: printf's parsing was a tenth of the run (make bench). */
	*--p = '\n';
	*--p = '}';
	do
		*--p = (char)('0' + q % 10);
	while ((q /= 10) > 0);
	fputs(",\"qty\":", stdout);
	fwrite(p, 1, (size_t)(num + sizeof num - p), stdout);
}

/* --- one run --- */

static char *
snapdir(struct lk_state *st)
{
	return lk_path_join(lk_state_lkdir(st), "snapshots");
}

static void
save_snapshots(struct lk_state *st, const struct lk_config *cfg, struct lk_alloc *a, char *dir)
{
	int fd = lk_lock_state_or_die(lk_state_dir(st), cfg->global.lock_timeout * 1000);

	if (lk_alloc_snapshot_save(a, dir, lk_now()) < 0)
		lk_die(LK_EX_CANTCREAT, "cannot write the source snapshots");
	lk_unlock_state(fd);
}

static struct lk_alloc *
engine(const struct lk_config *cfg)
{
	struct lk_diag d = { 0 };
	struct lk_alloc *a = lk_alloc_new(cfg, &d);

	if (a == NULL) {
		lk_diag_print(&d);
		exit(LK_EX_CONFIG);
	}
	lk_diag_free(&d);
	return a;
}

static int
run_alloc(const struct opts *o)
{
	struct lk_config cfg;
	struct lk_state *st = lk_config_open_or_die(o->dir, o->rev, &cfg);
	struct lk_alloc *a = engine(&cfg);
	struct lk_alloc_opts ao = { o->explain, o->explain_sku };
	struct out w = { NULL, NULL, 0 };
	struct lk_reader r;
	char *dir = snapdir(st);
	size_t stopped;
	unsigned long nbad;

	if (lk_reader_open(&r, "-", 0, o->strict) < 0)
		lk_die(LK_EX_NOINPUT, "stdin:");
	lk_alloc_read(&a, 1, &r, 1);
	nbad = r.nbad;
	lk_reader_close(&r);
	lk_alloc_warn_dropped(a);
	stopped = lk_alloc_resolve(a, dir, lk_now());
	if (!o->no_snapshot && o->rev == NULL)
		save_snapshots(st, &cfg, a, dir);
	lk_alloc_run(a, &ao, emit, &w);
	free(w.prefix);
	free(dir);
	lk_alloc_free(a);
	lk_config_free(&cfg);
	lk_state_close(st);
	if (stopped)
		return LK_EX_SAFETY;
	return nbad ? LK_EX_PARTIAL : LK_EX_OK;
}

/* --- --compare --- */

struct side {
	struct lk_config cfg;
	struct lk_state *st;
	struct lk_alloc *a;
	struct lk_alloc_rows rows;
};

static size_t
add_stopped(const struct side *s, struct lk_compare **v, size_t n)
{
	size_t i;

	for (i = 0; i < s->cfg.nchannels; i++)
		if (lk_alloc_stopped(s->a, s->cfg.channels[i].name))
			n = lk_compare_stopped(v, n, s->cfg.channels[i].name);
	return n;
}

static int
run_compare(const struct opts *o)
{
	struct side s[2];   /* 0: at REV, 1: the working tree */
	struct lk_alloc *both[2];
	struct lk_compare *v;
	struct lk_reader r;
	size_t i, n;
	char *dir;
	int rc = LK_EX_OK;

	memset(s, 0, sizeof s);
	for (i = 0; i < 2; i++) {
		s[i].st = lk_config_open_or_die(o->dir, i == 0 ? o->compare : NULL, &s[i].cfg);
		both[i] = s[i].a = engine(&s[i].cfg);
	}
	if (lk_reader_open(&r, "-", 0, o->strict) < 0)
		lk_die(LK_EX_NOINPUT, "stdin:");
	lk_alloc_read(both, 2, &r, 0);
	if (r.nbad)
		rc = LK_EX_PARTIAL;
	lk_reader_close(&r);
	lk_alloc_warn_dropped(s[1].a);
	dir = snapdir(s[1].st);
	for (i = 0; i < 2; i++) {
		lk_alloc_resolve(s[i].a, dir, lk_now());
		lk_alloc_run(s[i].a, NULL, lk_alloc_collect, &s[i].rows);
	}
	free(dir);
	n = lk_alloc_compare(&s[0].rows, &s[1].rows, &v);
	n = add_stopped(&s[0], &v, n);
	n = add_stopped(&s[1], &v, n);
	if (o->json)
		lk_compare_emit(v, n);
	else
		lk_compare_print(stdout, v, n);
	for (i = 0; i < n; i++) {
		if (o->fail_on_zero >= 0 && v[i].to_zero > o->fail_on_zero) {
			lk_warn("%s: %lld products would drop to 0 (more than %lld)", v[i].channel,
			    v[i].to_zero, o->fail_on_zero);
			rc = LK_EX_SAFETY;
		}
	}
	free(v);
	for (i = 0; i < 2; i++) {
		free(s[i].rows.v);
		lk_alloc_free(s[i].a);
		lk_config_free(&s[i].cfg);
		lk_state_close(s[i].st);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;

	lk_start(argc, argv);
	memset(&o, 0, sizeof o);
	parse_opts(argc, argv, &o);
	return o.compare ? run_compare(&o) : run_alloc(&o);
}
