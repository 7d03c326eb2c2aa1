/*
 * portal_account.c -- the life of an account after sign-up: confirming
 * the email address, recovering a forgotten password, and the user's
 * sessions.
 *
 * Links carry a single-use 256-bit token; the auth_tokens table holds only
 * its SHA-256, with an expiry, and `token_use` marks it used in a way only
 * one of two racing requests can.  "Forgot password" answers the same
 * whether or not the address has an account, and does the same work
 * either way: it queues the request, and the mail job decides what to
 * send (portal_mail.c).
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "pt_crypto.h"
#include "pt_validate.h"
#include "pt_ua.h"
#include "portal_throttle.h"

APLOG_USE_MODULE(portal);

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

/* ------------------------------------------------------------ helpers */

apr_status_t portal_token_issue(portal_req_t *req, pt_db_t *db,
                                const char *uid, const char *purpose,
                                int lifetime, const char **token)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = now_sec();
    apr_status_t rv = pt_token_new(p, token);

    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "tokens_retire", NULL,
                        PT_ARGS(pt_i64(p, now), uid, purpose));
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "token_insert", NULL,
                        PT_ARGS(pt_sha256_hex(p, *token, strlen(*token)),
                                uid, purpose, pt_i64(p, now),
                                pt_i64(p, now + lifetime), NULL));
    }
    return rv;
}

/* The confirmation mail; its link (a new token) is made when the mail is
 * sent, so no usable token rests in the outbox. */
apr_status_t portal_send_verification(portal_req_t *req, pt_db_t *db,
                                      const char *uid, const char *email,
                                      const char *first_name)
{
    apr_pool_t *p = req->r->pool;
    int lifetime = portal_conf_verify_lifetime(req->conf);
    portal_mail_t m;

    memset(&m, 0, sizeof(m));
    m.name = "verify_email";
    m.data = pt_json_pool(p, json_pack("{s:s, s:i}",
                                           "first_name", first_name,
                                           "hours", lifetime / 3600));
    m.to_addr = email;
    m.to_name = first_name;
    m.link_base = portal_link(req, "");
    m.secret = "verify_email";
    m.user_id = uid;
    m.lifetime = lifetime;
    return portal_mail_put(req->r->server, db, p, &m);
}

/* Look a link's token up: the row, or NULL when unknown, used or expired
 * (*why says which, for the page). */
static pt_row_t *live_token(portal_req_t *req, pt_db_t *db, const char *tok,
                            const char *purpose, const char **why,
                            int *failed)
{
    pt_row_t *row = NULL;

    *failed = 0;
    *why = "This link is not valid. Check that you opened the whole link "
           "from the message.";
    if (!tok || !pt_token_valid(tok)) {
        return NULL;
    }
    if (pt_db_one(db, "token_get", &row,
                  PT_ARGS(pt_sha256_hex(req->r->pool, tok, strlen(tok)),
                          purpose)) != APR_SUCCESS) {
        *failed = 1;
        return NULL;
    }
    if (!row) {
        return NULL;
    }
    if (pt_row_get(row, "used_at")) {
        *why = !strcmp(purpose, "verify_email")
               && pt_row_get(row, "email_verified_at")
               ? "Your email address is already confirmed: this link is no "
                 "longer needed."
               : "This link was already used or replaced by a newer one.";
        return NULL;
    }
    if (pt_row_int(row, "expires_at") <= now_sec()) {
        *why = "This link has expired.";
        return NULL;
    }
    return row;
}

/* ------------------------------------------------------------ verify */

/* A page with a form, an error or a notice: the confirmation-link and
 * forgotten-password pages. */
static int notice_page(portal_req_t *req, int status, const char *tpl,
                       const char *title, const char *error,
                       const char *notice)
{
    json_t *d = portal_page_data(req, title);

    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (notice) {
        json_object_set_new(d, "notice", json_string(notice));
    }
    return portal_render(req, status, tpl, d);
}

static int verify_page(portal_req_t *req, int status, const char *error,
                       const char *notice)
{
    return notice_page(req, status, "verify_email",
                       "Confirm your email address", error, notice);
}

static int verify_error(portal_req_t *req, int status, const char *error)
{
    return verify_page(req, status, error, NULL);
}

