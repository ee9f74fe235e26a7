/*
 * Atomic replacement: a failed write, fsync or rename leaves the old file
 * intact and no temporary behind.  The failures are injected by
 * tests/lib/inject.so: the test re-runs itself under LD_PRELOAD.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/u-atomic.XXXXXX";

static char *
slurp(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
leftovers(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

/* Child mode: replace the file, exit 0 on success, 1 on failure. */
static int
child(const char *path)
{
	static const char big[] = "new content that is long enough\n";

	return lk_atomic_write(path, big, sizeof big - 1) == 0 ? 0 : 1;
}

static int
run_injected(const char *self, const char *path, const char *op)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *so = realpath("tests/lib/inject.so", NULL);

		setenv("LD_PRELOAD", so ? so : "tests/lib/inject.so", 1);
		setenv("LK_INJECT_OP", op, 1);
		setenv("LK_INJECT_PATH", "target", 1);
		setenv("LK_FSYNC", "1", 1);
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
		execl(self, self, "--child", path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
main(int argc, char **argv)
{
	char *path;
	static const char *const ops[] = { "write", "fsync", "rename" };
	size_t i;

	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child(argv[2]);
	if (mkdtemp(dir) == NULL)
		return 1;
	path = lk_path_join(dir, "target.json");
	ok(lk_atomic_write(path, "old\n", 4) == 0, "first write succeeds");
	is_str(slurp(path), "old\n", "content written");
	for (i = 0; i < 3; i++) {
		lk_atomic_write(path, "old\n", 4);
		is_int(run_injected(argv[0], path, ops[i]), 1, "a failing %s is reported", ops[i]);
		is_str(slurp(path), "old\n", "after a failed %s the old file is intact", ops[i]);
		is_int(leftovers(), 0, "after a failed %s no temporary file is left", ops[i]);
	}
	is_int(run_injected(argv[0], path, "none"), 0, "without injection the child succeeds");
	is_str(slurp(path), "new content that is long enough\n", "and the new content is in place");
	unlink(path);
	rmdir(dir);
	free(path);
	return tap_done();
}
