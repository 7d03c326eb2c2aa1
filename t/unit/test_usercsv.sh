#!/bin/sh
# test_usercsv.sh -- run t/unit/test_usercsv with python3, which makes the
# werkzeug hashes it imports and reads its failure report (see
# test_python.sh, which fails when python3 is missing).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/test_python.sh" "${top_builddir:-.}/t/unit/test_usercsv" "$@"
