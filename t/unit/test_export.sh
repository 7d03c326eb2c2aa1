#!/bin/sh
# test_export.sh -- run the export unit test, then validate the STIX
# bundles it wrote against the OASIS STIX 2.1 JSON schemas.
#   t/unit/test_export.sh [TEST_BINARY]
# TEST_BINARY defaults to $top_builddir/t/unit/test_export (make check
# exports top_srcdir and top_builddir).  The binary writes valid bundles to
# TMP/good and deliberately broken ones to TMP/bad; every good one must
# pass t/unit/check_stix.py (schemas in t/fixtures/stix-schemas) and every
# bad one must fail it, as must the non-conformant GreyNoise reference
# bundle when shared/ is beside the source tree (PT_STIX_NONCONFORMANT
# names another copy).  Exits non-zero on any failure, and when python3 or
# its jsonschema module (Debian: python3-jsonschema) is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
bin=${1:-${top_builddir:-.}/t/unit/test_export}
check="$top_srcdir/t/unit/check_stix.py"
schemas="$top_srcdir/t/fixtures/stix-schemas"
nonconformant=${PT_STIX_NONCONFORMANT:-$top_srcdir/../shared/reference/feeds/greynoise/greynoise_globalprotect_sonicwall_stix_NONCONFORMANT.json}

if [ ! -x "$bin" ]; then
    echo "test_export.sh: no test binary at $bin" >&2
    exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "test_export.sh: python3 is not installed (Debian: python3, python3-jsonschema)" >&2
    exit 1
fi
if ! python3 -c 'import jsonschema' >/dev/null 2>&1; then
    echo "test_export.sh: the python3 jsonschema module is missing (Debian: python3-jsonschema)" >&2
    exit 1
fi
if [ ! -f "$schemas/common/bundle.json" ]; then
    echo "test_export.sh: no STIX schemas in $schemas" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/portal-export.XXXXXX)
cleanup() {
    status=$?
    trap - EXIT INT TERM
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed=0
PT_EXPORT_OUTDIR="$tmp" "$bin" || failed=1

# check_stix.py prints "ok: FILE" or "INVALID: FILE" for each file and
# exits 0 (all valid), 1 (one is not) or 2 (could not check).
# expect STATUS VERDICT WHAT FILE...: one run over the files.
expect() {
    want=$1 verdict=$2 what=$3
    shift 3
    python3 "$check" --schemas "$schemas" "$@" >"$tmp/check.log" 2>&1
    got=$?
    for f in "$@"; do
        if grep -qxF "$verdict: $f" "$tmp/check.log"; then
            echo "ok - $what: $(basename "$f")"
        else
            echo "not ok - $what: $(basename "$f")"
            failed=1
        fi
    done
    if [ "$got" != "$want" ]; then
        echo "not ok - check_stix.py exited $got, expected $want"
        sed 's/^/#   /' "$tmp/check.log" | head -n 40
        failed=1
    fi
}

set -- "$tmp"/good/*.json
good=$#
[ -f "$1" ] || good=0
[ "$good" = 0 ] || expect 0 ok "bundle valid against the OASIS schemas" "$@"
set -- "$tmp"/bad/*.json
bad=$#
[ -f "$1" ] || bad=0
[ "$bad" = 0 ] || expect 1 INVALID "broken bundle rejected" "$@"
if [ "$good" -lt 3 ] || [ "$bad" -lt 10 ]; then
    echo "not ok - the test wrote $good valid and $bad broken bundles (expected 3 and 10 or more)"
    failed=1
fi
if [ -f "$nonconformant" ]; then
    expect 1 INVALID "non-conformant reference bundle rejected" "$nonconformant"
else
    echo "# no $nonconformant: reference bundle not checked"
fi

if [ "$failed" != 0 ]; then
    echo "test_export.sh: FAILED" >&2
fi
exit "$failed"
