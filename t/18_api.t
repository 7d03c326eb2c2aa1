# 18_api.t -- the JSON API: operations publish, clients fetch, over JWT.
# The whole operations -> client story; every kind of bad token; role
# escalation attempts; the type checks on what operations upload; hostile
# bodies.  Tokens are forged with the portal's own HS256 key (derived from
# the secret key in the data folder, as the server derives it) so that
# expired and not-yet-valid tokens are otherwise perfect.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use Digest::SHA qw(sha256_hex hmac_sha256);
use MIME::Base64 qw(encode_base64url decode_base64url);
use HTTP::Request ();
use PortalTest;
use Ooxml;

my $J = JSON::PP->new->utf8->canonical;

sub req {
    my ($method, $path, %o) = @_;
    my $ua = $o{ua} // client();
    my $r = HTTP::Request->new($method => ($path =~ /^http/ ? $path : base_url() . $path));
    $r->header(Authorization => "Bearer $o{token}") if defined $o{token};
    $r->header(Authorization => $o{auth}) if defined $o{auth};
    if (defined $o{json}) {
        $r->header('Content-Type' => 'application/json');
        $r->content(ref $o{json} ? $J->encode($o{json}) : $o{json});
    }
    elsif (defined $o{body}) {
        $r->header('Content-Type' => $o{ctype});
        $r->content($o{body});
    }
    return $ua->request($r);
}

