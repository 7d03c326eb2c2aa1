# 14_links.t -- signed download links: made by the owner on the file page,
# working without a session, bound to their file and expiry, limited in
# downloads (a byte allowance: max_downloads x the file's size, in any mix
# of whole downloads and ranges; t/26_link_bytes.t tries to get around it),
# revocable, and never in the access log.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use POSIX ();
use PortalTest;

my $J = JSON::PP->new->utf8;
my ($ua, $user) = signed_in();
my $data = join('', map { chr($_ % 251) } 1 .. 200000);
my $res = upload($ua, [['shared.bin', $data]]);
is($res->code, 201, 'uploaded');
my $id = $J->decode($res->content)->{files}[0]{id};
my $res2 = upload($ua, [['other.bin', 'other']]);
my $id2 = $J->decode($res2->content)->{files}[0]{id};

sub make_link {
    my (%f) = @_;
    my $tok = csrf_of($ua, "/files/$id");
    my $r = post_form($ua, "/files/$id/links", csrf_token => $tok, %f);
    return $r;
}

# --- a link with a limit of 2
$res = make_link(hours => 2, max_downloads => 2);
is($res->code, 200, 'link made: the file page again');
like($res->decoded_content, qr/The link is ready/, 'with a notice');
my ($url) = $res->decoded_content =~ m{value="(http://[^"]+/d/[^"]+)"};
ok($url, 'the page shows the link') or BAIL_OUT('no link');
my ($path) = $url =~ m{^https?://[^/]+(/d/.+)$};
my $anon = client();
my $dl = get_page($anon, $path);
is($dl->code, 200, 'works without a session');
ok($dl->content eq $data, 'the exact bytes');
like($dl->header('Content-Disposition'), qr/shared\.bin/, 'under its name');
is($dl->header('Referrer-Policy'), 'no-referrer', 'no Referer leaks the token');

# a range is charged with its bytes: the limit of 2 is twice the file's
# size in bytes delivered
my $part = get_page($anon, $path, Range => 'bytes=0-99');
is($part->code, 206, 'a range through the link');
my $html = get_page($ua, "/files/$id")->decoded_content;
like($html, qr/downloaded 1 of 2 times/, 'a whole download and a range: one download counted');
$dl = get_page($anon, $path);
is($dl->code, 410, 'a second whole download no longer fits: 410');
like($dl->decoded_content, qr/199900 bytes of its download allowance left/, 'says how much is left');
$part = get_page($anon, $path, Range => 'bytes=100-');
is($part->code, 206, 'the rest of the file, resumed with a range');
ok($part->content eq substr($data, 100), 'the exact bytes');
like(get_page($ua, "/files/$id")->decoded_content, qr/downloaded 2 of 2 times/, 'two downloads counted');
$dl = get_page($anon, $path);
is($dl->code, 410, 'then: used up, 410');
like($dl->decoded_content, qr/used as many times/, 'says so');

# --- a limit of 1 and six downloads at once: exactly one gets the file.
# Each client asks, then stalls before reading, so all six are being sent
# at the same moment (8 MiB does not fit the socket buffers).
{
    my $big = join('', map { chr(($_ * 13) % 256) } 1 .. 65536) x 128;
    my $up = upload($ua, [['big.bin', $big]]);
    is($up->code, 201, 'an 8 MiB file');
    my $bid = $J->decode($up->content)->{files}[0]{id};
    my $tok = csrf_of($ua, "/files/$bid");
    my $r = post_form($ua, "/files/$bid/links", csrf_token => $tok, hours => 1, max_downloads => 1);
    my ($u) = $r->decoded_content =~ m{value="http://[^"]+(/d/[^"]+)"};   # the newest
    my ($host, $port) = split /:/, Apache::TestRequest::hostport(Apache::Test::config());
    my @kids;
    pipe(my $rd, my $wr) or die $!;
    for (1 .. 6) {
        my $pid = fork() // die "fork: $!";
        if ($pid == 0) {
            close $rd;
            require IO::Socket::INET;
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or POSIX::_exit(1);
            print $s "GET $u HTTP/1.0\r\nHost: $host:$port\r\n\r\n";
            sleep 2;                                # everyone has asked
            local $/;
            my $resp = <$s> // '';
            my ($code) = $resp =~ m{^HTTP/1\.\d (\d+)};
            my (undef, $body) = split /\r\n\r\n/, $resp, 2;
            syswrite($wr, (($code // 0) == 200 && ($body // '') eq $big ? 'whole' : $code // 'none') . "\n");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $wr;
    waitpid($_, 0) for @kids;
    my @got = sort map { chomp; $_ } <$rd>;
    is_deeply(\@got, [410, 410, 410, 410, 410, 'whole'],
              'six at once on a one-download link: one gets the whole file, five get 410');
    my ($lu) = $u =~ m{/d/([0-9a-f-]{36})\.};
    is(dbh()->selectrow_array('SELECT downloads FROM file_links WHERE uuid = ?', undef, $lu), 1,
       'and it counts one download');
    $r = post_form($ua, "/files/$bid/links", csrf_token => $tok, hours => 1, max_downloads => 1);
    my ($u2) = $r->decoded_content =~ m{value="http://[^"]+(/d/[^"]+)"};
    is(get_page(client(), $u2, Range => 'bytes=0-9')->code, 206, 'a range on a one-download link');
    is(get_page(client(), $u2)->code, 410, 'is charged: the whole file no longer fits');
    my $rest = get_page(client(), $u2, Range => 'bytes=10-');
    is($rest->code, 206, 'the rest of it does');
    ok($rest->content eq substr($big, 10), 'all of the rest');
    is(get_page(client(), $u2, Range => 'bytes=0-0')->code, 410, 'then the link is used up');
}

# --- tampering
my ($luuid, $mac) = $path =~ m{/d/([0-9a-f-]{36})\.(.+)$};
my $flip = substr($mac, 0, 5) . (substr($mac, 5, 1) eq 'A' ? 'B' : 'A') . substr($mac, 6);
is(get_page($anon, "/d/$luuid.$flip")->code, 404, 'a changed MAC: 404');
is(get_page($anon, "/d/$luuid")->code, 404, 'no MAC: 404');
is(get_page($anon, "/d/00000000-0000-4000-8000-000000000000.$mac")->code, 404, 'another link id: 404');
is(get_page($anon, "/d/' OR 1=1 --")->code, 404, 'SQL in the token: 404');

# the row's expiry or file changed under the token: the MAC no longer fits
$res = make_link(hours => 1);
my ($url2) = $res->decoded_content =~ m{value="(http://[^"]+/d/[^"]+)"};
my ($path2) = $url2 =~ m{^https?://[^/]+(/d/.+)$};
my ($l2) = $path2 =~ m{/d/([0-9a-f-]{36})\.};
is(get_page($anon, $path2)->code, 200, 'a second link works');
dbh()->do('UPDATE file_links SET expires_at = expires_at + 86400 WHERE uuid = ?', undef, $l2);
is(get_page($anon, $path2)->code, 404, 'its expiry extended in the database: the token fails');
dbh()->do('UPDATE file_links SET expires_at = expires_at - 86400 WHERE uuid = ?', undef, $l2);
my ($fid2) = dbh()->selectrow_array('SELECT id FROM files WHERE uuid = ?', undef, $id2);
my ($fid1) = dbh()->selectrow_array('SELECT id FROM files WHERE uuid = ?', undef, $id);
dbh()->do('UPDATE file_links SET file_id = ? WHERE uuid = ?', undef, $fid2, $l2);
is(get_page($anon, $path2)->code, 404, 'moved to another file: the token fails');
dbh()->do('UPDATE file_links SET file_id = ? WHERE uuid = ?', undef, $fid1, $l2);
is(get_page($anon, $path2)->code, 200, 'back: works again');

# --- expiry: a link whose time has passed (its token made with the
# portal's secret, as the portal makes them: HMAC over link, file, expiry)
$res = make_link(hours => 1);
my ($url3) = $res->decoded_content =~ m{value="(http://[^"]+/d/[^"]+)"};
my ($path3) = $url3 =~ m{^https?://[^/]+(/d/.+)$};
{
    my $past = time - 10;
    dbh()->do('UPDATE file_links SET expires_at = ? WHERE uuid = ?', undef, $past, $l2);
    my $m = portal_mac('link', $l2, $id, $past);
    is(get_page($anon, "/d/$l2.$m")->code, 410, 'an expired link: 410');
    like(get_page($anon, "/d/$l2.$m")->decoded_content, qr/expired/, 'says so');
    like(get_page($ua, "/files/$id")->decoded_content, qr/expired/, 'the owner sees it expired');
}

# --- revoke
my ($l3) = $path3 =~ m{/d/([0-9a-f-]{36})\.};
my $tok = csrf_of($ua, "/files/$id");
is(post_form($ua, "/files/$id/links/$l3/revoke")->code, 403, 'revoke without CSRF: 403');
my ($other) = signed_in();
is(post_form($other, "/files/$id/links/$l3/revoke", csrf_token => csrf_of($other, '/files'))->code,
   404, 'another user cannot revoke it');
is(post_form($ua, "/files/$id/links/$l3/revoke", csrf_token => $tok)->code, 303, 'revoked');
$dl = get_page($anon, $path3);
is($dl->code, 410, 'a revoked link: 410');
like($dl->decoded_content, qr/revoked/, 'says so');
like(get_page($ua, "/files/$id")->decoded_content, qr/revoked/, 'the owner sees it revoked');

# --- limits on what an owner may choose
$tok = csrf_of($ua, "/files/$id");
$res = post_form($ua, "/files/$id/links", csrf_token => $tok, hours => 100000);
is($res->code, 400, 'longer than PortalLinkMaxLifetime: 400');
like($res->decoded_content, qr/from 1 to 168 hours/, 'says the range');
$res = post_form($ua, "/files/$id/links", csrf_token => $tok, hours => 1, max_downloads => 'many');
is($res->code, 400, 'a non-numeric limit: 400');
is(post_form($other, "/files/$id/links", csrf_token => csrf_of($other, '/files'), hours => 1)->code,
   404, "a link for another user's file: 404");

# --- the token is not in the access log
my $log = do {
    local $/;
    open(my $fh, '<', Apache::Test::vars('t_logs') . '/access_log') or die $!;
    <$fh>;
};
unlike($log, qr/\Q$mac\E/, 'the token is not in the access log');
like($log, qr{/d/\[link\]}, 'the request is logged without it');

# --- deleting the file ends its links
$tok = csrf_of($ua, "/files/$id");
is(post_form($ua, "/files/$id/delete", csrf_token => $tok)->code, 303, 'file deleted');
is(get_page($anon, $path2)->code, 404, 'its links no longer work');

done_testing();
