# 07_prefix.t -- the same portal mounted under /portal: links, form
# actions, redirects and cookie paths follow the mount point.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $ua = client();
my $res = get_page($ua, '/portal');
is($res->code, 200, 'GET /portal: the sign-in page');
my $html = $res->decoded_content;
like($html, qr{action="/portal/login"}, 'the form posts under the prefix');
like($html, qr{href="/portal/register"}, 'links stay under the prefix');
unlike($html, qr{href="/(login|register|dashboard)"}, 'no link escapes the prefix');
like($res->header('Set-Cookie') // '', qr{portal_pre=[^;]+; Path=/portal;}, 'pre-session cookie path is /portal');

($res, my $user, my $pw) = register_user($ua, prefix => '/portal');
is($res->code, 303, 'registered under the prefix');
is($res->header('Location'), '/portal/login?registered=1', 'redirect stays under the prefix');

$res = login_user($ua, $user, $pw, '/portal');
is($res->code, 303, 'signed in under the prefix');
is($res->header('Location'), '/portal/dashboard', 'to /portal/dashboard');
my ($sc) = grep { /^portal_session=/ } $res->header('Set-Cookie');
like($sc, qr{Path=/portal;}, 'session cookie path is /portal');

$res = get_page($ua, '/portal/dashboard');
is($res->code, 200, 'the dashboard under the prefix');
$html = $res->decoded_content;
like($html, qr{action="/portal/logout"}, 'sign-out form under the prefix');
like($html, qr{href="/portal/change_password"}, 'change-password link under the prefix');

$res = get_page($ua, '/portal/nowhere');
is($res->code, 404, '404 under the prefix');
like($res->decoded_content, qr{href="/portal/dashboard"}, 'the error page links back under the prefix');

my $tok = csrf_of($ua, '/portal/logout');
$res = post_form($ua, '/portal/logout', csrf_token => $tok);
is($res->header('Location'), '/portal/login?signed_out=1', 'sign-out stays under the prefix');

done_testing();
