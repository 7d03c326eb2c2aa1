/*
 * api.c -- the JSON API, with the paths and fields of the service
 * it replaces:
 *   POST /api/ops/login, /api/client/login    -> an access token
 *   POST /api/client/signup                   -> 201, link mailed (or
 *                                                returned, if the site
 *                                                says so)
 *   GET  /api/client/verify-email?token=
 *   GET  /api/client/files?page=&per_page=    -> what ops published
 *   GET  /api/client/download/{id}            -> a link bound to the client
 *   POST /api/ops/upload                      -> handle/upload.c
 *   POST /api/logout                          -> the token is revoked
 *   GET  /api/openapi.json                    -> templates/openapi.json
 * The router has already checked the bearer token and the role (it never
 * reads a cookie for these paths), and that a POST's body is JSON (or
 * multipart for the upload).  Bodies are JSON objects of strings, at most
 * PortalFormMaxSize bytes: never urlencoded, text/plain or multipart,
 * which any web page can make a visitor's browser send here.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"

APLOG_USE_MODULE(portal);

#define API_PER_PAGE 20
#define API_MAX_PER_PAGE 100

/* Read a JSON object of strings into req->form, at most PortalFormMaxSize
 * bytes.  OK, or 400, 413, 415 with *msg. */
static int api_read_body(portal_req_t *req, const char **msg)
{
    request_rec *r = req->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *data, *key;
    apr_size_t len;
    json_error_t jerr;
    json_t *obj, *v;
    int rc;

    if (!portal_is_json_type(ct)) {
        *msg = "Send the request body as application/json.";
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    rc = portal_read_body(req, &data, &len, msg);
    if (rc != OK) {
        return rc;
    }
    obj = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        *msg = apr_psprintf(r->pool, "The body is not valid JSON: %s (at "
                            "character %d).", jerr.text, jerr.position);
        return HTTP_BAD_REQUEST;
    }
    pt_json_pool(r->pool, obj);
    if (!json_is_object(obj)) {
        *msg = "The body must be a JSON object.";
        return HTTP_BAD_REQUEST;
    }
    req->form = apr_table_make(r->pool, 8);
    json_object_foreach(obj, key, v) {
        if (!json_is_string(v)) {
            *msg = apr_psprintf(r->pool, "The field \"%s\" must be a "
                                "string.", key);
            return HTTP_BAD_REQUEST;
        }
        if (memchr(json_string_value(v), '\0', json_string_length(v))) {
            *msg = apr_psprintf(r->pool, "The field \"%s\" holds a NUL "
                                "character.", key);
            return HTTP_BAD_REQUEST;
        }
        apr_table_set(req->form, key, json_string_value(v));
    }
    return OK;
}

/* ------------------------------------------------------------ sign-in */

static int api_login(portal_req_t *req, int roles, const char *kind,
                     const char *other)
{
    request_rec *r = req->r;
    const char *login, *pw, *token, *msg = NULL;
    pt_row_t *row;
    pt_db_t *db;
    int rc, expires_in;
    apr_int64_t retry;

    rc = api_read_body(req, &msg);
    if (rc != OK) {
        return portal_error(req, rc, msg);
    }
    login = portal_form_field(req, "username");
    if (!*login) {
        login = portal_form_field(req, "email");
    }
    pw = portal_form_get(req, "password");
    if (!*login || !pw || !*pw) {
        return portal_error(req, HTTP_BAD_REQUEST, "Send \"username\" (or "
                            "\"email\") and \"password\".");
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "API sign-in");
    }
    rc = portal_check_login(req, db, login, pw, &row, &retry);
    if (rc == PORTAL_LOGIN_THROTTLED) {
        return portal_throttled(req, retry, NULL);
    }
    if (rc == PORTAL_LOGIN_BUSY) {
        return portal_busy(req, NULL);
    }
    if (rc < 0) {
        return portal_db_fail(req, "API sign-in");
    }
    if (!rc) {
        if (retry > 0) {
            return portal_throttled_after(req, retry, NULL, "Incorrect "
                                          "username or password.");
        }
        return portal_error(req, HTTP_UNAUTHORIZED,
                            "Incorrect username or password.");
    }
    if (pt_row_get(row, "disabled_at")) {
        return portal_error(req, HTTP_FORBIDDEN, "This account is "
                            "disabled.");
    }
    if (!pt_row_get(row, "email_verified_at") && req->verify_email) {
        return portal_error(req, HTTP_FORBIDDEN, "Confirm your email "
                            "address first: open the link we mailed to "
                            "you.");
    }
    if (!(portal_role_bit(pt_row_get(row, "role")) & roles)) {
        return portal_error(req, HTTP_FORBIDDEN, apr_psprintf(
                            r->pool, "This is not %s account: sign in at "
                            "%s.", kind, other));
    }
    if (portal_token_for(req, pt_row_get(row, "uuid"),
                         pt_row_get(row, "role"), &token, &expires_in)
        != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "The access token could not be made.");
    }
    if (pt_db_exec(db, "user_record_login", NULL,
                   PT_ARGS(pt_i64(r->pool, apr_time_sec(apr_time_now())),
                           r->useragent_ip, pt_row_get(row, "id")))
        != APR_SUCCESS) {
        return portal_db_fail(req, "API sign-in");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0820)
                  "user %s signed in to the API from %s",
                  pt_row_get(row, "uuid"), r->useragent_ip);
    return portal_json(req, HTTP_OK, pt_json_pool(r->pool, json_pack(
                       "{s:s, s:s, s:i}", "access_token", token,
                       "token_type", "Bearer", "expires_in", expires_in)));
}

