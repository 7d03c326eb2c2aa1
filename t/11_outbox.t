# 11_outbox.t -- mail is never lost and never doubled: with the SMTP
# server down, sign-ups still succeed and their mail waits in the outbox;
# once the server is back, every message arrives exactly once.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

sink_stop();
my @emails;
for my $i (1 .. 3) {
    my ($res, undef, undef, $f) = register_user(client(), verified => 0);
    is($res->code, 303, "sign-up $i works while the mail server is down");
    push @emails, $f->{email};
}
sleep 3;
for my $e (@emails) {
    my ($status, $attempts, $err) = dbh()->selectrow_array(
        'SELECT status, attempts, last_error FROM outbox WHERE to_addr = ?', undef, $e);
    is($status, 'pending', "$e: waiting in the outbox");
    ok($attempts >= 1, "$e: delivery was tried ($attempts)");
    ok($err, "$e: with the reason recorded");
}
is(scalar(map { mails_to($_) } @emails), 0, 'nothing arrived yet');

sink_start();
for my $e (@emails) {
    my @m = wait_mails($e, 1, 60);
    is(scalar @m, 1, "$e: the mail arrived");
}
sleep 4;
for my $e (@emails) {
    is(scalar mails_to($e), 1, "$e: exactly once");
    my ($status) = dbh()->selectrow_array('SELECT status FROM outbox WHERE to_addr = ?', undef, $e);
    is($status, 'sent', "$e: marked sent");
}

# --- a server that keeps answering 4xx: retried until PortalMailGiveUpAfter
sub fail_mode {
    my ($mode) = @_;
    my $f = "$ENV{PORTAL_MAIL_DIR}/fail";
    if ($mode) { open(my $fh, '>', $f) or die; print $fh "$mode\n"; close $fh }
    else { unlink $f }
}
fail_mode('temp');
my (undef, undef, undef, $ft) = register_user(client(), verified => 0);
my $tried;
for (1 .. 40) {
    ($tried) = dbh()->selectrow_array('SELECT last_error FROM outbox WHERE to_addr = ?', undef, $ft->{email});
    last if $tried;
    select(undef, undef, undef, 0.25);
}
like($tried // '', qr/451/, '4xx: deferred with the server\'s answer');
is(dbh()->selectrow_array('SELECT status FROM outbox WHERE to_addr = ?', undef, $ft->{email}),
   'pending', 'and still pending');
dbh()->do('UPDATE outbox SET created_at = created_at - 300000, next_attempt_at = 0 WHERE to_addr = ?',
          undef, $ft->{email});
my $status;
for (1 .. 40) {
    ($status) = dbh()->selectrow_array('SELECT status FROM outbox WHERE to_addr = ?', undef, $ft->{email});
    last if $status eq 'failed';
    select(undef, undef, undef, 0.25);
}
is($status, 'failed', 'after PortalMailGiveUpAfter it is given up, with the error kept');

# --- 5xx for the recipient: given up at once
fail_mode('perm');
my (undef, undef, undef, $fp) = register_user(client(), verified => 0);
for (1 .. 40) {
    ($status) = dbh()->selectrow_array('SELECT status FROM outbox WHERE to_addr = ?', undef, $fp->{email});
    last if $status eq 'failed';
    select(undef, undef, undef, 0.25);
}
is($status, 'failed', '5xx: failed at once');
like(dbh()->selectrow_array('SELECT last_error FROM outbox WHERE to_addr = ?', undef, $fp->{email}),
     qr/550/, 'with the server\'s answer');
fail_mode(undef);
is(scalar(mails_to($ft->{email}), mails_to($fp->{email})), 0, 'neither was delivered');

done_testing();
