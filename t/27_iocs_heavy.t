# 27_iocs_heavy.t -- the heavy reads of the indicator pages.
# /iocs/export streams the whole table: at most PortalIocExportMax run at
# once and PortalIocExportMaxPerUser per account (3 and 2 under /capped,
# t/conf/extra.conf.in), counted across httpd's child processes; one more
# is 429 with Retry-After, a finished export makes room, and the slots of
# a child killed in the middle of an export come back.  Exports are held
# open by clients that stop reading (32 MB do not fit the socket buffers).
# /iocs page numbers stop at 50 (the database never skips more than 50
# pages of rows); the Next links go on with the keyset cursor and still
# walk the whole list.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use IO::Socket::INET ();
use Socket qw(SOL_SOCKET SO_RCVBUF);
use PortalTest;

my $J = JSON::PP->new->utf8;
my $T = '/capped';
my ($host, $port) = split /:/, Apache::TestRequest::hostport(Apache::Test::config());
my $now = time;

# ------------------------------------------------------------ the rows
# 8000 indicators with a 4 KB reference each: a CSV export of ~32 MB
my $ref = 'https://example.org/' . ('r' x 4000);
dbh()->begin_work;
my $ins = dbh()->prepare('INSERT INTO iocs (type, value, source, threat, malware, tags, confidence, '
                         . 'first_seen, last_seen, reference, seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)');
$ins->execute('url', "http://bulk-$_.heavytest.test/", 'HeavyTest', 'malware_download', undef,
              'heavy', 80, $now - 86400 - $_, $now - 86400 - $_, $ref, $now) for 1 .. 8000;
# 520 to walk through, first_seen shared by seven at a time (the cursor
# must break ties by id)
$ins->execute('domain', sprintf('walk-%04d.test', $_), 'WalkTest', 'botnet_cc', undef, 'walk', 50,
              $now - 3 * 86400 - int($_ / 7), $now - 3 * 86400, undef, $now) for 1 .. 520;
dbh()->commit;

# ------------------------------------------------------------ exports
my $EXPORT = "$T/iocs/export?format=csv&source=HeavyTest";
my $PROBE = "$T/iocs/export?format=csv&source=NoSuchSource";   # empty, quick

# Start an export as ua and stop reading once the headers are in: the
# socket and the status.
sub hold {
    my ($ua) = @_;
    my $req = HTTP::Request->new(GET => base_url() . $EXPORT);
    $ua->cookie_jar->add_cookie_header($req);
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096);
    print $s "GET $EXPORT HTTP/1.1\r\nHost: $host:$port\r\nCookie: "
        . ($req->header('Cookie') // '') . "\r\nConnection: close\r\n\r\n";
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $n = sysread($s, my $buf, 512);
        last unless $n;
        $head .= $buf;
    }
    my ($code) = $head =~ m{^HTTP/1\.1 (\d+)};
    return ($s, $code // 0);
}
# Ask until an export is answered 200 (a slot was given back), at most ~30 s.
sub until_free {
    my ($ua) = @_;
    for (1 .. 300) {
        my $r = get_page($ua, $PROBE);
        return $r->code if $r->code != 429;
        select(undef, undef, undef, 0.1);
    }
    return 429;
}
# The httpd child serving the server side of a client socket.
sub server_pid {
    my ($s) = @_;
    my $out = `ss -Htnp state established '( sport = :$port and dport = :${\ $s->sockport } )' 2>/dev/null`;
    return $out =~ /pid=(\d+)/ ? $1 : undef;
}

my ($ua_a) = signed_in(prefix => $T);
my ($ua_b) = signed_in(prefix => $T);
my ($ua_c) = signed_in(prefix => $T);