int portal_api_ops_login(portal_req_t *req)
{
    return api_login(req, PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN,
                     "an operations", "/api/client/login");
}

int portal_api_client_login(portal_req_t *req)
{
    return api_login(req, PORTAL_ROLE_CLIENT, "a client",
                     "/api/ops/login");
}

int portal_api_logout(portal_req_t *req)
{
    pt_db_t *db = portal_db_get(req);

    if (!db || pt_db_exec(db, "jwt_revoke", NULL,
                          PT_ARGS(req->jti, pt_i64(req->r->pool,
                                                       req->token_exp),
                                  req->jti)) != APR_SUCCESS) {
        return portal_db_fail(req, "API sign-out");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(0821)
                  "user %s signed out of the API", req->user->uuid);
    return portal_json(req, HTTP_OK, pt_json_pool(req->r->pool,
                       json_pack("{s:s}", "message", "Signed out: this "
                                 "access token no longer works.")));
}

/* ------------------------------------------------------------ sign-up */

int portal_api_client_signup(portal_req_t *req)
{
    request_rec *r = req->r;
    int give_url = portal_dir_api_verify_url(req->dir, req->conf);
    portal_new_user_t nu;
    const char *uuid, *tok = NULL, *msg = NULL;
    json_t *errors, *out;
    int rc;

    rc = api_read_body(req, &msg);
    if (rc != OK) {
        return portal_error(req, rc, msg);
    }
    portal_new_user_from_form(req, &nu, "client");
    nu.verified = 0;            /* as on the web: see handle/login.c */
    nu.mail_link = req->verify_email && !give_url;
    nu.self_signup = 1;
    /* a taken email is answered as a new one (its owner is mailed); with
     * give_url it gets a verify-url of the same shape that opens nothing */
    rc = portal_user_create(req, &nu, &uuid,
                            give_url && req->verify_email ? &tok : NULL,
                            &errors);
    if (rc == HTTP_BAD_REQUEST || rc == HTTP_CONFLICT) {
        out = json_pack("{s:s, s:s, s:O}", "error",
                        rc == HTTP_CONFLICT ? "conflict" : "bad_request",
                        "message", rc == HTTP_CONFLICT
                        ? "That username is taken."
                        : "Some fields are not valid.", "fields", errors);
        return portal_json(req, rc, pt_json_pool(r->pool, out));
    }
    if (rc == HTTP_TOO_MANY_REQUESTS) {
        return portal_throttled(req, nu.retry, NULL);
    }
    if (rc == HTTP_SERVICE_UNAVAILABLE && nu.busy) {
        return portal_busy(req, NULL);
    }
    if (rc != OK) {
        return portal_error(req, rc, "The account could not be created. "
                            "Nothing was saved; please try again.");
    }
    out = json_pack("{s:s}", "message", !req->verify_email
                    ? "Account created. You can sign in now."
                    : give_url ? "Account created. Open verify-url to "
                                 "confirm the email address."
                               : "Account created. We mailed a link to "
                                 "confirm the email address.");
    if (tok) {
        json_object_set_new(out, "verify-url", json_string(portal_link(
                            req, apr_pstrcat(r->pool,
                            "/api/client/verify-email?token=", tok,
                            NULL))));
    }
    return portal_json(req, HTTP_CREATED, pt_json_pool(r->pool, out));
}

