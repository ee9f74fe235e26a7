/*
 * reserve.h - the reserve ledger of lk-reserve(1): units held back for
 * marketplace orders the stock sources do not reflect yet, and for
 * marketplace decreases no known order explains (double reservation).
 *
 * Calling sequence.  lk_reserve_init(), then lk_reserve_load() of the
 * previous ledger (a missing file is an empty ledger), then one call per
 * input record: lk_reserve_order(), lk_reserve_listing(),
 * lk_reserve_seen(); then lk_reserve_finish() once, which applies the
 * releases (vanished orders, maximum age, expired decreases) and
 * recomputes what each decrease still leaves unexplained.  Afterwards
 * lk_reserve_totals() gives one total per sku, sorted, and
 * lk_reserve_save() writes the ledger atomically.  Nothing here reads
 * stdin, takes the lock or exits: the command does that.
 *
 * Orders are keyed by (channel, id, sku).  An order reserves from the
 * run that first sees it in a reserving status.  A cancellation releases
 * it.  Leaving the reserving statuses otherwise (shipped, delivered,
 * vanished from a complete listing) only marks it shipped: it goes on
 * reserving until every on-sale source that lists its sku has delivered
 * a complete snapshot produced after the shipment plus the source's lag,
 * since until then the sources still count the shipped units.  max_age
 * bounds it all.  A released order stays in the ledger as a tombstone
 * (so seeing it again never reserves it again) until it has not been
 * seen for max_age.
 *
 * Sources: lk_reserve_source_add() names each on-sale source with its
 * lag before loading; the input's stock records (lk_reserve_stock()) say
 * which sources list a sku, its source sentinels (lk_reserve_source())
 * when each snapshot was produced.  A source that is not complete in the
 * input counts as listing every sku, with the production time of its
 * last complete snapshot (kept in the ledger): lk-alloc then uses that
 * snapshot.
 *
 * A decrease entry is keyed by (channel, sku, pushed_at): the time lk
 * last sent that quantity.  Its unexplained part is pushed - seen minus
 * the orders of that channel and sku placed after pushed_at (and before
 * the next push, "until"); cancelled orders count only on a channel
 * whose cancels keep the units (lk_reserve_cancel_keeps()).  It is held for ttl
 * seconds from when it appeared or grew; then it is expired and kept,
 * at 0, while that push is the latest, so it never comes back.
 *
 * Ownership: the ledger owns copies of every string given to it.
 */
#ifndef LK_RESERVE_H
#define LK_RESERVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct lk_rsv_order {
	char *channel, *id, *sku, *status;
	long long qty;
	time_t at;              /* when the order was placed (first_seen if unknown) */
	time_t first_seen, last_seen;
	time_t shipped;         /* when it left the reserving statuses, not cancelled; 0 = open */
	int reserving;          /* still holds qty */
	int cancelled;          /* its last status was a cancellation */
	char *released;         /* why it stopped reserving: shown, cancelled, max_age, status, vanished */
	char *waiting;          /* shipped and reserving: the sources it waits for, "a,b" */
	int seen_now;           /* in this run's input */
};

/* An on-sale source, as far as shipped orders care. */
struct lk_rsv_source {
	char *name;
	long long lag;          /* seconds the source trails even when fresh */
	time_t produced;        /* its last complete snapshot's production time; 0 = none */
	int complete_now;       /* a complete sentinel in this input */
	int failed_now;         /* ... or a failed one (which wins) */
};

struct lk_rsv_decrease {
	char *channel, *sku;
	long long pushed, seen; /* what lk sent, what the marketplace shows */
	time_t pushed_at, until;/* until: the next push's time, 0 = none yet */
	time_t since;           /* when the unexplained part appeared or last grew */
	long long qty;          /* unexplained units held now */
	int expired;
};

/* A marketplace number that neither lk's push nor the orders explain. */
struct lk_rsv_conflict {
	char *channel, *sku, *reason;   /* reason: above_pushed, large_decrease */
	long long pushed, seen, orders;
	time_t pushed_at;
};

struct lk_rsv_total {
	char *sku;
	long long qty, order_qty, unexplained_qty;
	char **orders;          /* "channel:id", sorted, unique */
	size_t norders;
	char **shipped;         /* those of orders shipped and waiting for the sources */
	size_t nshipped;
};

