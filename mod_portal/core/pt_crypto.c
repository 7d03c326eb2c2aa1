/*
 * pt_crypto.c -- random tokens, base64url, hex, SHA-256, HMAC and UUIDs.
 *
 * Everything random comes from OpenSSL's CSPRNG (RAND_bytes); everything
 * returned lives in the caller's pool.  See pt_crypto.h for the contracts.
 */
#include <limits.h>
#include <string.h>

#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "pt_crypto.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char hex_digits[] = "0123456789abcdef";

int pt_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The 6-bit value of a base64url character, or -1 when c is not one. */
static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

apr_status_t pt_random_bytes(unsigned char *buf, apr_size_t n)
{
    /* RAND_bytes takes an int: feed it in chunks. */
    while (n > 0) {
        int chunk = n > (apr_size_t)INT_MAX ? INT_MAX : (int)n;

        if (RAND_bytes(buf, chunk) != 1) {
            return APR_EGENERAL;
        }
        buf += chunk;
        n -= (apr_size_t)chunk;
    }
    return APR_SUCCESS;
}

apr_status_t pt_token_new(apr_pool_t *p, const char **token)
{
    unsigned char raw[PT_TOKEN_BYTES];
    apr_status_t rv;

    rv = pt_random_bytes(raw, sizeof(raw));
    if (rv) {
        return rv;
    }
    *token = pt_b64url_encode(p, raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    return APR_SUCCESS;
}

int pt_token_valid(const char *s)
{
    apr_size_t i;

    if (!s) {
        return 0;
    }
    for (i = 0; s[i]; i++) {
        if (i >= PT_TOKEN_CHARS || b64url_value((unsigned char)s[i]) < 0) {
            return 0;
        }
    }
    return i == PT_TOKEN_CHARS;
}

/*
 * Encode n bytes as base64url without padding: 4 characters for every 3
 * bytes, 2 or 3 for a final group of 1 or 2 bytes.  Never NULL.
 */
const char *pt_b64url_encode(apr_pool_t *p, const unsigned char *buf,
                             apr_size_t n)
{
    apr_size_t full = n / 3, rest = n % 3, i, o = 0;
    char *out = apr_palloc(p, full * 4 + (rest ? rest + 1 : 0) + 1);

    for (i = 0; i < full * 3; i += 3) {
        unsigned long v = ((unsigned long)buf[i] << 16)
                          | ((unsigned long)buf[i + 1] << 8) | buf[i + 2];

        out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
        out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
        out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
        out[o++] = b64url_alphabet[v & 0x3f];
    }
    if (rest == 1) {
        unsigned long v = (unsigned long)buf[i] << 16;

        out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
        out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
    }
    else if (rest == 2) {
        unsigned long v = ((unsigned long)buf[i] << 16)
                          | ((unsigned long)buf[i + 1] << 8);

        out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
        out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
        out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
    }
    out[o] = '\0';
    return out;
}

/*
 * Decode base64url.  Padding is optional, but when present it must be the
 * right amount ('=' or '==') for the final group.  A final group of one
 * character, a character outside the alphabet, or unused low bits that are
 * not zero (a non-canonical encoding) is APR_EINVAL.  *out is
 * NUL-terminated for convenience (not counted in *outlen).
 */
apr_status_t pt_b64url_decode(apr_pool_t *p, const char *s,
                              unsigned char **out, apr_size_t *outlen)
{
    apr_size_t len, pad = 0, rest, i, o = 0;
    unsigned char *res;
    unsigned long acc = 0;
    int bits = 0;

    *out = NULL;
    *outlen = 0;
    if (!s) {
        return APR_EINVAL;
    }
    len = strlen(s);
    while (len > 0 && s[len - 1] == '=') {
        len--;
        pad++;
    }
    rest = len % 4;
    if (rest == 1) {
        return APR_EINVAL;
    }
    if (pad > 0 && (rest == 0 || pad != 4 - rest)) {
        return APR_EINVAL;
    }
    res = apr_palloc(p, len / 4 * 3 + (rest ? rest - 1 : 0) + 1);
    for (i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)s[i]);

        if (v < 0) {
            return APR_EINVAL;
        }
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            res[o++] = (unsigned char)((acc >> bits) & 0xff);
            acc &= (1UL << bits) - 1;
        }
    }
    if (acc != 0) {
        /* Leftover bits must be zero in a canonical encoding. */
        return APR_EINVAL;
    }
    res[o] = '\0';
    *out = res;
    *outlen = o;
    return APR_SUCCESS;
}

const char *pt_hex_encode(apr_pool_t *p, const unsigned char *buf,
                          apr_size_t n)
{
    char *out = apr_palloc(p, n * 2 + 1);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex_digits[buf[i] >> 4];
        out[2 * i + 1] = hex_digits[buf[i] & 0x0f];
    }
    out[2 * n] = '\0';
    return out;
}

/* SHA-256 of s as hex; NULL only if OpenSSL fails. */
const char *pt_sha256_hex(apr_pool_t *p, const char *s, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(s ? s : "", s ? len : 0, md, &mdlen, EVP_sha256(),
                   NULL) != 1) {
        return NULL;
    }
    return pt_hex_encode(p, md, mdlen);
}

/* HMAC-SHA256 as base64url; NULL only if OpenSSL fails or a length does
 * not fit an int. */
const char *pt_hmac_b64url(apr_pool_t *p, const unsigned char *key,
                           apr_size_t keylen, const char *msg,
                           apr_size_t msglen)
{
    static const unsigned char empty[1] = { 0 };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (keylen > (apr_size_t)INT_MAX) {
        return NULL;
    }
    if (!key) {
        key = empty;
        keylen = 0;
    }
    if (!msg) {
        msg = "";
        msglen = 0;
    }
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
              msglen, md, &mdlen)) {
        return NULL;
    }
    return pt_b64url_encode(p, md, mdlen);
}

/* 1 when a and b are equal; the time depends only on the length.  NULL
 * never equals anything. */
int pt_secret_equal(const char *a, const char *b)
{
    apr_size_t la, lb;

    if (!a || !b) {
        return 0;
    }
    la = strlen(a);
    lb = strlen(b);
    if (la != lb) {
        return 0;
    }
    return CRYPTO_memcmp(a, b, la) == 0;
}

apr_status_t pt_uuid_new(apr_pool_t *p, const char **uuid)
{
    unsigned char b[16];
    char *out;
    apr_status_t rv;
    int i, o = 0;

    rv = pt_random_bytes(b, sizeof(b));
    if (rv) {
        return rv;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    out = apr_palloc(p, 37);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex_digits[b[i] >> 4];
        out[o++] = hex_digits[b[i] & 0x0f];
    }
    out[o] = '\0';
    *uuid = out;
    return APR_SUCCESS;
}

apr_status_t pt_code6_new(apr_pool_t *p, const char **code)
{
    /* the largest multiple of 10^6 below 2^32: values above it are drawn
     * again, so every code is equally likely */
    const apr_uint32_t limit = 4294000000U;
    unsigned char b[4];
    apr_uint32_t v;

    do {
        if (pt_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        v = ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
            | ((apr_uint32_t)b[2] << 8) | b[3];
    } while (v >= limit);
    *code = apr_psprintf(p, "%06u", (unsigned)(v % 1000000U));
    return APR_SUCCESS;
}

int pt_uuid_valid(const char *s)
{
    int i;

    if (!s) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        char c = s[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return 0;
            }
        }
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return s[36] == '\0';
}
