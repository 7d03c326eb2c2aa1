/*
 * portal.h -- what the glue files of mod_portal share.
 *
 * The glue translates between httpd and the core: configuration
 * (portal_config.c, portal_cmds.c), the router and response helpers
 * (portal_router.c, portal_render.c), request bodies and cookies
 * (portal_request.c), the database through mod_dbd (portal_db.c),
 * sessions and CSRF (portal_session.c), the account pages
 * (portal_auth.c, portal_dashboard.c) and the watchdog jobs
 * (portal_jobs.c).  mod_portal.c only holds the module record and hooks.
 */
#ifndef PORTAL_H
#define PORTAL_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include <jansson.h>

#include "pt_core.h"
#include "pt_buf.h"
#include "pt_template.h"
#include "pt_password.h"
#include "pt_sql.h"
#include "pt_store.h"
#include "pt_tsa.h"

extern module AP_MODULE_DECLARE_DATA portal_module;

/* Log tags: PORTAL_LOGNO(0042) -> "PT0042: " (AH numbers are httpd's). */
#define PORTAL_LOGNO(n) "PT" #n ": "

#define PORTAL_HANDLER "portal"
#define PORTAL_UNSET (-1)

#define PORTAL_COOKIE_AUTO 2

#define PORTAL_STORE_LOCAL 0
#define PORTAL_STORE_S3 1

/* Files: upload limits, the store, keys, time stamps, links
 * (portal_files_conf.c).  Same unset conventions as portal_srv_t. */
typedef struct portal_files_conf_t {
    apr_off_t max_file;         /* bytes of one file */
    apr_off_t max_request;      /* bytes of one upload request */
    int max_files;              /* files in one request */
    const char *types;          /* "docx pdf ...", "" any; NULL unset */
    int check_content;          /* 0/1: content must match the extension */
    int storage;                /* PORTAL_STORE_* */
    pt_s3_conf_t *s3;           /* PortalStorage s3 ... */
    const char *s3_credentials; /* file with ACCESS:SECRET */
    const char *key_id;         /* PortalFileKeyId */
    apr_off_t attach_max;       /* largest file attached to the mail */
    int link_lifetime;          /* seconds; default expiry of a link */
    int link_max_lifetime;      /* seconds; the most an owner may choose */

    /* filled in post_config */
    pt_store_t *store;
    pt_tsa_t *tsa;
    apr_hash_t *keys;           /* key id -> PT_FC_KEY_BYTES bytes */
    const char *kid;            /* the key id new files are wrapped with */
    const unsigned char *key;   /* its key */
} portal_files_conf_t;

/* Threat intelligence (portal_ioc_conf.c). */
typedef struct portal_ioc_conf_t {
    apr_array_header_t *feeds;  /* pt_feed_def_t, PortalIocFeed */
    int interval;               /* PortalIocInterval, seconds */
    int retention;              /* PortalIocRetention, seconds */
    apr_array_header_t *allow;  /* PortalIocAllowlist entries (char *) */
    const char *allow_file;     /* PortalIocAllowlistFile */
    apr_off_t max_bytes;        /* PortalIocMaxSize */
    int timeout;                /* PortalIocTimeout, seconds */
    const char *geoip_path;     /* PortalGeoIPDatabase */

    /* filled in post_config */
    struct pt_allowlist_t *allowlist;
    struct pt_geoip_t *geoip;
    struct pt_tz_cache_t *tz;
} portal_ioc_conf_t;

/* Roles: every account has one.  Bits, so a route or a directive can name
 * a set of them (portal_roles.c). */
#define PORTAL_ROLE_CLIENT 0x1
#define PORTAL_ROLE_OPERATIONS 0x2
#define PORTAL_ROLE_ADMIN 0x4
#define PORTAL_ROLES_ALL 0x7
#define PORTAL_ROLE_COUNT 3

