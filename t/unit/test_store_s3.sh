#!/bin/sh
# test_store_s3.sh -- run the S3 store's unit test against a throwaway
# s3rver on loopback.
#   t/unit/test_store_s3.sh [TEST_BINARY]
# TEST_BINARY defaults to $top_builddir/t/unit/test_store_s3 (make check
# exports top_srcdir and top_builddir).  Starts s3rver with scripts/s3.sh on
# a free port in a temporary folder, runs the binary with
# PORTAL_S3_ENDPOINT and PORTAL_S3_BUCKET set, stops the server and removes
# the folder whatever happens, and exits with the binary's status.  Fails
# when node or npm is missing: scripts/deps.sh test installs them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
bin=${1:-${top_builddir:-.}/t/unit/test_store_s3}
bucket=portal-test

if [ ! -x "$bin" ]; then
    echo "test_store_s3.sh: no test binary at $bin" >&2
    exit 99
fi
for tool in node npm curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "test_store_s3.sh: $tool is not installed (needed for s3rver; scripts/deps.sh test installs it)" >&2
        exit 1
    fi
done

tmp=$(mktemp -d /tmp/portal-s3.XXXXXX)
cleanup() {
    status=$?
    trap - EXIT INT TERM
    "$top_srcdir/scripts/s3.sh" stop "$tmp/s3" || :
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a port the kernel just handed out; tried again if someone takes it first
free_port() {
    node -e 'const s = require("net").createServer();
             s.listen(0, "127.0.0.1", () => {
                 console.log(s.address().port); s.close(); });'
}
started=
for try in 1 2 3; do
    port=$(free_port) || break
    if "$top_srcdir/scripts/s3.sh" start "$tmp/s3" "$port" "$bucket"; then
        started=1
        break
    fi
    echo "test_store_s3.sh: s3rver did not start on port $port (try $try)" >&2
done
if [ -z "$started" ]; then
    echo "test_store_s3.sh: could not start s3rver" >&2
    exit 1
fi

PORTAL_S3_ENDPOINT=http://127.0.0.1:$port PORTAL_S3_BUCKET=$bucket "$bin"
