#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "confine.h"
#include "util.h"

static int
want_fsync(void)
{
	const char *e = getenv("LK_FSYNC");

	return !(e && strcmp(e, "0") == 0);
}

/*
 * The temporary file is written through write(2) itself rather than
 * stdio's internal calls, so a failure injected on write (tests) or a
 * short write is seen and reported like any other.
 */
static ssize_t
cookie_write(void *cookie, const char *buf, size_t n)
{
	int fd = *(int *)cookie;
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = write(fd, buf + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int
cookie_close(void *cookie)
{
	int fd = *(int *)cookie, rc;

	free(cookie);
	rc = close(fd);
	return rc;
}

static FILE *
open_fd(int fd)
{
	cookie_io_functions_t io = { NULL, cookie_write, NULL, cookie_close };
	int *cookie = lk_xmalloc(sizeof *cookie);
	FILE *fp;

	*cookie = fd;
	fp = fopencookie(cookie, "w", io);
	if (fp == NULL)
		free(cookie);
	return fp;
}

/*
 * Removes "BASE.tmp.*" files a killed writer left behind.  Safe because
 * state files are written only by the holder of the state lock.
 */
static void
remove_stale(int dirfd, const char *base)
{
	char *prefix = lk_xasprintf("%s.tmp.", base);
	size_t plen = strlen(prefix);
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d == NULL && fd >= 0)
		close(fd);
	while (d && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, plen) == 0 && strlen(de->d_name) == plen + 6)
			unlinkat(dirfd, de->d_name, 0);
	if (d)
		closedir(d);
	free(prefix);
}

/* Creates "BASE.tmp.XXXXXX" in dirfd, never through a symlink; its name goes to *tmp. */
static int
create_tmp(int dirfd, const char *base, mode_t mode, char **tmp)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];
	char suffix[7];
	int i, j, fd;

	for (i = 0; i < 100; i++) {
		if (getentropy(rnd, sizeof rnd) == -1)
			return -1;
		for (j = 0; j < 6; j++)
			suffix[j] = set[rnd[j] % (sizeof set - 1)];
		suffix[6] = '\0';
		*tmp = lk_xasprintf("%s.tmp.%s", base, suffix);
		fd = openat(dirfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		free(*tmp);
		*tmp = NULL;
	}
	errno = EEXIST;
	return -1;
}

int
lk_atomic_open_at(struct lk_atomic *a, int dirfd, const char *base, const char *path, mode_t mode)
{
	int fd, saved;

	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->dirfd = dirfd;
	remove_stale(a->dirfd, base);
	a->path = lk_xstrdup(path);
	a->base = lk_xstrdup(base);
	fd = create_tmp(a->dirfd, base, mode, &a->tmp);
	if (fd < 0)
		goto fail;
	a->fd = fd;
	a->fp = open_fd(fd);
	if (a->fp == NULL) {
		saved = errno;
		close(fd);
		unlinkat(a->dirfd, a->tmp, 0);
		errno = saved;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	close(a->dirfd);
	free(a->path);
	free(a->base);
	free(a->tmp);
	memset(a, 0, sizeof *a);
	a->fd = a->dirfd = -1;
	errno = saved;
	return -1;
}

int
lk_atomic_open_mode(struct lk_atomic *a, const char *path, mode_t mode)
{
	const char *base;
	int dirfd = lk_confine_parent(path, 0, &base);

	if (dirfd < 0)
		return -1;
	return lk_atomic_open_at(a, dirfd, base, path, mode);
}

int
lk_atomic_open(struct lk_atomic *a, const char *path)
{
	return lk_atomic_open_mode(a, path, 0600);
}

static void
release(struct lk_atomic *a)
{
	if (a->dirfd >= 0)
		close(a->dirfd);
	free(a->path);
	free(a->base);
	free(a->tmp);
	a->path = a->base = a->tmp = NULL;
	a->fp = NULL;
	a->dirfd = -1;
}

void
lk_atomic_abort(struct lk_atomic *a)
{
	int saved = errno;

	if (a->fp)
		fclose(a->fp);
	if (a->tmp)
		unlinkat(a->dirfd, a->tmp, 0);
	release(a);
	errno = saved;
}

int
lk_atomic_commit(struct lk_atomic *a)
{
	int saved;

	if (fflush(a->fp) != 0 || ferror(a->fp))
		goto fail;
	if (want_fsync() && fsync(a->fd) == -1)
		goto fail;
	if (fclose(a->fp) != 0) {
		a->fp = NULL;
		goto fail;
	}
	a->fp = NULL;
	/* renameat replaces a symlink at BASE itself, never what it points at. */
	if (renameat(a->dirfd, a->tmp, a->dirfd, a->base) == -1)
		goto fail;
	saved = want_fsync() && fsync(a->dirfd) == -1 ? -1 : 0;
	release(a);
	return saved;
fail:
	if (errno == 0)
		errno = EIO;
	lk_atomic_abort(a);
	return -1;
}

int
lk_atomic_write(const char *path, const void *data, size_t len)
{
	return lk_atomic_write_mode(path, data, len, 0600);
}

int
lk_atomic_write_mode(const char *path, const void *data, size_t len, mode_t mode)
{
	struct lk_atomic a;

	if (lk_atomic_open_mode(&a, path, mode) == -1)
		return -1;
	if (len > 0 && fwrite(data, 1, len, a.fp) != len) {
		lk_atomic_abort(&a);
		return -1;
	}
	return lk_atomic_commit(&a);
}

int
lk_fsync_fd(int fd)
{
	return want_fsync() ? fsync(fd) : 0;
}
