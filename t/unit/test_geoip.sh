#!/bin/sh
# test_geoip.sh -- run the GeoIP unit test against a database made for it.
#   t/unit/test_geoip.sh [TEST_BINARY]
# TEST_BINARY defaults to $top_builddir/t/unit/test_geoip (make check
# exports top_srcdir and top_builddir).  Writes the test database with
# t/geoip/make-mmdb.pl into a temporary folder, runs the binary with its
# path, removes the folder whatever happens, and exits with the binary's
# status.  Fails when perl or the Perl module MaxMind::DB::Writer::Tree
# (Debian: libmaxmind-db-writer-perl) is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
bin=${1:-${top_builddir:-.}/t/unit/test_geoip}

if [ ! -x "$bin" ]; then
    echo "test_geoip.sh: no test binary at $bin" >&2
    exit 99
fi
if ! command -v perl >/dev/null 2>&1; then
    echo "test_geoip.sh: perl is not installed" >&2
    exit 1
fi
if ! perl -MMaxMind::DB::Writer::Tree -e 1 >/dev/null 2>&1; then
    echo "test_geoip.sh: the Perl module MaxMind::DB::Writer::Tree is" \
         "missing: install the Debian package libmaxmind-db-writer-perl" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/portal-geoip.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! perl "$top_srcdir/t/geoip/make-mmdb.pl" "$tmp/test.mmdb"; then
    echo "test_geoip.sh: could not write the test database" >&2
    exit 1
fi
"$bin" "$tmp/test.mmdb"
