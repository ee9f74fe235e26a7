/*
 * strmap.c - a set of numbered strings (strmap.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

/* FNV-1a */
static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}


/* A table of n slots (a power of 2) holding every string. */
static void
rehash(struct lk_strmap *m, size_t n)
{
	size_t i, h;

	free(m->slot);
	m->slot = lk_xcalloc(n, sizeof *m->slot);
	m->nslot = n;
	for (i = 0; i < m->n; i++) {
		for (h = hash(m->keys[i], strlen(m->keys[i])) & (n - 1); m->slot[h]; h = (h + 1) & (n - 1))
			;
		m->slot[h] = (uint32_t)(i + 1);
	}
}

static void
grow(struct lk_strmap *m)
{
	rehash(m, m->nslot ? m->nslot * 2 : 64);
}

void
lk_strmap_reserve(struct lk_strmap *m, size_t n)
{
	size_t slots = m->nslot ? m->nslot : 64;

	while (slots < 2 * n)
		slots *= 2;
	if (slots > m->nslot)
		rehash(m, slots);
	if (n > m->cap) {
		m->cap = n;
		m->keys = lk_xrealloc(m->keys, m->cap * sizeof *m->keys);
	}
}

void
lk_strmap_clear(struct lk_strmap *m)
{
	if (m->nslot)
		memset(m->slot, 0, m->nslot * sizeof *m->slot);
	m->n = 0;
	lk_arena_reset(&m->strings);
}

/* The slot of s: its number + 1, or the free slot where it would go. */
static size_t
lookup(const struct lk_strmap *m, const char *s, size_t len)
{
	size_t h = hash(s, len) & (m->nslot - 1);
	uint32_t j;

	while ((j = m->slot[h]) != 0) {
		const char *k = m->keys[j - 1];

		/* the first byte first: most probes end there, without a call */
		if ((len == 0 || k[0] == s[0]) && strncmp(k, s, len) == 0 && k[len] == '\0')
			break;
		h = (h + 1) & (m->nslot - 1);
	}
	return h;
}

/* Whether string number i is s: the guess of the _near calls. */
static int
is_at(const struct lk_strmap *m, size_t i, const char *s, size_t len)
{
	return i < m->n && strncmp(m->keys[i], s, len) == 0 && m->keys[i][len] == '\0';
}

long
lk_strmap_find_near(const struct lk_strmap *m, const char *s, size_t len, size_t near)
{
	return is_at(m, near, s, len) ? (long)near : lk_strmap_find(m, s, len);
}

size_t
lk_strmap_put_near(struct lk_strmap *m, const char *s, size_t len, int *added, size_t near)
{
	if (is_at(m, near, s, len)) {
		if (added)
			*added = 0;
		return near;
	}
	return lk_strmap_put(m, s, len, added);
}

long
lk_strmap_find(const struct lk_strmap *m, const char *s, size_t len)
{
	size_t h;

	if (m->nslot == 0)
		return -1;
	h = lookup(m, s, len);
	return m->slot[h] ? (long)m->slot[h] - 1 : -1;
}

size_t
lk_strmap_put(struct lk_strmap *m, const char *s, size_t len, int *added)
{
	size_t h;

	if ((m->n + 1) * 2 > m->nslot)
		grow(m);
	h = lookup(m, s, len);
	if (added)
		*added = m->slot[h] == 0;
	if (m->slot[h])
		return m->slot[h] - 1;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = lk_xrealloc(m->keys, m->cap * sizeof *m->keys);
	}
	m->keys[m->n] = lk_arena_dup(&m->strings, s, len);
	m->slot[h] = (uint32_t)(m->n + 1);
	return m->n++;
}

void
lk_strmap_free(struct lk_strmap *m)
{
	lk_arena_free(&m->strings);
	free(m->keys);
	free(m->slot);
	memset(m, 0, sizeof *m);
}
