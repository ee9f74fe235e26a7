#!/bin/sh
# lk-fetch --reuse / --keep: a source unchanged since the read whose
# records were kept is not read again (a conditional GET answered 304 by
# tests/lib/httpd.py on 127.0.0.1, or a local file with the same
# identity); a changed, touched or rewritten source is; a failed fetch
# after a skip fails and keeps nothing from the kept records.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

ROOT=$TRASH/www
F=$TRASH/files
mkdir -p "$ROOT" "$F"
for n in 1 2 3 4 5 6 7; do
	{ echo "sku;qty"; seq 1 2000 | sed 's/.*/S&;&/'; } >"$F/f$n.csv"
done
cp "$F/f1.csv" "$ROOT/feed.csv"
cp "$F/f1.csv" "$ROOT/gone.csv"
# A file changed within 2 s of its read is not recorded (its change could
# hide in the timestamps' tick): the files above must be older than that.
sleep 3
start_server H "$PY" "$TOP/tests/lib/httpd.py" --root "$ROOT" --log "$TRASH/http.log" || exit 1
U=http://127.0.0.1:$H_PORT

# src NAME URL: a csv source in ./s
src() {
	mkstate s && printf '{"kind": "csv", "url": "%s", "delimiter": ";", "qty": "qty"}\n' "$2" \
	    >"s/sources/$1.json"
}

# read_full NAME: fetch with --reuse, parse, keep, as lk-sync does;
# ./body and ./recs are this read's
read_once() {
	rm -f body recs &&
	lk-fetch -C s -o body --reuse recs "$1" 2>fetch.err &&
	if test -f body; then
		lk-parse-csv -C s --source "$1" body >recs && lk-fetch -C s --keep recs "$1" 2>keep.err
	fi
}

test_expect_success 'http: a read kept, then a conditional GET answered 304 reuses it' '
	src feed "$U/f/feed.csv" &&
	read_once feed && test -f body && cp recs first &&
	test_grep keep.err "kept for the next read" &&
	n=$(grep -c "If-None-Match" "$TRASH/http.log" || :) &&
	read_once feed &&
	test ! -e body && test_cmp first recs &&
	test "$(grep -c "If-None-Match" "$TRASH/http.log")" = $((n + 1)) &&
	test_grep fetch.err "unchanged since the read of" &&
	test_grep fetch.err "(HTTP 304 Not Modified)" &&
	test_grep fetch.err "not read again"
'

test_expect_success 'http: the reused sentinel keeps the production time of the read' '
	src feed "$U/f/feed.csv" &&
	touch -d 2026-11-27T01:02:03Z "$ROOT/feed.csv" &&
	read_once feed && read_once feed && test ! -e body &&
	tail -n 1 recs | jq -e ".produced == \"2026-11-27T01:02:03Z\" and .status == \"complete\""
'

test_expect_success 'http: a changed file is read in full, and kept anew' '
	cp "$F/f1.csv" "$ROOT/changing.csv" &&
	src feed "$U/f/changing.csv" &&
	read_once feed && read_once feed && test ! -e body &&
	echo "S9999;5" >>"$ROOT/changing.csv" &&
	read_once feed && test -f body && test_cmp "$ROOT/changing.csv" body &&
	grep -q "\"sku\":\"S9999\"" recs &&
	read_once feed && test ! -e body && grep -q "\"sku\":\"S9999\"" recs
'

test_expect_success 'http: a failed fetch after a skip fails; the kept read serves once it is back' '
	src feed "$U/f/gone.csv" &&
	read_once feed && cp recs first && read_once feed && test ! -e body &&
	mv "$ROOT/gone.csv" "$ROOT/gone.away" &&
	echo "a run file edited by hand is a copy" >recs &&
	test_expect_code 69 lk-fetch -C s -o body --reuse recs feed 2>err &&
	test ! -e body && test ! -e recs && test_grep err "404" &&
	mv "$ROOT/gone.away" "$ROOT/gone.csv" &&
	read_once feed && test ! -e body && test_cmp first recs
