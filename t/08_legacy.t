# 08_legacy.t -- accounts carried over from the Flask portal: werkzeug
# scrypt and pbkdf2 hashes and bcrypt hashes sign in, and are replaced by
# argon2id at that sign-in.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

# Made with Python's hashlib exactly as werkzeug.security does, and with
# `htpasswd -nbB -C 5` (bcrypt $2y$; $2b$ is the same algorithm), all for
# the password 'Legacy-Pass-1'.
my %hashes = (
    scrypt => 'scrypt:32768:8:1$kQ2m8ZrT4vXy9WbN$9ed20d4e9bc08eaab3b73ec7d3107d3a273aa32f27b548ce8ba4f5c5a168e6bac67ec5ae71e8b7e0b222098346ed4b3fd8d5882a4ab0223f97cfc0a80857fd30',
    pbkdf2 => 'pbkdf2:sha256:600000$Ab3dEf6hIj9kLm2n$19e77eaf9b556be2664cc32bcd5910903bdca8d2a558f5025937ca639fff526d',
    bcrypt2y => '$2y$05$ds8XHx8tStEvWXO.te1Eru1ppKrnbTHanl7MciONWY0fahmDaQdiq',
    bcrypt2b => '$2b$05$ds8XHx8tStEvWXO.te1Eru1ppKrnbTHanl7MciONWY0fahmDaQdiq',
);

my $i = 0;
for my $kind (sort keys %hashes) {
    my $user = unique_name("legacy$kind");
    $i++;
    dbh()->do(q{INSERT INTO users (uuid, username, username_lc, email, email_lc,
                password_hash, first_name, last_name, address, role,
                created_at, password_changed_at, email_verified_at)
                VALUES (?, ?, ?, ?, ?, ?, 'Old', 'Timer', 'Somewhere', 'client', 1, 1, 1)},
              undef, sprintf('00000000-0000-4000-8000-%012d', $$ * 10 + $i),
              $user, lc $user, "$user\@example.org", lc "$user\@example.org",
              $hashes{$kind});

    my $ua = client();
    is(login_user($ua, $user, 'Legacy-Pass-2')->code, 401, "$kind: a wrong password fails");
    my $kept = dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?', undef, $user);
    is($kept, $hashes{$kind}, "$kind: a failed sign-in does not touch the hash");
    my $res = login_user($ua, $user, 'Legacy-Pass-1');
    is($res->code, 303, "$kind: the legacy hash signs in");
    is(get_page($ua, '/dashboard')->code, 200, "$kind: and reaches the dashboard");
    my $now = dbh()->selectrow_array('SELECT password_hash FROM users WHERE username = ?', undef, $user);
    like($now, qr/^\$argon2id\$/, "$kind: the hash was upgraded to argon2id");
    is(login_user(client(), $user, 'Legacy-Pass-1')->code, 303, "$kind: the upgraded hash signs in");
    is(login_user(client(), $user, 'legacy-pass-1')->code, 401, "$kind: and still checks the password");
}

done_testing();
