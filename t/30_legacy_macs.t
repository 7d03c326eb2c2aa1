# 30_legacy_macs.t -- a portal upgraded to purpose-labelled MACs keeps
# accepting what the code before it issued, until it expires, and only
# that: an httpd of its own starts on a data folder whose secret key is the
# one t/fixtures/legacy-macs/legacy.json was minted with (by a running
# portal of the earlier code: mint.pl) and which has no keys/mac.since yet,
# as after an upgrade.  Then:
#   - the server records the moment of the switch in keys/mac.since;
#   - the old server's signed link, session CSRF token, pre-session CSRF
#     token and stored code HMAC are accepted for a link, session and
#     code made before that moment, and refused for ones made at or after
#     it (a value of the earlier form issued now would be a forgery);
#   - an API token and a pending identity cookie of the earlier form (the
#     old server's fixtures have expired by now: these are made here the
#     old way, which t/unit/test_mac.c checks against the fixtures) are
#     accepted when issued before the switch, refused when after;
#   - what the server issues now is of the new form.
# SQLite of its own whatever the suite's database.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use LWP::UserAgent ();
use HTTP::Cookies ();
use HTTP::Request ();
use URI ();
use JSON::PP ();
use DBI ();
use Digest::SHA qw(sha256_hex hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use PortalTest;

my $top = Apache::Test::vars('serverroot') . '/..';
my $httpd = Apache::Test::vars('httpd');
my $mpm = Apache::Test::config()->{server}{mpm} || 'event';
my $mods = '/usr/lib/apache2/modules';
my $fx = JSON::PP::decode_json(do {
    open(my $fh, '<', "$top/t/fixtures/legacy-macs/legacy.json") or die $!;
    local $/;
    <$fh>;
});
my $key = pack('H*', $fx->{key_hex});

my $port = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    $p;
};
my $base = "http://127.0.0.1:$port";
my $tmp = tempdir('/tmp/portal-legacy.XXXXXX', CLEANUP => !$ENV{KEEP});
my ($data, $run) = ("$tmp/data", "$tmp/run");
mkdir $_ or die "$_: $!" for $data, $run, "$data/keys";
chmod 0755, $tmp, $data, $run;
chmod 0700, "$data/keys";
my $as_root = $> == 0;

sub write_file {
    my ($path, $text, $mode) = @_;
    open(my $fh, '>:raw', $path) or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
    chmod $mode, $path if $mode;
}
# the old server's key, as the upgrade finds it
write_file("$data/keys/secret.key", $key, 0600);
if ($as_root) {
    my ($uid, $gid) = (getpwnam('nobody'))[2, 3];
    chown $uid, $gid, $data, $run;
}

my $user = $as_root ? "User nobody\nGroup nogroup\n" : '';
write_file("$run/httpd.conf", <<"EOF");
ServerRoot "/etc/apache2"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$run/httpd.pid"
DefaultRuntimeDir "$run"
Mutex file:$run default
ErrorLog "$run/error_log"
LogLevel info
$user
LoadModule mpm_${mpm}_module $mods/mod_mpm_$mpm.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule portal_module "$ENV{PORTAL_MODULE}"
DBDriver sqlite3
DBDParams "$data/portal.db"
DBDInitSQL "PRAGMA journal_mode=WAL"
DBDInitSQL "PRAGMA busy_timeout=5000"
PortalDataDir "$data"
PortalTemplateDir "$top/templates"
PortalSQLDir "$top/sql"
PortalBaseURL "$base"
PortalEmailVerification Off
PortalPasswordChangeCode On
PortalUploadRoles client operations admin
<Location />
    SetHandler portal
    Require all granted
</Location>
EOF

