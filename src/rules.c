/*
 * rules.c - the rule steps of a channel, as pure functions of a quantity
 * (lk-alloc(1), RULES).
 */
#include <math.h>
#include <stdio.h>

#include "alloc.h"

long long
lk_rules_share(long long q, double percent)
{
	/*
	 * In thousandths of a percent, so 50% of 3 is exactly 1.5 -> 1 and
	 * 33.3% of 1000 is 333, not 332.99999 -> 332.
	 */
	long long milli = llround(percent * 1000.0);

	if (q <= 0 || milli <= 0)
		return 0;
	if (q > LK_QTY_MAX)         /* quantities are bounded: q * milli fits */
		q = LK_QTY_MAX;
	if (milli >= 100000)
		return q;
	return q * milli / 100000;
}

static int
cmp_true(enum lk_cmp op, long long q, long long v)
{
	switch (op) {
	case LK_CMP_EQ: return q == v;
	case LK_CMP_GT: return q > v;
	case LK_CMP_LT: return q < v;
	case LK_CMP_GE: return q >= v;
	case LK_CMP_LE: return q <= v;
	}
	return 0;
}

long long
lk_rules_apply(const struct lk_rule_step *s, size_t n, long long q, long long *trace)
{
	size_t i = 0;

	while (i < n) {
		if (s[i].kind == LK_STEP_IF) {
			/*
			 * Consecutive conditions are one group: all compare the
			 * quantity entering the group, the first match wins, and
			 * no match leaves it as it is.
			 */
			long long in = q;
			int matched = 0;

			for (; i < n && s[i].kind == LK_STEP_IF; i++) {
				if (!matched && cmp_true(s[i].op, in, s[i].value)) {
					matched = 1;
					q = s[i].then_qty ? in : s[i].then;
				}
				if (trace)
					trace[i] = q;
			}
			continue;
		}
		switch (s[i].kind) {
		case LK_STEP_SHARE:
			q = lk_rules_share(q, s[i].percent);
			break;
		case LK_STEP_BUFFER:
			q = q > s[i].value ? q - s[i].value : 0;
			break;
		case LK_STEP_MAX:
			if (q > s[i].value)
				q = s[i].value;
			break;
		case LK_STEP_MIN:
			if (q < s[i].value)
				q = 0;
			break;
		case LK_STEP_EQUAL:     /* split by the engine, across channels */
		case LK_STEP_IF:
			break;
		}
		if (q < 0)
			q = 0;
		if (trace)
			trace[i] = q;
		i++;
	}
	return q;
}

long long
lk_rules_equal_part(long long q, size_t n, size_t k, uint64_t hash)
{
	long long base, extra;
	size_t start, off;

	if (n == 0 || q <= 0)
		return 0;
	base = q / (long long)n;
	extra = q % (long long)n;
	start = (size_t)(hash % n);
	off = (k + n - start) % n;   /* k's place after the starting member */
	return base + ((long long)off < extra);
}

uint64_t
lk_alloc_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static const char *
op_name(enum lk_cmp op)
{
	static const char *names[] = { "=", ">", "<", ">=", "<=" };

	return names[op];
}

void
lk_rules_describe(const struct lk_rule_step *s, char *buf, size_t len)
{
	switch (s->kind) {
	case LK_STEP_SHARE:
		snprintf(buf, len, "share %g%%", s->percent);
		break;
	case LK_STEP_EQUAL:
		snprintf(buf, len, "equal");
		break;
	case LK_STEP_IF:
		if (s->then_qty)
			snprintf(buf, len, "if %s %lld then qty", op_name(s->op), s->value);
		else
			snprintf(buf, len, "if %s %lld then %lld", op_name(s->op), s->value, s->then);
		break;
	case LK_STEP_BUFFER:
		snprintf(buf, len, "buffer %lld", s->value);
		break;
	case LK_STEP_MAX:
		snprintf(buf, len, "max %lld", s->value);
		break;
	case LK_STEP_MIN:
		snprintf(buf, len, "min %lld", s->value);
		break;
	}
}
