/*
 * fetch-main.c - one lk-fetch run (lk-fetch(1)): a source's bytes, or a
 * channel's marketplace listing, to stdout or atomically to a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "err.h"
#include "exit.h"
#include "fetch.h"
#include "lock.h"
#include "mp-read.h"
#include "ndjson.h"
#include "secrets.h"
#include "state.h"
#include "util.h"

int
lk_fetch_main(const struct lk_fetch_cmd *cmd)
{
	const char *url = cmd->url, *output = cmd->output, *ca_file = cmd->ca_file;
	long long timeout = cmd->timeout, ctimeout = cmd->ctimeout, retries = cmd->retries;
	long long max_size = cmd->max_size;
	struct lk_fetch_src src;
	struct lk_fetch_stat st;
	struct lk_config cfg;
	struct lk_state *state = NULL;
	struct lk_atomic out;
	char err[512], *password = NULL, *cache_dir = NULL, *local_url = NULL;
	FILE *fp = stdout;
	int rc, lockfd = -1;

	memset(&src, 0, sizeof src);
	memset(&cfg, 0, sizeof cfg);
	if (!url) {
		/* a listing maps the channel's ids to skus; a source needs no catalog column */
		const char *chans[2] = { cmd->channel, NULL };
		struct lk_catalog_keep keep = { LK_KEEP_IDS, chans };

		state = lk_config_open_or_die(cmd->state_dir, NULL, &cfg, cmd->have_kind ? &keep : NULL);
	}
	if (cmd->have_kind) {
		const struct lk_channel *c = lk_config_channel(&cfg, cmd->channel);
		struct lk_mpread_opts mo;

		if (c == NULL)
			lk_die(LK_EX_CONFIG, "no channel '%s' (channels/%s.json)", cmd->channel, cmd->channel);
		memset(&mo, 0, sizeof mo);
		mo.since = cmd->since;
		mo.lkdir = lk_state_lkdir(state);
		{
			const char *ps = getenv("LK_FETCH_PAGE_SIZE");
			long long v;

			if (ps && *ps && lk_parse_ll(ps, 1, 100000, &v) == 0)
				mo.page_size = (long)v;
		}
		mo.http.timeout_ms = (timeout ? timeout : c->timeout) * 1000;
		mo.http.connect_timeout_ms = ctimeout * 1000;
		mo.http.retries = retries == -2 ? 0 : retries == 0 ? -1 : (int)retries;
		mo.http.ca_file = ca_file;
		mo.http.quiet = lk_quiet;
		if (output) {
			if (lk_atomic_open(&out, output) != 0)
				lk_die(LK_EX_CANTCREAT, "cannot create '%s':", output);
			lk_emit_fp = out.fp;
		}
		rc = lk_mpread_run(&cfg, c, cmd->kind, &mo, err, sizeof err);
		if (output) {
			if (rc == 0 && lk_atomic_commit(&out) != 0)
				lk_die(LK_EX_CANTCREAT, "cannot write '%s':", output);
			if (rc != 0)
				lk_atomic_abort(&out);
			lk_emit_fp = stdout;
		}
		if (rc != 0)
			lk_warn("%s", err);
		lk_config_free(&cfg);
		lk_state_close(state);
		lk_close_stdout();
		return rc;
	}

	if (cmd->keep) {
		/* lk-fetch --keep FILE source: after a parser read the download just made */
		if (lk_config_source(&cfg, cmd->source) == NULL)
			lk_die(LK_EX_CONFIG, "no source '%s' (sources/%s.json)", cmd->source, cmd->source);
		lockfd = lk_lock_state_or_die(lk_state_dir(state), cfg.global.lock_timeout * 1000);
		rc = lk_fetch_keep(lk_state_dir(state), lk_state_lkdir(state), cmd->source, cmd->keep);
		if (rc == 1)
			lk_info("%s: the records in '%s' are kept for the next read", cmd->source, cmd->keep);
		else if (rc == 0)
			lk_info("%s: nothing kept: '%s' does not end with a complete sentinel of the "
			    "source, or its last read was not recorded (see lk-fetch(1))", cmd->source, cmd->keep);
		lk_unlock_state(lockfd);
		lk_config_free(&cfg);
		lk_state_close(state);
		lk_close_stdout();
		return rc == -1 ? LK_EX_CANTCREAT : 0;
	}
	if (url) {
		src.url = url;
	} else {
		const struct lk_source *s = lk_config_source(&cfg, cmd->source);

		if (s == NULL)
			lk_die(LK_EX_CONFIG, "no source '%s' (sources/%s.json)", cmd->source, cmd->source);
		src.name = s->name;
		if (s->kind && strcmp(s->kind, "email") == 0) {
			src.url = s->imap_url;
			src.imap_subject = s->imap_subject;
			src.imap_from = s->imap_from;
			src.attachment = s->attachment;
		} else if (s->url && s->url[0] != '/' && strstr(s->url, "://") == NULL) {
			/* A relative path in the config means the state directory's. */
			src.url = local_url = lk_path_join(lk_state_dir(state), s->url);
		} else {
			src.url = s->url;
		}
		if (src.url == NULL)
			lk_die(LK_EX_CONFIG, "%s: no url", s->file);
		src.user = s->user;
		if (s->cred.env || s->cred.file) {
			password = lk_cred_get(&s->cred, err, sizeof err);
			if (password == NULL)
				lk_die(LK_EX_CONFIG, "%s: %s", s->file, err);
			src.password = password;
		}
		if (!timeout)
			timeout = s->timeout;
		if (!ctimeout)
			ctimeout = s->connect_timeout;
		if (retries == -2 && s->retries >= 0)
			retries = s->retries;
		if (!max_size)
			max_size = s->max_size;
		if (!ca_file)
			ca_file = s->ca_file;
		cache_dir = lk_path_join(lk_state_lkdir(state), "fetch");
		src.cache_dir = cache_dir;
		/* .lk/fetch is state: one writer at a time (lk-sync holds the lock for its children) */
		lockfd = lk_lock_state_or_die(lk_state_dir(state), cfg.global.lock_timeout * 1000);
		src.if_changed = cmd->reuse && !cmd->no_cache &&
		    lk_fetch_kept_ok(lk_state_dir(state), lk_state_lkdir(state), s->name);
	}
	src.no_cache = cmd->no_cache;
	src.http.timeout_ms = timeout * 1000;
	src.http.connect_timeout_ms = ctimeout * 1000;
	src.http.retries = retries == -2 ? 0 : retries == 0 ? -1 : (int)retries;
	src.http.max_size = max_size;
	src.http.ca_file = ca_file;
	src.http.quiet = lk_quiet;

	if (output) {
		if (lk_atomic_open(&out, output) != 0)
			lk_die(LK_EX_CANTCREAT, "cannot create '%s':", output);
		fp = out.fp;
	}
	rc = lk_fetch_run(&src, fp, &st, err, sizeof err);
	if (rc == 0 && st.unchanged) {
		if (lk_fetch_reuse(lk_state_lkdir(state), src.name, cmd->reuse) == 0) {
			char tbuf[21];

			if (output)
				lk_atomic_abort(&out);
			lk_info("%s: unchanged since the read of %s (%s): not read again; "
			    "its records are in '%s'", src.name,
			    st.read_at ? lk_fmt_time(st.read_at, tbuf) : "an unknown time",
			    st.status == 304 ? "HTTP 304 Not Modified" : "same size, times and inode",
			    cmd->reuse);
			goto done;
		}
		lk_warn("%s: cannot put its kept records in '%s': reading it in full:", src.name, cmd->reuse);
		src.if_changed = 0;
		rc = lk_fetch_run(&src, fp, &st, err, sizeof err);
	}
	/* Read in full: the records to come are the parser's, not kept ones. */
	if (cmd->reuse && src.name && unlink(cmd->reuse) == -1 && errno != ENOENT)
		lk_warn("cannot remove '%s':", cmd->reuse);
	if (output) {
		if (rc == 0 && lk_atomic_commit(&out) != 0) {
			snprintf(err, sizeof err, "cannot write '%s': %s", output, strerror(errno));
			rc = LK_EX_CANTCREAT;
		} else if (rc == 0 && st.modified) {
			/* The source's own time on the file, where the parser finds it (as curl -R). */
			struct timespec ts[2] = { { 0, UTIME_OMIT }, { st.modified, 0 } };
			if (utimensat(AT_FDCWD, output, ts, 0) != 0)
				lk_warn("cannot set the time of '%s':", output);
		} else if (rc != 0) {
			lk_atomic_abort(&out);
		}
	}
	if (rc != 0) {
		if (st.written > 0 && !output)
			lk_warn("%s (%lld bytes were already written: the output is incomplete)",
			    err, st.written);
		else
			lk_warn("%s", err);
	} else if (st.from_cache) {
		lk_info("%s: not modified; replayed the last complete download (%lld bytes)",
		    src.name, st.written);
	} else if (src.name) {
		lk_info("%s: read in full (%lld bytes)", src.name, st.written);
	}
done:
	if (lockfd != -1)
		lk_unlock_state(lockfd);
	lk_secret_free(password);
	free(local_url);
	free(cache_dir);
	if (state) {
		lk_config_free(&cfg);
		lk_state_close(state);
	}
	if (rc == 0)
		lk_close_stdout();
	else
		fflush(stdout);
	return rc;
}
