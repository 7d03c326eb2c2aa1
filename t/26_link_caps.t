# 26_link_caps.t -- rows a caller could make without bound: each
# POST /files/<id>/links and each GET /api/client/download/<id> stores a
# link.  An account holds at most PortalLinkMaxActive active links of each
# kind (3 under /capped, t/conf/extra.conf.in): one more is 429 with
# Retry-After and stores nothing; revoked, expired and used-up links make
# room again.  The default (200) leaves the ordinary pages alone.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use HTTP::Request::Common qw(POST);
use File::Temp qw(tempdir);
use PortalTest;
use Ooxml;

my $J = JSON::PP->new->utf8;
my $T = '/capped';

sub body { return eval { $J->decode($_[0]->content) } // {} }
sub owner_links {
    my ($username) = @_;
    return (dbh()->selectrow_array(
        'SELECT COUNT(*) FROM file_links l JOIN files f ON f.id = l.file_id '
        . 'JOIN users u ON u.id = f.user_id WHERE u.username = ? AND l.user_id IS NULL',
        undef, $username))[0];
}
sub bound_links {
    my ($username) = @_;
    return (dbh()->selectrow_array(
        'SELECT COUNT(*) FROM file_links l JOIN users u ON u.id = l.user_id WHERE u.username = ?',
        undef, $username))[0];
}

# ------------------------------------------------------------ owner links
my ($ua, $user) = signed_in(prefix => $T);
my @ids;
for my $n (1, 2) {
    my $res = upload($ua, [["capped$n.txt", "file $n\n"]], prefix => $T);
    is($res->code, 201, "file $n uploaded") or diag $res->content;
    push @ids, $J->decode($res->content)->{files}[0]{id};
}
sub make_link {
    my ($fid, %f) = @_;
    return post_form($ua, "$T/files/$fid/links", csrf_token => csrf_of($ua, "$T/files/$fid"),
                     hours => 1, %f);
}
is(make_link($ids[0])->code, 200, 'link 1');
is(make_link($ids[0])->code, 200, 'link 2');
is(make_link($ids[1])->code, 200, 'link 3, on the other file');
my $res = make_link($ids[1]);
is($res->code, 429, 'a fourth active link of the account: 429');
like($res->decoded_content, qr/already have 3 active download links/, 'the page says why');
my $ra = $res->header('Retry-After') // '';
ok($ra =~ /^\d+$/ && $ra > 3500 && $ra <= 3600, "Retry-After: when the first expires ($ra)");
is(owner_links($user), 3, 'and nothing was stored');
$res = $ua->request(POST(base_url() . "$T/files/$ids[0]/links", Accept => 'application/json',
                         Content => [csrf_token => csrf_of($ua, "$T/files/$ids[0]"), hours => 1]));
is($res->code, 429, 'JSON: 429');
is(body($res)->{error}, 'too_many_links', 'error "too_many_links"');
is(owner_links($user), 3, 'still three');

# a revoked link makes room
my $html = get_page($ua, "$T/files/$ids[0]")->decoded_content;
my ($rev) = $html =~ m{action="(/capped/files/[^"]+/revoke)"};
is(post_form($ua, $rev, csrf_token => csrf_of($ua, "$T/files/$ids[0]"))->code, 303, 'one revoked');
$res = make_link($ids[0], max_downloads => 1);
is($res->code, 200, 'then a new one fits');
is(make_link($ids[0])->code, 429, 'and the next does not');
# a used-up link makes room
my ($one) = $res->decoded_content =~ m{value="http://[^"]+(/capped/d/[^"]+)"};
is(get_page(client(), $one)->code, 200, 'the one-download link is used');
is(make_link($ids[0])->code, 200, 'used up, it leaves room for another');
# an expired one makes room
dbh()->do('UPDATE file_links SET expires_at = ? WHERE id = (SELECT MIN(l.id) FROM file_links l '
          . 'JOIN files f ON f.id = l.file_id JOIN users u ON u.id = f.user_id '
          . 'WHERE u.username = ? AND l.revoked_at IS NULL)', undef, time - 1, $user);
is(make_link($ids[1])->code, 200, 'expired, it leaves room too');
is(make_link($ids[1])->code, 429, 'three active again: 429');

# revoking makes room at once, so ended links are kept only up to the
# newest three: making and revoking links in a loop cannot pile up rows
dbh()->do('UPDATE file_links SET revoked_at = ? WHERE revoked_at IS NULL AND file_id IN '
          . '(SELECT f.id FROM files f JOIN users u ON u.id = f.user_id WHERE u.username = ?)',
          undef, time, $user);
for (1 .. 10) {
    my $r = make_link($ids[0]);
    is($r->code, 200, 'a link made') or last;
    my ($rv) = $r->decoded_content =~ m{action="(/capped/files/[^"]+/revoke)"};
    post_form($ua, $rv, csrf_token => csrf_of($ua, "$T/files/$ids[0]"));
}
ok(owner_links($user) <= 6, 'ten links made and revoked: at most six rows remain ('
   . owner_links($user) . ')');

