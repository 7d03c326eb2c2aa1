/*
 * test_tsa_client.c -- the external TSA client (pt_tsa_client) against
 * t/unit/tsa_server.py (OpenSSL's `ts -reply` on loopback; started by
 * test_tsa_client.sh): a granted stamp that `openssl ts -verify` accepts,
 * and every way an answer can be unusable -- refused, another nonce,
 * another imprint, a signer outside the CA file, trailing bytes, garbage,
 * too large, HTTP errors, a redirect, a server that is down or too slow --
 * each with the status that tells the glue whether to retry later.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "pt_test.h"
#include "pt_test_run.h"
#include "pt_crypto.h"
#include "pt_sql.h"
#include "pt_tsa_client.h"

static const char *base_url, *tls_url, *dir;
static unsigned char digest[PT_TSA_DIGEST_LEN];

static pt_tsa_client_t *client(apr_pool_t *p, const char *url,
                               const char *ca, const char *tls_ca,
                               const char *policy, long timeout)
{
    pt_tsa_client_conf_t conf;
    pt_tsa_client_t *c = NULL;
    pt_err_t err = { 0 };

    memset(&conf, 0, sizeof(conf));
    conf.url = url;
    conf.ca_file = ca;
    conf.tls_ca_file = tls_ca;
    conf.policy = policy;
    conf.timeout = timeout;
    conf.connect_timeout = 2;
    if (pt_tsa_client_make(p, &conf, &c, &err) != APR_SUCCESS) {
        printf("# make: %s\n", pt_err_str(&err, p));
        return NULL;
    }
    return c;
}

static const char *ca1(apr_pool_t *p)
{
    return apr_pstrcat(p, dir, "/ca1.crt", NULL);
}

/* Stamp at route; "ok" or "EAGAIN: msg" / "EGENERAL: msg". */
static const char *stamp_at(apr_pool_t *p, const char *route,
                            unsigned char **der, apr_size_t *len)
{
    pt_tsa_client_t *c = client(p, apr_pstrcat(p, base_url, route, NULL),
                                ca1(p), NULL, NULL, 10);
    unsigned char *d = NULL;
    apr_size_t n = 0;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (!c) {
        return "no client";
    }
    rv = pt_tsa_client_stamp(c, p, digest, &d, &n, NULL, &err);
    if (der) {
        *der = d;
        *len = n;
    }
    if (rv == APR_SUCCESS) {
        return "ok";
    }
    return apr_psprintf(p, "%s: %s", rv == APR_EAGAIN ? "EAGAIN"
                        : rv == APR_EGENERAL ? "EGENERAL" : "other",
                        err.what ? err.what : "(no message)");
}

static int starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static void test_make(apr_pool_t *p)
{
    pt_tsa_client_conf_t conf;
    pt_tsa_client_t *c;
    pt_err_t err = { 0 };
    const char *bad[] = { "ftp://127.0.0.1/tsa", "file:///etc/passwd",
                          "http://", "not a url", NULL };
    int i, refused = 1;

    for (i = 0; bad[i]; i++) {
        memset(&conf, 0, sizeof(conf));
        conf.url = bad[i];
        refused &= pt_tsa_client_make(p, &conf, &c, &err) == APR_EINVAL;
    }
    PT_OK(refused, "only http:// and https:// URLs with a host");
    memset(&conf, 0, sizeof(conf));
    conf.url = base_url;
    conf.ca_file = apr_pstrcat(p, dir, "/missing.crt", NULL);
    PT_OK(pt_tsa_client_make(p, &conf, &c, &err) == APR_EINVAL
          && err.where && !strcmp(err.where, conf.ca_file),
          "a missing CA file is found at once, and named");
    conf.ca_file = apr_pstrcat(p, dir, "/tsa1.cnf", NULL);
    PT_OK(pt_tsa_client_make(p, &conf, &c, &err) == APR_EINVAL,
          "a CA file without a certificate");
    conf.ca_file = ca1(p);
    conf.policy = "not.an.oid";
    PT_OK(pt_tsa_client_make(p, &conf, &c, &err) == APR_EINVAL,
          "a policy that is not an OID");
    conf.policy = NULL;
    PT_OK(pt_tsa_client_make(p, &conf, &c, &err) == APR_SUCCESS
          && !strcmp(pt_tsa_client_host(c), "127.0.0.1"), "a good client");
}