int portal_api_client_verify(portal_req_t *req)
{
    const char *why = NULL;
    int rc;

    rc = portal_email_confirm(req, apr_table_get(req->query, "token"), &why);
    if (rc == HTTP_BAD_REQUEST) {
        return portal_error(req, rc, why);
    }
    if (rc != OK) {
        return portal_db_fail(req, "email verification");
    }
    return portal_json(req, HTTP_OK, pt_json_pool(req->r->pool,
                       json_pack("{s:s}", "message", "Email address "
                                 "confirmed. You can sign in now.")));
}

/* ------------------------------------------------------------ files */

/* A whole number in [min, max] from the query, or def when absent; -1
 * when present but not such a number. */
static apr_int64_t query_num(portal_req_t *req, const char *name,
                             apr_int64_t def, apr_int64_t min,
                             apr_int64_t max)
{
    const char *v = apr_table_get(req->query, name);
    apr_int64_t n;

    if (!v) {
        return def;
    }
    return pt_int_parse(v, min, max, &n) == APR_SUCCESS ? n : -1;
}

int portal_api_client_files(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t page = query_num(req, "page", 1, 1, 1000000);
    apr_int64_t per = query_num(req, "per_page", API_PER_PAGE, 1,
                                API_MAX_PER_PAGE);
    apr_int64_t total;
    json_t *list;

    if (page < 0 || per < 0) {
        return portal_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                            p, "page must be a whole number from 1, and "
                            "per_page one from 1 to %d.",
                            API_MAX_PER_PAGE));
    }
    list = portal_shared_files(req, page, per, &total);
    if (!list) {
        return portal_db_fail(req, "listing shared files");
    }
    return portal_json(req, HTTP_OK, pt_json_pool(p, json_pack(
                       "{s:o, s:I, s:I, s:I, s:I}", "files", list,
                       "page", (json_int_t)page, "per_page", (json_int_t)per,
                       "total", (json_int_t)total,
                       "pages", (json_int_t)((total + per - 1) / per))));
}

int portal_api_client_download(portal_req_t *req)
{
    request_rec *r = req->r;
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_int64_t exp = now + portal_files_link_lifetime(req->conf);
    const char *link;
    pt_row_t *row = NULL;
    pt_db_t *db = portal_db_get(req);
    apr_int64_t wait;
    int rc, max;

    if (!db) {
        return portal_db_fail(req, "download link");
    }
    if (!pt_uuid_valid(req->arg)) {
        return portal_error(req, HTTP_NOT_FOUND, "There is no such file.");
    }
    if (pt_db_one(db, "file_for_client", &row,
                  PT_ARGS(req->arg, pt_i64(r->pool, req->user->id)))
        != APR_SUCCESS) {
        return portal_db_fail(req, "download link");
    }
    if (!row) {
        return portal_error(req, HTTP_NOT_FOUND, "There is no such file.");
    }
    if (pt_uuid_new(r->pool, &link) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "No random numbers for a link.");
    }
    /* one row per call: at most PortalLinkMaxActive live ones */
    rc = portal_link_add(req, db, link, pt_row_get(row, "id"), now, exp,
                         NULL, 1, &max, &wait);
    if (rc < 0) {
        return portal_db_fail(req, "adding a link");
    }
    if (rc == 0) {
        return portal_links_refused(req, 1, max, wait);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0822)
                  "user %s got link %s for file %s", req->user->uuid, link,
                  req->arg);
    return portal_json(req, HTTP_OK, pt_json_pool(r->pool, json_pack(
                       "{s:s, s:s, s:I}", "download-link",
                       portal_link_url(req, link, req->arg, exp),
                       "message", "success", "expires_at",
                       (json_int_t)exp)));
}

int portal_api_ops_upload(portal_req_t *req)
{
    return portal_upload_post(req);
}

/* ------------------------------------------------------------ OpenAPI */

int portal_api_openapi(portal_req_t *req)
{
    json_t *doc = json_deep_copy(portal_conf_openapi(req->conf));

    if (!doc) {
        return portal_error(req, HTTP_NOT_FOUND, "This portal has no API "
                            "description (templates/openapi.json).");
    }
    json_object_set_new(doc, "servers", json_pack(
                        "[{s:s}]", "url", apr_pstrcat(
                        req->r->pool, portal_conf_base_url(req->conf),
                        req->mount, "/", NULL)));
    return portal_json(req, HTTP_OK, pt_json_pool(req->r->pool, doc));
}
