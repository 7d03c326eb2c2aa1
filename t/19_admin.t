# 19_admin.t -- the administrators' pages: only admins get in (pages and
# every action, CSRF-checked); the account list with search (escaped, no
# wildcards from the user) and pages; a new account with a role, which can
# sign in; role changes, disable (signed out at once, sign-in refused) and
# enable; deleting an account with its files, rows and stored objects; an
# admin cannot demote, disable or delete themselves, and two admins
# demoting each other at once leave one; and `portalctl user add`.
use strict;
use warnings;
use utf8;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use File::Temp qw(tempdir);
use Time::HiRes ();
use HTTP::Request::Common ();
use PortalTest;

my $J = JSON::PP->new->utf8;
my %JSON = (Accept => 'application/json');

sub user_row {
    my ($username) = @_;
    return dbh()->selectrow_hashref('SELECT * FROM users WHERE username_lc = ?',
                                    undef, lc $username);
}
sub uuid_of { return user_row($_[0])->{uuid} }
# POST an admin form with the CSRF token of the page it is on.
sub admin_post {
    my ($ua, $page, $action, @fields) = @_;
    return post_form($ua, $action, csrf_token => csrf_of($ua, $page), @fields);
}
sub act {
    my ($ua, $uuid, $what, @fields) = @_;
    return admin_post($ua, "/admin/users/$uuid", "/admin/users/$uuid/$what",
                      @fields);
}

my ($admin, $admin_name) = signed_in(role => 'admin');
my $admin_uuid = uuid_of($admin_name);

# ------------------------------------------------------------ who gets in
my ($client, $client_name) = signed_in();
my ($ops, $ops_name) = signed_in(role => 'operations');
my $client_uuid = uuid_of($client_name);
my $ops_uuid = uuid_of($ops_name);

