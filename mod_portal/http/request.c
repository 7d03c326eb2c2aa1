/*
 * request.c -- what comes in with a request: bodies, forms and cookies,
 * and the cookies that go out.
 *
 * Form bodies are read up to PortalFormMaxSize: a declared Content-Length
 * over it is refused before anything is read, and a chunked body is cut off
 * at the limit.  The parse itself is the core's strict pt_form_parse().
 */
#include "apr_strings.h"
#include "apr_lib.h"
#include "util_cookies.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_form.h"

APLOG_USE_MODULE(portal);

#define FORM_TYPE "application/x-www-form-urlencoded"
#define JSON_TYPE "application/json"

/* Is ct the media type type (parameters allowed)? */
static int is_type(const char *ct, const char *type)
{
    apr_size_t n = strlen(type);

    if (!ct || strncasecmp(ct, type, n)) {
        return 0;
    }
    return ct[n] == '\0' || ct[n] == ';' || apr_isspace(ct[n]);
}

static int is_form_type(const char *ct)
{
    return is_type(ct, FORM_TYPE);
}

int portal_read_body(portal_req_t *req, const char **data, apr_size_t *len,
                     const char **msg)
{
    request_rec *r = req->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    int max = portal_conf_form_max(req->conf);
    pt_buf_t body;
    char chunk[8192];
    long got;
    int rc;

    if (cl) {
        char *end;
        apr_off_t n;

        if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end || n < 0) {
            *msg = "The Content-Length header is not a number.";
            return HTTP_BAD_REQUEST;
        }
        if (n > max) {
            r->connection->keepalive = AP_CONN_CLOSE;
            *msg = apr_psprintf(r->pool, "The request body is larger than "
                                "the %d bytes this portal accepts.", max);
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }
    rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);
    if (rc != OK) {
        *msg = "The request body could not be read.";
        return rc;
    }
    pt_buf_init(&body, r->pool, 1024, (apr_size_t)max);
    if (ap_should_client_block(r)) {
        while ((got = ap_get_client_block(r, chunk, sizeof(chunk))) > 0) {
            if (pt_buf_append(&body, chunk, (apr_size_t)got)
                != APR_SUCCESS) {
                r->connection->keepalive = AP_CONN_CLOSE;
                *msg = apr_psprintf(r->pool, "The request body is larger "
                                    "than the %d bytes this portal "
                                    "accepts.", max);
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
        }
        if (got < 0) {
            r->connection->keepalive = AP_CONN_CLOSE;
            *msg = "The request body was cut off before its end.";
            return HTTP_BAD_REQUEST;
        }
    }
    *data = body.data ? body.data : "";
    *len = body.len;
    return OK;
}

int portal_read_form(portal_req_t *req, const char **msg)
{
    request_rec *r = req->r;
    pt_err_t err = { 0 };
    const char *data;
    apr_size_t len;
    int rc;

    if (!is_form_type(apr_table_get(r->headers_in, "Content-Type"))) {
        *msg = "Send the form as " FORM_TYPE ".";
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    rc = portal_read_body(req, &data, &len, msg);
    if (rc != OK) {
        return rc;
    }
    if (pt_form_parse(r->pool, data, len, &req->form, &err)
        != APR_SUCCESS) {
        *msg = apr_pstrcat(r->pool, "The form could not be read: ",
                           err.what, NULL);
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

int portal_is_json_type(const char *ct)
{
    return is_type(ct, JSON_TYPE);
}

int portal_has_body(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    return apr_table_get(r->headers_in, "Transfer-Encoding") != NULL
           || (cl && strspn(cl, "0") != strlen(cl));
}

/* A form field with surrounding white space removed and the CRLF line
 * ends browsers send for a textarea made LF ("" when absent). */
const char *portal_form_field(portal_req_t *req, const char *name)
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

const char *portal_form_get(portal_req_t *req, const char *name)
{
    return req->form ? apr_table_get(req->form, name) : NULL;
}

const char *portal_cookie_get(request_rec *r, const char *name)
{
    const char *val = NULL;

    if (ap_cookie_read(r, name, &val, 0) != APR_SUCCESS) {
        return NULL;
    }
    return val;
}

static int is_secure(portal_req_t *req)
{
    int mode = portal_conf_cookie_secure(req->conf);

    if (mode == PORTAL_COOKIE_AUTO) {
        return !strcmp(ap_http_scheme(req->r), "https");
    }
    return mode;
}

const char *portal_cookie_name(portal_req_t *req, const char *base)
{
    if (!is_secure(req)) {
        return base;
    }
    /* __Host- needs Path=/; under a prefix the next best is __Secure- */
    return apr_pstrcat(req->r->pool, *req->mount ? "__Secure-" : "__Host-",
                       base, NULL);
}

void portal_cookie_set(portal_req_t *req, const char *name,
                       const char *value, int max_age)
{
    request_rec *r = req->r;
    const char *cookie;

    cookie = apr_pstrcat(r->pool, name, "=", value,
                         "; Path=", *req->mount ? req->mount : "/",
                         "; HttpOnly; SameSite=Lax",
                         is_secure(req) ? "; Secure" : "",
                         max_age >= 0 ? apr_psprintf(r->pool,
                                                     "; Max-Age=%d",
                                                     max_age) : "",
                         NULL);
    apr_table_addn(r->err_headers_out, "Set-Cookie", cookie);
}
