/*
 * pt_jwt.h -- signing and verifying the JSON Web Tokens of the JSON API.
 *
 * A key fixes exactly one algorithm (HS256, RS256 or ES256); a token is only
 * ever verified with the key's algorithm, whatever its header says, so "none"
 * and key-confusion tokens (HS256 signed with an RSA public key) are refused
 * before any signature work.  Signatures are made and checked by libjwt 1.x;
 * the token's structure, header and claims are checked here, strictly.
 *
 * Verification errors are APR_EGENERAL with err->what one of a fixed set of
 * short messages, fit for `WWW-Authenticate: Bearer error="invalid_token",
 * error_description="..."`; they never contain the token or any part of it.
 * Everything is thread-safe (no globals); all memory comes from pools.
 */
#ifndef PT_JWT_H
#define PT_JWT_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

/* Tokens longer than this are refused before any parsing. */
#define PT_JWT_MAX_TOKEN 8192

/* Bounds on key material handed to pt_jwt_key_*(). */
#define PT_JWT_MIN_SECRET 32
#define PT_JWT_MAX_SECRET 4096
#define PT_JWT_MAX_PEM 16384
#define PT_JWT_MIN_RSA_BITS 2048

typedef struct pt_jwt_key_t pt_jwt_key_t;

/* HS256 with a secret (>= 32 bytes, at most PT_JWT_MAX_SECRET).  The secret
 * is copied into p and wiped when p is cleared. */
apr_status_t pt_jwt_key_hs256(apr_pool_t *p, const unsigned char *secret,
                              apr_size_t len, pt_jwt_key_t **key,
                              pt_err_t *err);

/* RS256 or ES256 ("RS256"/"ES256") from PEM private key (for signing) and
 * PEM public key (for verifying); either may be NULL for a verify-only or
 * sign-only key.  The keys are parsed here and must fit the algorithm: RSA
 * of at least PT_JWT_MIN_RSA_BITS bits, or EC on P-256; when both are given
 * they must be a pair.  APR_EINVAL with err->what on any mismatch. */
apr_status_t pt_jwt_key_pem(apr_pool_t *p, const char *alg,
                            const char *private_pem, const char *public_pem,
                            pt_jwt_key_t **key, pt_err_t *err);

/* The key's algorithm name: "HS256", "RS256" or "ES256". */
const char *pt_jwt_key_alg(const pt_jwt_key_t *key);

typedef struct pt_jwt_claims_t {
    const char *iss, *aud, *sub, *jti;
    apr_int64_t iat, nbf, exp;    /* Unix seconds; nbf 0 = absent */
    const char *role;             /* custom claim "role", or NULL */
} pt_jwt_claims_t;

/* Sign claims (iss, aud, sub, iat, exp, jti required; jti: caller makes it).
 * exp must be after iat; nbf and role are added when set.  *token lives in
 * p.  APR_EINVAL with err->what for missing claims or a verify-only key. */
apr_status_t pt_jwt_sign(apr_pool_t *p, const pt_jwt_key_t *key,
                         const pt_jwt_claims_t *c, const char **token,
                         pt_err_t *err);

/* Verify token: signature with key's algorithm ONLY (a token whose header
 * alg differs from the key's -- "none", HS256 when the key is RS256 (key
 * confusion), anything else -- is refused before any signature work), iss
 * and aud equal to the expected values (aud may be an array containing the
 * expected value), exp > now - leeway, nbf/iat <= now + leeway, sub and jti
 * present; fill *c (strings from p).
 *
 * Errors: APR_EGENERAL with err->what one of:
 *   "token too long"          longer than PT_JWT_MAX_TOKEN (not parsed)
 *   "malformed token"         not three base64url parts of JSON objects
 *   "unsupported algorithm"   header alg is not the key's
 *   "unsupported token type"  header typ present and not "JWT"
 *   "unsupported critical header"  header has "crit"
 *   "bad signature"
 *   "token expired", "token not yet valid" (nbf or iat in the future)
 *   "wrong issuer", "wrong audience"
 *   "missing claim X", "invalid claim X"   X: iss aud sub jti iat exp nbf role
 * APR_EINVAL when the key cannot verify (no public key), APR_ENOMEM when
 * libjwt runs out of memory. */
apr_status_t pt_jwt_verify(apr_pool_t *p, const pt_jwt_key_t *key,
                           const char *token, const char *iss,
                           const char *aud, apr_int64_t now, int leeway,
                           pt_jwt_claims_t *c, pt_err_t *err);

#endif /* PT_JWT_H */
