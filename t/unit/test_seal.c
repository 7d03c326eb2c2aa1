/*
 * test_seal.c -- unit tests of pt_seal.c: round trips, the documented
 * format opened independently (python3-cryptography's HKDF and AESGCM),
 * and refusal of every wrong key, purpose, context, flipped bit,
 * truncation and malformed value.
 *   test_seal     (t/unit/test_seal.sh sets PT_PYTHON)
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_crypto.h"
#include "pt_seal.h"
#include "pt_test.h"
#include "pt_test_run.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char other[32] = "0123456789abcdef0123456789abcdeF";

static void test_round_trip(apr_pool_t *p)
{
    const unsigned char secret[20] = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"
                                     "\x00\xff\xfe\x80\x7f\x10\x20\x30\x40\x50";
    const char *a = NULL, *b = NULL;
    unsigned char *out = NULL;
    apr_size_t n = 0;
    pt_err_t err = { 0 };

    PT_OK(pt_seal(p, key, 32, "totp", "uuid-1", secret, 20, &a, &err)
          == APR_SUCCESS, "seal a 20-byte secret");
    PT_OK(a && !strncmp(a, "ps1.", 4), "the sealed form starts with ps1.");
    PT_OK(a && strlen(a) == 68, "and has 68 characters for 20 bytes (%d)",
          a ? (int)strlen(a) : -1);
    PT_OK(pt_seal(p, key, 32, "totp", "uuid-1", secret, 20, &b, &err)
          == APR_SUCCESS && strcmp(a, b), "a second seal differs (nonce)");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-1", a, &out, &n, &err)
          == APR_SUCCESS && n == 20 && !memcmp(out, secret, 20),
          "it opens to the same 20 bytes, NUL and high bytes included");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-1", b, &out, &n, &err)
          == APR_SUCCESS && n == 20 && !memcmp(out, secret, 20),
          "so does the second");
    PT_OK(pt_seal(p, key, 32, "totp", NULL, secret, 20, &a, &err)
          == APR_SUCCESS
          && pt_unseal(p, key, 32, "totp", "", a, &out, &n, &err)
             == APR_SUCCESS, "a NULL context is the empty one");
}

static void test_refusals(apr_pool_t *p)
{
    const unsigned char secret[] = "a secret of some length";
    const char *s = NULL;
    unsigned char *out = NULL, *blob = NULL;
    apr_size_t n = 0, blen = 0, i;
    pt_err_t err = { 0 };
    apr_status_t rv;
    int all = 1;

    pt_seal(p, key, 32, "totp", "uuid-1", secret, sizeof(secret) - 1, &s,
            &err);
    memset(&err, 0, sizeof(err));
    rv = pt_unseal(p, other, 32, "totp", "uuid-1", s, &out, &n, &err);
    PT_OK(rv == APR_EGENERAL && out == NULL && n == 0, "another key: refused");
    PT_IS_STR(err.what, "sealed value does not open", "and says so");
    PT_OK(pt_unseal(p, key, 32, "mail", "uuid-1", s, &out, &n, &err)
          == APR_EGENERAL, "another purpose: refused");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-2", s, &out, &n, &err)
          == APR_EGENERAL, "another account (context): refused");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-", s, &out, &n, &err)
          == APR_EGENERAL, "a prefix of the context: refused");
    pt_b64url_decode(p, s + 4, &blob, &blen);
    for (i = 0; i < blen * 8; i++) {
        unsigned char *copy = apr_pmemdup(p, blob, blen);
        const char *t;

        copy[i / 8] ^= (unsigned char)(1u << (i % 8));
        t = apr_pstrcat(p, "ps1.", pt_b64url_encode(p, copy, blen), NULL);
        if (pt_unseal(p, key, 32, "totp", "uuid-1", t, &out, &n, &err)
            != APR_EGENERAL) {
            all = 0;
        }
    }
    PT_OK(all, "each of the %d bits flipped: refused", (int)(blen * 8));
    all = 1;
    for (i = 1; i < blen; i++) {
        const char *t = apr_pstrcat(p, "ps1.", pt_b64url_encode(p, blob, i),
                                    NULL);

        rv = pt_unseal(p, key, 32, "totp", "uuid-1", t, &out, &n, &err);
        if (rv == APR_SUCCESS || out) {
            all = 0;
        }
    }
    PT_OK(all, "every truncation: refused");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-1", s + 1, &out, &n, &err)
          == APR_EINVAL, "no ps1. prefix: malformed");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-1", "ps1.!!!!", &out, &n, &err)
          == APR_EINVAL, "not base64url: malformed");
    PT_IS_STR(err.what, "malformed sealed value", "and says so");
    PT_OK(pt_unseal(p, key, 32, "totp", "uuid-1", NULL, &out, &n, &err)
          == APR_EINVAL, "NULL: malformed");
    PT_OK(pt_seal(p, key, 31, "totp", "u", secret, 5, &s, &err)
          == APR_EINVAL, "a key of 31 bytes: refused");
    PT_OK(pt_seal(p, key, 32, "", "u", secret, 5, &s, &err) == APR_EINVAL,
          "an empty purpose: refused");
    PT_OK(pt_seal(p, key, 32, "totp", "u", secret, 0, &s, &err)
          == APR_EINVAL, "an empty secret: refused");
}

/* The format as pt_seal.h documents it, opened by python3-cryptography. */
static void test_independent(apr_pool_t *p)
{
    const unsigned char secret[] = "independent check 42";
    const char *s = NULL, *out = NULL, *cmd;
    pt_err_t err = { 0 };
    int st;

    pt_seal(p, key, 32, "totp", "0b6f3c1e-0000-4000-8000-000000000001",
            secret, sizeof(secret) - 1, &s, &err);
    cmd = apr_psprintf(p,
        "%s -c 'import sys, base64\n"
        "from cryptography.hazmat.primitives import hashes\n"
        "from cryptography.hazmat.primitives.kdf.hkdf import HKDF\n"
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
        "key = b\"0123456789abcdef0123456789abcdef\"\n"
        "k = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,\n"
        "         info=b\"mod_portal seal v1\\x00totp\").derive(key)\n"
        "v = sys.argv[1]\n"
        "assert v.startswith(\"ps1.\")\n"
        "b = base64.urlsafe_b64decode(v[4:] + \"=\" * (-len(v[4:]) %% 4))\n"
        "aad = b\"ps1\\x00totp\\x00\" + sys.argv[2].encode()\n"
        "print(AESGCM(k).decrypt(b[:12], b[12:], aad).decode())' '%s' '%s'",
        pt_python(), s, "0b6f3c1e-0000-4000-8000-000000000001");
    st = pt_run(p, cmd, &out);
    PT_OK(st == 0, "python3-cryptography opens the sealed value (exit %d)",
          st);
    PT_IS_STR(out, "independent check 42", "to the same secret");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_round_trip(p);
    test_refusals(p);
    test_independent(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
