/*
 * reserve-io.c - the reserve ledger on disk: one "ledger" record per
 * line (lk-reserve(1), FILES), replaced atomically.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "ndjson.h"
#include "reserve.h"
#include "util.h"

static void
put_str(FILE *fp, const char *key, const char *val)
{
	fprintf(fp, ",\"%s\":", key);
	lk_json_write_string(fp, val, strlen(val));
}

static void
put_int(FILE *fp, const char *key, long long v)
{
	fprintf(fp, ",\"%s\":%lld", key, v);
}

static void
put_time(FILE *fp, const char *key, time_t t)
{
	char buf[21];

	fprintf(fp, ",\"%s\":\"%s\"", key, lk_fmt_time(t, buf));
}

static void
put_bool(FILE *fp, const char *key, int v)
{
	fprintf(fp, ",\"%s\":%s", key, v ? "true" : "false");
}

/* "shipped 10:14:00Z, waiting for main newer than 10:14:00Z": why a shipped order still reserves. */
static void
put_why(const struct lk_reserve *r, const struct lk_rsv_order *o, FILE *fp)
{
	char buf[21], *names = lk_xstrdup(o->waiting), *save = NULL;
	char *why = lk_xasprintf("shipped %s, waiting for", lk_fmt_time(o->shipped, buf) + 11);
	const char *sep = " ";

	for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		long long lag = 0;
		char *w;

		for (size_t i = 0; i < r->nsrcs; i++)
			if (strcmp(r->srcs[i].name, n) == 0)
				lag = r->srcs[i].lag;
		w = lk_xasprintf("%s%s%s newer than %s", why, sep, n,
		    lk_fmt_time(o->shipped + lag, buf) + 11);
		free(why);
		why = w;
		sep = ", ";
	}
	put_str(fp, "why", why);
	free(why);
	free(names);
}

static void
write_order(const struct lk_reserve *r, const struct lk_rsv_order *o, FILE *fp, int with_age)
{
	fputs("{\"type\":\"ledger\",\"kind\":\"order\"", fp);
	put_str(fp, "channel", o->channel);
	put_str(fp, "id", o->id);
	put_str(fp, "sku", o->sku);
	put_int(fp, "qty", o->qty);
	put_str(fp, "status", o->status);
	put_bool(fp, "reserving", o->reserving);
	if (o->released)
		put_str(fp, "released", o->released);
	put_time(fp, "at", o->at);
	put_time(fp, "first_seen", o->first_seen);
	put_time(fp, "last_seen", o->last_seen);
	if (o->shipped)
		put_time(fp, "shipped", o->shipped);
	if (o->waiting)
		put_str(fp, "waiting", o->waiting);
	if (with_age) {
		put_int(fp, "age", (long long)(r->now - o->first_seen));
		if (o->waiting)
			put_why(r, o, fp);
	}
	fputs("}\n", fp);
}

static void
write_decrease(const struct lk_reserve *r, const struct lk_rsv_decrease *d, FILE *fp, int with_age)
{
	fputs("{\"type\":\"ledger\",\"kind\":\"unexplained\"", fp);
	put_str(fp, "channel", d->channel);
	put_str(fp, "sku", d->sku);
	put_int(fp, "qty", d->qty);
	put_int(fp, "pushed", d->pushed);
	put_int(fp, "seen", d->seen);
	put_time(fp, "pushed_at", d->pushed_at);
	if (d->until)
		put_time(fp, "until", d->until);
	put_time(fp, "since", d->since);
	put_bool(fp, "expired", d->expired);
	if (with_age)
		put_int(fp, "age", (long long)(r->now - d->since));
	fputs("}\n", fp);
}

static void
write_source(const struct lk_rsv_source *s, FILE *fp)
{
	fputs("{\"type\":\"ledger\",\"kind\":\"source\"", fp);
	put_str(fp, "source", s->name);
	put_time(fp, "produced", s->produced);
	fputs("}\n", fp);
}

int
lk_reserve_write(const struct lk_reserve *r, FILE *fp, int with_age)
{
	for (size_t i = 0; i < r->nsrcs; i++)
		if (r->srcs[i].produced)
			write_source(&r->srcs[i], fp);
	for (size_t i = 0; i < r->norders; i++)
		write_order(r, &r->orders[i], fp, with_age);
	for (size_t i = 0; i < r->ndecs; i++)
		write_decrease(r, &r->decs[i], fp, with_age);
	return ferror(fp) ? -1 : 0;
}

int
lk_reserve_save(const struct lk_reserve *r, const char *path)
{
	struct lk_atomic a;
	int saved;

	if (lk_atomic_open(&a, path) < 0)
		return -1;
	if (lk_reserve_write(r, a.fp, 0) < 0) {
		saved = errno ? errno : EIO;
		lk_atomic_abort(&a);
		errno = saved;
		return -1;
	}
	return lk_atomic_commit(&a);
}

