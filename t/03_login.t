# 03_login.t -- sign-in, the dashboard, sign-out, sessions and their cookie.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $ua = client();
my ($res, $user, $pw, $f) = register_user($ua);
is($res->code, 303, 'registered');

# --- failures look alike
$res = login_user($ua, $user, 'wrong password');
is($res->code, 401, 'wrong password: 401');
like($res->decoded_content, qr/Incorrect username or password/, 'generic message');
like($res->decoded_content, qr/value="\Q$user\E"/, 'the username is kept');
$res = login_user($ua, 'nobody' . unique_name(), 'whatever1');
is($res->code, 401, 'unknown user: 401');
like($res->decoded_content, qr/Incorrect username or password/, 'same message');
$res = login_user($ua, $user, '');
is($res->code, 400, 'empty password: 400');

my $c = client();
get_page($c, '/login');
$res = post_form($c, '/login', username => $user, password => $pw);
is($res->code, 403, 'sign-in without csrf_token: 403');
ok(!cookie_value($c, 'portal_session'), 'and no session');

# --- sign in by username
my $pre = cookie_value($ua, 'portal_pre');
ok($pre, 'a pre-session cookie was set');
$res = login_user($ua, $user, $pw);
is($res->code, 303, 'sign-in redirects');
is($res->header('Location'), '/dashboard', 'to the dashboard');
my @cookies = $res->header('Set-Cookie');
my ($sc) = grep { /^portal_session=/ } @cookies;
ok($sc, 'a session cookie is set');
like($sc, qr/HttpOnly/, 'HttpOnly');
like($sc, qr/SameSite=Lax/, 'SameSite=Lax');
like($sc, qr/Path=\//, 'Path=/');
unlike($sc, qr/Secure/, 'not Secure over plain HTTP');
my $sid = cookie_value($ua, 'portal_session');
like($sid, qr/^[A-Za-z0-9_-]{43}$/, 'the session id is 256 random bits, base64url');
isnt($sid, $pre, 'a new id, not the pre-session one');
my $hash = dbh()->selectrow_array('SELECT id_hash FROM sessions WHERE id_hash = ?',
                                  undef, Digest::SHA::sha256_hex($sid));
ok($hash, 'the database holds the SHA-256 of the id');
my $raw = dbh()->selectrow_array('SELECT COUNT(*) FROM sessions WHERE id_hash = ?',
                                 undef, $sid);
is($raw, 0, 'and never the id itself');

# --- dashboard
$res = get_page($ua, '/dashboard');
is($res->code, 200, 'dashboard');
my $html = $res->decoded_content;
like($html, qr/Welcome, Ada/, 'greets by first name');
like($html, qr/id="profile-name">Ada Lovelace</, 'full name');
like($html, qr/id="profile-email">\Q$f->{email}\E</, 'email');
like($html, qr/12 Analytical Row\nLondon/, 'address');
like($html, qr/id="login-ip">127\.0\.0\.1</, 'this sign-in IP as httpd saw it');
like($html, qr/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'this sign-in time');
like($html, qr/This is your first sign-in/, 'no previous sign-in yet');

$res = get_page($ua, '/');
is($res->code, 303, 'signed in, / goes to the dashboard');
is($res->header('Location'), '/dashboard', 'Location: /dashboard');
$res = get_page($ua, '/register');
is($res->code, 303, 'signed in, /register goes to the dashboard');

$res = get_page($ua, '/dashboard', Accept => 'application/json');
is($res->code, 200, 'dashboard as JSON');
like($res->header('Content-Type'), qr{^application/json}, 'JSON content type');
my $json = $res->content;
like($json, qr/"first_name":"Ada"/, 'JSON has the profile');
like($json, qr/"ip":"127\.0\.0\.1"/, 'JSON has the sign-in IP');
unlike($json, qr/password|argon2/, 'no password hash in JSON');

# --- sign in again by email, other case: previous sign-in shows
my $ua2 = client();
$res = login_user($ua2, uc($f->{email}), $pw);
is($res->code, 303, 'sign-in by email (any case)');
$html = get_page($ua2, '/dashboard')->decoded_content;
like($html, qr/id="login-previous"><time datetime="\d+">\d{4}-/, 'previous sign-in time shown');
isnt(cookie_value($ua2, 'portal_session'), $sid, 'each sign-in gets its own session');

# --- sign out
$res = post_form($ua, '/logout');
is($res->code, 403, 'sign-out without csrf_token: 403');
is(get_page($ua, '/dashboard')->code, 200, 'still signed in');
$res = get_page($ua, '/logout');
is($res->code, 200, 'GET /logout asks to confirm');
my $tok = csrf_from($res->decoded_content);
$res = post_form($ua, '/logout', csrf_token => $tok);
is($res->code, 303, 'sign-out redirects');
is($res->header('Location'), '/login?signed_out=1', 'to the sign-in page');
my $left = dbh()->selectrow_array('SELECT COUNT(*) FROM sessions WHERE id_hash = ?',
                                  undef, Digest::SHA::sha256_hex($sid));
is($left, 0, 'the session row is deleted');
$res = get_page($ua, '/dashboard');
is($res->code, 303, 'dashboard after sign-out redirects');
is(get_page($ua2, '/dashboard')->code, 200, 'the other session is unaffected');

# the old cookie replayed after sign-out is worthless
$res = get_page(client(), '/dashboard', Cookie => "portal_session=$sid");
is($res->code, 303, 'a signed-out session id is refused');

done_testing();
use Digest::SHA ();
