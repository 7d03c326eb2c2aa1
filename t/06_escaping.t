# 06_escaping.t -- hostile text in every profile field: stored verbatim,
# shown escaped.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $xss = q{<script>alert(1)</script>"'><img src=x onerror=alert(2)>};
my $sql = q{Robert'); DROP TABLE users;-- %s %d \\ "q"};
my $ua = client();
my ($res, $user, $pw) = register_user($ua, first_name => $xss, last_name => $sql,
                                      address => "$xss\n$sql");
is($res->code, 303, 'registered with hostile names and address');
is(login_user($ua, $user, $pw)->code, 303, 'signed in');
my $html = get_page($ua, '/dashboard')->decoded_content;
unlike($html, qr/<script>alert/, 'no script tag from the data');
unlike($html, qr/<img src=x/, 'no img tag from the data');
like($html, qr/&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert\(2\)&gt;/,
     'the name is shown escaped, character for character');
like($html, qr/Robert&#39;\); DROP TABLE users;-- %s %d \\ &quot;q&quot;/,
     'SQL metacharacters are shown verbatim (escaped for HTML)');

my $row = dbh()->selectrow_hashref('SELECT first_name, last_name, address FROM users WHERE username = ?',
                                   undef, $user);
is($row->{first_name}, $xss, 'first name stored verbatim');
is($row->{last_name}, $sql, 'last name stored verbatim');
is($row->{address}, "$xss\n$sql", 'address stored verbatim');
ok(dbh()->selectrow_array('SELECT COUNT(*) FROM users') > 0, 'the users table is still there');

# a hostile username/login attempt is just a failed sign-in
$res = login_user(client(), q{' OR '1'='1}, q{' OR '1'='1});
is($res->code, 401, 'SQL injection in sign-in fails like a wrong password');
$res = login_user(client(), $user, q{' OR 1=1 --});
is($res->code, 401, 'SQL injection as the password fails too');

# the JSON view escapes for JSON
my $json = get_page($ua, '/dashboard', Accept => 'application/json')->content;
like($json, qr/"first_name":"<script>alert\(1\)<\/script>\\"'><img/, 'JSON carries the raw text, JSON-escaped');

done_testing();
