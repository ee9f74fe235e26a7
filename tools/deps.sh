#!/bin/sh
# Installs the Debian packages that lk's build, tests, benchmark, demo and
# package (make deb and its test: debhelper, lintian, systemd-analyze)
# need, when missing.  As root it runs apt-get; otherwise it prints the
# exact command and fails.  "deps.sh bench" adds the peers that only
# make bench compares with.
set -eu

pkgs="gcc make pkg-config libcurl4-openssl-dev libjansson-dev libxml2-dev
libcsv-dev libgit2-dev zlib1g-dev libzip-dev libgmime-3.0-dev mandoc shellcheck clang
libclang-rt-14-dev python3 python3-jsonschema python3-lxml curl git
openssl ca-certificates procps jq libxml2-utils time tzdata
build-essential debhelper lintian systemd prometheus"
if [ "${1:-}" = bench ]; then
	pkgs="$pkgs xlsx2csv python3-openpyxl"
fi

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "lk: missing Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "lk: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