/* --- loading --- */

struct ctx {
	const struct lk_reader *rd;
	const json_t *rec;
	char *err;
	size_t errlen;
	int bad;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->bad++)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%lu: %s", c->rd->name, c->rd->line, msg);
}

static const char *
get_str(struct ctx *c, const char *key)
{
	const char *s = lk_rec_str(c->rec, key);

	if (s == NULL)
		fail(c, "ledger entry without '%s'", key);
	return s ? s : "";
}

static long long
get_int(struct ctx *c, const char *key)
{
	long long v = 0;

	if (lk_rec_qty(c->rec, key, &v) < 0)
		fail(c, "ledger entry without a number '%s'", key);
	return v;
}

static time_t
get_time(struct ctx *c, const char *key, int optional)
{
	const char *s = lk_rec_str(c->rec, key);
	time_t t = 0;

	if (s == NULL && optional)
		return 0;
	if (s == NULL || lk_parse_time(s, &t) < 0)
		fail(c, "ledger entry without a time '%s'", key);
	return t;
}

static void
load_order(struct lk_reserve *r, struct ctx *c)
{
	const char *ch = get_str(c, "channel"), *id = get_str(c, "id");
	const char *sku = get_str(c, "sku"), *status = get_str(c, "status");
	const char *released = lk_rec_str(c->rec, "released");
	long long qty = get_int(c, "qty");
	json_t *res = json_object_get(c->rec, "reserving");
	time_t at = get_time(c, "at", 0), first = get_time(c, "first_seen", 0);
	time_t last = get_time(c, "last_seen", 0), shipped = get_time(c, "shipped", 1);
	const char *waiting = lk_rec_str(c->rec, "waiting");
	struct lk_rsv_order *o;

	if (!json_is_boolean(res))
		fail(c, "ledger entry without a boolean 'reserving'");
	if (c->bad)
		return;
	lk_reserve_order(r, ch, id, sku, qty, status, at, 0, json_is_true(res),
	    lk_reserve_status_cancelled(status));
	o = &r->orders[r->norders - 1];
	o->first_seen = first;
	o->last_seen = last;
	o->shipped = o->reserving ? shipped : 0;
	o->waiting = waiting && o->reserving ? lk_xstrdup(waiting) : NULL;
	o->seen_now = 0;
	free(o->released);
	o->released = released && !o->reserving ? lk_xstrdup(released) : NULL;
}

static void
load_decrease(struct lk_reserve *r, struct ctx *c)
{
	const char *ch = get_str(c, "channel"), *sku = get_str(c, "sku");
	long long qty = get_int(c, "qty"), pushed = get_int(c, "pushed");
	long long seen = get_int(c, "seen");
	time_t pat = get_time(c, "pushed_at", 0), until = get_time(c, "until", 1);
	time_t since = get_time(c, "since", 0);
	struct lk_rsv_decrease *d;

	if (c->bad)
		return;
	d = lk_reserve_decrease_add(r, ch, sku, pat);
	d->pushed = pushed;
	d->seen = seen;
	d->qty = qty;
	d->until = until;
	d->since = since;
	d->expired = json_is_true(json_object_get(c->rec, "expired"));
}

static void
load_source(struct lk_reserve *r, struct ctx *c)
{
	const char *name = get_str(c, "source");
	time_t produced = get_time(c, "produced", 0);

	if (c->bad)
		return;
	/* A source no longer on sale is forgotten. */
	for (size_t i = 0; i < r->nsrcs; i++)
		if (strcmp(r->srcs[i].name, name) == 0)
			r->srcs[i].produced = produced;
}

static void
load_one(struct lk_reserve *r, struct ctx *c)
{
	const char *type = lk_rec_type(c->rec), *kind = lk_rec_str(c->rec, "kind");

	if (type == NULL || strcmp(type, "ledger") != 0 || kind == NULL)
		fail(c, "not a ledger entry");
	else if (strcmp(kind, "order") == 0)
		load_order(r, c);
	else if (strcmp(kind, "unexplained") == 0)
		load_decrease(r, c);
	else if (strcmp(kind, "source") == 0)
		load_source(r, c);
	else
		fail(c, "unknown ledger entry kind '%s'", kind);
}

int
lk_reserve_load(struct lk_reserve *r, const char *path, char *err, size_t errlen)
{
	struct lk_reader rd;
	struct ctx c = { &rd, NULL, err, errlen, 0 };
	json_t *rec;

	if (lk_reader_open(&rd, path, 0, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (!c.bad && (rec = lk_reader_next(&rd)) != NULL) {
		c.rec = rec;
		load_one(r, &c);
		json_decref(rec);
	}
	if (!c.bad && rd.nbad)
		fail(&c, "the ledger is damaged");
	lk_reader_close(&rd);
	return c.bad ? -1 : 0;
}
