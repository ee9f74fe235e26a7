#!/bin/sh
# lk-state: init, check (working tree and revisions), show, list, commit, log.
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

test_expect_success 'init creates a valid, committed state directory' '
	lk-state init st &&
	test -f st/lk.json && test -f st/catalog.csv && test -f st/.gitignore &&
	test_grep st/.gitignore ".lk/" &&
	git -C st log --oneline >log && test "$(wc -l <log)" -eq 1 &&
	lk-state -C st check
'

test_expect_success 'init never overwrites existing files' '
	mkdir st && echo "{\"push\": true}" >st/lk.json &&
	lk-state init st &&
	test_grep st/lk.json "\"push\": true"
'

test_expect_success 'check lists every problem with file and field, exit 78' '
	lk-state init st &&
	echo "{\"kind\": \"yml\", \"url\": \"x\", \"bogus\": 1}" >st/sources/bad.json &&
	cat >st/channels/wb2.json <<-EOF &&
	{"marketplace": "wb", "warehouse_id": 1, "credentials": {"env": "T"},
	 "sources": ["main", "nope"], "rule": [{"shre": 5}, {"share": 150}]}
	EOF
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "lk-state: sources/bad.json: bogus: unknown field" &&
	test_grep err "lk-state: channels/wb2.json: rule[0]: unknown rule type '\''shre'\''" &&
	test_grep err "lk-state: channels/wb2.json: rule[1]: share must be a percentage" &&
	test_grep err "lk-state: channels/wb2.json: sources: no source '\''nope'\''"
'

test_expect_success 'check validates the rules as lk-alloc reads them (equal groups)' '
	lk-state init st &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"], \"rule\": [{\"share\": 50}, {\"equal\": true}]}" >st/channels/a.json &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 2, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"], \"rule\": [{\"share\": 40}, {\"equal\": true}]}" >st/channels/b.json &&
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "channels/b.json: rule: the steps before '\''equal'\'' differ"
'

test_expect_success 'check notes channels that together show more than a source has' '
	lk-state init st &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"], \"rule\": [{\"share\": 70}]}" >st/channels/a.json &&
	echo "{\"marketplace\": \"ozon\", \"warehouse_id\": 2, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"], \"rule\": [{\"share\": 30}, {\"equal\": true}]}" >st/channels/b.json &&
	echo "{\"marketplace\": \"ym\", \"campaign_id\": 3, \"business_id\": 4, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"], \"rule\": [{\"share\": 30}, {\"equal\": true}]}" >st/channels/c.json &&
	lk-state -C st check 2>err && ! grep -q note err &&
	sed "s/\"share\": 70/\"share\": 80/" st/channels/a.json >x && mv x st/channels/a.json &&
	lk-state -C st check 2>err &&
	test_grep err "note: source '\''main'\'': channels a, b+c can show up to 110% of its stock together"
'

test_expect_success 'check refuses what a marketplace needs: YM business_id, AliExpress sku_id column' '
	lk-state init st &&
	echo "{\"marketplace\": \"ym\", \"campaign_id\": 3, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/y.json &&
	echo "{\"marketplace\": \"ae\", \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/a.json &&
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "channels/y.json: business_id: missing" &&
	test_grep err "catalog.csv: ae_sku_id: missing" &&
	test_grep err "catalog.csv: ae_product_id: missing"
'

test_expect_success 'check refuses one marketplace id on two skus, naming both' '
	lk-state init st &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/w.json &&
	printf "sku,wb_chrt_id,ym_sku\nA-1,100,x\nA-2,101,x\nA-3,100,y\n" >st/catalog.csv &&
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "catalog.csv: wb_chrt_id: '\''100'\'' is on both A-1 and A-3" &&
	! grep -q ym_sku err &&
	printf "sku,wb_chrt_id,ym_sku\nA-1,100,x\nA-2,101,x\nA-3,102,y\n" >st/catalog.csv &&
	lk-state -C st check
'

test_expect_success 'check refuses two channels on one warehouse (or YM campaign)' '
	lk-state init st &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/w1.json &&
	echo "{\"marketplace\": \"wb\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/w2.json &&
	echo "{\"marketplace\": \"ozon\", \"warehouse_id\": 1, \"credentials\": {\"env\": \"T\", \"client_id\": \"9\"}, \"sources\": [\"main\"]}" >st/channels/o1.json &&
	echo "{\"marketplace\": \"ym\", \"campaign_id\": 3, \"business_id\": 4, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/y1.json &&
	echo "{\"marketplace\": \"ym\", \"campaign_id\": 3, \"business_id\": 4, \"credentials\": {\"env\": \"T\"}, \"sources\": [\"main\"]}" >st/channels/y2.json &&
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "channels/w2.json: warehouse_id: the same Wildberries stock as channel w1" &&
	test_grep err "channels/y2.json: warehouse_id: the same Yandex Market stock as channel y1" &&
	! grep -q o1 err
