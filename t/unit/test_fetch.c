/*
 * test_fetch.c -- pt_fetch.c against t/unit/feed_server.py on loopback,
 * which t/unit/test_fetch.sh starts and names in PORTAL_FEED_URL (and,
 * when openssl could make a certificate, PORTAL_FEED_TLS_URL and
 * PORTAL_FEED_CA); without it the test is skipped (exit 77).
 *
 * Checked: a 200 with its body and validators; 304 to If-None-Match and
 * to If-Modified-Since; a gzip body decoded; the request headers the
 * server saw (User-Agent, the extra header, Accept-Encoding); redirects
 * (5 followed, a 6th refused, none to file:, the extra header kept from
 * other hosts); every failure's exact message (timeout, size cap with and
 * without a Content-Length, HTTP 500, a truncated body, an unresolvable
 * host, TLS) and that none contains the key; file:// reads and their
 * not-modified answer; refused arguments; the memory a 40 MB body takes;
 * four threads at once.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <apr_allocator.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "pt_fetch.h"
#include "pt_test.h"

#define MiB ((apr_size_t)1024 * 1024)
#define KEY "k3y-0f-the-feed-2f1c9a"
#define UA "mod_portal/0.4 (+https://portal.example.org)"
#define FEED_BODY                                                          \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"                         \
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">"                         \
    "<title>Loopback feed</title></feed>\n"
#define FEED_ETAG "\"feed-v1\""
#define FEED_LM "Wed, 21 Oct 2015 07:28:00 GMT"

static const char *base;            /* PORTAL_FEED_URL */
static const char *gzip_body;       /* what /gzip sends, decoded */
static const char *const key_headers[] = { "Auth-Key: " KEY, NULL };

/* ------------------------------------------------------------ helpers */

