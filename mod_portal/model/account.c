/*
 * account.c -- making accounts (self sign-up on the web and over the API,
 * and accounts an admin creates with a role), and the single-use links
 * mailed to them (confirming the address, resetting the password).
 *
 * Every field is validated by the core (pt_validate), the password hashed
 * with argon2id, and the account and its confirmation token (and mail)
 * written in one transaction: nothing half-made is left behind.
 *
 * A self sign-up (the web form, the API) must not tell who has an
 * account: once the form is valid it is an anonymous write under the
 * throttle; a taken username may be reported then, but a taken email
 * address is answered exactly as a new one, with the same work, and its
 * owner is mailed instead (taken_address).
 *
 * Links carry a single-use 256-bit token; the auth_tokens table holds only
 * its SHA-256, with an expiry, and `token_use` marks it used in a way only
 * one of two racing requests can.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_account.h"
#include "pt_validate.h"
#include "pt_crypto.h"

APLOG_USE_MODULE(portal);

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

static void check(json_t *errors, const char *name, const char *msg)
{
    if (msg && !json_object_get(errors, name)) {
        json_object_set_new(errors, name, json_string(msg));
    }
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

void portal_new_user_from_form(portal_req_t *req, portal_new_user_t *nu,
                               const char *role)
{
    const char *pw = portal_form_get(req, "password");

    memset(nu, 0, sizeof(*nu));
    nu->username = portal_form_field(req, "username");
    nu->email = portal_form_field(req, "email");
    nu->first_name = portal_form_field(req, "first_name");
    nu->last_name = portal_form_field(req, "last_name");
    nu->address = portal_form_field(req, "address");
    nu->password = pw ? pw : "";
    nu->role = role;
}

/* Issue a single-use link token (retiring the user's older ones of the
 * same purpose); *token is what goes in the link. */
static apr_status_t token_issue(portal_req_t *req, pt_db_t *db,
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

/* A self sign-up with an address that already has an account: the same
 * answer and the same work as a new account (the argon2 hash, a uuid, a
 * transaction that queues a mail), but the mail goes to the address's
 * owner ("someone tried to create an account with your address") and no
 * account is made.  *verify_token (PortalAPIReturnVerifyURL) gets a
 * token of the same shape that opens nothing. */
static int taken_address(portal_req_t *req, pt_db_t *db,
                         portal_new_user_t *nu, const char *elc,
                         const char **uuid, const char **verify_token)
{
    request_rec *r = req->r;
    apr_pool_t *p = r->pool;
    const char *hash;
    pt_row_t *owner = NULL;
    json_t *d;
    int rc;

    rc = portal_pw_hash(req, nz(nu->password), &hash);
    if (rc != OK) {
        nu->busy = rc == HTTP_SERVICE_UNAVAILABLE;
        return rc;
    }
    if (pt_uuid_new(p, uuid) != APR_SUCCESS
        || (verify_token && pt_token_new(p, verify_token) != APR_SUCCESS)) {
        *uuid = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (pt_db_one(db, "user_by_email", &owner, PT_ARGS(elc)) != APR_SUCCESS) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (owner) {
        d = pt_json_pool(p, json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s}",
            "first_name", pt_row_get(owner, "first_name"),
            "username", pt_row_get(owner, "username"),
            "when", pt_fmt_time(p, apr_time_sec(apr_time_now())),
            "ip", r->useragent_ip,
            "login_link", portal_link(req, "/login"),
            "forgot_link", portal_link(req, "/forgot_password")));
        if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
            || portal_mail_queue(r->server, db, p, "signup_attempt", d,
                                 pt_row_get(owner, "email"),
                                 pt_row_get(owner, "first_name"))
               != APR_SUCCESS
            || pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
            pt_db_run_named(db, "tx_rollback");
            return HTTP_SERVICE_UNAVAILABLE;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(1031)
                      "sign-up from %s with the address of user %s: no "
                      "account made, its owner notified", r->useragent_ip,
                      pt_row_get(owner, "uuid"));
    }
    return OK;
}

