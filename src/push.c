/*
 * push.c - one channel's push: what changed, the zero guard, batches,
 * pacing, per-item verdicts, the last-pushed state, the records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "push.h"
#include "secrets.h"
#include "util.h"

/*
 * lk-push paces at 97% of the rate and keeps one token of the burst in
 * reserve: the marketplace's bucket starts when our first request
 * arrives, and a later request can arrive sooner after it than it was
 * sent (the first one also paid for the connection).
 */
#define PACE_MARGIN 0.97
#define MAX_SENDS 4             /* requests one item may ride in (409 resends, splits) */

/* Every item of the channel's run. */
struct run {
	struct lk_push_ctx c;
	const struct lk_push_opts *o;
	struct lk_pushstate pushed, failed;
	struct lk_push_item *items;
	size_t nitems;
	long split_budget;      /* extra requests bisection may still spend */
	int stop;               /* exit code that stopped the channel, or 0 */
	char stop_msg[512];
	int state_err;
	char *pace_path;        /* the account's request budget across runs, or NULL (dry run) */
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The codes and messages of this process's verdicts, each once (push.h). */
static struct lk_strmap verdicts;

static const char *
verdict(const char *s, size_t max)
{
	size_t i = lk_strmap_put(&verdicts, s, strnlen(s, max), NULL);

	return verdicts.keys[i];       /* read after the put, which may move keys */
}

void
lk_push_verdicts_free(void)
{
	lk_strmap_free(&verdicts);
}

/* The last channel's pushed state: the next one is loaded into its memory. */
static struct lk_pushstate spare;
static int have_spare;

void
lk_push_done(void)
{
	if (have_spare)
		lk_pushstate_free(&spare);
	have_spare = 0;
}

void
lk_push_item_fail(struct lk_push_item *it, enum lk_pi_state st, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	it->state = st;
	it->code = code && *code ? verdict(code, 63) : NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	it->error = verdict(msg, sizeof msg - 1);
}

void
lk_push_fail_all(struct lk_push_item **it, size_t n, enum lk_pi_state st, const char *code, const char *msg)
{
	const char *c = code && *code ? verdict(code, 63) : NULL, *m = verdict(msg, 255);
	size_t i;

	for (i = 0; i < n; i++)
		if (it[i]->state == LK_PI_PENDING) {
			it[i]->state = st;
			it[i]->code = c;
			it[i]->error = m;
		}
}

int
lk_push_common_status(long status, struct lk_push_item **it, size_t n, const struct lk_http_resp *resp,
    char *msg, size_t msglen)
{
	char ex[LK_EXCERPT_SIZE];

	lk_excerpt(resp->body ? resp->body : "", resp->body ? resp->len : 0, ex);
	if (status == 401 || status == 403) {
		snprintf(msg, msglen, "HTTP %ld: refused: %s", status, ex);
		lk_push_fail_all(it, n, LK_PI_FAILED, "", msg);
		return LK_PV_REFUSED;
	}
	if (status == 429 || status == 420 || status == 408 || status >= 500) {
		snprintf(msg, msglen, "HTTP %ld: %s", status, ex);
		lk_push_fail_all(it, n, LK_PI_TEMP, "", msg);
		return LK_PV_TEMP;
	}
	return -1;
}

static void
count_http(struct lk_push_ctx *c)
{
	c->stats->requests++;
	c->stats->retries += c->http.n_retries;
	c->stats->throttled += c->http.n_throttled;
	c->http.n_retries = 0;
	c->http.n_throttled = 0;
}

int
lk_push_get(struct lk_push_ctx *c, const char *url, struct lk_http_resp *resp)
{
	int rc;

	/* Not paced: the update budget is for updates, a poll is a read (AliExpress tasks). */
	rc = lk_http_request("GET", url, c->headers, NULL, 0, &c->http, resp);
	count_http(c);
	return rc;
}

/* --- records --- */

static void
emit_pushed(const struct lk_channel *ch, const struct lk_push_item *it, const char *status)
{
	lk_emit_begin("pushed");
	lk_emit_str("channel", ch->name);
	lk_emit_str("sku", it->sku);
	lk_emit_int("qty", it->qty);
	if (it->has_prev)
		lk_emit_int("prev", it->prev);
	else {
		json_t *null = json_null();
		lk_emit_json("prev", null);
		json_decref(null);
	}
	lk_emit_str("status", status);
	if (strcmp(status, "failed") == 0)
		lk_emit_str("error", it->error && *it->error ? it->error : "failed");
	lk_emit_end();
}

/* A dry run's "request" record: the headers with secrets redacted. */
static void
emit_request(const struct lk_push_ctx *c, const struct lk_push_req *rq)
{
	const struct curl_slist *h;
	json_t *hdrs = json_object(), *body = NULL;
	json_error_t jerr;

	for (h = c->headers; h; h = h->next) {
		const char *colon = strchr(h->data, ':');
		char *name;

		if (colon == NULL)
			continue;
		name = lk_xstrndup(h->data, (size_t)(colon - h->data));
		colon++;
		while (*colon == ' ')
			colon++;
		json_object_set_new(hdrs, name,
		    json_string(lk_http_secret_header(name, strlen(name)) ? "<redacted>" : colon));
		free(name);
	}
	if (rq->body)
		body = json_loadb(rq->body, rq->body_len, 0, &jerr);
	lk_emit_begin("request");
	lk_emit_str("channel", c->ch->name);
	lk_emit_str("method", rq->method);
	lk_emit_str("url", rq->url);
	lk_emit_json("headers", hdrs);
	if (body)
		lk_emit_json("body", body);
	else if (rq->body)
		lk_emit_strn("body", rq->body, rq->body_len);
	lk_emit_end();
	json_decref(hdrs);
	json_decref(body);
}

/* --- state --- */

static void
save_state(struct run *r, struct lk_push_item **it, size_t n)
{
	time_t now = lk_now();
	size_t i;

	if (r->o->dry_run)
		return;
	for (i = 0; i < n; i++) {
		if (it[i]->state == LK_PI_OK) {
			lk_pushstate_set(&r->pushed, it[i]->sku, it[i]->qty, it[i]->shown, now, NULL);
			lk_pushstate_del(&r->failed, it[i]->sku);
		} else if (it[i]->state == LK_PI_FAILED && it[i]->code) {
			lk_pushstate_set(&r->failed, it[i]->sku, it[i]->qty, -1, now, it[i]->code);
		}
	}
	if (lk_pushstate_save(&r->pushed) == -1 || lk_pushstate_save(&r->failed) == -1) {
		lk_warn("%s: cannot save the pushed state:", r->c.ch->name);
		r->state_err = 1;
		r->stop = LK_EX_CANTCREAT;
		snprintf(r->stop_msg, sizeof r->stop_msg, "cannot save %s", r->pushed.path);
	}
}

/* --- sending --- */

static void
send_batch(struct run *r, struct lk_push_item **it, size_t n)
{
	struct lk_push_req rq = { NULL, NULL, NULL, 0 };
	struct lk_http_resp resp;
	char err[512], msg[512];
	enum lk_pv v;
	size_t i, np;
	int rc;

	if (n == 0 || r->stop)
		return;
	for (i = 0; i < n; i++) {
		it[i]->sends++;
		it[i]->state = LK_PI_PENDING;
	}
	err[0] = '\0';
	if (r->c.mp->push_build(&r->c, it, n, &rq, err, sizeof err) == -1) {
		lk_push_fail_all(it, n, LK_PI_FAILED, "", err);
		goto out;
	}
	if (r->c.dry_run) {
		emit_request(&r->c, &rq);
		r->c.stats->requests++;
		for (i = 0; i < n; i++)
			it[i]->state = LK_PI_OK;
		goto out;
	}
	lk_pace_wait(&r->c.pace);
	memset(&resp, 0, sizeof resp);
	rc = lk_http_request(rq.method, rq.url, r->c.headers, rq.body, rq.body_len, &r->c.http, &resp);
	count_http(&r->c);
	if (rc != 0) {
		lk_push_fail_all(it, n, LK_PI_TEMP, "", resp.error);
		r->stop = rc;
		snprintf(r->stop_msg, sizeof r->stop_msg, "%s", resp.error);
		lk_http_resp_free(&resp);
		goto out;
	}
	if (resp.status >= 400 && resp.status < 500 && r->c.mp->charge_4xx > 0)
		lk_pace_charge(&r->c.pace, r->c.mp->charge_4xx);
	msg[0] = '\0';
	v = r->c.mp->push_parse(&r->c, it, n, &resp, msg, sizeof msg);
	lk_http_resp_free(&resp);
	switch (v) {
	case LK_PV_DONE:
	case LK_PV_FAILED:
		break;
	case LK_PV_SPLIT:
		if (n > 1 && r->split_budget >= 2) {
			r->split_budget -= 2;
			r->c.stats->retries += (long)n;
			lk_debug("%s: batch of %zu rejected (%s); sending it in halves", r->c.ch->name, n, msg);
			send_batch(r, it, n / 2);
			send_batch(r, it + n / 2, n - n / 2);
			goto out;
		}
		lk_push_fail_all(it, n, LK_PI_FAILED, "", msg);
		for (i = 0; i < n; i++)
			if (it[i]->state == LK_PI_FAILED && it[i]->code == NULL)
				it[i]->code = verdict("REJECTED", 63);
		break;
	case LK_PV_REFUSED:
		lk_push_fail_all(it, n, LK_PI_FAILED, "", msg);
		r->stop = LK_EX_UNAVAILABLE;
		snprintf(r->stop_msg, sizeof r->stop_msg, "%s", msg);
		break;
	case LK_PV_TEMP:
		lk_push_fail_all(it, n, LK_PI_TEMP, "", msg);
		r->stop = LK_EX_TEMPFAIL;
		snprintf(r->stop_msg, sizeof r->stop_msg, "%s", msg);
		break;
	}
	save_state(r, it, n);
	/* Items the answer neither confirmed nor refused go again (WB 409). */
	if (!r->stop) {
		struct lk_push_item **again = lk_xcalloc(n, sizeof *again);

		for (i = np = 0; i < n; i++) {
			if (it[i]->state != LK_PI_PENDING)
				continue;
			if (it[i]->sends >= MAX_SENDS)
				lk_push_item_fail(it[i], LK_PI_TEMP, "", "sent %d times without an answer for it",
				    it[i]->sends);
			else
				again[np++] = it[i];
		}
		if (np) {
			r->c.stats->retries += (long)np;
			send_batch(r, again, np);
		}
		free(again);
	}
out:
	for (i = 0; i < n; i++)
		if (it[i]->state == LK_PI_PENDING)
			lk_push_item_fail(it[i], LK_PI_TEMP, "", "%s", r->stop_msg[0] ? r->stop_msg : "not sent");
	free(rq.url);
	free(rq.body);
}

static void
send_all(struct run *r, struct lk_push_item **v, size_t n, long batch)
{
	size_t i, k;

	for (i = 0; i < n && !r->stop; i += k) {
		k = n - i < (size_t)batch ? n - i : (size_t)batch;
		send_batch(r, v + i, k);
	}
}

static void
push_marketplace(struct run *r, const struct lk_config *cfg, long batch)
{
	const struct lk_channel *ch = r->c.ch;
	struct lk_push_item **v, **temp;
	char err[512];
	size_t i, n = 0, nt = 0;
	double rate;
	int burst;

	err[0] = '\0';
	if (lk_mp_auth(r->c.mp, ch, &r->c.headers, r->c.dry_run ? NULL : &r->c.body_token,
	    err, sizeof err) == -1) {
		if (!r->c.dry_run) {
			lk_warn("%s: %s", ch->name, err);
			r->stop = LK_EX_CONFIG;
			snprintf(r->stop_msg, sizeof r->stop_msg, "%s", err);
			return;
		}
		lk_warn("%s: %s (a real run would stop here)", ch->name, err);
	}
	(void)cfg;
	rate = ch->rate > 0 ? ch->rate : r->c.mp->rate;
	burst = lk_pace_burst(r->c.mp->rate, r->c.mp->burst, rate);
	lk_pace_init(&r->c.pace, rate * PACE_MARGIN, burst);
	/* The account's budget as the last run (or channel of the account) left it. */
	if (r->pace_path != NULL)
		lk_pace_load(&r->c.pace, r->pace_path);
	r->c.http.quiet = lk_quiet;
	if (ch->timeout > 0)
		r->c.http.timeout_ms = (long)ch->timeout * 1000;
	r->split_budget = 64;

	v = lk_xcalloc(r->nitems + 1, sizeof *v);
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].state == LK_PI_PENDING)
			v[n++] = &r->items[i];
	r->split_budget += (long)(n / (size_t)batch) * 2;
	send_all(r, v, n, batch);

	/* Temporary item refusals (Ozon TOO_MANY_REQUESTS, WB StoreIsProcessing): once more after a wait. */
	for (i = 0; i < n; i++)
		nt += v[i]->state == LK_PI_TEMP && v[i]->code;
	temp = lk_xcalloc(nt + 1, sizeof *temp);
	for (i = nt = 0; i < n; i++)
		if (v[i]->state == LK_PI_TEMP && v[i]->code)
			temp[nt++] = v[i];
	if (nt && !r->stop && !r->c.dry_run && r->c.mp->temp_wait_ms > 0) {
		lk_info("%s: %zu items refused for now (%s); sending them again in %ld s", ch->name, nt,
		    temp[0]->code, r->c.mp->temp_wait_ms / 1000);
		lk_sleep_ms(r->c.mp->temp_wait_ms);
		for (i = 0; i < nt; i++) {
			temp[i]->sends = 0;
			temp[i]->state = LK_PI_PENDING;
		}
		r->c.stats->retries += (long)nt;
		send_all(r, temp, nt, batch);
	}
	free(temp);
	free(v);
	if (r->pace_path != NULL && lk_pace_save(&r->c.pace, r->pace_path) != 0)
		lk_warn("%s: cannot keep the request budget in %s:", ch->name, r->pace_path);
}