static int contains(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

static const char *what(const pt_err_t *e)
{
    return e->what ? e->what : "(no message)";
}

/* A request for base + path with the key header and short timeouts. */
static void req_for(apr_pool_t *p, pt_fetch_req_t *req, const char *path)
{
    memset(req, 0, sizeof(*req));
    req->url = apr_pstrcat(p, base, path, NULL);
    req->headers = key_headers;
    req->connect_timeout = 5;
    req->timeout = 10;
    req->max_bytes = 1 * MiB;
    req->user_agent = UA;
}

/* pt_fetch() expected to fail with exactly `want`; the message must not
 * hold the key. */
static void expect_error(apr_pool_t *p, const pt_fetch_req_t *req,
                         const char *want, const char *name)
{
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv = pt_fetch(p, req, &res, &err);

    PT_OK(rv == APR_EGENERAL, "%s: fails", name);
    PT_IS_STR(err.what, want, "%s: the message", name);
    PT_OK(!contains(err.what, KEY), "%s: the message has no key", name);
    PT_OK(res.body == NULL, "%s: no body", name);
}

static apr_status_t json_cleanup(void *j)
{
    json_decref(j);
    return APR_SUCCESS;
}

/* The JSON object /echo sent back (freed with the pool). */
static json_t *echo_json(apr_pool_t *p, const pt_fetch_res_t *res)
{
    json_t *j = json_loadb(res->body ? res->body : "", res->len, 0, NULL);

    if (j) {
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    }
    return j;
}

static const char *jstr(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* 1 when body is n bytes of "abc...z" repeated (feed_server's /big). */
static int pattern_ok(const char *body, apr_size_t len, apr_size_t n)
{
    apr_size_t i;

    if (!body || len != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (body[i] != (char)('a' + i % 26)) {
            return 0;
        }
    }
    return body[n] == '\0';
}

/* The body of feed_server's /gzip (GZIP_BODY there). */
static const char *make_gzip_body(apr_pool_t *p)
{
    char *s = apr_palloc(p, 2000 * 32), *at = s;
    int i;

    for (i = 0; i < 2000; i++) {
        at += apr_snprintf(at, 32, "line %d of the gzip feed\n", i);
    }
    return s;
}

/* A field of /proc/self/status in KiB, or -1. */
static long status_kb(const char *field)
{
    char line[256];
    apr_size_t n = strlen(field);
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, field, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Reset the peak RSS (VmHWM) to the current RSS; 0 when not possible. */
static int hwm_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok;

    if (!f) {
        return 0;
    }
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* ------------------------------------------------------------ tests */

/*
 * A 40 MB body under a 50 MB cap: one buffer of the announced length, so
 * the peak grows by about the body; without a length the buffer doubles
 * (every step kept by the pool), so less than three times the body.  The
 * pools have their own allocator that gives memory back at once, so each
 * measure starts clean.
 */
static void test_memory(void)
{
    static const struct {
        const char *query;
        double factor;
        const char *name;
    } cases[] = {
        { "", 1.25, "with Content-Length" },
        { "&chunked=1", 3.0, "chunked" },
    };
    apr_size_t n = 40 * MiB;
    int i;

    for (i = 0; i < 2; i++) {
        apr_allocator_t *a;
        apr_pool_t *p;
        pt_fetch_req_t req;
        pt_fetch_res_t res;
        pt_err_t err = { 0 };
        apr_status_t rv;
        long before, peak;
        int measured;

        apr_allocator_create(&a);
        apr_allocator_max_free_set(a, 1);
        apr_pool_create_ex(&p, NULL, NULL, a);
        apr_allocator_owner_set(a, p);
        req_for(p, &req, apr_psprintf(p, "/big?size=%lu%s",
                                      (unsigned long)n, cases[i].query));
        req.max_bytes = 50 * MiB;
        req.timeout = 60;
        measured = hwm_reset();
        before = status_kb("VmRSS");
        rv = pt_fetch(p, &req, &res, &err);
        peak = status_kb("VmHWM");
        PT_OK(rv == APR_SUCCESS && res.status == 200,
              "40 MB %s: fetched (%s)", cases[i].name,
              rv ? what(&err) : "ok");
        PT_OK(pattern_ok(res.body, res.len, n),
              "40 MB %s: every byte right", cases[i].name);
#if defined(__SANITIZE_THREAD__)
        measured = 0;           /* its shadow memory grows with the heap */
#endif
        if (measured && before > 0 && peak > 0) {
            double grew = (double)(peak - before) * 1024;

            PT_OK(grew < cases[i].factor * (double)n,
                  "40 MB %s: the peak grew by %.1f MB (< %.2f x the body)",
                  cases[i].name, grew / MiB, cases[i].factor);
        }
        else {
            printf("# 40 MB %s: peak RSS not measurable here\n",
                   cases[i].name);
        }
        apr_pool_destroy(p);
    }
}

static void test_ok_and_not_modified(apr_pool_t *p)
{
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;

    req_for(p, &req, "/feed");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS, "/feed: success (%s)", rv ? what(&err) : "ok");
    PT_OK(res.status == 200 && !res.not_modified, "/feed: 200");
    PT_IS_STR(res.body, FEED_BODY, "/feed: the body");
    PT_OK(res.len == strlen(FEED_BODY), "/feed: its length");
    PT_IS_STR(res.etag, FEED_ETAG, "/feed: the ETag");
    PT_IS_STR(res.last_modified, FEED_LM, "/feed: the Last-Modified");
    PT_OK(res.seconds >= 0 && res.seconds < 5, "/feed: took %.3f s",
          res.seconds);

    req.etag = res.etag;
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 304 && res.not_modified,
          "/feed with its ETag: 304, not modified");
    PT_OK(res.body == NULL && res.len == 0, "/feed with its ETag: no body");
    PT_IS_STR(res.etag, FEED_ETAG, "/feed with its ETag: ETag repeated");

    req.etag = "\"feed-v0\"";
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200 && !res.not_modified,
          "/feed with an old ETag: 200");
    PT_IS_STR(res.body, FEED_BODY, "/feed with an old ETag: the body");

    /* If-Modified-Since: a route without ETag. */
    req_for(p, &req, "/lm");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200 && res.etag == NULL,
          "/lm: 200 without ETag");
    PT_IS_STR(res.last_modified, FEED_LM, "/lm: the Last-Modified");
    req.last_modified = res.last_modified;
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 304 && res.not_modified
          && res.body == NULL,
          "/lm with If-Modified-Since: 304, no body");
    PT_IS_STR(res.last_modified, FEED_LM,
              "/lm with If-Modified-Since: Last-Modified repeated");
    req.last_modified = "Tue, 20 Oct 2015 07:28:00 GMT";
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200,
          "/lm modified since an earlier date: 200");
    PT_IS_STR(res.body, FEED_BODY, "/lm modified since: the body");

    /* A 304 without Last-Modified: the one the request had stays. */
    req_for(p, &req, "/etag");
    req.etag = FEED_ETAG;
    req.last_modified = "Sat, 01 Jan 2000 00:00:00 GMT";
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 304 && res.not_modified,
          "/etag with its ETag: 304");
    PT_IS_STR(res.etag, FEED_ETAG, "/etag 304: the ETag it repeated");
    PT_IS_STR(res.last_modified, "Sat, 01 Jan 2000 00:00:00 GMT",
              "/etag 304: the request's Last-Modified kept");

    req_for(p, &req, "/empty");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200 && res.body
          && res.body[0] == '\0' && res.len == 0,
          "/empty: 200 with an empty (non-NULL) body");
}

