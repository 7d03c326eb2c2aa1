# 12_oidc.t -- Sign in with an OpenID Connect provider through
# mod_auth_openidc, for real: a new person completes a profile, a returning
# one signs straight in, an unverified email is refused, and nothing about
# the pending identity can be forged.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;
use JSON::PP ();

# mod_auth_openidc's redirect URI is on 127.0.0.1: stay on that host
my $base = 'http://127.0.0.1:' . Apache::Test::vars('port');
my $op = "http://127.0.0.1:$ENV{PORTAL_OIDC_PORT}";

sub next_user {
    my (%claims) = @_;
    my $res = LWP::UserAgent->new->post("$op/control/next-user",
        'Content-Type' => 'application/json',
        Content => JSON::PP->new->encode(\%claims));
    die 'provider: ' . $res->status_line unless $res->is_success;
}

# a browser that follows the redirects of the sign-in dance
# (mod_auth_openidc answers 401 to clients that do not accept HTML)
sub browser {
    my $ua = LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 10,
                                 requests_redirectable => ['GET', 'HEAD']);
    $ua->default_header(Accept => 'text/html,application/xhtml+xml,*/*;q=0.8');
    return $ua;
}

my $res = get_page(client(), '/login');
like($res->decoded_content, qr{href="/oidc/login">Sign in with the test provider<},
     'the sign-in page offers the provider');

# --- a new person
my $email = unique_name('oidc') . '@example.org';
next_user(sub => unique_name('sub'), email => $email, email_verified => JSON::PP::true,
          given_name => 'Grace', family_name => 'Hopper');
my $b = browser();
$res = $b->get("$base/oidc/login");
is($res->code, 200, 'after the provider, a page');
like($res->request->uri, qr{/complete-profile$}, 'a new person completes a profile');
my $html = $res->decoded_content;
like($html, qr/\Q$email\E/, 'the verified address is shown');
like($html, qr/id="first_name"[^>]*value="Grace"/, 'names come from the provider');
is(dbh()->selectrow_array('SELECT COUNT(*) FROM users WHERE email_lc = ?', undef, lc $email), 0,
   'no account exists before the profile is complete');
my $tok = csrf_from($html);
my $uname = unique_name('grace');
$res = $b->post("$base/complete-profile", [csrf_token => $tok, username => $uname,
                first_name => 'Grace', last_name => 'Hopper', address => '']);
is($res->code, 400, 'a missing address: 400');
$res = $b->post("$base/complete-profile", [username => $uname, first_name => 'Grace',
                last_name => 'Hopper', address => '1 Navy Yard']);
is($res->code, 403, 'without a CSRF token: 403');
$res = $b->post("$base/complete-profile", [csrf_token => $tok, username => $uname,
                first_name => 'Grace', last_name => 'Hopper', address => '1 Navy Yard']);
is($res->code, 303, 'profile complete');
is($res->header('Location'), '/dashboard', 'signed in');
$res = $b->get("$base/dashboard");
is($res->code, 200, 'the dashboard');
like($res->decoded_content, qr/Welcome, Grace/, 'of the new account');
my $row = dbh()->selectrow_hashref('SELECT username, email_verified_at, password_hash FROM users WHERE email_lc = ?',
                                   undef, lc $email);
is($row->{username}, $uname, 'the account has the chosen username');
ok($row->{email_verified_at}, 'and a confirmed address');
is(login_user(client(), $uname, '!')->code, 401, 'and no password that could sign in');

# --- the same person again
next_user(sub => 'another-sub', email => uc $email, email_verified => JSON::PP::true);
my $b2 = browser();
$res = $b2->get("$base/oidc/login");
like($res->request->uri, qr{/dashboard$}, 'a returning person goes straight to the dashboard');
like($res->decoded_content, qr/Welcome, Grace/, 'signed in to the same account');

# --- a password account signs in with the provider too
my ($r2, $pu, $pp, $pf) = register_user(client());
next_user(sub => unique_name('sub'), email => $pf->{email}, email_verified => JSON::PP::true);
my $b3 = browser();
$res = $b3->get("$base/oidc/login");
like($res->request->uri, qr{/dashboard$}, 'an existing account with that email signs in');
like($res->decoded_content, qr/Welcome, Ada/, 'as that account');

# --- a disabled account cannot sign in through the provider either
dbh()->do('UPDATE users SET disabled_at = 1 WHERE username = ?', undef, $pu);
my $sessions_of = sub {
    return scalar dbh()->selectrow_array(
        'SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?',
        undef, $pu);
};
my $before = $sessions_of->();
next_user(sub => unique_name('sub'), email => $pf->{email}, email_verified => JSON::PP::true);
$res = browser()->get("$base/oidc/login");
is($res->code, 403, 'a disabled account: 403');
like($res->decoded_content, qr/This account is disabled/, 'and told why');
is($sessions_of->(), $before, 'no session was made');

# --- unverified email
next_user(sub => unique_name('sub'), email => unique_name('unv') . '@example.org',
          email_verified => JSON::PP::false);
$res = browser()->get("$base/oidc/login");
is($res->code, 403, 'an unverified email is refused');
like($res->decoded_content, qr/has not confirmed your email address/, 'and told why');

# --- forged or missing pending identity
$res = get_page(client(), '/complete-profile');
is($res->code, 400, 'no pending identity: 400');
my $fake = 'eyJlbWFpbCI6ImV2aWxAZXhhbXBsZS5vcmcifQ.AAAA';
$res = get_page(client(), '/complete-profile', Cookie => "portal_oidc=$fake");
is($res->code, 400, 'a forged pending identity: 400');

# --- without the provider's protection the route does nothing
$res = get_page(client(), '/portal/oidc/login', 'OIDC_CLAIM_email' => 'evil@example.org',
                'OIDC_CLAIM_email_verified' => '1');
is($res->code, 404, 'claims sent as headers are ignored');

done_testing();
