#!/bin/sh
# browser.sh -- run the browser tests (t/browser) against a fresh portal.
#   scripts/browser.sh
# Starts ./run.sh on a free port (BROWSER_PORT, default 18480 or the next
# free one) with an empty data folder, waits for it, runs
# t/browser/portal.test.mjs (playwright-core + /usr/bin/chromium), stops the
# server and exits with the tests' status.  Screenshots, results.txt,
# results.tap and server.log land in t/browser/results/.  PORTAL_DATA tells
# the tests the data folder: with no SMTP server configured the portal
# writes every mail as DATA/mail/NNNNNNNN.eml, where they find the links.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/t/browser"
mkdir -p results

. "$top/scripts/node-check.sh"
portal_node_check browser.sh "$top/t/browser" || exit 1
# node_modules from the lock file (npm works offline here)
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "browser.sh: /usr/bin/chromium is missing (apt-get install chromium)" >&2
    exit 1
fi

. "$top/scripts/instance.sh"
port=$(portal_free_port "${BROWSER_PORT:-18480}")
data=$(mktemp -d /tmp/portal-browser.XXXXXX)
chmod 755 "$data"

cleanup() {
    status=$?
    trap - EXIT INT TERM
    portal_stop
    rm -rf "$data"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# the first story signs up (a client account) and then uploads, which
# the product leaves to operations accounts unless a site allows clients
# too: allowed at the root; /share keeps the product's roles for the
# roles story
mkdir -p "$data/run/extra"
cat > "$data/run/extra/browser.conf" <<'CONF'
PortalUploadRoles client operations admin
<Location /share>
    SetHandler portal
    PortalUploadRoles operations admin
</Location>
CONF
echo "browser.sh: starting the portal on port $port (log: t/browser/results/server.log)"
portal_start "$port" "$data" results/server.log results/server.log
url=$portal_url

set +e
PORTAL_URL=$url PORTAL_DATA=$data node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination=results/results.tap \
    portal.test.mjs
status=$?
set -e
echo "browser.sh: results in t/browser/results/ (results.txt, NN-*.png, server.log)"
exit "$status"
