/*
 * state.h - the state directory: config files read into typed structures.
 *
 * The state directory is a git repository (lk(7), STATE DIRECTORY):
 *
 *   lk.json             global settings            -> struct lk_global
 *   sources/NAME.json   one source each            -> struct lk_source
 *   channels/NAME.json  one channel each           -> struct lk_channel
 *   filters/NAME.json   product filters            -> struct lk_filter
 *   catalog.csv         products and their ids     -> struct lk_catalog
 *   overrides.csv       pins: sku,channel,qty|hide -> struct lk_override
 *   .lk/                run data, never versioned (lk_state_lkdir())
 *
 * lk_state_open() opens DIR for reading, from the working tree or, with a
 * revision, from that commit's tree through libgit2 (no checkout; the
 * working tree is not touched).  lk_config_load() reads and validates
 * every file and reports every problem at once into a struct lk_diag, each
 * as "FILE: field: problem"; it returns 0, or -1 when there were problems
 * (the command prints them with lk_diag_print() and exits 78).  A loaded
 * config owns all its strings; free it with lk_config_free().
 */
#ifndef LK_STATE_H
#define LK_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "util.h"

/* --- problems, collected --- */
struct lk_diag {
	char **msgs;
	size_t n, cap;
};
void lk_diag_add(struct lk_diag *d, const char *file, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prints each problem as "PROG: FILE: field: problem"; returns the count. */
size_t lk_diag_print(const struct lk_diag *d);
void lk_diag_free(struct lk_diag *d);

/* --- the state directory, at the working tree or at a git revision --- */
struct lk_state;

/*
 * dir NULL means $LK_STATE_DIR, else ".".  rev NULL reads the working
 * tree.  Returns NULL with a message in err (exit 78 for a bad revision,
 * 66 for a missing directory: *code says which).
 */
struct lk_state *lk_state_open(const char *dir, const char *rev, char *err, size_t errlen, int *code);
void lk_state_close(struct lk_state *st);
const char *lk_state_dir(const struct lk_state *st);
/*
 * The run-data folder STATE/.lk (always the working tree's), created on
 * demand, private (0700) and never through a symlink (confine.h).
 */
const char *lk_state_lkdir(struct lk_state *st);
/* Reads a file by its path relative to the state directory; 0, or -1 (errno ENOENT when missing). */
int lk_state_read(struct lk_state *st, const char *rel, char **buf, size_t *len);
/*
 * A key that differs for every version of rel: at a revision its blob
 * id; else its file's device, inode, size, mtime and ctime, unless those
 * times are within 2 s of now, when a change in the same clock tick could
 * keep them (git's "racy" index entries).  0, or -1: no key (missing,
 * too recent, or longer than len).
 */
int lk_state_key(struct lk_state *st, const char *rel, char *key, size_t len);
/*
 * The same in pieces, for a file too big to hold whole (catalog.csv):
 * fn gets each in turn and returns 0 to go on, else stops the read.
 * 0, or -1 (errno ENOENT when missing).
 */
int lk_state_read_each(struct lk_state *st, const char *rel,
    int (*fn)(const char *piece, size_t len, void *arg), void *arg);
/* Names of the *.json files in a folder ("channels"), without ".json", sorted. */
char **lk_state_list(struct lk_state *st, const char *folder, size_t *n);
void lk_strv_free(char **v, size_t n);

/* --- credentials: never stored in the repository --- */
struct lk_cred {
	char *env;          /* environment variable holding the secret */
	char *file;         /* or a file outside the repo: the secret, or a JSON object */
	char *key;          /* with file: the key in that JSON object */
	char *client_id_env;/* Ozon's Client-Id (not secret, but per account) */
	char *client_id;
};

/* --- lk.json --- */
struct lk_global {
	int push;                   /* the master switch: false = lk-push sends nothing */
	struct lk_limit max_zero;   /* default zero guard of lk-push ("10%") */
	long long source_max_age;   /* seconds a failed source may use its last snapshot (6h) */
	long long reserve_max_age;  /* seconds an order reserves at most (72h) */
	long long seen_reserve_ttl; /* seconds an unexplained marketplace decrease stays reserved (1h) */
	long long lock_timeout;     /* seconds to wait for the state lock (30) */
	long long runs_keep;        /* lk-sync: runs kept in .lk/runs (20) */
	char **output_dirs;         /* absolute folders file channels may write into, besides out/ */
	size_t noutput_dirs;
	char *metrics_file;         /* lk-sync: a Prometheus textfile written after each run, or NULL */
};

/* --- sources/NAME.json --- */
/* The zone of a source's own dates when they carry none: most Russian feeds write Moscow time. */
#define LK_SOURCE_TZ "Europe/Moscow"

struct lk_source {
	char *name;
	char *file;                 /* "sources/NAME.json", for messages */
	char *kind;                 /* yml, csv, cml, xlsx, ndjson, email */
	char *url;                  /* http(s)://, ftp://, file:// or a path */
	char *imap_url;             /* kind email: imaps://host/FOLDER */
	char *imap_subject;         /* kind email: newest message whose subject contains this */
	char *imap_from;            /* kind email: ... and whose sender contains this */
	char *attachment;           /* kind email: attachment file name glob ("*.csv") */
	char *format;               /* kind email: the attachment's format (yml, csv, cml, xlsx) */
	struct lk_cred cred;        /* for http basic auth or imap login */
	char *user;                 /* login name for imap/http auth */
	int on_sale;                /* only sources on sale count for channels (true) */
	long long max_age;          /* overrides lk.json source_max_age (0 = unset) */
	struct lk_limit max_drop;   /* a complete read losing more of the snapshot's products fails ("50%") */
	int bad_rows_fail;          /* bad_rows "fail": an unreadable row fails the source (else "keep") */
	/* fetch options (0 = default) */
	long long timeout, connect_timeout, max_size;
	long long retries;          /* -1 = unset: the default (5); 0 = none */
	char *ca_file;
	/* parser options, the same names as the parsers' long options */
	char *sku;                  /* yml: id|vendorCode|barcode|ELEMENT; cml: id|article|barcode; csv: column */
	char *qty;                  /* yml: count|outlets|quantity|stock|ELEMENT|@ATTR; csv: column */
	char *location;             /* csv: column */
	char *outlets;              /* yml: split (one record per outlet) | sum */
	int unavailable_zero;       /* yml: available="false" gives 0 (true) */
	char *encoding;             /* auto | utf-8 | windows-1251 */
	char *delimiter;            /* csv: one character, or "tab" */
	char *quote;                /* csv: one character */
	int header;                 /* csv: first row is a header (true) */
	char *duplicates;           /* sum | error */
	long long available_qty;    /* yml: units an available offer without a quantity has (-1 = none) */
	int per_warehouse;          /* cml: one record per 1C warehouse (false) */
	int location_names;         /* cml: location is the warehouse's name, not its id (false) */
	char *timezone;             /* the zone of the source's dates without one (LK_SOURCE_TZ) */
	long long lag;              /* seconds the source trails even when fresh (0) */
	char *sheet;                /* xlsx: sheet name or number from 1 (the first) */
	long long header_row;       /* xlsx: the header's row (0: the first with the columns) */
	char *locations;            /* xlsx: quantity columns, one per location, comma-separated */
	json_t *raw;                /* the whole object */
};

/* --- rules (lk-alloc(1) explains each step) --- */
enum lk_step_kind {
	LK_STEP_SHARE,      /* {"share": 50}            keep 50%, rounded down */
	LK_STEP_EQUAL,      /* {"equal": true}          split equally with the other equal channels */
	LK_STEP_IF,         /* {"if": ">", "value": 10, "then": 10 | "qty"} */
	LK_STEP_BUFFER,     /* {"buffer": 2}            keep 2 back */
	LK_STEP_MAX,        /* {"max": 50}              show at most 50 */
	LK_STEP_MIN         /* {"min": 3}               below 3 show 0 */
};
enum lk_cmp { LK_CMP_EQ, LK_CMP_GT, LK_CMP_LT, LK_CMP_GE, LK_CMP_LE };
struct lk_rule_step {
	enum lk_step_kind kind;
	double percent;             /* SHARE: 0..100 */
	enum lk_cmp op;             /* IF */
	long long value;            /* IF: compared with; BUFFER/MAX/MIN: N */
	long long then;             /* IF: result, unless then_qty */
	int then_qty;               /* IF: the result is the quantity itself */
};

/* A channel's source, optionally only some locations (outlets, 1C warehouses). */
struct lk_chan_source {
	char *name;
	char **locations;
	size_t nlocations;
};

/* --- channels/NAME.json --- */
struct lk_channel {
	char *name;
	char *file;                 /* "channels/NAME.json" */
	char *marketplace;          /* wb, ozon, ym, mm, ae; or yml, ndjson (file channels) */
	int enabled;                /* (true) */
	char *base_url;             /* API root; tests point it at the double */
	long long warehouse_id;     /* wb seller warehouse, ozon warehouse, ym v3 partnerWarehouseId */
	long long campaign_id;      /* ym v2 */
	long long business_id;      /* ym v3 */
	char *ym_api;               /* ym: "v2" (campaigns) or "v3" (businesses) */
	char *ae_product_column;    /* unused unless ae: catalog column of product_id */
	struct lk_cred cred;
	struct lk_chan_source *sources;
	size_t nsources;
	char *filter;               /* filters/NAME.json, or NULL */
	struct lk_rule_step *rule;
	size_t nrule;
	struct lk_limit max_zero;   /* overrides lk.json when max_zero_set */
	int max_zero_set;
	int overlap;                /* may show units other channels show too (false) */
	char *output;               /* yml/ndjson channels: the file written */
	char *shop_name;            /* yml channels: <shop><name> */
	double rate;                /* requests per second (0 = the API's documented rate) */
	long long batch;            /* items per request (0 = the API's maximum) */
	long long timeout;          /* seconds per request (0 = default) */
	int cancel_returns_stock;   /* a buyer's cancel gives the units back to the shown stock (true) */
	json_t *raw;
};

/* --- filters/NAME.json: {"include": {COLUMN: [...]}, "exclude": {...}} --- */
struct lk_filter_term {
	char *column;               /* "sku", "brand", "category", any catalog column */
	int glob;                   /* "sku_glob" etc.: values are fnmatch(3) patterns */
	char **values;
	size_t nvalues;
};
struct lk_filter {
	char *name;
	struct lk_filter_term *include; /* all terms must match (none = everything) */
	size_t ninclude;
	struct lk_filter_term *exclude; /* any matching term excludes */
	size_t nexclude;
};

/*
 * --- catalog.csv: header row; "sku" first; any further columns ---
 * A million products must fit every process of a cycle, so the file is
 * read in pieces, never whole, and only the columns a command keeps
 * (struct lk_catalog_keep) stay in memory: every cell of them in one
 * block of NUL-terminated strings, a row's cell a 32-bit offset into it,
 * a cell equal to its row's sku or to a recent value of its column stored
 * once; the sku index holds 32-bit row numbers.  Every row is read and
 * checked all the same, kept or not.
 */
struct lk_catalog {
	char **columns;             /* the header: every column, kept or not */
	size_t ncolumns;
	size_t nrows;
	/* private (catalog.c) */
	uint32_t **cells_;          /* cells_[col][row]: offset in strings_; NULL: not kept */
	char *strings_;
	size_t nstrings_, strings_cap_;
	uint32_t *index_;           /* sku -> row + 1, open addressing */
	size_t index_cap_;
	void *map_;                 /* the cache file all of the above points into, or NULL */
	size_t map_len_;
};
/* Row of sku, or -1. */
long lk_catalog_find(const struct lk_catalog *c, const char *sku);
/* The same for len bytes of sku (not NUL-terminated). */
long lk_catalog_find_n(const struct lk_catalog *c, const char *sku, size_t len);
/* Column number (kept or not), or -1. */
int lk_catalog_column(const struct lk_catalog *c, const char *name);
/*
 * The value of column col of row, "" when empty (or out of range); valid
 * until lk_catalog_free().  Reading a column the command did not keep is
 * a bug: exit 70.
 */
const char *lk_catalog_get(const struct lk_catalog *c, long row, int col);
/* Whether column col is in memory. */
int lk_catalog_kept(const struct lk_catalog *c, int col);

/*
 * What a command keeps of catalog.csv besides the skus (which every
 * command keeps: overrides.csv and the records name products by sku).
 * NULL: the skus only.
 */
enum {
	LK_KEEP_IDS = 1,            /* the columns the channels read (lk_mp_channel_columns()) */
	LK_KEEP_FILTERS = 2,        /* the columns the filters name */
	LK_KEEP_ALL = 4             /* every column */
};
struct lk_catalog_keep {
	unsigned what;
	const char *const *channels; /* LK_KEEP_IDS: only these channels (NULL-terminated); NULL: all */
};

/* Catalog columns that hold each marketplace's id. */
#define LK_COL_WB       "wb_chrt_id"
#define LK_COL_OZON     "ozon_offer_id"
#define LK_COL_OZON_PID "ozon_product_id"
#define LK_COL_YM       "ym_sku"
#define LK_COL_MM       "mm_offer_id"
#define LK_COL_AE       "ae_sku_code"
#define LK_COL_AE_PID   "ae_product_id"
#define LK_COL_AE_SKU_ID "ae_sku_id"      /* AliExpress numeric sku id: stock reads */

/* --- overrides.csv: sku,channel,qty  (qty a number or "hide") --- */
struct lk_override {
	char *sku;
	char *channel;
	long long qty;
	int hide;
};

struct lk_config {
	struct lk_global global;
	struct lk_source *sources;
	size_t nsources;
	struct lk_channel *channels;
	size_t nchannels;
	struct lk_filter *filters;
	size_t nfilters;
	struct lk_catalog catalog;
	struct lk_override *overrides;
	size_t noverrides;
};

/* Loads everything, the catalog's every column (lk_config_load_keep() with LK_KEEP_ALL). */
int lk_config_load(struct lk_state *st, struct lk_config *cfg, struct lk_diag *d);
int lk_config_load_keep(struct lk_state *st, struct lk_config *cfg,
    const struct lk_catalog_keep *keep, struct lk_diag *d);
/* Part of lk_config_load(): catalog.csv with the named columns kept (NULL-terminated; NULL: all). */
void lk_catalog_load(struct lk_state *st, struct lk_catalog *c, const char *const *keep,
    struct lk_diag *d);
/* The same from catalog.csv's text in memory, every column kept (tests, tools). */
void lk_catalog_parse(const char *text, size_t len, struct lk_catalog *c, struct lk_diag *d);
void lk_catalog_free(struct lk_catalog *c);
void lk_config_free(struct lk_config *cfg);
const struct lk_source *lk_config_source(const struct lk_config *cfg, const char *name);
const struct lk_channel *lk_config_channel(const struct lk_config *cfg, const char *name);
const struct lk_filter *lk_config_filter(const struct lk_config *cfg, const char *name);

/*
 * Opens the state directory (--state-dir or $LK_STATE_DIR or "."), at rev,
 * loads the config keeping what keep says of the catalog, and on any
 * problem prints them all and exits 78 (or 66 when the folder is
 * missing).  What most commands call.
 */
struct lk_state *lk_config_open_or_die(const char *dir, const char *rev, struct lk_config *cfg,
    const struct lk_catalog_keep *keep);

#endif
