#!/bin/sh
# lk-fetch over HTTP and HTTPS against tests/lib/httpd.py on 127.0.0.1:
# redirects, conditional GET with the body cache, gzip, retries with
# Retry-After, timeouts, a cut connection, the size limit, TLS.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

ROOT=$TRASH/www
mkdir -p "$ROOT"
seq 1 50000 >"$ROOT/feed.csv"
start_server H "$PY" "$TOP/tests/lib/httpd.py" --root "$ROOT" --log "$TRASH/http.log" || exit 1
U=http://127.0.0.1:$H_PORT

# requests seen by the server for a path (substring)
hits() { grep -c "\"path\": \"$1" "$TRASH/http.log"; }

test_expect_success 'a plain download is byte for byte the file' '
	lk-fetch --url "$U/f/feed.csv" >out &&
	test_cmp "$ROOT/feed.csv" out
'

test_expect_success 'the User-Agent names lk and its version' '
	lk-fetch --url "$U/f/feed.csv?ua" >/dev/null &&
	v=$(lk-fetch --version | sed "s/.* //") &&
	grep "feed.csv?ua" "$TRASH/http.log" | grep -F "\"User-Agent\": \"lk/$v\""
'

test_expect_success 'redirects are followed (a Google Sheets export answers 302)' '
	lk-fetch --url "$U/redirect/3/f/feed.csv" >out &&
	test_cmp "$ROOT/feed.csv" out
'

test_expect_success 'too many redirects are refused (69), nothing written' '
	test_expect_code 69 lk-fetch --url "$U/redirect/9/f/feed.csv" >out 2>err &&
	test ! -s out && test_grep err "redirect"
'

test_expect_success 'gzip transfer encoding is decoded' '
	lk-fetch --url "$U/f/feed.csv?gzip=1" >out &&
	test_cmp "$ROOT/feed.csv" out &&
	grep "gzip=1" "$TRASH/http.log" | grep -q "Accept-Encoding.*gzip"
'

test_expect_success '503 twice then 200: retried, the whole body once' '
	lk-fetch --url "$U/flaky/a/2/503/f/feed.csv" >out 2>err &&
	test_cmp "$ROOT/feed.csv" out &&
	test "$(hits /flaky/a/)" = 3 &&
	test "$(grep -c "HTTP 503; retrying" err)" = 2
'

test_expect_success '429 with Retry-After: waits as told, then 200' '
	lk-fetch --url "$U/flaky/b/1/429/f/feed.csv?ra=7" >out 2>err &&
	test_cmp "$ROOT/feed.csv" out &&
	test_grep err "HTTP 429; retrying in 7000 ms"
'

test_expect_success 'retries used up: 75, nothing written' '
	test_expect_code 75 lk-fetch --retries 2 --url "$U/flaky/c/9/503/f/feed.csv" >out 2>err &&
	test ! -s out && test "$(hits /flaky/c/)" = 3 && test_grep err "retries used up"
'

test_expect_success 'a 404 is a refusal (69) and is not retried' '
	test_expect_code 69 lk-fetch --url "$U/status/404" >out 2>err &&
	test ! -s out && test "$(hits /status/404)" = 1 && test_grep err "HTTP 404"
'

test_expect_success 'a stalled server times out: 75, with the reason' '
	test_expect_code 75 lk-fetch --timeout 1 --retries 0 --url "$U/stall/100" >out 2>err &&
	test_grep err "timed out" && test_grep err "incomplete"
'

test_expect_success 'a cut connection: non-zero, stderr says the output is incomplete' '
	test_expect_code 75 lk-fetch --url "$U/cut/5000" >out 2>err &&
	test "$(wc -c <out)" -le 5000 &&
	test_grep err "transfer failed after" && test_grep err "incomplete" &&
	test "$(hits /cut/5000)" = 1
'

test_expect_success 'a cut connection with --output: the file is not created' '
	test_expect_code 75 lk-fetch -o got.csv --url "$U/cut/5000" 2>err &&
	test ! -e got.csv && test -z "$(ls -a | grep got)"
'