static void test_gzip(apr_pool_t *p)
{
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;
    const char *want = gzip_body;

    req_for(p, &req, "/gzip");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200, "/gzip: 200 (%s)",
          rv ? what(&err) : "ok");
    PT_IS_STR(res.etag, "\"gzip\"", "/gzip: the server sent it gzipped");
    PT_OK(res.body && res.len == strlen(want) && !strcmp(res.body, want),
          "/gzip: the body decoded (%lu bytes)", (unsigned long)res.len);

    /* The cap is on the decoded body (the gzip is ~10 KB, the body 52). */
    req.max_bytes = 20000;
    expect_error(p, &req, "body larger than 20000 bytes",
                 "/gzip over a cap on the decoded size");
}

static void test_request_headers(apr_pool_t *p)
{
    static const char *const two[] = { "Auth-Key: " KEY,
                                       "X-Feed-Test:  spaced value",
                                       NULL };
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    json_t *j;

    req_for(p, &req, "/echo");
    req.headers = two;
    req.etag = "\"e1\"";
    req.last_modified = FEED_LM;
    j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS ? echo_json(p, &res)
                                                     : NULL;
    PT_OK(j != NULL, "/echo: a JSON object back");
    if (!j) {
        return;
    }
    PT_IS_STR(jstr(j, "user-agent"), UA, "/echo: User-Agent");
    PT_IS_STR(jstr(j, "auth-key"), KEY, "/echo: the extra header");
    PT_IS_STR(jstr(j, "x-feed-test"), "spaced value",
              "/echo: a second extra header");
    PT_OK(contains(jstr(j, "accept-encoding"), "gzip"),
          "/echo: Accept-Encoding offers gzip (%s)",
          jstr(j, "accept-encoding") ? jstr(j, "accept-encoding") : "none");
    PT_IS_STR(jstr(j, "if-none-match"), "\"e1\"", "/echo: If-None-Match");
    PT_IS_STR(jstr(j, "if-modified-since"), FEED_LM,
              "/echo: If-Modified-Since");

    req_for(p, &req, "/echo");
    req.headers = NULL;
    req.user_agent = NULL;
    j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS ? echo_json(p, &res)
                                                     : NULL;
    PT_OK(j && !json_object_get(j, "auth-key")
          && !json_object_get(j, "if-none-match")
          && !json_object_get(j, "if-modified-since"),
          "/echo without extras or validators: none sent");
    PT_IS_STR(j ? jstr(j, "user-agent") : NULL, "mod_portal",
              "/echo: the default User-Agent");
}

