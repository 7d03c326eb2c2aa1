/*
 * test_smtp.c -- pt_smtp_send() against a real SMTP server on loopback:
 * $top_srcdir/t/unit/smtp_sink.py (aiosmtpd), started and stopped here.
 *
 * Covers: delivery with the exact bytes and envelope, dot-stuffing, the
 * HELO name; 451 and 550 to RCPT and after DATA (flags and the control
 * file); a port nobody listens on; a server that never greets (timeout);
 * STARTTLS required but not offered; STARTTLS and smtps:// with a test CA
 * (and without it); AUTH accepted, refused, missing; bad addresses and
 * URLs; four threads sending at once.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/types.h>
#include <sys/wait.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_thread_proc.h>

#include <curl/curl.h>
#include <jansson.h>

#include "pt_mail.h"
#include "pt_smtp.h"
#include "pt_test.h"

typedef struct sink_t {
    pid_t pid;
    int port;
    const char *dir;
} sink_t;

static const char *tmpdir;

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

/*
 * Start smtp_sink.py on a free port with its messages in tmpdir/name and
 * the given extra arguments (NULL-terminated); wait up to 30 s for its
 * "ready PORT" line.  Returns 0 and fills s, or -1.
 */
static int sink_start(apr_pool_t *p, sink_t *s, const char *name,
                      const char *const *extra)
{
    const char *argv[16];
    char line[64];
    struct pollfd pfd;
    apr_size_t got = 0;
    int fds[2], i, n = 0;

    s->dir = apr_pstrcat(p, tmpdir, "/", name, NULL);
    s->pid = -1;
    argv[n++] = "python3";
    argv[n++] = apr_pstrcat(p, top_srcdir(), "/t/unit/smtp_sink.py", NULL);
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--dir";
    argv[n++] = s->dir;
    for (i = 0; extra && extra[i] && n < 15; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(stdout);
    s->pid = fork();
    if (s->pid < 0) {
        return -1;
    }
    if (s->pid == 0) {
        /* Its own process group: python3 may be a wrapper (pyenv) that
         * runs the interpreter as a child; sink_stop() signals them all. */
        setpgid(0, 0);
#ifdef __linux__
        /* Should this test crash, the sink goes too. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(s->pid, s->pid);    /* also here: no race with the child */
    close(fds[1]);
    pfd.fd = fds[0];
    pfd.events = POLLIN;
    while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
        ssize_t r;

        if (poll(&pfd, 1, 30000) <= 0) {
            break;
        }
        r = read(fds[0], line + got, sizeof(line) - 1 - got);
        if (r <= 0) {
            break;
        }
        got += (apr_size_t)r;
    }
    close(fds[0]);
    line[got] = '\0';
    if (sscanf(line, "ready %d", &s->port) != 1) {
        printf("# smtp_sink.py did not start: '%s'\n", line);
        return -1;
    }
    return 0;
}

/* SIGTERM to the sink's process group; SIGKILL after 5 s. */
static void sink_stop(sink_t *s)
{
    int i, status, reaped = 0;

    if (s->pid <= 0) {
        return;
    }
    kill(-s->pid, SIGTERM);
    for (i = 0; i < 100; i++) {
        if (!reaped && waitpid(s->pid, &status, WNOHANG) == s->pid) {
            reaped = 1;
        }
        if (reaped && kill(-s->pid, 0) != 0) {
            break;      /* the whole group is gone */
        }
        usleep(50000);
    }
    if (i == 100) {
        kill(-s->pid, SIGKILL);
        if (!reaped) {
            waitpid(s->pid, &status, 0);
        }
    }
    s->pid = -1;
}

/* The contents of a file (NULL when it cannot be read). */
static const char *slurp(apr_pool_t *p, const char *path, apr_size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = apr_palloc(p, (apr_size_t)n + 1);
    if (n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = (apr_size_t)n;
    return buf;
}

static apr_status_t json_cleanup(void *j)
{
    json_decref(j);
    return APR_SUCCESS;
}

/* The envelope the sink saved for message number n. */
static json_t *envelope(apr_pool_t *p, const sink_t *s, int n)
{
    json_t *j = json_load_file(apr_psprintf(p, "%s/%04d.json", s->dir, n),
                               0, NULL);

    if (j) {
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    }
    return j;
}

static int write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    int ok;

    if (!f) {
        return 0;
    }
    ok = fputs(s, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* A port on 127.0.0.1 that nobody listens on (bound, then closed). */
static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0
        && getsockname(fd, (struct sockaddr *)&a, &alen) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

/* A listening socket that never accepts: connections complete (backlog)
 * but no greeting ever comes.  *port gets its port; returns the fd. */
static int silent_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *port = 0;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || listen(fd, 4) != 0
        || getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void conf_for(apr_pool_t *p, pt_smtp_conf_t *c, const sink_t *s)
{
    memset(c, 0, sizeof(*c));
    c->url = apr_psprintf(p, "smtp://127.0.0.1:%d", s->port);
    c->connect_timeout_sec = 5;
    c->timeout_sec = 20;
}

static const char *message(apr_pool_t *p, apr_size_t *len, int attach)
{
    apr_array_header_t *atts = apr_array_make(p, 1,
                                              sizeof(pt_mail_attachment_t));
    pt_mail_attachment_t *a;
    const char *out = NULL, *id;
    pt_mail_t m;
    char *blob;
    apr_size_t i;

    memset(&m, 0, sizeof(m));
    m.from_name = "Portal";
    m.from_addr = "noreply@portal.example.org";
    m.to_name = "Zo\xc3\xab";
    m.to_addr = "zoe@example.com";
    m.subject = "Test \xe2\x9c\x93";
    /* Lines starting with '.' test dot-stuffing both ways. */
    m.text = "Hello,\n.\n..two dots\n.leading dot\nbye\n";
    if (attach) {
        blob = apr_palloc(p, 200000);
        for (i = 0; i < 200000; i++) {
            blob[i] = (char)(i * 31 + 7);
        }
        a = apr_array_push(atts);
        a->filename = "blob.bin";
        a->content_type = "application/octet-stream";
        a->data = blob;
        a->len = 200000;
        m.attachments = atts;
    }
    if (pt_mail_build(p, &m, &out, len, &id, NULL) != APR_SUCCESS) {
        return NULL;
    }
    return out;
}

static int contains(const char *s, const char *what)
{
    return s && strstr(s, what) != NULL;
}

static void test_delivery(apr_pool_t *p, const sink_t *s)
{
    pt_smtp_conf_t c;
    pt_smtp_result_e res = PT_SMTP_PERMANENT;
    const char *msg, *saved, *err = NULL;
    apr_size_t len = 0, slen = 0;
    apr_status_t rv;
    json_t *env;

    conf_for(p, &c, s);
    c.helo_name = "portal.example.org";
    msg = message(p, &len, 0);
    PT_OK(msg != NULL, "message built");
    rv = pt_smtp_send(p, &c, "bounce@portal.example.org", "zoe@example.com",
                      msg, len, &res, &err);
    PT_OK(rv == APR_SUCCESS && res == PT_SMTP_SENT, "message sent: %s",
          err ? err : "(null)");
    PT_OK(contains(err, "250"), "errmsg holds the final reply: %s",
          err ? err : "(null)");
    saved = slurp(p, apr_psprintf(p, "%s/0001.eml", s->dir), &slen);
    PT_OK(saved != NULL, "the sink saved the message");
    PT_OK(saved && slen == len && !memcmp(saved, msg, len),
          "saved bytes equal the message (%d vs %d bytes)", (int)slen,
          (int)len);
    env = envelope(p, s, 1);
    PT_IS_STR(json_string_value(json_object_get(env, "mail_from")),
              "bounce@portal.example.org", "envelope sender");
    PT_IS_STR(json_string_value(json_array_get(json_object_get(env,
                                                               "rcpt_tos"),
                                               0)),
              "zoe@example.com", "envelope recipient");
    PT_OK(json_array_size(json_object_get(env, "rcpt_tos")) == 1,
          "exactly one recipient");
    PT_IS_STR(json_string_value(json_object_get(env, "helo")),
              "portal.example.org", "EHLO uses helo_name");

    /* A bigger message with an attachment, URL with a path: replaced. */
    c.url = apr_psprintf(p, "smtp://127.0.0.1:%d/ignored", s->port);
    msg = message(p, &len, 1);
    rv = pt_smtp_send(p, &c, "bounce@portal.example.org", "zoe@example.com",
                      msg, len, &res, &err);
    PT_OK(rv == APR_SUCCESS && res == PT_SMTP_SENT,
          "%d-byte message sent: %s", (int)len, err ? err : "(null)");
    saved = slurp(p, apr_psprintf(p, "%s/0002.eml", s->dir), &slen);
    PT_OK(saved && slen == len && !memcmp(saved, msg, len),
          "saved bytes equal the message with attachment");
    env = envelope(p, s, 2);
    PT_IS_STR(json_string_value(json_object_get(env, "helo")),
              "portal.example.org", "the URL path gave way to helo_name");
}

/* Send once with the sink's control file saying `mode` (NULL: none). */
static void expect(apr_pool_t *p, const sink_t *s, const char *mode,
                   pt_smtp_result_e want, const char *want_msg,
                   const char *label)
{
    const char *ctl = apr_pstrcat(p, s->dir, "/fail", NULL);
    const char *msg, *err = NULL;
    pt_smtp_result_e res = PT_SMTP_SENT;
    pt_smtp_conf_t c;
    apr_size_t len = 0;
    apr_status_t rv;

    if (mode) {
        write_file(ctl, mode);
    }
    conf_for(p, &c, s);
    msg = message(p, &len, 0);
    rv = pt_smtp_send(p, &c, "bounce@portal.example.org", "zoe@example.com",
                      msg, len, &res, &err);
    PT_OK(rv == APR_EGENERAL && res == want, "%s: result %d", label,
          (int)res);
    PT_OK(contains(err, want_msg), "%s: errmsg '%s' has '%s'", label,
          err ? err : "(null)", want_msg);
    if (mode) {
        unlink(ctl);
    }
}

static void test_failures(apr_pool_t *p, const sink_t *ok_sink)
{
    static const char *const temp[] = { "--fail-temp", NULL };
    static const char *const perm[] = { "--fail-perm", NULL };
    static const char *const perm_data[] = { "--fail-perm", "--fail-at",
                                             "data", NULL };
    sink_t s;

    if (sink_start(p, &s, "temp", temp) == 0) {
        expect(p, &s, NULL, PT_SMTP_TEMPORARY, "RCPT TO: 451 4.3.0",
               "--fail-temp");
    }
    else {
        PT_OK(0, "smtp_sink.py --fail-temp starts");
    }
    sink_stop(&s);
    if (sink_start(p, &s, "perm", perm) == 0) {
        expect(p, &s, NULL, PT_SMTP_PERMANENT, "RCPT TO: 550 5.1.1",
               "--fail-perm");
    }
    else {
        PT_OK(0, "smtp_sink.py --fail-perm starts");
    }
    sink_stop(&s);
    if (sink_start(p, &s, "permdata", perm_data) == 0) {
        expect(p, &s, NULL, PT_SMTP_PERMANENT, "DATA: 550 5.6.0",
               "--fail-perm --fail-at data");
    }
    else {
        PT_OK(0, "smtp_sink.py --fail-perm --fail-at data starts");
    }
    sink_stop(&s);

    /* The control file switches a running sink. */
    expect(p, ok_sink, "temp data", PT_SMTP_TEMPORARY, "DATA: 451",
           "control file 'temp data'");
    expect(p, ok_sink, "perm", PT_SMTP_PERMANENT, "RCPT TO: 550",
           "control file 'perm'");
}

static void test_unreachable(apr_pool_t *p, const sink_t *s)
{
    pt_smtp_result_e res = PT_SMTP_SENT;
    const char *msg, *err = NULL;
    pt_smtp_conf_t c;
    apr_status_t rv;
    apr_size_t len = 0;
    apr_time_t t0;
    int port = closed_port(), fd;

    msg = message(p, &len, 0);
    memset(&c, 0, sizeof(c));
    c.url = apr_psprintf(p, "smtp://127.0.0.1:%d", port);
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY,
          "nobody on port %d: TEMPORARY", port);
    PT_OK(contains(err, "onnect") && contains(err, apr_itoa(p, port)),
          "errmsg says so: %s", err ? err : "(null)");

    fd = silent_listener(&port);
    c.url = apr_psprintf(p, "smtp://127.0.0.1:%d", port);
    c.timeout_sec = 1;
    t0 = apr_time_now();
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    t0 = apr_time_now() - t0;
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY,
          "server that never greets: TEMPORARY");
    PT_OK(t0 < apr_time_from_sec(5) && contains(err, "timed out"),
          "after the 1 s timeout: %s", err ? err : "(null)");
    if (fd >= 0) {
        close(fd);
    }

    /* STARTTLS required, plain server. */
    conf_for(p, &c, s);
    c.starttls = 1;
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY,
          "STARTTLS required but not offered: TEMPORARY");
    PT_OK(contains(err, "STARTTLS") && contains(err, "required"),
          "errmsg says so: %s", err ? err : "(null)");
}

