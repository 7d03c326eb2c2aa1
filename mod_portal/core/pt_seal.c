/*
 * pt_seal.c -- AES-256-GCM sealing of short secrets under a key derived
 * from the portal's key with HKDF-SHA256.  See pt_seal.h for the format
 * and the contracts.
 */
#include <string.h>

#include <apr_strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "pt_crypto.h"
#include "pt_seal.h"

#define SEAL_NONCE 12
#define SEAL_TAG 16
#define SEAL_AES_KEY 32
#define SEAL_INFO "mod_portal seal v1"
#define SEAL_AAD "ps1"

/* out = HKDF-SHA256(key, info = SEAL_INFO \0 purpose); 0 on failure. */
static int derive(const unsigned char *key, apr_size_t keylen,
                  const char *purpose, unsigned char *out)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    unsigned char info[128];
    apr_size_t plen = strlen(purpose), ilen = sizeof(SEAL_INFO) + plen;
    OSSL_PARAM params[4];
    int ok = 0;

    EVP_KDF_free(kdf);
    if (!ctx || ilen > sizeof(info)) {
        EVP_KDF_CTX_free(ctx);
        return 0;
    }
    memcpy(info, SEAL_INFO, sizeof(SEAL_INFO));     /* with its NUL */
    memcpy(info + sizeof(SEAL_INFO), purpose, plen);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)key, keylen);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  info, ilen);
    params[3] = OSSL_PARAM_construct_end();
    ok = EVP_KDF_derive(ctx, out, SEAL_AES_KEY, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

/* The associated data: "ps1" \0 purpose \0 context. */
static unsigned char *seal_aad(apr_pool_t *p, const char *purpose,
                               const char *context, apr_size_t *len)
{
    apr_size_t a = sizeof(SEAL_AAD), b = strlen(purpose) + 1;
    apr_size_t c = strlen(context);
    unsigned char *aad = apr_palloc(p, a + b + c + 1);

    memcpy(aad, SEAL_AAD, a);
    memcpy(aad + a, purpose, b);
    memcpy(aad + a + b, context, c);
    *len = a + b + c;
    return aad;
}

/* One AES-256-GCM pass over len bytes; 1 on success (on decryption: the
 * tag verified). */
static int gcm(int decrypt, const unsigned char *key,
               const unsigned char *nonce, const unsigned char *aad,
               apr_size_t aadlen, const unsigned char *in, apr_size_t len,
               unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, ok = 0;

    if (!ctx) {
        return 0;
    }
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
                          decrypt ? 0 : 1) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE,
                               NULL) != 1
        || EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, -1) != 1
        || EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1
        || EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) {
        goto done;
    }
    if (decrypt
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG, tag)
           != 1) {
        goto done;
    }
    if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1) {
        goto done;
    }
    if (!decrypt
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG, tag)
           != 1) {
        goto done;
    }
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static apr_status_t args_ok(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const char *purpose,
                            pt_err_t *err)
{
    if (!key || keylen < PT_SEAL_MIN_KEY || keylen > PT_SEAL_MAX_KEY) {
        pt_err_set(err, p, NULL, 0, "the sealing key must have %d to %d "
                   "bytes", PT_SEAL_MIN_KEY, PT_SEAL_MAX_KEY);
        return APR_EINVAL;
    }
    if (!purpose || !*purpose || strlen(purpose) > 64) {
        pt_err_set(err, p, NULL, 0, "a sealed value needs a purpose of 1 "
                   "to 64 characters");
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t pt_seal(apr_pool_t *p, const unsigned char *key,
                     apr_size_t keylen, const char *purpose,
                     const char *context, const unsigned char *plain,
                     apr_size_t len, const char **sealed, pt_err_t *err)
{
    unsigned char aes[SEAL_AES_KEY];
    unsigned char *blob, *aad;
    apr_size_t aadlen;
    apr_status_t rv;
    int ok;

    *sealed = NULL;
    rv = args_ok(p, key, keylen, purpose, err);
    if (rv) {
        return rv;
    }
    if (!plain || len == 0 || len > PT_SEAL_MAX_PLAIN) {
        pt_err_set(err, p, NULL, 0, "a sealed secret has 1 to %d bytes",
                   PT_SEAL_MAX_PLAIN);
        return APR_EINVAL;
    }
    blob = apr_palloc(p, SEAL_NONCE + len + SEAL_TAG);
    if (pt_random_bytes(blob, SEAL_NONCE) != APR_SUCCESS
        || !derive(key, keylen, purpose, aes)) {
        OPENSSL_cleanse(aes, sizeof(aes));
        return pt_err_set(err, p, NULL, 0, "cannot seal: the random "
                          "generator or the key derivation failed");
    }
    aad = seal_aad(p, purpose, context ? context : "", &aadlen);
    ok = gcm(0, aes, blob, aad, aadlen, plain, len, blob + SEAL_NONCE,
             blob + SEAL_NONCE + len);
    OPENSSL_cleanse(aes, sizeof(aes));
    if (!ok) {
        return pt_err_set(err, p, NULL, 0, "cannot seal: AES-GCM failed");
    }
    *sealed = apr_pstrcat(p, PT_SEAL_PREFIX,
                          pt_b64url_encode(p, blob, SEAL_NONCE + len
                                                    + SEAL_TAG), NULL);
    return APR_SUCCESS;
}

typedef struct wipe_t {
    unsigned char *buf;
    apr_size_t len;
} wipe_t;

/* Pool cleanup: overwrite an opened secret before its memory is reused. */
static apr_status_t wipe(void *data)
{
    wipe_t *w = data;

    OPENSSL_cleanse(w->buf, w->len);
    return APR_SUCCESS;
}

apr_status_t pt_unseal(apr_pool_t *p, const unsigned char *key,
                       apr_size_t keylen, const char *purpose,
                       const char *context, const char *sealed,
                       unsigned char **plain, apr_size_t *len,
                       pt_err_t *err)
{
    unsigned char aes[SEAL_AES_KEY];
    unsigned char *blob = NULL, *out, *aad;
    apr_size_t n = 0, plen, aadlen;
    wipe_t *w;
    apr_status_t rv;
    int ok;

    *plain = NULL;
    *len = 0;
    rv = args_ok(p, key, keylen, purpose, err);
    if (rv) {
        return rv;
    }
    if (!sealed || strncmp(sealed, PT_SEAL_PREFIX, sizeof(PT_SEAL_PREFIX) - 1)
        || strlen(sealed) > 4 * (PT_SEAL_MAX_PLAIN + 64) / 3
        || pt_b64url_decode(p, sealed + sizeof(PT_SEAL_PREFIX) - 1, &blob, &n)
           != APR_SUCCESS
        || n <= SEAL_NONCE + SEAL_TAG) {
        pt_err_set(err, p, NULL, 0, "malformed sealed value");
        return APR_EINVAL;
    }
    plen = n - SEAL_NONCE - SEAL_TAG;
    out = apr_palloc(p, plen + 1);
    if (!derive(key, keylen, purpose, aes)) {
        OPENSSL_cleanse(aes, sizeof(aes));
        return pt_err_set(err, p, NULL, 0, "cannot open: the key "
                          "derivation failed");
    }
    aad = seal_aad(p, purpose, context ? context : "", &aadlen);
    ok = gcm(1, aes, blob, aad, aadlen, blob + SEAL_NONCE, plen, out,
             blob + SEAL_NONCE + plen);
    OPENSSL_cleanse(aes, sizeof(aes));
    if (!ok) {
        OPENSSL_cleanse(out, plen);
        return pt_err_set(err, p, NULL, 0, "sealed value does not open");
    }
    out[plen] = '\0';
    w = apr_palloc(p, sizeof(*w));
    w->buf = out;
    w->len = plen;
    apr_pool_cleanup_register(p, w, wipe, apr_pool_cleanup_null);
    OPENSSL_cleanse(blob, n);
    *plain = out;
    *len = plen;
    return APR_SUCCESS;
}
