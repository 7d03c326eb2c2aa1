# 09_mail.t -- email confirmation and password recovery, following the
# links in the mail a real SMTP server received; hostile and stale tokens.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

# --- sign-up mails a confirmation link; sign-in waits for it
my $ua = client();
my ($res, $user, $pw, $f) = register_user($ua, verified => 0);
is($res->code, 303, 'registered');
like(get_page($ua, $res->header('Location'))->decoded_content,
     qr/We have sent you a link/, 'the sign-in page says a link was mailed');

$res = login_user($ua, $user, $pw);
is($res->code, 403, 'an unconfirmed account cannot sign in');
like($res->decoded_content, qr/Confirm your email address first/, 'and is told why');
like($res->decoded_content, qr{action="/resend_verification"}, 'with a way to get a new link');

my @m = wait_mails($f->{email}, 1);
is(scalar @m, 1, 'one confirmation mail arrived');
my $m = $m[0];
like(mail_header($m, 'Subject'), qr/Confirm your email address/, 'its subject');
like(mail_header($m, 'From'), qr/portal\@example\.org/, 'from PortalMailFrom');
like(mail_header($m, 'Message-ID'), qr/^<[^>]+\@127\.0\.0\.1>$/, 'a Message-ID on our domain');
ok(mail_header($m, 'Date'), 'a Date');
like(mail_header($m, 'Content-Type'), qr{multipart/alternative}, 'text and HTML alternatives');
my $text = mail_text($m);
like($text, qr/Hello Ada/, 'the text part greets the user');
my $link = link_in($text, '/verify_email');
ok($link, 'the text part has the link');
like(mail_html($m), qr{<a href="http://127\.0\.0\.1:\d+/verify_email\?token=}, 'so has the HTML part');

# hostile tokens first
is(get_page(client(), '/verify_email?token=' . ('A' x 43))->code, 400, 'a forged token: 400');
is(get_page(client(), '/verify_email?token=%27%20OR%201=1--')->code, 400, 'an SQL-looking token: 400');
is(get_page(client(), '/verify_email')->code, 400, 'no token: 400');

$res = get_page(client(), $link);
is($res->code, 303, 'the link confirms the address');
is($res->header('Location'), '/login?verified=1', 'and leads to sign-in');
ok(dbh()->selectrow_array('SELECT email_verified_at FROM users WHERE username = ?', undef, $user),
   'the account is confirmed');
$res = get_page(client(), $link);
is($res->code, 400, 'the link works once');
like($res->decoded_content, qr/already confirmed/, 'and says the address is already confirmed');
like($res->decoded_content, qr{action="/resend_verification"}, 'with a way to ask for a new one');
is(login_user($ua, $user, $pw)->code, 303, 'now the account signs in');

# --- expired link; resend with cooldown
my $c2 = client();
my (undef, $user2, $pw2, $f2) = register_user($c2, verified => 0);
my @m2 = wait_mails($f2->{email}, 1);
my $link2 = link_in(mail_text($m2[0]), '/verify_email');
dbh()->do(q{UPDATE auth_tokens SET expires_at = 1 WHERE purpose = 'verify_email' AND used_at IS NULL
            AND user_id = (SELECT id FROM users WHERE username = ?)}, undef, $user2);
$res = get_page(client(), $link2);
is($res->code, 400, 'an expired link: 400');
like($res->decoded_content, qr/expired/, 'says it expired');
# the cooldown counts from the first mail: a resend now sends nothing
my $tok = csrf_of($c2, '/login');
$res = post_form($c2, '/resend_verification', csrf_token => $tok, email => $f2->{email});
is($res->code, 200, 'resend answers');
like($res->decoded_content, qr/If an account with that address is waiting/, 'without telling whether it exists');
sleep 3;
is(scalar mails_to($f2->{email}), 1, 'within the cooldown no second mail is sent');
dbh()->do(q{UPDATE auth_tokens SET created_at = created_at - 120
            WHERE user_id = (SELECT id FROM users WHERE username = ?)}, undef, $user2);
dbh()->do('UPDATE outbox SET created_at = created_at - 120 WHERE to_addr = ?', undef, $f2->{email});
$res = post_form($c2, '/resend_verification', csrf_token => $tok, email => $f2->{email});
@m2 = wait_mails($f2->{email}, 2);
is(scalar @m2, 2, 'after the cooldown a new link is mailed');
my $link3 = link_in(mail_text($m2[1]), '/verify_email');
is(get_page(client(), $link3)->code, 303, 'the new link works');
$res = post_form(client(), '/resend_verification', email => $f2->{email});
is($res->code, 403, 'resend without a CSRF token: 403');
$res = post_form($c2, '/resend_verification', csrf_token => $tok, email => 'nobody-' . unique_name() . '@example.org');
is($res->code, 200, 'an unknown address gets the same answer');

# --- password recovery
my $other = client();
is(login_user($other, $user, $pw)->code, 303, 'signed in on another device');
my $before = mail_count();
my $c3 = client();
$tok = csrf_of($c3, '/forgot_password');
$res = post_form($c3, '/forgot_password', csrf_token => $tok, email => 'nobody-' . unique_name() . '@example.org');
is($res->code, 200, 'forgot password, unknown address: 200');
my $unknown_page = $res->decoded_content;
$res = post_form($c3, '/forgot_password', csrf_token => $tok, email => uc $f->{email});
is($res->code, 200, 'forgot password, known address: 200');
is($res->decoded_content, $unknown_page, 'the very same page either way');
my ($reset) = wait_subject($f->{email}, qr/new password/, 1);
ok($reset, 'a reset mail arrived for the known address');
sleep 2;
is(mail_count(), $before + 1, 'and nothing was sent for the unknown one');
my $rlink = link_in(mail_text($reset), '/reset_password');
ok($rlink, 'the mail has a reset link');
unlike(mail_text($reset), qr/\Q$pw\E/, 'and no password');

$res = get_page($c3, $rlink);
is($res->code, 200, 'the link opens the form');
my $form = $res->decoded_content;
my $ctok = csrf_from($form);
my ($rtoken) = $form =~ /name="token" value="([^"]+)"/;
$res = post_form($c3, '/reset_password', csrf_token => $ctok, token => $rtoken,
                 new_password => 'a brand new one 1', confirm_password => 'another one 1');
