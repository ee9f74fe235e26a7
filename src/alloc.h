/*
 * alloc.h - the rules engine of lk-alloc(1): how many units each channel
 * shows.
 *
 * Calling sequence:
 *
 *   a = lk_alloc_new(cfg, &diag)     validates the rules (NULL: exit 78)
 *   lk_alloc_stock() / lk_alloc_source() / lk_alloc_reserve()   per record
 *   lk_alloc_resolve(a, snapdir, now) decides, per source, between this
 *                                    run's complete read, the last
 *                                    snapshot, or stopping its channels
 *   lk_alloc_snapshot_save(a, snapdir, now)   optional, under the lock
 *   lk_alloc_run(a, &opts, cb, arg)  calls cb per alloc record, ordered
 *                                    by channel name then sku, then per
 *                                    undistributed record by sku
 *   lk_alloc_free(a)
 *
 * The engine keeps one quantity array per source (and per set of
 * locations a channel asks for), indexed by catalog row: products are
 * the catalog's rows, found through a hash table built once, so the hot
 * path of lk_alloc_stock() neither allocates nor copies.
 *
 * The engine borrows cfg: it must outlive the engine.
 */
#ifndef LK_ALLOC_H
#define LK_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "state.h"

struct lk_alloc;

struct lk_alloc *lk_alloc_new(const struct lk_config *cfg, struct lk_diag *d);
void lk_alloc_free(struct lk_alloc *a);

/*
 * Sources whose enabled channels together can show more than all of its
 * stock (their shares add up past 100%; an equal group counts once): cb
 * gets the source, that sum in percent and the channels ("site, wb,
 * ozon+ym").  Such channels can sell the same last unit twice.
 */
void lk_alloc_overcommit(const struct lk_alloc *a,
    void (*cb)(const char *source, double percent, const char *channels, void *arg), void *arg);

/*
 * One stock record.  Strings are (pointer, length), not NUL-terminated;
 * loc may be NULL.  A sku missing from the catalog or a source missing
 * from the config is counted (lk_alloc_warn_dropped()) and ignored.
 */
void lk_alloc_stock(struct lk_alloc *a, const char *sku, size_t skulen,
    const char *src, size_t srclen, const char *loc, size_t loclen, long long qty);
/*
 * What lk last pushed to a channel (its .lk/pushed/CHANNEL.ndjson): where
 * the channel gets no alloc record (disabled, stopped, or a product outside
 * its filter) the marketplace keeps showing it, so those units count as
 * taken from the channel's sources for every other channel.  Call it, after
 * lk_alloc_resolve(), for the channels lk_alloc_wants_shows() names.
 */
int lk_alloc_wants_shows(const struct lk_alloc *a, const char *channel);
void lk_alloc_shows(struct lk_alloc *a, const char *channel, const char *sku, long long qty);
/* A source sentinel; records is the announced count, or -1. */
void lk_alloc_source(struct lk_alloc *a, const char *src, int complete, long long records);
/* The sentinel's count of bad_record records (lk-records(5)). */
void lk_alloc_source_bad(struct lk_alloc *a, const char *src, long long bad);
/*
 * A row or offer of src that could not be read: a parser's bad_record
 * (counted against the sentinel's bad), or a stock record lk-alloc
 * refused (parsed 0).  sku NULL when unknown; error is its message.
 * lk_alloc_resolve() keeps that product at its snapshot quantity.
 */
void lk_alloc_bad(struct lk_alloc *a, const char *src, const char *sku, const char *error,
    int parsed);
/* The source guards let every complete read through (lk-alloc --force). */
void lk_alloc_force(struct lk_alloc *a);
/* Sources the guards replaced by their snapshot, plus those with bad rows. */
size_t lk_alloc_guarded(const struct lk_alloc *a);
void lk_alloc_reserve(struct lk_alloc *a, const char *sku, size_t skulen, long long qty);

/*
 * Reads every record of r into the na engines (--compare feeds two);
 * records of other types are written to stdout when pass_through.  Bad
 * records are reported through lk_reader_bad() (r->nbad, --strict).
 * r must come from lk_reader_open().
 */
struct lk_reader;
void lk_alloc_read(struct lk_alloc *const *a, size_t na, struct lk_reader *r, int pass_through);

/* Prints the one warning about dropped skus and unknown sources, if any. */
void lk_alloc_warn_dropped(const struct lk_alloc *a);

