#!/usr/bin/env python3
"""tsa_server.py -- an RFC 3161 time-stamping authority on loopback for
the TSA client's test: OpenSSL's `ts -reply` behind a small HTTP server.

Usage:
  tsa_server.py --dir DIR [--port N] [--tls-cert FILE --tls-key FILE]

DIR holds what test_tsa_client.sh made: tsa1.cnf (a TSA whose certificate
a test CA, ca1.crt, signed) and tsa2.cnf (one under another CA).  Listens
on 127.0.0.1:N (0: a free port) and prints "ready PORT" (after "tls PORT"
for the HTTPS listener when --tls-cert is given).  Runs until SIGTERM.
Python's standard library and the openssl command only.

Routes (POST, body a DER TimeStampReq; anything but Content-Type
application/timestamp-query is answered 415):
  /ok             `openssl ts -reply` with tsa1
  /other          the same with tsa2 (a certificate not under ca1)
  /nonce          the request's nonce changed before tsa1 answers it
  /imprint        the request's imprint changed before tsa1 answers it
  /trailing       /ok's answer and one more byte
  /reject         a TimeStampResp with status rejection, the text
                  "no thanks" and failInfo badAlg
  /garbage        200 with "hello, I am not a time-stamp"
  /huge           200 with 1 MiB of zeros
  /huge?announce=1  200 announcing Content-Length 10^9, then 1 MiB
  /status/NNN     that status
  /slow?s=N       waits N seconds, then answers as /ok
  /redirect       302 to /ok
Answers carry Content-Type application/timestamp-reply.
"""
import argparse
import http.server
import os
import signal
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

LOCK = threading.Lock()
DIR = "."


def der_read(buf, off):
    """(tag, header length, content length) of the TLV at off."""
    tag = buf[off]
    n = buf[off + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    length = int.from_bytes(buf[off + 2:off + 2 + k], "big")
    return tag, 2 + k, length


def children(buf, off):
    """Offsets of the elements inside the constructed TLV at off."""
    tag, hl, ln = der_read(buf, off)
    pos, end, out = off + hl, off + hl + ln, []
    while pos < end:
        out.append(pos)
        _, h, n = der_read(buf, pos)
        pos += h + n
    return out


def alter(req, what):
    """The request with one byte of its nonce or imprint flipped."""
    b = bytearray(req)
    elems = children(b, 0)
    if what == "imprint":
        mi = children(b, elems[1])          # AlgorithmIdentifier, OCTET STRING
        _, h, n = der_read(b, mi[1])
        b[mi[1] + h + n - 1] ^= 0x01
    else:
        for e in elems[2:]:
            if b[e] == 0x02:                # the nonce INTEGER
                _, h, n = der_read(b, e)
                b[e + h + n - 1] ^= 0x01
                break
    return bytes(b)


def reply(req, cnf):
    with tempfile.TemporaryDirectory(dir=DIR) as tmp:
        q, r = os.path.join(tmp, "q.tsq"), os.path.join(tmp, "r.tsr")
        with open(q, "wb") as f:
            f.write(req)
        with LOCK:                          # the serial file
            subprocess.run(["openssl", "ts", "-reply", "-config",
                            os.path.join(DIR, cnf), "-queryfile", q,
                            "-out", r], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(r, "rb") as f:
            return f.read()


def rejection():
    text = b"no thanks"
    status = b"\x02\x01\x02"                        # rejection
    free = b"\x30" + bytes([len(text) + 2]) + b"\x0c" + bytes([len(text)]) + text
    fail = b"\x03\x02\x07\x80"                      # badAlg (bit 0)
    info = status + free + fail
    psi = b"\x30" + bytes([len(info)]) + info
    return b"\x30" + bytes([len(psi)]) + psi


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/timestamp-reply",
             length=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length",
                         str(len(body) if length is None else length))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        qs = urllib.parse.parse_qs(url.query)
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send(415, b"wrong content type\n", "text/plain")
            return
        path = url.path
        if path == "/ok":
            self.send(200, reply(body, "tsa1.cnf"))
        elif path == "/other":
            self.send(200, reply(body, "tsa2.cnf"))
        elif path in ("/nonce", "/imprint"):
            self.send(200, reply(alter(body, path[1:]), "tsa1.cnf"))
        elif path == "/trailing":
            self.send(200, reply(body, "tsa1.cnf") + b"\x00")
        elif path == "/reject":
            self.send(200, rejection())
        elif path == "/garbage":
            self.send(200, b"hello, I am not a time-stamp")
        elif path == "/huge":
            big = bytes(1 << 20)
            self.send(200, big, length=10 ** 9 if "announce" in qs else None)
        elif path.startswith("/status/"):
            self.send(int(path[8:]), b"status\n", "text/plain")
        elif path == "/slow":
            time.sleep(float(qs.get("s", ["5"])[0]))
            self.send(200, reply(body, "tsa1.cnf"))
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send(404, b"no such route\n", "text/plain")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global DIR
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()
    DIR = a.dir
    signal.signal(signal.SIGTERM, lambda *x: os._exit(0))
    if a.tls_cert:
        tls = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        threading.Thread(target=tls.serve_forever, daemon=True).start()
        print("tls %d" % tls.server_address[1], flush=True)
    srv = Server(("127.0.0.1", a.port), Handler)
    print("ready %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
