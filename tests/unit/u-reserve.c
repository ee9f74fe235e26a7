/*
 * u-reserve.c - the reserve ledger's rules (src/reserve.c), run after run
 * through a real ledger file, as lk-reserve does it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reserve.h"
#include "tap.h"
#include "util.h"

#define H 3600
#define T0 1767225600       /* 2026-01-01T00:00:00Z */

static char ledger[64];
static struct lk_reserve R;

/* Starts a run at T0 + secs with the ledger the previous run saved. */
static void
run_begin(long long secs)
{
	char err[256] = "";

	lk_reserve_init(&R, T0 + secs, 72 * H, 1 * H);
	if (lk_reserve_load(&R, ledger, err, sizeof err) < 0)
		printf("# load: %s\n", err);
}

static void
run_end(void)
{
	lk_reserve_finish(&R);
	if (lk_reserve_save(&R, ledger) < 0)
		printf("# save failed\n");
}

static void
wb(const char *id, const char *sku, long long qty, const char *status, time_t at)
{
	const char *const *set = lk_reserve_status_defaults("wb");

	lk_reserve_order(&R, "wb-msk", id, sku, qty, status, at, 0,
	    lk_reserve_status_in(set, status), lk_reserve_status_cancelled(status));
}

/* The reserve of sku now (0 when none); *unexp gets its unexplained part. */
static long long
reserved(const char *sku, long long *unexp)
{
	size_t n;
	struct lk_rsv_total *t = lk_reserve_totals(&R, &n);
	long long q = 0;

	if (unexp)
		*unexp = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].sku, sku) == 0) {
			q = t[i].qty;
			if (unexp)
				*unexp = t[i].unexplained_qty;
		}
	}
	lk_reserve_totals_free(t, n);
	return q;
}

static void
fresh(void)
{
	unlink(ledger);
}

static void
test_orders(void)
{
	fresh();
	for (int i = 0; i < 5; i++) {
		run_begin(i * 60);
		wb("1", "A", 2, "new", T0);
		run_end();
		is_int(reserved("A", NULL), 2, "run %d: the same order reserves once", i + 1);
		lk_reserve_free(&R);
	}
	run_begin(600);
	wb("1", "A", 2, "confirm", T0);
	run_end();
	is_int(reserved("A", NULL), 2, "new -> confirm keeps the reserve");
	lk_reserve_free(&R);
	run_begin(700);
	wb("1", "A", 2, "complete", T0);
	run_end();
	is_int(reserved("A", NULL), 0, "a shipped status releases");
	lk_reserve_free(&R);
	run_begin(800);
	wb("1", "A", 2, "new", T0);
	run_end();
	is_int(reserved("A", NULL), 0, "a released order never reserves again");
	lk_reserve_free(&R);
}

static void
test_cancel_and_age(void)
{
	fresh();
	run_begin(0);
	wb("1", "A", 1, "new", 0);
	wb("2", "B", 1, "new", 0);
	run_end();
	lk_reserve_free(&R);
	run_begin(60);
	wb("1", "A", 1, "cancel", 0);
	wb("2", "B", 1, "new", 0);
	run_end();
	is_int(reserved("A", NULL), 0, "a cancel releases at once");
	is_int(reserved("B", NULL), 1, "the other order still reserves");
	lk_reserve_free(&R);
	run_begin(72 * H - 1);
	wb("2", "B", 1, "new", 0);
	run_end();
	is_int(reserved("B", NULL), 1, "just under reserve_max_age it reserves");
	lk_reserve_free(&R);
	run_begin(72 * H);
	wb("2", "B", 1, "new", 0);
	run_end();
	is_int(reserved("B", NULL), 0, "reserve_max_age releases");
	is_str(R.norders ? R.orders[R.norders - 1].released : NULL, "max_age", "released for max_age");
	lk_reserve_free(&R);
}

static void
test_listing(void)
{
	fresh();
	run_begin(0);
	wb("1", "A", 1, "new", 0);
	run_end();
	lk_reserve_free(&R);
	run_begin(60);
	lk_reserve_listing(&R, "wb-msk", 0);
	run_end();
	is_int(reserved("A", NULL), 1, "a failed listing releases nothing");
	lk_reserve_free(&R);
	run_begin(90);
	run_end();
	is_int(reserved("A", NULL), 1, "no listing releases nothing");
	lk_reserve_free(&R);
	run_begin(120);
	lk_reserve_listing(&R, "ozon-1", 1);
	run_end();
	is_int(reserved("A", NULL), 1, "another channel's complete listing releases nothing");
	lk_reserve_free(&R);
	run_begin(180);
	lk_reserve_listing(&R, "wb-msk", 1);
	lk_reserve_listing(&R, "wb-msk", 0);
	run_end();
	is_int(reserved("A", NULL), 1, "complete then failed in one input: not trusted");
	lk_reserve_free(&R);
	run_begin(240);
	lk_reserve_listing(&R, "wb-msk", 1);
	run_end();
	is_int(reserved("A", NULL), 0, "vanished from a complete listing: released");
	lk_reserve_free(&R);
}

