# 23_signup.t -- what sign-up and sign-in must not give away (issue 11):
#  6: a sign-up with an email address that has an account is answered
#     exactly as one with a new address (same status, same body, the same
#     argon2 work), makes no account, and mails the address's owner; a
#     taken username is still reported, but only once the form is valid;
#  7: every sign-in that fails does one argon2 computation, also for an
#     account without a password (made through the identity provider)
#     and for a stored hash nobody can read; counted per request by the
#     server (the note portal-argon2 in t/logs/argon2_log), not by the
#     clock;
# 13: the 6-digit code's tries are taken by one update that checks the
#     limit, so a burst of parallel guesses cannot pass it.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use HTTP::Request::Common qw(POST);
use PortalTest;
use PortalThrottle;

my $J = JSON::PP->new->utf8->canonical;

# A sign-up through the form, carrying an X-Test-Id: (response, id).
sub signup_form {
    my ($ua, %f) = @_;
    my $id = test_id('reg');
    my $csrf = csrf_of($ua, '/register');
    my $req = POST(base_url() . '/register',
                   [csrf_token => $csrf, map { $_ => $f{$_} } sort keys %f]);
    $req->header('X-Test-Id' => $id);
    return ($ua->request($req), $id);
}

sub signup_api {
    my ($path, %f) = @_;
    my $id = test_id('api');
    my $req = HTTP::Request->new(POST => base_url() . $path);
    $req->header('Content-Type' => 'application/json', 'X-Test-Id' => $id);
    $req->content($J->encode(\%f));
    return (client()->request($req), $id);
}

sub fields {
    my ($user, %over) = @_;
    return (username => $user, password => 'correct horse 23',
            first_name => 'Grace', last_name => 'Hopper',
            address => '1 Harbor Rd', email => "$user\@example.org", %over);
}

sub users_named {
    my ($u) = @_;
    return scalar dbh()->selectrow_array('SELECT COUNT(*) FROM users WHERE username_lc = ?',
                                         undef, lc $u);
}

# ------------------------------------------------------------ finding 6: the web form
my $owner = unique_name('own');
my ($res) = register_user(client(), fields($owner));
is($res->code, 303, 'the owner has an account');
my %of = fields($owner);

