# 13_files.t -- uploads and downloads: several files at once, exact bytes
# back for edge sizes, what is stored on disk, listing and the file page,
# hostile names, malformed and truncated bodies, limits, types, Range,
# another user's file, rename, delete, the receipt and the confirmation
# mail.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use Encode ();
use HTTP::Request ();
use Digest::SHA qw(sha256_hex sha1_hex);
use File::Temp qw(tempdir);
use PortalTest;

my $J = JSON::PP->new->utf8;
my ($ua, $user) = signed_in();

# --- several files in one request, exact bytes back
my $seg = 65536;
my %sizes = (empty => 0, one => 1, seg_minus => $seg - 1, seg => $seg,
             seg_plus => $seg + 1, three_segs => 3 * $seg + 17);
my @files = map {
    my $n = $_;
    my $data = join('', map { chr(($_ * 7 + length $n) % 256) } 1 .. $sizes{$n});
    ["$n.bin", $data];
} sort keys %sizes;
my $res = upload($ua, \@files);
is($res->code, 201, 'six files in one request: 201') or diag($res->decoded_content);
my $out = $J->decode($res->content);
is(scalar @{ $out->{files} }, 6, 'six files reported');
my %by_name = map { $_->{name} => $_ } @{ $out->{files} };
for my $f (@files) {
    my ($name, $data) = @$f;
    my $meta = $by_name{$name};
    ok($meta, "$name listed in the answer") or next;
    is($meta->{size}, length $data, "$name: size");
    is($meta->{sha256}, sha256_hex($data), "$name: SHA-256");
    like($meta->{id}, qr/^[0-9a-f-]{36}$/, "$name: a UUID");
    my $dl = get_page($ua, "/files/$meta->{id}/download");
    is($dl->code, 200, "$name: download 200");
    ok($dl->content eq $data, "$name: exact bytes back");
    like($dl->header('Content-Disposition') // '', qr/^attachment; filename="\Q$name\E"/,
         "$name: Content-Disposition attachment");
    is($dl->header('X-Content-Type-Options'), 'nosniff', "$name: nosniff");
    is($dl->header('ETag'), "\"$meta->{sha256}\"", "$name: ETag is the hash");
}

# --- stored encrypted, not as the plaintext, under a random name
my $rows = files_of($user);
is(scalar @$rows, 6, 'six rows in the database');
my ($row3) = grep { $_->{name} eq 'three_segs.bin' } @$rows;
my $stored = stored_object($row3->{storage_key});
ok(defined $stored, 'the object is in the store');
my ($plain) = map { $_->[1] } grep { $_->[0] eq 'three_segs.bin' } @files;
ok(defined $stored && index($stored, substr($plain, 100, 64)) < 0,
   'the stored bytes are not the plaintext');
