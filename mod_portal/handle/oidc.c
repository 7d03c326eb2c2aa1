/*
 * oidc.c -- "Sign in with Google" (or any OpenID Connect
 * provider), the httpd way: mod_auth_openidc protects <mount>/oidc/login,
 * does the whole protocol (redirects, code exchange, ID token signature,
 * nonce, audience, expiry) and hands us the verified claims in the
 * request's environment.  We only read them there (never from headers,
 * which a client can send), and only when the request was authenticated
 * with AuthType openid-connect.
 *
 * A known email signs that account in, once its address was confirmed.
 * An account whose address was never confirmed may have been registered
 * by anyone who typed the address, with their own password: it is never
 * adopted as it is.  One that was never used is replaced (deleted with its
 * sessions, tokens, links and files, then made anew); one that has been
 * used (where PortalEmailVerification is Off, sign-up confirms nothing)
 * keeps what it holds but loses its password, sessions, mailed links and
 * API tokens before the provider's person gets it, so that whoever
 * registered it is locked out while a person who simply never confirmed
 * their own address loses no file.  Both cases are logged.  A new person
 * first
 * completes a profile (/complete-profile): until then nothing is stored;
 * the verified identity travels in a short-lived cookie signed with the
 * portal's key.
 * Without mod_auth_openidc the route simply explains that it is not set
 * up, and the rest of the portal works as before.
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "apr_lib.h"
#include "http_core.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_validate.h"
#include "pt_account.h"
#include "pt_pending.h"

APLOG_USE_MODULE(portal);

#define PENDING_COOKIE "portal_oidc"

static const char *claim(request_rec *r, const char *name)
{
    const char *v = apr_table_get(r->subprocess_env,
                                  apr_pstrcat(r->pool, "OIDC_CLAIM_", name,
                                              NULL));

    return v && *v ? v : NULL;
}

/* The pending identity from its cookie (pt_pending.c), or NULL. */
static pt_pending_t *pending_identity(portal_req_t *req)
{
    const char *c = portal_cookie_get(req->r, portal_cookie_name(
                                      req, PENDING_COOKIE));
    pt_pending_t *id = apr_pcalloc(req->r->pool, sizeof(*id));

    if (pt_pending_parse(req->r->pool, portal_conf_secret(req->conf),
                         PORTAL_SECRET_BYTES, c, apr_time_sec(apr_time_now()),
                         portal_conf_mac_since(req->conf), id)
        != APR_SUCCESS) {
        return NULL;
    }
    return id;
}

static void set_pending(portal_req_t *req, const char *email,
                        const char *given, const char *family)
{
    pt_pending_t id;
    const char *v;

    id.email = email;
    id.given = given;
    id.family = family;
    id.exp = apr_time_sec(apr_time_now()) + PT_PENDING_LIFETIME;
    v = pt_pending_make(req->r->pool, portal_conf_secret(req->conf),
                        PORTAL_SECRET_BYTES, &id);
    if (v) {
        portal_cookie_set(req, portal_cookie_name(req, PENDING_COOKIE), v,
                          PT_PENDING_LIFETIME);
    }
}

/* Sign the account in: a session, the login recorded, the address
 * confirmed (the provider vouched for it). */
static int sign_in(portal_req_t *req, pt_db_t *db, const char *uid)
{
    request_rec *r = req->r;
    apr_int64_t now = apr_time_sec(apr_time_now());

    if (pt_db_exec(db, "user_record_login", NULL,
                   PT_ARGS(pt_i64(r->pool, now), r->useragent_ip, uid))
        != APR_SUCCESS
        || pt_db_exec(db, "user_verify_email", NULL,
                      PT_ARGS(pt_i64(r->pool, now), uid)) != APR_SUCCESS
        || portal_session_create(req, apr_atoi64(uid)) != APR_SUCCESS) {
        return portal_db_fail(req, "signing in with the identity provider");
    }
    return portal_redirect(req, "/dashboard");
}

