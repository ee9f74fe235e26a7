#!/bin/sh
# lk-sync runs the order and stock listings of different marketplace
# accounts at the same time, and those of one account one after the
# other (so each stays within its own rate budget): the same files as
# one listing at a time, and --stage-timeout still stops each one.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t9-sync-lib.sh
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double
LK_TEST_NOW=2026-11-27T10:00:00Z
export LK_TEST_NOW

# A second Wildberries channel on the same account (the same token).
wb2() {
	sed -e 's/"warehouse_id": 507/"warehouse_id": 508/' state/channels/wb.json >state/channels/wb2.json &&
	commit "wb2"
}

test_expect_success 'the listings at once give the files one listing at a time gives' '
	mkdemo && wb2 &&
	double_ctl POST /_double/orders "{\"mp\":\"wb\",\"item\":\"SKU-0003\",\"qty\":2,\"warehouse\":\"507\"}" >/dev/null &&
	double_ctl POST /_double/orders "{\"mp\":\"ozon\",\"item\":\"SKU-0005\",\"qty\":1}" >/dev/null &&
	lk-sync -C state -q -n >/dev/null &&
	run=$(last_run) &&
	for ch in ozon wb wb2 ym; do
		for what in orders stocks; do
			lk-fetch -C state -q "--$what" $ch >$what-$ch.ndjson &&
			test_cmp $what-$ch.ndjson "$run/$what-$ch.ndjson" || return 1
		done
	done &&
	grep -q "\"channel\":\"wb\"" "$run/orders-wb.ndjson" &&
	grep -q "\"channel\":\"ozon\"" "$run/orders-ozon.ndjson"
'

test_expect_success 'one account: its listings one after the other; a listing that hangs is stopped by --stage-timeout, the others finish' '
	mkdemo && wb2 &&
	double_ctl DELETE /_double/log >/dev/null &&
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"hang\",\"hang\":12,\"mp\":\"wb\"}" >/dev/null &&
	test_expect_code 75 lk-sync -C state -q --json --stage-timeout 3 >s.json 2>err &&
	grep "orders wb: stopped after 3s" err &&
	jq -e "[.stages[] | select(.stage == \"orders wb\")][0].exit == 75" s.json &&
	jq -e "[.stages[] | select(.stage != \"orders wb\" and (.stage | test(\"^(orders|stocks)\")))] | length == 7 and all(.exit == 0)" s.json &&
	double_ctl GET "/_double/log?mp=wb" | jq -s -e "
		(map(.status) | index(0)) as \$hung |
		(map(.path) | index(\"/api/v3/stocks/507\")) as \$s1 |
		(map(.path) | index(\"/api/v3/stocks/508\")) as \$s2 |
		\$hung == 0 and \$s1 < \$s2 and
		([.[1:\$s1][] | select(.path | startswith(\"/api/v3/orders\"))] | length == 0)"
'

test_done
