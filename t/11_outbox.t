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

done_testing();
