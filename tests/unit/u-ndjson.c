/* NDJSON reader and writer: the edge cases of lk-records(5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "ndjson.h"
#include "tap.h"
#include "util.h"

static char tmpl[] = "/tmp/u-ndjson.XXXXXX";

static const char *
write_file(const char *data, size_t len)
{
	FILE *fp;

	strcpy(tmpl + strlen(tmpl) - 6, "XXXXXX");
	close(mkstemp(tmpl));
	fp = fopen(tmpl, "wb");
	fwrite(data, 1, len, fp);
	fclose(fp);
	return tmpl;
}

/* Reads all records of data; returns the count and sets *bad. */
static int
count(const char *data, size_t len, size_t max_line, unsigned long *bad, unsigned long *lastline)
{
	struct lk_reader r;
	json_t *v;
	int n = 0;

	lk_reader_open(&r, write_file(data, len), max_line, 0);
	while ((v = lk_reader_next(&r)) != NULL) {
		n++;
		json_decref(v);
	}
	*bad = r.nbad;
	*lastline = r.line;
	lk_reader_close(&r);
	unlink(tmpl);
	return n;
}

#define DATA(s) s, sizeof(s) - 1

static void
test_reader(void)
{
	unsigned long bad, line;
	char *big;
	size_t i;

	is_int(count(DATA("{\"type\":\"stock\",\"qty\":1}\n{\"type\":\"stock\"}\n"), 0, &bad, &line), 2,
	    "two plain records");
	is_int(count(DATA("{\"type\":\"a\"}\r\n{\"type\":\"b\"}\r\n"), 0, &bad, &line), 2, "CRLF endings");
	is_int(bad, 0, "CRLF is not an error");
	is_int(count(DATA("{\"type\":\"a\"}\n{\"type\":\"b\"}"), 0, &bad, &line), 2,
	    "last line without a newline");
	is_int(count(DATA("{\"type\":\"a\",\"sku\":1,\"sku\":2}\n{\"type\":\"b\"}\n"), 0, &bad, &line), 1,
	    "duplicate key rejected");
	is_int(bad, 1, "duplicate key counted as bad");
	is_int(count(DATA("[1,2]\n\"x\"\n{\"type\":\"ok\"}\n"), 0, &bad, &line), 1, "non-objects rejected");
	is_int(bad, 2, "both non-objects reported");
	is_int(count(DATA("{\"type\":\"a\",\"n\":\"\xff\xfe\"}\n{\"type\":\"b\"}\n"), 0, &bad, &line), 1,
	    "invalid UTF-8 rejected");
	is_int(count(DATA("{\"qty\":1}\n"), 0, &bad, &line), 0, "record without type rejected");
	is_int(count(DATA("\n\n{\"type\":\"a\"}\n\n"), 0, &bad, &line), 1, "blank lines skipped");
	is_int(line, 4, "line numbers count blank lines");

	big = lk_xmalloc(300);
	memcpy(big, "{\"type\":\"x\",\"s\":\"", 17);
	for (i = 17; i < 250; i++)
		big[i] = 'a';
	memcpy(big + 250, "\"}\n{\"type\":\"y\"}\n", 16);
	is_int(count(big, 266, 100, &bad, &line), 1, "line over the limit skipped, next one read");
	is_int(bad, 1, "over-long line reported once");
	is_int(line, 2, "over-long line still counts as a line");
	free(big);
}

static void
test_strict(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct lk_reader r;
		json_t *v;

		freopen("/dev/null", "w", stderr);
		lk_reader_open(&r, write_file(DATA("{\"type\":\"a\"}\nnope\n")), 0, 1);
		while ((v = lk_reader_next(&r)) != NULL)
			json_decref(v);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	unlink(tmpl);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 65, "--strict: a bad line exits 65");
}

static void
test_writer(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	json_t *rec;

	lk_emit_fp = mem;
	lk_emit_begin("stock");
	lk_emit_str("sku", "A\"1\n");
	lk_emit_int("qty", 5);
	lk_emit_str("name", "\xd0\x9c\xd1\x8f\xd1\x87 \xff");
	lk_emit_end();
	rec = json_pack("{s:i,s:s,s:s}", "qty", 2, "type", "alloc", "sku", "B");
	lk_emit_record(rec);
	json_decref(rec);
	fclose(mem);
	lk_emit_fp = NULL;
	is_str(buf, "{\"type\":\"stock\",\"sku\":\"A\\\"1\\n\",\"qty\":5,\"name\":\"\xd0\x9c\xd1\x8f\xd1\x87 \xef\xbf\xbd\"}\n"
	    "{\"type\":\"alloc\",\"qty\":2,\"sku\":\"B\"}\n",
	    "compact, type first, escaped, invalid UTF-8 replaced");
	free(buf);
}

