#!/bin/sh
# test_audit_pg.sh -- run t/unit/test_audit_db on PostgreSQL: a throwaway
# cluster (scripts/pg.sh) on a free loopback port, the database made
# anew, the cluster stopped and removed whatever happens.
#   t/unit/test_audit_pg.sh [TEST_BINARY]
# Fails (never skips) when PostgreSQL is not installed: scripts/deps.sh
# test installs it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
bin=${1:-${top_builddir:-.}/t/unit/test_audit_db}

if [ ! -x "$bin" ]; then
    echo "test_audit_pg.sh: no test binary at $bin" >&2
    exit 99
fi
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "test_audit_pg.sh: PostgreSQL is not installed (Debian package" \
         "postgresql; scripts/deps.sh test)" >&2
    exit 1
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/portal-auditpg.XXXXXX)
cleanup() {
    status=$?
    trap - EXIT INT TERM
    "$top_srcdir/scripts/pg.sh" stop "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$top_srcdir/scripts/pg.sh" start "$dir" "$port" || exit 1
"$top_srcdir/scripts/pg.sh" reset "$dir" "$port" 2>/dev/null || exit 1
"$bin" pgsql "host=127.0.0.1 port=$port user=portal dbname=portal_test"
