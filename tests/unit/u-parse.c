/*
 * The parsers' shared core (parse.h): quantity numbers, the duplicate
 * set across its growth, gzip input, attribute decoding, and each parser
 * on small inputs through the memory entry points the fuzzers use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parse.h"
#include "tap.h"
#include "xml-src.h"

static struct lk_parse_opts opts;
static char got[4096];          /* the records, "sku/location=qty;" */
static char msgs[4096];

static void
sink(void *arg, const struct lk_stock *s)
{
	size_t n = strlen(got);

	(void)arg;
	snprintf(got + n, sizeof got - n, "%s%s%s=%lld;", s->sku, s->location ? "/" : "",
	    s->location ? s->location : "", s->qty);
}

static void
report(void *arg, const char *m)
{
	size_t n = strlen(msgs);

	(void)arg;
	snprintf(msgs + n, sizeof msgs - n, "%s\n", m);
}

static void
start(struct lk_parse *p)
{
	got[0] = msgs[0] = '\0';
	opts.name = "t";
	opts.source = "t";
	lk_parse_init(p, &opts, sink, NULL);
	p->report = report;
}

static int
run(int (*parse)(struct lk_parse *, struct lk_input *), const char *text)
{
	struct lk_parse p;
	struct lk_input in;
	int rc;

	start(&p);
	lk_input_open_mem(&in, text, strlen(text));
	rc = parse(&p, &in);
	lk_input_close(&in);
	lk_parse_summary(&p);
	if (p.failed)
		report(NULL, p.error);
	lk_parse_free(&p);
	return rc;
}

static void
test_qty(void)
{
	static const struct { const char *s; long long want; int rc; } t[] = {
		{ "42", 42, 0 }, { " 7 ", 7, 0 }, { "2,500", 2, 0 }, { "30.5", 30, 0 },
		{ "1 000,000", 1000, 0 }, { "1\xc2\xa0" "000", 1000, 0 }, { "1\xa0" "000", 1000, 0 },
		{ "1\xe2\x80\xaf" "000", 1000, 0 }, { "-3", 0, 0 }, { "-0", 0, 0 }, { "+5", 5, 0 },
		{ "", 0, -1 }, { "abc", 0, -1 }, { "1.2.3", 0, -1 }, { "1 ", 1, 0 }, { "1 0 0", 100, 0 },
		{ ".5", 0, -1 }, { "5.", 0, -1 }, { "1e3", 0, -1 }, { "1000000000", 1000000000, 0 },
		{ "1000000001", 0, -2 }, { "99999999999999999999", 0, -2 }, { "-99999999999999999999", 0, 0 }, { "12 ", 12, 0 },
		{ "1,000.5", 0, -1 }, { " ", 0, -1 }, { "-", 0, -1 },
	};
	struct lk_parse p;
	long long v;
	size_t i;

	start(&p);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		v = -1;
		is_int(lk_parse_qty(&p, t[i].s, strlen(t[i].s), &v), t[i].rc, "qty '%s' parses: %d", t[i].s, t[i].rc);
		if (t[i].rc == 0)
			is_int(v, t[i].want, "qty '%s' is %lld", t[i].s, t[i].want);
	}
	is_int(p.floored, 2, "two fractions floored: 2,500 and 30.5 (1 000,000 is whole)");
	is_int(p.negative, 2, "two negatives: -3 and -99999999999999999999 (-0 is 0)");
	lk_parse_free(&p);
}

static void
test_dups(void)
{
	struct lk_parse p;
	struct lk_stock s;
	char sku[32];
	int i, bad = 0;

	opts.duplicates = LK_DUP_SUM;
	start(&p);
	memset(&s, 0, sizeof s);
	s.sku = sku;
	/* 5000 keys grow the set several times; each seen twice. */
	for (i = 0; i < 10000; i++) {
		snprintf(sku, sizeof sku, "S%d", i % 5000);
		got[0] = '\0';
		lk_parse_stock(&p, &s);
	}
	is_int(p.dups, 5000, "5000 repeats counted across the set's growth");
	is_int(p.records, 10000, "every record handed over with --duplicates sum");
	s.location = "msk";
	lk_parse_stock(&p, &s);
	is_int(p.dups, 5000, "the same sku at another location is no duplicate");
	lk_parse_free(&p);

	opts.duplicates = LK_DUP_ERROR;
	start(&p);
	s.location = NULL;
	for (i = 0; i < 4; i++) {
		s.line = (unsigned long)i + 1;
		snprintf(sku, sizeof sku, "S%d", i % 2);
		bad += lk_parse_stock(&p, &s) < 0;
	}
	is_int(bad, 2, "--duplicates error rejects the repeats");
	is_int(p.nbad, 2, "... counted as bad records");
	ok(strstr(msgs, "t:3: duplicate sku 'S0'") != NULL, "... reported with their line");
	lk_parse_free(&p);
	opts.duplicates = LK_DUP_SUM;
}

