#!/bin/sh
# startup.sh -- what httpd says at start-up about a bad set-up: a template
# error stops it with file:line, an invalid directive value with a message
# naming the directive, a missing mod_dbd with a clear CRIT, a setting the
# background jobs read inside a <VirtualHost> with one naming it; and a
# good configuration starts, also with two virtual hosts that mount the
# portal.  Prints TAP.  PORTAL_STARTUP_PORT: the port (default 18599).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
port=${PORTAL_STARTUP_PORT:-18599}
tmp=$(mktemp -d /tmp/portal-startup.XXXXXX)
# an httpd still running from here (timeout puts it in a process group of
# its own, out of reach of a signal to ours) is stopped with the script
cleanup() {
    trap - EXIT INT TERM
    for pid in $(pgrep -f -- "apache2 -f $tmp/"); do
        kill -KILL "$pid" 2>/dev/null
    done
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 755 "$tmp"
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

# conf FILE EXTRA... : a standalone httpd.conf on a spare port
conf() {
    out=$1; shift
    mkdir -p "$tmp/data" "$tmp/run"
    sed -e "s|/usr/lib/apache2/modules/mod_portal.so|$build/.libs/mod_portal.so|" \
        -e "s|/var/lib/mod_portal|$tmp/data|g" -e "s|/usr/share/mod_portal|$top|g" \
        "$top/conf/portal.conf" > "$tmp/run/portal.conf"
    sed -e "s|@PORT@|$port|g" -e "s|@RUNDIR@|$tmp/run|g" -e "s|@USER@|nobody|g" \
        -e "s|@GROUP@|nogroup|g" -e "s|@MPM@|event|g" \
        "$top/conf/standalone.conf.in" > "$out"
    for line in "$@"; do echo "$line" >> "$out"; done
}
# start CONF: run httpd in the foreground for up to 8 s; output in $tmp/out
start() {
    timeout 8 /usr/sbin/apache2 -f "$1" -DFOREGROUND > "$tmp/out" 2>&1
}

mkdir -p "$tmp/tpl"
cp "$top"/templates/*.html "$tmp/tpl/"
printf 'line one\nline two\n{{#open}}\nnever closed\n' > "$tmp/tpl/broken.html"
conf "$tmp/bad-template.conf" "PortalTemplateDir $tmp/tpl"
start "$tmp/bad-template.conf"; rc=$?
ok "$([ $rc != 0 ] && [ $rc != 124 ] && echo 0 || echo 1)" "a template error stops start-up (exit $rc)"
grep -q "broken.html:3:" "$tmp/out"; ok $? "and names the file and line"

conf "$tmp/bad-directive.conf" "PortalSessionIdleTimeout soon"
start "$tmp/bad-directive.conf"; rc=$?
ok "$([ $rc != 0 ] && [ $rc != 124 ] && echo 0 || echo 1)" "an invalid directive value stops start-up"
grep -q "PortalSessionIdleTimeout: 'soon' is not a whole number" "$tmp/out"; ok $? "with a message naming the directive"

conf "$tmp/bad-range.conf" "PortalArgon2 m=1"
start "$tmp/bad-range.conf"
grep -q "PortalArgon2.*out of range" "$tmp/out"; ok $? "out-of-range values are refused too"

conf "$tmp/no-dbd.conf"
sed -i '/LoadModule dbd_module/d; /^DBD/d' "$tmp/no-dbd.conf" "$tmp/run/portal.conf"
start "$tmp/no-dbd.conf"; rc=$?
grep -q "mod_dbd is not loaded" "$tmp/out"; ok $? "without mod_dbd start-up fails with a clear message (exit $rc)"

# the throttle's cache: a provider whose module is not loaded stops
# start-up with a message naming the module to load
conf "$tmp/no-socache.conf" "PortalThrottleCache redis:127.0.0.1:6379"
start "$tmp/no-socache.conf"; rc=$?
ok "$([ $rc != 0 ] && [ $rc != 124 ] && echo 0 || echo 1)" "PortalThrottleCache with a provider that is not loaded stops start-up"
grep -q "socache provider 'redis' is not loaded: add LoadModule socache_redis_module" "$tmp/out"; ok $? "naming the module to load"
conf "$tmp/no-shmcb.conf"
sed -i '/<IfModule !socache_shmcb_module>/,/<\/IfModule>/d' "$tmp/run/portal.conf"
start "$tmp/no-shmcb.conf"; rc=$?
grep -q "socache provider 'shmcb' is not loaded" "$tmp/out"; ok $? "the default (shmcb) too, when mod_socache_shmcb is missing (exit $rc)"
conf "$tmp/vhost-cache.conf" "<VirtualHost 127.0.0.1:$port>" "PortalThrottleCache shmcb" "</VirtualHost>"
start "$tmp/vhost-cache.conf"
grep -q "PortalThrottleCache cannot occur within <VirtualHost> section" "$tmp/out"; ok $? "PortalThrottleCache is for the whole server only"

# the settings the background jobs read are for the whole server: the
# jobs run once, with the main server's configuration, so a virtual host's
# value would be ignored by them without a word; each stops start-up
# naming itself
for d in "PortalDataDir /tmp" "PortalTemplateDir /tmp" "PortalSQLDir /tmp" \
         "PortalBaseURL http://b.test" "PortalSessionIdleTimeout 600" \
         "PortalSessionCleanupInterval 60" "PortalMailFrom b@example.org" \
         "PortalSMTPServer smtp://127.0.0.1:2525" "PortalSMTPStartTLS Off" \
         "PortalSMTPCredentials /tmp/cred" "PortalSMTPCAFile /tmp/ca.pem" \
         "PortalSMTPTimeout 5" "PortalMailInterval 5" "PortalMailRetryDelay 5" \
         "PortalMailGiveUpAfter 600" "PortalMailRetention 600" \
         "PortalResendCooldown 5" "PortalMailAttachMax 1M" "PortalStorage local" \
         "PortalFileKeyId 2" "PortalIocFeed f urlhaus-csv https://example.org/f" \
         "PortalIocInterval 60" "PortalIocRetention 600" "PortalIocTimeout 5" \
         "PortalIocMaxSize 1M" "PortalIocAllowlist example.org" \
         "PortalIocAllowlistFile /tmp/allow" "PortalJWTLeeway 5"; do
    name=${d%% *}
    conf "$tmp/vhost-job.conf" "<VirtualHost 127.0.0.1:$port>" "ServerName b.test" "$d" "</VirtualHost>"
    start "$tmp/vhost-job.conf"; rc=$?
    grep -q "$name cannot occur within <VirtualHost> section: the portal's background jobs" "$tmp/out"
    ok "$([ $? = 0 ] && [ $rc != 0 ] && [ $rc != 124 ] && echo 0 || echo 1)" \
       "$name in a <VirtualHost> stops start-up, naming it (exit $rc)"
done
# the settings of requests alone may still differ by virtual host
conf "$tmp/vhost-ok.conf" "<VirtualHost 127.0.0.1:$port>" "ServerName b.test" \
    "PortalSiteName \"Site B\"" "PortalSessionMaxAge 600" "PortalVerifyLinkLifetime 600" \
    "PortalJWTLifetime 600" "PortalEmailVerification Off" "</VirtualHost>"
( timeout 8 /usr/sbin/apache2 -f "$tmp/vhost-ok.conf" -t > "$tmp/out" 2>&1 ); rc=$?
ok "$rc" "settings of requests alone are still allowed in a <VirtualHost> (exit $rc)"

# two virtual hosts mounting the portal: each its own request settings,
# the mail of either delivered by the one job with the global settings
conf "$tmp/vhosts.conf" "PortalMailInterval 1" "PortalSiteName \"Site Main\"" \
    "PortalBaseURL http://portal.test:$port" \
    "<VirtualHost 127.0.0.1:$port>" "ServerName a.test" "PortalSiteName \"Site A\"" "</VirtualHost>" \
    "<VirtualHost 127.0.0.1:$port>" "ServerName b.test" "PortalSiteName \"Site B\"" "</VirtualHost>"
chown nobody:nogroup "$tmp/data" 2>/dev/null || true
( timeout 25 /usr/sbin/apache2 -f "$tmp/vhosts.conf" -DFOREGROUND > "$tmp/out" 2>&1 & )
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: a.test' "http://127.0.0.1:$port/login")" = 200 ] && break
    sleep 0.5
done
a=$(curl -s -H 'Host: a.test' "http://127.0.0.1:$port/login")
b=$(curl -s -c "$tmp/jar" -H 'Host: b.test' "http://127.0.0.1:$port/register")
echo "$a" | grep -q '<title>[^<]*Site A'; ok $? "two virtual hosts mount the portal: a.test is Site A"
echo "$b" | grep -q '<title>[^<]*Site B'; ok $? "and b.test Site B"
csrf=$(printf '%s' "$b" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar" -H 'Host: b.test' \
       --data-urlencode "csrf_token=$csrf" --data-urlencode "username=vhostb" \
       --data-urlencode "password=correct horse vhost" --data-urlencode "first_name=Bea" \
       --data-urlencode "last_name=Vhost" --data-urlencode "address=2 B Street" \
       --data-urlencode "email=bea@example.org" "http://127.0.0.1:$port/register")
ok "$([ "$code" = 303 ] && echo 0 || echo 1)" "a sign-up on b.test ($code)"
eml=
for _ in $(seq 1 30); do
    eml=$(grep -l 'bea@example.org' "$tmp"/data/mail/*.eml 2>/dev/null | head -n 1)
    [ -n "$eml" ] && break
    sleep 0.5
done
[ -n "$eml" ]; ok $? "its confirmation is delivered by the job (.eml, as the main server says)"
grep -q '^From: Site B <' "$eml" 2>/dev/null; ok $? "from b.test's site name, the one it was queued on"
grep -q "http://portal.test:$port/verify_email?token=" "$eml" 2>/dev/null
ok $? "with a link to the portal's one base URL"
[ -f "$tmp/run/httpd.pid" ] && kill -TERM "$(cat "$tmp/run/httpd.pid")" 2>/dev/null
sleep 1
rm -rf "$tmp/data"
mkdir -p "$tmp/data"

conf "$tmp/good.conf"
chown nobody:nogroup "$tmp/data" 2>/dev/null || true
( timeout 8 /usr/sbin/apache2 -f "$tmp/good.conf" -DFOREGROUND > "$tmp/out" 2>&1 & )
code=000
for _ in 1 2 3 4 5 6 7 8 9 10; do
    code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/login || true)
    [ "$code" = 200 ] && break
    sleep 0.5
done
ok "$([ "$code" = 200 ] && echo 0 || echo 1)" "the example configuration starts and serves /login"
[ -f "$tmp/data/keys/secret.key" ]; ok $? "the secret key was created on first start"
perm=$(stat -c %a "$tmp/data/keys/secret.key" 2>/dev/null)
ok "$([ "$perm" = 600 ] && echo 0 || echo 1)" "with mode 0600 ($perm)"
[ -f "$tmp/run/httpd.pid" ] && kill -TERM "$(cat "$tmp/run/httpd.pid")" 2>/dev/null
sleep 1

# API tokens signed with ES256 from a configured key pair
conf "$tmp/jwt-missing.conf" "PortalJWTKey ES256 $tmp/none.key $tmp/none.pub"
start "$tmp/jwt-missing.conf"; rc=$?
ok "$([ $rc != 0 ] && [ $rc != 124 ] && echo 0 || echo 1)" "PortalJWTKey with missing key files stops start-up"
grep -q "PortalJWTKey: .*none.key" "$tmp/out"; ok $? "naming the file"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/jwt.key" 2>/dev/null
openssl ec -in "$tmp/jwt.key" -pubout -out "$tmp/jwt.pub" 2>/dev/null
openssl genrsa -out "$tmp/rsa.key" 2048 2>/dev/null
conf "$tmp/jwt-mismatch.conf" "PortalJWTKey ES256 $tmp/rsa.key $tmp/jwt.pub"
start "$tmp/jwt-mismatch.conf"; rc=$?
ok "$([ $rc != 0 ] && [ $rc != 124 ] && echo 0 || echo 1)" "an RSA key for ES256 stops start-up"
conf "$tmp/jwt.conf" "PortalJWTKey ES256 $tmp/jwt.key $tmp/jwt.pub" "PortalAPIReturnVerifyURL On" \
    "PortalBaseURL http://127.0.0.1:$port"
( timeout 20 /usr/sbin/apache2 -f "$tmp/jwt.conf" -DFOREGROUND > "$tmp/out" 2>&1 & )
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/login)" = 200 ] && break
    sleep 0.5
done
api=http://127.0.0.1:$port/api/client
signup=$(curl -s -H 'Content-Type: application/json' -d '{"username":"es256user","email":"es@example.org","password":"correct horse 9","first_name":"E","last_name":"S","address":"1 Curve St"}' "$api/signup")
verify=$(printf '%s' "$signup" | sed -n 's/.*"verify-url": *"\([^"]*\)".*/\1/p')
code=$(curl -s -o /dev/null -w '%{http_code}' "$verify")
ok "$([ "$code" = 200 ] && echo 0 || echo 1)" "ES256 site: sign-up and confirmation over the API ($code)"
tok=$(curl -s -H 'Content-Type: application/json' -d '{"username":"es256user","password":"correct horse 9"}' "$api/login" \
      | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
alg=$(printf '%s' "${tok%%.*}" | tr '_-' '/+' | base64 -d 2>/dev/null | sed -n 's/.*"alg": *"\([^"]*\)".*/\1/p')
ok "$([ "$alg" = ES256 ] && echo 0 || echo 1)" "the token is signed with ES256 ($alg)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$api/files")
ok "$([ "$code" = 200 ] && echo 0 || echo 1)" "and accepted ($code)"
# flip a character in the middle of the signature
sig=${tok##*.}
c=$(printf '%s' "$sig" | cut -c20)
[ "$c" = A ] && r=B || r=A
bad="${tok%.*}.$(printf '%s' "$sig" | cut -c1-19)$r$(printf '%s' "$sig" | cut -c21-)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bad" "$api/files")
ok "$([ "$code" = 401 ] && echo 0 || echo 1)" "with its signature changed it is refused ($code)"
[ -f "$tmp/run/httpd.pid" ] && kill -TERM "$(cat "$tmp/run/httpd.pid")" 2>/dev/null
sleep 1

echo "1..$n"
[ $failed = 0 ]
