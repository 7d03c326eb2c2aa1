/*
 * pt_recovery.c -- recovery codes: generation from the CSPRNG, the
 * normalisation of typed codes, and their keyed hash.  See pt_recovery.h.
 */
#include <string.h>

#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pt_crypto.h"
#include "pt_recovery.h"

/* Crockford's base32, lower case: no i, l, o, u. */
static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

#define HASH_LABEL "mod_portal recovery code v1"

/* One code: 50 bits (7 random bytes, the top 6 bits dropped) as 10
 * characters, a dash after the fifth. */
static apr_status_t one_code(char out[PT_RECOVERY_SHOWN + 1])
{
    unsigned char raw[7];
    apr_uint64_t v = 0;
    int i, o = 0;

    if (pt_random_bytes(raw, sizeof(raw)) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    for (i = 0; i < 7; i++) {
        v = (v << 8) | raw[i];
    }
    OPENSSL_cleanse(raw, sizeof(raw));
    for (i = PT_RECOVERY_CHARS - 1; i >= 0; i--) {
        out[o++] = alphabet[(v >> (5 * i)) & 0x1f];
        if (i == PT_RECOVERY_CHARS / 2) {
            out[o++] = '-';
        }
    }
    out[o] = '\0';
    v = 0;
    return APR_SUCCESS;
}

apr_status_t pt_recovery_generate(apr_pool_t *p, int n,
                                  apr_array_header_t **codes)
{
    apr_array_header_t *a;
    int i, j;

    *codes = NULL;
    if (n < 1 || n > 100) {
        return APR_EINVAL;
    }
    a = apr_array_make(p, n, sizeof(const char *));
    for (i = 0; i < n; i++) {
        char buf[PT_RECOVERY_SHOWN + 1];
        int dup = 0;

        if (one_code(buf) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        for (j = 0; j < a->nelts; j++) {
            dup |= !strcmp(APR_ARRAY_IDX(a, j, const char *), buf);
        }
        if (dup) {
            i--;                /* 2^-50: draw again */
            continue;
        }
        APR_ARRAY_PUSH(a, const char *) = apr_pstrdup(p, buf);
    }
    *codes = a;
    return APR_SUCCESS;
}

apr_status_t pt_recovery_normalize(apr_pool_t *p, const char *typed,
                                   const char **canon)
{
    char out[PT_RECOVERY_CHARS + 1];
    apr_size_t i, n = 0;

    *canon = NULL;
    if (!typed || strlen(typed) > 64) {
        return APR_EINVAL;
    }
    for (i = 0; typed[i]; i++) {
        char c = typed[i];

        if (c == ' ' || c == '-' || c == '\t') {
            continue;
        }
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c == 'i' || c == 'l') {
            c = '1';
        }
        else if (c == 'o') {
            c = '0';
        }
        if (!c || !strchr(alphabet, c) || n >= PT_RECOVERY_CHARS) {
            return APR_EINVAL;
        }
        out[n++] = c;
    }
    if (n != PT_RECOVERY_CHARS) {
        return APR_EINVAL;
    }
    out[n] = '\0';
    *canon = apr_pstrdup(p, out);
    return APR_SUCCESS;
}

const char *pt_recovery_hash(apr_pool_t *p, const unsigned char *key,
                             apr_size_t keylen, const char *user_uuid,
                             const char *code)
{
    unsigned char sub[EVP_MAX_MD_SIZE];
    unsigned int sublen = 0;
    const char *canon, *msg, *out;
    apr_size_t ulen;
    char *m;

    if (!key || keylen < 32 || !user_uuid
        || pt_recovery_normalize(p, code, &canon) != APR_SUCCESS) {
        return NULL;
    }
    if (!HMAC(EVP_sha256(), key, (int)keylen,
              (const unsigned char *)HASH_LABEL, sizeof(HASH_LABEL) - 1,
              sub, &sublen)) {
        return NULL;
    }
    ulen = strlen(user_uuid);
    m = apr_palloc(p, ulen + 1 + PT_RECOVERY_CHARS);
    memcpy(m, user_uuid, ulen);
    m[ulen] = '\0';
    memcpy(m + ulen + 1, canon, PT_RECOVERY_CHARS);
    msg = m;
    out = pt_hmac_b64url(p, sub, sublen, msg, ulen + 1 + PT_RECOVERY_CHARS);
    OPENSSL_cleanse(sub, sizeof(sub));
    return out;
}
