# 25_reset_queue.t -- the password-reset queue (issue 11, finding 5, the
# queue side, and 13: reset requests are capped per address): repeated
# requests for one address leave one waiting row and one mail, a new link
# only once the last one is dead; a genuine request queued behind
# thousands of others is mailed by the first or second run of the mail
# job (job runs are counted, nothing is timed), and the queue is empty
# after it.  Clients come from distinct loopback addresses; the requests
# go to /queue, where the throttle lets one address ask more often than
# the default (t/22_throttle.t tests that limit).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $ip = 1;

# POST /forgot_password from a client of its own, on its own address
sub forgot {
    my ($email) = @_;
    $ip++;
    my $ua = LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 0,
                                 timeout => 30, local_address => "127.0.0.$ip");
    my $tok = csrf_of($ua, '/queue/forgot_password');
    return post_form($ua, '/queue/forgot_password', csrf_token => $tok, email => $email);
}

sub waiting {
    my ($email) = @_;
    return dbh()->selectrow_array('SELECT COUNT(*) FROM reset_requests WHERE email_lc = ?',
                                  undef, lc $email);
}

sub job_runs {
    return dbh()->selectrow_array(q{SELECT runs FROM job_runs WHERE name = 'mail'}) // 0;
}

# Wait until the mail job has run n more times.
sub wait_runs {
    my ($n) = @_;
    my $until = job_runs() + $n;
    for (1 .. 160) {
        return 1 if job_runs() >= $until;
        select(undef, undef, undef, 0.25);
    }
    return 0;
}

sub resets_to {
    my ($email) = @_;
    return grep { (mail_header($_, 'Subject') // '') =~ /new password/ } mails_to($email);
}

# --- repeated requests for one address: one waiting row, one mail
my (undef, $vu, undef, $vf) = register_user(client());
my $victim = $vf->{email};
my @codes = map { forgot($_ % 2 ? uc $victim : $victim)->code } 1 .. 6;
is_deeply(\@codes, [(200) x 6], 'six requests for one address, each answered as usual');
ok(waiting($victim) <= 1, 'at most one of them waits in the queue');
my $dup = eval {
    local dbh()->{PrintError} = 0;
    dbh()->do(q{INSERT INTO reset_requests (email_lc, mount, ip, created_at) VALUES (?, '', '127.0.0.1', 1)},
              undef, lc $victim) for 1 .. 2;
    1;
};
ok(!$dup, 'the database itself refuses a second waiting request for an address');
my @m = wait_subject($victim, qr/new password/, 1);
is(scalar @m, 1, 'a reset mail arrives');
ok(wait_runs(3), 'the mail job ran three more times');
is(scalar resets_to($victim), 1, 'and only one, for all six requests');
is(waiting($victim), 0, 'nothing waits any more');

# later requests, past the cooldown, while the link is still unused and
# unexpired: no new mail (at most one link per link lifetime)
my $uid = dbh()->selectrow_array('SELECT id FROM users WHERE username = ?', undef, $vu);
dbh()->do(q{UPDATE auth_tokens SET created_at = created_at - 120 WHERE user_id = ?}, undef, $uid);
dbh()->do(q{UPDATE outbox SET created_at = created_at - 120 WHERE to_addr = ?}, undef, $victim);
is(forgot($victim)->code, 200, 'asked again after the cooldown');
is(forgot($victim)->code, 200, 'and again');
ok(wait_runs(3), 'the mail job ran three more times');
is(scalar resets_to($victim), 1, 'no new link while the last one is outstanding');
is(waiting($victim), 0, 'the requests were dropped');

# once the link has expired, asking again mails a new one
dbh()->do(q{UPDATE auth_tokens SET expires_at = 1 WHERE user_id = ? AND purpose = 'reset_password'},
          undef, $uid);
is(forgot($victim)->code, 200, 'asked again once the link expired');
@m = wait_subject($victim, qr/new password/, 2);
is(scalar @m, 2, 'a new link is mailed');
my $link = link_in(mail_text($m[1]), '/reset_password');
is(get_page(client(), $link)->code, 200, 'and it works');

# --- starvation: thousands of requests queued ahead of a genuine one
my $tag = unique_name('flood');
my @accounts = map { "$tag-$_\@example.org" } 1 .. 40;
my $now = time;
dbh()->begin_work;
for my $i (0 .. $#accounts) {
    my $e = $accounts[$i];
    dbh()->do(q{INSERT INTO users (uuid, username, username_lc, email, email_lc, password_hash,
                first_name, last_name, address, role, created_at, password_changed_at, email_verified_at)
                VALUES (?, ?, ?, ?, ?, 'x', 'Flood', 'Ed', 'A', 'client', ?, ?, ?)}, undef,
              sprintf('00000000-0000-4000-a%03d-%012d', $i, $$), "$tag-$i", "$tag-$i", $e, $e,
              $now, $now, $now);
}
my $ins = dbh()->prepare(q{INSERT INTO reset_requests (email_lc, mount, ip, created_at)
                           VALUES (?, '', '198.51.100.7', ?)});
$ins->execute("nobody-$_-$tag\@example.org", $now) for 1 .. 3000;
$ins->execute($_, $now) for @accounts;
dbh()->commit;
my (undef, $gu, undef, $gf) = register_user(client());
my $r0 = job_runs();
is(forgot($gf->{email})->code, 200, 'a genuine request behind 3040 others');
my ($gm) = wait_subject($gf->{email}, qr/new password/, 1, 90);
my $r1 = job_runs();
ok($gm, 'its reset mail arrives');
ok($r1 - $r0 <= 2, 'served by the first run after it (runs finished meanwhile: ' . ($r1 - $r0) . ')');
is(dbh()->selectrow_array('SELECT COUNT(*) FROM reset_requests'), 0, 'the whole queue was handled');
my $n = 0;
for (1 .. 80) {
    $n = grep { scalar resets_to($_) } @accounts;
    last if $n == @accounts;
    select(undef, undef, undef, 0.25);
}
is($n, scalar @accounts, 'every flooded account got its one reset mail');
ok(!grep({ scalar(resets_to($_)) != 1 } @accounts), 'exactly one each');

done_testing();
