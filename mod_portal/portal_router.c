/*
 * portal_router.c -- the content handler: method + path -> handler.
 *
 * The path is taken below the mount point (the <Location> that set
 * `SetHandler portal`), so the same routes serve "/" and "/portal".
 * Unknown paths get 404, known paths with another method 405 and Allow.
 * Who may reach a route is said here, once, and checked before the
 * handler runs:
 *   AUTH    a signed-in user (the session cookie)
 *   API     a bearer token (Authorization header only: cookies are not
 *           even read, which is what makes the API safe without CSRF
 *           tokens); errors are JSON
 *   APIPUB  the API without a token (sign-in, sign-up, the OpenAPI file)
 *   BEARER  the session, or a bearer token when one is sent (download
 *           links, which API clients and browsers both follow)
 *   UPLOAD  the roles PortalUploadRoles names
 *   MULTIPART  an API POST whose body is multipart/form-data (the upload);
 *           every other API POST takes application/json only, refused
 *           with 415 before anything else: a web page can make a
 *           visitor's browser POST a form, text or multipart body
 *           anywhere, but JSON only where CORS allows it
 * and the route's roles (PORTAL_ROLE_* bits; 0: any signed-in user).  A
 * user whose role is not among them gets 403.
 */
#include "apr_strings.h"
#include "http_core.h"

#include "portal.h"
#include "pt_form.h"
#include "portal_throttle.h"

APLOG_USE_MODULE(portal);

typedef int (*route_fn)(portal_req_t *req);

#define ROUTE_AUTH 1            /* needs a signed-in user */
#define ROUTE_API 2             /* needs a bearer token */
#define ROUTE_APIPUB 4          /* the API, no token needed */
#define ROUTE_BEARER 8          /* session, or a bearer token if sent */
#define ROUTE_UPLOAD 16         /* roles from PortalUploadRoles */
#define ROUTE_MULTIPART 32      /* an API POST of multipart/form-data */

#define CLIENT PORTAL_ROLE_CLIENT
#define OPS (PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN)
#define ADMIN PORTAL_ROLE_ADMIN

typedef struct route_t {
    const char *path;
    int method;                 /* M_GET (also serves HEAD) or M_POST */
    route_fn fn;
    int flags;
    int roles;                  /* PORTAL_ROLE_* bits; 0: any */
} route_t;

static int logout_get(portal_req_t *req);

