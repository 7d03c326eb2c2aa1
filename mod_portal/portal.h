/*
 * portal.h -- what every glue file of mod_portal needs: the module, log
 * tags, the roles, the per-request context, and the response helpers
 * (http/render.c), the one way out for every answer.
 *
 * The glue translates between httpd and the core (core/, pure C); it
 * lives in folders by role, each with its header (docs/architecture.md):
 *   mod_portal.c   the module record, hooks and start-up
 *   cfg/           directives, create/merge, accessors (cfg/cfg.h)
 *   http/          request reading, sessions, CSRF, bearer tokens, the
 *                  router, mod_dbd access, rendering (http/http.h)
 *   model/         records shared by handlers and jobs (model/model.h)
 *   handle/        one file per area of routes (handle/handle.h)
 *   jobs/          the watchdog runner and each job (jobs/jobs.h)
 * A folder calls only the folders below it in that list's picture:
 * handle and jobs -> model -> http -> cfg.
 */
#ifndef PORTAL_H
#define PORTAL_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include <jansson.h>

#include "pt_core.h"
#include "pt_sql.h"
#include "pt_util.h"

extern module AP_MODULE_DECLARE_DATA portal_module;

/* Log tags: PORTAL_LOGNO(0042) -> "PT0042: " (AH numbers are httpd's). */
#define PORTAL_LOGNO(n) "PT" #n ": "

#define PORTAL_HANDLER "portal"

/* Roles: every account has one.  Bits, so a route or a directive can name
 * a set of them (cfg/roles.c names them). */
#define PORTAL_ROLE_CLIENT 0x1
#define PORTAL_ROLE_OPERATIONS 0x2
#define PORTAL_ROLE_ADMIN 0x4
#define PORTAL_ROLES_ALL 0x7
#define PORTAL_ROLE_COUNT 3

/* The configuration's records, private to cfg/ (cfg/cfg.h reads them). */
typedef struct portal_srv_t portal_srv_t;
typedef struct portal_dir_t portal_dir_t;

/* The signed-in user, as loaded with the session. */
typedef struct portal_user_t {
    apr_int64_t id;
    const char *uuid;
    const char *username;
    const char *email;
    const char *first_name;
    const char *last_name;
    const char *address;
    const char *role;
    int role_bit;               /* PORTAL_ROLE_* */
    apr_int64_t login_at;       /* this session's sign-in */
    const char *login_ip;
    apr_int64_t prev_login_at;  /* 0: none */
    const char *prev_login_ip;
} portal_user_t;

/* Everything a handler needs, allocated from r->pool. */
typedef struct portal_req_t {
    request_rec *r;
    const portal_srv_t *conf;
    const char *mount;          /* "" at the root, else "/prefix" */
    const char *path;           /* below the mount, starting with '/' */
    const char *arg;            /* the route's first '*' segment */
    const char *arg2;           /* and its second */
    int want_json;
    pt_db_t *db;                /* NULL until portal_db_get() */
    apr_table_t *query;         /* parsed query string */
    apr_table_t *form;          /* parsed body, after portal_read_form() */

    /* session state (http/session.c) */
    const char *session_token;  /* the cookie's token, when valid */
    const char *session_hash;
    portal_user_t *user;        /* NULL: not signed in */
    int session_expired;        /* a session cookie named no live session */
    const char *csrf_token;     /* for forms rendered by this request */
    int verify_email;           /* PortalEmailVerification, resolved */
    int change_code;            /* PortalPasswordChangeCode, resolved */
    const portal_dir_t *dir;
    int api;                    /* signed in by a bearer token */
    const char *jti;            /* that token's id and expiry */
    apr_int64_t token_exp;
    const char *upload_types;   /* for this user's role, resolved ("": any) */
    apr_off_t max_file;         /* PortalUploadMaxFileSize, resolved */
    apr_off_t max_request;      /* PortalUploadMaxRequestSize, resolved */
} portal_req_t;

/* ---- responses (http/render.c) */
/* The template data every page gets (site, mount, user, csrf). */
json_t *portal_page_data(portal_req_t *req, const char *title);
/* Render template `name` with data (stolen) with the given status, or the
 * data as JSON when the client asked for JSON.  Returns OK. */
int portal_render(portal_req_t *req, int status, const char *name,
                  json_t *data);
/* JSON body with status. Returns OK. */
int portal_json(portal_req_t *req, int status, json_t *data);
/* 303 See Other to a path below the mount (path starts with '/'). */
int portal_redirect(portal_req_t *req, const char *path);
/* An error page in the site layout (or {"error", "message"} as JSON). */
int portal_error(portal_req_t *req, int status, const char *message);
/* {"error": code, "message": message} with status.  Returns OK. */
int portal_api_error(portal_req_t *req, int status, const char *code,
                     const char *message);
/* Log the database error of the last statement (req->db) and answer
 * 500, or 503 when there was no connection. */
int portal_db_fail(portal_req_t *req, const char *what);
/* Security headers every portal response carries. */
void portal_security_headers(request_rec *r);
/* Absolute URL of a path below the mount (PortalBaseURL), for mail and
 * API answers. */
const char *portal_link(portal_req_t *req, const char *path);

#endif /* PORTAL_H */