/* The worked example of lk-reserve(1): pushed 10, shows 7, one order explains 1. */
static void
test_double(void)
{
	long long u;
	time_t pushed_at = T0 + 10 * 60;

	fresh();
	run_begin(30 * 60);
	wb("1", "A", 1, "new", T0 + 20 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 7, T0 + 30 * 60, 10, -1, pushed_at, 120);
	run_end();
	is_int(reserved("A", &u), 3, "1 order + 2 unexplained");
	is_int(u, 2, "2 units unexplained");
	lk_reserve_free(&R);

	run_begin(40 * 60);
	wb("1", "A", 1, "new", T0 + 20 * 60);
	wb("2", "A", 1, "new", T0 + 25 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 7, T0 + 40 * 60, 10, -1, pushed_at, 120);
	run_end();
	is_int(reserved("A", &u), 3, "the order appears: still 3, not 4");
	is_int(u, 1, "the unexplained part shrank by the order's qty");
	lk_reserve_free(&R);

	run_begin(50 * 60);
	wb("1", "A", 1, "new", T0 + 20 * 60);
	wb("2", "A", 1, "new", T0 + 25 * 60);
	run_end();
	is_int(reserved("A", &u), 3, "without a seen record the decrease is kept");
	lk_reserve_free(&R);

	run_begin(40 * 60 + H);
	wb("1", "A", 1, "new", T0 + 20 * 60);
	wb("2", "A", 1, "new", T0 + 25 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 7, T0 + 40 * 60 + H, 10, -1, pushed_at, 120);
	run_end();
	is_int(reserved("A", &u), 2, "after seen_reserve_ttl the unexplained unit is released");
	is_int(u, 0, "and stays released though the marketplace still shows 7");
	lk_reserve_free(&R);
}

static void
test_windows_and_conflicts(void)
{
	long long u;

	fresh();
	run_begin(30 * 60);
	wb("1", "A", 1, "new", T0 + 5 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 9, T0 + 30 * 60, 10, -1, T0 + 10 * 60, 120);
	run_end();
	is_int(reserved("A", &u), 2, "an order placed before the push explains nothing");
	is_int(u, 1, "one unexplained unit");
	lk_reserve_free(&R);

	run_begin(31 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 9, T0 + 31 * 60, 10, -1, T0 + 30 * 60 + 30, 120);
	run_end();
	is_int(R.ndecs, 1, "within the grace after a push nothing is compared");
	lk_reserve_free(&R);

	run_begin(40 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 10, T0 + 40 * 60, 10, -1, T0 + 35 * 60, 120);
	wb("3", "A", 1, "new", T0 + 38 * 60);
	run_end();
	is_int(reserved("A", &u), 3, "orders 1 and 3, and the old unexplained unit");
	is_int(u, 1, "an order after the next push does not explain the older decrease");
	is_int(R.nconflicts, 0, "no conflict when numbers agree");
	lk_reserve_free(&R);

	fresh();
	run_begin(30 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 15, T0 + 30 * 60, 10, -1, T0, 120);
	run_end();
	is_int(R.nconflicts, 1, "more than pushed is a conflict");
	is_str(R.nconflicts ? R.conflicts[0].reason : NULL, "above_pushed", "reason above_pushed");
	is_int(reserved("A", NULL), 0, "and reserves nothing");
	lk_reserve_free(&R);

	run_begin(30 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 1, T0 + 30 * 60, 10, -1, T0, 120);
	run_end();
	is_str(R.nconflicts ? R.conflicts[0].reason : NULL, "large_decrease", "10 -> 1 is a large decrease");
	is_int(reserved("A", NULL), 9, "but is reserved all the same");
	lk_reserve_free(&R);
}