int portal_user_create(portal_req_t *req, portal_new_user_t *nu,
                       const char **uuid, const char **verify_token,
                       json_t **errors_out)
{
    request_rec *r = req->r;
    const char *email = nz(nu->email), *pw = nz(nu->password);
    const char *elc, *hash, *id = NULL;
    const apr_array_header_t *bad;
    apr_table_t *problems;
    pt_account_t a;
    json_t *errors;
    pt_db_t *db;
    apr_status_t rv;
    int rc, i, utaken, etaken;

    *uuid = NULL;
    nu->retry = 0;
    nu->busy = 0;
    if (verify_token) {
        *verify_token = NULL;
    }
    errors = pt_json_pool(r->pool, json_object());
    *errors_out = errors;
    memset(&a, 0, sizeof(a));
    a.username = nz(nu->username);
    a.email = email;
    a.first_name = nu->first_name;
    a.last_name = nu->last_name;
    a.address = nu->address;
    a.role = nu->role;
    problems = pt_account_check(r->pool, &a, pw, 0);
    if (problems) {
        bad = apr_table_elts(problems);
        for (i = 0; i < bad->nelts; i++) {
            const apr_table_entry_t *e = &APR_ARRAY_IDX(bad, i,
                                                        apr_table_entry_t);

            check(errors, e->key, e->val);
        }
        return HTTP_BAD_REQUEST;
    }
    if (nu->self_signup) {
        /* a valid form: an anonymous write from this address, and a mail
         * to that one (whether the address is new or taken) */
        nu->retry = portal_throttle_write(req, "signup", email);
        if (nu->retry) {
            return HTTP_TOO_MANY_REQUESTS;
        }
    }

    db = portal_db_get(req);
    if (!db) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    elc = pt_ascii_lower(r->pool, email);
    if (pt_account_taken(db, a.username, email, &utaken, &etaken)
        != APR_SUCCESS) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (utaken) {
        check(errors, "username", "That username is already taken.");
        return HTTP_CONFLICT;
    }
    if (etaken) {
        if (nu->self_signup) {
            return taken_address(req, db, nu, elc, uuid, verify_token);
        }
        check(errors, "email", "An account with this email address "
              "already exists.");
        return HTTP_CONFLICT;
    }

    rc = portal_pw_hash(req, pw, &hash);
    if (rc != OK) {
        nu->busy = rc == HTTP_SERVICE_UNAVAILABLE;
        return rc;
    }
    /* the account and its confirmation (token, mail), or neither */
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rv = pt_account_insert(db, &a, hash, now_sec(), nu->verified, uuid,
                           nu->verified ? NULL : &id);
    if (rv == APR_SUCCESS && id && nu->mail_link) {
        rv = portal_send_verification(req, db, id, email, nu->first_name);
    }
    else if (rv == APR_SUCCESS && id && verify_token) {
        rv = token_issue(req, db, id, "verify_email",
                         portal_conf_verify_lifetime(req->conf),
                         verify_token);
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv != APR_SUCCESS) {
        const char *msg = db->errmsg;

        pt_db_run_named(db, "tx_rollback");
        *uuid = NULL;
        /* lost a race with another registration of the same name? */
        if (pt_account_taken(db, a.username, email, &utaken, &etaken)
            == APR_SUCCESS && (utaken || etaken)) {
            if (nu->self_signup && !utaken) {
                /* the address was taken meanwhile: as above */
                return taken_address(req, db, nu, elc, uuid, verify_token);
            }
            check(errors, "username", nu->self_signup
                  ? "That username is already taken."
                  : "That username or email address is already taken.");
            return HTTP_CONFLICT;
        }
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0420)
                      "creating an account: %s", msg ? msg : "failed");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0406)
                  "created %s account %s from %s%s", nu->role, *uuid,
                  r->useragent_ip, req->user ? apr_pstrcat(
                      r->pool, " by ", req->user->uuid, NULL) : "");
    return OK;
}

/* ------------------------------------------------------------ links */


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
pt_row_t *portal_token_live(portal_req_t *req, pt_db_t *db,
                            const char *tok, const char *purpose,
                            const char **why, int *failed)
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

int portal_email_confirm(portal_req_t *req, const char *tok,
                         const char **why)
{
    pt_db_t *db = portal_db_get(req);
    pt_row_t *row;
    int failed, used = 0;

    if (!db) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    row = portal_token_live(req, db, tok, "verify_email", why, &failed);
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
