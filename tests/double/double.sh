# shellcheck shell=sh
# double.sh -- POSIX sh helpers to run the marketplace double in shell tests.
#
#   . tests/double/double.sh
#   double_start "$TMPDIR/double" --seed tests/double/seed-demo.json --time-scale 0.01
#   double_ctl POST /_double/faults '{"count":1,"status":503}'
#   double_stop
#
# double_start DIR [mpdouble args...]: starts mpdouble.py in the background with
#   --port 0 --port-file DIR/port, waits up to 5 s for the port file, exports
#   DOUBLE_URL=http://127.0.0.1:PORT (http://[::1]:PORT with --host ::1) and DOUBLE_PID. Server output: DIR/double.log.
# double_stop: SIGTERM, wait for the process (up to 5 s), then SIGKILL.
# double_ctl METHOD PATH [JSON]: calls the double with curl, prints the body,
#   returns non-zero on a connection error or HTTP status >= 400.

DOUBLE_PY=${DOUBLE_PY:-/usr/bin/python3}
if [ -z "${DOUBLE_DIR_SELF:-}" ]; then
	for _d in "${LK_SRCDIR:-.}/tests/double" "$(dirname -- "$0")/../double" "$(dirname -- "$0")"; do
		if [ -f "$_d/mpdouble.py" ]; then
			DOUBLE_DIR_SELF=$_d
			break
		fi
	done
	unset _d
fi

double_start() {
	_dir=$1
	shift
	mkdir -p "$_dir" || return 1
	rm -f "$_dir/port"
	_host=127.0.0.1
	_prev=
	for _a in "$@"; do
		if [ "$_prev" = --host ] && [ "$_a" = ::1 ]; then
			_host='[::1]'
		fi
		_prev=$_a
	done
	if [ -z "${DOUBLE_DIR_SELF:-}" ] || [ ! -f "$DOUBLE_DIR_SELF/mpdouble.py" ]; then
		echo "double_start: cannot find mpdouble.py (set DOUBLE_DIR_SELF)" >&2
		return 1
	fi
	"$DOUBLE_PY" "$DOUBLE_DIR_SELF/mpdouble.py" --port 0 --port-file "$_dir/port" "$@" \
		>"$_dir/double.log" 2>&1 &
	DOUBLE_PID=$!
	export DOUBLE_PID
	_i=0
	while [ ! -s "$_dir/port" ]; do
		if ! kill -0 "$DOUBLE_PID" 2>/dev/null; then
			echo "double_start: mpdouble exited early:" >&2
			cat "$_dir/double.log" >&2
			return 1
		fi
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ]; then
			echo "double_start: no port file after 5 s" >&2
			kill "$DOUBLE_PID" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	DOUBLE_URL="http://$_host:$(cat "$_dir/port")"
	export DOUBLE_URL
	return 0
}

double_stop() {
	[ -n "${DOUBLE_PID:-}" ] || return 0
	kill "$DOUBLE_PID" 2>/dev/null
	_i=0
	while kill -0 "$DOUBLE_PID" 2>/dev/null; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ]; then
			kill -9 "$DOUBLE_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$DOUBLE_PID" 2>/dev/null
	DOUBLE_PID=
	return 0
}

double_ctl() {
	_m=$1
	_p=$2
	if [ $# -ge 3 ]; then
		curl -sS --fail-with-body -X "$_m" -H 'Content-Type: application/json' \
			--data-binary "$3" "$DOUBLE_URL$_p"
	else
		curl -sS --fail-with-body -X "$_m" "$DOUBLE_URL$_p"
	fi
}
