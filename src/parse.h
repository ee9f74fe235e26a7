/*
 * parse.h - what the source parsers (lk-parse-yml, lk-parse-cml,
 * lk-parse-csv, lk-parse-xlsx) share: options, the input stream,
 * quantity numbers, the duplicate set and the record sink.
 *
 * Calling sequence (cmd/lk-parse-*.c, and the fuzzers):
 *
 *   struct lk_parse p;
 *   lk_parse_init(&p, &opts, sink, arg);     opts and arg are borrowed
 *   lk_input_open_fd() / lk_input_open_mem() the bytes, gzip detected
 *   lk_yml_parse(&p, &in) / lk_cml_parse() / lk_csv_parse() / lk_xlsx_parse()
 *   lk_parse_summary(&p)                     the one warning of counts
 *   lk_parse_emit_sentinel(&p)               the "source" record
 *   lk_parse_free(&p); exit(lk_parse_status(&p))
 *
 * A parser calls the sink once per stock record, in input order, as soon
 * as the record is complete: nothing is held back, so a failed run has
 * already handed over every record read before the failure.  Records of
 * one source with the same sku and location add up (lk-records(5)); the
 * duplicate set only counts them or, with --duplicates error, rejects
 * them.  That set (8 bytes per distinct sku and location) is the only
 * memory that grows with the input.
 *
 * Errors never exit: a record error (a quantity that is not a number) is
 * reported through p->report with its line and the record is skipped
 * (p->nbad); a fatal error (malformed or truncated input, an entity
 * declaration, a strict record error) sets p->failed and p->error to
 * "NAME:LINE:COL: reason" and the parser returns -1.
 */
#ifndef LK_PARSE_H
#define LK_PARSE_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

enum lk_dup_policy { LK_DUP_SUM, LK_DUP_ERROR };

struct lk_parse_opts {
	const char *source;     /* the "source" field of every record */
	const char *name;       /* input name for messages ("feed.xml", "<stdin>") */
	const char *sku;        /* yml: id|vendorCode|barcode|ELEMENT|@ATTR; cml: id|article|barcode; csv: column */
	const char *qty;        /* yml: auto|count|outlets|quantity|stock|ELEMENT|@ATTR; csv: column */
	const char *location;   /* csv: column */
	const char *encoding;   /* auto | utf-8 | windows-1251 */
	int outlets_sum;        /* yml: one record per offer, outlets summed */
	int unavailable_zero;   /* yml: available="false" gives 0 */
	long long available_qty;/* yml: units for an available offer without a quantity; -1: none */
	int per_warehouse;      /* cml: one record per warehouse */
	int location_names;     /* cml: location is the warehouse name */
	int delimiter;          /* csv: 0 = detect from the header */
	int quote;              /* csv: quote character */
	int header;             /* csv, xlsx: there is a header row */
	const char *sheet;      /* xlsx: sheet name or number from 1; NULL: the first */
	long header_row;        /* xlsx: the header's row number; 0: the first with the columns */
	const char *locations;  /* xlsx: quantity columns, one per location, comma-separated */
	enum lk_dup_policy duplicates;
	int strict;             /* a record error is fatal */
	const char *timezone;   /* of the feed's own date when it has no zone; NULL: LK_SOURCE_TZ */
};

/* Sets the defaults: sum duplicates, unavailable_zero, header, '"'. */
void lk_parse_opts_init(struct lk_parse_opts *o);

/*
 * Fills the options the command line left unset (NULL / set[] flag 0)
 * from a source config.  set is indexed by enum lk_parse_optbit.  Returns
 * 0, or -1 with "field: problem" in err.
 */
enum lk_parse_optbit {
	LK_OPT_SKU, LK_OPT_QTY, LK_OPT_LOCATION, LK_OPT_OUTLETS,
	LK_OPT_UNAVAILABLE, LK_OPT_AVAILABLE_QTY, LK_OPT_ENCODING,
	LK_OPT_DELIMITER, LK_OPT_QUOTE, LK_OPT_HEADER, LK_OPT_DUPLICATES,
	LK_OPT_PER_WAREHOUSE, LK_OPT_LOCATION_NAMES, LK_OPT_SHEET, LK_OPT_HEADER_ROW,
	LK_OPT_LOCATIONS, LK_OPT_NBITS
};
int lk_parse_opts_from_source(struct lk_parse_opts *o, const unsigned char set[LK_OPT_NBITS],
    const struct lk_source *src, char *err, size_t errlen);

/* Option values shared by the commands' getopt loops; 0, or -1. */
int lk_parse_opt_duplicates(const char *s, enum lk_dup_policy *out);
int lk_parse_opt_char(const char *s, int *out);     /* "x", "tab", "\t" */
int lk_parse_opt_encoding(const char *s);           /* auto, utf-8, windows-1251 */

