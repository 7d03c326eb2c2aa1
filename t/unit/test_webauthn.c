/*
 * test_webauthn.c -- unit tests of pt_webauthn.c, pt_webauthn_data.c and
 * pt_cose.c against registration and authentication responses built
 * independently by t/unit/webauthn_make.py (python3-cryptography keys
 * and signatures, its own CBOR): ES256, EdDSA and RS256; wrong type,
 * challenge, origin, relying party, flags; tampered signatures, data and
 * client data; counters going backwards; malformed, truncated and
 * hostile CBOR and JSON.  Also every truncation of the valid objects,
 * the relying party from PortalBaseURL, transports and challenges.
 *   test_webauthn CASES.json     (t/unit/test_webauthn.sh makes it)
 */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <jansson.h>

#include "pt_crypto.h"
#include "pt_webauthn.h"
#include "pt_test.h"

static const char *str(json_t *c, const char *k)
{
    const char *v = json_string_value(json_object_get(c, k));

    return v ? v : "";
}

static unsigned char *b64(apr_pool_t *p, json_t *c, const char *k,
                          apr_size_t *n)
{
    unsigned char *out = NULL;

    *n = 0;
    if (pt_b64url_decode(p, str(c, k), &out, n) != APR_SUCCESS) {
        printf("# bad base64url in %s\n", k);
    }
    return out;
}

static const char *status_name(apr_status_t rv)
{
    if (rv == APR_SUCCESS) {
        return "ok";
    }
    if (rv == APR_EINVAL) {
        return "EINVAL";
    }
    if (rv == APR_EGENERAL) {
        return "EGENERAL";
    }
    if (rv == PT_WEBAUTHN_ECOUNTER) {
        return "ECOUNTER";
    }
    return "other";
}

/* Every prefix of an object that verified must fail cleanly. */
static int truncations_fail(apr_pool_t *p, const pt_webauthn_expect_t *x,
                            const unsigned char *cd, apr_size_t cdlen,
                            const unsigned char *obj, apr_size_t len)
{
    apr_size_t i;
    int ok = 1;

    for (i = 0; i < len; i++) {
        pt_webauthn_cred_t cred;
        pt_err_t err = { 0 };
        apr_pool_t *sub;

        apr_pool_create(&sub, p);
        if (pt_webauthn_register(sub, x, cd, cdlen, obj, i, &cred, &err)
            != APR_EINVAL || !err.what) {
            ok = 0;
        }
        apr_pool_destroy(sub);
    }
    return ok;
}

static void run_register(apr_pool_t *p, json_t *c, const char *name,
                         const pt_webauthn_expect_t *x, const char *expect)
{
    apr_size_t cdlen, objlen, n;
    unsigned char *cd = b64(p, c, "client_data", &cdlen);
    unsigned char *obj = b64(p, c, "attestation", &objlen);
    pt_webauthn_cred_t cred;
    pt_err_t err = { 0 };
    apr_status_t rv;

    rv = pt_webauthn_register(p, x, cd, cdlen, obj, objlen, &cred, &err);
    PT_IS_STR(status_name(rv), expect, "register, %s: %s%s", name,
              status_name(rv), err.what ? apr_pstrcat(p, " (", err.what, ")",
                                                      NULL) : "");
    if (rv != APR_SUCCESS) {
        PT_OK(err.what && strstr(err.what, str(c, "what")),
              "register, %s: the message says \"%s\"", name, str(c, "what"));
        return;
    }
    {
        unsigned char *pk = b64(p, c, "public_key", &n);

        PT_OK(cred.alg == (int)json_integer_value(json_object_get(c, "alg"))
              && cred.sign_count == (apr_uint32_t)json_integer_value(
                     json_object_get(c, "sign_count"))
              && !strcmp(cred.id_b64, str(c, "cred_id"))
              && cred.public_key_len == n
              && !memcmp(cred.public_key, pk, n)
              && !strcmp(cred.aaguid, "00000000-0000-0000-0000-000000000000"),
              "register, %s: alg %d, counter, id, COSE key and AAGUID", name,
              cred.alg);
    }
    PT_OK(truncations_fail(p, x, cd, cdlen, obj, objlen),
          "register, %s: each of the %d shorter prefixes is malformed", name,
          (int)objlen);
}

