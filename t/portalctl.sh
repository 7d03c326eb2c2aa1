#!/bin/sh
# portalctl.sh -- portalctl as a site owner uses it: previewing templates
# and looking at an instance's database.  Prints TAP (run by make check).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}" "${top_builddir:=$top_srcdir/build}"
ctl="$top_builddir/portalctl"
tmp=$(mktemp -d /tmp/portalctl-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
has() { grep -qF -- "$1" "$tmp/out"; }

cat > "$tmp/data.json" <<'JSON'
{"site": "Acme <b>Portal</b>", "title": "Sign in", "base": "/p",
 "static": "/s", "csrf_token": "tok", "form": {"username": "a&b\"c"}}
JSON
"$ctl" render "$top_srcdir/templates/login.html" "$tmp/data.json" > "$tmp/out" 2>&1
ok $? "render a page template with data"
has '<title>Sign in · Acme &lt;b&gt;Portal&lt;/b&gt;</title>'; ok $? "variables are HTML-escaped"
has 'value="a&amp;b&quot;c"'; ok $? "attribute values are escaped"
has '<header class="site">'; ok $? "partials come from the template's folder"
has 'action="/p/login"'; ok $? "links use the data's base"

mkdir -p "$tmp/parts"
printf '<b>custom header {{site}}</b>\n' > "$tmp/parts/header.html"
printf '' > "$tmp/parts/footer.html"
printf '' > "$tmp/parts/messages.html"
"$ctl" render "$top_srcdir/templates/login.html" "$tmp/data.json" --partials "$tmp/parts" > "$tmp/out" 2>&1
has '<b>custom header Acme &lt;b&gt;Portal&lt;/b&gt;</b>'; ok $? "--partials takes partials from another folder"

printf 'one\n{{#x}}\nthree\n' > "$tmp/parts/broken.html"
"$ctl" render "$tmp/parts/broken.html" > "$tmp/out" 2>&1
ok "$([ $? != 0 ] && echo 0 || echo 1)" "a broken template fails"
has "broken.html:2:"; ok $? "naming file and line"

printf '{"a": ' > "$tmp/bad.json"
"$ctl" render "$top_srcdir/templates/footer.html" "$tmp/bad.json" > "$tmp/out" 2>&1
ok "$([ $? != 0 ] && echo 0 || echo 1)" "bad JSON data fails"
has "bad.json:1:"; ok $? "naming file and line"

mkdir -p "$tmp/data"
"$ctl" --data "$tmp/data" --sql "$top_srcdir/sql" migrate > "$tmp/out" 2>&1
ok $? "migrate creates the database"
grep -qE "^schema version [0-9]+ \([0-9]+ migrations applied now\)" "$tmp/out"; ok $? "and reports the schema version"
"$ctl" --data "$tmp/data" --sql "$top_srcdir/sql" status > "$tmp/out" 2>&1
ok $? "status"
has "accounts: 0"; ok $? "counts the accounts"
has "001_accounts"; ok $? "lists the migrations"
has "mail outbox: empty"; ok $? "shows the mail outbox"
"$ctl" --data "$tmp/data" --sql "$top_srcdir/sql" users > "$tmp/out" 2>&1
has "0 accounts"; ok $? "users lists the accounts"
"$ctl" --data "$tmp/data" --sql "$top_srcdir/sql" throttle > "$tmp/out" 2>&1
ok $? "throttle lists the throttle's blocks"
has "0 blocks in the last 24 hours"; ok $? "(none yet)"
"$ctl" --data "$tmp/data" --sql "$top_srcdir/sql" throttle lift 42 > "$tmp/out" 2>&1
ok "$([ $? = 1 ] && echo 0 || echo 1)" "lifting a block that does not exist exits 1"
has "there is no block 42"; ok $? "and says so"
"$ctl" --data "$tmp/data" --sql "$top_srcdir/sql" throttle lift soon > "$tmp/out" 2>&1
ok "$([ $? = 2 ] && echo 0 || echo 1)" "lift takes a number (exit 2)"
"$ctl" --data "$tmp/nonexistent" status > "$tmp/out" 2>&1
ok "$([ $? != 0 ] && echo 0 || echo 1)" "a missing data folder is an error"
has "is not a data folder"; ok $? "that says so"
"$ctl" frobnicate > "$tmp/out" 2>&1
ok "$([ $? = 2 ] && echo 0 || echo 1)" "an unknown command exits 2"

echo "1..$n"
[ $failed = 0 ]
