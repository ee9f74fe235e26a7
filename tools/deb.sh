#!/bin/sh
# make deb: builds the Debian package (debian/, debhelper) in a copy of the
# tree, so its hardened objects never mix with the developer's build, runs
# lintian on it (source and binary; any error fails), and leaves
# lk_VERSION_ARCH.deb in OUTDIR (default: the top of the tree).
# Usage: tools/deb.sh [OUTDIR]    LK_DEB_JOBS: parallel jobs (default 2)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(sed -n 's/^#define LK_VERSION "\(.*\)"$/\1/p' "$top/src/version.h")
[ -n "$version" ] || { echo "lk: no LK_VERSION in src/version.h" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lk-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

src="$work/lk-$version"
mkdir "$src"
cd "$top"
tar cf - --exclude=./.git --exclude=./bench/out --exclude=./tests/out \
	--exclude=./demo --exclude=./tests/fuzz/bin --exclude='./lk_*.deb' \
	--exclude='*.o' --exclude='*.a' --exclude='*.so' . | (cd "$src" && tar xf -)

# The version lives once, in src/version.h; the changelog is made from it.
maint=$(sed -n 's/^Maintainer: //p' debian/control)
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
cat >"$src/debian/changelog" <<END
lk ($version) unstable; urgency=medium

  * lk $version, built by make deb from the source tree.

 -- $maint  $when
END

cd "$src"
if ! dpkg-buildpackage -us -uc -j"${LK_DEB_JOBS:-2}" >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	echo "lk: dpkg-buildpackage failed (last lines above)" >&2
	exit 1
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="lk_${version}_$arch.deb"
echo "== lintian $deb and the source package"
lintian --fail-on error --display-info "$work/lk_${version}_$arch.changes"
cp "$work/$deb" "$out/"
echo "$out/$deb"
