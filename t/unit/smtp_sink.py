#!/usr/bin/env python3
"""smtp_sink.py -- a loopback SMTP server for the tests (aiosmtpd).

Usage:
  smtp_sink.py --port N --dir DIR [--host 127.0.0.1]
               [--fail-temp | --fail-perm] [--fail-at rcpt|data]
               [--auth USER:PASS] [--tls-cert FILE --tls-key FILE [--smtps]]
               [--verbose]

Listens on HOST:N (N = 0 picks a free port) and prints one line
"ready PORT" on stdout when it accepts connections.  Runs until SIGTERM or
SIGINT.

Each accepted message is saved as DIR/NNNN.eml (0001, 0002, ...): exactly
the bytes the client sent in DATA, after dot-unstuffing, CRLF line ends
kept.  Its envelope goes first to DIR/NNNN.json:
  {"mail_from": ..., "rcpt_tos": [...], "helo": ..., "peer": "host",
   "auth_user": ... or null, "tls": true/false}
and the .eml appears (by rename) only when both are complete.

Failures, to test a client's retry logic:
  --fail-temp   answer "451 4.3.0 Temporary failure (smtp_sink --fail-temp)"
                (the client should retry later)
  --fail-perm   answer "550 5.1.1 Mailbox unavailable (smtp_sink
                --fail-perm)" to RCPT, "550 5.6.0 Message refused
                (smtp_sink --fail-perm)" after DATA (the client should
                give up)
  --fail-at     the command that fails: rcpt (RCPT TO, the default) or
                data (the reply after the message content)
  Nothing is saved for a refused message.
  A file DIR/fail containing "temp" or "perm" (optionally followed by
  " rcpt" or " data") has the same effect while it exists, so a running
  sink can be switched without restarting it.

--auth USER:PASS offers AUTH PLAIN and LOGIN (also without TLS: loopback
tests) and requires it: MAIL without AUTH gets "530 5.7.0".
--tls-cert/--tls-key offer STARTTLS with that certificate; with --smtps
the sink speaks TLS from the first byte instead (implicit TLS, smtps://).
Without them the sink offers neither.
--verbose shows aiosmtpd's log (otherwise silent) on stderr.

aiosmtpd comes from Debian's python3-aiosmtpd; when the python3 first on
PATH lacks it (a pyenv, a venv), the script re-runs itself with
/usr/bin/python3.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.stderr.write("smtp_sink.py: aiosmtpd is missing "
                     "(apt-get install python3-aiosmtpd)\n")
    sys.exit(2)

TEMP_REPLY = "451 4.3.0 Temporary failure (smtp_sink --fail-temp)"
PERM_REPLY = "550 5.1.1 Mailbox unavailable (smtp_sink --fail-perm)"


class Sink:
    def __init__(self, args):
        self.dir = args.dir
        self.fail = "temp" if args.fail_temp else "perm" if args.fail_perm \
            else None
        self.fail_at = args.fail_at
        self.implicit_tls = args.smtps
        self.count = 0

    def failure(self, stage):
        """The reply to fail with at this stage, or None."""
        mode, at = self.fail, self.fail_at
        try:
            with open(os.path.join(self.dir, "fail")) as f:
                words = f.read().split()
            if words:
                mode = words[0]
                at = words[1] if len(words) > 1 else "rcpt"
        except OSError:
            pass
        if at != stage:
            return None
        if mode == "temp":
            return TEMP_REPLY
        if mode == "perm":
            return PERM_REPLY
        return None

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        reply = self.failure("rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.failure("data")
        if reply:
            return reply.replace("5.1.1 Mailbox unavailable",
                                 "5.6.0 Message refused")
        self.count += 1
        base = os.path.join(self.dir, "%04d" % self.count)
        auth = session.auth_data
        env = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "peer": session.peer[0] if session.peer else None,
            "auth_user": auth.login.decode("utf-8", "replace")
            if isinstance(auth, LoginPassword) else None,
            "tls": self.implicit_tls or session.ssl is not None,
        }
        with open(base + ".json", "w") as f:
            json.dump(env, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.replace(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK queued as %04d" % self.count


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) \
            and auth_data.login == user.encode() \
            and auth_data.password == password.encode()
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)
    return check


def main():
    ap = argparse.ArgumentParser(description="loopback SMTP sink for tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    fail = ap.add_mutually_exclusive_group()
    fail.add_argument("--fail-temp", action="store_true")
    fail.add_argument("--fail-perm", action="store_true")
    ap.add_argument("--fail-at", choices=("rcpt", "data"), default="rcpt")
    ap.add_argument("--auth", metavar="USER:PASS")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--smtps", action="store_true",
                    help="implicit TLS (needs --tls-cert and --tls-key)")
    ap.add_argument("--verbose", action="store_true",
                    help="aiosmtpd's log and warnings on stderr")
    args = ap.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG)
    else:
        # Expected trouble (refused TLS handshakes, AUTH without TLS) would
        # only clutter the test logs.
        warnings.simplefilter("ignore")
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(args.dir, exist_ok=True)

    tls = None
    if args.smtps and not args.tls_cert:
        ap.error("--smtps needs --tls-cert and --tls-key")
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    auth = None
    if args.auth:
        user, _, password = args.auth.partition(":")
        auth = authenticator(user, password)
    sink = Sink(args)

    def factory():
        return SMTP(sink, hostname="smtp-sink.test", ident="smtp_sink.py",
                    data_size_limit=100 * 1024 * 1024,
                    tls_context=None if args.smtps else tls,
                    authenticator=auth, auth_required=auth is not None,
                    auth_require_tls=auth is None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, host=args.host, port=args.port,
                           ssl=tls if args.smtps else None))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write("ready %d\n" % port)
    sys.stdout.flush()
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
