/*
 * lock.h - the state-directory lock: one writer at a time.
 *
 * lk_lock_state() takes an exclusive flock(2) on STATE/.lk/lock (creating
 * .lk/ 0700 and the lock 0600 as needed, never through a symlink:
 * confine.h), retrying with backoff until timeout_ms has passed.  It
 * returns a descriptor to keep open for the rest of the run, or -1 with
 * errno EWOULDBLOCK when another process holds it (the caller exits 75),
 * or another errno when the file cannot be created (exit 73).  The lock
 * goes away with the process, however it ends, so a SIGKILL leaves no
 * stale lock behind.  Several commands of one pipeline may each take it
 * in turn; a process that already holds it (LK_LOCK_HELD=1 set by
 * lk-sync for its children) skips it.
 */
#ifndef LK_LOCK_H
#define LK_LOCK_H

int lk_lock_state(const char *state_dir, long long timeout_ms);
/*
 * The same, for commands: when busy it says "the state directory is busy
 * (another lk run holds its lock)" and exits 75; when the lock file cannot
 * be created it exits 73.
 */
int lk_lock_state_or_die(const char *state_dir, long long timeout_ms);
void lk_unlock_state(int fd);

#endif