my ($a1, $code_a1) = hold($ua_a);
is($code_a1, 200, 'user A: a first export streams');
my ($a2, $code_a2) = hold($ua_a);
is($code_a2, 200, 'user A: a second one at the same time');
my $res = get_page($ua_a, $EXPORT);
is($res->code, 429, "user A: a third at once: 429 (PortalIocExportMaxPerUser 2)");
is($res->header('Retry-After'), '30', 'with Retry-After');
like($res->decoded_content, qr/already have 2 exports running/, 'and says why');
$res = get_page($ua_a, $EXPORT, Accept => 'application/json');
is($res->code, 429, 'JSON: 429');
is(eval { $J->decode($res->content)->{error} }, 'too_many_exports', 'error "too_many_exports"');
my ($b1, $code_b1) = hold($ua_b);
is($code_b1, 200, 'user B: one export (three running)');
$res = get_page($ua_c, $EXPORT);
is($res->code, 429, 'user C: a fourth in the server: 429 (PortalIocExportMax 3)');
like($res->decoded_content, qr/3 exports are running/, 'and says why');
is(get_page($ua_c, "$T/iocs?source=HeavyTest")->code, 200, 'the list itself still answers');
is(client()->head(base_url() . $EXPORT)->code, 303, 'signed out: no export at all');

close $b1;
is(until_free($ua_c), 200, 'B\'s export ends (its client went away): C gets a slot');

# a child killed in the middle of an export: its slots come back
my @pids = grep { defined } map { server_pid($_) } $a1, $a2;
is(scalar @pids, 2, 'the children streaming A\'s exports') or diag `ss -Htnp state established`;
is(get_page($ua_a, $PROBE)->code, 429, 'A still holds two');
kill 'KILL', $_ for @pids;
close $a1;
close $a2;
is(until_free($ua_a), 200, 'the children were killed: their slots are taken back');
{
    open(my $fh, '<', Apache::Test::vars('t_logs') . '/error_log') or die $!;
    local $/;
    my $log = <$fh>;
    like($log, qr/PT1224: took back \d export slot/, 'and the error log says so');
}
my ($x1, $cx1) = hold($ua_a);
my ($x2, $cx2) = hold($ua_a);
is("$cx1 $cx2", '200 200', 'A can run two exports again');
close $_ for $x1, $x2;
is(until_free($ua_c), 200, 'and they end');

# ------------------------------------------------------------ deep pages
my ($ua) = signed_in();
$res = get_page($ua, '/iocs?page=51');
is($res->code, 400, 'page 51: 400');
like($res->decoded_content, qr/page is a number from 1 to 50.*Next/, 'says to follow the Next links');
is(get_page($ua, '/iocs?page=100000')->code, 400, 'page 100000: 400');
is(get_page($ua, '/iocs?page=100000&per_page=100', Accept => 'application/json')->code, 400,
   'JSON too');
is(get_page($ua, '/iocs?page=50')->code, 200, 'page 50: 200');

# the UI's Next links walk all 520 rows, in order, past page 50
my @want = map { $_->[0] } @{ dbh()->selectall_arrayref(
    q{SELECT value FROM iocs WHERE source = 'WalkTest' ORDER BY first_seen DESC, id DESC}) };
my (@seen, %pages, $cursor_pages);
my $url = '/iocs?source=WalkTest';
for (1 .. 100) {
    my $r = get_page($ua, $url);
    is($r->code, 200, "walk: $url") unless $r->code == 200;
    last unless $r->code == 200;
    my $html = $r->decoded_content;
    push @seen, $html =~ /(walk-\d{4}\.test)/g;
    $pages{$1} = 1 if $url =~ /[?&]page=(\d+)/;
    $cursor_pages++ if $url =~ /[?&]after=/;
    my ($next) = $html =~ m{<a href="([^"]+)" rel="next">};
    last unless $next;
    ($url = $next) =~ s/&amp;/&/g;
}
is(scalar @seen, 520, 'the walk saw 520 rows');
is_deeply(\@seen, \@want, 'each once, newest first');
ok(!grep({ $_ > 50 } keys %pages), 'no page number over 50 was asked for');
ok($cursor_pages, "past page 50 the links go on with the cursor ($cursor_pages pages)");

dbh()->do(q{DELETE FROM iocs WHERE source IN ('HeavyTest', 'WalkTest')});
done_testing();
