#!/bin/sh
# demo.sh - lk in one minute: a demo state directory under ./demo, the
# marketplace double on 127.0.0.1, a first lk-sync, an order, a second
# lk-sync that holds the ordered units back on every marketplace.
#
# Usage: sh examples/demo.sh      (`make demo` builds first;
# LK_DEMO_DIR puts the demo elsewhere than ./demo)
# Nothing leaves the machine: the "marketplaces" are tests/double/mpdouble.py.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
demo=${LK_DEMO_DIR:-$top/demo}
PATH="$top/cmd:$PATH"
DOUBLE_DIR_SELF=$top/tests/double
# The double's dummy demo credentials: lk reads them from these variables
# (channels/*.json name the variables, never the secrets).
LK_DEMO_WB_TOKEN=wb-test-token
LK_DEMO_OZON_CLIENT_ID=1001
LK_DEMO_OZON_API_KEY=ozon-test-key
LK_DEMO_YM_TOKEN=ym-test-key
export PATH DOUBLE_DIR_SELF LK_DEMO_WB_TOKEN LK_DEMO_OZON_CLIENT_ID LK_DEMO_OZON_API_KEY LK_DEMO_YM_TOKEN
# shellcheck source=tests/double/double.sh
. "$top/tests/double/double.sh"

say() {
	printf '\n== %s\n' "$*"
}

for c in lk-sync lk-fetch lk-parse-yml lk-parse-csv lk-reserve lk-alloc lk-push lk-state; do
	if [ ! -x "$top/cmd/$c" ]; then
		echo "demo: $c is not built; run 'make demo' (or 'make all' first)" >&2
		exit 1
	fi
done

say "1. A state directory: demo/state, from examples/state"
rm -rf "$demo"
mkdir -p "$demo"
cp -R "$top/examples/state" "$demo/state"
cp -R "$top/examples/feeds" "$demo/feeds"

trap 'double_stop' EXIT
trap 'exit 130' INT TERM
double_start "$demo/double" --seed "$top/tests/double/seed-demo.json" --time-scale 0.01 --quiet
# The template's channels point at port 8080 and its feed paths are
# relative: point them at this double and make the paths absolute.  The
# site feed stays in the state directory's out/ (lk(7), SECURITY).
for f in "$demo"/state/channels/*.json "$demo"/state/sources/*.json; do
	sed -e "s|http://127.0.0.1:8080|$DOUBLE_URL|" \
	    -e "s|\"url\": \"feeds/|\"url\": \"$demo/feeds/|" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
lk-state -C "$demo/state" init -q
cd "$demo"
echo "sources:  main (YML feed, feeds/main.xml), supplier (CSV price list, feeds/supplier.csv)"
echo "channels: wb (share 50%, at most 10), ozon and ym (the other 50%, split equally; ym keeps 1 back, shows 0 below 2),"
echo "          site (a YML feed for the shop's own site: out/site-feed.xml)"
echo "marketplaces: the local double at $DOUBLE_URL"
git -C state log --oneline

say "2. lk-sync: fetch, parse, reserve, allocate, push"
lk-sync -C state -q

say "3. What each marketplace holds now (asked from the double)"
python3 "$top/examples/show-stock.py" "$DOUBLE_URL" state first.json

say "4. A buyer orders 2 x SKU-0003 (Teapot) on Wildberries"
double_ctl POST /_double/orders '{"mp":"wb","item":"SKU-0003","qty":2,"warehouse":"507"}' >/dev/null
echo "order created on the double; lk will see it at the next run"

say "5. lk-sync again: the order is reserved, the teapot drops everywhere"
lk-sync -C state -q

say "6. What changed on the marketplaces"
python3 "$top/examples/show-stock.py" "$DOUBLE_URL" state second.json first.json

say "7. Look around"
for run in state/.lk/runs/*; do :; done
run=${run##*/}
echo "every stage's input, output and messages:  ls demo/state/.lk/runs/$run"
echo "the pipeline as a shell script:            lk-sync -C demo/state --print"
echo "the site feed lk wrote:                    demo/state/out/site-feed.xml ($(grep -c '<offer ' state/out/site-feed.xml) offers)"
echo "from cron, every 2 minutes:                contrib/cron/lk.cron"