int portal_email_confirm(portal_req_t *req, const char *tok,
                         const char **why)
{
    pt_db_t *db = portal_db_get(req);
    pt_row_t *row;
    int failed, used = 0;

    if (!db) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    row = live_token(req, db, tok, "verify_email", why, &failed);
    if (failed) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (!row) {
        return HTTP_BAD_REQUEST;
    }
    if (pt_db_exec(db, "token_use", &used,
                   PT_ARGS(pt_i64(req->r->pool, now_sec()),
                           pt_sha256_hex(req->r->pool, tok, strlen(tok))))
        != APR_SUCCESS
        || pt_db_exec(db, "user_verify_email", NULL,
                      PT_ARGS(pt_i64(req->r->pool, now_sec()),
                              pt_row_get(row, "user_id"))) != APR_SUCCESS) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (!used) {
        *why = "This link was already used or replaced by a newer one.";
        return HTTP_BAD_REQUEST;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(0701)
                  "user %s confirmed their email address",
                  pt_row_get(row, "uuid"));
    return OK;
}

int portal_verify_email_get(portal_req_t *req)
{
    const char *why = NULL;
    int rc;

    rc = portal_email_confirm(req, apr_table_get(req->query, "token"), &why);
    if (rc == HTTP_BAD_REQUEST) {
        return verify_page(req, HTTP_BAD_REQUEST, why, NULL);
    }
    if (rc != OK) {
        return portal_db_fail(req, "email verification");
    }
    return portal_redirect(req, req->user ? "/dashboard?verified=1"
                                          : "/login?verified=1");
}

/* POST /resend_verification (email): the same answer whatever the
 * address, and at most one mail per PortalResendCooldown. */
int portal_resend_verification_post(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    const char *email, *uid;
    pt_row_t *u = NULL, *last = NULL;
    pt_db_t *db;
    apr_int64_t retry;
    int rc;

    if (!portal_form_csrf(req, verify_error, &rc)) {
        return rc;
    }
    email = portal_form_field(req, "email");
    if (pt_validate_email(email)) {
        return verify_page(req, HTTP_BAD_REQUEST, "Enter the email address "
                           "you registered with.", NULL);
    }
    /* an anonymous write, and a mail to that address */
    retry = portal_throttle_write(req, "resend", email);
    if (retry) {
        return portal_throttled(req, retry, verify_error);
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "resending a verification link");
    }
    if (pt_db_one(db, "user_by_email", &u,
                  PT_ARGS(pt_ascii_lower(p, email))) != APR_SUCCESS) {
        return portal_db_fail(req, "resending a verification link");
    }
    if (u && !pt_row_get(u, "email_verified_at")) {
        uid = pt_row_get(u, "id");
        if (pt_db_one(db, "mail_last_queued", &last,
                      PT_ARGS(uid, "verify_email", uid, "verify_email"))
            != APR_SUCCESS) {
            return portal_db_fail(req, "resending a verification link");
        }
        if (!pt_row_get(last, "last")
            || pt_row_int(last, "last")
               <= now_sec() - portal_conf_resend_cooldown(req->conf)) {
            if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
                || portal_send_verification(req, db, uid,
                                            pt_row_get(u, "email"),
                                            pt_row_get(u, "first_name"))
                   != APR_SUCCESS
                || pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
                pt_db_run_named(db, "tx_rollback");
                return portal_db_fail(req, "resending a verification link");
            }
        }
    }
    return verify_page(req, HTTP_OK, NULL, apr_psprintf(p,
                       "If an account with that address is waiting for "
                       "confirmation, a new link is on its way. You can ask "
                       "again after %d seconds.",
                       portal_conf_resend_cooldown(req->conf)));
}

/* ------------------------------------------------------------ recovery */

static int forgot_page(portal_req_t *req, int status, const char *error,
                       const char *notice)
{
    return notice_page(req, status, "forgot_password",
                       "Forgot your password?", error, notice);
}

static int forgot_error(portal_req_t *req, int status, const char *error)
{
    return forgot_page(req, status, error, NULL);
}

int portal_forgot_password_get(portal_req_t *req)
{
    return forgot_page(req, HTTP_OK, NULL, NULL);
}

int portal_forgot_password_post(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    const char *email;
    pt_db_t *db;
    apr_int64_t retry;
    int rc;

    if (!portal_form_csrf(req, forgot_error, &rc)) {
        return rc;
    }
    email = portal_form_field(req, "email");
    if (pt_validate_email(email)) {
        return forgot_page(req, HTTP_BAD_REQUEST, "Enter a valid email "
                           "address.", NULL);
    }
    /* at request time: requests per client address, and per address
     * asked for (whether or not it has an account: the same answer) */
    retry = portal_throttle_write(req, "forgot", email);
    if (retry) {
        return portal_throttled(req, retry, forgot_error);
    }
    db = portal_db_get(req);
    if (!db || pt_db_exec(db, "reset_request_insert", NULL,
                          PT_ARGS(pt_ascii_lower(p, email), req->mount,
                                  req->r->useragent_ip,
                                  pt_i64(p, now_sec()))) != APR_SUCCESS) {
        return portal_db_fail(req, "a password reset request");
    }
    return forgot_page(req, HTTP_OK, NULL, apr_psprintf(p,
                       "If an account exists for that address, we have "
                       "sent it a link to choose a new password. The link "
                       "works for %d minutes.", PORTAL_RESET_LIFETIME / 60));
}

