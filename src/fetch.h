/*
 * fetch.h - downloading a source's bytes (lk-fetch(1)).
 *
 * lk_fetch_run() writes the bytes of one source to out: http(s) and ftp
 * through lk_http_stream(), local files (file:// or a path) by reading
 * them, imap/imaps by finding the newest message in a folder whose
 * subject and sender contain the given strings and decoding its
 * attachment (mime.h).  The bytes are streamed; memory stays small
 * whatever the size (an e-mail message is held in memory, bounded by
 * max_size).
 *
 * With cache_dir (STATE/.lk/fetch) and a name, NAME.json records the
 * source's last complete read: for http(s) the ETag and Last-Modified of
 * the download, whose bytes NAME.body keeps (both written atomically, only
 * after a complete download), for a local file its identity (device,
 * inode, size, mtime and ctime in nanoseconds; not recorded when the file
 * changed during the read or within 2 s of it, as such a change could
 * hide in the timestamps' tick).  http(s) downloads are conditional: on
 * 304 the cached body is replayed, so the pipeline always gets a whole
 * document.  With if_changed, a source whose server answers 304, or a
 * file whose identity is the recorded one, is not read at all: nothing is
 * written and st->unchanged says so (lk_fetch_reuse() then gives the
 * records kept from that read).
 *
 * Returns 0, or an exit code (75 temporary, 69 refused, 66 missing file,
 * 74 write error, 78 bad configuration) with the reason in err (never a
 * secret).  st->written tells whether bytes already reached out.
 */
#ifndef LK_FETCH_H
#define LK_FETCH_H

#include <stdio.h>
#include <time.h>

#include "http.h"

struct lk_fetch_src {
	const char *name;           /* source name; NULL for an ad-hoc URL */
	const char *url;            /* http(s)://, ftp(s)://, file://, a path, imap(s):// */
	const char *user;           /* imap login, http/ftp basic auth */
	const char *password;       /* secret; may be NULL */
	const char *imap_subject;   /* imap: subject contains */
	const char *imap_from;      /* imap: sender contains */
	const char *attachment;     /* imap: file name glob; NULL = first attachment */
	const char *cache_dir;      /* NULL: no conditional GET, no body cache */
	int no_cache;               /* ignore the cache (a full download; still refreshed) */
	int if_changed;             /* an unchanged source is not read (st->unchanged) */
	struct lk_http_opts http;
};

struct lk_fetch_stat {
	long long written;          /* bytes written to out */
	long status;                /* final HTTP status (0 when not HTTP) */
	int from_cache;             /* 1 when a 304 replayed the cached body */
	time_t modified;            /* the bytes' own time: Last-Modified, a file's mtime; 0 unknown */
	int unchanged;              /* if_changed: the source is as recorded; nothing written */
	time_t read_at;             /* unchanged or 304: when the recorded read was made; 0 unknown */
};

int lk_fetch_run(const struct lk_fetch_src *src, FILE *out,
    struct lk_fetch_stat *st, char *err, size_t errlen);

/* Whether url names an IMAP mailbox (imap:// or imaps://). */
int lk_fetch_is_imap(const char *url);

/*
 * The records of a source's last complete read (fetch-keep.c), so that an
 * unchanged source need not be parsed again.  In lkdir/fetch/:
 * NAME.ndjson, the parser's output of the read that NAME.json records,
 * and NAME.kept.json, what it was made from: that record, a hash of the
 * source's configuration (sources/NAME.json and lk.json), the lk version,
 * and the kept file's size and last line (its sentinel).  All written
 * atomically under the state lock.
 *
 * lk_fetch_keep() keeps a copy of file (the records a parser wrote from
 * the download just made) when its last line is a complete sentinel of
 * the source; returns 1 kept, 0 not
 * (the read did not complete, or no record of it: any older kept
 * records are dropped), -1 on an error, reported.
 *
 * lk_fetch_kept_ok() says whether the kept records are those of the
 * recorded read, under the current configuration and lk version, and
 * whole.  lk_fetch_reuse() copies them to file (a new file, replacing
 * any): 0, or -1 with errno.  Copies, not links, so that editing a run's
 * file by hand never edits what is kept.
 */
int lk_fetch_keep(const char *state_dir, const char *lkdir, const char *name, const char *file);
int lk_fetch_kept_ok(const char *state_dir, const char *lkdir, const char *name);
int lk_fetch_reuse(const char *lkdir, const char *name, const char *file);

/* --- one run of lk-fetch (fetch-main.c) --- */
struct lk_fetch_cmd {
	const char *state_dir;      /* -C, or NULL */
	const char *source;         /* a source name; or */
	const char *url;            /* --url; or */
	const char *channel;        /* with have_kind: the channel listed */
	int have_kind;
	int kind;                   /* enum lk_mpread_kind */
	const char *output;         /* -o: written atomically; NULL = stdout */
	const char *ca_file;
	int no_cache;
	const char *reuse;          /* --reuse FILE */
	const char *keep;           /* --keep FILE */
	long long timeout, ctimeout, max_size;  /* 0 = the source's or the default */
	long long retries;          /* -2 = the source's or the default */
	long long since;            /* --orders: how far back, seconds */
};

/* Fetches; returns the exit status (fatal config errors exit inside). */
int lk_fetch_main(const struct lk_fetch_cmd *cmd);

#endif