static void test_redirects(apr_pool_t *p)
{
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;
    const char *port = strrchr(base, ':') + 1;
    json_t *j;

    req_for(p, &req, "/redirect/5");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200, "5 redirects: followed "
          "(%s)", rv ? what(&err) : "ok");
    PT_IS_STR(res.body, FEED_BODY, "5 redirects: the body at the end");
    PT_IS_STR(res.etag, FEED_ETAG, "5 redirects: the last ETag");

    req_for(p, &req, "/redirect/6");
    expect_error(p, &req, "more than 5 redirects", "6 redirects");

    req_for(p, &req, "/redirect?to=file:///etc/passwd");
    expect_error(p, &req, "HTTP 302 to a file: URL (only http and https "
                 "redirects are followed)", "302 to file:///etc/passwd");
    req_for(p, &req, "/redirect?code=307&to=file:///etc/passwd");
    expect_error(p, &req, "HTTP 307 to a file: URL (only http and https "
                 "redirects are followed)", "307 to file:///etc/passwd");

    req_for(p, &req, "/redirect?code=301&to=/echo");
    j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS ? echo_json(p, &res)
                                                     : NULL;
    PT_IS_STR(j ? jstr(j, "auth-key") : NULL, KEY,
              "301 to the same origin: the key goes along");

    req_for(p, &req, apr_pstrcat(p, "/redirect?to=http://localhost:", port,
                                 "/echo", NULL));
    req.etag = "\"e2\"";
    j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS ? echo_json(p, &res)
                                                     : NULL;
    PT_OK(j != NULL, "302 to another host: followed (%s)",
          j ? "ok" : what(&err));
    PT_OK(j && !json_object_get(j, "auth-key"),
          "302 to another host: the key stays behind");
    PT_IS_STR(j ? jstr(j, "if-none-match") : NULL, "\"e2\"",
              "302 to another host: If-None-Match goes along");
    PT_IS_STR(j ? jstr(j, "user-agent") : NULL, UA,
              "302 to another host: User-Agent goes along");

    req_for(p, &req, "/redirect?code=302&to=");
    expect_error(p, &req, "HTTP 302 (a redirect without a usable Location)",
                 "302 with an empty Location");
    req_for(p, &req, "/redirect?code=303&to=..%2Fecho%3Fx%3D1");
    j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS ? echo_json(p, &res)
                                                     : NULL;
    PT_IS_STR(j ? jstr(j, "auth-key") : NULL, KEY,
              "303 to a relative ../echo?x=1: resolved, followed");
    req_for(p, &req, "/redirect?to=javascript:alert(1)");
    expect_error(p, &req, "HTTP 302 to a javascript: URL (only http and "
                 "https redirects are followed)", "302 to javascript:");
}

