#!/bin/sh
# The Debian package: tools/deb.sh (make deb) builds it and lintian finds
# no error; it installs on this machine with apt; systemd-analyze accepts
# its template units; the ExecStart of lk-sync@NAME.service, run the way
# systemd runs it (as user lk, with the unit's environment and umask),
# syncs an example state directory against the double; purging leaves
# the machine as it was.  Root only: it installs and removes a package.
# Runs one at a time on a machine (a lock), and not under make check:
# the package is built with Debian's flags, not the sanitizers.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

NAME=t0005
UNIT=/lib/systemd/system/lk-sync@.service
STATE=/var/lib/lk/$NAME
CREDS=/etc/lk/$NAME.json

if [ "$(id -u)" -ne 0 ]; then
	test_skip 'the Debian package' 'not root: installing a package needs root'
	test_done
fi
if [ -n "${LK_SANITIZED:-}" ]; then
	test_skip 'the Debian package' 'make check: the package is built without the sanitizers; make test runs this'
	test_done
fi

# One package test at a time on this machine: it installs lk system-wide.
exec 9>/run/lock/lk-deb-test.lock
flock 9
if dpkg-query -W -f='${Status}' lk 2>/dev/null | grep -q 'ok installed'; then
	test_skip 'the Debian package' 'lk is already installed here; the test will not replace it'
	test_done
fi
had_user=0
getent passwd lk >/dev/null && had_user=1

DOUBLE_DIR_SELF=$TOP/tests/double
export DOUBLE_DIR_SELF
# shellcheck source=tests/double/double.sh
. "$TOP/tests/double/double.sh"

cleanup() {
	double_stop
	rm -rf "$STATE" "$CREDS"
	if dpkg-query -W -f='${Status}' lk 2>/dev/null | grep -q 'installed'; then
		apt-get purge -y -q -o DPkg::Lock::Timeout=300 lk >"$TRASH/purge.log" 2>&1
	fi
	if [ "$had_user" = 0 ] && getent passwd lk >/dev/null; then
		deluser --system --quiet lk >/dev/null 2>&1
		getent group lk >/dev/null && delgroup --system --quiet lk >/dev/null 2>&1
	fi
	return 0
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM
double_start "$TRASH/double" --seed "$TOP/tests/double/seed-demo.json" --time-scale 0.01 --quiet ||
	exit 1

pkg=$TRASH/pkg
start=$(date +%s)
test_expect_success 'make deb builds the package, and lintian finds no error' '
	sh "$TOP/tools/deb.sh" "$pkg" >"$TRASH/deb.out" 2>&1 &&
	! grep "^E: " "$TRASH/deb.out" &&
	test -f "$pkg/lk_$(sed -n "s/^#define LK_VERSION \"\(.*\)\"$/\1/p" "$TOP/src/version.h")_$(dpkg --print-architecture).deb"
'
echo "# make deb took $(( $(date +%s) - start ))s; lintian said:"
grep -E "^[EWIP]: " "$TRASH/deb.out" | sed 's/^/#   /'
# shellcheck disable=SC2034 # the test bodies use it
deb=$(ls "$pkg"/lk_*.deb 2>/dev/null)

test_expect_success 'the package holds what make install installs, the units and the cron wrapper' '
	dpkg-deb -c "$deb" | awk "{ print \$6 }" >files &&
	for c in "$TOP"/cmd/lk-*.c; do
		test_grep files "./usr/bin/$(basename "$c" .c)" || return 1
	done &&
	for m in "$TOP"/man/*.[157]; do
		test_grep files "./usr/share/man/man${m##*.}/$(basename "$m").gz" || return 1
	done &&
	test_grep files ./lib/systemd/system/lk-sync@.service &&
	test_grep files ./lib/systemd/system/lk-sync@.timer &&
	test_grep files ./usr/libexec/lk/lk-cron.sh
'

test_expect_success 'it depends on the libraries it links, and on no build tool' '
	dpkg-deb -f "$deb" Depends | tr "," "\n" | sed "s/^ *//; s/ .*//" >deps &&
	for p in libcurl4 libgit2-1.5 libjansson4 libxml2 libcsv3 zlib1g adduser; do
		grep -x "$p" deps || { echo "no $p in Depends"; return 1; }
	done &&
	! grep -E -e "-dev$|^(gcc|make|pkg-config|debhelper)$" deps
'

test_expect_success 'debian/control builds with every library the Makefile links' '
	sed -n "/^Build-Depends:/,/^[A-Z]/p" "$TOP/debian/control" >bdeps &&
	for m in $(sed -n "s/^PKGS = //p" "$TOP/Makefile"); do
		p=$(dpkg -S "$(pkg-config --path "$m")" | sed "s/:.*//") &&
		test_grep bdeps "$p" || return 1
	done &&
	for l in $(sed -n "s/^LIBS = //p" "$TOP/Makefile"); do
		case $l in -lm|-lc|-l\$*|[!-]*) continue ;; -l*) ;; *) continue ;; esac
		p=$(dpkg -S "/usr/lib/$(gcc -print-multiarch)/lib${l#-l}.so" | sed "s/:.*//") &&
		test_grep bdeps "$p" || return 1
	done
'

test_expect_success 'apt installs it: user lk without a login shell, /var/lib/lk, /etc/lk' '
	apt-get install -y -q -o DPkg::Lock::Timeout=300 "$deb" >"$TRASH/install.log" 2>&1 &&
	test "$(getent passwd lk | cut -d: -f6,7)" = /var/lib/lk:/usr/sbin/nologin &&
	test "$(stat -c "%U:%G %a" /var/lib/lk)" = "lk:lk 750" &&
	test "$(stat -c "%U:%G %a" /etc/lk)" = "root:lk 750" &&
	test -x /usr/bin/lk-sync && test -f /usr/share/man/man7/lk.7.gz
