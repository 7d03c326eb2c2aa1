# 16_big.t -- large uploads: 100 MiB comes back byte for byte, and a 1 GiB
# upload streams through with flat memory (httpd's resident memory grows by
# a few MiB at most).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use Digest::SHA ();
use HTTP::Request ();
use PortalTest;

my $J = JSON::PP->new->utf8;
my ($ua, $user) = signed_in();
$ua->timeout(600);
my $tok = csrf_of($ua, '/files');

# --- 100 MiB, exact bytes back (hash compare)
my $mib = join('', map { pack('N', $_ * 2654435761 % 4294967296) } 1 .. 262144);
my $data = '';
$data .= substr($mib, $_ % 1000) . substr($mib, 0, $_ % 1000) for 1 .. 100;
is(length $data, 100 * 1024 * 1024, '100 MiB of test data');
my $res = upload($ua, [['hundred.bin', $data]], csrf => $tok);
is($res->code, 201, '100 MiB upload') or diag $res->decoded_content;
my $f = $J->decode($res->content)->{files}[0];
my $want = Digest::SHA::sha256_hex($data);
is($f->{sha256}, $want, 'its SHA-256');
my $dl = get_page($ua, "/files/$f->{id}/download");
is($dl->code, 200, 'downloaded');
is(Digest::SHA::sha256_hex($dl->content), $want, 'the same 100 MiB back');
undef $dl;

# --- 1 GiB streamed: measure the children's resident memory
my $pidfile = Apache::Test::vars('t_logs') . '/httpd.pid';
open(my $pf, '<', $pidfile) or die $!;
chomp(my $ppid = <$pf>);
close $pf;
sub rss_kib {
    my $sum = 0;
    for my $pid (grep { chomp; /^\d+$/ } `pgrep -P $ppid`) {
        open(my $fh, '<', "/proc/$pid/status") or next;
        while (<$fh>) { $sum += $1 if /^VmRSS:\s+(\d+)/ }
    }
    return $sum;
}
# warm up every child with a modest upload, so later growth is the upload's
upload($ua, [['warm.bin', 'w' x (4 * 1024 * 1024)]], csrf => $tok) for 1 .. 4;
my $before = rss_kib();

my $total = 1024 * 1024 * 1024;
my $b = 'bigboundary';
my $head = "--$b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n$tok\r\n"
         . "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gig.bin\"\r\n"
         . "Content-Type: application/octet-stream\r\n\r\n";
my $tail = "\r\n--$b--\r\n";
my $sha = Digest::SHA->new(256);
my ($sent, $stage, $peak) = (0, 0, $before);
my $req = HTTP::Request->new(POST => base_url() . '/upload');
$req->header('Content-Type' => "multipart/form-data; boundary=$b");
$req->header('Content-Length' => length($head) + $total + length($tail));
$req->header(Accept => 'application/json');
$req->content(sub {
    if ($stage == 0) { $stage = 1; return $head }
    if ($stage == 1) {
        if ($sent < $total) {
            my $chunk = substr($mib, $sent % 4096) . substr($mib, 0, $sent % 4096);
            $sent += length $chunk;
            $sha->add($chunk);
            if (($sent / length $chunk) % 64 == 0) {
                my $now = rss_kib();
                $peak = $now if $now > $peak;
            }
            return $chunk;
        }
        $stage = 2;
        return $tail;
    }
    return '';
});
$res = $ua->request($req);
is($res->code, 201, '1 GiB upload') or diag $res->decoded_content;
my $after = rss_kib();
$peak = $after if $after > $peak;
my $grow = ($peak - $before) / 1024;
diag(sprintf('httpd children: %.1f MiB before, peak %.1f MiB during the 1 GiB upload',
             $before / 1024, $peak / 1024));
ok($grow < 16, sprintf('resident memory grew by %.1f MiB (under 16 MiB)', $grow));
my $g = eval { $J->decode($res->content)->{files}[0] } // {};
is($g->{size}, $total, 'its size');
is($g->{sha256}, $sha->hexdigest, 'its SHA-256, computed while streaming');

# and it streams back whole (hash it in pieces, without keeping it)
my $dsha = Digest::SHA->new(256);
my $got = 0;
$res = $ua->get(base_url() . "/files/$g->{id}/download",
                ':content_cb' => sub { $dsha->add($_[0]); $got += length $_[0] },
                ':read_size_hint' => 1024 * 1024);
is($res->code, 200, 'the 1 GiB download');
is($got, $total, 'all of it');
is($dsha->hexdigest, $g->{sha256}, 'the same bytes back');

done_testing();
