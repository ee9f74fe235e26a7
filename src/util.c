#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "util.h"

static void *
check(void *p)
{
	if (p == NULL)
		lk_die(LK_EX_SOFTWARE, "out of memory");
	return p;
}

void *lk_xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *lk_xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *lk_xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *lk_xstrdup(const char *s) { return check(strdup(s)); }
char *lk_xstrndup(const char *s, size_t n) { return check(strndup(s, n)); }

char *
lk_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		lk_die(LK_EX_SOFTWARE, "out of memory");
	return s;
}

time_t
lk_now(void)
{
	const char *env = getenv("LK_TEST_NOW");
	long long v;
	time_t t;

	if (env && *env) {
		if (lk_parse_ll(env, 0, (long long)1 << 40, &v) == 0)
			return (time_t)v;
		if (lk_parse_time(env, &t) == 0)
			return t;
	}
	return time(NULL);
}

char *
lk_fmt_time(time_t t, char buf[static 21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (d may pass the month's end, as timegm allows). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/*
 * "2026-11-27T10:16:21Z", the form lk writes: read by hand, since strptime
 * and timegm cost a microsecond and lk reads a million of them a cycle.
 * Returns -1 for any other form (the general path reads it), or a value
 * out of strptime's ranges (the general path decides).
 */
static int
parse_time_z(const char *s, time_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int v[6], i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return -1;
	if (s[i] != '\0')
		return -1;
	v[0] = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	for (i = 1; i < 6; i++)
		v[i] = (s[3 * i + 2] - '0') * 10 + (s[3 * i + 3] - '0');
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 61)
		return -1;
	*out = (time_t)(days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5]);
	return 0;
}

int
lk_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	long off = 0;
	int oh, om;

	if (parse_time_z(s, out) == 0)
		return 0;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

/* "+03:00", "+0300", "-05", "Z", "UTC": seconds east of UTC in *off; the rest after it in *end. */
static int
parse_offset(const char *p, long *off, const char **end)
{
	int h = 0, m = 0, n = 0;

	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		*end = p + 1;
		return 0;
	}
	if (strncmp(p, "UTC", 3) == 0 && p[3] == '\0') {
		*off = 0;
		*end = p + 3;
		return 0;
	}
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d%n", &h, &n) != 1 || n != 2 || h > 23)
		return -1;
	*end = p + 3;
	if (**end == ':')
		(*end)++;
	if (**end >= '0' && **end <= '9') {
		if (sscanf(*end, "%2d%n", &m, &n) != 1 || n != 2 || m > 59)
			return -1;
		*end += 2;
	}
	*off = (h * 3600L + m * 60L) * (*p == '-' ? -1 : 1);
	return 0;
}

/* An IANA zone name is a file of the zone database; a path out of it is not. */
static int
tz_name_ok(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[512];

	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	return access(path, R_OK) == 0;
}

int
lk_tz_valid(const char *tz)
{
	long off;
	const char *end;

	if (parse_offset(tz, &off, &end) == 0)
		return *end == '\0';
	return tz_name_ok(tz);
}

/* The broken-down local time tm in the IANA zone tz, as seconds since the epoch. */
static time_t
zone_mktime(struct tm *tm, const char *tz)
{
	char *old = getenv("TZ") ? lk_xstrdup(getenv("TZ")) : NULL;
	time_t t;

	/* The C library knows zones only through TZ; lk commands are single-threaded. */
	setenv("TZ", tz, 1);
	tzset();
	tm->tm_isdst = -1;
	t = mktime(tm);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	return t;
}

int
lk_parse_local_time(const char *s, const char *tz, time_t *out)
{
	struct tm tm;
	const char *p;
	long off = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	memset(&tm, 0, sizeof tm);
	if ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL || (*p != 'T' && *p != ' '))
		return -1;
	if ((p = strptime(p + 1, "%H:%M", &tm)) == NULL)
		return -1;
	if (*p == ':' && (p = strptime(p + 1, "%S", &tm)) == NULL)
		return -1;
	if (*p == '.' || *p == ',')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	while (*p == ' ')
		p++;
	if (*p == '\0') {
		if (parse_offset(tz, &off, &p) == 0 && *p == '\0') {
			*out = timegm(&tm) - off;
			return 0;
		}
		if (!tz_name_ok(tz))
			return -1;
		*out = zone_mktime(&tm, tz);
		return 0;
	}
	if (parse_offset(p, &off, &p) < 0)
		return -1;
	while (*p == ' ')
		p++;
	if (*p != '\0')
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

