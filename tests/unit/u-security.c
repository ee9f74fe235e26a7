/*
 * The security helpers, attacked directly: lk_excerpt() (messages quote
 * outside input short and inert), lk_http_cleartext_remote() and the
 * request-time refusal of a secret header over plain http, and
 * lk_output_where() (a file channel's output stays in out/ or
 * output_dirs).  A request the guard should stop goes to a closed port
 * on 127.0.0.1 through http_proxy, so a broken guard fails the test
 * without anything leaving the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"
#include "exit.h"
#include "http.h"
#include "tap.h"
#include "util.h"

static void
excerpts(void)
{
	char buf[LK_EXCERPT_SIZE], big[200];

	is_str(lk_excerpt("12x", (size_t)-1, buf), "12x", "short input stays as it is");
	is_str(lk_excerpt("a\x1b[31mb\n", (size_t)-1, buf), "a\\x1B[31mb\\x0A",
	    "control characters are escaped");
	is_str(lk_excerpt("it's \"q\" \\", (size_t)-1, buf), "it\\x27s \\x22q\\x22 \\x5C",
	    "quotes and backslashes are escaped");
	is_str(lk_excerpt("\xd0\x9a\xd0\xbe\xff", (size_t)-1, buf), "\xd0\x9a\xd0\xbe\\xFF",
	    "valid UTF-8 stays, an invalid byte is escaped");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	lk_excerpt(big, (size_t)-1, buf);
	is_int((long long)strlen(buf), LK_EXCERPT_BYTES + 3, "a long input is cut at %d bytes and '...'",
	    LK_EXCERPT_BYTES);
	memset(big, '\x01', sizeof big - 1);
	lk_excerpt(big, (size_t)-1, buf);
	ok(strlen(buf) < LK_EXCERPT_SIZE, "the worst case fits the buffer");
	is_str(lk_excerpt("abc", 2, buf), "ab", "len bounds what is read");
}

static void
transport(void)
{
	static const char *const bad[] = { "http://192.0.2.1/", "HTTP://example.com",
		"ftp://192.0.2.1/x", "imap://mail.example.com/INBOX", "http://127.0.0.1.example.com/",
		"http://[::2]/", "http://localhost.example.com/", NULL };
	static const char *const good[] = { "https://192.0.2.1/", "http://127.0.0.1:8080/",
		"http://127.255.0.9/", "http://localhost/", "http://LOCALHOST./", "http://[::1]:9/",
		"imaps://mail.example.com/INBOX", "file:///etc/x", "/srv/feed.xml", "feeds/x.csv", NULL };
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: sekret");
	struct lk_http_opts o = { 0 };
	struct lk_http_resp r;
	char host[256];
	size_t i;

	for (i = 0; bad[i]; i++)
		ok(lk_http_cleartext_remote(bad[i], host, sizeof host) == 1, "clear text: %s", bad[i]);
	for (i = 0; good[i]; i++)
		ok(lk_http_cleartext_remote(good[i], host, sizeof host) == 0, "fine: %s", good[i]);
	setenv("http_proxy", "http://127.0.0.1:1", 1);
	o.retries = 0;
	is_int(lk_http_request("GET", "http://192.0.2.1/x", h, NULL, 0, &o, &r), LK_EX_CONFIG,
	    "a secret header over plain http is refused (78) before any connection");
	ok(strstr(r.error, "clear text") && !strstr(r.error, "sekret"), "the reason, no secret: %s", r.error);
	lk_http_resp_free(&r);
	is_int(lk_http_request("GET", "http://u:sekret@192.0.2.1/x", NULL, NULL, 0, &o, &r), LK_EX_CONFIG,
	    "a password in a plain http url is refused (78) too");
	ok(!strstr(r.error, "sekret"), "the reason, no secret: %s", r.error);
	lk_http_resp_free(&r);
	curl_slist_free_all(h);
}

static void
outputs(void)
{
	static const char *const refused[] = { ".git/config", "lk.json", "catalog.csv",
		"/etc/passwd", "../../../../tmp/x.xml", "out/../lk.json", "out/", "out",
		"./lk.json", "/srv/www/../../etc/passwd", "/srv/wwwx/feed.xml", "/srv/www/", NULL };
	static char www[] = "/srv/www/";
	char *dirs[] = { www };
	struct lk_output w;
	const char *why;
	size_t i;

	for (i = 0; refused[i]; i++) {
		ok(lk_output_where("/st", refused[i], dirs, 1, &w, &why) == -1, "refused: %s (%s)",
		    refused[i], why);
		lk_output_free(&w);
	}
	ok(lk_output_where("/st", "out/sub/feed.xml", dirs, 1, &w, &why) == 0 &&
	    strcmp(w.root, "/st") == 0 && strcmp(w.rel, "out/sub") == 0 &&
	    strcmp(w.base, "feed.xml") == 0, "out/sub/feed.xml: root the state, out/sub confined");
	lk_output_free(&w);
	ok(lk_output_where("/st", "/srv/www/shop/feed.xml", dirs, 1, &w, &why) == 0 &&
	    strcmp(w.root, "/srv/www") == 0 && strcmp(w.rel, "shop") == 0 &&
	    strcmp(w.base, "feed.xml") == 0, "an output_dirs path: root the listed folder");
	lk_output_free(&w);
	ok(lk_output_dir_bad("/st", "relative") && lk_output_dir_bad("/st", "/") &&
	    lk_output_dir_bad("/st", "/a/../b") && lk_output_dir_bad("/tmp", "/tmp") &&
	    lk_output_dir_bad("/tmp", "/") && !lk_output_dir_bad("/tmp", "/srv/www"),
	    "output_dirs: absolute, no '..', not /, not the state directory");
}

int
main(void)
{
	excerpts();
	transport();
	outputs();
	return tap_done();
}
