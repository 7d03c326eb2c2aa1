# 22_throttle.t -- guessing passwords is throttled (issue 11, finding 2
# and "Throttling"): a back-off per account and address that grows with
# every try, a budget per address over all accounts (spraying), a budget
# per account over all addresses that never locks the owner out of an
# address they signed in from, the same for the web form and the API,
# shared by every child of the server, logged in one line for fail2ban,
# listed and lifted on /admin; anonymous writes (forgot password, send
# the link again, sign-up) budgeted per address and per mailbox; and the
# argon2 gate that answers 503 when too many hashes would run at once.
#
# The limits are those of <Location /tight> (t/conf/extra.conf.in):
# back-off 3 free, then 10 s doubling to 600 s (10 s: a slow machine
# never sees a wait end between two tries); 10 failures per address, 12
# per account; 5 writes per address, 3 mails per mailbox.  Every client
# here binds its own loopback address (127.0.2.x), so nothing here counts
# against the rest of the suite's 127.0.0.1.  No test sleeps through a
# back-off.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use PortalTest;
use PortalThrottle;

my $J = JSON::PP->new->utf8;
my $T = '/tight';

sub is_form_page {
    my ($res) = @_;
    my $html = $res->decoded_content // '';
    return $html =~ m{<form method="post" action="$T/login">}
        && $html !~ m{<h1>Too Many Requests}i;
}

# --- an owner, who signed in from 127.0.2.9 before the attack
my ($res, $owner, $pw) = register_user(client());
is($res->code, 303, 'the owner registered');
my $home = client_at('127.0.2.9');
($res) = login_at($home, $owner, $pw, $T);
is($res->code, 303, 'the owner signed in from 127.0.2.9');

