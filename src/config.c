/*
 * config.c - lk.json, sources/, channels/ and filters/ into the typed
 * structures of state.h.  Every problem is collected, none stops the
 * reading, so `lk-state check` lists them all at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"
#include "err.h"
#include "exit.h"
#include "http.h"
#include "mp.h"
#include "state.h"
#include "util.h"

/* The reading context of one file. */
struct ctx {
	struct lk_diag *d;
	const char *file;
	json_t *obj;
};

static int
known(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (strcmp(key, *keys) == 0)
			return 1;
	return 0;
}

static void
check_keys(struct ctx *c, const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(c->obj, k, v) {
		(void)v;
		if (!known(k, keys))
			lk_diag_add(c->d, c->file, k, "unknown field");
	}
}

static char *
get_str(struct ctx *c, const char *key, int required)
{
	json_t *v = json_object_get(c->obj, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			lk_diag_add(c->d, c->file, key, "missing");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		lk_diag_add(c->d, c->file, key, "must be a non-empty string");
		return NULL;
	}
	return lk_xstrdup(json_string_value(v));
}

/* A column: a name, or a 1-based number (CSV sources without a header). */
static char *
get_column(struct ctx *c, const char *key)
{
	json_t *v = json_object_get(c->obj, key);

	if (json_is_integer(v) && json_integer_value(v) >= 1)
		return lk_xasprintf("%lld", (long long)json_integer_value(v));
	return get_str(c, key, 0);
}

static char *
get_enum(struct ctx *c, const char *key, const char *const *allowed, int required)
{
	char *s = get_str(c, key, required);
	const char *const *a;
	char list[256] = "";

	if (s == NULL || known(s, allowed))
		return s;
	for (a = allowed; *a; a++) {
		strncat(list, *a, sizeof list - strlen(list) - 1);
		if (a[1])
			strncat(list, ", ", sizeof list - strlen(list) - 1);
	}
	lk_diag_add(c->d, c->file, key, "'%s' is not one of %s", s, list);
	free(s);
	return NULL;
}

static int
get_bool(struct ctx *c, const char *key, int dflt)
{
	json_t *v = json_object_get(c->obj, key);

	if (v == NULL)
		return dflt;
	if (!json_is_boolean(v)) {
		lk_diag_add(c->d, c->file, key, "must be true or false");
		return dflt;
	}
	return json_is_true(v);
}

static long long
get_int(struct ctx *c, const char *key, long long min, long long max, long long dflt)
{
	json_t *v = json_object_get(c->obj, key);

	if (v == NULL)
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		lk_diag_add(c->d, c->file, key, "must be a whole number from %lld to %lld", min, max);
		return dflt;
	}
	return json_integer_value(v);
}

/* An id: a number, or a string of digits (ids are int64 in the APIs). */
static long long
get_id(struct ctx *c, const char *key)
{
	json_t *v = json_object_get(c->obj, key);
	long long id;

	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer_value(v);
	if (json_is_string(v) && lk_parse_ll(json_string_value(v), 1, (long long)9e18, &id) == 0)
		return id;
	lk_diag_add(c->d, c->file, key, "must be a positive whole number");
	return 0;
}

static long long
get_duration(struct ctx *c, const char *key, long long dflt)
{
	json_t *v = json_object_get(c->obj, key);
	long long secs;

	if (v == NULL)
		return dflt;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return json_integer_value(v);
	if (json_is_string(v) && lk_parse_duration(json_string_value(v), &secs) == 0)
		return secs;
	lk_diag_add(c->d, c->file, key, "must be a duration such as \"90s\", \"15m\", \"6h\", \"3d\"");
	return dflt;
}

static void
get_limit(struct ctx *c, const char *key, struct lk_limit *out, int *set)
{
	json_t *v = json_object_get(c->obj, key);
	char buf[64];

	if (v == NULL)
		return;
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, sizeof buf, "%s", json_string_value(v));
	else
		buf[0] = '\0';
	if (lk_parse_limit(buf, out) == -1) {
		lk_diag_add(c->d, c->file, key, "must be a count (10) or a share (\"10%%\")");
		return;
	}
	if (set)
		*set = 1;
}

