/*
 * push-file.c - the file channels of lk-push: a YML feed for own sites
 * ("yml") and stock records another lk reads as a source ("ndjson").
 * Each is written whole, every product of the channel, atomically.
 *
 * The feed:
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <yml_catalog date="2026-11-27T10:16:21Z">
 *   <shop><name>SHOP</name><company>SHOP</company><offers>
 *   <offer id="SKU" available="true|false"><price>P</price><currencyId>RUR</currencyId>
 *     <name>NAME</name><count>N</count></offer>
 *   </offers></shop></yml_catalog>
 * price (and currencyId) and name come from the catalog's "price" and
 * "name" columns when present; text is escaped and invalid UTF-8 is
 * replaced by U+FFFD.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "confine.h"
#include "ndjson.h"
#include "push.h"
#include "util.h"

/* XML text or attribute value: escaped, valid UTF-8, no characters XML 1.0 forbids. */
static void
xml_text(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, n;

	while (i < len) {
		switch (s[i]) {
		case '<': fputs("&lt;", fp); i++; continue;
		case '>': fputs("&gt;", fp); i++; continue;
		case '&': fputs("&amp;", fp); i++; continue;
		case '"': fputs("&quot;", fp); i++; continue;
		case '\'': fputs("&apos;", fp); i++; continue;
		default: break;
		}
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
			fputc(' ', fp);
			i++;
			continue;
		}
		n = lk_utf8_len((const unsigned char *)s + i, len - i);
		if (n == 0) {
			fputs("\xEF\xBF\xBD", fp);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, fp);
		i += n;
	}
}

static int
finish(struct lk_atomic *a, const char *path, char *err, size_t errlen)
{
	int e;

	if (ferror(a->fp)) {
		e = errno ? errno : EIO;
		lk_atomic_abort(a);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	if (lk_atomic_commit(a) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
open_out(struct lk_atomic *a, const struct lk_output *where, const char *path,
    char *err, size_t errlen)
{
	int dirfd = lk_confine_dir(where->root, where->rel, 1, 0755);

	if (dirfd == -1 || lk_atomic_open_at(a, dirfd, where->base, path, 0644) == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP || errno == ENOTDIR ?
		    "a symlink or not a folder on the way (lk never writes through one)" :
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
lk_push_file_yml(const struct lk_channel *ch, const struct lk_output *where,
    const struct lk_catalog *cat, const struct lk_push_want *w, size_t n, time_t now,
    char *err, size_t errlen)
{
	struct lk_atomic a;
	char tbuf[21];
	const char *shop = ch->shop_name && *ch->shop_name ? ch->shop_name : ch->name;
	int cname = lk_catalog_column(cat, "name"), cprice = lk_catalog_column(cat, "price");
	size_t i;

	if (open_out(&a, where, ch->output, err, errlen) == -1)
		return -1;
	fprintf(a.fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yml_catalog date=\"%s\">\n<shop>\n",
	    lk_fmt_time(now, tbuf));
	fputs("<name>", a.fp);
	xml_text(a.fp, shop);
	fputs("</name>\n<company>", a.fp);
	xml_text(a.fp, shop);
	fputs("</company>\n<offers>\n", a.fp);
	for (i = 0; i < n; i++) {
		long row = lk_catalog_find(cat, w[i].sku);
		const char *name = row >= 0 && cname >= 0 ? lk_catalog_get(cat, row, cname) : "";
		const char *price = row >= 0 && cprice >= 0 ? lk_catalog_get(cat, row, cprice) : "";

		fputs("<offer id=\"", a.fp);
		xml_text(a.fp, w[i].sku);
		fprintf(a.fp, "\" available=\"%s\">", w[i].qty > 0 ? "true" : "false");
		if (*price) {
			fputs("<price>", a.fp);
			xml_text(a.fp, price);
			fputs("</price><currencyId>RUR</currencyId>", a.fp);
		}
		if (*name) {
			fputs("<name>", a.fp);
			xml_text(a.fp, name);
			fputs("</name>", a.fp);
		}
		fprintf(a.fp, "<count>%lld</count></offer>\n", w[i].qty);
	}
	fputs("</offers>\n</shop>\n</yml_catalog>\n", a.fp);
	return finish(&a, ch->output, err, errlen);
}

int
lk_push_file_ndjson(const struct lk_channel *ch, const struct lk_output *where,
    const struct lk_push_want *w, size_t n, time_t now, char *err, size_t errlen)
{
	struct lk_atomic a;
	char tbuf[21];
	size_t i;

	if (open_out(&a, where, ch->output, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		fputs("{\"type\":\"stock\",\"sku\":", a.fp);
		lk_json_write_string(a.fp, w[i].sku, strlen(w[i].sku));
		fputs(",\"source\":", a.fp);
		lk_json_write_string(a.fp, ch->name, strlen(ch->name));
		fprintf(a.fp, ",\"qty\":%lld}\n", w[i].qty);
	}
	fputs("{\"type\":\"source\",\"source\":", a.fp);
	lk_json_write_string(a.fp, ch->name, strlen(ch->name));
	fprintf(a.fp, ",\"status\":\"complete\",\"records\":%zu,\"at\":\"%s\"}\n", n, lk_fmt_time(now, tbuf));
	return finish(&a, ch->output, err, errlen);
}