test_expect_success 'a cut connection with --output keeps the previous complete file' '
	echo old >got.csv &&
	test_expect_code 75 lk-fetch -o got.csv --url "$U/cut/5000" 2>err &&
	test "$(cat got.csv)" = old
'

test_expect_success '--output writes the complete file' '
	lk-fetch -o got.csv --url "$U/f/feed.csv" >stdout &&
	test_cmp "$ROOT/feed.csv" got.csv && test ! -s stdout
'

test_expect_success 'oversize with Content-Length: refused before any byte (69)' '
	test_expect_code 69 lk-fetch --max-size 1000 --url "$U/f/feed.csv" >out 2>err &&
	test ! -s out && test_grep err "larger than 1000 bytes"
'

test_expect_success 'oversize while streaming (chunked): stopped at the limit' '
	test_expect_code 69 lk-fetch --max-size 300000 --url "$U/gen/2000000?chunked=1" >out 2>err &&
	test "$(wc -c <out)" -le 300000 && test_grep err "larger than 300000 bytes"
'

test_expect_success 'a connection refused is temporary (75)' '
	"$PY" -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])" >port &&
	test_expect_code 75 lk-fetch --retries 0 --url "http://127.0.0.1:$(cat port)/x" >out 2>err &&
	test ! -s out
'

test_expect_success 'a local file and a file:// URL' '
	lk-fetch --url "$ROOT/feed.csv" >out1 &&
	lk-fetch --url "file://$ROOT/feed.csv" >out2 &&
	test_cmp "$ROOT/feed.csv" out1 && test_cmp "$ROOT/feed.csv" out2 &&
	test_expect_code 66 lk-fetch --url "$ROOT/missing.csv" 2>err && test_grep err missing.csv
'

test_expect_success 'an unsupported scheme is a configuration error (78)' '
	test_expect_code 78 lk-fetch --url "gopher://127.0.0.1/x" 2>err
'

test_expect_success 'credentials in a URL never reach stderr' '
	test_expect_code 69 lk-fetch --url "http://bob:hunter2@127.0.0.1:$H_PORT/status/403?token=s3cr3t" 2>err &&
	! grep -e hunter2 -e s3cr3t -e bob err && test_grep err "HTTP 403"
'

# --- a source from the state directory: conditional GET and the body cache
mksrc() {
	mkstate s && cat >s/sources/feed.json <<-EOF
	{"kind": "csv", "url": "$1"}
	EOF
}

test_expect_success 'a source is fetched; ETag and body are remembered' '
	mksrc "$U/f/feed.csv" &&
	lk-fetch -C s feed >out &&
	test_cmp "$ROOT/feed.csv" out &&
	test_cmp "$ROOT/feed.csv" s/.lk/fetch/feed.body &&
	jq -e ".etag and .last_modified and .url == \"$U/f/feed.csv\"" s/.lk/fetch/feed.json
'

test_expect_success 'a source with "retries": 0 is not retried; without it, it is' '
	mkstate s && cat >s/sources/feed.json <<-EOF &&
	{"kind": "csv", "url": "$U/flaky/r0/1/503/f/feed.csv", "retries": 0}
	EOF
	test_expect_code 75 lk-fetch -C s feed >out 2>err &&
	test "$(hits /flaky/r0/)" = 1 &&
	cat >s/sources/feed.json <<-EOF &&
	{"kind": "csv", "url": "$U/flaky/r1/1/503/f/feed.csv"}
	EOF
	lk-fetch -C s feed >out 2>err && test "$(hits /flaky/r1/)" = 2
'

test_expect_success '-o gives the file the Last-Modified time, also when a 304 replays it' '
	mksrc "$U/f/feed.csv" &&
	touch -d 2026-11-27T01:02:03Z "$ROOT/feed.csv" &&
	lk-fetch -C s -o got feed &&
	test "$(date -u -r got +%Y-%m-%dT%H:%M:%SZ)" = 2026-11-27T01:02:03Z &&
	lk-fetch -C s -o got2 feed &&
	test "$(date -u -r got2 +%Y-%m-%dT%H:%M:%SZ)" = 2026-11-27T01:02:03Z
'

