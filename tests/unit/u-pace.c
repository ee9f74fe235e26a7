/* u-pace: the token bucket of lk-push's pacing, on a fake clock. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "pace.h"
#include "tap.h"

static double clock_ms;
static int sleeps;

static double fake_now(void) { return clock_ms; }
static void fake_sleep(double ms) { clock_ms += ms; sleeps++; }

static struct lk_pace
mk(double rate, double burst)
{
	struct lk_pace p;

	lk_pace_init(&p, rate, burst);
	p.now_ms = fake_now;
	p.sleep_ms = fake_sleep;
	return p;
}

int
main(void)
{
	struct lk_pace p;
	int i;

	/* burst 20 at 5/s: 20 immediate, then one every 200 ms */
	clock_ms = 1000;
	sleeps = 0;
	p = mk(5.0, 20);
	for (i = 0; i < 20; i++)
		lk_pace_wait(&p);
	is_int(sleeps, 0, "the burst goes without waiting");
	is_int((long long)clock_ms, 1000, "no time passed during the burst");
	for (i = 0; i < 10; i++)
		lk_pace_wait(&p);
	ok(fabs(clock_ms - 3000) < 1, "10 more requests take 2 s at 5/s (clock %.1f)", clock_ms);

	/* 100 requests at 80/min, burst 1: 99 intervals of 750 ms */
	clock_ms = 0;
	p = mk(80.0 / 60.0, 1);
	for (i = 0; i < 100; i++)
		lk_pace_wait(&p);
	ok(fabs(clock_ms - 99 * 750.0) < 1, "80/min spaces requests 750 ms apart (clock %.1f)", clock_ms);
	ok(fabs(p.waited_ms - 99 * 750.0) < 1, "waited_ms counts the waits");

	/* a charge of 9 (WB: a 4xx costs 10) delays the next request */
	clock_ms = 0;
	p = mk(5.0, 20);
	lk_pace_wait(&p);               /* 19 left */
	lk_pace_charge(&p, 19 + 9);     /* -9 */
	lk_pace_wait(&p);
	ok(fabs(clock_ms - 2000) < 1, "a charge makes the next wait pay for it (clock %.1f)", clock_ms);

	/* idle time refills up to the burst, never past it */
	clock_ms = 0;
	p = mk(5.0, 3);
	for (i = 0; i < 3; i++)
		lk_pace_wait(&p);
	clock_ms += 100000;
	sleeps = 0;
	for (i = 0; i < 3; i++)
		lk_pace_wait(&p);
	is_int(sleeps, 0, "after idling the burst is available again");
	lk_pace_wait(&p);
	is_int(sleeps, 1, "but not more than the burst");

	/* rate 0: no pacing */
	clock_ms = 0;
	p = mk(0, 1);
	for (i = 0; i < 1000; i++)
		lk_pace_wait(&p);
	is_int((long long)clock_ms, 0, "rate 0 never waits");
	/* the burst: one token in reserve; a lower rate lowers it in proportion */
	is_int(lk_pace_burst(5.0, 20, 5.0), 19, "WB at its documented rate: burst 19");
	is_int(lk_pace_burst(5.0, 20, 500.0), 19, "a higher rate keeps the documented burst");
	is_int(lk_pace_burst(5.0, 20, 1.0), 3, "a fifth of the rate: a fifth of the burst (4), less the reserve");
	is_int(lk_pace_burst(80.0 / 60.0, 1, 0.5), 1, "never below 1");

	/* kept across runs: what one run left is what the next starts with */
	{
		char path[] = "/tmp/u-pace.XXXXXX";
		int fd = mkstemp(path);
		struct lk_pace q;

		close(fd);
		unlink(path);
		p = mk(5.0, 19);
		is_int(lk_pace_load(&p, path), 0, "no file: a full bucket");
		ok(p.tokens == 19, "full: %.1f tokens", p.tokens);
		for (i = 0; i < 19; i++)
			lk_pace_wait(&p);
		is_int(lk_pace_save(&p, path), 0, "saved");
		q = mk(5.0, 19);
		is_int(lk_pace_load(&q, path), 1, "restored");
		ok(q.tokens < 1.0, "the next run starts with the budget spent (%.2f tokens)", q.tokens);
		sleeps = 0;
		lk_pace_wait(&q);
		is_int(sleeps > 0, 1, "and waits before its first request");
		p = mk(5.0, 100);
		p.tokens = 50;
		lk_pace_save(&p, path);
		q = mk(5.0, 2);
		lk_pace_load(&q, path);
		ok(q.tokens == 2, "a restored budget never exceeds the burst (%.2f)", q.tokens);
		unlink(path);
	}
	return tap_done();
}
