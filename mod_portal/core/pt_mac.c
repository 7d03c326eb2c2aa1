/*
 * pt_mac.c -- purpose-labelled MACs (pt_mac.h), and the messages each use
 * built by hand before them.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_mac.h"
#include "pt_crypto.h"

#define LABEL "pt-mac/1"

const char *pt_mac(apr_pool_t *p, const unsigned char *key,
                   apr_size_t keylen, const char *purpose,
                   const char *const *parts, int nparts)
{
    apr_size_t n = sizeof(LABEL) + strlen(purpose) + 1, off, len;
    char *msg;
    const char *mac;
    int i;

    for (i = 0; i < nparts; i++) {
        n += 4 + (parts[i] ? strlen(parts[i]) : 0);
    }
    msg = apr_palloc(p, n);
    memcpy(msg, LABEL, sizeof(LABEL));          /* with its NUL */
    off = sizeof(LABEL);
    len = strlen(purpose) + 1;
    memcpy(msg + off, purpose, len);            /* with its NUL */
    off += len;
    for (i = 0; i < nparts; i++) {
        const char *part = parts[i] ? parts[i] : "";

        len = strlen(part);
        msg[off++] = (char)((len >> 24) & 0xff);
        msg[off++] = (char)((len >> 16) & 0xff);
        msg[off++] = (char)((len >> 8) & 0xff);
        msg[off++] = (char)(len & 0xff);
        memcpy(msg + off, part, len);
        off += len;
    }
    mac = pt_hmac_b64url(p, key, keylen, msg, off);
    /* NULL only when OpenSSL fails: never a value anybody could match */
    return mac ? mac : "!";
}

static const char *part(const char *const *parts, int nparts, int i)
{
    return i < nparts && parts[i] ? parts[i] : "";
}

const char *pt_mac_legacy(apr_pool_t *p, const unsigned char *key,
                          apr_size_t keylen, const char *purpose,
                          const char *const *parts, int nparts)
{
    const char *msg;

    if (!strcmp(purpose, PT_MAC_LINK)) {
        msg = apr_pstrcat(p, "pt-link|", part(parts, nparts, 0), "|",
                          part(parts, nparts, 1), "|",
                          part(parts, nparts, 2), NULL);
    }
    else if (!strcmp(purpose, PT_MAC_OIDC_PENDING)) {
        msg = apr_pstrcat(p, "oidc:", part(parts, nparts, 0), NULL);
    }
    else if (!strcmp(purpose, PT_MAC_CSRF_SESSION)) {
        msg = apr_pstrcat(p, "session:", part(parts, nparts, 0), NULL);
    }
    else if (!strcmp(purpose, PT_MAC_CSRF_PRE)) {
        msg = apr_pstrcat(p, "pre:", part(parts, nparts, 0), NULL);
    }
    else if (!strcmp(purpose, PT_MAC_CHANGE_CODE)) {
        msg = apr_pstrcat(p, "code:", part(parts, nparts, 0), ":",
                          part(parts, nparts, 1), NULL);
    }
    else if (!strcmp(purpose, PT_MAC_JWT_KEY)) {
        msg = "mod_portal jwt HS256";
    }
    else {
        return NULL;
    }
    return pt_hmac_b64url(p, key, keylen, msg, strlen(msg));
}

int pt_mac_verify(apr_pool_t *p, const unsigned char *key, apr_size_t keylen,
                  const char *purpose, const char *const *parts, int nparts,
                  const char *given, int legacy_ok)
{
    const char *old;

    if (!given) {
        return PT_MAC_BAD;
    }
    if (pt_secret_equal(given, pt_mac(p, key, keylen, purpose, parts,
                                      nparts))) {
        return PT_MAC_OK;
    }
    if (legacy_ok) {
        old = pt_mac_legacy(p, key, keylen, purpose, parts, nparts);
        if (old && pt_secret_equal(given, old)) {
            return PT_MAC_LEGACY;
        }
    }
    return PT_MAC_BAD;
}