static void test_failures(apr_pool_t *p)
{
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;

    req_for(p, &req, "/slow?s=30");
    req.timeout = 2;
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_EGENERAL, "/slow: fails");
    PT_IS_STR(err.what, "timed out after 2 s", "/slow: the message");
    PT_OK(res.seconds >= 1.9 && res.seconds < 4,
          "/slow: gave up after %.2f s", res.seconds);
    PT_OK(res.body == NULL, "/slow: no body");

    req_for(p, &req, "/huge");
    rv = pt_fetch(p, &req, &res, &err);
    PT_IS_STR(err.what, "body larger than 1048576 bytes",
              "/huge (chunked): the cap");
    PT_OK(rv == APR_EGENERAL && res.body == NULL && res.seconds < 5,
          "/huge (chunked): fails, no body, %.2f s", res.seconds);
    req_for(p, &req, "/huge?announce=1");
    expect_error(p, &req, "body larger than 1048576 bytes",
                 "/huge announcing 10^12 bytes");
    req_for(p, &req, "/big?size=1048577&chunked=1");
    expect_error(p, &req, "body larger than 1048576 bytes",
                 "cap + 1 byte, chunked");
    req_for(p, &req, "/big?size=1048577");
    expect_error(p, &req, "body larger than 1048576 bytes",
                 "cap + 1 byte, Content-Length");
    req_for(p, &req, "/big?size=1048576&chunked=1");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && pattern_ok(res.body, res.len, MiB),
          "exactly the cap, chunked: fetched");
    req_for(p, &req, "/big?size=1048576");
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && pattern_ok(res.body, res.len, MiB),
          "exactly the cap, Content-Length: fetched");

    req_for(p, &req, "/status/500");
    rv = pt_fetch(p, &req, &res, &err);
    PT_IS_STR(err.what, "HTTP 500", "/status/500: the message");
    PT_OK(rv == APR_EGENERAL && res.status == 500 && res.body == NULL,
          "/status/500: fails with status 500");
    req_for(p, &req, "/status/404");
    expect_error(p, &req, "HTTP 404", "/status/404");
    req_for(p, &req, "/nowhere");
    expect_error(p, &req, "HTTP 404", "an unknown route");

    req_for(p, &req, "/truncated");
    expect_error(p, &req, "connection closed before the end of the body "
                 "(got 400 of 1000 bytes)", "/truncated");

    req_for(p, &req, "");
    req.url = "http://invalid.invalid/";
    rv = pt_fetch(p, &req, &res, &err);
    /* "... within 5 s" where DNS does not answer at all */
    PT_OK(rv == APR_EGENERAL
          && !strncmp(what(&err), "could not resolve host invalid.invalid",
                      strlen("could not resolve host invalid.invalid")),
          "unresolvable host: %s", what(&err));
    PT_OK(res.seconds < 6.5, "unresolvable host: gave up after %.2f s",
          res.seconds);

    /* A header value never shows, even where libcurl's text has it. */
    req.headers = (const char *const[]){ "X-Host-Key: invalid.invalid",
                                         NULL };
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_EGENERAL && !contains(err.what, "invalid.invalid")
          && contains(err.what, "[redacted]"),
          "a header value in a message is redacted: %s", what(&err));

    req_for(p, &req, "");
    req.url = "http://127.0.0.1:1/feed";
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_EGENERAL && contains(err.what, "127.0.0.1")
          && !contains(err.what, KEY),
          "connection refused: %s", what(&err));
}

/*
 * A connect that never completes: a loopback socket listening with a
 * backlog of 0 and one connection already waiting takes no more (Linux
 * drops the SYNs).  Skipped when the first connection does not queue.
 */
static void test_connect_timeout(apr_pool_t *p)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;
    int lfd, cfd;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    cfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || cfd < 0
        || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || listen(lfd, 0) != 0
        || getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0
        || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        printf("# no full listen queue here: connect timeout not tested\n");
    }
    else {
        req_for(p, &req, "");
        req.url = apr_psprintf(p, "http://127.0.0.1:%d/feed",
                               ntohs(sa.sin_port));
        req.connect_timeout = 1;
        req.timeout = 5;
        rv = pt_fetch(p, &req, &res, &err);
        if (rv == APR_EGENERAL && contains(err.what, "timed out")) {
            PT_OK(0, "connect timeout: %s", what(&err));
        }
        else if (rv == APR_EGENERAL
                 && contains(err.what, "could not connect")) {
            PT_IS_STR(err.what, "could not connect to 127.0.0.1 within 1 s",
                      "connect timeout: the message");
            PT_OK(res.seconds >= 0.9 && res.seconds < 2.5,
                  "connect timeout: gave up after %.2f s", res.seconds);
        }
        else {
            printf("# the full listen queue took the connection (%s): "
                   "connect timeout not tested\n",
                   rv ? what(&err) : "ok");
        }
    }
    if (cfd >= 0) {
        close(cfd);
    }
    if (lfd >= 0) {
        close(lfd);
    }
}

