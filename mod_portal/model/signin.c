/*
 * signin.c -- the password check behind every sign-in (the web
 * form, both API sign-ins): the account looked up, the throttle asked
 * (purpose "password", shared with every current-password check), the
 * password checked under the argon2 gate with the same work whether or
 * not the account exists or has a password, legacy hashes upgraded, and
 * the network of a right password remembered for the account (login_ips:
 * the account's failure budget never refuses a network it signed in
 * from).
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

int portal_known_address(portal_req_t *req, pt_db_t *db, const char *id)
{
    pt_row_t *row = NULL;

    if (!portal_throttle_enabled(req->dir)) {
        return 0;           /* nothing will be refused anyway */
    }
    return pt_db_one(db, "login_ip_known", &row,
                     PT_ARGS(id, pt_throttle_net(req->r->pool,
                                                 req->r->useragent_ip)))
           == APR_SUCCESS && row;
}

int portal_check_login(portal_req_t *req, pt_db_t *db, const char *login,
                       const char *pw, pt_row_t **out, apr_int64_t *retry)
{
    request_rec *r = req->r;
    const char *lc = pt_ascii_lower(r->pool, login), *stored, *fresh;
    portal_guard_t g;
    pt_pw_check_t c;
    pt_row_t *row;

    *out = NULL;
    *retry = 0;
    if (pt_db_one(db, "user_by_login", &row, PT_ARGS(lc, lc, lc))
        != APR_SUCCESS) {
        return -1;
    }
    memset(&g, 0, sizeof(g));
    g.purpose = "password";
    if (row) {
        g.account = apr_pstrcat(r->pool, "u:", pt_row_get(row, "uuid"),
                                NULL);
        g.shown = pt_row_get(row, "username");
        g.known_ip = portal_known_address(req, db, pt_row_get(row, "id"));
    }
    else {
        /* an unknown login is throttled the same way (the typed text is
         * only ever hashed into the records' keys) */
        g.account = apr_pstrcat(r->pool, "l:", lc, NULL);
        g.shown = "-";
    }
    *retry = portal_guard_begin(req, &g);
    if (*retry) {
        return PORTAL_LOGIN_THROTTLED;
    }
    /* the same argon2 work whether or not there is an account, a
     * password or a readable hash (pt_password_check) */
    stored = row ? pt_row_get(row, "password_hash") : NULL;
    if (portal_pw_check(req, pw, stored, &c) != OK) {
        /* not checked, but counted: a flood cannot make attempts free */
        portal_guard_failure(req, &g);
        return PORTAL_LOGIN_BUSY;
    }
    if (row && stored && pt_password_format(stored) == PT_PW_UNKNOWN
        && strcmp(stored, "!")) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PORTAL_LOGNO(0402)
                      "user %s has a password hash in an unknown format",
                      pt_row_get(row, "uuid"));
    }
    if (!c.match) {
        if (row) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0450)
                          "failed sign-in from %s", r->useragent_ip);
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0403)
                          "failed sign-in from %s", r->useragent_ip);
        }
        portal_guard_failure(req, &g);
        /* the wait this failure started, for the answer */
        *retry = g.then;
        return 0;
    }
    portal_guard_success(req, &g);
    if (portal_throttle_enabled(req->dir)) {
        const char *now = pt_i64(r->pool, apr_time_sec(apr_time_now()));
        apr_status_t rv = pt_db_exec(db, "login_ip_seen", NULL,
                                     PT_ARGS(pt_row_get(row, "id"),
                                             pt_throttle_net(r->pool,
                                                 r->useragent_ip),
                                             now, now));

        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                          PORTAL_LOGNO(1030) "cannot record the sign-in "
                          "address of user %s: %s", pt_row_get(row, "uuid"),
                          db->errmsg ? db->errmsg : "failed");
        }
    }
    if (c.rehash && portal_pw_hash(req, pw, &fresh) == OK
        && pt_db_exec(db, "user_upgrade_hash", NULL,
                      PT_ARGS(fresh, pt_row_get(row, "id"), stored))
           == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0404)
                      "upgraded the password hash of user %s to argon2id",
                      pt_row_get(row, "uuid"));
    }
    *out = row;
    return 1;
}
