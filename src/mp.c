/*
 * mp.c - the registry of marketplaces (mp.h) and what their files share:
 * authentication, JSON access, request bodies, error envelopes
 * (mp-int.h).  Facts: ../shared/specs/marketplaces.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mp-int.h"
#include "ndjson.h"
#include "secrets.h"
#include "util.h"

static const struct lk_mp *const registry[] = {
	&lk_mp_wb, &lk_mp_ozon, &lk_mp_ym, &lk_mp_mm, &lk_mp_ae,
};

const struct lk_mp *
lk_mp_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof registry / sizeof registry[0]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const char *
lk_mp_base_url(const struct lk_mp *mp, const struct lk_channel *ch)
{
	return ch->base_url && *ch->base_url ? ch->base_url : mp->default_base_url;
}

int
lk_mp_header(struct curl_slist **headers, const char *name, const char *value)
{
	char *line = lk_xasprintf("%s: %s", name, value);
	struct curl_slist *n = curl_slist_append(*headers, line);

	/* curl copies the string; wipe ours, it may hold a token. */
	memset(line, 0, strlen(line));
	free(line);
	if (n == NULL)
		return -1;
	*headers = n;
	return 0;
}

int
lk_mp_auth(const struct lk_mp *mp, const struct lk_channel *ch,
    struct curl_slist **headers, char **body_token, char *err, size_t errlen)
{
	char *secret;
	int rc;

	if (body_token)
		*body_token = NULL;
	err[0] = '\0';
	secret = lk_cred_get(&ch->cred, err, errlen);
	if (secret == NULL)
		return -1;
	rc = mp->auth(ch, secret, headers, body_token, err, errlen);
	if (rc == 0 && lk_mp_header(headers, "Content-Type", "application/json") == -1)
		rc = -1;
	lk_secret_free(secret);
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory building headers");
	return rc;
}

/* ---- JSON ---- */

const char *
lk_mp_jstr(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && buf != NULL) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

long long
lk_mp_jint(const json_t *o, const char *key, long long def)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		long long n;
		if (lk_parse_ll(json_string_value(v), -(1LL << 62), 1LL << 62, &n) == 0)
			return n;
	}
	return def;
}