static void
get_cred(struct ctx *c, struct lk_cred *cred, int required)
{
	static const char *const keys[] = { "env", "file", "key", "client_id", "client_id_env", NULL };
	struct ctx sub = *c;
	json_t *v = json_object_get(c->obj, "credentials");

	if (v == NULL) {
		if (required)
			lk_diag_add(c->d, c->file, "credentials", "missing (name an environment variable: {\"env\": \"NAME\"})");
		return;
	}
	if (!json_is_object(v)) {
		lk_diag_add(c->d, c->file, "credentials", "must be an object such as {\"env\": \"LK_WB_TOKEN\"}");
		return;
	}
	sub.obj = v;
	sub.file = c->file;
	{
		const char *k;
		json_t *x;

		json_object_foreach(v, k, x) {
			(void)x;
			if (!known(k, keys))
				lk_diag_add(c->d, c->file, "credentials", "unknown field '%s' (a secret "
				    "never goes in the repository: use env or file)", k);
		}
	}
	cred->env = get_str(&sub, "env", 0);
	cred->file = get_str(&sub, "file", 0);
	cred->key = get_str(&sub, "key", 0);
	cred->client_id = get_str(&sub, "client_id", 0);
	cred->client_id_env = get_str(&sub, "client_id_env", 0);
	if (!cred->env == !cred->file)
		lk_diag_add(c->d, c->file, "credentials", "give exactly one of env or file");
}

static void
free_cred(struct lk_cred *c)
{
	free(c->env);
	free(c->file);
	free(c->key);
	free(c->client_id);
	free(c->client_id_env);
}

