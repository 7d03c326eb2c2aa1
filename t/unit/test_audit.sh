#!/bin/sh
# test_audit.sh -- run t/unit/test_audit with python3 (json), sha256sum,
# base64 and openssl, which it checks the chain's format and the
# documented shell verification with (see test_python.sh, which fails when
# one is missing).
here=$(cd "$(dirname "$0")" && pwd)
for tool in sha256sum base64 openssl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "test_audit.sh: $tool is missing (coreutils, openssl)" >&2
        exit 1
    fi
done
exec "$here/test_python.sh" "${top_builddir:-.}/t/unit/test_audit" "$@"
