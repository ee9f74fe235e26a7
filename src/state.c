#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <git2.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "state.h"
#include "util.h"

struct lk_state {
	char *dir;
	char *lkdir;
	git_repository *repo;   /* only when reading a revision */
	git_tree *tree;
};

/* --- diagnostics --- */

void
lk_diag_add(struct lk_diag *d, const char *file, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->msgs = lk_xrealloc(d->msgs, d->cap * sizeof *d->msgs);
	}
	if (field && *field)
		d->msgs[d->n++] = lk_xasprintf("%s: %s: %s", file, field, msg);
	else
		d->msgs[d->n++] = lk_xasprintf("%s: %s", file, msg);
}

size_t
lk_diag_print(const struct lk_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		lk_warn("%s", d->msgs[i]);
	return d->n;
}

void
lk_diag_free(struct lk_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	memset(d, 0, sizeof *d);
}

/* --- the state directory --- */

static void
git_init_once(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

struct lk_state *
lk_state_open(const char *dir, const char *rev, char *err, size_t errlen, int *code)
{
	struct lk_state *st;
	struct stat sb;
	git_object *obj = NULL;
	const git_error *ge;

	if (dir == NULL)
		dir = getenv("LK_STATE_DIR");
	if (dir == NULL || *dir == '\0')
		dir = ".";
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a state directory: %s", dir,
		    errno ? strerror(errno) : "not a folder");
		*code = LK_EX_NOINPUT;
		return NULL;
	}
	st = lk_xcalloc(1, sizeof *st);
	st->dir = lk_xstrdup(dir);
	if (rev == NULL)
		return st;
	git_init_once();
	if (git_repository_open(&st->repo, dir) < 0 ||
	    git_revparse_single(&obj, st->repo, rev) < 0 ||
	    git_object_peel((git_object **)&st->tree, obj, GIT_OBJECT_TREE) < 0) {
		ge = git_error_last();
		snprintf(err, errlen, "%s: revision '%s': %s", dir, rev,
		    ge && ge->message ? ge->message : "not found");
		git_object_free(obj);
		lk_state_close(st);
		*code = LK_EX_CONFIG;
		return NULL;
	}
	git_object_free(obj);
	return st;
}

void
lk_state_close(struct lk_state *st)
{
	if (st == NULL)
		return;
	git_tree_free(st->tree);
	git_repository_free(st->repo);
	free(st->dir);
	free(st->lkdir);
	free(st);
}

const char *
lk_state_dir(const struct lk_state *st)
{
	return st->dir;
}

const char *
lk_state_lkdir(struct lk_state *st)
{
	if (st->lkdir == NULL) {
		st->lkdir = lk_path_join(st->dir, ".lk");
		lk_confine_mkdirs(st->lkdir);
	}
	return st->lkdir;
}

/* The blob at rel in the state's commit; errno ENOENT (none) or EIO. */
static git_blob *
tree_blob(struct lk_state *st, const char *rel)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;

	if (git_tree_entry_bypath(&e, st->tree, rel) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		errno = ENOENT;
		return NULL;
	}
	if (git_blob_lookup(&blob, st->repo, git_tree_entry_id(e)) < 0)
		errno = EIO;
	git_tree_entry_free(e);
	return blob;
}

static int
read_blob(struct lk_state *st, const char *rel, char **buf, size_t *len)
{
	git_blob *blob = tree_blob(st, rel);
	size_t n;

	if (blob == NULL)
		return -1;
	n = (size_t)git_blob_rawsize(blob);
	*buf = lk_xmalloc(n + 1);
	memcpy(*buf, git_blob_rawcontent(blob), n);
	(*buf)[n] = '\0';
	*len = n;
	git_blob_free(blob);
	return 0;
}