/* Loads and parses one JSON file; NULL (reported) when it cannot. */
static json_t *
load_json(struct lk_state *st, const char *rel, struct lk_diag *d, int required)
{
	char *buf;
	size_t len;
	json_t *v;
	json_error_t e;

	if (lk_state_read(st, rel, &buf, &len) == -1) {
		if (required)
			lk_diag_add(d, rel, NULL, "missing (is %s a state directory? see lk-state init)",
			    lk_state_dir(st));
		return NULL;
	}
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	free(buf);
	if (v == NULL) {
		lk_diag_add(d, rel, NULL, "line %d, column %d: %s", e.line, e.column, e.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		lk_diag_add(d, rel, NULL, "must hold a JSON object");
		json_decref(v);
		return NULL;
	}
	return v;
}

/* --- lk.json --- */

static void
load_global(struct lk_state *st, struct lk_global *g, struct lk_diag *d)
{
	static const char *const keys[] = { "push", "max_zero", "source_max_age",
		"reserve_max_age", "seen_reserve_ttl", "lock_timeout", "runs_keep", "output_dirs",
		"metrics_file",
		"comment", NULL };
	struct ctx c = { d, "lk.json", NULL };
	json_t *dirs, *v;
	const char *why;
	size_t i;

	g->push = 0;
	g->metrics_file = NULL;
	lk_parse_limit("10%", &g->max_zero);
	g->source_max_age = 6 * 3600;
	g->reserve_max_age = 72 * 3600;
	g->seen_reserve_ttl = 3600;
	g->lock_timeout = 30;
	g->runs_keep = 20;
	c.obj = load_json(st, "lk.json", d, 1);
	if (c.obj == NULL)
		return;
	check_keys(&c, keys);
	g->push = get_bool(&c, "push", 0);
	get_limit(&c, "max_zero", &g->max_zero, NULL);
	g->source_max_age = get_duration(&c, "source_max_age", g->source_max_age);
	g->reserve_max_age = get_duration(&c, "reserve_max_age", g->reserve_max_age);
	g->seen_reserve_ttl = get_duration(&c, "seen_reserve_ttl", g->seen_reserve_ttl);
	g->lock_timeout = get_duration(&c, "lock_timeout", g->lock_timeout);
	g->runs_keep = get_int(&c, "runs_keep", 1, 10000, g->runs_keep);
	dirs = json_object_get(c.obj, "output_dirs");
	if (dirs && !json_is_array(dirs))
		lk_diag_add(d, c.file, "output_dirs", "must be a list of absolute folders");
	else if (dirs)
		g->output_dirs = lk_xcalloc(json_array_size(dirs), sizeof *g->output_dirs);
	json_array_foreach(dirs, i, v) {
		if (!json_is_string(v)) {
			lk_diag_add(d, c.file, "output_dirs", "item %zu must be a folder's path", i);
		} else if ((why = lk_output_dir_bad(lk_state_dir(st), json_string_value(v))) != NULL) {
			lk_diag_add(d, c.file, "output_dirs", "'%s' %s", json_string_value(v), why);
		} else {
			g->output_dirs[g->noutput_dirs++] = lk_xstrdup(json_string_value(v));
		}
	}
	g->metrics_file = get_str(&c, "metrics_file", 0);
	/* a relative file would be written into the rules repository, and committed */
	if (g->metrics_file && g->metrics_file[0] != '/')
		lk_diag_add(d, "lk.json", "metrics_file", "must be an absolute path, outside the state "
		    "directory (node_exporter's textfile folder)");
	json_decref(c.obj);
}

/* --- sources --- */

static const char *const source_kinds[] = { "yml", "csv", "cml", "xlsx", "ndjson", "email", NULL };
static const char *const source_formats[] = { "yml", "csv", "cml", "xlsx", "ndjson", NULL };

static void
load_source(struct lk_state *st, const char *name, struct lk_source *s, struct lk_diag *d)
{
	static const char *const keys[] = { "kind", "url", "imap_url", "subject", "from",
		"attachment", "format", "credentials", "user", "on_sale", "max_age", "timeout",
		"connect_timeout", "max_size", "retries", "ca_file", "sku", "qty", "location",
		"outlets", "unavailable_zero", "encoding", "delimiter", "quote", "header",
		"duplicates", "per_warehouse", "available_qty", "location_names", "timezone", "lag",
		"sheet", "header_row", "locations", "max_drop", "bad_rows", "comment", NULL };
	static const char *const bad_rows[] = { "keep", "fail", NULL };
	static const char *const outlets[] = { "split", "sum", NULL };
	static const char *const encodings[] = { "auto", "utf-8", "windows-1251", NULL };
	static const char *const dups[] = { "sum", "error", NULL };
	struct ctx c = { d, NULL, NULL };

	s->name = lk_xstrdup(name);
	s->file = lk_xasprintf("sources/%s.json", name);
	c.file = s->file;
	s->on_sale = 1;
	s->unavailable_zero = 1;
	s->header = 1;
	s->available_qty = -1;
	s->retries = -1;
	c.obj = load_json(st, s->file, d, 1);
	if (c.obj == NULL)
		return;
	s->raw = c.obj;
	check_keys(&c, keys);
	s->kind = get_enum(&c, "kind", source_kinds, 1);
	s->url = get_str(&c, "url", 0);
	s->imap_url = get_str(&c, "imap_url", 0);
	s->imap_subject = get_str(&c, "subject", 0);
	s->imap_from = get_str(&c, "from", 0);
	s->attachment = get_str(&c, "attachment", 0);
	s->format = get_enum(&c, "format", source_formats, 0);
	s->user = get_str(&c, "user", 0);
	get_cred(&c, &s->cred, 0);
	s->on_sale = get_bool(&c, "on_sale", 1);
	s->max_age = get_duration(&c, "max_age", 0);
	lk_parse_limit("50%", &s->max_drop);
	get_limit(&c, "max_drop", &s->max_drop, NULL);
	{
		char *br = get_enum(&c, "bad_rows", bad_rows, 0);

		s->bad_rows_fail = br && strcmp(br, "fail") == 0;
		free(br);
	}
	s->timeout = get_duration(&c, "timeout", 0);
	s->connect_timeout = get_duration(&c, "connect_timeout", 0);
	s->max_size = get_int(&c, "max_size", 1, (long long)1 << 50, 0);
	s->retries = get_int(&c, "retries", 0, 100, -1);
	s->ca_file = get_str(&c, "ca_file", 0);
	s->sku = get_column(&c, "sku");
	s->qty = get_column(&c, "qty");
	s->location = get_column(&c, "location");
	s->outlets = get_enum(&c, "outlets", outlets, 0);
	s->unavailable_zero = get_bool(&c, "unavailable_zero", 1);
	s->encoding = get_enum(&c, "encoding", encodings, 0);
	s->delimiter = get_str(&c, "delimiter", 0);
	s->quote = get_str(&c, "quote", 0);
	s->header = get_bool(&c, "header", 1);
	s->duplicates = get_enum(&c, "duplicates", dups, 0);
	s->per_warehouse = get_bool(&c, "per_warehouse", 0);
	s->location_names = get_bool(&c, "location_names", 0);
	s->available_qty = get_int(&c, "available_qty", 0, 1000000000, -1);
	s->timezone = get_str(&c, "timezone", 0);
	if (s->timezone && !lk_tz_valid(s->timezone))
		lk_diag_add(d, s->file, "timezone", "'%s' is not a zone name (Europe/Moscow) or an offset (+03:00)",
		    s->timezone);
	s->lag = get_duration(&c, "lag", 0);
	s->sheet = get_column(&c, "sheet");
	s->header_row = get_int(&c, "header_row", 1, 1048576, 0);
	s->locations = get_str(&c, "locations", 0);
	/* The raw kind, so a misspelt one still gets its url checked. */
	if (json_is_string(json_object_get(c.obj, "kind")) &&
	    strcmp(json_string_value(json_object_get(c.obj, "kind")), "email") == 0) {
		if (s->imap_url == NULL)
			lk_diag_add(d, s->file, "imap_url", "missing (kind email reads an IMAP folder)");
		if (s->format == NULL)
			lk_diag_add(d, s->file, "format", "missing (the attachment's format: yml, csv, cml, xlsx)");
	} else if (s->url == NULL) {
		lk_diag_add(d, s->file, "url", "missing");
	}
	if (s->delimiter && strlen(s->delimiter) != 1 && strcmp(s->delimiter, "tab") != 0)
		lk_diag_add(d, s->file, "delimiter", "must be one character or \"tab\"");
	if (s->quote && strlen(s->quote) != 1)
		lk_diag_add(d, s->file, "quote", "must be one character");
}

static void
free_source(struct lk_source *s)
{
	free(s->name); free(s->file); free(s->kind); free(s->url);
	free(s->imap_url); free(s->imap_subject); free(s->imap_from);
	free(s->attachment); free(s->format); free(s->user); free(s->ca_file);
	free(s->sku); free(s->qty); free(s->location); free(s->outlets);
	free(s->encoding); free(s->delimiter); free(s->quote); free(s->duplicates);
	free(s->timezone);
	free(s->sheet); free(s->locations);
	free_cred(&s->cred);
	json_decref(s->raw);
}

/* --- rules --- */

static int
parse_cmp(const char *s, enum lk_cmp *op)
{
	static const struct { const char *s; enum lk_cmp op; } ops[] = {
		{ "=", LK_CMP_EQ }, { "==", LK_CMP_EQ }, { ">", LK_CMP_GT }, { "<", LK_CMP_LT },
		{ ">=", LK_CMP_GE }, { "\xe2\x89\xa5", LK_CMP_GE },
		{ "<=", LK_CMP_LE }, { "\xe2\x89\xa4", LK_CMP_LE },
	};
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(s, ops[i].s) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

static int
nonneg(json_t *v, long long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static void
parse_step(struct lk_diag *d, const char *file, size_t i, json_t *v, struct lk_rule_step *s)
{
	char field[32];
	const char *k;
	json_t *x;

	snprintf(field, sizeof field, "rule[%zu]", i);
	memset(s, 0, sizeof *s);
	if (!json_is_object(v)) {
		lk_diag_add(d, file, field, "must be an object such as {\"share\": 50}");
		return;
	}
	if ((x = json_object_get(v, "share")) != NULL) {
		s->kind = LK_STEP_SHARE;
		if (!json_is_number(x) || json_number_value(x) < 0 || json_number_value(x) > 100)
			lk_diag_add(d, file, field, "share must be a percentage from 0 to 100");
		else
			s->percent = json_number_value(x);
	} else if ((x = json_object_get(v, "equal")) != NULL) {
		s->kind = LK_STEP_EQUAL;
		if (!json_is_true(x))
			lk_diag_add(d, file, field, "equal must be true");
	} else if ((x = json_object_get(v, "if")) != NULL) {
		json_t *then = json_object_get(v, "then");

		s->kind = LK_STEP_IF;
		if (!json_is_string(x) || parse_cmp(json_string_value(x), &s->op) == -1)
			lk_diag_add(d, file, field, "if must be one of =, >, <, >=, <=");
		if (nonneg(json_object_get(v, "value"), &s->value) == -1)
			lk_diag_add(d, file, field, "value must be a whole number >= 0");
		if (json_is_string(then) && strcmp(json_string_value(then), "qty") == 0)
			s->then_qty = 1;
		else if (nonneg(then, &s->then) == -1)
			lk_diag_add(d, file, field, "then must be a whole number >= 0 or \"qty\"");
	} else if ((x = json_object_get(v, "buffer")) != NULL) {
		s->kind = LK_STEP_BUFFER;
		if (nonneg(x, &s->value) == -1)
			lk_diag_add(d, file, field, "buffer must be a whole number >= 0");
	} else if ((x = json_object_get(v, "max")) != NULL) {
		s->kind = LK_STEP_MAX;
		if (nonneg(x, &s->value) == -1)
			lk_diag_add(d, file, field, "max must be a whole number >= 0");
	} else if ((x = json_object_get(v, "min")) != NULL) {
		s->kind = LK_STEP_MIN;
		if (nonneg(x, &s->value) == -1)
			lk_diag_add(d, file, field, "min must be a whole number >= 0");
	} else {
		json_object_foreach(v, k, x) {
			if (strcmp(k, "comment") != 0) {
				lk_diag_add(d, file, field, "unknown rule type '%s'", k);
				return;
			}
		}
		lk_diag_add(d, file, field, "empty rule step");
		return;
	}
	json_object_foreach(v, k, x) {
		static const char *const ok[] = { "share", "equal", "if", "value", "then",
			"buffer", "max", "min", "comment", NULL };

		if (!known(k, ok))
			lk_diag_add(d, file, field, "unknown field '%s'", k);
	}
}

/* --- channels --- */

static const char *const marketplaces[] = { "wb", "ozon", "ym", "mm", "ae", "yml", "ndjson", NULL };

static int
is_file_channel(const char *mp)
{
	return mp && (strcmp(mp, "yml") == 0 || strcmp(mp, "ndjson") == 0);
}

static void
load_channel_sources(struct ctx *c, struct lk_channel *ch)
{
	json_t *arr = json_object_get(c->obj, "sources"), *v, *locs, *l;
	size_t i, j;

	if (arr == NULL || !json_is_array(arr) || json_array_size(arr) == 0) {
		lk_diag_add(c->d, c->file, "sources", "must list at least one source");
		return;
	}
	ch->sources = lk_xcalloc(json_array_size(arr), sizeof *ch->sources);
	json_array_foreach(arr, i, v) {
		struct lk_chan_source *cs = &ch->sources[ch->nsources];

		if (json_is_string(v)) {
			cs->name = lk_xstrdup(json_string_value(v));
		} else if (json_is_object(v) && json_is_string(json_object_get(v, "name"))) {
			cs->name = lk_xstrdup(json_string_value(json_object_get(v, "name")));
			locs = json_object_get(v, "locations");
			if (locs && !json_is_array(locs)) {
				lk_diag_add(c->d, c->file, "sources", "locations must be a list of strings");
			} else if (locs) {
				cs->locations = lk_xcalloc(json_array_size(locs), sizeof *cs->locations);
				json_array_foreach(locs, j, l) {
					if (json_is_string(l))
						cs->locations[cs->nlocations++] = lk_xstrdup(json_string_value(l));
					else
						lk_diag_add(c->d, c->file, "sources", "locations must be strings");
				}
			}
		} else {
			lk_diag_add(c->d, c->file, "sources", "item %zu must be a source name or "
			    "{\"name\": ..., \"locations\": [...]}", i);
			continue;
		}
		ch->nsources++;
	}
}

static void
load_channel(struct lk_state *st, const char *name, struct lk_channel *ch, struct lk_diag *d)
{
	static const char *const keys[] = { "marketplace", "enabled", "base_url", "warehouse_id",
		"campaign_id", "business_id", "ym_api", "credentials", "sources", "filter", "rule",
		"max_zero", "output", "shop_name", "rate", "batch", "timeout", "reserve_statuses",
		"seen_grace", "cancel_returns_stock", "overlap",
		"ae_product_column", "comment", NULL };
	static const char *const ym_apis[] = { "v2", "v3", NULL };
	struct ctx c = { d, NULL, NULL };
	json_t *rule, *v;
	size_t i;

	ch->name = lk_xstrdup(name);
	ch->file = lk_xasprintf("channels/%s.json", name);
	c.file = ch->file;
	ch->enabled = 1;
	c.obj = load_json(st, ch->file, d, 1);
	if (c.obj == NULL)
		return;
	ch->raw = c.obj;
	check_keys(&c, keys);
	ch->marketplace = get_enum(&c, "marketplace", marketplaces, 1);
	ch->enabled = get_bool(&c, "enabled", 1);
	ch->base_url = get_str(&c, "base_url", 0);
	ch->warehouse_id = get_id(&c, "warehouse_id");
	ch->campaign_id = get_id(&c, "campaign_id");
	ch->business_id = get_id(&c, "business_id");
	ch->ym_api = get_enum(&c, "ym_api", ym_apis, 0);
	ch->ae_product_column = get_str(&c, "ae_product_column", 0);
	get_cred(&c, &ch->cred, ch->marketplace && !is_file_channel(ch->marketplace));
	load_channel_sources(&c, ch);
	ch->filter = get_str(&c, "filter", 0);
	get_limit(&c, "max_zero", &ch->max_zero, &ch->max_zero_set);
	ch->overlap = get_bool(&c, "overlap", 0);
	ch->output = get_str(&c, "output", is_file_channel(ch->marketplace));
	ch->shop_name = get_str(&c, "shop_name", 0);
	v = json_object_get(c.obj, "rate");
	if (v && (!json_is_number(v) || json_number_value(v) <= 0))
		lk_diag_add(d, ch->file, "rate", "must be a number of requests per second > 0");
	else if (v)
		ch->rate = json_number_value(v);
	ch->batch = get_int(&c, "batch", 1, 100000, 0);
	ch->timeout = get_duration(&c, "timeout", 0);
	(void)get_duration(&c, "seen_grace", 0);
	ch->cancel_returns_stock = get_bool(&c, "cancel_returns_stock", 1);
	v = json_object_get(c.obj, "reserve_statuses");
	if (v && !json_is_array(v))
		lk_diag_add(d, ch->file, "reserve_statuses", "must be a list of order statuses");
	rule = json_object_get(c.obj, "rule");
	if (rule && !json_is_array(rule)) {
		lk_diag_add(d, ch->file, "rule", "must be a list of steps");
	} else if (rule) {
		ch->rule = lk_xcalloc(json_array_size(rule), sizeof *ch->rule);
		json_array_foreach(rule, i, v)
			parse_step(d, ch->file, i, v, &ch->rule[ch->nrule++]);
	}
	if (ch->marketplace == NULL)
		return;
	if (strcmp(ch->marketplace, "wb") == 0 || strcmp(ch->marketplace, "ozon") == 0) {
		if (ch->warehouse_id == 0)
			lk_diag_add(d, ch->file, "warehouse_id", "missing (the seller's warehouse id)");
	} else if (strcmp(ch->marketplace, "ym") == 0) {
		if (ch->ym_api && strcmp(ch->ym_api, "v3") == 0) {
			if (ch->business_id == 0 || ch->warehouse_id == 0)
				lk_diag_add(d, ch->file, "business_id", "ym_api v3 needs business_id and warehouse_id");
		} else if (ch->campaign_id == 0) {
			lk_diag_add(d, ch->file, "campaign_id", "missing (ym_api v2 sends by campaign)");
		}
	}
}

static void
free_channel(struct lk_channel *ch)
{
	size_t i, j;

	free(ch->name); free(ch->file); free(ch->marketplace); free(ch->base_url);
	free(ch->ym_api); free(ch->ae_product_column); free(ch->filter);
	free(ch->output); free(ch->shop_name);
	free_cred(&ch->cred);
	for (i = 0; i < ch->nsources; i++) {
		free(ch->sources[i].name);
		for (j = 0; j < ch->sources[i].nlocations; j++)
			free(ch->sources[i].locations[j]);
		free(ch->sources[i].locations);
	}
	free(ch->sources);
	free(ch->rule);
	json_decref(ch->raw);
}

/* --- filters --- */

static void
load_terms(struct lk_diag *d, const char *file, const char *which, json_t *obj,
    struct lk_filter_term **terms, size_t *n)
{
	const char *k;
	json_t *v, *x;
	size_t i, len;

	if (obj == NULL)
		return;
	if (!json_is_object(obj)) {
		lk_diag_add(d, file, which, "must be an object: {\"brand\": [\"Acme\"], \"sku_glob\": [\"TEST-*\"]}");
		return;
	}
	*terms = lk_xcalloc(json_object_size(obj), sizeof **terms);
	json_object_foreach(obj, k, v) {
		struct lk_filter_term *t = &(*terms)[*n];
		char field[128];

		snprintf(field, sizeof field, "%s.%s", which, k);
		if (json_is_string(v)) {
			/* A single value is a list of one. */
			v = json_pack("[O]", v);
		} else {
			json_incref(v);
		}
		if (!json_is_array(v)) {
			lk_diag_add(d, file, field, "must be a list of values");
			json_decref(v);
			continue;
		}
		len = strlen(k);
		t->glob = len > 5 && strcmp(k + len - 5, "_glob") == 0;
		t->column = t->glob ? lk_xstrndup(k, len - 5) : lk_xstrdup(k);
		t->values = lk_xcalloc(json_array_size(v), sizeof *t->values);
		json_array_foreach(v, i, x) {
			if (json_is_string(x))
				t->values[t->nvalues++] = lk_xstrdup(json_string_value(x));
			else
				lk_diag_add(d, file, field, "values must be strings");
		}
		json_decref(v);
		(*n)++;
	}
}

static void
load_filter(struct lk_state *st, const char *name, struct lk_filter *f, struct lk_diag *d)
{
	static const char *const keys[] = { "include", "exclude", "comment", NULL };
	char *file = lk_xasprintf("filters/%s.json", name);
	struct ctx c = { d, file, NULL };

	f->name = lk_xstrdup(name);
	c.obj = load_json(st, file, d, 1);
	if (c.obj != NULL) {
		check_keys(&c, keys);
		load_terms(d, file, "include", json_object_get(c.obj, "include"), &f->include, &f->ninclude);
		load_terms(d, file, "exclude", json_object_get(c.obj, "exclude"), &f->exclude, &f->nexclude);
		json_decref(c.obj);
	}
	free(file);
}

static void
free_terms(struct lk_filter_term *t, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(t[i].column);
		for (j = 0; j < t[i].nvalues; j++)
			free(t[i].values[j]);
		free(t[i].values);
	}
	free(t);
}

/* --- cross-file checks --- */

static void
check_filter_columns(const struct lk_config *cfg, struct lk_diag *d)
{
	size_t i, j;

	for (i = 0; i < cfg->nfilters; i++) {
		const struct lk_filter *f = &cfg->filters[i];
		char *file = lk_xasprintf("filters/%s.json", f->name);

		for (j = 0; j < f->ninclude + f->nexclude; j++) {
			const struct lk_filter_term *t = j < f->ninclude ?
			    &f->include[j] : &f->exclude[j - f->ninclude];

			if (cfg->catalog.ncolumns && lk_catalog_column(&cfg->catalog, t->column) < 0)
				lk_diag_add(d, file, t->column, "no such column in catalog.csv");
		}
		free(file);
	}
}

static void
check_references(const struct lk_config *cfg, struct lk_diag *d)
{
	size_t i, j;

	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];

		for (j = 0; j < ch->nsources; j++)
			if (lk_config_source(cfg, ch->sources[j].name) == NULL)
				lk_diag_add(d, ch->file, "sources", "no source '%s' (sources/%s.json)",
				    ch->sources[j].name, ch->sources[j].name);
		if (ch->filter && lk_config_filter(cfg, ch->filter) == NULL)
			lk_diag_add(d, ch->file, "filter", "no filter '%s' (filters/%s.json)",
			    ch->filter, ch->filter);
	}
	for (i = 0; i < cfg->noverrides; i++)
		if (lk_config_channel(cfg, cfg->overrides[i].channel) == NULL)
			lk_diag_add(d, "overrides.csv", "channel", "no channel '%s' (row for sku '%s')",
			    cfg->overrides[i].channel, cfg->overrides[i].sku);
	check_filter_columns(cfg, d);
}

