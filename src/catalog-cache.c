/*
 * catalog-cache.c - the parsed catalog kept in STATE/.lk/cache/catalog.bin,
 * so that the dozen processes of a cycle map it instead of each parsing
 * catalog.csv again (about 0.1 s of CPU each at 100k products).
 *
 * The file is the loader's own arrays, every column, written whole
 * (lk_atomic_*: fsync, rename) after a parse that found no problem, and
 * only when catalog.csv had the same key (lk_state_key()) before and
 * after that parse.  A load takes it when its key is catalog.csv's key
 * now, after checking every offset it will follow, so that a damaged
 * file is a miss, never a wrong read; columns the command does not keep
 * stay unreachable, as after a parse.  Native byte order: the file never
 * leaves the machine that wrote it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "catalog-int.h"
#include "confine.h"
#include "util.h"

#define MAGIC "lkcat\0\0\1"
#define KEY_MAX 160

struct head {
	char magic[8];
	uint32_t endian;            /* 0x01020304 as written */
	uint32_t pad;
	char key[KEY_MAX];          /* catalog.csv's key when it was parsed */
	uint64_t ncolumns, nrows, names_len, nstrings, index_cap;
};

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static char *
cache_path(struct lk_state *st)
{
	return lk_path_join(lk_state_lkdir(st), "cache/catalog.bin");
}

/* The file's size for the sizes in h, or 0 when they overflow or are absurd. */
static size_t
expected_size(const struct head *h)
{
	size_t cells;

	if (h->ncolumns == 0 || h->ncolumns > 65536 || h->nrows >= UINT32_MAX ||
	    h->nstrings == 0 || h->nstrings > (uint64_t)UINT32_MAX + 1 || h->names_len > (1u << 24) ||
	    h->index_cap > ((uint64_t)1 << 34) || (h->index_cap & (h->index_cap - 1)) != 0 ||
	    (h->nrows > 0 && h->index_cap < 2 * h->nrows))
		return 0;
	cells = align8((size_t)h->nrows * 4);
	return sizeof *h + align8((size_t)h->names_len) + (size_t)h->ncolumns * cells +
	    align8((size_t)h->nstrings) + (size_t)h->index_cap * 4;
}

/* Whether every entry of v (n of them) is below limit. */
static int
all_below(const uint32_t *v, size_t n, uint64_t limit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] >= limit)
			return 0;
	return 1;
}

/* Whether col is kept: the sku always, else named in keep (NULL: all). */
static int
kept(const char *name, size_t col, const char *const *keep)
{
	size_t k;

	if (col == 0 || keep == NULL)
		return 1;
	for (k = 0; keep[k]; k++)
		if (strcmp(keep[k], name) == 0)
			return 1;
	return 0;
}

/* Points c into the mapped file; -1 when any part of it does not hold. */
static int
take(struct lk_catalog *c, const char *base, size_t size, const char *const *keep)
{
	const struct head *h = (const struct head *)base;
	const char *names = base + sizeof *h, *p, *strings, *cell0;
	size_t cells = align8((size_t)h->nrows * 4), i;

	if (expected_size(h) != size)
		return -1;
	cell0 = names + align8((size_t)h->names_len);
	strings = cell0 + (size_t)h->ncolumns * cells;
	if (h->names_len == 0 || names[h->names_len - 1] != '\0' ||
	    strings[0] != '\0' || strings[h->nstrings - 1] != '\0' ||
	    !all_below((const uint32_t *)(strings + align8((size_t)h->nstrings)),
	    (size_t)h->index_cap, h->nrows + 1))
		return -1;
	c->columns = lk_xcalloc((size_t)h->ncolumns, sizeof *c->columns);
	c->cells_ = lk_xcalloc((size_t)h->ncolumns, sizeof *c->cells_);
	c->ncolumns = (size_t)h->ncolumns;
	for (i = 0, p = names; i < c->ncolumns; i++, p += strlen(p) + 1) {
		if (p >= names + h->names_len)
			return -1;
		c->columns[i] = lk_xstrdup(p);
		if (!kept(p, i, keep))
			continue;
		c->cells_[i] = (uint32_t *)(cell0 + i * cells);
		if (!all_below(c->cells_[i], (size_t)h->nrows, h->nstrings))
			return -1;
	}
	c->nrows = (size_t)h->nrows;
	c->strings_ = (char *)strings;
	c->nstrings_ = c->strings_cap_ = (size_t)h->nstrings;
	c->index_ = (uint32_t *)(strings + align8((size_t)h->nstrings));
	c->index_cap_ = (size_t)h->index_cap;
	return 0;
}