static void test_tls(apr_pool_t *p)
{
    const char *tls = getenv("PORTAL_FEED_TLS_URL");
    const char *ca = getenv("PORTAL_FEED_CA");
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (!tls || !*tls || !ca || !*ca) {
        printf("# no PORTAL_FEED_TLS_URL: TLS not tested\n");
        return;
    }
    req_for(p, &req, "");
    req.url = apr_pstrcat(p, tls, "/feed", NULL);
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_EGENERAL && !strncmp(what(&err), "TLS: ", 5)
          && contains(err.what, "certificate"),
          "https with an unknown CA: %s", what(&err));
    req.ca_file = ca;
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200, "https with the test CA "
          "(%s)", rv ? what(&err) : "ok");
    PT_IS_STR(res.body, FEED_BODY, "https: the body");
    {
        json_t *j;

        req.url = apr_pstrcat(p, tls, "/redirect?to=", base, "/echo", NULL);
        j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS
            ? echo_json(p, &res) : NULL;
        PT_OK(j && !json_object_get(j, "auth-key"),
              "https 302 to http on the same host: the key stays behind");
        req.url = apr_pstrcat(p, tls, "/redirect?to=/echo", NULL);
        j = pt_fetch(p, &req, &res, &err) == APR_SUCCESS
            ? echo_json(p, &res) : NULL;
        PT_IS_STR(j ? jstr(j, "auth-key") : NULL, KEY,
                  "https 302 to https on the same origin: the key goes");
    }
    req.url = apr_pstrcat(p, tls, "/redirect?to=file:///etc/passwd", NULL);
    expect_error(p, &req, "HTTP 302 to a file: URL (only http and https "
                 "redirects are followed)", "https 302 to file:");
}

static void test_file(apr_pool_t *p)
{
    const char *dir = getenv("PORTAL_FEED_TMP");
    const char *path, *url, *lm;
    apr_file_t *fd;
    apr_size_t n = strlen(FEED_BODY);
    pt_fetch_req_t req;
    pt_fetch_res_t res;
    pt_err_t err = { 0 };
    apr_time_t mtime;
    apr_status_t rv;

    dir = dir && *dir ? dir : "/tmp";
    path = apr_pstrcat(p, dir, "/pt fetch feed.xml", NULL);
    url = apr_pstrcat(p, "file://", dir, "/pt%20fetch%20feed.xml", NULL);
    if (apr_file_open(&fd, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p)
        != APR_SUCCESS
        || apr_file_write_full(fd, FEED_BODY, n, NULL) != APR_SUCCESS
        || apr_file_close(fd) != APR_SUCCESS) {
        PT_OK(0, "file:// test file %s written", path);
        return;
    }
    /* 2020-01-02 03:04:05 GMT */
    mtime = apr_time_from_sec(1577934245);
    apr_file_mtime_set(path, mtime, p);

    req_for(p, &req, "");
    req.url = url;
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200 && !res.not_modified,
          "file://: read (%s)", rv ? what(&err) : "ok");
    PT_IS_STR(res.body, FEED_BODY, "file://: the body");
    PT_IS_STR(res.last_modified, "Thu, 02 Jan 2020 03:04:05 GMT",
              "file://: Last-Modified is the mtime");
    PT_OK(res.etag == NULL, "file://: no ETag");
    lm = res.last_modified;

    req.last_modified = lm;
    req.etag = "\"ignored\"";
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 304 && res.not_modified
          && res.body == NULL && res.len == 0,
          "file:// unchanged since: 304, not modified, no body");
    PT_IS_STR(res.last_modified, lm, "file:// unchanged: Last-Modified");

    apr_file_mtime_set(path, mtime + apr_time_from_sec(10), p);
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200 && !res.not_modified,
          "file:// touched: read again");
    PT_IS_STR(res.body, FEED_BODY, "file:// touched: the body");
    PT_IS_STR(res.last_modified, "Thu, 02 Jan 2020 03:04:15 GMT",
              "file:// touched: the new Last-Modified");

    req.last_modified = "not a date";
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_SUCCESS && res.status == 200,
          "file:// with an unreadable date: read");

    req.last_modified = NULL;
    req.max_bytes = 10;
    expect_error(p, &req, "body larger than 10 bytes", "file:// over the cap");

    apr_file_remove(path, p);
    req.max_bytes = MiB;
    rv = pt_fetch(p, &req, &res, &err);
    PT_OK(rv == APR_EGENERAL && contains(err.what, "open file")
          && contains(err.what, "feed.xml"),
          "file:// missing: %s", what(&err));
}

