/*
 * pt_crypto.h -- random tokens, digests and MACs on OpenSSL.
 *
 * Session ids, CSRF tokens and single-use links are 256-bit values from
 * OpenSSL's CSPRNG, written as unpadded base64url (43 characters).  The
 * database stores only their SHA-256 (hex).  Secrets are compared with
 * CRYPTO_memcmp through pt_secret_equal().
 */
#ifndef PT_CRYPTO_H
#define PT_CRYPTO_H

#include <apr_pools.h>
#include <apr_errno.h>

#define PT_TOKEN_BYTES 32
#define PT_TOKEN_CHARS 43   /* base64url of 32 bytes, no padding */

/* n bytes from the CSPRNG; APR_EGENERAL if OpenSSL cannot deliver. */
apr_status_t pt_random_bytes(unsigned char *buf, apr_size_t n);

/* A fresh 256-bit token as base64url (PT_TOKEN_CHARS characters). */
apr_status_t pt_token_new(apr_pool_t *p, const char **token);

/* 1 when s looks like a token from pt_token_new (length and alphabet). */
int pt_token_valid(const char *s);

/* base64url without padding. */
const char *pt_b64url_encode(apr_pool_t *p, const unsigned char *buf,
                             apr_size_t n);
/* Decode base64url (padding optional); APR_EINVAL on a bad character. */
apr_status_t pt_b64url_decode(apr_pool_t *p, const char *s,
                              unsigned char **out, apr_size_t *outlen);

/* The value of one hex digit (either case), or -1. */
int pt_hex_value(unsigned char c);

/* Lower-case hex of buf. */
const char *pt_hex_encode(apr_pool_t *p, const unsigned char *buf,
                          apr_size_t n);

/* SHA-256 of s (len bytes) as 64 lower-case hex characters. */
const char *pt_sha256_hex(apr_pool_t *p, const char *s, apr_size_t len);

/* HMAC-SHA256(key, msg) as base64url (43 characters). */
const char *pt_hmac_b64url(apr_pool_t *p, const unsigned char *key,
                           apr_size_t keylen, const char *msg,
                           apr_size_t msglen);

/* Constant-time equality of two NUL-terminated strings (length leaks). */
int pt_secret_equal(const char *a, const char *b);

/* A uniformly random 6-digit code ("000000" to "999999"). */
apr_status_t pt_code6_new(apr_pool_t *p, const char **code);

/* A random RFC 4122 version 4 UUID, lower case. */
apr_status_t pt_uuid_new(apr_pool_t *p, const char **uuid);

/* 1 when s is a lower-case UUID as pt_uuid_new() writes them. */
int pt_uuid_valid(const char *s);

#endif /* PT_CRYPTO_H */