# --- 30 wrong passwords from one address against one account
my $bad = client_at('127.0.2.1');
my (@codes, @waits, @counts, $first429);
for my $i (1 .. 30) {
    my ($r, $id) = login_at($bad, $owner, "wrong password $i", $T);
    push @codes, $r->code;
    push @waits, scalar $r->header('Retry-After');
    my (undef, $n) = argon2_of($id);
    push @counts, $n;
    $first429 //= $r if $r->code == 429;
}
$first429 //= HTTP::Response->new(500);     # none: the checks below fail
is_deeply([@codes[0 .. 2]], [401, 401, 401], 'the first 3 failures are free: 401');
is_deeply([@codes[3 .. 29]], [(429) x 27], 'from the 4th on: 429');
is($waits[3], 10, 'the 4th failure starts a 10 s back-off (Retry-After: 10)');
my @w = @waits[3 .. 29];
my $grows = 1;
for my $i (1 .. $#w) {
    $grows = 0 unless defined $w[$i] && $w[$i] >= $w[$i - 1]
        && ($w[$i - 1] >= 600 || $w[$i] > $w[$i - 1]);
}
ok($grows, 'Retry-After grows with every refused try, to the cap: '
   . join(',', map { $_ // '-' } @w[0 .. 8]) . ',...');
is($w[-1], 600, 'and stays at the cap (600 s)');
like($first429->decoded_content, qr/Incorrect username or password\. Too many attempts: try again in 10 seconds\./,
     'the failure that starts the back-off says so');
ok(is_form_page($first429), 'on the sign-in form, not an error page');
is_deeply([@counts[0 .. 3]], [1, 1, 1, 1], 'the 4 checked tries each cost one argon2 computation');
is_deeply([@counts[4 .. 29]], [(0) x 26], 'the refused ones cost none');

# a right password during the back-off is refused the same way, unchecked
my ($r, $id) = login_at($bad, $owner, $pw, $T);
is($r->code, 429, 'the right password during the back-off: 429');
like($r->decoded_content, qr/Too many attempts: try again in \d+ minutes\./, 'the same message');
ok($r->header('Retry-After') >= 600, 'the same wait');
is((argon2_of($id))[1], 0, 'and no argon2 work was done');
# the API shares the records
my ($api, $aid) = json_login($bad, $owner, $pw, $T);
is($api->code, 429, 'POST /api/client/login from the same address: 429');
ok($api->header('Retry-After') >= 1, 'with Retry-After');
my $body = eval { $J->decode($api->content) } // {};
is($body->{error}, 'rate_limited', '{"error": "rate_limited"}');
like($body->{message} // '', qr/Too many attempts: try again in/, 'and a message');

# the owner, from where they signed in before, is not affected
($res) = login_at($home, $owner, $pw, $T);
is($res->code, 303, 'the owner still signs in from 127.0.2.9');

# one log line per refusal that fail2ban can match (docs/throttle.md)
my @lines = error_log_lines(qr/PT1011: throttled client 127\.0\.2\.1 /);
ok(@lines >= 27, 'a log line for every refused request (' . scalar(@lines) . ')');
like($lines[0] // '', qr/\[client 127\.0\.2\.1:\d+\] PT1011: throttled client 127\.0\.2\.1 account \Q$owner\E route \/login purpose password reason backoff retry-after \d+$/,
     'naming the client, the account, the route and the reason');
my $f2b = qr/PT1011: throttled client (\S+) account \S+ route \S+ purpose \S+ reason \S+ retry-after \d+/;
ok(!grep({ $_ !~ $f2b } @lines), 'every line matches the documented fail2ban pattern');
ok(!error_log_lines(qr/wrong password \d/), 'no password ever reaches the log');

# one event row per back-off period, not per request
# (eval: a server without the table answers as if there were no row)
my ($rows) = eval { dbh()->selectrow_array(
    "SELECT COUNT(*) FROM throttle_events WHERE ip = '127.0.2.1' AND reason = 'backoff'") };
is($rows, 1, 'one throttle_events row for the whole block, not 27');

# --- /admin lists the block and lifts it
my ($admin) = signed_in(role => 'admin');
my $page = get_page($admin, '/admin/throttle');
is($page->code, 200, '/admin/throttle');
my $html = $page->decoded_content;
my ($eid) = eval { dbh()->selectrow_array(
    "SELECT id FROM throttle_events WHERE ip = '127.0.2.1' AND reason = 'backoff'") };
$eid //= 0;
like($html, qr{<tr id="throttle-$eid">.*?127\.0\.2\.1.*?\Q$owner\E.*?/login.*?blocked for \d+ s more.*?Lift}s,
     'the block is listed: address, account, route, still in force, Lift');
like($html, qr{id="throttle-total">\d+ blocks?}, 'with the count of the last 24 hours');
unlike(get_page(client(), '/admin/throttle')->code, qr/^200$/, 'not for anyone else');
my $csrf = csrf_from($html);
$res = post_form($admin, "/admin/throttle/$eid/lift");
is($res->code, 403, 'lifting needs the CSRF token');
$res = post_form($admin, "/admin/throttle/$eid/lift", csrf_token => $csrf);
is($res->code, 303, 'the admin lifts it');
my ($lifted) = eval { dbh()->selectrow_array('SELECT lifted_by FROM throttle_events WHERE id = ?', undef, $eid) };
ok($lifted, 'the row says who lifted it');
($res) = login_at($bad, $owner, $pw, $T);
is($res->code, 303, 'after the lift the right password works from 127.0.2.1');

# --- many addresses against one account: its budget (12) closes it to
# addresses it never signed in from, but never to one it did
my $owner_failures = 4;     # the tries of 127.0.2.1 that were checked
my (@acct, @acct_work, $closing);
for my $i (20 .. 35) {
    my ($rr, $gid) = login_at(client_at("127.0.2.$i"), $owner, "guess $i", $T);
    push @acct, $rr->code;
    push @acct_work, (argon2_of($gid))[1];
    $closing //= $rr if $rr->code == 429;
}
$closing //= HTTP::Response->new(500);
my $checked = grep { $_ } @acct_work;
is($checked, 12 - $owner_failures, 'the account takes 12 failed guesses in all');
is_deeply([@acct_work[$checked .. $#acct_work]], [(0) x (@acct - $checked)],
          'then refuses new addresses unchecked');
is_deeply([@acct[0 .. $checked - 2]], [(401) x ($checked - 1)], 'the guesses before: 401');
is_deeply([@acct[$checked - 1 .. $#acct]], [(429) x (@acct - $checked + 1)],
          'the one that spends the budget and all after: 429');
like($closing->decoded_content, qr/Incorrect username or password\. Too many attempts: try again in \d+ minutes\./,
     'the last checked guess is told the wait too');
($r, $id) = login_at(client_at('127.0.2.50'), $owner, $pw, $T);
is($r->code, 429, 'even the right password from a new address (the price of the budget)');
is((argon2_of($id))[1], 0, 'unchecked');
($res) = login_at($home, $owner, $pw, $T);
is($res->code, 303, 'the owner still signs in from 127.0.2.9');
($res) = login_at($bad, $owner, $pw, $T);
is($res->code, 303, 'and from 127.0.2.1, where they signed in since');
# away from home, "forgot password" ends it: the mailbox is proven
{
    my $away = client_at('127.0.2.50');
    my $tok = csrf_of($away, "$T/forgot_password");
    is(post_form($away, "$T/forgot_password", csrf_token => $tok, email => "$owner\@example.org")->code,
       200, 'the owner asks for a reset from the new address');
    my ($m) = wait_subject("$owner\@example.org", qr/password/i, 1, 30);
    my $link = link_in(mail_text($m // '') // '', '/reset_password');
    ok($link, 'and gets the link');
    my $form = get_page($away, $link // '/none');
    $res = post_form($away, "$T/reset_password", csrf_token => csrf_from($form->decoded_content),
                     token => (($link // '') =~ /token=([\w-]+)/)[0] // '',
                     new_password => 'a brand new pass 1', confirm_password => 'a brand new pass 1');
    is($res->code, 303, 'and chooses a new password');
    $pw = 'a brand new pass 1';
    ($res) = login_at($away, $owner, $pw, $T);
    is($res->code, 303, 'after the reset the new address signs in');
}

# --- spraying 20 accounts from one address
my @victims;
for (1 .. 20) {
    my (undef, $u, $p) = register_user(client());
    push @victims, [$u, $p];
}
my $spray = client_at('127.0.2.60');
my (@spray, @spray_work);
for my $v (@victims) {
    my ($rr, $sid) = login_at($spray, $v->[0], 'Summer2026!', $T);
    push @spray, $rr->code;
    push @spray_work, (argon2_of($sid))[1];
}
is_deeply(\@spray_work, [(1) x 10, (0) x 10], 'spraying 20 accounts: 10 guesses checked, then none');
is_deeply([@spray[0 .. 8]], [(401) x 9], 'the first 9 get a wrong-password answer');
is_deeply([@spray[9 .. 19]], [(429) x 11], 'from the 10th the address is stopped for every account');
($r, $id) = login_at($spray, $victims[15][0], $victims[15][1], $T);
is($r->code, 429, 'also for a right password');
ok($r->header('Retry-After') > 3000, 'until its window (an hour) ends');
like(join('', error_log_lines(qr/PT1011: throttled client 127\.0\.2\.60 /)), qr/reason ip-budget/,
     'logged as ip-budget');
($res) = login_at(client_at('127.0.2.61'), $victims[15][0], 'Summer2026!', $T);
is($res->code, 401, 'another address is not affected');
($res) = login_at(client_at('127.0.2.62'), $victims[15][0], $victims[15][1], $T);
is($res->code, 303, 'and the account itself is fine');

# --- portalctl cannot open httpd's socache: it asks, the server's job lifts
{
    my ($build) = $ENV{PORTAL_MODULE} =~ m{^(.*)/\.libs/mod_portal\.so$};
    my $top = Apache::Test::vars('serverroot') . '/..';
    my @db = ($ENV{PORTAL_DB} // 'sqlite') eq 'pgsql'
        ? ('--db', "pgsql:$ENV{PORTAL_DBD_PARAMS}")
        : ('--data', $ENV{PORTAL_DATA_DIR});
    my $ctl = sub {
        my $cmd = join(' ', map { "'$_'" } "$build/portalctl", @db, '--sql', "$top/sql", @_);
        my $out = `$cmd 2>&1`;
        return ($? >> 8, $out);
    };
    my ($sid) = eval { dbh()->selectrow_array(
        "SELECT id FROM throttle_events WHERE ip = '127.0.2.60' AND reason = 'ip-budget'") };
    $sid //= 0;
    my ($rc, $out) = $ctl->('throttle', 'list');
    is($rc, 0, 'portalctl throttle list');
    like($out, qr/^$sid\s+\S+ \S+\s+ip-budget\s+password\s+127\.0\.2\.60\s/m, 'shows the spraying block');
    ($rc, $out) = $ctl->('throttle', 'lift', $sid);
    is($rc, 0, 'portalctl throttle lift ID') or diag($out);
    my $until = time + 20;
    my $by;
    while (time < $until) {
        ($by) = eval { dbh()->selectrow_array('SELECT lifted_by FROM throttle_events WHERE id = ?',
                                              undef, $sid) };
        last if $by;
        select(undef, undef, undef, 0.25);
    }
    is($by, 'portalctl', "the server's throttle job carried the lift out");
    ($res) = login_at($spray, $victims[15][0], $victims[15][1], $T);
    is($res->code, 303, 'and the address signs in again');
    ($rc) = $ctl->('throttle', 'lift', $sid);
    is($rc, 1, 'a lifted block cannot be lifted again');
}

# --- a burst of parallel guesses counts as what it is, in every child
{
    my (undef, $u, $p) = register_user(client());
    my @jobs;
    for my $i (1 .. 12) {
        my $ua = client_at('127.0.2.90');
        my $tok = csrf_of($ua, "$T/login");
        my $tid = test_id("burst$i");
        push @jobs, [$ua, $tok, $tid];
    }
    my @out = burst(map {
        my ($ua, $tok, $tid) = @$_;
        sub {
            my $req = HTTP::Request::Common::POST(base_url() . "$T/login",
                [csrf_token => $tok, username => $u, password => 'parallel guess']);
            $req->header('X-Test-Id' => $tid);
            return $ua->request($req)->code;
        }
    } @jobs);
    my (%pids, $work);
    for my $j (@jobs) {
        my (undef, $n, $pid) = argon2_of($j->[2]);
        $work += $n // 0;
        $pids{$pid} = 1 if $pid;
    }
    is(scalar(grep { /^(401|429)$/ } @out), 12, '12 parallel guesses: all answered 401 or 429 (' . join(',', @out) . ')');
    is($work, 4, 'only 4 were checked (3 free and the one that starts the back-off), whatever child served them');
    if (mpm() eq 'prefork') {
        ok(keys(%pids) >= 2, 'served by ' . keys(%pids) . ' prefork children sharing the counts');
    }
    else {
        ok(keys(%pids) >= 1, 'served by ' . keys(%pids) . ' child(ren) sharing the counts');
    }
}

# --- forgot password: per address asking, and per mailbox
{
    my $ua = client_at('127.0.2.80');
    my $victim = 'victim-' . unique_name() . '@example.org';
    my @c;
    for (1 .. 4) {
        my $tok = csrf_of($ua, "$T/forgot_password");
        push @c, post_form($ua, "$T/forgot_password", csrf_token => $tok, email => $victim)->code;
    }
    is_deeply(\@c, [200, 200, 200, 429], 'forgot password: 3 requests for one mailbox, then 429');
    my ($queued) = dbh()->selectrow_array('SELECT COUNT(*) FROM reset_requests WHERE email_lc = ?', undef, $victim);
    ok($queued <= 1, "and at most one waits for the mail job ($queued)");
    my $tok = csrf_of($ua, "$T/forgot_password");
    $r = post_form($ua, "$T/forgot_password", csrf_token => $tok, email => $victim);
    like($r->decoded_content, qr/Too many attempts: try again in \d+ minutes\./, 'the form says how long to wait');
    @c = ();
    for my $i (1 .. 3) {
        $tok = csrf_of($ua, "$T/forgot_password");
        push @c, post_form($ua, "$T/forgot_password", csrf_token => $tok,
                           email => "other$i-" . unique_name() . '@example.org')->code;
    }
    is_deeply(\@c, [200, 200, 429], 'and 5 requests in all from one address');
    my $other = client_at('127.0.2.82');
    $tok = csrf_of($other, "$T/verify_email");
    $tok //= csrf_of($other, "$T/forgot_password");
    $r = post_form($other, "$T/resend_verification", csrf_token => $tok, email => $victim);
    is($r->code, 429, 'the mailbox budget is shared with "send the link again", from any address');
}

# --- sign-up: an anonymous write once the form is valid
{
    my $ua = client_at('127.0.2.83');
    my @c;
    for (1 .. 6) {
        my ($rr) = register_user($ua, prefix => $T, verified => 0);
        push @c, $rr->code;
    }
    is_deeply(\@c, [303, 303, 303, 303, 303, 429], 'sign-up: 5 from one address, then 429');
    my ($rr) = register_user($ua, prefix => $T, email => 'not-an-address', verified => 0);
    is($rr->code, 400, 'an invalid form is still answered as such (it is not counted)');
}

# --- the argon2 gate: one hash at a time per process under /busy
{
    my @jobs;
    for my $i (1 .. 16) {
        my $ua = client_at("127.0.3.$i");
        push @jobs, [$ua, csrf_of($ua, '/busy/login'), test_id("gate$i")];
    }
    my ($busy, $ok, $rounds, @out) = (0, 0, 0);
    for my $round (1 .. 3) {
        $rounds = $round;
        @out = burst(map {
            my ($ua, $tok, $tid) = @$_;
            sub {
                my $req = HTTP::Request::Common::POST(base_url() . '/busy/login',
                    [csrf_token => $tok, username => "nobody-$tid", password => 'x' x 12]);
                $req->header('X-Test-Id' => "$tid-$round");
                my $res = $ua->request($req);
                return join(' ', $res->code, $res->header('Retry-After') // '-');
            }
        } @jobs);
        $busy = grep { /^503 \d+$/ } @out;
        $ok = grep { /^401 / } @out;
        last if $busy || mpm() eq 'prefork';
    }
    if (mpm() eq 'prefork') {
        is($ok, 16, 'prefork: one request per process, so the gate never fills: 16 x 401');
    }
    else {
        ok($busy >= 1, "16 sign-ins at once, one hash at a time, no waiting: $busy got 503 with Retry-After");
        is($busy + $ok, 16, 'the others were checked: 401');
        my $n503 = 0;
        for my $j (@jobs) {
            my ($st, $n) = argon2_of("$j->[2]-$rounds");
            $n503++ if defined $st && $st == 503 && $n == 0;
        }
        is($n503, $busy, 'a 503 computed nothing');
    }
    my (undef, $gu, $gp) = register_user(client());
    ($res) = login_at(client_at('127.0.3.99'), $gu, $gp, '/busy');
    is($res->code, 303, 'alone, a sign-in passes the gate');
}

# --- what the throttle keeps in the database does not grow without end
{
    my (undef, $u) = register_user(client());
    my ($uid) = dbh()->selectrow_array('SELECT id FROM users WHERE username = ?', undef, $u);
    my $now = time;
    # 25 networks the account signed in from, one of them 100 days ago
    for my $i (1 .. 25) {
        dbh()->do('INSERT INTO login_ips (user_id, ip, first_at, last_at) VALUES (?, ?, ?, ?)',
                  undef, $uid, "198.51.100.$i", $now - 1000 + $i,
                  $i == 1 ? $now - 100 * 86400 : $now - 1000 + $i);
    }
    dbh()->do("INSERT INTO throttle_events (cache_key, purpose, scope, reason, ip, route, started_at, until_at) "
              . "VALUES ('pt1:password:ip:old', 'password', 'ip', 'ip-budget', '198.51.100.1', '/login', ?, ?)",
              undef, $now - 31 * 86400, $now - 31 * 86400 + 3600);
    my $until = time + 20;
    my ($n, $old);
    while (time < $until) {
        ($n) = dbh()->selectrow_array('SELECT COUNT(*) FROM login_ips WHERE user_id = ?', undef, $uid);
        ($old) = dbh()->selectrow_array("SELECT COUNT(*) FROM throttle_events WHERE cache_key = 'pt1:password:ip:old'");
        last if $n <= 20 && !$old;
        select(undef, undef, undef, 0.25);
    }
    is($n, 20, "the cleanup job keeps an account's 20 newest sign-in networks");
    my ($gone) = dbh()->selectrow_array(
        "SELECT COUNT(*) FROM login_ips WHERE user_id = ? AND ip IN ('198.51.100.1', '198.51.100.2', "
        . "'198.51.100.3', '198.51.100.4', '198.51.100.5')", undef, $uid);
    is($gone, 0, 'the oldest (and the one unused for 100 days) are gone');
    is($old, 0, 'and throttle events older than 30 days');
}

done_testing();