'

test_expect_success 'a JSON syntax error names the line and column' '
	lk-state init st &&
	printf "{\n  \"push\": tru\n}\n" >st/lk.json &&
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "lk-state: lk.json: line 2"
'

test_expect_success 'catalog and overrides problems are reported with lines' '
	lk-state init st &&
	printf "sku,brand\nA,x\nA,y\n" >st/catalog.csv &&
	printf "sku,channel,qty\nA,wb,lots\nB,nochan,1\n" >st/overrides.csv &&
	test_expect_code 78 lk-state -C st check 2>err &&
	test_grep err "catalog.csv: sku: '\''A'\'' appears twice" &&
	test_grep err "overrides.csv: qty: line 2: '\''lots'\''" &&
	test_grep err "overrides.csv: sku: line 3: '\''B'\'' is not in catalog.csv" &&
	test_grep err "no channel '\''nochan'\''"
'

test_expect_success 'check --rev HEAD~1 validates an older revision without touching the tree' '
	lk-state init st &&
	echo "{\"kind\": \"yml\"}" >st/sources/broken.json &&
	git -C st add -A && git -C st commit -qm broken &&
	rm st/sources/broken.json && git -C st commit -qam fixed &&
	echo "{\"kind\": \"csv\", \"url\": \"u\"}" >st/sources/wip.json &&
	lk-state -C st check --rev HEAD &&
	test_expect_code 78 lk-state -C st check --rev HEAD~1 2>err &&
	test_grep err "sources/broken.json: url: missing" &&
	test -f st/sources/wip.json && test ! -f st/sources/broken.json &&
	git -C st status --porcelain >status && test_grep status "?? sources/wip.json"
'

test_expect_success 'a bad revision is a config error' '
	lk-state init st &&
	test_expect_code 78 lk-state -C st check --rev nosuchrev 2>err &&
	test_grep err "revision '\''nosuchrev'\''"
'

test_expect_success 'show prints a file at a revision' '
	lk-state init st &&
	sed "s/\"push\": false/\"push\": true/" st/lk.json >x && mv x st/lk.json &&
	lk-state -C st show --rev HEAD lk.json >old &&
	test_grep old "\"push\": false" &&
	lk-state -C st show lk.json >new && test_grep new "\"push\": true"
'

test_expect_success 'list sources and channels' '
	lk-state init st &&
	lk-state -C st list sources >out && test_grep out "main	yml	on_sale" &&
	lk-state -C st list channels >out && test_grep out "wb	wb	disabled"
'

test_expect_success 'commit records the config and ignores .lk/' '
	lk-state init st &&
	mkdir -p st/.lk && echo x >st/.lk/junk &&
	echo "{\"kind\": \"csv\", \"url\": \"https://x/y.csv\"}" >st/sources/b.json &&
	lk-state -C st commit -m "add b" >oid &&
	test "$(git -C st log -1 --format=%s)" = "add b" &&
	git -C st ls-files >files && test_grep files "sources/b.json" &&
	! grep -q ".lk" files &&
	lk-state -C st log >log && test_grep log "add b"
'

test_expect_success 'commit refuses a secret in a config file' '
	lk-state init st &&
	cat >st/channels/oz.json <<-EOF &&
	{"marketplace": "ozon", "warehouse_id": 5, "credentials": {"env": "X"},
	 "sources": ["main"], "comment": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop"}
	EOF
	test_expect_code 78 lk-state -C st commit -m leak 2>err &&
	test_grep err "channels/oz.json: comment: looks like a token" &&
	test "$(git -C st log -1 --format=%s)" != "leak"
'

test_expect_success 'commit refuses an invalid config' '
	lk-state init st &&
	echo "{\"kind\": \"nope\"}" >st/sources/b.json &&
	test_expect_code 78 lk-state -C st commit -m bad 2>/dev/null &&
	test "$(git -C st log --oneline | wc -l)" -eq 1
'

test_expect_success 'usage errors exit 64; --help and --version exit 0' '
	test_expect_code 64 lk-state frobnicate 2>err &&
	test_grep err "Try '\''lk-state --help'\''" &&
	lk-state --help >out && test_grep out "usage: lk-state" &&
	lk-state --version >out && test_grep out "lk-state (lk)"
'

test_done