/* --- file channels --- */

static void
push_file(struct run *r, struct lk_state *st, const struct lk_config *cfg, const struct lk_push_want *w,
    size_t nw)
{
	const struct lk_channel *ch = r->c.ch;
	struct lk_output where;
	const char *why;
	char err[512];
	size_t i, nchanged = 0;
	int rc;

	for (i = 0; i < r->nitems; i++)
		if (r->items[i].state == LK_PI_PENDING)
			nchanged++;
	if (r->c.dry_run) {
		lk_info("%s: would write %zu items (%zu changed) to %s", ch->name, nw, nchanged,
		    ch->output ? ch->output : "(no output)");
		for (i = 0; i < r->nitems; i++)
			if (r->items[i].state == LK_PI_PENDING)
				r->items[i].state = LK_PI_OK;
		return;
	}
	err[0] = '\0';
	/* lk_config_load() refused any other output; this only splits it. */
	if (lk_output_where(lk_state_dir(st), ch->output, cfg->global.output_dirs,
	    cfg->global.noutput_dirs, &where, &why) == -1) {
		snprintf(err, sizeof err, "%s: output: %s", ch->file, why);
		rc = -1;
	} else if (strcmp(ch->marketplace, "yml") == 0) {
		rc = lk_push_file_yml(ch, &where, &cfg->catalog, w, nw, lk_now(), err, sizeof err);
	} else {
		rc = lk_push_file_ndjson(ch, &where, w, nw, lk_now(), err, sizeof err);
	}
	r->c.stats->requests++;
	lk_output_free(&where);
	if (rc == -1) {
		lk_warn("%s: %s", ch->name, err);
		r->stop = LK_EX_CANTCREAT;
		snprintf(r->stop_msg, sizeof r->stop_msg, "%s", err);
		for (i = 0; i < r->nitems; i++)
			if (r->items[i].state == LK_PI_PENDING)
				lk_push_item_fail(&r->items[i], LK_PI_TEMP, "", "%s", err);
		return;
	}
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].state == LK_PI_PENDING)
			r->items[i].state = LK_PI_OK;
	{
		struct lk_push_item **v = lk_xcalloc(r->nitems + 1, sizeof *v);

		for (i = 0; i < r->nitems; i++)
			v[i] = &r->items[i];
		save_state(r, v, r->nitems);
		free(v);
	}
}

