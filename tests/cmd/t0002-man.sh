#!/bin/sh
# Every command has a man page; its SYNOPSIS says what --help says; every
# page is clean under mandoc -Tlint.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

# Collapses whitespace into single spaces.
words() {
	tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# The SYNOPSIS of a page as plain words (overstrike bold removed).
man_synopsis() {
	mandoc -Tascii -O width=300 "$1" | sed 's/.\x08//g' |
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | words
}

# The usage lines of --help: up to the first blank line, without "usage: ".
help_synopsis() {
	"$1" --help | sed -n '1,/^$/p' | sed 's/^usage: //' | words
}

for bin in "$TOP"/cmd/lk-*; do
	case "$bin" in *.c) continue ;; esac
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	page="$TOP/man/$name.1"
	test_expect_success "$name has a man page" "test -f '$page'"
	[ -f "$page" ] || continue
	test_expect_success "$name: man SYNOPSIS matches --help" "
		man_synopsis '$page' >man.txt && help_synopsis '$bin' >help.txt &&
		test_cmp man.txt help.txt
	"
	test_expect_success "$name: --version names lk" "'$bin' --version | grep -q '^$name (lk) '"
done

for page in "$TOP"/man/*.[157]; do
	test_expect_success "$(basename "$page") is clean under mandoc -Tlint" "
		mandoc -Tlint -Wwarning '$page' >lint.txt 2>&1; test ! -s lint.txt || { cat lint.txt; false; }
	"
done

test_done