# the default leaves ordinary use alone
my ($ua2) = signed_in();
my $f = $J->decode(upload($ua2, [['plain.txt', "x\n"]])->content)->{files}[0]{id};
my @ok = grep { $_ == 200 }
    map { post_form($ua2, "/files/$f/links", csrf_token => csrf_of($ua2, "/files/$f"), hours => 1)->code } 1 .. 5;
is(scalar @ok, 5, 'at the root (PortalLinkMaxActive 200) five links are fine');

# ------------------------------------------------------------ API links
my ($ops) = signed_in(role => 'operations');
my $up = upload($ops, [['shared.docx', ooxml_file('docx')]]);
is($up->code, 201, 'operations publishes a document to the clients') or diag $up->content;
my $doc = $J->decode($up->content)->{files}[0]{id};
my ($c, $cname, $cpw) = signed_in();
my $lr = HTTP::Request->new(POST => base_url() . '/api/client/login');
$lr->header('Content-Type' => 'application/json');
$lr->content($J->encode({ username => $cname, password => $cpw }));
my $tok = body(client()->request($lr))->{access_token};
ok($tok, 'a client token');
sub api_link {
    my ($prefix) = @_;
    my $r = HTTP::Request->new(GET => base_url() . "$prefix/api/client/download/$doc");
    $r->header(Authorization => "Bearer $tok");
    return client()->request($r);
}
for my $n (1 .. 3) {
    is(api_link($T)->code, 200, "API link $n");
}
$res = api_link($T);
is($res->code, 429, 'a fourth active API link for the client: 429');
is(body($res)->{error}, 'too_many_links', 'error "too_many_links"');
like(body($res)->{message}, qr/3 active download links/, 'and why');
$ra = $res->header('Retry-After') // '';
ok($ra =~ /^\d+$/ && $ra > 86000 && $ra <= 86400, "Retry-After: when the first expires ($ra)");
is(bound_links($cname), 3, 'nothing more stored');
{
    # the refusal is the one the OpenAPI document describes
    my $dir = tempdir(CLEANUP => 1);
    my $top = Apache::Test::vars('serverroot') . '/..';
    open(my $fh, '>:raw', "$dir/openapi.json") or die $!;
    print $fh get_page(client(), '/api/openapi.json')->content;
    close $fh;
    open($fh, '>:raw', "$dir/cases.json") or die $!;
    print $fh $J->encode([{ name => 'download: too many links', path => '/api/client/download/{id}',
                            method => 'get', status => 429,
                            content_type => $res->header('Content-Type'),
                            headers => { 'Retry-After' => $res->header('Retry-After') },
                            body => $res->decoded_content }]);
    close $fh;
    my $out = `python3 $top/t/unit/openapi_check.py $dir/openapi.json $dir/cases.json 2>&1`;
    is($?, 0, 'the 429 matches the OpenAPI document') or diag $out;
}
is(api_link($T)->code, 429, 'asking again changes nothing');
is(bound_links($cname), 3, 'still three rows');
dbh()->do('UPDATE file_links SET expires_at = ? WHERE id = (SELECT MIN(l.id) FROM file_links l '
          . 'JOIN users u ON u.id = l.user_id WHERE u.username = ?)', undef, time - 1, $cname);
is(api_link($T)->code, 200, 'an expired one makes room');

done_testing();
