/*
 * login.c -- sign-in, registration and sign-out (the password change is
 * password.c's).
 *
 * Routes and form fields are those of the Flask portal this replaces
 * (/, /login, /register, /logout, /change_password; username, password,
 * first_name, last_name, address, email, current_password, new_password,
 * confirm_password), so its users' bookmarks and scripts keep working.
 * Every POST checks its CSRF token before anything else; a form with
 * errors comes back with the entered values (never a password) and a
 * message next to each field.
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "apr_lib.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

/* A password field exactly as typed. */
static const char *secret_field(portal_req_t *req, const char *name)
{
    const char *v = portal_form_get(req, name);

    return v ? v : "";
}

/* ------------------------------------------------------------ sign-in */

static int login_page(portal_req_t *req, int status, const char *error)
{
    json_t *d = portal_page_data(req, "Sign in");
    const char *notice = NULL;

    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    else if (apr_table_get(req->query, "registered")) {
        notice = req->verify_email
                 ? "Your account was created. We have sent you a link: "
                   "open it to confirm your email address, then sign in."
                 : "Your account was created. You can sign in now.";
    }
    else if (apr_table_get(req->query, "verified")) {
        notice = "Your email address is confirmed. You can sign in now.";
    }
    else if (apr_table_get(req->query, "reset")) {
        notice = "Your password was changed and every session signed out. "
                 "Sign in with the new password.";
    }
    else if (apr_table_get(req->query, "signed_out")) {
        notice = "You have signed out.";
    }
    else if (req->session_expired || apr_table_get(req->query, "expired")) {
        notice = "Your session has expired. Please sign in again.";
    }
    if (notice) {
        json_object_set_new(d, "notice", json_string(notice));
    }
    json_object_set_new(d, "form", json_pack("{s:s}", "username",
                                             portal_form_field(req, "username")));
    if (portal_conf_oidc_label(req->conf)) {
        json_object_set_new(d, "oidc", json_pack(
            "{s:s}", "label", portal_conf_oidc_label(req->conf)));
    }
    return portal_render(req, status, "login", d);
}

int portal_login_get(portal_req_t *req)
{
    if (req->user) {
        return portal_redirect(req, "/dashboard");
    }
    return login_page(req, HTTP_OK, NULL);
}

int portal_login_post(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *login, *pw, *id_s;
    pt_row_t *row;
    pt_db_t *db;
    int rc, match;
    apr_int64_t uid, retry;

    if (req->user) {
        return portal_redirect(req, "/dashboard");
    }
    if (!portal_form_csrf(req, login_page, &rc)) {
        return rc;
    }
    login = portal_form_field(req, "username");
    pw = secret_field(req, "password");
    if (!*login || !*pw) {
        return login_page(req, HTTP_BAD_REQUEST,
                          "Enter your username (or email) and password.");
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "sign-in");
    }
    match = portal_check_login(req, db, login, pw, &row, &retry);
    if (match < 0) {
        if (match == PORTAL_LOGIN_THROTTLED) {
            return portal_throttled(req, retry, login_page);
        }
        if (match == PORTAL_LOGIN_BUSY) {
            return portal_busy(req, login_page);
        }
        return portal_db_fail(req, "sign-in");
    }
    if (!match) {
        if (retry > 0) {
            return portal_throttled_after(req, retry, login_page,
                                          "Incorrect username or password.");
        }
        return login_page(req, HTTP_UNAUTHORIZED,
                          "Incorrect username or password.");
    }
    id_s = pt_row_get(row, "id");
    uid = apr_atoi64(id_s);
    if (pt_row_get(row, "disabled_at")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0421)
                      "refused sign-in of disabled user %s",
                      pt_row_get(row, "uuid"));
        return login_page(req, HTTP_FORBIDDEN, "This account is disabled. "
                          "Ask an administrator to enable it again.");
    }
    if (!pt_row_get(row, "email_verified_at")
        && req->verify_email) {
        json_t *d = portal_page_data(req, "Sign in");

        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0409)
                      "refused sign-in of unconfirmed user %s",
                      pt_row_get(row, "uuid"));
        json_object_set_new(d, "error", json_string(
            "Confirm your email address first: open the link we mailed to "
            "you when you registered."));
        json_object_set_new(d, "unverified", json_pack(
            "{s:s}", "email", pt_row_get(row, "email")));
        json_object_set_new(d, "form", json_pack("{s:s}", "username",
                                                 login));
        return portal_render(req, HTTP_FORBIDDEN, "login", d);
    }
    if (pt_db_exec(db, "user_record_login", NULL,
                   PT_ARGS(pt_i64(r->pool, apr_time_sec(apr_time_now())),
                           r->useragent_ip, id_s)) != APR_SUCCESS
        || portal_session_create(req, uid) != APR_SUCCESS) {
        return portal_db_fail(req, "starting a session");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0405)
                  "user %s signed in from %s", pt_row_get(row, "uuid"),
                  r->useragent_ip);
    return portal_redirect(req, "/dashboard");
}

