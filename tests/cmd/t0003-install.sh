#!/bin/sh
# make install and make uninstall honour PREFIX and DESTDIR.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

test_expect_success 'install puts every command and page under DESTDIR/PREFIX' '
	make -s -C "$TOP" install DESTDIR="$PWD/root" PREFIX=/opt/lk >/dev/null &&
	for c in "$TOP"/cmd/lk-*.c; do
		n=$(basename "$c" .c) && test -x "root/opt/lk/bin/$n" || return 1
	done &&
	for m in "$TOP"/man/*.1; do
		test -f "root/opt/lk/share/man/man1/$(basename "$m")" || return 1
	done &&
	test -f root/opt/lk/share/man/man5/lk-records.5 &&
	test -f root/opt/lk/share/man/man7/lk.7 &&
	root/opt/lk/bin/lk-state --version | grep -q "^lk-state (lk) "
'

test_expect_success 'uninstall removes exactly what install put there' '
	make -s -C "$TOP" install DESTDIR="$PWD/root" PREFIX=/opt/lk >/dev/null &&
	mkdir -p root/opt/lk/bin && echo keep >root/opt/lk/bin/other &&
	make -s -C "$TOP" uninstall DESTDIR="$PWD/root" PREFIX=/opt/lk >/dev/null &&
	find root -type f >left && echo root/opt/lk/bin/other >want && test_cmp want left
'

test_done
