/*
 * test_totp.c -- unit tests of pt_totp.c: RFC 6238's test vectors, RFC
 * 4648's base32 vectors, the otpauth:// URI read back by pyotp, codes of
 * past and future steps computed independently by oathtool and pyotp,
 * the skew window, and the replay rule -- all at chosen times, no
 * sleeping.
 *   test_totp     (t/unit/test_totp.sh checks the tools, sets PT_PYTHON)
 */
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_totp.h"
#include "pt_test.h"
#include "pt_test_run.h"

static const unsigned char rfc_secret[] = "12345678901234567890";

/* RFC 6238 appendix B, SHA-1: the last 6 of its 8 digits. */
static const struct {
    apr_int64_t t;
    const char *code;
} rfc[] = {
    { 59, "287082" }, { 1111111109, "081804" }, { 1111111111, "050471" },
    { 1234567890, "005924" }, { 2000000000, "279037" },
    { 20000000000LL, "353130" },
};

static void test_rfc6238(apr_pool_t *p)
{
    apr_size_t i;

    for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        char code[7];
        apr_int64_t step = -1;
        pt_err_t err = { 0 };

        PT_OK(pt_totp_code(rfc_secret, 20, pt_totp_step(rfc[i].t), code)
              == APR_SUCCESS, "code at T=%lld", (long long)rfc[i].t);
        PT_IS_STR(code, rfc[i].code, "RFC 6238 vector T=%lld",
                  (long long)rfc[i].t);
        PT_OK(pt_totp_verify(p, rfc_secret, 20, rfc[i].code, rfc[i].t, 0,
                             &step, &err) == APR_SUCCESS
              && step == rfc[i].t / 30, "verify accepts it at T, step %lld",
              (long long)step);
    }
}

