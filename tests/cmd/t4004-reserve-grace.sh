#!/bin/sh
# lk-reserve within the grace after lk's own push (lk-reserve(1)): a
# marketplace number below both what lk pushed and what the marketplace
# showed before that push cannot be the push applied late; the part below
# both is a sale and is reserved, not pushed over.  End to end: lk-sync
# against the double.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

# The demo state with Wildberries alone, fed by the YML feed, no share
# rule; SKU-0001 has 7 in the feed, and the double shows 7 for it.
mkwb() {
	mkdemo &&
	rm state/channels/ozon.json state/channels/ym.json state/channels/site.json &&
	jq ".sources = [\"main\"] | del(.rule)" state/channels/wb.json >wb.json && mv wb.json state/channels/wb.json &&
	sed "/<vendorCode>SKU-0001</,/<count>/s|<count>[0-9]*</count>|<count>7</count>|" feeds/main.xml >f &&
	mv f feeds/main.xml && grep -q "<count>7</count>" feeds/main.xml &&
	commit wb &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":7}}" >/dev/null
}

test_expect_success 'a push of 7 over a shown 7, then 4 within the grace: 3 reserved, 4 pushed, not 7 again' '
	mkwb &&
	LK_TEST_NOW=2026-11-27T10:00:00Z lk-sync -C state -q &&
	test "$(held wb SKU-0001)" = 7 &&
	grep "\"sku\":\"SKU-0001\"" state/.lk/pushed/wb.*ndjson | tail -n 1 | jq -e ".qty == 7 and .shown == 7" &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":4}}" >/dev/null &&
	LK_TEST_NOW=2026-11-27T10:01:00Z lk-sync -C state -q &&
	test "$(held wb SKU-0001)" = 4 &&
	jq -e "select(.type == \"reserve\" and .sku == \"SKU-0001\") | .qty == 3 and .unexplained == 3" \
		"$(last_run)/reserve.out"
'

test_expect_success 'only the part below the old number: 7 pushed over a shown 5, then 4 within the grace: 1 reserved' '
	mkwb &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":5}}" >/dev/null &&
	LK_TEST_NOW=2026-11-27T10:00:00Z lk-sync -C state -q &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":4}}" >/dev/null &&
	LK_TEST_NOW=2026-11-27T10:01:00Z lk-sync -C state -q &&
	test "$(held wb SKU-0001)" = 6 &&
	jq -e "select(.type == \"reserve\" and .sku == \"SKU-0001\") | .qty == 1" "$(last_run)/reserve.out"
'

test_expect_success 'the old number within the grace may be the push not applied yet: nothing reserved, 7 sent again' '
	mkwb &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":5}}" >/dev/null &&
	LK_TEST_NOW=2026-11-27T10:00:00Z lk-sync -C state -q &&
	double_ctl POST /_double/stock "{\"mp\":\"wb\",\"warehouse\":\"507\",\"stock\":{\"100001\":5}}" >/dev/null &&
	LK_TEST_NOW=2026-11-27T10:01:00Z lk-sync -C state -q &&
	test "$(held wb SKU-0001)" = 7 &&
	jq -s -e "map(select(.type == \"reserve\" and .sku == \"SKU-0001\")) == []" "$(last_run)/reserve.out"
'

test_done
