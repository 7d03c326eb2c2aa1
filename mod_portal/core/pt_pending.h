/*
 * pt_pending.h -- the cookie that carries a person's identity from the
 * identity provider's sign-in to the profile they complete: nothing is
 * stored until then, so the cookie holds the verified address (and the
 * names the provider gave), an expiry, and a MAC under the portal's
 * secret key.  What comes back in it is attacker-controlled.
 *
 * The value is "<payload>.<mac>": payload the base64url (no padding) of
 * a JSON object {"email": ..., "given": ..., "family": ..., "exp": ...}.
 */
#ifndef PT_PENDING_H
#define PT_PENDING_H

#include <apr_pools.h>
#include <apr_errno.h>

/* How long a pending identity lives (seconds). */
#define PT_PENDING_LIFETIME (15 * 60)

typedef struct pt_pending_t {
    const char *email;          /* as the provider verified it */
    const char *given;          /* the names it gave, or "" */
    const char *family;
    apr_int64_t exp;            /* Unix time after which it is refused */
} pt_pending_t;

/* The cookie value for id (NULL names count as ""); NULL only when the
 * JSON cannot be made. */
const char *pt_pending_make(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const pt_pending_t *id);

/* Read a cookie value: APR_SUCCESS with *id (strings in p); APR_EINVAL
 * when it is not one the portal made (no '.', a MAC that does not match,
 * a payload that is not base64url of a JSON object with a string email
 * and an integer exp); APR_TIMEUP when it expired (exp < now).  *id is
 * set only on success.  A cookie whose MAC has the form before purpose
 * labels is accepted only when it was issued (exp - PT_PENDING_LIFETIME)
 * before legacy_before (0: never). */
apr_status_t pt_pending_parse(apr_pool_t *p, const unsigned char *key,
                              apr_size_t keylen, const char *cookie,
                              apr_int64_t now, apr_int64_t legacy_before,
                              pt_pending_t *id);

#endif /* PT_PENDING_H */
