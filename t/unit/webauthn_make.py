#!/usr/bin/env python3
"""webauthn_make.py -- build WebAuthn registration and authentication
responses the way an authenticator and a browser would, independently of
the portal's C code (python3-cryptography for keys and signatures, a small
CBOR encoder here), for t/unit/test_webauthn.c and the fuzz corpora.

    webauthn_make.py CASES.json            the test cases
    webauthn_make.py --corpus DIR          seeds for t/fuzz/corpus/
                                           webauthn_attest/ and
                                           webauthn_assert/ under DIR

Each case is a JSON object: "kind" ("register" or "assert"), what the
server expects ("rp_id", "origin", "challenge" in base64url,
"require_uv"), the response ("client_data", "attestation" or
"auth_data" and "signature", all base64url), for assertions the stored
"public_key" (COSE, base64url) and "stored_count", and "expect": "ok",
"EINVAL", "EGENERAL" or "ECOUNTER" with "what" (a substring of the error
message), and for "ok" the "alg", "sign_count" and "cred_id" to find.
"""
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

RP_ID = "localhost"
ORIGIN = "http://localhost:8529"
FUZZ_CHALLENGE = b"fuzz-challenge-0123456789abcdef!"   # 32 bytes

UP, UV, BE, BS, AT, ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


# ---------------------------------------------------------------- CBOR

def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < (1 << (8 * struct.calcsize(fmt))):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v):
    """Definite-length CBOR of int, bytes, str, bool, list, dict (keys in
    the order given, so tests can build duplicate keys with a list of
    pairs wrapped in Pairs)."""
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, Pairs):
        return _head(5, len(v.pairs)) + b"".join(cbor(k) + cbor(x) for k, x in v.pairs)
    if isinstance(v, dict):
        return _head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


class Pairs:
    def __init__(self, *pairs):
        self.pairs = pairs


# ---------------------------------------------------------------- keys

class Key:
    def __init__(self, alg):
        self.alg = alg
        if alg == -7:
            self.sk = ec.generate_private_key(ec.SECP256R1())
            n = self.sk.public_key().public_numbers()
            self.cose_map = {1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"),
                             -3: n.y.to_bytes(32, "big")}
        elif alg == -8:
            self.sk = ed25519.Ed25519PrivateKey.generate()
            x = self.sk.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
            self.cose_map = {1: 1, 3: -8, -1: 6, -2: x}
        elif alg == -257:
            self.sk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            n = self.sk.public_key().public_numbers()
            self.cose_map = {1: 3, 3: -257, -1: n.n.to_bytes(256, "big"),
                             -2: n.e.to_bytes(3, "big")}
        self.cose = cbor(self.cose_map)

    def sign(self, msg):
        if self.alg == -7:
            return self.sk.sign(msg, ec.ECDSA(hashes.SHA256()))
        if self.alg == -8:
            return self.sk.sign(msg)
        return self.sk.sign(msg, padding.PKCS1v15(), hashes.SHA256())


# ---------------------------------------------------------------- pieces

def client_data(typ, challenge, origin=ORIGIN, extra=None, raw=None):
    if raw is not None:
        return raw.encode()
    d = {"type": typ, "challenge": b64u(challenge), "origin": origin,
         "crossOrigin": False}
    if extra:
        d.update(extra)
    return json.dumps(d, separators=(",", ":")).encode()


def auth_data(flags, count, cred_id=None, cose=None, rp_id=RP_ID, ext=None,
              aaguid=b"\x00" * 16):
    ad = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)
    if cred_id is not None:
        ad += aaguid + struct.pack(">H", len(cred_id)) + cred_id + cose
    if ext is not None:
        ad += ext
    return ad


def att_obj(ad, fmt="none", stmt=None):
    return cbor({"fmt": fmt, "attStmt": stmt if stmt is not None else {}, "authData": ad})


def reg_case(name, key, expect="ok", what="", require_uv=False, flags=UP | UV | AT,
             count=0, typ="webauthn.create", origin=ORIGIN, cd_extra=None, cd_raw=None,
             rp_id=RP_ID, fmt="none", stmt=None, obj=None, cose=None, challenge=None,
             signed_challenge=None, ad_tail=b"", ext=None, cred_id=None):
    challenge = challenge or os.urandom(32)
    cred_id = cred_id or os.urandom(32)
    cd = client_data(typ, signed_challenge or challenge, origin, cd_extra, cd_raw)
    ad = auth_data(flags, count, cred_id, cose if cose is not None else key.cose,
                   rp_id, ext) + ad_tail
    if stmt == "self":
        stmt = {"alg": key.alg, "sig": key.sign(ad + hashlib.sha256(cd).digest())}
    if obj is None:
        obj = att_obj(ad, fmt, stmt)
    c = {"name": name, "kind": "register", "rp_id": RP_ID, "origin": ORIGIN,
         "challenge": b64u(challenge), "require_uv": require_uv,
         "client_data": b64u(cd), "attestation": b64u(obj), "expect": expect,
         "what": what}
    if expect == "ok":
        c.update({"alg": key.alg, "sign_count": count, "cred_id": b64u(cred_id),
                  "public_key": b64u(key.cose)})
    return c


