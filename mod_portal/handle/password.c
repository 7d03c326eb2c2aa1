/*
 * password.c -- changing the password of the signed-in account: the
 * current password checked under the throttle (the sign-in's secret, the
 * same records), the new one hashed under the argon2 gate, and with
 * PortalPasswordChangeCode a mailed 6-digit code to confirm it.  Every
 * POST checks its CSRF token before anything else.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_mac.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

/* A password field exactly as typed. */
static const char *secret_field(portal_req_t *req, const char *name)
{
    const char *v = portal_form_get(req, name);

    return v ? v : "";
}

static void check(json_t *errors, const char *name, const char *msg)
{
    if (msg && !json_object_get(errors, name)) {
        json_object_set_new(errors, name, json_string(msg));
    }
}

static int apply_password(portal_req_t *req, pt_db_t *db, const char *uid,
                          const char *hash, const char *code_id);
static int send_change_code(portal_req_t *req, pt_db_t *db, const char *uid,
                            const char *hash);

static int password_page_with(portal_req_t *req, int status,
                              const char *error, json_t *errors)
{
    json_t *d = portal_page_data(req, "Change password");

    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (errors) {
        json_object_set(d, "errors", errors);
    }
    return portal_render(req, status, "change_password", d);
}

static int password_page(portal_req_t *req, int status, const char *error)
{
    return password_page_with(req, status, error, NULL);
}

int portal_change_password_get(portal_req_t *req)
{
    return password_page(req, HTTP_OK, NULL);
}

int portal_change_password_post(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *cur, *fresh, *confirm, *hash, *uid;
    json_t *errors;
    pt_row_t *row;
    pt_db_t *db;
    portal_guard_t g;
    pt_pw_check_t c;
    apr_int64_t retry;
    int rc;

    if (!portal_form_csrf(req, password_page, &rc)) {
        return rc;
    }
    cur = secret_field(req, "current_password");
    fresh = secret_field(req, "new_password");
    confirm = secret_field(req, "confirm_password");
    errors = json_object();
    pt_json_pool(r->pool, errors);
    if (!*cur) {
        check(errors, "current_password", "Enter your current password.");
    }
    check(errors, "new_password",
          pt_validate_password(fresh, req->user->username));
    if (strcmp(fresh, confirm)) {
        check(errors, "confirm_password", "The two new passwords do not "
              "match.");
    }
    if (*cur && !strcmp(cur, fresh)) {
        check(errors, "new_password", "Choose a password different from "
              "the current one.");
    }
    if (json_object_size(errors)) {
        return password_page_with(req, HTTP_BAD_REQUEST,
                                  "Your password was not changed.", errors);
    }

    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "changing a password");
    }
    uid = pt_i64(r->pool, req->user->id);
    if (pt_db_one(db, "user_by_id", &row, PT_ARGS(uid)) != APR_SUCCESS
        || !row) {
        return portal_db_fail(req, "changing a password");
    }
    /* the current password is the sign-in secret: the same records */
    memset(&g, 0, sizeof(g));
    g.purpose = "password";
    g.account = apr_pstrcat(r->pool, "u:", req->user->uuid, NULL);
    g.shown = req->user->username;
    g.known_ip = portal_known_address(req, db, uid);
    retry = portal_guard_begin(req, &g);
    if (retry) {
        return portal_throttled(req, retry, password_page);
    }
    if (portal_pw_check(req, cur, pt_row_get(row, "password_hash"), &c)
        != OK) {
        portal_guard_failure(req, &g);
        return portal_busy(req, password_page);
    }
    if (!c.match) {
        portal_guard_failure(req, &g);
        check(errors, "current_password", "Your current password is not "
              "correct.");
        if (g.then > 0) {
            apr_table_setn(r->err_headers_out, "Retry-After",
                           pt_i64(r->pool, g.then));
            return password_page_with(req, HTTP_TOO_MANY_REQUESTS,
                                      apr_pstrcat(r->pool, "Your password "
                                                  "was not changed. ",
                                                  portal_throttle_message(
                                                      r->pool, g.then),
                                                  NULL), errors);
        }
        return password_page_with(req, HTTP_BAD_REQUEST,
                                  "Your password was not changed.", errors);
    }
    portal_guard_success(req, &g);
    rc = portal_pw_hash(req, fresh, &hash);
    if (rc == HTTP_SERVICE_UNAVAILABLE) {
        return portal_busy(req, password_page);
    }
    if (rc != OK) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "Your new password could not be stored safely. "
                            "Nothing was changed; please try again.");
    }
    if (req->change_code) {
        return send_change_code(req, db, uid, hash);
    }
    return apply_password(req, db, uid, hash, NULL);
}