'

test_expect_success 'systemd-analyze verifies the units; the sandbox exposure is at most 1.5' '
	systemd-analyze verify "lk-sync@$NAME.service" "lk-sync@$NAME.timer" >out 2>&1 &&
	test_cmp /dev/null out &&
	systemd-analyze security --offline=true --no-pager "lk-sync@$NAME.service" >sec 2>&1 &&
	grep "Overall exposure" sec | sed "s/^/# /" >&3 &&
	systemd-analyze security --offline=true --threshold=15 "lk-sync@$NAME.service" >/dev/null
' 3>&1

test_expect_success 'lk-state init, as lk, makes the state directory owned by lk and says what next' '
	runuser -u lk -- /usr/bin/lk-state init "$STATE" 2>err &&
	test_grep err "next steps" && test_grep err "lk-state -C $STATE check" &&
	test "$(stat -c %U "$STATE")" = lk &&
	test -z "$(find "$STATE" ! -user lk)"
'

# The example state of the demo, its channels pointing at the double and
# reading their secrets from the credentials file the package documents.
test_expect_success 'the example state, with a credentials file 0640 root:lk' '
	cp -R "$TOP/examples/state/." "$STATE/" && cp -R "$TOP/examples/feeds" "$STATE/feeds" &&
	for f in "$STATE"/channels/*.json; do
		sed -e "s|http://127.0.0.1:8080|$DOUBLE_URL|" \
		    -e "s|{\"env\": \"LK_DEMO_WB_TOKEN\"}|{\"file\": \"$CREDS\", \"key\": \"wb\"}|" \
		    -e "s|{\"env\": \"LK_DEMO_YM_TOKEN\"}|{\"file\": \"$CREDS\", \"key\": \"ym\"}|" \
		    -e "s|{\"env\": \"LK_DEMO_OZON_API_KEY\", \"client_id_env\": \"LK_DEMO_OZON_CLIENT_ID\"}|{\"file\": \"$CREDS\", \"key\": \"ozon\", \"client_id\": \"1001\"}|" \
		    "$f" >"$f.tmp" && mv "$f.tmp" "$f" || return 1
	done &&
	! grep -r LK_DEMO "$STATE/channels" &&
	chown -R lk:lk "$STATE" &&
	install -m 0640 -o root -g lk /dev/null "$CREDS" &&
	printf "{\"wb\": \"wb-test-token\", \"ozon\": \"ozon-test-key\", \"ym\": \"ym-test-key\"}\n" >"$CREDS" &&
	runuser -u lk -- /usr/bin/lk-state -C "$STATE" check &&
	runuser -u lk -- /usr/bin/lk-state -C "$STATE" commit -m "the demo channels" >/dev/null
'

# unit_key KEY: the values of KEY= in the installed unit, %i expanded.
unit_key() {
	sed -n "s/^$1=//p" "$UNIT" | sed "s/%i/$NAME/g"
}

held_wb() {
	double_ctl GET "/_double/stock?mp=wb&warehouse=507" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["by_sku"].get("507", {}).get(sys.argv[1], "-"))' "$1"
}

test_expect_success 'the unit'"'"'s ExecStart, run as systemd runs it, syncs as user lk' '
	user=$(unit_key User) && group=$(unit_key Group) && mask=$(unit_key UMask) &&
	test "$user" = lk && test "$group" = lk &&
	test "$(unit_key StateDirectory)" = "lk/$NAME" &&
	test "$(unit_key Environment)" = "LK_STATE_DIR=/var/lib/lk/$NAME" &&
	test ! -e "$(unit_key EnvironmentFile | sed "s/^-//")" &&
	exec_start=$(unit_key ExecStart) && test -n "$exec_start" &&
	home=$(getent passwd lk | cut -d: -f6) && shell=$(getent passwd lk | cut -d: -f7) &&
	(cd / && umask "$mask" &&
	 exec setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
		HOME="$home" USER="$user" LOGNAME="$user" SHELL="$shell" \
		$(unit_key Environment) $exec_start) >out 2>err &&
	grep -E "^wb +pushed +20 +20 +0 +0 +0 +0$" out && grep -E "^site +pushed +20 +20 +0 +0 +0 +0$" out &&
	test "$(held_wb SKU-0001)" = 6 && test "$(held_wb SKU-0009)" = 10 &&
	test -z "$(find "$STATE" ! -user lk)" &&
	test -s "$STATE/out/site-feed.xml" &&
	for s in wb-test-token ozon-test-key ym-test-key; do
		! grep -r -F -e "$s" out err "$STATE" || { echo "found $s"; return 1; }
	done
'

test_expect_success 'the cron wrapper, as lk: a run with nothing new prints nothing' '
	runuser -u lk -- /usr/libexec/lk/lk-cron.sh "$STATE" >out 2>&1 &&
	test_cmp /dev/null out &&
	test "$(held_wb SKU-0001)" = 6
'

test_expect_success 'purge removes the package and its empty folders' '
	rm -rf "$STATE" "$CREDS" &&
	apt-get purge -y -q -o DPkg::Lock::Timeout=300 lk >"$TRASH/purge.log" 2>&1 &&
	! dpkg-query -W -f="\${Status}" lk 2>/dev/null | grep -q installed &&
	test ! -e "$UNIT" && test ! -e /usr/bin/lk-sync &&
	test ! -e /var/lib/lk && test ! -e /etc/lk
'

test_done
