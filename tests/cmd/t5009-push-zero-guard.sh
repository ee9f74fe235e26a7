#!/bin/sh
# The zero guard sees the marketplace and the seller: with no pushed
# state yet it counts items going from what the marketplace shows (seen)
# to 0; zeros the seller asked for (lk-alloc's "asked": a 0% share, a hide
# pin) pass; lk-sync --force passes the override on to lk-alloc and lk-push.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t5-push-lib.sh
. "$(dirname "$0")/t5-push-lib.sh"

mkseed 40 "$TRASH/seed.json"
double_start "$TRASH/double" --seed "$TRASH/seed.json" --time-scale 0.01 || exit 1
trap double_stop EXIT

# seen CHANNEL FROM TO QTY-EXPR: seen records, like lk-fetch --stocks writes.
seen() {
	allocs "$@" | sed 's/"type":"alloc"/"type":"seen"/'
}

# stock_of N QTY...: main's complete read, SKU-00001.. with the quantities given
stock_of() {
	n=0
	for q in "$@"; do
		n=$((n + 1))
		printf '{"type":"stock","sku":"SKU-%05d","source":"main","qty":%d}\n' "$n" "$q"
	done
	printf '{"type":"source","source":"main","status":"complete","records":%d}\n' "$n"
}

test_expect_success 'first push into a live warehouse: 18 of 20 shown products to 0 is stopped, exit 3' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	{ seen wb 1 20 "7"; allocs wb 1 20 "(i <= 2 ? 5 : 0)"; } >in &&
	double_ctl DELETE /_double/log >/dev/null &&
	test_expect_code 3 lk-push -C s in >out 2>err &&
	test_grep err "wb: 18 of 20 items would go from a positive quantity to 0, past the limit (max_zero); nothing sent to this channel; if the stock is really gone: lk-push --force, or lk-sync --force" &&
	test "$(writes wb)" = 0 && test ! -e s/.lk/pushed/wb.ndjson &&
	lk-push -C s --force in >out 2>err &&
	test "$(writes wb)" = 1
'

test_expect_success 'without seen records a first push has nothing to lose: it goes' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	allocs wb 1 20 "0" >in &&
	lk-push -C s in >out 2>err
'

test_expect_success 'zeros the seller asked for pass: a 0% share and a hide pin, through lk-alloc' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	chan s wb "\"marketplace\": \"wb\", \"warehouse_id\": 507, \"credentials\": {\"env\": \"LK_WB_TOKEN\"}, \"rate\": 500" &&
	rm s/channels/ozon.json s/channels/ym.json s/channels/ym3.json s/channels/mm.json s/channels/ae.json s/channels/feed.json s/channels/ext.json &&
	git init -q s && git -C s add . && git -C s -c user.name=t -c user.email=t@t commit -qm v1 &&
	stock_of 5 5 5 5 5 5 5 5 5 5 | lk-alloc -C s >a.out && lk-push -C s a.out >/dev/null 2>&1 &&
	test "$(stock wb 507 | grep -c " 5$")" = 10 &&
	chan s wb "\"marketplace\": \"wb\", \"warehouse_id\": 507, \"credentials\": {\"env\": \"LK_WB_TOKEN\"}, \"rate\": 500, \"rule\": [{\"share\": 0}]" &&
	stock_of 5 5 5 5 5 5 5 5 5 5 | lk-alloc -C s >alloc.out &&
	test "$(grep -c "\"qty\":0,\"asked\":true" alloc.out)" = 10 &&
	lk-push -C s alloc.out >out 2>err &&
	test "$(stock wb 507 | grep -c " 5$")" = 0 &&
	chan s wb "\"marketplace\": \"wb\", \"warehouse_id\": 507, \"credentials\": {\"env\": \"LK_WB_TOKEN\"}, \"rate\": 500" &&
	stock_of 5 5 5 5 5 5 5 5 5 5 | lk-alloc -C s >a.out && lk-push -C s a.out >/dev/null 2>&1 &&
	printf "sku,channel,qty\nSKU-00001,wb,hide\nSKU-00002,wb,hide\nSKU-00003,wb,hide\n" >s/overrides.csv &&
	stock_of 5 5 5 5 5 5 5 5 5 5 | lk-alloc -C s >a.out && lk-push -C s a.out >out 2>err &&
	test "$(stock wb 507 | grep -c " 5$")" = 7
'

test_expect_success 'stock that disappears is still guarded: 5 products at 0 stock stop the channel' '
	double_ctl POST /_double/reset >/dev/null &&
	mkstate s 40 &&
	chan s wb "\"marketplace\": \"wb\", \"warehouse_id\": 507, \"credentials\": {\"env\": \"LK_WB_TOKEN\"}, \"rate\": 500, \"rule\": [{\"if\": \"<\", \"value\": 3, \"then\": 0}]" &&
	rm s/channels/ozon.json s/channels/ym.json s/channels/ym3.json s/channels/mm.json s/channels/ae.json s/channels/feed.json s/channels/ext.json &&
	git init -q s && git -C s add . && git -C s -c user.name=t -c user.email=t@t commit -qm v1 &&
	stock_of 5 5 5 5 5 5 5 5 5 5 | lk-alloc -C s >a.out && lk-push -C s a.out >/dev/null 2>&1 &&
	stock_of 0 0 0 0 0 5 5 5 5 5 | lk-alloc -C s --force >a.out && test_expect_code 3 lk-push -C s a.out >out 2>err &&
	test_grep err "wb: 5 of 40 items would go from a positive quantity to 0"
'

test_expect_success 'lk-sync --force passes --force to lk-alloc and lk-push' '
	mkstate s 40 &&
	git init -q s && git -C s add . && git -C s -c user.name=t -c user.email=t@t commit -qm v1 &&
	lk-sync -C s --force --print >script &&
	grep -q "lk-alloc.* --force" script && grep -q "lk-push.* --force" script &&
	lk-sync -C s --print >script &&
	! grep -q -- "--force" script
'

test_done