/* The provider vouches for an address that an account holds without ever
 * having confirmed it: whoever registered it (with a password of their
 * choosing) need not be the address's owner, so the account is deleted
 * in one transaction with everything that hangs on it (sessions, tokens,
 * outbox secrets, links, files: their stored objects are left to the
 * store-cleanup job), and the provider's person starts as a new user.
 * Nothing of value is lost: an unconfirmed account could not sign in
 * where confirmation is required.  1 when replaced, 0 when it was
 * confirmed or disabled meanwhile, -1 on a database error. */
static int replace_unconfirmed(portal_req_t *req, pt_db_t *db,
                               const pt_row_t *row)
{
    const char *id = pt_row_get(row, "id");
    int n = 0;

    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
        || pt_db_exec(db, "pending_insert_all", NULL, PT_ARGS(id))
           != APR_SUCCESS
        || pt_db_exec(db, "user_delete_unconfirmed", &n, PT_ARGS(id))
           != APR_SUCCESS
        || pt_db_run_named(db, n == 1 ? "tx_commit" : "tx_rollback")
           != APR_SUCCESS) {
        const char *msg = db->errmsg;

        pt_db_run_named(db, "tx_rollback");
        db->errmsg = msg;
        return -1;
    }
    if (n != 1) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r, PORTAL_LOGNO(1110)
                  "identity-provider sign-in from %s for the address of "
                  "unconfirmed user %s: that account was deleted (its "
                  "password, sessions and tokens with it) and the "
                  "provider's person starts as a new user",
                  req->r->useragent_ip, pt_row_get(row, "uuid"));
    return 1;
}

/* The provider vouches for the address of an account that has been used
 * without ever confirming it: the account is kept (it may hold the files
 * of a person who never confirmed their own address) but whoever chose
 * its password is locked out, in one transaction: the password, every
 * session, every mailed link and code, and the API tokens issued so far
 * (password_changed_at) go; the address counts as confirmed.  1 when
 * wiped, 0 when confirmed or disabled meanwhile, -1 on a database error. */
static int wipe_unconfirmed(portal_req_t *req, pt_db_t *db,
                            const pt_row_t *row)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *id = pt_row_get(row, "id");
    int n = 0;

    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
        || pt_db_exec(db, "user_wipe_unconfirmed", &n,
                      PT_ARGS(pt_i64(p, now + 1), pt_i64(p, now), id))
           != APR_SUCCESS
        || (n == 1
            && (pt_db_exec(db, "sessions_delete_user", NULL, PT_ARGS(id))
                != APR_SUCCESS
                || pt_db_exec(db, "tokens_delete_user", NULL, PT_ARGS(id))
                   != APR_SUCCESS))
        || pt_db_run_named(db, n == 1 ? "tx_commit" : "tx_rollback")
           != APR_SUCCESS) {
        const char *msg = db->errmsg;

        pt_db_run_named(db, "tx_rollback");
        db->errmsg = msg;
        return -1;
    }
    if (n != 1) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r, PORTAL_LOGNO(1111)
                  "identity-provider sign-in from %s for the address of "
                  "user %s, used but never confirmed: its password, "
                  "sessions, mailed links and API tokens were wiped and the "
                  "provider's person takes it over", req->r->useragent_ip,
                  pt_row_get(row, "uuid"));
    return 1;
}

