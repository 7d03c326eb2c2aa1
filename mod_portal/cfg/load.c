/*
 * load.c -- what post_config loads for every server, once, as root,
 * before the children start: the templates (a parse error stops start-up
 * with file:line), the SQL of both dialects, the secret key from the data
 * folder (created on first start), the mail settings, and through the
 * areas' loaders the store, keys, feeds and the API's signing key.
 * Requests and jobs only read what was loaded.
 */
#include "apr_strings.h"
#include "apr_file_info.h"
#include "apr_time.h"
#include "http_main.h"
#include "unixd.h"

#include <errno.h>
#include <unistd.h>

#include "portal.h"
#include "cfg_int.h"
#include "pt_keys.h"
#include "pt_sql.h"

APLOG_USE_MODULE(portal);

static const char *template_dir(const portal_srv_t *c)
{
    return c->template_dir ? c->template_dir : PORTAL_SHAREDIR "/templates";
}

static const char *sql_dir(const portal_srv_t *c)
{
    return c->sql_dir ? c->sql_dir : PORTAL_SHAREDIR "/sql";
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
    apr_hash_t *since;          /* data dir -> apr_int64_t, the MAC switch */
    apr_hash_t *files;          /* see portal_files_load() */
} load_cache_t;

/* templates/mail/NAME.txt (first line "Subject: ...") and NAME.html */
static apr_status_t load_mail_templates(apr_pool_t *pconf, server_rec *s,
                                        load_cache_t *cache, portal_srv_t *c)
{
    static const char *const exts[] = { ".txt", ".html" };
    const char *dir = apr_pstrcat(pconf, template_dir(c),
                                  "/mail", NULL);
    apr_status_t rv;
    int i;

    for (i = 0; i < 2; i++) {
        const char *key = apr_pstrcat(pconf, dir, exts[i], NULL);
        pt_tplset_t *set = apr_hash_get(cache->templates, key,
                                        APR_HASH_KEY_STRING);
        pt_err_t err = { 0 };

        if (!set) {
            set = pt_tplset_make(pconf);
            rv = pt_tplset_load_dir(set, dir, exts[i], &err);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0008)
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
    const char *dir = template_dir(c);
    pt_tplset_t *set = apr_hash_get(cache->templates, dir,
                                    APR_HASH_KEY_STRING);
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (!set) {
        set = pt_tplset_make(pconf);
        rv = pt_tplset_load_dir(set, dir, ".html", &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0004)
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
            pt_json_pool(pconf, c->openapi);
        }
    }
    return load_mail_templates(pconf, s, cache, c);
}

static apr_status_t load_sql(apr_pool_t *pconf, server_rec *s,
                             load_cache_t *cache, portal_srv_t *c)
{
    static const char *const dialects[] = { "sqlite", "pgsql" };
    const char *dir = sql_dir(c);
    apr_hash_t *by = apr_hash_get(cache->sql, dir, APR_HASH_KEY_STRING);
    unsigned i;

    if (!by) {
        by = apr_hash_make(pconf);
        for (i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
            pt_sql_t *sql;
            pt_err_t err = { 0 };
            apr_status_t rv;

            rv = pt_sql_load(pconf, dir, dialects[i], &sql, &err);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0005)
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

/* The time from which the secret makes only purpose-labelled MACs
 * (pt_mac.h), in DATA/keys/mac.since: 0 for a secret made now (it never
 * made another kind); otherwise written the first time a portal that
 * labels its MACs starts with this secret (the upgrade), and read at
 * every start after.  Values issued before it may carry a MAC of the
 * earlier form and are accepted until they expire. */
static apr_status_t load_mac_since(apr_pool_t *pconf, server_rec *s,
                                   const char *keys, int created,
                                   apr_int64_t *since)
{
    const char *path = apr_pstrcat(pconf, keys, "/mac.since", NULL);
    pt_err_t err = { 0 };
    apr_finfo_t fi;
    apr_size_t len;
    apr_status_t rv;
    char *buf;
    int won = 0;

    if (apr_stat(&fi, path, APR_FINFO_TYPE, pconf) != APR_SUCCESS) {
        const char *text = apr_psprintf(pconf, "%" APR_INT64_T_FMT "\n",
                                        created ? (apr_int64_t)0
                                        : (apr_int64_t)apr_time_sec(
                                            apr_time_now()));

        rv = pt_file_publish(pconf, keys, path, text, strlen(text),
                             APR_FPROT_UREAD | APR_FPROT_UWRITE, &won, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1400)
                         "%s: %s", path, pt_err_str(&err, pconf));
            return rv;
        }
        if (won && !created) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PORTAL_LOGNO(1401)
                         "MACs are purpose-labelled from now on: links, "
                         "codes, cookies and API tokens issued before keep "
                         "their earlier form until they expire (%s)", path);
        }
    }
    rv = pt_file_read(pconf, path, &buf, &len, 64, &err);
    if (rv == APR_SUCCESS) {
        buf[strcspn(buf, "\r\n")] = '\0';
        rv = pt_int_parse(buf, 0, APR_INT64_C(4102444800), since);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1402)
                     "%s must hold the time (in seconds) from which MACs "
                     "are labelled", path);
    }
    return rv;
}