static void run_assert(apr_pool_t *p, json_t *c, const char *name,
                       const pt_webauthn_expect_t *x, const char *expect)
{
    apr_size_t cdlen, adlen, siglen, pklen, i;
    unsigned char *cd = b64(p, c, "client_data", &cdlen);
    unsigned char *ad = b64(p, c, "auth_data", &adlen);
    unsigned char *sig = b64(p, c, "signature", &siglen);
    unsigned char *pk = b64(p, c, "public_key", &pklen);
    apr_uint32_t stored = (apr_uint32_t)json_integer_value(
        json_object_get(c, "stored_count"));
    pt_webauthn_result_t res;
    pt_err_t err = { 0 };
    apr_status_t rv;
    int ok = 1;

    rv = pt_webauthn_assert(p, x, pk, pklen, stored, cd, cdlen, ad, adlen,
                            sig, siglen, &res, &err);
    PT_IS_STR(status_name(rv), expect, "assert, %s: %s%s", name,
              status_name(rv), err.what ? apr_pstrcat(p, " (", err.what, ")",
                                                      NULL) : "");
    if (rv != APR_SUCCESS) {
        PT_OK(err.what && strstr(err.what, str(c, "what")),
              "assert, %s: the message says \"%s\"", name, str(c, "what"));
    }
    if (rv == APR_SUCCESS || rv == PT_WEBAUTHN_ECOUNTER) {
        PT_OK(res.sign_count == (apr_uint32_t)json_integer_value(
                  json_object_get(c, "sign_count")),
              "assert, %s: the new counter %u is reported", name,
              (unsigned)res.sign_count);
    }
    if (rv != APR_SUCCESS) {
        return;
    }
    for (i = 0; i < adlen; i++) {
        pt_err_t e2 = { 0 };

        if (pt_webauthn_assert(p, x, pk, pklen, stored, cd, cdlen, ad, i,
                               sig, siglen, &res, &e2) != APR_EINVAL) {
            ok = 0;
        }
    }
    PT_OK(ok, "assert, %s: each shorter authData is malformed", name);
    ok = 1;
    for (i = 0; i < pklen; i++) {
        pt_err_t e2 = { 0 };

        if (pt_webauthn_assert(p, x, pk, i, stored, cd, cdlen, ad, adlen,
                               sig, siglen, &res, &e2) != APR_EINVAL) {
            ok = 0;
        }
    }
    PT_OK(ok, "assert, %s: each shorter stored key is refused", name);
    {
        pt_err_t e2 = { 0 };
        pt_webauthn_expect_t y = *x;

        y.rp_id = "localhost.";
        PT_OK(pt_webauthn_assert(p, &y, pk, pklen, stored, cd, cdlen, ad,
                                 adlen, sig, siglen, &res, &e2)
              == APR_EGENERAL, "assert, %s: the same response for another "
              "relying party fails", name);
    }
}

static void run_cases(apr_pool_t *p, const char *file)
{
    json_error_t jerr;
    json_t *all = json_load_file(file, 0, &jerr);
    size_t i;

    PT_OK(json_is_array(all) && json_array_size(all) > 50,
          "%d cases from %s", all ? (int)json_array_size(all) : 0, file);
    for (i = 0; all && i < json_array_size(all); i++) {
        json_t *c = json_array_get(all, i);
        pt_webauthn_expect_t x;
        apr_size_t n;

        memset(&x, 0, sizeof(x));
        x.rp_id = str(c, "rp_id");
        x.origin = str(c, "origin");
        x.challenge = b64(p, c, "challenge", &n);
        x.challenge_len = n;
        x.require_uv = json_is_true(json_object_get(c, "require_uv"));
        if (!strcmp(str(c, "kind"), "register")) {
            run_register(p, c, str(c, "name"), &x, str(c, "expect"));
        }
        else {
            run_assert(p, c, str(c, "name"), &x, str(c, "expect"));
        }
    }
    json_decref(all);
}