int portal_oidc_login_get(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *type = ap_auth_type(r);
    const char *email = claim(r, "email");
    const char *verified = claim(r, "email_verified");
    pt_row_t *row;
    pt_db_t *db;

    if (!type || strcasecmp(type, "openid-connect") || !r->user || !email) {
        return portal_error(req, HTTP_NOT_FOUND, "Signing in with an "
                            "identity provider is not set up on this site.");
    }
    if (!verified || (strcmp(verified, "1") && strcasecmp(verified, "true"))
        || pt_validate_email(email)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0850)
                      "refused an identity without a verified email");
        return portal_error(req, HTTP_FORBIDDEN, "Your identity provider has "
                            "not confirmed your email address, so it cannot "
                            "be used to sign in here. Confirm it with the "
                            "provider, or create an account with a "
                            "password.");
    }
    db = portal_db_get(req);
    if (!db || pt_db_one(db, "user_by_email", &row,
                         PT_ARGS(pt_ascii_lower(r->pool, email)))
               != APR_SUCCESS) {
        return portal_db_fail(req, "signing in with the identity provider");
    }
    if (row && pt_row_get(row, "disabled_at")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0851)
                      "refused the identity-provider sign-in of disabled "
                      "user %s", pt_row_get(row, "uuid"));
        return portal_error(req, HTTP_FORBIDDEN, "This account is disabled. "
                            "Ask an administrator to enable it again.");
    }
    if (row && !pt_row_get(row, "email_verified_at")
        && pt_row_get(row, "last_login_at")) {
        int wiped = wipe_unconfirmed(req, db, row);

        if (wiped < 0) {
            return portal_db_fail(req, "signing in with the identity "
                                  "provider");
        }
        if (wiped == 0) {
            return portal_error(req, HTTP_CONFLICT, "This address is "
                                "changing hands right now. Please try "
                                "again.");
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(1112)
                      "user %s signed in through the identity provider",
                      pt_row_get(row, "uuid"));
        return sign_in(req, db, pt_row_get(row, "id"));
    }
    if (row && !pt_row_get(row, "email_verified_at")) {
        int replaced = replace_unconfirmed(req, db, row);

        if (replaced < 0) {
            return portal_db_fail(req, "signing in with the identity "
                                  "provider");
        }
        if (replaced > 0) {
            row = NULL;
        }
        else if (pt_db_one(db, "user_by_email", &row,
                           PT_ARGS(pt_ascii_lower(r->pool, email)))
                 != APR_SUCCESS) {
            return portal_db_fail(req, "signing in with the identity "
                                  "provider");
        }
        if (row && (!pt_row_get(row, "email_verified_at")
                    || pt_row_get(row, "disabled_at"))) {
            return portal_error(req, HTTP_CONFLICT, "This address is "
                                "changing hands right now. Please try "
                                "again.");
        }
    }
    if (row) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0802)
                      "user %s signed in through the identity provider",
                      pt_row_get(row, "uuid"));
        return sign_in(req, db, pt_row_get(row, "id"));
    }
    set_pending(req, email, claim(r, "given_name"), claim(r, "family_name"));
    return portal_redirect(req, "/complete-profile");
}

/* ------------------------------------------------------------ profile */

static const char *const profile_fields[] = {
    "username", "first_name", "last_name", "address", NULL
};

static int profile_page(portal_req_t *req, int status,
                        const pt_pending_t *id,
                        const char *error, json_t *errors)
{
    json_t *d = portal_page_data(req, "Complete your profile");
    json_t *form = json_object();
    int i;

    for (i = 0; profile_fields[i]; i++) {
        json_object_set_new(form, profile_fields[i], json_string(
                            portal_form_field(req, profile_fields[i])));
    }
    if (!req->form) {
        const char *email = id->email;
        apr_size_t n = strcspn(email, "@");
        char *u = apr_pstrmemdup(req->r->pool, email, n);
        char *c;

        for (c = u; *c; c++) {
            if (!apr_isalnum(*c) && *c != '.' && *c != '-' && *c != '_') {
                *c = '_';
            }
        }
        json_object_set_new(form, "username", json_string(
                            pt_validate_username(u) ? "" : u));
        json_object_set_new(form, "first_name", json_string(id->given));
        json_object_set_new(form, "last_name", json_string(id->family));
    }
    json_object_set_new(d, "form", form);
    json_object_set_new(d, "email", json_string(id->email));
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (errors) {
        json_object_set(d, "errors", errors);
    }
    return portal_render(req, status, "complete_profile", d);
}

static int no_pending(portal_req_t *req)
{
    return portal_error(req, HTTP_BAD_REQUEST, "There is no sign-in with an "
                        "identity provider waiting for a profile (it is "
                        "valid for 15 minutes). Start again from the "
                        "sign-in page.");
}

