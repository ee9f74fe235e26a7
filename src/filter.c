/*
 * filter.c - product filters (filters/NAME.json) compiled against the
 * catalog's columns, so matching a row is a few lookups.
 *
 * A row passes when every include term matches and no exclude term does.
 * A term matches when the row's value in its column is one of the values
 * (exact), or matches one of them as an fnmatch(3) pattern (glob).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

struct term {
	int col;
	int glob;
	const char **vals;      /* sorted when !glob, for bsearch */
	size_t n;
};

struct lk_filter_prog {
	struct term *inc, *exc;
	size_t ninc, nexc;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
compile_terms(const struct lk_filter_term *t, size_t n, struct term **out,
    const struct lk_catalog *c, const char *file, const char *part, struct lk_diag *d)
{
	struct term *v = lk_xcalloc(n ? n : 1, sizeof *v);
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		int col = -1;
		size_t j;

		for (j = 0; j < c->ncolumns; j++)
			if (strcmp(c->columns[j], t[i].column) == 0)
				col = (int)j;
		if (col < 0) {
			lk_diag_add(d, file, part, "column '%s' is not in catalog.csv", t[i].column);
			bad = 1;
		}
		v[i].col = col;
		v[i].glob = t[i].glob;
		v[i].n = t[i].nvalues;
		v[i].vals = lk_xcalloc(t[i].nvalues ? t[i].nvalues : 1, sizeof *v[i].vals);
		for (j = 0; j < t[i].nvalues; j++)
			v[i].vals[j] = t[i].values[j];
		if (!v[i].glob)
			qsort(v[i].vals, v[i].n, sizeof *v[i].vals, cmp_str);
	}
	*out = v;
	return bad ? -1 : 0;
}

struct lk_filter_prog *
lk_filter_compile(const struct lk_filter *f, const struct lk_catalog *c, const char *file,
    struct lk_diag *d)
{
	struct lk_filter_prog *p = lk_xcalloc(1, sizeof *p);
	int bad = 0;

	p->ninc = f->ninclude;
	p->nexc = f->nexclude;
	bad |= compile_terms(f->include, f->ninclude, &p->inc, c, file, "include", d);
	bad |= compile_terms(f->exclude, f->nexclude, &p->exc, c, file, "exclude", d);
	if (bad) {
		lk_filter_prog_free(p);
		return NULL;
	}
	return p;
}

static int
term_match(const struct term *t, const char *val)
{
	size_t i;

	if (!t->glob)
		return bsearch(&val, t->vals, t->n, sizeof *t->vals, cmp_str) != NULL;
	for (i = 0; i < t->n; i++)
		if (fnmatch(t->vals[i], val, 0) == 0)
			return 1;
	return 0;
}

int
lk_filter_match(const struct lk_filter_prog *p, const struct lk_catalog *c, size_t row)
{
	size_t i;

	for (i = 0; i < p->ninc; i++)
		if (!term_match(&p->inc[i], lk_catalog_get(c, (long)row, p->inc[i].col)))
			return 0;
	for (i = 0; i < p->nexc; i++)
		if (term_match(&p->exc[i], lk_catalog_get(c, (long)row, p->exc[i].col)))
			return 0;
	return 1;
}

void
lk_filter_prog_free(struct lk_filter_prog *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ninc; i++)
		free(p->inc[i].vals);
	for (i = 0; i < p->nexc; i++)
		free(p->exc[i].vals);
	free(p->inc);
	free(p->exc);
	free(p);
}