/* The JSON API and its tokens (portal_api_conf.c). */
typedef struct portal_api_conf_t {
    const char *jwt_alg;        /* PortalJWTKey: "HS256" (unset: HS256) */
    const char *jwt_private;    /* PEM files for RS256/ES256 */
    const char *jwt_public;
    const char *issuer;         /* PortalJWTIssuer; NULL: the base URL */
    const char *audience;       /* PortalJWTAudience */
    int lifetime;               /* PortalJWTLifetime, seconds */
    int leeway;                 /* PortalJWTLeeway, seconds */
    int verify_url;             /* PortalAPIReturnVerifyURL 0/1 */

    /* filled in post_config */
    struct pt_jwt_key_t *key;
    const char *iss;            /* resolved issuer */
} portal_api_conf_t;

/* Per-server configuration.  Fields are PORTAL_UNSET / NULL until a
 * directive sets them, so merge can tell unset from a default; the
 * portal_conf_*() getters apply the defaults. */
typedef struct portal_srv_t {
    const char *data_dir;
    const char *template_dir;
    const char *sql_dir;
    const char *site_name;
    const char *static_url;
    int session_idle;           /* seconds */
    int session_max_age;        /* seconds */
    int cookie_secure;          /* 0 off, 1 on, PORTAL_COOKIE_AUTO */
    int form_max;               /* bytes */
    int cleanup_interval;       /* seconds between session clean-ups */
    pt_argon2_params_t argon2;  /* m_cost_kib == 0: unset */
    const char *base_url;       /* public origin for links in mail */
    const char *mail_from;      /* sender address */
    const char *mail_from_name;
    const char *smtp_url;       /* NULL: mail is written as .eml files */
    const char *smtp_credentials;   /* file with user:password */
    const char *smtp_ca_file;
    int smtp_starttls;          /* 0/1 */
    int smtp_timeout;           /* seconds */
    int mail_interval;          /* seconds between outbox runs */
    int mail_retry;             /* first retry delay, doubling */
    int mail_give_up;           /* seconds after which delivery stops */
    int verify_email;           /* 0/1 */
    int verify_lifetime;        /* seconds a verification link lives */
    int resend_cooldown;        /* seconds between mails of one kind */
    int mail_retention;         /* seconds a sent message's data is kept */
    int change_code;            /* 0/1: confirm password changes by code */
    const char *oidc_label;     /* sign-in button for <mount>/oidc/login */
    const char *throttle_cache; /* PortalThrottleCache (the main server's) */
    portal_files_conf_t files;
    portal_ioc_conf_t ioc;
    portal_api_conf_t api;

    /* filled in post_config */
    const pt_tplset_t *templates;
    apr_hash_t *sql;            /* dialect name -> pt_sql_t * */
    const unsigned char *secret;    /* PORTAL_SECRET_BYTES */
    const pt_tplset_t *mail_text;   /* templates/mail/NAME.txt */
    const pt_tplset_t *mail_html;   /* templates/mail/NAME.html */
    const char *smtp_user;          /* from smtp_credentials */
    const char *smtp_password;
    json_t *openapi;                /* templates/openapi.json, or NULL */
} portal_srv_t;

#define PORTAL_SECRET_BYTES 32

/* Per-directory configuration.  The mount point is normally the path of
 * the <Location> that says `SetHandler portal` (core's merged section
 * path); PortalMount sets it where that is not so (a nested <Location>
 * below the portal, a <LocationMatch>). */