json_t *
lk_mp_jpath(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

/* ---- request bodies and answers ---- */

FILE *
lk_mp_body_open(char **buf, size_t *len)
{
	FILE *fp = open_memstream(buf, len);

	if (fp == NULL)
		lk_die(70, "open_memstream:");
	return fp;
}

int
lk_mp_body_close(FILE *fp, char *err, size_t errlen)
{
	if (fclose(fp) == EOF) {
		snprintf(err, errlen, "cannot build the request body");
		return -1;
	}
	return 0;
}

void
lk_mp_put_str(FILE *fp, const char *s)
{
	lk_json_write_string(fp, s, strlen(s));
}

json_t *
lk_mp_jbody(const struct lk_http_resp *resp)
{
	json_error_t e;

	if (resp->body == NULL || resp->len == 0)
		return NULL;
	return json_loadb(resp->body, resp->len, 0, &e);
}

void
lk_mp_envelope(const json_t *j, char *code, size_t codelen, char *msg, size_t msglen, long status)
{
	const json_t *e = j;
	const char *c = NULL, *m = NULL;
	json_t *cv;

	if (json_is_object(j) && json_is_array(json_object_get(j, "errors")))
		e = json_array_get(json_object_get(j, "errors"), 0);
	if (json_is_object(j) && json_is_object(json_object_get(j, "error")))
		e = json_object_get(j, "error");
	if (json_is_array(j))
		e = json_array_get(j, 0);
	if (json_is_object(e)) {
		cv = json_object_get(e, "code");
		c = json_is_string(cv) ? json_string_value(cv) : NULL;
		m = lk_mp_jstr(e, "message", NULL, 0);
		if (m == NULL)
			m = lk_mp_jstr(e, "detail", NULL, 0);
		if (c == NULL && json_is_integer(cv))
			snprintf(code, codelen, "%lld", (long long)json_integer_value(cv));
	}
	if (c)
		snprintf(code, codelen, "%s", c);
	else if (code[0] == '\0')
		snprintf(code, codelen, "HTTP_%ld", status);
	snprintf(msg, msglen, "HTTP %ld: %s%s%s", status, code, m ? ": " : "", m ? m : "");
}

/* ---- accounts and checks ---- */

size_t
lk_mp_channel_columns(const struct lk_channel *ch, const char *out[LK_MP_MAX_COLUMNS])
{
	const struct lk_mp *mp = lk_mp_find(ch->marketplace);
	size_t n = 0, k;

	if (ch->marketplace && strcmp(ch->marketplace, "yml") == 0) {
		/* push-file.c writes each offer's name and price */
		out[n++] = "name";
		out[n++] = "price";
	}
	if (mp == NULL)
		return n;
	out[n++] = mp->id_column;
	for (k = 0; mp->more_id_columns && mp->more_id_columns[k] && n < LK_MP_MAX_COLUMNS; k++)
		out[n++] = mp->more_id_columns[k];
	if (mp->id == LK_MP_AE && n < LK_MP_MAX_COLUMNS)
		out[n++] = ch->ae_product_column ? ch->ae_product_column : LK_COL_AE_PID;
	return n;
}

char *
lk_mp_account(const struct lk_mp *mp, const struct lk_channel *ch)
{
	const struct lk_cred *c = &ch->cred;

	return lk_xasprintf("%s %s %s%s%s%s%s client=%s%s", mp->name, lk_mp_base_url(mp, ch),
	    c->env ? "env=" : "", c->env ? c->env : "", c->file ? "file=" : "", c->file ? c->file : "",
	    c->key ? c->key : "", c->client_id ? c->client_id : "", c->client_id_env ? c->client_id_env : "");
}

/* Where a channel's stock lives: its campaign (YM v2), warehouse, or (one stock per account) its account. */
static char *
location(const struct lk_mp *mp, const struct lk_channel *ch)
{
	const char *base = lk_mp_base_url(mp, ch);

	if (mp->id == LK_MP_YM && !(ch->ym_api && strcmp(ch->ym_api, "v3") == 0))
		return lk_xasprintf("%s %s campaign %lld", mp->name, base, ch->campaign_id);
	if (ch->warehouse_id > 0)
		return lk_xasprintf("%s %s warehouse %lld", mp->name, base, ch->warehouse_id);
	return lk_mp_account(mp, ch);
}

/*
 * One id on two skus of a catalog column: each pair named, the first few.
 * The table holds rows (4 bytes a slot, at most half full), not copies.
 */
size_t
lk_mp_check_ids(const struct lk_catalog *cat, const char *column, struct lk_diag *d)
{
	int col = lk_catalog_column(cat, column);
	uint32_t *seen, r;
	size_t i, h, cap = 1024, dups = 0;

	if (col < 0)
		return 0;
	while (cap < cat->nrows * 2)
		cap *= 2;
	seen = lk_xcalloc(cap, sizeof *seen);
	for (i = 0; i < cat->nrows; i++) {
		const char *id = lk_catalog_get(cat, (long)i, col);
		uint64_t x = 1469598103934665603ULL;  /* FNV-1a, mixed */
		const char *p;

		if (*id == '\0')
			continue;
		for (p = id; *p; p++)
			x = (x ^ (unsigned char)*p) * 1099511628211ULL;
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdULL;
		x ^= x >> 33;
		for (h = x & (cap - 1); (r = seen[h]) != 0; h = (h + 1) & (cap - 1))
			if (strcmp(lk_catalog_get(cat, (long)r - 1, col), id) == 0)
				break;
		if (r == 0) {
			seen[h] = (uint32_t)i + 1;
			continue;
		}
		if (dups++ < 10)
			lk_diag_add(d, "catalog.csv", column, "'%s' is on both %s and %s "
			    "(one update would carry it twice)", id, lk_catalog_get(cat, (long)r - 1, 0),
			    lk_catalog_get(cat, (long)i, 0));
	}
	if (dups > 10)
		lk_diag_add(d, "catalog.csv", column, "%zu more ids on two skus", dups - 10);
	free(seen);
	return dups;
}

void
lk_mp_check(const struct lk_config *cfg, struct lk_diag *d)
{
	json_t *where = json_object(), *cols = json_object();
	size_t i, k;

	for (i = 0; i < cfg->nchannels; i++) {
		const struct lk_channel *ch = &cfg->channels[i];
		const struct lk_mp *mp = lk_mp_find(ch->marketplace);
		json_t *other;
		char *loc;

		if (mp == NULL || !ch->enabled)
			continue;
		if (mp->check)
			mp->check(cfg, ch, d);
		json_object_set_new(cols, mp->id_column, json_true());
		for (k = 0; mp->more_id_columns && mp->more_id_columns[k]; k++)
			json_object_set_new(cols, mp->more_id_columns[k], json_true());
		loc = location(mp, ch);
		if ((other = json_object_get(where, loc)) != NULL)
			lk_diag_add(d, ch->file, "warehouse_id", "the same %s stock as channel %s "
			    "(two channels on one warehouse overwrite each other)", mp->title, json_string_value(other));
		else
			json_object_set_new(where, loc, json_string(ch->name));
		free(loc);
	}
	{
		const char *col;
		json_t *v;

		json_object_foreach(cols, col, v)
			lk_mp_check_ids(&cfg->catalog, col, d);
	}
	json_decref(where);
	json_decref(cols);
}
