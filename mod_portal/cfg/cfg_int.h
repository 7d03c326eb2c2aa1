/*
 * cfg_int.h -- the configuration records, private to cfg/.
 *
 * Every field starts unset (PORTAL_UNSET, NULL, or a flag documented
 * next to it) so that merge can tell unset from a default, as mod_dbd's
 * merge does; the accessors of cfg.h apply the documented defaults
 * (docs/directives.md).  Nothing outside cfg/ includes this file: the
 * rest of the glue reads the configuration through cfg.h only.
 *
 * Fields under "filled in post_config" are set by cfg/load.c (and the
 * area loaders it calls) once, as root, before the children start, and
 * are only read afterwards.
 */
#ifndef PORTAL_CFG_INT_H
#define PORTAL_CFG_INT_H

#include "cfg.h"
#include "pt_store.h"
#include "pt_tsa.h"

/* One set of merge rules for every record: c is the merged record, base
 * and add the two it is made of (the names every merge function uses). */
#define CFG_MERGE_INT(f) c->f = (add->f != PORTAL_UNSET) ? add->f : base->f
#define CFG_MERGE_PTR(f) c->f = add->f ? add->f : base->f
/* Of fields that are set together (a budget and its window, the storage
 * and its options): the record whose first field is set. */
#define CFG_PICK(f) (add->f != PORTAL_UNSET ? add : base)

/* Files: upload limits, the store, keys, time stamps, links. */
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

#define PORTAL_STORE_LOCAL 0
#define PORTAL_STORE_S3 1

/* Threat intelligence. */
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

/* The JSON API and its tokens. */
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
    struct pt_jwt_key_t *legacy_key;    /* HS256 under the key derived the
                                         * earlier way, or NULL */
    const char *iss;            /* resolved issuer */
} portal_api_conf_t;

/* Per-server configuration. */
struct portal_srv_t {
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
    apr_int64_t mac_since;          /* MACs labelled from then on (0:
                                     * always): see portal_conf_mac_since */
    const pt_tplset_t *mail_text;   /* templates/mail/NAME.txt */
    const pt_tplset_t *mail_html;   /* templates/mail/NAME.html */
    const char *smtp_user;          /* from smtp_credentials */
    const char *smtp_password;
    json_t *openapi;                /* templates/openapi.json, or NULL */
    const char *origin;             /* the base URL's default */
};

/* PortalThrottle*, PortalArgon2Concurrency and PortalArgon2Wait of a
 * section; PORTAL_UNSET until a directive sets them. */
typedef struct portal_throttle_dir_t {
    int enabled;                    /* PortalThrottle */
    int bo_free, bo_base, bo_cap, bo_forget;    /* PortalThrottleBackoff */
    int ip_budget, ip_window;       /* PortalThrottleIPBudget */
    int acct_budget, acct_window;   /* PortalThrottleAccountBudget */
    /* PortalThrottleWriteBudget, by portal_th_write_e */
    int write_budget[3], write_window[3];
    int addr_budget, addr_window;   /* PortalThrottleAddressBudget */
    int argon2_max;                 /* PortalArgon2Concurrency */
    apr_interval_time_t argon2_wait;    /* PortalArgon2Wait; unset -1 */
} portal_throttle_dir_t;

/* Per-directory configuration.  The mount point is normally the path of
 * the <Location> that says `SetHandler portal` (core's merged section
 * path); PortalMount sets it where that is not so (a nested <Location>
 * below the portal, a <LocationMatch>). */
struct portal_dir_t {
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
    portal_throttle_dir_t *throttle;
};

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
#define PORTAL_DEFAULT_UPLOAD_MAX_FILE ((apr_off_t)500 * 1024 * 1024)
#define PORTAL_DEFAULT_UPLOAD_MAX_REQUEST ((apr_off_t)1024 * 1024 * 1024)
#define PORTAL_DEFAULT_UPLOAD_MAX_FILES 20
#define PORTAL_DEFAULT_MAIL_ATTACH_MAX ((apr_off_t)10 * 1024 * 1024)
#define PORTAL_DEFAULT_LINK_LIFETIME (24 * 60 * 60)
#define PORTAL_DEFAULT_LINK_MAX_LIFETIME (30 * 24 * 60 * 60)
#define PORTAL_DEFAULT_LINK_MAX_ACTIVE 200
#define PORTAL_DEFAULT_S3_PART_SIZE (5 * 1024 * 1024)
#define PORTAL_DEFAULT_FILE_KEY_ID "1"
#define PORTAL_DEFAULT_UPLOAD_ROLES (PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN)
#define PORTAL_DEFAULT_OPS_TYPES "docx pptx xlsx"
#define PORTAL_DEFAULT_JWT_LIFETIME 3600
#define PORTAL_DEFAULT_JWT_LEEWAY 30
#define PORTAL_DEFAULT_JWT_AUDIENCE "portal-api"
#define PORTAL_DEFAULT_EXPORT_MAX 4
#define PORTAL_DEFAULT_EXPORT_MAX_USER 2

