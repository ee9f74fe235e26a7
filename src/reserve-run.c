/*
 * reserve-run.c - one lk-reserve run (lk-reserve(1)): the channels'
 * settings, the input records, the ledger under the state lock, and the
 * output.  The ledger rules themselves are in reserve.c.
 *
 * Records other than order and orders pass through; they are written
 * only after the ledger is saved, so a run that cannot save its ledger
 * writes nothing and lk-alloc never sees stock without its reserve.  When
 * stdin is a file (lk-sync's reserve.in) they are read from it again then:
 * the lines that come out as they went in are copied by the kernel, in
 * spans, and the others written again from the line.  From a pipe they
 * are buffered in a temporary file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "exit.h"
#include "lock.h"
#include "ndjson.h"
#include "push.h"
#include "reserve.h"
#include "state.h"
#include "util.h"

/* What lk-reserve needs to know about each configured channel. */
struct chan {
	const struct lk_channel *ch;
	const char **statuses;      /* NULL-terminated; NULL = none known */
	long long grace;
	struct lk_pushstate *pushed;/* what lk-push last sent, loaded on first use */
	int evicted;                /* pushed was loaded, then given to another channel */
};

/* A piece of stdin that passes through: its bytes as they are, or one line written again. */
enum { SPAN_RAW, SPAN_FLAT, SPAN_JSON };
struct span {
	unsigned long long off;     /* from where stdin started */
	size_t len;
	int how;
};

struct run {
	struct lk_config cfg;
	struct lk_state *st;
	struct chan *chans;
	struct lk_reserve rsv;
	struct lk_reader rd;
	struct chan *resident;      /* the one channel whose pushed state is in memory */
	int keep_all;               /* ... unless the input went back to an evicted one */
	int reread;                 /* stdin is a file: what passes through is read again */
	off_t in0;                  /* where stdin started */
	struct span *spans;
	size_t nspans, spancap;
	unsigned long nbad;
	int dry_run;
};

/* --- channel settings: reserve_statuses and seen_grace from the channel file --- */

static const char **
chan_statuses(const struct lk_channel *ch, struct lk_diag *d)
{
	json_t *a = ch->raw ? json_object_get(ch->raw, "reserve_statuses") : NULL;
	const char *const *def = lk_reserve_status_defaults(ch->marketplace);
	const char **v;
	size_t n = 0;

	if (a == NULL) {
		while (def && def[n])
			n++;
		if (def == NULL)
			return NULL;
		v = lk_xcalloc(n + 1, sizeof *v);
		memcpy(v, def, n * sizeof *v);
		return v;
	}
	if (!json_is_array(a)) {
		lk_diag_add(d, ch->file, "reserve_statuses", "must be an array of strings");
		return NULL;
	}
	v = lk_xcalloc(json_array_size(a) + 1, sizeof *v);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s == NULL)
			lk_diag_add(d, ch->file, "reserve_statuses", "item %zu is not a string", i + 1);
		else
			v[n++] = s;
	}
	return v;
}

static long long
chan_grace(const struct lk_channel *ch, struct lk_diag *d)
{
	json_t *g = ch->raw ? json_object_get(ch->raw, "seen_grace") : NULL;
	long long v;

	/* Yandex Market applies stock "within up to 15 minutes"; the others within seconds. */
	if (g == NULL)
		return ch->marketplace && strcmp(ch->marketplace, "ym") == 0 ? 900 : 120;
	if (json_is_integer(g) && json_integer_value(g) >= 0)
		return json_integer_value(g);
	if (json_is_string(g) && lk_parse_duration(json_string_value(g), &v) == 0)
		return v;
	lk_diag_add(d, ch->file, "seen_grace", "must be a duration (\"15m\") or seconds");
	return 0;
}

static void
load_channels(struct run *r)
{
	struct lk_diag d = { 0 };

	for (size_t i = 0; i < r->cfg.nsources; i++)
		if (r->cfg.sources[i].on_sale)
			lk_reserve_source_add(&r->rsv, r->cfg.sources[i].name, r->cfg.sources[i].lag);

	r->chans = lk_xcalloc(r->cfg.nchannels, sizeof *r->chans);
	for (size_t i = 0; i < r->cfg.nchannels; i++) {
		r->chans[i].ch = &r->cfg.channels[i];
		r->chans[i].statuses = chan_statuses(&r->cfg.channels[i], &d);
		r->chans[i].grace = chan_grace(&r->cfg.channels[i], &d);
		if (!r->cfg.channels[i].cancel_returns_stock)
			lk_reserve_cancel_keeps(&r->rsv, r->cfg.channels[i].name);
	}
	if (lk_diag_print(&d) > 0)
		exit(LK_EX_CONFIG);
	lk_diag_free(&d);
}

