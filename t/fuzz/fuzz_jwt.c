/*
 * fuzz_jwt.c -- libFuzzer target for the bearer-token check.
 *
 * Each input is a token string given to pt_jwt_verify() under an HS256
 * key.  Nothing the fuzzer makes can carry a valid signature, so success
 * is a broken promise; so is a failure without a message.  The input is
 * also used as the sub of a token signed here, which must verify and give
 * the same sub back (when it is a string a token can hold), and a token
 * with its signature moved to the HS512 header must not verify.  Any
 * broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_crypto.h"
#include "pt_jwt.h"
#include "pt_form.h"

#define NOW ((apr_int64_t)1800000000)
#define ISS "https://portal.fuzz"
#define AUD "portal-api"

static int initialized;
static apr_pool_t *root;
static pt_jwt_key_t *key;

static void init(void)
{
    static const unsigned char secret[] =
        "fuzzing-key-0123456789abcdefghijklmnop";
    pt_err_t err = { 0 };

    apr_initialize();
    apr_pool_create(&root, NULL);
    if (pt_jwt_key_hs256(root, secret, sizeof(secret) - 1, &key, &err)
        != APR_SUCCESS) {
        abort();
    }
    initialized = 1;
}

static void round_trip(apr_pool_t *p, const char *sub)
{
    pt_jwt_claims_t c, got;
    pt_err_t err = { 0 };
    const char *tok, *dot;

    memset(&c, 0, sizeof(c));
    c.iss = ISS;
    c.aud = AUD;
    c.sub = sub;
    c.jti = "fuzz-jti";
    c.iat = NOW;
    c.exp = NOW + 60;
    c.role = "client";
    if (pt_jwt_sign(p, key, &c, &tok, &err) != APR_SUCCESS) {
        return;                 /* refused to sign: fine */
    }
    memset(&got, 0, sizeof(got));
    if (pt_jwt_verify(p, key, tok, ISS, AUD, NOW, 0, &got, &err)
        != APR_SUCCESS || !got.sub || strcmp(got.sub, sub)) {
        abort();
    }
    /* the same payload and signature under another algorithm's header */
    dot = strchr(tok, '.');
    if (!dot) {
        abort();
    }
    tok = apr_pstrcat(p, pt_b64url_encode(p, (const unsigned char *)
                      "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", 27), dot, NULL);
    if (pt_jwt_verify(p, key, tok, ISS, AUD, NOW, 0, &got, &err)
        == APR_SUCCESS) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    pt_jwt_claims_t c;
    pt_err_t err;
    char *s;

    if (!initialized) {
        init();
    }
    apr_pool_create(&p, root);
    s = apr_pstrmemdup(p, (const char *)data, size);
    memset(&err, 0, sizeof(err));
    memset(&c, 0, sizeof(c));
    if (pt_jwt_verify(p, key, s, ISS, AUD, NOW, 30, &c, &err)
        == APR_SUCCESS || !err.what) {
        abort();
    }
    if (size <= 200 && !memchr(data, '\0', size)
        && pt_utf8_valid(s, size)) {
        round_trip(p, s);
    }
    apr_pool_destroy(p);
    return 0;
}
