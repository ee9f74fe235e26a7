/*
 * sync-run.c - lk-sync: run the planned stages as child processes, each
 * with its stdin, stdout and stderr in files of the run folder, holding
 * the state lock for the whole run; then rotate the run folders.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "fetch.h"
#include "lock.h"
#include "sync.h"
#include "util.h"

/* Runs older than the newest BODIES_KEEP lose their downloaded bodies. */
#define BODIES_KEEP 3

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t timed_out;
static volatile pid_t child_pid;
/* the sources and listings running at the same time */
#define SLOTS (LK_SYNC_LISTINGS_MAX + LK_SYNC_SOURCES_MAX)
static volatile pid_t slot_pid[SLOTS];

static void
on_signal(int sig)
{
	size_t i;

	got_signal = sig;
	if (child_pid > 0)
		kill(child_pid, SIGTERM);
	for (i = 0; i < SLOTS; i++)
		if (slot_pid[i] > 0)
			kill(slot_pid[i], SIGTERM);
}

/* A single stage is stopped here; the concurrent ones are checked by run_concurrent(). */
static void
on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child_pid > 0)
		kill(child_pid, SIGTERM);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
set_handlers(int install)
{
	struct sigaction sa;
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	size_t i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sa.sa_handler = install ? on_signal : SIG_DFL;
		sigaction(sigs[i], &sa, NULL);
	}
	sa.sa_handler = install ? on_alarm : SIG_DFL;
	sigaction(SIGALRM, &sa, NULL);
}

static int
open_or_null(const char *path, int flags)
{
	/* In the forked child: plain open(2), the run folder is already confined. */
	return open(path ? path : "/dev/null", flags | O_CLOEXEC | (path ? O_NOFOLLOW : 0), 0600);
}

/* Starts argv with the given files; returns its pid, or -1. */
static pid_t
start_child(char **argv, const char *in, const char *out, const char *err)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		lk_warn("cannot fork:");
		return -1;
	}
	if (pid == 0) {
		set_handlers(0);
		if ((fd = open_or_null(err, O_WRONLY | O_CREAT | O_TRUNC)) == -1 || dup2(fd, 2) == -1)
			_exit(LK_EX_CANTCREAT);
		if ((fd = open_or_null(in, O_RDONLY)) == -1) {
			dprintf(2, "lk-sync: cannot open '%s': %s\n", in, strerror(errno));
			_exit(LK_EX_NOINPUT);
		}
		if (dup2(fd, 0) == -1)
			_exit(LK_EX_SOFTWARE);
		if ((fd = open_or_null(out, O_WRONLY | O_CREAT | O_TRUNC)) == -1 || dup2(fd, 1) == -1) {
			dprintf(2, "lk-sync: cannot create '%s': %s\n", out ? out : "/dev/null", strerror(errno));
			_exit(LK_EX_CANTCREAT);
		}
		if (strchr(argv[0], '/'))
			execv(argv[0], argv);
		else
			execvp(argv[0], argv);
		dprintf(2, "lk-sync: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* A wait status as an exit code (128+N for signal N). */
static int
status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return LK_EX_SOFTWARE;
}

/* Runs argv with the given files; returns the exit code (128+N for signal N). */
static int
spawn(const struct lk_sync_plan *p, char **argv, const char *in, const char *out, const char *err)
{
	int status;
	pid_t pid = start_child(argv, in, out, err);

	if (pid == -1)
		return LK_EX_SOFTWARE;
	child_pid = pid;
	timed_out = 0;
	if (p->o.stage_timeout > 0)
		alarm((unsigned)p->o.stage_timeout);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			lk_warn("waitpid:");
			status = LK_EX_SOFTWARE << 8;
			break;
		}
	}
	alarm(0);
	child_pid = 0;
	return status_code(status);
}

