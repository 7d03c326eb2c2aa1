/*
 * fuzz_webauthn_assert.c -- libFuzzer target for passkey sign-in: the
 * clientDataJSON and authenticator-data parsers, COSE keys, and the whole
 * pt_webauthn_assert() check with libfido2's signature verification.
 *
 * Input: one byte (the stored counter), then three parts each preceded
 * by a 16-bit big-endian length -- the stored COSE public key, the
 * authenticatorData, the signature -- and the rest as clientDataJSON
 * (t/unit/webauthn_make.py --corpus writes valid seeds in this shape,
 * for the fixed challenge below).  Promises checked: a failure says why;
 * success only with UP set, without AT, and a counter that went up (or
 * both zero); PT_WEBAUTHN_ECOUNTER only with a counter that did not.
 * Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "pt_webauthn.h"

static int initialized;
static apr_pool_t *root;

static const unsigned char challenge[] = "fuzz-challenge-0123456789abcdef!";

/* The next length-prefixed part; 0 when the input is too short. */
static int part(const uint8_t **data, size_t *size, const uint8_t **out,
                size_t *len)
{
    size_t n;

    if (*size < 2) {
        return 0;
    }
    n = ((size_t)(*data)[0] << 8) | (*data)[1];
    if (n > *size - 2) {
        return 0;
    }
    *out = *data + 2;
    *len = n;
    *data += 2 + n;
    *size -= 2 + n;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    pt_webauthn_expect_t x;
    pt_webauthn_result_t res;
    pt_wa_client_data_t cd;
    pt_wa_auth_data_t ad;
    pt_err_t err;
    const uint8_t *pk, *adb, *sig;
    size_t pklen, adlen, siglen;
    apr_uint32_t stored;
    apr_status_t rv;

    if (!initialized) {
        apr_initialize();
        apr_pool_create(&root, NULL);
        initialized = 1;
    }
    if (size < 1) {
        return 0;
    }
    stored = data[0];
    data++;
    size--;
    if (!part(&data, &size, &pk, &pklen) || !part(&data, &size, &adb, &adlen)
        || !part(&data, &size, &sig, &siglen)) {
        return 0;
    }
    apr_pool_create(&p, root);
    memset(&x, 0, sizeof(x));
    x.rp_id = "localhost";
    x.origin = "http://localhost:8529";
    x.challenge = challenge;
    x.challenge_len = 32;
    x.require_uv = stored & 1;
    memset(&err, 0, sizeof(err));
    memset(&res, 0, sizeof(res));
    rv = pt_webauthn_assert(p, &x, pk, pklen, stored, data, size, adb, adlen,
                            sig, siglen, &res, &err);
    if (rv != APR_SUCCESS && !err.what) {
        abort();
    }
    if (rv == APR_SUCCESS
        && (!(res.flags & PT_WA_FLAG_UP) || (res.flags & PT_WA_FLAG_AT)
            || (x.require_uv && !(res.flags & PT_WA_FLAG_UV))
            || ((res.sign_count || stored) && res.sign_count <= stored))) {
        abort();
    }
    if (rv == PT_WEBAUTHN_ECOUNTER
        && (!(res.sign_count || stored) || res.sign_count > stored)) {
        abort();
    }
    memset(&err, 0, sizeof(err));
    if (pt_webauthn_client_data_parse(p, data, size, &cd, &err)
        == APR_SUCCESS) {
        if (!cd.type || !cd.origin || !cd.challenge_raw
            || cd.challenge_len < PT_WA_MIN_CHALLENGE) {
            abort();
        }
    }
    else if (!err.what) {
        abort();
    }
    memset(&err, 0, sizeof(err));
    if (pt_webauthn_auth_data_parse(p, adb, adlen, &ad, &err) != APR_SUCCESS
        && !err.what) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
