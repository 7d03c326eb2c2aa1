#!/bin/sh
# test_userimport.sh -- run t/unit/test_userimport with python3, which
# builds the Flask portal's users.db it imports (t/unit/flask_users.py; see
# test_python.sh, which fails when python3 is missing).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/test_python.sh" "${top_builddir:-.}/t/unit/test_userimport" "$@"