static const route_t routes[] = {
    { "/", M_GET, portal_login_get, 0 },
    { "/", M_POST, portal_login_post, 0 },
    { "/login", M_GET, portal_login_get, 0 },
    { "/login", M_POST, portal_login_post, 0 },
    { "/register", M_GET, portal_register_get, 0 },
    { "/register", M_POST, portal_register_post, 0 },
    { "/dashboard", M_GET, portal_dashboard_get, ROUTE_AUTH },
    { "/logout", M_GET, logout_get, 0 },
    { "/logout", M_POST, portal_logout_post, 0 },
    { "/change_password", M_GET, portal_change_password_get, ROUTE_AUTH },
    { "/change_password", M_POST, portal_change_password_post, ROUTE_AUTH },
    { "/change_password/confirm", M_POST, portal_change_password_confirm,
      ROUTE_AUTH },
    { "/verify_email", M_GET, portal_verify_email_get, 0 },
    { "/oidc/login", M_GET, portal_oidc_login_get, 0 },
    { "/complete-profile", M_GET, portal_complete_profile_get, 0 },
    { "/complete-profile", M_POST, portal_complete_profile_post, 0 },
    { "/resend_verification", M_POST, portal_resend_verification_post, 0 },
    { "/forgot_password", M_GET, portal_forgot_password_get, 0 },
    { "/forgot_password", M_POST, portal_forgot_password_post, 0 },
    { "/reset_password", M_GET, portal_reset_password_get, 0 },
    { "/reset_password", M_POST, portal_reset_password_post, 0 },
    { "/sessions/revoke", M_POST, portal_session_revoke_post, ROUTE_AUTH },
    { "/sessions/revoke_others", M_POST, portal_sessions_revoke_others_post,
      ROUTE_AUTH },
    { "/upload", M_POST, portal_upload_post, ROUTE_AUTH | ROUTE_UPLOAD },
    { "/dashboard", M_POST, portal_upload_post, ROUTE_AUTH | ROUTE_UPLOAD },
    { "/files", M_GET, portal_files_get, ROUTE_AUTH },
    { "/files/*", M_GET, portal_file_get, ROUTE_AUTH },
    { "/files/*/download", M_GET, portal_file_download, ROUTE_AUTH },
    { "/files/*/receipt.tsr", M_GET, portal_file_receipt, ROUTE_AUTH },
    { "/files/*/rename", M_POST, portal_file_rename_post, ROUTE_AUTH },
    { "/files/*/delete", M_POST, portal_file_delete_post, ROUTE_AUTH },
    { "/files/*/links", M_POST, portal_link_create_post, ROUTE_AUTH },
    { "/files/*/links/*/revoke", M_POST, portal_link_revoke_post,
      ROUTE_AUTH },
    { "/files/*/publish", M_POST, portal_file_publish_post, ROUTE_AUTH, OPS },
    { "/d/*", M_GET, portal_link_download, ROUTE_BEARER },
    { "/tsa.crt", M_GET, portal_tsa_cert_get, 0 },
    { "/iocs", M_GET, portal_iocs_get, ROUTE_AUTH },
    { "/iocs/export", M_GET, portal_iocs_export_get, ROUTE_AUTH },
    { "/admin", M_GET, portal_admin_get, ROUTE_AUTH, ADMIN },
    { "/admin/users/new", M_GET, portal_admin_new_get, ROUTE_AUTH, ADMIN },
    { "/admin/users/new", M_POST, portal_admin_new_post, ROUTE_AUTH, ADMIN },
    { "/admin/users/*", M_GET, portal_admin_user_get, ROUTE_AUTH, ADMIN },
    { "/admin/users/*/role", M_POST, portal_admin_role_post, ROUTE_AUTH,
      ADMIN },
    { "/admin/users/*/disable", M_POST, portal_admin_disable_post,
      ROUTE_AUTH, ADMIN },
    { "/admin/users/*/enable", M_POST, portal_admin_enable_post, ROUTE_AUTH,
      ADMIN },
    { "/admin/users/*/delete", M_POST, portal_admin_delete_post, ROUTE_AUTH,
      ADMIN },
    { "/admin/throttle", M_GET, portal_admin_throttle_get, ROUTE_AUTH, ADMIN },
    { "/admin/throttle/*/lift", M_POST, portal_admin_throttle_lift_post,
      ROUTE_AUTH, ADMIN },
    /* the JSON API: the paths and fields of the service it replaces */
    { "/api/ops/login", M_POST, portal_api_ops_login, ROUTE_APIPUB },
    { "/api/client/login", M_POST, portal_api_client_login, ROUTE_APIPUB },
    { "/api/client/signup", M_POST, portal_api_client_signup, ROUTE_APIPUB },
    { "/api/client/verify-email", M_GET, portal_api_client_verify,
      ROUTE_APIPUB },
    { "/api/openapi.json", M_GET, portal_api_openapi, ROUTE_APIPUB },
    { "/api/ops/upload", M_POST, portal_api_ops_upload,
      ROUTE_API | ROUTE_UPLOAD | ROUTE_MULTIPART },
    { "/api/client/files", M_GET, portal_api_client_files, ROUTE_API,
      CLIENT },
    { "/api/client/download/*", M_GET, portal_api_client_download,
      ROUTE_API, CLIENT },
    { "/api/logout", M_POST, portal_api_logout, ROUTE_API },
    { NULL, 0, NULL, 0, 0 }
};

/* Does path match pattern?  A '*' segment in the pattern matches one
 * non-empty path segment, which goes to req->arg (the first) or
 * req->arg2 (the second). */
