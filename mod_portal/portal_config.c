/*
 * portal_config.c -- configuration records, their merge, and start-up.
 *
 * Every field starts unset so that a virtual host inherits what it does
 * not set (as in mod_dbd's merge); the getters apply the documented
 * defaults.  post_config loads what requests only read afterwards: the
 * templates (a parse error stops start-up with file:line), the SQL of both
 * dialects, and the secret key from the data folder (created on first
 * start).
 */
#include "apr_strings.h"
#include "apr_file_info.h"
#include "http_main.h"
#include "unixd.h"

#include <curl/curl.h>
#include <errno.h>
#include <unistd.h>

#include "portal.h"
#include "pt_keys.h"
#include "portal_throttle.h"

APLOG_USE_MODULE(portal);

void *portal_create_srv(apr_pool_t *p, server_rec *s)
{
    portal_srv_t *c = apr_pcalloc(p, sizeof(*c));

    c->session_idle = PORTAL_UNSET;
    c->session_max_age = PORTAL_UNSET;
    c->cookie_secure = PORTAL_UNSET;
    c->form_max = PORTAL_UNSET;
    c->cleanup_interval = PORTAL_UNSET;
    c->smtp_starttls = PORTAL_UNSET;
    c->smtp_timeout = PORTAL_UNSET;
    c->mail_interval = PORTAL_UNSET;
    c->mail_retry = PORTAL_UNSET;
    c->mail_give_up = PORTAL_UNSET;
    c->verify_email = PORTAL_UNSET;
    c->verify_lifetime = PORTAL_UNSET;
    c->resend_cooldown = PORTAL_UNSET;
    c->mail_retention = PORTAL_UNSET;
    c->change_code = PORTAL_UNSET;
    portal_files_conf_init(&c->files);
    portal_ioc_conf_init(&c->ioc);
    portal_api_conf_init(&c->api);
    return c;
}

#define MERGE_PTR(f) c->f = add->f ? add->f : base->f
#define MERGE_INT(f) c->f = (add->f != PORTAL_UNSET) ? add->f : base->f

void *portal_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    const portal_srv_t *base = basev, *add = addv;
    portal_srv_t *c = apr_pcalloc(p, sizeof(*c));

    MERGE_PTR(data_dir);
    MERGE_PTR(template_dir);
    MERGE_PTR(sql_dir);
    MERGE_PTR(site_name);
    MERGE_PTR(static_url);
    MERGE_INT(session_idle);
    MERGE_INT(session_max_age);
    MERGE_INT(cookie_secure);
    MERGE_INT(form_max);
    MERGE_INT(cleanup_interval);
    MERGE_PTR(base_url);
    MERGE_PTR(oidc_label);
    MERGE_PTR(throttle_cache);
    MERGE_PTR(mail_from);
    MERGE_PTR(mail_from_name);
    MERGE_PTR(smtp_url);
    MERGE_PTR(smtp_credentials);
    MERGE_PTR(smtp_ca_file);
    MERGE_INT(smtp_starttls);
    MERGE_INT(smtp_timeout);
    MERGE_INT(mail_interval);
    MERGE_INT(mail_retry);
    MERGE_INT(mail_give_up);
    MERGE_INT(verify_email);
    MERGE_INT(verify_lifetime);
    MERGE_INT(resend_cooldown);
    MERGE_INT(mail_retention);
    MERGE_INT(change_code);
    c->argon2 = add->argon2.m_cost_kib ? add->argon2 : base->argon2;
    portal_files_conf_merge(&c->files, &base->files, &add->files);
    portal_ioc_conf_merge(&c->ioc, &base->ioc, &add->ioc);
    portal_api_conf_merge(&c->api, &base->api, &add->api);
    return c;
}

