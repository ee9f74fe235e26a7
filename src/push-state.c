/*
 * push-state.c - the last-pushed (and permanently failed) items of a
 * channel: STATE/.lk/pushed/CHANNEL.ndjson and CHANNEL.failed.ndjson,
 * each with its journal (push.h says how they work together).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "confine.h"
#include "err.h"
#include "ndjson.h"
#include "push.h"
#include "util.h"

struct lk_pushstate_entry *
lk_pushstate_find(struct lk_pushstate *ps, const char *sku)
{
	long i = lk_strmap_find_near(&ps->skus, sku, strlen(sku), ps->next);

	if (i < 0)
		return NULL;
	ps->next = (size_t)i + 1;
	return ps->v[i].live ? &ps->v[i] : NULL;
}

/* One line of either file; deleted lines carry "deleted":true instead of qty. */
static void
write_line(FILE *fp, const struct lk_pushstate *ps, const char *sku, long long qty,
    long long shown, const char *code, time_t at, int deleted)
{
	char tbuf[21];

	fputs("{\"type\":", fp);
	lk_json_write_string(fp, ps->type, strlen(ps->type));
	fputs(",\"channel\":", fp);
	lk_json_write_string(fp, ps->channel, strlen(ps->channel));
	fputs(",\"sku\":", fp);
	lk_json_write_string(fp, sku, strlen(sku));
	if (deleted)
		fputs(",\"deleted\":true", fp);
	else
		fprintf(fp, ",\"qty\":%lld", qty);
	if (!deleted && shown >= 0)
		fprintf(fp, ",\"shown\":%lld", shown);
	if (code) {
		fputs(",\"code\":", fp);
		lk_json_write_string(fp, code, strlen(code));
	}
	fprintf(fp, ",\"at\":\"%s\"}\n", lk_fmt_time(at, tbuf));
}

static void
pending_open(struct lk_pushstate *ps)
{
	if (ps->pending == NULL && (ps->pending = open_memstream(&ps->pbuf, &ps->plen)) == NULL)
		lk_die(70, "open_memstream:");
}

/* Sets the entry in memory only. */
static void
put(struct lk_pushstate *ps, const char *sku, size_t len, long long qty, long long shown, time_t at,
    const char *code)
{
	int added;
	size_t i = lk_strmap_put(&ps->skus, sku, len, &added);
	struct lk_pushstate_entry *e;

	if (i >= ps->vcap) {
		ps->vcap = ps->skus.cap;
		ps->v = lk_xrealloc(ps->v, ps->vcap * sizeof *ps->v);
	}
	e = &ps->v[i];
	/* entries are set when added: memory reserved ahead stays untouched */
	if (added)
		memset(e, 0, sizeof *e);
	if (!e->live) {
		e->live = 1;
		ps->live++;
	}
	e->qty = qty;
	e->shown = shown;
	e->at = at;
	free(e->code);
	e->code = code ? lk_xstrdup(code) : NULL;
}

static void
drop(struct lk_pushstate *ps, const char *sku)
{
	struct lk_pushstate_entry *e = lk_pushstate_find(ps, sku);

	if (e == NULL)
		return;
	free(e->code);
	e->code = NULL;
	e->live = 0;
	ps->live--;
}

void
lk_pushstate_set(struct lk_pushstate *ps, const char *sku, long long qty, long long shown,
    time_t at, const char *code)
{
	put(ps, sku, strlen(sku), qty, shown, at, code);
	pending_open(ps);
	write_line(ps->pending, ps, sku, qty, shown, code, at, 0);
}

void
lk_pushstate_del(struct lk_pushstate *ps, const char *sku)
{
	if (lk_pushstate_find(ps, sku) == NULL)
		return;
	drop(ps, sku);
	pending_open(ps);
	write_line(ps->pending, ps, sku, 0, -1, NULL, lk_now(), 1);
}

char *
lk_pushstate_journal(const char *path)
{
	size_t l = strlen(path);

	if (l > 7 && strcmp(path + l - 7, ".ndjson") == 0)
		l -= 7;
	return lk_xasprintf("%.*s.journal.ndjson", (int)l, path);
}

