#!/bin/sh
# pg.sh -- a throwaway PostgreSQL cluster for the tests, on loopback only.
#   scripts/pg.sh start DIR PORT   -> creates DIR, starts, creates role+db
#   scripts/pg.sh stop DIR
# initdb refuses root, so the cluster runs as the postgres user.
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL is not installed" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cmd=$1 dir=$2
case "$cmd" in
start)
    port=$3
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >/dev/null
    if ! as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        echo "pg.sh: PostgreSQL did not start on port $port:" >&2
        tail -n 15 "$dir/log" >&2
        exit 1
    fi
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE ROLE portal LOGIN" >/dev/null
    ;;
reset)
    port=$3
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres \
        -c "DROP DATABASE IF EXISTS portal_test WITH (FORCE)" -c "CREATE DATABASE portal_test OWNER portal" >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg.sh start|reset|stop DIR [PORT]" >&2; exit 2 ;;
esac
