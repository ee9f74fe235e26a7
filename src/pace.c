/*
 * pace.c - the token bucket of lk-push (pace.h), and its budget kept
 * across runs in STATE/.lk/pace/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "atomic.h"
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

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int
lk_pace_load(struct lk_pace *p, const char *path)
{
	json_error_t e;
	json_t *j, *tk, *at;
	double tokens, since;

	if (p->rate <= 0)
		return 0;
	j = json_load_file(path, 0, &e);
	if (j == NULL)
		return 0;
	tk = json_object_get(j, "tokens");
	at = json_object_get(j, "at_ms");
	if (!json_is_number(tk) || !json_is_number(at)) {
		json_decref(j);
		return 0;
	}
	tokens = json_number_value(tk);
	since = wall_ms() - json_number_value(at);
	json_decref(j);
	/* A clock that went back refills nothing. */
	if (since > 0)
		tokens += since * p->rate / 1000.0;
	if (tokens > p->burst)
		tokens = p->burst;
	p->tokens = tokens;
	p->started = 1;
	p->last_ms = now(p);
	return 1;
}

int
lk_pace_save(struct lk_pace *p, const char *path)
{
	char buf[128];
	int n;

	if (p->rate <= 0)
		return 0;
	refill(p);
	n = snprintf(buf, sizeof buf, "{\"tokens\":%.3f,\"at_ms\":%.0f}\n", p->tokens, wall_ms());
	if (n < 0 || (size_t)n >= sizeof buf) {
		errno = EOVERFLOW;
		return -1;
	}
	return lk_atomic_write(path, buf, (size_t)n);
}

int
lk_pace_burst(double doc_rate, int doc_burst, double rate)
{
	double b = doc_burst;

	if (rate > 0 && doc_rate > 0 && rate < doc_rate)
		b = b * rate / doc_rate;
	b -= 1;
	return b < 1 ? 1 : (int)b;
}
