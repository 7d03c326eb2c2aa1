/*
 * http.h -- the request side of the glue: reading what comes in
 * (request.c: bodies, forms, cookies), sessions (session.c), CSRF tokens
 * (csrf.c, form.c), bearer tokens (bearer.c), the database through
 * mod_dbd (db.c), the router (router.c), and keeping secrets in URLs out
 * of httpd's logs (redact.c).  The response helpers (render.c) are
 * declared in portal.h, which every glue file includes.
 *
 * http/ calls only cfg/ (and the core): the handlers, the domain records
 * and the jobs build on it, never the other way round.
 */
#ifndef PORTAL_HTTP_H
#define PORTAL_HTTP_H

#include "portal.h"

/* ---- request.c */
/* Read and parse an urlencoded body into req->form (no CSRF check: see
 * portal_form_csrf).  Returns OK, or an HTTP status (400, 413, 415) after
 * which the caller answers with portal_error(). *msg gets the
 * explanation. */
int portal_read_form(portal_req_t *req, const char **msg);
/* Read the whole request body, at most PortalFormMaxSize bytes.  OK, or
 * an HTTP status (400, 413) with *msg. */
int portal_read_body(portal_req_t *req, const char **data, apr_size_t *len,
                     const char **msg);
/* Is ct application/json (with parameters)? */
int portal_is_json_type(const char *ct);
/* Does the request come with a body (a non-zero Content-Length, or
 * chunked)? */
int portal_has_body(request_rec *r);
const char *portal_form_get(portal_req_t *req, const char *name);
/* A text field with surrounding white space removed and a textarea's CRLF
 * line ends made LF; "" when absent.  (Passwords: portal_form_get.) */
const char *portal_form_field(portal_req_t *req, const char *name);
const char *portal_cookie_get(request_rec *r, const char *name);
/* Set-Cookie with the portal's attributes; max_age < 0 omits Max-Age,
 * 0 deletes the cookie. */
void portal_cookie_set(portal_req_t *req, const char *name,
                       const char *value, int max_age);
/* Cookie names follow the scheme: __Host-/__Secure- prefixes on HTTPS. */
const char *portal_cookie_name(portal_req_t *req, const char *base);

/* ---- form.c */
/* Read the form and check its CSRF token.  Returns 1 when the handler may
 * go on; otherwise 0, with the response already produced (an error page,
 * or the form again through rerender with a 403) and *rc what the handler
 * must return. */
int portal_form_csrf(portal_req_t *req,
                     int (*rerender)(portal_req_t *, int, const char *),
                     int *rc);

/* ---- csrf.c */
/* The pre-session cookie CSRF tokens are bound to before sign-in. */
#define PORTAL_PRE_COOKIE "portal_pre"
/* The CSRF token for forms in this response (session-bound when signed
 * in, bound to a pre-session cookie otherwise: it sets that cookie). */
const char *portal_csrf_token(portal_req_t *req);
/* 1 when the request's csrf_token field is valid for it. */
int portal_csrf_check(portal_req_t *req);

/* ---- session.c */
/* Load the session named by the cookie (if any) into req. */
apr_status_t portal_session_load(portal_req_t *req);
/* Start a new session for user_id (a new token; the old one is deleted). */
apr_status_t portal_session_create(portal_req_t *req, apr_int64_t user_id);
/* End the current session. */
apr_status_t portal_session_destroy(portal_req_t *req);
/* The account columns of a row (uuid, username, email, names, address,
 * role) as the request's user with id. */
portal_user_t *portal_user_from_row(apr_pool_t *p, const pt_row_t *row,
                                    apr_int64_t id);

/* ---- bearer.c */
/* Authenticate the request by its bearer token (Authorization header
 * only: never a cookie).  OK with req->user set; otherwise DONE: the 401
 * (WWW-Authenticate: Bearer ...) or 503 response was made. */
int portal_bearer_auth(portal_req_t *req);
/* Issue a token for the account (its uuid and role); *token and
 * *expires_in. */
apr_status_t portal_token_for(portal_req_t *req, const char *uuid,
                              const char *role, const char **token,
                              int *expires_in);

/* ---- db.c */
/* The request's database connection (mod_dbd pool), with the schema up to
 * date; NULL when the database cannot be reached (logged).  A handler
 * answers a failure with portal_db_fail(). */
pt_db_t *portal_db_get(portal_req_t *req);
/* A connection for background work: ap_dbd_open on pool; release it with
 * portal_db_release(). */
pt_db_t *portal_db_open(server_rec *s, apr_pool_t *pool);
void portal_db_release(server_rec *s, pt_db_t *db);
/* Bring the schema up to date once per process (thread-safe). */
apr_status_t portal_db_ensure_schema(server_rec *s, pt_db_t *db);
void portal_db_child_init(apr_pool_t *pchild, server_rec *s);
/* Look up mod_dbd's optional functions; start-up fails without them. */
int portal_db_post_config(server_rec *s);

/* ---- router.c */
typedef int (*portal_route_fn)(portal_req_t *req);

/* Who may reach a route (handle/routes.c says what each means). */
#define PORTAL_ROUTE_AUTH 1         /* needs a signed-in user */
#define PORTAL_ROUTE_API 2          /* needs a bearer token */
#define PORTAL_ROUTE_APIPUB 4       /* the API, no token needed */
#define PORTAL_ROUTE_BEARER 8       /* session, or a bearer token if sent */
#define PORTAL_ROUTE_UPLOAD 16      /* roles from PortalUploadRoles */
#define PORTAL_ROUTE_MULTIPART 32   /* an API POST of multipart/form-data */

typedef struct portal_route_t {
    const char *path;           /* '*' segments go to req->arg, arg2 */
    int method;                 /* M_GET (also serves HEAD) or M_POST */
    portal_route_fn fn;
    int flags;                  /* PORTAL_ROUTE_* */
    int roles;                  /* PORTAL_ROLE_* bits; 0: any */
} portal_route_t;

/* The content handler: a request for SetHandler portal, answered by the
 * route of routes (ended by a NULL path) its method and path match. */
int portal_route(request_rec *r, const portal_route_t *routes);

/* ---- redact.c: secrets in URLs never reach the logs */
/* translate_name hook: a portal URL holding a secret is replaced by what
 * the logs may show before anything else reads it. */
int portal_redact_translate(request_rec *r);
/* log_transaction hook: the same for whatever the first could not do. */
int portal_redact_log(request_rec *r);
/* The request's real path and query (the shown ones replaced them);
 * 1 when they hold a secret. */
int portal_redact_real(request_rec *r, const char **uri, const char **args);

#endif /* PORTAL_HTTP_H */