static int route_match(portal_req_t *req, const char *pattern,
                       const char *path)
{
    const char *args[2] = { NULL, NULL };
    int nargs = 0;

    while (*pattern && *path) {
        if (pattern[0] == '*') {
            apr_size_t n = strcspn(path, "/");

            if (n == 0 || nargs == 2) {
                return 0;
            }
            args[nargs++] = apr_pstrmemdup(req->r->pool, path, n);
            path += n;
            pattern++;
            continue;
        }
        if (*pattern != *path) {
            return 0;
        }
        pattern++;
        path++;
    }
    if (*pattern || *path) {
        return 0;
    }
    req->arg = args[0];
    req->arg2 = args[1];
    return 1;
}

/* GET /logout: a page with the sign-out button (signing out is a POST
 * with a CSRF token, so a link or an image cannot do it). */
static int logout_get(portal_req_t *req)
{
    if (!req->user) {
        return portal_redirect(req, "/login");
    }
    return portal_render(req, HTTP_OK, "logout",
                         portal_page_data(req, "Sign out"));
}

static int wants_json(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return accept && ap_strcasestr(accept, "application/json")
           && !ap_strcasestr(accept, "text/html");
}

static int not_signed_in(portal_req_t *req)
{
    if (req->want_json) {
        apr_table_setn(req->r->err_headers_out, "WWW-Authenticate",
                       "Cookie realm=\"portal\"");
        return portal_error(req, HTTP_UNAUTHORIZED,
                            "Sign in to see this page.");
    }
    return portal_redirect(req, req->session_expired ? "/login?expired=1"
                                                     : "/login");
}

static int db_down(portal_req_t *req)
{
    return portal_error(req, HTTP_SERVICE_UNAVAILABLE,
                        "The portal's database is not available right "
                        "now. Please try again in a moment.");
}

/* Who is asking: the session, or the bearer token, as the route says. */
static int authenticate(portal_req_t *req, const route_t *rt)
{
    int api = rt && (rt->flags & (ROUTE_API | ROUTE_APIPUB));

    if (api || (!rt && !strncmp(req->path, "/api/", 5))) {
        req->want_json = 1;
    }
    if (api) {
        /* never the session cookie */
        return (rt->flags & ROUTE_API) ? portal_bearer_auth(req) : OK;
    }
    if (rt && (rt->flags & ROUTE_BEARER)) {
        const char *h = apr_table_get(req->r->headers_in, "Authorization");

        if (h && !strncasecmp(h, "Bearer ", 7)) {
            return portal_bearer_auth(req);
        }
    }
    if (portal_session_load(req) != APR_SUCCESS) {
        db_down(req);
        return DONE;
    }
    return OK;
}

/* An API POST other than the upload with a body (or a Content-Type)
 * that is not JSON.  (The upload's handler checks its multipart type.) */
static int not_json(portal_req_t *req, const route_t *rt)
{
    request_rec *r = req->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");

    if (rt->method != M_POST || !(rt->flags & (ROUTE_API | ROUTE_APIPUB))
        || (rt->flags & ROUTE_MULTIPART) || portal_is_json_type(ct)) {
        return 0;
    }
    return ct || portal_has_body(r);
}

/* The route's role check, for a signed-in user. */
static int role_allowed(portal_req_t *req, const route_t *rt)
{
    int bit = req->user->role_bit;

    if ((rt->flags & ROUTE_UPLOAD) && !(portal_upload_roles(req) & bit)) {
        return 0;
    }
    return !rt->roles || (rt->roles & bit);
}