typedef struct portal_dir_t {
    const char *mount;          /* PortalMount, no trailing '/'; or NULL */
    int verify_email;           /* PORTAL_UNSET: the server's setting */
    int change_code;            /* PORTAL_UNSET: the server's setting */
    const char *upload_types;   /* PortalUploadTypes here; NULL: server's */
    apr_off_t max_file;         /* PortalUploadMaxFileSize here; or unset */
    apr_off_t max_request;      /* PortalUploadMaxRequestSize here */
    int upload_roles;           /* PortalUploadRoles: PORTAL_ROLE_* bits */
    int api_verify_url;         /* PortalAPIReturnVerifyURL here */
    int link_max_active;        /* PortalLinkMaxActive here */
    int export_max;             /* PortalIocExportMax here */
    int export_max_user;        /* PortalIocExportMaxPerUser here */
    /* PortalRoleUploadTypes, by role index ("" any); NULL unset */
    const char *role_types[PORTAL_ROLE_COUNT];
    /* PortalThrottle* and PortalArgon2* (portal_throttle.h) */
    struct portal_throttle_dir_t *throttle;
} portal_dir_t;

/* Defaults (documented in docs/directives.md). */
#define PORTAL_DEFAULT_DATA_DIR "/var/lib/mod_portal"
#define PORTAL_DEFAULT_SITE_NAME "Portal"
#define PORTAL_DEFAULT_STATIC_URL "/portal-static"
#define PORTAL_DEFAULT_SESSION_IDLE (30 * 60)
#define PORTAL_DEFAULT_SESSION_MAX_AGE (12 * 60 * 60)
#define PORTAL_DEFAULT_FORM_MAX (64 * 1024)
#define PORTAL_DEFAULT_CLEANUP_INTERVAL 300
#define PORTAL_DEFAULT_SMTP_TIMEOUT 60
#define PORTAL_DEFAULT_MAIL_INTERVAL 10
#define PORTAL_DEFAULT_MAIL_RETRY 60
#define PORTAL_DEFAULT_MAIL_GIVE_UP (3 * 24 * 60 * 60)
#define PORTAL_DEFAULT_VERIFY_LIFETIME (24 * 60 * 60)
#define PORTAL_DEFAULT_RESEND_COOLDOWN 60
#define PORTAL_DEFAULT_MAIL_RETENTION (7 * 24 * 60 * 60)
#define PORTAL_RESET_LIFETIME (30 * 60)     /* password-reset links */
#define PORTAL_CODE_LIFETIME (10 * 60)      /* 6-digit confirmation codes */
#define PORTAL_CODE_ATTEMPTS 5
#define PORTAL_DEFAULT_UPLOAD_MAX_FILE ((apr_off_t)500 * 1024 * 1024)
#define PORTAL_DEFAULT_UPLOAD_MAX_REQUEST ((apr_off_t)1024 * 1024 * 1024)
#define PORTAL_DEFAULT_UPLOAD_MAX_FILES 20
#define PORTAL_DEFAULT_MAIL_ATTACH_MAX ((apr_off_t)10 * 1024 * 1024)
#define PORTAL_DEFAULT_LINK_LIFETIME (24 * 60 * 60)
#define PORTAL_DEFAULT_LINK_MAX_LIFETIME (30 * 24 * 60 * 60)
#define PORTAL_DEFAULT_S3_PART_SIZE (5 * 1024 * 1024)
#define PORTAL_DEFAULT_FILE_KEY_ID "1"
#define PORTAL_FILES_PER_PAGE 20
#define PORTAL_DEFAULT_UPLOAD_ROLES (PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN)
#define PORTAL_DEFAULT_OPS_TYPES "docx pptx xlsx"
#define PORTAL_DEFAULT_JWT_LIFETIME 3600
#define PORTAL_DEFAULT_JWT_LEEWAY 30
#define PORTAL_DEFAULT_JWT_AUDIENCE "portal-api"
#define PORTAL_API_PER_PAGE 20
#define PORTAL_API_MAX_PER_PAGE 100

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

    /* session state (portal_session.c) */
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