/* --- the channel --- */

/*
 * STATE/.lk/pace/MP-HASH.json: one per account (lk_mp_account), so that
 * its channels and its runs share one request budget.
 */
static char *
pace_path(struct lk_state *st, const struct lk_mp *mp, const struct lk_channel *ch)
{
	char *acct = lk_mp_account(mp, ch), *dir, *path;
	unsigned long long h = 1469598103934665603ULL;
	const unsigned char *s;

	for (s = (const unsigned char *)acct; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	free(acct);
	dir = lk_path_join(lk_state_lkdir(st), "pace");
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		lk_warn("cannot create %s:", dir);
		free(dir);
		return NULL;
	}
	path = lk_xasprintf("%s/%s-%016llx.json", dir, mp->name, h);
	free(dir);
	return path;
}

static char *
pushed_dir(struct lk_state *st, int dry_run)
{
	if (dry_run)
		return lk_xasprintf("%s/.lk/pushed", lk_state_dir(st));
	return lk_path_join(lk_state_lkdir(st), "pushed");
}

/*
 * One marketplace id on two catalog skus would go twice in one request
 * (Yandex Market refuses such a request whole; elsewhere the last one
 * wins): the channel is refused, with lk-state check's words.
 */
static int
refuse_dup_ids(const struct lk_config *cfg, const struct lk_channel *ch, const struct lk_mp *mp)
{
	struct lk_diag d;
	size_t n;

	memset(&d, 0, sizeof d);
	if ((n = lk_mp_check_ids(&cfg->catalog, mp->id_column, &d)) > 0) {
		lk_diag_print(&d);
		lk_warn("%s: nothing sent: %zu %s id%s on two skus (lk-state check)", ch->name, n,
		    mp->title, n == 1 ? "" : "s");
	}
	lk_diag_free(&d);
	return n > 0;
}