/* Copies the file at path to stderr (at most 64 KiB). */
static void
relay(const char *path)
{
	char buf[8192];
	size_t n, total = 0;
	FILE *fp = lk_confine_fopen(path, "r");

	if (fp == NULL)
		return;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && total < 65536) {
		fwrite(buf, 1, n, stderr);
		total += n;
	}
	if (total >= 65536)
		lk_warn("%s: more messages cut off", path);
	fclose(fp);
}

/* Appends the file in to the descriptor out, in the kernel where it can. */
static int
append_file(int out, const char *in)
{
	char buf[65536];
	int fd = lk_confine_open(in, O_RDONLY, 0);
	ssize_t n;

	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	while ((n = copy_file_range(fd, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n == -1 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
		while ((n = read(fd, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)n) != n) {
				n = -1;
				break;
			}
	close(fd);
	return n == 0 ? 0 : -1;
}

static int
concat(const struct lk_sync_plan *p, const struct lk_sync_stage *s)
{
	char *out = lk_path_join(p->rundir, s->out), *in;
	size_t j;
	int fd, rc = 0;

	if ((fd = lk_confine_open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		lk_warn("cannot create '%s':", out);
		free(out);
		return LK_EX_CANTCREAT;
	}
	for (j = 0; j < s->ninputs && rc == 0; j++) {
		in = lk_path_join(p->rundir, s->inputs[j]);
		if (append_file(fd, in) == -1)
			rc = LK_EX_IOERR;
		free(in);
	}
	if (close(fd) != 0 || rc) {
		lk_warn("cannot write '%s':", out);
		rc = LK_EX_IOERR;
	}
	free(out);
	return rc;
}

static void
write_sentinel(const struct lk_sync_plan *p, const char *source, int code)
{
	char tbuf[21], *line, *name, *path, msg[64];
	FILE *fp;

	snprintf(msg, sizeof msg, "lk-fetch exited %d", code);
	line = lk_sync_sentinel(source, msg, lk_fmt_time(lk_now(), tbuf));
	name = lk_xasprintf("source-%s.ndjson", source);
	path = lk_path_join(p->rundir, name);
	/* never through a link to kept records (lk-fetch --reuse) */
	if (unlink(path) == -1 && errno != ENOENT)
		lk_warn("cannot remove '%s':", path);
	if ((fp = lk_confine_fopen(path, "w")) == NULL || fprintf(fp, "%s\n", line) < 0 || fclose(fp) != 0)
		lk_warn("cannot write '%s':", path);
	free(line);
	free(name);
	free(path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes files in dir (all, or those ending in suffix), then dir itself if all. */
static void
clean_dir(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t sl = suffix ? strlen(suffix) : 0;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		char *path;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (suffix && (l < sl || strcmp(e->d_name + l - sl, suffix) != 0))
			continue;
		path = lk_path_join(dir, e->d_name);
		if (unlink(path) == -1)
			lk_warn("cannot remove '%s':", path);
		free(path);
	}
	closedir(d);
	if (suffix == NULL && rmdir(dir) == -1)
		lk_warn("cannot remove '%s':", dir);
}

/* Keeps the newest keep runs; only the newest BODIES_KEEP keep their bodies. */
static void
rotate(const char *runsdir, long long keep)
{
	DIR *d = opendir(runsdir);
	struct dirent *e;
	char **names = NULL, *path;
	size_t n = 0, i;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = lk_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = lk_xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		path = lk_path_join(runsdir, names[i]);
		if ((long long)(n - i) > keep)
			clean_dir(path, NULL);
		else if (n - i > BODIES_KEEP)
			clean_dir(path, ".body");
		free(path);
		free(names[i]);
	}
	free(names);
}

static int
make_rundir(struct lk_sync_plan *p, struct lk_state *st)
{
	char tbuf[32], *runs;
	time_t now = lk_now();
	struct tm tm;
	int i;

	runs = lk_path_join(lk_state_lkdir(st), "runs");
	if (lk_confine_mkdirs(runs) == -1) {
		lk_warn("cannot create '%s':", runs);
		free(runs);
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(tbuf, sizeof tbuf, "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 100; i++) {
		free(p->runid);
		free(p->rundir);
		p->runid = i ? lk_xasprintf("%s-%07ld-%d", tbuf, (long)getpid(), i)
		    : lk_xasprintf("%s-%07ld", tbuf, (long)getpid());
		p->rundir = lk_path_join(runs, p->runid);
		if (mkdir(p->rundir, 0700) == 0) {
			if (lk_confine_mkdirs(p->rundir) == -1) {
				lk_warn("cannot create '%s':", p->rundir);
				free(runs);
				return -1;
			}
			break;
		}
		if (errno != EEXIST) {
			lk_warn("cannot create '%s':", p->rundir);
			free(runs);
			return -1;
		}
	}
	free(runs);
	return i < 100 ? 0 : -1;
}

static void
save_plan(const struct lk_sync_plan *p)
{
	char *path = lk_path_join(p->rundir, "pipeline.sh");
	FILE *fp = lk_confine_fopen(path, "w");

	if (fp) {
		lk_sync_print(p, fp);
		if (fclose(fp) != 0)
			lk_warn("cannot write '%s':", path);
	} else {
		lk_warn("cannot create '%s':", path);
	}
	free(path);
}

static const char *
status_word(int code)
{
	switch (code) {
	case -1: return "skipped";
	case LK_EX_OK: return "ok";
	case LK_EX_PARTIAL: return "some records failed";
	case LK_EX_SAFETY: return "stopped by a safety limit (lk-sync --force overrides)";
	case LK_EX_TEMPFAIL: return "failed for now";
	default: return "failed";
	}
}

/* The stage that fetched a parse stage's body. */
static const struct lk_sync_stage *
fetch_of(const struct lk_sync_plan *p, const struct lk_sync_stage *s)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == LK_SYNC_FETCH && strcmp(p->v[i].source, s->source) == 0)
			return &p->v[i];
	return NULL;
}

static const struct lk_sync_stage *
stage_of(const struct lk_sync_plan *p, enum lk_sync_kind kind)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == kind)
			return &p->v[i];
	return NULL;
}

/* A stage's command line and files, with the run folder's names made full paths. */
struct call {
	char **argv, *in, *out, *err;
	size_t argc;
	double t0;
	int timed_out;
};

static void
call_prepare(const struct lk_sync_plan *p, const struct lk_sync_stage *s, struct call *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	c->argc = s->argc;
	c->argv = lk_xcalloc(s->argc + 1, sizeof *c->argv);
	for (i = 0; i < s->argc; i++) {
		if (i > 0 && ((s->out && strcmp(s->argv[i], s->out) == 0) ||
		    (s->in && strcmp(s->argv[i], s->in) == 0) ||
		    (s->reuse && strcmp(s->argv[i], s->reuse) == 0)))
			c->argv[i] = lk_path_join(p->rundir, s->argv[i]);
		else
			c->argv[i] = lk_xstrdup(s->argv[i]);
	}
	/* fetches name their output with -o (written whole or not at all) */
	if (s->in)
		c->in = lk_path_join(p->rundir, s->in);
	if (s->out && s->kind != LK_SYNC_FETCH && s->kind != LK_SYNC_ORDERS && s->kind != LK_SYNC_STOCKS)
		c->out = lk_path_join(p->rundir, s->out);
	c->err = lk_path_join(p->rundir, s->err);
	c->t0 = mono();
}

/* Records how the stage ended, relays its messages, frees the call. */
static void
call_finish(struct lk_sync_plan *p, struct lk_sync_stage *s, struct call *c, int code)
{
	size_t i;

	s->code = code;
	if (c->timed_out) {
		lk_warn("%s: stopped after %llds (--stage-timeout)", s->label, p->o.stage_timeout);
		s->code = LK_EX_TEMPFAIL;
	}
	s->secs = mono() - c->t0;
	if (s->kind == LK_SYNC_FETCH && s->code != 0)
		write_sentinel(p, s->source, s->code);
	if (!p->o.quiet || s->code != 0)
		relay(c->err);
	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->in);
	free(c->out);
	free(c->err);
}

