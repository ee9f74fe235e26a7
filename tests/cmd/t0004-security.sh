#!/bin/sh
# Security (lk(7), SECURITY): each test tries an attack and asserts the
# refusal or the untouched target.  Plain http with credentials, loose
# credentials files, outputs outside out/ and output_dirs, symlinks in
# .lk/ and out/, private modes.  Every command runs with its proxies
# pointed at a local trap (tests/lib/trap.py): a request to another
# machine would land there, so an empty trap log proves that nothing was
# sent, and nothing leaves 127.0.0.1 either way.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

start_server trap "$PY" "$TOP/tests/lib/trap.py" --log "$TRASH/trap.log" || exit 1
# shellcheck disable=SC2154 # trap_PORT: set by start_server
http_proxy=http://127.0.0.1:$trap_PORT
https_proxy=$http_proxy
HTTPS_PROXY=$http_proxy
ALL_PROXY=$http_proxy
no_proxy=
NO_PROXY=
export http_proxy https_proxy HTTPS_PROXY ALL_PROXY no_proxy NO_PROXY
# A far host: TEST-NET-1 (RFC 5737), never routed; the trap answers for it.
FAR=192.0.2.1

# untrapped: the trap saw no request since the test began (st empties it).
untrapped() {
	[ ! -s "$TRASH/trap.log" ] || { echo "trapped:"; cat "$TRASH/trap.log"; return 1; }
}
# trapped TEXT: the trap saw a request with TEXT.
trapped() {
	grep -F -q -e "$1" "$TRASH/trap.log"
}

# st: an initialised state directory with a feed source and a site feed.
st() {
	: >"$TRASH/trap.log" &&
	lk-state init -q s &&
	printf '<yml_catalog><shop><offers><offer id="A"><count>3</count></offer></offers></shop></yml_catalog>\n' >feed.xml &&
	echo "{\"kind\": \"yml\", \"url\": \"file://$PWD/feed.xml\"}" >s/sources/main.json &&
	printf 'sku\nA\n' >s/catalog.csv &&
	echo '{"marketplace": "yml", "output": "out/site.xml", "sources": ["main"]}' >s/channels/site.json &&
	echo '{"push": true}' >s/lk.json
}
mode() { stat -c %a "$1"; }
alloc() { echo '{"type":"alloc","channel":"site","sku":"A","qty":3}'; }

test_expect_success 'the trap catches what would leave: a public feed without credentials' '
	: >"$TRASH/trap.log" &&
	lk-fetch --retries 0 --url "http://$FAR/feed.xml" >/dev/null 2>&1;
	trapped "$FAR"
'

test_expect_success 'a channel with plain http to a far host: check and every sender refuse (78)' '
	st && LK_WB_TOKEN=secret-token && export LK_WB_TOKEN &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"base_url\": \"http://$FAR\", \"credentials\": {\"env\": \"LK_WB_TOKEN\"}, \"sources\": [\"main\"]}" >s/channels/wb.json &&
	test_expect_code 78 lk-state -C s check 2>err &&
	test_grep err "channels/wb.json: base_url: would send credentials in clear text to '"'$FAR'"'" &&
	echo "{\"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"A\",\"qty\":3}" >in &&
	test_expect_code 78 lk-push -C s in 2>err && test_grep err "channels/wb.json: base_url" &&
	test_expect_code 78 lk-reserve -C s </dev/null 2>err && test_grep err "channels/wb.json: base_url" &&
	test_expect_code 78 lk-sync -C s 2>err && test_grep err "channels/wb.json: base_url" &&
	! grep -r secret-token err s &&
	untrapped
'

test_expect_success 'https and loopback http are accepted' '
	st &&
	for u in "https://$FAR" http://127.0.0.1:9 http://127.7.7.7 http://localhost:9 "http://[::1]:9"; do
		echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"base_url\": \"$u\", \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >s/channels/wb.json &&
		lk-state -C s check >/dev/null || return 1
	done &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"base_url\": \"http://127.0.0.1.$FAR\", \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >s/channels/wb.json &&
	test_expect_code 78 lk-state -C s check 2>err && test_grep err "base_url: would send" &&
	untrapped
'

