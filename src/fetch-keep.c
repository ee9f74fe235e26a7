/*
 * fetch-keep.c - the records of a source's last complete read, kept so
 * that an unchanged source is not parsed again (see fetch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "confine.h"
#include "err.h"
#include "fetch.h"
#include "json-arena.h"
#include "status.h"
#include "util.h"
#include "version.h"

/* The longest sentinel line looked for at the end of a file. */
#define TAIL_MAX 65536

static char *
fetch_path(const char *lkdir, const char *name, const char *ext)
{
	char *n = lk_xasprintf("fetch/%s.%s", name, ext), *p = lk_path_join(lkdir, n);

	free(n);
	return p;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

/* FNV-1a of the file's name and bytes ("-" for a missing file), folded into h. */
static uint64_t
fnv_file(uint64_t h, const char *dir, const char *rel)
{
	char *path = lk_path_join(dir, rel), buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	h = fnv(h, rel, strlen(rel) + 1);
	if (fp == NULL) {
		h = fnv(h, "-", 1);
	} else {
		while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
			h = fnv(h, buf, n);
		fclose(fp);
	}
	free(path);
	return h;
}

/* What the parser's output depends on besides the bytes: the source's configuration. */
static json_t *
config_hash(const char *state_dir, const char *name)
{
	char *rel = lk_xasprintf("sources/%s.json", name), buf[24];
	uint64_t h = 1469598103934665603ULL;

	h = fnv_file(h, state_dir, rel);
	h = fnv_file(h, state_dir, "lk.json");
	free(rel);
	snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
	return json_string(buf);
}

/* The last line of path without its newline (NULL when none, or too long); *size its size. */
static char *
last_line(const char *path, long long *size)
{
	int fd = lk_confine_open(path, O_RDONLY, 0);
	struct stat sb;
	char *buf = NULL, *line = NULL, *nl;
	size_t n;
	ssize_t got;

	if (fd == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || sb.st_size <= 0)
		goto out;
	*size = (long long)sb.st_size;
	n = sb.st_size > TAIL_MAX ? TAIL_MAX : (size_t)sb.st_size;
	buf = lk_xmalloc(n + 1);
	got = pread(fd, buf, n, sb.st_size - (off_t)n);
	if (got != (ssize_t)n)
		goto out;
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	nl = memrchr(buf, '\n', n);
	if (nl == NULL && (size_t)sb.st_size > n + 1)
		goto out;
	line = lk_xstrdup(nl ? nl + 1 : buf);
out:
	free(buf);
	close(fd);
	return line;
}

/* Whether line is a complete sentinel of source name. */
static int
complete_sentinel(const char *line, const char *name)
{
	json_t *o = line ? json_loads(line, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(o, "type"));
	const char *s = json_string_value(json_object_get(o, "source"));
	const char *st = json_string_value(json_object_get(o, "status"));
	int ok = t && s && st && strcmp(t, "source") == 0 && strcmp(s, name) == 0 &&
	    strcmp(st, "complete") == 0;

	json_decref(o);
	return ok;
}

/* Copies from to the (new) file to; 0 or -1 with errno. */
static int
copy_to(const char *from, const char *to, int atomic)
{
	struct lk_atomic a;
	FILE *in = lk_confine_fopen(from, "r"), *out;
	char buf[65536];
	size_t n;
	int rc = 0, e;

	if (in == NULL)
		return -1;
	if (atomic) {
		if (lk_atomic_open(&a, to) == -1) {
			fclose(in);
			return -1;
		}
		out = a.fp;
	} else if ((out = lk_confine_fopen(to, "w")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n) {
			rc = -1;
			break;
		}
	if (ferror(in))
		rc = -1;
	e = errno;
	fclose(in);
	if (atomic) {
		if (rc == 0)
			return lk_atomic_commit(&a);
		lk_atomic_abort(&a);
	} else if (fclose(out) != 0) {
		rc = -1;
	}
	errno = e;
	return rc;
}

static void
drop(const char *path)
{
	int fd;
	const char *b;

	if ((fd = lk_confine_parent(path, 0, &b)) == -1)
		return;
	if (unlinkat(fd, b, 0) == -1 && errno != ENOENT)
		lk_warn("cannot remove '%s':", path);
	close(fd);
}

int
lk_fetch_keep(const char *state_dir, const char *lkdir, const char *name, const char *file)
{
	char *rec_path = fetch_path(lkdir, name, "json"), *kept = fetch_path(lkdir, name, "ndjson");
	char *meta_path = fetch_path(lkdir, name, "kept.json"), *line, *s = NULL;
	long long size = 0;
	json_t *rec = NULL, *meta;
	int rc = 0;

	line = last_line(file, &size);
	/* First forget what the kept records were made from: a crash then leaves none. */
	drop(meta_path);
	if (!complete_sentinel(line, name) || (rec = lk_status_load(rec_path)) == NULL) {
		drop(kept);
		goto out;
	}
	/* A copy, not a link: editing a run's file by hand must not edit what is kept. */
	if (copy_to(file, kept, 1) == -1) {
		lk_warn("cannot keep the records of source '%s' in '%s':", name, kept);
		rc = -1;
		goto out;
	}
	meta = json_pack("{s:O, s:o, s:s, s:I, s:s}", "fetched", rec, "config",
	    config_hash(state_dir, name), "version", LK_VERSION, "size", (json_int_t)size,
	    "sentinel", line);
	s = meta ? json_dumps(meta, JSON_SORT_KEYS) : NULL;
	json_decref(meta);
	if (s == NULL || lk_atomic_write(meta_path, s, strlen(s)) == -1) {
		lk_warn("cannot write '%s':", meta_path);
		rc = -1;
		goto out;
	}
	rc = 1;
out:
	json_decref(rec);
	lk_json_free(s);
	free(line);
	free(rec_path);
	free(kept);
	free(meta_path);
	return rc;
}

int
lk_fetch_kept_ok(const char *state_dir, const char *lkdir, const char *name)
{
	char *rec_path = fetch_path(lkdir, name, "json"), *kept = fetch_path(lkdir, name, "ndjson");
	char *meta_path = fetch_path(lkdir, name, "kept.json"), *line = NULL;
	json_t *rec = lk_status_load(rec_path), *meta = lk_status_load(meta_path), *h = NULL;
	const char *v, *sent;
	long long size = -1;
	int ok = 0;

	if (rec == NULL || meta == NULL || !json_equal(json_object_get(meta, "fetched"), rec))
		goto out;
	v = json_string_value(json_object_get(meta, "version"));
	sent = json_string_value(json_object_get(meta, "sentinel"));
	h = config_hash(state_dir, name);
	if (v == NULL || strcmp(v, LK_VERSION) != 0 || sent == NULL ||
	    !json_equal(json_object_get(meta, "config"), h))
		goto out;
	/* Whole: a kept file cut or written to since would not be reused. */
	line = last_line(kept, &size);
	ok = line && strcmp(line, sent) == 0 &&
	    size == json_integer_value(json_object_get(meta, "size"));
out:
	json_decref(rec);
	json_decref(meta);
	json_decref(h);
	free(line);
	free(rec_path);
	free(kept);
	free(meta_path);
	return ok;
}

int
lk_fetch_reuse(const char *lkdir, const char *name, const char *file)
{
	char *kept = fetch_path(lkdir, name, "ndjson");
	int rc;

	drop(file);     /* a new file: never write through a link */
	rc = copy_to(kept, file, 0);
	free(kept);
	return rc;
}