/* Whether lk-fetch found the source unchanged: no body, its kept records in place. */
static int
unchanged(const struct lk_sync_plan *p, const struct lk_sync_stage *s)
{
	char *body = lk_path_join(p->rundir, s->in), *recs = lk_path_join(p->rundir, s->out);
	struct stat sb;
	int yes = lstat(body, &sb) == -1 && errno == ENOENT && lstat(recs, &sb) == 0;

	free(body);
	free(recs);
	return yes;
}

/* lk-fetch --keep: the parse of this run's download stands for the next unchanged one. */
static void
keep(const struct lk_sync_plan *p, const struct lk_sync_stage *s)
{
	char *recs = lk_path_join(p->rundir, s->out), *lkdir = lk_path_join(p->state_dir, ".lk");

	lk_fetch_keep(p->state_dir, lkdir, s->source, recs);
	free(recs);
	free(lkdir);
}

static void
run_stage(struct lk_sync_plan *p, struct lk_sync_stage *s)
{
	const struct lk_sync_stage *dep;
	struct call c;
	double t0 = mono();
	int code;

	s->ran = 0;
	s->code = -1;
	switch (s->kind) {
	case LK_SYNC_ALLOC:
		dep = stage_of(p, LK_SYNC_RESERVE);
		if (dep && dep->code != 0)
			return;
		break;
	case LK_SYNC_PUSH:
		dep = stage_of(p, LK_SYNC_ALLOC);
		/*
		 * lk-alloc's exit 3 stopped only the channels whose source is too
		 * old, and it wrote no alloc record for them: the rest may go.
		 */
		if (dep && dep->code != 0 && !(dep->ran && dep->code == LK_EX_SAFETY)) {
			if (dep->ran)
				snprintf(p->nopush_buf, sizeof p->nopush_buf, "lk-alloc exited %d", dep->code);
			else
				snprintf(p->nopush_buf, sizeof p->nopush_buf, "lk-reserve exited %d",
				    stage_of(p, LK_SYNC_RESERVE)->code);
			p->nopush = p->nopush_buf;
			return;
		}
		break;
	default:
		break;
	}
	s->ran = 1;
	if (s->kind == LK_SYNC_CONCAT) {
		s->code = concat(p, s);
		s->secs = mono() - t0;
		return;
	}
	call_prepare(p, s, &c);
	code = spawn(p, c.argv, c.in, c.out, c.err);
	c.timed_out = timed_out;
	call_finish(p, s, &c, code);
}

