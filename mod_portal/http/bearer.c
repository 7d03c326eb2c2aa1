/*
 * bearer.c -- bearer tokens for the JSON API.
 *
 * A token is a JWT (pt_jwt.c) signed with the key PortalJWTKey names,
 * with iss, aud, sub (the account's uuid), iat, exp, jti and the role.
 * Checking one takes, in order: the header's algorithm against the key's
 * (alg none and algorithm swaps fail here), the signature, the claims
 * with PortalJWTLeeway of clock skew, then the account: it must exist,
 * not be disabled, and not have changed its password after the token was
 * issued; and the jti must not be on the deny-list POST /api/logout
 * writes.  Every failure is 401 with WWW-Authenticate: Bearer
 * error="invalid_token" and a JSON body saying which check failed.
 * The role used for authorization is the account's current one, not the
 * token's claim, so a role change takes effect at once.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_jwt.h"

APLOG_USE_MODULE(portal);

static int invalid_token(portal_req_t *req, const char *why)
{
    request_rec *r = req->r;
    char *desc = apr_pstrdup(r->pool, why), *c;

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0810)
                  "refused an API token from %s: %s", r->useragent_ip, why);
    /* a quoted-string of printable ASCII (RFC 6750: no '"' or '\\') */
    for (c = desc; *c; c++) {
        if (*c == '"' || *c == '\\' || *c < 0x20 || *c > 0x7e) {
            *c = '\'';
        }
    }
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", apr_psprintf(
                   r->pool, "Bearer realm=\"portal\", "
                   "error=\"invalid_token\", error_description=\"%s\"",
                   desc));
    portal_api_error(req, HTTP_UNAUTHORIZED, "invalid_token",
                     apr_pstrcat(r->pool, "The access token is not valid: ",
                                 why, ".", NULL));
    return DONE;
}

/* A token signed, before the MACs were labelled, with the key derived
 * the earlier way: valid until it expires (issued before the switch).
 * 1 with *c when it is one. */
static int legacy_token(portal_req_t *req, const char *h, apr_int64_t now,
                        pt_jwt_claims_t *c)
{
    const portal_srv_t *a = req->conf;
    const struct pt_jwt_key_t *old = portal_api_legacy_key(a);
    pt_err_t err = { 0 };

    return old
           && pt_jwt_verify(req->r->pool, old, h, portal_api_issuer(a),
                            portal_api_audience(a), now,
                            portal_api_leeway(a), c, &err) == APR_SUCCESS
           && c->iat < portal_conf_mac_since(a);
}

int portal_bearer_auth(portal_req_t *req)
{
    request_rec *r = req->r;
    const portal_srv_t *a = req->conf;
    const char *h = apr_table_get(r->headers_in, "Authorization");
    apr_int64_t now = apr_time_sec(apr_time_now());
    pt_jwt_claims_t c;
    pt_err_t err = { 0 };
    portal_user_t *u;
    pt_row_t *row = NULL;
    pt_db_t *db;

    req->want_json = 1;
    if (!h || strncasecmp(h, "Bearer ", 7)) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"portal\"");
        portal_api_error(req, HTTP_UNAUTHORIZED, "unauthorized",
                         "Send an access token: Authorization: Bearer "
                         "<token> (from /api/client/login or "
                         "/api/ops/login).");
        return DONE;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    if (pt_jwt_verify(r->pool, portal_api_key(a), h, portal_api_issuer(a),
                      portal_api_audience(a),
                      now, portal_api_leeway(a), &c, &err) != APR_SUCCESS
        && !legacy_token(req, h, now, &c)) {
        return invalid_token(req, err.what ? err.what : "malformed token");
    }
    db = portal_db_get(req);
    if (!db) {
        portal_api_error(req, HTTP_SERVICE_UNAVAILABLE,
                         "service_unavailable", "The portal's database is "
                         "not available right now.");
        return DONE;
    }
    if (pt_db_one(db, "user_for_token", &row, PT_ARGS(c.jti, c.sub))
        != APR_SUCCESS) {
        portal_db_fail(req, "token check");
        return DONE;
    }
    if (!row) {
        return invalid_token(req, "the account no longer exists");
    }
    if (pt_row_get(row, "disabled_at")) {
        return invalid_token(req, "the account is disabled");
    }
    if (c.iat < pt_row_int(row, "password_changed_at")) {
        return invalid_token(req, "the password was changed after it was "
                             "issued");
    }
    if (pt_row_int(row, "revoked")) {
        return invalid_token(req, "it was signed out");
    }
    u = portal_user_from_row(r->pool, row, pt_row_int(row, "id"));
    u->login_at = c.iat;
    u->login_ip = r->useragent_ip;
    req->user = u;
    req->api = 1;
    req->jti = c.jti;
    req->token_exp = c.exp;
    return OK;
}

apr_status_t portal_token_for(portal_req_t *req, const char *uuid,
                              const char *role, const char **token,
                              int *expires_in)
{
    const portal_srv_t *a = req->conf;
    apr_int64_t now = apr_time_sec(apr_time_now());
    pt_jwt_claims_t c;
    pt_err_t err = { 0 };
    const char *jti;
    apr_status_t rv;

    memset(&c, 0, sizeof(c));
    rv = pt_uuid_new(req->r->pool, &jti);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    c.iss = portal_api_issuer(a);
    c.aud = portal_api_audience(a);
    c.sub = uuid;
    c.jti = jti;
    c.iat = now;
    c.exp = now + portal_api_lifetime(a);
    c.role = role;
    rv = pt_jwt_sign(req->r->pool, portal_api_key(a), &c, token, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, PORTAL_LOGNO(0811)
                      "signing an API token: %s",
                      pt_err_str(&err, req->r->pool));
        return rv;
    }
    *expires_in = portal_api_lifetime(a);
    return APR_SUCCESS;
}
