/*
 * pt_cose.c -- a strict CBOR well-formedness check, COSE_Key parsing with
 * libcbor, and signature verification with libfido2.  See pt_cose.h.
 */
#include <pthread.h>
#include <string.h>

#include <apr_strings.h>

#include <cbor.h>
#include <fido.h>
#include <fido/es256.h>
#include <fido/eddsa.h>
#include <fido/rs256.h>

#include "pt_cose.h"

/* ------------------------------------------------------------ CBOR check */

/* The argument of the head at buf[*pos]: the count, length or value.
 * 0 on a reserved or indefinite additional-information value (28-31) or
 * when the head does not fit. */
static int cbor_head(const unsigned char *buf, apr_size_t len,
                     apr_size_t *pos, int *major, apr_uint64_t *arg)
{
    unsigned int ai;
    apr_size_t need, i;

    if (*pos >= len) {
        return 0;
    }
    *major = buf[*pos] >> 5;
    ai = buf[*pos] & 0x1f;
    (*pos)++;
    if (ai < 24) {
        *arg = ai;
        return 1;
    }
    if (ai > 27) {
        return 0;               /* 28-30 reserved, 31 indefinite */
    }
    need = (apr_size_t)1 << (ai - 24);      /* 1, 2, 4, 8 bytes */
    if (len - *pos < need) {
        return 0;
    }
    *arg = 0;
    for (i = 0; i < need; i++) {
        *arg = (*arg << 8) | buf[(*pos)++];
    }
    return 1;
}

static int cbor_item(const unsigned char *buf, apr_size_t len,
                     apr_size_t *pos, int depth)
{
    apr_uint64_t arg, i, n;
    int major;

    if (depth > PT_CBOR_MAX_DEPTH || !cbor_head(buf, len, pos, &major, &arg)) {
        return 0;
    }
    switch (major) {
    case 0:                     /* unsigned integer */
    case 1:                     /* negative integer */
        return 1;
    case 2:                     /* byte string */
    case 3:                     /* text string */
        if (arg > len - *pos) {
            return 0;
        }
        *pos += (apr_size_t)arg;
        return 1;
    case 4:                     /* array: each element is >= 1 byte */
    case 5:                     /* map: each pair is >= 2 bytes */
        n = major == 5 ? 2 * arg : arg;
        if (arg > len - *pos || n > len - *pos) {
            return 0;
        }
        for (i = 0; i < n; i++) {
            if (!cbor_item(buf, len, pos, depth + 1)) {
                return 0;
            }
        }
        return 1;
    case 6:                     /* tag: one item follows */
        return cbor_item(buf, len, pos, depth + 1);
    default:                    /* 7: simple values and floats */
        return 1;
    }
}

apr_status_t pt_cbor_check(const unsigned char *buf, apr_size_t len,
                           apr_size_t *item_len)
{
    apr_size_t pos = 0;

    *item_len = 0;
    if (!buf || len == 0 || !cbor_item(buf, len, &pos, 0)) {
        return APR_EINVAL;
    }
    *item_len = pos;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ COSE_Key */

const char *pt_cose_alg_name(int alg)
{
    switch (alg) {
    case PT_COSE_ES256:
        return "ES256";
    case PT_COSE_EDDSA:
        return "EdDSA";
    case PT_COSE_RS256:
        return "RS256";
    default:
        return NULL;
    }
}

/* A CBOR integer item as a signed value; 0 when it is not one or does
 * not fit in an int. */
static int cbor_int_value(const cbor_item_t *it, long long *v)
{
    apr_uint64_t u;

    if (cbor_isa_uint(it)) {
        u = cbor_get_int(it);
        if (u > 0x7fffffffULL) {
            return 0;
        }
        *v = (long long)u;
        return 1;
    }
    if (cbor_isa_negint(it)) {
        u = cbor_get_int(it);
        if (u > 0x7fffffffULL) {
            return 0;
        }
        *v = -1 - (long long)u;
        return 1;
    }
    return 0;
}

typedef struct cose_fields_t {
    const cbor_item_t *kty, *alg, *m1, *m2, *m3;
} cose_fields_t;

/* Bytes of a definite byte string of exactly want bytes (or, when max is
 * non-zero, 1 to max bytes); NULL otherwise. */
static const unsigned char *bstr(const cbor_item_t *it, apr_size_t want,
                                 apr_size_t max, apr_size_t *got)
{
    apr_size_t n;

    if (!it || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it)) {
        return NULL;
    }
    n = cbor_bytestring_length(it);
    if (max ? (n < 1 || n > max) : n != want) {
        return NULL;
    }
    *got = n;
    return cbor_bytestring_handle(it);
}