def assert_case(name, key, expect="ok", what="", require_uv=False, flags=UP | UV,
                count=1, stored=0, typ="webauthn.get", origin=ORIGIN, rp_id=RP_ID,
                signer=None, tamper=None, ext=None, cd_extra=None, with_cred=False):
    challenge = os.urandom(32)
    cd = client_data(typ, challenge, origin, cd_extra)
    ad = auth_data(flags, count, os.urandom(16) if with_cred else None,
                   key.cose if with_cred else None, rp_id=rp_id, ext=ext)
    sig = (signer or key).sign(ad + hashlib.sha256(cd).digest())
    if tamper == "sig":
        sig = sig[:-1] + bytes([sig[-1] ^ 1]) if key.alg != -7 else \
            sig[:10] + bytes([sig[10] ^ 0x40]) + sig[11:]
    elif tamper == "ad":
        ad = ad[:-1] + bytes([ad[-1] ^ 1])           # the counter's last byte
    elif tamper == "cd":
        cd = cd.replace(b'"type"', b' "type"', 1)
    elif tamper == "garbage":
        sig = os.urandom(len(sig))
    c = {"name": name, "kind": "assert", "rp_id": RP_ID, "origin": ORIGIN,
         "challenge": b64u(challenge), "require_uv": require_uv,
         "client_data": b64u(cd), "auth_data": b64u(ad), "signature": b64u(sig),
         "public_key": b64u(key.cose), "stored_count": stored, "expect": expect,
         "what": what}
    if expect in ("ok", "ECOUNTER"):
        c["sign_count"] = count
    return c


# ---------------------------------------------------------------- cases

