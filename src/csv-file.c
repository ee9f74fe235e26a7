#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv-file.h"
#include "util.h"

struct builder {
	struct lk_csv_table *t;
	size_t cap;
	char **row;
	size_t nrow, rowcap;
	unsigned long line, row_line;
	int row_started;
};

static void
on_field(void *s, size_t len, void *data)
{
	struct builder *b = data;

	if (!b->row_started) {
		b->row_started = 1;
		b->row_line = b->line;
	}
	if (b->nrow == b->rowcap) {
		b->rowcap = b->rowcap ? b->rowcap * 2 : 8;
		b->row = lk_xrealloc(b->row, b->rowcap * sizeof *b->row);
	}
	b->row[b->nrow++] = lk_xstrndup(s ? s : "", len);
}

static void
on_row(int c, void *data)
{
	struct builder *b = data;
	struct lk_csv_table *t = b->t;

	(void)c;
	if (!b->row_started)
		b->row_line = b->line;
	/* A blank line gives one empty field: skip it. */
	if (b->nrow == 1 && b->row[0][0] == '\0') {
		free(b->row[0]);
		b->nrow = 0;
	}
	if (b->nrow > 0) {
		if (t->nrows == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 64;
			t->rows = lk_xrealloc(t->rows, b->cap * sizeof *t->rows);
			t->nfields = lk_xrealloc(t->nfields, b->cap * sizeof *t->nfields);
			t->lines = lk_xrealloc(t->lines, b->cap * sizeof *t->lines);
		}
		t->rows[t->nrows] = lk_xrealloc(b->row, (b->nrow + 1) * sizeof *b->row);
		t->nfields[t->nrows] = b->nrow;
		t->lines[t->nrows] = b->row_line;
		t->nrows++;
		b->row = NULL;
		b->rowcap = 0;
	}
	b->nrow = 0;
	b->row_started = 0;
}

int
lk_csv_table_parse(const char *buf, size_t len, struct lk_csv_table *t, char *err, size_t errlen)
{
	struct csv_parser p;
	struct builder b;
	size_t i, start = 0;

	memset(t, 0, sizeof *t);
	memset(&b, 0, sizeof b);
	b.t = t;
	b.line = 1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		start = 3;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		snprintf(err, errlen, "cannot initialise the CSV parser");
		return -1;
	}
	/* Feed line by line so rows know the line they started on. */
	for (i = start; i < len; i++) {
		if (buf[i] == '\n' || i + 1 == len) {
			if (csv_parse(&p, buf + start, i + 1 - start, on_field, on_row, &b) != i + 1 - start)
				goto fail;
			start = i + 1;
			b.line++;
		}
	}
	if (csv_fini(&p, on_field, on_row, &b) != 0)
		goto fail;
	csv_free(&p);
	free(b.row);
	return 0;
fail:
	snprintf(err, errlen, "%lu: %s", b.line, csv_strerror(csv_error(&p)));
	csv_free(&p);
	while (b.nrow > 0)
		free(b.row[--b.nrow]);
	free(b.row);
	lk_csv_table_free(t);
	return -1;
}

void
lk_csv_table_free(struct lk_csv_table *t)
{
	size_t i, j;

	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->nfields[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->nfields);
	free(t->lines);
	memset(t, 0, sizeof *t);
}