/*
 * Before a parse starts: 0 to run it; 1 when it needs no process (its
 * fetch failed, or found the source unchanged: the kept records stand).
 */
static int
parse_settled(struct lk_sync_plan *p, struct lk_sync_stage *s)
{
	const struct lk_sync_stage *dep = fetch_of(p, s);

	if (dep && dep->code != 0) {
		s->ran = 0;
		s->code = -1;
		return 1;
	}
	if (dep && dep->reuse && unchanged(p, s)) {
		s->reused = 1;
		s->code = 0;
		s->secs = 0;
		return 1;
	}
	return 0;
}

/* After a stage of the concurrent part: a parse of a new download is kept (--keep). */
static void
settle(struct lk_sync_plan *p, struct lk_sync_stage *s)
{
	const struct lk_sync_stage *dep;

	if (s->kind == LK_SYNC_PARSE && (dep = fetch_of(p, s)) != NULL && dep->reuse)
		keep(p, s);
}

static int
is_listing(const struct lk_sync_stage *s)
{
	return s->kind == LK_SYNC_ORDERS || s->kind == LK_SYNC_STOCKS;
}

/* The stages that run side by side: the sources' fetches and parses and the listings. */
static int
is_concurrent(const struct lk_sync_stage *s)
{
	return is_listing(s) || s->kind == LK_SYNC_FETCH || s->kind == LK_SYNC_PARSE;
}