/*
 * After the input: a source with a complete sentinel (whose counts match)
 * uses this run's records, unless a guard stops it: 0 records, or more
 * than its max_drop of the products of its last snapshot lost, or bad
 * rows with bad_rows "fail".  Any other source needed by an enabled
 * channel, and a guarded one, loads snapdir/SOURCE.ndjson if younger than
 * its max age, and else stops the channels that sum it (each reported on
 * stderr).  In a complete read, a product named by a bad row keeps its
 * snapshot quantity (a bad row without a sku: every product the read
 * gives 0); without a snapshot, it gets no alloc record on the channels
 * summing the source.  Returns the number of stopped channels.  snapdir
 * NULL: no snapshots.
 */
size_t lk_alloc_resolve(struct lk_alloc *a, const char *snapdir, time_t now);

/*
 * Writes snapdir/SOURCE.ndjson for each source complete in this run,
 * atomically; the caller holds the state lock.  Returns 0, or -1 with
 * errno set (the message names the file).
 */
int lk_alloc_snapshot_save(struct lk_alloc *a, const char *snapdir, time_t now);

/* Whether a channel was stopped by lk_alloc_resolve(). */
int lk_alloc_stopped(const struct lk_alloc *a, const char *channel);

enum lk_alloc_kind { LK_ALLOC_ALLOC, LK_ALLOC_UNDISTRIBUTED };
struct lk_alloc_part {      /* a source's part of an undistributed qty */
	const char *source;
	long long qty;
};
struct lk_alloc_out {
	enum lk_alloc_kind kind;
	const char *channel;        /* NULL for undistributed */
	const char *sku;
	long long qty;
	int asked;                  /* qty 0 by the seller's rule or pin, not for want of stock */
	json_t *why;                /* with explain; borrowed for the call */
	const struct lk_alloc_part *parts;  /* undistributed: by source, in config order, */
	size_t nparts;              /* each above 0, adding up to qty; borrowed */
};
struct lk_alloc_opts {
	int explain;                /* add "why" to alloc records */
	const char *explain_sku;    /* ... only to this sku (NULL: all) */
};
typedef void (*lk_alloc_cb)(void *arg, const struct lk_alloc_out *o);
/*
 * The invariant every run keeps, per product: a channel shows at most
 * what is available to it (its sources, less the reserve and the units
 * other channels hold without a record), whatever its rule or pin says;
 * and the channels that are not "overlap" show together at most each
 * source's units: in name order, each takes what it shows from its
 * sources (in proportion to what they have left) and is cut to what is
 * left.  Channels whose rules add up to at most 100% are never cut.
 */
void lk_alloc_run(struct lk_alloc *a, const struct lk_alloc_opts *o, lk_alloc_cb cb, void *arg);

/* --- the rule steps, pure (rules.c) --- */

/* q * percent / 100, rounded down, computed without float drift; q above LK_QTY_MAX counts as it. */
long long lk_rules_share(long long q, double percent);
/* Applies steps[0..n) to q; trace[i] gets each step's result (may be NULL). */
long long lk_rules_apply(const struct lk_rule_step *steps, size_t n, long long q, long long *trace);
/*
 * The part of q for member k of n channels splitting equally: q / n each,
 * and the q % n leftover units to the members start, start+1, ... (mod n),
 * where start = hash % n.  The parts add up to q.
 */
long long lk_rules_equal_part(long long q, size_t n, size_t k, uint64_t hash);
/* FNV-1a 64 of the sku: the same on every machine and every run. */
uint64_t lk_alloc_hash(const char *s, size_t n);
/* Describes a step for messages and explain: "share 50%", "if > 10 then 10". */
void lk_rules_describe(const struct lk_rule_step *s, char *buf, size_t len);

/* --- product filters (filter.c) --- */
struct lk_filter_prog;
/* Compiles f against the catalog's columns; NULL with problems in d. */
struct lk_filter_prog *lk_filter_compile(const struct lk_filter *f, const struct lk_catalog *c,
    const char *file, struct lk_diag *d);
/* Whether catalog row passes. */
int lk_filter_match(const struct lk_filter_prog *p, const struct lk_catalog *c, size_t row);
void lk_filter_prog_free(struct lk_filter_prog *p);

/* --- one run of lk-alloc (alloc-main.c) --- */
struct lk_alloc_cmd {
	const char *dir;            /* the state directory, or NULL */
	const char *rev;            /* rules as of this revision (no snapshots written) */
	const char *compare;        /* compare the working tree's rules with this revision */
	const char *explain_sku;    /* with explain: only this sku */
	int explain, no_snapshot, json, strict;
	int force;                  /* the source guards accept every complete read */
	struct lk_limit fail_on_zero; /* with compare: exit 3 past this many, or this share */
	int fail_on_zero_set;
};

/* Reads stdin, writes the records; returns the exit status (fatal errors exit inside). */
int lk_alloc_main(const struct lk_alloc_cmd *o);

#endif