/* Within the grace after a push, only what is below both pushed and shown-before is a sale. */
static void
test_grace(void)
{
	long long u;

	fresh();
	run_begin(30 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 4, T0 + 30 * 60, 7, 7, T0 + 29 * 60, 120);
	run_end();
	is_int(reserved("A", &u), 3, "7 pushed over a shown 7, 4 seen within the grace: 3 reserved");
	is_int(u, 3, "as unexplained units");
	lk_reserve_free(&R);

	fresh();
	run_begin(30 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 4, T0 + 30 * 60, 10, 5, T0 + 29 * 60, 120);
	run_end();
	is_int(reserved("A", NULL), 1, "10 pushed over a shown 5, 4 seen: only the 1 below both");
	lk_reserve_free(&R);

	fresh();
	run_begin(30 * 60);
	lk_reserve_seen(&R, "wb-msk", "A", 5, T0 + 30 * 60, 10, 5, T0 + 29 * 60, 120);
	lk_reserve_seen(&R, "wb-msk", "B", 4, T0 + 30 * 60, 10, -1, T0 + 29 * 60, 120);
	run_end();
	is_int(reserved("A", NULL), 0, "the old number itself is a push not applied yet");
	is_int(reserved("B", NULL), 0, "an unknown old number compares nothing within the grace");
	lk_reserve_free(&R);
}

static void
test_statuses(void)
{
	ok(lk_reserve_status_in(lk_reserve_status_defaults("ozon"), "awaiting_packaging"),
	    "ozon awaiting_packaging reserves");
	ok(!lk_reserve_status_in(lk_reserve_status_defaults("ozon"), "delivering"),
	    "ozon delivering does not");
	ok(lk_reserve_status_in(lk_reserve_status_defaults("ym"), "processing"),
	    "case is ignored");
	ok(lk_reserve_status_defaults("yml") == NULL, "file channels have no defaults");
	ok(lk_reserve_status_cancelled("MERCHANT_CANCELED"), "MERCHANT_CANCELED is a cancel");
	ok(!lk_reserve_status_cancelled("complete"), "complete is not");
}

static void
test_damaged_ledger(void)
{
	char err[256] = "";
	FILE *fp = fopen(ledger, "w");

	fputs("{\"type\":\"ledger\",\"kind\":\"order\",\"channel\":\"wb-msk\"}\n", fp);
	fclose(fp);
	lk_reserve_init(&R, T0, 72 * H, H);
	is_int(lk_reserve_load(&R, ledger, err, sizeof err), -1, "a damaged ledger is refused");
	ok(strstr(err, ":1: ledger entry without 'id'") != NULL, "with its line: %s", err);
	lk_reserve_free(&R);
}

/* Times as lk writes them are read by hand: the same value timegm gives, edge days included. */
static void
test_times(void)
{
	static const int dates[][6] = {
		{ 1970, 1, 1, 0, 0, 0 }, { 2026, 11, 27, 10, 16, 21 }, { 2024, 2, 29, 23, 59, 59 },
		{ 2023, 2, 31, 12, 0, 0 }, { 2000, 12, 31, 23, 59, 60 }, { 2100, 3, 1, 0, 0, 0 },
		{ 1969, 12, 31, 23, 59, 59 }, { 1, 1, 1, 0, 0, 0 }, { 9999, 12, 31, 23, 59, 61 },
		{ 1900, 2, 28, 1, 2, 3 }, { 2400, 2, 29, 4, 5, 6 },
	};
	char s[64], name[96];
	time_t t;

	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		struct tm tm = { .tm_year = dates[i][0] - 1900, .tm_mon = dates[i][1] - 1,
			.tm_mday = dates[i][2], .tm_hour = dates[i][3], .tm_min = dates[i][4],
			.tm_sec = dates[i][5] };

		snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02dZ", dates[i][0], dates[i][1],
		    dates[i][2], dates[i][3], dates[i][4], dates[i][5]);
		snprintf(name, sizeof name, "%s reads as timegm's", s);
		ok(lk_parse_time(s, &t) == 0 && t == timegm(&tm), "%s", name);
	}
	ok(lk_parse_time("2026-13-01T00:00:00Z", &t) == -1, "month 13 is refused");
	ok(lk_parse_time("2026-11-27T24:00:00Z", &t) == -1, "hour 24 is refused");
	ok(lk_parse_time("2026-11-27T10:16:21", &t) == -1, "a time without a zone is refused");
	ok(lk_parse_time("2026-11-27T10:16:21Zx", &t) == -1, "trailing bytes are refused");
	ok(lk_parse_time("2026-11-27T10:16:21.5Z", &t) == 0 && t == 1795774581, "fractions are read");
	ok(lk_parse_time("2026-11-27T13:16:21+03:00", &t) == 0 && t == 1795774581, "offsets are read");
}

int
main(void)
{
	char dir[] = "/tmp/u-reserve.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(ledger, sizeof ledger, "%s/reserve.ndjson", dir);
	setenv("LK_FSYNC", "0", 1);
	test_orders();
	test_cancel_and_age();
	test_listing();
	test_double();
	test_windows_and_conflicts();
	test_grace();
	test_statuses();
	test_damaged_ledger();
	test_times();
	unlink(ledger);
	rmdir(dir);
	return tap_done();
}
