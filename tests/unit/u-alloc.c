/*
 * u-alloc.c - the rules engine, with worked examples: each rule step,
 * rounding, the equal split, conditions at their boundaries, filters,
 * overrides, reserve, the catalog, failed sources and snapshots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "alloc-int.h"
#include "tap.h"

/* The config structs hold char *; the literals here are never written. */
#define S(lit) ((char *)(lit))

/* --- a hand-made config --- */

static struct lk_config cfg;
/* columns sku, brand (odd rows "acme", even "other"), category */
static void
catalog(const char *const *skus, size_t n)
{
	char csv[4096];
	size_t i, k = (size_t)snprintf(csv, sizeof csv, "sku,brand,category\n");
	struct lk_diag d = { 0 };

	for (i = 0; i < n; i++)
		k += (size_t)snprintf(csv + k, sizeof csv - k, "%s,%s,toys\n", skus[i],
		    i % 2 ? "acme" : "other");
	lk_catalog_parse(csv, k, &cfg.catalog, &d);
	lk_diag_free(&d);
}

static struct lk_source srcs[3] = {
	{ .name = S("main"), .on_sale = 1 },
	{ .name = S("sup"), .on_sale = 1, .max_age = 3600 },
	{ .name = S("back"), .on_sale = 0 },
};

static void
reset(void)
{
	lk_catalog_free(&cfg.catalog);
	memset(&cfg, 0, sizeof cfg);
	cfg.sources = srcs;
	cfg.nsources = 3;
	cfg.global.source_max_age = 6 * 3600;
}

static struct lk_chan_source src_main[] = { { .name = S("main") } };
static struct lk_chan_source src_both[] = { { .name = S("main") }, { .name = S("sup") } };

static struct lk_channel
chan(const char *name, struct lk_chan_source *s, size_t ns, struct lk_rule_step *r, size_t nr)
{
	struct lk_channel c = { 0 };

	c.name = (char *)name;
	c.file = (char *)name;
	c.enabled = 1;
	c.sources = s;
	c.nsources = ns;
	c.rule = r;
	c.nrule = nr;
	return c;
}

/* --- collecting the output --- */

struct res { char ch[32], sku[32]; long long qty; char why[512]; };
static struct res out[256];
static size_t nout;

static void
collect(void *arg, const struct lk_alloc_out *o)
{
	struct res *r = &out[nout++];

	(void)arg;
	snprintf(r->ch, sizeof r->ch, "%s", o->channel ? o->channel : "-");
	snprintf(r->sku, sizeof r->sku, "%s", o->sku);
	r->qty = o->qty;
	r->why[0] = '\0';
	if (o->why) {
		char *s = json_dumps(o->why, JSON_COMPACT | JSON_PRESERVE_ORDER);

		snprintf(r->why, sizeof r->why, "%s", s);
		free(s);
	}
}

/* The qty of (channel, sku), or -1 when there is no record. */
static long long
got(const char *ch, const char *sku)
{
	size_t i;

	for (i = 0; i < nout; i++)
		if (strcmp(out[i].ch, ch) == 0 && strcmp(out[i].sku, sku) == 0)
			return out[i].qty;
	return -1;
}

static struct lk_alloc *
engine(void)
{
	struct lk_diag d = { 0 };
	struct lk_alloc *a = lk_alloc_new(&cfg, &d);

	if (a == NULL)
		lk_diag_print(&d);
	lk_diag_free(&d);
	nout = 0;
	return a;
}

static void
stock(struct lk_alloc *a, const char *sku, const char *src, long long q)
{
	lk_alloc_stock(a, sku, strlen(sku), src, strlen(src), NULL, 0, q);
}

static void
run(struct lk_alloc *a, int explain)
{
	struct lk_alloc_opts o = { explain, NULL };

	lk_alloc_resolve(a, NULL, 1000000);
	lk_alloc_run(a, &o, collect, NULL);
}

/* --- pure steps --- */