/*
 * Credentials never go in clear text off the machine (lk(7), SECURITY):
 * a marketplace channel always sends its token; a source sends its
 * credentials, or the password in its url.
 */
static void
check_cleartext(struct lk_diag *d, const char *file, const char *key, const char *url,
    int sends)
{
	char host[256];

	if (url == NULL || !lk_http_cleartext_remote(url, host, sizeof host))
		return;
	if (!sends && strchr(url, '@') == NULL)
		return;
	lk_diag_add(d, file, key, "would send credentials in clear text to '%s': "
	    "use https (imaps for e-mail); plain http only to a loopback address "
	    "(127.0.0.0/8, ::1, localhost)", host);
}

static void
check_security(const struct lk_state *st, const struct lk_config *cfg, struct lk_diag *d)
{
	struct lk_output where;
	const char *why;
	size_t i;

	for (i = 0; i < cfg->nsources; i++) {
		const struct lk_source *s = &cfg->sources[i];
		int sends = s->cred.env || s->cred.file;

		check_cleartext(d, s->file, "url", s->url, sends);
		check_cleartext(d, s->file, "imap_url", s->imap_url, sends);
	}
	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];

		if (ch->marketplace && !is_file_channel(ch->marketplace))
			check_cleartext(d, ch->file, "base_url", ch->base_url, 1);
		if (ch->output == NULL)
			continue;
		if (lk_output_where(lk_state_dir(st), ch->output, cfg->global.output_dirs,
		    cfg->global.noutput_dirs, &where, &why) == -1)
			lk_diag_add(d, ch->file, "output", "'%s' %s", ch->output, why);
		lk_output_free(&where);
	}
}