sub body { my ($res) = @_; return eval { $J->decode($res->content) } // {} }

sub login {
    my ($kind, $user, $pw) = @_;
    my $res = req(POST => "/api/$kind/login",
                  json => { username => $user, password => $pw });
    return body($res)->{access_token};
}

# an account of a role, confirmed; (username, password)
sub account {
    my ($role) = @_;
    my ($res, $user, $pw) = register_user(client());
    dbh()->do('UPDATE users SET role = ? WHERE username = ?', undef, $role, $user)
        if $role ne 'client';
    return ($user, $pw);
}

sub ops_upload {
    my ($token, $name, $data, @fields) = @_;
    my ($ct, $body) = multipart(@fields, ['file', $data, $name]);
    return req(POST => '/api/ops/upload', token => $token, ctype => $ct, body => $body);
}

sub bearer_error {
    my ($res) = @_;
    return ($res->header('WWW-Authenticate') // '') =~ /^Bearer .*error="invalid_token"/;
}

# ------------------------------------------------------------ sign-in
my ($ops, $ops_pw) = account('operations');
my ($c1, $c1_pw) = account('client');
my ($c2, $c2_pw) = account('client');

my $res = req(POST => '/api/ops/login', json => { username => $ops, password => $ops_pw });
is($res->code, 200, 'operations sign-in: 200') or diag($res->content);
my $t = body($res);
is($t->{token_type}, 'Bearer', 'token_type Bearer');
is($t->{expires_in}, 3600, 'expires_in is PortalJWTLifetime');
like($t->{access_token} // '', qr/^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
is($res->header('Cache-Control'), 'no-store', 'the token is not cached');
my $ops_tok = $t->{access_token};
my $claims = $J->decode(decode_base64url((split /\./, $ops_tok)[1]));
is_deeply([sort keys %$claims], [qw(aud exp iat iss jti role sub)], 'claims: iss aud sub iat exp jti role');
is($claims->{exp} - $claims->{iat}, 3600, 'exp = iat + lifetime');
is($claims->{aud}, 'portal-api', 'aud');
like($claims->{iss}, qr{^http://127\.0\.0\.1:\d+$}, 'iss is the base URL (PortalBaseURL)');

is(req(POST => '/api/ops/login', json => { email => "$ops\@example.org", password => $ops_pw })->code,
   200, 'sign-in by email works too');
$res = req(POST => '/api/ops/login', json => { username => $ops, password => 'wrong password 1' });
is($res->code, 401, 'wrong password: 401');
is(body($res)->{message}, 'Incorrect username or password.', 'and why');
is(req(POST => '/api/ops/login', json => { username => 'nobody-here', password => 'x' })->code,
   401, 'unknown user: 401');
$res = req(POST => '/api/ops/login', json => { username => $c1, password => $c1_pw });
is($res->code, 403, 'a client on the operations sign-in: 403');
like(body($res)->{message}, qr/not an operations account/, 'and why');
is(req(POST => '/api/client/login', json => { username => $ops, password => $ops_pw })->code,
   403, 'operations on the client sign-in: 403');
my $c1_tok = login('client', $c1, $c1_pw);
my $c2_tok = login('client', $c2, $c2_pw);
ok($c1_tok && $c2_tok, 'clients sign in');
# a web page can make a browser POST a form anywhere: the API takes JSON only
$res = req(POST => '/api/client/login', body => "username=$c1&password=" . ($c1_pw =~ s/ /+/gr),
           ctype => 'application/x-www-form-urlencoded');
is($res->code, 415, 'an urlencoded sign-in: 415');
is(body($res)->{error}, 'unsupported_media_type', 'as JSON');
ok(!exists body($res)->{access_token}, 'and no token');

# hostile bodies
$res = req(POST => '/api/client/login', json => '{"username": "a", "password": ');
is($res->code, 400, 'truncated JSON: 400');
like(body($res)->{message}, qr/not valid JSON/, 'and why');
is(body($res)->{error}, 'bad_request', 'error code');
is(req(POST => '/api/client/login', json => '["a"]')->code, 400, 'not an object: 400');
is(req(POST => '/api/client/login', json => { username => $c1, password => [1] })->code, 400, 'a non-string field: 400');
is(req(POST => '/api/client/login', json => '{"username":"a","username":"b","password":"x"}')->code,
   400, 'a repeated key: 400');
is(req(POST => '/api/client/login', body => '<x/>', ctype => 'text/xml')->code, 415, 'XML: 415');
$res = req(POST => '/api/client/login', json => { username => $c1, password => 'x' x 70000 });
is($res->code, 413, 'a body over PortalFormMaxSize: 413');
is(body($res)->{error}, 'payload_too_large', 'as JSON');
is(req(POST => '/api/client/login', json => {})->code, 400, 'no fields: 400');
is(req(GET => '/api/client/login')->code, 405, 'GET on a POST route: 405');
$res = req(GET => '/api/nothing-here');
is($res->code, 404, 'an unknown API path: 404');
is(body($res)->{error}, 'not_found', 'as JSON');

# ------------------------------------------------------------ upload and its type checks
my %office = map { $_ => ooxml_file($_, text => "API $_") } qw(docx xlsx pptx);
my %meta;
for my $kind (qw(docx xlsx pptx)) {
    $res = ops_upload($ops_tok, "report.$kind", $office{$kind});
    is($res->code, 201, "a genuine .$kind: 201") or diag($res->content);
    my $m = body($res);
    is($m->{sha256}, sha256_hex($office{$kind}), "its SHA-256 ($kind)");
    is($m->{size}, length $office{$kind}, "its size ($kind)");
    is($m->{audience}, 'clients', "published to every client by default ($kind)");
    is($m->{public_links}, JSON::PP::false, 'links bound to their client by default');
    like($m->{id}, qr/^[0-9a-f-]{36}$/, 'a uuid');
    $meta{$kind} = $m;
}
my ($files_before) = dbh()->selectrow_array('SELECT COUNT(*) FROM files');
my ($pending_before) = dbh()->selectrow_array('SELECT COUNT(*) FROM store_pending');
for my $bad (['an .exe named .docx', 'report.docx', fake_exe()],
             ['a zip without the main part', 'slides.pptx', zip_without_main('pptx')],
             ['a zip without the main part (docx)', 'letter.docx', zip_without_main('docx')]) {
    $res = ops_upload($ops_tok, $bad->[1], $bad->[2]);
    is($res->code, 415, "$bad->[0]: 415");
    like(body($res)->{message}, qr/does not match/, 'because the content does not match');
}
$res = ops_upload($ops_tok, 'notes.pdf', "%PDF-1.4\n%%EOF\n");
is($res->code, 415, 'a PDF from operations: 415 (docx pptx xlsx only)');
like(body($res)->{message}, qr/allowed: docx pptx xlsx/, 'and what is allowed');
$res = ops_upload($ops_tok, 'x.docx', $office{docx}, ['file', $office{docx}, 'y.docx']);
is($res->code, 400, 'two files in one API upload: 400');
$res = req(POST => '/api/ops/upload', token => $ops_tok, json => { file => 'x' });
is($res->code, 415, 'not multipart: 415');
my ($ct, $cut) = multipart(['file', $office{docx}, 'cut.docx']);
$res = req(POST => '/api/ops/upload', token => $ops_tok, ctype => $ct,
           body => substr($cut, 0, length($cut) - 30));
is($res->code, 400, 'a truncated upload: 400');
$res = ops_upload($ops_tok, 'n.docx', $office{docx}, ['audience', 'named'], ['clients', 'no-such-client']);
is($res->code, 400, 'publishing to an unknown client: 400');
like(body($res)->{message}, qr/no client account called "no-such-client"/, 'and which');
is(ops_upload($ops_tok, 'a.docx', $office{docx}, ['audience', 'everyone'])->code, 400, 'an unknown audience: 400');
my ($files_after) = dbh()->selectrow_array('SELECT COUNT(*) FROM files');
my ($pending_after) = dbh()->selectrow_array('SELECT COUNT(*) FROM store_pending');
is($files_after, $files_before, 'no refused upload left a file');
is($pending_after, $pending_before, 'nor an object in flight');

# published to c1 only, and one with public links
$res = ops_upload($ops_tok, 'only-c1.docx', $office{docx}, ['audience', 'named'], ['clients', "$c1, $c1"]);
is($res->code, 201, 'published to a named client') or diag($res->content);
my $named = body($res);
is_deeply($named->{clients}, [$c1], 'to that client');
$res = ops_upload($ops_tok, 'public.xlsx', $office{xlsx}, ['public_links', 'true']);
is($res->code, 201, 'published with public links');
my $public = body($res);
$res = ops_upload($ops_tok, 'private.docx', $office{docx}, ['audience', 'private']);
my $private = body($res);
is($private->{audience}, 'private', 'kept private');

# ------------------------------------------------------------ what clients see
$res = req(GET => '/api/client/files', token => $c1_tok);
is($res->code, 200, 'client file list: 200');
my $list = body($res);
my %seen1 = map { $_->{id} => $_ } @{ $list->{files} };
ok($seen1{ $meta{$_}{id} }, "c1 sees the $_") for qw(docx xlsx pptx);
ok($seen1{ $named->{id} }, 'c1 sees the file published to it');
ok($seen1{ $public->{id} }, 'c1 sees the public-link file');
ok(!$seen1{ $private->{id} }, 'c1 does not see the private file');
is($seen1{ $meta{docx}{id} }{owner}, $ops, 'with who published it');
is($seen1{ $meta{docx}{id} }{sha256}, sha256_hex($office{docx}), 'and its SHA-256');
my %seen2 = map { $_->{id} => 1 } @{ body(req(GET => '/api/client/files', token => $c2_tok))->{files} };
ok(!$seen2{ $named->{id} }, 'c2 does not see the file published to c1');
ok($seen2{ $meta{docx}{id} }, 'but sees what went to every client');

my $total = $list->{total};
$res = req(GET => '/api/client/files?per_page=2&page=2', token => $c1_tok);
my $p2 = body($res);
is($p2->{per_page}, 2, 'per_page');
is($p2->{page}, 2, 'page');
is($p2->{pages}, int(($total + 1) / 2), 'pages');
is(scalar @{ $p2->{files} }, 2, 'two on page 2');
is($p2->{files}[0]{id}, $list->{files}[2]{id}, 'page 2 starts with the third newest');
is(req(GET => '/api/client/files?page=0', token => $c1_tok)->code, 400, 'page=0: 400');
is(req(GET => '/api/client/files?per_page=101', token => $c1_tok)->code, 400, 'per_page over 100: 400');
is(req(GET => '/api/client/files?page=x%27%20OR%201=1', token => $c1_tok)->code, 400, 'SQL in page: 400');
{
    my $past = body(req(GET => '/api/client/files?page=99', token => $c1_tok));
    is(scalar @{ $past->{files} }, 0, 'a page past the end is empty');
    is($past->{total}, $total, 'and still says how many there are');
}
is(body(req(GET => '/api/client/files?per_page=1', token => $c1_tok))->{total}, $total,
   'the total does not depend on the page size');

# ------------------------------------------------------------ download links
$res = req(GET => "/api/client/download/$meta{docx}{id}", token => $c1_tok);
is($res->code, 200, 'a download link: 200');
my $dl = body($res);
is($dl->{message}, 'success', 'message success');
like($dl->{'download-link'}, qr{^http://[^/]+/d/[0-9a-f-]{36}\.[\w-]+$}, 'an absolute link');
my $link = $dl->{'download-link'};
$res = req(GET => $link, token => $c1_tok);
is($res->code, 200, 'the link with its client\'s token: 200');
is(sha256_hex($res->content), sha256_hex($office{docx}), 'streams the exact file');
$res = req(GET => $link);
is($res->code, 401, 'the link without a token or session: 401');
unlike($res->content, qr/PK\x03\x04/, 'and not a byte of the file');
$res = req(GET => $link, token => $c2_tok);
is($res->code, 403, 'another client reusing the link: 403') or diag($res->content);
like($res->content, qr/^\{"error":"forbidden","message":"This link was issued to another account\."\}\n\z/,
     'says why, and nothing else');
is(req(GET => $link, token => $ops_tok)->code, 403, 'even its publisher may not use a client\'s link');
{
    my $web = client();
    login_user($web, $c1, $c1_pw)->code == 303 or die;
    (my $path = $link) =~ s{^https?://[^/]+}{};
    is(get_page($web, $path)->code, 200, 'the link with its client\'s web session: 200');
    my $other = client();
    login_user($other, $c2, $c2_pw);
    is(get_page($other, $path)->code, 403, 'another client\'s web session: 403');
}
(my $forged = $link) =~ s/([\w-])$/$1 eq 'A' ? 'B' : 'A'/e;
$res = req(GET => $forged, token => $c1_tok);
is($res->code, 404, 'a forged link: 404') or diag($forged, $res->content);
$res = req(GET => "/api/client/download/$public->{id}", token => $c1_tok);
is(req(GET => body($res)->{'download-link'})->code, 200, 'a link to a public-link file works for anyone');
is(req(GET => "/api/client/download/$named->{id}", token => $c2_tok)->code, 404,
   'a link to a file not published to the client: 404');
is(req(GET => "/api/client/download/$private->{id}", token => $c1_tok)->code, 404, 'nor a private one');
is(req(GET => '/api/client/download/00000000-0000-4000-8000-000000000000', token => $c1_tok)->code,
   404, 'an unknown id: 404');
is(req(GET => "/api/client/download/..%2f..%2fetc%2fpasswd", token => $c1_tok)->code, 404, 'a path: 404');
# unpublished after the link was issued: the link stops working
$res = req(GET => "/api/client/download/$named->{id}", token => $c1_tok);
my $named_link = body($res)->{'download-link'};
dbh()->do(q{UPDATE files SET audience = 'private' WHERE uuid = ?}, undef, $named->{id});
$res = req(GET => $named_link, token => $c1_tok);
is($res->code, 410, 'unpublished: the client\'s link is gone (410)');
unlike($res->content, qr/PK\x03\x04/, 'and not a byte of the file');

# ------------------------------------------------------------ roles
$res = ops_upload($c1_tok, 'mine.docx', $office{docx});
is($res->code, 403, 'a client uploading: 403');
is(body($res)->{message}, 'Your account may not upload files.', 'and why');
is(req(GET => '/api/client/files', token => $ops_tok)->code, 403, 'operations on the client list: 403');
{
    my $web = client();
    login_user($web, $c1, $c1_pw);
    is($web->get(base_url() . '/admin')->code, 403, 'a client on /admin: 403');
    is(req(GET => '/api/client/files', ua => $web)->code, 401,
       'the API never takes the session cookie');
    # the product's default at /share: clients may not upload there
    my ($uct, $ubody) = multipart(['csrf_token', csrf_of($web, '/share/files')],
                                  ['file', 'hello', 'hello.txt']);
    is(post_raw($web, '/share/upload', $uct, $ubody)->code, 403, 'a client uploading on the web: 403');
    unlike(get_page($web, '/share/files')->decoded_content, qr/id="upload-form"/,
           'and is not offered the upload form');
    my $fl = get_page($web, '/share/files')->decoded_content;
    like($fl, qr/Shared with you/, 'the files page lists what is shared with the client');
    like($fl, qr{href="/share/files/$meta{pptx}{id}"}, 'with a link to each file');
    unlike($fl, qr{/files/$private->{id}"}, 'but not the private one');
    unlike($fl, qr/id="no-files"/, 'and no empty "your files" section');
    my $fp = get_page($web, "/share/files/$meta{pptx}{id}");
    is($fp->code, 200, 'a published file\'s page for the client');
    like($fp->decoded_content, qr/Shared with you by \Q$ops\E/, 'says who shared it');
    unlike($fp->decoded_content, qr{/rename"}, 'without rename');
    is(get_page($web, "/share/files/$private->{id}")->code, 404, 'a private file\'s page: 404');
    my $d = get_page($web, "/share/files/$meta{pptx}{id}/download");
    is(sha256_hex($d->content), sha256_hex($office{pptx}), 'the client downloads it on the web');
    is(post_form($web, "/share/files/$meta{pptx}{id}/delete",
                 csrf_token => csrf_of($web, '/share/files'))->code, 403,
       'a client cannot delete it');
    my ($still) = dbh()->selectrow_array('SELECT COUNT(*) FROM files WHERE uuid = ?', undef, $meta{pptx}{id});
    is($still, 1, 'it is still there');
}
{
    my $web = client();
    login_user($web, $ops, $ops_pw);
    my ($uct, $ubody) = multipart(['csrf_token', csrf_of($web, '/share/files')],
                                  ['audience', 'private'], ['file', $office{docx}, 'web.docx']);
    my $r = post_raw($web, '/share/upload', $uct, $ubody, Accept => 'application/json');
    is($r->code, 201, 'operations upload on the web');
    my $id = body($r)->{files}[0]{id};
    ok(!grep({ $_->{id} eq $id } @{ body(req(GET => '/api/client/files?per_page=100', token => $c2_tok))->{files} }),
       'chosen private: clients do not see it');
    $r = post_form($web, "/share/files/$id/publish", csrf_token => csrf_of($web, "/share/files/$id"),
                   audience => 'named', clients => "$c2\@example.org");
    is($r->code, 303, 'published on its page to a client by email');
    ok(grep({ $_->{id} eq $id } @{ body(req(GET => '/api/client/files?per_page=100', token => $c2_tok))->{files} }),
       'that client sees it now');
    is(post_form($web, "/share/files/$id/publish", audience => 'clients')->code, 403,
       'publishing without the CSRF token: 403');
    my ($uid) = dbh()->selectrow_array('SELECT uuid FROM users WHERE username = ?', undef, $ops);
    is(post_form($web, "/admin/users/$uid/role", csrf_token => csrf_of($web, '/files'),
                 role => 'admin')->code, 403, 'operations promoting itself: 403');
    my ($role) = dbh()->selectrow_array('SELECT role FROM users WHERE username = ?', undef, $ops);
    is($role, 'operations', 'still operations');
}

# ------------------------------------------------------------ bad tokens
my ($secret) = do {
    local $/;
    open(my $fh, '<:raw', "$ENV{PORTAL_DATA_DIR}/keys/secret.key") or die $!;
    <$fh>;
};
# the HS256 key the portal derives from its secret (purpose jwt-hs256-key)
my $hs_key = portal_mac('jwt-hs256-key');
sub forge {
    my (%c) = @_;
    my $alg = delete $c{_alg} // 'HS256';
    my $key = delete $c{_key} // $hs_key;
    my $h = encode_base64url($J->encode({ alg => $alg, typ => 'JWT' }));
    my $p = encode_base64url($J->encode({ %$claims, jti => unique_name('jti'), %c }));
    my $sig = $alg eq 'none' ? '' : encode_base64url(hmac_sha256("$h.$p", $key));
    return "$h.$p.$sig";
}
my $now = time;
is(req(GET => '/api/client/files', token => forge(sub => body_sub($c1_tok), iat => $now, exp => $now + 60))->code,
   200, 'a token forged with the right key is accepted (the forging is right)');
sub body_sub { return $J->decode(decode_base64url((split /\./, $_[0])[1]))->{sub} }
my $c1_sub = body_sub($c1_tok);
my %bad = (
    'no token' => undef,
    'alg none' => forge(sub => $c1_sub, _alg => 'none'),
    'alg swapped to HS512' => forge(sub => $c1_sub, _alg => 'HS512'),
    'alg swapped to RS256' => forge(sub => $c1_sub, _alg => 'RS256'),
    'a bad signature' => do {
        my ($h, $p, $s) = split /\./, $c1_tok;
        substr($s, 10, 1) = substr($s, 10, 1) eq 'A' ? 'B' : 'A';
        "$h.$p.$s";
    },
    'a tampered sub' => do {
        my ($h, $p, $s) = split /\./, $c1_tok;
        my $c = $J->decode(decode_base64url($p));
        $c->{sub} = body_sub($c2_tok);
        join('.', $h, encode_base64url($J->encode($c)), $s);
    },
    'expired' => forge(sub => $c1_sub, iat => $now - 7200, exp => $now - 3600),
    'not yet valid' => forge(sub => $c1_sub, iat => $now, nbf => $now + 3600, exp => $now + 7200),
    'another audience' => forge(sub => $c1_sub, aud => 'other-api', iat => $now, exp => $now + 60),
    'another issuer' => forge(sub => $c1_sub, iss => 'https://evil.example', iat => $now, exp => $now + 60),
    'another key' => forge(sub => $c1_sub, _key => 'k' x 43, iat => $now, exp => $now + 60),
    # the HS256 key as derived before purpose-labelled MACs: a portal
    # whose secret is younger than the labels accepts no token under it
    'the key derived the earlier way' => forge(sub => $c1_sub, iat => $now - 60, exp => $now + 60,
        _key => encode_base64url(hmac_sha256('mod_portal jwt HS256', $secret))),
    'garbage' => 'not.a.jwt',
);
for my $case (sort keys %bad) {
    $res = req(GET => '/api/client/files', token => $bad{$case});
    is($res->code, 401, "$case: 401");
    if (defined $bad{$case}) {
        ok(bearer_error($res), "$case: WWW-Authenticate: Bearer error=\"invalid_token\"")
            or diag($res->header('WWW-Authenticate'));
        is(body($res)->{error}, 'invalid_token', "$case: error invalid_token");
    }
    else {
        like($res->header('WWW-Authenticate') // '', qr/^Bearer realm="portal"$/, 'no token: Bearer realm');
    }
}
like(body(req(GET => '/api/client/files', token => $bad{expired}))->{message}, qr/expired/, 'says expired');
{
    my ($changed) = dbh()->selectrow_array('SELECT password_changed_at FROM users WHERE username = ?', undef, $c1);
    is(req(GET => '/api/client/files', token => forge(sub => $c1_sub, iat => $changed, exp => time - 20))->code,
       200, 'expired within the leeway (30 s): accepted');
}

# issued before a password change
{
    my ($u, $pw) = account('client');
    my $old = login('client', $u, $pw);
    sleep 1;
    my $web = client();
    login_user($web, $u, $pw);
    my $r = post_form($web, '/change_password', csrf_token => csrf_of($web, '/change_password'),
                      current_password => $pw, new_password => 'another horse 2',
                      confirm_password => 'another horse 2');
    is($r->code, 303, 'the password is changed on the web');
    $r = req(GET => '/api/client/files', token => $old);
    is($r->code, 401, 'a token issued before the change: 401');
    like(body($r)->{message}, qr/password was changed/, 'says why');
    is(req(GET => '/api/client/files', token => login('client', $u, 'another horse 2'))->code, 200,
       'a new token works');
}
# disabled and deleted accounts
{
    my ($u, $pw) = account('client');
    my $tok = login('client', $u, $pw);
    dbh()->do('UPDATE users SET disabled_at = 1 WHERE username = ?', undef, $u);
    $res = req(GET => '/api/client/files', token => $tok);
    is($res->code, 401, 'a disabled account\'s token: 401');
    like(body($res)->{message}, qr/disabled/, 'says why');
    is(req(POST => '/api/client/login', json => { username => $u, password => $pw })->code, 403,
       'a disabled account cannot sign in');
    dbh()->do('DELETE FROM users WHERE username = ?', undef, $u);
    $res = req(GET => '/api/client/files', token => $tok);
    is($res->code, 401, 'a deleted account\'s token: 401');
    like(body($res)->{message}, qr/no longer exists/, 'says why');
}
# sign-out revokes the token
$res = req(POST => '/api/logout', token => $c2_tok);
is($res->code, 200, 'sign-out: 200');
$res = req(GET => '/api/client/files', token => $c2_tok);
is($res->code, 401, 'the signed-out token: 401');
like(body($res)->{message}, qr/signed out/, 'says why');
ok(bearer_error($res), 'invalid_token');
my ($deny) = dbh()->selectrow_array('SELECT expires_at FROM jwt_revoked WHERE jti = ?', undef,
                                    $J->decode(decode_base64url((split /\./, $c2_tok)[1]))->{jti});
ok($deny && $deny > time, 'its jti is denied until it would have expired');
is(req(POST => '/api/logout')->code, 401, 'sign-out without a token: 401');
is(req(GET => '/api/client/files', token => $c1_tok)->code, 200, 'other tokens still work');

# ------------------------------------------------------------ sign-up over the API
{
    my $u = unique_name('apiu');
    my %f = (username => $u, email => "$u\@example.org", password => 'correct horse 3',
             first_name => 'Grace', last_name => 'Hopper', address => '1 Harbor Rd');
    $res = req(POST => '/api/client/signup', json => \%f);
    is($res->code, 201, 'API sign-up: 201') or diag($res->content);
    ok(!exists body($res)->{'verify-url'}, 'no verify-url unless the site enables it');
    is(req(POST => '/api/client/login', json => { username => $u, password => $f{password} })->code,
       403, 'not confirmed yet: 403');
    my ($m) = wait_mails($f{email}, 1);
    my $path = link_in($m, '/verify_email');
    ok($path, 'the link was mailed');
    my ($tok) = ($path // '') =~ /token=([\w-]+)/;
    $res = req(GET => "/api/client/verify-email?token=$tok");
    is($res->code, 200, 'verify-email: 200');
    like(body($res)->{message}, qr/confirmed/, 'confirmed');
    is(req(GET => "/api/client/verify-email?token=$tok")->code, 400, 'a used token: 400');
    is(req(GET => '/api/client/verify-email?token=forged')->code, 400, 'a forged token: 400');
    my ($role) = dbh()->selectrow_array('SELECT role FROM users WHERE username = ?', undef, $u);
    is($role, 'client', 'a self sign-up is a client');
    ok(login('client', $u, $f{password}), 'signs in after confirming');

    $res = req(POST => '/api/client/signup', json => \%f);
    is($res->code, 409, 'the same again: 409');
    ok(body($res)->{fields}{username}, 'names the field');
    $res = req(POST => '/api/client/signup', json => { %f, username => "<b>'; DROP TABLE users; --", email => 'bad' });
    is($res->code, 400, 'invalid fields: 400');
    ok(body($res)->{fields}{username} && body($res)->{fields}{email}, 'names them');
    my $r = unique_name('r');
    $res = req(POST => '/api/client/signup', json => { %f, username => $r, email => "$r\@example.org", role => 'admin' });
    is($res->code, 201, 'a sign-up asking for the admin role');
    ($role) = dbh()->selectrow_array('SELECT role FROM users WHERE username = ?', undef, $r);
    is($role, 'client', 'still gets a client account');

    # the API under /portal returns the link instead (PortalAPIReturnVerifyURL On)
    my $v = unique_name('apiv');
    my $before = scalar mails_to("$v\@example.org");
    $res = req(POST => '/portal/api/client/signup', json => { %f, username => $v, email => "$v\@example.org" });
    is($res->code, 201, 'sign-up where the link is returned: 201');
    my $url = body($res)->{'verify-url'} // '';
    like($url, qr{^http://[^/]+/portal/api/client/verify-email\?token=[\w-]+$}, 'verify-url');
    is(req(GET => $url)->code, 200, 'following it confirms the address');
    ok(login('client', $v, $f{password}), 'and the account signs in');
    sleep 2;
    is(scalar mails_to("$v\@example.org"), $before, 'no mail was sent');
}

# ------------------------------------------------------------ HEAD and methods
is(req(DELETE => '/api/client/files', token => $c1_tok)->code, 405, 'DELETE: 405');

# the session-cleanup job forgets denied jtis once their tokens expired
dbh()->do('INSERT INTO jwt_revoked (jti, expires_at) VALUES (?, ?)', undef, 'old-jti', time - 3600);
my $gone = 0;
for (1 .. 40) {
    ($gone) = dbh()->selectrow_array(q{SELECT COUNT(*) = 0 FROM jwt_revoked WHERE jti = 'old-jti'});
    last if $gone;
    select(undef, undef, undef, 0.25);
}
ok($gone, 'expired deny-list entries are purged');
{
    # and the links the API issued, a day after they expired
    my ($n) = dbh()->selectrow_array('SELECT COUNT(*) FROM file_links WHERE user_id IS NOT NULL');
    ok($n > 0, "$n client links were issued");
    dbh()->do('UPDATE file_links SET expires_at = ? WHERE user_id IS NOT NULL', undef, time - 90000);
    my $left = $n;
    for (1 .. 40) {
        ($left) = dbh()->selectrow_array('SELECT COUNT(*) FROM file_links WHERE user_id IS NOT NULL');
        last unless $left;
        select(undef, undef, undef, 0.25);
    }
    is($left, 0, 'client links a day past their expiry are purged');
}
my ($kept) = dbh()->selectrow_array('SELECT COUNT(*) FROM jwt_revoked WHERE expires_at > ?', undef, time);
ok($kept >= 1, 'live ones are kept');

done_testing();