/* Is stored the stored form of code for account uid?  A MAC under the
 * portal's key (a plain hash of six digits would be a million guesses
 * away); of the earlier form for a change that began before the MACs
 * were labelled (the code row's created_at). */
static int code_matches(portal_req_t *req, const char *uid, const char *code,
                        const char *stored, apr_int64_t created)
{
    apr_int64_t since = portal_conf_mac_since(req->conf);

    return pt_mac_verify(req->r->pool, portal_conf_secret(req->conf),
                         PORTAL_SECRET_BYTES, PT_MAC_CHANGE_CODE,
                         PT_MAC_PARTS(uid, code), stored,
                         since > 0 && created < since) != PT_MAC_BAD;
}

/* Set the new password hash in one transaction with the end of the
 * user's other sessions, the notice mail, and (for a change confirmed by
 * code) the use of the code. */
static int apply_password(portal_req_t *req, pt_db_t *db, const char *uid,
                          const char *hash, const char *code_id)
{
    request_rec *r = req->r;
    int used = 1;

    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
        return portal_db_fail(req, "changing a password");
    }
    if ((code_id && (pt_db_exec(db, "token_use", &used,
                                PT_ARGS(pt_i64(r->pool, apr_time_sec(
                                    apr_time_now())), code_id))
                     != APR_SUCCESS || used != 1))
        || pt_db_exec(db, "user_set_password", NULL,
                      PT_ARGS(hash, pt_i64(r->pool, apr_time_sec(
                          apr_time_now())), uid)) != APR_SUCCESS
        /* whoever else was signed in with the old password is signed out */
        || pt_db_exec(db, "session_delete_others", NULL,
                      PT_ARGS(uid, req->session_hash)) != APR_SUCCESS
        || portal_queue_password_notice(req, db, req->user->email,
                                        req->user->first_name)
           != APR_SUCCESS
        || pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        if (used != 1) {
            return password_page(req, HTTP_BAD_REQUEST, "That code was "
                                 "already used. Start again.");
        }
        return portal_db_fail(req, "changing a password");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0408)
                  "user %s changed their password", req->user->uuid);
    return portal_redirect(req, "/dashboard?password_changed=1");
}

static int code_page(portal_req_t *req, int status, const char *error)
{
    json_t *d = portal_page_data(req, "Confirm your new password");

    json_object_set_new(d, "email", json_string(req->user->email));
    json_object_set_new(d, "minutes", json_integer(
                        PORTAL_CODE_LIFETIME / 60));
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    return portal_render(req, status, "change_password_code", d);
}

/* PortalPasswordChangeCode On: mail a 6-digit code; the new password
 * (hashed) waits with it until the code comes back.  The code is made
 * when the mail is sent (only its HMAC is stored, as this row's id): until
 * then the row's id is a placeholder that no code matches. */
static int send_change_code(portal_req_t *req, pt_db_t *db, const char *uid,
                            const char *hash)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *ref;
    portal_mail_t m;

    if (pt_uuid_new(p, &ref) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR, "No code could "
                            "be made. Nothing was changed; please try "
                            "again.");
    }
    ref = apr_pstrcat(p, "mail:", ref, NULL);
    memset(&m, 0, sizeof(m));
    m.name = "change_code";
    m.data = pt_json_pool(p, json_pack("{s:s, s:i}", "first_name",
                                           req->user->first_name, "minutes",
                                           PORTAL_CODE_LIFETIME / 60));
    m.to_addr = req->user->email;
    m.to_name = req->user->first_name;
    m.secret = "change_password";
    m.user_id = uid;
    m.secret_ref = ref;
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
        || pt_db_exec(db, "tokens_retire", NULL,
                      PT_ARGS(pt_i64(p, now), uid, "change_password"))
           != APR_SUCCESS
        || pt_db_exec(db, "token_insert", NULL,
                      PT_ARGS(ref, uid, "change_password", pt_i64(p, now),
                              pt_i64(p, now + PORTAL_CODE_LIFETIME), hash))
           != APR_SUCCESS
        || portal_mail_put(req->r->server, db, p, &m) != APR_SUCCESS
        || pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        return portal_db_fail(req, "sending a confirmation code");
    }
    return code_page(req, HTTP_OK, NULL);
}