test_expect_success 'a source sending credentials over plain http, ftp or imap is refused (78)' '
	st && LK_PW=pw && export LK_PW &&
	echo "{\"kind\": \"yml\", \"url\": \"http://$FAR/f.xml\", \"user\": \"u\", \"credentials\": {\"env\": \"LK_PW\"}}" >s/sources/main.json &&
	test_expect_code 78 lk-state -C s check 2>err && test_grep err "sources/main.json: url: would send credentials" &&
	test_expect_code 78 lk-fetch -C s main 2>err && test_grep err "sources/main.json: url" &&
	echo "{\"kind\": \"yml\", \"url\": \"ftp://$FAR/f.xml\", \"user\": \"u\", \"credentials\": {\"env\": \"LK_PW\"}}" >s/sources/main.json &&
	test_expect_code 78 lk-fetch -C s main 2>err && test_grep err "sources/main.json: url" &&
	echo "{\"kind\": \"yml\", \"url\": \"http://u:pw@$FAR/f.xml\"}" >s/sources/main.json &&
	test_expect_code 78 lk-fetch -C s main 2>err && test_grep err "sources/main.json: url" &&
	test_expect_code 78 lk-fetch --url "http://u:pw@$FAR/f.xml" 2>err && test_grep err "clear text" &&
	! grep -F ":pw@" err &&
	echo "{\"kind\": \"email\", \"imap_url\": \"imap://$FAR/INBOX\", \"format\": \"csv\", \"user\": \"u\", \"credentials\": {\"env\": \"LK_PW\"}}" >s/sources/main.json &&
	test_expect_code 78 lk-fetch -C s main 2>err && test_grep err "sources/main.json: imap_url" &&
	untrapped
'

test_expect_success 'a credentials file others can read is refused (78) with the chmod that fixes it' '
	st && printf "{\"token\": \"sekret\"}\n" >cred.json &&
	echo "{\"kind\": \"yml\", \"url\": \"https://$FAR/f.xml\", \"user\": \"u\", \"credentials\": {\"file\": \"$PWD/cred.json\", \"key\": \"token\"}}" >s/sources/main.json &&
	for m in 644 640 604 660 666; do
		chmod $m cred.json &&
		test_expect_code 78 lk-fetch --retries 0 -C s main 2>err &&
		test_grep err "$PWD/cred.json" && test_grep err "chmod 600" &&
		test_expect_code 78 lk-state -C s check 2>err &&
		test_grep err "sources/main.json: credentials: credentials file '"'"'$PWD/cred.json'"'"'" &&
		test_grep err "chmod 600" &&
		! grep sekret err && untrapped || return 1
	done &&
	chmod 600 cred.json && lk-state -C s check >/dev/null && lk-fetch --retries 0 -C s main >/dev/null 2>err;
	test $? -ne 78 && trapped "CONNECT $FAR"
'

test_expect_success 'a marketplace token file others can read is refused by lk-push (78)' '
	st && printf "sekret\n" >tok && chmod 644 tok &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"base_url\": \"https://$FAR\", \"credentials\": {\"file\": \"$PWD/tok\"}, \"sources\": [\"main\"]}" >s/channels/wb.json &&
	echo "{\"type\":\"alloc\",\"channel\":\"wb\",\"sku\":\"A\",\"qty\":3}" >in &&
	test_expect_code 78 lk-push -C s in >out 2>err &&
	test_grep err "$PWD/tok" && test_grep err "chmod 600" && ! grep -r sekret err out s &&
	untrapped
'

test_expect_success 'outputs outside out/ and output_dirs are refused by check and lk-push (78)' '
	st && echo victim >victim && git -C s config --get core.bare >/dev/null &&
	cp s/.git/config gitconfig &&
	for o in .git/config lk.json catalog.csv /etc/passwd ../../../../tmp/x.xml \
	    out/../lk.json ../victim "$PWD/victim" site.xml out/ .lk/lock; do
		echo "{\"marketplace\": \"yml\", \"output\": \"$o\", \"sources\": [\"main\"]}" >s/channels/site.json &&
		test_expect_code 78 lk-state -C s check 2>err &&
		test_grep err "channels/site.json: output: " &&
		alloc | test_expect_code 78 lk-push -C s 2>err || return 1
	done &&
	echo victim >want && test_cmp want victim && test_cmp gitconfig s/.git/config &&
	git -C s status >/dev/null
'

test_expect_success 'out/ is created on demand, the feed is 0644 and git-ignored' '
	st && test ! -e s/out &&
	alloc | lk-push -C s >/dev/null &&
	grep -q "<count>3</count>" s/out/site.xml && test "$(mode s/out/site.xml)" = 644 &&
	grep -qx "out/" s/.gitignore && test -z "$(git -C s status --porcelain --ignored=no | grep out)"
'

test_expect_success 'lk-state commit never commits out/, even when .gitignore lacks it' '
	st && echo ".lk/" >s/.gitignore &&
	alloc | lk-push -C s >/dev/null && test -f s/out/site.xml &&
	mkdir -p s/out/sub && echo x >s/out/sub/y &&
	lk-state -C s commit -q -m "config" &&
	test -z "$(git -C s ls-tree -r --name-only HEAD | grep -e "^out/" -e "^\.lk/")" &&
	git -C s ls-tree -r --name-only HEAD | grep -qx channels/site.json
'