'

test_expect_success 'http: without --reuse a 304 still replays the body' '
	src feed "$U/f/feed.csv" &&
	read_once feed && lk-fetch -C s feed >out 2>err &&
	test_cmp "$ROOT/feed.csv" out && test_grep err "not modified"
'

test_expect_success 'file: unchanged (size, times, inode): not read again' '
	src f "$F/f1.csv" &&
	read_once f && test -f body && cp recs first &&
	read_once f && test ! -e body && test_cmp first recs &&
	test_grep fetch.err "same size, times and inode" &&
	test "$(stat -c %a s/.lk/fetch/f.ndjson)" = 600
'

test_expect_success 'file: touched, same bytes: read again, with the new production time' '
	src f "$F/f2.csv" &&
	read_once f && read_once f && test ! -e body &&
	touch -d 2026-11-28T00:00:00Z "$F/f2.csv" &&
	read_once f && test -f body && test_cmp "$F/f2.csv" body &&
	tail -n 1 recs | jq -e ".produced == \"2026-11-28T00:00:00Z\""
'

test_expect_success 'file: rewritten in place, same size: read again' '
	src f "$F/f3.csv" &&
	read_once f && read_once f && test ! -e body &&
	sed -i.bak "s/^S5;5$/S5;6/" "$F/f3.csv" &&
	read_once f && test -f body && grep -q "\"sku\":\"S5\",\"source\":\"f\",\"qty\":6" recs
'

test_expect_success 'file: replaced by rename (another inode): read again' '
	src f "$F/f4.csv" &&
	read_once f && read_once f && test ! -e body &&
	cp -p "$F/f4.csv" "$F/f4.new" && mv "$F/f4.new" "$F/f4.csv" &&
	read_once f && test -f body
'

test_expect_success 'a changed source configuration: read again' '
	src f "$F/f5.csv" &&
	read_once f && read_once f && test ! -e body &&
	printf "{\"kind\": \"csv\", \"url\": \"%s\", \"delimiter\": \";\", \"qty\": \"qty\", \"max_drop\": \"90%%\"}\n" \
	    "$F/f5.csv" >s/sources/f.json &&
	read_once f && test -f body
'

test_expect_success 'kept records cut or written to are not reused' '
	src f "$F/f6.csv" &&
	read_once f && read_once f && test ! -e body &&
	rm recs && echo "{}" >>s/.lk/fetch/f.ndjson &&
	read_once f && test -f body &&
	read_once f && test ! -e body
'

test_expect_success '--no-cache reads in full' '
	src f "$F/f7.csv" &&
	read_once f && read_once f && test ! -e body &&
	lk-fetch -C s -o body --no-cache --reuse recs f && test -f body
'

test_expect_success 'a file changed just before its read is not recorded: read again next time' '
	cp "$F/f1.csv" fresh.csv &&
	src f "$PWD/fresh.csv" &&
	read_once f && test -f body && read_once f && test -f body
'

test_expect_success '--keep keeps nothing of a failed read' '
	src f "$F/f1.csv" &&
	read_once f && read_once f && test ! -e body &&
	printf "%s\n" "{\"type\":\"source\",\"source\":\"f\",\"status\":\"failed\",\"error\":\"x\"}" >bad &&
	lk-fetch -C s --keep bad f 2>err && test_grep err "nothing kept" &&
	test ! -e s/.lk/fetch/f.ndjson && test ! -e s/.lk/fetch/f.kept.json &&
	read_once f && test -f body
'

test_expect_success 'usage: --reuse and --keep need a source' '
	test_expect_code 64 lk-fetch --url "$U/f/feed.csv" --reuse x 2>err &&
	test_expect_code 64 lk-fetch --keep x 2>err
'

test_done
