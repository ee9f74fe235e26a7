/*
 * repo.h - the state directory as a git repository (libgit2): create it,
 * commit its config, list its history.  Reading files at a revision is
 * state.h's job (lk_state_open with a rev).
 *
 * Each function returns 0, or -1 with the reason in err.
 * lk_repo_commit() stages every file of the working tree that .gitignore
 * does not exclude, never .lk/ (run data) nor out/ (generated outputs)
 * whatever .gitignore says (a tracked one is dropped from the index), and
 * commits it with HEAD as parent; it returns 1 when there was nothing to
 * commit.
 */
#ifndef LK_REPO_H
#define LK_REPO_H

#include <stddef.h>
#include <stdio.h>

int lk_repo_init(const char *dir, char *err, size_t errlen);
int lk_repo_commit(const char *dir, const char *message, char *oid_out, size_t oidlen,
    char *err, size_t errlen);
/* Writes "SHORTID DATE SUMMARY" lines, newest first, at most max (0 = all). */
int lk_repo_log(const char *dir, FILE *out, size_t max, char *err, size_t errlen);
/*
 * lk_repo_init() plus a commented example configuration (pushing off, a
 * disabled channel) and a .gitignore for .lk/ and out/, committed; files that
 * exist are never overwritten.
 */
int lk_repo_init_example(const char *dir, char *err, size_t errlen);
/*
 * Looks through the JSON files a commit would take for values that look
 * like secrets (secrets.h); cb gets each (file, JSON path, why).  Returns
 * how many, or (size_t)-1 with the reason in err.
 */
size_t lk_repo_find_secrets(const char *dir,
    void (*cb)(const char *file, const char *path, const char *why, void *arg), void *arg,
    char *err, size_t errlen);
/* Paths of the files a commit would take (tracked or new, not ignored). */
char **lk_repo_files(const char *dir, size_t *n, char *err, size_t errlen);

#endif