my $res = get_page(client(), '/admin');
is($res->code, 303, 'signed out: /admin redirects');
like($res->header('Location') // '', qr{/login$}, 'to the sign-in page');
$res = get_page($admin, '/admin');
is($res->code, 200, 'an admin gets /admin');
like($res->decoded_content, qr{<a href="/admin" id="admin-link">Admin</a>}, 'the header shows the Admin link');
like($res->decoded_content, qr{href="/admin/users/new"}, 'and a New account link');
unlike(get_page($client, '/dashboard')->decoded_content, qr/admin-link/,
       'a client has no Admin link');
for my $who ([$client, 'a client', $client_uuid], [$ops, 'operations', $ops_uuid]) {
    my ($ua, $label, $own) = @$who;
    my $tok = csrf_of($ua, '/dashboard');
    ok($tok, "$label has a CSRF token of its own");
    for my $path ('/admin', '/admin/users/new', "/admin/users/$admin_uuid") {
        is(get_page($ua, $path)->code, 403, "$label: GET $path is 403");
    }
    my $n = count_users();
    is(post_form($ua, '/admin/users/new', csrf_token => $tok, username => unique_name('x'),
                 email => unique_name('x') . '@example.org', first_name => 'X', last_name => 'Y',
                 address => 'Z', password => 'long enough 1', role => 'admin')->code,
       403, "$label: POST /admin/users/new is 403");
    is(count_users(), $n, 'and no account was made');
    for my $a (['role', role => 'admin'], ['disable'], ['enable'], ['delete', confirm => 'yes']) {
        my ($what, @f) = @$a;
        is(post_form($ua, "/admin/users/$admin_uuid/$what", csrf_token => $tok, @f)->code,
           403, "$label: POST .../$what on the admin is 403");
    }
    is(post_form($ua, "/admin/users/$own/role", csrf_token => $tok, role => 'admin')->code,
       403, "$label: promoting itself is 403");
    is(user_row($label eq 'a client' ? $client_name : $ops_name)->{role},
       $label eq 'a client' ? 'client' : 'operations', 'its role is unchanged');
}
my $arow = user_row($admin_name);
is($arow->{role}, 'admin', 'the admin is still an admin');
ok(!defined $arow->{disabled_at}, 'and still enabled');

# ------------------------------------------------------------ list, search, pages
my $tag = lc unique_name('pg');
{
    my $now = time;
    my $ins = dbh()->prepare(
        'INSERT INTO users (uuid, username, username_lc, email, email_lc, password_hash, '
        . 'first_name, last_name, address, role, created_at, password_changed_at, email_verified_at) '
        . "VALUES (?, ?, ?, ?, ?, 'x', ?, ?, 'a', 'client', ?, ?, ?)");
    for my $i (1 .. 27) {
        my $u = sprintf('%s%02d', $tag, $i);
        my $uuid = sprintf('%08x-%04x-4%03x-8%03x-%012x', int(rand(2**32)), $i, $i, $i,
                           int(rand(2**40)));
        $ins->execute($uuid, $u, $u, "$u\@example.org", "$u\@example.org", 'Grace',
                      "Hopper$tag", $now, $now, $now);
    }
}
$res = get_page($admin, "/admin?q=$tag");
is($res->code, 200, 'search');
my $html = $res->decoded_content;
my @rows = $html =~ m{<a href="/admin/users/[0-9a-f-]{36}" class="file-name">\Q$tag\E}g;
is(scalar @rows, 25, '25 accounts on the first page');
like($html, qr/\(27\)/, 'the total is shown');
like($html, qr{href="/admin\?q=\Q$tag\E&amp;page=2"}, 'the page links keep the search');
$res = get_page($admin, "/admin?q=$tag&page=2", %JSON);
is($res->code, 200, 'page 2 as JSON');
my $j = $J->decode($res->content);
is($j->{total}, 27, 'total 27');
is($j->{page}, 2, 'page 2');
is($j->{pages}, 2, 'of 2');
is_deeply([map { $_->{username} } @{ $j->{accounts} }], ["${tag}26", "${tag}27"],
          'the last two, by username');
my $acc = $j->{accounts}[0];
is($acc->{status}, 'active', 'status');
is($acc->{role}, 'client', 'role');
is($acc->{files}, 0, 'number of files');
is($acc->{name}, "Grace Hopper$tag", 'name');
is($acc->{last_login}, 'never', 'never signed in');
is($J->decode(get_page($admin, "/admin?q=$tag&page=99", %JSON)->content)->{page}, 2,
   'a page beyond the last shows the last');
is($J->decode(get_page($admin, "/admin?q=$tag&page=x", %JSON)->content)->{page}, 1,
   'a malformed page shows the first');
is($J->decode(get_page($admin, '/admin?q=' . uc("hopper$tag"), %JSON)->content)->{total}, 27,
   'the last name, case-insensitively');
is($J->decode(get_page($admin, "/admin?q=grace+hopper$tag", %JSON)->content)->{total}, 27,
   'first and last name together');
is($J->decode(get_page($admin, "/admin?q=${tag}07%40EXAMPLE", %JSON)->content)->{total}, 1,
   'part of an email address');
dbh()->do('UPDATE users SET username = ?, username_lc = ? WHERE username = ?', undef,
          "${tag}a.b", "${tag}a.b", "${tag}27");
is($J->decode(get_page($admin, "/admin?q=${tag}a.b", %JSON)->content)->{total}, 1,
   'a dot matches a dot');
is($J->decode(get_page($admin, "/admin?q=${tag}a_b", %JSON)->content)->{total}, 0,
   'an underscore is no wildcard');
is($J->decode(get_page($admin, "/admin?q=${tag}a%25b", %JSON)->content)->{total}, 0,
   'a percent sign is no wildcard');
{
    # only the accounts that hold a real per-cent sign (other tests' may)
    my $with = grep { join(' ', @$_) =~ /%/ } @{ dbh()->selectall_arrayref(
        q{SELECT username, email, first_name || ' ' || last_name FROM users}) };
    is($J->decode(get_page($admin, "/admin?q=%25", %JSON)->content)->{total}, $with,
       "a lone percent sign matches only the $with accounts that hold one");
}
is($J->decode(get_page($admin, "/admin?q=%27+OR+1%3D1+--", %JSON)->content)->{total}, 0,
   'SQL in the search matches nothing');
$res = get_page($admin, "/admin?q=%3Cb%3E%27%25_");
is($res->code, 200, q{a search for <b>'%_});
$html = $res->decoded_content;
like($html, qr{No account matches “&lt;b&gt;&#39;%_”}, 'finds nothing and says so, escaped');
like($html, qr{value="&lt;b&gt;&#39;%_"}, 'the search box keeps it, escaped');
unlike($html, qr{<b>'}, 'never raw');
is(get_page($admin, '/admin?q=' . ('a' x 101))->code, 400, 'a search too long: 400');
$j = $J->decode(get_page($admin, '/admin', %JSON)->content);
ok($j->{total} >= 30, 'no search: every account');

# ------------------------------------------------------------ a new account
my $new = lc unique_name('ops');
my %good = (username => $new, email => "$new\@example.org", first_name => 'Olga',
            last_name => 'Ops', address => "1 Ops Road\nOpsville", password => 'ops password 1',
            role => 'operations');
# the form with some fields changed
sub good { my %f = (%good, @_); return map { $_ => $f{$_} } sort keys %f }
$res = get_page($admin, '/admin/users/new');
is($res->code, 200, 'the new-account form');
like($res->decoded_content, qr{<select id="role" name="role"}, 'with a role select');
like($res->decoded_content, qr{<label for="username">}, 'and labels');
$res = post_form($admin, '/admin/users/new', good());
is($res->code, 403, 'no CSRF token: 403');
ok(!user_row($new), 'and no account');
$res = admin_post($admin, '/admin/users/new', '/admin/users/new', good(
                  email => 'not an email', password => 'short'));
is($res->code, 400, 'invalid fields: 400');
$html = $res->decoded_content;
like($html, qr{id="email-error"}, 'the email is marked');
like($html, qr{id="password-error"}, 'the password is marked');
like($html, qr{value="\Q$new\E"}, 'the username is kept');
like($html, qr{1 Ops Road\nOpsville</textarea>}, 'the address is kept');
like($html, qr{<option value="operations" selected>}, 'the role is kept');
unlike($html, qr{short}, 'the password is not');
ok(!user_row($new), 'no account');
$res = admin_post($admin, '/admin/users/new', '/admin/users/new', good(role => 'root'));
is($res->code, 400, 'an unknown role: 400');
like($res->decoded_content, qr{id="role-error"}, 'the role is marked');
$res = admin_post($admin, '/admin/users/new', '/admin/users/new', good());
is($res->code, 303, 'created: 303');
my $new_row = user_row($new);
like($res->header('Location') // '', qr{^/admin/users/\Q$new_row->{uuid}\E\?created=1$},
     'to its page');
is($new_row->{role}, 'operations', 'an operations account');
ok($new_row->{email_verified_at}, 'its email counts as confirmed');
like(get_page($admin, $res->header('Location'))->decoded_content, qr/The account was created/,
     'the page says so');
my $olga = client();
is(login_user($olga, $new, 'ops password 1')->code, 303, 'the new account signs in');
is(get_page($olga, '/dashboard')->code, 200, 'and sees its dashboard');
is(get_page($olga, '/admin')->code, 403, 'but not /admin');
$res = admin_post($admin, '/admin/users/new', '/admin/users/new', good(
                  username => uc $new, email => "other$new\@example.org"));
is($res->code, 409, 'a taken username (any case): 409');
like($res->decoded_content, qr/already taken/, 'says so');
$res = admin_post($admin, '/admin/users/new', '/admin/users/new', good(
                  username => "o$new", email => uc "$new\@example.org"));
is($res->code, 409, 'a taken email: 409');

# ------------------------------------------------------------ one account
my $nu = $new_row->{uuid};
$res = get_page($admin, "/admin/users/$nu");
is($res->code, 200, 'the account page');
$html = $res->decoded_content;
like($html, qr{id="account-role">operations<}, 'shows the role');
like($html, qr{id="account-email">\Q$new\E\@example.org<}, 'the email');
like($html, qr{name="confirm" value="yes"}, 'a delete form with a confirmation box');
is(get_page($admin, '/admin/users/00000000-0000-4000-8000-000000000000')->code, 404,
   'an unknown id: 404');
is(get_page($admin, "/admin/users/' OR 1=1")->code, 404, 'a malformed id: 404');
is(post_form($admin, '/admin/users/00000000-0000-4000-8000-000000000000/role',
             csrf_token => csrf_of($admin, '/admin'), role => 'client')->code,
   404, 'an action on an unknown id: 404');

# --- role
is(post_form($admin, "/admin/users/$nu/role", role => 'client')->code, 403,
   'a role change without CSRF: 403');
is(user_row($new)->{role}, 'operations', 'nothing changed');
is(act($admin, $nu, 'role', role => 'superuser')->code, 400, 'an invalid role: 400');
is(user_row($new)->{role}, 'operations', 'nothing changed');
$res = act($admin, $nu, 'role', role => 'client');
is($res->code, 303, 'role changed: 303');
is($res->header('Location'), "/admin/users/$nu?done=role", 'back to the page');
is(user_row($new)->{role}, 'client', 'the role is client');
like(get_page($admin, $res->header('Location'))->decoded_content, qr/The role is now client/,
     'the page says so');
is(act($admin, $nu, 'role', role => 'operations')->code, 303, 'and back to operations');
is(user_row($new)->{role}, 'operations', 'the role is operations');
$res = $admin->request(HTTP::Request::Common::POST(
    base_url() . "/admin/users/$nu/role", [csrf_token => csrf_of($admin, "/admin/users/$nu"),
                                          role => 'client'], %JSON));
is($res->code, 200, 'as JSON: 200');
$j = $J->decode($res->content);
is($j->{account}{role}, 'client', 'with the account');
like($j->{notice}, qr/now client/, 'and the notice');

# --- disable and enable
my $live = client();
is(login_user($live, $new, 'ops password 1')->code, 303, 'the account signs in again');
is(get_page($live, '/dashboard')->code, 200, 'its session works');
is(post_form($admin, "/admin/users/$nu/disable")->code, 403, 'disable without CSRF: 403');
is(get_page($live, '/dashboard')->code, 200, 'the session still works');
$res = act($admin, $nu, 'disable');
is($res->code, 303, 'disabled: 303');
is($res->header('Location'), "/admin/users/$nu?done=disabled", 'back to the page');
ok(user_row($new)->{disabled_at}, 'disabled_at is set');
is(dbh()->selectrow_array('SELECT COUNT(*) FROM sessions WHERE user_id = ?', undef,
                          $new_row->{id}), 0, 'its sessions are gone');
$res = get_page($live, '/dashboard');
is($res->code, 303, 'its live session stops working at once');
$res = login_user(client(), $new, 'ops password 1');
is($res->code, 403, 'sign-in is refused');
like($res->decoded_content, qr/This account is disabled/, 'with the reason');
$html = get_page($admin, "/admin/users/$nu?done=disabled")->decoded_content;
like($html, qr{id="account-status">disabled}, 'the page shows it disabled');
like($html, qr{id="enable-account"}, 'with an enable button');
is($J->decode(get_page($admin, "/admin?q=$new", %JSON)->content)->{accounts}[0]{status},
   'disabled', 'the list shows it disabled');
$res = act($admin, $nu, 'enable');
is($res->code, 303, 'enabled: 303');
ok(!defined user_row($new)->{disabled_at}, 'disabled_at is cleared');
is(login_user(client(), $new, 'ops password 1')->code, 303, 'it can sign in again');

# ------------------------------------------------------------ self and the last admin
for my $a (['role', role => 'client', qr/own account/], ['disable', qr/your own account/],
           ['delete', confirm => 'yes', qr/your own account/]) {
    my $re = pop @$a;
    my ($what, @f) = @$a;
    $res = act($admin, $admin_uuid, $what, @f);
    is($res->code, 400, "an admin cannot $what their own account: 400");
    like($res->decoded_content, $re, 'says why');
}
$arow = user_row($admin_name);
ok($arow->{role} eq 'admin' && !defined $arow->{disabled_at}, 'the admin is unchanged');
$html = get_page($admin, "/admin/users/$admin_uuid")->decoded_content;
like($html, qr/id="self-note"/, 'their own page says why');
unlike($html, qr/id="delete-account"/, 'and has no actions');

# Two admins demote each other while every other admin is disabled: their
# requests wait on a lock this test holds, so both pass the router's role
# check; one succeeds and the other is refused as the last admin.
{
    my ($ua_a, $name_a) = signed_in(role => 'admin');
    my ($ua_b, $name_b) = signed_in(role => 'admin');
    my ($ua_, $ub_) = (uuid_of($name_a), uuid_of($name_b));
    my $others = dbh()->selectcol_arrayref(
        "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL AND uuid NOT IN (?, ?)",
        undef, $ua_, $ub_);
    my $tok_a = csrf_of($ua_a, "/admin/users/$ub_");
    my $tok_b = csrf_of($ua_b, "/admin/users/$ua_");
    dbh()->do('UPDATE users SET disabled_at = 1 WHERE id = ?', undef, $_) for @$others;
    dbh()->begin_work;
    dbh()->do("UPDATE users SET role = role WHERE role = 'admin' AND disabled_at IS NULL");
    my %kids;
    for my $k ([$ua_a, $ub_, $tok_a], [$ua_b, $ua_, $tok_b]) {
        my ($ua, $target, $tok) = @$k;
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            my $r = post_form($ua, "/admin/users/$target/role", csrf_token => $tok,
                              role => 'operations');
            my %code = (303 => 1, 400 => 2, 403 => 3);
            my $ok = $r->code != 400 || $r->decoded_content =~ /last active administrator/;
            require POSIX;
            POSIX::_exit(($code{$r->code} // 9) + ($ok ? 0 : 10));
        }
        $kids{$pid} = 1;
    }
    Time::HiRes::sleep(0.6);
    dbh()->commit;
    my @got;
    for my $pid (keys %kids) {
        waitpid($pid, 0);
        push @got, $? >> 8;
    }
    is(join(',', sort @got), '1,2', 'one demotion went through, the other was refused '
       . 'as the last admin') or diag("exit codes @got");
    my ($left) = dbh()->selectrow_array(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND uuid IN (?, ?)", undef, $ua_, $ub_);
    is($left, 1, 'one of the two is still an admin');
    dbh()->do('UPDATE users SET disabled_at = NULL WHERE id = ?', undef, $_) for @$others;
}

# ------------------------------------------------------------ delete with files
{
    my ($ua, $name, $pw) = signed_in();
    my $uuid = uuid_of($name);
    my $r = upload($ua, [['one.txt', "first file\n"], ['two.bin', join('', map { chr } 0 .. 255) x 300]]);
    is($r->code, 201, 'a client uploaded two files') or diag($r->decoded_content);
    my $fid = $J->decode($r->content)->{files}[0]{id};
    my $frows = files_of($name);
    is(scalar @$frows, 2, 'two file rows');
    my @keys = map { $_->{storage_key} } @$frows;
    ok(defined stored_object($_), "object $_ is stored") for @keys;
    my $tok = csrf_of($ua, "/files/$fid");
    is(post_form($ua, "/files/$fid/links", csrf_token => $tok, hours => 1)->code, 200,
       'and made a download link');
    $html = get_page($admin, "/admin/users/$uuid")->decoded_content;
    like($html, qr{id="account-files">2 }, 'its page counts 2 files');
    is($J->decode(get_page($admin, "/admin?q=$name", %JSON)->content)->{accounts}[0]{files}, 2,
       'the list counts 2 files');

    is(post_form($admin, "/admin/users/$uuid/delete", confirm => 'yes')->code, 403,
       'delete without CSRF: 403');
    $r = act($admin, $uuid, 'delete');
    is($r->code, 400, 'delete without the confirmation box: 400');
    like($r->decoded_content, qr/Tick the box/, 'says so');
    $r = act($admin, $uuid, 'delete', confirm => 'no');
    is($r->code, 400, 'confirm=no: 400');
    ok(user_row($name), 'the account is still there');
    is(get_page($ua, '/dashboard')->code, 200, 'and its session works');

    $r = act($admin, $uuid, 'delete', confirm => 'yes');
    is($r->code, 303, 'deleted: 303');
    is($r->header('Location'), '/admin?deleted=1', 'to the list');
    like(get_page($admin, '/admin?deleted=1')->decoded_content, qr/The account and its files were deleted/,
         'which says so');
    ok(!user_row($name), 'the account row is gone');
    my $in = join(',', ('?') x @keys);
    is(dbh()->selectrow_array("SELECT COUNT(*) FROM files WHERE storage_key IN ($in)", undef, @keys),
       0, 'its file rows are gone');
    is(dbh()->selectrow_array('SELECT COUNT(*) FROM file_links l JOIN files f ON f.id = l.file_id '
                              . 'WHERE f.uuid = ?', undef, $fid), 0, 'and its links');
    ok(!defined stored_object($_), "object $_ is removed from the store") for @keys;
    is(dbh()->selectrow_array("SELECT COUNT(*) FROM store_pending WHERE storage_key IN ($in)",
                              undef, @keys), 0, 'nothing is left pending');
    is(get_page($ua, '/dashboard')->code, 303, 'its session no longer works');
    is(login_user(client(), $name, $pw)->code, 401, 'and it cannot sign in');
    is(get_page($admin, "/admin/users/$uuid")->code, 404, 'its page is gone: 404');
}

# ------------------------------------------------------------ portalctl user add
{
    my ($build) = $ENV{PORTAL_MODULE} =~ m{^(.*)/\.libs/mod_portal\.so$};
    my $top = Apache::Test::vars('serverroot') . '/..';
    my @db = ($ENV{PORTAL_DB} // 'sqlite') eq 'pgsql'
        ? ('--db', "pgsql:$ENV{PORTAL_DBD_PARAMS}")
        : ('--data', $ENV{PORTAL_DATA_DIR});
    my $dir = tempdir(CLEANUP => 1);
    my $ctl = sub {
        my ($stdin, @args) = @_;
        my $cmd = join(' ', map { "'$_'" } "$build/portalctl", @db, '--sql', "$top/sql", @args);
        my $out = `$cmd < $stdin 2>&1`;
        return ($? >> 8, $out);
    };
    open(my $fh, '>', "$dir/pw") or die $!;
    print $fh "ctl password 1\nsecond line\n";
    close $fh;
    my $name = lc unique_name('ctl');
    my @args = ('user', 'add', '--role', 'operations', '--username', $name, '--email',
                "$name\@example.org", '--first-name', 'Carl', '--last-name', 'Ctl');
    my ($rc, $out) = $ctl->('/dev/null', @args, '--password-file', "$dir/pw");
    is($rc, 0, 'portalctl user add') or diag($out);
    my $row = user_row($name);
    ok($row, 'the account exists');
    like($out, qr/^\Q$row->{uuid}\E$/m, 'its id is printed');
    is($row->{role}, 'operations', 'with the role');
    ok($row->{email_verified_at}, 'confirmed');
    my $ua = client();
    is(login_user($ua, $name, 'ctl password 1')->code, 303,
       'it signs in on the web with the first line of the file');
    is(get_page($ua, '/dashboard')->code, 200, 'and sees its dashboard');
    ($rc, $out) = $ctl->("$dir/pw", @args, '--email', "x$name\@example.org");
    is($rc, 1, 'a taken username: exit 1');
    like($out, qr/already taken/, 'says so');
    ($rc, $out) = $ctl->("$dir/pw", @args, '--username', "x$name", '--password-file', '-');
    is($rc, 1, 'a taken email: exit 1');
    like($out, qr/already exists/, 'says so');
    my $n = count_users();
    ($rc, $out) = $ctl->('/dev/null', @args, '--username', "y$name", '--email', "y$name\@example.org");
    is($rc, 1, 'no password on standard input: exit 1');
    ($rc, $out) = $ctl->("$dir/pw", @args, '--username', "y$name", '--email', "y$name\@example.org",
                         '--role', 'root');
    is($rc, 1, 'an unknown role: exit 1');
    is(count_users(), $n, 'no account made by the refusals');
    ($rc, $out) = $ctl->('/dev/null', 'users');
    like($out, qr/^\Q$row->{uuid}\E .*active$/m, 'portalctl users shows it active');
    dbh()->do('UPDATE users SET disabled_at = 1 WHERE id = ?', undef, $row->{id});
    ($rc, $out) = $ctl->('/dev/null', 'users');
    like($out, qr/^\Q$row->{uuid}\E .*disabled$/m, 'and disabled');
}

done_testing();
