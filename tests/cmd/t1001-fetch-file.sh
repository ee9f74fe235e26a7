#!/bin/sh
# lk-fetch of local files: a path, a file:// URL, and a relative path in a
# source config, which is taken from the state directory wherever lk-fetch
# runs from.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

mkstate() {
	lk-state init st >/dev/null 2>&1 &&
	mkdir -p st/feeds && printf 'sku;qty\nA;1\n' >st/feeds/price.csv &&
	echo '{"kind": "csv", "url": "feeds/price.csv"}' >st/sources/rel.json &&
	echo "{\"kind\": \"csv\", \"url\": \"file://$PWD/st/feeds/price.csv\"}" >st/sources/abs.json
}

test_expect_success 'a relative source path is read from the state directory' '
	mkstate && mkdir elsewhere && cd elsewhere &&
	lk-fetch -C ../st rel >out &&
	printf "sku;qty\nA;1\n" >want && test_cmp want out
'

test_expect_success 'a file:// URL and a plain path give the same bytes' '
	mkstate &&
	lk-fetch -C st abs >a &&
	lk-fetch --url "$PWD/st/feeds/price.csv" >b &&
	test_cmp a b && test_cmp st/feeds/price.csv a
'

test_expect_success 'a missing file fails with its name, and -o leaves no file' '
	mkstate && rm st/feeds/price.csv &&
	test_must_fail lk-fetch -C st -o got rel 2>err &&
	test_grep err "price.csv" && test ! -e got
'

test_expect_success '-o gives the file the source file'"'"'s time' '
	mkstate && touch -d 2026-11-27T01:02:03Z st/feeds/price.csv &&
	lk-fetch -C st -o got rel &&
	test "$(date -u -r got +%Y-%m-%dT%H:%M:%SZ)" = 2026-11-27T01:02:03Z
'

test_done