static void
test_gzip(void)
{
	static const char a[] = "hello ", b[] = "world";
	unsigned char z[256], out[64];
	z_stream zs;
	size_t n = 0, len, k;
	struct lk_input in;
	long r;
	const char *part[2] = { a, b };

	/* Two gzip members back to back, as "gzip -c a; gzip -c b" writes. */
	for (k = 0; k < 2; k++) {
		memset(&zs, 0, sizeof zs);
		deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (unsigned char *)part[k];
		zs.avail_in = (uInt)strlen(part[k]);
		zs.next_out = z + n;
		zs.avail_out = (uInt)(sizeof z - n);
		deflate(&zs, Z_FINISH);
		n = sizeof z - zs.avail_out;
		deflateEnd(&zs);
	}
	lk_input_open_mem(&in, z, n);
	len = 0;
	while ((r = lk_input_read(&in, out + len, sizeof out - 1 - len)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	is_int(r, 0, "two gzip members read to the end");
	is_str((char *)out, "hello world", "both members inflated");
	lk_input_close(&in);

	lk_input_open_mem(&in, z, n - 10);
	len = 0;
	while ((r = lk_input_read(&in, out, sizeof out)) > 0)
		len += (size_t)r;
	is_int(r, -1, "a cut gzip stream is an error");
	is_str(in.error, "truncated gzip data", "... named");
	lk_input_close(&in);

	lk_input_open_mem(&in, "x", 1);
	r = lk_input_read(&in, out, sizeof out);
	is_int(r, 1, "one plain byte is read as it is");
	lk_input_close(&in);
}

static void
test_attr(void)
{
	char buf[16];
	const char *v = "a&#38;b&#38;&c";

	lk_xml_attr_copy(buf, sizeof buf, (const xmlChar *)v, strlen(v));
	is_str(buf, "a&b&&c", "&#38; from libxml2 becomes &");
	lk_xml_attr_copy(buf, 4, (const xmlChar *)v, strlen(v));
	is_str(buf, "a&b", "cut to the buffer");
	is_int((long long)lk_parse_copy(buf, 4, "\xd0\x96\xd0\x96", 4), 2, "a copy never cuts a UTF-8 character");
}

static void
test_parsers(void)
{
	is_int(run(lk_yml_parse, "<yml_catalog><shop><offers><offer id=\"a\"><count>3</count></offer>"
	    "<offer id=\"b\"><outlets><outlet id=\"1\" instock=\"2\"/></outlets></offer></offers></shop></yml_catalog>"),
	    0, "yml: read to the end");
	is_str(got, "a=3;b/1=2;", "yml: count and an outlet");
	is_int(run(lk_yml_parse, "<yml_catalog><shop><offers><offer id=\"a\"><count>3</count></offer>"),
	    -1, "yml: truncated fails");
	is_str(got, "a=3;", "yml: ... after the records read");
	is_int(run(lk_cml_parse, "<КоммерческаяИнформация><Предложения><Предложение><Ид>x</Ид>"
	    "<Склад ИдСклада=\"w\" КоличествоНаСкладе=\"4.5\"/></Предложение></Предложения></КоммерческаяИнформация>"),
	    0, "cml: read to the end");
	is_str(got, "x=4;", "cml: the sum of the warehouses, floored");
	ok(strstr(msgs, "t: 1 fractional quantity floored") != NULL, "cml: one warning");
	is_int(run(lk_csv_parse, "sku;qty\r\na;1\r\n\"b;\r\n2\";2\r\n"), 0, "csv: read to the end");
	is_str(got, "a=1;b;\r\n2=2;", "csv: quoted delimiter and newline");
	is_int(run(lk_csv_parse, "sku,qty\na,x\nb,\"2"), -1, "csv: an open quote at the end fails");
	ok(strstr(msgs, "t:2: quantity 'x' is not a number") != NULL, "csv: the bad row's line");
	ok(strstr(msgs, "t:3: a quoted field is not closed") != NULL, "csv: the open quote's line");
}

int
main(void)
{
	lk_parse_opts_init(&opts);
	test_qty();
	test_dups();
	test_gzip();
	test_attr();
	test_parsers();
	return tap_done();
}