is($res->code, 400, 'mismatched passwords: 400');
$res = post_form($c3, '/reset_password', token => $rtoken,
                 new_password => 'a brand new one 1', confirm_password => 'a brand new one 1');
is($res->code, 403, 'no CSRF token: 403');
$res = post_form($c3, '/reset_password', csrf_token => $ctok, token => $rtoken,
                 new_password => 'a brand new one 1', confirm_password => 'a brand new one 1');
is($res->code, 303, 'the new password is set');
is($res->header('Location'), '/login?reset=1', 'sign-in follows');
is(get_page($ua, '/dashboard')->code, 303, 'every session ended (first device)');
is(get_page($other, '/dashboard')->code, 303, 'every session ended (second device)');
is(login_user(client(), $user, $pw)->code, 401, 'the old password is gone');
is(login_user(client(), $user, 'a brand new one 1')->code, 303, 'the new one signs in');
my @notice = wait_subject($f->{email}, qr/password was changed/, 1);
is(scalar @notice, 1, 'a notice went to the account address');
$res = post_form($c3, '/reset_password', csrf_token => $ctok, token => $rtoken,
                 new_password => 'yet another one 1', confirm_password => 'yet another one 1');
is($res->code, 400, 'the reset link works once');
$res = get_page(client(), $rlink);
is($res->code, 400, 'also when opened again');
like($res->decoded_content, qr{href="/forgot_password"}, 'which offers a new one');
is(get_page(client(), '/reset_password?token=' . ('B' x 43))->code, 400, 'a forged reset token: 400');
# a confirmation token is no reset token
my (undef, undef, undef, $f4) = register_user(client(), verified => 0);
my $vlink = link_in(mail_text((wait_mails($f4->{email}, 1))[0]), '/verify_email');
(my $vtoken = $vlink) =~ s/.*token=//;
is(get_page(client(), "/reset_password?token=$vtoken")->code, 400,
   "another purpose's token is refused");

# --- header injection: a name with CR/LF (from an imported account)
my $evil = unique_name('evil');
dbh()->do(q{INSERT INTO users (uuid, username, username_lc, email, email_lc, password_hash,
            first_name, last_name, address, role, created_at, password_changed_at, email_verified_at)
            VALUES (?, ?, ?, ?, ?, 'x', ?, 'L', 'A', 'client', 1, 1, 1)}, undef,
          sprintf('00000000-0000-4000-9000-%012d', $$), $evil, $evil, "$evil\@example.org",
          "$evil\@example.org", "Eve\r\nBcc: victim\@example.org\r\nX-Evil: 1");
$tok = csrf_of($c3, '/forgot_password');
post_form($c3, '/forgot_password', csrf_token => $tok, email => "$evil\@example.org");
my ($em) = wait_mails("$evil\@example.org", 1);
ok($em, 'mail to an account with CR/LF in its name was sent');
my ($head) = split /\r?\n\r?\n/, $em // '', 2;
unlike($head // '', qr/^(Bcc|X-Evil):/mi, 'no header was injected');

# the links' tokens never reach the access log
{
    my ($vtok) = $link =~ /token=([^&\s]+)/;
    my $log = do {
        local $/;
        open(my $fh, '<', Apache::Test::vars('t_logs') . '/access_log') or die $!;
        <$fh>;
    };
    unlike($log, qr/\Q$vtok\E/, 'the confirmation token is not in the access log');
    like($log, qr{/verify_email\?token=\[token\]}, 'the request is logged without it');
}

done_testing();