test_expect_success '304: the last complete body is replayed' '
	mksrc "$U/f/feed.csv" &&
	lk-fetch -C s feed >out1 &&
	n=$(grep -c "If-None-Match" "$TRASH/http.log" || :) &&
	lk-fetch -C s feed >out2 2>err &&
	test_cmp "$ROOT/feed.csv" out2 &&
	test "$(grep -c "If-None-Match" "$TRASH/http.log")" = $((n + 1)) &&
	test_grep err "not modified"
'

test_expect_success 'a changed file is downloaded again and the cache refreshed' '
	cp "$ROOT/feed.csv" "$ROOT/feed2.csv" &&
	mksrc "$U/f/feed2.csv" &&
	lk-fetch -C s feed >/dev/null &&
	echo 50001 >>"$ROOT/feed2.csv" &&
	lk-fetch -C s feed >out &&
	test_cmp "$ROOT/feed2.csv" out && test_cmp "$ROOT/feed2.csv" s/.lk/fetch/feed.body
'

test_expect_success '--no-cache sends no validators' '
	mksrc "$U/f/feed.csv?nc" &&
	lk-fetch -C s feed >/dev/null && lk-fetch -C s --no-cache feed >out &&
	test_cmp "$ROOT/feed.csv" out &&
	test "$(grep "feed.csv?nc" "$TRASH/http.log" | grep -c If-None-Match)" = 0
'

test_expect_success 'a failed download leaves the cached body as it was' '
	mksrc "$U/f/feed.csv" &&
	lk-fetch -C s feed >/dev/null &&
	cp s/.lk/fetch/feed.json meta.before &&
	mksrc "$U/cut/4000" &&
	test_expect_code 75 lk-fetch -C s feed >/dev/null 2>err &&
	test_cmp "$ROOT/feed.csv" s/.lk/fetch/feed.body &&
	test_cmp meta.before s/.lk/fetch/feed.json &&
	test -z "$(ls s/.lk/http | grep tmp)"
'

test_expect_success 'an unknown source is a configuration error (78)' '
	mkstate s && test_expect_code 78 lk-fetch -C s nosuch 2>err && test_grep err nosuch
'

test_expect_success 'basic auth from the credentials; the password is never printed' '
	mkstate s && cat >s/sources/auth.json <<-EOF &&
	{"kind": "csv", "url": "$U/status/401", "user": "bob", "credentials": {"env": "LK_T_PW"}}
	EOF
	LK_T_PW=pa55word test_expect_code 69 lk-fetch -C s auth >out 2>err &&
	! grep -e pa55word err &&
	grep "/status/401" "$TRASH/http.log" | grep -q "Authorization.*Basic Ym9iOnBhNTV3b3Jk"
'

# --- TLS
CERT=$TRASH/cert.pem KEY=$TRASH/key.pem
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >"$TRASH/openssl.log" 2>&1 &&
	start_server S "$PY" "$TOP/tests/lib/httpd.py" --root "$ROOT" --tls-cert "$CERT" --tls-key "$KEY"; then
	test_expect_success 'a self-signed certificate is refused (69), nothing written' '
		test_expect_code 69 lk-fetch --url "https://127.0.0.1:$S_PORT/f/feed.csv" >out 2>err &&
		test ! -s out && test_grep err "certificate"
	'
	test_expect_success 'and accepted with the configured CA file' '
		lk-fetch --ca-file "$CERT" --url "https://127.0.0.1:$S_PORT/f/feed.csv" >out &&
		test_cmp "$ROOT/feed.csv" out
	'
	test_expect_success 'ca_file in the source config' '
		mkstate s && cat >s/sources/tls.json <<-EOF &&
		{"kind": "csv", "url": "https://127.0.0.1:$S_PORT/f/feed.csv", "ca_file": "$CERT"}
		EOF
		lk-fetch -C s tls >out && test_cmp "$ROOT/feed.csv" out
	'
else
	test_skip 'TLS tests' 'openssl could not make a certificate'
fi

test_expect_success 'usage errors are 64' '
	test_expect_code 64 lk-fetch 2>err &&
	test_expect_code 64 lk-fetch --url x --orders y 2>err &&
	test_expect_code 64 lk-fetch --retries many --url x 2>err
'

test_done
