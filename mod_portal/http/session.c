/*
 * session.c -- server-side sessions.
 *
 * The session cookie carries a 256-bit random token; the sessions table
 * holds only its SHA-256, so a copy of the database does not let anyone in.
 * A session ends after PortalSessionIdleTimeout without a request or
 * PortalSessionMaxAge after sign-in, whichever comes first; sign-in always
 * starts a new session (a token set before sign-in is never promoted).
 *
 * The CSRF tokens of forms (csrf.c) are bound to the session token.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"

APLOG_USE_MODULE(portal);

#define SESSION_COOKIE "portal_session"
#define TOUCH_EVERY 60          /* seconds between last_seen updates */
#define UA_MAX 300

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

portal_user_t *portal_user_from_row(apr_pool_t *p, const pt_row_t *row,
                                    apr_int64_t id)
{
    portal_user_t *u = apr_pcalloc(p, sizeof(*u));

    u->id = id;
    u->uuid = pt_row_get(row, "uuid");
    u->username = pt_row_get(row, "username");
    u->email = pt_row_get(row, "email");
    u->first_name = pt_row_get(row, "first_name");
    u->last_name = pt_row_get(row, "last_name");
    u->address = pt_row_get(row, "address");
    u->role = pt_row_get(row, "role");
    u->role_bit = portal_role_bit(u->role);
    return u;
}

apr_status_t portal_session_load(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *name = portal_cookie_name(req, SESSION_COOKIE);
    const char *tok = portal_cookie_get(r, name);
    apr_int64_t now = now_sec();
    portal_user_t *u;
    pt_row_t *row;
    pt_db_t *db;
    const char *hash;
    apr_status_t rv;

    if (!tok || !*tok) {
        return APR_SUCCESS;
    }
    if (!pt_token_valid(tok)) {
        req->session_expired = 1;
        portal_cookie_set(req, name, "", 0);
        return APR_SUCCESS;
    }
    db = portal_db_get(req);
    if (!db) {
        return APR_EGENERAL;
    }
    hash = pt_sha256_hex(r->pool, tok, strlen(tok));
    rv = pt_db_one(db, "session_load", &row,
                   PT_ARGS(hash, pt_i64(r->pool, now),
                           pt_i64(r->pool, now - portal_conf_session_idle(
                               req->conf))));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0355)
                      "loading the session: %s", db->errmsg);
        return APR_EGENERAL;
    }
    if (!row) {
        req->session_expired = 1;
        portal_cookie_set(req, name, "", 0);
        return APR_SUCCESS;
    }
    u = portal_user_from_row(r->pool, row, pt_row_int(row, "user_id"));
    u->login_at = pt_row_int(row, "login_at");
    u->login_ip = pt_row_get(row, "login_ip");
    u->prev_login_at = pt_row_int(row, "prev_login_at");
    u->prev_login_ip = pt_row_get(row, "prev_login_ip");
    req->user = u;
    req->session_token = tok;
    req->session_hash = hash;

    /* idle time is counted from last_seen_at: refresh it, but not on
     * every request (a write per page view would be the bottleneck) */
    if (pt_row_int(row, "last_seen_at") < now - TOUCH_EVERY) {
        rv = pt_db_exec(db, "session_touch", NULL,
                        PT_ARGS(pt_i64(r->pool, now), hash));
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                          PORTAL_LOGNO(0356) "refreshing the session: %s",
                          db->errmsg);
        }
    }
    return APR_SUCCESS;
}

apr_status_t portal_session_create(portal_req_t *req, apr_int64_t user_id)
{
    request_rec *r = req->r;
    pt_db_t *db = portal_db_get(req);
    const char *tok, *hash, *ua;
    apr_int64_t now = now_sec();
    apr_status_t rv;

    if (!db) {
        return APR_EGENERAL;
    }
    rv = pt_token_new(r->pool, &tok);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    hash = pt_sha256_hex(r->pool, tok, strlen(tok));
    ua = apr_table_get(r->headers_in, "User-Agent");
    ua = ua ? apr_pstrndup(r->pool, ua, UA_MAX) : "";
    rv = pt_db_exec(db, "session_insert", NULL,
                    PT_ARGS(hash, pt_i64(r->pool, user_id),
                            pt_i64(r->pool, now),
                            pt_i64(r->pool, now),
                            pt_i64(r->pool, now
                                       + portal_conf_session_max_age(
                                           req->conf)),
                            r->useragent_ip, ua));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (req->session_hash) {
        pt_db_exec(db, "session_delete", NULL, PT_ARGS(req->session_hash));
    }
    portal_cookie_set(req, portal_cookie_name(req, SESSION_COOKIE), tok, -1);
    portal_cookie_set(req, portal_cookie_name(req, PORTAL_PRE_COOKIE), "", 0);
    req->session_token = tok;
    req->session_hash = hash;
    req->csrf_token = NULL;
    return APR_SUCCESS;
}

apr_status_t portal_session_destroy(portal_req_t *req)
{
    pt_db_t *db;
    apr_status_t rv = APR_SUCCESS;

    if (req->session_hash) {
        db = portal_db_get(req);
        rv = db ? pt_db_exec(db, "session_delete", NULL,
                             PT_ARGS(req->session_hash))
                : APR_EGENERAL;
    }
    portal_cookie_set(req, portal_cookie_name(req, SESSION_COOKIE), "", 0);
    req->session_token = NULL;
    req->session_hash = NULL;
    req->user = NULL;
    req->csrf_token = NULL;
    return rv;
}
