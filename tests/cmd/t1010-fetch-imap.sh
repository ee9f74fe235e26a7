#!/bin/sh
# lk-fetch of an e-mail attachment: the newest message in INBOX whose
# subject and sender match, its attachment decoded (base64, quoted-
# printable), from tests/lib/imapd.py on 127.0.0.1.
# Test bodies are single-quoted strings eval'ed by lib.sh, so their
# expansions and the variables they use look dead to shellcheck.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=SCRIPTDIR/t1-fetch-lib.sh
. "$(dirname "$0")/t1-fetch-lib.sh"

MAIL=$TRASH/mail
mkdir -p "$MAIL"
# mkmail UID SUBJECT FROM FILENAME CTE(base64|quoted-printable) CONTENT
"$PY" - "$MAIL" <<'EOF' || exit 1
import sys
from email.message import EmailMessage
from email import charset
d = sys.argv[1]
def mk(uid, subj, frm, name, data, cte="base64"):
    m = EmailMessage()
    m["Subject"] = subj
    m["From"] = frm
    m["To"] = "shop@example.com"
    m.set_content("Stock attached.\n")
    m.add_attachment(data.encode("utf-8"), maintype="text", subtype="csv", filename=name, cte=cte)
    with open("%s/%d.eml" % (d, uid), "wb") as f:
        f.write(bytes(m))
mk(1, "Остатки на 1 ноября", "Supplier A <stock@supplier-a.ru>", "old.csv", "sku,qty\nA,1\n")
mk(5, "Остатки на 3 ноября", "Someone Else <x@other.ru>", "other.csv", "sku,qty\nZ,9\n")
mk(3, "Остатки на 2 ноября", "Supplier A <stock@supplier-a.ru>", "остатки.csv",
   "sku,name,qty\nA,Чайник = 1 л,2\nB,Кружка,3\n")
mk(4, "Price list", "Supplier A <stock@supplier-a.ru>", "prices.csv", "sku,price\nA,10\n",
   cte="quoted-printable")
EOF
printf 'sku,name,qty\nA,Чайник = 1 л,2\nB,Кружка,3\n' >"$TRASH/want.csv"
start_server I "$PY" "$TOP/tests/lib/imapd.py" --mail "$MAIL" --user shop --password 'imap-s3cret' \
	--log "$TRASH/imap.log" || exit 1

mksrc() {
	_from=
	[ -n "$2" ] && _from="\"from\": \"$2\","
	mkstate s && cat >s/sources/mail.json <<-EOF
	{"kind": "email", "format": "csv", "imap_url": "imap://127.0.0.1:$I_PORT/INBOX",
	 "subject": "$1", $_from "attachment": "$3",
	 "user": "shop", "credentials": {"env": "LK_T_IMAP"}}
	EOF
}

test_expect_success 'the newest matching message: its attachment, base64-decoded' '
	mksrc "Остатки" "supplier-a" "*.csv" &&
	LK_T_IMAP=imap-s3cret lk-fetch -C s mail >out 2>err &&
	test_cmp "$TRASH/want.csv" out
'

test_expect_success 'without a sender, the newest message with the subject (from someone else)' '
	mksrc "Остатки" "" "*.csv" &&
	LK_T_IMAP=imap-s3cret lk-fetch -C s mail >out &&
	printf "sku,qty\nZ,9\n" >want && test_cmp want out
'

test_expect_success 'a quoted-printable attachment is decoded' '
	mksrc "Price list" "supplier-a" "prices.*" &&
	LK_T_IMAP=imap-s3cret lk-fetch -C s mail >out &&
	printf "sku,price\nA,10\n" >want && test_cmp want out &&
	grep -q "quoted-printable" "$MAIL/4.eml"
'

test_expect_success 'the attachment name must match the glob (65 when none does)' '
	mksrc "Остатки" "supplier-a" "*.xml" &&
	test_expect_code 65 env LK_T_IMAP=imap-s3cret lk-fetch -C s -o got mail 2>err &&
	test ! -e got && test_grep err "no attachment matching"
'

test_expect_success 'no matching message: 75, nothing written' '
	mksrc "Nothing like this" "" "*.csv" &&
	test_expect_code 75 env LK_T_IMAP=imap-s3cret lk-fetch -C s mail >out 2>err &&
	test ! -s out && test_grep err "no message matches"
'

test_expect_success 'a wrong password is refused (69) and never printed' '
	mksrc "Остатки" "supplier-a" "*.csv" &&
	test_expect_code 69 env LK_T_IMAP=wrong-pw-123 lk-fetch -C s mail >out 2>err &&
	test ! -s out && ! grep -e wrong-pw-123 -e imap-s3cret err
'

test_expect_success 'the password is never printed, even with -v' '
	mksrc "Остатки" "supplier-a" "*.csv" &&
	LK_T_IMAP=imap-s3cret lk-fetch -v -C s mail >out 2>err &&
	! grep imap-s3cret err && test_grep err "UID 3"
'

test_expect_success 'a missing credential variable is a configuration error (78)' '
	mksrc "Остатки" "supplier-a" "*.csv" &&
	test_expect_code 78 env -u LK_T_IMAP lk-fetch -C s mail 2>err && test_grep err LK_T_IMAP
'

test_done
