/*
 * handle.h -- the handlers: one file per area of routes, each route said
 * once in routes.c's table (portal_routes), which mod_portal.c gives the
 * router.  Handlers call model/, http/ and cfg/; a few helpers are shared
 * between handler files (below each file's routes), never in a cycle.
 */
#ifndef PORTAL_HANDLE_H
#define PORTAL_HANDLE_H

#include "portal.h"
#include "http/http.h"

/* ---- routes.c */
extern const portal_route_t portal_routes[];

/* ---- login.c: sign-in, registration, sign-out */
int portal_login_get(portal_req_t *req);
int portal_login_post(portal_req_t *req);
int portal_register_get(portal_req_t *req);
int portal_register_post(portal_req_t *req);
int portal_logout_get(portal_req_t *req);
int portal_logout_post(portal_req_t *req);

/* ---- password.c */
int portal_change_password_get(portal_req_t *req);
int portal_change_password_post(portal_req_t *req);
int portal_change_password_confirm(portal_req_t *req);

/* ---- account.c: the mailed links, recovery */
int portal_verify_email_get(portal_req_t *req);
int portal_resend_verification_post(portal_req_t *req);
int portal_forgot_password_get(portal_req_t *req);
int portal_forgot_password_post(portal_req_t *req);
int portal_reset_password_get(portal_req_t *req);
int portal_reset_password_post(portal_req_t *req);

/* ---- sessions.c */
int portal_session_revoke_post(portal_req_t *req);
int portal_sessions_revoke_others_post(portal_req_t *req);
/* The signed-in user's live sessions, for the dashboard. */
json_t *portal_sessions_json(portal_req_t *req);

/* ---- oidc.c */
int portal_oidc_login_get(portal_req_t *req);
int portal_complete_profile_get(portal_req_t *req);
int portal_complete_profile_post(portal_req_t *req);

/* ---- dashboard.c */
int portal_dashboard_get(portal_req_t *req);

/* ---- files.c */
int portal_files_get(portal_req_t *req);
int portal_file_get(portal_req_t *req);
int portal_file_rename_post(portal_req_t *req);
int portal_file_delete_post(portal_req_t *req);
int portal_file_publish_post(portal_req_t *req);
int portal_tsa_cert_get(portal_req_t *req);
/* The files page with status and an error message (NULL: none). */
int portal_files_page(portal_req_t *req, int status, const char *error);
/* One file's page (404 when not the user's) with a notice or error. */
int portal_file_page(portal_req_t *req, int status, const char *notice,
                     const char *error);
/* The signed-in user's own file for a POST on it: the form read and its
 * CSRF token checked first (a bad one answers the file's page with 403),
 * then portal_own_file(). */
pt_row_t *portal_own_file_form(portal_req_t *req, int *rc);
/* The upload form's settings for templates (limits, accepted types). */
json_t *portal_upload_settings(portal_req_t *req);

/* ---- upload.c */
int portal_upload_post(portal_req_t *req);

/* ---- download.c */
int portal_file_download(portal_req_t *req);
int portal_file_receipt(portal_req_t *req);
/* One response of a stored file: what the request asks for, then what
 * went out. */
typedef struct portal_send_t {
    int status;                 /* 200, 206, 304 or 416 */
    apr_off_t off, len;         /* the bytes a 200 or 206 carries */
    const char *etag;
    apr_off_t sent;             /* bytes handed to the network */
    int complete;               /* the whole response went out */
} portal_send_t;
/* Plan the response to a file row (columns size, sha256): conditionals
 * and Range, nothing sent.  A HEAD is planned like its GET. */
void portal_send_plan(portal_req_t *req, const pt_row_t *row,
                      portal_send_t *plan);
/* Answer as planned: stream the plaintext of the row (also name,
 * content_type, storage_key, wrapped_key, uuid), or the 304 or 416;
 * plan->sent and plan->complete say what went out.  Returns what the
 * handler returns. */
int portal_send_file(portal_req_t *req, const pt_row_t *row,
                     portal_send_t *plan);

/* ---- links.c */
int portal_link_create_post(portal_req_t *req);
int portal_link_revoke_post(portal_req_t *req);
int portal_link_download(portal_req_t *req);
/* The answer when an account already holds its max active links (of the
 * kind bound: issued to it by the API): 429, with Retry-After when the
 * first of them expires (wait seconds). */
int portal_links_refused(portal_req_t *req, int bound, int max,
                         apr_int64_t wait);

/* ---- iocs.c, iocs_export.c, ioc_filter.c */
int portal_iocs_get(portal_req_t *req);
int portal_iocs_export_get(portal_req_t *req);
/* The dashboard's threat panel: totals, counts, charts, feed health, the
 * newest indicators. */
json_t *portal_ioc_panel(portal_req_t *req);
/* The signed-in user's place and local time (PortalGeoIPDatabase). */
json_t *portal_geo_json(portal_req_t *req, const char *ip,
                        apr_int64_t when);

/* The largest first_seen the keyset queries start below. */
#define PORTAL_IOC_TIME_MAX "4611686018427387903"

/* The filter of a request, validated. */
typedef struct portal_ioc_filter_t {
    const char *q;              /* as typed (trimmed), or NULL */
    const char *qarg;           /* the dialect's search argument */
    const char *type;
    const char *source;
    const char *from_text, *to_text;
    apr_int64_t from, to;       /* first_seen range, Unix seconds */
    const char *suffix;         /* query variant: "", "_q", "_t_s", ... */
    int any;                    /* some filter is set */
} portal_ioc_filter_t;
/* A query parameter without leading blanks; NULL when absent or blank. */
const char *portal_ioc_param(portal_req_t *req, const char *name);
/* Fill f from the query; NULL or the message for a 400. */
const char *portal_ioc_filter_read(portal_req_t *req, pt_db_t *db,
                                   portal_ioc_filter_t *f);
/* The filter's arguments, then extra ones, as an array for pt_db_*. */
const char **portal_ioc_filter_args(apr_pool_t *p,
                                    const portal_ioc_filter_t *f, int *n,
                                    const char **extra, int nextra);
/* The filter as a query string ("q=..&type=..&", possibly ""). */
const char *portal_ioc_filter_query(apr_pool_t *p,
                                    const portal_ioc_filter_t *f);

/* ---- admin.c, admin_throttle.c */
int portal_admin_get(portal_req_t *req);
int portal_admin_new_get(portal_req_t *req);
int portal_admin_new_post(portal_req_t *req);
int portal_admin_user_get(portal_req_t *req);
int portal_admin_role_post(portal_req_t *req);
int portal_admin_disable_post(portal_req_t *req);
int portal_admin_enable_post(portal_req_t *req);
int portal_admin_delete_post(portal_req_t *req);
int portal_admin_throttle_get(portal_req_t *req);
int portal_admin_throttle_lift_post(portal_req_t *req);

/* ---- api.c: the JSON API (paths of the replaced service) */
int portal_api_ops_login(portal_req_t *req);
int portal_api_client_login(portal_req_t *req);
int portal_api_ops_upload(portal_req_t *req);
int portal_api_client_signup(portal_req_t *req);
int portal_api_client_verify(portal_req_t *req);
int portal_api_client_files(portal_req_t *req);
int portal_api_client_download(portal_req_t *req);
int portal_api_logout(portal_req_t *req);
int portal_api_openapi(portal_req_t *req);

#endif /* PORTAL_HANDLE_H */