my $fresh = unique_name('new');
my ($new, $nid) = signup_form(client(), fields($fresh));
my $squat = unique_name('sq');
my $before = count_users();
my ($taken, $tid) = signup_form(client(), fields($squat, email => uc $of{email}));
is($taken->code, $new->code, 'a taken email (any case): the same status as a new one (' . $new->code . ')');
is($taken->header('Location'), $new->header('Location'), 'the same redirect');
is($taken->decoded_content, $new->decoded_content, 'the same body');
is(count_users(), $before, 'no account was made');
is(users_named($squat), 0, 'not even under the new username');
is((argon2_of($tid))[1], (argon2_of($nid))[1], 'the same argon2 work as a new account');
is((argon2_of($tid))[1], 1, 'one hash each');
my @m = wait_subject($of{email}, qr/tried to create/, 1, 30);
ok(@m, 'the owner is mailed instead');
like(mail_text($m[0] // '') // '', qr/Your username is \Q$owner\E/, 'with their username and how to sign in');
like(mail_text($m[0] // '') // '', qr{/forgot_password}, 'and a way to choose a new password');
my @conf = wait_subject($of{email}, qr/confirm/i, 1, 30);
is(scalar @conf, 1, 'no confirmation link goes to the address (only the owner\'s own, from when they registered)');

# a taken username is reported, once the form is otherwise valid
($res) = signup_form(client(), fields(uc $owner, email => unique_name('x') . '@example.org'));
is($res->code, 409, 'a taken username: 409');
like($res->decoded_content, qr/That username is already taken/, 'says so');
($res) = signup_form(client(), fields(uc $owner, email => 'not an address'));
is($res->code, 400, 'a taken username in an otherwise invalid form: 400');
unlike($res->decoded_content, qr/already taken/, 'and not a word about the username');

# ------------------------------------------------------------ finding 6: the API
{
    my $a = unique_name('apin');
    my ($an, $anid) = signup_api('/api/client/signup', fields($a));
    my $b = unique_name('apit');
    $before = count_users();
    my ($at, $atid) = signup_api('/api/client/signup', fields($b, email => $of{email}));
    is($at->code, 201, 'API: a taken email: 201');
    is($at->code, $an->code, 'as for a new one');
    is($at->content, $an->content, 'with the same body');
    is(count_users(), $before, 'and no account');
    is((argon2_of($atid))[1], (argon2_of($anid))[1], 'the same argon2 work');
    ok(wait_subject($of{email}, qr/tried to create/, 2, 30) >= 2, 'the owner is mailed again');

    # where the API returns the confirmation link
    my $c = unique_name('apiv');
    my ($vn) = signup_api('/portal/api/client/signup', fields($c));
    my $d = unique_name('apiw');
    my ($vt) = signup_api('/portal/api/client/signup', fields($d, email => $of{email}));
    is($vt->code, 201, 'PortalAPIReturnVerifyURL On, a taken email: 201');
    my $un = eval { $J->decode($vn->content) } // {};
    my $ut = eval { $J->decode($vt->content) } // {};
    is_deeply([sort keys %$ut], [sort keys %$un], 'the same fields');
    is($ut->{message}, $un->{message}, 'the same message');
    my $shape = qr{^http://[^/]+/portal/api/client/verify-email\?token=[A-Za-z0-9_-]{43}$};
    like($ut->{'verify-url'} // '', $shape, 'a verify-url of the same shape');
    like($un->{'verify-url'} // '', $shape, '(as the real one)');
    (my $path = $ut->{'verify-url'} // '') =~ s{^http://[^/]+}{};
    is(get_page(client(), $path)->code, 400, 'that opens nothing');
    (my $real = $un->{'verify-url'} // '') =~ s{^http://[^/]+}{};
    is(get_page(client(), $real)->code, 200, 'while the real one confirms');
    my ($at2) = signup_api('/api/client/signup', fields($owner, email => unique_name('y') . '@example.org'));
    is($at2->code, 409, 'API: a taken username: 409');
}

# ------------------------------------------------------------ finding 7: the same work
{
    my @kinds;
    my (undef, $u1, $p1) = register_user(client());
    my (undef, $u2) = register_user(client());
    my (undef, $u3) = register_user(client());
    # an account made through the identity provider has no password ("!")
    dbh()->do("UPDATE users SET password_hash = '!' WHERE username = ?", undef, $u2);
    # a row whose hash nobody can read
    dbh()->do("UPDATE users SET password_hash = '\$argon2id\$v=19\$m=broken' WHERE username = ?",
              undef, $u3);
    my $i = 0;
    for my $case (['no such account', 'nobody-' . unique_name(), 'whatever 123'],
                  ['a wrong password', $u1, 'not the password'],
                  ['an account without a password', $u2, 'whatever 123'],
                  ['an unreadable hash', $u3, 'whatever 123'],
                  ['the right password', $u1, $p1]) {
        $i++;
        my ($r, $id) = login_at(client_at("127.0.4.$i"), $case->[1], $case->[2]);
        my ($st, $n) = argon2_of($id);
        is($n, 1, "sign-in with $case->[0]: one argon2 computation (status " . ($st // '?') . ')');
    }
    my ($r, $id) = json_login(client_at('127.0.4.20'), $u2, 'whatever 123');
    is($r->code, 401, 'API sign-in of an account without a password: 401');
    is((argon2_of($id))[1], 1, 'after one argon2 computation');
    ($r, $id) = json_login(client_at('127.0.4.21'), 'nobody-' . unique_name(), 'whatever 123');
    is((argon2_of($id))[1], 1, 'the same for no such account');
}

# ------------------------------------------------------------ finding 13: parallel codes
{
    my $u = client();
    my (undef, $cu, $cp) = register_user($u, prefix => '/coded');
    is(login_user($u, $cu, $cp, '/coded')->code, 303, 'signed in under /coded');
    my $tok = csrf_from(get_page($u, '/coded/change_password')->decoded_content);
    $res = post_form($u, '/coded/change_password', csrf_token => $tok, current_password => $cp,
                     new_password => 'parallel pass 1', confirm_password => 'parallel pass 1');
    is($res->code, 200, 'a code is on its way');
    my @out = burst(map {
        my $n = $_;
        sub {
            my $r = post_form($u, '/coded/change_password/confirm', csrf_token => $tok,
                              code => sprintf('%06d', 100000 + $n));
            my $html = $r->decoded_content // '';
            return $html =~ /That code is not right/ ? 'wrong'
                 : $html =~ /Too many wrong codes/ ? 'too-many'
                 : $html =~ /No password change is waiting/ ? 'none'
                 : $r->code;
        }
    } 1 .. 30);
    my $compared = grep { $_ eq 'wrong' } @out;
    my ($attempts) = dbh()->selectrow_array(
        "SELECT MAX(attempts) FROM auth_tokens t JOIN users u ON u.id = t.user_id "
        . "WHERE u.username = ? AND t.purpose = 'change_password'", undef, $cu);
    ok($attempts <= 5, "30 parallel guesses: the code counted $attempts tries, never more than 5");
    ok($compared <= 4, "at most 4 were told 'not right' ($compared), the 5th ends the code");
    is(scalar(grep { !/^(wrong|too-many|none)$/ } @out), 0, 'every answer is one of those');
    my ($code) = map { /^\s+(\d{6})\s*$/m ? $1 : () }
                 map { mail_text($_) // '' } wait_subject("$cu\@example.org", qr/confirmation code/, 1);
    $res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $code // '000000');
    is($res->code, 400, 'after them even the right code is refused');
    is(login_user(client(), $cu, $cp, '/coded')->code, 303, 'and the password did not change');
}

done_testing();
