# 24_oidc_takeover.t -- "Sign in with the provider" never adopts an
# account whose address was not confirmed (issue 11, finding 1): someone
# registers the victim's address with a password of their own.
#  - Never used: when the victim signs in through the loopback OpenID
#    Connect provider, that account is replaced: the squatter's password,
#    mailed link and tokens are gone, the victim completes a profile and
#    owns a new account.
#  - Used (signed in where no confirmation is needed, an API token, a
#    file): the account is kept, but its password, session, API token and
#    mailed link are wiped before the victim takes it over.
#  - Sign-up where confirmation is off does not count as a confirmation.
# Each case is logged.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;
use JSON::PP ();

# mod_auth_openidc's redirect URI is on 127.0.0.1: stay on that host
my $base = 'http://127.0.0.1:' . Apache::Test::vars('port');
my $op = "http://127.0.0.1:$ENV{PORTAL_OIDC_PORT}";
my $json = JSON::PP->new->utf8;

sub next_user {
    my (%claims) = @_;
    my $res = LWP::UserAgent->new->post("$op/control/next-user",
        'Content-Type' => 'application/json',
        Content => JSON::PP->new->encode(\%claims));
    die 'provider: ' . $res->status_line unless $res->is_success;
}

# a browser that follows the redirects of the sign-in dance
sub browser {
    my $ua = LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 10,
                                 requests_redirectable => ['GET', 'HEAD']);
    $ua->default_header(Accept => 'text/html,application/xhtml+xml,*/*;q=0.8');
    return $ua;
}

sub api_token {
    my ($login, $pw) = @_;
    my $res = post_raw(client(), '/open/api/client/login', 'application/json',
                       $json->encode({ username => $login, password => $pw }));
    return $res->code == 200 ? $json->decode($res->content)->{access_token} : undef;
}

sub api_files {
    my ($jwt) = @_;
    return get_page(client(), '/open/api/client/files', Authorization => "Bearer $jwt")->code;
}

sub error_log {
    local $/;
    open(my $fh, '<', Apache::Test::vars('t_logs') . '/error_log') or die $!;
    return scalar <$fh>;
}

# --- the squatter registers the victim's address, with their own password
my $victim = unique_name('victim') . '@example.org';
my $sq = client();
my ($res, $su, $sp) = register_user($sq, email => $victim, verified => 0);
is($res->code, 303, "the squatter registers the victim's address");
my $old = dbh()->selectrow_hashref('SELECT id, uuid, email_verified_at FROM users WHERE email_lc = ?',
                                   undef, lc $victim);