static void test_refused_input(apr_pool_t *p)
{
    pt_fetch_req_t req;

    req_for(p, &req, "");
    req.url = "ftp://127.0.0.1/feed";
    expect_error(p, &req, "the feed URL must start with http://, https:// "
                 "or file://", "ftp://");
    req.url = "gopher://127.0.0.1/";
    expect_error(p, &req, "the feed URL must start with http://, https:// "
                 "or file://", "gopher://");
    req.url = NULL;
    expect_error(p, &req, "the feed URL must start with http://, https:// "
                 "or file://", "no URL");

    req_for(p, &req, "/feed");
    req.headers = (const char *const[]){ "Auth-Key: " KEY "\r\nX-Evil: 1",
                                         NULL };
    expect_error(p, &req, "extra header 1 is not a \"Name: value\" line",
                 "a header with CRLF");
    req.headers = (const char *const[]){ "Accept: */*", KEY, NULL };
    expect_error(p, &req, "extra header 2 is not a \"Name: value\" line",
                 "a header without a name");
    req.headers = (const char *const[]){ ": " KEY, NULL };
    expect_error(p, &req, "extra header 1 is not a \"Name: value\" line",
                 "a header with an empty name");
    req.headers = (const char *const[]){ "Auth Key: " KEY, NULL };
    expect_error(p, &req, "extra header 1 is not a \"Name: value\" line",
                 "a header name with a space");
    req.headers = NULL;
    req.etag = "\"a\"\r\nX-Evil: 1";
    expect_error(p, &req, "the previous ETag has a control character",
                 "an ETag with CRLF");
    req.etag = NULL;
    req.last_modified = "Wed\n";
    expect_error(p, &req, "the previous Last-Modified has a control "
                 "character", "a Last-Modified with LF");
}

typedef struct thread_job_t {
    apr_pool_t *pool;           /* made by the main thread, used by one */
    int ok;
} thread_job_t;

static void *APR_THREAD_FUNC fetch_thread(apr_thread_t *t, void *data)
{
    thread_job_t *job = data;
    int i;

    for (i = 0; i < 10; i++) {
        pt_fetch_req_t req;
        pt_fetch_res_t res;
        pt_err_t err = { 0 };

        req_for(job->pool, &req, i % 2 ? "/gzip" : "/feed");
        if (pt_fetch(job->pool, &req, &res, &err) == APR_SUCCESS
            && res.status == 200
            && !strcmp(res.body, i % 2 ? gzip_body : FEED_BODY)) {
            job->ok++;
        }
    }
    return NULL;
}

/* Four threads at once (the watchdog and portalctl may overlap). */
static void test_threads(apr_pool_t *p)
{
    thread_job_t jobs[4];
    apr_thread_t *th[4];
    apr_status_t rv;
    int i, started = 0, ok = 0;

    for (i = 0; i < 4; i++) {
        apr_pool_create(&jobs[i].pool, p);
        jobs[i].ok = 0;
    }
    for (i = 0; i < 4; i++) {
        if (apr_thread_create(&th[i], NULL, fetch_thread, &jobs[i], p)
            == APR_SUCCESS) {
            started++;
        }
    }
    for (i = 0; i < started; i++) {
        apr_thread_join(&rv, th[i]);
        ok += jobs[i].ok;
    }
    PT_OK(started == 4 && ok == 40, "4 threads x 10 fetches: %d right", ok);
}

int main(void)
{
    apr_pool_t *p;

    base = getenv("PORTAL_FEED_URL");
    if (!base || !*base) {
        printf("1..0 # SKIP PORTAL_FEED_URL not set (run test_fetch.sh)\n");
        return 77;
    }
    apr_initialize();
    atexit(apr_terminate);
    /* The caller's duty (pt_fetch.h): once, before any thread. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    apr_pool_create(&p, NULL);
    gzip_body = make_gzip_body(p);

    test_memory();              /* first: the fewest pages in use */
    test_ok_and_not_modified(p);
    test_gzip(p);
    test_request_headers(p);
    test_redirects(p);
    test_failures(p);
    test_connect_timeout(p);
    test_tls(p);
    test_file(p);
    test_refused_input(p);
    test_threads(p);

    apr_pool_destroy(p);
    curl_global_cleanup();
    return pt_test_done();
}
