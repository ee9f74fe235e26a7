# t3-alloc-lib.sh - a state directory for the lk-alloc tests (sourced).
#
# alloc_state DIR: a committed state repo with sources main and sup
# (sup: max_age 1h), catalog A1 A2 B1, channels:
#   half  {"share": 50} on main            wb
#   cap   [{"if": ">", "value": 3, "then": 3}] on main, sup   ozon, overlap
#         (it shows units half shows too, on purpose)
# stock_input: main complete (A1 10, A2 3, ZZ 5), sup complete (A1 1).
# shellcheck shell=sh

GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

channel() {
	# channel DIR NAME MARKETPLACE SOURCES RULE [EXTRA]
	cat >"$1/channels/$2.json" <<-EOF
	{"marketplace": "$3", "warehouse_id": 1, "credentials": {"env": "T"},
	 "enabled": true, "sources": $4, "rule": $5 ${6:+, $6}}
	EOF
}

alloc_state() {
	mkdir -p "$1/sources" "$1/channels" "$1/filters" &&
	echo '{"source_max_age": "6h"}' >"$1/lk.json" &&
	echo '{"kind": "yml", "url": "file:///dev/null", "on_sale": true}' >"$1/sources/main.json" &&
	echo '{"kind": "yml", "url": "file:///dev/null", "on_sale": true, "max_age": "1h"}' >"$1/sources/sup.json" &&
	printf 'sku,brand,category\nA1,acme,toys\nA2,acme,toys\nB1,other,food\n' >"$1/catalog.csv" &&
	printf 'sku,channel,qty\n' >"$1/overrides.csv" &&
	printf '.lk/\n' >"$1/.gitignore" &&
	channel "$1" half wb '["main"]' '[{"share": 50}]' &&
	channel "$1" cap ozon '["main", "sup"]' '[{"if": ">", "value": 3, "then": 3}]' '"overlap": true' &&
	git init -q "$1" && git -C "$1" add . && git -C "$1" commit -qm "rules v1"
}

stock_input() {
	cat <<-EOF
	{"type":"stock","sku":"A1","source":"main","qty":10}
	{"type":"stock","sku":"A2","source":"main","qty":3}
	{"type":"stock","sku":"ZZ","source":"main","qty":5}
	{"type":"source","source":"main","status":"complete","records":3}
	{"type":"stock","sku":"A1","source":"sup","qty":1}
	{"type":"source","source":"sup","status":"complete","records":1}
	EOF
}
