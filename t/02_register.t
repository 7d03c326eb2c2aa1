# 02_register.t -- registration: the happy path, every invalid or missing
# field, duplicates, CSRF, and hostile bodies; nothing half-stored.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $ua = client();
my $before = count_users();
my ($res, $user, $pw, $f) = register_user($ua);
is($res->code, 303, 'registration redirects');
is($res->header('Location'), '/login?registered=1', 'to sign-in');
is(count_users(), $before + 1, 'one account stored');

my $row = dbh()->selectrow_hashref(
    'SELECT * FROM users WHERE username = ?', undef, $user);
ok($row, 'the account is in the database');
like($row->{password_hash}, qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
     'the password is stored as argon2id with the default cost');
is($row->{role}, 'client', 'self sign-up gets the client role');
like($row->{uuid}, qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
     'public id is a UUID');
is($row->{address}, "12 Analytical Row\nLondon", 'address kept with its newline');

$res = get_page($ua, '/login?registered=1');
like($res->decoded_content, qr/Your account was created/, 'sign-in page confirms');

# --- duplicates, case-insensitively
my $n = count_users();
($res) = register_user(client(), username => uc($user), email => unique_name('x') . '@example.org');
is($res->code, 409, 'duplicate username (other case): 409');
like($res->decoded_content, qr/That username is already taken/, 'says the username is taken');
# a taken email is answered exactly as a new one (issue 11, finding 6):
# the owner is mailed instead (t/23_signup.t follows that mail)
my $twin = unique_name('twin');
($res) = register_user(client(), username => $twin, email => uc($f->{email}), verified => 0);
is($res->code, 303, 'duplicate email (other case): answered as a new account');
is($res->header('Location'), '/login?registered=1', 'the same redirect');
unlike($res->decoded_content, qr/already exists/, 'says nothing about the address');
is(count_users(), $n, 'no account stored for duplicates');
is(dbh()->selectrow_array('SELECT COUNT(*) FROM users WHERE username = ?', undef, $twin), 0,
   'not even under the new username');

# --- each field missing or invalid: 400, the message, values kept
my %bad = (
    username => ['', 'ab', 'has space', 'bad<chars>', '-leading', 'x' x 33],
    password => ['', 'short7!'],
    first_name => ['', 'y' x 101, "tab\there"],
    last_name => ['', "bell\x07"],
    address => ['', 'z' x 501],
    email => ['', 'not-an-email', 'a@b', 'two@@example.org', 'sp ace@example.org'],
);
for my $field (sort keys %bad) {
    for my $value (@{ $bad{$field} }) {
        my $c = client();
        my ($r, undef, undef, $sent) = register_user($c, $field => $value,
            ($field eq 'password' ? () : (password => 'Secret-Password-9')));
        (my $shown = $value) =~ s/[^\x20-\x7e]/?/g;
        $shown = substr($shown, 0, 20);
        is($r->code, 400, "$field='$shown': 400");
        my $html = $r->decoded_content;
        like($html, qr/id="\Q$field\E"[^>]*aria-invalid="true"/, "$field='$shown' marked invalid");
        unlike($html, qr/Secret-Password-9/, 'the password is never echoed');
        if ($field ne 'first_name') {
            like($html, qr/value="Ada"/, 'other values are kept');
        }
    }
}
($res) = register_user(client(), username => 'samename1', password => 'SameName1');
is($res->code, 400, 'password equal to the username (any case): 400');
like($res->decoded_content, qr/must not be the same as the username/i, 'says why');
is(count_users(), $n, 'nothing stored for invalid forms');

# --- CSRF
my $c = client();
get_page($c, '/register');
$res = post_form($c, '/register', username => unique_name(), password => 'abcdefgh1',
                 first_name => 'A', last_name => 'B', address => 'C',
                 email => unique_name() . '@example.org');
is($res->code, 403, 'no csrf_token: 403');
like($res->decoded_content, qr/form has expired or did not come from this site/, 'says why');
$res = post_form($c, '/register', csrf_token => 'forged' . ('A' x 37), username => unique_name(),
                 password => 'abcdefgh1', first_name => 'A', last_name => 'B',
                 address => 'C', email => unique_name() . '@example.org');
is($res->code, 403, 'forged csrf_token: 403');
my $other = client();
my $stolen = csrf_of($other, '/register');
$res = post_form($c, '/register', csrf_token => $stolen, username => unique_name(),
                 password => 'abcdefgh1', first_name => 'A', last_name => 'B',
                 address => 'C', email => unique_name() . '@example.org');
is($res->code, 403, "another browser's token: 403");
is(count_users(), $n, 'nothing stored without a valid token');

# --- hostile bodies
my $tok = csrf_of($c, '/register');
$res = post_raw($c, '/register', 'text/plain', "csrf_token=$tok");
is($res->code, 415, 'wrong content type: 415');
$res = post_raw($c, '/register', 'application/x-www-form-urlencoded',
                "csrf_token=$tok&username=%zz");
is($res->code, 400, 'bad percent escape: 400');
$res = post_raw($c, '/register', 'application/x-www-form-urlencoded',
                "csrf_token=$tok&username=%C3%28abc");
is($res->code, 400, 'invalid UTF-8: 400');
$res = post_raw($c, '/register', 'application/x-www-form-urlencoded',
                "csrf_token=$tok&username=a%00b");
is($res->code, 400, 'NUL byte: 400');
$res = post_raw($c, '/register', 'application/x-www-form-urlencoded',
                "csrf_token=$tok&address=" . ('a' x 70000));
is($res->code, 413, 'a body over PortalFormMaxSize: 413');
is(count_users(), $n, 'nothing stored from hostile bodies');

done_testing();