static void test_refused_input(apr_pool_t *p, const sink_t *s)
{
    pt_smtp_result_e res = PT_SMTP_SENT;
    const char *msg, *err = NULL;
    pt_smtp_conf_t c;
    apr_status_t rv;
    apr_size_t len = 0;

    msg = message(p, &len, 0);
    conf_for(p, &c, s);
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example\r\nRCPT TO:<x@y>",
                      msg, len, &res, &err);
    PT_OK(rv == APR_EGENERAL
          && res == PT_SMTP_PERMANENT && contains(err, "recipient"),
          "bad recipient: PERMANENT (%s)", err ? err : "(null)");
    rv = pt_smtp_send(p, &c, "<a@b.example>", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL
          && res == PT_SMTP_PERMANENT && contains(err, "sender"),
          "bad sender: PERMANENT (%s)", err ? err : "(null)");
    c.url = "http://127.0.0.1/";
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL
          && res == PT_SMTP_TEMPORARY && contains(err, "smtp://"),
          "http:// URL refused (%s)", err ? err : "(null)");
    conf_for(p, &c, s);
    c.helo_name = "bad/helo name";
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL
          && res == PT_SMTP_TEMPORARY && contains(err, "HELO"),
          "bad HELO name refused (%s)", err ? err : "(null)");
}

