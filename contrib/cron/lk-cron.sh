#!/bin/bash
# lk-cron.sh - run lk-sync from cron: one run at a time, bounded in time,
# every message to syslog (tag "lk"), and output - so cron's mail - only
# when something really failed.
#
# Usage: lk-cron.sh STATE_DIR [lk-sync options...]
#
#   LK_CRON_TIMEOUT  seconds a run may take (default 600), then SIGTERM,
#                    30 s later SIGKILL
#   LK_CRON_ENV      a file of VAR=value credential lines to read
#                    (default /etc/lk/env; mode 0600, outside the state repo)
#   LK_CRON_BIN      where lk-sync is (default /usr/local/bin)
#
# Exit status: lk-sync's; 75 (busy, or a temporary failure) prints nothing;
# 124 when the run was stopped by the timeout.  lk-sync reports an outcome
# that needs a person (a zero guard stop, a stale source, failed items, a
# conflict) once, with a non-zero exit (2, or its stage's 1 or 3), and
# exits 0 on the runs after it while nothing changes: one mail per change.
set -euo pipefail
umask 077
PATH=${LK_CRON_BIN:-/usr/local/bin}:/usr/local/bin:/usr/bin:/bin
export PATH

if [ $# -lt 1 ]; then
	echo "usage: lk-cron.sh STATE_DIR [lk-sync options...]" >&2
	exit 64
fi
state=$1
shift
limit=${LK_CRON_TIMEOUT:-600}
envfile=${LK_CRON_ENV:-/etc/lk/env}

if [ -r "$envfile" ]; then
	set -a
	# shellcheck source=/dev/null
	. "$envfile"
	set +a
fi

mkdir -p "$state/.lk"
out=$(mktemp "${TMPDIR:-/tmp}/lk-cron.XXXXXX")
trap 'rm -f "$out"' EXIT

rc=0
flock -n -E 75 "$state/.lk/cron.lock" \
	timeout -k 30 "$limit" lk-sync -C "$state" -q "$@" >"$out" 2>&1 || rc=$?

# Everything goes to syslog, failures or not.
if [ -s "$out" ]; then
	logger -t lk -p user.notice <"$out" 2>/dev/null || true
fi
case $rc in
0 | 75)
	[ "$rc" -eq 0 ] || logger -t lk -p user.info "lk-sync -C $state: busy or temporary failure (exit 75); next run retries" 2>/dev/null || true
	exit "$rc"
	;;
124)
	echo "lk-cron: lk-sync -C $state took longer than ${limit}s and was stopped" >&2
	;;
1 | 2 | 3)
	echo "lk-cron: lk-sync -C $state: something needs a person (exit $rc; see lk-sync(1), EXIT STATUS):" >&2
	grep -h '^lk-sync: attention: ' "$out" >&2 || true
	;;
*)
	echo "lk-cron: lk-sync -C $state failed with exit $rc (see lk-sync(1), EXIT STATUS)" >&2
	;;
esac
logger -t lk -p user.err "lk-sync -C $state exited $rc" 2>/dev/null || true
echo "last messages (all of them: journalctl -t lk; run files: $state/.lk/runs/):" >&2
tail -n 40 "$out" >&2
exit "$rc"
