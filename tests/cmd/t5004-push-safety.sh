#!/bin/sh
# lk-push's safety: a dry run changes nothing, the zero guard stops a
# channel (exit 3, nothing sent) while the others go, the master switch
# and "enabled" are obeyed, --channel limits the run, the lock is held,
# a marketplace id on two catalog skus refuses the channel (78).
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 200 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

test_expect_success 'a dry run prints the requests and sends and writes nothing' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 200 &&
	allocs wb 1 100 "5" >in && allocs ozon 1 100 "5" >>in && allocs mm 1 10 "5" >>in &&
	lk-push -C s in >/dev/null 2>&1 &&
	cp s/.lk/pushed/wb.ndjson wb.before && cp s/.lk/push.log log.before &&
	double_ctl DELETE /_double/log >/dev/null &&
	allocs wb 1 100 "6" >in2 && allocs ozon 1 100 "6" >>in2 && allocs mm 1 10 "6" >>in2 &&
	lk-push -C s -n in2 >out 2>err &&
	test "$(double_ctl GET /_double/log | grep -c .)" = 0 &&
	test_cmp wb.before s/.lk/pushed/wb.ndjson && test_cmp log.before s/.lk/push.log &&
	jqe "select(.type == \"request\" and .channel == \"wb\") | .method == \"PUT\" and (.url | endswith(\"/api/v3/stocks/507\")) and (.body.stocks | length) == 100" out &&
	jqe "select(.type == \"request\" and .channel == \"ozon\") | .headers[\"Api-Key\"] == \"<redacted>\" and .headers[\"Client-Id\"] == \"1001\"" out &&
	jqe "select(.type == \"request\" and .channel == \"mm\") | .body.data.token == \"<redacted>\"" out &&
	jqe "select(.type == \"pushed\") | .status == \"dry_run\" and .qty == 6 and .prev == 5" out &&
	test "$(jq -s "[.[] | select(.type == \"pushed\")] | length" out)" = 210 &&
	! grep -e "$LK_WB_TOKEN" -e "$LK_OZ_KEY" -e "$LK_MM_TOKEN" out err
'

test_expect_success 'the zero guard: exit 3, nothing sent to that channel, the others go' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 200 &&
	allocs wb 1 100 "5" >in && allocs ozon 1 100 "5" >>in &&
	lk-push -C s in >/dev/null 2>&1 &&
	cp s/.lk/pushed/wb.ndjson wb.before &&
	stock wb 507 >wb.stock &&
	double_ctl DELETE /_double/log >/dev/null &&
	allocs wb 1 100 "(i <= 11 ? 0 : 5)" >in2 && allocs ozon 1 100 "(i <= 50 ? 0 : 7)" >>in2 &&
	chan s ozon "\"marketplace\": \"ozon\", \"warehouse_id\": 22142605386000, \"credentials\": {\"env\": \"LK_OZ_KEY\", \"client_id\": \"1001\"}, \"rate\": 133, \"max_zero\": \"60%\"" &&
	sleep 0.4 &&
	test_expect_code 3 lk-push -C s in2 >out 2>err &&
	grep "wb: 11 of 100 items would go from a positive quantity to 0" err &&
	test "$(writes wb)" = 0 && test_cmp wb.before s/.lk/pushed/wb.ndjson &&
	stock wb 507 >got && test_cmp wb.stock got &&
	! grep "\"channel\":\"wb\"" out &&
	test "$(writes ozon)" = 1 &&
	stock ozon 22142605386000 >got && want ozon in2 >exp && test_cmp exp got &&
	grep "\"channel\":\"wb\"" s/.lk/push.log | tail -n 1 >last &&
	jqe ".skipped == \"zero guard\" and .exit == 3 and .zeroed == 11" last &&
	lk-push -C s --force in2 >out2 2>err2 &&
	stock wb 507 >got && want wb in2 >exp && test_cmp exp got
'

test_expect_success 'a count limit: 10 zeroes pass max_zero 10, 11 do not' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 200 &&
	echo "{\"push\": true, \"max_zero\": \"10\"}" >s/lk.json &&
	allocs wb 1 200 "5" >in &&
	lk-push -C s in >/dev/null 2>&1 &&
	allocs wb 1 200 "(i <= 10 ? 0 : 5)" >in2 &&
	lk-push -C s in2 >/dev/null 2>&1 &&
	allocs wb 1 200 "(i <= 21 ? 0 : 5)" >in3 &&
	test_expect_code 3 lk-push -C s in3 >/dev/null 2>&1
'

test_expect_success 'push off in lk.json: nothing sent, reported, exit 0' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	echo "{\"push\": false}" >s/lk.json &&
	allocs wb 1 20 "5" >in &&
	lk-push -C s in >out 2>err &&
	test "$(writes wb)" = 0 && test ! -s out &&
	grep "push is off" err &&
	jqe "select(.channel == \"wb\") | .skipped == \"push is off in lk.json\"" s/.lk/push.log
'

test_expect_success 'a disabled channel is skipped; --channel limits the run' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	chan s ozon "\"marketplace\": \"ozon\", \"enabled\": false, \"warehouse_id\": 22142605386000, \"credentials\": {\"env\": \"LK_OZ_KEY\", \"client_id\": \"1001\"}" &&
	allocs wb 1 20 "5" >in && allocs ozon 1 20 "5" >>in && allocs mm 1 20 "5" >>in &&
	lk-push -C s -c wb in >out 2>err &&
	test "$(writes wb)" = 1 && test "$(writes mm)" = 0 && test "$(writes ozon)" = 0 &&
	lk-push -C s in >out2 2>err2 &&
	test "$(writes mm)" = 1 && test "$(writes ozon)" = 0 &&
	grep "ozon: skipped (channel disabled)" err2 &&
	test_expect_code 78 lk-push -C s -c nosuch in
'

test_expect_success 'one marketplace id on two skus: the channel is refused (78) as lk-state check says, the others go' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	awk -F, -v OFS=, "\$1 == \"SKU-00007\" { \$4 = \"SKU-00003\" } { print }" s/catalog.csv >c && mv c s/catalog.csv &&
	allocs ym 1 10 "5" >in && allocs wb 1 10 "5" >>in &&
	test_expect_code 78 lk-push -C s in >out 2>err &&
	grep -x "lk-push: catalog.csv: ym_sku: '\''SKU-00003'\'' is on both SKU-00003 and SKU-00007 (one update would carry it twice)" err &&
	grep "ym: nothing sent: 1 Yandex Market id on two skus" err &&
	test "$(writes ym)" = 0 && test "$(writes wb)" = 1 &&
	tail -n 2 s/.lk/push.log | jq -s -e "any(.[]; .channel == \"ym\" and .skipped == \"duplicate ids\" and .exit == 78)" &&
	test_expect_code 78 lk-state -C s check 2>check.err &&
	sed "s/^lk-state: //" check.err | grep -x "catalog.csv: ym_sku: '\''SKU-00003'\'' is on both SKU-00003 and SKU-00007 (one update would carry it twice)"
'

test_expect_success 'the state lock is held: a second run exits 75' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	allocs wb 1 20 "5" >in &&
	mkdir -p s/.lk &&
	{ (exec 9>s/.lk/lock && flock 9 && exec sleep 30) & } && holder=$! &&
	while flock -n s/.lk/lock true; do sleep 0.05; done &&
	test_expect_code 75 lk-push -C s in >out 2>err &&
	grep "state directory is busy" err && test "$(writes wb)" = 0 &&
	kill $holder
'

test_expect_success 'other records pass through first; a bad alloc is reported, exit 1' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 20 &&
	{ echo "{\"type\":\"undistributed\",\"sku\":\"SKU-00001\",\"qty\":3}"; allocs wb 1 2 "5";
	  echo "{\"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"SKU-00003\",\"qty\":-1}"; } >in &&
	test_expect_code 1 lk-push -C s in >out 2>err &&
	head -n 1 out | jq -e ".type == \"undistributed\"" &&
	grep "in:4" err && test "$(jq -s "[.[] | select(.status == \"ok\")] | length" out)" = 2
'

test_done
