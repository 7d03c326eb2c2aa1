# 17_iocs.t -- threat intelligence: feeds in every format served by this
# httpd and pulled by the watchdog job, merged without duplicates, a 304
# that costs nothing, a feed that fails mid-way keeping its data,
# retention, the allowlist, the lease between two pullers, the /iocs view
# (search, filters, paging, counts, JSON), the exports, and the sign-in's
# place from the MaxMind database.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use File::Temp qw(tempdir);
use PortalTest;

my $J = JSON::PP->new->utf8;
my $feeds = "$ENV{PORTAL_DATA_DIR}/feeds";
my ($build) = $ENV{PORTAL_MODULE} =~ m{^(.*)/\.libs/mod_portal\.so$};
my $top = Apache::Test::vars('serverroot') . '/..';
my @db = ($ENV{PORTAL_DB} // 'sqlite') eq 'pgsql'
    ? ('--db', "pgsql:$ENV{PORTAL_DBD_PARAMS}")
    : ('--data', $ENV{PORTAL_DATA_DIR});

sub write_feed {
    my ($name, $body) = @_;
    # written aside and renamed into place, so that the job never fetches
    # a half-written file; each version gets its own mtime in the past (a
    # strong ETag that changes with every version)
    open(my $fh, '>:raw', "$feeds/.$name") or die "$feeds/.$name: $!";
    print $fh $body;
    close $fh;
    my $t = time - 600 + (++$main::bump);
    utime($t, $t, "$feeds/.$name");
    rename("$feeds/.$name", "$feeds/$name") or die "rename $name: $!";
}
sub portalctl {
    my (@args) = @_;
    my $cmd = join(' ', map { "'$_'" } "$build/portalctl", @db,
                   '--sql', "$top/sql", @args);
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}
sub banner {
    my ($title) = @_;
    return join("\r\n", '#' x 64,
                sprintf('%-63s#', "# abuse.ch $title"),
                sprintf('%-63s#', '# Last updated: 2026-11-23 10:00:00 (UTC)'),
                sprintf('%-63s#', '#'),
                sprintf('%-63s#', '# Terms Of Use: https://abuse.ch/'),
                sprintf('%-63s#', '# For questions please contact us'),
                '#' x 64, '#', '');
}
my $urlhaus_head = banner('URLhaus Database Dump (CSV - recent URLs only)')
    . "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\r\n";
sub urlhaus_row {
    my ($id, $url, $last, $tags) = @_;
    return qq{"$id","2026-11-20 08:00:00","$url","online","$last","malware_download","$tags","https://urlhaus.abuse.ch/url/$id/","tester"\r\n};
}
my $urlhaus = $urlhaus_head
    . urlhaus_row(101, 'http://evil-one.test/bins/x86', '2026-11-22 10:00:00', '32-bit,elf,Mozi')
    . urlhaus_row(102, 'http://198.51.100.23:8080/i', '', '=HYPERLINK(1)')
    . urlhaus_row(103, 'https://www.allowed.example/ok', '', 'None');
my $threatfox = $J->encode({ query_status => 'ok', data => [
    { id => '9001', ioc => 'evil-two.test', threat_type => 'botnet_cc',
      threat_type_desc => 'C2', ioc_type => 'domain', ioc_type_desc => 'Domain',
      malware => 'win.emotet', malware_printable => 'Emotet', malware_alias => undef,
      malware_malpedia => 'https://malpedia.caad.fkie.fraunhofer.de/details/win.emotet',
      confidence_level => 75, first_seen => '2026-11-21 08:00:00 UTC', last_seen => undef,
      reference => undef, reporter => 'tester', tags => ['emotet', 'epoch5'] },
    { id => '9002', ioc => '203.0.113.5:443', threat_type => 'botnet_cc',
      threat_type_desc => 'C2', ioc_type => 'ip:port', ioc_type_desc => 'IP:port',
      malware => 'win.qakbot', malware_printable => 'QakBot', malware_alias => undef,
      malware_malpedia => undef, confidence_level => 100,
      first_seen => '2026-11-22 08:00:00 UTC', last_seen => undef,
      reference => 'https://example.net/report', reporter => 'tester', tags => undef },
    { id => '9003', ioc => 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
      threat_type => 'payload', threat_type_desc => 'Payload', ioc_type => 'sha256_hash',
      ioc_type_desc => 'SHA256', malware => 'win.agent_tesla', malware_printable => 'Agent Tesla',
      malware_alias => undef, malware_malpedia => undef, confidence_level => 50,
      first_seen => '2026-11-23 08:00:00 UTC', last_seen => undef, reference => undef,
      reporter => 'tester', tags => ['AgentTesla'] },
] });
my $bazaar = banner('MalwareBazaar full malware samples dump (CSV)')
    . qq{# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature","clamav","vtpercent","imphash","ssdeep","tlsh"\r\n}
    . qq{"2026-11-19 13:41:09", "19d854caf81bc884c677bd941abc50b33716e188fa723991820b0ffa3ea7e93e", "9363fa2625198beb1fcce0ef07f558ff", "7b8ec1995e86a076cb95bbe1e39c587f7159a27f", "tester", "pm68k", "elf", "application/x-executable", "Mirai", "n/a", "n/a", "n/a", "3072:abc", "T1ABC"\r\n};
my $feodo = $J->encode([
    { ip_address => '192.0.2.200', port => 4643, status => 'online', hostname => undef,
      as_number => 64500, as_name => 'TEST', country => 'FR',
      first_seen => '2026-11-18 07:44:46', last_online => '2026-11-23', malware => 'Dridex' },
    { ip_address => '192.0.2.77', port => 443, status => 'online', hostname => undef,
      as_number => 64500, as_name => 'TEST', country => 'FR',
      first_seen => '2026-11-18 07:44:46', last_online => '2026-11-23', malware => 'Dridex' },
]);
my $greynoise = $J->encode([
    { ip => '203.0.113.99', noise => JSON::PP::true, riot => JSON::PP::false,
      classification => 'malicious', name => 'unknown',
      link => 'https://viz.greynoise.io/ip/203.0.113.99', last_seen => '2026-11-22',
      message => 'Success' },
]);
write_feed('urlhaus.csv', $urlhaus);
write_feed('threatfox.json', $threatfox);
write_feed('bazaar.csv', $bazaar);
write_feed('feodo.json', $feodo);
write_feed('greynoise.json', $greynoise);
system('chown', '-R', 'nobody:nogroup', $feeds);

# --- the watchdog job pulls every feed by itself
my $pulled = 0;
for (1 .. 60) {
    my ($n) = dbh()->selectrow_array(
        'SELECT COUNT(*) FROM ioc_feeds WHERE last_success_at IS NOT NULL');
    if (($n // 0) == 5) { $pulled = 1; last }
    sleep 1;
}
ok($pulled, 'the job pulled all five feeds')
    or diag explain dbh()->selectall_arrayref('SELECT name, last_error FROM ioc_feeds');
# from here on the test drives the pulls with portalctl --force: hold the
# server's job off every feed (as a lease of another node would)
dbh()->do(q{UPDATE leases SET holder = 'test-hold', expires_at = ?}, undef, time + 3600);
my $total = sub { (dbh()->selectrow_array('SELECT COUNT(*) FROM iocs'))[0] };
# urlhaus 3 - 1 allowlisted, threatfox 3, bazaar 3 hashes, feodo 2 - 1,
# greynoise 1
is($total->(), 10, 'ten indicators from five feeds (two allowlisted)');
my %by = map { $_->[0] => $_->[1] } @{ dbh()->selectall_arrayref(
    'SELECT source, COUNT(*) FROM iocs GROUP BY source') };
is_deeply(\%by, { URLhaus => 2, ThreatFox => 3, MalwareBazaar => 3,
                  'Feodo Tracker' => 1, GreyNoise => 1 }, 'by source');
my ($hash) = dbh()->selectrow_array(q{SELECT value FROM iocs WHERE type = 'sha256' AND source = 'ThreatFox'});
is($hash, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hashes lower-cased');
my ($ipport) = dbh()->selectrow_array(q{SELECT type FROM iocs WHERE value = '203.0.113.5:443'});
is($ipport, 'ip:port', 'ip:port kept as such');
ok(!dbh()->selectrow_array(q{SELECT 1 FROM iocs WHERE value LIKE '%allowed.example%' OR value LIKE '192.0.2.77%'}),
   'allowlisted host and address never stored');

# --- a second pull of unchanged feeds: 304, nothing changes
my ($rc, $out) = portalctl('ioc-refresh', '--feed', 'urlhaus', '--force');
is($rc, 0, 'portalctl ioc-refresh --feed urlhaus') or diag $out;
like($out, qr/urlhaus: unchanged/, 'unchanged: If-None-Match answered 304');
is($total->(), 10, 'no duplicates');

# --- the feed changes: one new row, one later last_online
my ($first0, $last0) = dbh()->selectrow_array(
    q{SELECT first_seen, last_seen FROM iocs WHERE value = 'http://evil-one.test/bins/x86'});
write_feed('urlhaus.csv', $urlhaus_head
    . urlhaus_row(104, 'http://evil-three.test/a.sh', '', 'sh')
    . urlhaus_row(101, 'http://evil-one.test/bins/x86', '2026-11-23 11:00:00', '32-bit,elf,Mozi')
    . urlhaus_row(102, 'http://198.51.100.23:8080/i', '', '=HYPERLINK(1)')
    . urlhaus_row(103, 'https://www.allowed.example/ok', '', 'x'));
($rc, $out) = portalctl('ioc-refresh', '--feed', 'urlhaus', '--force');
like($out, qr/urlhaus: 4 indicators, 1 new, 2 updated, 1 skipped/, 'one new, two updated, one allowlisted')
    or diag $out;
is($total->(), 11, 'eleven now, still no duplicates');
my ($first1, $last1) = dbh()->selectrow_array(
    q{SELECT first_seen, last_seen FROM iocs WHERE value = 'http://evil-one.test/bins/x86'});
is($first1, $first0, 'first_seen kept');
ok($last1 > $last0, 'last_seen advanced');

# --- a feed cut off mid-way keeps its data
write_feed('threatfox.json', substr($threatfox, 0, int(length($threatfox) / 2)));
($rc, $out) = portalctl('ioc-refresh', '--feed', 'threatfox', '--force');
isnt($rc, 0, 'a truncated feed fails');
my ($tf, $err) = (dbh()->selectrow_array(q{SELECT COUNT(*) FROM iocs WHERE source = 'ThreatFox'}),
                  dbh()->selectrow_array(q{SELECT last_error FROM ioc_feeds WHERE name = 'threatfox'}));
is($tf, 3, 'its previous three indicators are kept');
ok($err, "its status says why: $err");
my ($ua) = signed_in();
my $dash = get_page($ua, '/dashboard')->decoded_content;
like($dash, qr/feed-bad.*?threatfox/s, 'the dashboard shows the failing feed');
write_feed('threatfox.json', $threatfox);
($rc, $out) = portalctl('ioc-refresh', '--feed', 'threatfox', '--force');
is($rc, 0, 'fixed: it pulls again') or diag $out;

# --- retention: a row its feed stopped listing goes after PortalIocRetention
dbh()->do(q{UPDATE iocs SET seen_at = seen_at - 7200 WHERE source = 'Feodo Tracker'});
write_feed('feodo.json', $J->encode([]));
($rc, $out) = portalctl('ioc-refresh', '--feed', 'feodo', '--force');
like($out, qr/feodo: 0 indicators, .* 1 expired/, 'retention removed the stale row') or diag $out;
is($total->(), 10, 'ten again');

# --- the lease: another node pulled it recently
dbh()->do(q{UPDATE leases SET holder = 'node-b:1', expires_at = ? WHERE name = 'ioc:greynoise'},
          undef, time + 600);
($rc, $out) = portalctl('ioc-refresh', '--feed', 'greynoise');
like($out, qr/greynoise: skipped/, 'a held lease: the other puller skips');
{
    # and the server's own job (interval 10 s) leaves it alone too, while
    # it pulls a feed whose lease is free
    dbh()->do(q{UPDATE leases SET expires_at = 0 WHERE name = 'ioc:bazaar'});
    my ($before) = dbh()->selectrow_array(
        q{SELECT last_attempt_at FROM ioc_feeds WHERE name = 'greynoise'});
    my ($other) = dbh()->selectrow_array(
        q{SELECT last_attempt_at FROM ioc_feeds WHERE name = 'bazaar'});
    sleep 13;
    my ($after) = dbh()->selectrow_array(
        q{SELECT last_attempt_at FROM ioc_feeds WHERE name = 'greynoise'});
    my ($other2) = dbh()->selectrow_array(
        q{SELECT last_attempt_at FROM ioc_feeds WHERE name = 'bazaar'});
    is($after, $before, "the server does not pull a feed another node's lease holds");
    ok($other2 > $other, 'while it goes on pulling the others');
}

# --- /iocs
my $res = get_page($ua, '/iocs');
is($res->code, 200, '/iocs');
like($res->decoded_content, qr/evil-two\.test/, 'lists indicators');
like($res->decoded_content, qr/<svg class="chart"/, 'with server-rendered charts');
my $j = $J->decode(get_page($ua, '/iocs', Accept => 'application/json')->content);
is($j->{total}, 10, 'JSON: total');
is($j->{counts}{by_source}{ThreatFox}, 3, 'JSON: counts by source');
is($j->{counts}{by_type}{sha256}, 2, 'JSON: counts by type');
is(scalar @{ $j->{items} }, 10, 'ten a page');
ok($j->{items}[0]{first_seen} ge $j->{items}[-1]{first_seen}, 'newest first');
is_deeply([sort keys %{ $j->{items}[0] }],
          [qw(confidence first_seen last_seen malware reference source tags threat type value)],
          'item fields');
$j = $J->decode(get_page($ua, '/iocs?q=emotet', Accept => 'application/json')->content);
is($j->{total}, 1, 'search: emotet');
is($j->{items}[0]{value}, 'evil-two.test', 'finds it by malware name');
$j = $J->decode(get_page($ua, '/iocs?q=EVIL-T', Accept => 'application/json')->content);
is($j->{total}, 2, 'search is case-insensitive and matches inside values');
$j = $J->decode(get_page($ua, '/iocs?type=url&source=URLhaus', Accept => 'application/json')->content);
is($j->{total}, 3, 'filter by type and source');
$j = $J->decode(get_page($ua, '/iocs?from=2026-11-22&to=2026-11-22', Accept => 'application/json')->content);
ok(!grep({ $_->{first_seen} !~ /^2026-11-22/ } @{ $j->{items} }), 'date range');
$j = $J->decode(get_page($ua, '/iocs?per_page=4', Accept => 'application/json')->content);
ok($j->{next}, 'a next cursor');
my $p2 = $J->decode(get_page($ua, "/iocs?per_page=4&after=$j->{next}", Accept => 'application/json')->content);
my %ids = map { $_->{value} => 1 } @{ $j->{items} };
ok(!grep({ $ids{ $_->{value} } } @{ $p2->{items} }), 'the next page has other rows');
my $pg2 = $J->decode(get_page($ua, '/iocs?per_page=4&page=2', Accept => 'application/json')->content);
is_deeply([map { $_->{value} } @{ $pg2->{items} }], [map { $_->{value} } @{ $p2->{items} }],
          'page 2 and the cursor agree');
is(get_page($ua, '/iocs?q=ab')->code, 400, 'a 2-character search: 400');
is(get_page($ua, '/iocs?from=yesterday')->code, 400, 'a bad date: 400');
is(get_page($ua, "/iocs?q=' OR 1=1 --", Accept => 'application/json')->code, 200, 'SQL in the search is just text');
like(get_page($ua, '/iocs?q=%3Cscript%3E')->decoded_content, qr/value="&lt;script&gt;"/, 'the search is escaped in the page');
is(get_page(client(), '/iocs')->code, 303, 'signed out: to the sign-in page');

# --- exports
$res = get_page($ua, '/iocs/export?format=csv');
is($res->code, 200, 'CSV export');
like($res->header('Content-Type'), qr{^text/csv}, 'as CSV');
my @lines = split /\r\n/, $res->content;
like($lines[0], qr/^type,value,source/, 'a header line');
is(scalar @lines, 11, 'a header and a line per indicator');
like($res->content, qr/'=HYPERLINK/, 'a cell starting with = is neutralised');
$res = get_page($ua, '/iocs/export?format=json&source=ThreatFox');
is(scalar @{ $J->decode($res->content)->{items} }, 3, 'JSON export of a filter');
$res = get_page($ua, '/iocs/export?format=stix');
is($res->code, 200, 'STIX export');
my $bundle = $J->decode($res->content);
is($bundle->{type}, 'bundle', 'a STIX bundle');
my @ind = grep { $_->{type} eq 'indicator' } @{ $bundle->{objects} };
is(scalar @ind, 10, 'an indicator per row');
ok((grep { $_->{pattern} =~ /network-traffic:dst_port = 443/ } @ind), 'ip:port pattern');
{
    my $dir = tempdir(CLEANUP => 1);
    open(my $fh, '>:raw', "$dir/bundle.json") or die; print $fh $res->content; close $fh;
    my $v = `python3 $top/t/unit/check_stix.py $dir/bundle.json 2>&1`;
    is($?, 0, 'valid against the STIX 2.1 schemas') or diag $v;
}
is(get_page($ua, '/iocs/export?format=xml')->code, 400, 'an unknown format: 400');

# --- the dashboard: totals and the sign-in's place
$dash = get_page($ua, '/dashboard')->decoded_content;
like($dash, qr/id="ioc-total">10</, 'the dashboard shows the total');
like($dash, qr/id="login-geo">[^<]*Loopback/, 'the sign-in place from the MaxMind database');
like($dash, qr/id="login-local">\d{4}-\d\d-\d\d \d\d:\d\d/, 'and the time there');

# --- many matches: a search counts the first 10000 and says so; a type
# filter counts from the totals each pull keeps
{
    my $body = $urlhaus_head;
    $body .= urlhaus_row(200000 + $_, "http://capword-$_.example-bad.test/x", '', 'bulk')
        for 1 .. 10050;
    my $dir = tempdir(CLEANUP => 1);
    chmod 0755, $dir;
    open(my $fh, '>:raw', "$dir/bulk.csv") or die; print $fh $body; close $fh;
    chmod 0644, "$dir/bulk.csv";
    ($rc, $out) = portalctl('ioc-refresh', '--file', "$dir/bulk.csv", '--format', 'urlhaus-csv');
    like($out, qr/10050 indicators, 10050 new/, 'portalctl loads a file') or diag $out;
    $j = $J->decode(get_page($ua, '/iocs?q=capword', Accept => 'application/json')->content);
    ok($j->{total_capped}, 'a search with more than 10000 matches says so');
    is($j->{total}, 10000, 'and counts the first 10000');
    is(scalar @{ $j->{items} }, 10, 'still ten a page');
    $j = $J->decode(get_page($ua, '/iocs?type=url', Accept => 'application/json')->content);
    ok(!$j->{total_capped}, 'a type filter is counted exactly');
    is($j->{total}, 10053, 'from the per-pull totals');
    like(get_page($ua, '/iocs?q=capword')->decoded_content, qr/more than <strong id="ioc-total">10000/,
         'the page says "more than"');
}

done_testing();