test_expect_success 'output_dirs: an absolute folder outside the state directory' '
	st && mkdir www &&
	echo "{\"push\": true, \"output_dirs\": [\"$PWD/www\"]}" >s/lk.json &&
	echo "{\"marketplace\": \"yml\", \"output\": \"$PWD/www/shop/feed.xml\", \"sources\": [\"main\"]}" >s/channels/site.json &&
	lk-state -C s check >/dev/null && alloc | lk-push -C s >/dev/null && grep -q "<count>3</count>" www/shop/feed.xml &&
	echo "{\"marketplace\": \"yml\", \"output\": \"$PWD/www/../victim\", \"sources\": [\"main\"]}" >s/channels/site.json &&
	test_expect_code 78 lk-state -C s check 2>err && test_grep err "www/../victim'"'"' has a '"'..'"' component" &&
	for d in "$PWD/s" "$PWD/s/.git" "$PWD" / www; do
		echo "{\"push\": true, \"output_dirs\": [\"$d\"]}" >s/lk.json &&
		test_expect_code 78 lk-state -C s check 2>err && test_grep err "lk.json: output_dirs: " || return 1
	done
'

test_expect_success 'a symlink as the output is replaced, never written through; a symlinked out/ is refused' '
	st && echo victim >victim && mkdir -p s/out && ln -s ../../victim s/out/site.xml &&
	alloc | lk-push -C s >/dev/null &&
	test ! -L s/out/site.xml && grep -q "<count>3</count>" s/out/site.xml &&
	echo victim >want && test_cmp want victim &&
	rm -r s/out && mkdir elsewhere && ln -s ../elsewhere s/out &&
	alloc | test_expect_code 73 lk-push -C s 2>err &&
	test_grep err "symlink" && test -z "$(ls elsewhere)"
'

test_expect_success '.lk/ is 0700, its files 0600, a wider .lk/ is narrowed' '
	st && mkdir -p s/.lk && chmod 755 s/.lk &&
	alloc | lk-push -C s >/dev/null &&
	test "$(mode s/.lk)" = 700 && test "$(mode s/.lk/lock)" = 600 &&
	test "$(mode s/.lk/push.log)" = 600 &&
	test -z "$(find s/.lk -type d ! -perm 700)" && test -z "$(find s/.lk -type f ! -perm 600)"
'

test_expect_success 'symlinks in .lk/ are never followed: lock, push.log, the folder itself' '
	st && echo victim >victim && echo victim >want && mkdir -p s/.lk &&
	ln -s ../../victim s/.lk/lock &&
	alloc | test_expect_code 73 lk-push -C s 2>err && test_cmp want victim &&
	rm s/.lk/lock && ln -s ../../victim s/.lk/push.log &&
	alloc | lk-push -C s >/dev/null 2>err; test_cmp want victim &&
	rm -r s/.lk && mkdir elsewhere && ln -s ../elsewhere s/.lk &&
	alloc | test_expect_code 73 lk-push -C s 2>err &&
	test -z "$(ls elsewhere)"
'

test_expect_success 'run data is not read through a symlink either: a planted ledger' '
	st && mkdir -p s/.lk &&
	printf "{\"kind\":\"order\",\"note\":\"TOPSECRET\"}\n" >victim &&
	ln -s ../../victim s/.lk/reserve.ndjson &&
	test_must_fail lk-reserve -C s --list >out 2>err &&
	test_grep err "reserve.ndjson" && test_grep err "symbolic links" && ! grep -r TOPSECRET out err
'

test_expect_success 'fetched bodies are 0600, a file:// copy and a whole lk-sync run folder too' '
	st && chmod 644 feed.xml &&
	lk-fetch -C s -o body main && test "$(mode body)" = 600 &&
	lk-sync -C s -q &&
	test -n "$(find s/.lk/runs -type f -name "*main*")" &&
	test -z "$(find s/.lk -type f ! -perm 600)" && test -z "$(find s/.lk -type d ! -perm 700)" &&
	untrapped
'

test_expect_success 'a parse error quotes at most 40 bytes of what it read, control characters escaped' '
	st && printf "root:\$6\$saltsalt\$HASHhashHASHhashHASHhashHASHhashHASHhash:19000:0:99999:7:::\n" >shadow &&
	chmod 600 shadow &&
	echo "{\"kind\": \"csv\", \"url\": \"file://$PWD/shadow\"}" >s/sources/main.json &&
	lk-fetch -C s -o body main && test "$(mode body)" = 600 &&
	test_expect_code 65 lk-parse-csv body >/dev/null 2>err &&
	test_grep err "(root:" && ! grep -F "HASHhash:19000" err &&
	printf "sku,qty\nA,12x\033[31mRED\n" >bad.csv &&
	lk-parse-csv bad.csv >/dev/null 2>err;
	test_grep err "12x\\x1B[31mRED" && ! grep -q "$(printf "\033")" err
'

test_done
