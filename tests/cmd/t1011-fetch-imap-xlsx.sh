#!/bin/sh
# An .xlsx price list mailed by a supplier whose mail client names the
# attachment in koi8-r or windows-1251: lk-fetch (GMime) matches the name
# as UTF-8 and decodes the workbook byte for byte; lk-parse-xlsx reads it
# with the source's options (kind email, format xlsx).  The messages are
# written here as those clients write them; tests/lib/imapd.py serves them.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

MAIL=$TRASH/mail
mkdir -p "$MAIL"
"$PY" "$TOP/tests/lib/mkxlsx.py" "$TRASH/a.xlsx" <<'EOF' || exit 1
{"modified": "2026-11-26T09:00:00Z", "sheets": [{"name": "Лист1", "rows": [
 ["Остатки ООО «Поставщик»"], ["Артикул", "Остаток"], ["A-1", 5], ["A-2", "1 200"]]}]}
EOF
cp "$TOP/tests/data/xlsx/ostatki_domkam.xlsx" "$TRASH/b.xlsx"
# UID 1: koi8-r RFC 2047 words in a quoted filename (The Bat!, old Outlook);
# UID 2: RFC 2231 windows-1251 continuations (Thunderbird); UID 3: a newer
# message from someone else.
"$PY" - "$MAIL" "$TRASH/a.xlsx" "$TRASH/b.xlsx" <<'EOF' || exit 1
import base64, sys, urllib.parse
d, a, b = sys.argv[1:4]
def b64(path):
    s = base64.b64encode(open(path, "rb").read()).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))
def mail(uid, frm, subject_b64, disposition, path):
    m = ("From: %s\r\nTo: shop@example.com\r\nSubject: =?koi8-r?B?%s?=\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n"
         "--=_b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nost\r\n"
         "--=_b\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
         "Content-Disposition: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--=_b--\r\n"
         % (frm, subject_b64, disposition, b64(path)))
    open("%s/%d.eml" % (d, uid), "wb").write(m.encode("ascii"))
subj = base64.b64encode("Остатки".encode("koi8-r")).decode()
name = base64.b64encode("остатки склад.xlsx".encode("koi8-r")).decode()
mail(1, "Supplier A <stock@supplier-a.ru>", subj,
     'attachment; filename="=?koi8-r?B?%s?="' % name, a)
q = urllib.parse.quote("Прайс гранит.xlsx".encode("cp1251"))
mail(2, "Supplier B <b@granit.ru>", subj,
     "attachment;\r\n filename*0*=windows-1251''%s;\r\n filename*1*=%s" % (q[:12], q[12:]), b)
mail(3, "Someone <x@other.ru>", subj, 'attachment; filename="other.xlsx"', a)
EOF
start_server I "$PY" "$TOP/tests/lib/imapd.py" --mail "$MAIL" --user shop --password 'imap-s3cret' \
	--log "$TRASH/imap.log" || exit 1

# mksrc FROM GLOB OPTIONS: sources/mail.json, kind email, format xlsx.
mksrc() {
	mkstate s && cat >s/sources/mail.json <<-EOF
	{"kind": "email", "format": "xlsx", "imap_url": "imap://127.0.0.1:$I_PORT/INBOX",
	 "subject": "Остатки", "from": "$1", "attachment": "$2",
	 "user": "shop", "credentials": {"env": "LK_T_IMAP"}, $3}
	EOF
}

test_expect_success 'a koi8-r name (RFC 2047 in quotes) matches a Cyrillic glob; the workbook is exact' '
	mksrc "supplier-a" "остатки*.xlsx" "\"sku\": \"Артикул\", \"qty\": \"Остаток\"" &&
	LK_T_IMAP=imap-s3cret lk-fetch -v -C s mail -o body.xlsx 2>err &&
	cmp "$TRASH/a.xlsx" body.xlsx &&
	test_grep err "attachment '"'"'остатки склад.xlsx'"'"'" &&
	lk-parse-xlsx -C s --source mail body.xlsx >out &&
	cat >want <<-\EOF &&
	{"type":"stock","sku":"A-1","source":"mail","qty":5}
	{"type":"stock","sku":"A-2","source":"mail","qty":1200}
	{"type":"source","source":"mail","status":"complete","records":2,"at":"2026-11-27T03:00:00Z","produced":"2026-11-26T09:00:00Z","produced_from":"feed"}
	EOF
	LK_TEST_NOW=2026-11-27T03:00:00Z lk-parse-xlsx -C s --source mail body.xlsx >out &&
	test_cmp want out
'

test_expect_success 'RFC 2231 windows-1251 continuations: the name is matched as UTF-8' '
	mksrc "granit" "Прайс*.xlsx" "\"sku\": \"Артикул\", \"qty\": \"Наличие\"" &&
	LK_T_IMAP=imap-s3cret lk-fetch -v -C s mail -o body.xlsx 2>err &&
	cmp "$TRASH/b.xlsx" body.xlsx &&
	test_grep err "attachment '"'"'Прайс гранит.xlsx'"'"'" &&
	lk-parse-xlsx -C s --source mail body.xlsx 2>/dev/null | tail -n 1 |
	    grep -q "\"status\":\"complete\",\"records\":50,"
'

test_expect_success 'a glob that matches no name in any charset: no attachment (65)' '
	mksrc "granit" "остатки*.xlsx" "\"sku\": \"Артикул\"" &&
	test_expect_code 65 env LK_T_IMAP=imap-s3cret lk-fetch -C s mail -o body.xlsx 2>err &&
	test ! -e body.xlsx &&
	test_grep err "has no attachment matching остатки*.xlsx"
'

test_done