/* A flat line: its sku, qty, shown and at (strings end where their quotes were). */
static void
load_flat(struct lk_pushstate *ps, struct lk_flat *f, int nf)
{
	const struct lk_flat *sku = lk_flat_get(f, nf, "sku"), *qty = lk_flat_get(f, nf, "qty"),
	    *at = lk_flat_get(f, nf, "at"), *code = lk_flat_get(f, nf, "code"),
	    *shown = lk_flat_get(f, nf, "shown");
	time_t t = 0;

	if (sku == NULL || !sku->str || qty == NULL || qty->str) {
		lk_warn("%s: a line without sku or qty; the item will be sent again", ps->path);
		return;
	}
	if (at && at->str) {
		((char *)at->v)[at->vlen] = '\0';
		lk_parse_time(at->v, &t);
	}
	if (code && code->str)
		((char *)code->v)[code->vlen] = '\0';
	put(ps, sku->v, sku->vlen, lk_flat_int(qty), shown && !shown->str ? lk_flat_int(shown) : -1, t,
	    code && code->str ? code->v : NULL);
}

static void
load_rec(struct lk_pushstate *ps, const char *path, unsigned long lineno, json_t *rec)
{
	const char *sku = rec ? lk_rec_str(rec, "sku") : NULL, *at;
	long long qty, shown;
	time_t t = 0;

	if (sku && json_is_true(json_object_get(rec, "deleted"))) {
		drop(ps, sku);
	} else if (sku == NULL || lk_rec_qty(rec, "qty", &qty) == -1) {
		lk_warn("%s:%lu: no sku or qty; the item will be sent again", path, lineno);
	} else {
		if ((at = lk_rec_str(rec, "at")) != NULL)
			lk_parse_time(at, &t);
		if (lk_rec_qty(rec, "shown", &shown) == -1)
			shown = -1;
		put(ps, sku, strlen(sku), qty, shown, t, lk_rec_str(rec, "code"));
	}
}

/*
 * Reads one file into memory.  In the journal, a last
 * line without its newline is what a kill cut short: it is dropped
 * without a word.
 */
