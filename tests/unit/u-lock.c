/* The state lock: a second process waits, then gives up with EWOULDBLOCK. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "lock.h"
#include "tap.h"
#include "util.h"

int
main(void)
{
	char dir[] = "/tmp/u-lock.XXXXXX";
	int fd, p[2], status;
	pid_t pid;
	char c;

	unsetenv("LK_LOCK_HELD");
	if (mkdtemp(dir) == NULL || pipe(p) == -1)
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The holder: take the lock, tell the parent, hold until told. */
		int h = lk_lock_state(dir, 1000);

		c = h >= 0 ? 'y' : 'n';
		write(p[1], &c, 1);
		sleep(2);
		_exit(0);
	}
	read(p[0], &c, 1);
	ok(c == 'y', "the first process takes the lock");
	errno = 0;
	fd = lk_lock_state(dir, 300);
	ok(fd == -1 && errno == EWOULDBLOCK, "a second process gives up when busy");
	waitpid(pid, &status, 0);
	fd = lk_lock_state(dir, 300);
	ok(fd >= 0, "the lock is free again once its holder exited");
	lk_unlock_state(fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		lk_lock_state(dir, 1000);
		kill(getpid(), 9);
	}
	waitpid(pid, &status, 0);
	fd = lk_lock_state(dir, 300);
	ok(fd >= 0, "a holder killed with SIGKILL leaves no stale lock");
	lk_unlock_state(fd);
	return tap_done();
}
