# 05_session.t -- idle and absolute timeouts, forged cookies, and the
# watchdog job that purges expired sessions.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;
use Digest::SHA qw(sha256_hex);

my $ua = client();
my ($res, $user, $pw) = register_user($ua);
is(login_user($ua, $user, $pw)->code, 303, 'signed in');
my $sid = cookie_value($ua, 'portal_session');
my $h = sha256_hex($sid);

# idle: last seen longer ago than PortalSessionIdleTimeout (1800 s)
dbh()->do('UPDATE sessions SET last_seen_at = last_seen_at - 4000 WHERE id_hash = ?', undef, $h);
$res = get_page($ua, '/dashboard');
is($res->code, 303, 'an idle session is refused');
is($res->header('Location'), '/login?expired=1', 'the user is told it expired');
like($res->header('Set-Cookie') // '', qr/portal_session=;.*Max-Age=0/, 'the cookie is cleared');
like(get_page($ua, '/login?expired=1')->decoded_content, qr/Your session has expired/,
     'the sign-in page explains');

# absolute: past expires_at even though recently active
is(login_user($ua, $user, $pw)->code, 303, 'signed in again');
$sid = cookie_value($ua, 'portal_session');
$h = sha256_hex($sid);
dbh()->do('UPDATE sessions SET expires_at = created_at - 1 WHERE id_hash = ?', undef, $h);
is(get_page($ua, '/dashboard')->code, 303, 'a session past its maximum age is refused');

# forged and malformed cookies
my $forged = 'A' x 43;
$res = get_page(client(), '/dashboard', Cookie => "portal_session=$forged");
is($res->code, 303, 'a well-formed but unknown id is refused');
$res = get_page(client(), '/dashboard', Cookie => "portal_session=' OR '1'='1");
is($res->code, 303, 'an SQL-looking cookie is refused');
$res = get_page(client(), '/', Cookie => 'portal_session=' . ('x' x 5000));
is($res->code, 200, 'a huge cookie just means signed out');

# the session-cleanup job (PortalSessionCleanupInterval 1 in the test config)
is(login_user($ua, $user, $pw)->code, 303, 'signed in once more');
$h = sha256_hex(cookie_value($ua, 'portal_session'));
dbh()->do('UPDATE sessions SET expires_at = 1 WHERE id_hash = ?', undef, $h);
my $gone = 0;
for (1 .. 40) {
    my $n = dbh()->selectrow_array('SELECT COUNT(*) FROM sessions WHERE id_hash = ?', undef, $h);
    if (!$n) { $gone = 1; last }
    select(undef, undef, undef, 0.5);
}
ok($gone, 'the watchdog job deleted the expired session row');
my ($runs, $err) = dbh()->selectrow_array(
    q{SELECT runs, last_error FROM job_runs WHERE name = 'session-cleanup'});
ok($runs && $runs >= 1, 'the job records its runs');
ok(!defined $err, 'without an error');

done_testing();
