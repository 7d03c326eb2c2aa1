/*
 * pt_recovery.h -- single-use recovery codes for two-step sign-in.
 *
 * At enrolment (and each time the person asks for new ones) the portal
 * makes PT_RECOVERY_COUNT codes, shows them once, and stores only their
 * hashes.  A code is 10 characters of Crockford's base32 alphabet
 * (0-9 a-z without i l o u: nothing to confuse), shown in two groups of
 * five, "7kq2m-x9d4a": 50 random bits each.  What a person types is
 * normalised first: case, spaces and dashes do not matter, and the
 * look-alikes i/l (as 1) and o (as 0) are read as Crockford says.
 *
 * Hash: HMAC-SHA256 under the portal's key (a key derived from it with
 * the label below), over the account's UUID and the normalised code:
 *     base64url(HMAC-SHA256(HMAC-SHA256(portal key, "mod_portal recovery
 *     code v1"), account UUID 0x00 code))
 * Why not argon2 like passwords: a code carries 50 bits from the CSPRNG,
 * not a human choice, so a slow hash buys nothing against guessing; the
 * secret key does (a stolen database alone gives nothing to search), and
 * the hash being deterministic lets the glue find and spend a code in one
 * statement instead of running ten slow verifications per attempt (which
 * would also be a denial-of-service lever).  Whoever holds the portal key
 * can forge sessions anyway.  The UUID in the MAC stops one account's
 * hash from matching another's code.
 *
 * What the glue stores: one row per code (account, hash, used_at); to use
 * a code, in one statement
 *     UPDATE recovery_codes SET used_at = now
 *      WHERE user_id = %id AND code_hash = %hash AND used_at IS NULL
 * and it counts only when one row changed (so two concurrent uses of one
 * code cannot both pass).  New codes replace all the old rows.  Every
 * attempt goes through the sign-in throttle.
 */
#ifndef PT_RECOVERY_H
#define PT_RECOVERY_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "pt_core.h"

#define PT_RECOVERY_COUNT 10        /* codes made at a time */
#define PT_RECOVERY_CHARS 10        /* characters of a code, no dash */
#define PT_RECOVERY_SHOWN 11        /* "xxxxx-xxxxx" */

/*
 * n fresh codes (1 to 100; the portal uses PT_RECOVERY_COUNT), as shown to
 * a person ("xxxxx-xxxxx", lower case), all different, in *codes (an array
 * of const char *).  APR_EINVAL for a bad n, APR_EGENERAL when the CSPRNG
 * fails.
 */
apr_status_t pt_recovery_generate(apr_pool_t *p, int n,
                                  apr_array_header_t **codes);

/*
 * The canonical form of what a person typed: lower case, spaces, tabs and
 * dashes removed, i and l read as 1, o as 0; *canon is the 10 characters.
 * APR_EINVAL when the result is not exactly 10 characters of the alphabet
 * (e.g. a TOTP code, a u, or anything longer than 64 bytes) -- treat as a
 * wrong code.
 */
apr_status_t pt_recovery_normalize(apr_pool_t *p, const char *typed,
                                   const char **canon);

/*
 * The hash to store or look up (43 characters of base64url) for account
 * user_uuid and code (typed or shown: it is normalised here; NULL when it
 * is not a code).  key: the portal's key (at least 32 bytes).
 */
const char *pt_recovery_hash(apr_pool_t *p, const unsigned char *key,
                             apr_size_t keylen, const char *user_uuid,
                             const char *code);

#endif /* PT_RECOVERY_H */
