#!/bin/sh
# api.sh -- how fast does the JSON API list a client's files, next to httpd
# serving a static file of the same size?
#   bench/api.sh
# Starts ./run.sh on a free port with an empty data folder, makes an
# operations and a client account with portalctl, signs the operations
# account in to the API and uploads BENCH_API_FILES (30) small genuine
# .docx files (published to every client), signs the client in once (not
# measured: argon2 is slow on purpose), saves one GET /api/client/files
# answer as a static file of exactly its size, then runs wrk against
#   static-size        the static copy
#   GET /api/client/files  with the client's bearer token (JWT check;
#                      the account and the token's revocation in one query;
#                      the page with its total in another)
# BENCH_ROUNDS (3) times each, alternating, and prints the best req/s of
# each, its p99 and the api/static ratio (also in
# bench/results/api-latest.txt).  See bench/README.md.
#
# Environment: BENCH_PORT (first port to try, 18500), BENCH_DURATION (10s
# per run), BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_ROUNDS (3),
# BENCH_API_FILES (30), BENCH_MPM (event or prefork).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
duration=${BENCH_DURATION:-10s}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-16}
rounds=${BENCH_ROUNDS:-3}
nfiles=${BENCH_API_FILES:-30}
mpm=${BENCH_MPM:-event}
results="$top/bench/results"
mkdir -p "$results"
case "$rounds" in ''|*[!0-9]*|0) echo "api.sh: BENCH_ROUNDS must be a positive number" >&2; exit 2 ;; esac
case "$nfiles" in ''|*[!0-9]*|0) echo "api.sh: BENCH_API_FILES must be a positive number" >&2; exit 2 ;; esac

bench_name=api.sh bench_port=${BENCH_PORT:-18500}
. "$top/bench/common.sh"
bench_need_wrk

# ------------------------------------------------------------ the portal
echo "api.sh: starting the portal on port $port ($mpm MPM)"
# the access log goes to /dev/null, as in bench.sh
portal_start "$port" "$data" /dev/null "$work/server.log" --mpm "$mpm" \
    || die "the portal did not start"
url=$portal_url

# ------------------------------------------------------------ accounts
# portalctl writes the instance's SQLite database; as root it runs as the
# owner of the data folder, so the files it may create stay the server's
portalctl="$top/build/portalctl"
"$portalctl" --help 2>&1 | grep -q 'user add' \
    || die "$portalctl has no 'user add' command: build the tree first"
owner=$(stat -c %U "$data")
ctl() {
    if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
        runuser -u "$owner" -- "$portalctl" --data "$data" --sql "$top/sql" "$@"
    else
        "$portalctl" --data "$data" --sql "$top/sql" "$@"
    fi
}
password="bench-api-password-$$"
printf '%s\n' "$password" > "$work/password"
chmod 644 "$work/password"
ops_user="benchops$$" client_user="benchclient$$"
ctl user add --role operations --username "$ops_user" --email "$ops_user@example.org" \
    --first-name Bench --last-name Operations --password-file "$work/password" \
    > "$work/ops.id" 2>&1 || die "portalctl user add (operations): $(cat "$work/ops.id")"
ctl user add --role client --username "$client_user" --email "$client_user@example.org" \
    --first-name Bench --last-name Client --address "1 Benchmark Road" \
    --password-file "$work/password" > "$work/client.id" 2>&1 \
    || die "portalctl user add (client): $(cat "$work/client.id")"

# api_login KIND USER: print the access token of POST /api/KIND/login
api_login() {
    code=$(curl -s -o "$work/login-$1.json" -w '%{http_code}' \
        -H 'Content-Type: application/json' -H 'Accept: application/json' \
        --data "{\"username\": \"$2\", \"password\": \"$password\"}" "$url/api/$1/login")
    [ "$code" = 200 ] || die "POST /api/$1/login answered $code: $(cat "$work/login-$1.json")"
    sed -n 's/.*"access_token": *"\([A-Za-z0-9_.-]*\)".*/\1/p' "$work/login-$1.json"
}
ops_token=$(api_login ops "$ops_user")
[ -n "$ops_token" ] || die "no access_token from /api/ops/login"

# ------------------------------------------------------------ the files
echo "api.sh: uploading $nfiles .docx files through POST /api/ops/upload"
i=0
while [ "$i" -lt "$nfiles" ]; do
    i=$((i + 1))
    perl -I"$top/t/lib" -MOoxml -e 'print ooxml_file("docx", text => $ARGV[0])' \
        "Benchmark document $i" > "$work/doc.docx" || die "could not make a .docx"
    code=$(curl -s -o "$work/up.json" -w '%{http_code}' -H "Authorization: Bearer $ops_token" \
        -F "file=@$work/doc.docx;filename=report-$i.docx" -F audience=clients \
        "$url/api/ops/upload")
    [ "$code" = 201 ] || die "upload $i answered $code: $(cat "$work/up.json")"
done

