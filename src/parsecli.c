/*
 * parsecli.c - what the three lk-parse-* mains share after getopt: the
 * source config, the input, the run and the exit status (parse.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exit.h"
#include "ndjson.h"
#include "parse.h"
#include "state.h"

/* "dir/feed.xml.gz" -> "feed": the default source name. */
static char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *s, *dot;

	s = lk_xstrdup(b ? b + 1 : path);
	if ((dot = strrchr(s, '.')) != NULL && strcmp(dot, ".gz") == 0)
		*dot = '\0';
	if ((dot = strrchr(s, '.')) != NULL && dot != s)
		*dot = '\0';
	return s;
}

static void
check_kind(const struct lk_source *src, const char *kind)
{
	const char *k = src->kind;

	if (k != NULL && strcmp(k, "email") == 0)
		k = src->format;
	if (k != NULL && strcmp(k, kind) != 0)
		lk_die(LK_EX_CONFIG, "%s: kind: '%s' is not read by %s", src->file, k, lk_prog);
}

void
lk_parse_cli_config(struct lk_parse_cli *c, const char *kind)
{
	const struct lk_source *src;
	char err[256];

	if (c->source == NULL)
		return;
	c->st = lk_config_open_or_die(c->state_dir, NULL, &c->cfg);
	c->have_cfg = 1;
	src = lk_config_source(&c->cfg, c->source);
	if (src == NULL)
		lk_die(LK_EX_CONFIG, "no source '%s' (sources/%s.json) in the state directory",
		    c->source, c->source);
	check_kind(src, kind);
	if (lk_parse_opts_from_source(&c->opts, c->set, src, err, sizeof err) < 0)
		lk_die(LK_EX_CONFIG, "%s: %s", src->file, err);
}

static int
open_input(struct lk_parse_cli *c)
{
	int fd;

	if (c->file == NULL || strcmp(c->file, "-") == 0) {
		c->opts.name = "<stdin>";
		return 0;
	}
	c->opts.name = c->file;
	fd = open(c->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		lk_die(errno == ENOENT ? LK_EX_NOINPUT : LK_EX_IOERR, "cannot open '%s':", c->file);
	return fd;
}

int
lk_parse_cli_run(struct lk_parse_cli *c, int (*parse)(struct lk_parse *, struct lk_input *))
{
	struct lk_parse p;
	struct lk_input in;
	char *base = NULL;
	int fd, status;

	fd = open_input(c);
	if (c->source != NULL)
		c->opts.source = c->source;
	else if (c->name != NULL)
		c->opts.source = c->name;
	else if (fd > 0)
		c->opts.source = base = base_name(c->file);
	else
		c->opts.source = "stdin";
	lk_parse_init(&p, &c->opts, lk_parse_emit_stock, (void *)c->opts.source);
	lk_input_open_fd(&in, fd);
	parse(&p, &in);
	lk_input_close(&in);
	if (fd > 0)
		close(fd);
	if (!lk_quiet)
		lk_parse_summary(&p);   /* counts only; record errors always show */
	lk_debug("%s: %lu records, %lu skipped, %lu distinct sku/location keys",
	    c->opts.name, p.records, p.nbad, (unsigned long)p.seen.n);
	if (p.failed)
		lk_warn("%s", p.error);
	lk_parse_emit_sentinel(&p);
	status = lk_parse_status(&p);
	lk_parse_free(&p);
	free(base);
	if (c->have_cfg) {
		lk_config_free(&c->cfg);
		lk_state_close(c->st);
	}
	lk_close_stdout();
	return status;
}