/* Defined in catalog.c. */
void lk_overrides_load(struct lk_state *st, const struct lk_catalog *cat,
    struct lk_override **out, size_t *n, struct lk_diag *d);

static void
keep_add(const char ***v, size_t *n, const char *name)
{
	*v = lk_xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = name;
	(*v)[*n] = NULL;
}

static int
keep_channel(const struct lk_catalog_keep *keep, const char *name)
{
	size_t i;

	if (keep->channels == NULL)
		return 1;
	for (i = 0; keep->channels[i]; i++)
		if (strcmp(keep->channels[i], name) == 0)
			return 1;
	return 0;
}

/* The catalog columns keep names, for lk_catalog_load() (NULL-terminated; NULL: all). */
static const char **
keep_columns(const struct lk_config *cfg, const struct lk_catalog_keep *keep)
{
	const char **v = NULL;
	size_t n = 0, i, j, k;

	if (keep && (keep->what & LK_KEEP_ALL))
		return NULL;
	keep_add(&v, &n, "sku");
	if (keep && (keep->what & LK_KEEP_IDS)) {
		for (i = 0; i < cfg->nchannels; i++) {
			const char *cols[LK_MP_MAX_COLUMNS];

			if (!keep_channel(keep, cfg->channels[i].name))
				continue;
			k = lk_mp_channel_columns(&cfg->channels[i], cols);
			for (j = 0; j < k; j++)
				keep_add(&v, &n, cols[j]);
		}
	}
	if (keep && (keep->what & LK_KEEP_FILTERS)) {
		for (i = 0; i < cfg->nfilters; i++) {
			const struct lk_filter *f = &cfg->filters[i];

			for (j = 0; j < f->ninclude; j++)
				keep_add(&v, &n, f->include[j].column);
			for (j = 0; j < f->nexclude; j++)
				keep_add(&v, &n, f->exclude[j].column);
		}
	}
	return v;
}

