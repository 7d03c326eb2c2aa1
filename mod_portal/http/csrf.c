/*
 * csrf.c -- the CSRF tokens of forms.
 *
 * A token is a MAC under the portal's secret key (pt_mac): of the session
 * token for a signed-in user (purpose csrf-session), and of a random
 * pre-session cookie for the sign-in and registration forms (csrf-pre).
 * Nothing about them is stored.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_mac.h"

APLOG_USE_MODULE(portal);

/* How long after the MACs were labelled a pre-session form may still carry
 * a token of the earlier form: a day. */
#define PORTAL_CSRF_PRE_LEGACY 86400

static const char *csrf_for(portal_req_t *req, const char *purpose,
                            const char *tok)
{
    return pt_mac(req->r->pool, portal_conf_secret(req->conf),
                  PORTAL_SECRET_BYTES, purpose, PT_MAC_PARTS(tok));
}

/* given as a CSRF token of purpose for tok; the earlier form when
 * legacy_ok. */
static int csrf_ok(portal_req_t *req, const char *purpose, const char *tok,
                   const char *given, int legacy_ok)
{
    return pt_mac_verify(req->r->pool, portal_conf_secret(req->conf),
                         PORTAL_SECRET_BYTES, purpose, PT_MAC_PARTS(tok),
                         given, legacy_ok) != PT_MAC_BAD;
}

const char *portal_csrf_token(portal_req_t *req)
{
    const char *pre_name, *pre;

    if (req->csrf_token) {
        return req->csrf_token;
    }
    if (req->session_token) {
        req->csrf_token = csrf_for(req, PT_MAC_CSRF_SESSION,
                                   req->session_token);
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
    req->csrf_token = csrf_for(req, PT_MAC_CSRF_PRE, pre);
    return req->csrf_token;
}

int portal_csrf_check(portal_req_t *req)
{
    const char *given = portal_form_get(req, "csrf_token");
    apr_int64_t since = portal_conf_mac_since(req->conf);
    const char *pre;

    if (!given || !*given) {
        return 0;
    }
    if (req->session_token) {
        /* a form of a session that began before the MACs were labelled
         * may carry the earlier form */
        return csrf_ok(req, PT_MAC_CSRF_SESSION, req->session_token, given,
                       since > 0 && req->user
                       && req->user->login_at < since);
    }
    /* forms rendered before sign-in (sign-in, registration): a pre-session
     * cookie has no time of its own, so the earlier form is accepted for
     * PORTAL_CSRF_PRE_LEGACY after the switch */
    pre = portal_cookie_get(req->r, portal_cookie_name(req,
                                                       PORTAL_PRE_COOKIE));
    return pre && pt_token_valid(pre)
           && csrf_ok(req, PT_MAC_CSRF_PRE, pre, given,
                      since > 0 && apr_time_sec(apr_time_now())
                                   < since + PORTAL_CSRF_PRE_LEGACY);
}