ok(!$old->{email_verified_at}, 'the address is not confirmed');
is(login_user(client(), $su, $sp)->code, 403, 'where confirmation is required, it cannot sign in');
# the confirmation link of that sign-up went to the victim's mailbox
my ($vmail) = wait_mails($victim, 1);
my $vlink = link_in(mail_text($vmail // ''), '/verify_email');
ok($vlink, "the sign-up's confirmation link was mailed to the victim's address");

# --- the victim signs in with the provider
next_user(sub => unique_name('sub'), email => $victim, email_verified => JSON::PP::true,
          given_name => 'Vera', family_name => 'Victim');
my $b = browser();
$res = $b->get("$base/oidc/login");
is($res->code, 200, 'after the provider, a page');
like($res->request->uri, qr{/complete-profile$},
     "the victim completes a profile instead of entering the squatter's account");
unlike($res->decoded_content, qr/\Q$su\E/, "nothing of the squatter's account is offered");
is(dbh()->selectrow_array('SELECT COUNT(*) FROM users WHERE uuid = ?', undef, $old->{uuid}), 0,
   'the unconfirmed account is gone');
is(login_user(client(), $su, $sp, '/open')->code, 401, "the squatter's password no longer works");
is(login_user(client(), $victim, $sp, '/open')->code, 401, 'not even with the address');
is(get_page(client(), $vlink)->code, 400, "the sign-up's confirmation link no longer works");
is(dbh()->selectrow_array('SELECT COUNT(*) FROM auth_tokens WHERE user_id = ?', undef, $old->{id}), 0,
   'no token of that account is left');

# --- a squatter racing the victim while the profile is filled in is
# replaced again
my $sq2 = client();
my ($r2, $su2, $sp2) = register_user($sq2, email => uc $victim, verified => 0);
is($r2->code, 303, 'the squatter registers the address again meanwhile');
my $old2 = dbh()->selectrow_array('SELECT uuid FROM users WHERE email_lc = ?', undef, lc $victim);
my $tok = csrf_from($res->decoded_content);
my $vname = unique_name('vera');
$res = $b->post("$base/complete-profile", [csrf_token => $tok, username => $vname,
                first_name => 'Vera', last_name => 'Victim', address => '1 Real Street']);
is($res->code, 303, 'the victim completes the profile');
is($res->header('Location'), '/dashboard', 'and is signed in');
like($b->get("$base/dashboard")->decoded_content, qr/Welcome, Vera/, 'to their own account');
my $row = dbh()->selectrow_hashref('SELECT uuid, username, password_hash, email_verified_at
                                    FROM users WHERE email_lc = ?', undef, lc $victim);
ok($row->{uuid} ne $old->{uuid} && $row->{uuid} ne $old2, 'a new account, neither of the squatter\'s');
is($row->{username}, $vname, 'with the username the victim chose');
is($row->{password_hash}, '!', 'and no password anyone knows');
ok($row->{email_verified_at}, 'its address confirmed by the provider');
is(login_user(client(), $victim, $sp, '/open')->code, 401, "the first squatter's password does not open it");
is(login_user(client(), $victim, $sp2, '/open')->code, 401, "nor the second's");
is(login_user(client(), $su2, $sp2, '/open')->code, 401, "and the second squatter's account is gone too");

# --- the next sign-in with the provider enters that account directly
next_user(sub => unique_name('sub'), email => $victim, email_verified => JSON::PP::true);
$res = browser()->get("$base/oidc/login");
like($res->request->uri, qr{/dashboard$}, 'a returning victim goes straight to the dashboard');
like($res->decoded_content, qr/Welcome, Vera/, 'of their account');

# --- an account that was used without confirming its address (signed in
# where confirmation is off, an API token, a file) is kept, but whoever
# chose its password is locked out before the provider's person gets it
my $victim3 = unique_name('victim') . '@example.org';
my $sq3 = client();
my ($r3, $su3, $sp3) = register_user($sq3, email => $victim3, verified => 0, first_name => 'Squatty');
is($r3->code, 303, "a squatter registers another victim's address");
my $old3 = dbh()->selectrow_hashref('SELECT id, uuid FROM users WHERE email_lc = ?', undef, lc $victim3);
is(login_user($sq3, $su3, $sp3, '/open')->code, 303, 'where confirmation is off, the squatter signs in');
is(get_page($sq3, '/open/dashboard')->code, 200, 'and has a session');
my $jwt = api_token($su3, $sp3);
ok($jwt, 'and an API token');
is(api_files($jwt), 200, 'that works');
$res = upload($sq3, [['squatter.txt', "planted by the squatter\n"]], prefix => '/open');
is($res->code, 201, 'and uploads a file');
my ($file) = @{ files_of($su3) };
ok($file, 'which is stored');
my ($vmail3) = wait_mails($victim3, 1);
my $vlink3 = link_in(mail_text($vmail3 // ''), '/verify_email');
ok($vlink3, "the confirmation link went to the victim's address");
next_user(sub => unique_name('sub'), email => $victim3, email_verified => JSON::PP::true);
my $b3 = browser();
$res = $b3->get("$base/oidc/login");
like($res->request->uri, qr{/dashboard$}, 'the victim is signed into the account that holds the address');
my $row3 = dbh()->selectrow_hashref('SELECT uuid, password_hash, email_verified_at FROM users WHERE id = ?',
                                    undef, $old3->{id});
is($row3->{uuid}, $old3->{uuid}, 'the account is kept');
is($row3->{password_hash}, '!', "with no password anyone knows");
ok($row3->{email_verified_at}, 'its address now confirmed by the provider');
is(get_page($sq3, '/open/dashboard')->code, 303, "the squatter's session is gone");
is(login_user(client(), $su3, $sp3, '/open')->code, 401, "the squatter's password no longer works");
is(login_user(client(), $victim3, $sp3, '/open')->code, 401, 'not even with the address');
is(api_files($jwt), 401, "the squatter's API token is refused");
is(get_page(client(), $vlink3)->code, 400, "the mailed confirmation link no longer works");
is(dbh()->selectrow_array('SELECT COUNT(*) FROM auth_tokens WHERE user_id = ?', undef, $old3->{id}), 0,
   'no mailed link or code of that account is left');
is(dbh()->selectrow_array('SELECT COUNT(*) FROM files WHERE uuid = ?', undef, $file->{uuid}), 1,
   'what the account holds is kept');
is($b3->get("$base/dashboard")->code, 200, "and the victim's session works");

# --- sign-up where confirmation is off confirms nothing
my $o = client();
my ($r4, $su4, $sp4) = register_user($o, prefix => '/open', verified => 0);
is($r4->code, 303, 'a sign-up where confirmation is off');
ok(!dbh()->selectrow_array('SELECT email_verified_at FROM users WHERE username = ?', undef, $su4),
   'leaves the address unconfirmed');
is(login_user(client(), $su4, $sp4, '/open')->code, 303, 'signs in there');
is(login_user(client(), $su4, $sp4)->code, 403, 'but not where confirmation is required');

# --- logged, without secrets
my $log = error_log();
like($log, qr/PT1110: [^\n]*unconfirmed user \Q$old->{uuid}\E/, 'the replacement is logged');
like($log, qr/PT1110: [^\n]*unconfirmed user \Q$old2\E/, 'both times');
like($log, qr/PT1111: [^\n]*user \Q$old3->{uuid}\E/, 'the take-over of a used account too');
unlike($log, qr/\Q$sp\E|\Q$sp3\E/, 'no password in the log');

done_testing();
