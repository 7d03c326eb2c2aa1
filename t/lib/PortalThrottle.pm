# PortalThrottle.pm -- what the throttle's tests (t/22_throttle.t,
# t/23_signup.t) share: clients that bind their own loopback address
# (127.0.2.x, 127.0.3.x: never a trusted X-Forwarded-For), sign-ins that
# carry an X-Test-Id, the argon2 computations the server logged for one
# (t/conf/extra.conf.in writes "%{X-Test-Id}i %>s %{portal-argon2}n %P"
# to t/logs/argon2_log), and bursts of requests sent at the same moment
# from forked processes.
package PortalThrottle;
use strict;
use warnings;

use Apache::Test ();
use LWP::UserAgent ();
use HTTP::Cookies ();
use HTTP::Request::Common qw(POST);
use Time::HiRes ();
use PortalTest;
use Exporter 'import';

our @EXPORT = qw(client_at login_at argon2_of test_id burst mpm
                 error_log_lines json_login);

my $n = 0;

# A new client (own cookies, no redirects followed) bound to $ip.
sub client_at {
    my ($ip) = @_;
    return LWP::UserAgent->new(
        cookie_jar => HTTP::Cookies->new,
        max_redirect => 0,
        timeout => 60,
        agent => 'PortalTest/1.0',
        local_address => $ip,
    );
}

# A fresh X-Test-Id.
sub test_id {
    my ($what) = @_;
    $n++;
    return sprintf('%s-%d-%d', $what // 't', $$, $n);
}

# Sign in through the form under $prefix; the request carries X-Test-Id
# $id (made when not given).  Returns (response, id).
sub login_at {
    my ($ua, $login, $password, $prefix, $id) = @_;
    $prefix //= '';
    $id //= test_id('login');
    my $csrf = csrf_of($ua, "$prefix/login");
    my $req = POST(base_url() . "$prefix/login",
                   [csrf_token => $csrf, username => $login,
                    password => $password]);
    $req->header('X-Test-Id' => $id);
    return ($ua->request($req), $id);
}

# POST /api/client/login (JSON) under $prefix: (response, id).
sub json_login {
    my ($ua, $login, $password, $prefix, $id) = @_;
    $prefix //= '';
    $id //= test_id('api');
    my $req = HTTP::Request->new(POST => base_url() . "$prefix/api/client/login");
    $req->header('Content-Type' => 'application/json',
                 Accept => 'application/json', 'X-Test-Id' => $id);
    (my $l = $login) =~ s/(["\\])/\\$1/g;
    (my $p = $password) =~ s/(["\\])/\\$1/g;
    $req->content(qq({"username":"$l","password":"$p"}));
    return ($ua->request($req), $id);
}

# The logged (status, argon2 computations, pid) of request $id; waits up
# to 10 s for the line (httpd logs after the response is sent).  The
# count is 0 when the request did none.
sub argon2_of {
    my ($id) = @_;
    my $file = Apache::Test::vars('t_logs') . '/argon2_log';
    my $until = time + 10;
    while (1) {
        if (open(my $fh, '<', $file)) {
            while (my $line = <$fh>) {
                next unless $line =~ /^\Q$id\E (\d+) (\S+) (\d+)$/;
                return ($1, $2 eq '-' ? 0 : $2 + 0, $3);
            }
        }
        return () if time > $until;
        select(undef, undef, undef, 0.1);
    }
}

sub mpm { return Apache::Test::config()->{server}->{mpm} // '' }

# The lines of t/logs/error_log that match $re.
sub error_log_lines {
    my ($re) = @_;
    my $file = Apache::Test::vars('t_logs') . '/error_log';
    open(my $fh, '<', $file) or return ();
    return grep { $_ =~ $re } <$fh>;
}

# Run each sub in its own process, all starting at the same moment, and
# return what each returned (a string; no newlines), in order.
sub burst {
    my (@subs) = @_;
    my $start = Time::HiRes::time() + 0.5;
    my @kids;
    for my $i (0 .. $#subs) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            close $r;
            my $wait = $start - Time::HiRes::time();
            Time::HiRes::sleep($wait) if $wait > 0;
            my $out = eval { $subs[$i]->() } // "error: $@";
            $out =~ s/\n/ /g;
            print $w $out;
            close $w;
            require POSIX;
            POSIX::_exit(0);
        }
        close $w;
        push @kids, [$pid, $r];
    }
    my @out;
    for my $k (@kids) {
        my $fh = $k->[1];
        local $/;
        push @out, scalar(<$fh>) // '';
        waitpid($k->[0], 0);
    }
    return @out;
}

1;