static int reset_page(portal_req_t *req, int status, const char *tok,
                      const char *error, json_t *errors)
{
    json_t *d = portal_page_data(req, "Choose a new password");

    json_object_set_new(d, "token", json_string(tok ? tok : ""));
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (errors) {
        json_object_set(d, "errors", errors);
    }
    return portal_render(req, status, "reset_password", d);
}

static int reset_link_dead(portal_req_t *req, const char *why)
{
    json_t *d = portal_page_data(req, "Choose a new password");

    json_object_set_new(d, "error", json_string(why));
    json_object_set_new(d, "dead", json_true());
    return portal_render(req, HTTP_BAD_REQUEST, "reset_password", d);
}

int portal_reset_password_get(portal_req_t *req)
{
    const char *tok = apr_table_get(req->query, "token");
    const char *why;
    pt_db_t *db = portal_db_get(req);
    int failed;

    if (!db) {
        return portal_db_fail(req, "a password reset");
    }
    if (!live_token(req, db, tok, "reset_password", &why, &failed)) {
        return failed ? portal_db_fail(req, "a password reset")
                      : reset_link_dead(req, why);
    }
    return reset_page(req, HTTP_OK, tok, NULL, NULL);
}

int portal_reset_password_post(portal_req_t *req)
{
    request_rec *r = req->r;
    apr_pool_t *p = r->pool;
    const char *msg, *tok, *fresh, *confirm, *why, *hash, *uid, *bad;
    json_t *errors;
    pt_row_t *row;
    pt_db_t *db;
    int rc, failed, used = 0;

    rc = portal_read_form(req, &msg);
    if (rc != OK) {
        return portal_error(req, rc, msg);
    }
    tok = portal_form_get(req, "token");
    if (!portal_csrf_check(req)) {
        return reset_page(req, HTTP_FORBIDDEN, tok, "This form has expired "
                          "or did not come from this site, so nothing was "
                          "changed. Please try again.", NULL);
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "a password reset");
    }
    row = live_token(req, db, tok, "reset_password", &why, &failed);
    if (!row) {
        return failed ? portal_db_fail(req, "a password reset")
                      : reset_link_dead(req, why);
    }
    fresh = portal_form_get(req, "new_password");
    confirm = portal_form_get(req, "confirm_password");
    fresh = fresh ? fresh : "";
    errors = pt_json_pool(p, json_object());
    bad = pt_validate_password(fresh, pt_row_get(row, "username"));
    if (bad) {
        json_object_set_new(errors, "new_password", json_string(bad));
    }
    else if (!confirm || strcmp(fresh, confirm)) {
        json_object_set_new(errors, "confirm_password", json_string(
                            "The two new passwords do not match."));
    }
    if (json_object_size(errors)) {
        return reset_page(req, HTTP_BAD_REQUEST, tok, "Your password was "
                          "not changed.", errors);
    }
    rc = portal_pw_hash(req, fresh, &hash);
    if (rc == HTTP_SERVICE_UNAVAILABLE) {
        return portal_busy(req, NULL);
    }
    if (rc != OK) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR, "Your new "
                            "password could not be stored safely. Nothing "
                            "was changed; please try again.");
    }
    uid = pt_row_get(row, "user_id");
    /* one transaction: the token, the password, the end of every session,
     * the confirmed address (the link proved it) and the notice mail */
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
        return portal_db_fail(req, "a password reset");
    }
    db->errmsg = NULL;
    if (pt_db_exec(db, "token_use", &used,
                   PT_ARGS(pt_i64(p, now_sec()),
                           pt_sha256_hex(p, tok, strlen(tok))))
        != APR_SUCCESS || used != 1
        || pt_db_exec(db, "user_set_password", NULL,
                      PT_ARGS(hash, pt_i64(p, now_sec()), uid))
           != APR_SUCCESS
        || pt_db_exec(db, "sessions_delete_user", NULL, PT_ARGS(uid))
           != APR_SUCCESS
        || pt_db_exec(db, "user_verify_email", NULL,
                      PT_ARGS(pt_i64(p, now_sec()), uid)) != APR_SUCCESS
        || portal_queue_password_notice(req, db, pt_row_get(row, "email"),
                                        pt_row_get(row, "first_name"))
           != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        if (used != 1 && db->errmsg == NULL) {
            return reset_link_dead(req, "This link was already used.");
        }
        return portal_db_fail(req, "a password reset");
    }
    if (pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        return portal_db_fail(req, "a password reset");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0702)
                  "user %s reset their password from %s",
                  pt_row_get(row, "uuid"), r->useragent_ip);
    /* the mailbox is proven: whatever guessing closed the account to new
     * addresses is over for its owner */
    portal_throttle_forget_account(req, pt_row_get(row, "uuid"));
    /* this browser's session (if any) ended with all the others */
    if (req->session_hash) {
        portal_session_destroy(req);
    }
    return portal_redirect(req, "/login?reset=1");
}

