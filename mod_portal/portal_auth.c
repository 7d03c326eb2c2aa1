/*
 * portal_auth.c -- sign-in, registration, sign-out and password change.
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
#include "pt_crypto.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

static const char *i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

/* A form field with surrounding white space removed and the CRLF line
 * ends browsers send for a textarea made LF ("" when absent). */
static const char *field(portal_req_t *req, const char *name)
{
    const char *v = portal_form_get(req, name);
    char *out, *o;
    apr_size_t n;

    if (!v) {
        return "";
    }
    while (apr_isspace(*v)) {
        v++;
    }
    n = strlen(v);
    while (n > 0 && apr_isspace(v[n - 1])) {
        n--;
    }
    out = o = apr_palloc(req->r->pool, n + 1);
    for (; n > 0; v++, n--) {
        if (!(v[0] == '\r' && n > 1 && v[1] == '\n')) {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

/* A password field exactly as typed. */
static const char *secret_field(portal_req_t *req, const char *name)
{
    const char *v = portal_form_get(req, name);

    return v ? v : "";
}

/* Read the body and check its CSRF token.  Returns 1 when the handler may
 * go on; otherwise 0, with the response (an error page, or the form again
 * via rerender) already produced and *rc what the handler must return. */
static int read_checked(portal_req_t *req, int (*rerender)(portal_req_t *,
                        int, const char *), int *rc)
{
    const char *msg;
    int status = portal_read_form(req, &msg);

    if (status != OK) {
        *rc = portal_error(req, status, msg);
        return 0;
    }
    if (!portal_csrf_check(req)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(0401)
                      "rejected a POST to %s without a valid CSRF token",
                      req->path);
        req->form = apr_table_make(req->r->pool, 1);
        *rc = rerender(req, HTTP_FORBIDDEN,
                       "This form has expired or did not come from this "
                       "site, so nothing was changed. Please try again.");
        return 0;
    }
    return 1;
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
        notice = "Your account was created. You can sign in now.";
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
                                             field(req, "username")));
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
    pt_argon2_params_t params = portal_conf_argon2(req->conf);
    const char *login, *pw, *lc, *stored = NULL, *id_s;
    pt_row_t *row;
    pt_db_t *db;
    int rc, match = 0, rehash = 0;
    apr_int64_t uid;

    if (req->user) {
        return portal_redirect(req, "/dashboard");
    }
    if (!read_checked(req, login_page, &rc)) {
        return rc;
    }
    login = field(req, "username");
    pw = secret_field(req, "password");
    if (!*login || !*pw) {
        return login_page(req, HTTP_BAD_REQUEST,
                          "Enter your username (or email) and password.");
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "sign-in");
    }
    lc = pt_ascii_lower(r->pool, login);
    if (pt_db_one(db, "user_by_login", &row, PT_ARGS(lc, lc, lc))
        != APR_SUCCESS) {
        return portal_db_fail(req, "sign-in");
    }
    if (!row) {
        /* the same work as a real check: timing tells nothing */
        pt_password_dummy_verify(r->pool, pw, &params);
    }
    else {
        stored = pt_row_get(row, "password_hash");
        if (pt_password_verify(r->pool, pw, stored, &params, &match,
                               &rehash) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          PORTAL_LOGNO(0402) "user %s has a password hash "
                          "in an unknown format", pt_row_get(row, "uuid"));
            match = 0;
        }
    }
    if (!match) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0403)
                      "failed sign-in from %s", r->useragent_ip);
        return login_page(req, HTTP_UNAUTHORIZED,
                          "Incorrect username or password.");
    }
    id_s = pt_row_get(row, "id");
    uid = apr_atoi64(id_s);
    if (rehash) {
        const char *fresh;

        if (pt_password_hash(r->pool, pw, &params, &fresh) == APR_SUCCESS
            && pt_db_exec(db, "user_upgrade_hash", NULL,
                          PT_ARGS(fresh, id_s, stored)) == APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0404)
                          "upgraded the password hash of user %s to "
                          "argon2id", pt_row_get(row, "uuid"));
        }
    }
    if (pt_db_exec(db, "user_record_login", NULL,
                   PT_ARGS(i64(r->pool, apr_time_sec(apr_time_now())),
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
                            json_string(field(req, register_fields[i])));
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

static void check(json_t *errors, const char *name, const char *msg)
{
    if (msg && !json_object_get(errors, name)) {
        json_object_set_new(errors, name, json_string(msg));
    }
}

int portal_register_post(portal_req_t *req)
{
    request_rec *r = req->r;
    pt_argon2_params_t params = portal_conf_argon2(req->conf);
    const char *username, *email, *pw, *first, *last, *address;
    const char *ulc, *elc, *hash, *uuid, *now;
    json_t *errors;
    pt_row_t *row;
    pt_db_t *db;
    int rc;

    if (!read_checked(req, register_page, &rc)) {
        return rc;
    }
    username = field(req, "username");
    email = field(req, "email");
    first = field(req, "first_name");
    last = field(req, "last_name");
    address = field(req, "address");
    pw = secret_field(req, "password");

    errors = json_object();
    portal_pool_json(r->pool, errors);
    check(errors, "username", pt_validate_username(username));
    check(errors, "password", pt_validate_password(pw, username));
    check(errors, "first_name", pt_validate_name(first));
    check(errors, "last_name", pt_validate_name(last));
    check(errors, "address", pt_validate_address(address));
    check(errors, "email", pt_validate_email(email));
    if (json_object_size(errors)) {
        return register_page_with(req, HTTP_BAD_REQUEST,
                                  "Please correct the fields marked below.",
                                  errors);
    }

    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "registration");
    }
    ulc = pt_ascii_lower(r->pool, username);
    elc = pt_ascii_lower(r->pool, email);
    if (pt_db_one(db, "user_taken", &row, PT_ARGS(ulc, elc))
        != APR_SUCCESS) {
        return portal_db_fail(req, "registration");
    }
    if (pt_row_int(row, "username_taken")) {
        check(errors, "username", "That username is already taken.");
    }
    if (pt_row_int(row, "email_taken")) {
        check(errors, "email", "An account with this email address "
              "already exists.");
    }
    if (json_object_size(errors)) {
        return register_page_with(req, HTTP_CONFLICT,
                                  "Please correct the fields marked below.",
                                  errors);
    }

    if (pt_password_hash(r->pool, pw, &params, &hash) != APR_SUCCESS
        || pt_uuid_new(r->pool, &uuid) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "Your password could not be stored safely. "
                            "Nothing was saved; please try again.");
    }
    now = i64(r->pool, apr_time_sec(apr_time_now()));
    if (pt_db_exec(db, "user_insert", NULL,
                   PT_ARGS(uuid, username, ulc, email, elc, hash, first,
                           last, address, "client", now, now))
        != APR_SUCCESS) {
        /* lost a race with another registration of the same name? */
        if (pt_db_one(db, "user_taken", &row, PT_ARGS(ulc, elc))
            == APR_SUCCESS && row
            && (pt_row_int(row, "username_taken")
                || pt_row_int(row, "email_taken"))) {
            check(errors, "username", "That username or email address is "
                  "already taken.");
            return register_page_with(req, HTTP_CONFLICT,
                                      "Please correct the fields marked "
                                      "below.", errors);
        }
        return portal_db_fail(req, "registration");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0406)
                  "registered user %s from %s", uuid, r->useragent_ip);
    return portal_redirect(req, "/login?registered=1");
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

