/*
 * confine.h - the files lk writes, opened without following symlinks.
 *
 * A path lk writes has a trusted root, opened as given (the
 * administrator's choice, symlinks and all), and a part below it where no
 * symlink is followed: each folder is opened with openat(2) and
 * O_NOFOLLOW | O_DIRECTORY from the one above, the file itself with
 * O_NOFOLLOW.  A symlink planted there (".lk/lock" pointing at a system
 * file, an "out" committed as a link to /etc) makes the open fail with
 * ELOOP or ENOTDIR instead of writing through it.
 *
 * Where a path's root is (lk_confine_parent() and the path functions):
 * the folder above its last ".lk" component, so everything from the
 * state directory's run data (lk(7), SECURITY) on is confined and
 * private: folders created there are 0700 (and an existing one of ours
 * that is wider is narrowed to 0700), files 0600.  A path without ".lk"
 * has its own folder as root: only its last component is confined.
 */
#ifndef LK_CONFINE_H
#define LK_CONFINE_H

#include <stdio.h>
#include <sys/types.h>

/*
 * Opens the folder rel below root, creating missing folders with mode
 * when create.  rel may be "" (root itself) and may not contain "..".
 * Returns a descriptor, or -1 with errno.
 */
int lk_confine_dir(const char *root, const char *rel, int create, mode_t mode);

/*
 * Opens the folder that holds path (see above for its root), creating it
 * when create; *base points at path's last component.  -1 with errno.
 */
int lk_confine_parent(const char *path, int create, const char **base);

/* open(2) of path, confined; O_CREAT creates its folders too. */
int lk_confine_open(const char *path, int flags, mode_t mode);
/* The same as a stream: how is "r", "w" (truncate) or "a"; files are created 0600. */
FILE *lk_confine_fopen(const char *path, const char *how);
/* Whether path is inside a ".lk" folder: private run data, read confined too. */
int lk_confine_private(const char *path);
/* Creates the folder path and its parents, confined; 0, or -1 with errno. */
int lk_confine_mkdirs(const char *path);

/*
 * Where a file channel's output may be written (lk(7), SECURITY): a
 * relative path inside the state directory's out/ ("out/feed.xml"), or an
 * absolute path inside one of dirs (lk.json output_dirs, each an absolute
 * folder outside the state directory).  ".." is refused everywhere, so
 * neither .git/, the config files nor anything else can be reached.
 * Fills w: the trusted root (the state directory, or the listed folder),
 * the confined folders below it ("out/sub", "" when none) and the file
 * name; its strings are new (lk_output_free).  Returns 0, or -1 with the
 * reason in *why.
 */
struct lk_output {
	char *root, *rel, *base;
};
int lk_output_where(const char *state_dir, const char *output, char *const *dirs, size_t ndirs,
    struct lk_output *w, const char **why);
void lk_output_free(struct lk_output *w);
/* The reason an output_dirs entry is refused, or NULL when it is fine. */
const char *lk_output_dir_bad(const char *state_dir, const char *dir);

#endif
