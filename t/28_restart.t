# 28_restart.t -- graceful restarts (SIGUSR1, what `apachectl -k graceful`
# sends) of an httpd of its own, whose new configurations add and remove
# modules (mod_auth_openidc with mod_authn_core and mod_authz_user, and
# mod_headers, mod_socache_memcache, mod_remoteip, mod_setenvif; the
# throttle's mod_socache_shmcb is always there) and change
# Portal* directives, while clients loop GETs and an upload trickles in:
#   - no child crashes ("exit signal" in the error log), and no sanitizer
#     report when the suite runs with the ASan module;
#   - every request in flight is answered (the loops see only 200s, the
#     slow upload that spans the restart is stored whole);
#   - each new generation's settings are in effect (site name, the sign-in
#     button, PortalFormMaxSize, a header from the added mod_headers), and
#     mod_auth_openidc works when a graceful restart first loads it.
# It runs the httpd, MPM and module of the suite (the ASan wrapper under
# --asan), on a SQLite database of its own whatever the suite's database
# (its jobs must not meet the suite server's rows).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use LWP::UserAgent ();
use HTTP::Cookies ();
use HTTP::Request ();
use JSON::PP ();
use Digest::SHA qw(sha256_hex);
use POSIX ();
use Time::HiRes ();
use PortalTest;

my $top = Apache::Test::vars('serverroot') . '/..';
my $httpd = Apache::Test::vars('httpd');
my $mpm = Apache::Test::config()->{server}{mpm} || 'event';
my $mods = '/usr/lib/apache2/modules';
my $oidc_port = $ENV{PORTAL_OIDC_PORT} or BAIL_OUT('PORTAL_OIDC_PORT is not set');
-f "$mods/mod_auth_openidc.so" or BAIL_OUT("$mods/mod_auth_openidc.so is missing (scripts/deps.sh)");

# a free port on loopback for this httpd
my $port = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    $p;
};
my $base = "http://127.0.0.1:$port";
my $tmp = tempdir('/tmp/portal-restart.XXXXXX', CLEANUP => !$ENV{KEEP});
my ($data, $run) = ("$tmp/data", "$tmp/run");
mkdir $_ or die "$_: $!" for $data, $run;
chmod 0755, $tmp, $data, $run;
my $as_root = $> == 0;
if ($as_root) {
    my ($uid, $gid) = (getpwnam('nobody'))[2, 3];
    chown $uid, $gid, $data, $run;
}

sub write_file {
    my ($path, $text) = @_;
    open(my $fh, '>', $path) or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}

my $db = qq{DBDriver sqlite3\nDBDParams "$data/portal.db"\n}
    . qq{DBDInitSQL "PRAGMA journal_mode=WAL"\nDBDInitSQL "PRAGMA busy_timeout=5000"\n};
my $user = $as_root ? "User nobody\nGroup nogroup\n" : '';
write_file("$run/httpd.conf", <<"EOF");
ServerRoot "/etc/apache2"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$run/httpd.pid"
DefaultRuntimeDir "$run"
Mutex file:$run default
ErrorLog "$run/error_log"
LogLevel info
LogFormat "%a \\"%r\\" %>s" restart
CustomLog "$run/access_log" restart
$user
LoadModule mpm_${mpm}_module $mods/mod_mpm_$mpm.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule portal_module "$ENV{PORTAL_MODULE}"
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 8
    ThreadsPerChild 10
    MaxRequestWorkers 40
</IfModule>
<IfModule mpm_prefork_module>
    StartServers 3
    MaxRequestWorkers 16
</IfModule>
$db
PortalDataDir "$data"
PortalTemplateDir "$top/templates"
PortalSQLDir "$top/sql"
PortalBaseURL "$base"
PortalEmailVerification Off
PortalUploadRoles client operations admin
<Location />
    SetHandler portal
    Require all granted
</Location>
# what changes from one generation to the next
Include "$run/gen.conf"
EOF

# The part of the configuration a generation changes: its site name and
# form limit, and with $oidc the OpenID Connect modules (and a few others).
sub generation {
    my ($name, $form_max, $oidc) = @_;
    my $text = qq{PortalSiteName "$name"\nPortalFormMaxSize $form_max\n};
    if ($oidc) {
        $text .= <<"EOF";
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule auth_openidc_module $mods/mod_auth_openidc.so
LoadModule headers_module $mods/mod_headers.so
LoadModule socache_memcache_module $mods/mod_socache_memcache.so
LoadModule remoteip_module $mods/mod_remoteip.so
LoadModule setenvif_module $mods/mod_setenvif.so
OIDCProviderMetadataURL "http://127.0.0.1:$oidc_port/.well-known/openid-configuration"
OIDCClientID portal-test
OIDCClientSecret test-secret
OIDCRedirectURI "$base/oidc/redirect"
OIDCCryptoPassphrase "restart-test-passphrase"
OIDCScope "openid email profile"
OIDCRemoteUserClaim sub
OIDCPassClaimsAs environment
PortalOIDCButton "Sign in with the restart provider"
Header always set X-Restart-Generation "$name"
<Location /oidc/>
    AuthType openid-connect
    Require valid-user
    PortalMount /
</Location>
EOF
    }
    write_file("$run/gen.conf", $text);
}

