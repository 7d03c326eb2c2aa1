/*
 * test_crypto.c -- unit tests of pt_crypto.c: tokens, base64url, hex,
 * SHA-256 and HMAC-SHA256 known answers, secret comparison, UUIDs.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_pools.h>

#include "pt_crypto.h"
#include "pt_test.h"

/* Decode lower-case hex into buf (test helper; input is trusted). */
static apr_size_t unhex(const char *hex, unsigned char *buf)
{
    apr_size_t i, n = strlen(hex) / 2;

    for (i = 0; i < n; i++) {
        unsigned int v = 0;
        int k;

        for (k = 0; k < 2; k++) {
            char c = hex[2 * i + k];

            v <<= 4;
            v |= (unsigned int)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        buf[i] = (unsigned char)v;
    }
    return n;
}

static int all_b64url(const char *s)
{
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
              || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

static void test_tokens(apr_pool_t *p)
{
    apr_hash_t *seen = apr_hash_make(p);
    const char *tok = NULL;
    int i, ok_len = 1, ok_alpha = 1, ok_valid = 1, unique = 1;

    for (i = 0; i < 1000; i++) {
        if (pt_token_new(p, &tok) != APR_SUCCESS) {
            ok_len = 0;
            break;
        }
        if (strlen(tok) != PT_TOKEN_CHARS) {
            ok_len = 0;
        }
        if (!all_b64url(tok)) {
            ok_alpha = 0;
        }
        if (!pt_token_valid(tok)) {
            ok_valid = 0;
        }
        if (apr_hash_get(seen, tok, APR_HASH_KEY_STRING)) {
            unique = 0;
        }
        apr_hash_set(seen, tok, APR_HASH_KEY_STRING, "");
    }
    PT_OK(ok_len, "1000 tokens have %d characters", PT_TOKEN_CHARS);
    PT_OK(ok_alpha, "tokens use the base64url alphabet only");
    PT_OK(ok_valid, "pt_token_valid accepts fresh tokens");
    PT_OK(unique, "1000 tokens are all different");

    PT_OK(!pt_token_valid(NULL), "NULL is not a token");
    PT_OK(!pt_token_valid(""), "empty string is not a token");
    PT_OK(!pt_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
          "42 characters is not a token");
    PT_OK(!pt_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
          "44 characters is not a token");
    PT_OK(!pt_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"),
          "'+' is not in a token");
    PT_OK(!pt_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
          "'=' is not in a token");
    PT_OK(pt_token_valid("abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE"),
          "43 base64url characters look like a token");
}

static void test_b64url(apr_pool_t *p)
{
    /* RFC 4648 section 10 vectors, without padding. */
    static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba",
                                      "foobar" };
    static const char *const want[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
                                        "Zm9vYmE", "Zm9vYmFy" };
    unsigned char all[256], *out = NULL;
    apr_size_t n, outlen = 0;
    const char *enc;
    int i, ok = 1;

    for (i = 0; i < 7; i++) {
        PT_IS_STR(pt_b64url_encode(p, (const unsigned char *)in[i],
                                   strlen(in[i])),
                  want[i], "b64url(\"%s\")", in[i]);
    }
    /* Round trips of every length 0..5 over bytes that use '-' and '_'. */
    for (n = 0; n <= 5; n++) {
        unsigned char buf[5] = { 0xfb, 0xff, 0xbf, 0x00, 0xfe };

        enc = pt_b64url_encode(p, buf, n);
        if (pt_b64url_decode(p, enc, &out, &outlen) != APR_SUCCESS
            || outlen != n || memcmp(out, buf, n) != 0) {
            ok = 0;
        }
    }
    PT_OK(ok, "b64url round trip of 0..5-byte inputs");
    PT_IS_STR(pt_b64url_encode(p, (const unsigned char *)"\xfb\xff\xbf", 3),
              "-_-_", "b64url uses '-' and '_'");
    for (i = 0; i < 256; i++) {
        all[i] = (unsigned char)i;
    }
    enc = pt_b64url_encode(p, all, sizeof(all));
    PT_OK(pt_b64url_decode(p, enc, &out, &outlen) == APR_SUCCESS
          && outlen == sizeof(all) && !memcmp(out, all, sizeof(all)),
          "b64url round trip of all 256 byte values");

    PT_OK(pt_b64url_decode(p, "Zm8=", &out, &outlen) == APR_SUCCESS
          && outlen == 2 && !memcmp(out, "fo", 2), "padding '=' accepted");
    PT_OK(pt_b64url_decode(p, "Zg==", &out, &outlen) == APR_SUCCESS
          && outlen == 1 && out[0] == 'f', "padding '==' accepted");
    PT_OK(pt_b64url_decode(p, "", &out, &outlen) == APR_SUCCESS
          && outlen == 0, "empty string decodes to nothing");
    PT_OK(pt_b64url_decode(p, "Zm9v+A", &out, &outlen) == APR_EINVAL,
          "'+' refused");
    PT_OK(pt_b64url_decode(p, "Zm9v/A", &out, &outlen) == APR_EINVAL,
          "'/' refused");
    PT_OK(pt_b64url_decode(p, "Zm 9v", &out, &outlen) == APR_EINVAL,
          "space refused");
    PT_OK(pt_b64url_decode(p, "Zm9v!", &out, &outlen) == APR_EINVAL,
          "'!' refused");
    PT_OK(pt_b64url_decode(p, "Zm9vY", &out, &outlen) == APR_EINVAL,
          "a final group of one character refused");
    PT_OK(pt_b64url_decode(p, "Zm=8", &out, &outlen) == APR_EINVAL,
          "'=' inside refused");
    PT_OK(pt_b64url_decode(p, "Zm9v=", &out, &outlen) == APR_EINVAL,
          "padding where none belongs refused");
    PT_OK(pt_b64url_decode(p, "Zg=", &out, &outlen) == APR_EINVAL,
          "too little padding refused");
    PT_OK(pt_b64url_decode(p, "Zh", &out, &outlen) == APR_EINVAL,
          "non-zero unused bits refused");
    PT_OK(pt_b64url_decode(p, NULL, &out, &outlen) == APR_EINVAL,
          "NULL refused");
}

static void test_digests(apr_pool_t *p)
{
    /* RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for
     * nothing?"). */
    static const char rfc4231_2[] =
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    unsigned char mac[32];
    apr_size_t n;

    PT_IS_STR(pt_sha256_hex(p, "abc", 3),
              "ba7816bf8f01cfea414140de5dae2223"
              "b00361a396177a9cb410ff61f20015ad",
              "SHA-256(\"abc\") (FIPS 180-2)");
    PT_IS_STR(pt_sha256_hex(p, "", 0),
              "e3b0c44298fc1c149afbf4c8996fb924"
              "27ae41e4649b934ca495991b7852b855",
              "SHA-256(\"\")");
    PT_IS_STR(pt_hex_encode(p, (const unsigned char *)"\x00\x01\xab\xff", 4),
              "0001abff", "hex is lower case");

    n = unhex(rfc4231_2, mac);
    PT_IS_STR(pt_hmac_b64url(p, (const unsigned char *)"Jefe", 4,
                             "what do ya want for nothing?", 28),
              pt_b64url_encode(p, mac, n),
              "HMAC-SHA256 RFC 4231 test case 2");
    PT_OK(strlen(pt_hmac_b64url(p, (const unsigned char *)"k", 1, "m", 1))
          == 43, "HMAC base64url has 43 characters");
    PT_OK(strcmp(pt_hmac_b64url(p, (const unsigned char *)"k1", 2, "m", 1),
                 pt_hmac_b64url(p, (const unsigned char *)"k2", 2, "m", 1))
          != 0, "different keys give different MACs");
}

static void test_secret_equal(void)
{
    PT_OK(pt_secret_equal("abc", "abc"), "equal secrets");
    PT_OK(pt_secret_equal("", ""), "two empty strings are equal");
    PT_OK(!pt_secret_equal("abc", "abd"), "last byte differs");
    PT_OK(!pt_secret_equal("abc", "abcd"), "prefix is not equal");
    PT_OK(!pt_secret_equal("abcd", "abc"), "longer is not equal");
    PT_OK(!pt_secret_equal(NULL, "abc"), "NULL never equal");
    PT_OK(!pt_secret_equal(NULL, NULL), "NULL not equal to NULL");
}

static int uuid_shape(const char *u)
{
    int i;

    if (strlen(u) != 36) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-') {
                return 0;
            }
        }
        else if (!((u[i] >= '0' && u[i] <= '9')
                   || (u[i] >= 'a' && u[i] <= 'f'))) {
            return 0;
        }
    }
    return u[14] == '4' && strchr("89ab", u[19]) != NULL;
}

