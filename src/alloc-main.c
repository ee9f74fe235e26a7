/*
 * alloc-main.c - one lk-alloc run (lk-alloc(1)): read the records, settle
 * each source (complete, or its snapshot, or stop its channels), apply
 * the rules and write the records; or, with --compare, the same input
 * through two revisions' rules.
 *
 * Snapshots of complete sources are written after the input is read,
 * under the state lock, and before any alloc record is written: a busy
 * lock (75) leaves no alloc output behind for lk-push to act on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "alloc-compare.h"
#include "err.h"
#include "exit.h"
#include "lock.h"
#include "ndjson.h"
#include "push.h"
#include "state.h"
#include "status.h"
#include "util.h"

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

/*
 * Whether s goes into a JSON string as it is: printable ASCII but '"' and
 * '\\', and with utf8 valid UTF-8 too (what lk's emitter copies; jansson's
 * keys are held to ASCII, where the two escape alike).
 */
static int
plain(const char *s, size_t n, int utf8)
{
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
		} else if (c >= 0x80 && utf8 && (k = lk_utf8_len((const unsigned char *)s + i, n - i)) > 0) {
			i += k;
		} else {
			return 0;
		}
	}
	return 1;
}

static char *
put_num(char *p, unsigned long long q)
{
	char num[24], *e = num + sizeof num, *b = e;

	do
		*--b = (char)('0' + q % 10);
	while ((q /= 10) > 0);
	memcpy(p, b, (size_t)(e - b));
	return p + (e - b);
}

/*
 * An undistributed record without "why", written by hand as the emitter
 * and jansson would ("sources" in part order); 0 when a name needs
 * escaping or it is too long, for the generic path.
 */
static int
emit_undistributed(const struct lk_alloc_out *o)
{
	char buf[1024], *p = buf;
	size_t sl = strlen(o->sku), i, nl;

	if (o->channel || o->asked || o->why || sl > 256 || o->nparts > 8 || !plain(o->sku, sl, 1))
		return 0;
	memcpy(p, "{\"type\":\"undistributed\",\"sku\":\"", 31);
	p += 31;
	memcpy(p, o->sku, sl);
	p += sl;
	memcpy(p, "\",\"qty\":", 8);
	p = put_num(p + 8, (unsigned long long)o->qty);
	memcpy(p, ",\"sources\":{", 12);
	p += 12;
	for (i = 0; i < o->nparts; i++) {
		nl = strlen(o->parts[i].source);
		if (nl > 64 || !plain(o->parts[i].source, nl, 0))
			return 0;
		if (i)
			*p++ = ',';
		*p++ = '"';
		memcpy(p, o->parts[i].source, nl);
		p += nl;
		*p++ = '"';
		*p++ = ':';
		p = put_num(p, (unsigned long long)o->parts[i].qty);
	}
	memcpy(p, "}}\n", 3);
	p += 3;
	if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf))
		lk_die(LK_EX_IOERR, "write error on stdout:");
	return 1;
}

static void
emit_parts(const struct lk_alloc_out *o)
{
	json_t *v = json_object();
	size_t i;

	for (i = 0; i < o->nparts; i++)
		json_object_set_new(v, o->parts[i].source, json_integer(o->parts[i].qty));
	lk_emit_json("sources", v);
	json_decref(v);
}

