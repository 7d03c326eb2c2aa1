# 10_sessions_code.t -- the dashboard's list of sessions, and password
# changes confirmed by a mailed 6-digit code (under /coded), including
# the brute-force limit.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

# --- sessions
my $a = client();
my ($res, $user, $pw, $f) = register_user($a);
is(login_user($a, $user, $pw)->code, 303, 'signed in (A)');
my $b = client();
$b->agent('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0');
is(login_user($b, $user, $pw)->code, 303, 'signed in (B)');
my $c = client();
is(login_user($c, $user, $pw)->code, 303, 'signed in (C)');
my $html = get_page($a, '/dashboard')->decoded_content;
my @ids = $html =~ /name="session" value="([0-9a-f]{64})"/g;
is(scalar @ids, 3, 'the dashboard lists three sessions');
like($html, qr/Firefox on Linux/, 'with their browsers, by name');
like($html, qr/this device/, 'marking the current one');

my $bhash;
{
    require Digest::SHA;
    $bhash = Digest::SHA::sha256_hex(cookie_value($b, 'portal_session'));
}
my $tok = csrf_from($html);
$res = post_form($a, '/sessions/revoke', csrf_token => $tok, session => $bhash);
is($res->code, 303, 'sign out one other session');
is(get_page($b, '/dashboard')->code, 303, 'B is signed out');
is(get_page($c, '/dashboard')->code, 200, 'C is not');
$res = post_form($a, '/sessions/revoke', csrf_token => $tok, session => $bhash);
is($res->code, 404, 'an ended session: 404');
$res = post_form($a, '/sessions/revoke', session => $ids[0]);
is($res->code, 403, 'without a CSRF token: 403');

# someone else's session cannot be signed out
my $x = client();
my (undef, $xu, $xp) = register_user($x);
login_user($x, $xu, $xp);
my $xhash = Digest::SHA::sha256_hex(cookie_value($x, 'portal_session'));
$res = post_form($a, '/sessions/revoke', csrf_token => $tok, session => $xhash);
is($res->code, 404, "another user's session: 404");
is(get_page($x, '/dashboard')->code, 200, 'and it is untouched');

$res = post_form($a, '/sessions/revoke_others', csrf_token => $tok);
is($res->code, 303, 'sign out everywhere else');
is(get_page($c, '/dashboard')->code, 303, 'C is signed out');
is(get_page($a, '/dashboard')->code, 200, 'A stays');

# --- password change with a code (/coded)
my $u = client();
my (undef, $cu, $cp, $cf) = register_user($u, prefix => '/coded');
is(login_user($u, $cu, $cp, '/coded')->code, 303, 'signed in under /coded');
my $page = get_page($u, '/coded/change_password')->decoded_content;
$tok = csrf_from($page);
my $hash0 = dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?', undef, $cu);
$res = post_form($u, '/coded/change_password', csrf_token => $tok, current_password => $cp,
                 new_password => 'coded new pass 1', confirm_password => 'coded new pass 1');
is($res->code, 200, 'the change waits for a code');
like($res->decoded_content, qr/We have sent a 6-digit code/, 'the page asks for it');
is(dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?', undef, $cu),
   $hash0, 'the password is not changed yet');
my ($cm) = wait_subject($cf->{email}, qr/confirmation code/, 1);
my ($code) = (mail_text($cm) // '') =~ /^\s+(\d{6})\s*$/m;
like($code, qr/^\d{6}$/, 'the code arrived by mail');
my $stored = dbh()->selectrow_array(q{SELECT id_hash FROM auth_tokens WHERE purpose = 'change_password'
    AND user_id = (SELECT id FROM users WHERE username = ?)}, undef, $cu);
unlike($stored, qr/\Q$code\E/, 'the code is stored hashed');

my $wrong = $code eq '000000' ? '111111' : '000000';
for my $i (1 .. 4) {
    $res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $wrong);
    is($res->code, 400, "wrong code $i: 400");
    my $left = 5 - $i;
    like($res->decoded_content, qr/$left tries left/, "$left tries left");
}
$res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $wrong);
like($res->decoded_content, qr/Too many wrong codes/, 'the fifth wrong code ends it');
$res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $code);
is($res->code, 400, 'after that even the right code is refused');
is(dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?', undef, $cu),
   $hash0, 'and the password is unchanged');
is(login_user(client(), $cu, $cp, '/coded')->code, 303, 'the failed codes did not lock the account');

# a code belongs to one account: another user cannot use it
my $v = client();
my (undef, $vu, $vp) = register_user($v, prefix => '/coded');
is(login_user($v, $vu, $vp, '/coded')->code, 303, 'another user signed in');
my $vtok = csrf_from(get_page($v, '/coded/change_password')->decoded_content);
$res = post_form($v, '/coded/change_password', csrf_token => $vtok, current_password => $vp,
                 new_password => 'other user pass 1', confirm_password => 'other user pass 1');
is($res->code, 200, 'the other user waits for a code too');

# again, with the right code
$res = post_form($u, '/coded/change_password', csrf_token => $tok, current_password => $cp,
                 new_password => 'coded new pass 2', confirm_password => 'coded new pass 2');
is($res->code, 200, 'a new code is sent');
my @codes = wait_subject($cf->{email}, qr/confirmation code/, 2);
($code) = (mail_text($codes[-1]) // '') =~ /^\s+(\d{6})\s*$/m;
$res = post_form($v, '/coded/change_password/confirm', csrf_token => $vtok, code => $code);
is($res->code, 400, "another user's code is refused");
$res = post_form($u, '/coded/change_password/confirm', code => $code);
is($res->code, 403, 'the code form needs its CSRF token');
$res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $code);
is($res->code, 303, 'the right code changes the password');
is(login_user(client(), $cu, 'coded new pass 2', '/coded')->code, 303, 'the new password works');
my @notice = wait_subject($cf->{email}, qr/password was changed/, 1);
is(scalar @notice, 1, 'a notice mail followed');
$res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $code);
is($res->code, 400, 'the code works once');

# /open: no confirmation needed
my $o = client();
my (undef, $ou, $op) = register_user($o, prefix => '/open', verified => 0);
is(login_user($o, $ou, $op, '/open')->code, 303, 'with PortalEmailVerification Off sign-in works at once');

done_testing();
