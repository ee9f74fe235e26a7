#!/usr/bin/python3
"""imapd.py - a tiny IMAP4rev1 server on 127.0.0.1 for lk-fetch's tests.

    imapd.py --mail DIR --port-file F --user U --password P [--log F]

Serves one folder, INBOX, whose messages are DIR/UID.eml (UID a number).
Speaks what libcurl sends: CAPABILITY, LOGIN, SELECT/EXAMINE, SEARCH and
UID SEARCH (ALL, SUBJECT, FROM, CHARSET), FETCH / UID FETCH n BODY[],
NOOP, LOGOUT.  Each command line is logged to --log (LOGIN's password
replaced by '***').
"""
import argparse
import email
import email.policy
import os
import re
import socketserver
import sys

ARGS = None


def tokens(s):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == " ":
            i += 1
        elif c == '"':
            j = i + 1
            buf = ""
            while j < len(s) and s[j] != '"':
                if s[j] == "\\" and j + 1 < len(s):
                    j += 1
                buf += s[j]
                j += 1
            out.append(buf)
            i = j + 1
        else:
            j = s.find(" ", i)
            j = len(s) if j < 0 else j
            out.append(s[i:j])
            i = j
    return out


def messages():
    out = {}
    for name in os.listdir(ARGS.mail):
        m = re.fullmatch(r"(\d+)\.eml", name)
        if m:
            with open(os.path.join(ARGS.mail, name), "rb") as f:
                out[int(m.group(1))] = f.read()
    return dict(sorted(out.items()))


def matches(raw, crit):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    i = 0
    while i < len(crit):
        k = crit[i].upper()
        if k == "ALL":
            i += 1
        elif k == "CHARSET":
            i += 2
        elif k in ("SUBJECT", "FROM"):
            want = crit[i + 1].lower()
            have = str(msg.get(k.capitalize(), "")).lower()
            if want not in have:
                return False
            i += 2
        else:
            i += 1
    return True


class H(socketserver.StreamRequestHandler):
    def out(self, s):
        self.wfile.write(s.encode() + b"\r\n")

    def log(self, line):
        if ARGS.log:
            with open(ARGS.log, "a") as f:
                f.write(line + "\n")

    def handle(self):
        authed = False
        selected = False
        self.out("* OK lk test IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            parts = line.split(" ", 1)
            tag = parts[0]
            rest = parts[1] if len(parts) > 1 else ""
            cmd = rest.split(" ", 1)
            verb = cmd[0].upper()
            args = cmd[1] if len(cmd) > 1 else ""
            uid = False
            if verb == "UID":
                uid = True
                cmd = args.split(" ", 1)
                verb = cmd[0].upper()
                args = cmd[1] if len(cmd) > 1 else ""
            self.log(tag + " " + ("LOGIN ***" if verb == "LOGIN" else rest))
            if verb == "CAPABILITY":
                self.out("* CAPABILITY IMAP4rev1")
                self.out(tag + " OK CAPABILITY completed")
            elif verb == "LOGIN":
                t = tokens(args)
                if len(t) == 2 and t[0] == ARGS.user and t[1] == ARGS.password:
                    authed = True
                    self.out(tag + " OK LOGIN completed")
                else:
                    self.out(tag + " NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif verb in ("SELECT", "EXAMINE"):
                if not authed:
                    self.out(tag + " BAD not authenticated")
                    continue
                box = tokens(args)[0] if args else ""
                if box.upper() != "INBOX":
                    self.out(tag + " NO no such mailbox")
                    continue
                msgs = messages()
                selected = True
                self.out("* FLAGS (\\Seen)")
                self.out("* %d EXISTS" % len(msgs))
                self.out("* OK [UIDVALIDITY 1] UIDs valid")
                self.out("* OK [UIDNEXT %d] next" % (max(msgs, default=0) + 1))
                self.out(tag + " OK [READ-WRITE] SELECT completed")
            elif verb == "SEARCH":
                if not selected:
                    self.out(tag + " BAD no mailbox selected")
                    continue
                msgs = messages()
                crit = tokens(args)
                hits = []
                for seq, (u, raw) in enumerate(msgs.items(), 1):
                    if matches(raw, crit):
                        hits.append(u if uid else seq)
                self.out("* SEARCH" + "".join(" %d" % h for h in hits))
                self.out(tag + " OK SEARCH completed")
            elif verb == "FETCH":
                if not selected:
                    self.out(tag + " BAD no mailbox selected")
                    continue
                msgs = messages()
                n = int(args.split(" ", 1)[0])
                items = list(msgs.items())
                if uid:
                    pick = [(i + 1, u, r) for i, (u, r) in enumerate(items) if u == n]
                else:
                    pick = [(n, items[n - 1][0], items[n - 1][1])] if 0 < n <= len(items) else []
                for seq, u, raw in pick:
                    self.wfile.write(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (seq, u, len(raw)))
                    self.wfile.write(raw)
                    self.wfile.write(b")\r\n")
                self.out(tag + " OK FETCH completed")
            elif verb == "LOGOUT":
                self.out("* BYE logging out")
                self.out(tag + " OK LOGOUT completed")
                return
            elif verb == "NOOP":
                self.out(tag + " OK NOOP completed")
            else:
                self.out(tag + " BAD unknown command")


class S(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--mail", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--user", default="user")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--log")
    ARGS = ap.parse_args()
    srv = S(("127.0.0.1", 0), H)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
