/*
 * inject.c - LD_PRELOAD shim that makes one system call fail, to test that
 * a failed write, fsync or rename leaves the old state intact.
 *
 *   LK_INJECT_OP=write|fsync|rename|close  which call fails (rename: renameat too)
 *   LK_INJECT_PATH=SUBSTRING               only on files whose path contains it
 *   LK_INJECT_ERRNO=28                      the errno (default EIO; 28 is ENOSPC)
 *
 * The path of a descriptor is read from /proc/self/fd, so write() and
 * fsync() can be matched by file name as rename() is.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
want(const char *op, const char *path)
{
	const char *o = getenv("LK_INJECT_OP"), *p = getenv("LK_INJECT_PATH");

	if (o == NULL || strcmp(o, op) != 0)
		return 0;
	return p == NULL || (path && strstr(path, p));
}

static int
fail(void)
{
	const char *e = getenv("LK_INJECT_ERRNO");

	errno = e ? (int)strtol(e, NULL, 10) : EIO;
	return -1;
}

static int
fd_matches(const char *op, int fd)
{
	char link[64], path[4096];
	ssize_t n;

	if (getenv("LK_INJECT_OP") == NULL || strcmp(getenv("LK_INJECT_OP"), op) != 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return want(op, path);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fd > 2 && fd_matches("write", fd))
		return fail();
	return real(fd, buf, n);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (fd_matches("fsync", fd))
		return fail();
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);

	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (want("rename", to))
		return fail();
	return real(from, to);
}

/* renameat(2) as lk's atomic writes use it: to is resolved against its folder. */
int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	static int (*real)(int, const char *, int, const char *);
	char link[64], path[4096];
	ssize_t n;

	if (!real)
		real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	if (getenv("LK_INJECT_OP") && strcmp(getenv("LK_INJECT_OP"), "rename") == 0) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", tofd);
		n = to[0] == '/' ? -1 : readlink(link, path, sizeof path - 1);
		if (n >= 0) {
			path[n] = '\0';
			snprintf(path + n, sizeof path - (size_t)n, "/%s", to);
		} else {
			snprintf(path, sizeof path, "%s", to);
		}
		if (want("rename", path))
			return fail();
	}
	return real(fromfd, from, tofd, to);
}