static void test_base32(apr_pool_t *p)
{
    static const char *const vec[][2] = {
        { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
        { "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
        { "foobar", "MZXW6YTBOI" },
    };
    unsigned char *back = NULL;
    apr_size_t i, n = 0;

    for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        PT_IS_STR(pt_totp_base32(p, (const unsigned char *)vec[i][0],
                                 strlen(vec[i][0]), 0), vec[i][1],
                  "RFC 4648 base32 of \"%s\"", vec[i][0]);
    }
    PT_IS_STR(pt_totp_base32(p, (const unsigned char *)"foobar", 6, 1),
              "MZXW 6YTB OI", "grouped by four for people");
    PT_IS_STR(pt_totp_base32(p, rfc_secret, 20, 0),
              "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "the RFC secret");
    PT_OK(pt_totp_base32_decode(p, "gezd gnbv gy3t qojq GEZDGNBVGY3TQOJQ",
                                &back, &n) == APR_SUCCESS && n == 20
          && !memcmp(back, rfc_secret, 20),
          "decodes what a person types: lower case and spaces");
    PT_OK(pt_totp_base32_decode(p, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
                                &back, &n) == APR_EINVAL,
          "a 1 is not base32");
    PT_OK(pt_totp_base32_decode(p, "MZXW6YTBOI", &back, &n) == APR_EINVAL,
          "6 bytes: too short for a secret");
}

static void test_uri(apr_pool_t *p)
{
    const char *uri = pt_totp_uri(p, rfc_secret, 20, "Example Portal",
                                  "ada@example.org");

    PT_IS_STR(uri, "otpauth://totp/Example%20Portal:ada%40example.org"
              "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=Example%20Portal&algorithm=SHA1&digits=6&period=30",
              "the key URI");
    uri = pt_totp_uri(p, rfc_secret, 20, "A:B&c=d#e", "x?y");
    PT_OK(uri && strstr(uri, "totp/A%3AB%26c%3Dd%23e:x%3Fy?")
          && strstr(uri, "&issuer=A%3AB%26c%3Dd%23e&"),
          "':' '&' '=' '#' '?' in issuer and account are escaped: %s", uri);
    PT_OK(!pt_totp_uri(p, rfc_secret, 20, "", "a"), "an empty issuer: NULL");
    PT_OK(!pt_totp_uri(p, rfc_secret, 10, "i", "a"), "a short secret: NULL");
}

/* Codes of a fresh secret, at times on both sides of "now", made by
 * oathtool and by pyotp (from our URI), checked against pt_totp. */
static void test_independent(apr_pool_t *p)
{
    unsigned char *s = NULL, *s2 = NULL;
    const char *b32, *uri, *out;
    apr_int64_t now = (apr_int64_t)time(NULL);
    apr_int64_t times[] = { 0, 0, 0, 0, 0, 1000000000LL, 4102444800LL, 59 };
    apr_size_t i;
    int st;

    times[0] = now;
    times[1] = now - 30;
    times[2] = now + 30;
    times[3] = now - 3600;
    times[4] = now + 365 * 86400;
    PT_OK(pt_totp_secret_new(p, &s) == APR_SUCCESS
          && pt_totp_secret_new(p, &s2) == APR_SUCCESS
          && memcmp(s, s2, PT_TOTP_SECRET_BYTES),
          "two fresh secrets of 160 bits differ");
    b32 = pt_totp_base32(p, s, PT_TOTP_SECRET_BYTES, 0);
    uri = pt_totp_uri(p, s, PT_TOTP_SECRET_BYTES, "Portal Test",
                      "ada.lovelace@example.org");
    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char ours[7];
        const char *cmd;
        apr_int64_t step = 0;
        pt_err_t err = { 0 };

        pt_totp_code(s, PT_TOTP_SECRET_BYTES, pt_totp_step(times[i]), ours);
        cmd = apr_psprintf(p, "oathtool --totp -b -N '@%" APR_INT64_T_FMT
                           "' '%s'", times[i], b32);
        st = pt_run(p, cmd, &out);
        PT_OK(st == 0 && !strcmp(out, ours),
              "oathtool agrees at T=%lld (%s, ours %s)",
              (long long)times[i], out, ours);
        cmd = apr_psprintf(p, "%s -c 'import sys, pyotp; t = pyotp.parse_uri("
                           "sys.argv[1]); print(t.at(int(sys.argv[2])))' "
                           "'%s' %" APR_INT64_T_FMT, pt_python(), uri,
                           times[i]);
        st = pt_run(p, cmd, &out);
        PT_OK(st == 0 && !strcmp(out, ours),
              "pyotp, reading our URI, agrees at T=%lld (%s)",
              (long long)times[i], out);
        PT_OK(pt_totp_verify(p, s, PT_TOTP_SECRET_BYTES, out, times[i], 0,
                             &step, &err) == APR_SUCCESS
              && step == times[i] / 30, "and pt_totp_verify accepts pyotp's "
              "code at that time");
    }
}

static void test_window_and_replay(apr_pool_t *p)
{
    const apr_int64_t now = 1700000015;         /* mid-step */
    const apr_int64_t cur = now / 30;
    char c[5][7];
    apr_int64_t step = 0;
    pt_err_t err = { 0 };
    int k;
    apr_status_t rv;

    for (k = 0; k < 5; k++) {
        pt_totp_code(rfc_secret, 20, cur - 2 + k, c[k]);
    }
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[1], now, 0, &step, &err)
          == APR_SUCCESS && step == cur - 1, "the previous step's code works");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[3], now, 0, &step, &err)
          == APR_SUCCESS && step == cur + 1, "the next step's code works");
    memset(&err, 0, sizeof(err));
    rv = pt_totp_verify(p, rfc_secret, 20, c[0], now, 0, &step, &err);
    PT_OK(rv == APR_EMISMATCH && step == 0, "two steps back: wrong code");
    PT_IS_STR(err.what, "wrong code", "and says so");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[4], now, 0, &step, &err)
          == APR_EMISMATCH, "two steps ahead: wrong code");
    /* the replay rule */
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[2], now, 0, &step, &err)
          == APR_SUCCESS && step == cur, "the current code works once");
    memset(&err, 0, sizeof(err));
    rv = pt_totp_verify(p, rfc_secret, 20, c[2], now, cur, &step, &err);
    PT_OK(rv == PT_TOTP_EREPLAY && step == 0,
          "the same code again (last step = its step): replay");
    PT_IS_STR(err.what, "this code was already used", "and says so");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[1], now, cur, &step, &err)
          == PT_TOTP_EREPLAY, "an earlier step's code after it: replay");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[2], now + 30, cur, &step, &err)
          == PT_TOTP_EREPLAY, "the used code 30 s later (still in the "
          "window): replay");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[3], now, cur, &step, &err)
          == APR_SUCCESS && step == cur + 1, "the next step's code still "
          "works");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, c[3], now, cur + 1, &step, &err)
          == PT_TOTP_EREPLAY, "and only once");
    /* what a person may type */
    {
        char spaced[8];

        memcpy(spaced, c[2], 3);
        spaced[3] = ' ';
        memcpy(spaced + 4, c[2] + 3, 4);
        PT_OK(pt_totp_verify(p, rfc_secret, 20, spaced, now, 0, &step, &err)
              == APR_SUCCESS, "\"123 456\" as apps show it works");
    }
    PT_OK(pt_totp_verify(p, rfc_secret, 20, "12345", now, 0, &step, &err)
          == APR_EINVAL, "5 digits: not a code");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, "1234567", now, 0, &step, &err)
          == APR_EINVAL, "7 digits: not a code");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, "12a456", now, 0, &step, &err)
          == APR_EINVAL, "a letter: not a code");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, "", now, 0, &step, &err)
          == APR_EINVAL, "empty: not a code");
    PT_OK(pt_totp_verify(p, rfc_secret, 20, NULL, now, 0, &step, &err)
          == APR_EINVAL, "NULL: not a code");
    PT_OK(pt_totp_verify(p, rfc_secret, 8, c[2], now, 0, &step, &err)
          == APR_EGENERAL, "an 8-byte secret: refused");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_rfc6238(p);
    test_base32(p);
    test_uri(p);
    test_independent(p);
    test_window_and_replay(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
