/*
 * account.c -- the life of an account after sign-up: confirming
 * the email address, recovering a forgotten password, and the user's
 * sessions.
 *
 * Links carry a single-use 256-bit token; the auth_tokens table holds only
 * its SHA-256, with an expiry, and `token_use` marks it used in a way only
 * one of two racing requests can.  "Forgot password" answers the same
 * whether or not the address has an account, and does the same work
 * either way: it queues the request, and the mail job decides what to
 * send (model/mail.c).
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_validate.h"
#include "pt_ua.h"

APLOG_USE_MODULE(portal);

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

/* ------------------------------------------------------------ helpers */

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
    if (!portal_token_live(req, db, tok, "reset_password", &why,
                               &failed)) {
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
    row = portal_token_live(req, db, tok, "reset_password", &why,
                               &failed);
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

