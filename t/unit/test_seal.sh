#!/bin/sh
# test_seal.sh -- run t/unit/test_seal with the independent tools it compares
# against (see test_python.sh, which fails when one is missing).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/test_python.sh" "${top_builddir:-.}/t/unit/test_seal" "$@"