static struct chan *
chan_find(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->cfg.nchannels; i++)
		if (strcmp(r->chans[i].ch->name, name) == 0)
			return &r->chans[i];
	return NULL;
}

/*
 * STATE/.lk/pushed/CHANNEL.ndjson and its journal (push.h): what lk-push
 * last sent; a missing file is nothing known.  The seen records come one
 * channel after the other (lk-sync lists each channel's stock in one
 * piece), so one channel's state is in memory at a time, the next loaded
 * into the same memory: fresh pages cost more than reading the files.
 * An input that goes back to a channel met before has every state kept
 * from then on, so no file is read more than twice.
 */
static struct lk_pushstate *
chan_pushed(struct run *r, struct chan *c)
{
	struct chan *o = r->resident;
	struct lk_pushstate *ps;
	char *path;
	int rc;

	if (c->pushed)
		return c->pushed;
	path = lk_xasprintf("%s/pushed/%s.ndjson", lk_state_lkdir(r->st), c->ch->name);
	if (o && !c->evicted && !r->keep_all) {
		ps = o->pushed;
		o->pushed = NULL;
		o->evicted = 1;
		rc = lk_pushstate_reload(ps, path, c->ch->name, "pushed");
	} else {
		if (c->evicted)
			r->keep_all = 1;
		ps = lk_xcalloc(1, sizeof *ps);
		rc = lk_pushstate_load(ps, path, c->ch->name, "pushed");
	}
	if (rc == -1)
		lk_warn("cannot read '%s':", path);
	free(path);
	c->pushed = ps;
	if (!r->keep_all)
		r->resident = c;
	return ps;
}

/* --- input records --- */

/* Reports a bad record (fatal with --strict) and skips it. */
#define BAD(...) do { lk_reader_bad(&r->rd, __VA_ARGS__); return; } while (0)

/* The record's time field, 0 when absent; -1 when present but not a time. */
static int
rec_time(const json_t *rec, const char *key, time_t *t)
{
	const char *s = lk_rec_str(rec, key);

	*t = 0;
	if (json_object_get(rec, key) == NULL)
		return 0;
	return s && lk_parse_time(s, t) == 0 ? 0 : -1;
}