sub ua {
    return LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 0,
                               timeout => 10, agent => 'RestartTest/1.0');
}

sub parent_pid {
    open(my $fh, '<', "$run/httpd.pid") or return undef;
    chomp(my $pid = <$fh> // '');
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub error_log {
    open(my $fh, '<', "$run/error_log") or return '';
    local $/;
    return <$fh>;
}

# Wait (at most $secs) until /login shows the site name $name.
sub wait_for {
    my ($name, $secs) = @_;
    my $ua = ua();
    $ua->timeout(3);
    my $until = time + $secs;
    while (time < $until) {
        my $res = $ua->get("$base/login");
        return $res if $res->code == 200 && $res->decoded_content =~ /\Q$name\E/;
        select(undef, undef, undef, 0.2);
    }
    return undef;
}

# httpd must not outlive the test, whatever happens
my $started;
END {
    my $pid = $started && parent_pid();
    if ($pid && kill 0, $pid) {
        kill 'TERM', $pid;
        for (1 .. 50) { last unless kill 0, $pid; select(undef, undef, undef, 0.1) }
        kill 'KILL', -$pid if kill 0, $pid;
    }
}

# ------------------------------------------------------------ generation 1
generation('Restart One', 65536, 0);
system($httpd, '-f', "$run/httpd.conf", '-k', 'start') == 0 or BAIL_OUT("$httpd did not start");
$started = 1;
ok(wait_for('Restart One', 30), 'generation 1 serves /login')
    or BAIL_OUT("httpd did not come up:\n" . error_log());
my $ppid = parent_pid();

# an account that may upload, signed in
my $uploader = ua();
my $name = unique_name('restart');
my $pw = 'correct horse restart 1';
my $csrf = csrf_from($uploader->get("$base/register")->decoded_content // '');
my $res = $uploader->post("$base/register", [csrf_token => $csrf, username => $name,
        password => $pw, first_name => 'Rita', last_name => 'Restart',
        address => '1 Signal Lane', email => "$name\@example.org"]);
is($res->code, 303, 'an account is made') or diag($res->decoded_content);
$csrf = csrf_from($uploader->get("$base/login")->decoded_content // '');
$res = $uploader->post("$base/login", [csrf_token => $csrf, username => $name, password => $pw]);
is($res->code, 303, 'and signed in');

# clients looping GETs until told to stop; each writes "ok bad first-bad"
my $stop = "$tmp/stop";
my @loopers;
for my $i (1 .. 3) {
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        my $ua = ua();
        my ($good, $bad, $first) = (0, 0, '');
        while (!-e $stop) {
            my $r = $ua->get("$base/" . ($i == 3 ? 'tsa.crt' : 'login'));
            if ($r->code == 200) { $good++ }
            else { $bad++; $first ||= $r->status_line }
        }
        write_file("$tmp/looper$i", "$good $bad $first");
        POSIX::_exit(0);
    }
    push @loopers, $pid;
}

# an upload that trickles in over about 3 seconds, across the restart
my $body_bytes = join '', map { sprintf('%08d', $_) } 1 .. 32768;    # 256 KiB
my $upload_pid = fork() // die "fork: $!";
if (!$upload_pid) {
    my $tok = csrf_from($uploader->get("$base/files")->decoded_content // '');
    my ($ct, $body) = multipart(['csrf_token', $tok], ['file', $body_bytes, 'slow.bin']);
    my $req = HTTP::Request->new(POST => "$base/upload");
    $req->header('Content-Type' => $ct, Accept => 'application/json',
                 'Content-Length' => length $body);
    my ($off, $piece) = (0, int(length($body) / 30) + 1);
    $req->content(sub {
        return '' if $off >= length $body;
        select(undef, undef, undef, 0.1) if $off;
        my $c = substr($body, $off, $piece);
        $off += length $c;
        return $c;
    });
    $uploader->timeout(60);
    my $r = $uploader->request($req);
    write_file("$tmp/upload", $r->code . ' ' . Time::HiRes::time() . "\n" . $r->content);
    POSIX::_exit(0);
}
select(undef, undef, undef, 0.5);       # the upload has begun

# ------------------------------------------------------------ generation 2: modules added
generation('Restart Two', 65536, 1);
my $restarted_at = Time::HiRes::time();
kill 'USR1', $ppid;
$res = wait_for('Restart Two', 30);
ok($res, 'after a graceful restart that adds mod_auth_openidc, the new generation answers');
my $up = 1;
if ($res) {
    like($res->decoded_content, qr/Sign in with the restart provider/,
         'PortalOIDCButton of the new configuration is shown');
    is($res->header('X-Restart-Generation'), 'Restart Two', 'the added mod_headers works');
    my $b = ua();
    $b->default_header(Accept => 'text/html');
    my $r = $b->get("$base/oidc/login");
    is($r->code, 302, 'mod_auth_openidc, loaded by the restart, sends the browser to the provider');
    like($r->header('Location') // '', qr{^http://127\.0\.0\.1:$oidc_port/}, 'at the provider');
}
else {
    $up = 0;
}

waitpid($upload_pid, 0);
my ($ustatus, $ubody) = split /\n/, do { open(my $fh, '<', "$tmp/upload"); local $/; <$fh> // '' }, 2;
my ($ucode, $uend) = split / /, $ustatus // '';
ok(($uend // 0) > $restarted_at, 'the upload was still being sent when the restart began');
is($ucode, 201, 'the upload in flight during the restart was stored');
my $meta = eval { JSON::PP->new->decode($ubody // '') } // {};
my $stored = ref $meta->{files} eq 'ARRAY' ? $meta->{files}[0] : $meta;
is($stored->{sha256} // '', sha256_hex($body_bytes), 'whole: its SHA-256 is that of what was sent');

if ($up) {
    # ------------------------------------------------------------ generation 3: removed again
    generation('Restart Three', 4096, 0);
    kill 'USR1', $ppid;
    $res = wait_for('Restart Three', 30);
    ok($res, 'after a graceful restart that removes the modules again, it answers');
    if ($res) {
        unlike($res->decoded_content, qr/restart provider/, 'no sign-in button any more');
        ok(!defined $res->header('X-Restart-Generation'), 'mod_headers is gone');
        my $b = ua();
        $b->default_header(Accept => 'text/html');
        is($b->get("$base/oidc/login")->code, 404, 'without mod_auth_openidc /oidc/login is 404');
        my $big = HTTP::Request->new(POST => "$base/api/client/login");
        $big->header('Content-Type' => 'application/json');
        $big->content(JSON::PP->new->encode({ username => $name, password => 'x' x 5000 }));
        is(ua()->request($big)->code, 413, 'PortalFormMaxSize 4096 of the new configuration applies');
    }

    # ------------------------------------------------------------ generation 4: added back
    generation('Restart Four', 65536, 1);
    kill 'USR1', $ppid;
    $res = wait_for('Restart Four', 30);
    ok($res, 'after adding the modules back, it answers');
    if ($res) {
        my $b = ua();
        $b->default_header(Accept => 'text/html');
        is($b->get("$base/oidc/login")->code, 302, 'and mod_auth_openidc works again');
    }
}

# the loops stop; every answer they got was a 200
write_file($stop, '');
waitpid($_, 0) for @loopers;
for my $i (1 .. 3) {
    my ($good, $bad, $first) = split / /, do { open(my $fh, '<', "$tmp/looper$i"); local $/; <$fh> // '0 1 none' }, 3;
    ok($good > 10, "client $i got answers ($good)");
    is($bad, 0, "client $i got no error across the restarts") or diag("first: $first");
}

# a clean stop
kill 'TERM', $ppid;
my $gone = 0;
for (1 .. 100) {
    if (!kill 0, $ppid) { $gone = 1; last }
    select(undef, undef, undef, 0.1);
}
ok($gone, 'httpd stops on SIGTERM');

my $log = error_log();
my @crashes = $log =~ /^.*exit signal .*$/mg;
is(scalar @crashes, 0, 'no child crashed') or diag(join "\n", @crashes[0 .. ($#crashes < 4 ? $#crashes : 4)]);
unlike($log, qr/AddressSanitizer|runtime error:|LeakSanitizer/, 'no sanitizer report');
my $generations = () = $log =~ /configured -- resuming normal operations/g;
is($generations, $up ? 4 : 2, 'every graceful restart made a new generation');
my $marked = () = $log =~ /PT1301: mod_auth_openidc is loaded for the first time/g;
is($marked, 1, 'the portal helped mod_auth_openidc once: its first load (not when it came back)');

done_testing();