void *portal_create_dir(apr_pool_t *p, char *dir)
{
    portal_dir_t *d = apr_pcalloc(p, sizeof(portal_dir_t));

    d->verify_email = PORTAL_UNSET;
    d->change_code = PORTAL_UNSET;
    d->max_file = PORTAL_UNSET;
    d->max_request = PORTAL_UNSET;
    d->upload_roles = PORTAL_UNSET;
    d->api_verify_url = PORTAL_UNSET;
    d->link_max_active = PORTAL_UNSET;
    d->export_max = PORTAL_UNSET;
    d->export_max_user = PORTAL_UNSET;
    d->throttle = portal_throttle_dir_create(p);
    return d;
}

void *portal_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const portal_dir_t *base = basev, *add = addv;
    portal_dir_t *d = apr_pcalloc(p, sizeof(*d));
    int i;

    d->mount = add->mount ? add->mount : base->mount;
    d->verify_email = add->verify_email != PORTAL_UNSET ? add->verify_email
                                                        : base->verify_email;
    d->change_code = add->change_code != PORTAL_UNSET ? add->change_code
                                                      : base->change_code;
    d->upload_types = add->upload_types ? add->upload_types
                                        : base->upload_types;
    d->max_file = add->max_file != PORTAL_UNSET ? add->max_file
                                                : base->max_file;
    d->max_request = add->max_request != PORTAL_UNSET ? add->max_request
                                                      : base->max_request;
    d->upload_roles = add->upload_roles != PORTAL_UNSET ? add->upload_roles
                                                        : base->upload_roles;
    d->api_verify_url = add->api_verify_url != PORTAL_UNSET
                        ? add->api_verify_url : base->api_verify_url;
    d->link_max_active = add->link_max_active != PORTAL_UNSET
                         ? add->link_max_active : base->link_max_active;
    d->export_max = add->export_max != PORTAL_UNSET ? add->export_max
                                                    : base->export_max;
    d->export_max_user = add->export_max_user != PORTAL_UNSET
                         ? add->export_max_user : base->export_max_user;
    for (i = 0; i < PORTAL_ROLE_COUNT; i++) {
        d->role_types[i] = add->role_types[i] ? add->role_types[i]
                                              : base->role_types[i];
    }
    d->throttle = portal_throttle_dir_merge(p, base->throttle, add->throttle);
    return d;
}

const char *portal_conf_data_dir(const portal_srv_t *c)
{
    return c->data_dir ? c->data_dir : PORTAL_DEFAULT_DATA_DIR;
}

const char *portal_conf_template_dir(const portal_srv_t *c)
{
    return c->template_dir ? c->template_dir : PORTAL_SHAREDIR "/templates";
}

const char *portal_conf_sql_dir(const portal_srv_t *c)
{
    return c->sql_dir ? c->sql_dir : PORTAL_SHAREDIR "/sql";
}

const char *portal_conf_site_name(const portal_srv_t *c)
{
    return c->site_name ? c->site_name : PORTAL_DEFAULT_SITE_NAME;
}

const char *portal_conf_static_url(const portal_srv_t *c)
{
    return c->static_url ? c->static_url : PORTAL_DEFAULT_STATIC_URL;
}

int portal_conf_session_idle(const portal_srv_t *c)
{
    return c->session_idle != PORTAL_UNSET ? c->session_idle
                                           : PORTAL_DEFAULT_SESSION_IDLE;
}

int portal_conf_session_max_age(const portal_srv_t *c)
{
    return c->session_max_age != PORTAL_UNSET
               ? c->session_max_age : PORTAL_DEFAULT_SESSION_MAX_AGE;
}

int portal_conf_cookie_secure(const portal_srv_t *c)
{
    return c->cookie_secure != PORTAL_UNSET ? c->cookie_secure
                                            : PORTAL_COOKIE_AUTO;
}

int portal_conf_form_max(const portal_srv_t *c)
{
    return c->form_max != PORTAL_UNSET ? c->form_max
                                       : PORTAL_DEFAULT_FORM_MAX;
}

int portal_conf_cleanup_interval(const portal_srv_t *c)
{
    return c->cleanup_interval != PORTAL_UNSET
               ? c->cleanup_interval : PORTAL_DEFAULT_CLEANUP_INTERVAL;
}

