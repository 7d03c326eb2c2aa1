/*
 * pt_totp.c -- RFC 6238 codes with liboath, secrets from OpenSSL, base32
 * and the otpauth:// key URI.  See pt_totp.h for the contracts.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <apr_strings.h>

#include <openssl/crypto.h>

#include <liboath/oath.h>

#include "pt_crypto.h"
#include "pt_totp.h"

#define URI_PART_MAX 200

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ready;

static void oath_setup(void)
{
    oath_ready = oath_init() == OATH_OK;
}

static int secret_len_ok(apr_size_t len)
{
    return len >= PT_TOTP_MIN_SECRET && len <= PT_TOTP_MAX_SECRET;
}

apr_status_t pt_totp_secret_new(apr_pool_t *p, unsigned char **secret)
{
    unsigned char *s = apr_palloc(p, PT_TOTP_SECRET_BYTES);

    *secret = NULL;
    if (pt_random_bytes(s, PT_TOTP_SECRET_BYTES) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *secret = s;
    return APR_SUCCESS;
}

const char *pt_totp_base32(apr_pool_t *p, const unsigned char *secret,
                           apr_size_t len, int grouped)
{
    apr_size_t chars = (len * 8 + 4) / 5, i, o = 0;
    unsigned long acc = 0;
    int bits = 0;
    char *out;

    if (!secret || len == 0 || len > PT_TOTP_MAX_SECRET) {
        return NULL;
    }
    out = apr_palloc(p, chars + chars / 4 + 1);
    for (i = 0; i < len; i++) {
        acc = (acc << 8) | secret[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (grouped && o > 0 && o % 5 == 4) {
                out[o++] = ' ';
            }
            out[o++] = b32_alphabet[(acc >> bits) & 0x1f];
        }
        acc &= (1UL << bits) - 1;
    }
    if (bits > 0) {
        if (grouped && o > 0 && o % 5 == 4) {
            out[o++] = ' ';
        }
        out[o++] = b32_alphabet[(acc << (5 - bits)) & 0x1f];
    }
    out[o] = '\0';
    return out;
}

apr_status_t pt_totp_base32_decode(apr_pool_t *p, const char *b32,
                                   unsigned char **secret, apr_size_t *len)
{
    apr_size_t n = 0, i;
    unsigned long acc = 0;
    unsigned char *out;
    int bits = 0, pad = 0;

    *secret = NULL;
    *len = 0;
    if (!b32 || strlen(b32) > 4 * PT_TOTP_MAX_SECRET) {
        return APR_EINVAL;
    }
    out = apr_palloc(p, PT_TOTP_MAX_SECRET + 1);
    for (i = 0; b32[i]; i++) {
        unsigned char c = (unsigned char)b32[i];
        int v;

        if (c == ' ' || c == '-') {
            continue;
        }
        if (c == '=') {
            pad = 1;
            continue;
        }
        if (pad) {
            return APR_EINVAL;          /* data after padding */
        }
        if (c >= 'a' && c <= 'z') {
            c = (unsigned char)(c - 'a' + 'A');
        }
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        }
        else if (c >= '2' && c <= '7') {
            v = c - '2' + 26;
        }
        else {
            return APR_EINVAL;
        }
        acc = (acc << 5) | (unsigned long)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (n >= PT_TOTP_MAX_SECRET) {
                return APR_EINVAL;
            }
            out[n++] = (unsigned char)((acc >> bits) & 0xff);
            acc &= (1UL << bits) - 1;
        }
    }
    if (!secret_len_ok(n)) {
        return APR_EINVAL;
    }
    *secret = out;
    *len = n;
    return APR_SUCCESS;
}

/* Percent-encode everything but RFC 3986's unreserved characters. */
static const char *uri_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t n = strlen(s), i, o = 0;
    char *out = apr_palloc(p, n * 3 + 1);

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~') {
            out[o++] = (char)c;
        }
        else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0x0f];
        }
    }
    out[o] = '\0';
    return out;
}

const char *pt_totp_uri(apr_pool_t *p, const unsigned char *secret,
                        apr_size_t len, const char *issuer,
                        const char *account)
{
    const char *b32, *iss;

    if (!issuer || !account || !*issuer || !*account
        || strlen(issuer) > URI_PART_MAX || strlen(account) > URI_PART_MAX
        || !secret_len_ok(len)) {
        return NULL;
    }
    b32 = pt_totp_base32(p, secret, len, 0);
    iss = uri_escape(p, issuer);
    return apr_psprintf(p, "otpauth://totp/%s:%s?secret=%s&issuer=%s"
                        "&algorithm=SHA1&digits=%d&period=%d", iss,
                        uri_escape(p, account), b32, iss, PT_TOTP_DIGITS,
                        PT_TOTP_PERIOD);
}

