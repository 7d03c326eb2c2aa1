/*
 * cmds.c -- the Portal* directives: the table, and the setters of the
 * server's general settings (the areas' setters are in their files).
 *
 * Each setter validates its value when the configuration is read, so a bad
 * value stops httpd at start-up with a message naming the directive.  The
 * reference for every directive is docs/directives.md; scripts/checksrc
 * fails the build when the two disagree.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "apr_uri.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_mail.h"
#include "pt_slots.h"

APLOG_USE_MODULE(portal);

const char *portal_parse_int(cmd_parms *cmd, const char *arg, long min,
                             long max, int *out)
{
    apr_int64_t v;

    switch (pt_int_parse(arg, min, max, &v)) {
    case APR_SUCCESS:
        *out = (int)v;
        return NULL;
    case APR_EINVAL:
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number",
                            cmd->cmd->name, arg);
    default:
        return apr_psprintf(cmd->pool, "%s: '%s' is out of range (%ld to "
                            "%ld)", cmd->cmd->name, arg, min, max);
    }
}

static const char *set_path(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_srv_t *c = portal_cfg_srv(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (!path || !*arg) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    switch ((long)cmd->info) {
    case 0:
        c->data_dir = path;
        break;
    case 1:
        c->template_dir = path;
        break;
    default:
        c->sql_dir = path;
        break;
    }
    return NULL;
}

static const char *set_site_name(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 100) {
        return "PortalSiteName: give a name of 1 to 100 characters";
    }
    portal_cfg_srv(cmd)->site_name = arg;
    return NULL;
}

static const char *set_static_url(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_size_t n = strlen(arg);

    if (arg[0] != '/' || strpbrk(arg, "\"'<> ?#")) {
        return apr_psprintf(cmd->pool, "PortalStaticURL: '%s' must be a URL "
                            "path starting with '/'", arg);
    }
    while (n > 1 && arg[n - 1] == '/') {
        n--;
    }
    portal_cfg_srv(cmd)->static_url = apr_pstrmemdup(cmd->pool, arg, n);
    return NULL;
}

static const char *set_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_srv_t *c = portal_cfg_srv(cmd);

    if ((long)cmd->info != 1) {
        CFG_RETURN_IF_NOT_GLOBAL(cmd);
    }
    switch ((long)cmd->info) {
    case 0:
        return portal_parse_int(cmd, arg, 60, 30L * 86400, &c->session_idle);
    case 1:
        return portal_parse_int(cmd, arg, 60, 366L * 86400,
                                &c->session_max_age);
    default:
        return portal_parse_int(cmd, arg, 1, 86400, &c->cleanup_interval);
    }
}

static const char *set_form_max(cmd_parms *cmd, void *dc, const char *arg)
{
    return portal_parse_int(cmd, arg, 1024, 16L * 1024 * 1024,
                     &portal_cfg_srv(cmd)->form_max);
}

static const char *set_cookie_secure(cmd_parms *cmd, void *dc,
                                     const char *arg)
{
    portal_srv_t *c = portal_cfg_srv(cmd);

    if (!strcasecmp(arg, "on")) {
        c->cookie_secure = 1;
    }
    else if (!strcasecmp(arg, "off")) {
        c->cookie_secure = 0;
    }
    else if (!strcasecmp(arg, "auto")) {
        c->cookie_secure = PORTAL_COOKIE_AUTO;
    }
    else {
        return apr_psprintf(cmd->pool, "PortalCookieSecure: '%s' is not "
                            "On, Off or Auto", arg);
    }
    return NULL;
}

/* PortalArgon2 m=KIB t=PASSES p=LANES (any subset; others default) */
static const char *set_argon2(cmd_parms *cmd, void *dc, int argc,
                              char *const argv[])
{
    pt_argon2_params_t a = { PT_ARGON2_DEFAULT_M, PT_ARGON2_DEFAULT_T,
                             PT_ARGON2_DEFAULT_P };
    int i, v;
    const char *err;

    if (argc < 1) {
        return "PortalArgon2 takes m=KIB, t=PASSES and/or p=LANES";
    }
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];

        if (strlen(arg) < 3 || arg[1] != '=') {
            return apr_psprintf(cmd->pool, "PortalArgon2: '%s' is not "
                                "m=KIB, t=PASSES or p=LANES", arg);
        }
        switch (arg[0]) {
        case 'm':
            err = portal_parse_int(cmd, arg + 2, 8192, 4 * 1024 * 1024, &v);
            a.m_cost_kib = (unsigned)v;
            break;
        case 't':
            err = portal_parse_int(cmd, arg + 2, 1, 100, &v);
            a.t_cost = (unsigned)v;
            break;
        case 'p':
            err = portal_parse_int(cmd, arg + 2, 1, 64, &v);
            a.parallelism = (unsigned)v;
            break;
        default:
            err = apr_psprintf(cmd->pool, "PortalArgon2: unknown parameter "
                               "'%s'", arg);
            break;
        }
        if (err) {
            return err;
        }
    }
    portal_cfg_srv(cmd)->argon2 = a;
    return NULL;
}

