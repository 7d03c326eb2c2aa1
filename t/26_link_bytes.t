# 26_link_bytes.t -- a download link's limit is a byte allowance
# (max_downloads x the file's size, delivered in any mix of whole
# downloads and ranges), charged before each response is sent: repeated,
# open-ended, suffix, overlapping and multi-range requests cannot get more
# than the allowance out of a link, a HEAD costs nothing, and a download
# cut short is charged only with what went out, so that the rest can be
# fetched with a range.  (The audit got a max_downloads=1 file again and
# again with `Range: bytes=0-`.)
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request::Common qw(POST);
use IO::Socket::INET ();
use Socket qw(SOL_SOCKET SO_RCVBUF);
use PortalTest;

my $J = JSON::PP->new->utf8;
my ($ua) = signed_in();
my $size = 200000;
my $data = join('', map { chr(($_ * 7) % 256) } 1 .. $size);
my $res = upload($ua, [['allowance.bin', $data]]);
is($res->code, 201, 'a 200000-byte file') or BAIL_OUT('no upload');
my $id = $J->decode($res->content)->{files}[0]{id};

# A new link to file $fid with a download limit: its path (/d/...).
sub new_link {
    my ($max, $fid) = @_;
    $fid //= $id;
    my $tok = csrf_of($ua, "/files/$fid");
    my $r = $ua->request(POST(base_url() . "/files/$fid/links", Accept => 'application/json',
                              Content => [csrf_token => $tok, hours => 1, max_downloads => $max]));
    is($r->code, 201, "a link with max_downloads=$max") or diag $r->content;
    my ($path) = ($J->decode($r->content)->{url} // '') =~ m{^https?://[^/]+(/d/.+)$};
    return $path;
}
sub fetch {
    my ($path, %h) = @_;
    return get_page(client(), $path, %h);
}
sub link_row {
    my ($path) = @_;
    my ($luuid) = $path =~ m{/d/([0-9a-f-]{36})\.};
    return eval { dbh()->selectrow_hashref('SELECT * FROM file_links WHERE uuid = ?', undef, $luuid) } // {};
}

# --- the audit's case: Range: bytes=0- again and again on a one-download link
my $path = new_link(1);
my $r = fetch($path, Range => 'bytes=0-');
is($r->code, 206, 'bytes=0-: 206');
ok($r->content eq $data, 'with the whole file');
$r = fetch($path, Range => 'bytes=0-');
is($r->code, 410, 'bytes=0- again: 410, the allowance is spent');
like($r->decoded_content, qr/used as many times/, 'says so');
is(fetch($path)->code, 410, 'and a plain GET too');

# --- repeated: five open-ended ranges on a two-download link get two files' worth
$path = new_link(2);
my ($ok, $bytes) = (0, 0);
for (1 .. 5) {
    $r = fetch($path, Range => 'bytes=0-');
    $ok++ if $r->code == 206;
    $bytes += length($r->content) if $r->code == 206;
}
is($ok, 2, 'max_downloads=2: two of five bytes=0- answered');
is($bytes, 2 * $size, 'exactly two files\' worth of bytes');

# --- suffix ranges add up to the allowance, then stop
$path = new_link(1);
my @codes = map { fetch($path, Range => 'bytes=-50000')->code } 1 .. 5;
is_deeply(\@codes, [206, 206, 206, 206, 410], 'bytes=-50000 four times fits, the fifth does not');

# --- overlapping ranges: bytes are charged each time they are sent
$path = new_link(1);
my $p1 = fetch($path, Range => 'bytes=0-149999');
is($p1->code, 206, 'bytes 0-149999');
$r = fetch($path, Range => 'bytes=100000-199999');
is($r->code, 410, 'an overlapping range past the allowance: 410');
like($r->decoded_content, qr/only 50000 bytes of its download allowance left/,
     'says how much is left');
my $p2 = fetch($path, Range => 'bytes=150000-');
is($p2->code, 206, 'the rest (bytes=150000-) fits exactly');
ok($p1->content . $p2->content eq $data, 'the two parts make the file');
is(fetch($path, Range => 'bytes=0-0')->code, 410, 'then not even one byte more');
my $row = link_row($path);
is($row->{bytes_sent}, $size, 'the link counts the bytes it delivered');
is($row->{downloads}, 1, 'as one download');

# --- several ranges are answered with the whole file, and charged for it
$path = new_link(1);
$r = fetch($path, Range => 'bytes=0-9,20-29');
is($r->code, 200, 'two ranges: the whole file (200)');
ok($r->content eq $data, 'all of it');
is(fetch($path, Range => 'bytes=0-9,20-29')->code, 410, 'which spent the allowance: 410');
is(fetch($path, Range => 'bytes=0-0,1-1,2-2,3-3')->code, 410, 'any number of small ranges too');

# --- JSON clients get the refusal as JSON
$r = fetch($path, Accept => 'application/json');
is($r->code, 410, 'JSON: 410');
is(eval { $J->decode($r->content)->{error} }, 'gone', 'error "gone"');

# --- a HEAD sends no bytes and costs nothing; a 416 neither
$path = new_link(1);
$r = client()->head(base_url() . $path);
is($r->code, 200, 'HEAD: 200');
is($r->header('Content-Length'), $size, 'with the length');
is(fetch($path, Range => "bytes=$size-")->code, 416, 'a range past the end: 416');
$r = fetch($path);
is($r->code, 200, 'the whole download after them still works');
ok($r->content eq $data, 'all of it');
is(client()->head(base_url() . $path)->code, 410, 'then even HEAD says it is used up');
$path = new_link(1);
is(fetch($path, Range => 'bytes=0-9')->code, 206, 'a range');
is(client()->head(base_url() . $path)->code, 410, 'then a HEAD of the whole file is answered as its GET would be: 410');
is(client()->head(base_url() . $path, Range => 'bytes=10-')->code, 206, 'a HEAD of the rest: 206');
is(link_row($path)->{bytes_sent}, 10, 'neither HEAD cost anything');

# --- an unlimited link charges too, for the owner's count
$path = new_link('');
fetch($path, Range => 'bytes=0-99') for 1 .. 3;
is(fetch($path)->code, 200, 'an unlimited link keeps working');
is(link_row($path)->{bytes_sent}, $size + 300, 'and counts what it delivered');

# --- a download cut short is charged with what went out; the rest can
# be fetched with a range.  A 16 MiB file, a client with a small receive
# buffer that reads the headers and closes: the server gets an error
# writing long before the end, and gives the unsent bytes back.
{
    my $big = join('', map { chr(($_ * 31) % 256) } 1 .. 65536) x 256;
    my $up = upload($ua, [['cut.bin', $big]]);
    is($up->code, 201, 'a 16 MiB file');
    my $bid = $J->decode($up->content)->{files}[0]{id};
    my $bpath = new_link(1, $bid);
    my ($host, $port) = split /:/, Apache::TestRequest::hostport(Apache::Test::config());
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096);
    print $s "GET $bpath HTTP/1.1\r\nHost: $host:$port\r\nConnection: close\r\n\r\n";
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $n = sysread($s, my $buf, 1024);
        last unless $n;
        $head .= $buf;
    }
    like($head, qr{^HTTP/1\.1 200}, 'the download started');
    close $s;
    # the handler gives the unsent bytes back when its write fails
    my $charged = length $big;
    for (1 .. 300) {
        $charged = link_row($bpath)->{bytes_sent} // $charged;
        last if $charged < length $big;
        select(undef, undef, undef, 0.1);
    }
    ok($charged > 0 && $charged < length $big,
       "the broken download was charged with what went out ($charged of " . length($big) . ' bytes)');
    $r = fetch($bpath);
    is($r->code, 410, 'a whole download no longer fits');
    $r = fetch($bpath, Range => "bytes=$charged-");
    is($r->code, 206, 'the part not charged yet does');
    ok($r->content eq substr($big, $charged), 'with the right bytes');
    is(fetch($bpath, Range => 'bytes=0-0')->code, 410, 'and then the link is used up');
}

done_testing();
