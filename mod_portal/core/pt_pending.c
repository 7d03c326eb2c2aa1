/*
 * pt_pending.c -- the pending identity cookie (pt_pending.h), moved here
 * from the identity provider's glue so that its parser is unit-tested
 * and fuzzed; the MAC is pt_mac()'s, purpose PT_MAC_OIDC_PENDING.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "pt_pending.h"
#include "pt_crypto.h"
#include "pt_mac.h"

static const char *sign(apr_pool_t *p, const unsigned char *key,
                        apr_size_t keylen, const char *payload)
{
    return pt_mac(p, key, keylen, PT_MAC_OIDC_PENDING,
                  PT_MAC_PARTS(payload));
}

const char *pt_pending_make(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const pt_pending_t *id)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "email",
                          id->email ? id->email : "",
                          "given", id->given ? id->given : "",
                          "family", id->family ? id->family : "",
                          "exp", (json_int_t)id->exp);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    const char *payload;

    json_decref(j);
    if (!s) {
        return NULL;
    }
    payload = pt_b64url_encode(p, (const unsigned char *)s, strlen(s));
    free(s);
    return apr_pstrcat(p, payload, ".", sign(p, key, keylen, payload),
                       NULL);
}

/* A member that is a string, or "" when absent; NULL when it is there
 * but not a string. */
static const char *member(apr_pool_t *p, json_t *j, const char *name)
{
    json_t *v = json_object_get(j, name);

    if (!v) {
        return "";
    }
    return json_is_string(v) ? apr_pstrdup(p, json_string_value(v)) : NULL;
}

apr_status_t pt_pending_parse(apr_pool_t *p, const unsigned char *key,
                              apr_size_t keylen, const char *cookie,
                              apr_int64_t now, apr_int64_t legacy_before,
                              pt_pending_t *id)
{
    const char *dot, *payload;
    unsigned char *raw;
    apr_size_t len;
    pt_pending_t out;
    json_t *j, *exp, *email;
    apr_status_t rv = APR_EINVAL;
    int mac;

    if (!cookie || !(dot = strchr(cookie, '.'))) {
        return APR_EINVAL;
    }
    payload = apr_pstrmemdup(p, cookie, (apr_size_t)(dot - cookie));
    mac = pt_mac_verify(p, key, keylen, PT_MAC_OIDC_PENDING,
                        PT_MAC_PARTS(payload), dot + 1, legacy_before > 0);
    if (mac == PT_MAC_BAD
        || pt_b64url_decode(p, payload, &raw, &len) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    j = json_loadb((const char *)raw, len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return APR_EINVAL;
    }
    email = json_object_get(j, "email");
    exp = json_object_get(j, "exp");
    memset(&out, 0, sizeof(out));
    if (json_is_string(email) && json_is_integer(exp)) {
        out.email = apr_pstrdup(p, json_string_value(email));
        out.given = member(p, j, "given");
        out.family = member(p, j, "family");
        out.exp = json_integer_value(exp);
        if (mac == PT_MAC_LEGACY
            && out.exp - PT_PENDING_LIFETIME >= legacy_before) {
            rv = APR_EINVAL;    /* the old form, issued after the switch */
        }
        else if (out.given && out.family) {
            rv = out.exp < now ? APR_TIMEUP : APR_SUCCESS;
        }
    }
    json_decref(j);
    if (rv == APR_SUCCESS) {
        *id = out;
    }
    return rv;
}
