#!/bin/bash
# try.sh -- prove t/oidc/provider.py against the real mod_auth_openidc.
#
# Run as root:  t/oidc/try.sh        (KEEP=1 keeps the temp dir,
#                                     PYTHON=/usr/bin/python3 picks the
#                                     interpreter for the provider,
#                                     PROVIDER_ARGS="--signer openssl"
#                                     adds provider options,
#                                     VERBOSE=1 prints every page)
#
# Installs libapache2-mod-auth-openidc when it is missing, then starts the
# provider and a standalone httpd (own config, loopback ports, temp dir)
# and drives the whole authorization code flow with curl and a cookie jar:
#   GET /oidc/login -> 302 provider /authorize -> 302 /oidc/redirect?code
#   -> (mod_auth_openidc: back-channel /token, /jwks, /userinfo; ID token
#   validation) -> 302 /oidc/login -> 200 page listing the OIDC_* variables.
# Then the failure cases (bad signature, wrong nonce/aud/iss/kid, expired,
# refused login, ...).  Prints PASS/FAIL per check and exits non-zero when
# any check failed.  Nothing listens anywhere but 127.0.0.1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
MODDIR=/usr/lib/apache2/modules
HTTPD=${HTTPD:-/usr/sbin/apache2}
CLIENT_ID=portal-test
CLIENT_SECRET='s3cret:with/odd+chars'    # exercises RFC 6749 2.3.1 encoding

