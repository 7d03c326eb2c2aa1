# instance.sh -- sourced by the scripts that run a throwaway portal with
# ./run.sh (scripts/browser.sh, bench/bench.sh).
#   portal_free_port BASE        print the first free TCP port from BASE on
#   portal_start PORT DATA OUT ERR [run.sh options]
#                                start ./run.sh in its own process group,
#                                wait up to 60 s for GET /login to answer 200;
#                                sets portal_pid and portal_url
#   portal_stop                  TERM the instance and wait for its port
# shellcheck shell=sh

# the caller sets $top, the source tree
portal_top=${top:?instance.sh needs $top}
portal_pid=
portal_port=
portal_url=

portal_listening() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

portal_free_port() {
    p=$1 tries=0
    while portal_listening "$p"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 50 ]; then
            echo "no free port from $1 on" >&2
            return 1
        fi
        p=$((p + 1))
    done
    echo "$p"
}

portal_start() {
    portal_port=$1 data=$2 out=$3 err=$4
    shift 4
    portal_url="http://127.0.0.1:$portal_port"
    # setsid: its own process group (a non-interactive shell has no job
    # control); setsid does not fork here, so $! is run.sh's pid, and
    # run.sh execs apache2, so it becomes the httpd parent
    setsid "$portal_top/run.sh" --port "$portal_port" --data "$data" "$@" \
        >"$out" 2>"$err" </dev/null &
    portal_pid=$!
    waited=0
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$portal_url/login" 2>/dev/null)" = 200 ]; do
        if ! kill -0 "$portal_pid" 2>/dev/null; then
            wait "$portal_pid" 2>/dev/null || :
            portal_pid=
            echo "the portal exited before answering; end of its log:" >&2
            tail -n 20 "$err" >&2
            return 1
        fi
        if [ "$waited" -ge 600 ]; then
            echo "no 200 from $portal_url/login after 60 s; end of its log:" >&2
            tail -n 20 "$err" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

portal_stop() {
    [ -n "$portal_pid" ] || return 0
    # the httpd parent stops its children on TERM; the process group also
    # holds a build or anything else run.sh may still be running
    kill -TERM -- "-$portal_pid" 2>/dev/null || kill -TERM "$portal_pid" 2>/dev/null || :
    wait "$portal_pid" 2>/dev/null || :
    portal_pid=
    n=0
    while portal_listening "$portal_port" && [ "$n" -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if portal_listening "$portal_port"; then
        echo "port $portal_port is still in use after stopping the portal" >&2
    fi
}
