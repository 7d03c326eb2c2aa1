/*
 * cfg.h -- the portal's configuration, as the rest of the glue sees it.
 *
 * cfg/ holds the directive table (cmds.c) and the setters of each area,
 * the records' create and merge, what post_config loads (load.c: the
 * templates, the SQL, the secret key, the store, keys and feeds), and the
 * accessors below.  The records themselves (cfg_int.h) are private to
 * cfg/: everything else asks an accessor, which applies the documented
 * default (docs/directives.md) to an unset field.
 *
 * Server-wide settings the background jobs read are GLOBAL_ONLY: the jobs
 * run once for the whole httpd with the main server's configuration, so
 * a value set in a <VirtualHost> would be silently ignored by them (cmds.c
 * refuses it at start-up, naming the directive).
 */
#ifndef PORTAL_CFG_H
#define PORTAL_CFG_H

#include "httpd.h"
#include "http_config.h"

#include <jansson.h>

#include "pt_password.h"
#include "pt_template.h"
#include "pt_throttle.h"

/* The opaque records (cfg_int.h).  portal.h declares them too. */
typedef struct portal_srv_t portal_srv_t;
typedef struct portal_dir_t portal_dir_t;
struct pt_store_t;
struct pt_tsa_t;
struct pt_jwt_key_t;
struct pt_allowlist_t;
struct pt_geoip_t;
struct pt_tz_cache_t;
struct pt_sql_t;
struct pt_smtp_conf_t;

/* A field no directive has set. */
#define PORTAL_UNSET (-1)

/* PortalCookieSecure Auto: Secure on HTTPS only. */
#define PORTAL_COOKIE_AUTO 2

/* The portal's secret key (DATA/keys/secret.key). */
#define PORTAL_SECRET_BYTES 32

/* ---- the module record's members (cfg/srv.c, cfg/cmds.c) */
void *portal_create_srv(apr_pool_t *p, server_rec *s);
void *portal_merge_srv(apr_pool_t *p, void *basev, void *addv);
void *portal_create_dir(apr_pool_t *p, char *dir);
void *portal_merge_dir(apr_pool_t *p, void *basev, void *addv);
extern const command_rec portal_cmds[];

/* post_config (cfg/load.c): for every server, load what requests and
 * jobs only read afterwards (templates: an error stops start-up with
 * file:line; the SQL of both dialects; the secret key, created on first
 * start; the mail settings; the store, the file keys and the
 * time-stamping key; the feeds' keys, the allowlist and the MaxMind
 * database; the API's signing key).  APR_SUCCESS, or the reason start-up
 * stops (logged). */
apr_status_t portal_cfg_load(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s);

/* The records of a server and of a request's section. */
const portal_srv_t *portal_cfg_of(const server_rec *s);

/* ---- the server's settings (cfg/srv.c) */
const char *portal_conf_data_dir(const portal_srv_t *c);
const char *portal_conf_site_name(const portal_srv_t *c);
const char *portal_conf_static_url(const portal_srv_t *c);
int portal_conf_session_idle(const portal_srv_t *c);
int portal_conf_session_max_age(const portal_srv_t *c);
int portal_conf_cookie_secure(const portal_srv_t *c);
int portal_conf_form_max(const portal_srv_t *c);
int portal_conf_cleanup_interval(const portal_srv_t *c);
pt_argon2_params_t portal_conf_argon2(const portal_srv_t *c);
int portal_conf_mail_interval(const portal_srv_t *c);
int portal_conf_mail_retry(const portal_srv_t *c);
int portal_conf_mail_give_up(const portal_srv_t *c);
int portal_conf_verify_lifetime(const portal_srv_t *c);
int portal_conf_resend_cooldown(const portal_srv_t *c);
int portal_conf_mail_retention(const portal_srv_t *c);
/* The public origin for links in mail: PortalBaseURL, else built from
 * the main server's ServerName and port (never from the request's Host
 * header; one origin for the whole httpd, as the jobs that mail links use
 * it too). */
const char *portal_conf_base_url(const portal_srv_t *c);
const char *portal_conf_oidc_label(const portal_srv_t *c);  /* or NULL */
/* PortalThrottleCache as configured, or NULL (the default). */
const char *portal_conf_throttle_cache(const portal_srv_t *c);
/* What post_config loaded. */
const unsigned char *portal_conf_secret(const portal_srv_t *c);
/* The time from which the secret makes only purpose-labelled MACs
 * (pt_mac.h; DATA/keys/mac.since): a value issued before it may carry a
 * MAC of the earlier form, accepted until it expires.  0: no value ever
 * had one (the secret is younger than the labels). */
apr_int64_t portal_conf_mac_since(const portal_srv_t *c);
const pt_tplset_t *portal_conf_templates(const portal_srv_t *c);
const pt_tplset_t *portal_conf_mail_text(const portal_srv_t *c);
const pt_tplset_t *portal_conf_mail_html(const portal_srv_t *c);
/* The named queries of a dialect ("sqlite", "pgsql"), or NULL. */
const struct pt_sql_t *portal_conf_sql(const portal_srv_t *c,
                                       const char *dialect);
const json_t *portal_conf_openapi(const portal_srv_t *c);   /* or NULL */
/* Mail: the sender, and the SMTP server (smtp->url NULL: mail is written
 * as .eml files in DATA/mail/). */
const char *portal_conf_mail_from(const portal_srv_t *c);
const char *portal_conf_mail_from_name(const portal_srv_t *c); /* or NULL */
void portal_conf_smtp(const portal_srv_t *c, struct pt_smtp_conf_t *smtp);

