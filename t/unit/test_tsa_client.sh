#!/bin/sh
# test_tsa_client.sh -- run the external TSA client's unit test against
# t/unit/tsa_server.py (OpenSSL's `ts -reply` behind a small HTTP server)
# on loopback.
#   t/unit/test_tsa_client.sh [TEST_BINARY]
# Makes two test CAs, a time-stamping certificate under each and a TLS
# certificate for 127.0.0.1 with openssl, starts the server on free ports,
# runs the binary with PORTAL_TSA_URL, PORTAL_TSA_TLS_URL and
# PORTAL_TSA_DIR, stops the server and removes the folder whatever
# happens, and exits with the binary's status.  Fails (never skips) when
# python3 or openssl is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
bin=${1:-${top_builddir:-.}/t/unit/test_tsa_client}

if [ ! -x "$bin" ]; then
    echo "test_tsa_client.sh: no test binary at $bin" >&2
    exit 99
fi
for tool in python3:python3 openssl:openssl; do
    if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
        echo "test_tsa_client.sh: ${tool%%:*} is missing: install the" \
             "Debian package ${tool#*:}" >&2
        exit 1
    fi
done

tmp=$(mktemp -d /tmp/portal-tsa.XXXXXX)
pid=
cleanup() {
    status=$?
    trap - EXIT INT TERM
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ca1 -> tsa1, ca2 -> tsa2: P-256 keys, a timeStamping EKU as RFC 3161 asks
cat >"$tmp/tsa.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
EXT
make_pair() {
    n=$1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -days 2 -subj "/CN=Test TSA CA $n" -keyout "$tmp/ca$n.key" \
        -out "$tmp/ca$n.crt" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=Test TSA $n" -keyout "$tmp/tsa$n.key" \
        -out "$tmp/tsa$n.csr" >/dev/null 2>&1 &&
    openssl x509 -req -in "$tmp/tsa$n.csr" -CA "$tmp/ca$n.crt" \
        -CAkey "$tmp/ca$n.key" -CAcreateserial -days 2 \
        -extfile "$tmp/tsa.ext" -out "$tmp/tsa$n.crt" >/dev/null 2>&1 &&
    echo 01 >"$tmp/serial$n" &&
    cat >"$tmp/tsa$n.cnf" <<CNF
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
serial = $tmp/serial$n
crypto_device = builtin
signer_cert = $tmp/tsa$n.crt
certs = $tmp/ca$n.crt
signer_key = $tmp/tsa$n.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
}
if ! make_pair 1 || ! make_pair 2 \
    || ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/tls.key" \
        -out "$tmp/tls.crt" >/dev/null 2>&1; then
    echo "test_tsa_client.sh: openssl could not make the test certificates" >&2
    exit 1
fi

: >"$tmp/server.out"
python3 "$top_srcdir/t/unit/tsa_server.py" --dir "$tmp" --port 0 \
    --tls-cert "$tmp/tls.crt" --tls-key "$tmp/tls.key" >"$tmp/server.out" &
pid=$!
port=
tries=0
while [ -z "$port" ] && [ $tries -lt 100 ]; do
    port=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
    if [ -z "$port" ]; then
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
        tries=$((tries + 1))
    fi
done
if [ -z "$port" ]; then
    echo "test_tsa_client.sh: tsa_server.py did not start" >&2
    exit 1
fi
tls_port=$(sed -n 's/^tls \([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
PORTAL_TSA_URL=http://127.0.0.1:$port
PORTAL_TSA_TLS_URL=https://127.0.0.1:$tls_port
PORTAL_TSA_DIR=$tmp
export PORTAL_TSA_URL PORTAL_TSA_TLS_URL PORTAL_TSA_DIR

"$bin"
