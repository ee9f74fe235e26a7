#!/bin/sh
# The marketplace double goes away in the middle of a run and comes back
# (empty, on the same port): the next runs converge.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/t9-sync-lib.sh"
t9_start_double

test_expect_success 'killed during a run, restarted: the next run converges' '
	mkdemo && lk-sync -C state -q >/dev/null &&
	port=${DOUBLE_URL##*:} &&
	sed "s|<count>12</count>|<count>20</count>|" feeds/main.xml >x && mv x feeds/main.xml &&
	double_ctl POST /_double/faults "{\"count\":1,\"kind\":\"hang\",\"hang\":3,\"mp\":\"ozon\",\"method\":\"POST\",\"path\":\"stocks\"}" >/dev/null || exit 1
	{ lk-sync -C state -q >first.out 2>first.err; echo $? >first.rc; } &
	bg=$!
	sleep 1 && double_stop &&
	double_start "$TRASH/double2" --seed "$TOP/tests/double/seed-demo.json" --time-scale 0.01 --quiet --port "$port" &&
	wait "$bg"; test "$(cat first.rc)" != 0 &&
	lk-sync -C state -q >second.out 2>second.err; echo "second: $?" &&
	lk-sync -C state -q >third.out 2>third.err; echo "third: $?" &&
	test "$(held wb SKU-0001)" = 10 && test "$(held ozon SKU-0001)" = 10 &&
	test "$(held ym SKU-0001)" = 9
'
# Not asserted: the products the restarted (emptied) double lost but lk had
# already pushed are not sent again, since lk-push sends what differs from
# its own last push, not from the stock the marketplace shows (seen).
# Reported to the lead; lk-push --full restores them.
: '
'

double_stop
test_done
