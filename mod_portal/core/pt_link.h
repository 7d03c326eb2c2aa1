/*
 * pt_link.h -- the token of a signed download link, /d/<token>: what an
 * anonymous caller of a link controls.
 *
 * A token is "<link uuid>.<mac>": the link's public id (a lower-case
 * UUID) and a MAC under the portal's secret key that binds the link to
 * its file and its expiry.  The database keeps the link's row but not
 * the token, so a changed token fails the MAC, and a token cannot be
 * moved to another file or given a later expiry.
 */
#ifndef PT_LINK_H
#define PT_LINK_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_crypto.h"
#include "pt_mac.h"

#define PT_LINK_UUID_CHARS 36
#define PT_LINK_TOKEN_CHARS (PT_LINK_UUID_CHARS + 1 + PT_TOKEN_CHARS)

/* The token of link link_uuid of file file_uuid, valid until expires. */
const char *pt_link_token(apr_pool_t *p, const unsigned char *key,
                          apr_size_t keylen, const char *link_uuid,
                          const char *file_uuid, apr_int64_t expires);

/* Split a token as it came in a URL: APR_SUCCESS with *link_uuid (a
 * lower-case UUID) and *mac (PT_TOKEN_CHARS base64url characters);
 * APR_EINVAL for anything else.  Nothing is verified yet: the caller
 * looks the link up by its uuid, then asks pt_link_token_check(). */
apr_status_t pt_link_token_parse(apr_pool_t *p, const char *token,
                                 const char **link_uuid, const char **mac);

/* Is mac the MAC of link_uuid for file_uuid and expires (compared in
 * constant time)?  PT_MAC_OK; PT_MAC_LEGACY for the form links had before
 * purpose labels, only when legacy_ok (the link was made before the
 * switch); PT_MAC_BAD (0) otherwise. */
int pt_link_token_check(apr_pool_t *p, const unsigned char *key,
                        apr_size_t keylen, const char *link_uuid,
                        const char *mac, const char *file_uuid,
                        apr_int64_t expires, int legacy_ok);

#endif /* PT_LINK_H */