static void
test_share(void)
{
	is_int(lk_rules_share(3, 50), 1, "share: 50%% of 3 is 1 (rounded down)");
	is_int(lk_rules_share(1, 99.9), 0, "share: 99.9%% of 1 is 0");
	is_int(lk_rules_share(1000, 33.3), 333, "share: 33.3%% of 1000 is 333, no float drift");
	is_int(lk_rules_share(7, 100), 7, "share: 100%% keeps all");
	is_int(lk_rules_share(7, 0), 0, "share: 0%% zeroes the channel");
	is_int(lk_rules_share(10, 90), 9, "share: 90%% of 10 is 9");
}

static long long
apply1(struct lk_rule_step s, long long q)
{
	return lk_rules_apply(&s, 1, q, NULL);
}

static void
test_simple_steps(void)
{
	struct lk_rule_step buf = { .kind = LK_STEP_BUFFER, .value = 2 };
	struct lk_rule_step max = { .kind = LK_STEP_MAX, .value = 50 };
	struct lk_rule_step min = { .kind = LK_STEP_MIN, .value = 3 };

	is_int(apply1(buf, 5), 3, "buffer 2: 5 -> 3");
	is_int(apply1(buf, 2), 0, "buffer 2: 2 -> 0");
	is_int(apply1(buf, 1), 0, "buffer 2: 1 -> 0, never negative");
	is_int(apply1(max, 51), 50, "max 50: 51 -> 50");
	is_int(apply1(max, 50), 50, "max 50: 50 -> 50");
	is_int(apply1(max, 7), 7, "max 50: 7 -> 7");
	is_int(apply1(min, 2), 0, "min 3: 2 -> 0 (below the threshold)");
	is_int(apply1(min, 3), 3, "min 3: 3 -> 3 (at the threshold)");
}

static void
test_conditions(void)
{
	/* "more than 10 -> 10", "less than 3 -> 0": one group */
	struct lk_rule_step g[] = {
		{ .kind = LK_STEP_IF, .op = LK_CMP_GT, .value = 10, .then = 10 },
		{ .kind = LK_STEP_IF, .op = LK_CMP_LT, .value = 3, .then = 0 },
	};
	/* first match wins: 7 > 5 gives 5, though 7 > 2 too */
	struct lk_rule_step first[] = {
		{ .kind = LK_STEP_IF, .op = LK_CMP_GT, .value = 5, .then = 5 },
		{ .kind = LK_STEP_IF, .op = LK_CMP_GT, .value = 2, .then = 1 },
	};
	struct lk_rule_step ge = { .kind = LK_STEP_IF, .op = LK_CMP_GE, .value = 10, .then = 9 };
	struct lk_rule_step le = { .kind = LK_STEP_IF, .op = LK_CMP_LE, .value = 2, .then = 0 };
	struct lk_rule_step eq = { .kind = LK_STEP_IF, .op = LK_CMP_EQ, .value = 1, .then = 0 };
	struct lk_rule_step qty = { .kind = LK_STEP_IF, .op = LK_CMP_GT, .value = 0, .then_qty = 1 };
	long long tr[2];

	is_int(lk_rules_apply(g, 2, 11, NULL), 10, "if > 10 then 10: 11 -> 10");
	is_int(lk_rules_apply(g, 2, 10, NULL), 10, "if > 10: 10 is not more, stays 10");
	is_int(lk_rules_apply(g, 2, 3, NULL), 3, "if < 3: 3 is not less, stays 3");
	is_int(lk_rules_apply(g, 2, 2, NULL), 0, "if < 3 then 0: 2 -> 0");
	is_int(lk_rules_apply(first, 2, 7, tr), 5, "first match wins: 7 -> 5, not 1");
	is_int(tr[1], 5, "trace: the group's later steps show the group's result");
	is_int(lk_rules_apply(first, 2, 3, NULL), 1, "second condition when the first fails: 3 -> 1");
	is_int(apply1(ge, 10), 9, "if >= 10: 10 matches");
	is_int(apply1(ge, 9), 9, "if >= 10: 9 does not (stays 9)");
	is_int(apply1(le, 2), 0, "if <= 2: 2 matches");
	is_int(apply1(le, 3), 3, "if <= 2: 3 does not");
	is_int(apply1(eq, 1), 0, "if = 1: 1 -> 0");
	is_int(apply1(eq, 2), 2, "if = 1: 2 stays");
	is_int(apply1(qty, 4), 4, "then qty: the quantity itself");
}

