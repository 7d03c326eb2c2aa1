#!/bin/sh
# browser.sh -- run the browser tests (t/browser) against a fresh portal.
#   scripts/browser.sh
# Starts ./run.sh on a free port (BROWSER_PORT, default 18480 or the next
# free one) with an empty data folder, waits for it, runs
# t/browser/portal.test.mjs (playwright-core + /usr/bin/chromium), stops the
# server and exits with the tests' status.  Screenshots, results.txt,
# results.tap and server.log land in t/browser/results/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/t/browser"
mkdir -p results

# node_modules from the lock file (npm works offline here)
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "browser.sh: /usr/bin/chromium is missing (apt-get install chromium)" >&2
    exit 1
fi

listening() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

port=${BROWSER_PORT:-18480}
tries=0
while listening "$port"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 50 ]; then
        echo "browser.sh: no free port from ${BROWSER_PORT:-18480} on" >&2
        exit 1
    fi
    port=$((port + 1))
done

data=$(mktemp -d /tmp/portal-browser.XXXXXX)
chmod 755 "$data"
pid=

stop_server() {
    if [ -n "$pid" ]; then
        # run.sh execs apache2, so $pid is the httpd parent, which stops its
        # children on TERM; signalling its process group (setsid below)
        # also stops a build or anything else run.sh may still be running.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || :
        wait "$pid" 2>/dev/null || :
        pid=
        n=0
        while listening "$port" && [ "$n" -lt 100 ]; do
            sleep 0.1
            n=$((n + 1))
        done
        if listening "$port"; then
            echo "browser.sh: port $port is still in use after stopping the portal" >&2
        fi
    fi
}
cleanup() {
    status=$?
    trap - EXIT INT TERM
    stop_server
    rm -rf "$data"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

url="http://127.0.0.1:$port"
echo "browser.sh: starting the portal on $url (log: t/browser/results/server.log)"
# setsid: its own process group (this shell is not interactive, so set -m
# would not give it one); setsid does not fork here, so $! is run.sh's pid
setsid "$top/run.sh" --port "$port" --data "$data" >results/server.log 2>&1 </dev/null &
pid=$!

waited=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/login" 2>/dev/null)" = 200 ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || :
        pid=
        echo "browser.sh: the portal exited before answering; end of server.log:" >&2
        tail -n 20 results/server.log >&2
        exit 1
    fi
    if [ "$waited" -ge 600 ]; then
        echo "browser.sh: no 200 from $url/login after 60 s; end of server.log:" >&2
        tail -n 20 results/server.log >&2
        exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
done

set +e
PORTAL_URL=$url node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination=results/results.tap \
    portal.test.mjs
status=$?
set -e
echo "browser.sh: results in t/browser/results/ (results.txt, NN-*.png, server.log)"
exit "$status"