static void test_uuid(apr_pool_t *p)
{
    const char *a = NULL, *b = NULL;
    int i, ok = 1;

    PT_OK(pt_uuid_new(p, &a) == APR_SUCCESS && uuid_shape(a),
          "uuid is lower-case 8-4-4-4-12 hex, version 4, RFC 4122 variant");
    for (i = 0; i < 200; i++) {
        if (pt_uuid_new(p, &b) != APR_SUCCESS || !uuid_shape(b)) {
            ok = 0;
        }
    }
    PT_OK(ok, "200 more uuids have the right shape");
    PT_OK(strcmp(a, b) != 0, "uuids differ");
    PT_OK(pt_uuid_valid(a), "pt_uuid_valid accepts a new uuid");
    PT_OK(!pt_uuid_valid("../../etc/passwd"), "uuid_valid: a path");
    PT_OK(!pt_uuid_valid("0F8FAD5B-D9CB-469F-A165-70867728950E"),
          "uuid_valid: upper case");
    PT_OK(!pt_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950"),
          "uuid_valid: one digit short");
    PT_OK(!pt_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950e0"),
          "uuid_valid: one digit long");
    PT_OK(!pt_uuid_valid("0f8fad5bd9cb-469f-a165-70867728950e0"),
          "uuid_valid: dash missing");
    PT_OK(!pt_uuid_valid(""), "uuid_valid: empty");
}

static void test_random(void)
{
    unsigned char a[64], b[64];

    PT_OK(pt_random_bytes(a, sizeof(a)) == APR_SUCCESS
          && pt_random_bytes(b, sizeof(b)) == APR_SUCCESS
          && memcmp(a, b, sizeof(a)) != 0, "random bytes differ");
    PT_OK(pt_random_bytes(a, 0) == APR_SUCCESS, "zero random bytes");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_tokens(p);
    test_b64url(p);
    test_digests(p);
    test_secret_equal();
    test_uuid(p);
    test_random();

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
