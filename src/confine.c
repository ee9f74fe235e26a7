#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "util.h"

/* A private folder of ours that someone widened is narrowed again. */
static void
narrow(int fd, mode_t mode)
{
	struct stat sb;

	if (mode == 0700 && fstat(fd, &sb) == 0 && (sb.st_mode & 077) &&
	    sb.st_uid == geteuid())
		fchmod(fd, 0700);
}

int
lk_confine_dir(const char *root, const char *rel, int create, mode_t mode)
{
	char *copy, *comp, *save = NULL;
	int fd, next, saved;

	fd = open(*root ? root : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create && lk_mkdirs(root, 0) == 0)
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	copy = lk_xstrdup(rel);
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			errno = EINVAL;
			goto fail;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, mode) == -1 && errno != EEXIST)
				goto fail;
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			goto fail;
		narrow(next, mode);
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
fail:
	saved = errno;
	close(fd);
	free(copy);
	errno = saved;
	return -1;
}

/* The start of path's last ".lk" component, or NULL. */
static const char *
find_lk(const char *path)
{
	const char *p, *found = NULL;

	for (p = path; (p = strstr(p, ".lk")) != NULL; p += 3)
		if ((p == path || p[-1] == '/') && (p[3] == '/' || p[3] == '\0'))
			found = p;
	return found;
}

int
lk_confine_private(const char *path)
{
	return find_lk(path) != NULL;
}

/* Splits dir into its trusted root and the confined part below it. */
static int
open_confined(const char *dir, int create)
{
	const char *lk = find_lk(dir);
	char *root;
	int fd;

	if (lk == NULL)
		return lk_confine_dir(dir, "", create, 0755);
	root = lk == dir ? lk_xstrdup(".") : lk - 1 == dir ? lk_xstrdup("/") :
	    lk_xstrndup(dir, (size_t)(lk - 1 - dir));
	fd = lk_confine_dir(root, lk, create, 0700);
	free(root);
	return fd;
}

int
lk_confine_parent(const char *path, int create, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL) {
		*base = path;
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	*base = slash + 1;
	dir = slash == path ? lk_xstrdup("/") : lk_xstrndup(path, (size_t)(slash - path));
	fd = open_confined(dir, create);
	free(dir);
	return fd;
}

int
lk_confine_open(const char *path, int flags, mode_t mode)
{
	const char *base;
	int dfd, fd, saved;

	dfd = lk_confine_parent(path, (flags & O_CREAT) != 0, &base);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

FILE *
lk_confine_fopen(const char *path, const char *how)
{
	int flags, fd;
	FILE *fp;

	if (strcmp(how, "r") == 0)
		flags = O_RDONLY;
	else if (strcmp(how, "a") == 0)
		flags = O_WRONLY | O_CREAT | O_APPEND;
	else
		flags = O_WRONLY | O_CREAT | O_TRUNC;
	if ((fd = lk_confine_open(path, flags, 0600)) < 0)
		return NULL;
	if ((fp = fdopen(fd, how)) == NULL)
		close(fd);
	return fp;
}

int
lk_confine_mkdirs(const char *path)
{
	int fd = open_confined(path, 1);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Nonzero when a path has a ".." component. */
static int
has_dotdot(const char *p)
{
	const char *s;

	for (s = p; (s = strstr(s, "..")) != NULL; s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return 1;
	return 0;
}

/* The length of dir without trailing slashes (but "/" stays 1). */
static size_t
trimmed_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n;
}

static void
split_rest(const char *root, const char *rest, struct lk_output *w)
{
	const char *slash = strrchr(rest, '/');

	w->root = lk_xstrdup(root);
	w->rel = slash ? lk_xstrndup(rest, (size_t)(slash - rest)) : lk_xstrdup("");
	w->base = lk_xstrdup(slash ? slash + 1 : rest);
}

int
lk_output_where(const char *state_dir, const char *output, char *const *dirs, size_t ndirs,
    struct lk_output *w, const char **why)
{
	const char *rest = output;
	size_t i, n;

	memset(w, 0, sizeof *w);
	if (has_dotdot(output)) {
		*why = "has a '..' component";
		return -1;
	}
	if (output[0] != '/') {
		while (strncmp(rest, "./", 2) == 0)
			rest += 2;
		if (strncmp(rest, "out/", 4) != 0) {
			*why = "is outside out/ (a file channel writes inside the state "
			    "directory's out/ or a folder listed in lk.json output_dirs)";
			return -1;
		}
		if (rest[4] == '\0' || rest[strlen(rest) - 1] == '/') {
			*why = "names a folder, not a file";
			return -1;
		}
		split_rest(state_dir, rest, w);
		return 0;
	}
	for (i = 0; i < ndirs; i++) {
		n = trimmed_len(dirs[i]);
		if (strncmp(output, dirs[i], n) == 0 && output[n] == '/' && output[n + 1] != '\0' &&
		    output[strlen(output) - 1] != '/') {
			char *root = lk_xstrndup(dirs[i], n);

			rest = output + n;
			while (*rest == '/')
				rest++;
			split_rest(root, rest, w);
			free(root);
			return 0;
		}
	}
	*why = "is an absolute path outside the folders listed in lk.json output_dirs";
	return -1;
}

void
lk_output_free(struct lk_output *w)
{
	free(w->root);
	free(w->rel);
	free(w->base);
	memset(w, 0, sizeof *w);
}

const char *
lk_output_dir_bad(const char *state_dir, const char *dir)
{
	char *rs, *rd;
	const char *why = NULL;
	size_t n;

	if (dir[0] != '/')
		return "must be an absolute path";
	if (has_dotdot(dir))
		return "has a '..' component";
	if (trimmed_len(dir) == 1)
		return "is the root folder";
	/* Inside the state directory, it could reach .git/ or the config. */
	rs = realpath(state_dir, NULL);
	rd = realpath(dir, NULL);
	if (rs && rd) {
		n = strlen(rs);
		if (strncmp(rd, rs, n) == 0 && (rd[n] == '/' || rd[n] == '\0'))
			why = "is inside the state directory (use out/ there)";
		else if (strncmp(rs, rd, strlen(rd)) == 0 &&
		    (rs[strlen(rd)] == '/' || strcmp(rd, "/") == 0))
			why = "holds the state directory";
	}
	free(rs);
	free(rd);
	return why;
}