apr_status_t portal_queue_password_notice(portal_req_t *req, pt_db_t *db,
                                          const char *email,
                                          const char *first_name)
{
    apr_pool_t *p = req->r->pool;
    json_t *d = pt_json_pool(p, json_pack(
        "{s:s, s:s, s:s, s:s}", "first_name", first_name,
        "when", pt_fmt_time(p, now_sec()),
        "ip", req->r->useragent_ip,
        "forgot_link", portal_link(req, "/forgot_password")));

    return portal_mail_queue(req->r->server, db, p, "password_changed", d,
                             email, first_name);
}

/* ------------------------------------------------------------ sessions */

json_t *portal_sessions_json(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = now_sec();
    apr_array_header_t *rows;
    pt_db_t *db = portal_db_get(req);
    json_t *list = json_array();
    int i;

    if (!db || pt_db_select(db, "sessions_of_user", &rows,
                            PT_ARGS(pt_i64(p, req->user->id),
                                    pt_i64(p, now),
                                    pt_i64(p, now
                                               - portal_conf_session_idle(
                                                   req->conf))))
               != APR_SUCCESS) {
        return list;
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        const char *id = pt_row_get(row, "id_hash");
        const char *ua = pt_row_get(row, "user_agent");

        json_array_append_new(list, json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:b}",
            "id", id,
            "signed_in", pt_fmt_time(p, pt_row_int(row, "created_at")),
            "last_seen", pt_fmt_time(p, pt_row_int(row,
                                                       "last_seen_at")),
            "ip", pt_row_get(row, "ip"),
            "browser", pt_ua_summary(p, ua),
            "current", req->session_hash && !strcmp(id, req->session_hash)));
    }
    return list;
}

/* POST /sessions/revoke (session=ID) and /sessions/revoke_others */
static int sessions_post(portal_req_t *req, int others)
{
    apr_pool_t *p = req->r->pool;
    const char *id;
    pt_db_t *db;
    int rc, n = 0;

    if (!portal_form_csrf(req, portal_error, &rc)) {
        return rc;
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "signing out sessions");
    }
    if (others) {
        if (pt_db_exec(db, "session_delete_others", &n,
                       PT_ARGS(pt_i64(p, req->user->id),
                               req->session_hash))
            != APR_SUCCESS) {
            return portal_db_fail(req, "signing out sessions");
        }
        return portal_redirect(req, "/dashboard?signed_out_others=1");
    }
    id = portal_form_get(req, "session");
    if (!id || strlen(id) != 64) {
        return portal_error(req, HTTP_BAD_REQUEST, "Choose a session to "
                            "sign out.");
    }
    if (req->session_hash && !strcmp(id, req->session_hash)) {
        if (portal_session_destroy(req) != APR_SUCCESS) {
            return portal_db_fail(req, "signing out");
        }
        return portal_redirect(req, "/login?signed_out=1");
    }
    if (pt_db_exec(db, "session_delete_of_user", &n,
                   PT_ARGS(id, pt_i64(p, req->user->id))) != APR_SUCCESS) {
        return portal_db_fail(req, "signing out a session");
    }
    if (n != 1) {
        return portal_error(req, HTTP_NOT_FOUND, "That session has already "
                            "ended.");
    }
    return portal_redirect(req, "/dashboard?signed_out_session=1");
}

int portal_session_revoke_post(portal_req_t *req)
{
    return sessions_post(req, 0);
}

int portal_sessions_revoke_others_post(portal_req_t *req)
{
    return sessions_post(req, 1);
}
