/*
 * The state directory: config validation reports every problem as
 * "FILE: field: problem", and the same files read from a git revision
 * give the same config as the working tree did then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repo.h"
#include "state.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/u-state.XXXXXX";

static void
put(const char *rel, const char *text)
{
	char *path = lk_path_join(dir, rel), *slash;

	slash = strrchr(path, '/');
	*slash = '\0';
	lk_mkdirs(path, 0);
	*slash = '/';
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	free(path);
}

static void
rm(const char *rel)
{
	char *path = lk_path_join(dir, rel);

	unlink(path);
	free(path);
}

/* Loads the config at rev; returns the problems joined by newlines. */
static char *
load(const char *rev, struct lk_config *cfg, int *rc)
{
	struct lk_diag d = { 0 };
	char err[256], *all;
	size_t i, len = 1;
	int code;
	struct lk_state *st = lk_state_open(dir, rev, err, sizeof err, &code);

	if (st == NULL) {
		*rc = -2;
		return lk_xstrdup(err);
	}
	*rc = lk_config_load(st, cfg, &d);
	for (i = 0; i < d.n; i++)
		len += strlen(d.msgs[i]) + 1;
	all = lk_xcalloc(1, len);
	for (i = 0; i < d.n; i++) {
		strcat(all, d.msgs[i]);
		strcat(all, "\n");
	}
	lk_diag_free(&d);
	lk_state_close(st);
	return all;
}

static int
has(const char *all, const char *msg)
{
	if (strstr(all, msg))
		return 1;
	printf("# missing: %s\n# in:\n%s", msg, all);
	return 0;
}

static void
good_config(void)
{
	put("lk.json", "{\"push\": true, \"max_zero\": \"5%\", \"source_max_age\": \"2h\"}\n");
	put("sources/main.json", "{\"kind\": \"yml\", \"url\": \"feeds/main.xml\", \"sku\": \"vendorCode\"}\n");
	put("sources/sup.json", "{\"kind\": \"csv\", \"url\": \"https://x/y.csv\", \"sku\": 2, \"on_sale\": false}\n");
	put("channels/wb.json", "{\"marketplace\": \"wb\", \"warehouse_id\": \"507\", "
	    "\"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\", {\"name\": \"sup\", \"locations\": [\"1\"]}], "
	    "\"filter\": \"brands\", \"rule\": [{\"share\": 50}, {\"if\": \">=\", \"value\": 10, \"then\": \"qty\"}, {\"buffer\": 1}]}\n");
	put("filters/brands.json", "{\"include\": {\"brand\": [\"Acme\"]}, \"exclude\": {\"sku_glob\": \"TEST-*\"}}\n");
	put("catalog.csv", "sku,wb_chrt_id,brand\nA,1,Acme\nB,2,Other\n");
	put("overrides.csv", "sku,channel,qty\nA,wb,hide\nB,wb,3\n");
}

static void
test_good(void)
{
	struct lk_config cfg;
	const struct lk_channel *wb;
	int rc;
	char *msgs;

	good_config();
	msgs = load(NULL, &cfg, &rc);
	ok(rc == 0 && *msgs == '\0', "a valid config loads without problems");
	is_int(cfg.global.push, 1, "lk.json push");
	is_int(cfg.global.source_max_age, 7200, "durations are seconds");
	ok(cfg.global.max_zero.percent_set && cfg.global.max_zero.percent == 5, "max_zero as a share");
	is_int(cfg.nsources, 2, "two sources, sorted");
	is_str(cfg.sources[1].sku, "2", "a column number is kept as text");
	is_int(cfg.sources[1].on_sale, 0, "on_sale false");
	wb = lk_config_channel(&cfg, "wb");
	ok(wb != NULL, "channel wb found");
	if (wb) {
		is_int(wb->warehouse_id, 507, "an id given as a string of digits");
		is_int((long long)wb->nsources, 2, "two channel sources");
		is_str(wb->sources[1].locations[0], "1", "a source's locations");
		is_int((long long)wb->nrule, 3, "three rule steps");
		ok(wb->rule[1].kind == LK_STEP_IF && wb->rule[1].op == LK_CMP_GE && wb->rule[1].then_qty,
		    "an if step with >= and then qty");
	}
	is_int((long long)cfg.catalog.nrows, 2, "catalog rows");
	is_int(lk_catalog_find(&cfg.catalog, "B"), 1, "catalog lookup by sku");
	is_str(lk_catalog_get(&cfg.catalog, 0, lk_catalog_column(&cfg.catalog, "brand")), "Acme",
	    "catalog column value");
	ok(cfg.noverrides == 2 && cfg.overrides[0].hide && cfg.overrides[1].qty == 3, "overrides");
	lk_config_free(&cfg);
	free(msgs);
}