int
lk_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
lk_parse_duration(const char *s, long long *out)
{
	char *end;
	long long v, mult = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -1;
	}
	if (*end && end[1] != '\0')
		return -1;
	if (v > (1LL << 40) / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
lk_parse_limit(const char *s, struct lk_limit *out)
{
	size_t n = s ? strlen(s) : 0;
	char *end;
	double d;

	memset(out, 0, sizeof *out);
	if (n > 1 && s[n - 1] == '%') {
		errno = 0;
		d = strtod(s, &end);
		if (errno || end != s + n - 1 || d < 0 || d > 100)
			return -1;
		out->percent = d;
		out->percent_set = 1;
		return 0;
	}
	return lk_parse_ll(s, 0, (long long)1 << 50, &out->count);
}

int
lk_limit_exceeded(const struct lk_limit *l, long long n, long long total)
{
	if (l->percent_set)
		return total > 0 && (double)n * 100.0 > l->percent * (double)total;
	return n > l->count;
}

void
lk_sleep_ms(long long ms)
{
	const char *scale = getenv("LK_TEST_SLEEP_SCALE");
	struct timespec ts;

	if (scale && *scale)
		ms = (long long)((double)ms * strtod(scale, NULL));
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

char *
lk_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

const char *
lk_excerpt(const char *s, size_t len, char buf[static LK_EXCERPT_SIZE])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n, lim;

	if (len == (size_t)-1)
		len = strlen(s);
	lim = len < LK_EXCERPT_BYTES ? len : LK_EXCERPT_BYTES;
	while (i < lim) {
		n = p[i] >= 0x80 ? lk_utf8_len(p + i, len - i) : 1;
		if (n > 1 && i + n <= lim) {
			memcpy(buf + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		if (n > 1)
			break;      /* a character cut by the limit */
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] >= 0x80 || p[i] == '\'' ||
		    p[i] == '"' || p[i] == '\\')
			o += (size_t)snprintf(buf + o, 5, "\\x%02X", p[i]);
		else
			buf[o++] = (char)p[i];
		i++;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

char *
lk_path_join(const char *dir, const char *rel)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return lk_xasprintf("%s%s", dir, rel);
	return lk_xasprintf("%s/%s", dir, rel);
}

int
lk_mkdirs(const char *dir, int private_mode)
{
	char *p = lk_xstrdup(dir), *s;
	mode_t mode = private_mode ? 0700 : 0755;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) == -1 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

#define ARENA_CHUNK (1 << 20)

char *
lk_arena_dup(struct lk_arena *a, const char *s, size_t n)
{
	char *p;

	if (n + 1 > a->left) {
		size_t size = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;

		a->chunks = lk_xrealloc(a->chunks, (a->nchunks + 1) * sizeof *a->chunks);
		a->cur = a->chunks[a->nchunks++] = lk_xmalloc(size);
		a->left = size;
	}
	p = a->cur;
	memcpy(p, s, n);
	p[n] = '\0';
	a->cur += n + 1;
	a->left -= n + 1;
	return p;
}

void
lk_arena_reset(struct lk_arena *a)
{
	size_t i;

	if (a->nchunks == 0)
		return;
	for (i = 1; i < a->nchunks; i++)
		free(a->chunks[i]);
	a->nchunks = 1;
	a->cur = a->chunks[0];
	a->left = ARENA_CHUNK;  /* every chunk holds at least that */
}

void
lk_arena_free(struct lk_arena *a)
{
	size_t i;

	for (i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	free(a->chunks);
	memset(a, 0, sizeof *a);
}