/* ------------------------------------------------------------ register */

static const char *const register_fields[] = {
    "username", "first_name", "last_name", "address", "email", NULL
};

static int register_page_with(portal_req_t *req, int status,
                              const char *error, json_t *errors)
{
    json_t *d = portal_page_data(req, "Create an account");
    json_t *form = json_object();
    int i;

    for (i = 0; register_fields[i]; i++) {
        json_object_set_new(form, register_fields[i],
                            json_string(portal_form_field(req, register_fields[i])));
    }
    json_object_set_new(d, "form", form);
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (errors) {
        json_object_set(d, "errors", errors);
    }
    return portal_render(req, status, "register", d);
}

static int register_page(portal_req_t *req, int status, const char *error)
{
    return register_page_with(req, status, error, NULL);
}

int portal_register_get(portal_req_t *req)
{
    if (req->user) {
        return portal_redirect(req, "/dashboard");
    }
    return register_page(req, HTTP_OK, NULL);
}

int portal_register_post(portal_req_t *req)
{
    portal_new_user_t nu;
    const char *uuid;
    json_t *errors;
    int rc;

    if (!portal_form_csrf(req, register_page, &rc)) {
        return rc;
    }
    portal_new_user_from_form(req, &nu, "client");
    /* where confirmation is off the address is not confirmed either:
     * nobody showed it is theirs (an identity provider's sign-in must
     * not take the account for confirmed) */
    nu.verified = 0;
    nu.mail_link = req->verify_email;
    nu.self_signup = 1;
    rc = portal_user_create(req, &nu, &uuid, NULL, &errors);
    switch (rc) {
    case OK:
        return portal_redirect(req, "/login?registered=1");
    case HTTP_BAD_REQUEST:
    case HTTP_CONFLICT:
        return register_page_with(req, rc, "Please correct the fields "
                                  "marked below.", errors);
    case HTTP_TOO_MANY_REQUESTS:
        return portal_throttled(req, nu.retry, register_page);
    case HTTP_INTERNAL_SERVER_ERROR:
        return portal_error(req, rc, "Your password could not be stored "
                            "safely. Nothing was saved; please try again.");
    default:
        if (nu.busy) {
            return portal_busy(req, register_page);
        }
        return portal_db_fail(req, "registration");
    }
}

/* ------------------------------------------------------------ sign-out */

static int logout_page(portal_req_t *req, int status, const char *error)
{
    json_t *d;

    if (!req->user) {
        return portal_redirect(req, "/login");
    }
    d = portal_page_data(req, "Sign out");
    json_object_set_new(d, "error", json_string(error));
    return portal_render(req, status, "logout", d);
}

/* GET /logout: a page with the sign-out button (signing out is a POST
 * with a CSRF token, so a link or an image cannot do it). */
int portal_logout_get(portal_req_t *req)
{
    if (!req->user) {
        return portal_redirect(req, "/login");
    }
    return portal_render(req, HTTP_OK, "logout",
                         portal_page_data(req, "Sign out"));
}

int portal_logout_post(portal_req_t *req)
{
    int rc;

    if (!req->user) {
        return portal_redirect(req, req->session_expired ? "/login?expired=1"
                                                         : "/login");
    }
    if (!portal_form_csrf(req, logout_page, &rc)) {
        return rc;
    }
    if (portal_session_destroy(req) != APR_SUCCESS) {
        return portal_db_fail(req, "signing out");
    }
    return portal_redirect(req, "/login?signed_out=1");
}