static void
test_equal_part(void)
{
	long long p[3], sum = 0;
	size_t k, fours = 0;
	uint64_t h;

	for (k = 0; k < 3; k++) {
		p[k] = lk_rules_equal_part(10, 3, k, 0);
		sum += p[k];
		fours += p[k] == 4;
	}
	is_int(sum, 10, "equal: 10 among 3 adds up to 10");
	ok(p[0] == 4 && p[1] == 3 && p[2] == 3, "equal: 10 among 3 is 4,3,3 (start 0)");
	is_int(lk_rules_equal_part(10, 3, 1, 1), 4, "equal: start 1 gives the 4 to the second");
	is_int(lk_rules_equal_part(11, 3, 0, 2), 4, "equal: 11 from start 2: the third and first get 4");
	is_int(lk_rules_equal_part(11, 3, 1, 2), 3, "... and the second 3");
	is_int(lk_rules_equal_part(2, 3, 2, 0), 0, "equal: 2 among 3, the third gets 0");
	is_int(lk_rules_equal_part(5, 0, 0, 0), 0, "equal: no members, nothing");
	h = lk_alloc_hash("a", 1);
	is_int((long long)h, (long long)0xaf63dc4c8601ec8cULL, "hash: FNV-1a 64, fixed on every machine");
}

/* --- the engine --- */

static void
test_equal_engine(void)
{
	static const char *skus[] = { "A1", "A2", "A3", "A4", "A5", "A6" };
	struct lk_rule_step eq[] = { { .kind = LK_STEP_EQUAL } };
	struct lk_channel ch[3];
	struct lk_alloc *a;
	size_t i, got4[3] = { 0 }, spread = 0;

	reset();
	catalog(skus, 6);
	ch[0] = chan("ozon", src_main, 1, eq, 1);
	ch[1] = chan("wb", src_main, 1, eq, 1);
	ch[2] = chan("ym", src_main, 1, eq, 1);
	cfg.channels = ch;
	cfg.nchannels = 3;
	a = engine();
	for (i = 0; i < 6; i++)
		stock(a, skus[i], "main", 10);
	lk_alloc_source(a, "main", 1, 6);
	run(a, 0);
	for (i = 0; i < 6; i++) {
		long long o = got("ozon", skus[i]), w = got("wb", skus[i]), y = got("ym", skus[i]);

		if (o + w + y != 10)
			break;
		got4[0] += o == 4, got4[1] += w == 4, got4[2] += y == 4;
	}
	is_int(i, 6, "equal engine: every product's parts add up to 10");
	for (i = 0; i < 3; i++)
		spread += got4[i] > 0;
	ok(spread >= 2, "equal engine: the extra unit moves between channels (%zu, %zu, %zu)",
	    got4[0], got4[1], got4[2]);
	is_int(nout, 18, "equal engine: 18 records, no undistributed (all given)");
	is_str(out[0].ch, "ozon", "order: channel name first");
	is_str(out[1].sku, "A2", "order: then sku");
	lk_alloc_free(a);
}

