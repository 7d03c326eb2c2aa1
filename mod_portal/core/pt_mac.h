/*
 * pt_mac.h -- the portal's one MAC: HMAC-SHA256 under its secret key,
 * with a purpose label per use (domain separation).
 *
 * Every signed value the portal hands out (a download link's token, the
 * identity provider's pending cookie, a form's CSRF token) or keeps (the
 * HMAC of a mailed code), and the key API tokens are signed with, is a
 * pt_mac() of a purpose and a list of parts.  The message is
 *
 *     "pt-mac/1" 0x00 purpose 0x00 (len32be(part) part)...
 *
 * so a MAC made for one purpose is never accepted for another, and no
 * part can run into the next whatever bytes it holds.
 *
 * Before this (until issue 12) each use built its own message; values
 * made that way are still out there (a signed link lives up to
 * PortalLinkMaxLifetime).  pt_mac_legacy() makes them, for the callers
 * that still accept a value issued before the switch: each caller knows
 * when its value was issued and accepts the old form only for those made
 * before (PT_MAC_* below).
 */
#ifndef PT_MAC_H
#define PT_MAC_H

#include <apr_pools.h>

/* The purposes, one per use. */
#define PT_MAC_LINK "link"                  /* link uuid, file uuid, expiry */
#define PT_MAC_OIDC_PENDING "oidc-pending"  /* the cookie's payload */
#define PT_MAC_CSRF_SESSION "csrf-session"  /* the session token */
#define PT_MAC_CSRF_PRE "csrf-pre"          /* the pre-session token */
#define PT_MAC_CHANGE_CODE "change-code"    /* account id, 6-digit code */
#define PT_MAC_JWT_KEY "jwt-hs256-key"      /* (no part): the HS256 key */

/* The MAC of purpose over nparts NUL-terminated parts, as unpadded
 * base64url (PT_TOKEN_CHARS, 43 characters). */
const char *pt_mac(apr_pool_t *p, const unsigned char *key,
                   apr_size_t keylen, const char *purpose,
                   const char *const *parts, int nparts);

/* The MAC the portal made for purpose before purpose labels, from the
 * same parts; NULL for a purpose that had no earlier form. */
const char *pt_mac_legacy(apr_pool_t *p, const unsigned char *key,
                          apr_size_t keylen, const char *purpose,
                          const char *const *parts, int nparts);

#define PT_MAC_BAD 0
#define PT_MAC_OK 1         /* the MAC of now */
#define PT_MAC_LEGACY 2     /* the earlier form (only when legacy_ok) */

/* Is given the MAC of purpose over the parts?  PT_MAC_OK; or, when
 * legacy_ok, PT_MAC_LEGACY for the earlier form; else PT_MAC_BAD.
 * Compared in constant time (its length aside). */
int pt_mac_verify(apr_pool_t *p, const unsigned char *key, apr_size_t keylen,
                  const char *purpose, const char *const *parts, int nparts,
                  const char *given, int legacy_ok);

/* Array-literal helper: PT_MAC_PARTS("a", b) expands to `parts, nparts`. */
#define PT_MAC_PARTS(...)                                              \
    (const char *const[]){__VA_ARGS__},                                \
    (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define PT_MAC_NOPARTS NULL, 0

#endif /* PT_MAC_H */
