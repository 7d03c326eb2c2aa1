# 15_crash.t -- httpd (the parent and every child) killed with SIGKILL in
# the middle of 20 concurrent uploads, then started again: no partial
# file is listed, every file that is listed has exactly the bytes that
# were sent, and the store-cleanup job removes what the killed uploads
# left in the store.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use Digest::SHA qw(sha256_hex);
use POSIX ();
use HTTP::Request ();
use PortalTest;

my $J = JSON::PP->new->utf8;
my ($ua, $user) = signed_in();
my $tok = csrf_of($ua, '/files');
my $size = 8 * 1024 * 1024;
my %sent;                                   # name -> sha256

my $pidfile = Apache::Test::vars('t_logs') . '/httpd.pid';
open(my $pf, '<', $pidfile) or die "$pidfile: $!";
chomp(my $ppid = <$pf>);
close $pf;

my @kids;
for my $i (1 .. 20) {
    my $name = "crash$i.bin";
    my $block = sprintf('%08d', $i) x 8;
    my $data = $block x ($size / length $block);
    $sent{$name} = sha256_hex($data);
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        # odd uploads go at full speed and finish before the kill; even
        # ones trickle (64 pieces, 100 ms apart) and are cut by it
        my ($ct, $body) = multipart(['csrf_token', $tok],
                                    ['file', $data, $name]);
        my $res = $i % 2 == 0
            ? post_stream($ua, '/upload', $ct, $body,
                          int(length($body) / 64) + 1, 0.1,
                          'Content-Length' => length $body)
            : post_raw($ua, '/upload', $ct, $body, Accept => 'application/json');
        POSIX::_exit($res->code == 201 ? 0 : 1);
    }
    push @kids, $pid;
}
# kill once some uploads are complete and others are being written
for (1 .. 100) {
    my ($done) = dbh()->selectrow_array(
        'SELECT COUNT(*) FROM files f JOIN users u ON u.id = f.user_id WHERE u.username = ?',
        undef, $user);
    my ($open) = dbh()->selectrow_array(
        'SELECT COUNT(*) FROM store_pending p WHERE NOT EXISTS '
        . '(SELECT 1 FROM files f WHERE f.storage_key = p.storage_key)');
    last if $done >= 2 && $open >= 2;
    select(undef, undef, undef, 0.1);
}
# the parent and every child: nothing gets to clean up.  httpd detached
# with setsid(), so the parent leads a process group that holds every
# child, including one it may be forking right now (killing the pids
# pgrep listed would miss that one, and it would keep the port)
my @workers = grep { chomp; /^\d+$/ } `pgrep -P $ppid`;
ok(@workers > 0, 'found ' . scalar(@workers) . ' httpd children');
is(getpgrp($ppid), $ppid, 'httpd leads its own process group');
kill 'KILL', -$ppid;
my $ok = 0;
for my $pid (@kids) {
    waitpid($pid, 0);
    $ok++ if $? == 0;
}
diag("$ok of 20 uploads completed before the kill");
ok($ok < 20, 'the kill interrupted some uploads');
ok($ok > 0, 'and some had completed');

# start httpd again, as Apache::Test did
for (1 .. 100) {
    last unless kill 0, -$ppid;
    select(undef, undef, undef, 0.1);
}
unlink $pidfile;
{
    my $cmd = Apache::Test::config()->server->start_cmd;
    system("$cmd >/dev/null 2>&1");
    is($?, 0, 'httpd starts again');
}
my $up = 0;
for (1 .. 50) {
    my $r = get_page($ua, '/files', Accept => 'application/json');
    if ($r->code == 200) { $up = 1; last }
    select(undef, undef, undef, 0.2);
}
ok($up, 'the portal answers after the restart');

my $list = $J->decode(get_page($ua, '/files', Accept => 'application/json')->content);
my @listed = @{ $list->{files} };
ok(@listed >= $ok, scalar(@listed) . ' files listed, at least the completed ones');
my $intact = 1;
for my $f (@listed) {
    my $want = $sent{ $f->{name} };
    unless ($want && $f->{sha256} eq $want && $f->{size} == $size) {
        $intact = 0;
        diag("listed but not as sent: $f->{name}");
        next;
    }
    my $dl = get_page($ua, $f->{url} . '/download');
    if ($dl->code != 200 || sha256_hex($dl->content) ne $want) {
        $intact = 0;
        diag("$f->{name} does not download intact");
    }
}
ok($intact, 'every listed file is complete and downloads intact');

# what the killed uploads left: pending rows (and maybe partial writes)
# (uploads still waiting for a worker when it died never began: they left
# nothing; under prefork that is most of the trickling ones)
my ($pending) = dbh()->selectrow_array('SELECT COUNT(*) FROM store_pending');
ok($pending > 0 && $pending <= 20 - @listed, "$pending abandoned uploads are known");
my ($overlap) = dbh()->selectrow_array(
    'SELECT COUNT(*) FROM store_pending p JOIN files f ON f.storage_key = p.storage_key');
is($overlap, 0, 'none of them is a listed file');
# an hour later (moved back in time) the store-cleanup job removes them
dbh()->do('UPDATE store_pending SET created_at = created_at - 7200');
if (($ENV{PORTAL_STORAGE_KIND} // 'local') eq 'local') {
    my $old = time - 7200;
    utime($old, $old, glob("$ENV{PORTAL_DATA_DIR}/files/tmp/*.part"));
}
my $left = $pending;
for (1 .. 60) {
    ($left) = dbh()->selectrow_array('SELECT COUNT(*) FROM store_pending');
    last if $left == 0;
    sleep 1;
}
is($left, 0, 'the store-cleanup job cleared them');
if (($ENV{PORTAL_STORAGE_KIND} // 'local') eq 'local') {
    my @parts;
    for (1 .. 20) {
        @parts = glob("$ENV{PORTAL_DATA_DIR}/files/tmp/*.part");
        last unless @parts;
        sleep 1;
    }
    is(scalar @parts, 0, 'no partial writes are left in the store');
    my @objects = glob("$ENV{PORTAL_DATA_DIR}/files/??/*");
    my ($rows) = dbh()->selectrow_array('SELECT COUNT(*) FROM files');
    is(scalar @objects, $rows, 'every stored object belongs to a listed file');
}
else {
    my @objects = glob("$ENV{PORTAL_S3_DIR}/portal-test/files/*._S3rver_object");
    my ($rows) = dbh()->selectrow_array('SELECT COUNT(*) FROM files');
    is(scalar @objects, $rows, 'every object in the bucket belongs to a listed file');
}
is(scalar @{ $J->decode(get_page($ua, '/files', Accept => 'application/json')->content)->{files} },
   scalar @listed, 'the list did not change');

done_testing();