static const char *set_base_url(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_uri_t uri;
    apr_size_t n = strlen(arg);

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))
        || !uri.hostname || (uri.path && strcmp(uri.path, "/"))
        || uri.query || uri.fragment || uri.user) {
        return apr_psprintf(cmd->pool, "PortalBaseURL: '%s' must be "
                            "http(s)://host[:port], without a path", arg);
    }
    while (n > 0 && arg[n - 1] == '/') {
        n--;
    }
    portal_cfg_srv(cmd)->base_url = apr_pstrmemdup(cmd->pool, arg, n);
    return NULL;
}

/* PortalMailFrom ADDRESS ["Display Name"] */
static const char *set_mail_from(cmd_parms *cmd, void *dc, const char *addr,
                                 const char *name)
{
    portal_srv_t *c = portal_cfg_srv(cmd);

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (!pt_mail_addr_ok(addr)) {
        return apr_psprintf(cmd->pool, "PortalMailFrom: '%s' is not a mail "
                            "address", addr);
    }
    if (name && strpbrk(name, "\r\n")) {
        return "PortalMailFrom: the display name must be one line";
    }
    c->mail_from = addr;
    c->mail_from_name = name;
    return NULL;
}

static const char *set_smtp_server(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_uri_t uri;

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme
        || (strcasecmp(uri.scheme, "smtp") && strcasecmp(uri.scheme, "smtps"))
        || !uri.hostname || uri.user || uri.password) {
        return apr_psprintf(cmd->pool, "PortalSMTPServer: '%s' must be "
                            "smtp://host[:port] or smtps://host[:port] "
                            "(credentials go in PortalSMTPCredentials)", arg);
    }
    portal_cfg_srv(cmd)->smtp_url = arg;
    return NULL;
}

static const char *set_file(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_srv_t *c = portal_cfg_srv(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (!path || !*arg) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    if ((long)cmd->info == 0) {
        c->smtp_credentials = path;
    }
    else {
        c->smtp_ca_file = path;
    }
    return NULL;
}

static const char *set_flag(cmd_parms *cmd, void *dc, int on)
{
    portal_srv_t *c = portal_cfg_srv(cmd);
    portal_dir_t *d = dc;
    /* in a <Location>: that mount only; outside: the server's default */
    int in_dir = cmd->path != NULL;

    if ((long)cmd->info == 0) {
        CFG_RETURN_IF_NOT_GLOBAL(cmd);
    }
    switch ((long)cmd->info) {
    case 0:
        c->smtp_starttls = on;
        break;
    case 1:
        if (in_dir) {
            d->verify_email = on;
        }
        else {
            c->verify_email = on;
        }
        break;
    default:
        if (in_dir) {
            d->change_code = on;
        }
        else {
            c->change_code = on;
        }
        break;
    }
    return NULL;
}

static const char *set_mail_seconds(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    portal_srv_t *c = portal_cfg_srv(cmd);

    if ((long)cmd->info != 4) {
        CFG_RETURN_IF_NOT_GLOBAL(cmd);
    }
    switch ((long)cmd->info) {
    case 0:
        return portal_parse_int(cmd, arg, 1, 600, &c->smtp_timeout);
    case 1:
        return portal_parse_int(cmd, arg, 1, 3600, &c->mail_interval);
    case 2:
        return portal_parse_int(cmd, arg, 1, 86400, &c->mail_retry);
    case 3:
        return portal_parse_int(cmd, arg, 60, 30L * 86400, &c->mail_give_up);
    case 4:
        return portal_parse_int(cmd, arg, 300, 30L * 86400,
                                &c->verify_lifetime);
    case 6:
        return portal_parse_int(cmd, arg, 0, 3650L * 86400,
                                &c->mail_retention);
    default:
        return portal_parse_int(cmd, arg, 1, 86400, &c->resend_cooldown);
    }
}

static const char *set_oidc_label(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 60) {
        return "PortalOIDCButton: give a label of 1 to 60 characters";
    }
    portal_cfg_srv(cmd)->oidc_label = arg;
    return NULL;
}

