/*
 * pace.h - client-side pacing: a token bucket that keeps lk-push under a
 * marketplace's documented request rate, so a normal run is never
 * throttled.
 *
 * lk_pace_init() sets rate (requests per second, > 0) and burst (>= 1);
 * the bucket starts full.  lk_pace_wait() blocks until a token is there
 * and takes it; it returns the milliseconds it waited.  lk_pace_charge()
 * takes n more tokens (the bucket may go negative: Wildberries counts any
 * 4xx answer as 10 requests), so later waits pay for them.
 *
 * lk_pace_load() and lk_pace_save() keep a bucket across runs, so that
 * runs back to back (cron and a manual one) share one budget, as the
 * marketplace counts it: the file holds the tokens left and the wall
 * clock (CLOCK_REALTIME, ms) they were counted at; a load refills them
 * for the time since, up to the burst.  A missing or unreadable file is
 * a full bucket (load returns 0 / 1 when it restored one).  Save writes
 * the file atomically (atomic.h); the caller holds the state lock.
 * Returns 0, or -1 with errno.
 *
 * A rate <= 0 switches pacing off.  The clock is CLOCK_MONOTONIC and the
 * sleep is nanosleep(2): pacing follows a remote clock, so it is not
 * shrunk by LK_TEST_SLEEP_SCALE (tests scale the double's windows and set
 * the channel's "rate" instead).  Unit tests replace both through
 * now_ms/sleep_ms.
 */
#ifndef LK_PACE_H
#define LK_PACE_H

struct lk_pace {
	double rate;            /* tokens per second; <= 0: no pacing */
	double burst;           /* bucket size */
	double tokens;
	double last_ms;         /* clock at the last refill */
	int started;
	double (*now_ms)(void); /* NULL: CLOCK_MONOTONIC */
	void (*sleep_ms)(double ms); /* NULL: nanosleep */
	double waited_ms;       /* total waited */
};

void lk_pace_init(struct lk_pace *p, double rate, double burst);
double lk_pace_wait(struct lk_pace *p);
void lk_pace_charge(struct lk_pace *p, double n);
/*
 * The burst lk-push uses for a marketplace documented at doc_rate with
 * doc_burst when it is asked to keep to rate: one token kept in reserve
 * (push.c), and a rate below the documented one lowers the burst in
 * proportion; at least 1.
 */
int lk_pace_burst(double doc_rate, int doc_burst, double rate);
int lk_pace_load(struct lk_pace *p, const char *path);
int lk_pace_save(struct lk_pace *p, const char *path);

#endif