sub pid_of {
    open(my $fh, '<', "$run/httpd.pid") or return undef;
    chomp(my $pid = <$fh> // '');
    return $pid =~ /^\d+$/ ? $pid : undef;
}
my $started;
END {
    my $pid = $started && pid_of();
    if ($pid && kill 0, $pid) {
        kill 'TERM', $pid;
        for (1 .. 50) { last unless kill 0, $pid; select(undef, undef, undef, 0.1) }
        kill 'KILL', $pid if kill 0, $pid;
    }
}
sub ua {
    return LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 0,
                               timeout => 10, agent => 'LegacyTest/1.0');
}
sub error_log {
    open(my $fh, '<', "$run/error_log") or return '';
    local $/;
    return <$fh>;
}

system($httpd, '-f', "$run/httpd.conf", '-k', 'start') == 0 or BAIL_OUT("$httpd did not start");
$started = 1;
my $up;
for (1 .. 150) {
    my $r = ua()->get("$base/login");
    if ($r->code == 200) { $up = 1; last }
    select(undef, undef, undef, 0.2);
}
ok($up, 'the upgraded portal starts on the old secret') or BAIL_OUT(error_log());

# --- the switch is recorded
my $since = do {
    open(my $fh, '<', "$data/keys/mac.since") or die "mac.since: $!";
    my $v = <$fh>;
    chomp $v;
    $v;
};
like($since, qr/^\d+$/, 'keys/mac.since records the switch');
ok($since > time - 120 && $since <= time, "as the time it started ($since)");
is((stat("$data/keys/mac.since"))[2] & 0777, 0600, 'readable by root only');
like(error_log(), qr/PT1401: MACs are purpose-labelled from now on/, 'and says so');

my $dbh = DBI->connect("dbi:SQLite:dbname=$data/portal.db", '', '',
                       { RaiseError => 1, AutoCommit => 1 });
$dbh->sqlite_busy_timeout(10000);
my $now = time;