static apr_status_t key_from_fields(apr_pool_t *p, const cose_fields_t *f,
                                    pt_cose_key_t *key, pt_err_t *err)
{
    long long kty, alg, crv = 0;
    const unsigned char *x, *y;
    apr_size_t n = 0, m = 0;

    if (!f->kty || !f->alg || !cbor_int_value(f->kty, &kty)
        || !cbor_int_value(f->alg, &alg)) {
        return pt_err_set(err, p, NULL, 0, "the public key has no key type "
                          "or algorithm");
    }
    key->alg = (int)alg;
    key->kty = (int)kty;
    if (alg == PT_COSE_ES256 || alg == PT_COSE_EDDSA) {
        if (!f->m1 || !cbor_int_value(f->m1, &crv)) {
            return pt_err_set(err, p, NULL, 0, "the public key has no curve");
        }
    }
    if (alg == PT_COSE_ES256) {
        if (kty != 2 || crv != 1) {
            return pt_err_set(err, p, NULL, 0, "ES256 needs an EC2 key on "
                              "P-256");
        }
        x = bstr(f->m2, 32, 0, &n);
        y = bstr(f->m3, 32, 0, &m);
        if (!x || !y) {
            return pt_err_set(err, p, NULL, 0, "bad ES256 key coordinates");
        }
        memcpy(key->raw, x, 32);
        memcpy(key->raw + 32, y, 32);
        key->raw_len = 64;
        return APR_SUCCESS;
    }
    if (alg == PT_COSE_EDDSA) {
        if (kty != 1 || crv != 6) {
            return pt_err_set(err, p, NULL, 0, "EdDSA needs an OKP key on "
                              "Ed25519");
        }
        x = bstr(f->m2, 32, 0, &n);
        if (!x || f->m3) {
            return pt_err_set(err, p, NULL, 0, "bad Ed25519 key");
        }
        memcpy(key->raw, x, 32);
        key->raw_len = 32;
        return APR_SUCCESS;
    }
    if (alg == PT_COSE_RS256) {
        if (kty != 3) {
            return pt_err_set(err, p, NULL, 0, "RS256 needs an RSA key");
        }
        x = bstr(f->m1, 256, 0, &n);
        y = bstr(f->m2, 0, 3, &m);
        if (!x || !y || f->m3) {
            return pt_err_set(err, p, NULL, 0, "RS256 needs a 2048-bit RSA "
                              "key with an exponent of at most 3 bytes");
        }
        memcpy(key->raw, x, 256);
        memset(key->raw + 256, 0, 3);
        memcpy(key->raw + 256 + 3 - m, y, m);
        key->raw_len = 259;
        return APR_SUCCESS;
    }
    return pt_err_set(err, p, NULL, 0, "unsupported key algorithm %d "
                      "(ES256, EdDSA or RS256 only)", (int)alg);
}

/* Let libfido2 check the key: the point is on the curve, the modulus has
 * 2048 bits.  1 when it accepts it. */
static int key_loads(const pt_cose_key_t *key)
{
    int ok = 0;

    if (key->alg == PT_COSE_ES256) {
        es256_pk_t *pk = es256_pk_new();

        ok = pk && es256_pk_from_ptr(pk, key->raw, key->raw_len) == FIDO_OK;
        es256_pk_free(&pk);
    }
    else if (key->alg == PT_COSE_EDDSA) {
        eddsa_pk_t *pk = eddsa_pk_new();

        ok = pk && eddsa_pk_from_ptr(pk, key->raw, key->raw_len) == FIDO_OK;
        eddsa_pk_free(&pk);
    }
    else if (key->alg == PT_COSE_RS256) {
        rs256_pk_t *pk = rs256_pk_new();

        ok = pk && rs256_pk_from_ptr(pk, key->raw, key->raw_len) == FIDO_OK;
        rs256_pk_free(&pk);
    }
    return ok;
}