static void test_auth(apr_pool_t *p)
{
    static const char *const args[] = { "--auth", "portal:s3cret", NULL };
    pt_smtp_result_e res = PT_SMTP_PERMANENT;
    const char *msg, *err = NULL;
    pt_smtp_conf_t c;
    apr_size_t len = 0;
    apr_status_t rv;
    sink_t s;

    if (sink_start(p, &s, "auth", args) != 0) {
        PT_OK(0, "smtp_sink.py --auth starts");
        return;
    }
    msg = message(p, &len, 0);
    conf_for(p, &c, &s);
    c.username = "portal";
    c.password = "s3cret";
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_SUCCESS && res == PT_SMTP_SENT, "AUTH accepted: sent (%s)",
          err ? err : "(null)");
    PT_IS_STR(json_string_value(json_object_get(envelope(p, &s, 1),
                                                "auth_user")),
              "portal", "the sink saw the user");
    c.password = "wrong-pw";
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY,
          "AUTH refused: TEMPORARY (a configuration problem)");
    PT_OK(contains(err, "AUTH: 535") && !contains(err, "wrong-pw"),
          "errmsg has the reply, not the password: %s", err ? err : "(null)");
    c.username = NULL;
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY
          && contains(err, "530"),
          "no AUTH where required (530): TEMPORARY (%s)",
          err ? err : "(null)");
    sink_stop(&s);
}