/* One stock record; strings are NUL-terminated, optional ones NULL. */
struct lk_stock {
	const char *sku;
	const char *location;
	const char *barcode;
	const char *name;
	long long qty;
	unsigned long line;     /* where the record starts, for messages */
};

typedef void lk_stock_fn(void *arg, const struct lk_stock *s);
typedef void lk_report_fn(void *arg, const char *msg);

/*
 * A row or offer that could not be read (lk-records(5), bad_record): its
 * sku and location when they could be read, else NULL, so that lk-alloc
 * keeps that product at its last quantity instead of taking it as gone.
 */
struct lk_bad {
	const char *sku;
	const char *location;
	unsigned long line;
	const char *error;      /* "NAME:LINE[:COL]: reason" */
};
typedef void lk_bad_fn(void *arg, const struct lk_bad *b);

/* The duplicate set: 64-bit hashes of sku and location, open addressing. */
struct lk_keyset {
	uint64_t *slots;        /* 0 = empty */
	size_t cap, n;
};

struct lk_parse {
	const struct lk_parse_opts *o;
	lk_stock_fn *sink;
	void *arg;
	lk_report_fn *report;   /* record errors and the summary; default lk_warn */
	void *report_arg;
	lk_bad_fn *bad;         /* each record error too (arg), or NULL */
	unsigned long records;  /* stock records given to the sink */
	unsigned long nbad;     /* records skipped with an error */
	unsigned long floored, negative, dups;
	struct lk_keyset seen;
	int failed;
	char error[512];        /* "NAME:LINE:COL: reason" when failed */
	time_t produced;        /* when the source produced the input, by its clock; 0: unknown */
	const char *produced_from;  /* "feed" (its own date), "file" (the input file's mtime) */
};

void lk_parse_init(struct lk_parse *p, const struct lk_parse_opts *o, lk_stock_fn *sink, void *arg);
void lk_parse_free(struct lk_parse *p);

/* Hands a record to the sink after the duplicate check; 0, or -1 when rejected. */
int lk_parse_stock(struct lk_parse *p, const struct lk_stock *s);

/*
 * A hint that a record with this key will come soon: the set's slot is
 * fetched into the cache meanwhile (on a big feed the set is larger than
 * the cache, and the miss was a tenth of the run time).
 */
void lk_parse_prefetch(const struct lk_parse *p, const char *sku, const char *loc);

/*
 * A record error at line:col (col 0: none), of the offer or row of sku
 * (and location) when known; fatal with strict.  Reported, counted in
 * p->nbad, and handed to p->bad.
 */
