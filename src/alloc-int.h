/*
 * alloc-int.h - what alloc.c, alloc-snap.c and alloc-input.c share.  Not
 * for commands: they use alloc.h.
 */
#ifndef LK_ALLOC_INT_H
#define LK_ALLOC_INT_H

#include <stdint.h>
#include <stdio.h>

#include "alloc.h"
#include "ndjson.h"

enum { SRC_UNUSED, SRC_LIVE, SRC_SNAP, SRC_STALE };
#define LK_ALLOC_BAD_SHOWN 10       /* bad rows named one by one, per source */

struct locent {             /* a stock record with a location */
	uint32_t row, loc;
	long long qty;
};

/* How many dropped skus -v names. */
#define LK_ALLOC_DROPPED_NAMED 10

struct asrc {
	const struct lk_source *cfg;
	long long *qty;             /* per catalog row: every location summed */
	struct locent *locs;
	size_t nlocs, caplocs;
	char **locnames;            /* interned location names */
	size_t nlocnames;
	int sentinel;               /* 0 none, 1 complete, 2 failed */
	long long announced;        /* the sentinel's records, or -1 */
	long long announced_bad;    /* the sentinel's bad, or -1 */
	long long nrecs;            /* stock records seen */
	/* rows and offers the parser could not read (bad_record) */
	long long nbad, nbad_parsed;    /* all; those from the parser (bad_record) */
	uint32_t *badrows;          /* catalog rows they name */
	size_t nbadrows, capbad;
	unsigned long bad_nosku;    /* those without a sku of the catalog */
	char *bad_first[LK_ALLOC_BAD_SHOWN];    /* their messages, for the report */
	uint8_t *unknown;           /* per row: unreadable, no snapshot: no alloc record (NULL: none) */
	int guarded;                /* a source guard replaced this complete read by the snapshot */
	unsigned long dropped;      /* of skus not in the catalog */
	int used;                   /* an enabled channel sums it */
	int state;                  /* SRC_* after resolve */
	time_t snap_at;             /* SRC_SNAP: when the snapshot was taken */
};

struct slot {               /* what a channel sums of one source */
	size_t src;
	char *const *locs;          /* NULL: the whole source */
	size_t nlocs;
	long long *qty;             /* per row; the source's own when whole */
	int owned;
};

struct achan {
	const struct lk_channel *cfg;
	size_t *slots;
	size_t nslots;
	size_t *srcs;               /* the distinct sources of its slots */
	size_t nsrcs;
	long long *shows;           /* per row: what lk last pushed there (lk_alloc_shows), or NULL */
	const uint8_t *pass;        /* filter result per row, NULL: all pass */
	long equal_at;              /* index of the equal step, or -1 */
	size_t group;               /* with equal: its group */
	int distributes;            /* has share or equal: counts for undistributed */
	int stopped;
	struct ovr { uint32_t row; long long qty; int hide; } *ovr;
	size_t novr;
};

struct lk_alloc {
	const struct lk_config *cfg;
	const struct lk_catalog *cat;
	size_t nprod;
	const char **sku;           /* per row: the catalog's sku */
	size_t next;                /* the row after the last one found: the next one's guess */
	uint32_t *order;            /* rows in sku order */
	struct asrc *src;
	size_t nsrc;
	size_t lastsrc;             /* cache: sources come in long runs */
	struct slot *slots;
	size_t nslots;
	struct achan *ch;           /* sorted by name */
	size_t nch;
	size_t **groups;            /* equal groups: channel indexes by name */
	size_t *groupn;
	size_t ngroups;
	int force;                  /* lk_alloc_force(): the source guards accept every read */
	size_t *pool;               /* slots undistributed is measured on */
	size_t npool;
	uint8_t **filters;          /* one bitmap per config filter, lazily */
	long long *reserve;         /* per row */
	json_t *reserve_orders;     /* sku -> {"orders", "shipped"} of its reserve, for explain */
	unsigned long unknown_src, unknown_res;
	char *unknown_src_name;
	char *dropped_skus[LK_ALLOC_DROPPED_NAMED]; /* the first skus not in the catalog, for -v */
	size_t ndropped_skus;
};

long lk_alloc_find(struct lk_alloc *a, const char *sku, size_t len);
void lk_alloc_add(struct lk_alloc *a, struct asrc *s, uint32_t row,
    const char *loc, size_t loclen, long long qty);
void lk_alloc_src_reset(struct asrc *s, size_t nprod);

/* snapshots (alloc-snap.c): 0, or -1 (errno ENOENT when there is none) */
int lk_alloc_snap_load(struct lk_alloc *a, struct asrc *s, const char *path, time_t *at);
int lk_alloc_snap_write(struct lk_alloc *a, struct asrc *s, const char *path, time_t now);
/* Only the header: when, and how many products had stock (-1: an older snapshot without it). */
int lk_alloc_snap_header(const char *path, const char *src, time_t *at, long long *products);




#endif