struct lk_reserve {
	time_t now;
	long long max_age, ttl;
	struct lk_rsv_order *orders;
	size_t norders, ordcap;
	size_t *index;          /* open addressing over orders, by (channel, id, sku) */
	size_t idxcap;
	struct lk_rsv_decrease *decs;
	size_t ndecs, deccap;
	struct lk_rsv_conflict *conflicts;
	size_t nconflicts, concap;
	char **complete;        /* channels whose open-order listing was complete */
	size_t ncomplete;
	char **failed;          /* ... or failed (a later failed wins over complete) */
	size_t nfailed;
	char **keeps;           /* channels whose cancels do not give units back */
	size_t nkeeps;
	struct lk_rsv_source *srcs;
	size_t nsrcs;
	uint64_t *listed;       /* sku hash, source bits pairs: who lists which sku now */
	size_t nlisted, listcap;
};

void lk_reserve_init(struct lk_reserve *r, time_t now, long long max_age, long long ttl);
void lk_reserve_free(struct lk_reserve *r);

/*
 * Reads a ledger written by lk_reserve_save().  Returns 0 (also when the
 * file does not exist), or -1 with a message "PATH:LINE: problem" in err.
 */
int lk_reserve_load(struct lk_reserve *r, const char *path, char *err, size_t errlen);
/* Writes the ledger to path atomically; 0, or -1 with errno set. */
int lk_reserve_save(const struct lk_reserve *r, const char *path);
/* Writes the ledger as records; with_age adds each entry's age in seconds. */
int lk_reserve_write(const struct lk_reserve *r, FILE *fp, int with_age);

/*
 * One order line as the marketplace shows it now.  reserving/cancelled
 * classify status (lk_reserve_status_*); at is when it was placed,
 * changed when it got this status by the marketplace's clock; 0 when
 * unknown.
 */
void lk_reserve_order(struct lk_reserve *r, const char *channel, const char *id,
    const char *sku, long long qty, const char *status, time_t at, time_t changed,
    int reserving, int cancelled);
/* On channel, a buyer's cancel does not give the units back: cancelled orders explain decreases. */
void lk_reserve_cancel_keeps(struct lk_reserve *r, const char *channel);
/* An on-sale source and its lag; call before lk_reserve_load(). */
void lk_reserve_source_add(struct lk_reserve *r, const char *name, long long lag);
/* A "source" sentinel: complete or not, and when its snapshot was produced. */
void lk_reserve_source(struct lk_reserve *r, const char *name, int complete, time_t produced);
/* A stock record: source lists sku in this input. */
void lk_reserve_stock(struct lk_reserve *r, const char *source, const char *sku);
/* An "orders" sentinel: complete says the channel's open orders were all listed. */
void lk_reserve_listing(struct lk_reserve *r, const char *channel, int complete);
/*
 * The marketplace shows seen units of sku on channel at seen_at, and lk
 * last pushed pushed units there at pushed_at, when it showed before
 * (-1: unknown).  Within grace seconds after the push the marketplace may
 * not have applied it yet: only a number below both pushed and before is
 * compared, against the lower of the two (what a late push cannot explain).
 */
void lk_reserve_seen(struct lk_reserve *r, const char *channel, const char *sku,
    long long seen, time_t seen_at, long long pushed, long long before, time_t pushed_at,
    long long grace);
void lk_reserve_finish(struct lk_reserve *r);

/* A new decrease entry, zeroed but for its key and since = now (for the loader). */
struct lk_rsv_decrease *lk_reserve_decrease_add(struct lk_reserve *r, const char *channel,
    const char *sku, time_t pushed_at);

/* Totals per sku with qty > 0, sorted by sku; free with lk_reserve_totals_free(). */
struct lk_rsv_total *lk_reserve_totals(const struct lk_reserve *r, size_t *n);
void lk_reserve_totals_free(struct lk_rsv_total *t, size_t n);

/*
 * Statuses.  lk_reserve_status_defaults() gives the reserving statuses
 * of a marketplace ("wb", "ozon", "ym", "mm", "ae"), NULL-terminated, or
 * NULL when lk knows none.  Matching ignores case.  A status is a
 * cancellation when it contains "cancel" (any case).
 */
const char *const *lk_reserve_status_defaults(const char *marketplace);
int lk_reserve_status_in(const char *const *set, const char *status);
int lk_reserve_status_cancelled(const char *status);

/* --- one run of lk-reserve (reserve-run.c) --- */
struct lk_reserve_opts {
	const char *dir;        /* the state directory, or NULL */
	int dry_run;            /* compute and print, save nothing */
	int list;               /* print the ledger and stop */
	int strict;             /* a bad record is fatal (65) */
};

/*
 * Loads the config and the ledger, reads records on stdin, saves the
 * ledger under the state lock (unless dry_run) and writes the records;
 * returns the exit status (fatal errors exit from inside).
 */
int lk_reserve_main(const struct lk_reserve_opts *o);

#endif