static int
read_file(struct lk_pushstate *ps, const char *path, int journal, long long *size)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	FILE *fp;

	*size = 0;
	if ((fp = lk_confine_fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	setvbuf(fp, NULL, _IOFBF, 1 << 16);     /* a read per 64 KB, not per 4 */
	while ((len = getline(&line, &cap, fp)) > 0) {
		struct lk_flat f[8];
		json_t *rec;
		int nf;

		lineno++;
		*size += len;
		if (line[len - 1] != '\n' && journal)
			break;
		/* lk's own lines are flat: parsed in place, but for deleted ones */
		if ((nf = lk_flat_parse(line, (size_t)len, f, 8)) > 0) {
			load_flat(ps, f, nf);
			continue;
		}
		rec = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
		load_rec(ps, path, lineno, rec);
		json_decref(rec);
	}
	free(line);
	if (ferror(fp)) {
		int e = errno;

		fclose(fp);
		errno = e;
		return -1;
	}
	fclose(fp);
	return 0;
}

/*
 * Room for the items of the base file, from its size: lk's lines are
 * about 100 bytes, so the tables are the size they would grow to, without
 * the copies of growing.
 */
static void
reserve_room(struct lk_pushstate *ps)
{
	struct stat sb;
	const char *base;
	int fd = lk_confine_parent(ps->path, 0, &base);
	size_t n;

	if (fd == -1)
		return;
	if (fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		n = (size_t)(sb.st_size / 96) + 64;
		lk_strmap_reserve(&ps->skus, n);
		if (n > ps->vcap) {
			ps->vcap = n;
			ps->v = lk_xrealloc(ps->v, ps->vcap * sizeof *ps->v);
		}
	}
	close(fd);
}

static int
load(struct lk_pushstate *ps, const char *path, const char *channel, const char *type)
{
	ps->channel = lk_xstrdup(channel);
	ps->path = lk_xstrdup(path);
	ps->jpath = lk_pushstate_journal(path);
	ps->type = type;
	ps->jfd = -1;
	reserve_room(ps);
	if (read_file(ps, ps->path, 0, &ps->base_size) == -1 ||
	    read_file(ps, ps->jpath, 1, &ps->journal_size) == -1)
		return -1;
	return 0;
}

int
lk_pushstate_load(struct lk_pushstate *ps, const char *path, const char *channel, const char *type)
{
	memset(ps, 0, sizeof *ps);
	return load(ps, path, channel, type);
}

int
lk_pushstate_reload(struct lk_pushstate *ps, const char *path, const char *channel, const char *type)
{
	struct lk_strmap skus = ps->skus;
	struct lk_pushstate_entry *v = ps->v;
	size_t vcap = ps->vcap;

	for (size_t i = 0; i < skus.n; i++)
		free(v[i].code);
	/* the rest goes as lk_pushstate_free() frees it; the tables stay */
	memset(&ps->skus, 0, sizeof ps->skus);
	ps->v = NULL;
	lk_pushstate_free(ps);
	lk_strmap_clear(&skus);
	ps->skus = skus;
	ps->v = v;
	ps->vcap = vcap;
	return load(ps, path, channel, type);
}

/* fsyncs the folder of path (after a file there was created or removed). */
static int
fsync_dir(const char *path)
{
	const char *base;
	int fd = lk_confine_parent(path, 0, &base), rc;

	if (fd == -1)
		return -1;
	rc = lk_fsync_fd(fd);
	close(fd);
	return rc;
}

/* Removes path (confined); a missing file is fine. */
static int
remove_file(const char *path)
{
	const char *base;
	int fd = lk_confine_parent(path, 0, &base), rc;

	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	rc = unlinkat(fd, base, 0) == -1 && errno != ENOENT ? -1 : 0;
	close(fd);
	return rc;
}

/*
 * Opens the journal for appending; a line a kill cut short at its end is
 * cut off first, so that the next line starts on a line of its own.
 */
static int
journal_open(struct lk_pushstate *ps)
{
	struct stat sb;
	char c;
	int fd = lk_confine_open(ps->jpath, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	off_t end;

	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		goto fail;
	for (end = sb.st_size; end > 0; end--) {
		if (pread(fd, &c, 1, end - 1) != 1)
			goto fail;
		if (c == '\n')
			break;
	}
	if (end != sb.st_size && ftruncate(fd, end) == -1)
		goto fail;
	ps->journal_size = end;
	if (sb.st_size == 0 && fsync_dir(ps->jpath) == -1)
		goto fail;
	ps->jfd = fd;
	return 0;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

int
lk_pushstate_save(struct lk_pushstate *ps)
{
	size_t off = 0;
	ssize_t w;

	if (ps->pending == NULL)
		return 0;
	if (fflush(ps->pending) == EOF)
		lk_die(70, "open_memstream:");
	if (ps->plen == 0)
		return 0;
	if (ps->jfd == -1 && journal_open(ps) == -1)
		return -1;
	while (off < ps->plen) {
		if ((w = write(ps->jfd, ps->pbuf + off, ps->plen - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	if (lk_fsync_fd(ps->jfd) == -1)
		return -1;
	ps->journal_size += (long long)ps->plen;
	fclose(ps->pending);
	free(ps->pbuf);
	ps->pending = NULL;
	ps->pbuf = NULL;
	ps->plen = 0;
	return 0;
}

int
lk_pushstate_compact(struct lk_pushstate *ps, int force)
{
	struct lk_atomic a;
	long long size;
	size_t i;
	int e;

	if (lk_pushstate_save(ps) == -1)
		return -1;
	if (ps->journal_size == 0 || (!force && ps->journal_size * 2 < ps->base_size))
		return 0;
	if (ps->live == 0) {
		if (remove_file(ps->path) == -1)
			return -1;
		ps->base_size = 0;
	} else {
		if (lk_atomic_open(&a, ps->path) == -1)
			return -1;
		for (i = 0; i < ps->skus.n; i++) {
			const struct lk_pushstate_entry *en = &ps->v[i];

			if (en->live)
				write_line(a.fp, ps, ps->skus.keys[i], en->qty, en->shown, en->code, en->at, 0);
		}
		size = (long long)ftello(a.fp);
		if (ferror(a.fp)) {
			e = errno ? errno : EIO;
			lk_atomic_abort(&a);
			errno = e;
			return -1;
		}
		if (lk_atomic_commit(&a) == -1)
			return -1;
		ps->base_size = size;
	}
	if (ps->jfd != -1) {
		close(ps->jfd);
		ps->jfd = -1;
	}
	if (remove_file(ps->jpath) == -1)
		return -1;
	ps->journal_size = 0;
	return fsync_dir(ps->path);
}

void
lk_pushstate_free(struct lk_pushstate *ps)
{
	size_t i;

	for (i = 0; i < ps->skus.n; i++)
		free(ps->v[i].code);
	if (ps->pending)
		fclose(ps->pending);
	free(ps->pbuf);
	if (ps->jfd != -1)
		close(ps->jfd);
	free(ps->v);
	lk_strmap_free(&ps->skus);
	free(ps->channel);
	free(ps->path);
	free(ps->jpath);
	memset(ps, 0, sizeof *ps);
	ps->jfd = -1;
}