static void test_rp(apr_pool_t *p)
{
    static const char *const good[][3] = {
        { "https://portal.example.org/", "portal.example.org",
          "https://portal.example.org" },
        { "https://Portal.Example.ORG:443/x", "portal.example.org",
          "https://portal.example.org" },
        { "https://portal.example.org:8443", "portal.example.org",
          "https://portal.example.org:8443" },
        { "http://localhost:8529/portal", "localhost",
          "http://localhost:8529" },
        { "http://app.localhost", "app.localhost", "http://app.localhost" },
    };
    static const char *const bad[] = {
        "http://127.0.0.1:8529/", "https://10.0.0.1/", "https://[::1]:8443/",
        "http://portal.example.org/", "ftp://portal.example.org/",
        "portal.example.org", "https:///path", "https://u:p@host.example/",
        "http://localhost.evil.example/", NULL
    };
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *rp = NULL, *origin = NULL;
        pt_err_t err = { 0 };

        PT_OK(pt_webauthn_rp_from_url(p, good[i][0], &rp, &origin, &err)
              == APR_SUCCESS && rp && origin && !strcmp(rp, good[i][1])
              && !strcmp(origin, good[i][2]), "%s: rp %s, origin %s",
              good[i][0], rp ? rp : "-", origin ? origin : "-");
    }
    for (i = 0; bad[i]; i++) {
        const char *rp = NULL, *origin = NULL;
        pt_err_t err = { 0 };

        PT_OK(pt_webauthn_rp_from_url(p, bad[i], &rp, &origin, &err)
              == APR_EINVAL && !rp && err.what, "%s: refused (%s)", bad[i],
              err.what ? err.what : "");
    }
    {
        const char *rp, *origin;
        pt_err_t err = { 0 };

        pt_webauthn_rp_from_url(p, "http://127.0.0.1:8529/", &rp, &origin,
                                &err);
        PT_OK(err.what && strstr(err.what, "host name"),
              "an IP address: the message says a host name is needed");
    }
}

static void test_helpers(apr_pool_t *p)
{
    unsigned char *raw = NULL, *raw2 = NULL;
    const char *b = NULL, *b2 = NULL, *csv = NULL;
    json_t *arr;
    pt_err_t err = { 0 };
    pt_wa_client_data_t cd;
    const char *json;

    PT_OK(pt_webauthn_challenge_new(p, &raw, &b) == APR_SUCCESS
          && pt_webauthn_challenge_new(p, &raw2, &b2) == APR_SUCCESS
          && strlen(b) == 43 && memcmp(raw, raw2, 32),
          "challenges: 32 random bytes, 43 characters of base64url");
    json = apr_psprintf(p, "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
                        "\"origin\":\"https://p.example\"}", b);
    PT_OK(pt_webauthn_client_data_parse(p, (const unsigned char *)json,
                                        strlen(json), &cd, &err)
          == APR_SUCCESS && !strcmp(cd.challenge, b) && cd.challenge_len == 32
          && !memcmp(cd.challenge_raw, raw, 32) && !cd.cross_origin
          && !cd.token_binding, "clientDataJSON gives the challenge to look "
          "up");
    json = "{\"type\":\"webauthn.get\",\"challenge\":\"AAAA\","
           "\"origin\":\"https://p.example\"}";
    PT_OK(pt_webauthn_client_data_parse(p, (const unsigned char *)json,
                                        strlen(json), &cd, &err)
          == APR_EINVAL, "a 3-byte challenge: refused");
    arr = json_pack("[s,s,s]", "usb", "internal", "usb");
    PT_OK(pt_webauthn_transports(p, arr, &csv, &err) == APR_SUCCESS
          && !strcmp(csv, "internal,usb"), "transports: known, once, sorted "
          "(%s)", csv ? csv : "-");
    json_decref(arr);
    arr = json_pack("[s,s]", "hybrid", "carrier-pigeon");
    PT_OK(pt_webauthn_transports(p, arr, &csv, &err) == APR_EINVAL,
          "an unknown transport: refused");
    json_decref(arr);
    arr = json_pack("[i]", 1);
    PT_OK(pt_webauthn_transports(p, arr, &csv, &err) == APR_EINVAL,
          "a number: refused");
    json_decref(arr);
    PT_OK(pt_webauthn_transports(p, NULL, &csv, &err) == APR_SUCCESS
          && !strcmp(csv, ""), "none: \"\"");
    {
        const unsigned char deep[] = {
            0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
            0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00
        };
        const unsigned char big_bstr[] = { 0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
        apr_size_t n = 0;

        PT_OK(pt_cbor_check(deep, sizeof(deep), &n) == APR_EINVAL,
              "CBOR nested 18 deep: refused");
        PT_OK(pt_cbor_check(deep + 4, sizeof(deep) - 4, &n) == APR_SUCCESS
              && n == sizeof(deep) - 4, "14 deep: fine");
        PT_OK(pt_cbor_check(big_bstr, sizeof(big_bstr), &n) == APR_EINVAL,
              "a byte string declaring 2^32 bytes: refused unread");
    }
}

int main(int argc, char **argv)
{
    apr_pool_t *p;

    if (argc != 2) {
        fprintf(stderr, "usage: test_webauthn CASES.json\n");
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    run_cases(p, argv[1]);
    test_rp(p);
    test_helpers(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