/* A flat record is written byte for byte as lk_emit_record() writes it. */
static void
test_flat(void)
{
	static const char *lines[] = {
		"{\"qty\":4,\"type\":\"seen\",\"channel\":\"wb\",\"sku\":\"\xd0\x9c-1\",\"at\":\"2026-11-27T10:00:00Z\"}",
		" { \"type\" : \"alloc\" , \"sku\":\"A/1\", \"qty\": 0 } ",
		"{\"sku\":\"B\"}",
		"{}",
	};
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		char *a = NULL, *b = NULL;
		size_t al = 0, bl = 0;
		struct lk_flat f[8];
		int n = lk_flat_parse(lines[i], strlen(lines[i]), f, 8);
		json_t *rec = json_loads(lines[i], 0, NULL);

		ok(n >= 0 && rec, "flat %zu parses", i);
		lk_emit_fp = open_memstream(&a, &al);
		lk_emit_flat(f, n);
		fclose(lk_emit_fp);
		lk_emit_fp = open_memstream(&b, &bl);
		lk_emit_record(rec);
		fclose(lk_emit_fp);
		lk_emit_fp = NULL;
		is_str(a, b, "flat %zu is written as jansson's record is", i);
		json_decref(rec);
		free(a);
		free(b);
	}
	{
		struct lk_flat f[8];
		const char *l = "{\"qty\":123456789012345678,\"s\":\"x\"}";
		int n = lk_flat_parse(l, strlen(l), f, 8);

		ok(n == 2 && lk_flat_int(lk_flat_get(f, n, "qty")) == 123456789012345678LL &&
		    lk_flat_get(f, n, "s")->str && lk_flat_get(f, n, "nope") == NULL, "flat fields and integers");
	}
}

static void
test_write_error(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		lk_emit_fp = fopen("/dev/full", "w");
		setvbuf(lk_emit_fp, NULL, _IONBF, 0);
		lk_emit_begin("stock");
		lk_emit_end();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 74, "a full disk on output exits 74");
}

/* Lines lk_line_canonical() takes are what lk_emit_record() writes for them; the others are not. */
static void
test_canonical(void)
{
	static const struct { const char *line; int canon; } c[] = {
		{ "{\"type\":\"undistributed\",\"sku\":\"A\",\"qty\":3,\"sources\":{\"main\":1,\"sup\":2}}", 1 },
		{ "{\"type\":\"seen\",\"channel\":\"wb\",\"sku\":\"\xd0\x90\",\"qty\":0}", 1 },
		{ "{\"type\":\"x\",\"o\":{}}", 1 },
		{ "{\"type\":\"x\",\"o\":{\"a\":\"b\x7f\"}}", 1 },
		{ "{\"type\":\"undistributed\",\"sku\":\"A\",\"sources\": {\"main\":1}}", 0 },
		{ "{\"sku\":\"A\",\"type\":\"x\"}", 0 },
		{ "{\"type\":\"x\",\"o\":{\"a\":1,\"a\":2}}", 0 },
		{ "{\"type\":\"x\",\"a\":1,\"a\":2}", 0 },
		{ "{\"type\":\"x\",\"o\":{\"p\":{\"q\":1}}}", 0 },
		{ "{\"type\":\"x\",\"n\":01}", 0 },
		{ "{\"type\":\"x\",\"n\":1.5}", 0 },
		{ "{\"type\":\"x\",\"b\":true}", 0 },
		{ "{\"type\":\"x\",\"s\":\"a\\\"b\"}", 0 },
		{ "{\"type\":\"x\x7f\"}", 0 },
		{ "{\"type\":\"\"}", 0 },
		{ "{\"type\":1}", 0 },
		{ "{}", 0 },
		{ "{\"type\":\"x\"} ", 0 },
	};
	const char *type;
	size_t tlen;

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		size_t n = strlen(c[i].line);
		int got = lk_line_canonical(c[i].line, n, &type, &tlen);

		is_int(got, c[i].canon, "canonical %zu: %s", i, c[i].line);
		if (got) {
			json_t *rec = json_loadb(c[i].line, n, JSON_REJECT_DUPLICATES, NULL);
			char *buf = NULL;
			size_t len = 0;
			FILE *fp = open_memstream(&buf, &len);

			lk_emit_fp = fp;
			lk_emit_record(rec);
			fclose(fp);
			lk_emit_fp = NULL;
			ok(rec && len == n + 1 && memcmp(buf, c[i].line, n) == 0 && buf[n] == '\n',
			    "canonical %zu is what the emitter writes", i);
			json_decref(rec);
			free(buf);
		}
	}
}

int
main(void)
{
	test_reader();
	test_strict();
	test_writer();
	test_flat();
	test_canonical();
	test_write_error();
	return tap_done();
}
