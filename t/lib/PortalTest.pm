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
                 post_raw count_users mails_to wait_mails mail_header
                 mail_text mail_html link_in sink_stop sink_start
                 mail_count wait_subject signed_in multipart upload
                 files_of stored_object post_stream portal_mac);

my $counter = 0;

# The MAC the server makes for a purpose over parts (core/pt_mac.h):
# HMAC-SHA256 under the data folder's secret key of "pt-mac/1\0", the
# purpose, "\0", then each part after its length (4 bytes, big-endian),
# as unpadded base64url.  For tests that forge otherwise perfect values.
sub portal_mac {
    my ($purpose, @parts) = @_;
    require Digest::SHA;
    require MIME::Base64;
    open(my $fh, '<:raw', "$ENV{PORTAL_DATA_DIR}/keys/secret.key") or die $!;
    my $secret = do { local $/; <$fh> };
    my $msg = "pt-mac/1\0$purpose\0";
    $msg .= pack('N', length $_) . $_ for @parts;
    return MIME::Base64::encode_base64url(Digest::SHA::hmac_sha256($msg, $secret));
}

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
    # most tests are not about email confirmation: mark the account
    # confirmed as its link would (t/09_mail.t follows real links)
    my $verified = delete $f{verified} // 1;
    my $csrf = csrf_of($ua, "$prefix/register");
    my $res = post_form($ua, "$prefix/register", csrf_token => $csrf,
                        map { $_ => $f{$_} } sort keys %f);
    if ($verified && $res->code == 303) {
        dbh()->do('UPDATE users SET email_verified_at = created_at WHERE username = ?',
                  undef, $f{username});
    }
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

# A new client with a new, signed-in account: (ua, username, password).
sub signed_in {
    my (%over) = @_;
    my $ua = client();
    my $role = delete $over{role};
    my ($res, $user, $pw) = register_user($ua, %over);
    my $prefix = $over{prefix} // '';
    # operations and admin accounts are made by an admin; the tests take
    # the short way (t/19_admin.t goes the long way)
    dbh()->do('UPDATE users SET role = ? WHERE username = ?', undef, $role, $user)
        if $role;
    login_user($ua, $user, $pw, $prefix)->code == 303
        or die "cannot sign in $user";
    return ($ua, $user, $pw);
}

