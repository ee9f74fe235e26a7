#!/bin/sh
# The parsed catalog kept in .lk/cache/catalog.bin (lk(7), .lk/): written
# by a clean parse that keeps every column (lk-sync's, lk-state check's)
# of a catalog.csv older than 2 s, mapped by the next command while
# catalog.csv keeps its key, never used for another version of the file;
# a damaged file is a miss.
# Test bodies are single-quoted and eval'ed later (git's style), so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t3-alloc-lib.sh
. "$(dirname "$0")/t3-alloc-lib.sh"

# the key lk_state_key() gives the file: device, inode, size, mtime, ctime
file_key() {
	python3 -c 'import os, sys
s = os.stat(sys.argv[1])
print("file %d %d %d %d.%09d %d.%09d" % (s.st_dev, s.st_ino, s.st_size,
    s.st_mtime_ns // 10**9, s.st_mtime_ns % 10**9, s.st_ctime_ns // 10**9, s.st_ctime_ns % 10**9))' "$1"
}

# set_key FILE KEY: the cache's key field (16 bytes in, 160 long) set to KEY
set_key() {
	python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
k = sys.argv[2].encode()
b[16:176] = k + bytes(160 - len(k))
open(sys.argv[1], "wb").write(b)' "$1" "$2"
}

# one state directory through the tests, as they change it in turn
S=$TRASH/st O=$TRASH/other R=$TRASH/rev

test_expect_success 'a catalog.csv changed within 2 s is parsed and not kept' '
	alloc_state "$S" &&
	stock_input | lk-alloc -C "$S" -n >"$TRASH"/want 2>err &&
	test ! -e "$S"/.lk/cache/catalog.bin &&
	test_grep "$TRASH"/want "\"channel\":\"half\",\"sku\":\"A1\",\"qty\":5"
'

test_expect_success 'an older one: a command keeping some columns does not keep it; lk-state check does' '
	sleep 2.1 &&
	stock_input | lk-alloc -C "$S" -n >out0 2>err &&
	test ! -e "$S"/.lk/cache/catalog.bin &&
	lk-state -C "$S" check 2>err &&
	test -s "$S"/.lk/cache/catalog.bin
'

test_expect_success 'the next commands map it: same output' '
	stock_input | lk-alloc -C "$S" -n >out1 2>err &&
	test "$(stat -c %a "$S"/.lk/cache/catalog.bin)" = 600 &&
	stock_input | lk-alloc -C "$S" -n >out2 2>err &&
	test_cmp "$TRASH"/want out1 && test_cmp "$TRASH"/want out2 &&
	cp "$S"/.lk/cache/catalog.bin "$TRASH"/by-check && rm "$S"/.lk/cache/catalog.bin &&
	lk-sync -C "$S" --print >/dev/null && cmp "$TRASH"/by-check "$S"/.lk/cache/catalog.bin
'

test_expect_success 'the cache is what the next run reads while the key holds' '
	alloc_state "$O" &&
	printf "sku,brand,category\nA1,acme,toys\nB1,other,food\n" >"$O"/catalog.csv &&
	git -C "$O" commit -qam "A2 gone" && sleep 2.1 &&
	mkdir -p "$O"/.lk/cache && cp "$S"/.lk/cache/catalog.bin "$O"/.lk/cache/ &&
	set_key "$O"/.lk/cache/catalog.bin "$(file_key "$O"/catalog.csv)" &&
	stock_input | lk-alloc -C "$O" -n >out 2>err &&
	test_grep out "\"channel\":\"half\",\"sku\":\"A2\"" &&
	rm "$O"/.lk/cache/catalog.bin &&
	stock_input | lk-alloc -C "$O" -n >out 2>err &&
	! grep -q "\"sku\":\"A2\"" out
'

test_expect_success 'a new catalog.csv of the same size is never read from the old cache' '
	printf "sku,brand,category\nA1,acme,toys\nA3,acme,toys\nB1,other,food\n" >"$S"/catalog.csv &&
	{ stock_input | sed "s/\"A2\"/\"A3\"/"; } | lk-alloc -C "$S" -n >out 2>err &&
	test_grep out "\"channel\":\"half\",\"sku\":\"A3\",\"qty\":1" &&
	sleep 2.1 && lk-state -C "$S" check &&
	{ stock_input | sed "s/\"A2\"/\"A3\"/"; } | lk-alloc -C "$S" -n >out2 2>err &&
	{ stock_input | sed "s/\"A2\"/\"A3\"/"; } | lk-alloc -C "$S" -n >out3 2>err &&
	test_cmp out out2 && test_cmp out out3 &&
	strings -n 2 "$S"/.lk/cache/catalog.bin | grep -q "^A3$"
'

test_expect_success 'a damaged cache is a miss: a cell past the strings, a cut file, garbage' '
	{ stock_input | sed "s/\"A2\"/\"A3\"/"; } >in &&
	lk-alloc -C "$S" -n <in >want 2>want.err &&
	cp "$S"/.lk/cache/catalog.bin good &&
	python3 -c "import sys
b = bytearray(open(sys.argv[1], \"rb\").read())
n = int.from_bytes(b[192:200], \"little\")  # names_len
cell = 216 + ((n + 7) & ~7)
b[cell:cell + 4] = b\"\\xff\\xff\\xff\\xff\"
open(sys.argv[1], \"wb\").write(b)" "$S"/.lk/cache/catalog.bin &&
	lk-alloc -C "$S" -n <in >out 2>err && test_cmp want out && test_cmp want.err err &&
	head -c 300 good >"$S"/.lk/cache/catalog.bin &&
	lk-alloc -C "$S" -n <in >out 2>err && test_cmp want out && test_cmp want.err err &&
	head -c 100000 /dev/urandom >"$S"/.lk/cache/catalog.bin &&
	lk-alloc -C "$S" -n <in >out 2>err && test_cmp want out && test_cmp want.err err
'

test_expect_success 'a catalog with a problem is reported every time, never kept' '
	rm -rf "$S"/.lk/cache &&
	printf "sku,brand,category\nA1,acme,toys\nA1,acme,toys\n" >"$S"/catalog.csv && sleep 2.1 &&
	test_expect_code 78 lk-state -C "$S" check 2>err1 &&
	test ! -e "$S"/.lk/cache/catalog.bin &&
	test_expect_code 78 lk-state -C "$S" check 2>err2 &&
	test_grep err2 "appears twice" && test_cmp err1 err2
'

test_expect_success 'at a revision the key is the blob id' '
	alloc_state "$R" &&
	stock_input | lk-alloc -C "$R" --rev HEAD -n >want 2>err &&
	lk-state -C "$R" check --rev HEAD &&
	strings "$R"/.lk/cache/catalog.bin | grep -q "^blob [0-9a-f]\{40\}$" &&
	stock_input | lk-alloc -C "$R" --rev HEAD -n >out 2>err && test_cmp want out &&
	printf "sku,brand,category\nA1,acme,toys\nB1,other,food\n" >"$R"/catalog.csv &&
	git -C "$R" commit -qam "A2 gone" && lk-state -C "$R" check --rev HEAD~1 &&
	stock_input | lk-alloc -C "$R" --rev HEAD -n >out 2>err &&
	! grep -q "\"sku\":\"A2\"" out &&
	stock_input | lk-alloc -C "$R" --rev HEAD~1 -n >out 2>err && test_cmp want out
'

test_done
