/*
 * csv-file.h - small CSV tables from the state directory (catalog.csv,
 * overrides.csv), read whole with libcsv.
 *
 * lk_csv_table_parse() parses buf (UTF-8, comma-separated, RFC 4180
 * quoting, CRLF or LF, optional BOM) into rows of fields; rows[i][j] are
 * NUL-terminated copies, lines[i] the line each row started on.  Returns
 * 0, or -1 with "LINE: reason" in err.
 */
#ifndef LK_CSVFILE_H
#define LK_CSVFILE_H

#include <stddef.h>

struct lk_csv_table {
	char ***rows;
	size_t *nfields;
	unsigned long *lines;
	size_t nrows;
};

int lk_csv_table_parse(const char *buf, size_t len, struct lk_csv_table *t, char *err, size_t errlen);
void lk_csv_table_free(struct lk_csv_table *t);

#endif