def cases():
    es, ed, rs = Key(-7), Key(-8), Key(-257)
    other = Key(-7)
    out = []
    R = out.append
    # registrations that must pass
    R(reg_case("ES256, none", es))
    R(reg_case("EdDSA, none", ed))
    R(reg_case("RS256, none", rs, count=7))
    R(reg_case("ES256, packed self attestation", es, fmt="packed", stmt="self"))
    R(reg_case("EdDSA, packed self attestation", ed, fmt="packed", stmt="self"))
    R(reg_case("UV missing, not required", es, flags=UP | AT))
    R(reg_case("tokenBinding supported", es, cd_extra={"tokenBinding": {"status": "supported"}}))
    R(reg_case("synced passkey (BE and BS)", es, flags=UP | UV | AT | BE | BS))
    R(reg_case("unknown clientData members are ignored", es,
               cd_extra={"other_keys_can_be_added_here": "x"}))
    # registrations that must fail
    R(reg_case("wrong type", es, "EGENERAL", "wrong type", typ="webauthn.get"))
    R(reg_case("wrong challenge", es, "EGENERAL", "wrong challenge",
               signed_challenge=os.urandom(32)))
    R(reg_case("wrong origin (port)", es, "EGENERAL", "wrong origin",
               origin="http://localhost:8530"))
    R(reg_case("wrong origin (host)", es, "EGENERAL", "wrong origin",
               origin="https://evil.example"))
    R(reg_case("wrong origin (scheme)", es, "EGENERAL", "wrong origin",
               origin="https://localhost:8529"))
    R(reg_case("crossOrigin true", es, "EGENERAL", "cross-origin",
               cd_extra={"crossOrigin": True}))
    R(reg_case("tokenBinding present", es, "EGENERAL", "token binding",
               cd_extra={"tokenBinding": {"status": "present", "id": "abc"}}))
    R(reg_case("tokenBinding not an object", es, "EINVAL", "tokenBinding",
               cd_extra={"tokenBinding": "present"}))
    R(reg_case("wrong rpIdHash", es, "EGENERAL", "wrong relying party",
               rp_id="evil.example"))
    R(reg_case("UP missing", es, "EGENERAL", "user presence missing", flags=UV | AT))
    R(reg_case("UV required and missing", es, "EGENERAL",
               "user verification missing", require_uv=True, flags=UP | AT))
    R(reg_case("BS without BE", es, "EINVAL", "backup", flags=UP | UV | AT | BS))
    R(reg_case("AT missing", es, "EINVAL", "",
               obj=att_obj(auth_data(UP | UV, 0))))
    R(reg_case("trailing bytes after authData", es, "EINVAL", "trailing",
               ad_tail=b"\x00"))
    R(reg_case("ED flag without extensions", es, "EINVAL", "extensions",
               flags=UP | UV | AT | ED))
    R(reg_case("packed self attestation, bad signature", es, "EGENERAL",
               "bad signature", fmt="packed",
               stmt={"alg": -7, "sig": other.sign(b"x")}))
    R(reg_case("packed self attestation, alg differs", es, "EGENERAL",
               "alg differs", fmt="packed", stmt={"alg": -8, "sig": b"\x01" * 64}))
    R(reg_case("packed with x5c", es, "EGENERAL", "unsupported attestation",
               fmt="packed", stmt={"alg": -7, "sig": b"\x01" * 70, "x5c": [b"\x30\x00"]}))
    R(reg_case("fido-u2f format", es, "EGENERAL", "unsupported attestation",
               fmt="fido-u2f", stmt={"sig": b"\x01", "x5c": [b"\x30\x00"]}))
    R(reg_case("none with a statement", es, "EINVAL", "statement",
               stmt={"alg": -7}))
    R(reg_case("COSE key: ES384 (unsupported)", es, "EINVAL", "unsupported key algorithm",
               cose=cbor({1: 2, 3: -35, -1: 2, -2: b"\x01" * 48, -3: b"\x02" * 48})))
    R(reg_case("COSE key: ES256 on the wrong curve", es, "EINVAL", "P-256",
               cose=cbor({1: 2, 3: -7, -1: 2, -2: es.cose_map[-2], -3: es.cose_map[-3]})))
    R(reg_case("COSE key: point not on the curve", es, "EINVAL", "not a valid",
               cose=cbor({1: 2, 3: -7, -1: 1, -2: es.cose_map[-2], -3: b"\x01" * 32})))
    R(reg_case("COSE key: short x", es, "EINVAL", "coordinates",
               cose=cbor({1: 2, 3: -7, -1: 1, -2: b"\x01" * 31, -3: b"\x02" * 32})))
    R(reg_case("COSE key: repeated alg", es, "EINVAL", "repeats",
               cose=cbor(Pairs((1, 2), (3, -7), (3, -7), (-1, 1),
                               (-2, es.cose_map[-2]), (-3, es.cose_map[-3])))))
    R(reg_case("COSE key: RSA-1024", rs, "EINVAL", "2048",
               cose=cbor({1: 3, 3: -257, -1: b"\xc1" * 128, -2: b"\x01\x00\x01"})))
    R(reg_case("attestation object repeats authData", es, "EINVAL", "repeats",
               obj=cbor(Pairs(("fmt", "none"), ("attStmt", {}),
                              ("authData", auth_data(UP | AT, 0, b"1", es.cose)),
                              ("authData", auth_data(UP | AT, 0, b"2", es.cose))))))
    R(reg_case("attestation object: fmt missing", es, "EINVAL", "fmt",
               obj=cbor({"attStmt": {}, "authData": auth_data(UP | AT, 0, b"1", es.cose)})))
    R(reg_case("attestation object: garbage", es, "EINVAL", "",
               obj=b"\xa3\x63fmt\x64none\x67attStmt"))
    R(reg_case("attestation object: not a map", es, "EINVAL", "",
               obj=cbor(["fmt", "none"])))
    R(reg_case("attestation object: map declaring 2^30 pairs", es, "EINVAL", "",
               obj=b"\xba\x40\x00\x00\x00\x63fmt"))
    R(reg_case("attestation object: indefinite map", es, "EINVAL", "",
               obj=b"\xbf" + cbor("fmt")[0:] + cbor("none") + b"\xff"))
    R(reg_case("clientDataJSON: not JSON", es, "EINVAL", "JSON", cd_raw="{type:"))
    R(reg_case("clientDataJSON: duplicate type", es, "EINVAL", "JSON",
               cd_raw='{"type":"webauthn.create","type":"webauthn.create",'
                      '"challenge":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",'
                      '"origin":"http://localhost:8529"}'))
    R(reg_case("clientDataJSON: challenge not base64url", es, "EINVAL", "challenge",
               cd_raw='{"type":"webauthn.create","challenge":"***",'
                      '"origin":"http://localhost:8529"}'))
    R(reg_case("clientDataJSON: an array", es, "EINVAL", "JSON", cd_raw="[]"))
    R(reg_case("credential id of 1024 bytes", es, "EINVAL", "credential id",
               cred_id=os.urandom(1024)))

    # authentications that must pass
    R(assert_case("ES256", es, count=5, stored=4))
    R(assert_case("EdDSA", ed, count=1, stored=0))
    R(assert_case("RS256", rs, count=100, stored=7))
    R(assert_case("no counter (both 0)", es, count=0, stored=0))
    R(assert_case("UV required and present", es, require_uv=True))
    R(assert_case("UP only, UV not required", es, flags=UP))
    R(assert_case("an empty extensions map", es, flags=UP | ED, ext=cbor({})))
    # authentications that must fail
    R(assert_case("counter goes backwards", es, "ECOUNTER", "cloned", count=5, stored=10))
    R(assert_case("counter stays", ed, "ECOUNTER", "cloned", count=5, stored=5))
    R(assert_case("counter drops to 0", es, "ECOUNTER", "cloned", count=0, stored=3))
    R(assert_case("counter backwards with a bad signature", es, "EGENERAL",
                  "bad signature", count=1, stored=10, tamper="sig"))
    R(assert_case("wrong origin", es, "EGENERAL", "wrong origin",
                  origin="http://127.0.0.1:8529"))
    R(assert_case("wrong type", es, "EGENERAL", "wrong type", typ="webauthn.create"))
    R(assert_case("wrong rpIdHash", es, "EGENERAL", "wrong relying party",
                  rp_id="localhost.evil.example"))
    R(assert_case("UP missing", es, "EGENERAL", "user presence missing", flags=UV))
    R(assert_case("UV required and missing", es, "EGENERAL",
                  "user verification missing", require_uv=True, flags=UP))
    R(assert_case("tampered signature (ES256)", es, "EGENERAL", "bad signature",
                  tamper="sig"))
    R(assert_case("tampered signature (EdDSA)", ed, "EGENERAL", "bad signature",
                  tamper="sig"))
    R(assert_case("tampered signature (RS256)", rs, "EGENERAL", "bad signature",
                  tamper="sig"))
    R(assert_case("tampered authData", es, "EGENERAL", "bad signature", tamper="ad"))
    R(assert_case("tampered authData (EdDSA)", ed, "EGENERAL", "bad signature",
                  tamper="ad"))
    R(assert_case("tampered clientDataJSON", es, "EGENERAL", "bad signature",
                  tamper="cd"))
    R(assert_case("another key's signature", es, "EGENERAL", "bad signature",
                  signer=other))
    R(assert_case("a random signature", ed, "EGENERAL", "", tamper="garbage"))
    R(assert_case("AT set in an assertion", es, "EINVAL", "credential data",
                  flags=UP | AT))
    R(assert_case("AT with credential data in an assertion, signed", es, "EINVAL",
                  "unexpected credential data", flags=UP | AT, with_cred=True))
    R(assert_case("crossOrigin true", es, "EGENERAL", "cross-origin",
                  cd_extra={"crossOrigin": True}))
    c = assert_case("truncated authData", es, "EINVAL", "too short")
    c["auth_data"] = b64u(base64.urlsafe_b64decode(c["auth_data"] + "==")[:36])
    R(c)
    c = assert_case("a wrong challenge", es, "EGENERAL", "wrong challenge")
    c["challenge"] = b64u(os.urandom(32))
    R(c)
    return out


