#!/bin/sh
# deps.sh -- install the Debian packages the portal needs, only those that
# are missing (quick when nothing is).  `deps.sh run` for building and
# running; `deps.sh test` adds what the test suites need.
set -eu
RUN_PKGS="apache2 apache2-dev libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql
  libssl-dev libcurl4-openssl-dev libjansson-dev libargon2-dev libcrypt-dev libunistring-dev libmaxminddb-dev libcsv-dev libjwt-dev tzdata
  liboath-dev libqrencode-dev libfido2-dev libcbor-dev libzxcvbn-dev
  autoconf automake libtool pkg-config make gcc sqlite3"
TEST_PKGS="libapache2-mod-perl2 libdbd-sqlite3-perl libdbd-pg-perl
  libwww-perl postgresql chromium clang libclang-rt-14-dev wrk
  apache2-utils python3-aiosmtpd python3-cryptography libapache2-mod-auth-openidc
  curl openssl libmaxmind-db-writer-perl python3-jsonschema iproute2 procps
  oathtool python3-pyotp zbar-tools librsvg2-bin"

want="$RUN_PKGS"
[ "${1:-run}" = test ] && want="$want $TEST_PKGS"
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
# The tests' Node.js tools (t/browser, t/s3) run on Debian 12's nodejs
# (18.20) and npm.  A machine may have a Node.js from elsewhere (with its
# own npm): Debian's is installed only when there is no node at all, or
# node without npm.
if [ "${1:-run}" = test ]; then
    if ! command -v node >/dev/null 2>&1; then
        missing="$missing nodejs npm"
    elif ! command -v npm >/dev/null 2>&1; then
        missing="$missing npm"
    fi
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: these Debian packages are missing:$missing" >&2
    echo "deps.sh: run as root (or install them) and try again" >&2
    exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