void lk_parse_bad(struct lk_parse *p, unsigned long line, unsigned long col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void lk_parse_bad_sku(struct lk_parse *p, const char *sku, const char *location,
    unsigned long line, unsigned long col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* A fatal error: the first one wins.  Returns -1 for the caller's return. */
int lk_parse_fail(struct lk_parse *p, unsigned long line, unsigned long col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Reads a quantity: optional sign, digits with ' ', NBSP (U+00A0, U+202F
 * or a raw 0xA0 byte) as thousands separators, and one decimal '.' or ','.
 * Surrounding blanks are ignored.  A fraction is floored and a negative
 * number becomes 0, each counted for the summary.  0, -1 when s is not
 * a number, or -2 when it is above LK_QTY_MAX (util.h).
 */
int lk_parse_qty(struct lk_parse *p, const char *s, size_t len, long long *out);

/*
 * Offers without any quantity.  Kept aside (the first few) so that a feed
 * where no offer has one fails as a whole with one message instead of
 * completing with no records, which would zero the seller's stock.
 */
#define LK_NOQTY_SHOWN 10
struct lk_noqty {
	unsigned long n;        /* offers without a quantity */
	unsigned long nqty;     /* offers with one */
	unsigned long offers;
	struct { char sku[256]; unsigned long line; } first[LK_NOQTY_SHOWN];
};
/* An offer without a quantity: an error now with strict, else noted. */
void lk_noqty_add(struct lk_parse *p, struct lk_noqty *q, const char *sku,
    unsigned long line, const char *what);
/* At the end: fails when no offer had a quantity, else reports them; 0 or -1. */
int lk_noqty_finish(struct lk_parse *p, const struct lk_noqty *q, const char *what,
    const char *hint);

/*
 * The date the input gives for itself (YML yml_catalog@date, CommerceML
 * ДатаФормирования), read with lk_parse_local_time() in the options'
 * timezone; one that is not a date is reported and ignored.
 */
void lk_parse_produced(struct lk_parse *p, const char *s, size_t len);

/* The one warning: floored, negative and duplicate counts (if any). */
void lk_parse_summary(struct lk_parse *p);
/*
 * Emits {"type":"source",...} with lk_emit_*: "produced" is p->produced,
 * else the current time ("produced_from":"now"), and never after it.
 */
void lk_parse_emit_sentinel(const struct lk_parse *p);
/* 0, 1 (records skipped) or 65 (failed). */
int lk_parse_status(const struct lk_parse *p);
/* The sink of the commands: lk_emit_* one stock record; arg is the source name. */
void lk_parse_emit_stock(void *arg, const struct lk_stock *s);
/* The same for a bad_record record. */
void lk_parse_emit_bad(void *arg, const struct lk_bad *b);
/* The message of a quantity lk_parse_qty() refused (rc -1 or -2), for lk_parse_bad(). */
const char *lk_parse_qty_why(int rc);

/* Copies at most cap-1 bytes of s, cut at a UTF-8 boundary; returns the length. */
size_t lk_parse_copy(char *dst, size_t cap, const char *s, size_t len);

/* --- input: a file descriptor or memory, gzip decompressed on the fly --- */
struct lk_input {
	int fd;                 /* -1: memory */
	const unsigned char *mem;
	size_t memlen, mempos;
	int started;            /* the magic bytes were looked at */
	int gz;                 /* detected from the magic bytes */
	void *zs;               /* z_stream when gz */
	unsigned char *zbuf;    /* compressed bytes read ahead */
	int zmember;            /* inside a gzip member */
	int zend;               /* end of the compressed input */
	unsigned char peek[2];
	size_t npeek;
	char error[128];        /* a read or gzip error */
};

void lk_input_open_fd(struct lk_input *in, int fd);
void lk_input_open_mem(struct lk_input *in, const void *buf, size_t len);
/* Reads up to n bytes; returns the count, 0 at the end, -1 on error (in->error). */
long lk_input_read(struct lk_input *in, void *buf, size_t n);
void lk_input_close(struct lk_input *in);

/* --- the commands (parse-cli.c): after getopt --- */
struct lk_parse_cli {
	const char *kind;       /* "yml", "cml", "csv", "xlsx" */
	struct lk_parse_opts opts;
	unsigned char set[LK_OPT_NBITS];   /* given on the command line */
	const char *source;     /* --source NAME: name and sources/NAME.json */
	const char *name;       /* --name NAME: just the name */
	const char *state_dir;  /* -C */
	const char *file;       /* NULL or "-": stdin */
	struct lk_config cfg;
	struct lk_state *st;
	int have_cfg;
};

/*
 * The long options of the parsers, one id each, so one handler serves the
 * parser commands; each command's option table lists those it accepts.
 */
enum lk_parse_optid {
	LK_PO_NAME = 256, LK_PO_SKU, LK_PO_QTY, LK_PO_LOCATION, LK_PO_OUTLETS,
	LK_PO_AVAILABLE_QTY, LK_PO_KEEP_UNAVAILABLE, LK_PO_PER_WAREHOUSE,
	LK_PO_LOCATION_NAMES, LK_PO_DELIMITER, LK_PO_QUOTE, LK_PO_NO_HEADER,
	LK_PO_ENCODING, LK_PO_DUPLICATES, LK_PO_STRICT, LK_PO_SHEET, LK_PO_HEADER_ROW,
	LK_PO_LOCATIONS
};

/*
 * A parser command's whole main(): options (longopts, plus -C, -s, -q, -v,
 * -h, -V), the source config of the given kind, the input, the run.
 * Returns the exit status.
 */
int lk_parse_cli_main(int argc, char **argv, const char *usage, const struct option *longopts,
    const char *kind, int (*parse)(struct lk_parse *, struct lk_input *));

/* With --source, fills unset options from sources/NAME.json (exits 66/78). */
void lk_parse_cli_config(struct lk_parse_cli *c, const char *kind);
/* Opens the input, parses, warns, emits the sentinel; returns the exit status. */
int lk_parse_cli_run(struct lk_parse_cli *c, int (*parse)(struct lk_parse *, struct lk_input *));

/* The parsers: 0 when the input was read to its end, -1 when failed. */
int lk_yml_parse(struct lk_parse *p, struct lk_input *in);
int lk_cml_parse(struct lk_parse *p, struct lk_input *in);
int lk_csv_parse(struct lk_parse *p, struct lk_input *in);
/* xlsx.c: the input is a zip archive (read in place, or spooled; xlsx-zip.h). */
int lk_xlsx_parse(struct lk_parse *p, struct lk_input *in);

#endif
