#!/usr/bin/python3
"""peer_yml.py FEED - the benchmark's peer for lk-parse-yml: the same
stock records from a YML feed, written the usual Python way (lxml
iterparse, clearing each offer).  Handles what the generated feed holds:
<count> or <outlets> (split), name, barcode; sku from the id attribute.
Output is byte-identical to lk-parse-yml's, so the bench can compare."""
import json
import os
import sys

from lxml import etree


def dump(rec):
    return json.dumps(rec, ensure_ascii=False, separators=(',', ':'))


def main():
    path = sys.argv[1]
    source = os.path.splitext(os.path.basename(path))[0]
    out = sys.stdout
    n = 0
    for _, offer in etree.iterparse(path, events=('end',), tag='offer'):
        base = {'type': 'stock', 'sku': offer.get('id'), 'source': source}
        name = offer.findtext('name')
        barcode = offer.findtext('barcode')
        count = offer.findtext('count')
        if count is not None:
            places = [(None, count)]
        else:
            places = [(o.get('id'), o.get('instock'))
                      for o in offer.iterfind('outlets/outlet')]
        for loc, qty in places:
            rec = dict(base)
            rec['qty'] = max(0, int(qty))
            if loc is not None:
                rec['location'] = loc
            if barcode is not None:
                rec['barcode'] = barcode.strip()
            if name is not None:
                rec['name'] = name.strip()
            out.write(dump(rec) + '\n')
            n += 1
        offer.clear()
        while offer.getprevious() is not None:
            del offer.getparent()[0]
    at = os.environ.get('LK_TEST_NOW', '2026-01-01T00:00:00Z')
    out.write(dump({'type': 'source', 'source': source, 'status': 'complete',
                    'records': n, 'at': at}) + '\n')


main()
