/*
 * parse-cli.c - what the lk-parse-* mains share after getopt: the
 * source config, the input, the run and the exit status (parse.h).
 */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	c->st = lk_config_open_or_die(c->state_dir, NULL, &c->cfg, NULL);
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
	struct stat sb;

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
	/* lk-fetch -o gives the file the source's Last-Modified or mtime; a feed's own date wins. */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		p.produced = sb.st_mtime;
		p.produced_from = "file";
	}
	p.bad = lk_parse_emit_bad;
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

/* Applies one parser option; a bad value is a usage error (64). */
static void
option(struct lk_parse_cli *c, int ch, const char *arg)
{
	struct lk_parse_opts *o = &c->opts;

	switch (ch) {
	case LK_PO_NAME: c->name = arg; return;
	case LK_PO_STRICT: o->strict = 1; return;
	case LK_PO_SKU:
		/* 1C has three identifiers; the other formats name any field. */
		if (strcmp(c->kind, "cml") == 0 && strcmp(arg, "id") != 0 &&
		    strcmp(arg, "article") != 0 && strcmp(arg, "barcode") != 0)
			lk_usage_error("--sku: '%s' is not id, article or barcode", arg);
		o->sku = arg, c->set[LK_OPT_SKU] = 1;
		return;
	case LK_PO_QTY: o->qty = arg, c->set[LK_OPT_QTY] = 1; return;
	case LK_PO_LOCATION: o->location = arg, c->set[LK_OPT_LOCATION] = 1; return;
	case LK_PO_OUTLETS:
		if (strcmp(arg, "split") != 0 && strcmp(arg, "sum") != 0)
			lk_usage_error("--outlets: '%s' is not split or sum", arg);
		o->outlets_sum = strcmp(arg, "sum") == 0, c->set[LK_OPT_OUTLETS] = 1;
		return;
	case LK_PO_AVAILABLE_QTY:
		if (lk_parse_ll(arg, 0, 1000000000, &o->available_qty) < 0)
			lk_usage_error("--available-qty: '%s' is not a whole number >= 0", arg);
		c->set[LK_OPT_AVAILABLE_QTY] = 1;
		return;
	case LK_PO_KEEP_UNAVAILABLE: o->unavailable_zero = 0, c->set[LK_OPT_UNAVAILABLE] = 1; return;
	case LK_PO_PER_WAREHOUSE: o->per_warehouse = 1, c->set[LK_OPT_PER_WAREHOUSE] = 1; return;
	case LK_PO_LOCATION_NAMES: o->location_names = 1, c->set[LK_OPT_LOCATION_NAMES] = 1; return;
	case LK_PO_DELIMITER:
		if (lk_parse_opt_char(arg, &o->delimiter) < 0)
			lk_usage_error("--delimiter: '%s' is not one character or 'tab'", arg);
		c->set[LK_OPT_DELIMITER] = 1;
		return;
	case LK_PO_QUOTE:
		if (lk_parse_opt_char(arg, &o->quote) < 0)
			lk_usage_error("--quote: '%s' is not one character", arg);
		c->set[LK_OPT_QUOTE] = 1;
		return;
	case LK_PO_NO_HEADER: o->header = 0, c->set[LK_OPT_HEADER] = 1; return;
	case LK_PO_ENCODING:
		if (lk_parse_opt_encoding(arg) < 0)
			lk_usage_error("--encoding: '%s' is not auto, utf-8 or windows-1251", arg);
		o->encoding = arg, c->set[LK_OPT_ENCODING] = 1;
		return;
	case LK_PO_DUPLICATES:
		if (lk_parse_opt_duplicates(arg, &o->duplicates) < 0)
			lk_usage_error("--duplicates: '%s' is not sum or error", arg);
		c->set[LK_OPT_DUPLICATES] = 1;
		return;
	case LK_PO_SHEET: o->sheet = arg, c->set[LK_OPT_SHEET] = 1; return;
	case LK_PO_HEADER_ROW: {
		long long n;

		if (lk_parse_ll(arg, 1, 1048576, &n) < 0)
			lk_usage_error("--header-row: '%s' is not a row number from 1", arg);
		o->header_row = (long)n, c->set[LK_OPT_HEADER_ROW] = 1;
		return;
	}
	case LK_PO_LOCATIONS:
		if (*arg == '\0' || strstr(arg, ",,") || *arg == ',' || arg[strlen(arg) - 1] == ',')
			lk_usage_error("--locations: '%s' is not a list of columns", arg);
		o->locations = arg, c->set[LK_OPT_LOCATIONS] = 1;
		return;
	default:
		lk_usage_error("unknown option");
	}
}

int
lk_parse_cli_main(int argc, char **argv, const char *usage, const struct option *longopts,
    const char *kind, int (*parse)(struct lk_parse *, struct lk_input *))
{
	struct lk_parse_cli c;
	int ch;

	lk_start(argc, argv);
	memset(&c, 0, sizeof c);
	c.kind = kind;
	lk_parse_opts_init(&c.opts);
	while ((ch = getopt_long(argc, argv, "C:s:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C': c.state_dir = optarg; break;
		case 's': c.source = optarg; break;
		case 'q': lk_quiet = 1; break;
		case 'v': lk_verbose = 1; break;
		case 'h': fputs(usage, stdout); lk_close_stdout(); return LK_EX_OK;
		case 'V': lk_print_version();
		case '?': lk_usage_error("see the options above");
		default: option(&c, ch, optarg);
		}
	}
	if (argc - optind > 1)
		lk_usage_error("one input file at most");
	c.file = argv[optind];
	lk_parse_cli_config(&c, kind);
	return lk_parse_cli_run(&c, parse);
}