int
lk_push_channel(struct lk_state *st, const struct lk_config *cfg,
    const struct lk_channel *ch, struct lk_push_want *w, size_t nw,
    const struct lk_push_opts *o, struct lk_push_stats *stats)
{
	struct run r;
	const struct lk_limit *limit;
	double t0 = mono();
	char *dir = NULL, *path;
	int file, col = -1, col2 = -1, rc;
	size_t i;
	long batch = 1, accidents = 0;

	memset(&r, 0, sizeof r);
	memset(stats, 0, sizeof *stats);
	r.o = o;
	r.c.ch = ch;
	r.c.stats = stats;
	r.c.dry_run = o->dry_run;
	file = ch->marketplace && (strcmp(ch->marketplace, "yml") == 0 || strcmp(ch->marketplace, "ndjson") == 0);
	if (!file) {
		r.c.mp = lk_mp_find(ch->marketplace);
		if (r.c.mp == NULL) {
			lk_warn("%s: unknown marketplace '%s'", ch->file, ch->marketplace ? ch->marketplace : "");
			stats->skipped = "unknown marketplace";
			return stats->code = LK_EX_CONFIG;
		}
		col = lk_catalog_column(&cfg->catalog, r.c.mp->id_column);
		if (refuse_dup_ids(cfg, ch, r.c.mp)) {
			stats->skipped = "duplicate ids";
			return stats->code = LK_EX_CONFIG;
		}
		if (r.c.mp->id == LK_MP_AE)
			col2 = lk_catalog_column(&cfg->catalog,
			    ch->ae_product_column ? ch->ae_product_column : LK_COL_AE_PID);
		batch = ch->batch > 0 ? ch->batch : r.c.mp->batch_max;
		{
			const char *b = lk_mp_base_url(r.c.mp, ch);
			size_t bl = strlen(b);

			while (bl > 0 && b[bl - 1] == '/')
				bl--;
			r.c.base = path = lk_xstrndup(b, bl);
		}
	} else if (ch->output == NULL || *ch->output == '\0') {
		lk_warn("%s: output: a %s channel needs an output file", ch->file, ch->marketplace);
		stats->skipped = "no output";
		return stats->code = LK_EX_CONFIG;
	}

	dir = pushed_dir(st, o->dry_run);
	if (!o->dry_run && lk_confine_mkdirs(dir) == -1) {
		lk_warn("%s:", dir);
		free(dir);
		free((char *)r.c.base);
		stats->skipped = "state unwritable";
		return stats->code = LK_EX_CANTCREAT;
	}
	path = lk_xasprintf("%s/%s.ndjson", dir, ch->name);
	if (have_spare) {
		r.pushed = spare;
		have_spare = 0;
		rc = lk_pushstate_reload(&r.pushed, path, ch->name, "pushed");
	} else {
		rc = lk_pushstate_load(&r.pushed, path, ch->name, "pushed");
	}
	if (rc == -1)
		lk_warn("%s: cannot read; every item is sent:", path);
	free(path);
	path = lk_xasprintf("%s/%s.failed.ndjson", dir, ch->name);
	if (lk_pushstate_load(&r.failed, path, ch->name, "push_failed") == -1)
		lk_warn("%s: cannot read:", path);
	free(path);
	free(dir);

	/* What changed; what cannot be sent; what would go to 0. */
	r.items = lk_xcalloc(nw + 1, sizeof *r.items);
	for (i = 0; i < nw; i++) {
		struct lk_push_item *it = &r.items[r.nitems];
		const struct lk_pushstate_entry *e = lk_pushstate_find(&r.pushed, w[i].sku);
		const struct lk_pushstate_entry *f;
		long row;

		if (e && e->qty == w[i].qty && !o->full &&
		    !(w[i].has_shown && w[i].shown != w[i].qty)) {
			stats->unchanged++;
			continue;
		}
		r.nitems++;
		it->sku = w[i].sku;
		it->qty = w[i].qty;
		it->shown = w[i].has_shown ? w[i].shown : -1;
		if (e) {
			it->has_prev = 1;
			it->prev = e->qty;
		}
		/* Before the first push, what the marketplace shows is what a 0 takes away. */
		if (w[i].qty == 0 && (e ? e->qty > 0 : w[i].has_shown && w[i].shown > 0)) {
			stats->zeroed++;
			accidents += !w[i].asked;
		}
		f = lk_pushstate_find(&r.failed, w[i].sku);
		if (f && f->qty == w[i].qty && !o->full) {
			lk_push_item_fail(it, LK_PI_FAILED, "", "%s (refused before; not sent again until "
			    "the quantity changes or --full)", f->code ? f->code : "refused");
			continue;
		}
		if (file)
			continue;
		row = lk_catalog_find(&cfg->catalog, w[i].sku);
		if (row < 0) {
			lk_push_item_fail(it, LK_PI_FAILED, "", "not in catalog.csv");
			continue;
		}
		it->id = col >= 0 ? lk_catalog_get(&cfg->catalog, row, col) : "";
		if (*it->id == '\0') {
			lk_push_item_fail(it, LK_PI_FAILED, "", "no %s in catalog.csv", r.c.mp->id_column);
			continue;
		}
		if (r.c.mp->id == LK_MP_AE) {
			it->id2 = col2 >= 0 ? lk_catalog_get(&cfg->catalog, row, col2) : "";
			if (*it->id2 == '\0') {
				lk_push_item_fail(it, LK_PI_FAILED, "", "no %s in catalog.csv",
				    ch->ae_product_column ? ch->ae_product_column : LK_COL_AE_PID);
				continue;
			}
		}
	}

	limit = ch->max_zero_set ? &ch->max_zero : &cfg->global.max_zero;
	if (accidents > 0 && !o->force &&
	    lk_limit_exceeded(limit, accidents, (long long)(nw > r.pushed.live ? nw : r.pushed.live))) {
		lk_warn("%s: %ld of %zu items would go from a positive quantity to 0, past the limit "
		    "(max_zero); nothing sent to this channel; if the stock is really gone: "
		    "lk-push --force, or lk-sync --force", ch->name, accidents, nw);
		stats->skipped = "zero guard";
		stats->code = LK_EX_SAFETY;
		goto done;
	}

	if (file)
		push_file(&r, st, cfg, w, nw);
	else if (r.nitems > 0) {
		if (!o->dry_run)
			r.pace_path = pace_path(st, r.c.mp, ch);
		push_marketplace(&r, cfg, batch);
	}

	for (i = 0; i < r.nitems; i++) {
		const struct lk_push_item *it = &r.items[i];

		if (it->state == LK_PI_OK) {
			stats->sent++;
			emit_pushed(ch, it, o->dry_run ? "dry_run" : "ok");
		} else {
			stats->failed++;
			emit_pushed(ch, it, "failed");
		}
	}
	/* the journal is folded into the base once it has grown to half its size */
	if (!o->dry_run && !r.state_err &&
	    (lk_pushstate_compact(&r.pushed, 0) == -1 || lk_pushstate_compact(&r.failed, 0) == -1)) {
		lk_warn("%s: cannot compact the pushed state:", ch->name);
		if (!r.stop) {
			r.stop = LK_EX_CANTCREAT;
			snprintf(r.stop_msg, sizeof r.stop_msg, "cannot save %s", r.pushed.path);
		}
	}
	if (r.stop) {
		lk_warn("%s: stopped: %s", ch->name, r.stop_msg);
		stats->code = r.stop;
	} else if (stats->failed) {
		stats->code = LK_EX_PARTIAL;
	}
done:
	stats->secs = mono() - t0;
	curl_slist_free_all(r.c.headers);
	lk_secret_free(r.c.body_token);
	spare = r.pushed;       /* fresh pages cost more than the files' reading */
	have_spare = 1;
	lk_pushstate_free(&r.failed);
	free(r.items);
	lk_push_verdicts_free();
	free((char *)r.c.base);
	free(r.pace_path);
	return stats->code;
}