static void
test_share_undistributed(void)
{
	static const char *skus[] = { "B1", "B2" };
	struct lk_rule_step s50[] = { { .kind = LK_STEP_SHARE, .percent = 50 } };
	struct lk_rule_step s30[] = { { .kind = LK_STEP_SHARE, .percent = 30 },
	    { .kind = LK_STEP_MAX, .value = 2 } };
	struct lk_channel ch[2];
	struct lk_alloc *a;

	reset();
	catalog(skus, 2);
	ch[0] = chan("a", src_main, 1, s50, 1);
	ch[1] = chan("b", src_main, 1, s30, 2);
	cfg.channels = ch;
	cfg.nchannels = 2;
	a = engine();
	stock(a, "B1", "main", 10);
	stock(a, "B2", "main", 3);
	lk_alloc_source(a, "main", 1, -1);
	run(a, 0);
	is_int(got("a", "B1"), 5, "share 50%% of 10 -> 5");
	is_int(got("b", "B1"), 2, "share 30%% of 10 -> 3, then max 2 -> 2");
	is_int(got("-", "B1"), 3, "undistributed: 10 - 5 - 2 = 3");
	is_int(got("a", "B2"), 1, "share 50%% of 3 -> 1");
	is_int(got("b", "B2"), 0, "share 30%% of 3 -> 0");
	is_int(got("-", "B2"), 2, "undistributed: 3 - 1 - 0 = 2");
	is_str(out[nout - 1].sku, "B2", "undistributed records come last, by sku");
	lk_alloc_free(a);
}

static void
test_reserve_catalog(void)
{
	static const char *skus[] = { "C1", "C2", "C3" };
	struct lk_channel ch[1];
	struct lk_alloc *a;

	reset();
	catalog(skus, 3);
	ch[0] = chan("all", src_both, 2, NULL, 0);
	cfg.channels = ch;
	cfg.nchannels = 1;
	a = engine();
	stock(a, "C1", "main", 4);
	stock(a, "C1", "sup", 3);
	stock(a, "C1", "main", 1);   /* a second line of one sku adds up */
	stock(a, "C2", "main", 2);
	stock(a, "ZZ", "main", 9);   /* not in the catalog */
	stock(a, "C1", "back", 50);  /* not on sale, not summed */
	lk_alloc_reserve(a, "C1", 2, 2);
	lk_alloc_reserve(a, "C2", 2, 5);
	lk_alloc_source(a, "main", 1, 4);
	lk_alloc_source(a, "sup", 1, 1);
	run(a, 1);
	is_int(got("all", "C1"), 6, "sources summed (4+1+3), minus reserve 2");
	is_int(got("all", "C2"), 0, "reserve above the stock gives 0, not negative");
	is_int(got("all", "C3"), 0, "in the catalog, missing from complete sources: 0");
	is_int(got("all", "ZZ"), -1, "not in the catalog: no record");
	is_int((long long)a->src[0].dropped, 1, "the unknown sku is counted for the warning");
	is_str(out[0].why, "{\"sources\":[{\"source\":\"main\",\"qty\":5},{\"source\":\"sup\",\"qty\":3}],"
	    "\"reserve\":2,\"available\":6,\"steps\":[]}", "explain: sources, reserve, steps");
	lk_alloc_free(a);
}

static void
test_filter_override(void)
{
	static const char *skus[] = { "D1", "D2", "D3", "X-test" };
	struct lk_filter_term inc = { .column = S("brand"), .values = (char *[]){ S("acme") }, .nvalues = 1 };
	struct lk_filter_term exc = { .column = S("sku"), .glob = 1, .values = (char *[]){ S("*-test") }, .nvalues = 1 };
	struct lk_filter f = { .name = S("acme"), .include = &inc, .ninclude = 1, .exclude = &exc, .nexclude = 1 };
	struct lk_override ov[] = {
		{ .sku = S("D1"), .channel = S("wb"), .qty = 7 },   /* D1 is not acme: pin beats filter */
		{ .sku = S("D2"), .channel = S("wb"), .hide = 1 },  /* pin beats rule */
	};
	struct lk_rule_step r[] = { { .kind = LK_STEP_MAX, .value = 1 } };
	struct lk_channel ch[1];
	struct lk_alloc *a;

	reset();
	catalog(skus, 4);   /* brands: D1 other, D2 acme, D3 other, X-test acme */
	ch[0] = chan("wb", src_main, 1, r, 1);
	ch[0].filter = S("acme");
	cfg.channels = ch;
	cfg.nchannels = 1;
	cfg.filters = &f;
	cfg.nfilters = 1;
	cfg.overrides = ov;
	cfg.noverrides = 2;
	a = engine();
	stock(a, "D1", "main", 5);
	stock(a, "D2", "main", 5);
	stock(a, "D3", "main", 5);
	stock(a, "X-test", "main", 5);
	lk_alloc_source(a, "main", 1, 4);
	run(a, 1);
	is_int(got("wb", "D3"), -1, "outside the filter (brand): no record, untouched");
	is_int(got("wb", "X-test"), -1, "excluded by sku glob: no record");
	is_int(got("wb", "D1"), 5, "an override wins over the filter, up to the 5 available (pin 7)");
	is_int(got("wb", "D2"), 0, "hide wins over the rule (max 1 would give 1)");
	ok(strstr(out[1].why, "\"override\":\"hide\"") != NULL, "explain names the override");
	lk_alloc_free(a);
}