/*
 * The first waiting stage of v[from..to) whose group has no stage
 * running or waiting before it, of the kind (listing or not) that has a
 * slot free; to when none.
 */
static size_t
next_ready(const struct lk_sync_plan *p, size_t from, size_t to, const char *done,
    const size_t *running, size_t nslots, int listings_free, int sources_free)
{
	size_t i, j;

	for (i = from; i < to; i++) {
		int busy = 0;

		if (done[i - from] || !(is_listing(&p->v[i]) ? listings_free : sources_free))
			continue;
		for (j = from; j < i && !busy; j++)
			busy = !done[j - from] && strcmp(p->v[j].group, p->v[i].group) == 0;
		for (j = 0; j < nslots && !busy; j++)
			busy = running[j] != to && strcmp(p->v[running[j]].group, p->v[i].group) == 0;
		if (!busy)
			return i;
	}
	return to;
}

/*
 * Runs v[from..to), the sources' fetches and parses and the marketplace
 * channels' listings, side by side: they need nothing of each other.  A
 * group's stages (a source's fetch then parse; one account's listings,
 * which share its rate budget) run in their order, at most
 * LK_SYNC_LISTINGS_MAX listings and LK_SYNC_SOURCES_MAX sources at once.
 * Each may take stage_timeout.
 */
static void
run_concurrent(struct lk_sync_plan *p, size_t from, size_t to)
{
	struct call c[SLOTS];
	size_t stage[SLOTS];    /* v[stage[k]] runs in slot k; to when free */
	char *done = lk_xcalloc(to - from, 1);
	size_t i, k, running = 0, nlist = 0, nsrc = 0;
	int status;
	pid_t pid;

	for (k = 0; k < SLOTS; k++)
		stage[k] = to;
	for (;;) {
		for (k = 0; k < SLOTS && !got_signal; k++) {
			struct lk_sync_stage *s;

			if (stage[k] != to)
				continue;
			i = next_ready(p, from, to, done, stage, SLOTS, nlist < LK_SYNC_LISTINGS_MAX,
			    nsrc < LK_SYNC_SOURCES_MAX);
			if (i == to)
				break;
			s = &p->v[i];
			done[i - from] = 1;
			s->ran = 1;
			if (s->kind == LK_SYNC_PARSE && parse_settled(p, s)) {
				k--;
				continue;
			}
			call_prepare(p, s, &c[k]);
			if ((pid = start_child(c[k].argv, c[k].in, c[k].out, c[k].err)) == -1) {
				call_finish(p, s, &c[k], LK_EX_SOFTWARE);
				k--;
				continue;
			}
			slot_pid[k] = pid;
			stage[k] = i;
			running++;
			*(is_listing(s) ? &nlist : &nsrc) += 1;
		}
		if (running == 0)
			break;
		if (p->o.stage_timeout > 0) {
			double now = mono(), first = 0;

			for (k = 0; k < SLOTS; k++) {
				double left;

				if (stage[k] == to || c[k].timed_out)
					continue;
				left = c[k].t0 + (double)p->o.stage_timeout - now;
				if (left <= 0) {
					c[k].timed_out = 1;
					kill(slot_pid[k], SIGTERM);
				} else if (first == 0 || left < first) {
					first = left;
				}
			}
			alarm(first > 0 ? (unsigned)first + 1 : 0);
		}
		pid = waitpid(-1, &status, 0);
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			lk_warn("waitpid:");
			break;
		}
		for (k = 0; k < SLOTS; k++)
			if (stage[k] != to && slot_pid[k] == pid)
				break;
		if (k == SLOTS)
			continue;
		slot_pid[k] = 0;
		call_finish(p, &p->v[stage[k]], &c[k], status_code(status));
		settle(p, &p->v[stage[k]]);
		*(is_listing(&p->v[stage[k]]) ? &nlist : &nsrc) -= 1;
		stage[k] = to;
		running--;
	}
	alarm(0);
	timed_out = 0;
	/* stages an interruption kept from starting */
	for (i = from; i < to; i++)
		if (!done[i - from])
			p->v[i].ran = 0;
	free(done);
}

