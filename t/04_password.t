# 04_password.t -- changing the password: every refusal changes nothing,
# success signs out the account's other sessions.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $ua = client();
my ($res, $user, $pw) = register_user($ua);
is(login_user($ua, $user, $pw)->code, 303, 'signed in');
my $other = client();
is(login_user($other, $user, $pw)->code, 303, 'signed in on a second device');

$res = get_page(client(), '/change_password');
is($res->code, 303, 'signed out: /change_password redirects to sign-in');

$res = get_page($ua, '/change_password');
is($res->code, 200, 'the form');
my $tok = csrf_from($res->decoded_content);
ok($tok, 'with a csrf_token');

my $hash0 = dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?',
                                   undef, $user);
my @cases = (
    ['wrong current password', [current_password => 'nope-nope-1', new_password => 'brand new pass 1', confirm_password => 'brand new pass 1'], qr/current password is not correct/],
    ['confirmation differs', [current_password => $pw, new_password => 'brand new pass 1', confirm_password => 'brand new pass 2'], qr/do not match/],
    ['too short', [current_password => $pw, new_password => 'short', confirm_password => 'short'], qr/at least 8 characters/],
    ['equal to the username', [current_password => $pw, new_password => uc($user), confirm_password => uc($user)], qr/same as the username/i],
    ['same as before', [current_password => $pw, new_password => $pw, confirm_password => $pw], qr/different from the current one/],
    ['current missing', [new_password => 'brand new pass 1', confirm_password => 'brand new pass 1'], qr/Enter your current password/],
);
for my $case (@cases) {
    my ($name, $fields, $msg) = @$case;
    $res = post_form($ua, '/change_password', csrf_token => $tok, @$fields);
    is($res->code, 400, "$name: 400");
    like($res->decoded_content, $msg, "$name: says why");
    unlike($res->decoded_content, qr/brand new pass|\Q$pw\E/, "$name: no password echoed");
}
$res = post_form($ua, '/change_password', current_password => $pw,
                 new_password => 'brand new pass 1', confirm_password => 'brand new pass 1');
is($res->code, 403, 'without csrf_token: 403');
$res = post_form($ua, '/change_password', csrf_token => csrf_of($other, '/change_password'),
                 current_password => $pw, new_password => 'brand new pass 1',
                 confirm_password => 'brand new pass 1');
is($res->code, 403, "another session's token: 403");
is(dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?', undef, $user),
   $hash0, 'the stored hash is unchanged after every refusal');

$res = post_form($ua, '/change_password', csrf_token => $tok, current_password => $pw,
                 new_password => 'brand new pass 1', confirm_password => 'brand new pass 1');
is($res->code, 303, 'changed');
is($res->header('Location'), '/dashboard?password_changed=1', 'back to the dashboard');
like(get_page($ua, '/dashboard?password_changed=1')->decoded_content,
     qr/Your password was changed/, 'with a confirmation');
is(get_page($ua, '/dashboard')->code, 200, 'this session stays signed in');
is(get_page($other, '/dashboard')->code, 303, 'the other device is signed out');

is(login_user(client(), $user, $pw)->code, 401, 'the old password no longer works');
is(login_user(client(), $user, 'brand new pass 1')->code, 303, 'the new one does');

done_testing();