# accounts made through the server (real hashes), then shaped as the old
# fixtures need: user 3 is the account the old server mailed its code to
my @users;
for my $i (1 .. 3) {
    my $ua = ua();
    my $name = unique_name('legacy');
    my $csrf = csrf_from($ua->get("$base/register")->decoded_content // '');
    my $res = $ua->post("$base/register", [csrf_token => $csrf, username => $name,
            password => 'correct horse legacy', first_name => 'Lea', last_name => 'Gacy',
            address => '1 Old Lane', email => "$name\@example.org"]);
    is($res->code, 303, "account $i made") or diag($res->decoded_content);
    push @users, $name;
}
my $uid3 = $dbh->selectrow_array('SELECT id FROM users WHERE username = ?', undef, $users[2]);
is($uid3, $fx->{change_code}{user_id}, 'the third account has the id of the old code\'s account');

# --- a session of the old server, and its CSRF token
my $sess = $fx->{csrf_session};
$dbh->do('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) '
         . 'SELECT ?, id, ?, ?, ?, ?, ? FROM users WHERE username = ?', undef,
         sha256_hex($sess->{session}), $since, $now, $now + 3600, '127.0.0.1', 'legacy', $users[0]);
sub post_with {
    my ($path, $cookie, @form) = @_;
    my $req = HTTP::Request->new(POST => "$base$path");
    $req->header('Content-Type' => 'application/x-www-form-urlencoded', Cookie => $cookie);
    my $u = URI->new('http:');
    $u->query_form(@form);
    $req->content($u->query);
    return ua()->request($req);
}
my $res = post_with('/logout', "portal_session=$sess->{session}", csrf_token => $sess->{csrf});
is($res->code, 403, 'an old session CSRF token for a session begun at the switch: refused');
$dbh->do('UPDATE sessions SET created_at = ? WHERE id_hash = ?', undef, $since - 100,
         sha256_hex($sess->{session}));
$res = post_with('/logout', "portal_session=$sess->{session}", csrf_token => $sess->{csrf});
is($res->code, 303, 'for a session begun before it: accepted (signed out)');
is($res->header('Location'), '/login?signed_out=1', 'as a sign-out');

# --- the pre-session CSRF token of the old server (sign-in form)
my $pre = $fx->{csrf_pre};
$res = post_with('/login', "portal_pre=$pre->{pre}", csrf_token => $pre->{csrf},
                 username => $users[1], password => 'not the password');
is($res->code, 401, 'an old pre-session CSRF token within a day of the switch: accepted '
                   . '(the password is then checked)');
$res = post_with('/login', "portal_pre=$pre->{pre}", csrf_token => 'A' x 43,
                 username => $users[1], password => 'not the password');
is($res->code, 403, 'a forged one is not');

# --- a code the old server mailed, and the HMAC it stored
my $u3 = ua();
my $csrf = csrf_from($u3->get("$base/login")->decoded_content // '');
is($u3->post("$base/login", [csrf_token => $csrf, username => $users[2],
                             password => 'correct horse legacy'])->code, 303, 'account 3 signs in');
my $hash = $dbh->selectrow_array('SELECT password_hash FROM users WHERE id = ?', undef, $uid3);
$dbh->do("INSERT INTO auth_tokens (id_hash, user_id, purpose, created_at, expires_at, data) "
         . "VALUES (?, ?, 'change_password', ?, ?, ?)", undef,
         $fx->{change_code}{hmac}, $uid3, $since, $now + 600, $hash);
$csrf = csrf_from($u3->get("$base/change_password")->decoded_content // '');
$res = $u3->post("$base/change_password/confirm", [csrf_token => $csrf,
                                                   code => $fx->{change_code}{code}]);
is($res->code, 400, 'an old code for a change begun at the switch: refused');
like($res->decoded_content, qr/That code is not right/, 'as a wrong code');
$dbh->do('UPDATE auth_tokens SET created_at = ? WHERE id_hash = ?', undef, $since - 100,
         $fx->{change_code}{hmac});
$res = $u3->post("$base/change_password/confirm", [csrf_token => $csrf,
                                                   code => $fx->{change_code}{code}]);
is($res->code, 303, 'for a change begun before it: accepted');
is($res->header('Location'), '/dashboard?password_changed=1', 'the password is changed');

# --- the old server's signed link (revoked: answered only after its MAC)
my $uid1 = $dbh->selectrow_array('SELECT id FROM users WHERE username = ?', undef, $users[0]);
$dbh->do("INSERT INTO files (uuid, user_id, name, size, content_type, sha256, sha1, storage, "
         . "storage_key, wrapped_key, receipt, receipt_at, created_at) "
         . "VALUES (?, ?, 'legacy.docx', 1, 'text/plain', ?, ?, 'local', ?, 'x', 'x', ?, ?)", undef,
         $fx->{link}{file_uuid}, $uid1, '0' x 64, '0' x 40, 'legacy-object', $since - 200,
         $since - 200);
my $fid = $dbh->selectrow_array('SELECT id FROM files WHERE uuid = ?', undef, $fx->{link}{file_uuid});
$dbh->do('INSERT INTO file_links (uuid, file_id, created_at, expires_at, revoked_at) '
         . 'VALUES (?, ?, ?, ?, ?)', undef, $fx->{link}{link_uuid}, $fid, $since,
         $fx->{link}{expires}, $since);
$res = ua()->get("$base/d/$fx->{link}{token}");
is($res->code, 404, 'an old link made at the switch: not valid (404)');
$dbh->do('UPDATE file_links SET created_at = ? WHERE uuid = ?', undef, $since - 100,
         $fx->{link}{link_uuid});
$res = ua()->get("$base/d/$fx->{link}{token}");
is($res->code, 410, 'made before it: its MAC is accepted (410: this one was revoked)');
like($res->decoded_content, qr/revoked/, 'and says why');
my $m = $fx->{link}{token};
$m =~ s/\.(.)/'.' . ($1 eq 'A' ? 'B' : 'A')/e;
is(ua()->get("$base/d/$m")->code, 404, 'a changed old token is not');

# --- an API token of the earlier key derivation
my $J = JSON::PP->new->canonical;
my $old_key = encode_base64url(hmac_sha256('mod_portal jwt HS256', $key));
my $uuid2 = $dbh->selectrow_array('SELECT uuid FROM users WHERE username = ?', undef, $users[1]);
$dbh->do('UPDATE users SET password_changed_at = 0 WHERE uuid = ?', undef, $uuid2);
sub jwt {
    my ($k, %c) = @_;
    my $h = encode_base64url($J->encode({ alg => 'HS256', typ => 'JWT' }));
    my $p = encode_base64url($J->encode({ iss => $base, aud => 'portal-api', sub => $uuid2,
                                          jti => unique_name('jti'), role => 'client', %c }));
    return "$h.$p." . encode_base64url(hmac_sha256("$h.$p", $k));
}
sub api_files {
    my ($tok) = @_;
    my $req = HTTP::Request->new(GET => "$base/api/client/files");
    $req->header(Authorization => "Bearer $tok");
    return ua()->request($req)->code;
}
is(api_files(jwt($old_key, iat => $since - 100, exp => $now + 600)), 200,
   'an API token under the earlier key, issued before the switch: accepted');
is(api_files(jwt($old_key, iat => $since, exp => $now + 600)), 401,
   'issued at or after it: refused');
is(api_files(jwt($old_key, iat => $since - 7200, exp => $since - 3600)), 401,
   'and it expires as before');
my $new_key = encode_base64url(hmac_sha256("pt-mac/1\0jwt-hs256-key\0", $key));
is(api_files(jwt($new_key, iat => $now, exp => $now + 600)), 200,
   'the labelled key\'s tokens are accepted');
$res = ua()->post("$base/api/client/login", 'Content-Type' => 'application/json',
                  Content => $J->encode({ username => $users[1], password => 'correct horse legacy' }));
my $issued = JSON::PP::decode_json($res->decoded_content)->{access_token} // '';
my ($hp, $sig) = $issued =~ /^(.+)\.([^.]+)$/;
is($sig, encode_base64url(hmac_sha256($hp, $new_key)), 'and the server signs with it');

# --- a pending identity cookie of the earlier form (the profile page)
sub pending {
    my ($exp, $form) = @_;
    my $payload = encode_base64url($J->encode({ email => unique_name('p') . '@example.org',
                                                given => 'Ida', family => 'Old', exp => $exp }));
    my $m = $form eq 'old'
        ? encode_base64url(hmac_sha256("oidc:$payload", $key))
        : encode_base64url(hmac_sha256("pt-mac/1\0oidc-pending\0" . pack('N', length $payload)
                                       . $payload, $key));
    my $req = HTTP::Request->new(GET => "$base/complete-profile");
    $req->header(Cookie => "portal_oidc=$payload.$m");
    return ua()->request($req)->code;
}
is(pending($since + 800, 'old'), 200,
   'an old pending cookie issued before the switch: the profile form');
is(pending($since + 900, 'old'), 400, 'issued at the switch: refused');
is(pending($now + 900, 'new'), 200, 'a labelled one is accepted');

# --- what the portal signs now is labelled
my $ops = ua();
$csrf = csrf_from($ops->get("$base/login")->decoded_content // '');
$ops->post("$base/login", [csrf_token => $csrf, username => $users[0],
                           password => 'correct horse legacy']);
my $sid = cookie_value($ops, 'portal_session');
my $page = $ops->get("$base/dashboard")->decoded_content // '';
is(csrf_from($page), encode_base64url(hmac_sha256("pt-mac/1\0csrf-session\0" . pack('N', length $sid)
                                                  . $sid, $key)),
   'a new session\'s CSRF token is labelled');
unlike(error_log(), qr/exit signal|AddressSanitizer|runtime error:/, 'no child crashed');

done_testing();