died=0
die() { echo "try.sh: $*" >&2; died=1; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root (installs packages, httpd runs as nobody)"

# ------------------------------------------------------------ packages
if [ ! -e $MODDIR/mod_auth_openidc.so ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q libapache2-mod-auth-openidc >/dev/null ||
        { apt-get update -q >/dev/null &&
          apt-get install -y -q libapache2-mod-auth-openidc >/dev/null; } ||
        die "cannot install libapache2-mod-auth-openidc"
    # the package enables the module for the system apache2; we load it
    # ourselves, so leave the system configuration as it was
    a2dismod -q auth_openidc >/dev/null 2>&1 || true
fi
command -v curl >/dev/null || die "curl is needed"
echo "mod_auth_openidc $(dpkg-query -W -f='${Version}' libapache2-mod-auth-openidc 2>/dev/null)," \
     "$($HTTPD -v | sed -n 's/^Server version: //p')"

# ------------------------------------------------------------ helpers
T=$(mktemp -d /tmp/oidc-try.XXXXXX) || die "mktemp"
chmod 755 "$T"
mkdir -p "$T/logs" "$T/cgi" "$T/htdocs"
npass=0 nfail=0 failed=""
pass() { npass=$((npass + 1)); echo "PASS $*"; }
fail() { nfail=$((nfail + 1)); failed="$failed
  $*"; echo "FAIL $*"; }
check() {   # check NAME COMMAND...   (runs COMMAND, PASS when it succeeds)
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
has() { grep -qxF -- "$2" "$1"; }            # file has exactly this line
hasnt() { ! grep -q -- "$2" "$1"; }
contains() { grep -qF -- "$2" "$1"; }
ms() { date +%s%3N; }
errtext() {     # the message of a mod_auth_openidc error page, one line
    local t
    t=$(sed 's/<[^>]*>//g; s/&apos;/'"'"'/g' "$1" | tr -s ' \n\r\t' ' ' |
        sed -n 's/.*\(Error: .*\)/\1/p' | sed 's/ *$//')
    [ -n "$t" ] || t=$(sed -n 's:.*<title>\(.*\)</title>.*:httpd page "\1":p' "$1")
    echo "$t"
}
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PPORT=$(free_port); HPORT=$(free_port)
P=http://127.0.0.1:$PPORT            # provider
H=http://127.0.0.1:$HPORT            # httpd
REDIRECT=$H/oidc/redirect

provider_pid=""
start_provider() {      # start_provider [extra provider args]
    : > "$T/logs/provider.out"
    "$PYTHON" "$here/provider.py" --port "$PPORT" --client-id "$CLIENT_ID" \
        --client-secret "$CLIENT_SECRET" --redirect-uri "$REDIRECT" \
        ${PROVIDER_ARGS:-} "$@" \
        > "$T/logs/provider.out" 2>> "$T/logs/provider.err" &
    provider_pid=$!
    for _ in $(seq 100); do
        grep -qx ready "$T/logs/provider.out" && return 0
        kill -0 $provider_pid 2>/dev/null || break
        sleep 0.05
    done
    die "provider did not start; see $T/logs/provider.err"
}
stop_provider() {
    [ -n "$provider_pid" ] || return 0
    kill "$provider_pid" 2>/dev/null; wait "$provider_pid" 2>/dev/null
    provider_pid=""
}
httpd_conf=""
start_httpd() {         # start_httpd CONF
    httpd_conf=$1
    $HTTPD -t -f "$httpd_conf" 2>"$T/logs/configtest" ||
        { cat "$T/logs/configtest"; die "httpd config test failed"; }
    $HTTPD -f "$httpd_conf" -k start || die "httpd did not start"
    for _ in $(seq 100); do
        curl -s -o /dev/null "$H/" && return 0
        sleep 0.05
    done
    die "httpd does not answer; see $T/logs/error_log"
}
stop_httpd() {
    [ -n "$httpd_conf" ] || return 0
    local pid; pid=$(cat "$T/logs/httpd.pid" 2>/dev/null)
    $HTTPD -f "$httpd_conf" -k stop 2>/dev/null
    for _ in $(seq 100); do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    httpd_conf=""
}
cleanup() {
    stop_httpd; stop_provider
    if [ "${KEEP:-0}" = 1 ] || [ $nfail -gt 0 ] || [ $died = 1 ]; then
        echo "kept $T (logs/error_log, logs/provider.err, conf/)"
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# one HTTP hop: hop JAR URL [curl args] -> sets $status $location; body in
# $T/body, headers in $T/hdrs
hop() {
    local jar=$1 url=$2; shift 2
    rm -f "$T/body" "$T/hdrs"
    status=$(curl -sS -b "$jar" -c "$jar" -o "$T/body" -D "$T/hdrs" \
                  -w '%{http_code}' "$@" "$url")
    location=$(sed -n 's/^[Ll]ocation: *//p' "$T/hdrs" | tr -d '\r')
    [ "${VERBOSE:-0}" = 1 ] && { echo "  -> $status $url"; cat "$T/body"; }
    return 0
}
next_user() {           # next_user JSON
    curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
         --data "$1" "$P/control/next-user" || die "next-user failed"
}
faults() {
    curl -sS -f -o /dev/null -X POST --data "$1" "$P/control/faults" ||
        die "faults failed"
}

# login NAME JAR [PATH]: the four hops; sets $flow_ms, $hop3_status;
# the final page (or the error page) is left in $T/page.NAME
login() {
    local name=$1 jar=$2 path=${3:-/oidc/login} t0 ok=1
    t0=$(ms)
    hop "$jar" "$H$path"
    [ "$status" = 302 ] && [[ $location == "$P/authorize?"* ]] ||
        { fail "$name: hop 1 $status $location"; return 1; }
    hop "$jar" "$location"
    [ "$status" = 302 ] && [[ $location == "$REDIRECT?"* ]] ||
        { fail "$name: hop 2 $status $location"; return 1; }
    authz_response=$location
    hop "$jar" "$location"
    hop3_status=$status
    if [ "$status" = 302 ]; then
        [ "$location" = "$H$path" ] ||
            { fail "$name: hop 3 went to $location"; ok=0; }
        hop "$jar" "$location"
    fi
    flow_ms=$(( $(ms) - t0 ))
    cp "$T/body" "$T/page.$name"
    [ $ok = 1 ]
}

# ------------------------------------------------------------ echo module
# A tiny C module standing in for mod_portal: records OIDC_CLAIM_email
# from r->subprocess_env in several hook phases and, as handler
# "oidc-echo", prints those, r->user, and every OIDC* entry of
# r->subprocess_env and r->headers_in.
cat > "$T/mod_oidc_echo.c" <<'EOF'
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "apr_lib.h"

module AP_MODULE_DECLARE_DATA oidc_echo_module;

static void snap(request_rec *r, const char *phase)
{
    const char *v = apr_table_get(r->subprocess_env, "OIDC_CLAIM_email");
    apr_table_set(r->notes, apr_pstrcat(r->pool, "echo:", phase, NULL),
                  apr_psprintf(r->pool, "env OIDC_CLAIM_email=%s user=%s",
                               v ? v : "(absent)",
                               r->user ? r->user : "(null)"));
}
static int at_header_parser(request_rec *r) { snap(r, "header_parser"); return DECLINED; }
static int at_access_checker(request_rec *r) { snap(r, "access_checker"); return DECLINED; }
static int at_fixups(request_rec *r) { snap(r, "fixups"); return DECLINED; }

static int show(void *rec, const char *k, const char *v)
{
    void **a = rec;
    if (strncasecmp(k, "OIDC", 4) == 0 || strncasecmp(k, "REDIRECT_OIDC", 13) == 0)
        ap_rprintf((request_rec *)a[0], "%s %s=%s\n", (const char *)a[1], k, v);
    return 1;
}

static int echo_handler(request_rec *r)
{
    static const char *phases[] = { "header_parser", "access_checker", "fixups" };
    void *a[2];
    int i;
    if (!r->handler || strcmp(r->handler, "oidc-echo"))
        return DECLINED;
    snap(r, "handler");
    ap_set_content_type(r, "text/plain");
    for (i = 0; i < 3; i++) {
        const char *s = apr_table_get(r->notes, apr_pstrcat(r->pool, "echo:", phases[i], NULL));
        ap_rprintf(r, "phase %s: %s\n", phases[i], s ? s : "(hook not run)");
    }
    ap_rprintf(r, "phase handler: %s\n", apr_table_get(r->notes, "echo:handler"));
    ap_rprintf(r, "r->user=%s\n", r->user ? r->user : "(null)");
    ap_rprintf(r, "ap_auth_type=%s\n", ap_auth_type(r) ? ap_auth_type(r) : "(null)");
    ap_rprintf(r, "internal_redirect=%s\n", r->prev ? "yes" : "no");
    a[0] = r; a[1] = "env";
    apr_table_do(show, a, r->subprocess_env, NULL);
    a[1] = "hdr";
    apr_table_do(show, a, r->headers_in, NULL);
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_header_parser(at_header_parser, NULL, NULL, APR_HOOK_LAST);
    ap_hook_access_checker(at_access_checker, NULL, NULL, APR_HOOK_LAST);
    ap_hook_fixups(at_fixups, NULL, NULL, APR_HOOK_LAST);
    ap_hook_handler(echo_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA oidc_echo_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, register_hooks
};
EOF
echo_so=""
if command -v apxs >/dev/null; then
    (cd "$T" && apxs -Wc,-Werror=implicit-function-declaration -c mod_oidc_echo.c >"$T/logs/apxs.log" 2>&1) &&
        echo_so=$T/.libs/mod_oidc_echo.so
    [ -n "$echo_so" ] || echo "note: apxs failed, C-module checks skipped (see $T/logs/apxs.log)"
else
    echo "note: apxs (apache2-dev) missing, C-module checks skipped"
fi

# the "application": a CGI printing its environment
cat > "$T/cgi/env.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
env | LC_ALL=C sort
EOF
chmod 755 "$T/cgi/env.cgi"
echo ok > "$T/htdocs/index.html"

# ------------------------------------------------------------ httpd.conf
write_conf() {      # write_conf FILE [extra server-level directives]
    cat > "$1" <<EOF
ServerRoot $T
ServerName 127.0.0.1:$HPORT
Listen 127.0.0.1:$HPORT
PidFile $T/logs/httpd.pid
ErrorLog $T/logs/error_log
LogLevel warn auth_openidc:info
DefaultRuntimeDir $T/logs
User nobody
Group nogroup
DocumentRoot $T/htdocs

LoadModule mpm_event_module   $MODDIR/mod_mpm_event.so
LoadModule authn_core_module  $MODDIR/mod_authn_core.so
LoadModule authz_core_module  $MODDIR/mod_authz_core.so
LoadModule authz_user_module  $MODDIR/mod_authz_user.so
LoadModule alias_module       $MODDIR/mod_alias.so
LoadModule cgid_module        $MODDIR/mod_cgid.so
LoadModule auth_openidc_module $MODDIR/mod_auth_openidc.so
${echo_so:+LoadModule oidc_echo_module $echo_so}
ScriptSock $T/logs/cgisock

OIDCProviderMetadataURL $P/.well-known/openid-configuration
OIDCClientID $CLIENT_ID
OIDCClientSecret "$CLIENT_SECRET"
OIDCRedirectURI $REDIRECT
OIDCCryptoPassphrase "not-secret-test-passphrase"
OIDCScope "openid email profile"
OIDCRemoteUserClaim sub
OIDCPassClaimsAs environment
${2:-}

# Everything under /oidc/ is protected, the redirect URI included.
<Location /oidc/>
    AuthType openid-connect
    Require valid-user
    ErrorDocument 404 /oidc/mod
</Location>
ScriptAlias /oidc/login $T/cgi/env.cgi
<Location /oidc/mod>
    SetHandler oidc-echo
</Location>
<Location /oidc/both>
    SetHandler oidc-echo
    OIDCPassClaimsAs both
</Location>
<Location /open>
    SetHandler oidc-echo
</Location>
EOF
}
mkdir -p "$T/conf"
write_conf "$T/conf/httpd.conf"
write_conf "$T/conf/httpd-post.conf" "OIDCProviderTokenEndpointAuth client_secret_post
OIDCPKCEMethod S256"
write_conf "$T/conf/httpd-badsecret.conf" "OIDCClientSecret wrong-secret"

# ============================================================ phase A
echo "== provider $P (signer: see below), httpd $H"
start_provider
curl -s "$P/control/state" | "$PYTHON" -c 'import json,sys; print("   provider signer:", json.load(sys.stdin)["signer"])'
start_httpd "$T/conf/httpd.conf"

authorize_count() {
    curl -s "$P/control/state" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["counts"]["authorize"])'
}

echo "== user with email_verified true"
next_user '{"sub":"alice","email":"alice@example.org","email_verified":true,"given_name":"Alice","family_name":"Liddell"}'
if login alice "$T/jar.alice"; then
    pg=$T/page.alice
    echo "   first flow (includes discovery + JWKS fetch): ${flow_ms} ms"
    check "alice: 200 page"                 [ "$status" = 200 ]
    check "alice: OIDC_CLAIM_email"         has "$pg" "OIDC_CLAIM_email=alice@example.org"
    check "alice: OIDC_CLAIM_email_verified=1" has "$pg" "OIDC_CLAIM_email_verified=1"
    check "alice: OIDC_CLAIM_given_name"    has "$pg" "OIDC_CLAIM_given_name=Alice"
    check "alice: OIDC_CLAIM_family_name"   has "$pg" "OIDC_CLAIM_family_name=Liddell"
    check "alice: OIDC_CLAIM_sub"           has "$pg" "OIDC_CLAIM_sub=alice"
    check "alice: OIDC_CLAIM_iss"           has "$pg" "OIDC_CLAIM_iss=$P"
    check "alice: REMOTE_USER=sub"          has "$pg" "REMOTE_USER=alice"
    check "alice: AUTH_TYPE"                has "$pg" "AUTH_TYPE=openid-connect"
    check "alice: no claim headers (environment only)" hasnt "$pg" "^HTTP_OIDC"
    echo "   OIDC variables the CGI saw:"; grep -E '^(OIDC|REMOTE_USER|AUTH_TYPE)' "$pg" | sed 's/^/     /'

    n=$(authorize_count); t0=$(ms)
    hop "$T/jar.alice" "$H/oidc/login"
    check "alice: session cookie reused, no new authorization (${flow_ms}ms flow, $(( $(ms) - t0 ))ms revisit)" \
        [ "$status" = 200 -a "$(authorize_count)" = "$n" ]

    hop "$T/jar.alice" "$authz_response"
    echo "   replayed authorization response (same browser, logged in): $status -> ${location:-(none)}"
    check "alice: replayed code+state with session is not a new login" [ "$(authorize_count)" = "$n" ]
    hop "$T/jar.fresh" "$authz_response"; cp "$T/body" "$T/page.replay"
    echo "   replayed authorization response (other browser): HTTP $status $(errtext "$T/body")"
    check "replay in another browser: not logged in" [ "$status" != 302 -o "$location" != "$H/oidc/login" ]
fi

echo "== user with email_verified false, plus an extra claim"
next_user '{"sub":"bob","email":"bob@example.org","email_verified":false,"given_name":"Bob","family_name":"Smith","name":"Bob Smith"}'
if login bob "$T/jar.bob"; then
    pg=$T/page.bob
    echo "   flow: ${flow_ms} ms"
    check "bob: OIDC_CLAIM_email"                has "$pg" "OIDC_CLAIM_email=bob@example.org"
    check "bob: OIDC_CLAIM_email_verified=0"     has "$pg" "OIDC_CLAIM_email_verified=0"
    check "bob: extra claim OIDC_CLAIM_name"     has "$pg" "OIDC_CLAIM_name=Bob Smith"
fi

echo "== email_verified missing; non-ASCII name"
next_user '{"sub":"carol","email":"carol@example.org","given_name":"Zoë","family_name":"Ødegård"}'
if login carol "$T/jar.carol"; then
    pg=$T/page.carol
    check "carol: no OIDC_CLAIM_email_verified when the claim is absent" hasnt "$pg" "OIDC_CLAIM_email_verified"
    check "carol: UTF-8 passed as raw UTF-8 bytes" has "$pg" "OIDC_CLAIM_given_name=Zoë"
fi

echo "== email_verified as the string \"true\" (some providers do that)"
next_user '{"sub":"dave","email":"dave@example.org","email_verified":"true"}'
if login dave "$T/jar.dave"; then
    check "dave: string claim passed verbatim (OIDC_CLAIM_email_verified=true)" \
        has "$T/page.dave" "OIDC_CLAIM_email_verified=true"
fi

if [ -n "$echo_so" ]; then
    echo "== what a C module sees (alice's session)"
    hop "$T/jar.alice" "$H/oidc/mod" -H 'OIDC_CLAIM_email: spoofed@example.com'
    cp "$T/body" "$T/page.mod"; sed 's/^/     /' "$T/page.mod"
    m=$T/page.mod
    check "C: absent in header_parser"   has "$m" "phase header_parser: env OIDC_CLAIM_email=(absent) user=(null)"
    check "C: absent in access_checker"  has "$m" "phase access_checker: env OIDC_CLAIM_email=(absent) user=(null)"
    check "C: present in fixups"         has "$m" "phase fixups: env OIDC_CLAIM_email=alice@example.org user=alice"
    check "C: present in handler"        has "$m" "phase handler: env OIDC_CLAIM_email=alice@example.org user=alice"
    check "C: r->user = sub"             has "$m" "r->user=alice"
    check "C: environment mode scrubs the spoofed header" hasnt "$m" "spoofed"

    echo "== OIDCPassClaimsAs both (per-Location), spoofed header"
    hop "$T/jar.alice" "$H/oidc/both" -H 'OIDC_CLAIM_email: spoofed@example.com'
    cp "$T/body" "$T/page.both"; grep '^hdr' "$T/page.both" | sed 's/^/     /'
    check "both: header OIDC_CLAIM_email in r->headers_in" has "$T/page.both" "hdr OIDC_CLAIM_email=alice@example.org"
    check "both: spoofed header replaced"                  hasnt "$T/page.both" "spoofed"
    check "both: header email_verified is 1 too"           has "$T/page.both" "hdr OIDC_CLAIM_email_verified=1"

    echo "== unprotected location: spoofed header goes through"
    hop "$T/jar.alice" "$H/open" -H 'OIDC_CLAIM_email: spoofed@example.com'
    cp "$T/body" "$T/page.open"
    check "open: no OIDC env on an unprotected path" hasnt "$T/page.open" "^env OIDC"
    check "open: client-sent OIDC_CLAIM_email header is NOT scrubbed there" \
        has "$T/page.open" "hdr OIDC_CLAIM_email=spoofed@example.com"

    echo "== internal redirect (ErrorDocument 404 -> /oidc/mod)"
    hop "$T/jar.alice" "$H/oidc/no-such-page"
    cp "$T/body" "$T/page.redir"; grep -E 'email=|user|redirect' "$T/page.redir" | sed 's/^/     /'
    check "redirect: r->user carried over"           has "$T/page.redir" "r->user=alice"
    check "redirect: claims only as REDIRECT_OIDC_*" has "$T/page.redir" "env REDIRECT_OIDC_CLAIM_email=alice@example.org"
    check "redirect: no plain OIDC_CLAIM_email"      hasnt "$T/page.redir" "^env OIDC_CLAIM_email="
fi

echo "== ID token faults (control endpoint), each must be rejected"
for f in bad_signature wrong_nonce no_nonce wrong_aud wrong_iss expired wrong_kid; do
    faults "{\"$f\": true}"
    next_user '{"sub":"mallory","email":"mallory@example.org","email_verified":true}'
    rm -f "$T/jar.f"
    login "fault-$f" "$T/jar.f"
    faults "{\"$f\": false}"
    pg=$T/page.fault-$f
    msg=$(errtext "$pg")
    check "$f: rejected at the redirect URI (HTTP $hop3_status: $msg)" \
        contains "$pg" "Error in handling response type"
    check "$f: no OIDC variables leaked" hasnt "$pg" "OIDC_CLAIM"
    hop "$T/jar.f" "$H/oidc/login"
    check "$f: still not logged in afterwards" [ "$status" = 302 ]
done

echo "== the user refuses (next-user {\"error\":\"access_denied\"})"
next_user '{"error":"access_denied"}'
rm -f "$T/jar.f"; login denied "$T/jar.f"
msg=$(errtext "$T/page.denied")
check "denied: error page (HTTP $hop3_status: $msg)" contains "$T/page.denied" "access_denied"

echo "== nobody queued (no next-user)"
rm -f "$T/jar.f"; login nobody "$T/jar.f"
check "nobody queued: error page (HTTP $hop3_status: $(errtext "$T/page.nobody"))" contains "$T/page.nobody" "login_required"

echo "== provider token endpoint checks (direct)"
next_user '{"sub":"zed"}'
code_url=$(curl -s -o /dev/null -w '%{redirect_url}' \
    "$P/authorize?response_type=code&scope=openid&client_id=$CLIENT_ID&state=s1&nonce=n1&redirect_uri=$(printf %s "$REDIRECT" | "$PYTHON" -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.stdin.read(),safe=""))')")
code=$(printf %s "$code_url" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
tok() { curl -s -o "$T/tok" -w '%{http_code}' "$@" "$P/token"; }
check "token: wrong secret -> 401 invalid_client" \
    [ "$(tok -u "$CLIENT_ID:nope" -d grant_type=authorization_code -d "code=$code" --data-urlencode "redirect_uri=$REDIRECT")" = 401 ]
check "token: other redirect_uri -> 400 invalid_grant" \
    [ "$(tok -d "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET" -d grant_type=authorization_code -d "code=$code" --data-urlencode "redirect_uri=$H/elsewhere")" = 400 ]
check "token: the code was burnt by that attempt (single use)" \
    [ "$(tok -d "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET" -d grant_type=authorization_code -d "code=$code" --data-urlencode "redirect_uri=$REDIRECT")" = 400 ]
check "authorize: unregistered redirect_uri -> 400, no redirect" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$P/authorize?response_type=code&scope=openid&client_id=$CLIENT_ID&redirect_uri=http%3A%2F%2Fevil%2F")" = 400 ]

# ============================================================ phase B
echo "== provider restarted with --bad-signature (same port, new key)"
stop_provider; start_provider --bad-signature
next_user '{"sub":"alice","email":"alice@example.org","email_verified":true}'
rm -f "$T/jar.b"; login badsig "$T/jar.b"
msg=$(errtext "$T/page.badsig")
check "--bad-signature: rejected (HTTP $hop3_status: $msg)" contains "$T/page.badsig" "Error in handling response type"
check "--bad-signature: error_log names the signature" \
    grep -q "id_token signature could not be validated" "$T/logs/error_log"

echo "== provider restarted normally (new key again): httpd picks up the new JWKS"
stop_provider; start_provider
next_user '{"sub":"alice","email":"alice@example.org","email_verified":true}'
rm -f "$T/jar.b"
login rekey "$T/jar.b" && check "key rollover: login works (${flow_ms} ms)" has "$T/page.rekey" "OIDC_CLAIM_sub=alice"

# ============================================================ phase C
echo "== httpd with OIDCProviderTokenEndpointAuth client_secret_post + OIDCPKCEMethod S256"
stop_httpd; start_httpd "$T/conf/httpd-post.conf"
next_user '{"sub":"erin","email":"erin@example.org","email_verified":true}'
rm -f "$T/jar.c"
if login post "$T/jar.c"; then
    check "post+pkce: logged in" has "$T/page.post" "OIDC_CLAIM_email=erin@example.org"
    check "post+pkce: provider saw client_secret_post" \
        grep -q "client authenticated by client_secret_post" "$T/logs/provider.err"
    check "post+pkce: authorize carried an S256 code_challenge" \
        sh -c "curl -s '$P/control/state' | grep -q '\"code_challenge_method\": \"S256\"'"
fi

echo "== httpd configured with the wrong client secret"
stop_httpd; start_httpd "$T/conf/httpd-badsecret.conf"
next_user '{"sub":"erin","email":"erin@example.org","email_verified":true}'
rm -f "$T/jar.c"; login badsecret "$T/jar.c"
msg=$(errtext "$T/page.badsecret")
check "wrong secret: rejected (HTTP $hop3_status: $msg)" contains "$T/page.badsecret" "Error"
check "wrong secret: provider answered invalid_client" \
    sh -c "curl -s '$P/control/state' | grep -q '\"error\": \"invalid_client\"'"
stop_httpd; start_httpd "$T/conf/httpd.conf"

echo "== timing: 10 more full flows, one curl -L each (fresh cookie jar)"
times=""
for i in $(seq 10); do
    next_user "{\"sub\":\"u$i\",\"email\":\"u$i@example.org\",\"email_verified\":true}"
    rm -f "$T/jar.t"
    t=$(curl -sS -L -b "$T/jar.t" -c "$T/jar.t" -o "$T/page.t" -w '%{time_total}' "$H/oidc/login")
    has "$T/page.t" "OIDC_CLAIM_email=u$i@example.org" || { fail "timing flow $i"; break; }
    times="$times $t"
done
echo "   seconds per full flow (4 requests, 3 back-channel calls):$times"

echo
echo "try.sh: $npass passed, $nfail failed${failed}"
[ $nfail = 0 ]
