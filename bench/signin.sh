#!/bin/sh
# signin.sh -- sign-in under the throttle and the argon2 gate.
#   bench/signin.sh
# Starts ./run.sh on a free port with an empty data folder and two more
# mounts of the same portal (DATA/run/extra/bench-signin.conf):
#   /nothrottle   PortalThrottle Off
#   /nogate       PortalThrottle Off, PortalArgon2Concurrency 1024 (no cap)
# makes accounts with portalctl, then measures, each in the same run:
#   1. correct-password sign-ins (POST /api/client/login, 16 accounts in
#      turn) with the throttle (/) and without it (/nothrottle):
#      BENCH_ROUNDS (3) rounds each, alternating; the best req/s of each
#      and the ratio with/without;
#   2. 64 connections of wrong passwords for BENCH_FLOOD (10s), with the
#      throttle off (every request hashes: the worst case, a flood from as
#      many addresses as requests), once with the gate (the default
#      PortalArgon2Concurrency) and once without (/nogate): the httpd
#      children's summed RSS before, at its peak (sampled every 0.2 s) and
#      after, the answers (401, 503), and the bound the gate promises;
#   3. failing sign-ins, one connection, 3 s each in turn, BENCH_ROUNDS
#      times: an unknown
#      username, a wrong password, an account without a password (made
#      through the identity provider: "!"), an unreadable hash: mean
#      latency, and its ratio to the wrong password's (finding 7: every
#      path does the same argon2 work).
# The table is printed and written to bench/results/signin-latest.txt.
#
# Environment: BENCH_PORT (first port to try, 18510), BENCH_DURATION (10s),
# BENCH_FLOOD (10s), BENCH_ROUNDS (3), BENCH_MPM (event or prefork).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
duration=${BENCH_DURATION:-10s}
flood=${BENCH_FLOOD:-10s}
rounds=${BENCH_ROUNDS:-3}
mpm=${BENCH_MPM:-event}
results="$top/bench/results"
mkdir -p "$results"
case "$rounds" in ''|*[!0-9]*|0) echo "signin.sh: BENCH_ROUNDS must be a positive number" >&2; exit 2 ;; esac

bench_name=signin.sh bench_port=${BENCH_PORT:-18510}
. "$top/bench/common.sh"
bench_need_wrk
command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is missing (apt-get install sqlite3)"

# ------------------------------------------------------------ the portal
mkdir -p "$data/run/extra"
cat > "$data/run/extra/bench-signin.conf" <<'CONF'
<Location /nothrottle>
    SetHandler portal
    PortalThrottle Off
</Location>
<Location /nogate>
    SetHandler portal
    PortalThrottle Off
    PortalArgon2Concurrency 1024
</Location>
CONF
echo "signin.sh: starting the portal on port $port ($mpm MPM)"
portal_start "$port" "$data" /dev/null "$work/server.log" --mpm "$mpm" \
    || die "the portal did not start"
url=$portal_url
cap=$(nproc)

# ------------------------------------------------------------ accounts
portalctl="$top/build/portalctl"
owner=$(stat -c %U "$data")
as_owner() {
    if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}
password="bench-signin-password-$$"
printf '%s\n' "$password" > "$work/password"
chmod 644 "$work/password"
# 16 accounts that sign in correctly (in turn: many people signing in,
# as a site sees them), and the two failing kinds
nusers=16
names="nopw broken"
i=0
while [ "$i" -lt "$nusers" ]; do
    i=$((i + 1))
    names="$names good$i"
done
for who in $names; do
    u="bench${who}$$"
    as_owner "$portalctl" --data "$data" --sql "$top/sql" user add --role client \
        --username "$u" --email "$u@example.org" --first-name Bench --last-name Signin \
        --address "1 Benchmark Road" --password-file "$work/password" > "$work/$who.id" 2>&1 \
        || die "portalctl user add: $(cat "$work/$who.id")"
done
as_owner sqlite3 "$data/portal.db" \
    "UPDATE users SET password_hash = '!' WHERE username = 'benchnopw$$';
     UPDATE users SET password_hash = '\$argon2id\$v=19\$m=broken' WHERE username = 'benchbroken$$';" \
    || die "could not change the test accounts' hashes"
code=$(curl -s -o "$work/check.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"username\": \"benchgood1$$\", \"password\": \"$password\"}" "$url/api/client/login")
[ "$code" = 200 ] || die "POST /api/client/login answered $code: $(cat "$work/check.json")"

