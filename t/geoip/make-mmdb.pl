#!/usr/bin/perl
# make-mmdb.pl -- write the small GeoIP test database.
#   perl t/geoip/make-mmdb.pl OUT.mmdb
# A MaxMind DB in the GeoIP2-City / GeoLite2-City layout (country,
# registered_country, subdivisions, city, location) for a few networks that
# the unit tests and Apache::Test look up.  Needs Debian's
# libmaxmind-db-writer-perl; exits 2 with a clear message when it is
# missing, 1 on any other failure.
use strict;
use warnings;
use utf8;

BEGIN {
    if (!eval { require MaxMind::DB::Writer::Tree; 1 }) {
        print STDERR "make-mmdb.pl: the Perl module MaxMind::DB::Writer::Tree"
            . " is missing: install the Debian package"
            . " libmaxmind-db-writer-perl\n";
        exit 2;
    }
}

my $out = shift @ARGV;
if (!defined $out || @ARGV) {
    print STDERR "usage: make-mmdb.pl OUT.mmdb\n";
    exit 1;
}

# value types of every map key, as in MaxMind's City databases
my %types = (
    city                => 'map',
    continent           => 'map',
    country             => 'map',
    location            => 'map',
    registered_country  => 'map',
    subdivisions        => [ 'array', 'map' ],
    names               => 'map',
    code                => 'utf8_string',
    iso_code            => 'utf8_string',
    geoname_id          => 'uint32',
    en                  => 'utf8_string',
    de                  => 'utf8_string',
    sv                  => 'utf8_string',
    time_zone           => 'utf8_string',
    latitude            => 'double',
    longitude           => 'double',
    accuracy_radius     => 'uint16',
);

sub country {
    my ($iso, $en, $id) = @_;
    return {
        iso_code   => $iso,
        geoname_id => $id,
        names      => { en => $en },
    };
}

my %continent = (
    EU => { code => 'EU', geoname_id => 6255148, names => { en => 'Europe' } },
    NA => { code => 'NA', geoname_id => 6255149,
            names => { en => 'North America' } },
);
my $gb = country('GB', 'United Kingdom', 2635167);
my $se = country('SE', 'Sweden', 2661886);
my $us = country('US', 'United States', 6252001);
$gb->{names}{de} = 'Vereinigtes Königreich';
$se->{names}{sv} = 'Sverige';

my @networks = (
    [ '81.2.69.0/24', {
        continent          => $continent{EU},
        country            => $gb,
        registered_country => $gb,
        subdivisions       => [ { iso_code => 'ENG', geoname_id => 6269131,
                                  names => { en => 'England' } } ],
        city               => { geoname_id => 2643743,
                                names => { en => 'London' } },
        location           => { time_zone => 'Europe/London',
                                latitude => 51.5142, longitude => -0.0931,
                                accuracy_radius => 10 },
    } ],
    [ '2.125.160.0/24', {
        continent          => $continent{EU},
        country            => $gb,
        registered_country => $gb,
    } ],
    [ '89.160.20.0/24', {
        continent          => $continent{EU},
        country            => $se,
        registered_country => $se,
        subdivisions       => [ {
            iso_code   => 'E',
            geoname_id => 2685867,
            names      => { en => 'Östergötland County' },
        } ],
        city               => { geoname_id => 2694762,
                                names => { en => 'Linköping' } },
        location           => { time_zone => 'Europe/Stockholm',
                                latitude => 58.4167, longitude => 15.6167,
                                accuracy_radius => 76 },
    } ],
    [ '216.160.83.0/24', {
        continent          => $continent{NA},
        country            => $us,
        registered_country => $us,
        subdivisions       => [ { iso_code => 'WA', geoname_id => 5815135,
                                  names => { en => 'Washington' } } ],
        city               => { geoname_id => 5803556,
                                names => { en => 'Milton' } },
        location           => { time_zone => 'America/Los_Angeles',
                                latitude => 47.2513, longitude => -122.3149,
                                accuracy_radius => 22 },
    } ],
    [ '2001:480::/32', {
        continent          => $continent{NA},
        country            => $us,
        registered_country => $us,
    } ],
);
# TEST-NET-1 (documentation range): a record with no "country" (only
# "registered_country") and values the reader must refuse: a city name with
# an escape character, a region name of 300 characters
push @networks, [ '192.0.2.0/24', {
    registered_country => country('DE', 'Germany', 2921044),
    subdivisions       => [ { names => { en => 'x' x 300 } } ],
    city               => { names => { en => "Bad\x{1b}[31mName" } },
    location           => { time_zone => 'Europe/Berlin' },
} ];
# loopback, so that Apache::Test on 127.0.0.1 or ::1 shows something;
# "ZZ" is the ISO 3166 code for "unknown or unspecified"
my $loop = {
    country  => { iso_code => 'ZZ', names => { en => 'Loopback' } },
    location => { time_zone => 'Etc/UTC' },
};
push @networks, [ '127.0.0.0/8', $loop ], [ '::1/128', $loop ];

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 28,
    database_type            => 'GeoIP2-City',
    languages                => [ 'en' ],
    description              => { en => 'mod_portal test data (not real)' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4       => 1,
    remove_reserved_networks => 0,
);
for my $n (@networks) {
    $tree->insert_network($n->[0], $n->[1]);
}

open(my $fh, '>:raw', $out) or die "make-mmdb.pl: cannot write $out: $!\n";
$tree->write_tree($fh);
close($fh) or die "make-mmdb.pl: cannot write $out: $!\n";
exit 0;
