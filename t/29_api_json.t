# 29_api_json.t -- the JSON API takes JSON bodies only.  A web page can
# make a visitor's browser POST urlencoded, text/plain or multipart bodies
# anywhere without asking (no CORS preflight), but never
# application/json: so every API POST refuses the other types with 415 (a
# JSON error) and stores nothing -- no account from /api/client/signup,
# no sign-in recorded, no token revoked -- except the multipart upload,
# which needs the bearer token (401 without it, which a page cannot add).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use URI ();
use PortalTest;
use Ooxml;

my $J = JSON::PP->new->utf8->canonical;

sub api {
    my ($path, %o) = @_;
    my $r = HTTP::Request->new(POST => base_url() . $path);
    $r->header(Authorization => "Bearer $o{token}") if defined $o{token};
    $r->header(Origin => 'https://evil.example') if $o{cross_site};
    if (defined $o{ctype}) {
        $r->header('Content-Type' => $o{ctype});
    }
    $r->content($o{body} // '');
    $r->header('Content-Length' => length($o{body} // ''));
    return client()->request($r);
}

sub body { my ($res) = @_; return eval { $J->decode($res->content) } // {} }

sub accounts_named {
    my ($name) = @_;
    return dbh()->selectrow_array('SELECT COUNT(*) FROM users WHERE username_lc = ?', undef, lc $name);
}

# the three bodies a page can send without a preflight
sub page_bodies {
    my (%fields) = @_;
    my $u = URI->new('http://x/');
    $u->query_form(map { $_ => $fields{$_} } sort keys %fields);
    my ($mct, $mbody) = multipart(map { [$_, $fields{$_}] } sort keys %fields);
    return (['urlencoded', 'application/x-www-form-urlencoded', $u->query],
            ['text/plain', 'text/plain', join("\n", map { "$_=$fields{$_}" } sort keys %fields)],
            ['multipart', $mct, $mbody]);
}

sub refused_as_json {
    my ($res, $what) = @_;
    is($res->code, 415, "$what: 415") or diag($res->decoded_content);
    like($res->header('Content-Type') // '', qr{^application/json}, "$what: a JSON answer");
    is(body($res)->{error}, 'unsupported_media_type', "$what: error unsupported_media_type");
}

# ------------------------------------------------------------ sign-up
for my $prefix ('', '/portal') {
    for my $b (page_bodies()) {
        my ($kind, $ct) = @$b;
        my $name = unique_name('xsite');
        my %f = (username => $name, email => "$name\@example.org", password => 'a long password 12',
                 first_name => 'Eve', last_name => 'Site', address => '1 Evil Way');
        my ($body) = map { $_->[2] } grep { $_->[0] eq $kind } page_bodies(%f);
        refused_as_json(api("$prefix/api/client/signup", ctype => $ct, body => $body, cross_site => 1),
                        "$prefix/api/client/signup as $kind");
        is(accounts_named($name), 0, "$prefix/api/client/signup as $kind: no account");
    }
}
refused_as_json(api('/api/client/signup', body => '{"username":"x"}'), 'sign-up without a Content-Type');
refused_as_json(api('/api/client/signup', ctype => 'application/json-patch+json', body => '{}'),
                'sign-up as another JSON-ish type');
my $ok = unique_name('json');
my $res = api('/api/client/signup', ctype => 'application/json; charset=utf-8',
              body => $J->encode({ username => $ok, email => "$ok\@example.org", password => 'a long password 12',
                                   first_name => 'Jay', last_name => 'Son', address => '2 Brace St' }));
is($res->code, 201, 'sign-up as application/json (with a charset): 201') or diag($res->decoded_content);
is(accounts_named($ok), 1, 'and the account exists');
dbh()->do('UPDATE users SET email_verified_at = created_at WHERE username = ?', undef, $ok);

# ------------------------------------------------------------ sign-in
my ($ops, $ops_pw) = do {
    my ($r, $u, $p) = register_user(client());
    dbh()->do("UPDATE users SET role = 'operations' WHERE username = ?", undef, $u);
    ($u, $p);
};
my %logins = ('/api/client/login' => [$ok, 'a long password 12'], '/api/ops/login' => [$ops, $ops_pw]);
for my $path (sort keys %logins) {
    my ($user, $pw) = @{ $logins{$path} };
    my $before = dbh()->selectrow_array('SELECT last_login_at FROM users WHERE username = ?', undef, $user);
    for my $b (page_bodies(username => $user, password => $pw)) {
        my ($kind, $ct, $body) = @$b;
        my $r = api($path, ctype => $ct, body => $body);
        refused_as_json($r, "$path as $kind");
        ok(!exists body($r)->{access_token}, "$path as $kind: no token");
    }
    is(dbh()->selectrow_array('SELECT last_login_at FROM users WHERE username = ?', undef, $user),
       $before, "$path: no sign-in was recorded");
    $res = api($path, ctype => 'application/json', body => $J->encode({ username => $user, password => $pw }));
    is($res->code, 200, "$path as JSON: 200");
}
my $ctoken = body(api('/api/client/login', ctype => 'application/json',
                      body => $J->encode({ username => $ok, password => 'a long password 12' })))->{access_token};
my $otoken = body(api('/api/ops/login', ctype => 'application/json',
                      body => $J->encode({ username => $ops, password => $ops_pw })))->{access_token};
ok($ctoken && $otoken, 'tokens for the rest');

# ------------------------------------------------------------ sign-out
for my $b (page_bodies(x => '1')) {
    my ($kind, $ct, $body) = @$b;
    refused_as_json(api('/api/logout', token => $ctoken, ctype => $ct, body => $body),
                    "/api/logout as $kind");
}
is(client()->get(base_url() . '/api/client/files', Authorization => "Bearer $ctoken")->code, 200,
   'the token was not revoked');
is(api('/api/logout', token => $ctoken)->code, 200, 'a sign-out without a body: 200');
is(client()->get(base_url() . '/api/client/files', Authorization => "Bearer $ctoken")->code, 401,
   'now the token is revoked');

# ------------------------------------------------------------ the upload: multipart, with the token
my $docx = ooxml_file('docx', text => 'json only');
my ($mct, $mbody) = multipart(['file', $docx, 'page.docx']);
my $files = sub { dbh()->selectrow_array('SELECT COUNT(*) FROM files f JOIN users u ON u.id = f.user_id '
                                         . 'WHERE u.username = ?', undef, $ops) };
$res = api('/api/ops/upload', ctype => $mct, body => $mbody, cross_site => 1);
is($res->code, 401, 'a multipart upload without the bearer token: 401');
like($res->header('WWW-Authenticate') // '', qr/^Bearer/, 'asking for it');
for my $b (page_bodies(file => 'x')) {
    my ($kind, $ct, $body) = @$b;
    next if $kind eq 'multipart';
    is(api('/api/ops/upload', ctype => $ct, body => $body)->code, 401, "upload as $kind without a token: 401");
    refused_as_json(api('/api/ops/upload', token => $otoken, ctype => $ct, body => $body),
                    "upload as $kind with the token");
}
is($files->(), 0, 'nothing was stored');
is(api('/api/ops/upload', token => $otoken, ctype => $mct, body => $mbody)->code, 201,
   'multipart with the token: 201');
is($files->(), 1, 'one file stored');

done_testing();
