/*
 * push.h - lk-push: send each channel what differs from what lk last
 * pushed there successfully (lk-push(1)).
 *
 * The last-pushed state of a channel is STATE/.lk/pushed/CHANNEL.ndjson,
 * one line per item the marketplace confirmed,
 *   {"type":"pushed","channel":C,"sku":S,"qty":N,"at":RFC3339}
 * (lk-reserve reads it).  Items a marketplace refused for good (unknown
 * item, quantity too big) are remembered in CHANNEL.failed.ndjson,
 *   {"type":"push_failed","channel":C,"sku":S,"qty":N,"code":X,"at":T}
 * and not sent again until their quantity changes or --full is given.
 * Each has a journal the confirmed batches are appended to, compacted
 * into it now and then (below).
 *
 * lk_push_channel() pushes one channel: the zero guard, the batches, the
 * pacing, the retries, the state; it writes "pushed" (and in a dry run
 * "request") records through ndjson.h and fills in *stats.  Its result
 * is an exit code (exit.h) for that channel alone.
 */
#ifndef LK_PUSH_H
#define LK_PUSH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <curl/curl.h>

#include "http.h"
#include "mp.h"
#include "pace.h"
#include "state.h"
#include "strmap.h"

/*
 * --- last-pushed state (push-state.c) ---
 *
 * A state is two files: the compacted base PATH (CHANNEL.ndjson), one
 * line per item, and its journal (CHANNEL.journal.ndjson beside it),
 * lines in the same format appended after every confirmed batch, the
 * last line of an item winning; in the journal of the failed state an
 * item whose failure is over has a line with "deleted":true.  Saving a
 * batch appends only its lines and fsyncs them, so a run's I/O grows
 * with what changed; a kill loses at most the batch in flight, and a
 * line it cut short is dropped by the next load.  Compacting rewrites
 * the base atomically from memory and then removes the journal; a crash
 * in between leaves a journal whose replay changes nothing.
 */
struct lk_pushstate_entry {
	long long qty;
	long long shown;        /* what the marketplace showed before that push; -1: unknown */
	time_t at;
	char *code;             /* failed state only */
	int live;               /* 0: deleted */
};
struct lk_pushstate {
	char *channel;
	char *path;             /* the base */
	char *jpath;            /* its journal */
	const char *type;       /* "pushed" or "push_failed" */
	struct lk_strmap skus;
	struct lk_pushstate_entry *v;   /* v[i]: the item skus.keys[i] */
	size_t vcap;
	size_t live;            /* live entries */
	FILE *pending;          /* lines not saved yet (a memory stream) */
	char *pbuf;
	size_t plen;
	int jfd;                /* the journal, open for appending, or -1 */
	long long base_size, journal_size;
	size_t next;            /* the number after the last item found: the next one's guess */
};
/*
 * Loads PATH and its journal (missing files are an empty state).  Lines
 * that do not parse are reported and skipped: those items are sent
 * again, which is safe.  Returns 0, or -1 with errno (a read error).
 */
int lk_pushstate_load(struct lk_pushstate *ps, const char *path, const char *channel, const char *type);
/*
 * Loads another channel's state into ps, which must have been loaded and
 * saved: its tables' memory is used again (so it is not touched anew).
 */
int lk_pushstate_reload(struct lk_pushstate *ps, const char *path, const char *channel, const char *type);
struct lk_pushstate_entry *lk_pushstate_find(struct lk_pushstate *ps, const char *sku);
void lk_pushstate_set(struct lk_pushstate *ps, const char *sku, long long qty, long long shown,
    time_t at, const char *code);
void lk_pushstate_del(struct lk_pushstate *ps, const char *sku);
/* Appends the changes since the last save to the journal and fsyncs it; 0, or -1 with errno. */
int lk_pushstate_save(struct lk_pushstate *ps);
/*
 * Rewrites the base from memory and removes the journal, when force is
 * set or the journal has grown to half the base (so the rewrites cost
 * at most about three times what was appended); 0, or -1 with errno.
 */
int lk_pushstate_compact(struct lk_pushstate *ps, int force);
/* The journal's path for a base path ("wb.ndjson" -> "wb.journal.ndjson"). */
char *lk_pushstate_journal(const char *path);
void lk_pushstate_free(struct lk_pushstate *ps);

/* --- one channel's run --- */
struct lk_push_opts {
	int dry_run;
	int full;
	int force;
};

struct lk_push_stats {
	long sent;              /* items confirmed (or written, for files; or would send, dry run) */
	long unchanged;
	long failed;
	long retries;           /* HTTP retries plus items sent again */
	long throttled;         /* 429/420 answers */
	long requests;
	long zeroed;            /* items going from > 0 (pushed, else seen) to 0 */
	double secs;
	const char *skipped;    /* why the channel was not pushed, or NULL */
	int code;               /* the channel's exit code */
};

/*
 * An alloc record for the channel, with what the marketplace shows for the
 * item when a seen record said so.  An item is unchanged, and not sent,
 * only when lk last pushed that quantity and the marketplace (if seen)
 * still shows it: a marketplace that lost or overwrote stock gets it back.
 */
