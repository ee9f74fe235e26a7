#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secrets.h"
#include "util.h"

/*
 * Refuses a credentials file others could read or change, as ssh refuses
 * such a private key.  One layout is accepted besides 0600/0400 of ours
 * or root's: a root-owned file readable by our own primary group and
 * nobody else (0640 root:lk, read by the service user lk), the Debian
 * pattern for daemon secrets (/etc/ssl/private and ssl-cert): only root
 * can change it and membership of that group is the administrator's
 * explicit grant.  lk(7), SECURITY.
 */
static int
guarded(const char *path, const struct stat *sb, char *err, size_t errlen)
{
	mode_t m = sb->st_mode & 07777;

	if (!S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "credentials file '%s': not a regular file", path);
		return 0;
	}
	if (sb->st_uid != geteuid() && sb->st_uid != 0) {
		snprintf(err, errlen, "credentials file '%s': owned by uid %ld, not by this "
		    "user or root; run: chown %ld '%s' (as root)", path, (long)sb->st_uid,
		    (long)geteuid(), path);
		return 0;
	}
	if (sb->st_uid == 0 && geteuid() != 0 && (m & 077) == 040 &&
	    sb->st_gid == getegid())
		return 1;
	if (m & 077) {
		snprintf(err, errlen, "credentials file '%s': mode %04o lets %s read or change "
		    "it; run: chmod 600 '%s'", path, (unsigned)m,
		    m & 007 ? "everyone" : "its group", path);
		return 0;
	}
	return 1;
}

static char *
read_secret_file(const char *path, const char *key, char *err, size_t errlen)
{
	char buf[8192];
	size_t n = 0;
	ssize_t r;
	char *out = NULL;
	json_t *doc, *v;
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "credentials file '%s': %s", path, strerror(errno));
		return NULL;
	}
	/* Checked on the open file, so a swap after the check changes nothing. */
	if (fstat(fd, &sb) == -1 || !guarded(path, &sb, err, errlen)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "credentials file '%s': %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (key == NULL) {
		out = lk_xstrdup(lk_trim(buf));
	} else {
		doc = json_loads(buf, 0, NULL);
		v = json_object_get(doc, key);
		if (json_is_string(v))
			out = lk_xstrdup(json_string_value(v));
		else
			snprintf(err, errlen, "credentials file '%s': no string member '%s'",
			    path, key);
		json_decref(doc);
	}
	memset(buf, 0, sizeof buf);
	if (out && *out == '\0') {
		snprintf(err, errlen, "credentials file '%s': empty secret", path);
		lk_secret_free(out);
		out = NULL;
	}
	return out;
}

static void
check_file(const char *file, const struct lk_cred *c, struct lk_diag *d)
{
	struct stat sb;
	char err[512];

	if (c->file == NULL || stat(c->file, &sb) == -1)
		return;     /* a missing file is the sending command's to report */
	if (!guarded(c->file, &sb, err, sizeof err))
		lk_diag_add(d, file, "credentials", "%s", err);
}

void
lk_cred_check_files(const struct lk_config *cfg, struct lk_diag *d)
{
	size_t i;

	for (i = 0; i < cfg->nsources; i++)
		check_file(cfg->sources[i].file, &cfg->sources[i].cred, d);
	for (i = 0; i < cfg->nchannels; i++)
		check_file(cfg->channels[i].file, &cfg->channels[i].cred, d);
}

char *
lk_cred_get(const struct lk_cred *c, char *err, size_t errlen)
{
	const char *v;

	err[0] = '\0';
	if (c->env) {
		v = getenv(c->env);
		if (v == NULL || *v == '\0') {
			snprintf(err, errlen, "environment variable %s is not set", c->env);
			return NULL;
		}
		return lk_xstrdup(v);
	}
	if (c->file)
		return read_secret_file(c->file, c->key, err, errlen);
	snprintf(err, errlen, "no credentials configured");
	return NULL;
}

char *
lk_cred_client_id(const struct lk_cred *c)
{
	const char *v;

	if (c->client_id)
		return lk_xstrdup(c->client_id);
	if (c->client_id_env && (v = getenv(c->client_id_env)) != NULL && *v)
		return lk_xstrdup(v);
	return NULL;
}

void
lk_secret_free(char *s)
{
	if (s == NULL)
		return;
	memset(s, 0, strlen(s));
	free(s);
}

/* Keys whose literal value is a secret. */
static int
secret_key(const char *key)
{
	static const char *const words[] = {
		"token", "api_key", "apikey", "api-key", "password", "passwd",
		"secret", "client_secret", "authorization", NULL
	};
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcasecmp(key, words[i]) == 0)
			return 1;
	return 0;
}

/* A JWT: three base64url parts, the first starting with "eyJ". */
static int
looks_jwt(const char *v)
{
	const char *p;
	int dots = 0;

	if (strncmp(v, "eyJ", 3) != 0)
		return 0;
	for (p = v; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '=')
			return 0;
	}
	return dots == 2 && strlen(v) > 30;
}

/* A long run of mixed letters and digits, such as an API key or a GUID token. */
static int
looks_random(const char *v)
{
	size_t n = strlen(v), alpha = 0, digit = 0, i;

	if (n < 24 || strchr(v, ' ') || strchr(v, '/') || strchr(v, '.'))
		return 0;
	for (i = 0; i < n; i++) {
		if (isalpha((unsigned char)v[i]))
			alpha++;
		else if (isdigit((unsigned char)v[i]))
			digit++;
		else if (v[i] != '-' && v[i] != '_')
			return 0;
	}
	return alpha >= 6 && digit >= 6;
}

int
lk_looks_secret(const char *key, const char *value, const char **why)
{
	if (value == NULL || *value == '\0')
		return 0;
	if (key && secret_key(key)) {
		*why = "a literal secret; name an environment variable "
		    "(\"credentials\": {\"env\": \"NAME\"}) instead";
		return 1;
	}
	if (looks_jwt(value)) {
		*why = "looks like a token (JWT); keep tokens in the environment "
		    "or a credentials file outside the repository";
		return 1;
	}
	if (looks_random(value)) {
		*why = "looks like an API key; keep keys in the environment "
		    "or a credentials file outside the repository";
		return 1;
	}
	return 0;
}

static size_t
walk(const json_t *v, const char *key, char *path, size_t plen, size_t cap,
    void (*cb)(const char *, const char *, void *), void *arg)
{
	const char *k, *why;
	json_t *child;
	size_t i, n = 0;
	int w;

	if (json_is_string(v)) {
		if (lk_looks_secret(key, json_string_value(v), &why)) {
			cb(path, why, arg);
			return 1;
		}
		return 0;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, child) {
			w = snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", k);
			n += walk(child, k, path, plen + (size_t)(w > 0 ? w : 0) < cap ?
			    plen + (size_t)w : plen, cap, cb, arg);
			path[plen] = '\0';
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			w = snprintf(path + plen, cap - plen, "[%zu]", i);
			n += walk(child, key, path, plen + (size_t)(w > 0 ? w : 0) < cap ?
			    plen + (size_t)w : plen, cap, cb, arg);
			path[plen] = '\0';
		}
	}
	return n;
}

size_t
lk_json_find_secrets(const json_t *doc, void (*cb)(const char *, const char *, void *), void *arg)
{
	char path[512] = "";

	return walk(doc, NULL, path, 0, sizeof path, cb, arg);
}