/* The server record a directive sets. */
portal_srv_t *portal_cfg_srv(cmd_parms *cmd);
/* NULL for a directive outside any <VirtualHost>; else the message that
 * stops start-up: a setting the background jobs read, which run once for
 * the whole httpd with the main server's configuration, so a virtual
 * host's value would be silently ignored by them. */
const char *portal_cfg_global(cmd_parms *cmd);
/* In a setter: return that message when there is one. */
#define CFG_RETURN_IF_NOT_GLOBAL(cmd)                                   \
    do {                                                                \
        const char *global_ = portal_cfg_global(cmd);                   \
        if (global_) {                                                  \
            return global_;                                             \
        }                                                               \
    } while (0)

/* ---- cfg/files.c, cfg/ioc.c, cfg/api.c: the areas' records */
void portal_files_conf_init(portal_files_conf_t *f);
void portal_files_conf_merge(portal_files_conf_t *c,
                             const portal_files_conf_t *base,
                             const portal_files_conf_t *add);
apr_status_t portal_files_load(apr_pool_t *pconf, server_rec *s,
                               portal_srv_t *c, apr_hash_t *cache);
void portal_ioc_conf_init(portal_ioc_conf_t *c);
void portal_ioc_conf_merge(portal_ioc_conf_t *c, const portal_ioc_conf_t *base,
                           const portal_ioc_conf_t *add);
apr_status_t portal_ioc_load(apr_pool_t *pconf, server_rec *s,
                             portal_srv_t *c);
void portal_api_conf_init(portal_api_conf_t *c);
void portal_api_conf_merge(portal_api_conf_t *c, const portal_api_conf_t *base,
                           const portal_api_conf_t *add);
apr_status_t portal_api_load(apr_pool_t *pconf, server_rec *s,
                             portal_srv_t *c);

/* ---- cfg/throttle.c */
portal_throttle_dir_t *portal_throttle_dir_create(apr_pool_t *p);
portal_throttle_dir_t *portal_throttle_dir_merge(apr_pool_t *p,
                                                 const portal_throttle_dir_t *base,
                                                 const portal_throttle_dir_t *add);

/* ---- cfg/load.c */
/* Create dir (mode 0750) when missing, owned by the worker user when
 * for_workers and we run as root; mode 0700 otherwise. */
apr_status_t portal_ensure_dir(apr_pool_t *p, server_rec *s, const char *dir,
                               int for_workers);

/* ---- the directive setters of the areas (cfg/cmds.c's table) */
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
const char *portal_cmd_ioc_feed(cmd_parms *cmd, void *dc, int argc,
                                char *const argv[]);
const char *portal_cmd_ioc_seconds(cmd_parms *cmd, void *dc,
                                   const char *arg);
const char *portal_cmd_ioc_allow(cmd_parms *cmd, void *dc, const char *arg);
const char *portal_cmd_ioc_path(cmd_parms *cmd, void *dc, const char *arg);
const char *portal_cmd_ioc_max_size(cmd_parms *cmd, void *dc,
                                    const char *arg);
const char *portal_cmd_upload_roles(cmd_parms *cmd, void *dc, int argc,
                                    char *const argv[]);
const char *portal_cmd_role_types(cmd_parms *cmd, void *dc, int argc,
                                  char *const argv[]);
const char *portal_cmd_jwt_key(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[]);
const char *portal_cmd_api_string(cmd_parms *cmd, void *dc, const char *arg);
const char *portal_cmd_api_seconds(cmd_parms *cmd, void *dc,
                                   const char *arg);
const char *portal_cmd_api_flag(cmd_parms *cmd, void *dc, int on);
const char *portal_cmd_throttle_flag(cmd_parms *cmd, void *dc, int on);
const char *portal_cmd_throttle_cache(cmd_parms *cmd, void *dc,
                                      const char *arg);
const char *portal_cmd_throttle_backoff(cmd_parms *cmd, void *dc, int argc,
                                        char *const argv[]);
const char *portal_cmd_throttle_budget(cmd_parms *cmd, void *dc,
                                       const char *n, const char *secs);
const char *portal_cmd_throttle_write(cmd_parms *cmd, void *dc, int argc,
                                      char *const argv[]);
const char *portal_cmd_argon2_max(cmd_parms *cmd, void *dc,
                                  const char *arg);
const char *portal_cmd_argon2_wait(cmd_parms *cmd, void *dc,
                                   const char *arg);

/* Parse a whole decimal number in [min, max] for a directive; NULL on
 * success, else the message that stops start-up. */
const char *portal_parse_int(cmd_parms *cmd, const char *arg, long min,
                             long max, int *out);
/* "500M", "10k", "1G", "4096": bytes with an optional binary suffix, in
 * [min, max]; NULL on success. */
const char *portal_parse_size(cmd_parms *cmd, const char *arg,
                              apr_off_t min, apr_off_t max, apr_off_t *out);

#endif /* PORTAL_CFG_INT_H */
