/*
 * csrf.c -- the CSRF tokens of forms.
 *
 * A token is an HMAC under the portal's secret key: of the session token
 * for a signed-in user, and of a random pre-session cookie for the sign-in
 * and registration forms.  Nothing about them is stored.
 */
#include "apr_strings.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"

APLOG_USE_MODULE(portal);

static const char *csrf_for(portal_req_t *req, const char *kind,
                            const char *tok)
{
    const char *msg = apr_pstrcat(req->r->pool, kind, ":", tok, NULL);

    return pt_hmac_b64url(req->r->pool, portal_conf_secret(req->conf),
                          PORTAL_SECRET_BYTES, msg, strlen(msg));
}

const char *portal_csrf_token(portal_req_t *req)
{
    const char *pre_name, *pre;

    if (req->csrf_token) {
        return req->csrf_token;
    }
    if (req->session_token) {
        req->csrf_token = csrf_for(req, "session", req->session_token);
        return req->csrf_token;
    }
    pre_name = portal_cookie_name(req, PORTAL_PRE_COOKIE);
    pre = portal_cookie_get(req->r, pre_name);
    if (!pre || !pt_token_valid(pre)) {
        if (pt_token_new(req->r->pool, &pre) != APR_SUCCESS) {
            return "";
        }
        portal_cookie_set(req, pre_name, pre, -1);
    }
    req->csrf_token = csrf_for(req, "pre", pre);
    return req->csrf_token;
}

int portal_csrf_check(portal_req_t *req)
{
    const char *given = portal_form_get(req, "csrf_token");
    const char *pre;

    if (!given || !*given) {
        return 0;
    }
    if (req->session_token) {
        return pt_secret_equal(given, csrf_for(req, "session",
                                               req->session_token));
    }
    /* forms rendered before sign-in (sign-in, registration) */
    pre = portal_cookie_get(req->r, portal_cookie_name(req, PORTAL_PRE_COOKIE));
    return pre && pt_token_valid(pre)
           && pt_secret_equal(given, csrf_for(req, "pre", pre));
}
