/*
 * reserve-status.c - which order statuses hold stock, per marketplace.
 * Sources: ../shared/specs/marketplaces.md and the OpenAPI documents;
 * lk-reserve(1), RESERVING STATUSES, gives the reasons.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "reserve.h"

/* Wildberries supplierStatus: reserved = new/confirm (POST /api/v3/orders/status). */
static const char *const wb[] = { "new", "confirm", NULL };
/* Ozon FBS postings not yet handed to delivery (/v4/posting/fbs/unfulfilled/list). */
static const char *const ozon[] = { "awaiting_registration", "acceptance_in_progress",
	"awaiting_approve", "awaiting_packaging", "awaiting_deliver", NULL };
/*
 * Yandex Market OrderStatusType: PROCESSING is the seller's work; UNPAID
 * and PENDING are placed orders whose units the market already took off
 * the shown stock.  Reserving them errs towards not overselling; a
 * cancel (USER_NOT_PAID after 30 min) releases them.
 */
static const char *const ym[] = { "UNPAID", "PENDING", "PROCESSING", NULL };
/* MegaMarket order/search statuses before shipping. */
static const char *const mm[] = { "NEW", "CONFIRMED", "PACKED", NULL };
/* AliExpress local seller API: UNCONFIRMED names (community code); override per channel. */
static const char *const ae[] = { "Created", "InProgress", NULL };

const char *const *
lk_reserve_status_defaults(const char *marketplace)
{
	static const struct { const char *name; const char *const *set; } tab[] = {
		{ "wb", wb }, { "ozon", ozon }, { "ym", ym }, { "mm", mm }, { "ae", ae },
	};

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (marketplace && strcmp(tab[i].name, marketplace) == 0)
			return tab[i].set;
	return NULL;
}

int
lk_reserve_status_in(const char *const *set, const char *status)
{
	for (; set && *set; set++)
		if (strcasecmp(*set, status) == 0)
			return 1;
	return 0;
}

int
lk_reserve_status_cancelled(const char *status)
{
	return strcasestr(status, "cancel") != NULL;
}
