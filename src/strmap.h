/*
 * strmap.h - a set of strings (skus), each numbered 0, 1, 2... in the
 * order they were added, found by hash: the one table of the stages that
 * index a channel's worth of items (lk-push's state and input, lk-reserve).
 *
 * The strings are copied into large chunks and the table holds 32-bit
 * numbers (open addressing, at most half full), so an entry costs its
 * string, its NUL, 8 bytes of pointer and 8 to 16 bytes of table: no
 * allocation per string.  The caller keeps what belongs to each string in
 * arrays indexed by its number.  At most 2^32 - 2 strings.
 */
#ifndef LK_STRMAP_H
#define LK_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct lk_strmap {
	char **keys;            /* keys[i]: string number i */
	size_t n, cap;
	uint32_t *slot;         /* number + 1, 0 = free */
	size_t nslot;
	struct lk_arena strings;        /* the strings' storage */
};

/* The number of s (len bytes), adding it when missing (*added says so; may be NULL). */
size_t lk_strmap_put(struct lk_strmap *m, const char *s, size_t len, int *added);
/* The number of s, or -1. */
long lk_strmap_find(const struct lk_strmap *m, const char *s, size_t len);
/*
 * The same, trying string number near first: the strings of sorted
 * input come in the order they were numbered, so a caller that passes
 * the last number + 1 finds most of them without hashing.
 */
long lk_strmap_find_near(const struct lk_strmap *m, const char *s, size_t len, size_t near);
size_t lk_strmap_put_near(struct lk_strmap *m, const char *s, size_t len, int *added, size_t near);
/* Room for n strings without growing (when their number is known or estimated). */
void lk_strmap_reserve(struct lk_strmap *m, size_t n);
/* Forgets every string, keeping the tables' memory for the next ones. */
void lk_strmap_clear(struct lk_strmap *m);
void lk_strmap_free(struct lk_strmap *m);

#endif
