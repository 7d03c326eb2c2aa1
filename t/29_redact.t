# 29_redact.t -- no secret from a URL reaches httpd's logs, on the error
# paths as on the happy ones: signed download links (/d/<token>), the
# mailed confirmation and reset tokens (/verify_email?token=,
# /reset_password?token=, /api/client/verify-email?token=) and the OpenID
# Connect authorization code (/oidc/redirect?code=).  Each is sent with a
# bad bearer header (401), a malformed query (400), the wrong method
# (405), a path that is not a route (404), a body over PortalFormMaxSize
# (413), to a <Location> httpd itself refuses (403, mod_authz_core),
# through mod_auth_openidc (401), with a header line httpd cannot parse
# (400 before any module runs), and the right way.  Then the access log,
# a log of every URL item (t/conf/httpd.conf.in: %r %U %q %f and the
# Referer) and the error log must not hold any of them, while the shown
# forms ("/d/[link]", "token=[token]") are there.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use IO::Socket::INET ();
use PortalTest;

my $J = JSON::PP->new->utf8;
my @secrets;                    # [what, secret string]

sub send_req {
    my ($method, $path, %o) = @_;
    my $req = HTTP::Request->new($method => base_url() . $path);
    $req->header(%{ $o{headers} }) if $o{headers};
    if (defined $o{body}) {
        $req->header('Content-Type' => $o{ctype} // 'application/x-www-form-urlencoded');
        $req->content($o{body});
    }
    return ($o{ua} // client())->request($req);
}

# A request whose request line httpd reads but whose header it refuses:
# answered 400 before any module's hook.  Returns the status.
sub raw_bad_header {
    my ($target) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => Apache::Test::vars('port'),
                                  Timeout => 10) or die "connect: $!";
    print $s "GET $target HTTP/1.1\r\nHost: 127.0.0.1\r\nThis is not a header\r\n\r\n";
    my $status = <$s> // '';
    close $s;
    return $status =~ m{^HTTP/1\.\d (\d{3})} ? $1 : 0;
}

# ------------------------------------------------------------ a signed download link
my ($ua, $user) = signed_in();
my $res = upload($ua, [['secret.txt', "the link's file\n"]]);
is($res->code, 201, 'a file to share');
my $id = $J->decode($res->content)->{files}[0]{id};
my $tok = csrf_of($ua, "/files/$id");
$res = post_form($ua, "/files/$id/links", csrf_token => $tok, hours => 2);
my ($link) = $res->decoded_content =~ m{value="https?://[^/"]+(/d/[^"]+)"};
ok($link, 'a download link') or BAIL_OUT('no link');
my ($ltoken) = $link =~ m{^/d/(.+)$};
my ($mac) = $ltoken =~ /\.(.+)$/;
push @secrets, ['the link token', $ltoken], ['the link MAC', $mac];

is(send_req(GET => $link, headers => { Authorization => 'Bearer not-a-token' })->code, 401,
   '/d/<token> with a bad bearer header: 401');
is(send_req(POST => $link, body => 'a=b')->code, 405, 'POST /d/<token>: 405');
is(send_req(GET => "$link/more")->code, 404, '/d/<token>/more: 404');
is(send_req(GET => "$link?x=%zz")->code, 400, '/d/<token> with a malformed query: 400');
is(send_req(GET => "/refused$link")->code, 403, 'to a <Location> httpd refuses: 403 from mod_authz_core');
is(send_req(GET => "/oidc$link")->code, 401, 'below mod_auth_openidc: 401 from it');
is(raw_bad_header($link), 400, 'with a header httpd cannot parse: 400 from httpd');
is(send_req(GET => "/portal$link")->code, 200, 'under the /portal mount: 200');
$res = send_req(GET => $link);
is($res->code, 200, 'the link works');
is($res->header('Referrer-Policy'), 'no-referrer', 'and its answer sends no Referer on');

# ------------------------------------------------------------ a password-reset token
my (undef, $ruser, undef, $rf) = register_user(client());
my $c = client();
$tok = csrf_of($c, '/forgot_password');
is(post_form($c, '/forgot_password', csrf_token => $tok, email => $rf->{email})->code, 200,
   'a reset is asked for');
my ($rmail) = wait_subject($rf->{email}, qr/password/i, 1, 30);
my $rlink = link_in(mail_text($rmail // ''), '/reset_password');
ok($rlink, 'the reset link arrived') or BAIL_OUT('no reset mail');
my ($rtoken) = $rlink =~ /token=([A-Za-z0-9_-]+)/;
push @secrets, ['the reset token', $rtoken];

$res = send_req(GET => "$rlink&%zz");
is($res->code, 400, '/reset_password?token= with a malformed query: 400');
is($res->header('Referrer-Policy'), 'no-referrer', 'the error page sends no Referer on');
is(send_req(POST => "/reset_password?token=$rtoken", body => 'x=' . ('y' x 70000))->code, 413,
   'a body over PortalFormMaxSize: 413');
is(send_req(PUT => $rlink, body => 'x')->code, 405, 'PUT: 405');
is(send_req(GET => "/reset_password/?token=$rtoken")->code, 404, 'a trailing slash: 404');
is(send_req(GET => "/login?Token=$rtoken")->code, 200, 'pasted into another page\'s query');
is(send_req(GET => "/refused$rlink")->code, 403, 'to a <Location> httpd refuses: 403');
is(raw_bad_header($rlink), 400, 'with a header httpd cannot parse: 400');
# what the reset page loads, with the Referer a browser that ignores
# Referrer-Policy sends (httpd serves it: the portal never sees it)
is(send_req(GET => '/portal-static/portal.css', headers => { Referer => base_url() . $rlink })->code,
   200, 'a style sheet with the reset link as Referer');
is(send_req(GET => '/portal-static/missing.css', headers => { Referer => base_url() . $rlink })->code,
   404, 'a missing one (httpd logs the 404 with the Referer)');
$res = send_req(GET => $rlink);
is($res->code, 200, 'the reset link opens its form');
is($res->header('Referrer-Policy'), 'no-referrer', 'which sends no Referer on');

# ------------------------------------------------------------ an email-confirmation token
my (undef, $vuser, undef, $vf) = register_user(client(), verified => 0);
my ($vmail) = wait_mails($vf->{email}, 1, 30);
my $vlink = link_in(mail_text($vmail // ''), '/verify_email');
ok($vlink, 'the confirmation link arrived') or BAIL_OUT('no confirmation mail');
my ($vtoken) = $vlink =~ /token=([A-Za-z0-9_-]+)/;
push @secrets, ['the confirmation token', $vtoken];
is(send_req(GET => "$vlink&%zz")->code, 400, '/verify_email?token= with a malformed query: 400');
is(send_req(POST => $vlink, body => 'a=b')->code, 405, 'POST: 405');
is(send_req(GET => "/verify_email?tok%65n=$vtoken&%zz")->code, 400, 'an encoded parameter name: 400');
is(send_req(GET => $vlink)->code, 303, 'the link confirms the address');
is(send_req(GET => $vlink)->code, 400, 'and is spent');

# ------------------------------------------------------------ the API's confirmation token
my $an = unique_name('redact');
$res = send_req(POST => '/portal/api/client/signup', ctype => 'application/json',
                body => $J->encode({ username => $an, email => "$an\@example.org",
                                     password => 'a long api password 1', first_name => 'R',
                                     last_name => 'D', address => '1 Log Lane' }));
is($res->code, 201, 'an API sign-up that returns its link');
my ($aurl) = ($J->decode($res->content)->{'verify-url'} // '') =~ m{^https?://[^/]+(/.*)$};
my ($atoken) = ($aurl // '') =~ /token=([A-Za-z0-9_-]+)/;
ok($atoken, 'with a token') or BAIL_OUT('no verify-url');
push @secrets, ['the API confirmation token', $atoken];
is(send_req(GET => "$aurl&%zz")->code, 400, '/api/client/verify-email?token= malformed: 400');
is(send_req(POST => $aurl, body => '{}', ctype => 'application/json')->code, 405, 'POST: 405');
is(send_req(GET => $aurl)->code, 200, 'the API link confirms the address');

# ------------------------------------------------------------ the OpenID Connect code
my $code = 'oidc-code-' . unique_name('c') . 'Zq9';
my $state = 'oidc-state-' . unique_name('s') . 'Xk3';
# (mod_auth_openidc's own error message names the state: not ours to hide)
push @secrets, ['the OIDC code', $code];
$res = send_req(GET => "/oidc/redirect?code=$code&state=$state",
                headers => { Accept => 'text/html' });
ok($res->code >= 300, 'mod_auth_openidc answers a forged redirect (' . $res->code . ')');

# ------------------------------------------------------------ the logs
# the access log is written after the response: wait for the last line
my $logs = Apache::Test::vars('t_logs');
sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; return <$fh> }
for (1 .. 50) {
    last if slurp("$logs/url_log") =~ /oidc\/redirect/;
    select(undef, undef, undef, 0.1);
}
my %log = map { $_ => slurp("$logs/$_") } qw(access_log url_log error_log);
for my $name (sort keys %log) {
    for my $s (@secrets) {
        my ($what, $secret) = @$s;
        my @hits = grep { index($_, $secret) >= 0 } split /\n/, $log{$name};
        is(scalar @hits, 0, "$name holds no $what") or diag(join "\n", @hits[0 .. ($#hits < 2 ? $#hits : 2)]);
    }
}
my $u = $log{url_log};
like($u, qr{"GET /d/\[link\] HTTP/1\.1" 401 U=/d/\[link\] }, 'the 401 is logged with the link hidden');
like($u, qr{"POST /d/\[link\] HTTP/1\.1" 405 }, 'the 405 too');
like($u, qr{"GET /refused/d/\[link\] HTTP/1\.1" 403 U=/refused/d/\[link\] },
     'the 403 of mod_authz_core');
like($u, qr{"GET /d/\[link\] HTTP/1\.1" 400 }, 'the 400 httpd gave before any module');
like($u, qr{"GET /reset_password\?token=\[token\] HTTP/1\.1" 400 U=/reset_password Q=\?token=\[token\] },
     'the malformed reset query: 400, path and query hidden');
like($u, qr{"POST /reset_password\?token=\[token\] HTTP/1\.1" 413 }, 'the 413');
like($u, qr{"GET /verify_email\?token=\[token\] HTTP/1\.1" 303 }, 'the confirmation');
like($u, qr{"GET /portal/api/client/verify-email\?token=\[token\] HTTP/1\.1" 200 }, 'the API confirmation');
like($u, qr{"GET /oidc/redirect\?\[redacted\] HTTP/1\.1" \d+ U=/oidc/redirect Q=\?\[redacted\] },
     'the OpenID Connect redirect');
like($u, qr{"GET /login\?token=\[token\] HTTP/1\.1" 200 }, 'a token pasted elsewhere');
like($u, qr{"GET /portal-static/portal\.css HTTP/1\.1" 200 \S+ \S+ \S+ R="http://[^/"]+/reset_password\?token=\[token\]"},
     'a Referer that held a token is logged without it');
like($log{error_log}, qr{AH00128: File does not exist: \S*/missing\.css, referer: http://[^/]+/reset_password\?token=\[token\]},
     'in the error log too');

done_testing();
