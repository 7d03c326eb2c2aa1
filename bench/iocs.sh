#!/bin/sh
# iocs.sh -- does the threat-intelligence view stay fast at a million
# indicators?
#   bench/iocs.sh
# Generates a URLhaus-format feed of BENCH_IOCS (1000000) rows, loads it
# with `portalctl ioc-refresh --file` into a fresh SQLite data folder
# (printing the ingest rate), starts the portal on it and runs wrk against
#   a static file the size of the /iocs page (the baseline),
#   /iocs (first page, cached counts), a keyword search that matches a few
#   rows, one that matches a tenth of them, a type filter, page 40 and a
#   deep page reached by the keyset cursor,
# printing req/s, p99 latency and the ratio to the static baseline (also in
# bench/results/iocs-latest.txt).  Takes a few minutes, most of it loading.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
count=${BENCH_IOCS:-1000000}
duration=${BENCH_DURATION:-10s}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-16}
results="$top/bench/results"
mkdir -p "$results"

bench_name=iocs.sh bench_port=${BENCH_PORT:-18497}
. "$top/bench/common.sh"
bench_need_wrk

"$top/scripts/deps.sh" run
"$top/scripts/build.sh" "$top/build"
chmod 750 "$data"
chown www-data:www-data "$data" 2>/dev/null || :

echo "iocs.sh: generating $count indicators"
chmod 755 "$work"
python3 - "$count" > "$work/feed.csv" <<'PY'
import sys, random
n = int(sys.argv[1])
random.seed(7)
w = sys.stdout.write
w("#" * 64 + "\r\n")
for line in ("# abuse.ch URLhaus Database Dump (CSV - recent URLs only)",
             "# Last updated: 2026-11-23 10:00:00 (UTC)", "#",
             "# Terms Of Use: https://urlhaus.abuse.ch/api/",
             "# For questions please contact urlhaus [at] abuse.ch"):
    w(line.ljust(63) + "#\r\n")
w("#" * 64 + "\r\n#\r\n")
w("# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\r\n")
families = ["Mozi", "Mirai", "Gafgyt", "AgentTesla", "Emotet", "QakBot",
            "Formbook", "RedLine", "AsyncRAT", "Remcos"]
for i in range(n, 0, -1):
    fam = families[i % 10]
    host = "%d.%d.%d.%d" % (random.randint(1, 223), random.randint(0, 255),
                            random.randint(0, 255), random.randint(1, 254))
    if i % 3:
        host = "h%07d-%s.example-bad.test" % (i, fam.lower())
    day = 1 + (i * 28 // n)
    w('"%d","2026-10-%02d %02d:%02d:%02d","http://%s/bins/%s.%d","online",'
      '"","malware_download","32-bit,elf,%s","https://urlhaus.abuse.ch/url/%d/",'
      '"bench"\r\n' % (i, min(day, 28), i % 24, i % 60, i % 60, host,
                       fam.lower(), i, fam, i))
PY
chmod 644 "$work/feed.csv"
echo "iocs.sh: loading them with portalctl ioc-refresh --file"
t0=$(date +%s.%N)
"$top/build/portalctl" --data "$data" --sql "$top/sql" ioc-refresh \
    --file "$work/feed.csv" --format urlhaus-csv > "$work/load.txt" 2>&1 \
    || { cat "$work/load.txt"; die "loading failed"; }
t1=$(date +%s.%N)
load_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
tail -n 1 "$work/load.txt"

portal_start "$port" "$data" /dev/null "$work/server.log" || die "the portal did not start"
url=$portal_url
portal_user "$work" || die "could not make a signed-in user"
cookie=$portal_cookie

code=$(curl -s -o "$work/iocs.html" -w '%{http_code}' -H "Cookie: $cookie" "$url/iocs")
[ "$code" = 200 ] || die "GET /iocs answered $code"
bench_static "$work/iocs.html" bench-iocs.txt
# a deep page: follow the cursor 200 pages (2000 rows) in
cursor=$(curl -s -H "Cookie: $cookie" -H 'Accept: application/json' "$url/iocs?per_page=100&page=20" \
    | sed -n 's/.*"next": *"\([0-9.]*\)".*/\1/p')
[ -n "$cursor" ] || die "no cursor from /iocs?page=20"

run() {    # run NAME PATH [COOKIE]
    if [ $# -ge 3 ]; then
        wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "Cookie: $3" "$url$2" > "$work/$1.wrk" 2>&1 || :
    else
        wrk -t"$threads" -c"$conns" -d"$duration" --latency "$url$2" > "$work/$1.wrk" 2>&1 || :
    fi
    awk -v name="$1" -v path="$2" '
        function ms(v) {
            if (v ~ /us$/) return v * 0.001
            if (v ~ /ms$/) return v * 1
            if (v ~ /s$/)  return v * 1000
            return v
        }
        /^Requests\/sec:/ { rps = $2 }
        /^ +99% / { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { err += $NF }
        END { printf "%s %s %.2f %.3f %d\n", name, path, rps, p99, err }' "$work/$1.wrk" >> "$work/table"
}
echo "iocs.sh: wrk, $duration each" >&2
wrk -t"$threads" -c"$conns" -d2s -H "Cookie: $cookie" "$url/iocs" >/dev/null 2>&1 || :
run static /portal-static/bench-iocs.txt
run list /iocs "$cookie"
run search-narrow "/iocs?q=h0012345" "$cookie"
run search-broad "/iocs?q=qakbot" "$cookie"
run type "/iocs?type=url" "$cookie"
run page40 "/iocs?page=40" "$cookie"
run deep "/iocs?after=$cursor" "$cookie"
portal_stop

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "mod_portal threat-intelligence benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  commit $commit"
    echo "$count indicators in SQLite (loaded in ${load_s}s by portalctl ioc-refresh --file);"
    echo "wrk -t$threads -c$conns -d$duration; $(nproc) CPUs shared with wrk"
    echo
    awk '
        NR == 1 { base = $3 }
        { printf "%-14s %-34s %10.0f %9.2f %8.3f %6d\n", $1, $2, $3, $4, $3 / base, $5 }
    ' "$work/table" | { printf "%-14s %-34s %10s %9s %8s %6s\n" target path "req/s" "p99 ms" ratio errors; cat; }
    echo
    echo "ratio = req/s over the static file of the same size in the same run."
} > "$results/iocs-latest.txt"
echo
cat "$results/iocs-latest.txt"
