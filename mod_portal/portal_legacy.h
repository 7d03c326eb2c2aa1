/*
 * portal_legacy.h -- the prototypes of the glue files not yet in their
 * folders (while the glue is re-laid; removed when it is).
 */
#ifndef PORTAL_LEGACY_H
#define PORTAL_LEGACY_H

#include "pt_password.h"
#include "pt_template.h"
#include "pt_buf.h"
#include "pt_store.h"
#include "pt_tsa.h"
#include "cfg/cfg.h"
#include "http/http.h"

#define PORTAL_RESET_LIFETIME (30 * 60)     /* password-reset links */
#define PORTAL_CODE_LIFETIME (10 * 60)      /* 6-digit confirmation codes */
#define PORTAL_CODE_ATTEMPTS 5
#define PORTAL_FILES_PER_PAGE 20
#define PORTAL_API_PER_PAGE 20
#define PORTAL_API_MAX_PER_PAGE 100

/* ---- portal_ioc_job.c */
/* The "ioc" job: pull every feed whose lease is free. */
apr_status_t portal_ioc_run(server_rec *s, pt_db_t *db, const char **result);
/* How often the job looks at the feeds' leases. */
int portal_ioc_tick(const portal_srv_t *c);

/* ---- portal_iocs.c */
int portal_iocs_get(portal_req_t *req);
int portal_iocs_export_get(portal_req_t *req);
/* The dashboard's threat panel: totals, counts, charts, feed health, the
 * newest indicators. */
json_t *portal_ioc_panel(portal_req_t *req);
/* The signed-in user's place and local time (PortalGeoIPDatabase). */
json_t *portal_geo_json(portal_req_t *req, const char *ip,
                        apr_int64_t when);

/* ---- portal_exports.c: at most PortalIocExportMax exports at once */
int portal_exports_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp);
int portal_exports_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);
void portal_exports_child_init(apr_pool_t *pchild, server_rec *s);
/* Take an export slot for the signed-in user until the request ends: 1;
 * or 0 with the refusal made (429 with Retry-After, or 503) and *rc what
 * the handler returns. */
int portal_export_begin(portal_req_t *req, int *rc);

/* ---- portal_api.c: the JSON API (paths of the replaced service) */
int portal_api_ops_login(portal_req_t *req);
int portal_api_client_login(portal_req_t *req);
int portal_api_ops_upload(portal_req_t *req);
int portal_api_client_signup(portal_req_t *req);
int portal_api_client_verify(portal_req_t *req);
int portal_api_client_files(portal_req_t *req);
int portal_api_client_download(portal_req_t *req);
int portal_api_logout(portal_req_t *req);
int portal_api_openapi(portal_req_t *req);
/* Read a JSON object of strings (or an urlencoded form) into req->form,
 * at most PortalFormMaxSize bytes.  OK, or 400, 413, 415 with *msg. */
int portal_api_read_body(portal_req_t *req, const char **msg);

/* ---- portal_publish.c: who sees an operations user's files */
/* Publish file_id: audience "private" | "clients" | "named" with the
 * named clients (usernames or emails, separated by commas, spaces or
 * new lines), public_links 0/1.  OK; else an HTTP status with *msg. */
int portal_publish(portal_req_t *req, pt_db_t *db, apr_int64_t file_id,
                   const char *audience, const char *clients,
                   int public_links, const char **msg);
int portal_file_publish_post(portal_req_t *req);
/* An owned file as the API shows it: portal_file_json() and its sharing
 * (audience, public_links, clients). */
json_t *portal_file_meta(portal_req_t *req, const char *uuid);
/* The files published to the signed-in client, newest first: page
 * (from 1) of per, and *total; NULL on a database error. */
json_t *portal_shared_files(portal_req_t *req, apr_int64_t page,
                            apr_int64_t per, apr_int64_t *total);
/* Add an owned file row's sharing to f (the file page). */
void portal_file_sharing(portal_req_t *req, pt_row_t *row, json_t *f);
/* A file the signed-in user may read (its owner, or a client it is
 * published to), by req->arg; NULL and *rc (404) otherwise. */
pt_row_t *portal_readable_file(portal_req_t *req, int *rc);

/* ---- portal_users.c: accounts made by sign-up, admins and the API */
typedef struct portal_new_user_t {
    const char *username, *email, *password;
    const char *first_name, *last_name, *address;
    const char *role;           /* "client", "operations", "admin" */
    int verified;               /* 1: no confirmation needed */
    int mail_link;              /* 1: mail the confirmation link */
    int self_signup;            /* 1: anonymous sign-up: throttled, and a
                                   taken email is answered as a new one */
    /* set by portal_user_create */
    apr_int64_t retry;          /* 429: seconds to wait (PORTAL_TH_DOWN:
                                   the throttle failed) */
    int busy;                   /* 503: the argon2 gate stayed full */
} portal_new_user_t;
/* The fields of a sign-up form (or JSON body) in req->form. */
void portal_new_user_from_form(portal_req_t *req, portal_new_user_t *nu,
                               const char *role);