char *
lk_push_summary_line(const struct lk_channel *ch, const struct lk_push_stats *s)
{
	char tbuf[21], *line;
	size_t len;
	FILE *m = open_memstream(&line, &len);

	if (m == NULL)
		lk_die(LK_EX_SOFTWARE, "open_memstream:");
	fputs("{\"type\":\"push_summary\",\"channel\":", m);
	lk_json_write_string(m, ch->name, strlen(ch->name));
	fprintf(m, ",\"at\":\"%s\",\"sent\":%ld,\"unchanged\":%ld,\"failed\":%ld,\"retries\":%ld,"
	    "\"throttled\":%ld,\"requests\":%ld,\"zeroed\":%ld,\"secs\":%.3f,\"skipped\":",
	    lk_fmt_time(lk_now(), tbuf), s->sent, s->unchanged, s->failed, s->retries,
	    s->throttled, s->requests, s->zeroed, s->secs);
	if (s->skipped)
		lk_json_write_string(m, s->skipped, strlen(s->skipped));
	else
		fputs("null", m);
	fprintf(m, ",\"exit\":%d}\n", s->code);
	if (fclose(m) == EOF)
		lk_die(LK_EX_SOFTWARE, "open_memstream:");
	return line;
}

int
lk_push_log(struct lk_state *st, const struct lk_channel *ch, const struct lk_push_stats *s, int dry_run)
{
	char *path, *line;
	const char *fs;
	int fd, rc = 0;
	size_t len;

	if (dry_run)
		return 0;
	path = lk_path_join(lk_state_lkdir(st), "push.log");
	line = lk_push_summary_line(ch, s);
	len = strlen(line);
	fd = lk_confine_open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd == -1 || write(fd, line, len) != (ssize_t)len)
		rc = -1;
	fs = getenv("LK_FSYNC");
	if (fd != -1 && rc == 0 && !(fs && strcmp(fs, "0") == 0) && fsync(fd) == -1)
		rc = -1;
	if (fd != -1 && close(fd) == -1)
		rc = -1;
	if (rc == -1)
		lk_warn("%s:", path);
	free(path);
	free(line);
	return rc;
}