static const char *set_mount(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_dir_t *d = dc;
    apr_size_t n = strlen(arg);

    if (arg[0] != '/' || strpbrk(arg, "\"'<> ?#%")) {
        return apr_psprintf(cmd->pool, "PortalMount: '%s' must be a URL "
                            "path starting with '/'", arg);
    }
    while (n > 0 && arg[n - 1] == '/') {
        n--;
    }
    d->mount = apr_pstrmemdup(cmd->pool, arg, n);
    return NULL;
}

/* PortalIocExportMax N, PortalIocExportMaxPerUser N (server or
 * <Location>). */
static const char *set_export_max(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_dir_t *d = dc;

    return portal_parse_int(cmd, arg, 1, PT_SLOTS_MAX, cmd->info
                            ? &d->export_max_user : &d->export_max);
}

const command_rec portal_cmds[] = {
    AP_INIT_TAKE1("PortalMount", set_mount, NULL, ACCESS_CONF,
                  "URL path where the portal is mounted (default: the "
                  "<Location> that sets SetHandler portal)"),
    AP_INIT_TAKE1("PortalDataDir", set_path, (void *)0, RSRC_CONF,
                  "Folder for the portal's keys and files "
                  "(default " PORTAL_DEFAULT_DATA_DIR ")"),
    AP_INIT_TAKE1("PortalTemplateDir", set_path, (void *)1, RSRC_CONF,
                  "Folder of the page templates"),
    AP_INIT_TAKE1("PortalSQLDir", set_path, (void *)2, RSRC_CONF,
                  "Folder of the SQL migrations and queries"),
    AP_INIT_TAKE1("PortalSiteName", set_site_name, NULL, RSRC_CONF,
                  "Name shown in page titles and the header"),
    AP_INIT_TAKE1("PortalStaticURL", set_static_url, NULL, RSRC_CONF,
                  "URL path where httpd serves the portal's CSS and icons"),
    AP_INIT_TAKE1("PortalSessionIdleTimeout", set_seconds, (void *)0,
                  RSRC_CONF, "Seconds of inactivity that end a session"),
    AP_INIT_TAKE1("PortalSessionMaxAge", set_seconds, (void *)1, RSRC_CONF,
                  "Seconds after sign-in that end a session in any case"),
    AP_INIT_TAKE1("PortalSessionCleanupInterval", set_seconds, (void *)2,
                  RSRC_CONF, "Seconds between purges of expired sessions"),
    AP_INIT_TAKE1("PortalFormMaxSize", set_form_max, NULL, RSRC_CONF,
                  "Largest form body accepted, in bytes"),
    AP_INIT_TAKE1("PortalCookieSecure", set_cookie_secure, NULL, RSRC_CONF,
                  "On, Off or Auto (Secure cookies on HTTPS)"),
    AP_INIT_TAKE_ARGV("PortalArgon2", set_argon2, NULL, RSRC_CONF,
                      "Argon2id cost for new password hashes: m=KIB t=N p=N"),
    AP_INIT_TAKE1("PortalOIDCButton", set_oidc_label, NULL, RSRC_CONF,
                  "Label of the sign-in button for the identity provider "
                  "(mod_auth_openidc on <mount>/oidc/); unset: no button"),
    AP_INIT_TAKE1("PortalBaseURL", set_base_url, NULL, RSRC_CONF,
                  "Public origin (scheme://host[:port]) for links in mail"),
    AP_INIT_TAKE12("PortalMailFrom", set_mail_from, NULL, RSRC_CONF,
                   "Sender address (and display name) of the portal's mail"),
    AP_INIT_TAKE1("PortalSMTPServer", set_smtp_server, NULL, RSRC_CONF,
                  "smtp://host[:port] or smtps://host[:port]; unset: mail "
                  "is written as .eml files in the data folder"),
    AP_INIT_FLAG("PortalSMTPStartTLS", set_flag, (void *)0, RSRC_CONF,
                 "Require STARTTLS on smtp:// (default On)"),
    AP_INIT_TAKE1("PortalSMTPCredentials", set_file, (void *)0, RSRC_CONF,
                  "File with one line USER:PASSWORD for SMTP AUTH"),
    AP_INIT_TAKE1("PortalSMTPCAFile", set_file, (void *)1, RSRC_CONF,
                  "CA certificates to check the SMTP server with"),
    AP_INIT_TAKE1("PortalSMTPTimeout", set_mail_seconds, (void *)0,
                  RSRC_CONF, "Seconds one SMTP delivery may take"),
    AP_INIT_TAKE1("PortalMailInterval", set_mail_seconds, (void *)1,
                  RSRC_CONF, "Seconds between deliveries of the outbox"),
    AP_INIT_TAKE1("PortalMailRetryDelay", set_mail_seconds, (void *)2,
                  RSRC_CONF, "First retry delay in seconds (doubles)"),
    AP_INIT_TAKE1("PortalMailGiveUpAfter", set_mail_seconds, (void *)3,
                  RSRC_CONF, "Seconds after which undelivered mail fails"),
    AP_INIT_TAKE1("PortalMailRetention", set_mail_seconds, (void *)6,
                  RSRC_CONF, "Seconds a sent or failed message's data is "
                  "kept (then only recipient, subject, status, times)"),
    AP_INIT_FLAG("PortalEmailVerification", set_flag, (void *)1,
                 RSRC_CONF | ACCESS_CONF,
                 "New accounts must confirm their email (default On)"),
    AP_INIT_TAKE1("PortalVerifyLinkLifetime", set_mail_seconds, (void *)4,
                  RSRC_CONF, "Seconds a verification link stays valid"),
    AP_INIT_TAKE1("PortalResendCooldown", set_mail_seconds, (void *)5,
                  RSRC_CONF, "Seconds before another link may be mailed"),
    AP_INIT_FLAG("PortalPasswordChangeCode", set_flag, (void *)2,
                 RSRC_CONF | ACCESS_CONF,
                 "Confirm password changes with a mailed 6-digit code"),
    AP_INIT_TAKE1("PortalUploadMaxFileSize", portal_cmd_upload_size,
                  (void *)0, RSRC_CONF | ACCESS_CONF,
                  "Largest file one upload may hold (e.g. 500M)"),
    AP_INIT_TAKE1("PortalUploadMaxRequestSize", portal_cmd_upload_size,
                  (void *)1, RSRC_CONF | ACCESS_CONF,
                  "Largest upload request body (e.g. 1G)"),
    AP_INIT_TAKE1("PortalUploadMaxFiles", portal_cmd_upload_max_files, NULL,
                  RSRC_CONF, "Most files in one upload request"),
    AP_INIT_ITERATE("PortalUploadTypes", portal_cmd_upload_types, NULL,
                    RSRC_CONF | ACCESS_CONF, "File extensions that may be "
                    "uploaded (* for any; default any)"),
    AP_INIT_FLAG("PortalUploadCheckContent", portal_cmd_upload_check, NULL,
                 RSRC_CONF, "Refuse files whose content does not match "
                 "their extension (default On)"),
    AP_INIT_TAKE_ARGV("PortalUploadRoles", portal_cmd_upload_roles, NULL,
                      RSRC_CONF | ACCESS_CONF, "Roles that may upload "
                      "(default operations admin; none for nobody)"),
    AP_INIT_TAKE_ARGV("PortalRoleUploadTypes", portal_cmd_role_types, NULL,
                      RSRC_CONF | ACCESS_CONF, "ROLE EXT...: the file "
                      "extensions that role may upload (* for any)"),
    AP_INIT_TAKE_ARGV("PortalJWTKey", portal_cmd_jwt_key, NULL, RSRC_CONF,
                      "HS256, or RS256|ES256 PRIVATE.pem PUBLIC.pem: how "
                      "API tokens are signed"),
    AP_INIT_TAKE1("PortalJWTIssuer", portal_cmd_api_string, (void *)0,
                  RSRC_CONF, "The iss of API tokens (default: the base "
                  "URL)"),
    AP_INIT_TAKE1("PortalJWTAudience", portal_cmd_api_string, (void *)1,
                  RSRC_CONF, "The aud of API tokens (default portal-api)"),
    AP_INIT_TAKE1("PortalJWTLifetime", portal_cmd_api_seconds, (void *)0,
                  RSRC_CONF, "Seconds an API token is valid (default "
                  "3600)"),
    AP_INIT_TAKE1("PortalJWTLeeway", portal_cmd_api_seconds, (void *)1,
                  RSRC_CONF, "Seconds of clock skew allowed (default 30)"),
    AP_INIT_FLAG("PortalAPIReturnVerifyURL", portal_cmd_api_flag, NULL,
                 RSRC_CONF | ACCESS_CONF, "API sign-up returns the confirmation link "
                 "instead of mailing it (default Off)"),
    AP_INIT_FLAG("PortalThrottle", portal_cmd_throttle_flag, NULL,
                 RSRC_CONF | ACCESS_CONF, "Throttle guesses of passwords "
                 "and codes, and anonymous writes (default On)"),
    AP_INIT_TAKE1("PortalThrottleCache", portal_cmd_throttle_cache, NULL,
                  RSRC_CONF, "socache provider[:arguments] that keeps the "
                  "throttle's counts: shmcb (default), memcache:HOST:PORT, "
                  "redis:HOST:PORT"),
    AP_INIT_TAKE_ARGV("PortalThrottleBackoff", portal_cmd_throttle_backoff,
                      NULL, RSRC_CONF | ACCESS_CONF, "FREE BASE CAP [FORGET]: "
                      "free failures of one secret from one address, then "
                      "BASE seconds doubling to CAP (default 4 1 900 3600)"),
    AP_INIT_TAKE2("PortalThrottleIPBudget", portal_cmd_throttle_budget,
                  (void *)(long)PORTAL_TH_IP, RSRC_CONF | ACCESS_CONF,
                  "N SECONDS: failed guesses from one address over all "
                  "accounts (default 100 3600)"),
    AP_INIT_TAKE2("PortalThrottleAccountBudget", portal_cmd_throttle_budget,
                  (void *)(long)PORTAL_TH_ACCOUNT, RSRC_CONF | ACCESS_CONF,
                  "N SECONDS: failed guesses of one account from addresses "
                  "it never signed in from (default 30 3600)"),
    AP_INIT_TAKE_ARGV("PortalThrottleWriteBudget", portal_cmd_throttle_write,
                      NULL, RSRC_CONF | ACCESS_CONF, "N SECONDS [signup] "
                      "[forgot] [resend]: such requests from one address "
                      "(default 200 3600 signup, 20 3600 forgot resend)"),
    AP_INIT_TAKE2("PortalThrottleAddressBudget", portal_cmd_throttle_budget,
                  (void *)(long)PORTAL_TH_ADDRESS, RSRC_CONF | ACCESS_CONF,
                  "N SECONDS: messages requested for one email address "
                  "(default 5 3600)"),
    AP_INIT_TAKE1("PortalArgon2Concurrency", portal_cmd_argon2_max, NULL,
                  RSRC_CONF | ACCESS_CONF, "Password hashes computed at "
                  "once per process (default: the number of CPUs)"),
    AP_INIT_TAKE1("PortalArgon2Wait", portal_cmd_argon2_wait, NULL,
                  RSRC_CONF | ACCESS_CONF, "How long a request waits for "
                  "its turn to hash, then 503 (default 2s)"),
    AP_INIT_TAKE_ARGV("PortalStorage", portal_cmd_storage, NULL, RSRC_CONF,
                      "local, or s3 ENDPOINT REGION BUCKET CREDENTIALS-FILE "
                      "[prefix=P] [part-size=SIZE] [ca-file=PATH] "
                      "[timeout=SECONDS]"),
    AP_INIT_TAKE1("PortalFileKeyId", portal_cmd_file_key_id, NULL,
                  RSRC_CONF, "Id of the master key new files are "
                  "encrypted under (keys/file-ID.key)"),
    AP_INIT_TAKE1("PortalMailAttachMax", portal_cmd_upload_size, (void *)2,
                  RSRC_CONF, "Largest upload attached to its confirmation "
                  "mail (0: never attach)"),
    AP_INIT_TAKE1("PortalLinkLifetime", portal_cmd_link_lifetime, NULL,
                  RSRC_CONF, "Default lifetime of a download link, seconds"),
    AP_INIT_TAKE1("PortalLinkMaxLifetime", portal_cmd_link_lifetime,
                  (void *)1, RSRC_CONF,
                  "Longest lifetime an owner may give a link, seconds"),
    AP_INIT_TAKE1("PortalLinkMaxActive", portal_cmd_link_max_active, NULL,
                  RSRC_CONF | ACCESS_CONF, "Active download links one "
                  "account may hold of each kind (default 200)"),
    AP_INIT_TAKE1("PortalIocExportMax", set_export_max, (void *)0,
                  RSRC_CONF | ACCESS_CONF, "Indicator exports running at "
                  "once in the server (default 4)"),
    AP_INIT_TAKE1("PortalIocExportMaxPerUser", set_export_max,
                  (void *)1, RSRC_CONF | ACCESS_CONF, "Indicator exports "
                  "one account may run at once (default 2)"),
    AP_INIT_TAKE_ARGV("PortalIocFeed", portal_cmd_ioc_feed, NULL, RSRC_CONF,
                      "NAME FORMAT URL [key-file=PATH] [interval=SECONDS]: "
                      "a threat-intelligence feed"),
    AP_INIT_TAKE1("PortalIocInterval", portal_cmd_ioc_seconds, (void *)0,
                  RSRC_CONF, "Seconds between pulls of each feed"),
    AP_INIT_TAKE1("PortalIocRetention", portal_cmd_ioc_seconds, (void *)1,
                  RSRC_CONF, "Seconds an indicator stays after its feed "
                  "last listed it"),
    AP_INIT_TAKE1("PortalIocTimeout", portal_cmd_ioc_seconds, (void *)2,
                  RSRC_CONF, "Seconds one feed download may take"),
    AP_INIT_TAKE1("PortalIocMaxSize", portal_cmd_ioc_max_size, NULL,
                  RSRC_CONF, "Largest feed body accepted (e.g. 100M)"),
    AP_INIT_ITERATE("PortalIocAllowlist", portal_cmd_ioc_allow, NULL,
                    RSRC_CONF, "Values and domains never shown as "
                    "indicators"),
    AP_INIT_TAKE1("PortalIocAllowlistFile", portal_cmd_ioc_path, (void *)0,
                  RSRC_CONF, "File of allowlisted values, one a line"),
    AP_INIT_TAKE1("PortalGeoIPDatabase", portal_cmd_ioc_path, (void *)1,
                  RSRC_CONF, "MaxMind DB (.mmdb) for the sign-in's place "
                  "and time zone"),
    { NULL }
};