int portal_logout_post(portal_req_t *req)
{
    int rc;

    if (!req->user) {
        return portal_redirect(req, req->session_expired ? "/login?expired=1"
                                                         : "/login");
    }
    if (!read_checked(req, logout_page, &rc)) {
        return rc;
    }
    if (portal_session_destroy(req) != APR_SUCCESS) {
        return portal_db_fail(req, "signing out");
    }
    return portal_redirect(req, "/login?signed_out=1");
}

/* ------------------------------------------------------------ password */

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
    pt_argon2_params_t params = portal_conf_argon2(req->conf);
    const char *cur, *fresh, *confirm, *hash, *uid;
    json_t *errors;
    pt_row_t *row;
    pt_db_t *db;
    int rc, match = 0;

    if (!read_checked(req, password_page, &rc)) {
        return rc;
    }
    cur = secret_field(req, "current_password");
    fresh = secret_field(req, "new_password");
    confirm = secret_field(req, "confirm_password");
    errors = json_object();
    portal_pool_json(r->pool, errors);
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
    uid = i64(r->pool, req->user->id);
    if (pt_db_one(db, "user_by_id", &row, PT_ARGS(uid)) != APR_SUCCESS
        || !row) {
        return portal_db_fail(req, "changing a password");
    }
    if (pt_password_verify(r->pool, cur, pt_row_get(row, "password_hash"),
                           &params, &match, NULL) != APR_SUCCESS || !match) {
        check(errors, "current_password", "Your current password is not "
              "correct.");
        return password_page_with(req, HTTP_BAD_REQUEST,
                                  "Your password was not changed.", errors);
    }
    if (pt_password_hash(r->pool, fresh, &params, &hash) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "Your new password could not be stored safely. "
                            "Nothing was changed; please try again.");
    }
    if (pt_db_exec(db, "user_set_password", NULL,
                   PT_ARGS(hash, i64(r->pool, apr_time_sec(apr_time_now())),
                           uid)) != APR_SUCCESS) {
        return portal_db_fail(req, "changing a password");
    }
    /* whoever else was signed in with the old password is signed out */
    if (pt_db_exec(db, "session_delete_others", NULL,
                   PT_ARGS(uid, req->session_hash)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PORTAL_LOGNO(0407)
                      "ending other sessions: %s", db->errmsg);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0408)
                  "user %s changed their password", req->user->uuid);
    return portal_redirect(req, "/dashboard?password_changed=1");
}
