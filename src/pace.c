#include <errno.h>
#include <string.h>
#include <time.h>

#include "pace.h"

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void
real_sleep(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000.0);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000.0) * 1e6);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
lk_pace_init(struct lk_pace *p, double rate, double burst)
{
	memset(p, 0, sizeof *p);
	p->rate = rate;
	p->burst = burst < 1 ? 1 : burst;
	p->tokens = p->burst;
}

static double
now(const struct lk_pace *p)
{
	return p->now_ms ? p->now_ms() : mono_ms();
}

static void
refill(struct lk_pace *p)
{
	double t = now(p);

	if (!p->started) {
		p->started = 1;
		p->last_ms = t;
		return;
	}
	if (t > p->last_ms) {
		p->tokens += (t - p->last_ms) * p->rate / 1000.0;
		if (p->tokens > p->burst)
			p->tokens = p->burst;
		p->last_ms = t;
	}
}

double
lk_pace_wait(struct lk_pace *p)
{
	double waited = 0, need;

	if (p->rate <= 0)
		return 0;
	refill(p);
	while (p->tokens < 1.0) {
		need = (1.0 - p->tokens) * 1000.0 / p->rate;
		if (need < 0.05)
			need = 0.05;
		if (p->sleep_ms)
			p->sleep_ms(need);
		else
			real_sleep(need);
		waited += need;
		refill(p);
	}
	p->tokens -= 1.0;
	p->waited_ms += waited;
	return waited;
}

void
lk_pace_charge(struct lk_pace *p, double n)
{
	if (p->rate <= 0)
		return;
	refill(p);
	p->tokens -= n;
}
