#!/usr/bin/env python3
"""provider.py -- a small OpenID Connect provider for the test suite.

Loopback only, one registered client, authorization code flow, RS256 ID
tokens.  There is no login form: /authorize approves at once as the user
the test chose beforehand with POST /control/next-user.

    python3 t/oidc/provider.py --port N --client-id ID --client-secret S \
        --redirect-uri URI [--redirect-uri URI2 ...] [--bad-signature]

Prints "ready" on stdout once listening ("ready PORT" when --port 0 asked
for a free port), logs every request to stderr.  See t/oidc/README.md.

Signing uses python3-cryptography when it can be imported, otherwise the
openssl command line tool (--signer picks one explicitly).
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CODE_LIFETIME = 60          # seconds an authorization code stays usable
TOKEN_LIFETIME = 3600       # seconds an access token stays usable
ID_TOKEN_LIFETIME = 600     # exp - iat of ID tokens

USER_CLAIMS = ("email", "email_verified", "given_name", "family_name")
FAULTS = ("bad_signature", "wrong_nonce", "wrong_aud", "wrong_iss",
          "expired", "no_nonce", "wrong_kid")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def int_b64url(n):
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


# --------------------------------------------------------------- signing

class CryptographySigner:
    name = "python3-cryptography"

    def __init__(self):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        self._hashes, self._padding = hashes, padding
        self._key = rsa.generate_private_key(public_exponent=65537,
                                             key_size=2048)
        pub = self._key.public_key().public_numbers()
        self.n, self.e = pub.n, pub.e

    def sign(self, data):
        return self._key.sign(data, self._padding.PKCS1v15(),
                              self._hashes.SHA256())

    def close(self):
        pass


class OpensslSigner:
    """RSA via the openssl tool; the key lives in a private temp dir."""
    name = "openssl"

    def __init__(self):
        self._dir = tempfile.mkdtemp(prefix="oidc-provider-")
        self._keyfile = os.path.join(self._dir, "key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA",
                        "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", self._keyfile],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        out = subprocess.run(["openssl", "rsa", "-in", self._keyfile,
                              "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout
        self.n = int(out.strip().split("=", 1)[1], 16)
        self.e = 65537      # what openssl genpkey uses by default

    def sign(self, data):
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                               self._keyfile], input=data, check=True,
                              capture_output=True).stdout

    def close(self):
        shutil.rmtree(self._dir, ignore_errors=True)


def make_signer(which):
    if which in ("auto", "cryptography"):
        try:
            return CryptographySigner()
        except ImportError:
            if which == "cryptography":
                raise
    return OpensslSigner()


# ----------------------------------------------------------------- state

class Provider:
    def __init__(self, args, signer):
        self.args = args
        self.signer = signer
        self.kid = "test-" + secrets.token_hex(4)
        self.issuer = args.issuer
        self.lock = threading.Lock()
        self.next_user = None       # consumed by the next /authorize
        self.faults = {f: False for f in FAULTS}
        self.faults["bad_signature"] = args.bad_signature
        self.codes = {}             # code -> grant
        self.tokens = {}            # access token -> (claims, expiry)
        self.counts = {"authorize": 0, "token": 0, "userinfo": 0,
                       "jwks": 0, "discovery": 0}
        self.last_authorize = None
        self.last_token_error = None

    def jwks(self):
        return {"keys": [{"kty": "RSA", "use": "sign", "alg": "RS256",
                          "kid": self.kid, "n": int_b64url(self.signer.n),
                          "e": int_b64url(self.signer.e)}]}

    def discovery(self):
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": i + "/authorize",
            "token_endpoint": i + "/token",
            "userinfo_endpoint": i + "/userinfo",
            "jwks_uri": i + "/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat",
                                 "auth_time", "nonce", "at_hash", "email",
                                 "email_verified", "given_name",
                                 "family_name", "name"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }

    def id_token(self, grant, access_token):
        now = int(time.time())
        f = self.faults
        claims = {
            "iss": self.issuer + ("/wrong" if f["wrong_iss"] else ""),
            "sub": grant["user"]["sub"],
            "aud": "someone-else" if f["wrong_aud"] else grant["client_id"],
            "iat": now - (2 * ID_TOKEN_LIFETIME if f["expired"] else 0),
            "auth_time": grant["auth_time"],
            "at_hash": b64url(hashlib.sha256(
                access_token.encode()).digest()[:16]),
        }
        claims["exp"] = claims["iat"] + ID_TOKEN_LIFETIME
        if grant["nonce"] is not None and not f["no_nonce"]:
            claims["nonce"] = ("wrong-" + grant["nonce"] if f["wrong_nonce"]
                               else grant["nonce"])
        claims.update(user_claims(grant["user"]))
        header = {"alg": "RS256", "typ": "JWT",
                  "kid": "no-such-kid" if f["wrong_kid"] else self.kid}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = bytearray(self.signer.sign(signing_input))
        if f["bad_signature"]:
            sig[len(sig) // 2] ^= 0x01      # valid form, wrong value
        return signing_input.decode() + "." + b64url(bytes(sig))


def user_claims(user):
    """The claims of a next-user object other than sub (which goes
    first); keys beyond the standard four are passed through as-is."""
    return {k: v for k, v in user.items() if k not in ("sub", "error")}


# --------------------------------------------------------------- handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oidc-test-provider/1"
    P = None            # the Provider, set in main()

    def log_message(self, fmt, *args):
        sys.stderr.write("provider: %s %s\n" % (
            time.strftime("%H:%M:%S"), fmt % args))
        sys.stderr.flush()

    def note(self, msg):
        self.log_message("  %s", msg)

    # ---- plumbing

    def send(self, status, body=b"", ctype="text/plain; charset=utf-8",
             headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Pragma", "no-cache")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        self.send(status, json.dumps(obj, indent=1) + "\n",
                  "application/json", headers)

    def redirect(self, uri, params):
        sep = "&" if urllib.parse.urlsplit(uri).query else "?"
        loc = uri + sep + urllib.parse.urlencode(params)
        self.note("302 -> " + loc)
        self.send(302, "", headers=[("Location", loc)])

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def form(self):
        """Query parameters (GET) or the urlencoded body (POST); a
        parameter given twice is an error (RFC 6749 3.1)."""
        if self.command == "POST":
            raw = self.body().decode("utf-8", "replace")
        else:
            raw = urllib.parse.urlsplit(self.path).query
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
        out, dup = {}, set()
        for k, v in pairs:
            if k in out:
                dup.add(k)
            out[k] = v
        return out, dup

    def route(self):
        path = urllib.parse.urlsplit(self.path).path
        table = {
            ("GET", "/.well-known/openid-configuration"): self.h_discovery,
            ("GET", "/jwks"): self.h_jwks,
            ("GET", "/authorize"): self.h_authorize,
            ("POST", "/authorize"): self.h_authorize,
            ("POST", "/token"): self.h_token,
            ("GET", "/userinfo"): self.h_userinfo,
            ("POST", "/userinfo"): self.h_userinfo,
            ("POST", "/control/next-user"): self.h_next_user,
            ("POST", "/control/faults"): self.h_faults,
            ("GET", "/control/state"): self.h_state,
        }
        method = "GET" if self.command == "HEAD" else self.command
        h = table.get((method, path))
        if h:
            return h()
        if any(p == path for (_, p) in table):
            return self.send(405, "method not allowed\n")
        self.send(404, "not found\n")

    do_GET = do_POST = do_HEAD = route

    # ---- discovery, keys

    def h_discovery(self):
        with self.P.lock:
            self.P.counts["discovery"] += 1
        self.send_json(200, self.P.discovery())

    def h_jwks(self):
        with self.P.lock:
            self.P.counts["jwks"] += 1
        self.send_json(200, self.P.jwks())

    # ---- authorization endpoint

    def h_authorize(self):
        P, a = self.P, self.P.args
        q, dup = self.form()
        with P.lock:
            P.counts["authorize"] += 1
            P.last_authorize = dict(q)
        # Errors about the client or redirect_uri are shown here, never
        # redirected (RFC 6749 4.1.2.1).
        if q.get("client_id") != a.client_id:
            return self.send(400, "invalid_request: unknown client_id\n")
        redirect_uri = q.get("redirect_uri")
        if redirect_uri not in a.redirect_uri:
            return self.send(400, "invalid_request: redirect_uri %r is "
                             "not registered\n" % redirect_uri)
        if "client_id" in dup or "redirect_uri" in dup:
            return self.send(400, "invalid_request: repeated parameter\n")
        state = q.get("state")
        err = {} if state is None else {"state": state}

        def fail(code, desc):
            self.redirect(redirect_uri, dict(error=code,
                                             error_description=desc, **err))
        if dup:
            return fail("invalid_request",
                        "repeated parameter " + ",".join(sorted(dup)))
        if q.get("response_type") != "code":
            return fail("unsupported_response_type", "only code")
        if "openid" not in q.get("scope", "").split():
            return fail("invalid_scope", "scope must include openid")
        if q.get("response_mode", "query") != "query":
            return fail("invalid_request", "only response_mode=query")
        if q.get("request") or q.get("request_uri"):
            return fail("request_not_supported", "no request objects")
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method", "plain")
        if challenge is not None and method not in ("plain", "S256"):
            return fail("invalid_request", "bad code_challenge_method")

        with P.lock:
            user, P.next_user = P.next_user, None
        if user is None:
            self.note("no next-user queued")
            return fail("login_required", "no user queued by the test "
                        "(POST /control/next-user)")
        if user.get("error"):
            return fail(user["error"], "refused by the test's request")

        code = secrets.token_urlsafe(24)
        grant = {"client_id": a.client_id, "redirect_uri": redirect_uri,
                 "nonce": q.get("nonce"), "scope": q.get("scope"),
                 "user": user, "auth_time": int(time.time()),
                 "expires": time.time() + CODE_LIFETIME,
                 "challenge": challenge, "method": method}
        with P.lock:
            P.codes[code] = grant
        self.note("approved as sub=%s" % user["sub"])
        self.redirect(redirect_uri, dict(code=code, **err))

    # ---- token endpoint

    def token_error(self, status, error, desc, headers=()):
        self.note("token error: %s (%s)" % (error, desc))
        with self.P.lock:
            self.P.last_token_error = {"error": error, "description": desc}
        self.send_json(status, {"error": error, "error_description": desc},
                       headers)

    def client_auth(self, q):
        """-> (client_id, None) or (None, error response args)."""
        a = self.P.args
        auth = self.headers.get("Authorization", "")
        basic = None
        if auth[:6].lower() == "basic ":
            try:
                raw = base64.b64decode(auth[6:].strip(),
                                       validate=True).decode()
                cid, _, secret = raw.partition(":")
                # RFC 6749 2.3.1: both parts are form-urlencoded first
                basic = (urllib.parse.unquote_plus(cid),
                         urllib.parse.unquote_plus(secret))
            except (binascii.Error, UnicodeDecodeError):
                return None, (400, "invalid_request", "bad Basic header")
        post = None
        if "client_secret" in q:
            post = (q.get("client_id", ""), q["client_secret"])
        if basic and post:
            return None, (400, "invalid_request",
                          "more than one client authentication method")
        creds = basic or post
        if creds is None:
            return None, (401, "invalid_client", "no client authentication",
                          [("WWW-Authenticate", 'Basic realm="token"')])
        if "client_id" in q and q["client_id"] != creds[0]:
            return None, (400, "invalid_request", "client_id mismatch")
        if not (hmac.compare_digest(creds[0], a.client_id) and
                hmac.compare_digest(creds[1], a.client_secret)):
            hdr = ([("WWW-Authenticate", 'Basic realm="token"')]
                   if basic else [])
            return None, (401, "invalid_client", "bad client credentials",
                          hdr)
        self.note("client authenticated by %s" % (
            "client_secret_basic" if basic else "client_secret_post"))
        return creds[0], None

    def h_token(self):
        P = self.P
        with P.lock:
            P.counts["token"] += 1
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype.lower() != "application/x-www-form-urlencoded":
            self.body()
            return self.token_error(400, "invalid_request",
                                    "body must be form-urlencoded")
        q, dup = self.form()
        if dup:
            return self.token_error(400, "invalid_request",
                                    "repeated parameter")
        client_id, err = self.client_auth(q)
        if err:
            return self.token_error(*err)
        if q.get("grant_type") != "authorization_code":
            return self.token_error(400, "unsupported_grant_type",
                                    "only authorization_code")
        code = q.get("code", "")
        with P.lock:
            grant = P.codes.pop(code, None)     # single use, even on error
        if grant is None:
            return self.token_error(400, "invalid_grant",
                                    "unknown or already used code")
        if time.time() > grant["expires"]:
            return self.token_error(400, "invalid_grant", "code expired")
        if grant["client_id"] != client_id:
            return self.token_error(400, "invalid_grant",
                                    "code issued to another client")
        if q.get("redirect_uri") != grant["redirect_uri"]:
            return self.token_error(400, "invalid_grant",
                                    "redirect_uri does not match")
        if grant["challenge"] is not None:
            v = q.get("code_verifier", "")
            if grant["method"] == "S256":
                v = b64url(hashlib.sha256(v.encode()).digest())
            if not hmac.compare_digest(v, grant["challenge"]):
                return self.token_error(400, "invalid_grant",
                                        "PKCE verification failed")
        access = secrets.token_urlsafe(32)
        with P.lock:
            P.tokens[access] = (dict(grant["user"]),
                                time.time() + TOKEN_LIFETIME)
        self.send_json(200, {"access_token": access,
                             "token_type": "Bearer",
                             "expires_in": TOKEN_LIFETIME,
                             "scope": grant["scope"],
                             "id_token": P.id_token(grant, access)})

    # ---- userinfo

    def h_userinfo(self):
        P = self.P
        with P.lock:
            P.counts["userinfo"] += 1
        auth = self.headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if token is None and self.command == "POST":
            q, _ = self.form()
            token = q.get("access_token")
        elif self.command == "POST":
            self.body()
        with P.lock:
            entry = P.tokens.get(token or "")
        if entry is None or time.time() > entry[1]:
            self.note("userinfo: invalid token")
            return self.send_json(401, {"error": "invalid_token"}, [(
                "WWW-Authenticate", 'Bearer error="invalid_token"')])
        user = entry[0]
        self.send_json(200, dict({"sub": user["sub"]}, **user_claims(user)))

    # ---- control (for the test)

    def read_json(self):
        try:
            obj = json.loads(self.body() or b"{}")
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            self.send(400, "body must be a JSON object\n")
            return None
        return obj

    def h_next_user(self):
        user = self.read_json()
        if user is None:
            return
        if not user.get("error") and not (isinstance(user.get("sub"), str)
                                          and user["sub"]):
            return self.send(400, "sub (a non-empty string) is required\n")
        with self.P.lock:
            self.P.next_user = user
        self.note("next user: %s" % json.dumps(user))
        self.send_json(200, {"ok": True, "next_user": user})

    def h_faults(self):
        faults = self.read_json()
        if faults is None:
            return
        bad = [k for k in faults if k not in FAULTS]
        if bad:
            return self.send(400, "unknown fault(s) %s; known: %s\n" % (
                ",".join(bad), ",".join(FAULTS)))
        with self.P.lock:
            self.P.faults.update({k: bool(v) for k, v in faults.items()})
            now = dict(self.P.faults)
        self.note("faults: %s" % json.dumps(now))
        self.send_json(200, now)

    def h_state(self):
        P = self.P
        with P.lock:
            self.send_json(200, {
                "issuer": P.issuer, "kid": P.kid, "signer": P.signer.name,
                "counts": P.counts, "faults": P.faults,
                "next_user": P.next_user,
                "last_authorize": P.last_authorize,
                "last_token_error": P.last_token_error,
                "outstanding_codes": len(P.codes)})


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description="test OpenID Connect provider")
    ap.add_argument("--port", type=int, required=True,
                    help="port on 127.0.0.1 (0: pick a free one)")
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--redirect-uri", action="append", required=True,
                    help="registered redirect URI (repeatable)")
    ap.add_argument("--issuer", help="default http://127.0.0.1:PORT")
    ap.add_argument("--bad-signature", action="store_true",
                    help="sign ID tokens with a corrupted signature")
    ap.add_argument("--signer", choices=("auto", "cryptography", "openssl"),
                    default="auto")
    args = ap.parse_args()

    signer = make_signer(args.signer)
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    if not args.issuer:
        args.issuer = "http://127.0.0.1:%d" % port
    Handler.P = Provider(args, signer)

    def stop(*_):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sys.stderr.write("provider: issuer %s, client %s, signer %s, kid %s\n"
                     % (args.issuer, args.client_id, signer.name,
                        Handler.P.kid))
    print("ready" if args.port else "ready %d" % port, flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        signer.close()


if __name__ == "__main__":
    main()
