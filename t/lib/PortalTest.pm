# PortalTest.pm -- what the Apache::Test scripts share: independent
# browser-like clients (each with its own cookie jar, redirects not
# followed), the CSRF token of a form, sign-up and sign-in helpers, and a
# direct handle on the test database (SQLite or PostgreSQL, as the run's
# environment says) for set-up and for checking what was stored.
package PortalTest;
use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use LWP::UserAgent ();
use HTTP::Cookies ();
use HTTP::Request::Common qw(POST GET);
use DBI ();
use Exporter 'import';

our @EXPORT = qw(client base_url csrf_of get_page post_form register_user
                 login_user dbh unique_name csrf_from cookie_value
                 post_raw count_users);

my $counter = 0;

sub base_url {
    my $hostport = Apache::TestRequest::hostport(Apache::Test::config());
    return "http://$hostport";
}

# A new client: its own cookies, no redirects followed.
sub client {
    my $ua = LWP::UserAgent->new(
        cookie_jar => HTTP::Cookies->new,
        max_redirect => 0,
        timeout => 30,
        agent => 'PortalTest/1.0',
    );
    return $ua;
}

sub unique_name {
    my ($prefix) = @_;
    $counter++;
    return sprintf('%s%d%d%d', $prefix // 'u', $$ % 10000, time % 100000,
                   $counter);
}

sub csrf_from {
    my ($html) = @_;
    return $1 if $html =~ /name="csrf_token" value="([^"]+)"/;
    return undef;
}

sub get_page {
    my ($ua, $path, %headers) = @_;
    return $ua->get(base_url() . $path, %headers);
}

# GET the page with the form and return its CSRF token.
sub csrf_of {
    my ($ua, $path) = @_;
    my $res = get_page($ua, $path);
    return csrf_from($res->decoded_content // '');
}

# POST a urlencoded form (fields as a list, so order and repeats are kept).
sub post_form {
    my ($ua, $path, @fields) = @_;
    return $ua->request(POST(base_url() . $path, \@fields));
}

sub post_raw {
    my ($ua, $path, $content_type, $body, %headers) = @_;
    my $req = HTTP::Request->new(POST => base_url() . $path);
    $req->header('Content-Type' => $content_type) if defined $content_type;
    $req->header(%headers) if %headers;
    $req->content($body);
    return $ua->request($req);
}

# Register a new account; returns (response, username, password, fields).
sub register_user {
    my ($ua, %over) = @_;
    my $user = $over{username} // unique_name('user');
    my %f = (
        username => $user,
        password => 'correct horse 1',
        first_name => 'Ada',
        last_name => 'Lovelace',
        address => "12 Analytical Row\nLondon",
        email => "$user\@example.org",
        %over,
    );
    my $prefix = delete $f{prefix} // '';
    my $csrf = csrf_of($ua, "$prefix/register");
    my $res = post_form($ua, "$prefix/register", csrf_token => $csrf,
                        map { $_ => $f{$_} } sort keys %f);
    return ($res, $f{username}, $f{password}, \%f);
}

sub login_user {
    my ($ua, $login, $password, $prefix) = @_;
    $prefix //= '';
    my $csrf = csrf_of($ua, "$prefix/login");
    return post_form($ua, "$prefix/login", csrf_token => $csrf,
                     username => $login, password => $password);
}

sub cookie_value {
    my ($ua, $name) = @_;
    my $val;
    $ua->cookie_jar->scan(sub { $val = $_[2] if $_[1] eq $name });
    return $val;
}

my $dbh;
sub dbh {
    return $dbh if $dbh;
    if (($ENV{PORTAL_DB} // 'sqlite') eq 'pgsql') {
        $dbh = DBI->connect("dbi:Pg:$ENV{PORTAL_PG_DSN}", 'portal', '',
                            { RaiseError => 1, AutoCommit => 1 });
    }
    else {
        $dbh = DBI->connect("dbi:SQLite:dbname=$ENV{PORTAL_DATA_DIR}/portal.db",
                            '', '', { RaiseError => 1, AutoCommit => 1 });
        $dbh->sqlite_busy_timeout(10000);
    }
    return $dbh;
}

sub count_users {
    return dbh()->selectrow_array('SELECT COUNT(*) FROM users');
}

1;