is(length($stored // ''), 8 + length($plain) + 16 * 4,
   'stored size: header + data + one tag per segment');
isnt($row3->{storage_key}, 'three_segs.bin', 'stored under a random key');
is($row3->{sha1}, sha1_hex($plain), 'SHA-1 recorded too');

# --- the list and the file page
my $page = get_page($ua, '/files');
is($page->code, 200, '/files');
my $html = $page->decoded_content;
like($html, qr/three_segs\.bin/, 'the list shows the names');
like($html, qr/\Q$row3->{sha256}\E/, 'and the SHA-256');
my $list = $J->decode(get_page($ua, '/files', Accept => 'application/json')->content);
is($list->{total}, 6, 'JSON view: total');
is($list->{files}[0]{name}, $out->{files}[-1]{name}, 'newest first');
my $fp = get_page($ua, "/files/$row3->{uuid}");
is($fp->code, 200, 'the file page');
like($fp->decoded_content, qr/\Q$row3->{sha1}\E/, 'shows SHA-1');
like($fp->decoded_content, qr/receipt\.tsr/, 'links the receipt');

# --- Range
my $id = $row3->{uuid};
my $r = get_page($ua, "/files/$id/download", Range => 'bytes=65530-65545');
is($r->code, 206, 'a range across a segment boundary: 206');
ok($r->content eq substr($plain, 65530, 16), 'its bytes');
is($r->header('Content-Range'), 'bytes 65530-65545/' . length($plain), 'Content-Range');
$r = get_page($ua, "/files/$id/download", Range => 'bytes=-5');
ok($r->code == 206 && $r->content eq substr($plain, -5), 'suffix range: the last 5 bytes');
$r = get_page($ua, "/files/$id/download", Range => 'bytes=196600-');
ok($r->code == 206 && $r->content eq substr($plain, 196600), 'open range to the end');
$r = get_page($ua, "/files/$id/download", Range => 'bytes=999999-');
is($r->code, 416, 'a range past the end: 416');
is($r->header('Content-Range'), 'bytes */' . length($plain), 'with the size');
$r = get_page($ua, "/files/$id/download", Range => 'bytes=0-1,5-6');
ok($r->code == 200 && $r->content eq $plain, 'several ranges: the whole file');
$r = get_page($ua, "/files/$id/download", Range => 'bytes=0-0',
              'If-Range' => '"not-the-etag"');
ok($r->code == 200 && $r->content eq $plain, 'If-Range mismatch: the whole file');
$r = get_page($ua, "/files/$id/download", 'If-None-Match' => "\"$row3->{sha256}\"");
is($r->code, 304, 'If-None-Match with the ETag: 304');
my ($empty) = grep { $_->{name} eq 'empty.bin' } @$rows;
$r = get_page($ua, "/files/$empty->{uuid}/download", Range => 'bytes=0-');
is($r->code, 416, 'any range of an empty file: 416');

# --- another user's file: 404, not 403
my ($other) = signed_in();
for my $path ("/files/$id", "/files/$id/download", "/files/$id/receipt.tsr") {
    is(get_page($other, $path)->code, 404, "another user: $path is 404");
}
my $ocsrf = csrf_of($other, '/files');
is(post_form($other, "/files/$id/delete", csrf_token => $ocsrf)->code, 404,
   'another user cannot delete it');
is(get_page($ua, "/files/$id/download")->code, 200, 'still there for its owner');
like(get_page($ua, '/files/../../etc/passwd')->code, qr/^40[04]$/, 'a path as id: 400 or 404');
is(get_page($ua, '/files/not-a-uuid/download')->code, 404, 'a malformed id: 404');
is(get_page(client(), "/files/$id/download")->code, 303, 'signed out: to the sign-in page');

# --- hostile names: kept only as display names
my @hostile = (
    ['../../etc/passwd', 'passwd'],
    ["C:\\Windows\\evil.txt", 'evil.txt'],
    ["evil\x{202E}fdp.txt", 'evilfdp.txt'],
    ['<script>alert(1)</script>.txt', undef],
    ['x' x 4096 . '.txt', undef],
    ["quote\\\".txt", 'quote".txt'],
);
for my $h (@hostile) {
    my ($name, $want) = @$h;
    my $bytes = $name;
    utf8::encode($bytes);
    my ($ct, $body) = multipart(['csrf_token', csrf_of($ua, '/files')],
                                ['file', 'hostile', $bytes, 'text/plain']);
    $res = post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
    is($res->code, 201, 'hostile name ' . substr($name, 0, 30) . ': stored')
        or diag $res->decoded_content;
    my $got = eval { $J->decode($res->content)->{files}[0]{name} } // '';
    is($got, $want, "  shown as $want") if defined $want;
    unlike($got, qr{[/\\\x00-\x1f\x{202E}]}, '  no path parts or controls');
    ok(length(Encode::encode_utf8($got)) <= 255, '  at most 255 bytes');
}
$html = get_page($ua, '/files')->decoded_content;
unlike($html, qr/<script>alert/, 'names are escaped in the list');
like($html, qr/script&gt;\.txt/, 'shown as text (the part after the last slash)');
my ($ct, $body) = multipart(['csrf_token', csrf_of($ua, '/files')],
                            ['file', 'nul', "a\x00b.txt", 'text/plain']);
$res = post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
ok($res->code == 400 || ($res->code == 201 && $J->decode($res->content)->{files}[0]{name} !~ /\x00/),
   'a NUL in the name: refused or removed');

# --- malformed and truncated bodies leave nothing stored
my $before = scalar @{ files_of($user) };
my $tok = csrf_of($ua, '/files');
($ct, $body) = multipart(['csrf_token', $tok], ['file', 'x' x 100000, 'cut.txt']);
$res = post_raw($ua, '/upload', $ct, substr($body, 0, length($body) - 30),
                Accept => 'application/json');
is($res->code, 400, 'a body without its closing boundary: 400');
like($res->decoded_content, qr/cut off/, 'says it was cut off');
$res = post_raw($ua, '/upload', 'multipart/form-data; boundary=abc',
                "garbage without any boundary", Accept => 'application/json');
is($res->code, 400, 'garbage: 400');
$res = post_raw($ua, '/upload', 'multipart/form-data', $body, Accept => 'application/json');
is($res->code, 415, 'no boundary parameter: 415');
$res = post_raw($ua, '/upload', 'application/x-www-form-urlencoded', 'a=b',
                Accept => 'application/json');
is($res->code, 415, 'not multipart: 415');
($ct, $body) = multipart(['file', 'data', 'nocsrf.txt']);
$res = post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
is($res->code, 403, 'no CSRF token: 403');
($ct, $body) = multipart(['csrf_token', 'forged'], ['file', 'data', 'forged.txt']);
$res = post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
is($res->code, 403, 'a forged CSRF token: 403');
($ct, $body) = multipart(['file', 'data', 'late.txt'], ['csrf_token', $tok]);
$res = post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
is($res->code, 403, 'the token after the file: 403 (checked before storing)');
$res = upload($ua, [['ok.txt', 'fine'], ['big.bin', 'x' x 10]], csrf => $tok);
is($res->code, 201, 'the same token works for a well-formed upload');
$before += 1 + 1;
($ct, $body) = multipart(['csrf_token', $tok]);
$res = post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
is($res->code, 400, 'no file at all: 400');
like($res->decoded_content, qr/Choose at least one file/, 'says so');
is(scalar @{ files_of($user) }, $before, 'none of the refused requests stored a file');

# --- limits
my $big = 'x' x 1024;
{
    # a raw request: the headers promise 2 GiB and no byte of it follows
    require IO::Socket::INET;
    my ($host, $port) = base_url() =~ m{//([^:]+):(\d+)};
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port) or die $!;
    my $cookies = $ua->cookie_jar->as_string;
    my ($sid) = $cookies =~ /(portal_session=[^;]+)/;
    print $s "POST /upload HTTP/1.1\r\nHost: $host\r\nCookie: $sid\r\n"
        . "Accept: application/json\r\n"
        . "Content-Type: multipart/form-data; boundary=zz\r\n"
        . "Content-Length: 2147483648\r\n\r\n";
    local $/ = "\r\n";
    my $status = <$s> // '';
    like($status, qr{^HTTP/1\.1 413 }, 'a declared Content-Length over the limit: 413 before the body');
    close $s;
}
$res = upload($ua, [map { ["f$_.txt", "file $_"] } 1 .. 26], csrf => $tok);
is($res->code, 413, '26 files when 25 are allowed: 413');
like($res->decoded_content, qr/At most 25 files/, 'says how many');

# /small allows 100 KiB per file and 150 KiB per request
my ($sua, $suser) = signed_in();
my $stok = csrf_of($sua, '/small/files');
$res = upload($sua, [['fits.bin', 'f' x 90000]], csrf => $stok, prefix => '/small');
is($res->code, 201, '/small: 90 kB fits');
$res = upload($sua, [['large.bin', 'l' x 110000]], csrf => $stok, prefix => '/small');
is($res->code, 413, '/small: a 110 kB file: 413');
like($res->decoded_content, qr/larger than the 100 KiB a file may have/, 'says the limit');
$res = upload($sua, [['a.bin', 'a' x 80000], ['b.bin', 'b' x 80000]], csrf => $stok,
              prefix => '/small');
is($res->code, 413, '/small: two 80 kB files in one request: 413');
like($res->decoded_content, qr/150 KiB this portal accepts in one request/, 'says the request limit');
{
    # streamed without a length (chunked): cut off at the limit
    my ($ct, $body) = multipart(['csrf_token', $stok], ['file', 'c' x 400000, 'chunked.bin']);
    $res = post_stream($sua, '/small/upload', $ct, $body, 16384);
    is($res->code, 413, '/small: a chunked body over the limit: 413');
}
{
    # httpd's LimitRequestBody (200000 at /limited) below the portal's own
    my ($ct, $body) = multipart(['csrf_token', csrf_of($sua, '/limited/files')],
                                ['file', 'd' x 300000, 'toolarge.bin']);
    $res = post_stream($sua, '/limited/upload', $ct, $body, 16384);
    is($res->code, 413, "httpd's LimitRequestBody cuts a chunked body: 413");
    $res = post_raw($sua, '/limited/upload', $ct, $body, Accept => 'application/json');
    is($res->code, 413, 'a declared length over LimitRequestBody: 413');
    like($res->decoded_content, qr/larger than the 195 KiB/, 'from the portal, naming the limit');
}
is(scalar @{ files_of($suser) }, 1, '/small: only the file that fit was stored');
my ($spend) = dbh()->selectrow_array(
    'SELECT COUNT(*) FROM store_pending p WHERE NOT EXISTS '
    . '(SELECT 1 FROM files f WHERE f.storage_key = p.storage_key)');
is($spend, 0, 'refused uploads left nothing pending in the store');

# --- types: /office takes only Office documents, checked by content
my ($oua, $ouser) = signed_in();
my $otok = csrf_of($oua, '/office/files');
$res = upload($oua, [['notes.txt', 'text']], csrf => $otok, prefix => '/office');
is($res->code, 415, '/office refuses a .txt');
like($res->decoded_content, qr/not accepted here/, 'says the type is not accepted');
$res = upload($oua, [['report.docx', "MZ\x90\x00" . ("\x00" x 200)]], csrf => $otok, prefix => '/office');
is($res->code, 415, 'an .exe renamed .docx: 415');
like($res->decoded_content, qr/does not match/, 'the content does not match');
$res = upload($oua, [['report.docx', zip_with('other/file.xml')]], csrf => $otok, prefix => '/office');
is($res->code, 415, 'a zip without the Word part renamed .docx: 415');
$res = upload($oua, [['report.docx', zip_with('word/document.xml')]], csrf => $otok, prefix => '/office');
is($res->code, 201, 'a package with word/document.xml: accepted') or diag $res->decoded_content;
$res = upload($ua, [['photo.pdf', 'this is text, not a PDF']]);
is($res->code, 415, 'text named .pdf: 415 (content check everywhere)');
is(scalar @{ files_of($ouser) }, 1, 'only the genuine document was stored');

# --- receipt
my $tsr = get_page($ua, "/files/$id/receipt.tsr");
is($tsr->code, 200, 'the receipt');
is($tsr->header('Content-Type'), 'application/timestamp-reply', 'as a timestamp reply');
my $crt = get_page(client(), '/tsa.crt');
is($crt->code, 200, '/tsa.crt for anyone');
like($crt->content, qr/BEGIN CERTIFICATE/, 'a PEM certificate');
{
    my $dir = tempdir(CLEANUP => 1);
    open(my $fh, '>:raw', "$dir/data") or die; print $fh $plain; close $fh;
    open($fh, '>:raw', "$dir/r.tsr") or die; print $fh $tsr->content; close $fh;
    open($fh, '>:raw', "$dir/tsa.crt") or die; print $fh $crt->content; close $fh;
    my $v = `openssl ts -verify -data $dir/data -in $dir/r.tsr -CAfile $dir/tsa.crt 2>&1`;
    like($v, qr/Verification: OK/, 'openssl ts -verify says OK');
    open($fh, '>:raw', "$dir/other") or die; print $fh "$plain!"; close $fh;
    $v = `openssl ts -verify -data $dir/other -in $dir/r.tsr -CAfile $dir/tsa.crt 2>&1`;
    unlike($v, qr/Verification: OK/, 'and not for other data');
}

# --- rename and delete
my $rtok = csrf_of($ua, "/files/$id");
$res = post_form($ua, "/files/$id/rename", csrf_token => $rtok, name => '../renamed <b>.bin');
is($res->code, 303, 'rename');
like(get_page($ua, "/files/$id")->decoded_content, qr/renamed &lt;b&gt;\.bin/, 'the new name, cleaned and escaped');
like(get_page($ua, "/files/$id/download")->header('Content-Disposition'),
     qr/filename="renamed <b>\.bin"|filename="renamed _b_\.bin"|renamed/, 'downloads under the new name');
is(post_form($ua, "/files/$id/rename", name => 'x')->code, 403, 'rename without CSRF: 403');
is(post_form($ua, "/files/$id/delete")->code, 403, 'delete without CSRF: 403');
$res = post_form($ua, "/files/$id/delete", csrf_token => $rtok);
is($res->code, 303, 'delete');
is(get_page($ua, "/files/$id/download")->code, 404, 'gone');
ok(!defined stored_object($row3->{storage_key}), 'and removed from the store');

# --- the confirmation mail (with the small file attached)
my ($mua, $muser, $mpw) = signed_in();
$res = upload($mua, [['mailed.txt', "attach me\n"]]);
is($res->code, 201, 'upload for the mail');
my ($mail) = wait_subject("$muser\@example.org", qr/mailed\.txt was uploaded/);
ok($mail, 'a confirmation mail arrives');
like(mail_text($mail) // '', qr/\Q@{[sha256_hex("attach me\n")]}\E/, 'with the SHA-256');
like($mail // '', qr/Content-Disposition: attachment;.*mailed\.txt/s, 'with the file attached');

# a file over PortalMailAttachMax (64K here): the mail links to it
$res = upload($mua, [['large.bin', 'L' x 70000]]);
is($res->code, 201, 'upload over the attachment limit');
my ($lmail) = wait_subject("$muser\@example.org", qr/large\.bin was uploaded/);
ok($lmail, 'its confirmation arrives');
unlike($lmail // '', qr/Content-Disposition: attachment/, 'without the file attached');
like(mail_text($lmail) // '', qr{too large to attach.*http://[^/]+/files/[0-9a-f-]{36}}s,
     'with a link to its page');

# --- pages of 20, newest first
my ($pua, $puser) = signed_in();
$res = upload($pua, [map { [sprintf('p%02d.txt', $_), "page file $_"] } 1 .. 21]);
is($res->code, 201, '21 files');
my $p1 = $J->decode(get_page($pua, '/files', Accept => 'application/json')->content);
is(scalar @{ $p1->{files} }, 20, 'page 1 has 20');
is($p1->{pages}, 2, 'two pages');
my $p2 = $J->decode(get_page($pua, '/files?page=2', Accept => 'application/json')->content);
is(scalar @{ $p2->{files} }, 1, 'page 2 has the last one');
my %seen = map { $_->{id} => 1 } @{ $p1->{files} }, @{ $p2->{files} };
is(scalar keys %seen, 21, 'every file on exactly one page');
like(get_page($pua, '/files')->decoded_content, qr{href="/files\?page=2" rel="next"}, 'a link to the next page');
is($J->decode(get_page($pua, '/files?page=99', Accept => 'application/json')->content)->{page},
   2, 'a page past the end shows the last');

# --- the receipt on the file page
$fp = get_page($ua, '/files/' . $J->decode(upload($ua, [['r.txt', 'receipt']])->content)->{files}[0]{id});
like($fp->decoded_content, qr/serial [0-9A-F]+/, 'the file page shows the receipt serial');

done_testing();

# A ZIP (stored entries) holding one entry with the given name.
sub zip_with {
    my ($name) = @_;
    my $data = '<x/>';
    my $crc = 0;
    my $lh = pack('VvvvvvVVVvv', 0x04034b50, 20, 0, 0, 0, 0, $crc,
                  length $data, length $data, length $name, 0) . $name . $data;
    my $ct = '[Content_Types].xml';
    my $lh2 = pack('VvvvvvVVVvv', 0x04034b50, 20, 0, 0, 0, 0, 0, 4, 4,
                   length $ct, 0) . $ct . '<x/>';
    my $cd = pack('VvvvvvvVVVvvvvvVV', 0x02014b50, 20, 20, 0, 0, 0, 0, $crc,
                  length $data, length $data, length $name, 0, 0, 0, 0, 0, 0) . $name;
    $cd .= pack('VvvvvvvVVVvvvvvVV', 0x02014b50, 20, 20, 0, 0, 0, 0, 0, 4, 4,
                length $ct, 0, 0, 0, 0, 0, length $lh) . $ct;
    my $end = pack('VvvvvVVv', 0x06054b50, 0, 0, 2, 2, length $cd,
                   length($lh) + length($lh2), 0);
    return $lh . $lh2 . $cd . $end;
}
