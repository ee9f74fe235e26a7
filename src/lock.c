#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "lock.h"
#include "util.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
lk_lock_state(const char *state_dir, long long timeout_ms)
{
	const char *held = getenv("LK_LOCK_HELD");
	char *path;
	long long deadline = now_ms() + timeout_ms, wait = 10;
	int fd, saved;

	if (held && strcmp(held, "1") == 0)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* Never through a symlink: a planted .lk/lock must not get our PID. */
	path = lk_path_join(state_dir, ".lk/lock");
	fd = lk_confine_open(path, O_RDWR | O_CREAT, 0600);
	saved = errno;
	free(path);
	if (fd < 0) {
		errno = saved;
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (now_ms() >= deadline) {
			close(fd);
			errno = EWOULDBLOCK;
			return -1;
		}
		/* Backoff with jitter so two waiters do not wake together. */
		lk_sleep_ms(wait + rand() % (wait / 2 + 1));
		if (wait < 500)
			wait *= 2;
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%ld\n", (long)getpid());
	return fd;
}

int
lk_lock_state_or_die(const char *state_dir, long long timeout_ms)
{
	int fd = lk_lock_state(state_dir, timeout_ms);

	if (fd >= 0)
		return fd;
	if (errno == EWOULDBLOCK)
		lk_die(LK_EX_TEMPFAIL, "the state directory is busy (another lk run holds its lock)");
	lk_die(LK_EX_CANTCREAT, "cannot lock '%s/.lk/lock':", state_dir);
}

void
lk_unlock_state(int fd)
{
	if (fd >= 0)
		close(fd);
}
