# t1-fetch-lib.sh - helpers for lk-fetch's tests (sourced, not run).
# shellcheck shell=sh

PY=/usr/bin/python3
export PY
LK_TEST_SLEEP_SCALE=${LK_TEST_SLEEP_SCALE:-0.01}
export LK_TEST_SLEEP_SCALE
fetch_pids=

# start_server NAME CMD... : runs CMD with --port-file $TRASH/NAME.port in
# the background and sets NAME_PORT once it listens.
start_server() {
	_n=$1
	shift
	"$@" --port-file "$TRASH/$_n.port" >"$TRASH/$_n.log" 2>&1 &
	fetch_pids="$fetch_pids $!"
	_i=0
	while [ ! -s "$TRASH/$_n.port" ]; do
		_i=$((_i + 1))
		[ "$_i" -gt 100 ] && { echo "server $_n did not start" >&2; cat "$TRASH/$_n.log" >&2; return 1; }
		sleep 0.05
	done
	eval "${_n}_PORT=\$(cat \"\$TRASH/$_n.port\")"
}

stop_servers() {
	for _p in $fetch_pids; do
		kill "$_p" 2>/dev/null
	done
	for _p in $fetch_pids; do
		wait "$_p" 2>/dev/null
	done
	fetch_pids=
}
trap stop_servers EXIT

# mkstate DIR : a minimal state directory.
mkstate() {
	mkdir -p "$1/sources" "$1/channels" &&
	echo '{"push": false}' >"$1/lk.json" &&
	printf 'sku\n' >"$1/catalog.csv"
}
