# t9-sync-lib.sh - whole-pipeline tests: a demo-like state directory per
# test (from examples/), the marketplace double, real commands.
# Source after lib.sh.  One double per test file, reset by mkdemo.
# shellcheck shell=sh

DOUBLE_DIR_SELF=$TOP/tests/double
LK_DEMO_WB_TOKEN=wb-test-token
LK_DEMO_OZON_CLIENT_ID=1001
LK_DEMO_OZON_API_KEY=ozon-test-key
LK_DEMO_YM_TOKEN=ym-test-key
LK_TEST_SLEEP_SCALE=0.01
export DOUBLE_DIR_SELF LK_DEMO_WB_TOKEN LK_DEMO_OZON_CLIENT_ID LK_DEMO_OZON_API_KEY \
	LK_DEMO_YM_TOKEN LK_TEST_SLEEP_SCALE
# shellcheck source=tests/double/double.sh
. "$TOP/tests/double/double.sh"

# The double for this file, with any extra arguments; stopped when the
# file ends.
# shellcheck disable=SC2120
t9_start_double() {
	double_start "$TRASH/double" --seed "$TOP/tests/double/seed-demo.json" \
		--time-scale 0.01 --quiet "$@" || exit 1
	trap 'double_stop' EXIT
}

# mkdemo: ./state and ./feeds in the current folder, channels pointing at
# the double (reset to its seed), feed paths absolute, committed.  The
# site feed goes to state/out/ (lk(7), SECURITY).
mkdemo() {
	double_ctl POST /_double/reset >/dev/null &&
	cp -R "$TOP/examples/state" state && cp -R "$TOP/examples/feeds" feeds &&
	_here=$(pwd) &&
	for _f in state/channels/*.json state/sources/*.json; do
		sed -e "s|http://127.0.0.1:8080|$DOUBLE_URL|" \
		    -e "s|\"url\": \"feeds/|\"url\": \"$_here/feeds/|" "$_f" >"$_f.tmp" &&
		mv "$_f.tmp" "$_f" || return 1
	done &&
	lk-state -C state init -q
}

# Commits the state directory's working tree.
commit() {
	git -C state add -A && git -C state -c user.name=t -c user.email=t@localhost commit -q -m "$1"
}

# held MP SKU: the stock the double holds for a demo sku ("-" when none).
held() {
	case $1 in
	wb) _wh=507 ;;
	ozon) _wh=22142605386000 ;;
	ym) _wh=55 ;;
	esac
	double_ctl GET "/_double/stock?mp=$1&warehouse=$_wh" |
		python3 -c 'import json,sys; d=json.load(sys.stdin)["by_sku"].get(sys.argv[1], {}); print(d.get(sys.argv[2], "-"))' "$_wh" "$2"
}

# Everything the double holds for the three demo channels, one "mp sku qty" a line.
snapshot() {
	for _mp in wb ozon ym; do
		double_ctl GET "/_double/stock?mp=$_mp" |
			python3 -c 'import json,sys
d=json.load(sys.stdin)
for wh, items in sorted(d["by_sku"].items()):
    for sku, q in sorted(items.items()):
        print(sys.argv[1], wh, sku, q)' "$_mp"
	done
}

# The items the double received stock updates for, "mp id" a line, once each.
pushed_items() {
	double_ctl GET /_double/log | python3 -c 'import json,sys
for line in sys.stdin:
    e = json.loads(line)
    b = e.get("body")
    if e["method"] == "GET" or not isinstance(b, dict):
        continue
    for it in b.get("stocks", []) or []:
        if isinstance(it, dict):
            print(e["mp"], it.get("chrtId") or it.get("sku") or it.get("offer_id"))
    for it in b.get("skus", []) or []:
        print(e["mp"], it.get("sku"))' | sort -u
}

# The newest run folder of ./state.
last_run() {
	for _r in state/.lk/runs/*; do :; done
	echo "$_r"
}
