/*
 * catalog-int.h - between catalog.c and catalog-cache.c: the parsed
 * catalog kept in STATE/.lk/cache/catalog.bin (catalog-cache.c says how).
 */
#ifndef LK_CATALOG_INT_H
#define LK_CATALOG_INT_H

#include "state.h"

/*
 * Fills c from the cache when it was parsed from catalog.csv with this
 * key, keeping the columns keep names (NULL: all); 0, else -1 and c empty.
 */
int lk_catalog_cache_load(struct lk_state *st, struct lk_catalog *c, const char *const *keep,
    const char *key);
/* Writes c (every column kept, no problem found) as the cache for key; failures are silent. */
void lk_catalog_cache_save(struct lk_state *st, const struct lk_catalog *c, const char *key);

#endif
