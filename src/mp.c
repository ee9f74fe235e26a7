#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "secrets.h"
#include "util.h"

/*
 * Batch limits and rates are the documented ones (marketplaces.md):
 * WB 1000 items, 300 req/min burst 20; Ozon 100 pairs, 80 req/min;
 * YM v2 2000 skus with 100000 skus/min (50 req/min for v3, the stricter
 * one is used); MegaMarket 300 (documented for prices only); AliExpress
 * 1000 products (rate unconfirmed, kept low).
 */
static const struct lk_mp table[] = {
	{ LK_MP_WB, "wb", "Wildberries", "https://marketplace-api.wildberries.ru",
	  LK_COL_WB, 1000, 5.0, 20 },
	{ LK_MP_OZON, "ozon", "Ozon", "https://api-seller.ozon.ru",
	  LK_COL_OZON, 100, 80.0 / 60.0, 1 },
	{ LK_MP_YM, "ym", "Yandex Market", "https://api.partner.market.yandex.ru",
	  LK_COL_YM, 2000, 50.0 / 60.0, 1 },
	{ LK_MP_MM, "mm", "MegaMarket", "https://api.megamarket.tech",
	  LK_COL_MM, 300, 1.0, 1 },
	{ LK_MP_AE, "ae", "AliExpress", "https://openapi.ru.laliexpress.com",
	  LK_COL_AE, 1000, 1.0, 1 },
};

const struct lk_mp *
lk_mp_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const char *
lk_mp_base_url(const struct lk_mp *mp, const struct lk_channel *ch)
{
	return ch->base_url && *ch->base_url ? ch->base_url : mp->default_base_url;
}

static int
add_header(struct curl_slist **headers, const char *name, const char *value)
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
	char *secret, *client_id;
	int rc = 0;

	if (body_token)
		*body_token = NULL;
	secret = lk_cred_get(&ch->cred, err, errlen);
	if (secret == NULL)
		return -1;
	switch (mp->id) {
	case LK_MP_WB:
		rc = add_header(headers, "Authorization", secret);
		break;
	case LK_MP_OZON:
		client_id = lk_cred_client_id(&ch->cred);
		if (client_id == NULL) {
			snprintf(err, errlen, "%s: credentials: Ozon needs a Client-Id "
			    "(client_id or client_id_env)", ch->file);
			rc = -1;
			break;
		}
		rc = add_header(headers, "Client-Id", client_id);
		free(client_id);
		if (rc == 0)
			rc = add_header(headers, "Api-Key", secret);
		break;
	case LK_MP_YM:
		rc = add_header(headers, "Api-Key", secret);
		break;
	case LK_MP_AE:
		rc = add_header(headers, "x-auth-token", secret);
		break;
	case LK_MP_MM:
		if (body_token) {
			*body_token = secret;
			secret = NULL;
		}
		break;
	}
	if (rc == 0 && add_header(headers, "Content-Type", "application/json") == -1)
		rc = -1;
	lk_secret_free(secret);
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory building headers");
	return rc;
}
