/*
 * pt_cose.h -- COSE public keys (RFC 9052/9053) of passkeys, and the
 * signature check of WebAuthn assertions with libfido2.
 *
 * Keys come as CBOR maps inside authenticator data (libcbor decodes them,
 * after pt_cbor_check() made sure the bytes are well-formed, definite-
 * length CBOR whose every declared length fits the input, so a few
 * hostile bytes cannot make libcbor allocate gigabytes).  Three
 * algorithms, the ones the portal offers in pubKeyCredParams:
 *   ES256  (-7)   kty 2 (EC2), crv 1 (P-256), x and y of 32 bytes
 *   EdDSA  (-8)   kty 1 (OKP), crv 6 (Ed25519), x of 32 bytes
 *   RS256  (-257) kty 3 (RSA), n of 256 bytes (RSA-2048, all libfido2
 *                 supports), e of 1 to 3 bytes
 * Signatures are verified by libfido2's fido_assert_verify() with
 * es256_pk / eddsa_pk / rs256_pk keys: over authenticatorData ||
 * SHA-256(clientDataJSON), ECDSA in ASN.1 DER, RSA PKCS#1 v1.5.
 */
#ifndef PT_COSE_H
#define PT_COSE_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_COSE_ES256 (-7)
#define PT_COSE_EDDSA (-8)
#define PT_COSE_RS256 (-257)

#define PT_CBOR_MAX_DEPTH 16

/*
 * Check that buf holds one well-formed CBOR item at its start, with
 * definite lengths only, nested at most PT_CBOR_MAX_DEPTH deep, every
 * declared length or count within the bytes that remain; *item_len is
 * its size (the rest of buf is not looked at).  APR_EINVAL otherwise.
 */
apr_status_t pt_cbor_check(const unsigned char *buf, apr_size_t len,
                           apr_size_t *item_len);

typedef struct pt_cose_key_t {
    int alg;                    /* PT_COSE_* */
    int kty;                    /* 1 OKP, 2 EC2, 3 RSA */
    unsigned char raw[259];     /* libfido2's form: x||y, x, or n||e */
    apr_size_t raw_len;         /* 64, 32 or 259 */
} pt_cose_key_t;

/*
 * Parse a COSE_Key of len bytes (exactly one CBOR map, nothing after it)
 * into key; the key is also checked by libfido2 (a point on the curve, a
 * 2048-bit modulus).  APR_EINVAL + err: malformed, an algorithm other
 * than the three, a key type or curve that does not fit the algorithm,
 * missing or duplicate parameters, wrong sizes, an invalid point.
 */
apr_status_t pt_cose_key_parse(apr_pool_t *p, const unsigned char *buf,
                               apr_size_t len, pt_cose_key_t *key,
                               pt_err_t *err);

/* "ES256", "EdDSA", "RS256", or NULL for another number. */
const char *pt_cose_alg_name(int alg);

/*
 * Verify sig over auth_data || SHA-256(client_data) with key, through
 * libfido2, which also checks that auth_data's rpIdHash is SHA-256(rp_id),
 * that the user-present flag is set, and, when require_uv, the
 * user-verified flag.  auth_data must carry no extension libfido2 would
 * have to match (the portal requests none).
 * APR_SUCCESS when it verifies; APR_EGENERAL + err "bad signature" (or
 * what libfido2 refused) when not; APR_EINVAL + err for arguments it
 * cannot use.
 */
apr_status_t pt_cose_verify(apr_pool_t *p, const pt_cose_key_t *key,
                            const char *rp_id,
                            const unsigned char *auth_data,
                            apr_size_t auth_data_len,
                            const unsigned char *client_data,
                            apr_size_t client_data_len,
                            const unsigned char *sig, apr_size_t sig_len,
                            int require_uv, pt_err_t *err);

#endif /* PT_COSE_H */
