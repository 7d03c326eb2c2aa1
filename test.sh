#!/bin/sh
# test.sh -- install what is missing, build, and run every test:
#   - C unit tests and fuzz-corpus replay (make check), normal and
#     sanitizer builds;
#   - the libFuzzer targets for a short while (FUZZ_SECONDS, default 20);
#   - start-up behaviour (bad templates and directives stop httpd);
#   - that SIGTERM and Ctrl-C stop a run and leave nothing behind;
#   - the Apache::Test suite on SQLite and on a throwaway PostgreSQL
#     cluster (event MPM), on PostgreSQL with the files in an S3 server
#     on loopback (s3rver), on SQLite under the prefork MPM, and on SQLite
#     with the module built with AddressSanitizer + UBSan;
#   - the headless-Chromium suite against ./run.sh.
# Ends with "test.sh: N passed, M failed" (suites) and exits non-zero when
# any failed.
# Ctrl-C or SIGTERM (a CI time-out) stops the run: the running step gets
# TERM, every service the run started is stopped, and test.sh exits 130
# or 143.
set -u
top=$(cd "$(dirname "$0")" && pwd)
cd "$top" || exit 1

pgdir=$(mktemp -d /tmp/portal-pg.XXXXXX)
current=        # the process group of the running step
cleanup() {
    "$top/scripts/pg.sh" stop "$pgdir"
}
# stop the running step: TERM to its process group, which runs its own
# clean-up (each suite script stops the servers it started), then KILL
# whatever is left of it after 30 s
stop_step() {
    [ -n "$current" ] || return 0
    kill -TERM -"$current" 2>/dev/null
    n=0
    while kill -0 -"$current" 2>/dev/null && [ $n -lt 300 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -KILL -"$current" 2>/dev/null
    current=
}
interrupted() {
    trap '' INT TERM
    echo
    echo "test.sh: stopped by SIG$1: ending the running suite and its services" >&2
    stop_step
    cleanup
    trap - EXIT
    exit "$2"
}
trap cleanup EXIT
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM

# step CMD...: run CMD in a process group of its own and wait for it, so
# that a signal to test.sh (from the terminal, or to its pid alone, as CI
# sends it) reaches the step through interrupted()
step() {
    setsid "$@" </dev/null &
    current=$!
    wait "$current"
    rc=$?
    # leftovers of a finished step (a peer it forgot) go with it
    kill -KILL -"$current" 2>/dev/null
    current=
    return $rc
}

step "$top/scripts/deps.sh" test || exit 1
step "$top/scripts/build.sh" "$top/build" || exit 1
step "$top/scripts/build.sh" "$top/build-asan" --asan || exit 1

passed=0 failed=0 failures=""
suite() {
    name=$1; shift
    echo "=============================================== $name"
    start=$(date +%s)
    if step "$@"; then
        passed=$((passed + 1)); verdict=PASS
    else
        failed=$((failed + 1)); verdict=FAIL; failures="$failures
  - $name"
    fi
    echo "=============================================== $name: $verdict ($(( $(date +%s) - start ))s)"
}
pgport=${PORTAL_PG_PORT:-55432}
while ss -Hltn "sport = :$pgport" 2>/dev/null | grep -q .; do
    pgport=$((pgport + 1))
done

suite "unit tests (make check)" "$top/scripts/check.sh" "$top/build"
suite "unit tests, ASan+UBSan (make check)" "$top/scripts/check.sh" "$top/build-asan"
suite "fuzz targets" "$top/scripts/fuzz.sh"
suite "start-up checks" "$top/t/startup.sh" "$top/build"
suite "stopping a run (SIGTERM, Ctrl-C)" "$top/t/interrupt.sh"
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