pt_argon2_params_t portal_conf_argon2(const portal_srv_t *c)
{
    pt_argon2_params_t d = { PT_ARGON2_DEFAULT_M, PT_ARGON2_DEFAULT_T,
                             PT_ARGON2_DEFAULT_P };

    return c->argon2.m_cost_kib ? c->argon2 : d;
}

#define INT_OR(f, d) (c->f != PORTAL_UNSET ? c->f : (d))

int portal_conf_smtp_starttls(const portal_srv_t *c)
{
    return INT_OR(smtp_starttls, 1);
}

int portal_conf_smtp_timeout(const portal_srv_t *c)
{
    return INT_OR(smtp_timeout, PORTAL_DEFAULT_SMTP_TIMEOUT);
}

int portal_conf_mail_interval(const portal_srv_t *c)
{
    return INT_OR(mail_interval, PORTAL_DEFAULT_MAIL_INTERVAL);
}

int portal_conf_mail_retry(const portal_srv_t *c)
{
    return INT_OR(mail_retry, PORTAL_DEFAULT_MAIL_RETRY);
}

int portal_conf_mail_give_up(const portal_srv_t *c)
{
    return INT_OR(mail_give_up, PORTAL_DEFAULT_MAIL_GIVE_UP);
}

int portal_conf_verify_email(const portal_srv_t *c)
{
    return INT_OR(verify_email, 1);
}

int portal_conf_verify_lifetime(const portal_srv_t *c)
{
    return INT_OR(verify_lifetime, PORTAL_DEFAULT_VERIFY_LIFETIME);
}

int portal_conf_resend_cooldown(const portal_srv_t *c)
{
    return INT_OR(resend_cooldown, PORTAL_DEFAULT_RESEND_COOLDOWN);
}

int portal_conf_mail_retention(const portal_srv_t *c)
{
    return INT_OR(mail_retention, PORTAL_DEFAULT_MAIL_RETENTION);
}

int portal_conf_change_code(const portal_srv_t *c)
{
    return INT_OR(change_code, 0);
}


const char *portal_conf_base_url(const portal_srv_t *c, server_rec *s,
                                 apr_pool_t *p)
{
    apr_port_t port = s->port ? s->port : 80;

    if (c->base_url) {
        return c->base_url;
    }
    return apr_psprintf(p, "http://%s%s", s->server_hostname
                        ? s->server_hostname : "localhost",
                        port == 80 ? "" : apr_psprintf(p, ":%u", port));
}

/* ------------------------------------------------------------ start-up */

#define DIR_0700 (APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE)
#define DIR_0750 (DIR_0700 | APR_FPROT_GREAD | APR_FPROT_GEXECUTE)

/* Create dir (mode 0750) when missing; when we run as root and made it,
 * hand it to the worker user so that children can write the SQLite
 * database there. */
static apr_status_t ensure_dir(apr_pool_t *p, server_rec *s, const char *dir,
                               apr_fileperms_t perms, int for_workers)
{
    apr_finfo_t fi;
    apr_status_t rv;

    if (apr_stat(&fi, dir, APR_FINFO_TYPE, p) == APR_SUCCESS) {
        if (fi.filetype != APR_DIR) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0001)
                         "%s exists and is not a directory", dir);
            return APR_ENOTDIR;
        }
        return APR_SUCCESS;
    }
    rv = apr_dir_make_recursive(dir, perms, p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0002)
                     "cannot create %s", dir);
        return rv;
    }
    apr_file_perms_set(dir, perms);
    if (for_workers && geteuid() == 0
        && chown(dir, ap_unixd_config.user_id, ap_unixd_config.group_id)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, APR_FROM_OS_ERROR(errno), s,
                     PORTAL_LOGNO(0003) "cannot give %s to the worker user",
                     dir);
    }
    return APR_SUCCESS;
}

apr_status_t portal_ensure_dir(apr_pool_t *p, server_rec *s, const char *dir,
                               int for_workers)
{
    return ensure_dir(p, s, dir, for_workers ? DIR_0750 : DIR_0700,
                      for_workers);
}

/* Templates and SQL are shared between servers that name the same
 * folders: this cache (in pconf) parses each folder once per start. */
