/*
 * pt_seal.h -- small secrets kept in the database sealed under the
 * portal's key (AES-256-GCM, a random nonce, associated data that names
 * what the secret is for and whose it is).
 *
 * Used for the TOTP secrets of two-step sign-in, which the server must be
 * able to read back (a hash would not do), so the database never holds
 * them in plaintext.  pt_filecrypt's pt_fc_wrap() is the same idea for
 * 32-byte file keys under a rotating file master key; this one takes any
 * short secret under the portal's secret key (keys/secret.key).
 *
 * Key: the AES key is derived, never the portal key itself:
 *     HKDF-SHA256(ikm = portal key, salt = "",
 *                 info = "mod_portal seal v1" 0x00 purpose)   (32 bytes)
 * so the HMACs that also use the portal key (sessions, codes, links) and
 * every purpose of sealing each have a key of their own.
 *
 * Sealed form (ASCII, fits any TEXT column; 4 + ceil((28 + n) * 4 / 3)
 * characters for an n-byte secret, 68 for a 20-byte TOTP secret):
 *     "ps1." base64url(nonce (12) || ciphertext (n) || tag (16))
 * with additional authenticated data
 *     "ps1" 0x00 purpose 0x00 context
 * Purpose says what the secret is for ("totp"), context whose it is (the
 * account's UUID): a sealed value copied to another account's row, or
 * used for another purpose, does not open.  Rotating keys/secret.key
 * makes every sealed value unreadable (as it ends every session): people
 * then enrol their second factor again.
 *
 * Thread-safe (no globals); everything lives in the caller's pool.
 */
#ifndef PT_SEAL_H
#define PT_SEAL_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_SEAL_MIN_KEY 32          /* shortest portal key accepted */
#define PT_SEAL_MAX_KEY 1024
#define PT_SEAL_MAX_PLAIN 4096      /* longest secret sealed */
#define PT_SEAL_PREFIX "ps1."

/*
 * Seal len bytes of plain (1 to PT_SEAL_MAX_PLAIN) under key (keylen
 * bytes, PT_SEAL_MIN_KEY to PT_SEAL_MAX_KEY) for purpose (a non-empty
 * label, e.g. "totp") and context (whose: the account's UUID; NULL counts
 * as "").  *sealed is the text to store.
 * Errors: APR_EINVAL + err for a bad argument; APR_EGENERAL + err when
 * the CSPRNG or OpenSSL fails.
 */
apr_status_t pt_seal(apr_pool_t *p, const unsigned char *key,
                     apr_size_t keylen, const char *purpose,
                     const char *context, const unsigned char *plain,
                     apr_size_t len, const char **sealed, pt_err_t *err);

/*
 * Open a value made by pt_seal() with the same key, purpose and context.
 * *plain (NUL-terminated for convenience, *len bytes without it) lives in
 * p and is wiped when p is cleared or destroyed.
 * Errors: APR_EINVAL + err "malformed sealed value" when sealed is not
 * this format; APR_EGENERAL + err "sealed value does not open" when it
 * fails authentication (other key, purpose or context, or modified).
 * Nothing is written to *plain on failure.
 */
apr_status_t pt_unseal(apr_pool_t *p, const unsigned char *key,
                       apr_size_t keylen, const char *purpose,
                       const char *context, const char *sealed,
                       unsigned char **plain, apr_size_t *len,
                       pt_err_t *err);

#endif /* PT_SEAL_H */
