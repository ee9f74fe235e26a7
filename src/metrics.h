/*
 * metrics.h - lk-sync's Prometheus metrics: after each run (not a dry
 * run), a node_exporter textfile-collector file (metrics_file of
 * lk.json), replaced atomically, readable by all (0644).  lk-sync(1),
 * METRICS, lists the metrics.
 *
 * Counters (..._total) and what each stage and channel last did are kept
 * between runs in STATE/.lk/metrics.json; a lost file restarts the
 * counters from 0, which Prometheus reads as a counter reset.
 */
#ifndef LK_METRICS_H
#define LK_METRICS_H

#include <jansson.h>

#include "state.h"

/*
 * Updates .lk/metrics.json from the run's summary (lk_sync_summary(), with
 * the stages) and writes path; call it holding the state lock.  0, or -1
 * with a message printed.
 */
int lk_metrics_write(struct lk_state *st, const struct lk_config *cfg, const json_t *sum,
    const char *path);

#endif
