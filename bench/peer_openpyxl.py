#!/usr/bin/python3
"""peer_openpyxl.py BOOK.xlsx - the openpyxl peer of bench/xlsx.sh: the
workbook's first sheet in read-only mode, written as the stock records
lk-parse-xlsx --name bench --sku Артикул --qty Кол-во --location Склад
writes (two rows of title and header first), so the outputs compare."""
import json
import sys
import warnings

import openpyxl

warnings.simplefilter("ignore")
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
ws = wb.worksheets[0]
out = sys.stdout
for i, row in enumerate(ws.iter_rows(values_only=True)):
    if i < 2 or row[0] is None:
        continue
    out.write(json.dumps({"type": "stock", "sku": row[0], "source": "bench", "qty": int(row[2]),
                          "location": row[4]}, ensure_ascii=False, separators=(",", ":")) + "\n")
