#!/bin/sh
# interrupt.sh -- Ctrl-C or SIGTERM stops a test run and leaves nothing
# behind.  Prints TAP.
#   t/interrupt.sh
# 1. An Apache::Test run (scripts/apache-test.sh) is sent TERM, as
#    test.sh's stop_step sends it to the running suite's process group,
#    once its httpd answers: it ends, and no httpd, SMTP sink or OpenID
#    Connect provider of that run is left, nor a listening port.
# 2. test.sh itself gets SIGTERM (to its pid alone, as CI sends it) while
#    its first suite runs: it exits 143 at once, and no process of the
#    run is left.
# 3. The same with SIGINT, as Ctrl-C sends it to the foreground group.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/portal-interrupt.XXXXXX)
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# wait up to $2 tenths of a second for command $1 to succeed
wait_for() {
    i=0
    while ! eval "$1"; do
        i=$((i + 1))
        [ $i -ge "$2" ] && return 1
        sleep 0.1
    done
}
cleanup() {
    trap - EXIT INT TERM
    [ -n "${gpid:-}" ] && kill -KILL -"$gpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free() {
    p=$1
    while listening "$p"; do p=$((p + 1)); done
    echo "$p"
}

# 1. apache-test.sh, its peers and its httpd
port=$(free 18620) smtp=$(free 12620) oidc=$(free 19620)
PORTAL_TEST_PORT=$port PORTAL_SMTP_PORT=$smtp PORTAL_OIDC_PORT=$oidc \
    setsid "$top/scripts/apache-test.sh" --db sqlite t/13_files.t \
    >"$tmp/at.out" 2>&1 </dev/null &
gpid=$!
wait_for "listening $port" 900
ok $? "the Apache::Test httpd answers on $port"
kill -TERM -"$gpid"
wait "$gpid"; rc=$?
gpid=
ok "$([ $rc -ne 0 ] && echo 0 || echo 1)" "TERM ends the run with a failure status ($rc)"
left=$(pgrep -f -- "$top/t/conf/httpd[.]conf|smtp_sink.py --port $smtp|provider.py --port $oidc")
ok "$([ -z "$left" ] && echo 0 || echo 1)" "no httpd, SMTP sink or OIDC provider of that run is left${left:+: $left}"
busy=""
for p in $port $smtp $oidc; do listening "$p" && busy="$busy $p"; done
ok "$([ -z "$busy" ] && echo 0 || echo 1)" "no port of that run still listens${busy:+:$busy}"

# 2. and 3. test.sh, stopped in its first suite (make check)
for sig in TERM INT; do
    # as from a terminal: SIGINT not ignored (& in a script ignores it)
    setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' "$top/test.sh" \
        >"$tmp/test.out" 2>&1 </dev/null &
    gpid=$!
    wait_for "grep -q '=== unit tests (make check)\$' '$tmp/test.out'" 6000
    ok $? "test.sh reached its first suite (for SIG$sig)"
    sleep 2
    kill -"$sig" "$gpid"
    wait_for "! kill -0 $gpid 2>/dev/null" 600
    ok $? "test.sh ended within a minute of SIG$sig"
    wait "$gpid"; rc=$?
    want=143; [ $sig = INT ] && want=130
    ok "$([ $rc = $want ] && echo 0 || echo 1)" "with status $want ($rc)"
    grep -q "stopped by SIG$sig" "$tmp/test.out"
    ok $? "saying that it was stopped"
    ! grep -q "=== unit tests, ASan" "$tmp/test.out"
    ok $? "without going on to the next suite"
    left=$(pgrep -g "$gpid" 2>/dev/null; pgrep -f -- "$top/build[^ ]*/t/unit/|make -s -C $top/build")
    ok "$([ -z "$left" ] && echo 0 || echo 1)" "and no process of the run is left${left:+: $(echo $left)}"
    gpid=
done

echo "1..$n"
[ $failed = 0 ]
