# 27_iocs_refs.t -- an indicator's "reference" comes from whoever
# submitted it to the feed: only http and https references become links
# on /iocs and the dashboard; javascript:, data: and anything else (any
# case, behind spaces or control characters) is shown as text.  The JSON
# views and the exports keep the value as data.  The feed is a ThreatFox
# JSON file loaded with portalctl (t/17_iocs.t pulls feeds the other ways).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use File::Temp qw(tempdir);
use PortalTest;

my $J = JSON::PP->new->utf8->canonical;
my ($build) = $ENV{PORTAL_MODULE} =~ m{^(.*)/\.libs/mod_portal\.so$};
my $top = Apache::Test::vars('serverroot') . '/..';
my @db = ($ENV{PORTAL_DB} // 'sqlite') eq 'pgsql'
    ? ('--db', "pgsql:$ENV{PORTAL_DBD_PARAMS}")
    : ('--data', $ENV{PORTAL_DATA_DIR});

my %refs = (
    'reftest-js.test'     => 'javascript:alert(1)',
    'reftest-case.test'   => 'JaVaScRiPt:alert(2)',
    'reftest-space.test'  => "  \x01\tjavascript:alert(3)",
    'reftest-ctl.test'    => "\x01javascript:alert(4)",
    'reftest-nbsp.test'   => "\x{a0}javascript:alert(5)",
    'reftest-data.test'   => 'data:text/html,<script>alert(6)</script>',
    'reftest-vb.test'     => 'vbscript:msgbox(7)',
    'reftest-ok.test'     => 'https://example.org/report?a=1&b=2',
);
my $n = 0;
my $feed = $J->encode({ query_status => 'ok', data => [ map {
    +{ id => 7000 + ++$n, ioc => $_, threat_type => 'botnet_cc', threat_type_desc => 'C2',
       ioc_type => 'domain', ioc_type_desc => 'Domain', malware => 'win.reftest',
       malware_printable => 'RefTest', malware_alias => undef, malware_malpedia => undef,
       confidence_level => 90, first_seen => '2031-01-0' . ($n % 9 + 1) . ' 08:00:00 UTC',
       last_seen => undef, reference => $refs{$_}, reporter => 'tester', tags => ['reftest'] }
} sort keys %refs ] });
{
    my $dir = tempdir(CLEANUP => 1);
    chmod 0755, $dir;
    open(my $fh, '>:raw', "$dir/threatfox.json") or die $!;
    print $fh $feed;
    close $fh;
    my $cmd = join(' ', map { "'$_'" } "$build/portalctl", @db, '--sql', "$top/sql",
                   'ioc-refresh', '--file', "$dir/threatfox.json", '--format', 'threatfox-json');
    my $out = `$cmd 2>&1`;
    is($? >> 8, 0, 'portalctl loads the ThreatFox file') or diag $out;
}
my %stored = map { $_->[0] => $_->[1] } @{ dbh()->selectall_arrayref(
    q{SELECT value, reference FROM iocs WHERE value LIKE 'reftest-%'}) };
utf8::decode($_) for values %stored;      # as JSON gives them: characters
is(scalar keys %stored, scalar keys %refs, 'every indicator stored');
like($stored{'reftest-space.test'}, qr/javascript:alert\(3\)/, 'a reference behind blanks is kept as data');

my ($ua) = signed_in();
# Every href of the indicator table in a page, and the cell of each value.
sub table_of {
    my ($html) = @_;
    my ($table) = $html =~ m{(<table class="iocs".*?</table>)}s;
    return $table // '';
}
for my $page (['/iocs?q=reftest&per_page=20', '/iocs'], ['/dashboard', 'the dashboard']) {
    my ($path, $label) = @$page;
    my $res = get_page($ua, $path);
    is($res->code, 200, "$label: 200");
    my $table = table_of($res->decoded_content);
    my @hrefs = $table =~ m{href="([^"]*)"}g;
    ok(@hrefs, "$label: the table has links");
    my @bad = grep { !m{^https?://} } @hrefs;
    is_deeply(\@bad, [], "$label: every link in the table is http(s)");
    unlike($table, qr{href="\s*(?:&#x?[0-9a-f]+;)*\s*(?:javascript|data|vbscript):}i,
           "$label: no javascript:, data: or vbscript: link, however spelt");
    like($table, qr{<a href="https://example\.org/report\?a=1&amp;b=2" rel="noopener noreferrer">reftest-ok\.test</a>},
         "$label: the https reference is a link");
    for my $v (grep { $_ ne 'reftest-ok.test' } sort keys %refs) {
        unlike($table, qr{<a [^>]*>\Q$v\E</a>}, "$label: $v is not a link");
    }
    like($table, qr{reftest-js\.test<br><span class="ioc-ref hint">reference \(not a web link\): javascript:alert\(1\)</span>},
         "$label: a javascript: reference is shown as text");
    like($table, qr{data:text/html,&lt;script&gt;alert\(6\)&lt;/script&gt;},
         "$label: a data: reference is shown as text, escaped");
}

# the JSON view and the exports keep the values as data
my $j = $J->decode(get_page($ua, '/iocs?q=reftest&per_page=20', Accept => 'application/json')->content);
my %got = map { $_->{value} => $_->{reference} } @{ $j->{items} };
is_deeply(\%got, \%stored, 'JSON: each reference as stored');
ok(!(grep { exists $_->{reference_link} } @{ $j->{items} }), 'JSON: no extra fields');
my $csv = get_page($ua, '/iocs/export?format=csv&q=reftest')->content;
like($csv, qr/javascript:alert\(1\)/, 'the CSV export keeps the reference');
my $ex = $J->decode(get_page($ua, '/iocs/export?format=json&q=reftest')->content);
my %exp = map { $_->{value} => $_->{reference} } @{ $ex->{items} };
is_deeply(\%exp, \%stored, 'the JSON export keeps every reference');
my $stix = $J->decode(get_page($ua, '/iocs/export?format=stix&q=reftest')->content);
my @urls = map { $_->{url} } map { @{ $_->{external_references} // [] } } @{ $stix->{objects} };
is_deeply(\@urls, ['https://example.org/report?a=1&b=2'],
          'STIX: only the https reference becomes an external reference');

dbh()->do(q{DELETE FROM iocs WHERE value LIKE 'reftest-%'});
done_testing();
