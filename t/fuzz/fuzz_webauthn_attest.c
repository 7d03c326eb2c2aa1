/*
 * fuzz_webauthn_attest.c -- libFuzzer target for passkey registration:
 * the attestation-object parser, the authenticator-data parser, the
 * COSE key parser and the whole pt_webauthn_register() check.
 *
 * Input: a 16-bit big-endian length, that many bytes of clientDataJSON,
 * then the attestation object (t/unit/webauthn_make.py --corpus writes
 * seeds in this shape, signed for the fixed challenge below).  A "none"
 * attestation carries no signature, so success is possible; when it
 * happens the result must keep its promises: a credential id of 1 to
 * 1023 bytes, a COSE key that parses again to the same algorithm, the
 * counter and flags of the authenticator data, fmt "none" or "packed".
 * A failure must say why.  Any broken promise aborts.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    pt_webauthn_expect_t x;
    pt_webauthn_cred_t cred;
    pt_wa_attestation_t att;
    pt_wa_auth_data_t ad;
    pt_cose_key_t key;
    pt_err_t err;
    size_t cdlen;
    apr_status_t rv;

    if (!initialized) {
        apr_initialize();
        apr_pool_create(&root, NULL);
        initialized = 1;
    }
    if (size < 2) {
        return 0;
    }
    cdlen = ((size_t)data[0] << 8) | data[1];
    if (cdlen > size - 2) {
        cdlen = size - 2;
    }
    apr_pool_create(&p, root);
    memset(&x, 0, sizeof(x));
    x.rp_id = "localhost";
    x.origin = "http://localhost:8529";
    x.challenge = challenge;
    x.challenge_len = 32;
    x.require_uv = size & 1;
    memset(&err, 0, sizeof(err));
    rv = pt_webauthn_register(p, &x, data + 2, cdlen, data + 2 + cdlen,
                              size - 2 - cdlen, &cred, &err);
    if (rv != APR_SUCCESS) {
        if (!err.what) {
            abort();
        }
    }
    else {
        if (cred.id_len < 1 || cred.id_len > PT_WA_MAX_CRED_ID
            || !cred.id_b64 || !cred.aaguid || strlen(cred.aaguid) != 36
            || (strcmp(cred.fmt, "none") && strcmp(cred.fmt, "packed"))
            || !(cred.flags & PT_WA_FLAG_UP) || !(cred.flags & PT_WA_FLAG_AT)
            || (x.require_uv && !(cred.flags & PT_WA_FLAG_UV))) {
            abort();
        }
        if (pt_cose_key_parse(p, cred.public_key, cred.public_key_len, &key,
                              &err) != APR_SUCCESS || key.alg != cred.alg
            || !pt_cose_alg_name(key.alg)) {
            abort();
        }
    }
    /* the parsers on their own, on the same bytes */
    memset(&err, 0, sizeof(err));
    if (pt_webauthn_attestation_parse(p, data + 2 + cdlen, size - 2 - cdlen,
                                      &att, &err) == APR_SUCCESS) {
        if (!att.fmt || !att.auth_data
            || (pt_webauthn_auth_data_parse(p, att.auth_data,
                                            att.auth_data_len, &ad, &err)
                == APR_SUCCESS
                && (ad.flags & PT_WA_FLAG_AT)
                && (!ad.cred_id || !ad.cose_key
                    || ad.cred_id + ad.cred_id_len != ad.cose_key - 0
                    || ad.cose_key + ad.cose_key_len
                       > att.auth_data + att.auth_data_len))) {
            abort();
        }
    }
    else if (!err.what) {
        abort();
    }
    memset(&err, 0, sizeof(err));
    if (pt_cose_key_parse(p, data, size, &key, &err) != APR_SUCCESS
        && !err.what) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
