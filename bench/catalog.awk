# catalog.awk - the bench catalog: awk -v n=N -f bench/catalog.awk >catalog.csv
# N products, 10 columns: sku, the five marketplaces' ids, name, price
# (bench/catalog.sh, bench/cycle.sh).  %.0f: mawk's %d stops at 2^31-1.
BEGIN {
	print "sku,wb_chrt_id,ozon_offer_id,ym_sku,mm_offer_id,ae_sku_code,ae_product_id,ae_sku_id,name,price"
	for (i = 1; i <= n; i++) {
		s = sprintf("SKU-%07d", i)
		printf "%s,%d,%s,%s,%s,%s,%d,%.0f,Item %d,%d.50\n", s, 10000000 + i, s, s, s, s, 1005000000 + int((i + 1) / 2), 12000000000 + i, i, i % 5000
	}
}
