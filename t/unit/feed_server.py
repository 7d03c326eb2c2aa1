#!/usr/bin/env python3
"""feed_server.py -- a loopback HTTP server for the feed fetcher's test.

Usage:
  feed_server.py [--port N] [--host 127.0.0.1]
                 [--tls-cert FILE --tls-key FILE [--tls-port N]]

Listens on HOST:N (N = 0 picks a free port) and, when it accepts
connections, prints "ready PORT" on stdout (with --tls-cert, a line
"tls PORT" for the HTTPS listener comes first).  Runs until SIGTERM or
SIGINT.  Python's standard library only; requests are served by a pool of
threads, HTTP/1.1 with keep-alive.

Routes (GET):
  /feed            FEED_BODY with ETag "feed-v1" and a Last-Modified;
                   304 to a matching If-None-Match, or (without
                   If-None-Match) to an If-Modified-Since not earlier than
                   the Last-Modified
  /lm              the same with a Last-Modified and no ETag
  /etag            the same with an ETag and no Last-Modified
  /gzip            GZIP_BODY, gzip-encoded (Content-Encoding: gzip, ETag
                   "gzip") when Accept-Encoding allows gzip, else as it is
                   (ETag "identity")
  /slow?s=N        headers announcing 100 bytes, 10 of them, then nothing
                   for N seconds (default 30; stops early when the client
                   goes away), then the rest
  /huge            an endless chunked body of 'x'
  /huge?announce=1 the same with "Content-Length: 10^12" instead
  /big?size=N      N bytes of "abc...z" repeated, with Content-Length
                   (&chunked=1: chunked, no length), sent 64 KiB at a time
  /empty           200 with an empty body
  /status/NNN      that status with the body "status NNN\\n"
  /truncated       Content-Length 1000, 400 bytes sent, connection closed
  /echo            the request headers as a JSON object, names lower-case,
                   repeated headers joined with ", "
  /redirect?to=URL[&code=NNN]   a redirect (302 by default) to URL
  /redirect/N      a chain of N redirects: /redirect/N-1 ... /redirect/1,
                   then /feed
"""
import argparse
import email.utils
import gzip
import http.server
import json
import os
import select
import signal
import socket
import ssl
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

FEED_BODY = (b'<?xml version="1.0" encoding="utf-8"?>\n'
             b'<feed xmlns="http://www.w3.org/2005/Atom">'
             b'<title>Loopback feed</title></feed>\n')
FEED_ETAG = '"feed-v1"'
FEED_LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
GZIP_BODY = b"".join(b"line %d of the gzip feed\n" % i for i in range(2000))
PATTERN = bytes(range(ord("a"), ord("z") + 1)) * 2520    # 65520 bytes

stop = threading.Event()


def accepts_gzip(header):
    """1 when an Accept-Encoding value allows gzip (q not 0)."""
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0].lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            return True
    return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feed_server/1"
    timeout = 60                    # idle keep-alive connections

    def log_message(self, fmt, *args):
        if os.environ.get("FEED_SERVER_VERBOSE"):
            sys.stderr.write("feed_server: " + (fmt % args) + "\n")

    def send_body(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def client_gone(self, seconds):
        """Wait up to seconds; True as soon as the client closed."""
        r, _, _ = select.select([self.connection], [], [], seconds)
        if not r:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def not_modified(self, etag, last_modified):
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return etag is not None and (etag in tags or "*" in tags)
        ims = self.headers.get("If-Modified-Since")
        if ims is None or last_modified is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return since >= email.utils.parsedate_to_datetime(last_modified)

    def conditional(self, body, etag, last_modified):
        headers = []
        if etag:
            headers.append(("ETag", etag))
        if last_modified:
            headers.append(("Last-Modified", last_modified))
        if self.not_modified(etag, last_modified):
            self.send_response(304)
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            return
        headers.append(("Content-Type", "application/atom+xml"))
        self.send_body(200, body, headers)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        try:
            self.route(path, q)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def route(self, path, q):
        if path == "/feed":
            self.conditional(FEED_BODY, FEED_ETAG, FEED_LAST_MODIFIED)
        elif path == "/lm":
            self.conditional(FEED_BODY, None, FEED_LAST_MODIFIED)
        elif path == "/etag":
            self.conditional(FEED_BODY, FEED_ETAG, None)
        elif path == "/gzip":
            vary = ("Vary", "Accept-Encoding")
            if accepts_gzip(self.headers.get("Accept-Encoding")):
                self.send_body(200, gzip.compress(GZIP_BODY),
                               [vary, ("Content-Encoding", "gzip"),
                                ("ETag", '"gzip"')])
            else:
                self.send_body(200, GZIP_BODY, [vary, ("ETag", '"identity"')])
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"s" * 10)
            self.wfile.flush()
            left = float(q.get("s", "30"))
            while left > 0 and not stop.is_set():
                if self.client_gone(min(left, 0.1)):
                    self.close_connection = True
                    return
                left -= 0.1
            self.wfile.write(b"s" * 90)
        elif path == "/huge":
            self.send_response(200)
            if q.get("announce"):
                self.send_header("Content-Length", str(10 ** 12))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"x" * 65536
            if not q.get("announce"):
                block = b"%x\r\n%s\r\n" % (len(block), block)
            while not stop.is_set():
                self.wfile.write(block)
            self.close_connection = True
        elif path == "/big":
            size = int(q.get("size", "0"))
            chunked = bool(q.get("chunked"))
            self.send_response(200)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            while sent < size:
                block = PATTERN[:min(len(PATTERN), size - sent)]
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                else:
                    self.wfile.write(block)
                sent += len(block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        elif path == "/empty":
            self.send_body(200, b"")
        elif path.startswith("/status/"):
            code = int(path[len("/status/"):])
            self.send_body(code, b"status %d\n" % code)
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"t" * 400)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/echo":
            seen = {}
            for name, value in self.headers.items():
                key = name.lower()
                seen[key] = seen[key] + ", " + value if key in seen else value
            self.send_body(200, json.dumps(seen, sort_keys=True).encode(),
                           [("Content-Type", "application/json")])
        elif path == "/redirect":
            self.send_body(int(q.get("code", "302")), b"moved\n",
                           [("Location", q.get("to", "/feed"))])
        elif path.startswith("/redirect/"):
            n = int(path[len("/redirect/"):])
            to = "/redirect/%d" % (n - 1) if n > 1 else "/feed"
            self.send_body(302, b"moved\n", [("Location", to)])
        else:
            self.send_body(404, b"no such route\n")


class PoolServer(http.server.HTTPServer):
    """HTTPServer whose requests run in a pool of threads."""

    def __init__(self, addr, tls=None):
        super().__init__(addr, Handler)
        self.tls = tls
        self.pool = ThreadPoolExecutor(max_workers=32)

    def process_request(self, request, client_address):
        self.pool.submit(self.work, request, client_address)

    def work(self, request, client_address):
        try:
            if self.tls:
                request = self.tls.wrap_socket(request, server_side=True)
            self.finish_request(request, client_address)
        except (OSError, ssl.SSLError):
            pass            # a client that went away or refused our cert
        finally:
            self.shutdown_request(request)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-port", type=int, default=0)
    args = ap.parse_args()

    servers = []
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        tls = PoolServer((args.host, args.tls_port), ctx)
        servers.append(tls)
        print("tls %d" % tls.server_address[1], flush=True)
    plain = PoolServer((args.host, args.port))
    servers.append(plain)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    print("ready %d" % plain.server_address[1], flush=True)
    while not stop.wait(1):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    os._exit(0)             # workers still streaming are not waited for


if __name__ == "__main__":
    main()
