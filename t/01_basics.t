# 01_basics.t -- routing, error pages, security headers, static assets.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use PortalTest;

my $ua = client();

my $res = get_page($ua, '/');
is($res->code, 200, 'GET / shows the sign-in page');
like($res->decoded_content, qr/<h1>Sign in<\/h1>/, 'it is the sign-in form');
ok(csrf_from($res->decoded_content), 'the form carries a csrf_token');
like($res->header('Content-Type'), qr{^text/html; charset=utf-8}, 'HTML in UTF-8');

my $csp = $res->header('Content-Security-Policy') // '';
like($csp, qr/frame-ancestors 'none'/, 'CSP forbids framing');
like($csp, qr/script-src 'self'/, 'CSP allows only our own scripts');
unlike($csp, qr/unsafe-inline/, 'CSP has no inline script');
is($res->header('X-Content-Type-Options'), 'nosniff', 'nosniff');
ok($res->header('Referrer-Policy'), 'Referrer-Policy is set');
like($res->header('Cache-Control') // '', qr/no-store/, 'pages are not cached');
like($res->header('Set-Cookie') // '', qr/portal_pre=[^;]+;.*HttpOnly/i,
     'a pre-session cookie backs the form token');

$res = get_page($ua, '/login');
is($res->code, 200, 'GET /login is the sign-in page too');

$res = get_page($ua, '/register');
is($res->code, 200, 'GET /register');
like($res->decoded_content, qr/name="first_name"/, 'registration form has first_name');

$res = get_page($ua, '/no/such/page');
is($res->code, 404, 'unknown path: 404');
like($res->decoded_content, qr/There is no page at this address/, '404 says why');
like($res->decoded_content, qr/<header class="site">/, '404 uses the site layout');
like($res->header('Content-Security-Policy') // '', qr/frame-ancestors/,
     'error pages carry the security headers too');

$res = $ua->request(HTTP::Request->new(PUT => base_url() . '/login'));
is($res->code, 405, 'PUT /login: 405');
is($res->header('Allow'), 'GET, HEAD, POST', 'Allow lists the methods');

$res = $ua->request(HTTP::Request->new(DELETE => base_url() . '/dashboard'));
is($res->code, 405, 'DELETE /dashboard: 405');
is($res->header('Allow'), 'GET, HEAD, POST', 'Allow: GET, HEAD, POST (uploads)');

$res = $ua->request(HTTP::Request->new(POST => base_url() . '/dashboard'));
is($res->code, 303, 'POST /dashboard signed out: to the sign-in page');

$res = $ua->head(base_url() . '/login');
is($res->code, 200, 'HEAD /login');
is($res->content, '', 'HEAD has no body');

$res = get_page($ua, '/nope', Accept => 'application/json');
is($res->code, 404, 'JSON 404');
like($res->header('Content-Type'), qr{^application/json}, 'as JSON');
like($res->content, qr/"error":"not_found"/, 'with an error code');

$res = get_page($ua, '/login?x=%zz');
is($res->code, 400, 'a malformed query string: 400');

$res = get_page($ua, '/portal-static/portal.css');
is($res->code, 200, 'the stylesheet is served');
like($res->header('Content-Type'), qr{^text/css}, 'as CSS');
ok(!defined $res->header('Content-Security-Policy'),
   'by httpd itself, not by the portal');

$res = get_page($ua, '/portal-static/favicon.svg');
is($res->code, 200, 'the icon is served');

$res = get_page($ua, '/dashboard');
is($res->code, 303, 'dashboard without signing in redirects');
is($res->header('Location'), '/login', 'to the sign-in page');

$res = get_page($ua, '/dashboard', Accept => 'application/json');
is($res->code, 401, 'JSON clients get 401 instead');
like($res->content, qr/"error":"unauthorized"/, 'with a JSON error');

if (($ENV{PORTAL_DB} // 'sqlite') eq 'sqlite') {
    my ($mode) = PortalTest::dbh()->selectrow_array('PRAGMA journal_mode');
    is($mode, 'wal', 'SQLite runs in WAL mode');
}
my ($version) = PortalTest::dbh()->selectrow_array('SELECT MAX(version) FROM schema_migrations');
ok($version >= 1, 'the schema was migrated at start-up');

done_testing();
