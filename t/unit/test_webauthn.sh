#!/bin/sh
# test_webauthn.sh -- build WebAuthn responses with t/unit/webauthn_make.py
# (python3-cryptography) into a temporary folder and run
# t/unit/test_webauthn on them.  Fails when no python3 with the
# cryptography module is found (Debian: python3-cryptography).
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${top_builddir:-.}/t/unit/test_webauthn}
if [ ! -x "$bin" ]; then
    echo "test_webauthn.sh: no test binary at $bin" >&2
    exit 99
fi
py=
for c in python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 \
       && "$c" -c 'import cryptography' >/dev/null 2>&1; then
        py=$c
        break
    fi
done
if [ -z "$py" ]; then
    echo "test_webauthn.sh: no python3 with the cryptography module:" \
         "install the Debian package python3-cryptography" >&2
    exit 1
fi
tmp=$(mktemp -d /tmp/portal-webauthn.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! "$py" "$here/webauthn_make.py" "$tmp/cases.json"; then
    echo "test_webauthn.sh: could not build the test responses" >&2
    exit 1
fi
"$bin" "$tmp/cases.json"