/* ---- files (cfg/files.c) */
int portal_files_max_files(const portal_srv_t *c);
int portal_files_check_content(const portal_srv_t *c);
apr_off_t portal_files_attach_max(const portal_srv_t *c);
int portal_files_link_lifetime(const portal_srv_t *c);
int portal_files_link_max_lifetime(const portal_srv_t *c);
struct pt_store_t *portal_files_store(const portal_srv_t *c);
struct pt_tsa_t *portal_files_tsa(const portal_srv_t *c);
/* The master key new files are wrapped with, and its id. */
const unsigned char *portal_files_key(const portal_srv_t *c,
                                      const char **kid);
/* The master key of an id (older ones stay readable), or NULL. */
const unsigned char *portal_files_key_of(const portal_srv_t *c,
                                         const char *kid);

/* ---- threat intelligence (cfg/ioc.c) */
apr_off_t portal_ioc_max_bytes(const portal_srv_t *c);
int portal_ioc_timeout(const portal_srv_t *c);
/* PortalIocFeed, as pt_feed_def_t (interval and retention resolved);
 * NULL or empty: none. */
const apr_array_header_t *portal_ioc_feeds(const portal_srv_t *c);
const struct pt_allowlist_t *portal_ioc_allowlist(const portal_srv_t *c);
struct pt_geoip_t *portal_ioc_geoip(const portal_srv_t *c);   /* or NULL */
struct pt_tz_cache_t *portal_ioc_tz(const portal_srv_t *c);

/* ---- the JSON API (cfg/api.c) */
int portal_api_lifetime(const portal_srv_t *c);
int portal_api_leeway(const portal_srv_t *c);
const char *portal_api_audience(const portal_srv_t *c);
const char *portal_api_issuer(const portal_srv_t *c);
const struct pt_jwt_key_t *portal_api_key(const portal_srv_t *c);
/* The HS256 key derived the way it was before purpose-labelled MACs, for
 * tokens issued before portal_conf_mac_since(); NULL when there can be
 * none (another algorithm, or a secret younger than the labels). */
const struct pt_jwt_key_t *portal_api_legacy_key(const portal_srv_t *c);

/* ---- a section's settings, resolved with the server's (cfg/dir.c) */
const char *portal_dir_mount(const portal_dir_t *d);        /* or NULL */
int portal_dir_verify_email(const portal_dir_t *d, const portal_srv_t *c);
int portal_dir_change_code(const portal_dir_t *d, const portal_srv_t *c);
apr_off_t portal_dir_max_file(const portal_dir_t *d, const portal_srv_t *c);
apr_off_t portal_dir_max_request(const portal_dir_t *d,
                                 const portal_srv_t *c);
int portal_dir_api_verify_url(const portal_dir_t *d, const portal_srv_t *c);
int portal_dir_link_max_active(const portal_dir_t *d);
int portal_dir_export_max(const portal_dir_t *d);
int portal_dir_export_max_user(const portal_dir_t *d);
/* PortalUploadRoles: PORTAL_ROLE_* bits (cfg/roles.c). */
int portal_dir_upload_roles(const portal_dir_t *d);
/* The file types a role (its index, or -1) may upload here ("": any):
 * PortalRoleUploadTypes, else operations' default, else
 * PortalUploadTypes. */
const char *portal_dir_upload_types(const portal_dir_t *d,
                                    const portal_srv_t *c, int role);

/* ---- roles (cfg/roles.c): every account has one */
/* PORTAL_ROLE_* of a role name; 0 when unknown. */
int portal_role_bit(const char *role);
/* (their names and indexes: pt_role_index, pt_role_name in pt_account.h) */

/* ---- the throttle's limits (cfg/throttle.c) */
/* Defaults (docs/directives.md). */
#define PORTAL_TH_FREE 4
#define PORTAL_TH_BASE 1
#define PORTAL_TH_CAP 900
#define PORTAL_TH_FORGET 3600
#define PORTAL_TH_IP_BUDGET 100
#define PORTAL_TH_ACCT_BUDGET 30
#define PORTAL_TH_SIGNUP_BUDGET 200     /* sign-ups: a test run makes ~80 */
#define PORTAL_TH_MAIL_BUDGET 20        /* forgot-password, resend */
#define PORTAL_TH_ADDR_BUDGET 5
#define PORTAL_TH_WINDOW 3600
#define PORTAL_ARGON2_WAIT apr_time_from_sec(2)

/* Which limits: a back-off per (account, address), or a budget. */
typedef enum {
    PORTAL_TH_PAIR,         /* back-off of one secret from one address */
    PORTAL_TH_IP,           /* failed guesses per address, all accounts */
    PORTAL_TH_ACCOUNT,      /* failed guesses per account, all addresses */
    PORTAL_TH_WRITE,        /* anonymous writes per address (+ purpose) */
    PORTAL_TH_ADDRESS       /* mail to one address */
} portal_th_kind_e;

/* The anonymous writes, each with its own budget. */
typedef enum {
    PORTAL_TH_SIGNUP,
    PORTAL_TH_FORGOT,
    PORTAL_TH_RESEND
} portal_th_write_e;

int portal_throttle_enabled(const portal_dir_t *d);
void portal_throttle_limits(const portal_dir_t *d, portal_th_kind_e kind,
                            pt_throttle_limits_t *out);
/* The budget of one kind of anonymous write. */
void portal_throttle_write_limits(const portal_dir_t *d,
                                  portal_th_write_e which,
                                  pt_throttle_limits_t *out);
int portal_argon2_max(const portal_dir_t *d);
apr_interval_time_t portal_argon2_wait(const portal_dir_t *d);

#endif /* PORTAL_CFG_H */
