#!/bin/sh
# bench.sh -- how fast is the portal next to httpd serving a static file
# of the same size?
#   bench/bench.sh
# Starts ./run.sh on a free port with an empty data folder, registers and
# signs in a user with curl, copies the /login and /dashboard pages into
# two static files of exactly their sizes, then runs wrk against each of
#   static-login-size, GET /login, static-dashboard-size, GET /dashboard
# and prints req/s, p99 latency and the portal/static ratios.  The table is
# also written to bench/results/latest.txt.  See bench/README.md.
#
# Environment: BENCH_PORT (first port to try, 18490), BENCH_DURATION (10s
# per target), BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_MPM (event
# or prefork).  About 45 s in all with the defaults.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
duration=${BENCH_DURATION:-10s}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-16}
mpm=${BENCH_MPM:-event}
results="$top/bench/results"
mkdir -p "$results"

bench_name=bench.sh bench_port=${BENCH_PORT:-18490}
. "$top/bench/common.sh"
bench_need_wrk

# ------------------------------------------------------------ the portal
echo "bench.sh: starting the portal on port $port ($mpm MPM)"
# the access log goes to /dev/null: writing a line per request to a file
# would be measured too
portal_start "$port" "$data" /dev/null "$work/server.log" --mpm "$mpm" \
    || die "the portal did not start"
url=$portal_url

# ------------------------------------------------------------ a user
portal_user "$work" || die "could not make a signed-in user"
cookie=$portal_cookie

# ------------------------------------------------------------ same-size files
code=$(curl -s -o "$work/login.html" -w '%{http_code}' "$url/login")
[ "$code" = 200 ] || die "GET /login answered $code"
code=$(curl -s -o "$work/dashboard.html" -w '%{http_code}' -H "Cookie: $cookie" "$url/dashboard")
[ "$code" = 200 ] || die "GET /dashboard answered $code"
grep -q 'id="profile-name"' "$work/dashboard.html" || die "/dashboard is not the signed-in page"
login_size=$(wc -c < "$work/login.html" | tr -d ' ')
dash_size=$(wc -c < "$work/dashboard.html" | tr -d ' ')
bench_static "$work/login.html" bench-login.txt
bench_static "$work/dashboard.html" bench-dashboard.txt
for f in login:"$login_size" dashboard:"$dash_size"; do
    name=${f%%:*} want=${f#*:}
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url/portal-static/bench-$name.txt")
    [ "$got" = "200 $want" ] || die "static bench-$name.txt answered '$got', wanted '200 $want'"
done

# ------------------------------------------------------------ wrk
# run NAME PATH [HEADER]: wrk it, leave "req/s p99-ms bytes/resp errors" in $work/NAME
run() {
    echo "bench.sh: wrk $2 for $duration" >&2
    if [ $# -ge 3 ]; then
        wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "$3" "$url$2" > "$work/$1.wrk" 2>&1 || :
    else
        wrk -t"$threads" -c"$conns" -d"$duration" --latency "$url$2" > "$work/$1.wrk" 2>&1 || :
    fi
    awk '
        function ms(v) {      # wrk latencies: 512.00us, 1.23ms, 1.05s, 2.00m
            if (v ~ /us$/) return v * 0.001
            if (v ~ /ms$/) return v * 1
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v
        }
        function bytes(v) {
            if (v ~ /KB$/) return v * 1024
            if (v ~ /MB$/) return v * 1048576
            if (v ~ /GB$/) return v * 1073741824
            if (v ~ /B$/)  return v * 1
            return v
        }
        /^Requests\/sec:/ { rps = $2 }
        /^ +99% / { p99 = ms($2) }
        / requests in .* read$/ { n = $1; readb = bytes($(NF - 1)) }
        /^ +Non-2xx or 3xx responses:/ { err += $NF }
        /^ +Socket errors:/ {
            for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0
        }
        END {
            if (rps == "" || p99 == "") { print "FAILED"; exit }
            printf "%.2f %.3f %.0f %d\n", rps, p99, (n ? readb / n : 0), err
        }' "$work/$1.wrk" > "$work/$1"
    if [ "$(cat "$work/$1")" = FAILED ]; then
        cat "$work/$1.wrk" >&2
        die "wrk $2 failed"
    fi
}
# warm-up (not measured): child processes, SQLite's page cache, wrk itself
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
echo "bench.sh: warm-up, 2 s" >&2
wrk -t"$threads" -c"$conns" -d2s -H "Cookie: $cookie" "$url/dashboard" >/dev/null 2>&1 || :
run static-login /portal-static/bench-login.txt
run portal-login /login
run static-dashboard /portal-static/bench-dashboard.txt
run portal-dashboard /dashboard "Cookie: $cookie"

# the session must have lasted: /dashboard still the signed-in page
code=$(curl -s -o "$work/after.html" -w '%{http_code}' -H "Cookie: $cookie" "$url/dashboard")
if [ "$code" != 200 ] || ! grep -q 'id="profile-name"' "$work/after.html"; then
    die "after the run /dashboard answered $code, not the signed-in page: its numbers are void"
fi
portal_stop

# ------------------------------------------------------------ the table
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "mod_portal benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  commit $commit"
    echo "wrk -t$threads -c$conns -d$duration --latency; httpd $mpm MPM; $(nproc) CPUs;" \
         "SQLite; /login $login_size bytes, /dashboard $dash_size bytes (body)"
    echo "load average before: $load_before; after: $(cut -d ' ' -f 1-3 /proc/loadavg)" \
         "(wrk and httpd share the machine; see bench/README.md)"
    echo
    awk -v dir="$work" '
        function load(name,   line, f) {
            getline line < (dir "/" name); close(dir "/" name)
            split(line, f, " ")
            rps[name] = f[1]; p99[name] = f[2]; size[name] = f[3]; err[name] = f[4]
        }
        function row(label, name, base) {
            if (base == "")
                printf "%-27s %10.0f %9.2f %11s %9s %11d %7d\n", label, rps[name], p99[name],
                       "-", "-", size[name], err[name]
            else
                printf "%-27s %10.0f %9.2f %11.3f %9.2f %11d %7d\n", label, rps[name], p99[name],
                       rps[name] / rps[base], (p99[base] > 0 ? p99[name] / p99[base] : 0),
                       size[name], err[name]
        }
        BEGIN {
            split("static-login portal-login static-dashboard portal-dashboard", names, " ")
            for (i = 1; i <= 4; i++) load(names[i])
            printf "%-27s %10s %9s %11s %9s %11s %7s\n", "target", "req/s", "p99 ms",
                   "req/s ratio", "p99 ratio", "bytes/resp", "errors"
            row("static-login-size", "static-login", "")
            row("GET /login", "portal-login", "static-login")
            row("static-dashboard-size", "static-dashboard", "")
            row("GET /dashboard (signed in)", "portal-dashboard", "static-dashboard")
        }'
    echo
    echo "ratios are portal/static of the same size: req/s ratio 0.25 = a quarter of the"
    echo "static throughput; p99 ratio 4.0 = four times the static p99 latency."
    echo "bytes/resp = bytes read / requests (headers + body); errors = socket errors + non-2xx/3xx."
} > "$results/latest.txt"
cp "$work"/*.wrk "$results/" 2>/dev/null || :
echo
cat "$results/latest.txt"