# the client signs in once; its token is what wrk sends
client_token=$(api_login client "$client_user")
[ -n "$client_token" ] || die "no access_token from /api/client/login"
auth="Authorization: Bearer $client_token"

# ------------------------------------------------------------ same-size file
code=$(curl -s -o "$work/files.json" -w '%{http_code}' -H "$auth" "$url/api/client/files")
[ "$code" = 200 ] || die "GET /api/client/files answered $code: $(head -c 300 "$work/files.json")"
grep -q "\"total\": *${nfiles}[,}]" "$work/files.json" \
    || die "GET /api/client/files does not list the $nfiles files: $(head -c 300 "$work/files.json")"
size=$(wc -c < "$work/files.json" | tr -d ' ')
bench_static "$work/files.json" bench-api-files.json
got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url/portal-static/bench-api-files.json")
[ "$got" = "200 $size" ] || die "the static copy answered '$got', wanted '200 $size'"

# ------------------------------------------------------------ wrk
# run NAME ROUND PATH [HEADER]: wrk it, append "req/s p99-ms errors" to $work/NAME
run() {
    name=$1 round=$2 path=$3
    shift 3
    echo "api.sh: round $round: wrk $path for $duration" >&2
    if [ $# -ge 1 ]; then
        wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "$1" "$url$path" \
            > "$work/api-$name-$round.wrk" 2>&1 || :
    else
        wrk -t"$threads" -c"$conns" -d"$duration" --latency "$url$path" \
            > "$work/api-$name-$round.wrk" 2>&1 || :
    fi
    line=$(awk '
        function ms(v) {      # wrk latencies: 512.00us, 1.23ms, 1.05s, 2.00m
            if (v ~ /us$/) return v * 0.001
            if (v ~ /ms$/) return v * 1
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v
        }
        /^Requests\/sec:/ { rps = $2 }
        /^ +99% / { p99 = ms($2) }
        /^ +Non-2xx or 3xx responses:/ { err += $NF }
        /^ +Socket errors:/ {
            for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0
        }
        END {
            if (rps == "" || p99 == "") { print "FAILED"; exit }
            printf "%.2f %.3f %d\n", rps, p99, err
        }' "$work/api-$name-$round.wrk")
    if [ "$line" = FAILED ]; then
        cat "$work/api-$name-$round.wrk" >&2
        die "wrk $path failed"
    fi
    echo "$line" >> "$work/$name"
}
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
echo "api.sh: warm-up, 2 s" >&2
wrk -t"$threads" -c"$conns" -d2s -H "$auth" "$url/api/client/files" >/dev/null 2>&1 || :
r=0
while [ "$r" -lt "$rounds" ]; do
    r=$((r + 1))
    run static "$r" /portal-static/bench-api-files.json
    run api "$r" /api/client/files "$auth"
done

# the token must have lasted: the numbers are void if wrk timed 401s
code=$(curl -s -o "$work/after.json" -w '%{http_code}' -H "$auth" "$url/api/client/files")
if [ "$code" != 200 ] || ! cmp -s "$work/after.json" "$work/files.json"; then
    die "after the run GET /api/client/files answered $code, not the same list: its numbers are void"
fi
portal_stop

# ------------------------------------------------------------ the table
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "mod_portal API benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  commit $commit"
    echo "wrk -t$threads -c$conns -d$duration --latency, best of $rounds rounds (alternating);" \
         "httpd $mpm MPM; $(nproc) CPUs; SQLite"
    echo "GET /api/client/files: bearer JWT (HS256), $nfiles files published, default page" \
         "(20 per page), $size bytes (body)"
    echo "load average before: $load_before; after: $(cut -d ' ' -f 1-3 /proc/loadavg)" \
         "(wrk and httpd share the machine; see bench/README.md)"
    echo
    awk -v dir="$work" '
        # the round with the most req/s: "rps p99 errors"; errors summed
        function best(name,   line, f, b, e) {
            b = ""; e = 0
            while ((getline line < (dir "/" name)) > 0) {
                split(line, f, " ")
                e += f[3]
                if (b == "" || f[1] + 0 > rps[name]) { rps[name] = f[1]; p99[name] = f[2]; b = 1 }
            }
            close(dir "/" name)
            err[name] = e
        }
        BEGIN {
            best("static"); best("api")
            printf "%-34s %10s %9s %11s %7s\n", "target", "req/s", "p99 ms", "req/s ratio", "errors"
            printf "%-34s %10.0f %9.2f %11s %7d\n", "static-size", rps["static"], p99["static"], "-", err["static"]
            printf "%-34s %10.0f %9.2f %11.3f %7d\n", "GET /api/client/files (bearer)", rps["api"],
                   p99["api"], rps["api"] / rps["static"], err["api"]
        }'
    echo
    echo "req/s ratio = API/static of the same size (1.0: the API costs nothing over a file)."
    echo "p99 is that of the best round; errors = socket errors + non-2xx/3xx over all rounds."
} > "$results/api-latest.txt"
cp "$work"/*.wrk "$results/" 2>/dev/null || :
echo
cat "$results/api-latest.txt"