int
lk_sync_run(struct lk_sync_plan *p, struct lk_state *st)
{
	double t0 = mono();
	int lockfd, code = LK_EX_OK, c;
	size_t i, end;

	lockfd = lk_lock_state(p->state_dir, p->lock_timeout * 1000);
	if (lockfd < 0) {
		if (errno == EWOULDBLOCK) {
			lk_warn("the state directory is busy (another lk run holds its lock)");
			return p->code = LK_EX_TEMPFAIL;
		}
		lk_warn("cannot lock '%s/.lk/lock':", p->state_dir);
		return p->code = LK_EX_CANTCREAT;
	}
	if (setenv("LK_LOCK_HELD", "1", 1) == -1)
		lk_die(LK_EX_SOFTWARE, "setenv:");
	if (make_rundir(p, st) == -1) {
		lk_unlock_state(lockfd);
		return p->code = LK_EX_CANTCREAT;
	}
	/* The channels of one account share its account-wide listings in this run (mp-int.h). */
	if (setenv("LK_RUN_DIR", p->rundir, 1) == -1)
		lk_die(LK_EX_SOFTWARE, "setenv:");
	save_plan(p);
	set_handlers(1);
	for (i = 0, end = 0; i < p->n && (!got_signal || i < end); i++) {
		struct lk_sync_stage *s = &p->v[i];

		if (is_concurrent(s) && i >= end) {
			for (end = i; end < p->n && is_concurrent(&p->v[end]); end++)
				;
			run_concurrent(p, i, end);
		}
		if (!is_concurrent(s))
			run_stage(p, s);
		if (s->kind == LK_SYNC_PUSH && s->ran)
			p->pushed = 1;
		if (p->o.progress && s->kind != LK_SYNC_CONCAT) {
			if (s->code > 0)
				fprintf(stderr, "lk-sync: [%zu/%zu] %s: %s (exit %d, %.1fs)\n", i + 1, p->n,
				    s->label, status_word(s->code), s->code, s->secs);
			else
				fprintf(stderr, "lk-sync: [%zu/%zu] %s: %s%s\n", i + 1, p->n, s->label,
				    status_word(s->code), s->reused ? " (unchanged: the kept records stand)" :
				    s->ran ? "" : " (an earlier stage failed)");
		}
		if (!s->ran)
			continue;
		c = s->code;
		if (c >= 128 || c == 127)
			c = LK_EX_SOFTWARE;
		code = lk_sync_worse(code, c);
	}
	set_handlers(0);
	if (!p->pushed && !p->nopush)
		p->nopush = "interrupted";
	if (p->nopush && !got_signal)
		lk_warn("nothing pushed: %s", p->nopush);
	p->code = got_signal ? 128 + got_signal : code;
	p->secs = mono() - t0;
	if (p->after)
		p->after(p, p->after_arg);
	code = p->code;
	{
		char *runs = lk_xstrdup(p->rundir);

		*strrchr(runs, '/') = '\0';
		rotate(runs, p->runs_keep);
		free(runs);
	}
	lk_unlock_state(lockfd);
	p->secs = mono() - t0;
	if (got_signal) {
		lk_warn("interrupted by signal %d; run folder %s", (int)got_signal, p->rundir);
		code = 128 + got_signal;
	}
	return p->code = code;
}