static void test_granted(apr_pool_t *p)
{
    pt_tsa_client_t *c = client(p, apr_pstrcat(p, base_url, "/ok", NULL),
                                ca1(p), NULL, NULL, 10);
    unsigned char *der = NULL;
    apr_size_t len = 0;
    pt_tsa_info_t info;
    pt_err_t err = { 0 };
    apr_time_t t = 0, now = apr_time_now();
    apr_status_t rv;
    const char *path = apr_pstrcat(p, dir, "/stamp.tsr", NULL), *out;
    unsigned char other[PT_TSA_DIGEST_LEN];
    apr_file_t *f;
    int st;

    memset(&info, 0, sizeof(info));
    rv = c ? pt_tsa_client_stamp(c, p, digest, &der, &len, &info, &err)
           : APR_EGENERAL;
    PT_OK(rv == APR_SUCCESS, "a granted time-stamp (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    if (rv != APR_SUCCESS) {
        return;
    }
    PT_IS_STR(info.digest, pt_hex_encode(p, digest, PT_TSA_DIGEST_LEN),
              "over our digest");
    PT_IS_STR(info.policy, "1.2.3.4.1", "the TSA's default policy");
    PT_OK(info.gen_time >= now - apr_time_from_sec(60)
          && info.gen_time <= now + apr_time_from_sec(60),
          "its time is now");
    PT_OK(pt_tsa_client_verify(c, p, der, len, digest, &t, &err)
          == APR_SUCCESS && t == info.gen_time,
          "it verifies later as a stored receipt (%s)",
          err.what ? err.what : "ok");
    memcpy(other, digest, sizeof(other));
    other[0] ^= 1;
    PT_OK(pt_tsa_client_verify(c, p, der, len, other, NULL, &err)
          == APR_EGENERAL && starts(err.what, "the time-stamp is for other"),
          "but not for other data (%s)", err.what);

    /* the same DER form as the portal's own receipts: openssl checks it */
    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                  | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p);
    apr_file_write_full(f, der, len, NULL);
    apr_file_close(f);
    st = pt_run(p, apr_psprintf(p, "openssl ts -verify -digest %s -in %s "
                                "-CAfile %s 2>&1", info.digest, path, ca1(p)),
                &out);
    PT_OK(st == 0 && strstr(out, "Verification: OK") != NULL,
          "`openssl ts -verify -digest ... -CAfile ca.crt` accepts it (%s)",
          out);

    c = client(p, apr_pstrcat(p, base_url, "/ok", NULL),
               apr_pstrcat(p, dir, "/ca2.crt", NULL), NULL, NULL, 10);
    rv = pt_tsa_client_stamp(c, p, digest, &der, &len, NULL, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "does not verify against "
          "the CA file") != NULL,
          "with another CA file it does not verify (%s)", err.what);

    c = client(p, apr_pstrcat(p, base_url, "/ok", NULL), ca1(p), NULL,
               "1.2.3.4.5", 10);
    rv = pt_tsa_client_stamp(c, p, digest, &der, &len, &info, &err);
    PT_OK(rv == APR_SUCCESS && !strcmp(info.policy, "1.2.3.4.5"),
          "a policy asked for is the token's (%s)",
          rv ? err.what : info.policy);
    c = client(p, apr_pstrcat(p, base_url, "/ok", NULL), ca1(p), NULL,
               "1.2.3.4.9", 10);
    rv = pt_tsa_client_stamp(c, p, digest, &der, &len, &info, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "refused") != NULL
          && strstr(err.what, "unacceptedPolicy") != NULL,
          "a policy the TSA does not have is refused (%s)", err.what);

    c = client(p, apr_pstrcat(p, tls_url, "/ok", NULL), ca1(p),
               apr_pstrcat(p, dir, "/tls.crt", NULL), NULL, 10);
    rv = pt_tsa_client_stamp(c, p, digest, &der, &len, NULL, &err);
    PT_OK(rv == APR_SUCCESS, "over https (%s)", rv ? err.what : "ok");
    c = client(p, apr_pstrcat(p, tls_url, "/ok", NULL), ca1(p), NULL, NULL,
               10);
    rv = pt_tsa_client_stamp(c, p, digest, &der, &len, NULL, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "cannot reach") != NULL,
          "https to a server the system does not trust fails (%s)",
          err.what);
}