static int
read_file(const char *path, char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, r;
	char *b;

	if (fp == NULL)
		return -1;
	b = lk_xmalloc(cap);
	while ((r = fread(b + n, 1, cap - n - 1, fp)) > 0) {
		n += r;
		if (cap - n - 1 == 0) {
			cap *= 2;
			b = lk_xrealloc(b, cap);
		}
	}
	if (ferror(fp)) {
		int saved = errno;

		fclose(fp);
		free(b);
		errno = saved;
		return -1;
	}
	fclose(fp);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int
lk_state_read(struct lk_state *st, const char *rel, char **buf, size_t *len)
{
	char *path;
	int rc;

	if (st->tree)
		return read_blob(st, rel, buf, len);
	path = lk_path_join(st->dir, rel);
	rc = read_file(path, buf, len);
	free(path);
	return rc;
}

int
lk_state_key(struct lk_state *st, const char *rel, char *key, size_t len)
{
	struct timespec now;
	struct stat sb;
	char *path;
	int n;

	if (st->tree) {
		git_tree_entry *e = NULL;
		char oid[GIT_OID_HEXSZ + 1];

		if (git_tree_entry_bypath(&e, st->tree, rel) < 0)
			return -1;
		git_oid_tostr(oid, sizeof oid, git_tree_entry_id(e));
		git_tree_entry_free(e);
		n = snprintf(key, len, "blob %s", oid);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	path = lk_path_join(st->dir, rel);
	n = stat(path, &sb);
	free(path);
	clock_gettime(CLOCK_REALTIME, &now);
	if (n == -1 || sb.st_mtim.tv_sec + 2 > now.tv_sec || sb.st_ctim.tv_sec + 2 > now.tv_sec)
		return -1;
	n = snprintf(key, len, "file %llu %llu %lld %lld.%09ld %lld.%09ld",
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino, (long long)sb.st_size,
	    (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec, (long long)sb.st_ctim.tv_sec,
	    sb.st_ctim.tv_nsec);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
lk_state_read_each(struct lk_state *st, const char *rel,
    int (*fn)(const char *piece, size_t len, void *arg), void *arg)
{
	char *path, buf[1 << 16];
	FILE *fp;
	size_t r;
	int saved;

	if (st->tree) {
		git_blob *blob = tree_blob(st, rel);

		if (blob == NULL)
			return -1;
		fn(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), arg);
		git_blob_free(blob);
		return 0;
	}
	path = lk_path_join(st->dir, rel);
	fp = fopen(path, "rb");
	free(path);
	if (fp == NULL)
		return -1;
	while ((r = fread(buf, 1, sizeof buf, fp)) > 0)
		if (fn(buf, r, arg) != 0)
			break;
	saved = errno;
	if (ferror(fp)) {
		fclose(fp);
		errno = saved;
		return -1;
	}
	fclose(fp);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
push_name(char ***v, size_t *n, size_t *cap, const char *fname)
{
	size_t len = strlen(fname);

	if (len <= 5 || strcmp(fname + len - 5, ".json") != 0 || fname[0] == '.')
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = lk_xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = lk_xstrndup(fname, len - 5);
}

char **
lk_state_list(struct lk_state *st, const char *folder, size_t *n)
{
	char **v = NULL;
	size_t cap = 0, i;
	*n = 0;

	if (st->tree) {
		git_tree_entry *e = NULL;
		git_tree *sub = NULL;

		if (git_tree_entry_bypath(&e, st->tree, folder) == 0 &&
		    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&sub, st->repo, git_tree_entry_id(e)) == 0) {
			for (i = 0; i < git_tree_entrycount(sub); i++) {
				const git_tree_entry *c = git_tree_entry_byindex(sub, i);

				if (git_tree_entry_type(c) == GIT_OBJECT_BLOB)
					push_name(&v, n, &cap, git_tree_entry_name(c));
			}
		}
		git_tree_free(sub);
		git_tree_entry_free(e);
	} else {
		char *path = lk_path_join(st->dir, folder);
		DIR *d = opendir(path);
		struct dirent *de;

		free(path);
		while (d && (de = readdir(d)) != NULL)
			push_name(&v, n, &cap, de->d_name);
		if (d)
			closedir(d);
	}
	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

void
lk_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
