#!/bin/sh
# apache-test.sh -- one run of the Apache::Test suite (t/*.t).
#   scripts/apache-test.sh --db sqlite|pgsql [--mpm event|prefork]
#                          [--build DIR] [--asan] [--pg-port N]
#                          [--storage local|s3] [TESTS...]
# SQLite runs on a fresh database in a temporary data folder; PostgreSQL on
# a fresh database in the cluster scripts/pg.sh started on --pg-port.
# --asan runs httpd with the sanitizer build preloaded and fails on any
# report in the error log.  --storage s3 keeps the files in an S3-compatible
# server on loopback (s3rver, started by scripts/s3.sh) instead of the data
# folder.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
db=sqlite mpm=event build="$top/build" asan=no pgport=55432 storage=local
while [ $# -gt 0 ]; do
    case "$1" in
        --db) db=$2; shift 2 ;;
        --mpm) mpm=$2; shift 2 ;;
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --asan) asan=yes; shift ;;
        --pg-port) pgport=$2; shift 2 ;;
        --storage) storage=$2; shift 2 ;;
        *) break ;;
    esac
done
port=${PORTAL_TEST_PORT:-8529}
data=$(mktemp -d /tmp/portal-test.XXXXXX)
chmod 755 "$data"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$data"

# start_peer NAME LOG PIDFILE CMD...: run a test peer in the background and
# wait (up to 10 s) for it to print "ready"
start_peer() {
    name=$1 log=$2 pidfile=$3
    shift 3
    "$@" > "$log" 2>&1 &
    echo $! > "$pidfile"
    n=0
    until grep -q ready "$log" 2>/dev/null; do
        n=$((n + 1))
        [ $n -lt 100 ] || { echo "apache-test.sh: $name did not start:"; cat "$log"; exit 1; }
        sleep 0.1
    done
}
free_port() {
    p=$1
    while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do
        p=$((p + 1))
    done
    echo "$p"
}

# a real SMTP server on loopback that keeps what it receives
# (t/unit/smtp_sink.py); the tests read the messages from PORTAL_MAIL_DIR
# and may stop and start it (PortalTest::sink_stop/sink_start)
mail=$(mktemp -d /tmp/portal-mail.XXXXXX)
# the process groups of the httpd instances this checkout's t/conf runs
# (httpd daemonizes: its parent leads a group of its own with its children)
test_httpd_groups() {
    for pid in $(pgrep -f -- "[-]f $top/t/conf/httpd[.]conf"); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = apache2 ] || continue
        pg=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')
        [ -n "$pg" ] && [ "$pg" != "$(ps -o pgid= -p $$ | tr -d ' ')" ] && echo "$pg"
    done | sort -u
}
cleanup() {
    trap - EXIT INT TERM
    # an httpd the run left behind (a test that failed between killing
    # and restarting it, or a run stopped by a signal) would hold the port
    # for every later run: TERM, then KILL its whole group
    groups=$(test_httpd_groups)
    for pg in $groups; do kill -TERM -"$pg" 2>/dev/null; done
    n=0
    while [ -n "$groups" ] && [ -n "$(test_httpd_groups)" ] && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    for pg in $(test_httpd_groups); do kill -KILL -"$pg" 2>/dev/null; done
    [ "$storage" = s3 ] && "$top/scripts/s3.sh" stop "$mail/s3" 2>/dev/null
    kill "$(cat "$mail/oidc.pid")" 2>/dev/null
    kill "$(cat "$mail/sink.pid")" 2>/dev/null
    [ -n "${KEEPMAIL:-}" ] || rm -rf "$data" "$mail"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
smtp_port=$(free_port "${PORTAL_SMTP_PORT:-2525}")
export PORTAL_SMTP_PORT="$smtp_port" PORTAL_MAIL_DIR="$mail/inbox"
mkdir -p "$PORTAL_MAIL_DIR"
export PORTAL_SINK="python3 $top/t/unit/smtp_sink.py --port $smtp_port --dir $PORTAL_MAIL_DIR"
export PORTAL_SINK_PIDFILE="$mail/sink.pid"
# shellcheck disable=SC2086
start_peer "the SMTP sink" "$mail/sink.log" "$mail/sink.pid" $PORTAL_SINK

# an OpenID Connect provider on loopback (t/oidc/provider.py) for
# mod_auth_openidc to talk to
export PORTAL_OIDC_PORT="$(free_port "${PORTAL_OIDC_PORT:-9511}")"
start_peer "the OIDC provider" "$mail/oidc.log" "$mail/oidc.pid" \
    python3 "$top/t/oidc/provider.py" --port "$PORTAL_OIDC_PORT" \
    --client-id portal-test --client-secret test-secret \
    --redirect-uri "http://127.0.0.1:$port/oidc/redirect"

export PORTAL_STORAGE=local PORTAL_STORAGE_KIND=local
if [ "$storage" = s3 ]; then
    s3port=$(free_port "${PORTAL_S3_PORT:-4569}")
    "$top/scripts/s3.sh" start "$mail/s3" "$s3port" portal-test
    printf 'S3RVER:S3RVER\n' > "$mail/s3.cred"
    export PORTAL_STORAGE="s3 http://127.0.0.1:$s3port us-east-1 portal-test $mail/s3.cred prefix=files/"
    export PORTAL_STORAGE_KIND=s3 PORTAL_S3_DIR="$mail/s3"
fi


# the feeds the tests write, and a small MaxMind database
mkdir -p "$data/feeds"
perl "$top/t/geoip/make-mmdb.pl" "$data/geo.mmdb" >/dev/null
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$data"

export PORTAL_MODULE="$build/.libs/mod_portal.so"
export PORTAL_DATA_DIR="$data"
export PORTAL_DB="$db"
if [ "$db" = pgsql ]; then
    "$top/scripts/pg.sh" reset "" "$pgport"
    export PORTAL_DBD_DRIVER=pgsql
    export PORTAL_DBD_PARAMS="host=127.0.0.1 port=$pgport dbname=portal_test user=portal"
    export PORTAL_PG_DSN="host=127.0.0.1;port=$pgport;dbname=portal_test"
else
    export PORTAL_DBD_DRIVER=sqlite3
    export PORTAL_DBD_PARAMS="$data/portal.db"
fi

httpd=/usr/sbin/apache2
if [ "$asan" = yes ]; then
    httpd="$top/scripts/asan-httpd"
fi

cd "$top"
perl t/TEST.PL -clean >/dev/null 2>&1 || true
rc=0
perl t/TEST.PL -httpd "$httpd" -apxs "$(command -v apxs)" \
    -httpd_conf "$top/t/conf/modules-$mpm.conf" -port "$port" \
    -startup_timeout 60 "$@" || rc=$?
if [ "$asan" = yes ] && grep -E 'AddressSanitizer|runtime error:|LeakSanitizer' t/logs/error_log >/dev/null 2>&1; then
    echo "apache-test.sh: sanitizer reports in t/logs/error_log:"
    grep -E -A30 'AddressSanitizer|runtime error:' t/logs/error_log | head -80
    rc=1
fi
if [ $rc != 0 ] && [ -f t/logs/error_log ]; then
    echo "---- last lines of t/logs/error_log"
    grep -v ' \[dbd:\| \[core:trace\| \[http:trace' t/logs/error_log | tail -n 40
fi
exit $rc
