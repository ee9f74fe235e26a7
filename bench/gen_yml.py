#!/usr/bin/python3
"""Writes a realistic YML feed of N offers to stdout: name, price, url,
picture, params, vendorCode, barcode; half the offers carry <count>, the
other half two <outlets>.  Deterministic, so runs compare."""
import sys

def main():
    n = int(sys.argv[1])
    w = sys.stdout.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n'
      '<yml_catalog date="2026-11-27 03:00">\n<shop>\n<name>Bench</name>\n'
      '<company>ООО Бенч</company>\n<url>https://example.com</url>\n'
      '<currencies><currency id="RUR" rate="1"/></currencies>\n'
      '<categories><category id="1">Инструменты</category></categories>\n<offers>\n')
    parts = []
    for i in range(n):
        if i % 2:
            qty = '<count>%d</count>' % (i % 97)
        else:
            qty = ('<outlets><outlet id="msk" instock="%d"/>'
                   '<outlet id="spb" instock="%d"/></outlets>' % (i % 13, i % 7))
        parts.append(
            '<offer id="SKU%07d" available="true">'
            '<url>https://example.com/p/%d?utm_source=ym&amp;utm_medium=cpc</url>'
            '<price>%d.00</price><oldprice>%d.00</oldprice><currencyId>RUR</currencyId>'
            '<categoryId>1</categoryId>'
            '<picture>https://example.com/img/%d.jpg</picture>'
            '<name>Дрель-шуруповёрт аккумуляторная модель %d, 18 В</name>'
            '<vendor>Бренд</vendor><vendorCode>VC-%d</vendorCode>'
            '<barcode>46%011d</barcode>'
            '<param name="Цвет">синий</param><param name="Вес" unit="кг">1.%d</param>'
            '%s</offer>\n' % (i, i, 1000 + i % 5000, 1200 + i % 5000, i, i, i, i, i % 10, qty))
        if len(parts) == 5000:
            w(''.join(parts))
            parts = []
    w(''.join(parts))
    w('</offers>\n</shop>\n</yml_catalog>\n')

main()
