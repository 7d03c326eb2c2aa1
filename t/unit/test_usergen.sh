#!/bin/sh
# test_usergen.sh -- run t/unit/test_usergen with python3 (cryptography,
# csv), which it checks the generator's stream and files against (see
# test_python.sh, which fails when a module is missing).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/test_python.sh" "${top_builddir:-.}/t/unit/test_usergen" "$@"