# A multipart/form-data body from parts [name, value, filename?, type?]
# written byte for byte as given (hostile names included): (ctype, body).
sub multipart {
    my (@parts) = @_;
    my $b = 'ptboundary' . int(rand(1e9));
    my $body = '';
    for my $p (@parts) {
        my ($name, $value, $filename, $type) = @$p;
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$name\"";
        $body .= "; filename=\"$filename\"" if defined $filename;
        $body .= "\r\n";
        $body .= "Content-Type: " . ($type // 'application/octet-stream') . "\r\n"
            if defined $filename;
        $body .= "\r\n$value\r\n";
    }
    $body .= "--$b--\r\n";
    return ("multipart/form-data; boundary=$b", $body);
}

# Upload files ([filename, content], ...) as the signed-in ua; the CSRF
# token is taken from /files unless given.  JSON unless json => 0.
sub upload {
    my ($ua, $files, %o) = @_;
    my $prefix = $o{prefix} // '';
    my $csrf = exists $o{csrf} ? $o{csrf} : csrf_of($ua, "$prefix/files");
    my @parts;
    push @parts, ['csrf_token', $csrf] if defined $csrf;
    push @parts, ['file', $_->[1], $_->[0], $_->[2]] for @$files;
    my ($ct, $body) = multipart(@parts);
    my %h;
    $h{Accept} = 'application/json' unless defined $o{json} && !$o{json};
    return post_raw($ua, $o{path} // "$prefix/upload", $ct, $body, %h);
}

# POST a body in pieces through a content callback (no Content-Length
# unless given in %h: then LWP sends it as is, else chunked), optionally
# sleeping between pieces: (ua, path, ctype, body, piece, delay, %h).
sub post_stream {
    my ($ua, $path, $ct, $body, $piece, $delay, %h) = @_;
    my $req = HTTP::Request->new(POST => base_url() . $path);
    $req->header('Content-Type' => $ct, Accept => 'application/json', %h);
    my $off = 0;
    $req->content(sub {
        return '' if $off >= length $body;
        select(undef, undef, undef, $delay) if $delay && $off;
        my $c = substr($body, $off, $piece);
        $off += length $c;
        return $c;
    });
    return $ua->request($req);
}

# The files rows of a user, newest first.
sub files_of {
    my ($username) = @_;
    return dbh()->selectall_arrayref(
        'SELECT f.* FROM files f JOIN users u ON u.id = f.user_id '
        . 'WHERE u.username = ? ORDER BY f.id DESC', { Slice => {} },
        $username);
}

# The stored (encrypted) bytes of an object in the local store, or undef.
sub stored_object {
    my ($key) = @_;
    my $path = "$ENV{PORTAL_DATA_DIR}/files/" . substr($key, 0, 2) . "/$key";
    if (($ENV{PORTAL_STORAGE_KIND} // 'local') eq 's3') {
        my @found = glob("$ENV{PORTAL_S3_DIR}/portal-test/files/$key*");
        # s3rver keeps an object as KEY._S3rver_object
        ($path) = grep { -f $_ && /object$/ } @found;
        return undef unless $path;
    }
    return _slurp($path) if -f $path;
    return undef;
}

# ------------------------------------------------------------ mail

sub _mail_files {
    my $dir = $ENV{PORTAL_MAIL_DIR};
    opendir(my $dh, $dir) or return ();
    my @f = sort grep { /\.eml$/ } readdir($dh);
    closedir($dh);
    return map { "$dir/$_" } @f;
}

sub _slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or return '';
    local $/;
    return scalar <$fh>;
}

# Every message received so far for $addr (raw, in arrival order).
sub mails_to {
    my ($addr) = @_;
    my @out;
    for my $f (_mail_files()) {
        my $m = _slurp($f);
        my ($head) = split /\r?\n\r?\n/, $m, 2;
        push @out, $m if $head =~ /^To:.*\Q$addr\E/mi;
    }
    return @out;
}

sub mail_count { return scalar _mail_files() }

# Wait (up to $secs) until $addr has at least $n messages; returns them.
sub wait_mails {
    my ($addr, $n, $secs) = @_;
    $n //= 1;
    my $until = time + ($secs // 20);
    my @m;
    while (1) {
        @m = mails_to($addr);
        return @m if @m >= $n || time > $until;
        select(undef, undef, undef, 0.25);
    }
}

# Wait until $addr has $n messages whose Subject matches $re; returns them.
sub wait_subject {
    my ($addr, $re, $n, $secs) = @_;
    $n //= 1;
    my $until = time + ($secs // 20);
    my @m;
    while (1) {
        @m = grep { (mail_header($_, 'Subject') // '') =~ $re } mails_to($addr);
        return @m if @m >= $n || time > $until;
        select(undef, undef, undef, 0.25);
    }
}

sub mail_header {
    my ($m, $name) = @_;
    my ($head) = split /\r?\n\r?\n/, $m, 2;
    $head =~ s/\r?\n[ \t]+/ /g;          # unfold
    return $1 if $head =~ /^\Q$name\E:[ \t]*(.*?)\r?$/mi;
    return undef;
}

# The decoded body of the first part of type $type (text/plain, text/html).
sub _part {
    my ($m, $type) = @_;
    my @parts = split /\r?\n--[^\r\n]+\r?\n/, $m;
    unshift @parts, $m;
    for my $p (@parts) {
        my ($h, $b) = split /\r?\n\r?\n/, $p, 2;
        next unless defined $b && $h =~ m{^Content-Type:\s*\Q$type\E}mi;
        $b =~ s/\r?\n--[^\r\n]+--\s*\z//;
        if ($h =~ /^Content-Transfer-Encoding:\s*quoted-printable/mi) {
            require MIME::QuotedPrint;
            $b = MIME::QuotedPrint::decode_qp($b);
        }
        elsif ($h =~ /^Content-Transfer-Encoding:\s*base64/mi) {
            require MIME::Base64;
            $b = MIME::Base64::decode_base64($b);
        }
        utf8::decode($b);
        return $b;
    }
    return undef;
}
sub mail_text { return _part($_[0], 'text/plain') }
sub mail_html { return _part($_[0], 'text/html') }

# The path and query of the first link to $path in $text.
sub link_in {
    my ($text, $path) = @_;
    return $1 if defined $text && $text =~ m{https?://[^/\s]+([^\s"<]*?\Q$path\E\?token=[A-Za-z0-9_-]+)};
    return undef;
}

sub sink_stop {
    open(my $fh, '<', $ENV{PORTAL_SINK_PIDFILE}) or return;
    my $pid = <$fh>;
    chomp $pid;
    kill 'TERM', $pid;
    waitpid($pid, 0);
    for (1 .. 50) {
        last unless system("ss -Hltn 'sport = :$ENV{PORTAL_SMTP_PORT}' | grep -q .") == 0;
        select(undef, undef, undef, 0.1);
    }
}

sub sink_start {
    my $pid = fork();
    if (!$pid) {
        # its own session, and none of the test's pipes: the harness waits
        # for those to close
        require POSIX;
        POSIX::setsid();
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', '/dev/null');
        open(STDERR, '>', '/dev/null');
        { exec('sh', '-c', "exec $ENV{PORTAL_SINK}") };
        POSIX::_exit(127);
    }
    open(my $fh, '>', $ENV{PORTAL_SINK_PIDFILE});
    print $fh "$pid\n";
    close $fh;
    for (1 .. 50) {
        last if system("ss -Hltn 'sport = :$ENV{PORTAL_SMTP_PORT}' | grep -q .") == 0;
        select(undef, undef, undef, 0.1);
    }
}

sub count_users {
    return dbh()->selectrow_array('SELECT COUNT(*) FROM users');
}

1;
