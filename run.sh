#!/bin/sh
# run.sh -- install what is missing, build, and run the portal in the
# foreground on http://127.0.0.1:8080 with SQLite in ./var.
#   ./run.sh [--port N] [--data DIR] [--mpm event|prefork]
# Ctrl-C or SIGTERM stops it.  A second instance runs beside the first with
# another --port and --data.  Keys and the database are created on first
# start; running it again is quick when nothing changed.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
port=8080
data="$top/var"
mpm=event
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        --mpm) mpm="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$port" in ''|*[!0-9]*) echo "run.sh: --port takes a number" >&2; exit 2 ;; esac
case "$mpm" in event|prefork) ;; *) echo "run.sh: --mpm is event or prefork" >&2; exit 2 ;; esac

"$top/scripts/deps.sh" run
"$top/scripts/build.sh" "$top/build"

mkdir -p "$data"
data=$(cd "$data" && pwd)
rundir="$data/run"
mkdir -p "$rundir"
user=www-data group=www-data
if [ "$(id -u)" != 0 ]; then
    user=$(id -un) group=$(id -gn)
else
    # the worker user writes the SQLite database in the data folder
    chown "$user:$group" "$data"
    chmod 750 "$data"
    if ! runuser -u "$user" -- test -x "$data" -a -r "$top/static/portal.css"; then
        echo "run.sh: user $user cannot reach $data or $top/static;" >&2
        echo "run.sh: move the checkout (or --data) below a folder others can enter" >&2
        exit 1
    fi
fi

sed -e "s|/usr/lib/apache2/modules/mod_portal.so|$top/build/.libs/mod_portal.so|" \
    -e "s|/var/lib/mod_portal|$data|g" \
    -e "s|/usr/share/mod_portal|$top|g" \
    -e "s|^#PortalBaseURL .*|PortalBaseURL http://127.0.0.1:$port|" \
    "$top/conf/portal.conf" > "$rundir/portal.conf"
sed -e "s|@PORT@|$port|g" -e "s|@RUNDIR@|$rundir|g" -e "s|@USER@|$user|g" \
    -e "s|@GROUP@|$group|g" -e "s|@MPM@|$mpm|g" \
    "$top/conf/standalone.conf.in" > "$rundir/httpd.conf"

echo "run.sh: mod_portal on http://127.0.0.1:$port/ (data in $data; mail it sends is in $data/mail/; Ctrl-C stops)"
exec /usr/sbin/apache2 -f "$rundir/httpd.conf" -DFOREGROUND