typedef struct load_cache_t {
    apr_hash_t *templates;      /* dir -> pt_tplset_t (and dir/mail.txt,
                                   dir/mail.html for the mail sets) */
    apr_hash_t *sql;            /* dir -> apr_hash_t dialect -> pt_sql_t */
    apr_hash_t *secrets;        /* data dir -> key bytes */
    apr_hash_t *files;          /* see portal_files_post_config() */
} load_cache_t;

/* templates/mail/NAME.txt (first line "Subject: ...") and NAME.html */
static apr_status_t load_mail_templates(apr_pool_t *pconf, server_rec *s,
                                        load_cache_t *cache, portal_srv_t *c)
{
    static const char *const exts[] = { ".txt", ".html" };
    const char *dir = apr_pstrcat(pconf, portal_conf_template_dir(c),
                                  "/mail", NULL);
    int i;

    for (i = 0; i < 2; i++) {
        const char *key = apr_pstrcat(pconf, dir, exts[i], NULL);
        pt_tplset_t *set = apr_hash_get(cache->templates, key,
                                        APR_HASH_KEY_STRING);
        pt_err_t err = { 0 };

        if (!set) {
            set = pt_tplset_make(pconf);
            if (pt_tplset_load_dir(set, dir, exts[i], &err)
                != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0008)
                             "mail template error: %s",
                             pt_err_str(&err, pconf));
                return APR_EGENERAL;
            }
            apr_hash_set(cache->templates, key, APR_HASH_KEY_STRING, set);
        }
        if (i == 0) {
            c->mail_text = set;
        }
        else {
            c->mail_html = set;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t load_templates(apr_pool_t *pconf, server_rec *s,
                                   load_cache_t *cache, portal_srv_t *c)
{
    const char *dir = portal_conf_template_dir(c);
    pt_tplset_t *set = apr_hash_get(cache->templates, dir,
                                    APR_HASH_KEY_STRING);
    pt_err_t err = { 0 };

    if (!set) {
        set = pt_tplset_make(pconf);
        if (pt_tplset_load_dir(set, dir, ".html", &err) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0004)
                         "template error: %s (PortalTemplateDir %s)",
                         pt_err_str(&err, pconf), dir);
            return APR_EGENERAL;
        }
        apr_hash_set(cache->templates, dir, APR_HASH_KEY_STRING, set);
    }
    c->templates = set;
    {
        /* the API's description: served with its "servers" filled in */
        const char *api = apr_pstrcat(pconf, dir, "/openapi.json", NULL);
        json_error_t jerr;
        apr_finfo_t fi;

        if (apr_stat(&fi, api, APR_FINFO_TYPE, pconf) == APR_SUCCESS) {
            c->openapi = json_load_file(api, JSON_REJECT_DUPLICATES, &jerr);
            if (!c->openapi || !json_is_object(c->openapi)) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0019)
                             "%s:%d: %s", api, jerr.line, c->openapi
                             ? "not a JSON object" : jerr.text);
                return APR_EGENERAL;
            }
            portal_pool_json(pconf, c->openapi);
        }
    }
    return load_mail_templates(pconf, s, cache, c);
}

static apr_status_t load_sql(apr_pool_t *pconf, server_rec *s,
                             load_cache_t *cache, portal_srv_t *c)
{
    static const char *const dialects[] = { "sqlite", "pgsql" };
    const char *dir = portal_conf_sql_dir(c);
    apr_hash_t *by = apr_hash_get(cache->sql, dir, APR_HASH_KEY_STRING);
    unsigned i;

    if (!by) {
        by = apr_hash_make(pconf);
        for (i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
            pt_sql_t *sql;
            pt_err_t err = { 0 };

            if (pt_sql_load(pconf, dir, dialects[i], &sql, &err)
                != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0005)
                             "SQL error: %s (PortalSQLDir %s)",
                             pt_err_str(&err, pconf), dir);
                return APR_EGENERAL;
            }
            apr_hash_set(by, dialects[i], APR_HASH_KEY_STRING, sql);
        }
        apr_hash_set(cache->sql, dir, APR_HASH_KEY_STRING, by);
    }
    c->sql = by;
    return APR_SUCCESS;
}