static void
emit(void *arg, const struct lk_alloc_out *o)
{
	struct out *w = arg;
	static const char asked[] = ",\"asked\":true";
	char num[48], *p = num + sizeof num;
	size_t i;
	unsigned long long q = o->qty > 0 ? (unsigned long long)o->qty : 0;

	if (o->kind == LK_ALLOC_UNDISTRIBUTED && emit_undistributed(o))
		return;
	if (o->kind == LK_ALLOC_UNDISTRIBUTED || o->why) {
		lk_emit_begin(o->kind == LK_ALLOC_ALLOC ? "alloc" : "undistributed");
		if (o->channel)
			lk_emit_str("channel", o->channel);
		lk_emit_str("sku", o->sku);
		lk_emit_int("qty", o->qty);
		if (o->asked)
			lk_emit_bool("asked", 1);
		if (o->why)
			lk_emit_json("why", o->why);
		if (o->kind == LK_ALLOC_UNDISTRIBUTED)
			emit_parts(o);
		lk_emit_end();
		return;
	}
	if (w->channel != o->channel)
		set_prefix(w, o->channel);
	/* the common line in one buffer and one write */
	if ((i = strlen(o->sku)) <= 256 && w->plen <= 512 && plain(o->sku, i, 1)) {
		char line[1024], *e = line;

		memcpy(e, w->prefix, w->plen);
		e += w->plen;
		*e++ = '"';
		memcpy(e, o->sku, i);
		e += i;
		memcpy(e, "\",\"qty\":", 8);
		e = put_num(e + 8, q);
		if (o->asked) {
			memcpy(e, asked, sizeof asked - 1);
			e += sizeof asked - 1;
		}
		*e++ = '}';
		*e++ = '\n';
		fwrite(line, 1, (size_t)(e - line), stdout);
		return;
	}
	fwrite(w->prefix, 1, w->plen, stdout);
	lk_json_write_string(stdout, o->sku, strlen(o->sku));
	/* By hand: printf's parsing was a tenth of the run (make bench). */
	*--p = '\n';
	*--p = '}';
	if (o->asked)
		for (i = sizeof asked - 1; i-- > 0; )
			*--p = asked[i];
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

/*
 * What lk last pushed to the channels that get no alloc record for some
 * products (disabled, stopped, filtered): the marketplace still shows it,
 * so the other channels must not show those units too.
 */
static void
load_shows(struct lk_state *st, const struct lk_config *cfg, struct lk_alloc *a)
{
	size_t i, j;

	for (i = 0; i < cfg->nchannels; i++) {
		const char *name = cfg->channels[i].name;
		struct lk_pushstate ps;
		char *path;

		if (!lk_alloc_wants_shows(a, name))
			continue;
		path = lk_xasprintf("%s/pushed/%s.ndjson", lk_state_lkdir(st), name);
		memset(&ps, 0, sizeof ps);
		if (lk_pushstate_load(&ps, path, name, "pushed") == -1)
			lk_warn("%s: cannot read; its units are not counted as taken:", path);
		for (j = 0; j < ps.skus.n; j++)
			if (ps.v[j].live)
				lk_alloc_shows(a, name, ps.skus.keys[j], ps.v[j].qty);
		lk_pushstate_free(&ps);
		free(path);
	}
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

/* The engine reads the catalog's skus and the columns its filters name. */
static const struct lk_catalog_keep alloc_keep = { LK_KEEP_FILTERS, NULL };

static int
run_alloc(const struct lk_alloc_cmd *o)
{
	struct lk_config cfg;
	struct lk_state *st = lk_config_open_or_die(o->dir, o->rev, &cfg, &alloc_keep);
	struct lk_alloc *a = engine(&cfg);
	struct lk_alloc_opts ao = { o->explain, o->explain_sku };
	struct out w = { NULL, NULL, 0 };
	struct lk_reader r;
	char *dir = snapdir(st);
	size_t stopped, guarded;
	unsigned long nbad;

	if (lk_reader_open(&r, "-", 0, o->strict) < 0)
		lk_die(LK_EX_NOINPUT, "stdin:");
	if (o->force)
		lk_alloc_force(a);
	lk_alloc_read(&a, 1, &r, 1);
	nbad = r.nbad;
	lk_reader_close(&r);
	lk_alloc_warn_dropped(a);
	stopped = lk_alloc_resolve(a, dir, lk_now());
	guarded = lk_alloc_guarded(a);
	load_shows(st, &cfg, a);
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
	if (nbad)
		return LK_EX_PARTIAL;
	return guarded ? LK_EX_SAFETY : LK_EX_OK;
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

/* The products a channel carried (had an alloc record for). */
static long long
carried(const struct lk_alloc_rows *rows, const char *channel)
{
	long long n = 0;
	size_t i;

	for (i = 0; i < rows->n; i++)
		if (strcmp(rows->v[i].channel, channel) == 0)
			n++;
	return n;
}

/*
 * With nothing on stdin (a terminal, /dev/null, closed), the input of the
 * newest lk-sync run: what the rules would have been given.  NULL: stdin.
 */
static char *
compare_input(struct lk_state *st)
{
	struct stat sb, nb;
	char *lkdir, *path;

	if (!isatty(0) && !(fstat(0, &sb) == 0 && S_ISCHR(sb.st_mode) &&
	    stat("/dev/null", &nb) == 0 && sb.st_rdev == nb.st_rdev) &&
	    !(fstat(0, &sb) == -1 && errno == EBADF))
		return NULL;
	lkdir = lk_path_join(lk_state_dir(st), ".lk");
	path = lk_status_last_run_file(lkdir, "reserve.out");
	free(lkdir);
	if (path == NULL)
		lk_die(LK_EX_NOINPUT, "no input on stdin, and no lk-sync run in .lk/runs/ to take it from");
	lk_info("input: %s", path);
	return path;
}

static int
run_compare(const struct lk_alloc_cmd *o)
{
	struct side s[2];   /* 0: at REV, 1: the working tree */
	struct lk_alloc *both[2];
	struct lk_compare *v;
	struct lk_reader r;
	size_t i, n;
	char *dir, *input;
	int rc = LK_EX_OK;

	memset(s, 0, sizeof s);
	for (i = 0; i < 2; i++) {
		s[i].st = lk_config_open_or_die(o->dir, i == 0 ? o->compare : NULL, &s[i].cfg, &alloc_keep);
		both[i] = s[i].a = engine(&s[i].cfg);
		if (o->force)
			lk_alloc_force(s[i].a);
	}
	input = compare_input(s[1].st);
	if (lk_reader_open(&r, input ? input : "-", 0, o->strict) < 0)
		lk_die(LK_EX_NOINPUT, "%s:", input ? input : "stdin");
	lk_alloc_read(both, 2, &r, 0);
	free(input);
	if (r.nbad)
		rc = LK_EX_PARTIAL;
	lk_reader_close(&r);
	lk_alloc_warn_dropped(s[1].a);
	dir = snapdir(s[1].st);
	for (i = 0; i < 2; i++) {
		lk_alloc_resolve(s[i].a, dir, lk_now());
		load_shows(s[1].st, &s[i].cfg, s[i].a);
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
		long long total = carried(&s[0].rows, v[i].channel);

		if (o->fail_on_zero_set && lk_limit_exceeded(&o->fail_on_zero, v[i].to_zero, total)) {
			lk_warn("%s: %lld of %lld products would drop to 0 (past --fail-on-zero)",
			    v[i].channel, v[i].to_zero, total);
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
lk_alloc_main(const struct lk_alloc_cmd *o)
{
	return o->compare ? run_compare(o) : run_alloc(o);
}
