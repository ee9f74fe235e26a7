/*
 * json-arena.c - jansson's values in chunks freed whole (json-arena.h).
 * lk is single-threaded: no lock.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "json-arena.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CHUNK_SIZE (256 * 1024)
#define BIG (CHUNK_SIZE / 8)    /* larger values: malloc itself */
#define SPARES 32               /* empty chunks kept: a page's worth */

/* Each value is preceded by its chunk (NULL: malloc'd alone) and its size: 16 bytes, for alignment. */
#define HDR 16
struct hdr {
	struct chunk *chunk;
	size_t size;                /* with this header */
};

struct chunk {
	size_t live;                /* values not yet freed */
	size_t used;                /* bytes cut from data */
	struct chunk *next;         /* in the spare list */
	_Alignas(16) char data[];
};

#define DATA_SIZE (CHUNK_SIZE - offsetof(struct chunk, data))

static struct chunk *cur, *spare;
static size_t nspare;

static struct chunk *
chunk_new(void)
{
	struct chunk *c = spare;

	if (c != NULL) {
		spare = c->next;
		nspare--;
	} else {
		c = lk_xmalloc(CHUNK_SIZE);
		POISON(c->data, DATA_SIZE);
	}
	c->live = 0;
	c->used = 0;
	c->next = NULL;
	return c;
}

static void
chunk_done(struct chunk *c)
{
	if (nspare < SPARES) {
		POISON(c->data, DATA_SIZE);
		c->next = spare;
		spare = c;
		nspare++;
	} else {
		free(c);
	}
}

static void *
arena_malloc(size_t n)
{
	size_t need = HDR + ((n + 15) & ~(size_t)15);
	char *p;

	if (n > BIG) {
		if ((p = malloc(HDR + n)) == NULL)
			return NULL;
		((struct hdr *)p)->chunk = NULL;
		return p + HDR;
	}
	if (cur == NULL || cur->used + need > DATA_SIZE) {
		struct chunk *old = cur;

		cur = chunk_new();
		/* the old chunk goes when its last value does (now, if it has none) */
		if (old != NULL && old->live == 0)
			chunk_done(old);
	}
	p = cur->data + cur->used;
	UNPOISON(p, need);
	((struct hdr *)p)->chunk = cur;
	((struct hdr *)p)->size = need;
	cur->used += need;
	cur->live++;
	return p + HDR;
}

static void
arena_free(void *v)
{
	char *p = v;
	struct chunk *c;

	if (p == NULL)
		return;
	p -= HDR;
	c = ((struct hdr *)p)->chunk;
	if (c == NULL) {
		free(p);
		return;
	}
	POISON(p, ((struct hdr *)p)->size);
	if (--c->live > 0)
		return;
	if (c == cur) {
		/* all freed: cut from its start again */
		POISON(c->data, c->used);
		c->used = 0;
	} else {
		chunk_done(c);
	}
}

void
lk_json_arena_install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void
lk_json_free(void *p)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	f(p);
}