/* ---- portal_config.c */
void *portal_create_srv(apr_pool_t *p, server_rec *s);
void *portal_merge_srv(apr_pool_t *p, void *basev, void *addv);
void *portal_create_dir(apr_pool_t *p, char *dir);
void *portal_merge_dir(apr_pool_t *p, void *basev, void *addv);
const char *portal_conf_data_dir(const portal_srv_t *c);
const char *portal_conf_template_dir(const portal_srv_t *c);
const char *portal_conf_sql_dir(const portal_srv_t *c);
const char *portal_conf_site_name(const portal_srv_t *c);
const char *portal_conf_static_url(const portal_srv_t *c);
int portal_conf_session_idle(const portal_srv_t *c);
int portal_conf_session_max_age(const portal_srv_t *c);
int portal_conf_cookie_secure(const portal_srv_t *c);
int portal_conf_form_max(const portal_srv_t *c);
int portal_conf_cleanup_interval(const portal_srv_t *c);
pt_argon2_params_t portal_conf_argon2(const portal_srv_t *c);
int portal_conf_smtp_starttls(const portal_srv_t *c);
int portal_conf_smtp_timeout(const portal_srv_t *c);
int portal_conf_mail_interval(const portal_srv_t *c);
int portal_conf_mail_retry(const portal_srv_t *c);
int portal_conf_mail_give_up(const portal_srv_t *c);
int portal_conf_verify_email(const portal_srv_t *c);
int portal_conf_verify_lifetime(const portal_srv_t *c);
int portal_conf_resend_cooldown(const portal_srv_t *c);
int portal_conf_mail_retention(const portal_srv_t *c);
int portal_conf_change_code(const portal_srv_t *c);
/* The public origin for links in mail: PortalBaseURL, else built from
 * ServerName (never from the request's Host header). */
const char *portal_conf_base_url(const portal_srv_t *c, server_rec *s,
                                 apr_pool_t *p);
int portal_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *s);

/* Create dir (mode 0750) when missing, owned by the worker user when
 * for_workers and we run as root. */
apr_status_t portal_ensure_dir(apr_pool_t *p, server_rec *s, const char *dir,
                               int for_workers);

/* ---- portal_files_conf.c */
void portal_files_conf_init(portal_files_conf_t *f);
void portal_files_conf_merge(portal_files_conf_t *f,
                             const portal_files_conf_t *base,
                             const portal_files_conf_t *add);
apr_off_t portal_files_max_file(const portal_files_conf_t *f);
apr_off_t portal_files_max_request(const portal_files_conf_t *f);
int portal_files_max_files(const portal_files_conf_t *f);
int portal_files_check_content(const portal_files_conf_t *f);
const char *portal_files_types(const portal_files_conf_t *f);
apr_off_t portal_files_attach_max(const portal_files_conf_t *f);
int portal_files_link_lifetime(const portal_files_conf_t *f);
int portal_files_link_max_lifetime(const portal_files_conf_t *f);
const char *portal_cmd_upload_size(cmd_parms *cmd, void *dc,
                                   const char *arg);
const char *portal_cmd_upload_max_files(cmd_parms *cmd, void *dc,
                                        const char *arg);
const char *portal_cmd_upload_types(cmd_parms *cmd, void *dc,
                                    const char *arg);
const char *portal_cmd_upload_check(cmd_parms *cmd, void *dc, int on);
const char *portal_cmd_storage(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[]);
const char *portal_cmd_file_key_id(cmd_parms *cmd, void *dc,
                                   const char *arg);
const char *portal_cmd_link_lifetime(cmd_parms *cmd, void *dc,
                                     const char *arg);
const char *portal_cmd_link_max_active(cmd_parms *cmd, void *dc,
                                       const char *arg);
apr_status_t portal_files_post_config(apr_pool_t *pconf, server_rec *s,
                                      portal_srv_t *c, apr_hash_t *cache);

/* ---- portal_ioc_conf.c */
void portal_ioc_conf_init(portal_ioc_conf_t *c);
void portal_ioc_conf_merge(portal_ioc_conf_t *c, const portal_ioc_conf_t *base,
                           const portal_ioc_conf_t *add);
