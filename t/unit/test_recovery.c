/*
 * test_recovery.c -- unit tests of pt_recovery.c: ten distinct codes in
 * the documented shape and alphabet, the normalisation of typed codes,
 * and the keyed hash (bound to the account and the key, equal for every
 * way of typing one code, and the HMAC the header documents).
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pt_crypto.h"
#include "pt_recovery.h"
#include "pt_test.h"

static const unsigned char key[32] = "recovery-test-key-0123456789abcd";
#define UUID_A "6f1d7a52-0d7b-4c33-9a1e-3f2d4c5b6a70"
#define UUID_B "6f1d7a52-0d7b-4c33-9a1e-3f2d4c5b6a71"

static int shaped(const char *c)
{
    int i;

    if (strlen(c) != 11 || c[5] != '-') {
        return 0;
    }
    for (i = 0; i < 11; i++) {
        if (i != 5 && !strchr("0123456789abcdefghjkmnpqrstvwxyz", c[i])) {
            return 0;
        }
    }
    return 1;
}

static void test_generate(apr_pool_t *p)
{
    apr_array_header_t *codes = NULL;
    int i, j, ok = 1, distinct = 1, seen[256] = { 0 }, letters = 0;

    PT_OK(pt_recovery_generate(p, PT_RECOVERY_COUNT, &codes) == APR_SUCCESS
          && codes && codes->nelts == 10, "ten codes");
    for (i = 0; codes && i < codes->nelts; i++) {
        const char *c = APR_ARRAY_IDX(codes, i, const char *);

        ok &= shaped(c);
        for (j = 0; j < i; j++) {
            distinct &= strcmp(c, APR_ARRAY_IDX(codes, j, const char *)) != 0;
        }
    }
    PT_OK(ok, "each is xxxxx-xxxxx of 0-9 a-z without i l o u (%s)",
          codes ? APR_ARRAY_IDX(codes, 0, const char *) : "");
    PT_OK(distinct, "all different");
    /* over 200 codes (2000 characters) every one of the 32 symbols shows */
    for (i = 0; i < 20; i++) {
        pt_recovery_generate(p, 10, &codes);
        for (j = 0; j < 10; j++) {
            const char *c = APR_ARRAY_IDX(codes, j, const char *);
            int k;

            for (k = 0; c[k]; k++) {
                seen[(unsigned char)c[k]] = 1;
            }
        }
    }
    for (i = 0; i < 256; i++) {
        letters += seen[i] && i != '-';
    }
    PT_OK(letters == 32, "the whole alphabet is used (%d symbols)", letters);
    PT_OK(!seen['i'] && !seen['l'] && !seen['o'] && !seen['u'],
          "never i, l, o or u");
    PT_OK(pt_recovery_generate(p, 0, &codes) == APR_EINVAL && !codes,
          "0 codes: refused");
}

static void test_normalize(apr_pool_t *p)
{
    const char *c = NULL;

    PT_OK(pt_recovery_normalize(p, "7kq2m-x9d4a", &c) == APR_SUCCESS, "shown form");
    PT_IS_STR(c, "7kq2mx9d4a", "is its ten characters");
    pt_recovery_normalize(p, " 7KQ2M X9D4A ", &c);
    PT_IS_STR(c, "7kq2mx9d4a", "upper case and spaces");
    pt_recovery_normalize(p, "7kq-2mx-9d4a", &c);
    PT_IS_STR(c, "7kq2mx9d4a", "dashes anywhere");
    pt_recovery_normalize(p, "Il0Oo-abcde", &c);
    PT_IS_STR(c, "11000abcde", "i and l read as 1, o as 0");
    PT_OK(pt_recovery_normalize(p, "7kq2m-x9d4u", &c) == APR_EINVAL && !c,
          "a u: not a code");
    PT_OK(pt_recovery_normalize(p, "7kq2m-x9d4", &c) == APR_EINVAL,
          "nine characters: not a code");
    PT_OK(pt_recovery_normalize(p, "7kq2m-x9d4ab", &c) == APR_EINVAL,
          "eleven: not a code");
    PT_OK(pt_recovery_normalize(p, "123456", &c) == APR_EINVAL,
          "a TOTP code: not a recovery code");
    PT_OK(pt_recovery_normalize(p, "7kq2m_x9d4a", &c) == APR_EINVAL,
          "an underscore: not a code");
    PT_OK(pt_recovery_normalize(p, "7kq2m\xc3\xa9x9d4a", &c) == APR_EINVAL,
          "UTF-8: not a code");
    PT_OK(pt_recovery_normalize(p, NULL, &c) == APR_EINVAL, "NULL");
}

static void test_hash(apr_pool_t *p)
{
    const char *h = pt_recovery_hash(p, key, 32, UUID_A, "7kq2m-x9d4a");
    unsigned char sub[32], md[32];
    unsigned int n = 0;
    char msg[64];
    apr_size_t ulen = strlen(UUID_A);

    PT_OK(h && strlen(h) == 43, "a 43-character hash");
    PT_IS_STR(pt_recovery_hash(p, key, 32, UUID_A, " 7KQ2M X9D4A"), h,
              "the same for the code typed another way");
    PT_OK(strcmp(pt_recovery_hash(p, key, 32, UUID_B, "7kq2m-x9d4a"), h),
          "another account: another hash");
    PT_OK(strcmp(pt_recovery_hash(p, (const unsigned char *)
                                  "another-key-0123456789abcdefghij", 32,
                                  UUID_A, "7kq2m-x9d4a"), h),
          "another key: another hash");
    PT_OK(strcmp(pt_recovery_hash(p, key, 32, UUID_A, "7kq2m-x9d4b"), h),
          "another code: another hash");
    PT_OK(!pt_recovery_hash(p, key, 32, UUID_A, "not a code"),
          "not a code: NULL");
    PT_OK(!pt_recovery_hash(p, key, 16, UUID_A, "7kq2m-x9d4a"),
          "a 16-byte key: NULL");
    /* the construction pt_recovery.h documents, with OpenSSL directly */
    HMAC(EVP_sha256(), key, 32, (const unsigned char *)
         "mod_portal recovery code v1", 27, sub, &n);
    memcpy(msg, UUID_A, ulen);
    msg[ulen] = '\0';
    memcpy(msg + ulen + 1, "7kq2mx9d4a", 10);
    HMAC(EVP_sha256(), sub, 32, (const unsigned char *)msg, ulen + 11, md, &n);
    PT_IS_STR(h, pt_b64url_encode(p, md, 32), "the documented HMAC");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_generate(p);
    test_normalize(p);
    test_hash(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
