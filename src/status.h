/*
 * status.h - what STATE/.lk/ says about the last runs, read without
 * taking the lock, writing anything or contacting anything: the source
 * snapshots, the items refused for good, the push log, the run folders'
 * summaries.  lk-sync's summary (sync-sum.c) and metrics (metrics.c)
 * use the readers; `lk-state status` (lk-state(1)) is lk_status_collect()
 * then lk_status_print() or the JSON, and lk_status_code().
 *
 * lkdir is STATE/.lk; a missing file is "nothing known", never an error.
 */
#ifndef LK_STATUS_H
#define LK_STATUS_H

#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "state.h"

/* A JSON file of .lk/, read without following symlinks; NULL when missing or bad. */
json_t *lk_status_load(const char *path);

/* When SOURCE was last read completely (its snapshot's header); 0, or -1 when unknown. */
int lk_status_snapshot(const char *lkdir, const char *source, time_t *at, long long *records);

/*
 * Items the channel's marketplace refused for good (CHANNEL.failed.ndjson):
 * their count; *skus gets the first few sku names (a JSON array, owned by
 * the caller) when skus is not NULL.
 */
long lk_status_failed(const char *lkdir, const char *channel, json_t **skus);

/* The newest run folder's file NAME that exists and is not empty (malloc'd path), or NULL. */
char *lk_status_last_run_file(const char *lkdir, const char *name);

/* How old the data a source gave: "45s", "12m", "3h05m", "2d04h". */
char *lk_status_age(long long secs, char *buf, size_t len);

/*
 * Everything `lk-state status` reports, as one JSON object (its --json
 * output; lk-state(1) documents the members).
 */
json_t *lk_status_collect(const char *lkdir, const struct lk_config *cfg, time_t now);
void lk_status_print(const json_t *s, FILE *fp);
/* 0 when nothing needs a person, else 1 (lk-state(1), EXIT STATUS). */
int lk_status_code(const json_t *s);

#endif