static apr_status_t load_secret(apr_pool_t *pconf, server_rec *s,
                                load_cache_t *cache, portal_srv_t *c)
{
    const char *data = portal_conf_data_dir(c);
    const unsigned char *secret = apr_hash_get(cache->secrets, data,
                                               APR_HASH_KEY_STRING);
    const char *keys = apr_pstrcat(pconf, data, "/keys", NULL);
    unsigned char *key;
    int created;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (!secret) {
        rv = ensure_dir(pconf, s, data, DIR_0750, 1);
        if (rv == APR_SUCCESS) {
            rv = ensure_dir(pconf, s, keys, DIR_0700, 0);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = pt_key_load_or_create(pconf,
                                   apr_pstrcat(pconf, keys, "/secret.key",
                                               NULL),
                                   PORTAL_SECRET_BYTES, &key, &created, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0006)
                         "secret key: %s", pt_err_str(&err, pconf));
            return rv;
        }
        if (created) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PORTAL_LOGNO(0007)
                         "created a new secret key in %s", keys);
        }
        secret = key;
        apr_hash_set(cache->secrets, data, APR_HASH_KEY_STRING, secret);
    }
    c->secret = secret;
    return APR_SUCCESS;
}

/* Mail settings that need a file or a default from the server: the SMTP
 * credentials file (read here, as root, so it may be 0600), the sender,
 * and the folder for .eml files when there is no SMTP server. */
static apr_status_t load_mail_settings(apr_pool_t *pconf, server_rec *s,
                                       portal_srv_t *c)
{
    if (!c->mail_from) {
        c->mail_from = apr_pstrcat(pconf, "portal@", s->server_hostname
                                   ? s->server_hostname : "localhost", NULL);
    }
    if (c->smtp_credentials) {
        pt_err_t err = { 0 };
        char *buf, *colon, *end;
        apr_size_t len;

        if (pt_file_read(pconf, c->smtp_credentials, &buf, &len, 4096, &err)
            != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0009)
                         "PortalSMTPCredentials: %s", pt_err_str(&err, pconf));
            return APR_EGENERAL;
        }
        end = buf + strcspn(buf, "\r\n");
        *end = '\0';
        colon = strchr(buf, ':');
        if (!colon || colon == buf) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0010)
                         "PortalSMTPCredentials: %s must hold one line "
                         "USER:PASSWORD", c->smtp_credentials);
            return APR_EGENERAL;
        }
        *colon = '\0';
        c->smtp_user = buf;
        c->smtp_password = colon + 1;
    }
    if (!c->smtp_url) {
        return ensure_dir(pconf, s, apr_pstrcat(pconf, portal_conf_data_dir(c),
                                                "/mail", NULL), DIR_0750, 1);
    }
    return APR_SUCCESS;
}

int portal_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *s)
{
    load_cache_t cache;
    server_rec *vs;

    if (portal_db_post_config(s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* before any thread exists: libcurl's global set-up is not
     * thread-safe; repeated calls only count */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cache.templates = apr_hash_make(ptemp);
    cache.sql = apr_hash_make(ptemp);
    cache.secrets = apr_hash_make(ptemp);
    cache.files = apr_hash_make(ptemp);
    for (vs = s; vs; vs = vs->next) {
        portal_srv_t *c = ap_get_module_config(vs->module_config,
                                               &portal_module);

        if (load_templates(pconf, vs, &cache, c) != APR_SUCCESS
            || load_sql(pconf, vs, &cache, c) != APR_SUCCESS
            || load_secret(pconf, vs, &cache, c) != APR_SUCCESS
            || load_mail_settings(pconf, vs, c) != APR_SUCCESS
            || portal_files_post_config(pconf, vs, c, cache.files)
               != APR_SUCCESS
            || portal_ioc_post_config(pconf, vs, c) != APR_SUCCESS
            || portal_api_post_config(pconf, vs, c) != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return portal_jobs_post_config(pconf, s);
}
