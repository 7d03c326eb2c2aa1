/*
 * srv.c -- the per-server record: create, merge and the accessors.
 *
 * Every field starts unset so that a virtual host inherits what it does
 * not set (as in mod_dbd's merge); the accessors apply the documented
 * defaults.
 */
#include "apr_strings.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_smtp.h"

APLOG_USE_MODULE(portal);

portal_srv_t *portal_cfg_srv(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &portal_module);
}

const char *portal_cfg_global(cmd_parms *cmd)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (!err) {
        return NULL;
    }
    return apr_pstrcat(cmd->pool, err, ": the portal's background jobs run "
                       "once for the whole server with the main server's "
                       "settings, so set it outside <VirtualHost> "
                       "(docs/directives.md)", NULL);
}

const portal_srv_t *portal_cfg_of(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &portal_module);
}

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

void *portal_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    const portal_srv_t *base = basev, *add = addv;
    portal_srv_t *c = apr_pcalloc(p, sizeof(*c));

    CFG_MERGE_PTR(data_dir);
    CFG_MERGE_PTR(template_dir);
    CFG_MERGE_PTR(sql_dir);
    CFG_MERGE_PTR(site_name);
    CFG_MERGE_PTR(static_url);
    CFG_MERGE_INT(session_idle);
    CFG_MERGE_INT(session_max_age);
    CFG_MERGE_INT(cookie_secure);
    CFG_MERGE_INT(form_max);
    CFG_MERGE_INT(cleanup_interval);
    CFG_MERGE_PTR(base_url);
    CFG_MERGE_PTR(oidc_label);
    CFG_MERGE_PTR(throttle_cache);
    CFG_MERGE_PTR(mail_from);
    CFG_MERGE_PTR(mail_from_name);
    CFG_MERGE_PTR(smtp_url);
    CFG_MERGE_PTR(smtp_credentials);
    CFG_MERGE_PTR(smtp_ca_file);
    CFG_MERGE_INT(smtp_starttls);
    CFG_MERGE_INT(smtp_timeout);
    CFG_MERGE_INT(mail_interval);
    CFG_MERGE_INT(mail_retry);
    CFG_MERGE_INT(mail_give_up);
    CFG_MERGE_INT(verify_email);
    CFG_MERGE_INT(verify_lifetime);
    CFG_MERGE_INT(resend_cooldown);
    CFG_MERGE_INT(mail_retention);
    CFG_MERGE_INT(change_code);
    /* m_cost_kib 0: PortalArgon2 unset (it sets all three together) */
    c->argon2 = add->argon2.m_cost_kib ? add->argon2 : base->argon2;
    portal_files_conf_merge(&c->files, &base->files, &add->files);
    portal_ioc_conf_merge(&c->ioc, &base->ioc, &add->ioc);
    portal_api_conf_merge(&c->api, &base->api, &add->api);
    return c;
}

#define INT_OR(f, d) (c->f != PORTAL_UNSET ? c->f : (d))

const char *portal_conf_data_dir(const portal_srv_t *c)
{
    return c->data_dir ? c->data_dir : PORTAL_DEFAULT_DATA_DIR;
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
    return INT_OR(session_idle, PORTAL_DEFAULT_SESSION_IDLE);
}

int portal_conf_session_max_age(const portal_srv_t *c)
{
    return INT_OR(session_max_age, PORTAL_DEFAULT_SESSION_MAX_AGE);
}

int portal_conf_cookie_secure(const portal_srv_t *c)
{
    return INT_OR(cookie_secure, PORTAL_COOKIE_AUTO);
}

int portal_conf_form_max(const portal_srv_t *c)
{
    return INT_OR(form_max, PORTAL_DEFAULT_FORM_MAX);
}

int portal_conf_cleanup_interval(const portal_srv_t *c)
{
    return INT_OR(cleanup_interval, PORTAL_DEFAULT_CLEANUP_INTERVAL);
}

pt_argon2_params_t portal_conf_argon2(const portal_srv_t *c)
{
    pt_argon2_params_t d = { PT_ARGON2_DEFAULT_M, PT_ARGON2_DEFAULT_T,
                             PT_ARGON2_DEFAULT_P };

    return c->argon2.m_cost_kib ? c->argon2 : d;
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

const char *portal_conf_base_url(const portal_srv_t *c)
{
    return c->base_url ? c->base_url : c->origin;
}

const char *portal_conf_oidc_label(const portal_srv_t *c)
{
    return c->oidc_label;
}

const char *portal_conf_throttle_cache(const portal_srv_t *c)
{
    return c->throttle_cache;
}

const unsigned char *portal_conf_secret(const portal_srv_t *c)
{
    return c->secret;
}

apr_int64_t portal_conf_mac_since(const portal_srv_t *c)
{
    return c->mac_since;
}

const pt_tplset_t *portal_conf_templates(const portal_srv_t *c)
{
    return c->templates;
}

const pt_tplset_t *portal_conf_mail_text(const portal_srv_t *c)
{
    return c->mail_text;
}

const pt_tplset_t *portal_conf_mail_html(const portal_srv_t *c)
{
    return c->mail_html;
}

const struct pt_sql_t *portal_conf_sql(const portal_srv_t *c,
                                       const char *dialect)
{
    return c->sql ? apr_hash_get(c->sql, dialect, APR_HASH_KEY_STRING)
                  : NULL;
}

const json_t *portal_conf_openapi(const portal_srv_t *c)
{
    return c->openapi;
}

const char *portal_conf_mail_from(const portal_srv_t *c)
{
    return c->mail_from;
}

const char *portal_conf_mail_from_name(const portal_srv_t *c)
{
    return c->mail_from_name;
}

void portal_conf_smtp(const portal_srv_t *c, pt_smtp_conf_t *smtp)
{
    memset(smtp, 0, sizeof(*smtp));
    smtp->url = c->smtp_url;
    smtp->starttls = INT_OR(smtp_starttls, 1);
    smtp->username = c->smtp_user;
    smtp->password = c->smtp_password;
    smtp->ca_file = c->smtp_ca_file;
    smtp->connect_timeout_sec = 10;
    smtp->timeout_sec = INT_OR(smtp_timeout, PORTAL_DEFAULT_SMTP_TIMEOUT);
}
