/*
 * pt_link.c -- signed download link tokens (pt_link.h), moved here from
 * the links glue so that the parser is unit-tested and fuzzed; the MAC is
 * pt_mac()'s, purpose PT_MAC_LINK.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_link.h"
#include "pt_mac.h"
#include "pt_util.h"

static const char *link_mac(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const char *link_uuid,
                            const char *file_uuid, apr_int64_t expires)
{
    return pt_mac(p, key, keylen, PT_MAC_LINK,
                  PT_MAC_PARTS(link_uuid, file_uuid, pt_i64(p, expires)));
}

const char *pt_link_token(apr_pool_t *p, const unsigned char *key,
                          apr_size_t keylen, const char *link_uuid,
                          const char *file_uuid, apr_int64_t expires)
{
    return apr_pstrcat(p, link_uuid, ".",
                       link_mac(p, key, keylen, link_uuid, file_uuid,
                                expires), NULL);
}

static int b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

apr_status_t pt_link_token_parse(apr_pool_t *p, const char *token,
                                 const char **link_uuid, const char **mac)
{
    const char *dot, *m;
    const char *uuid;

    if (!token) {
        return APR_EINVAL;
    }
    dot = strchr(token, '.');
    if (!dot || dot - token != PT_LINK_UUID_CHARS) {
        return APR_EINVAL;
    }
    uuid = apr_pstrmemdup(p, token, PT_LINK_UUID_CHARS);
    if (!pt_uuid_valid(uuid) || strlen(dot + 1) != PT_TOKEN_CHARS) {
        return APR_EINVAL;
    }
    for (m = dot + 1; *m; m++) {
        if (!b64url_char(*m)) {
            return APR_EINVAL;
        }
    }
    *link_uuid = uuid;
    *mac = dot + 1;
    return APR_SUCCESS;
}

int pt_link_token_check(apr_pool_t *p, const unsigned char *key,
                        apr_size_t keylen, const char *link_uuid,
                        const char *mac, const char *file_uuid,
                        apr_int64_t expires, int legacy_ok)
{
    return pt_mac_verify(p, key, keylen, PT_MAC_LINK,
                         PT_MAC_PARTS(link_uuid, file_uuid,
                                      pt_i64(p, expires)),
                         mac, legacy_ok);
}
