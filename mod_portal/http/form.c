/*
 * form.c -- a POSTed form and its CSRF token, read and checked together
 * where a handler asks for both (portal_form_csrf): reading a body alone
 * (request.c) never checks a token behind the caller's back.
 */
#include "apr_strings.h"

#include "portal.h"
#include "http/http.h"

APLOG_USE_MODULE(portal);

int portal_form_csrf(portal_req_t *req,
                     int (*rerender)(portal_req_t *, int, const char *),
                     int *rc)
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
