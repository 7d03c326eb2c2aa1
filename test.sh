#!/bin/sh
# test.sh -- install what is missing, build, and run every test:
#   - C unit tests and fuzz-corpus replay (make check), normal and
#     sanitizer builds;
#   - the libFuzzer targets for a short while (FUZZ_SECONDS, default 20);
#   - start-up behaviour (bad templates and directives stop httpd);
#   - the Apache::Test suite on SQLite and on a throwaway PostgreSQL
#     cluster (event MPM), on PostgreSQL with the files in an S3 server
#     on loopback (s3rver), on SQLite under the prefork MPM, and on SQLite
#     with the module built with AddressSanitizer + UBSan;
#   - the headless-Chromium suite against ./run.sh.
# Ends with "test.sh: N passed, M failed" (suites) and exits non-zero when
# any failed.
set -u
top=$(cd "$(dirname "$0")" && pwd)
cd "$top" || exit 1

"$top/scripts/deps.sh" test || exit 1
"$top/scripts/build.sh" "$top/build" || exit 1
"$top/scripts/build.sh" "$top/build-asan" --asan || exit 1

passed=0 failed=0 failures=""
suite() {
    name=$1; shift
    echo "=============================================== $name"
    start=$(date +%s)
    if "$@"; then
        passed=$((passed + 1)); verdict=PASS
    else
        failed=$((failed + 1)); verdict=FAIL; failures="$failures
  - $name"
    fi
    echo "=============================================== $name: $verdict ($(( $(date +%s) - start ))s)"
}
check() {
    make -s -C "$1" check >/dev/null 2>&1 && { grep -h '^# \(TOTAL\|PASS\|FAIL\)' "$1/test-suite.log"; return 0; }
    cat "$1/test-suite.log" "$1"/t/unit/*.log 2>/dev/null | grep -v '^ok ' | tail -n 60
    return 1
}

pgdir=$(mktemp -d /tmp/portal-pg.XXXXXX)
pgport=${PORTAL_PG_PORT:-55432}
while ss -Hltn "sport = :$pgport" 2>/dev/null | grep -q .; do
    pgport=$((pgport + 1))
done
cleanup() { "$top/scripts/pg.sh" stop "$pgdir"; }
trap cleanup EXIT INT TERM

suite "unit tests (make check)" check "$top/build"
suite "unit tests, ASan+UBSan (make check)" check "$top/build-asan"
suite "fuzz targets" "$top/scripts/fuzz.sh"
suite "start-up checks" "$top/t/startup.sh" "$top/build"
suite "HTTP, SQLite, event MPM" "$top/scripts/apache-test.sh" --db sqlite --mpm event
if "$top/scripts/pg.sh" start "$pgdir" "$pgport"; then
    suite "HTTP, PostgreSQL, event MPM" "$top/scripts/apache-test.sh" --db pgsql --pg-port "$pgport"
    suite "HTTP, PostgreSQL, S3 storage (s3rver)" "$top/scripts/apache-test.sh" --db pgsql --pg-port "$pgport" --storage s3
else
    failed=$((failed + 1)); failures="$failures
  - PostgreSQL cluster did not start"
fi
suite "HTTP, SQLite, prefork MPM" "$top/scripts/apache-test.sh" --db sqlite --mpm prefork
suite "HTTP, SQLite, ASan+UBSan module" "$top/scripts/apache-test.sh" --db sqlite --build "$top/build-asan" --asan
suite "browser (headless Chromium)" "$top/scripts/browser.sh"

echo
[ $failed -gt 0 ] && echo "failed suites:$failures"
echo "test.sh: $passed passed, $failed failed"
[ $failed -eq 0 ]
