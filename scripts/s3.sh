#!/bin/sh
# s3.sh -- a throwaway S3-compatible server (s3rver) for the tests, on
# loopback only.
#   scripts/s3.sh start DIR PORT BUCKET  -> DIR holds the objects, the pid
#                                           (DIR/s3rver.pid) and the log
#                                           (DIR/s3rver.log); BUCKET exists
#   scripts/s3.sh stop DIR               -> stops it (DIR is kept)
# Access key S3RVER, secret key S3RVER, any region, path-style URLs:
# http://127.0.0.1:PORT/BUCKET/KEY.  s3rver is pinned in t/s3/package.json
# and package-lock.json; t/s3/node_modules is installed from the lock file
# (from npm's cache when it has the packages) when it is missing or older
# than the lock file.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
    echo "usage: s3.sh start DIR PORT BUCKET | s3.sh stop DIR" >&2
    exit 2
}
[ $# -ge 2 ] || usage
cmd=$1 dir=$2

# the pid in DIR/s3rver.pid when that process still runs
running_pid() {
    [ -f "$dir/s3rver.pid" ] || return 1
    pid=$(cat "$dir/s3rver.pid")
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

# 0 when some HTTP server answers on 127.0.0.1:$port
answers() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
         "http://127.0.0.1:$port/" 2>/dev/null)" != 000 ]
}

case "$cmd" in
start)
    [ $# -eq 4 ] || usage
    port=$3 bucket=$4
    case "$port" in ''|*[!0-9]*) echo "s3.sh: bad port '$port'" >&2; exit 2 ;; esac
    . "$top/scripts/node-check.sh"
    portal_node_check s3.sh "$top/t/s3" || exit 1
    if running_pid >/dev/null; then
        echo "s3.sh: s3rver already runs for $dir (pid $(cat "$dir/s3rver.pid"))" >&2
        exit 1
    fi
    mods=$top/t/s3/node_modules
    # shellcheck disable=SC3013 # dash and bash have -nt
    if [ ! -f "$mods/.package-lock.json" ] \
       || [ "$top/t/s3/package-lock.json" -nt "$mods/.package-lock.json" ]; then
        echo "s3.sh: installing s3rver into t/s3/node_modules" >&2
        if ! (cd "$top/t/s3" && npm ci --no-audit --no-fund --prefer-offline) >&2; then
            echo "s3.sh: npm ci failed in t/s3 (no network and not in npm's cache?)" >&2
            exit 1
        fi
    fi
    bin=$mods/s3rver/bin/s3rver.js
    [ -f "$bin" ] || { echo "s3.sh: $bin is missing after npm ci" >&2; exit 1; }
    if answers; then
        echo "s3.sh: something already answers on 127.0.0.1:$port" >&2
        exit 1
    fi
    mkdir -p "$dir"
    # setsid: its own process group, out of the caller's terminal signals;
    # it does not fork here (not a group leader), so $! is node's pid
    setsid node "$bin" -d "$dir" -a 127.0.0.1 -p "$port" \
        --configure-bucket "$bucket" >"$dir/s3rver.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/s3rver.pid"
    # it says so once it listens (the bucket is made before), and then
    # the port answers
    waited=0
    until grep -q "listening on 127.0.0.1:$port" "$dir/s3rver.log" && answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "s3.sh: s3rver exited before answering on port $port; its log:" >&2
            tail -n 20 "$dir/s3rver.log" >&2
            rm -f "$dir/s3rver.pid"
            exit 1
        fi
        if [ "$waited" -ge 200 ]; then
            echo "s3.sh: s3rver does not answer on 127.0.0.1:$port after 20 s; its log:" >&2
            tail -n 20 "$dir/s3rver.log" >&2
            kill "$pid" 2>/dev/null || :
            rm -f "$dir/s3rver.pid"
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    ;;
stop)
    [ $# -eq 2 ] || usage
    if pid=$(running_pid); then
        kill "$pid" 2>/dev/null || :
        waited=0
        while kill -0 "$pid" 2>/dev/null; do
            if [ "$waited" -ge 50 ]; then
                kill -KILL "$pid" 2>/dev/null || :
                break
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    fi
    rm -f "$dir/s3rver.pid"
    ;;
*)
    usage ;;
esac