static int dispatch(portal_req_t *req)
{
    request_rec *r = req->r;
    const route_t *rt, *found = NULL;
    const char *allow = NULL;
    int method = r->method_number, rc;

    for (rt = routes; rt->path; rt++) {
        if (!route_match(req, rt->path, req->path)) {
            continue;
        }
        if (rt->method == method) {
            found = rt;
            break;
        }
        allow = allow ? apr_pstrcat(r->pool, allow, ", ",
                                    rt->method == M_GET ? "GET, HEAD"
                                                        : "POST", NULL)
                      : (rt->method == M_GET ? "GET, HEAD" : "POST");
    }
    if (found && not_json(req, found)) {
        const char *ct = apr_table_get(r->headers_in, "Content-Type");

        req->want_json = 1;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(1310)
                      "refused a body of type %s to %s: the API takes JSON",
                      ct ? ap_escape_logitem(r->pool, ct) : "(none)",
                      req->path);
        return portal_error(req, HTTP_UNSUPPORTED_MEDIA_TYPE, "Send the "
                            "request body as application/json.");
    }
    rc = authenticate(req, found);
    if (rc != OK) {
        return rc == DONE ? OK : rc;    /* DONE: the answer was made */
    }
    if (found) {
        if ((found->flags & ROUTE_AUTH) && !req->user) {
            return not_signed_in(req);
        }
        if (req->user) {
            req->upload_types = portal_upload_types_for(req);
            if (!role_allowed(req, found)) {
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                              PORTAL_LOGNO(0110) "refused %s %s to %s user "
                              "%s", r->method, req->path, req->user->role,
                              req->user->uuid);
                return portal_error(req, HTTP_FORBIDDEN,
                                    (found->flags & ROUTE_UPLOAD)
                                    ? "Your account may not upload files."
                                    : "Your account may not do this.");
            }
        }
        return found->fn(req);
    }
    if (allow) {
        apr_table_setn(r->err_headers_out, "Allow", allow);
        return portal_error(req, HTTP_METHOD_NOT_ALLOWED,
                            apr_psprintf(r->pool, "%s is not allowed here.",
                                         r->method));
    }
    return portal_error(req, HTTP_NOT_FOUND,
                        "There is no page at this address.");
}

/* The path of the most specific section that applied to r (core merges
 * `d` from the innermost one): the <Location> of `SetHandler portal`,
 * without its trailing '/'.  "" when it is a regex or not a URL path. */
static const char *section_path(request_rec *r)
{
    core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    apr_size_t n;

    if (!core || !core->d || core->r || core->d_is_fnmatch
        || core->d[0] != '/') {
        return "";
    }
    n = strlen(core->d);
    while (n > 0 && core->d[n - 1] == '/') {
        n--;
    }
    return apr_pstrmemdup(r->pool, core->d, n);
}

int portal_handler(request_rec *r)
{
    const portal_dir_t *dir;
    portal_req_t *req;
    const char *mount, *uri, *args;
    apr_size_t n;

    if (!r->handler || strcmp(r->handler, PORTAL_HANDLER)) {
        return DECLINED;
    }
    dir = ap_get_module_config(r->per_dir_config, &portal_module);
    req = apr_pcalloc(r->pool, sizeof(*req));
    req->r = r;
    req->conf = ap_get_module_config(r->server->module_config,
                                     &portal_module);
    mount = dir->mount ? dir->mount : section_path(r);
    req->mount = mount;
    req->want_json = wants_json(r);
    req->verify_email = dir->verify_email != PORTAL_UNSET
                        ? dir->verify_email
                        : portal_conf_verify_email(req->conf);
    req->change_code = dir->change_code != PORTAL_UNSET
                       ? dir->change_code
                       : portal_conf_change_code(req->conf);
    req->dir = dir;
    req->max_file = dir->max_file != PORTAL_UNSET
                    ? dir->max_file
                    : portal_files_max_file(&req->conf->files);
    req->max_request = dir->max_request != PORTAL_UNSET
                       ? dir->max_request
                       : portal_files_max_request(&req->conf->files);
    portal_security_headers(r);
    /* r->uri and r->args may show a redacted form (portal_redact.c) */
    if (portal_redact_real(r, &uri, &args)) {
        apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    }

    n = strlen(mount);
    if (strncmp(uri, mount, n)) {
        /* a <LocationMatch> or an alias mapped us elsewhere */
        req->mount = "";
        n = 0;
    }
    req->path = uri + n;
    if (!*req->path) {
        req->path = "/";
    }
    else if (*req->path != '/') {
        return portal_error(req, HTTP_NOT_FOUND,
                            "There is no page at this address.");
    }

    if (args && *args) {
        pt_err_t err = { 0 };

        if (pt_form_parse(r->pool, args, strlen(args), &req->query,
                          &err) != APR_SUCCESS) {
            return portal_error(req, HTTP_BAD_REQUEST, apr_pstrcat(
                                r->pool, "Malformed query string: ",
                                err.what, NULL));
        }
    }
    else {
        req->query = apr_table_make(r->pool, 1);
    }

    return dispatch(req);
}
