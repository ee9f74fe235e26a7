#!/usr/bin/env python3
"""mkxlsx.py OUT.xlsx < SPEC.json - writes a small XLSX workbook for the
tests, with the Python standard library only, so that each edge case
(cell types, styles, formulas with and without cached values, merged
ranges, inline or shared strings, damaged sizes) is exactly what the
test says.  The parts are what Excel writes, reduced to what readers use.

SPEC: {"sheets": [{"name": "S", "rows": [ROW, ...], "merges": ["A1:D1"]}],
       "strings": "shared" | "inline", "modified": "2026-11-27T01:02:03Z",
       "lie_size": {"part": "xl/worksheets/sheet1.xml", "size": N}}
ROW: [CELL, ...] (the next row), or {"row": N, "cells": [CELL, ...]}
CELL: null (no cell), a number, a string, or one of
  {"f": "A1*2", "v": 10}     a formula and its cached number
  {"f": "A1*2"}              a formula without a cached value
  {"f": "A1", "s": "text"}   a formula with a cached string (t="str")
  {"date": 45000}            a number in a built-in date format (14)
  {"cdate": 45000}           a number in a custom format "dd.mm.yyyy"
  {"fixed": 12.5}            a number in a custom non-date format "0.00"
  {"e": "#N/A"}, {"b": 1}, {"d": "2024-01-31"}   error, boolean, ISO date
  {"sst": 99}                a raw shared string index
"""
import json
import re
import struct
import sys
import zipfile
from xml.sax.saxutils import escape

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = {"plain": 0, "date": 1, "cdate": 2, "fixed": 3}


def col_name(i):
    s = ""
    while i > 0:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


class Book:
    def __init__(self, spec):
        self.spec = spec
        self.inline = spec.get("strings", "shared") == "inline"
        self.sst = []
        self.sst_index = {}

    def string(self, ref, text, style=0):
        if self.inline:
            return '<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (
                ref, escape(text))
        if text not in self.sst_index:
            self.sst_index[text] = len(self.sst)
            self.sst.append(text)
        return '<c r="%s" t="s"><v>%d</v></c>' % (ref, self.sst_index[text])

    def cell(self, ref, c):
        if isinstance(c, bool):
            return '<c r="%s" t="b"><v>%d</v></c>' % (ref, int(c))
        if isinstance(c, (int, float)):
            return '<c r="%s"><v>%s</v></c>' % (ref, repr(c))
        if isinstance(c, str):
            return self.string(ref, c)
        if "f" in c:
            f = "<f>%s</f>" % escape(c["f"])
            if "s" in c:
                return '<c r="%s" t="str">%s<v>%s</v></c>' % (ref, f, escape(c["s"]))
            if "v" in c:
                return '<c r="%s">%s<v>%s</v></c>' % (ref, f, repr(c["v"]))
            return '<c r="%s">%s</c>' % (ref, f)
        for k in ("date", "cdate", "fixed"):
            if k in c:
                return '<c r="%s" s="%d"><v>%s</v></c>' % (ref, STYLES[k], repr(c[k]))
        if "e" in c:
            return '<c r="%s" t="e"><v>%s</v></c>' % (ref, escape(c["e"]))
        if "b" in c:
            return '<c r="%s" t="b"><v>%d</v></c>' % (ref, c["b"])
        if "d" in c:
            return '<c r="%s" t="d"><v>%s</v></c>' % (ref, escape(c["d"]))
        if "sst" in c:
            return '<c r="%s" t="s"><v>%d</v></c>' % (ref, c["sst"])
        raise ValueError("unknown cell %r" % (c,))

    def sheet(self, sh):
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
               "<worksheet %s %s><sheetData>" % (NS, RNS)]
        r = 0
        for row in sh.get("rows", []):
            if isinstance(row, dict):
                r, cells = row["row"], row["cells"]
            else:
                r, cells = r + 1, row
            out.append('<row r="%d">' % r)
            for i, c in enumerate(cells):
                if c is not None:
                    out.append(self.cell("%s%d" % (col_name(i + 1), r), c))
            out.append("</row>")
        out.append("</sheetData>")
        if sh.get("merges"):
            out.append('<mergeCells count="%d">' % len(sh["merges"]))
            out.extend('<mergeCell ref="%s"/>' % m for m in sh["merges"])
            out.append("</mergeCells>")
        out.append("</worksheet>")
        return "".join(out)

    def write(self, path):
        sheets = self.spec["sheets"]
        parts = {}
        for i, sh in enumerate(sheets):
            parts["xl/worksheets/sheet%d.xml" % (i + 1)] = self.sheet(sh)
        parts["xl/workbook.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s %s><sheets>%s'
            "</sheets></workbook>" % (NS, RNS, "".join(
                '<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (escape(sh["name"], {'"': "&quot;"}),
                                                                   i + 1, i + 1)
                for i, sh in enumerate(sheets))))
        rels = ['<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>'
                % (i + 1, REL, i + 1) for i in range(len(sheets))]
        n = len(sheets)
        rels.append('<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>' % (n + 1, REL))
        if self.sst:
            rels.append('<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/>'
                        % (n + 2, REL))
            parts["xl/sharedStrings.xml"] = (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s count="%d" '
                'uniqueCount="%d">%s</sst>' % (NS, len(self.sst), len(self.sst), "".join(
                    '<si><t xml:space="preserve">%s</t></si>' % escape(s) for s in self.sst)))
        parts["xl/_rels/workbook.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">%s</Relationships>'
            % "".join(rels))
        parts["xl/styles.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet %s>'
            '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd\\.mm\\.yyyy"/>'
            '<numFmt numFmtId="165" formatCode="0.00"/></numFmts>'
            '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
            '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
            '<xf numFmtId="165"/></cellXfs></styleSheet>' % NS)
        parts["_rels/.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>" % REL)
        parts["docProps/core.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp='
            '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">%s</cp:coreProperties>' % (
                '<dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified>'
                % self.spec["modified"] if "modified" in self.spec else ""))
        parts["[Content_Types].xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
            '"http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>')
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name in ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml",
                         "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                         "xl/sharedStrings.xml"] + ["xl/worksheets/sheet%d.xml" % (i + 1)
                                                    for i in range(len(sheets))]:
                if name in parts:
                    z.writestr(name, parts[name].encode("utf-8"))
        if "lie_size" in self.spec:
            lie(path, self.spec["lie_size"]["part"], self.spec["lie_size"]["size"])


def lie(path, part, size):
    """Rewrites the uncompressed size of part in both of its zip headers."""
    data = bytearray(open(path, "rb").read())
    name = part.encode()
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for m in re.finditer(re.escape(sig), bytes(data)):
            h = m.start()
            namelen_at = 26 if sig == b"PK\x03\x04" else 28
            nlen = struct.unpack_from("<H", data, h + namelen_at)[0]
            start = h + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[start:start + nlen]) == name:
                struct.pack_into("<I", data, h + off, size)
    open(path, "wb").write(bytes(data))


if __name__ == "__main__":
    Book(json.load(sys.stdin)).write(sys.argv[1])