static void test_unusable(apr_pool_t *p)
{
    const char *got;
    apr_time_t t0;

    got = stamp_at(p, "/reject", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1: the TSA refused the "
              "time-stamp (status 2, \"no thanks\", badAlg)",
              "a rejection, with its text and failure info");
    got = stamp_at(p, "/nonce", NULL, NULL);
    PT_OK(starts(got, "EGENERAL: the TSA at 127.0.0.1: the time-stamp "
                      "answers another request (its nonce is not ours)"),
          "another nonce (%s)", got);
    got = stamp_at(p, "/imprint", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1: the time-stamp is for "
              "other data (its SHA-256 imprint is not the digest)",
              "another imprint");
    got = stamp_at(p, "/other", NULL, NULL);
    PT_OK(starts(got, "EGENERAL: the TSA at 127.0.0.1: the TSA's "
                      "certificate does not verify against the CA file"),
          "a signer under another CA (%s)", got);
    got = stamp_at(p, "/trailing", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1: not an RFC 3161 "
              "time-stamp response (1 extra bytes at its end)",
              "a byte after the answer");
    got = stamp_at(p, "/garbage", NULL, NULL);
    PT_OK(starts(got, "EGENERAL: the TSA at 127.0.0.1: not an RFC 3161 "
                      "time-stamp response"), "garbage (%s)", got);
    got = stamp_at(p, "/huge", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1 answered with more than "
              "65536 bytes", "a huge answer is cut off");
    got = stamp_at(p, "/huge?announce=1", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1 answered with more than "
              "65536 bytes", "a huge announced answer is refused");
    got = stamp_at(p, "/status/503", NULL, NULL);
    PT_IS_STR(got, "EAGAIN: the TSA at 127.0.0.1 answered HTTP 503",
              "HTTP 503: retry later");
    got = stamp_at(p, "/status/429", NULL, NULL);
    PT_IS_STR(got, "EAGAIN: the TSA at 127.0.0.1 answered HTTP 429",
              "HTTP 429: retry later");
    got = stamp_at(p, "/status/404", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1 answered HTTP 404 (not "
              "a time-stamp)", "HTTP 404: a wrong URL");
    got = stamp_at(p, "/redirect", NULL, NULL);
    PT_IS_STR(got, "EGENERAL: the TSA at 127.0.0.1 answered HTTP 302 (not "
              "a time-stamp)", "a redirect is not followed");

    {
        pt_tsa_client_t *c = client(p, "http://127.0.0.1:1/tsa", ca1(p),
                                    NULL, NULL, 10);
        unsigned char *der;
        apr_size_t len;
        pt_err_t err = { 0 };
        apr_status_t rv = pt_tsa_client_stamp(c, p, digest, &der, &len,
                                              NULL, &err);

        PT_OK(rv == APR_EAGAIN && starts(err.what, "cannot reach the TSA "
              "at 127.0.0.1: "), "a server that is down: retry later, with"
              " the portal's own TSA meanwhile (%s)", err.what);
    }
    {
        pt_tsa_client_t *c = client(p, apr_pstrcat(p, base_url, "/slow?s=6",
                                                   NULL), ca1(p), NULL, NULL,
                                    1);
        unsigned char *der;
        apr_size_t len;
        pt_err_t err = { 0 };
        apr_status_t rv;

        t0 = apr_time_now();
        rv = pt_tsa_client_stamp(c, p, digest, &der, &len, NULL, &err);
        PT_OK(rv == APR_EAGAIN && apr_time_now() - t0
              < apr_time_from_sec(4), "a server too slow for the timeout "
              "(1 s): retry later (%s)", err.what);
    }
}

/* Four threads stamping at once with one client. */
typedef struct par_t {
    pt_tsa_client_t *c;
    apr_status_t rv;
} par_t;

static void *APR_THREAD_FUNC stamp_thread(apr_thread_t *t, void *data)
{
    par_t *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < 5 && w->rv == APR_SUCCESS; i++) {
        unsigned char *der;
        apr_size_t len;
        pt_err_t err = { 0 };

        w->rv = pt_tsa_client_stamp(w->c, p, digest, &der, &len, NULL,
                                    &err);
    }
    apr_pool_destroy(p);
    return NULL;                /* not apr_thread_exit(): see test_smtp.c */
}

static void test_threads(apr_pool_t *p)
{
    pt_tsa_client_t *c = client(p, apr_pstrcat(p, base_url, "/ok", NULL),
                                ca1(p), NULL, NULL, 20);
    apr_thread_t *t[4];
    par_t w[4];
    int i, ok = 1;

    for (i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].rv = APR_SUCCESS;
        apr_thread_create(&t[i], NULL, stamp_thread, &w[i], p);
    }
    for (i = 0; i < 4; i++) {
        apr_status_t trv;

        apr_thread_join(&trv, t[i]);
        ok &= w[i].rv == APR_SUCCESS;
    }
    PT_OK(ok, "one client, four threads, twenty stamps at once");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    apr_pool_create(&p, NULL);
    base_url = getenv("PORTAL_TSA_URL");
    tls_url = getenv("PORTAL_TSA_TLS_URL");
    dir = getenv("PORTAL_TSA_DIR");
    if (!base_url || !tls_url || !dir) {
        printf("not ok 1 - run through t/unit/test_tsa_client.sh\n1..1\n");
        return 1;
    }
    EVP_Digest("report.pdf", 10, digest, NULL, EVP_sha256(), NULL);
    test_make(p);
    test_granted(p);
    test_unusable(p);
    test_threads(p);
    apr_pool_destroy(p);
    curl_global_cleanup();
    apr_terminate();
    return pt_test_done();
}
