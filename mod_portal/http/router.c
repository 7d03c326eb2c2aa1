/*
 * router.c -- the content handler: method + path -> handler, through a
 * table of routes (handle/routes.c, given by mod_portal.c).
 *
 * The path is taken below the mount point (the <Location> that set
 * `SetHandler portal`), so the same routes serve "/" and "/portal".
 * Unknown paths get 404, known paths with another method 405 and Allow.
 * Who may reach a route is said in the table, once, and checked here
 * before the handler runs (PORTAL_ROUTE_* in http.h): the session or the
 * bearer token, the route's roles (403 otherwise), and that an API POST
 * other than the upload is JSON (415 otherwise).
 */
#include "apr_strings.h"
#include "http_core.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_form.h"
#include "pt_account.h"

APLOG_USE_MODULE(portal);

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
static int authenticate(portal_req_t *req, const portal_route_t *rt)
{
    int api = rt && (rt->flags & (PORTAL_ROUTE_API | PORTAL_ROUTE_APIPUB));

    if (api || (!rt && !strncmp(req->path, "/api/", 5))) {
        req->want_json = 1;
    }
    if (api) {
        /* never the session cookie */
        return (rt->flags & PORTAL_ROUTE_API) ? portal_bearer_auth(req) : OK;
    }
    if (rt && (rt->flags & PORTAL_ROUTE_BEARER)) {
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
static int not_json(portal_req_t *req, const portal_route_t *rt)
{
    request_rec *r = req->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");

    if (rt->method != M_POST
        || !(rt->flags & (PORTAL_ROUTE_API | PORTAL_ROUTE_APIPUB))
        || (rt->flags & PORTAL_ROUTE_MULTIPART) || portal_is_json_type(ct)) {
        return 0;
    }
    return ct || portal_has_body(r);
}

/* The route's role check, for a signed-in user. */
static int role_allowed(portal_req_t *req, const portal_route_t *rt)
{
    int bit = req->user->role_bit;

    if ((rt->flags & PORTAL_ROUTE_UPLOAD)
        && !(portal_dir_upload_roles(req->dir) & bit)) {
        return 0;
    }
    return !rt->roles || (rt->roles & bit);
}

static int dispatch(portal_req_t *req, const portal_route_t *routes)
{
    request_rec *r = req->r;
    const portal_route_t *rt, *found = NULL;
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
        if ((found->flags & PORTAL_ROUTE_AUTH) && !req->user) {
            return not_signed_in(req);
        }
        if (req->user) {
            req->upload_types = portal_dir_upload_types(
                req->dir, req->conf, pt_role_index(req->user->role));
            if (!role_allowed(req, found)) {
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                              PORTAL_LOGNO(0110) "refused %s %s to %s user "
                              "%s", r->method, req->path, req->user->role,
                              req->user->uuid);
                return portal_error(req, HTTP_FORBIDDEN,
                                    (found->flags & PORTAL_ROUTE_UPLOAD)
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

int portal_route(request_rec *r, const portal_route_t *routes)
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
    req->conf = portal_cfg_of(r->server);
    mount = portal_dir_mount(dir) ? portal_dir_mount(dir) : section_path(r);
    req->mount = mount;
    req->want_json = wants_json(r);
    req->verify_email = portal_dir_verify_email(dir, req->conf);
    req->change_code = portal_dir_change_code(dir, req->conf);
    req->dir = dir;
    req->max_file = portal_dir_max_file(dir, req->conf);
    req->max_request = portal_dir_max_request(dir, req->conf);
    portal_security_headers(r);
    /* r->uri and r->args may show a redacted form (http/redact.c) */
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

    return dispatch(req, routes);
}
