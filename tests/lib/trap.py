#!/usr/bin/python3
"""trap.py - a catch-all on 127.0.0.1 that records every connection.

    trap.py --port-file F --log F

Tests point http_proxy, https_proxy and ALL_PROXY at it, so a request lk
should never send to another machine lands here instead of leaving it:
the first line of each request (a proxy's "GET http://HOST/..." or
"CONNECT HOST:443") is appended to the log and answered 502.  An empty
log proves that nothing was sent.
"""
import argparse
import os
import socketserver


class H(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(4096).decode("latin-1").rstrip("\r\n")
        with open(ARGS.log, "a") as f:
            f.write(line + "\n")
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ARGS = ap.parse_args()
socketserver.ThreadingTCPServer.allow_reuse_address = True
srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
with open(ARGS.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
open(ARGS.log, "a").close()
srv.serve_forever()