apr_int64_t pt_totp_step(apr_int64_t now)
{
    return now < 0 ? -1 : now / PT_TOTP_PERIOD;
}

apr_status_t pt_totp_code(const unsigned char *secret, apr_size_t len,
                          apr_int64_t step, char code[PT_TOTP_DIGITS + 1])
{
    char out[PT_TOTP_DIGITS + 2];
    int rc;

    code[0] = '\0';
    if (!secret || !secret_len_ok(len) || step < 0
        || step > (apr_int64_t)(((apr_uint64_t)1 << 62) / PT_TOTP_PERIOD)) {
        return APR_EINVAL;
    }
    pthread_once(&oath_once, oath_setup);
    if (!oath_ready) {
        return APR_EGENERAL;
    }
    memset(out, 0, sizeof(out));
    rc = oath_totp_generate2((const char *)secret, len,
                             (time_t)(step * PT_TOTP_PERIOD), PT_TOTP_PERIOD,
                             OATH_TOTP_DEFAULT_START_TIME, PT_TOTP_DIGITS, 0,
                             out);
    if (rc != OATH_OK || strlen(out) != PT_TOTP_DIGITS) {
        OPENSSL_cleanse(out, sizeof(out));
        return APR_EGENERAL;
    }
    memcpy(code, out, PT_TOTP_DIGITS + 1);
    OPENSSL_cleanse(out, sizeof(out));
    return APR_SUCCESS;
}

/* The 6 digits of what a person typed, spaces dropped; 0 when it is not
 * exactly 6 ASCII digits. */
static int normalize_code(const char *in, char out[PT_TOTP_DIGITS + 1])
{
    apr_size_t i, n = 0;

    if (!in) {
        return 0;
    }
    for (i = 0; in[i] && i < 64; i++) {
        if (in[i] == ' ') {
            continue;
        }
        if (in[i] < '0' || in[i] > '9' || n >= PT_TOTP_DIGITS) {
            return 0;
        }
        out[n++] = in[i];
    }
    out[n] = '\0';
    return in[i] == '\0' && n == PT_TOTP_DIGITS;
}

apr_status_t pt_totp_verify(apr_pool_t *p, const unsigned char *secret,
                            apr_size_t len, const char *code,
                            apr_int64_t now, apr_int64_t last_step,
                            apr_int64_t *step, pt_err_t *err)
{
    char typed[PT_TOTP_DIGITS + 1], want[PT_TOTP_DIGITS + 1];
    apr_int64_t cur = pt_totp_step(now), s, found = -1;
    int replayed = 0;

    *step = 0;
    if (!normalize_code(code, typed)) {
        pt_err_set(err, p, NULL, 0, "the code must have 6 digits");
        return APR_EINVAL;
    }
    if (!secret || !secret_len_ok(len) || cur < 0) {
        return pt_err_set(err, p, NULL, 0, "cannot check the code: bad "
                          "secret or clock");
    }
    /* every step of the window is computed and compared, so the time
     * taken does not say which one matched */
    for (s = cur - PT_TOTP_SKEW; s <= cur + PT_TOTP_SKEW; s++) {
        int same;

        if (s < 0) {
            continue;
        }
        if (pt_totp_code(secret, len, s, want) != APR_SUCCESS) {
            OPENSSL_cleanse(typed, sizeof(typed));
            return pt_err_set(err, p, NULL, 0, "cannot check the code: "
                              "liboath failed");
        }
        same = CRYPTO_memcmp(typed, want, PT_TOTP_DIGITS) == 0;
        OPENSSL_cleanse(want, sizeof(want));
        if (same && s > last_step && found < 0) {
            found = s;
        }
        else if (same && s <= last_step) {
            replayed = 1;
        }
    }
    OPENSSL_cleanse(typed, sizeof(typed));
    if (found >= 0) {
        *step = found;
        return APR_SUCCESS;
    }
    if (replayed) {
        pt_err_set(err, p, NULL, 0, "this code was already used");
        return PT_TOTP_EREPLAY;
    }
    pt_err_set(err, p, NULL, 0, "wrong code");
    return APR_EMISMATCH;
}