/* STARTTLS and smtps:// with a self-signed certificate made by the
 * openssl command. */
static void test_starttls(apr_pool_t *p)
{
    const char *cert = apr_pstrcat(p, tmpdir, "/cert.pem", NULL);
    const char *key = apr_pstrcat(p, tmpdir, "/key.pem", NULL);
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    const char *smtps_args[] = { "--tls-cert", cert, "--tls-key", key,
                                 "--smtps", NULL };
    pt_smtp_result_e res = PT_SMTP_PERMANENT;
    const char *cmd, *msg, *err = NULL;
    pt_smtp_conf_t c;
    apr_size_t len = 0;
    apr_status_t rv;
    json_t *env;
    sink_t s;
    int made;

    cmd = apr_psprintf(p, "openssl req -x509 -newkey rsa:2048 -nodes "
                       "-keyout '%s' -out '%s' -days 2 -subj /CN=localhost "
                       "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
                       ">/dev/null 2>&1", key, cert);
    made = system(cmd) == 0;
    PT_OK(made, "test certificate made");
    if (sink_start(p, &s, "tls", args) != 0) {
        PT_OK(0, "smtp_sink.py --tls-cert starts");
        return;
    }
    msg = message(p, &len, 0);
    conf_for(p, &c, &s);
    c.starttls = 1;
    c.ca_file = cert;
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_SUCCESS && res == PT_SMTP_SENT,
          "STARTTLS with the test CA: sent (%s)", err ? err : "(null)");
    env = envelope(p, &s, 1);
    PT_OK(json_is_true(json_object_get(env, "tls")), "the sink saw TLS");

    c.ca_file = NULL;
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY,
          "STARTTLS with an unknown CA: TEMPORARY");
    PT_OK(contains(err, "certificate") || contains(err, "SSL"),
          "errmsg names the certificate problem: %s", err ? err : "(null)");
    sink_stop(&s);

    /* Implicit TLS: smtps://, with and without starttls set. */
    if (sink_start(p, &s, "smtps", smtps_args) != 0) {
        PT_OK(0, "smtp_sink.py --smtps starts");
        return;
    }
    conf_for(p, &c, &s);
    c.url = apr_psprintf(p, "smtps://127.0.0.1:%d", s.port);
    c.ca_file = cert;
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_SUCCESS && res == PT_SMTP_SENT,
          "smtps:// with the test CA: sent (%s)", err ? err : "(null)");
    env = envelope(p, &s, 1);
    PT_OK(json_is_true(json_object_get(env, "tls")), "the sink saw TLS");
    c.ca_file = NULL;
    rv = pt_smtp_send(p, &c, "a@b.example", "c@d.example", msg, len, &res,
                      &err);
    PT_OK(rv == APR_EGENERAL && res == PT_SMTP_TEMPORARY
          && contains(err, "certificate"),
          "smtps:// with an unknown CA: TEMPORARY (%s)",
          err ? err : "(null)");
    sink_stop(&s);
    unlink(cert);
    unlink(key);
}