int
lk_config_load(struct lk_state *st, struct lk_config *cfg, struct lk_diag *d)
{
	static const struct lk_catalog_keep all = { LK_KEEP_ALL, NULL };

	return lk_config_load_keep(st, cfg, &all, d);
}

int
lk_config_load_keep(struct lk_state *st, struct lk_config *cfg,
    const struct lk_catalog_keep *keep, struct lk_diag *d)
{
	char **names;
	const char **cols;
	size_t n, i, before = d->n;

	memset(cfg, 0, sizeof *cfg);
	load_global(st, &cfg->global, d);
	names = lk_state_list(st, "sources", &n);
	cfg->sources = lk_xcalloc(n, sizeof *cfg->sources);
	for (i = 0; i < n; i++)
		load_source(st, names[i], &cfg->sources[cfg->nsources++], d);
	lk_strv_free(names, n);
	names = lk_state_list(st, "filters", &n);
	cfg->filters = lk_xcalloc(n, sizeof *cfg->filters);
	for (i = 0; i < n; i++)
		load_filter(st, names[i], &cfg->filters[cfg->nfilters++], d);
	lk_strv_free(names, n);
	names = lk_state_list(st, "channels", &n);
	cfg->channels = lk_xcalloc(n, sizeof *cfg->channels);
	for (i = 0; i < n; i++)
		load_channel(st, names[i], &cfg->channels[cfg->nchannels++], d);
	lk_strv_free(names, n);
	cols = keep_columns(cfg, keep);
	lk_catalog_load(st, &cfg->catalog, cols, d);
	free(cols);
	lk_overrides_load(st, &cfg->catalog, &cfg->overrides, &cfg->noverrides, d);
	check_references(cfg, d);
	check_security(st, cfg, d);
	return d->n > before ? -1 : 0;
}