/* POST /change_password/confirm (code): at most PORTAL_CODE_ATTEMPTS
 * tries per code, counted on the code itself by one update that takes a
 * try only while one is left (so parallel guesses cannot pass the limit),
 * and the account's wrong codes budgeted by the throttle (purpose
 * "code") across codes. */
int portal_change_password_confirm(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = apr_time_sec(apr_time_now()), retry, attempts;
    const char *code, *uid, *stored;
    portal_guard_t g;
    pt_row_t *row;
    pt_db_t *db;
    int rc, took = 0;

    if (!portal_form_csrf(req, password_page, &rc)) {
        return rc;
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "confirming a password change");
    }
    uid = pt_i64(p, req->user->id);
    if (pt_db_one(db, "code_pending", &row,
                  PT_ARGS(uid, "change_password")) != APR_SUCCESS) {
        return portal_db_fail(req, "confirming a password change");
    }
    if (!row) {
        return password_page(req, HTTP_BAD_REQUEST, "No password change "
                             "is waiting for a code. Start again.");
    }
    stored = pt_row_get(row, "id_hash");
    if (pt_row_int(row, "expires_at") <= now) {
        pt_db_exec(db, "tokens_retire", NULL,
                   PT_ARGS(pt_i64(p, now), uid, "change_password"));
        return password_page(req, HTTP_BAD_REQUEST, "The code has expired. "
                             "Your password was not changed; start again.");
    }
    memset(&g, 0, sizeof(g));
    g.purpose = "code";
    g.no_backoff = 1;
    g.account = apr_pstrcat(p, "u:", req->user->uuid, NULL);
    g.shown = req->user->username;
    retry = portal_guard_begin(req, &g);
    if (retry) {
        return portal_throttled(req, retry, code_page);
    }
    /* take a try: one row changes only while tries are left */
    if (pt_db_exec(db, "code_attempt", &took,
                   PT_ARGS(stored, pt_i64(p, PORTAL_CODE_ATTEMPTS),
                           pt_i64(p, now))) != APR_SUCCESS) {
        portal_guard_failure(req, &g);
        return portal_db_fail(req, "confirming a password change");
    }
    if (took != 1) {
        portal_guard_failure(req, &g);
        pt_db_exec(db, "tokens_retire", NULL,
                   PT_ARGS(pt_i64(p, now), uid, "change_password"));
        return password_page(req, HTTP_BAD_REQUEST, "Too many wrong codes. "
                             "Your password was not changed; start again.");
    }
    code = portal_form_field(req, "code");
    if (strlen(code) != 6 || strspn(code, "0123456789") != 6
        || !code_matches(req, uid, code, stored,
                         pt_row_int(row, "created_at"))) {
        pt_row_t *now_row = NULL;

        portal_guard_failure(req, &g);
        attempts = PORTAL_CODE_ATTEMPTS;
        if (pt_db_one(db, "code_attempts", &now_row, PT_ARGS(stored))
            == APR_SUCCESS && now_row) {
            attempts = pt_row_int(now_row, "attempts");
        }
        if (attempts >= PORTAL_CODE_ATTEMPTS) {
            pt_db_exec(db, "tokens_retire", NULL,
                       PT_ARGS(pt_i64(p, now), uid, "change_password"));
            return password_page(req, HTTP_BAD_REQUEST, "Too many wrong "
                                 "codes. Your password was not changed; "
                                 "start again.");
        }
        return code_page(req, HTTP_BAD_REQUEST, apr_psprintf(p,
                         "That code is not right. %d tries left.",
                         (int)(PORTAL_CODE_ATTEMPTS - attempts)));
    }
    portal_guard_success(req, &g);
    return apply_password(req, db, uid, pt_row_get(row, "data"), stored);
}