apr_status_t pt_cose_key_parse(apr_pool_t *p, const unsigned char *buf,
                               apr_size_t len, pt_cose_key_t *key,
                               pt_err_t *err)
{
    struct cbor_load_result res;
    cbor_item_t *item;
    struct cbor_pair *pairs;
    cose_fields_t f;
    apr_size_t n, i;
    apr_status_t rv;

    memset(key, 0, sizeof(*key));
    memset(&f, 0, sizeof(f));
    if (pt_cbor_check(buf, len, &n) != APR_SUCCESS || n != len) {
        pt_err_set(err, p, NULL, 0, "the public key is not one CBOR item");
        return APR_EINVAL;
    }
    item = cbor_load(buf, len, &res);
    if (!item || res.error.code != CBOR_ERR_NONE || res.read != len) {
        if (item) {
            cbor_decref(&item);
        }
        pt_err_set(err, p, NULL, 0, "the public key is not valid CBOR");
        return APR_EINVAL;
    }
    if (!cbor_isa_map(item) || !cbor_map_is_definite(item)) {
        cbor_decref(&item);
        pt_err_set(err, p, NULL, 0, "the public key is not a COSE_Key map");
        return APR_EINVAL;
    }
    pairs = cbor_map_handle(item);
    for (i = 0; i < cbor_map_size(item); i++) {
        const cbor_item_t **slot = NULL;
        long long k;

        if (!cbor_int_value(pairs[i].key, &k)) {
            continue;           /* text labels: not ours */
        }
        switch (k) {
        case 1: slot = &f.kty; break;
        case 3: slot = &f.alg; break;
        case -1: slot = &f.m1; break;
        case -2: slot = &f.m2; break;
        case -3: slot = &f.m3; break;
        default: break;         /* kid, key_ops, ...: ignored */
        }
        if (slot && *slot) {
            cbor_decref(&item);
            pt_err_set(err, p, NULL, 0, "the public key repeats "
                       "parameter %d", (int)k);
            return APR_EINVAL;
        }
        if (slot) {
            *slot = pairs[i].value;
        }
    }
    rv = key_from_fields(p, &f, key, err);
    cbor_decref(&item);
    if (rv != APR_SUCCESS) {
        memset(key, 0, sizeof(*key));
        return APR_EINVAL;
    }
    if (!key_loads(key)) {
        memset(key, 0, sizeof(*key));
        pt_err_set(err, p, NULL, 0, "the public key is not a valid %s key",
                   pt_cose_alg_name(key->alg) ? pt_cose_alg_name(key->alg)
                                              : "");
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ signatures */

static pthread_once_t fido_once = PTHREAD_ONCE_INIT;

static void fido_setup(void)
{
    fido_init(0);
}

apr_status_t pt_cose_verify(apr_pool_t *p, const pt_cose_key_t *key,
                            const char *rp_id,
                            const unsigned char *auth_data,
                            apr_size_t auth_data_len,
                            const unsigned char *client_data,
                            apr_size_t client_data_len,
                            const unsigned char *sig, apr_size_t sig_len,
                            int require_uv, pt_err_t *err)
{
    fido_assert_t *a;
    void *pk = NULL;
    int r;

    if (!key || !rp_id || !auth_data || !auth_data_len || !client_data
        || !sig || !sig_len) {
        pt_err_set(err, p, NULL, 0, "missing signature input");
        return APR_EINVAL;
    }
    pthread_once(&fido_once, fido_setup);
    a = fido_assert_new();
    if (!a) {
        return pt_err_set(err, p, NULL, 0, "libfido2: out of memory");
    }
    if (key->alg == PT_COSE_ES256) {
        pk = es256_pk_new();
        r = pk ? es256_pk_from_ptr(pk, key->raw, key->raw_len)
               : FIDO_ERR_INTERNAL;
    }
    else if (key->alg == PT_COSE_EDDSA) {
        pk = eddsa_pk_new();
        r = pk ? eddsa_pk_from_ptr(pk, key->raw, key->raw_len)
               : FIDO_ERR_INTERNAL;
    }
    else if (key->alg == PT_COSE_RS256) {
        pk = rs256_pk_new();
        r = pk ? rs256_pk_from_ptr(pk, key->raw, key->raw_len)
               : FIDO_ERR_INTERNAL;
    }
    else {
        r = FIDO_ERR_UNSUPPORTED_ALGORITHM;
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_count(a, 1);
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_rp(a, rp_id);
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_clientdata(a, client_data, client_data_len);
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_authdata_raw(a, 0, auth_data, auth_data_len);
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_sig(a, 0, sig, sig_len);
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_up(a, FIDO_OPT_TRUE);
    }
    if (r == FIDO_OK) {
        r = fido_assert_set_uv(a, require_uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT);
    }
    if (r == FIDO_OK) {
        r = fido_assert_verify(a, 0, key->alg, pk);
    }
    fido_assert_free(&a);
    if (key->alg == PT_COSE_ES256) {
        es256_pk_free((es256_pk_t **)&pk);
    }
    else if (key->alg == PT_COSE_EDDSA) {
        eddsa_pk_free((eddsa_pk_t **)&pk);
    }
    else if (key->alg == PT_COSE_RS256) {
        rs256_pk_free((rs256_pk_t **)&pk);
    }
    if (r == FIDO_OK) {
        return APR_SUCCESS;
    }
    if (r == FIDO_ERR_INVALID_SIG) {
        return pt_err_set(err, p, NULL, 0, "bad signature");
    }
    return pt_err_set(err, p, NULL, 0, "the assertion does not verify (%s)",
                      fido_strerr(r));
}