int portal_complete_profile_get(portal_req_t *req)
{
    pt_pending_t *id = pending_identity(req);

    if (req->user) {
        return portal_redirect(req, "/dashboard");
    }
    return id ? profile_page(req, HTTP_OK, id, NULL, NULL) : no_pending(req);
}

int portal_complete_profile_post(portal_req_t *req)
{
    request_rec *r = req->r;
    apr_pool_t *p = r->pool;
    pt_pending_t *id = pending_identity(req);
    json_t *errors;
    const char *msg, *username, *first, *last, *address, *email, *bad;
    const char *uuid, *uid, *ulc, *elc;
    pt_account_t a;
    pt_row_t *row;
    pt_db_t *db;
    int rc;

    if (!id) {
        return no_pending(req);
    }
    rc = portal_read_form(req, &msg);
    if (rc != OK) {
        return portal_error(req, rc, msg);
    }
    if (!portal_csrf_check(req)) {
        return profile_page(req, HTTP_FORBIDDEN, id, "This form has expired "
                            "or did not come from this site, so nothing was "
                            "saved. Please try again.", NULL);
    }
    username = portal_form_field(req, "username");
    first = portal_form_field(req, "first_name");
    last = portal_form_field(req, "last_name");
    address = portal_form_field(req, "address");
    email = id->email;
    errors = pt_json_pool(p, json_object());
    if ((bad = pt_validate_username(username))) {
        json_object_set_new(errors, "username", json_string(bad));
    }
    if ((bad = pt_validate_name(first))) {
        json_object_set_new(errors, "first_name", json_string(bad));
    }
    if ((bad = pt_validate_name(last))) {
        json_object_set_new(errors, "last_name", json_string(bad));
    }
    if ((bad = pt_validate_address(address))) {
        json_object_set_new(errors, "address", json_string(bad));
    }
    if (json_object_size(errors)) {
        return profile_page(req, HTTP_BAD_REQUEST, id, "Please correct the "
                            "fields marked below.", errors);
    }
    db = portal_db_get(req);
    ulc = pt_ascii_lower(p, username);
    elc = pt_ascii_lower(p, email);
    if (!db || pt_db_one(db, "user_taken", &row, PT_ARGS(ulc, elc))
               != APR_SUCCESS) {
        return portal_db_fail(req, "completing a profile");
    }
    if (pt_row_int(row, "username_taken")) {
        json_object_set_new(errors, "username", json_string(
                            "That username is already taken."));
        return profile_page(req, HTTP_CONFLICT, id, "Please correct the "
                            "fields marked below.", errors);
    }
    if (pt_row_int(row, "email_taken")) {
        /* taken since the provider's sign-in: replaced again when it is
         * an unconfirmed account (a squatter racing the owner) */
        pt_row_t *u = NULL;

        if (pt_db_one(db, "user_by_email", &u, PT_ARGS(elc)) != APR_SUCCESS) {
            return portal_db_fail(req, "completing a profile");
        }
        if (!u || pt_row_get(u, "email_verified_at")
            || pt_row_get(u, "disabled_at")) {
            return no_pending(req);
        }
        rc = replace_unconfirmed(req, db, u);
        if (rc < 0) {
            return portal_db_fail(req, "completing a profile");
        }
        if (rc == 0) {
            return no_pending(req);
        }
    }
    memset(&a, 0, sizeof(a));
    a.username = username;
    a.email = email;
    a.first_name = first;
    a.last_name = last;
    a.address = address;
    a.role = "client";
    /* no password: "!" matches no format, so only the provider (or a
     * password reset) signs this account in; the provider vouched for
     * the address */
    if (pt_account_insert(db, &a, "!", apr_time_sec(apr_time_now()), 1,
                          &uuid, &uid) != APR_SUCCESS) {
        return portal_db_fail(req, "completing a profile");
    }
    portal_cookie_set(req, portal_cookie_name(req, PENDING_COOKIE), "", 0);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0803)
                  "registered user %s through the identity provider", uuid);
    return sign_in(req, db, uid);
}
