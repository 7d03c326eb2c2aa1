/*
 * render.c -- the one way out for every response: a page rendered
 * from a template, the same data as JSON, a redirect, or an error page in
 * the site layout.  Every response carries the security headers.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

#define PAGE_MAX (8 * 1024 * 1024)

void portal_security_headers(request_rec *r)
{
    apr_table_t *h = r->err_headers_out;

    apr_table_setn(h, "Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; "
                   "style-src 'self'; img-src 'self' data:; "
                   "connect-src 'self'; form-action 'self'; "
                   "frame-ancestors 'none'; base-uri 'none'");
    apr_table_setn(h, "X-Content-Type-Options", "nosniff");
    apr_table_setn(h, "Referrer-Policy", "same-origin");
    apr_table_setn(h, "X-Frame-Options", "DENY");
    apr_table_setn(h, "Cache-Control", "no-store");
    apr_table_mergen(h, "Vary", "Accept, Cookie");
}

json_t *portal_page_data(portal_req_t *req, const char *title)
{
    json_t *d = pt_json_pool(req->r->pool, json_object());
    portal_user_t *u = req->user;

    json_object_set_new(d, "site", json_string(
                        portal_conf_site_name(req->conf)));
    json_object_set_new(d, "title", json_string(title));
    json_object_set_new(d, "base", json_string(req->mount));
    json_object_set_new(d, "static", json_string(
                        portal_conf_static_url(req->conf)));
    json_object_set_new(d, "csrf_token", json_string(
                        portal_csrf_token(req)));
    if (u) {
        json_object_set_new(d, "user", json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
            "id", u->uuid, "username", u->username, "email", u->email,
            "first_name", u->first_name, "last_name", u->last_name,
            "address", u->address, "role", u->role,
            "is_admin", (u->role_bit & PORTAL_ROLE_ADMIN) != 0));
    }
    return d;
}

static void send_body(request_rec *r, int status, const char *type,
                      const char *body, apr_size_t len)
{
    r->status = status;
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
}

int portal_json(portal_req_t *req, int status, json_t *data)
{
    request_rec *r = req->r;
    char *s = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII);
    const char *body;

    if (!s) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PORTAL_LOGNO(0101)
                      "cannot encode a JSON response");
        s = strdup("{\"error\":\"internal_error\"}");
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    body = apr_pstrcat(r->pool, s, "\n", NULL);
    free(s);
    send_body(r, status, "application/json", body, strlen(body));
    return OK;
}

int portal_render(portal_req_t *req, int status, const char *name,
                  json_t *data)
{
    request_rec *r = req->r;
    pt_buf_t out;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (req->want_json) {
        /* the page's data, less what only the layout needs */
        json_t *j = json_deep_copy(data);

        json_object_del(j, "site");
        json_object_del(j, "title");
        json_object_del(j, "base");
        json_object_del(j, "static");
        pt_json_pool(r->pool, j);
        return portal_json(req, status, j);
    }
    pt_buf_init(&out, r->pool, 8192, PAGE_MAX);
    rv = pt_tplset_render(portal_conf_templates(req->conf), name, data, &out,
                          &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0102)
                      "rendering template '%s': %s", name,
                      err.what ? pt_err_str(&err, r->pool) : "failed");
        send_body(r, HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                  "Internal error while rendering the page.\n", 41);
        return OK;
    }
    send_body(r, status, "text/html; charset=utf-8", out.data, out.len);
    return OK;
}

int portal_redirect(portal_req_t *req, const char *path)
{
    request_rec *r = req->r;

    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, *req->mount ? req->mount : "",
                               path, NULL));
    r->status = HTTP_SEE_OTHER;
    ap_set_content_length(r, 0);
    return OK;
}

static const char *status_code(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        return "bad_request";
    case HTTP_UNAUTHORIZED:
        return "unauthorized";
    case HTTP_FORBIDDEN:
        return "forbidden";
    case HTTP_NOT_FOUND:
        return "not_found";
    case HTTP_METHOD_NOT_ALLOWED:
        return "method_not_allowed";
    case HTTP_CONFLICT:
        return "conflict";
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return "payload_too_large";
    case HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "unsupported_media_type";
    case HTTP_GONE:
        return "gone";
    case HTTP_RANGE_NOT_SATISFIABLE:
        return "range_not_satisfiable";
    case HTTP_TOO_MANY_REQUESTS:
        return "rate_limited";
    case HTTP_SERVICE_UNAVAILABLE:
        return "service_unavailable";
    default:
        return status >= 500 ? "internal_error" : "error";
    }
}

int portal_error(portal_req_t *req, int status, const char *message)
{
    request_rec *r = req->r;
    json_t *d;
    const char *title = ap_get_status_line(status);

    if (req->want_json) {
        d = pt_json_pool(r->pool, json_pack("{s:s, s:s}", "error",
                                         status_code(status),
                                         "message", message));
        return portal_json(req, status, d);
    }
    /* "404 Not Found" -> "Not Found" */
    if (title && strlen(title) > 4) {
        title += 4;
    }
    d = portal_page_data(req, title);
    json_object_set_new(d, "status", json_integer(status));
    json_object_set_new(d, "message", json_string(message));
    return portal_render(req, status, "error", d);
}

int portal_api_error(portal_req_t *req, int status, const char *code,
                     const char *message)
{
    return portal_json(req, status, pt_json_pool(
                       req->r->pool, json_pack("{s:s, s:s}", "error", code,
                                               "message", message)));
}

int portal_db_fail(portal_req_t *req, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r, PORTAL_LOGNO(0207)
                  "%s: %s", what, req->db && req->db->errmsg
                                      ? req->db->errmsg : "no connection");
    if (!req->db) {
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE,
                            "The portal's database is not available right "
                            "now. Please try again in a moment.");
    }
    return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                        "Something went wrong on our side and nothing was "
                        "changed. Please try again.");
}

const char *portal_link(portal_req_t *req, const char *path)
{
    return apr_pstrcat(req->r->pool,
                       portal_conf_base_url(req->conf),
                       req->mount, path, NULL);
}