/* The account columns of a row (uuid, username, email, names, address,
 * role) as the request's user with id. */
portal_user_t *portal_user_from_row(apr_pool_t *p, const pt_row_t *row,
                                    apr_int64_t id);
/* Validate and create the account (with its confirmation mail, in one
 * transaction).  OK with *uuid (and *verify_token when not verified);
 * else 400 (invalid fields), 409 (taken; for a self sign-up only the
 * username: a taken address gets OK and its owner a mail), 429
 * (nu->retry), 503 (nu->busy: the argon2 gate; else the database) or 500,
 * with *errors (field -> message, or NULL) for the caller's response. */
int portal_user_create(portal_req_t *req, portal_new_user_t *nu,
                       const char **uuid, const char **verify_token,
                       json_t **errors);

/* ---- portal_admin.c: /admin */
int portal_admin_get(portal_req_t *req);
int portal_admin_new_get(portal_req_t *req);
int portal_admin_new_post(portal_req_t *req);
int portal_admin_user_get(portal_req_t *req);
int portal_admin_role_post(portal_req_t *req);
int portal_admin_disable_post(portal_req_t *req);
int portal_admin_enable_post(portal_req_t *req);
int portal_admin_delete_post(portal_req_t *req);

/* ---- portal_auth.c */
int portal_login_get(portal_req_t *req);
int portal_login_post(portal_req_t *req);
/* (portal_signin.c) Check a username (or email) and password the way
 * sign-in does, under
 * the throttle (purpose "password") and the argon2 gate: the same work
 * whether or not the account exists or has a password; legacy hashes
 * upgraded; a right password records the address as known for the
 * account.  1 with *row (user_by_login's columns) on a match, 0 when
 * wrong, -1 on a database error, PORTAL_LOGIN_THROTTLED (refused before
 * any work: *retry seconds to wait, or PORTAL_TH_DOWN) or
 * PORTAL_LOGIN_BUSY (the gate stayed full). */
#define PORTAL_LOGIN_THROTTLED (-3)
#define PORTAL_LOGIN_BUSY (-2)
int portal_check_login(portal_req_t *req, pt_db_t *db, const char *login,
                       const char *pw, pt_row_t **row, apr_int64_t *retry);
int portal_register_get(portal_req_t *req);
int portal_register_post(portal_req_t *req);
int portal_logout_post(portal_req_t *req);
int portal_change_password_get(portal_req_t *req);
int portal_change_password_post(portal_req_t *req);
int portal_change_password_confirm(portal_req_t *req);

/* ---- portal_account.c */
/* Issue a single-use link token (retiring the user's older ones of the
 * same purpose); *token is what goes in the link. */
apr_status_t portal_token_issue(portal_req_t *req, pt_db_t *db,
                                const char *uid, const char *purpose,
                                int lifetime, const char **token);
apr_status_t portal_send_verification(portal_req_t *req, pt_db_t *db,
                                      const char *uid, const char *email,
                                      const char *first_name);
apr_status_t portal_queue_password_notice(portal_req_t *req, pt_db_t *db,
                                          const char *email,
                                          const char *first_name);
/* The signed-in user's live sessions, for the dashboard. */
json_t *portal_sessions_json(portal_req_t *req);
int portal_verify_email_get(portal_req_t *req);
/* Use an email-confirmation token: OK; 400 with *why (unknown, used or
 * expired); 503 when the database fails. */
int portal_email_confirm(portal_req_t *req, const char *tok,
                         const char **why);
int portal_resend_verification_post(portal_req_t *req);
int portal_forgot_password_get(portal_req_t *req);
int portal_forgot_password_post(portal_req_t *req);
int portal_reset_password_get(portal_req_t *req);
int portal_reset_password_post(portal_req_t *req);
int portal_session_revoke_post(portal_req_t *req);
int portal_sessions_revoke_others_post(portal_req_t *req);

/* ---- portal_oidc.c */
int portal_oidc_login_get(portal_req_t *req);
int portal_complete_profile_get(portal_req_t *req);
int portal_complete_profile_post(portal_req_t *req);

/* ---- portal_dashboard.c */
int portal_dashboard_get(portal_req_t *req);

/* ---- portal_upload.c */
int portal_upload_post(portal_req_t *req);
/* A file as JSON for pages and the API. */
json_t *portal_file_json(portal_req_t *req, const char *uuid,
                         const char *name, apr_off_t size, const char *type,
                         const char *sha256, apr_int64_t created);

/* ---- portal_files.c */
/* The signed-in user's file named by the route's first '*' (req->arg),
 * or NULL with *rc the response made: 404 (also for another user's file)
 * or the database error. */
pt_row_t *portal_own_file(portal_req_t *req, int *rc);
/* The same for a POST on the file: the form read and its CSRF token
 * checked first (a bad one answers the file's page with 403). */