typedef struct thread_job_t {
    apr_pool_t *pool;           /* made by the main thread, used by one */
    const sink_t *sink;
    int sent;
} thread_job_t;

static void *APR_THREAD_FUNC send_thread(apr_thread_t *t, void *data)
{
    thread_job_t *job = data;
    pt_smtp_result_e res;
    const char *msg, *err;
    pt_smtp_conf_t c;
    apr_size_t len = 0;
    int i;

    msg = message(job->pool, &len, 0);
    conf_for(job->pool, &c, job->sink);
    for (i = 0; i < 3; i++) {
        if (pt_smtp_send(job->pool, &c, "a@b.example", "c@d.example", msg,
                         len, &res, &err) == APR_SUCCESS
            && res == PT_SMTP_SENT) {
            job->sent++;
        }
    }
    /* Plain return, not apr_thread_exit(): pthread_exit's unwinding
     * upsets AddressSanitizer, and join only needs the thread gone. */
    return NULL;
}

/* Four threads sending at once (the watchdog may run jobs in parallel). */
static void test_threads(apr_pool_t *p, const sink_t *s)
{
    thread_job_t jobs[4];
    apr_thread_t *th[4];
    apr_status_t rv;
    int i, started = 0, sent = 0;

    for (i = 0; i < 4; i++) {
        apr_pool_create(&jobs[i].pool, p);
        jobs[i].sink = s;
        jobs[i].sent = 0;
    }
    for (i = 0; i < 4; i++) {
        if (apr_thread_create(&th[i], NULL, send_thread, &jobs[i], p)
            == APR_SUCCESS) {
            started++;
        }
    }
    for (i = 0; i < started; i++) {
        apr_thread_join(&rv, th[i]);
        sent += jobs[i].sent;
    }
    PT_OK(started == 4 && sent == 12, "4 threads x 3 messages: %d sent",
          sent);
}

/* rm -r of the sink directories (names made here, no user input). */
static void cleanup_dir(apr_pool_t *p)
{
    const char *cmd = apr_psprintf(p, "rm -rf '%s'", tmpdir);

    if (system(cmd) != 0) {
        printf("# could not remove %s\n", tmpdir);
    }
}

int main(void)
{
    apr_pool_t *p;
    char dir[] = "/tmp/pt_smtp_XXXXXX";
    sink_t s;
    int started;

    signal(SIGPIPE, SIG_IGN);
    apr_initialize();
    apr_pool_create(&p, NULL);
    /* The caller's duty (pt_smtp.h): once, before any thread. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmpdir = mkdtemp(dir);
    PT_OK(tmpdir != NULL, "temporary directory %s", dir);
    if (!tmpdir) {
        return pt_test_done();
    }
    started = sink_start(p, &s, "ok", NULL) == 0;
    PT_OK(started, "smtp_sink.py listens");
    if (s.pid > 0) {
        test_delivery(p, &s);
        test_failures(p, &s);
        test_unreachable(p, &s);
        test_refused_input(p, &s);
        test_threads(p, &s);
        test_auth(p);
        test_starttls(p);
    }
    sink_stop(&s);

    if (!pt_test_failed) {
        cleanup_dir(p);
    }
    else {
        printf("# sink directories kept in %s\n", tmpdir);
    }
    apr_pool_destroy(p);
    curl_global_cleanup();
    apr_terminate();
    return pt_test_done();
}