static const char *
rec_id(const json_t *rec, char buf[static 24])
{
	json_t *v = json_object_get(rec, "id");

	if (json_is_integer(v)) {
		snprintf(buf, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return json_string_value(v);
}

static void
do_order(struct run *r, const json_t *rec)
{
	const char *channel = lk_rec_str(rec, "channel"), *sku = lk_rec_str(rec, "sku");
	const char *status = lk_rec_str(rec, "status"), *id;
	char idbuf[24];
	long long qty;
	time_t at, changed;
	struct chan *c;

	if ((id = rec_id(rec, idbuf)) == NULL)
		BAD("order without 'id'");
	if (channel == NULL || sku == NULL || status == NULL)
		BAD("order %s without '%s'", id,
		    !channel ? "channel" : !sku ? "sku" : "status");
	if (lk_rec_qty(rec, "qty", &qty) < 0)
		BAD("order %s: 'qty' is not a whole number >= 0", id);
	if (rec_time(rec, "at", &at) < 0)
		BAD("order %s: 'at' is not an RFC 3339 time", id);
	if (rec_time(rec, "changed", &changed) < 0)
		BAD("order %s: 'changed' is not an RFC 3339 time", id);
	if ((c = chan_find(r, channel)) == NULL)
		BAD("order %s: unknown channel '%s'", id, channel);
	if (c->statuses == NULL)
		BAD("order %s: channel '%s' has no reserve_statuses",
		    id, channel);
	lk_reserve_order(&r->rsv, channel, id, sku, qty, status, at, changed,
	    lk_reserve_status_in(c->statuses, status), lk_reserve_status_cancelled(status));
}

static void
do_orders(struct run *r, const json_t *rec)
{
	const char *channel = lk_rec_str(rec, "channel"), *status = lk_rec_str(rec, "status");

	if (channel == NULL)
		BAD("orders sentinel without 'channel'");
	if (status == NULL || (strcmp(status, "complete") && strcmp(status, "failed")))
		BAD("orders sentinel: 'status' must be complete or failed");
	lk_reserve_listing(&r->rsv, channel, strcmp(status, "complete") == 0);
}

/* A seen record against what lk pushed to its channel. */
static void
seen(struct run *r, struct chan *c, const char *sku, long long qty, time_t at)
{
	const struct lk_pushstate_entry *p = lk_pushstate_find(chan_pushed(r, c), sku);

	if (p == NULL || !p->at)
		return;     /* lk never pushed it (or does not know when): nothing to compare */
	lk_reserve_seen(&r->rsv, c->ch->name, sku, qty, at ? at : r->rsv.now, p->qty, p->shown, p->at,
	    c->grace);
}

static void
do_seen(struct run *r, const json_t *rec)
{
	const char *channel = lk_rec_str(rec, "channel"), *sku = lk_rec_str(rec, "sku");
	long long qty;
	time_t at;
	struct chan *c;

	if (channel == NULL || sku == NULL)
		BAD("seen without '%s'", channel ? "sku" : "channel");
	if (lk_rec_qty(rec, "qty", &qty) < 0)
		BAD("seen %s: 'qty' is not a whole number >= 0", sku);
	if (rec_time(rec, "at", &at) < 0)
		BAD("seen %s: 'at' is not an RFC 3339 time", sku);
	if ((c = chan_find(r, channel)) == NULL)
		BAD("seen %s: unknown channel '%s'", sku, channel);
	seen(r, c, sku, qty, at);
}

/* A source sentinel: when its snapshot was produced ("produced", else "at", else now). */
static void
do_source(struct run *r, const json_t *rec)
{
	const char *name = lk_rec_str(rec, "source"), *status = lk_rec_str(rec, "status");
	time_t t;

	if (name == NULL || status == NULL)
		return;     /* lk-alloc reports it */
	if (rec_time(rec, "produced", &t) < 0 || (!t && rec_time(rec, "at", &t) < 0))
		BAD("source %s: 'produced' or 'at' is not an RFC 3339 time", name);
	lk_reserve_source(&r->rsv, name, strcmp(status, "complete") == 0, t);
}

static void
do_stock(struct run *r, const json_t *rec)
{
	const char *name = lk_rec_str(rec, "source"), *sku = lk_rec_str(rec, "sku");

	if (name && sku)
		lk_reserve_stock(&r->rsv, name, sku);
}

/* --- what passes through --- */

static void
span_add(struct run *r, unsigned long long off, size_t len, int how)
{
	struct span *l = r->nspans ? &r->spans[r->nspans - 1] : NULL;

	if (how == SPAN_RAW && l && l->how == SPAN_RAW && l->off + l->len == off) {
		l->len += len;
		return;
	}
	if (r->nspans == r->spancap) {
		r->spancap = r->spancap ? r->spancap * 2 : 64;
		r->spans = lk_xrealloc(r->spans, r->spancap * sizeof *r->spans);
	}
	r->spans[r->nspans++] = (struct span){ off, len, how };
}

/*
 * The line just read (s, n bytes without its end) passes through as a
 * flat record.  It comes out as it went in when it is canonical (ndjson.h)
 * and ends with a newline alone.
 */
static void
pass_flat(struct run *r, const char *s, size_t n, const struct lk_flat *f, int nf)
{
	unsigned long long off = r->rd.pos + (unsigned long long)(s - r->rd.buf);
	size_t raw = r->rd.start - (size_t)(s - r->rd.buf);

	if (!r->reread) {
		lk_emit_flat_line(s, n, f, nf);
		return;
	}
	if (raw == n + 1 && s[n] == '\n' && lk_flat_canonical(f, nf, n))
		span_add(r, off, n + 1, SPAN_RAW);
	else
		span_add(r, off, n, SPAN_FLAT);
}

/* The line just read passes through as the record jansson read. */
static void
pass_json(struct run *r, const char *s, size_t n, const json_t *rec)
{
	if (r->reread)
		span_add(r, r->rd.pos + (unsigned long long)(s - r->rd.buf), n, SPAN_JSON);
	else
		lk_emit_record(rec);
}

/* A flat field as a C string: it ends where its closing quote was. */
static const char *
flat_str(const struct lk_flat *v)
{
	if (v == NULL || !v->str)
		return NULL;
	((char *)v->v)[v->vlen] = '\0';
	return v->v;
}

/*
 * The fast path: seen and stock records, and records that only pass
 * through, when the line is a flat object (ndjson.h) and every field is
 * right; 0 leaves the line to jansson, which reads it the same way, or
 * reports it.
 */
static int
fast_line(struct run *r, char *s, size_t n)
{
	struct lk_flat f[16];
	const struct lk_flat *t, *ch, *sku, *qty, *at;
	int nf = lk_flat_parse(s, n, f, 16);
	struct chan *c;
	time_t when = 0;

	if (nf < 0 || (t = lk_flat_get(f, nf, "type")) == NULL || !t->str || t->vlen == 0)
		return 0;
	ch = lk_flat_get(f, nf, "channel");
	sku = lk_flat_get(f, nf, "sku");
	if (t->vlen == 4 && memcmp(t->v, "seen", 4) == 0) {
		char cbuf[256], tbuf[64];

		qty = lk_flat_get(f, nf, "qty");
		at = lk_flat_get(f, nf, "at");
		if (!ch || !ch->str || ch->vlen >= sizeof cbuf || !sku || !sku->str || !qty || qty->str ||
		    (at && (!at->str || at->vlen >= sizeof tbuf)))
			return 0;
		memcpy(cbuf, ch->v, ch->vlen);
		cbuf[ch->vlen] = '\0';
		if (at) {
			memcpy(tbuf, at->v, at->vlen);
			tbuf[at->vlen] = '\0';
		}
		if ((at && lk_parse_time(tbuf, &when) != 0) || (c = chan_find(r, cbuf)) == NULL)
			return 0;
		pass_flat(r, s, n, f, nf);
		seen(r, c, flat_str(sku), lk_flat_int(qty), when);
	} else if (t->vlen == 5 && memcmp(t->v, "stock", 5) == 0) {
		const struct lk_flat *src = lk_flat_get(f, nf, "source");

		pass_flat(r, s, n, f, nf);
		if (src && src->str && sku && sku->str)
			lk_reserve_stock(&r->rsv, flat_str(src), flat_str(sku));
	} else if ((t->vlen == 5 && memcmp(t->v, "order", 5) == 0) ||
	    (t->vlen == 6 && (memcmp(t->v, "orders", 6) == 0 || memcmp(t->v, "source", 6) == 0))) {
		return 0;
	} else {
		pass_flat(r, s, n, f, nf);
	}
	return 1;
}

static void
slow_line(struct run *r, const char *s, size_t n)
{
	json_t *rec = lk_reader_parse(&r->rd, s, n);
	const char *type;

	if (rec == NULL)
		return;
	type = lk_rec_type(rec);
	if (type && strcmp(type, "order") == 0) {
		do_order(r, rec);
	} else if (type && strcmp(type, "orders") == 0) {
		do_orders(r, rec);
	} else {
		/* seen records go on too: lk-push may compare with them. */
		if (type && strcmp(type, "seen") == 0)
			do_seen(r, rec);
		else if (type && strcmp(type, "stock") == 0)
			do_stock(r, rec);
		else if (type && strcmp(type, "source") == 0)
			do_source(r, rec);
		pass_json(r, s, n, rec);
	}
	json_decref(rec);
}

static void
read_input(struct run *r, int strict)
{
	const char *nofast = getenv("LK_TEST_NO_FASTPATH");
	int fast = !(nofast && strcmp(nofast, "1") == 0);
	char *s;
	size_t n;

	lk_reader_open(&r->rd, NULL, 0, strict);
	while (lk_reader_line(&r->rd, &s, &n)) {
		if (n == 0)
			continue;
		if (n > r->rd.max_line) {
			lk_reader_bad(&r->rd, "line longer than %zu bytes", r->rd.max_line);
			continue;
		}
		if (fast && fast_line(r, s, n)) {
			r->rd.nrec++;
			continue;
		}
		slow_line(r, s, n);
	}
	r->nbad += r->rd.nbad;
	lk_reader_close(&r->rd);
}

/* --- output --- */

static void
emit_reserves(struct run *r)
{
	size_t n;
	struct lk_rsv_total *t = lk_reserve_totals(&r->rsv, &n);

	for (size_t i = 0; i < n; i++) {
		json_t *ids = json_array();
		for (size_t j = 0; j < t[i].norders; j++)
			json_array_append_new(ids, json_string(t[i].orders[j]));
		lk_emit_begin("reserve");
		lk_emit_str("sku", t[i].sku);
		lk_emit_int("qty", t[i].qty);
		lk_emit_json("orders", ids);
		if (t[i].nshipped) {
			json_t *sh = json_array();
			for (size_t j = 0; j < t[i].nshipped; j++)
				json_array_append_new(sh, json_string(t[i].shipped[j]));
			lk_emit_json("shipped", sh);
			json_decref(sh);
		}
		lk_emit_str("reason", t[i].unexplained_qty == 0 ? "orders" :
		    t[i].order_qty == 0 ? "unexplained" : "orders+unexplained");
		if (t[i].unexplained_qty)
			lk_emit_int("unexplained", t[i].unexplained_qty);
		if (r->dry_run)
			lk_emit_bool("dry_run", 1);
		lk_emit_end();
		json_decref(ids);
	}
	lk_reserve_totals_free(t, n);
}

static void
emit_conflicts(struct run *r)
{
	char buf[21];

	for (size_t i = 0; i < r->rsv.nconflicts; i++) {
		const struct lk_rsv_conflict *c = &r->rsv.conflicts[i];
		lk_warn("%s: %s: the marketplace shows %lld, lk pushed %lld at %s%s: "
		    "another program may be sending stock there", c->channel, c->sku,
		    c->seen, c->pushed, lk_fmt_time(c->pushed_at, buf),
		    strcmp(c->reason, "above_pushed") ? " and orders explain little" : "");
		lk_emit_begin("conflict");
		lk_emit_str("channel", c->channel);
		lk_emit_str("sku", c->sku);
		lk_emit_str("reason", c->reason);
		lk_emit_int("pushed", c->pushed);
		lk_emit_int("seen", c->seen);
		lk_emit_int("orders", c->orders);
		lk_emit_str("pushed_at", buf);
		lk_emit_end();
	}
}

/* stdin's bytes from off (from where it started), len of them, onto stdout. */
static void
copy_in(struct run *r, unsigned long long off, size_t len)
{
	off_t o = r->in0 + (off_t)off;
	static char buf[1 << 16];
	ssize_t k;

	while (len > 0) {
		/* the kernel copies from file to file (or pipe) without passing it through here */
		k = sendfile(STDOUT_FILENO, STDIN_FILENO, &o, len);
		if (k > 0) {
			len -= (size_t)k;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && errno != EINVAL && errno != ENOSYS)
			lk_die(LK_EX_IOERR, "write error on stdout:");
		break;
	}
	while (len > 0) {
		k = pread(STDIN_FILENO, buf, len < sizeof buf ? len : sizeof buf, o);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			lk_die(LK_EX_IOERR, "<stdin>: cannot read it again%s", k ? ":" : ": it is shorter");
		if (fwrite(buf, 1, (size_t)k, stdout) != (size_t)k)
			lk_die(LK_EX_IOERR, "write error on stdout:");
		o += k;
		len -= (size_t)k;
	}
}

/* One line written again as the first reading wrote it. */
static void
rewrite_line(struct run *r, const struct span *sp)
{
	char *s = lk_xmalloc(sp->len + 1);
	struct lk_flat f[16];
	size_t got = 0;
	ssize_t k;
	json_t *rec;
	int nf;

	while (got < sp->len) {
		k = pread(STDIN_FILENO, s + got, sp->len - got, r->in0 + (off_t)(sp->off + got));
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			lk_die(LK_EX_IOERR, "<stdin>: cannot read it again%s", k ? ":" : ": it is shorter");
		got += (size_t)k;
	}
	if (sp->how == SPAN_FLAT && (nf = lk_flat_parse(s, sp->len, f, 16)) >= 0) {
		lk_emit_flat(f, nf);
	} else if (sp->how == SPAN_JSON &&
	    (rec = json_loadb(s, sp->len, JSON_REJECT_DUPLICATES, NULL)) != NULL) {
		lk_emit_record(rec);
		json_decref(rec);
	} else {
		lk_die(LK_EX_IOERR, "<stdin>: changed while lk-reserve read it");
	}
	free(s);
}

static void
reread_out(struct run *r)
{
	for (size_t i = 0; i < r->nspans; i++) {
		if (r->spans[i].how == SPAN_RAW) {
			if (fflush(stdout) != 0)
				lk_die(LK_EX_IOERR, "write error on stdout:");
			copy_in(r, r->spans[i].off, r->spans[i].len);
		} else {
			rewrite_line(r, &r->spans[i]);
		}
	}
	free(r->spans);
	r->spans = NULL;
}

/* Whether stdin is a file lk-reserve can read again, and where it starts. */
static int
stdin_file(off_t *start)
{
	struct stat sb;

	return fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (*start = lseek(STDIN_FILENO, 0, SEEK_CUR)) != -1;
}

static void
copy_out(FILE *tmp)
{
	char buf[65536];
	size_t n;

	rewind(tmp);
	while ((n = fread(buf, 1, sizeof buf, tmp)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			lk_die(LK_EX_IOERR, "write error on stdout:");
	if (ferror(tmp))
		lk_die(LK_EX_IOERR, "cannot read the buffered records:");
	fclose(tmp);
}

static void
take_lock(struct run *r)
{
	lk_lock_state_or_die(lk_state_dir(r->st), r->cfg.global.lock_timeout * 1000);
}

static char *
load_ledger(struct run *r)
{
	char err[512];
	char *path = lk_path_join(lk_state_lkdir(r->st), "reserve.ndjson");

	if (lk_reserve_load(&r->rsv, path, err, sizeof err) < 0)
		lk_die(LK_EX_DATAERR, "%s", err);
	return path;
}

static void
list_ledger(struct run *r)
{
	char *path = load_ledger(r);

	lk_reserve_write(&r->rsv, stdout, 1);
	free(path);
}

static void
reserve_run(struct run *r, int strict)
{
	FILE *tmp = NULL;
	char *path;

	r->reread = stdin_file(&r->in0);
	if (!r->reread) {
		if ((tmp = tmpfile()) == NULL)
			lk_die(LK_EX_CANTCREAT, "cannot create a temporary file:");
		setvbuf(tmp, NULL, _IOFBF, 1 << 16);    /* a write per 64 KB, not per 4 */
		lk_emit_fp = tmp;
	}
	if (!r->dry_run)
		take_lock(r);
	path = load_ledger(r);
	read_input(r, strict);
	lk_reserve_finish(&r->rsv);
	if (!r->dry_run && lk_reserve_save(&r->rsv, path) < 0)
		lk_die(LK_EX_CANTCREAT, "cannot write '%s':", path);
	lk_emit_fp = stdout;
	if (r->reread)
		reread_out(r);
	else
		copy_out(tmp);
	emit_reserves(r);
	emit_conflicts(r);
	free(path);
}

int
lk_reserve_main(const struct lk_reserve_opts *o)
{
	struct run r = { 0 };

	r.st = lk_config_open_or_die(o->dir, NULL, &r.cfg, NULL);
	r.dry_run = o->dry_run;
	lk_reserve_init(&r.rsv, lk_now(), r.cfg.global.reserve_max_age,
	    r.cfg.global.seen_reserve_ttl);
	load_channels(&r);
	if (o->list)
		list_ledger(&r);
	else
		reserve_run(&r, o->strict);
	lk_close_stdout();
	for (size_t i = 0; i < r.cfg.nchannels; i++) {
		free(r.chans[i].statuses);
		if (r.chans[i].pushed) {
			lk_pushstate_free(r.chans[i].pushed);
			free(r.chans[i].pushed);
		}
	}
	free(r.chans);
	lk_reserve_free(&r.rsv);
	lk_config_free(&r.cfg);
	lk_state_close(r.st);
	return r.nbad ? LK_EX_PARTIAL : LK_EX_OK;
}
