/*
 * alloc-compare.h - comparing the alloc records of two configs
 * (lk-alloc --compare REV).
 *
 * Collect each run with lk_alloc_run(a, NULL, lk_alloc_collect, &rows);
 * rows borrow the channel names and skus of their engine's config, so
 * both configs must outlive the comparison.  lk_alloc_compare() returns
 * one summary per channel that has records in either run, sorted by name;
 * free the array with free().
 */
#ifndef LK_ALLOC_COMPARE_H
#define LK_ALLOC_COMPARE_H

#include <stdio.h>

#include "alloc.h"

struct lk_alloc_row {
	const char *channel, *sku;
	long long qty;
};
struct lk_alloc_rows {
	struct lk_alloc_row *v;
	size_t n, cap;
};
void lk_alloc_collect(void *arg, const struct lk_alloc_out *o);

#define LK_COMPARE_TOP 5
struct lk_compare {
	const char *channel;
	int stopped;                /* set by the caller: no figures */
	long long changed;          /* products whose quantity or presence changed */
	long long up, down;         /* ... shown before and after, more or fewer */
	long long to_zero;          /* ... shown above 0 before, 0 after */
	long long added, removed;   /* ... carried only after / only before (filters) */
	long long before, after;    /* units shown in total */
	struct { const char *sku; long long before, after, delta; } top[LK_COMPARE_TOP];
	size_t ntop;                /* the largest changes, largest first (-1: no record) */
};
size_t lk_alloc_compare(const struct lk_alloc_rows *before, const struct lk_alloc_rows *after,
    struct lk_compare **out);
/* Marks channel stopped (adding it when it has no records); returns the new count. */
size_t lk_compare_stopped(struct lk_compare **v, size_t n, const char *channel);
void lk_compare_print(FILE *fp, const struct lk_compare *v, size_t n);
void lk_compare_emit(const struct lk_compare *v, size_t n);

#endif
