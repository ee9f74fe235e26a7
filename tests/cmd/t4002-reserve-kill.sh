#!/bin/sh
# lk-reserve: a run killed at any point (SIGKILL, or a failed write, fsync
# or rename) leaves the old ledger or the new one, whole; a rerun
# converges to what an uninterrupted run gives.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the helpers they call look dead to shellcheck.
# shellcheck disable=SC2016,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t4-reserve-lib.sh
. "$(dirname "$0")/t4-reserve-lib.sh"

# Two runs' input over 3000 products: run 1 sees 20000 orders; run 2
# sees 40000 (some shipped, some cancelled) and marketplace decreases.
mkinput() {
	awk 'BEGIN {
		for (i = 0; i < 20000; i++)
			printf "{\"type\":\"order\",\"channel\":\"wb-msk\",\"id\":\"%d\",\"sku\":\"S%04d\",\"qty\":%d,\"status\":\"new\",\"at\":\"2026-01-01T00:05:00Z\"}\n", i, i % 3000, 1 + i % 3
		for (i = 0; i < 3000; i++)
			printf "{\"type\":\"stock\",\"sku\":\"S%04d\",\"source\":\"main\",\"qty\":50}\n", i
	}' >in1 &&
	awk 'BEGIN {
		for (i = 0; i < 40000; i++)
			printf "{\"type\":\"order\",\"channel\":\"wb-msk\",\"id\":\"%d\",\"sku\":\"S%04d\",\"qty\":%d,\"status\":\"%s\",\"at\":\"2026-01-01T00:%02d:00Z\"}\n", i, i % 3000, 1 + i % 3, (i % 7 == 0 ? "complete" : i % 11 == 0 ? "cancel" : "new"), (i < 20000 ? 5 : 20)
		for (i = 0; i < 3000; i++) {
			printf "{\"type\":\"stock\",\"sku\":\"S%04d\",\"source\":\"main\",\"qty\":50}\n", i
			printf "{\"type\":\"seen\",\"channel\":\"wb-msk\",\"sku\":\"S%04d\",\"qty\":%d,\"at\":\"2026-01-01T00:30:00Z\"}\n", i, 40 - i % 5
		}
		print "{\"type\":\"orders\",\"channel\":\"wb-msk\",\"status\":\"complete\",\"records\":40000}"
	}' >in2 &&
	mkdir -p base/.lk/pushed &&
	awk 'BEGIN { for (i = 0; i < 3000; i++)
		printf "{\"type\":\"pushed\",\"channel\":\"wb-msk\",\"sku\":\"S%04d\",\"qty\":40,\"at\":\"2026-01-01T00:10:00Z\"}\n", i }' \
		>base/.lk/pushed/wb-msk.ndjson
}

# prepare: base = the state after run 1; want = the ledger and output after run 2.
prepare() {
	mkstate base && mkinput &&
	at 0 lk-reserve -C base <in1 >/dev/null &&
	cp base/.lk/reserve.ndjson old &&
	cp -R base ref && at 1800 lk-reserve -C ref <in2 >want.out &&
	cp ref/.lk/reserve.ndjson new &&
	! cmp -s old new
}

# check_ledger DIR: the ledger is the old or the new one and parses fully.
check_ledger() {
	if ! cmp -s "$1/.lk/reserve.ndjson" old && ! cmp -s "$1/.lk/reserve.ndjson" new; then
		echo "ledger is neither old nor new" >&2
		return 1
	fi
	jq -c . "$1/.lk/reserve.ndjson" >/dev/null || return 1
}

# no_temp DIR: a kill may leave a temporary file; the next write removes it.
no_temp() {
	if find "$1/.lk" -name "*tmp*" | grep -q .; then echo "temp file left in $1/.lk" >&2; return 1; fi
}

# rerun DIR: an uninterrupted rerun gives the same ledger and output.
rerun() {
	at 1800 lk-reserve -C "$1" <in2 >got.out &&
	test_cmp new "$1/.lk/reserve.ndjson" &&
	test_cmp want.out got.out &&
	no_temp "$1"
}

test_expect_success 'running the same input twice converges' '
	prepare && rerun ref
'

test_expect_success 'SIGKILL after short delays loses nothing' '
	prepare &&
	rm -rf s && cp -R base s &&
	for d in 0 0.005 0.01 0.02 0.03 0.05 0.07 0.1 0.13 0.17 0.2 0.25 0.3 0.4 0.6; do
		LK_TEST_NOW=1767227400 lk-reserve -C s <in2 >/dev/null &
		pid=$!
		sleep $d
		kill -9 $pid 2>/dev/null
		wait $pid
		check_ledger s || { echo "after kill at $d s" >&2; return 1; }
		if cmp -s s/.lk/reserve.ndjson new; then rm -rf s && cp -R base s; fi
	done &&
	rerun s
'

test_expect_success 'with LK_FSYNC=1 too: killed runs leave old or new' '
	prepare &&
	rm -rf s && cp -R base s &&
	for d in 0.02 0.08 0.15 0.3; do
		LK_FSYNC=1 LK_TEST_NOW=1767227400 lk-reserve -C s <in2 >/dev/null &
		pid=$!
		sleep $d
		kill -9 $pid 2>/dev/null
		wait $pid
		check_ledger s || return 1
	done &&
	rerun s
'

if [ -f "$TOP/tests/lib/inject.so" ]; then
test_expect_success 'a failed write, fsync or rename keeps the old ledger; a rerun converges' '
	prepare &&
	for op in write fsync rename; do
		rm -rf s && cp -R base s &&
		inject $op env LK_TEST_NOW=1767227400 lk-reserve -C s <in2 >out 2>err
		rc=$?
		test "$rc" = 73 || { echo "$op: exit $rc" >&2; cat err >&2; return 1; }
		test ! -s out && test_cmp old s/.lk/reserve.ndjson && check_ledger s && rerun s || return 1
	done
'
else
test_skip 'a failed write, fsync or rename keeps the old ledger' 'tests/lib/inject.so not built'
fi

test_done
