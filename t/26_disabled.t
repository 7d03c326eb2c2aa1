# 26_disabled.t -- disabling an account stops what it shared: the signed
# links it made answer 403 (not 200, not a file), what it published is
# hidden from clients (the /files list and page, downloads, the API's list
# and its download links, links the API issued before), and a client's own
# API links stop when the client is disabled, even on a file with public
# links.  Enabling the account brings all of it back.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use PortalTest;
use Ooxml;

my $J = JSON::PP->new->utf8;

sub uuid_of {
    my ($username) = @_;
    return (dbh()->selectrow_array('SELECT uuid FROM users WHERE username_lc = ?', undef, lc $username))[0];
}
sub admin_act {
    my ($admin, $uuid, $what) = @_;
    return post_form($admin, "/admin/users/$uuid/$what",
                     csrf_token => csrf_of($admin, "/admin/users/$uuid"));
}
sub api {
    my ($method, $path, $token, $json) = @_;
    my $r = HTTP::Request->new($method => base_url() . $path);
    $r->header(Authorization => "Bearer $token") if $token;
    $r->header(Accept => 'application/json');
    if ($json) {
        $r->header('Content-Type' => 'application/json');
        $r->content($J->encode($json));
    }
    return client()->request($r);
}
sub body { return eval { $J->decode($_[0]->content) } // {} }
sub path_of { my ($url) = @_; return ($url // '') =~ m{^https?://[^/]+(/.+)$} ? $1 : undef }

my ($admin) = signed_in(role => 'admin');
my ($ops, $ops_name, $ops_pw) = signed_in(role => 'operations');
my ($cweb, $client, $client_pw) = signed_in();
my $ops_uuid = uuid_of($ops_name);
my $client_uuid = uuid_of($client);

# operations publishes a document to every client, and makes a link
my $doc = ooxml_file('docx', text => 'quarterly report');
my $res = upload($ops, [['report.docx', $doc]]);
is($res->code, 201, 'operations uploads a document') or diag $res->content;
my $fid = $J->decode($res->content)->{files}[0]{id};
$res = post_form($ops, "/files/$fid/links", csrf_token => csrf_of($ops, "/files/$fid"), hours => 2);
my ($owner_link) = $res->decoded_content =~ m{value="http://[^"]+(/d/[^"]+)"};
ok($owner_link, 'and a signed link to it');

my $tok = body(api(POST => '/api/client/login', undef, { username => $client, password => $client_pw }))->{access_token};
ok($tok, 'the client signs in to the API');
my $api_link = path_of(body(api(GET => "/api/client/download/$fid", $tok))->{'download-link'});
ok($api_link, 'and gets a download link of its own');

# everything works while the account is enabled
sub sees_everything {
    my ($label) = @_;
    my $dl = get_page(client(), $owner_link);
    is($dl->code, 200, "$label: the owner's link works");
    ok($dl->content eq $doc, "$label: with the file");
    is(api(GET => $api_link, $tok)->code, 200, "$label: the client's API link works");
    my $list = body(api(GET => '/api/client/files?per_page=100', $tok));
    ok((grep { $_->{id} eq $fid } @{ $list->{files} // [] }), "$label: the API lists the file");
    my $nl = body(api(GET => "/api/client/download/$fid", $tok));
    ok($nl->{'download-link'}, "$label: the API issues a new link");
    like(get_page($cweb, '/files')->decoded_content, qr{/files/\Q$fid\E}, "$label: /files lists it");
    is(get_page($cweb, "/files/$fid")->code, 200, "$label: its page opens");
    is(get_page($cweb, "/files/$fid/download")->code, 200, "$label: the client downloads it");
}
sees_everything('enabled');

# --- disable operations: its links stop and its files disappear for clients
is(admin_act($admin, $ops_uuid, 'disable')->code, 303, 'the admin disables the operations account');
$res = get_page(client(), $owner_link);
is($res->code, 403, "a disabled account's link: 403");
like($res->decoded_content, qr/suspended/, 'the page says the link is suspended');
unlike($res->content, qr/quarterly report/, 'and holds no part of the file');
is(get_page(client(), $owner_link, Range => 'bytes=0-9')->code, 403, 'a range neither');
$res = api(GET => $api_link, $tok);
is($res->code, 403, 'a link the API issued before: 403');
is(body($res)->{error}, 'forbidden', 'as JSON to a JSON client');
my $list = body(api(GET => '/api/client/files?per_page=100', $tok));
ok(!(grep { $_->{id} eq $fid } @{ $list->{files} // [] }), 'the API no longer lists the file');
is(api(GET => "/api/client/download/$fid", $tok)->code, 404, 'nor issues a link to it: 404');
unlike(get_page($cweb, '/files')->decoded_content, qr{/files/\Q$fid\E}, '/files no longer lists it');
is(get_page($cweb, "/files/$fid")->code, 404, 'its page: 404');
is(get_page($cweb, "/files/$fid/download")->code, 404, 'its download: 404');

# --- enable it again: all of it comes back
is(admin_act($admin, $ops_uuid, 'enable')->code, 303, 'the admin enables the account again');
sees_everything('enabled again');

# --- a disabled client's own links stop, even on a file with public links
is(login_user($ops, $ops_name, $ops_pw)->code, 303, 'operations signs in again');
$res = post_form($ops, "/files/$fid/publish", csrf_token => csrf_of($ops, "/files/$fid"),
                 audience => 'clients', public_links => 1);
is($res->code, 303, 'operations makes the file\'s links public');
like($res->header('Location') // '', qr/published=1/, 'published');
my $pub = path_of(body(api(GET => "/api/client/download/$fid", $tok))->{'download-link'});
is(get_page(client(), $pub)->code, 200, 'the client\'s link now works for anyone');
is(admin_act($admin, $client_uuid, 'disable')->code, 303, 'the admin disables the client');
is(get_page(client(), $pub)->code, 403, 'its link: 403');
is(admin_act($admin, $client_uuid, 'enable')->code, 303, 'and enables it');
is(get_page(client(), $pub)->code, 200, 'the link works again');

done_testing();