# ---------------------------------------------------------------- corpora

def frame(*parts):
    """u16 big-endian length before each part but the last."""
    out = b""
    for p in parts[:-1]:
        out += struct.pack(">H", len(p)) + p
    return out + parts[-1]


def corpus(top):
    att_dir = os.path.join(top, "webauthn_attest")
    as_dir = os.path.join(top, "webauthn_assert")
    os.makedirs(att_dir, exist_ok=True)
    os.makedirs(as_dir, exist_ok=True)
    for alg, name in ((-7, "es256"), (-8, "eddsa"), (-257, "rs256")):
        k = Key(alg)
        cd = client_data("webauthn.create", FUZZ_CHALLENGE)
        ad = auth_data(UP | UV | AT, 0, os.urandom(16), k.cose)
        with open(os.path.join(att_dir, f"none-{name}"), "wb") as f:
            f.write(frame(cd, att_obj(ad)))
        stmt = {"alg": alg, "sig": k.sign(ad + hashlib.sha256(cd).digest())}
        with open(os.path.join(att_dir, f"packed-{name}"), "wb") as f:
            f.write(frame(cd, att_obj(ad, "packed", stmt)))
        cd = client_data("webauthn.get", FUZZ_CHALLENGE)
        for count, tag in ((5, "ok"), (0, "nocounter")):
            ad = auth_data(UP | UV, count)
            sig = k.sign(ad + hashlib.sha256(cd).digest())
            # stored counter in the first byte, then the framed parts
            with open(os.path.join(as_dir, f"{tag}-{name}"), "wb") as f:
                f.write(bytes([1 if count else 0]) + frame(k.cose, ad, sig, cd))
        ad = auth_data(UP | ED, 9, ext=cbor({"credProtect": 1}))
        sig = k.sign(ad + hashlib.sha256(cd).digest())
        with open(os.path.join(as_dir, f"ext-{name}"), "wb") as f:
            f.write(bytes([2]) + frame(k.cose, ad, sig, cd))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--corpus":
        corpus(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "w") as f:
        json.dump(cases(), f, indent=1)


if __name__ == "__main__":
    main()