int portal_ioc_interval(const portal_ioc_conf_t *c);
int portal_ioc_retention(const portal_ioc_conf_t *c);
apr_off_t portal_ioc_max_bytes(const portal_ioc_conf_t *c);
int portal_ioc_timeout(const portal_ioc_conf_t *c);
const char *portal_cmd_ioc_feed(cmd_parms *cmd, void *dc, int argc,
                                char *const argv[]);
const char *portal_cmd_ioc_seconds(cmd_parms *cmd, void *dc,
                                   const char *arg);
const char *portal_cmd_ioc_allow(cmd_parms *cmd, void *dc, const char *arg);
const char *portal_cmd_ioc_path(cmd_parms *cmd, void *dc, const char *arg);
const char *portal_cmd_ioc_max_size(cmd_parms *cmd, void *dc,
                                    const char *arg);
apr_status_t portal_ioc_post_config(apr_pool_t *pconf, server_rec *s,
                                    portal_srv_t *c);

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
const char *portal_cmd_export_max(cmd_parms *cmd, void *dc,
                                  const char *arg);

/* ---- portal_roles.c */
/* PORTAL_ROLE_* of a role name; 0 when unknown. */
int portal_role_bit(const char *role);
/* Index 0..PORTAL_ROLE_COUNT-1 of a role name; -1 when unknown. */
int portal_role_index(const char *role);
const char *portal_role_name(int index);
/* The roles that may upload here, and the types this user may upload:
 * PortalUploadRoles and PortalRoleUploadTypes, resolved for req->user. */
int portal_upload_roles(const portal_req_t *req);
const char *portal_upload_types_for(const portal_req_t *req);
const char *portal_cmd_upload_roles(cmd_parms *cmd, void *dc, int argc,
                                    char *const argv[]);
const char *portal_cmd_role_types(cmd_parms *cmd, void *dc, int argc,
                                  char *const argv[]);

/* ---- portal_api_conf.c */
void portal_api_conf_init(portal_api_conf_t *c);
void portal_api_conf_merge(portal_api_conf_t *c, const portal_api_conf_t *base,
                           const portal_api_conf_t *add);
const char *portal_cmd_jwt_key(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[]);
const char *portal_cmd_api_string(cmd_parms *cmd, void *dc, const char *arg);
const char *portal_cmd_api_seconds(cmd_parms *cmd, void *dc,
                                   const char *arg);
const char *portal_cmd_api_flag(cmd_parms *cmd, void *dc, int on);
apr_status_t portal_api_post_config(apr_pool_t *pconf, server_rec *s,
                                    portal_srv_t *c);
int portal_api_lifetime(const portal_api_conf_t *c);
int portal_api_leeway(const portal_api_conf_t *c);
const char *portal_api_audience(const portal_api_conf_t *c);

/* ---- portal_api_auth.c */
/* Authenticate the request by its bearer token (Authorization header
 * only: never a cookie).  OK with req->user set; otherwise DONE: the 401
 * (WWW-Authenticate: Bearer ...) or 503 response was made. */
int portal_bearer_auth(portal_req_t *req);
/* {"error": code, "message": message} with status.  Returns OK. */
int portal_api_error(portal_req_t *req, int status, const char *code,
                     const char *message);
/* Issue a token for the account row (columns uuid, role); *token and
 * *expires_in. */
apr_status_t portal_token_for(portal_req_t *req, const char *uuid,
                              const char *role, const char **token,
                              int *expires_in);

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

/* ---- portal_cmds.c */
extern const command_rec portal_cmds[];
/* Parse a whole decimal number in [min, max] for a directive; NULL on
 * success, else the message that stops start-up. */
const char *portal_parse_int(cmd_parms *cmd, const char *arg, long min,
                             long max, int *out);
/* "500M", "10k", "1G", "4096": bytes with an optional binary suffix, in
 * [min, max]; NULL on success (portal_files_conf.c). */
const char *portal_parse_size(cmd_parms *cmd, const char *arg,
                              apr_off_t min, apr_off_t max, apr_off_t *out);

