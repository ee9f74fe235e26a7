#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "util.h"

static int
want_fsync(void)
{
	const char *e = getenv("LK_FSYNC");

	return !(e && strcmp(e, "0") == 0);
}

int
lk_fsync_dir_of(const char *path)
{
	char *copy = lk_xstrdup(path);
	int fd, rc = 0, saved;

	if (!want_fsync()) {
		free(copy);
		return 0;
	}
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) == -1)
		rc = -1;
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	errno = saved;
	return rc;
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
 * Removes "PATH.tmp.*" files a killed writer left behind.  Safe because
 * state files are written only by the holder of the state lock.
 */
static void
remove_stale(const char *path)
{
	char *copy = lk_xstrdup(path), *copy2 = lk_xstrdup(path);
	const char *dir = dirname(copy), *base = basename(copy2);
	char *prefix = lk_xasprintf("%s.tmp.", base), *victim;
	size_t plen = strlen(prefix);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 || strlen(de->d_name) != plen + 6)
			continue;
		victim = lk_path_join(dir, de->d_name);
		unlink(victim);
		free(victim);
	}
	if (d)
		closedir(d);
	free(prefix);
	free(copy);
	free(copy2);
}

int
lk_atomic_open(struct lk_atomic *a, const char *path)
{
	int fd;

	remove_stale(path);

	a->path = lk_xstrdup(path);
	a->tmp = lk_xasprintf("%s.tmp.XXXXXX", path);
	fd = mkstemp(a->tmp);
	if (fd < 0)
		goto fail;
	fchmod(fd, 0644);
	a->fd = fd;
	a->fp = open_fd(fd);
	if (a->fp == NULL) {
		int saved = errno;

		close(fd);
		unlink(a->tmp);
		errno = saved;
		goto fail;
	}
	return 0;
fail:
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	return -1;
}

static void
release(struct lk_atomic *a)
{
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	a->fp = NULL;
}

void
lk_atomic_abort(struct lk_atomic *a)
{
	int saved = errno;

	if (a->fp)
		fclose(a->fp);
	if (a->tmp)
		unlink(a->tmp);
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
	if (rename(a->tmp, a->path) == -1)
		goto fail;
	saved = lk_fsync_dir_of(a->path);
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
	struct lk_atomic a;

	if (lk_atomic_open(&a, path) == -1)
		return -1;
	if (len > 0 && fwrite(data, 1, len, a.fp) != len) {
		lk_atomic_abort(&a);
		return -1;
	}
	return lk_atomic_commit(&a);
}
