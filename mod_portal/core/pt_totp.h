/*
 * pt_totp.h -- time-based one-time passwords (RFC 6238) for two-step
 * sign-in: HMAC-SHA1, 6 digits, 30-second steps counted from the Unix
 * epoch, one step of clock skew either way: what authenticator apps
 * (FreeOTP, Google Authenticator, Aegis, 1Password...) expect.  The code
 * arithmetic is liboath's; secrets come from OpenSSL's CSPRNG.
 *
 * What the glue stores per account (never the secret in plaintext):
 *   - the secret, sealed: pt_seal(key, "totp", account UUID, secret) --
 *     see pt_seal.h; while enrolment is pending (QR code shown, first
 *     code not yet confirmed) the sealed secret waits in a pending row or
 *     server-side half-session, and becomes the account's only once a
 *     code made from it verified;
 *   - the last accepted time step (an integer, 0 before the first code;
 *     step 0 is 1970, so no real code is lost to that).
 *     pt_totp_verify() refuses a code of that step or an earlier one, so
 *     a code works once.  Two requests carrying the same code at once
 *     both pass pt_totp_verify(); the store must therefore be a
 *     compare-and-set, e.g.
 *       UPDATE ... SET totp_last_step = %step
 *        WHERE user_id = %id AND totp_last_step < %step
 *     and the code counts only when that changed one row.
 * Every code entry (right or wrong) goes through the sign-in throttle: a
 * 6-digit code with a 3-step window is guessed with probability 3e-6 per
 * try.
 *
 * Thread-safe: liboath's global state is initialised once
 * (pthread_once); nothing else is shared.
 */
#ifndef PT_TOTP_H
#define PT_TOTP_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_TOTP_SECRET_BYTES 20     /* 160 bits, RFC 4226's recommendation */
#define PT_TOTP_MIN_SECRET 16       /* shortest secret verify accepts */
#define PT_TOTP_MAX_SECRET 64
#define PT_TOTP_DIGITS 6
#define PT_TOTP_PERIOD 30           /* seconds per time step */
#define PT_TOTP_SKEW 1              /* steps accepted either side of now */

/* A code of a step no later than the last one used (a replay). */
#define PT_TOTP_EREPLAY (APR_OS_START_USERERR + 1301)

/* A fresh secret of PT_TOTP_SECRET_BYTES bytes from OpenSSL's CSPRNG
 * (*secret in p).  APR_EGENERAL when the CSPRNG fails. */
apr_status_t pt_totp_secret_new(apr_pool_t *p, unsigned char **secret);

/*
 * The secret in RFC 4648 base32 (upper case, no padding): 32 characters
 * for 20 bytes.  grouped = 1 puts a space after every 4 characters for
 * showing to a person who types it ("ABCD EFGH ..."); pt_totp_verify()
 * and apps ignore the spaces.  NULL when len is 0 or above
 * PT_TOTP_MAX_SECRET.
 */
const char *pt_totp_base32(apr_pool_t *p, const unsigned char *secret,
                           apr_size_t len, int grouped);

/* Decode base32 as a person may type it (any case, spaces, no padding
 * needed) into *secret.  APR_EINVAL on any other character or a length
 * outside PT_TOTP_MIN_SECRET..PT_TOTP_MAX_SECRET bytes. */
apr_status_t pt_totp_base32_decode(apr_pool_t *p, const char *b32,
                                   unsigned char **secret, apr_size_t *len);

/*
 * The key URI apps read from the QR code
 * (https://github.com/google/google-authenticator/wiki/Key-Uri-Format):
 *   otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER
 *       &algorithm=SHA1&digits=6&period=30
 * issuer (e.g. the portal's name or host) and account (the user name or
 * email) are percent-encoded (everything but A-Z a-z 0-9 - . _ ~), so a
 * ':' '&' '#' or space in them cannot change the URI's meaning.  The URI
 * holds the secret: show it, never log it.  NULL when issuer or account
 * is empty or longer than 200 bytes, or the secret's length is invalid.
 */
const char *pt_totp_uri(apr_pool_t *p, const unsigned char *secret,
                        apr_size_t len, const char *issuer,
                        const char *account);

/* The time step of Unix time now: floor(now / PT_TOTP_PERIOD) (-1 for a
 * negative now). */
apr_int64_t pt_totp_step(apr_int64_t now);

/* The 6-digit code of step (leading zeros kept) in code[7].  APR_EINVAL
 * for a negative step or a bad secret length, APR_EGENERAL when liboath
 * fails. */
apr_status_t pt_totp_code(const unsigned char *secret, apr_size_t len,
                          apr_int64_t step, char code[PT_TOTP_DIGITS + 1]);

/*
 * Check code (exactly 6 ASCII digits; spaces anywhere are ignored, as
 * apps show "123 456") against the steps pt_totp_step(now) - 1, + 0 and
 * + 1.  last_step is the last step the account used (0 if none).
 * On APR_SUCCESS *step is the matched step, later than last_step: store
 * it (see above).  Every candidate is compared in constant time.
 * Errors (*step is 0):
 *   APR_EINVAL + err "the code must have 6 digits"   (not a code at all)
 *   APR_EMISMATCH + err "wrong code"                 (no step matches)
 *   PT_TOTP_EREPLAY + err "this code was already used"  (it matches only
 *       steps <= last_step)
 *   APR_EGENERAL + err when liboath fails or the secret length is bad.
 * The messages never contain the code or the secret.
 */
apr_status_t pt_totp_verify(apr_pool_t *p, const unsigned char *secret,
                            apr_size_t len, const char *code,
                            apr_int64_t now, apr_int64_t last_step,
                            apr_int64_t *step, pt_err_t *err);

#endif /* PT_TOTP_H */