pt_row_t *portal_own_file_form(portal_req_t *req, int *rc);
/* The files page with status and an error message (NULL: none). */
int portal_files_page(portal_req_t *req, int status, const char *error);
int portal_files_get(portal_req_t *req);
int portal_file_get(portal_req_t *req);
/* One file's page (404 when not the user's) with a notice or error. */
int portal_file_page(portal_req_t *req, int status, const char *notice,
                     const char *error);
int portal_file_rename_post(portal_req_t *req);
int portal_file_delete_post(portal_req_t *req);
int portal_tsa_cert_get(portal_req_t *req);
/* The upload form's settings for templates (limits, accepted types). */
json_t *portal_upload_settings(portal_req_t *req);

/* ---- portal_download.c */
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
/* The file's data key, unwrapped; NULL and *why when it cannot be. */
const unsigned char *portal_file_key(const portal_srv_t *c, apr_pool_t *p,
                                     const char *uuid, const char *wrapped,
                                     const char **why);

/* ---- portal_links.c */
int portal_link_create_post(portal_req_t *req);
int portal_link_revoke_post(portal_req_t *req);
int portal_link_download(portal_req_t *req);
/* The absolute URL of a link (its token signed for file_uuid, expires). */
const char *portal_link_url(portal_req_t *req, const char *link_uuid,
                            const char *file_uuid, apr_int64_t expires);
/* The links of file file_id for its page. */
json_t *portal_links_json(portal_req_t *req, apr_int64_t file_id,
                          const char *file_uuid);
/* PortalLinkMaxActive here: the active links one account may hold of
 * each kind (made on its files' pages; issued to it by the API). */
int portal_link_max_active(const portal_req_t *req);
/* Add a link to file_id for the signed-in user, unless it already holds
 * PortalLinkMaxActive active links of the kind: an owner's link (limit:
 * max_downloads or NULL), or with bound a link issued to the user (a
 * client, by the API); its ended links of the kind beyond the newest
 * PortalLinkMaxActive are removed.  1 when added; else 0 with the
 * response made (429 with Retry-After, or the database error) and *rc
 * what to return. */
int portal_link_add(portal_req_t *req, pt_db_t *db, const char *uuid,
                    const char *file_id, apr_int64_t now,
                    apr_int64_t expires, const char *limit, int bound,
                    int *rc);

/* ---- portal_files_job.c */
/* The "upload-mail" job: confirmation mail for new uploads. */
apr_status_t portal_upload_mail_run(server_rec *s, pt_db_t *db,
                                    const char **result);
/* The "store-cleanup" job: objects of abandoned uploads. */
apr_status_t portal_store_cleanup_run(server_rec *s, pt_db_t *db,
                                      const char **result);

/* ---- portal_mail.c */
/* A mail as the outbox keeps it: what the message is made of, never the
 * message.  The "mail" job builds it when it sends it, adding what must
 * not rest in the database: a link with a new single-use token, a new
 * 6-digit code, or a file decrypted from the store. */
typedef struct portal_mail_t {
    const char *name;           /* templates/mail/NAME.txt (and .html) */
    json_t *data;               /* the template's data: nothing secret */
    const char *to_addr, *to_name;
    const char *link_base;      /* absolute URL of the mount point, for
                                 * links (NULL: the server's base URL) */
    const char *secret;         /* NULL, or what the job makes at send
                                 * time for user_id: "verify_email" or
                                 * "reset_password" (data.link, valid
                                 * lifetime seconds), "change_password"
                                 * (data.code for the pending change whose
                                 * auth_tokens row is secret_ref) */
    const char *user_id;
    const char *secret_ref;
    int lifetime;
    const char *file_id;        /* attach this file (up to
                                 * PortalMailAttachMax; data.attached says
                                 * whether it was) */
} portal_mail_t;
/* Put m in the outbox on db, inside the caller's transaction (the change
 * and its mail, or neither).  The template is rendered once to check it
 * and to keep the subject (secrets masked) for the admin. */
apr_status_t portal_mail_put(server_rec *s, pt_db_t *db, apr_pool_t *p,
                             const portal_mail_t *m);
/* A mail without secrets: templates/mail/NAME.* with data, to to_addr. */
apr_status_t portal_mail_queue(server_rec *s, pt_db_t *db, apr_pool_t *p,
                               const char *name, json_t *data,
                               const char *to_addr, const char *to_name);
/* The "mail" job: reset requests to mail, then deliver the outbox, then
 * purge what PortalMailRetention no longer keeps. */
apr_status_t portal_mail_run(server_rec *s, pt_db_t *db,
                             const char **result);
/* The stored form of a 6-digit code: HMAC of the account id and the
 * code under the portal's secret (portal_mail_build.c). */
const char *portal_code_hmac(apr_pool_t *p, const unsigned char *secret,
                             const char *uid, const char *code);

/* ---- portal_jobs.c */
int portal_jobs_post_config(apr_pool_t *pconf, server_rec *s);
void portal_jobs_child_init(apr_pool_t *pchild, server_rec *s);

int portal_logout_get(portal_req_t *req);
/* handle/routes.c */
extern const portal_route_t portal_routes[];

#endif
