#!/bin/sh
# make bench: runs every benchmark part bench/*.sh (except this file) and
# prints its figures.  Data is generated into bench/out/ (not versioned).
# Figures are measurements, not pass/fail tests: a part prints its targets
# beside what it measured.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
PATH="$top/cmd:$PATH"
export PATH
mkdir -p bench/out
echo "lk benchmark on $(uname -m), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
rc=0
for part in bench/*.sh; do
	[ "$part" = bench/run.sh ] && continue
	echo
	echo "== $(basename "$part" .sh)"
	sh "$part" || { echo "($part failed with status $?)"; rc=1; }
done
exit $rc