# ------------------------------------------------------------ wrk
# lua SCRIPT USER PASSWORD: a wrk script that POSTs that sign-in and
# counts the statuses (printed as "status NNN COUNT" at the end)
lua() {
    cat > "$work/$1.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"username": "$2", "password": "$3"}'
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) c = {} end
function response(status, headers, body) c[status] = (c[status] or 0) + 1 end
function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("c")) do all[k] = (all[k] or 0) + v end
    end
    for k, v in pairs(all) do io.write(string.format("status %d %d\n", k, v)) end
    io.write(string.format("mean-us %.0f\n", latency.mean))
end
LUA
}
lua wrong "benchgood1$$" "not the password"
lua nobody "nobody$$" "not the password"
lua nopw "benchnopw$$" "not the password"
lua broken "benchbroken$$" "not the password"

# the right password of the 16 accounts in turn
{
    printf 'local users = {'
    i=0
    while [ "$i" -lt "$nusers" ]; do i=$((i + 1)); printf '"benchgood%d%d", ' "$i" "$$"; done
    printf '}\n'
    cat <<LUA
local n = 0
function request()
    n = n + 1
    local u = users[(n % #users) + 1]
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
        '{"username": "' .. u .. '", "password": "$password"}')
end
LUA
    sed -n '/^local threads/,$p' "$work/wrong.lua"
} > "$work/good.lua"

# wrk_run NAME SCRIPT PATH CONNS DURATION: raw output in $work/NAME.wrk
wrk_run() {
    echo "signin.sh: wrk -c$4 $3 ($2) for $5" >&2
    wt=2
    [ "$4" -ge 2 ] || wt=1
    wrk -t"$wt" -c"$4" -d"$5" --latency -s "$work/$2.lua" "$url$3" > "$work/$1.wrk" 2>&1 || :
    grep -q '^Requests/sec:' "$work/$1.wrk" || { cat "$work/$1.wrk" >&2; die "wrk $3 failed"; }
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$work/$1.wrk"; }
status() { awk -v s="$2" '$1 == "status" && $2 == s { n += $3 } END { print n + 0 }' "$work/$1.wrk"; }
mean_ms() { awk '$1 == "mean-us" { printf "%.1f", $2 / 1000 }' "$work/$1.wrk"; }
# over the rounds of NAME: the mean of the means (ms), and the answers
mean_rounds() {
    for i in $(seq 1 "$rounds"); do mean_ms "$1-$i"; echo; done \
        | awk '{ s += $1; n++ } END { printf "%.1f", s / n }'
}
answers_rounds() {
    for i in $(seq 1 "$rounds"); do status "$1-$i" "$2"; done | awk '{ s += $1 } END { print s + 0 }'
}

# the summed RSS (KiB) of the httpd children
rss() {
    ps --ppid "$portal_pid" -o rss= 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}
children() { ps --ppid "$portal_pid" -o pid= 2>/dev/null | wc -l | tr -d ' '; }
# sample_peak FILE: sample rss() every 0.2 s into FILE until killed
sample_peak() {
    while :; do rss >> "$1"; sleep 0.2; done
}

load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
echo "signin.sh: warm-up, 2 s" >&2
wrk -t2 -c16 -d2s -s "$work/good.lua" "$url/api/client/login" >/dev/null 2>&1 || :

# 1. throughput with and without the throttle
r=0
while [ "$r" -lt "$rounds" ]; do
    r=$((r + 1))
    wrk_run "on-$r" good /api/client/login 16 "$duration"
    wrk_run "off-$r" good /nothrottle/api/client/login 16 "$duration"
done
best() {
    b=0 bn=
    for i in $(seq 1 "$rounds"); do
        v=$(rps "$1-$i")
        if awk -v a="$v" -v b="$b" 'BEGIN { exit !(a > b) }'; then b=$v bn="$1-$i"; fi
    done
    echo "$bn"
}
on=$(best on) off=$(best off)

# 2. 64 connections of wrong passwords, with and without the gate
flood() {
    name=$1 path=$2
    before=$(rss)
    : > "$work/$name.rss"
    sample_peak "$work/$name.rss" &
    sampler=$!
    wrk_run "$name" wrong "$path" 64 "$flood"
    kill "$sampler" 2>/dev/null || :
    wait "$sampler" 2>/dev/null || :
    peak=$(sort -n "$work/$name.rss" | tail -n 1)
    sleep 2
    after=$(rss)
    echo "$before $peak $after $(children)" > "$work/$name.mem"
}
flood gate /nothrottle/api/client/login
flood nogate /nogate/api/client/login

# 3. the same work on every failing path: rounds of 3 s each, the four
# kinds in turn, so that the machine's other load falls on all alike
# (the floods' connections are still being answered for a while after wrk
# stops: let the server settle first, and start each round with another
# kind, so that no kind is always first)
# the children's CPU time so far, in clock ticks
cpu_ticks() {
    for c in $(ps --ppid "$portal_pid" -o pid=); do
        awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null
    done | awk '{ s += $1 } END { print s + 0 }'
}
settle=0
while [ "$settle" -lt 60 ]; do
    t0=$(cpu_ticks)
    sleep 1
    settle=$((settle + 1))
    [ $(( $(cpu_ticks) - t0 )) -gt 5 ] || break
done
r=0
order="nobody wrong nopw broken"
while [ "$r" -lt "$rounds" ]; do
    r=$((r + 1))
    for t in $order; do
        wrk_run "t-$t-$r" "$t" /nothrottle/api/client/login 1 3s
    done
    order="$(echo "$order" | cut -d ' ' -f 2-) $(echo "$order" | cut -d ' ' -f 1)"
done
portal_stop

# ------------------------------------------------------------ the table
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
set -- $(cat "$work/gate.mem"); g_before=$1 g_peak=$2 g_after=$3 g_children=$4
set -- $(cat "$work/nogate.mem"); n_before=$1 n_peak=$2 n_after=$3 n_children=$4
m_mib=19
bound=$((g_before / 1024 + g_children * cap * (m_mib + 1) + 64))
{
    echo "mod_portal sign-in benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  commit $commit"
    echo "httpd $mpm MPM; $(nproc) CPUs; SQLite; argon2id m=19 MiB t=2 p=1;" \
         "PortalArgon2Concurrency $cap (the CPUs)"
    echo "load average before: $load_before; after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
    echo
    echo "1. correct passwords of 16 accounts in turn, POST /api/client/login, wrk -c16 $duration," \
         "best of $rounds rounds (alternating)"
    printf "%-34s %9s %8s %8s\n" target req/s 200s other
    printf "%-34s %9.1f %8d %8d\n" "with the throttle (/)" "$(rps "$on")" "$(status "$on" 200)" \
        "$(( $(status "$on" 401) + $(status "$on" 429) + $(status "$on" 503) ))"
    printf "%-34s %9.1f %8d %8d\n" "without (/nothrottle)" "$(rps "$off")" "$(status "$off" 200)" \
        "$(( $(status "$off" 401) + $(status "$off" 429) + $(status "$off" 503) ))"
    awk -v a="$(rps "$on")" -v b="$(rps "$off")" \
        'BEGIN { printf "ratio with/without: %.3f\n", a / b }'
    echo
    echo "2. wrong passwords, 64 connections for $flood, throttle off (every request hashes)"
    printf "%-34s %9s %9s %9s %8s %8s\n" target "RSS MiB" "peak MiB" "after" 401s 503s
    printf "%-34s %9s %9s %9s %8d %8d\n" "with the gate ($cap per process)" "$(mib "$g_before")" \
        "$(mib "$g_peak")" "$(mib "$g_after")" "$(status gate 401)" "$(status gate 503)"
    printf "%-34s %9s %9s %9s %8d %8d\n" "without (/nogate: 1024)" "$(mib "$n_before")" \
        "$(mib "$n_peak")" "$(mib "$n_after")" "$(status nogate 401)" "$(status nogate 503)"
    echo "the bound with the gate: RSS before + children x cap x (19+1) MiB + 64 MiB ="
    echo "  $(mib "$g_before") + $g_children x $cap x 20 + 64 = $bound MiB;" \
         "peak $(mib "$g_peak") MiB: $( [ "$(mib "$g_peak")" -le "$bound" ] && echo within || echo OVER)"
    echo
    echo "3. failing sign-ins, one connection, $rounds rounds of 3 s each in turn (throttle off):" \
         "the same argon2 work"
    printf "%-34s %9s %9s %8s\n" target "mean ms" ratio 401s
    base_ms=$(mean_rounds t-wrong)
    for t in nobody:"no such account" wrong:"a wrong password" nopw:"an account without a password" \
             broken:"an unreadable hash"; do
        n=${t%%:*} label=${t#*:}
        printf "%-34s %9s %9s %8d\n" "$label" "$(mean_rounds "t-$n")" \
            "$(awk -v a="$(mean_rounds "t-$n")" -v b="$base_ms" 'BEGIN { printf "%.3f", a / b }')" \
            "$(answers_rounds "t-$n" 401)"
    done
    echo
    echo "ratios, not absolute numbers, are what to compare between commits: wrk and httpd share the CPUs."
} > "$results/signin-latest.txt"
cp "$work"/*.wrk "$results/" 2>/dev/null || :
echo
cat "$results/signin-latest.txt"
if [ "$(mib "$g_peak")" -gt "$bound" ]; then
    die "the children's peak RSS with the gate ($(mib "$g_peak") MiB) is over the bound ($bound MiB)"
fi
