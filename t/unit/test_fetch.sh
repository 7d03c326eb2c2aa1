#!/bin/sh
# test_fetch.sh -- run the feed fetcher's unit test against
# t/unit/feed_server.py on loopback.
#   t/unit/test_fetch.sh [TEST_BINARY]
# TEST_BINARY defaults to $top_builddir/t/unit/test_fetch (make check
# exports top_srcdir and top_builddir).  Makes a throwaway certificate for
# 127.0.0.1 (when openssl is there), starts the server on free ports, runs
# the binary with PORTAL_FEED_URL (and PORTAL_FEED_TLS_URL,
# PORTAL_FEED_CA), stops the server and removes the folder whatever
# happens, and exits with the binary's status.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
bin=${1:-${top_builddir:-.}/t/unit/test_fetch}

if [ ! -x "$bin" ]; then
    echo "test_fetch.sh: no test binary at $bin" >&2
    exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "test_fetch.sh: python3 is not installed" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/portal-fetch.XXXXXX)
pid=
cleanup() {
    status=$?
    trap - EXIT INT TERM
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

set --
if command -v openssl >/dev/null 2>&1 \
    && openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
    set -- --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
fi
: >"$tmp/server.out"
python3 "$top_srcdir/t/unit/feed_server.py" --port 0 "$@" \
    >"$tmp/server.out" &
pid=$!

port=
tries=0
while [ -z "$port" ] && [ $tries -lt 100 ]; do
    port=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
    if [ -z "$port" ]; then
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
        tries=$((tries + 1))
    fi
done
if [ -z "$port" ]; then
    echo "test_fetch.sh: feed_server.py did not start" >&2
    exit 1
fi
PORTAL_FEED_URL=http://127.0.0.1:$port
export PORTAL_FEED_URL
tls_port=$(sed -n 's/^tls \([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
if [ -n "$tls_port" ]; then
    PORTAL_FEED_TLS_URL=https://127.0.0.1:$tls_port
    PORTAL_FEED_CA=$tmp/cert.pem
    export PORTAL_FEED_TLS_URL PORTAL_FEED_CA
fi
PORTAL_FEED_TMP=$tmp
export PORTAL_FEED_TMP

"$bin"