static void
test_problems(void)
{
	struct lk_config cfg;
	int rc;
	char *m;

	good_config();
	put("lk.json", "{\"push\": \"yes\", \"source_max_age\": \"soon\", \"pusj\": 1}\n");
	put("sources/bad.json", "{\"kind\": \"xls\", \"delimiter\": \";;\"}\n");
	put("channels/oz.json", "{\"marketplace\": \"ozon\", \"credentials\": {\"token\": \"abc\"}, "
	    "\"sources\": [\"nope\"], \"filter\": \"nofilter\", \"rule\": [{\"shre\": 1}, {\"if\": \"!=\", \"value\": -1, \"then\": 1}]}\n");
	put("filters/brands.json", "{\"include\": {\"colour\": [\"red\"]}}\n");
	m = load(NULL, &cfg, &rc);
	is_int(rc, -1, "an invalid config is refused");
	ok(has(m, "lk.json: push: must be true or false"), "lk.json: wrong type");
	ok(has(m, "lk.json: source_max_age: must be a duration"), "lk.json: bad duration");
	ok(has(m, "lk.json: pusj: unknown field"), "lk.json: a typo is an unknown field");
	ok(has(m, "sources/bad.json: kind: 'xls' is not one of yml, csv, cml, xlsx, ndjson, email"), "bad kind");
	ok(has(m, "sources/bad.json: url: missing"), "missing url");
	ok(has(m, "sources/bad.json: delimiter: must be one character"), "bad delimiter");
	ok(has(m, "channels/oz.json: warehouse_id: missing"), "ozon needs a warehouse");
	ok(has(m, "channels/oz.json: credentials: unknown field 'token'"), "a literal token is refused");
	ok(has(m, "channels/oz.json: rule[0]: unknown rule type 'shre'"), "unknown rule type");
	ok(has(m, "channels/oz.json: rule[1]: if must be one of"), "unknown comparison");
	ok(has(m, "channels/oz.json: rule[1]: value must be a whole number >= 0"), "negative value");
	ok(has(m, "channels/oz.json: sources: no source 'nope'"), "unknown source");
	ok(has(m, "channels/oz.json: filter: no filter 'nofilter'"), "unknown filter");
	ok(has(m, "filters/brands.json: colour: no such column in catalog.csv"), "unknown filter column");
	lk_config_free(&cfg);
	free(m);
}

static void
test_revision(void)
{
	struct lk_config cfg;
	char err[256];
	int rc;
	char *m;

	good_config();
	rm("sources/bad.json");
	rm("channels/oz.json");
	put(".gitignore", ".lk/\n");
	ok(lk_repo_init(dir, err, sizeof err) == 0, "git init");
	setenv("GIT_AUTHOR_NAME", "t", 1);
	ok(lk_repo_commit(dir, "good", NULL, 0, err, sizeof err) == 0, "commit the good config");
	put("channels/wb.json", "{\"marketplace\": \"wb\"}\n");
	m = load(NULL, &cfg, &rc);
	ok(rc == -1, "the working tree is now invalid");
	lk_config_free(&cfg);
	free(m);
	m = load("HEAD", &cfg, &rc);
	ok(rc == 0 && *m == '\0', "HEAD still reads as valid, from git objects");
	ok(cfg.nchannels == 1 && cfg.channels[0].nrule == 3, "with the committed rule");
	lk_config_free(&cfg);
	free(m);
	m = load("nosuch", &cfg, &rc);
	ok(rc == -2 && strstr(m, "revision 'nosuch'"), "an unknown revision is an error");
	free(m);
}

int
main(void)
{
	char cmd[64];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_good();
	test_problems();
	test_revision();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (tap_failed == 0)
		system(cmd);
	return tap_done();
}
