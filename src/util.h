/*
 * util.h - small helpers every module needs.
 *
 * Allocation failures are fatal (70): lk has no way to continue without
 * memory, and a half-done run must not push anything.
 */
#ifndef LK_UTIL_H
#define LK_UTIL_H

#include <stddef.h>
#include <time.h>

void *lk_xmalloc(size_t n);
void *lk_xcalloc(size_t n, size_t size);
void *lk_xrealloc(void *p, size_t n);
char *lk_xstrdup(const char *s);
char *lk_xstrndup(const char *s, size_t n);
char *lk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Strings copied into large chunks, freed all at once: millions of short
 * strings (catalog cells, item ids) without a malloc each.  Zero it to start.
 */
struct lk_arena {
	char **chunks;
	size_t nchunks;
	char *cur;
	size_t left;
};

/* A NUL-terminated copy of s (n bytes) that lives until lk_arena_free. */
char *lk_arena_dup(struct lk_arena *a, const char *s, size_t n);
/* Forgets every string, keeping the first chunk (its pages) for the next ones. */
void lk_arena_reset(struct lk_arena *a);
void lk_arena_free(struct lk_arena *a);

/*
 * The current time.  LK_TEST_NOW (seconds since the epoch, or an RFC 3339
 * UTC time) fixes it, so tests and golden files are deterministic.
 */
time_t lk_now(void);

/* Formats t as RFC 3339 UTC ("2026-11-27T10:16:21Z") into buf[21]. */
char *lk_fmt_time(time_t t, char buf[static 21]);
/* Parses RFC 3339 (with Z or an offset); -1 on error. */
int lk_parse_time(const char *s, time_t *out);
/*
 * Parses the date a source writes about itself: "2026-12-01 10:00",
 * "2026-12-01T10:00:00", with seconds and a fraction optional, and an
 * optional zone (Z, +03:00, +0300, +03).  Without a zone the time is
 * local time in tz: an IANA name ("Europe/Moscow", from the system's
 * zone database), "UTC" or an offset ("+03:00").  Returns 0, or -1.
 */
int lk_parse_local_time(const char *s, const char *tz, time_t *out);
/* Whether lk_parse_local_time() knows the zone tz. */
int lk_tz_valid(const char *tz);

/*
 * Parses a duration: a number with an optional unit s, m, h, d
 * ("90", "15m", "6h", "3d"), into seconds.  Returns 0, or -1.
 */
int lk_parse_duration(const char *s, long long *out);

/* Parses a whole decimal number in [min, max]; returns 0, or -1. */
int lk_parse_ll(const char *s, long long min, long long max, long long *out);

/*
 * A limit given as a count ("10") or a share ("10%").  Returns 0, or -1.
 * lk_limit_exceeded() says whether n of total goes past the limit.
 */
struct lk_limit {
	long long count;     /* when !percent */
	double percent;      /* when percent */
	int percent_set;
};
int lk_parse_limit(const char *s, struct lk_limit *out);
int lk_limit_exceeded(const struct lk_limit *l, long long n, long long total);

/*
 * The largest quantity lk handles (lk-records(5)): a record with more is
 * bad, and sums of quantities saturate here instead of wrapping around.
 */
#define LK_QTY_MAX 1000000000LL
/* a + b for quantities in [0, LK_QTY_MAX], saturating at LK_QTY_MAX. */
static inline long long
lk_qty_add(long long a, long long b)
{
	return a + b > LK_QTY_MAX ? LK_QTY_MAX : a + b;
}

/* Sleeps ms milliseconds, scaled by LK_TEST_SLEEP_SCALE when set. */
void lk_sleep_ms(long long ms);

/* Trims blanks (space, tab, CR, LF) at both ends in place; returns the start. */
char *lk_trim(char *s);

/*
 * A short, safe quote of outside input for a message: at most
 * LK_EXCERPT_BYTES bytes of s (len bytes, or up to its NUL when len is
 * (size_t)-1), control characters, quotes, backslashes and invalid UTF-8
 * escaped as \xNN, "..." when cut.  A parse error then never echoes a
 * whole line of a file it should not have read, nor moves the terminal.
 * Every message that quotes a feed, a response or a file uses it.
 */
#define LK_EXCERPT_BYTES 40
#define LK_EXCERPT_SIZE (LK_EXCERPT_BYTES * 4 + 4)
const char *lk_excerpt(const char *s, size_t len, char buf[static LK_EXCERPT_SIZE]);

/* Joins a directory and a relative path into a new string. */
char *lk_path_join(const char *dir, const char *rel);

/* Creates dir and its parents (mode 0755 or 0700 for private). */
int lk_mkdirs(const char *dir, int private_mode);

#endif