static void
test_bad_config(void)
{
	struct lk_rule_step bad[] = { { .kind = LK_STEP_SHARE, .percent = 150 } };
	struct lk_rule_step e1[] = { { .kind = LK_STEP_EQUAL } };
	struct lk_rule_step e2[] = { { .kind = LK_STEP_BUFFER, .value = 1 }, { .kind = LK_STEP_EQUAL } };
	struct lk_channel ch[2];
	struct lk_diag d = { 0 };

	reset();
	catalog(NULL, 0);
	ch[0] = chan("a", src_main, 1, bad, 1);
	cfg.channels = ch;
	cfg.nchannels = 1;
	ok(lk_alloc_new(&cfg, &d) == NULL && d.n == 1 && strstr(d.msgs[0], "rule[0]"),
	    "share 150 is a config error naming the step");
	lk_diag_free(&d);
	ch[0] = chan("a", src_main, 1, e1, 1);
	ch[1] = chan("b", src_main, 1, e2, 2);
	cfg.nchannels = 2;
	ok(lk_alloc_new(&cfg, &d) == NULL && d.n == 1 && strstr(d.msgs[0], "before 'equal'"),
	    "equal channels with different steps before it are refused");
	lk_diag_free(&d);
}

static void
test_failed_source(void)
{
	static const char *skus[] = { "E1" };
	struct lk_channel ch[2];
	struct lk_alloc *a;
	char dir[] = "/tmp/u-alloc.XXXXXX";
	time_t t0 = 1800000000;
	struct lk_alloc_opts o = { 0, NULL };

	reset();
	catalog(skus, 1);
	ch[0] = chan("both", src_both, 2, NULL, 0);
	ch[1] = chan("mainonly", src_main, 1, NULL, 0);
	ch[1].overlap = 1;  /* shows main's units "both" shows too: sources are the point here */
	cfg.channels = ch;
	cfg.nchannels = 2;
	if (mkdtemp(dir) == NULL)
		abort();
	/* run 1: both complete; snapshots written */
	a = engine();
	stock(a, "E1", "main", 2);
	stock(a, "E1", "sup", 8);
	lk_alloc_source(a, "main", 1, 1);
	lk_alloc_source(a, "sup", 1, 1);
	is_int((long long)lk_alloc_resolve(a, dir, t0), 0, "all complete: nothing stopped");
	is_int(lk_alloc_snapshot_save(a, dir, t0), 0, "snapshots written");
	lk_alloc_free(a);
	/* run 2: sup failed, 30 min later: its snapshot is used */
	a = engine();
	stock(a, "E1", "main", 2);
	stock(a, "E1", "sup", 1);   /* partial read: ignored */
	lk_alloc_source(a, "main", 1, 1);
	lk_alloc_source(a, "sup", 0, -1);
	is_int((long long)lk_alloc_resolve(a, dir, t0 + 1800), 0, "failed source within max age: nothing stopped");
	lk_alloc_run(a, &o, collect, NULL);
	is_int(got("both", "E1"), 10, "failed source: the snapshot's 8, not 0 and not the partial 1");
	lk_alloc_free(a);
	/* run 3: sup absent, 2 hours later (its max_age is 1h) */
	a = engine();
	stock(a, "E1", "main", 2);
	lk_alloc_source(a, "main", 1, 1);
	is_int((long long)lk_alloc_resolve(a, dir, t0 + 7200), 1, "snapshot too old: one channel stopped");
	ok(lk_alloc_stopped(a, "both") && !lk_alloc_stopped(a, "mainonly"), "only the channel summing it");
	lk_alloc_run(a, &o, collect, NULL);
	ok(got("both", "E1") == -1 && got("mainonly", "E1") == 2, "no records for it, the other proceeds");
	lk_alloc_free(a);
	/* run 4: a count that does not match the sentinel is a failed read */
	a = engine();
	stock(a, "E1", "main", 2);
	lk_alloc_source(a, "main", 1, 5);
	lk_alloc_source(a, "sup", 1, 0);
	lk_alloc_resolve(a, dir, t0 + 60);
	lk_alloc_run(a, &o, collect, NULL);
	is_int(got("mainonly", "E1"), 2, "short source: its snapshot (2) is used");
	is_int(got("both", "E1"), 10, "sup complete with 0 records where its snapshot had one: the guard keeps its 8");
	lk_alloc_free(a);
	{
		char *p = lk_xasprintf("%s/main.ndjson", dir), *q = lk_xasprintf("%s/sup.ndjson", dir);

		unlink(p);
		unlink(q);
		free(p);
		free(q);
		rmdir(dir);
	}
}