/* ---- portal_router.c */
int portal_handler(request_rec *r);

/* ---- portal_render.c */
/* Tie a json_t's life to a pool (mod_md's way); returns j. */
json_t *portal_pool_json(apr_pool_t *p, json_t *j);
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
/* Security headers every portal response carries. */
void portal_security_headers(request_rec *r);
/* v in decimal, for SQL arguments. */
const char *portal_i64(apr_pool_t *p, apr_int64_t v);
/* "2026-11-23 20:15:02 UTC" */
const char *portal_fmt_time(apr_pool_t *p, apr_int64_t secs);

/* ---- portal_request.c */
/* Read and parse an urlencoded body into req->form.  Returns OK, or an
 * HTTP status (400, 413, 415) after which the caller answers with
 * portal_error(). *msg gets the explanation. */
int portal_read_form(portal_req_t *req, const char **msg);
/* Read the whole request body, at most PortalFormMaxSize bytes.  OK, or
 * an HTTP status (400, 413) with *msg. */
int portal_read_body(portal_req_t *req, const char **data, apr_size_t *len,
                     const char **msg);
/* Is ct application/x-www-form-urlencoded (with parameters)? */
int portal_is_form_type(const char *ct);
/* Is ct application/json (with parameters)? */
int portal_is_json_type(const char *ct);
/* Does the request come with a body (a non-zero Content-Length, or
 * chunked)? */
int portal_has_body(request_rec *r);
/* Read the form and check its CSRF token.  Returns 1 when the handler may
 * go on; otherwise 0, with the response already produced (an error page,
 * or the form again through rerender with a 403) and *rc what the handler
 * must return. */
int portal_read_checked(portal_req_t *req,
                        int (*rerender)(portal_req_t *, int, const char *),
                        int *rc);
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
int portal_is_secure(portal_req_t *req);

/* ---- portal_db.c */
/* The request's database connection (mod_dbd pool), with the schema up to
 * date; NULL when the database cannot be reached (logged). */
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
/* Log the database error of the last statement and answer 500/503. */
int portal_db_fail(portal_req_t *req, const char *what);

/* ---- portal_session.c */
/* Load the session named by the cookie (if any) into req. */
apr_status_t portal_session_load(portal_req_t *req);
/* Start a new session for user_id (a new token; the old one is deleted). */
apr_status_t portal_session_create(portal_req_t *req, apr_int64_t user_id);
/* End the current session. */
apr_status_t portal_session_destroy(portal_req_t *req);
/* The CSRF token for forms in this response (session-bound when signed
 * in, bound to a pre-session cookie otherwise: it sets that cookie). */
const char *portal_csrf_token(portal_req_t *req);
/* 1 when the request's csrf_token field is valid for it. */
int portal_csrf_check(portal_req_t *req);

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
/* Absolute URL of a path below the mount, for mail. */
const char *portal_link(portal_req_t *req, const char *path);
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
/* "1.5 MiB" */
const char *portal_fmt_size(apr_pool_t *p, apr_off_t n);

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

/* ---- portal_redact.c: secrets in URLs never reach the logs */
/* translate_name hook: a portal URL holding a secret is replaced by what
 * the logs may show before anything else reads it. */
int portal_redact_translate(request_rec *r);
/* log_transaction hook: the same for whatever the first could not do. */
int portal_redact_log(request_rec *r);
/* The request's real path and query (the shown ones replaced them);
 * 1 when they hold a secret. */
int portal_redact_real(request_rec *r, const char **uri, const char **args);

/* ---- portal_restart.c */
/* Make mod_auth_openidc initialise when a graceful restart is the first
 * to load it (it takes that pass for httpd's check pass otherwise). */
int portal_restart_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);

/* ---- portal_jobs.c */
int portal_jobs_post_config(apr_pool_t *pconf, server_rec *s);
void portal_jobs_child_init(apr_pool_t *pchild, server_rec *s);

#endif /* PORTAL_H */