static apr_status_t load_secret(apr_pool_t *pconf, server_rec *s,
                                load_cache_t *cache, portal_srv_t *c)
{
    const char *data = portal_conf_data_dir(c);
    const unsigned char *secret = apr_hash_get(cache->secrets, data,
                                               APR_HASH_KEY_STRING);
    const char *keys = apr_pstrcat(pconf, data, "/keys", NULL);
    unsigned char *key;
    apr_int64_t *since;
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
        since = apr_pcalloc(pconf, sizeof(*since));
        rv = load_mac_since(pconf, s, keys, created, since);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        secret = key;
        apr_hash_set(cache->secrets, data, APR_HASH_KEY_STRING, secret);
        apr_hash_set(cache->since, data, APR_HASH_KEY_STRING, since);
    }
    since = apr_hash_get(cache->since, data, APR_HASH_KEY_STRING);
    c->secret = secret;
    c->mac_since = *since;
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
        apr_status_t rv;

        rv = pt_file_read(pconf, c->smtp_credentials, &buf, &len, 4096, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0009)
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

apr_status_t portal_cfg_load(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    load_cache_t cache;
    server_rec *vs;
    apr_status_t rv = APR_SUCCESS;
    apr_port_t port = s->port ? s->port : 80;
    /* the base URL's default: the main server's name and port */
    const char *origin = apr_psprintf(pconf, "http://%s%s",
                                      s->server_hostname
                                      ? s->server_hostname : "localhost",
                                      port == 80 ? "" : apr_psprintf(
                                          pconf, ":%u", port));

    cache.templates = apr_hash_make(ptemp);
    cache.sql = apr_hash_make(ptemp);
    cache.secrets = apr_hash_make(ptemp);
    cache.since = apr_hash_make(ptemp);
    cache.files = apr_hash_make(ptemp);
    for (vs = s; vs && rv == APR_SUCCESS; vs = vs->next) {
        portal_srv_t *c = ap_get_module_config(vs->module_config,
                                               &portal_module);

        c->origin = origin;
        rv = load_templates(pconf, vs, &cache, c);
        if (rv == APR_SUCCESS) {
            rv = load_sql(pconf, vs, &cache, c);
        }
        if (rv == APR_SUCCESS) {
            rv = load_secret(pconf, vs, &cache, c);
        }
        if (rv == APR_SUCCESS) {
            rv = load_mail_settings(pconf, vs, c);
        }
        if (rv == APR_SUCCESS) {
            rv = portal_files_load(pconf, vs, c, cache.files);
        }
        if (rv == APR_SUCCESS) {
            rv = portal_ioc_load(pconf, vs, c);
        }
        if (rv == APR_SUCCESS) {
            rv = portal_api_load(pconf, vs, c);
        }
    }
    return rv;
}