static void
test_locations(void)
{
	static const char *skus[] = { "F1" };
	struct lk_chan_source msk[] = { { .name = S("main"), .locations = (char *[]){ S("msk") }, .nlocations = 1 } };
	struct lk_channel ch[2];
	struct lk_alloc *a;

	reset();
	catalog(skus, 1);
	ch[0] = chan("all", src_main, 1, NULL, 0);
	ch[1] = chan("msk", msk, 1, NULL, 0);
	ch[1].overlap = 1;  /* the same units as "all", on purpose */
	cfg.channels = ch;
	cfg.nchannels = 2;
	a = engine();
	lk_alloc_stock(a, "F1", 2, "main", 4, "msk", 3, 3);
	lk_alloc_stock(a, "F1", 2, "main", 4, "spb", 3, 4);
	lk_alloc_source(a, "main", 1, 2);
	run(a, 0);
	is_int(got("all", "F1"), 7, "whole source: every location");
	is_int(got("msk", "F1"), 3, "locations: only msk");
	lk_alloc_free(a);
}

static void
test_flat(void)
{
	struct lk_flat f[8];
	const char *ok1 = "{\"type\":\"stock\", \"sku\":\"Ж-1\",\"qty\":12}";

	is_int(lk_flat_parse(ok1, strlen(ok1), f, 8), 3, "flat: three fields, UTF-8 kept");
	is_int(f[2].vlen, 2, "flat: the integer's digits");
	is_int(lk_flat_parse("{\"a\":\"x\\\"y\"}", 12, f, 8), -1, "flat: escapes go to jansson");
	is_int(lk_flat_parse("{\"a\":1.5}", 9, f, 8), -1, "flat: fractions go to jansson");
	is_int(lk_flat_parse("{\"a\":-1}", 8, f, 8), -1, "flat: negatives go to jansson");
	is_int(lk_flat_parse("{\"a\":1,\"a\":2}", 13, f, 8), -1, "flat: duplicates go to jansson");
	is_int(lk_flat_parse("{\"a\":1} x", 9, f, 8), -1, "flat: trailing garbage refused");
	is_int(lk_flat_parse("{\"a\":\"\xff\"}", 8, f, 8), -1, "flat: invalid UTF-8 refused");
	is_int(lk_flat_parse("{\"a\":01}", 8, f, 8), -1, "flat: leading zero refused");
}

int
main(void)
{
	test_share();
	test_simple_steps();
	test_conditions();
	test_equal_part();
	test_equal_engine();
	test_share_undistributed();
	test_reserve_catalog();
	test_filter_override();
	test_bad_config();
	test_failed_source();
	test_locations();
	test_flat();
	reset();
	return tap_done();
}