int
lk_catalog_cache_load(struct lk_state *st, struct lk_catalog *c, const char *const *keep,
    const char *key)
{
	char *path = cache_path(st);
	int fd = lk_confine_open(path, O_RDONLY, 0);
	const struct head *h;
	struct stat sb;
	void *base;

	free(path);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || (size_t)sb.st_size < sizeof *h ||
	    (base = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return -1;
	}
	close(fd);
	h = base;
	memset(c, 0, sizeof *c);
	c->map_ = base;
	c->map_len_ = (size_t)sb.st_size;
	if (memcmp(h->magic, MAGIC, sizeof h->magic) != 0 || h->endian != 0x01020304 ||
	    strncmp(h->key, key, sizeof h->key) != 0 || h->key[KEY_MAX - 1] != '\0' ||
	    take(c, base, (size_t)sb.st_size, keep) == -1) {
		lk_catalog_free(c);
		return -1;
	}
	return 0;
}

static int
put(FILE *fp, const void *p, size_t n)
{
	static const char zeros[8];

	if (n == 0)             /* an empty catalog has no index: p is NULL */
		return 0;
	return fwrite(p, 1, n, fp) == n && fwrite(zeros, 1, align8(n) - n, fp) == align8(n) - n ? 0 : -1;
}

void
lk_catalog_cache_save(struct lk_state *st, const struct lk_catalog *c, const char *key)
{
	char *path = cache_path(st), *dir = lk_path_join(lk_state_lkdir(st), "cache"), *names;
	struct lk_atomic a;
	struct head h;
	size_t i, len = 0;
	int rc = 0;

	memset(&h, 0, sizeof h);
	for (i = 0; i < c->ncolumns && c->cells_[i]; i++)
		;
	if (i < c->ncolumns || strlen(key) >= sizeof h.key || c->map_ || lk_confine_mkdirs(dir) == -1 ||
	    lk_atomic_open(&a, path) == -1) {
		free(path);
		free(dir);
		return;
	}
	for (i = 0; i < c->ncolumns; i++)
		len += strlen(c->columns[i]) + 1;
	names = lk_xmalloc(len ? len : 1);
	for (i = 0, len = 0; i < c->ncolumns; i++) {
		memcpy(names + len, c->columns[i], strlen(c->columns[i]) + 1);
		len += strlen(c->columns[i]) + 1;
	}
	memcpy(h.magic, MAGIC, sizeof h.magic);
	h.endian = 0x01020304;
	strcpy(h.key, key);
	h.ncolumns = c->ncolumns;
	h.nrows = c->nrows;
	h.names_len = len;
	h.nstrings = c->nstrings_;
	h.index_cap = c->index_cap_;
	rc |= put(a.fp, &h, sizeof h) | put(a.fp, names, len);
	for (i = 0; i < c->ncolumns; i++)
		rc |= put(a.fp, c->cells_[i], c->nrows * sizeof **c->cells_);
	rc |= put(a.fp, c->strings_, c->nstrings_);
	rc |= put(a.fp, c->index_, c->index_cap_ * sizeof *c->index_);
	/* a cache: a failed write (a full disk, a second writer) only costs the next load a parse */
	if (rc != 0 || expected_size(&h) == 0)
		lk_atomic_abort(&a);
	else
		(void)lk_atomic_commit(&a);
	free(names);
	free(path);
	free(dir);
}
