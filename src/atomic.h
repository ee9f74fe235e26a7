/*
 * atomic.h - replace a file so that readers see the old or the new
 * content, never a mix, even across a crash or power loss.
 *
 * lk_atomic_open() creates "PATH.tmp.XXXXXX" beside PATH; write through
 * a->fp; lk_atomic_commit() flushes, fsyncs, closes, renames over PATH and
 * fsyncs the folder.  On any failure the temporary file is removed, PATH
 * keeps its old content, and -1 is returned with errno set.
 * lk_atomic_abort() drops the temporary file.  A temporary file that a
 * killed writer left beside PATH is removed by the next lk_atomic_open()
 * of PATH (writers hold the state lock, so no other writer owns it).  LK_FSYNC=0 skips the fsyncs
 * (tests only).
 */
#ifndef LK_ATOMIC_H
#define LK_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

struct lk_atomic {
	char *path;
	char *tmp;
	FILE *fp;
	int fd;             /* a->fp's descriptor, for fsync */
};

int lk_atomic_open(struct lk_atomic *a, const char *path);
int lk_atomic_commit(struct lk_atomic *a);
void lk_atomic_abort(struct lk_atomic *a);

/* Writes len bytes as PATH's new content, atomically. */
int lk_atomic_write(const char *path, const void *data, size_t len);

/* fsyncs the folder that holds path (after a rename or unlink). */
int lk_fsync_dir_of(const char *path);

#endif
