/*
 * atomic.h - replace a file so that readers see the old or the new
 * content, never a mix, even across a crash or power loss.
 *
 * lk_atomic_open() creates "PATH.tmp.XXXXXX" beside PATH, mode 0600
 * (lk_atomic_open_mode() for another, such as 0644 for a feed a web server
 * reads; the umask applies); write through a->fp; lk_atomic_commit() flushes, fsyncs, closes,
 * renames over PATH and fsyncs the folder.  The folder is opened as
 * confine.h says (no symlink followed from a ".lk" component on) and the
 * file is created and renamed relative to it, so a symlink at PATH is
 * replaced, never written through.  On any failure the temporary file is removed, PATH
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
#include <sys/types.h>

struct lk_atomic {
	char *path;
	char *base;         /* path's last component */
	char *tmp;          /* the temporary file's name in dirfd */
	FILE *fp;
	int fd;             /* a->fp's descriptor, for fsync */
	int dirfd;          /* the folder, opened once */
};

int lk_atomic_open(struct lk_atomic *a, const char *path);
int lk_atomic_open_mode(struct lk_atomic *a, const char *path, mode_t mode);
/* The same in the open folder dirfd (which a takes over), base its name there; path is for messages. */
int lk_atomic_open_at(struct lk_atomic *a, int dirfd, const char *base, const char *path, mode_t mode);
int lk_atomic_commit(struct lk_atomic *a);
void lk_atomic_abort(struct lk_atomic *a);

/* Writes len bytes as PATH's new content, atomically (0600, or mode). */
int lk_atomic_write(const char *path, const void *data, size_t len);
int lk_atomic_write_mode(const char *path, const void *data, size_t len, mode_t mode);

/* fsync(2) of fd (an appended journal, its folder), unless LK_FSYNC=0; 0, or -1 with errno. */
int lk_fsync_fd(int fd);

#endif
