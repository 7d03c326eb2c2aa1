# common.sh -- sourced by the bench scripts: what each needs before it
# measures anything.  Set top, bench_name (for messages) and bench_port
# (the first port to try) first.  Gives:
#   port, data, work   a free port, an empty data folder, a work folder;
#                      the portal (portal_start) is stopped and both
#                      folders removed on exit, whatever happens
#   die MESSAGE        the message and the end of the server log; exit 1
#   bench_static FILE NAME
#                      serve FILE as /portal-static/NAME (the baseline: a
#                      static file of the same size), removed on exit
#   bench_need_wrk     install wrk when missing (as root), or stop
. "$top/scripts/instance.sh"
port=$(portal_free_port "$bench_port")
data=$(mktemp -d /tmp/portal-bench.XXXXXX)
chmod 755 "$data"
work=$(mktemp -d /tmp/portal-bench-work.XXXXXX)
chmod 755 "$work"
bench_statics=""

cleanup() {
    status=$?
    trap - EXIT INT TERM
    portal_stop
    for f in $bench_statics; do
        rm -f "$f"
    done
    rm -rf "$data" "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
    echo "$bench_name: $*" >&2
    if [ -s "$work/server.log" ]; then
        echo "$bench_name: end of the server log:" >&2
        tail -n 15 "$work/server.log" >&2
    fi
    exit 1
}

bench_static() {
    bench_dest="$top/static/$2"
    bench_statics="$bench_statics $bench_dest"
    cp "$1" "$bench_dest"
    chmod 644 "$bench_dest"
}

bench_need_wrk() {
    command -v wrk >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q wrk >/dev/null
    else
        die "wrk is missing (apt-get install wrk)"
    fi
}