void
lk_config_free(struct lk_config *cfg)
{
	size_t i;

	free(cfg->global.metrics_file);
	for (i = 0; i < cfg->nsources; i++)
		free_source(&cfg->sources[i]);
	free(cfg->sources);
	for (i = 0; i < cfg->nchannels; i++)
		free_channel(&cfg->channels[i]);
	free(cfg->channels);
	for (i = 0; i < cfg->nfilters; i++) {
		free(cfg->filters[i].name);
		free_terms(cfg->filters[i].include, cfg->filters[i].ninclude);
		free_terms(cfg->filters[i].exclude, cfg->filters[i].nexclude);
	}
	free(cfg->filters);
	lk_catalog_free(&cfg->catalog);
	for (i = 0; i < cfg->global.noutput_dirs; i++)
		free(cfg->global.output_dirs[i]);
	free(cfg->global.output_dirs);
	for (i = 0; i < cfg->noverrides; i++) {
		free(cfg->overrides[i].sku);
		free(cfg->overrides[i].channel);
	}
	free(cfg->overrides);
	memset(cfg, 0, sizeof *cfg);
}

const struct lk_source *
lk_config_source(const struct lk_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nsources; i++)
		if (strcmp(cfg->sources[i].name, name) == 0)
			return &cfg->sources[i];
	return NULL;
}

const struct lk_channel *
lk_config_channel(const struct lk_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nchannels; i++)
		if (strcmp(cfg->channels[i].name, name) == 0)
			return &cfg->channels[i];
	return NULL;
}

const struct lk_filter *
lk_config_filter(const struct lk_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nfilters; i++)
		if (strcmp(cfg->filters[i].name, name) == 0)
			return &cfg->filters[i];
	return NULL;
}

struct lk_state *
lk_config_open_or_die(const char *dir, const char *rev, struct lk_config *cfg,
    const struct lk_catalog_keep *keep)
{
	struct lk_diag d = { 0 };
	struct lk_state *st;
	char err[512];
	int code;

	st = lk_state_open(dir, rev, err, sizeof err, &code);
	if (st == NULL)
		lk_die(code, "%s", err);
	if (lk_config_load_keep(st, cfg, keep, &d) == -1) {
		lk_diag_print(&d);
		lk_die(LK_EX_CONFIG, "%s: %zu configuration problem%s", lk_state_dir(st),
		    d.n, d.n == 1 ? "" : "s");
	}
	lk_diag_free(&d);
	return st;
}
