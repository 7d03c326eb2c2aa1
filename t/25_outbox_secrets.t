# 25_outbox_secrets.t -- encryption at rest holds for the outbox (issue
# 11, finding 3): after confirmation, reset, code and upload mails were
# queued and delivered, the outbox holds no token, no code and no file
# content, yet the mails arrive with links, codes and attachments that
# work; an attempt that fails leaves no working link, a retry builds the
# message again (same Message-ID), a mail for a disabled account is
# cancelled rather than given a fresh link; and after PortalMailRetention
# (7 days: the rows' times are moved back, nothing sleeps through it) a
# message keeps only its recipient, subject, status and times.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64 decode_base64);

# Every value of every outbox row, as one text to search.
sub outbox_dump {
    my $rows = dbh()->selectall_arrayref('SELECT * FROM outbox ORDER BY id', { Slice => {} });
    return join("\n", map {
        my $r = $_;
        map { "$_=" . ($r->{$_} // '') } sort keys %$r
    } @$rows);
}

# The outbox rows to one address, oldest first.
sub outbox_of {
    my ($addr) = @_;
    return dbh()->selectall_arrayref('SELECT * FROM outbox WHERE lower(to_addr) = lower(?) ORDER BY id',
                                     { Slice => {} }, $addr);
}

sub token_of {
    my ($link) = @_;
    return ($link // '') =~ /token=([A-Za-z0-9_-]+)/ ? $1 : undef;
}

sub job_runs {
    return dbh()->selectrow_array(q{SELECT runs FROM job_runs WHERE name = 'mail'}) // 0;
}

# Wait until the mail job has run n more times.
sub wait_runs {
    my ($n) = @_;
    my $until = job_runs() + $n;
    for (1 .. 120) {
        return 1 if job_runs() >= $until;
        select(undef, undef, undef, 0.25);
    }
    return 0;
}

# --- the confirmation link
my ($res, $vu, $vp, $vf) = register_user(client(), verified => 0);
is($res->code, 303, 'signed up');
my ($vm) = wait_mails($vf->{email}, 1);
my $vlink = link_in(mail_text($vm // ''), '/verify_email');
my $vtok = token_of($vlink);
ok($vtok, 'the confirmation mail has its link');
my $dump = outbox_dump();
ok(index($dump, $vtok) < 0, 'the confirmation token is nowhere in the outbox');
is(dbh()->selectrow_array('SELECT COUNT(*) FROM auth_tokens WHERE id_hash = ?', undef, sha256_hex($vtok)),
   1, 'only its hash is stored');
my ($vrow) = @{ outbox_of($vf->{email}) };
is($vrow->{subject}, 'Confirm your email address for Test Portal', 'the outbox keeps the subject');
is($vrow->{status}, 'sent', 'and the status');
is(mail_header($vm, 'Message-ID'), $vrow->{message_id}, 'the mail carries the Message-ID the outbox records');
is(get_page(client(), $vlink)->code, 303, 'the link works');

# --- the reset link
my $c = client();
my $tok = csrf_of($c, '/forgot_password');
is(post_form($c, '/forgot_password', csrf_token => $tok, email => $vf->{email})->code, 200,
   'asked for a reset link');
my ($rm) = wait_subject($vf->{email}, qr/new password/, 1);
my $rtok = token_of(link_in(mail_text($rm // ''), '/reset_password'));
ok($rtok, 'the reset mail has its link');
ok(index(outbox_dump(), $rtok) < 0, 'the reset token is nowhere in the outbox');
is(get_page(client(), "/reset_password?token=$rtok")->code, 200, 'the link opens the form');

# --- the 6-digit code
my $u = client();
my (undef, $cu, $cp, $cf) = register_user($u, prefix => '/coded');
is(login_user($u, $cu, $cp, '/coded')->code, 303, 'signed in under /coded');
$tok = csrf_of($u, '/coded/change_password');
$res = post_form($u, '/coded/change_password', csrf_token => $tok, current_password => $cp,
                 new_password => 'a coded secret 1', confirm_password => 'a coded secret 1');
is($res->code, 200, 'the change waits for a code');
my ($cm) = wait_subject($cf->{email}, qr/confirmation code/, 1);
my ($code) = (mail_text($cm // '') // '') =~ /^\s+(\d{6})\s*$/m;
like($code // '', qr/^\d{6}$/, 'the code arrived');
my ($crow) = grep { ($_->{template} // '') eq 'change_code' } @{ outbox_of($cf->{email}) };
ok($crow, 'its outbox row');
my @text = map { $crow->{$_} // '' } qw(subject data message to_name link_base secret_ref last_error);
ok(!grep({ /\b\Q$code\E\b/ } @text), 'the code is in none of its text');
is($crow->{subject}, 'Your Test Portal confirmation code: [code]', 'the subject is kept with the code masked');
ok(index(outbox_dump(), "code\":\"$code") < 0, 'and nowhere in the outbox data');
$res = post_form($u, '/coded/change_password/confirm', csrf_token => $tok, code => $code);
is($res->code, 303, 'the mailed code confirms the change');
is(login_user(client(), $cu, 'a coded secret 1', '/coded')->code, 303, 'the new password works');

# --- the upload confirmation with its attachment
my ($fu, $fuser) = signed_in();
my $content = join('', map { "confidential line $_ of " . unique_name('doc') . "\n" } 1 .. 20);
$res = upload($fu, [['secret.txt', $content, 'text/plain']]);
is($res->code, 201, 'uploaded a small file');
my ($fm) = wait_subject("$fuser\@example.org", qr/secret\.txt was uploaded/);
ok($fm, 'its confirmation arrived');
my ($att) = ($fm // '') =~ /Content-Disposition: attachment;[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+\/=\r\n]+)/;
is(defined $att ? decode_base64($att) : undef, $content, 'with the file attached');
$dump = outbox_dump();
ok(index($dump, 'confidential line 1 of') < 0, "the file's content is nowhere in the outbox");
ok(index($dump, substr(encode_base64($content, ''), 0, 60)) < 0, 'not even encoded');
ok(scalar(grep { ($_->{subject} // '') =~ /secret\.txt was uploaded/ } @{ outbox_of("$fuser\@example.org") }),
   'the outbox keeps its subject');

# --- a failed attempt leaves no working link; the retry builds it again
sink_stop();
my (undef, $ru, undef, $rf) = register_user(client(), verified => 0);
my $rid = dbh()->selectrow_array('SELECT id FROM users WHERE username = ?', undef, $ru);
my ($attempts, $err) = (0, undef);
for (1 .. 80) {
    ($attempts, $err) = dbh()->selectrow_array('SELECT attempts, last_error FROM outbox WHERE to_addr = ?',
                                               undef, $rf->{email});
    last if $attempts && $attempts >= 2 && $err;
    select(undef, undef, undef, 0.25);
}
ok($attempts >= 2 && $err, "delivery was tried $attempts times while the server was down");
my ($made, $live) = dbh()->selectrow_array(q{SELECT COUNT(*), SUM(CASE WHEN used_at IS NULL THEN 1 ELSE 0 END)
    FROM auth_tokens WHERE user_id = ? AND purpose = 'verify_email'}, undef, $rid);
ok($made >= 2, "each attempt made its own link ($made)");
is($live // 0, 0, 'and none of them works: none was delivered');

# a mail for an account disabled meanwhile is cancelled, not given a link
my (undef, $du, undef, $df) = register_user(client(), verified => 0);
my $did = dbh()->selectrow_array('SELECT id FROM users WHERE username = ?', undef, $du);
for (1 .. 80) {
    last if dbh()->selectrow_array('SELECT attempts FROM outbox WHERE to_addr = ?', undef, $df->{email});
    select(undef, undef, undef, 0.25);
}
dbh()->do('UPDATE users SET disabled_at = 1 WHERE id = ?', undef, $did);
dbh()->do('UPDATE outbox SET next_attempt_at = 0 WHERE to_addr IN (?, ?)', undef, $rf->{email}, $df->{email});
sink_start();
my ($rm2) = wait_mails($rf->{email}, 1, 60);
ok($rm2, 'once the server is back the mail arrives');
my ($rrow) = @{ outbox_of($rf->{email}) };
is(mail_header($rm2 // '', 'Message-ID'), $rrow->{message_id}, 'with the Message-ID of its first attempt');
my $rlink = link_in(mail_text($rm2 // ''), '/verify_email');
is(get_page(client(), $rlink)->code, 303, 'and its link works');
my $dstatus;
for (1 .. 80) {
    ($dstatus) = dbh()->selectrow_array('SELECT status FROM outbox WHERE to_addr = ?', undef, $df->{email});
    last if $dstatus ne 'pending' && $dstatus ne 'sending';
    select(undef, undef, undef, 0.25);
}
is($dstatus, 'cancelled', "the disabled account's mail is cancelled");
is(scalar mails_to($df->{email}), 0, 'and never sent');
is(dbh()->selectrow_array(q{SELECT COUNT(*) FROM auth_tokens WHERE user_id = ? AND used_at IS NULL},
                          undef, $did), 0, 'no link of it works');

# --- a message queued whole before the outbox kept data instead (an
# upgraded database) is still delivered as it is
my $legacy = unique_name('legacy') . '@example.org';
dbh()->do(q{INSERT INTO outbox (created_at, to_addr, message_id, message, next_attempt_at)
            VALUES (?, ?, ?, ?, 0)}, undef, time, $legacy, '<legacy.1@127.0.0.1>',
          "From: portal\@example.org\r\nTo: $legacy\r\nSubject: Queued before the upgrade\r\n"
          . "Message-ID: <legacy.1\@127.0.0.1>\r\n\r\nStill delivered.\r\n");
my ($lm) = wait_mails($legacy, 1);
like($lm // '', qr/Still delivered\./, 'a message queued before the upgrade is delivered as it is');

# --- retention: 6 days after sending a message is kept; after 8 (of the
# default 7) only recipient, subject, status and times remain
my $day = 86400;
dbh()->do('UPDATE outbox SET created_at = created_at - ?, claimed_at = claimed_at - ?, sent_at = sent_at - ?
           WHERE lower(to_addr) = lower(?)', undef, (6 * $day) x 3, $vf->{email});
dbh()->do('UPDATE outbox SET created_at = created_at - ?, claimed_at = claimed_at - ?, sent_at = sent_at - ?
           WHERE lower(to_addr) = lower(?)', undef, (8 * $day) x 3, "$fuser\@example.org");
dbh()->do('UPDATE outbox SET created_at = created_at - ?, claimed_at = claimed_at - ?
           WHERE to_addr = ?', undef, (8 * $day) x 2, $df->{email});
ok(wait_runs(2), 'the mail job ran twice');
for my $r (@{ outbox_of($vf->{email}) }) {
    ok(defined $r->{data} && defined $r->{to_name}, "6 days after sending, $r->{subject}: kept");
}
my @old = (@{ outbox_of("$fuser\@example.org") }, @{ outbox_of($df->{email}) });
ok(@old >= 2, 'messages older than the retention');
for my $r (@old) {
    my $what = "$r->{status} $r->{subject}";
    ok(!defined $r->{data} && !defined $r->{to_name} && !defined $r->{message}
       && !defined $r->{file_id} && !defined $r->{link_base}, "$what: its data is purged");
    ok($r->{to_addr} && $r->{subject} && $r->{status} && $r->{created_at} && $r->{purged_at},
       "$what: recipient, subject, status and times remain");
}
ok(defined $old[0]{sent_at}, 'the time it was sent remains');

done_testing();