struct lk_push_want {
	const char *sku;
	long long qty;
	long long shown;
	unsigned char has_shown;
	unsigned char asked;    /* a 0 the seller's rule or pin asks for: not counted by the zero guard */
	unsigned char wanted;   /* an alloc record asked for it (lk-push's input only) */
};

int lk_push_channel(struct lk_state *st, const struct lk_config *cfg,
    const struct lk_channel *ch, struct lk_push_want *w, size_t n,
    const struct lk_push_opts *o, struct lk_push_stats *stats);

/* The channel's push_summary record, one line with its newline (lk-records(5)). */
char *lk_push_summary_line(const struct lk_channel *ch, const struct lk_push_stats *s);
/* Appends a push_summary line for the channel to STATE/.lk/push.log; 0 or -1. */
int lk_push_log(struct lk_state *st, const struct lk_channel *ch, const struct lk_push_stats *s, int dry_run);

/* --- what the marketplace files (mp-NAME.c, mp.h) work on --- */
enum lk_pi_state {
	LK_PI_PENDING,          /* not sent yet, or to send again */
	LK_PI_OK,               /* the marketplace confirmed it */
	LK_PI_FAILED,           /* refused for good (code says why) */
	LK_PI_TEMP              /* refused for now: send again once after a wait, else next run */
};

/*
 * One item to send.  A first sync holds one per product of the channel,
 * so it is kept small: the verdict's code and message are shared strings
 * (below), set only on the items that get one.
 */
struct lk_push_item {
	const char *sku;
	const char *id;         /* the marketplace's item id (catalog column) */
	const char *id2;        /* AliExpress: product_id */
	long long qty;
	long long prev;         /* last pushed, when has_prev */
	long long shown;        /* what the marketplace shows now; -1: unknown */
	const char *code;       /* the marketplace's error code, or NULL */
	const char *error;      /* a message for the pushed record, or NULL */
	unsigned char state;    /* enum lk_pi_state */
	unsigned char sends;    /* requests that carried it */
	unsigned char has_prev;
};

struct lk_push_ctx {
	const struct lk_channel *ch;
	const struct lk_mp *mp;
	const char *base;       /* API root without a trailing '/' */
	char *body_token;       /* MegaMarket's token (body); NULL in a dry run */
	struct curl_slist *headers; /* auth + content type */
	struct lk_http_opts http;
	struct lk_pace pace;
	struct lk_push_stats *stats;
	int dry_run;
};

struct lk_push_req {
	const char *method;
	char *url;
	char *body;
	size_t body_len;
};

/*
 * Helpers for adapters (push.c).  An item's code (at most 63 bytes) and
 * message (at most 255) are kept once per distinct text until
 * lk_push_verdicts_free(), so that a whole batch refused with one message
 * holds it once.
 */
void lk_push_item_fail(struct lk_push_item *it, enum lk_pi_state st, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void lk_push_verdicts_free(void);
/* Frees what lk_push_channel() keeps from one channel to the next (its tables' memory). */
void lk_push_done(void);
/* Marks every not-yet-judged item of the batch with the same verdict. */
void lk_push_fail_all(struct lk_push_item **it, size_t n, enum lk_pi_state st, const char *code, const char *msg);
/* A counted GET for follow-up reads (AliExpress task polls), outside the update pacing; an exit code as lk_http_request. */
int lk_push_get(struct lk_push_ctx *c, const char *url, struct lk_http_resp *resp);
/* The common verdict for statuses the adapters treat alike (401/403, 5xx, 429); -1 when not one. */
int lk_push_common_status(long status, struct lk_push_item **it, size_t n, const struct lk_http_resp *resp,
    char *msg, size_t msglen);

/* --- file channels (push-file.c) --- */
/*
 * Writes the channel's whole output file atomically, every wanted item,
 * where lk_output_where() put it (confine.h): its folders are created
 * (0755) and no symlink below the root is followed; the file is 0644
 * (less the umask).  0, or -1 with the message in err.
 */
struct lk_output;
int lk_push_file_yml(const struct lk_channel *ch, const struct lk_output *where,
    const struct lk_catalog *cat, const struct lk_push_want *w, size_t n, time_t now,
    char *err, size_t errlen);
int lk_push_file_ndjson(const struct lk_channel *ch, const struct lk_output *where,
    const struct lk_push_want *w, size_t n, time_t now, char *err, size_t errlen);

/* --- one run of lk-push (push-main.c) --- */
struct lk_push_cmd {
	const char *dir;            /* the state directory, or NULL */
	const char *input;          /* a file, or NULL for stdin */
	char **sel;                 /* --channel names; none = every channel */
	size_t nsel;
	int strict;
	int summary;                /* a push_summary record per channel on stdout too */
	struct lk_push_opts opts;
};

/* Reads the input, pushes, reports; returns the worst channel's exit status. */
int lk_push_main(const struct lk_push_cmd *cmd);

#endif
