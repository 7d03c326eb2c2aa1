#!/bin/sh
# files.sh -- how fast do files go in and out of the portal, next to httpd
# doing the least it can with the same bytes?
#   bench/files.sh
# Starts ./run.sh on a free port with an empty data folder and a WebDAV
# location (mod_dav_fs) beside the portal, signs a user in with curl, and
# moves one file of BENCH_FILE_MIB (256) MiB of random bytes:
#   upload:   raw PUT to mod_dav_fs (written to disk as it is)
#             vs POST /upload (multipart parsed, SHA-256 + SHA-1, type
#             check, AES-256-GCM, fsync + rename, time stamp, DB row)
#   download: the same file as a static file vs GET /files/<id>/download
#             (decrypted and authenticated segment by segment)
# each BENCH_ROUNDS (3) times, alternating, and prints the best MiB/s of
# each and the portal/baseline ratios (also in bench/results/files-latest.txt).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mib=${BENCH_FILE_MIB:-256}
rounds=${BENCH_ROUNDS:-3}
results="$top/bench/results"
mkdir -p "$results"

bench_name=files.sh bench_port=${BENCH_PORT:-18495}
. "$top/bench/common.sh"

# the raw-PUT baseline: mod_dav_fs writing into the data folder
mkdir -p "$data/run/extra" "$data/dav" "$data/davlock"
chown www-data:www-data "$data/dav" "$data/davlock" 2>/dev/null || :
cat > "$data/run/extra/bench-dav.conf" <<CONF
LoadModule dav_module /usr/lib/apache2/modules/mod_dav.so
LoadModule dav_fs_module /usr/lib/apache2/modules/mod_dav_fs.so
DavLockDB "$data/davlock/lock"
Alias /bench-put "$data/dav"
<Directory "$data/dav">
    Dav On
    Require all granted
</Directory>
<Location /bench-put>
    SetHandler None
</Location>
CONF

# the bench's user signs up (a client account); let clients upload here
echo 'PortalUploadRoles client operations admin' > "$data/run/extra/bench-roles.conf"

echo "files.sh: starting the portal on port $port"
portal_start "$port" "$data" /dev/null "$work/server.log" || die "the portal did not start"
url=$portal_url
portal_user "$work" || die "could not make a signed-in user"

echo "files.sh: $mib MiB of random bytes"
head -c "$((mib * 1024 * 1024))" /dev/urandom > "$work/file.bin"
want=$(sha256sum "$work/file.bin" | cut -d ' ' -f 1)
bench_static "$work/file.bin" bench-file.bin

# seconds SECONDS-FILE CMD...: run curl, append its total time
timed() {
    out=$1; shift
    "$@" -s -w '%{http_code} %{time_total}\n' >> "$out"
}
token=$(portal_csrf /files)
[ -n "$token" ] || die "no csrf_token on /files"
i=0
id=
while [ "$i" -lt "$rounds" ]; do
    i=$((i + 1))
    echo "files.sh: round $i of $rounds" >&2
    timed "$work/put" curl -o /dev/null -T "$work/file.bin" "$url/bench-put/file$i.bin"
    timed "$work/upload" curl -o "$work/up$i.json" -H "Cookie: $portal_cookie" \
        -H 'Accept: application/json' -F "csrf_token=$token" \
        -F "file=@$work/file.bin;filename=bench$i.bin" "$url/upload"
    id=$(sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p' "$work/up$i.json")
    [ -n "$id" ] || die "upload $i answered: $(cat "$work/up$i.json")"
    grep -q "\"sha256\": *\"$want\"" "$work/up$i.json" || die "upload $i: wrong SHA-256"
    timed "$work/static" curl -o "$work/static.out" "$url/portal-static/bench-file.bin"
    timed "$work/download" curl -o "$work/download.out" -H "Cookie: $portal_cookie" \
        "$url/files/$id/download"
    [ "$(sha256sum < "$work/download.out" | cut -d ' ' -f 1)" = "$want" ] \
        || die "download $i: the bytes differ"
done
for f in put upload static download; do
    if grep -qv '^20[01] ' "$work/$f"; then
        die "$f: $(grep -v '^20[01] ' "$work/$f" | head -n 1)"
    fi
done
portal_stop

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "mod_portal file benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  commit $commit"
    echo "$mib MiB of random bytes, best of $rounds rounds, curl on loopback; $(nproc) CPUs; local store, SQLite"
    echo
    awk -v dir="$work" -v mib="$mib" '
        function best(name,   line, f, t) {
            t = 0
            while ((getline line < (dir "/" name)) > 0) {
                split(line, f, " ")
                if (t == 0 || f[2] < t) t = f[2]
            }
            close(dir "/" name)
            return mib / t
        }
        BEGIN {
            put = best("put"); up = best("upload"); st = best("static"); dl = best("download")
            printf "%-40s %10s %8s\n", "transfer", "MiB/s", "ratio"
            printf "%-40s %10.0f %8s\n", "raw PUT (mod_dav_fs, plaintext)", put, "-"
            printf "%-40s %10.0f %8.2f\n", "POST /upload (encrypted, stamped)", up, up / put
            printf "%-40s %10.0f %8s\n", "static file GET", st, "-"
            printf "%-40s %10.0f %8.2f\n", "GET /files/<id>/download (decrypted)", dl, dl / st
        }'
    echo
    echo "ratio = portal/baseline in the same run; see bench/README.md."
} > "$results/files-latest.txt"
echo
cat "$results/files-latest.txt"
