/* u-pace: the token bucket of lk-push's pacing, on a fake clock. */
#include <math.h>

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
	return tap_done();
}
