/*
 * mail.c -- the portal's mail as requests and jobs queue it: what a
 * message is made of goes to the outbox on the caller's connection, so
 * it is committed or rolled back with the change that caused it; the
 * "mail" job (jobs/mail.c) builds and delivers it.  Also the rendering of
 * a mail template (checked when queued, used again when built) and the
 * stored form of a mailed 6-digit code.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_buf.h"
#include "pt_crypto.h"
#include "pt_mac.h"
#include "pt_mail.h"

APLOG_USE_MODULE(portal);

#define MAIL_MAX (16 * 1024 * 1024)

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

/* The host part of the base URL, for Message-IDs. */
static const char *msgid_domain(apr_pool_t *p, const char *base)
{
    const char *h = strstr(base, "://");
    apr_size_t n;

    h = h ? h + 3 : base;
    n = strcspn(h, ":/");
    return n ? apr_pstrmemdup(p, h, n) : "localhost";
}

static char *json_text(json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

apr_status_t portal_mail_put(server_rec *s, pt_db_t *db, apr_pool_t *p,
                             const portal_mail_t *m)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const char *base = portal_conf_base_url(c);
    const char *subject, *text, *html, *msgid, *now, *stored;
    json_t *data, *shown;
    char *dumped;
    apr_status_t rv;

    data = pt_json_pool(p, m->data ? json_deep_copy(m->data)
                                       : json_object());
    if (!data) {
        return APR_ENOMEM;
    }
    if (!json_object_get(data, "site")) {
        json_object_set_new(data, "site", json_string(
                            portal_conf_site_name(c)));
    }
    /* rendered once now: the template is checked while the caller can
     * still roll back, and the subject is kept for the admin with any
     * secret masked */
    shown = pt_json_pool(p, json_deep_copy(data));
    if (!shown) {
        return APR_ENOMEM;
    }
    if (m->secret) {
        json_object_set_new(shown, strcmp(m->secret, "change_password")
                                   ? "link" : "code",
                            json_string(strcmp(m->secret, "change_password")
                                        ? "[link]" : "[code]"));
    }
    rv = portal_mail_render(s, p, m->name, shown, &subject, &text, &html);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = pt_mail_msgid_new(p, msgid_domain(p, base), &msgid);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(1101)
                     "mail %s: no Message-ID could be made", m->name);
        return rv;
    }
    dumped = json_text(data);
    if (!dumped) {
        return APR_ENOMEM;
    }
    stored = apr_pstrdup(p, dumped);
    free(dumped);
    now = pt_i64(p, now_sec());
    rv = pt_db_exec(db, "outbox_insert", NULL,
                    PT_ARGS(now, m->to_addr, m->to_name, msgid, subject,
                            m->name, stored,
                            m->link_base ? m->link_base : base,
                            m->user_id, m->secret, m->secret_ref,
                            m->secret ? pt_i64(p, m->lifetime) : NULL,
                            m->file_id, now));
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0605)
                     "queueing mail %s: %s", m->name, db->errmsg);
    }
    return rv;
}

apr_status_t portal_mail_queue(server_rec *s, pt_db_t *db, apr_pool_t *p,
                               const char *name, json_t *data,
                               const char *to_addr, const char *to_name)
{
    portal_mail_t m;

    memset(&m, 0, sizeof(m));
    m.name = name;
    m.data = data;
    m.to_addr = to_addr;
    m.to_name = to_name;
    return portal_mail_put(s, db, p, &m);
}

const char *portal_code_hmac(apr_pool_t *p, const unsigned char *secret,
                             const char *uid, const char *code)
{
    return pt_mac(p, secret, PORTAL_SECRET_BYTES, PT_MAC_CHANGE_CODE,
                  PT_MAC_PARTS(uid, code));
}

apr_status_t portal_mail_render(server_rec *s, apr_pool_t *p,
                                const char *name, json_t *data,
                                const char **subject, const char **text,
                                const char **html)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const pt_template_t *html_tpl;
    pt_buf_t tb, hb;
    pt_err_t err = { 0 };
    const char *body;
    apr_size_t n;
    apr_status_t rv;

    pt_buf_init(&tb, p, 4096, MAIL_MAX);
    rv = pt_tplset_render(portal_conf_mail_text(c), name, data, &tb, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0601)
                     "mail template %s.txt: %s", name,
                     err.what ? pt_err_str(&err, p) : "cannot render");
        return rv;
    }
    /* "Subject: ..." on the first line, then a blank line, then the body */
    if (strncmp(tb.data, "Subject: ", 9)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0602)
                     "mail template %s.txt must start with 'Subject: '",
                     name);
        return APR_EGENERAL;
    }
    n = strcspn(tb.data, "\n");
    *subject = apr_pstrmemdup(p, tb.data + 9, n - 9);
    body = tb.data + n;
    while (*body == '\n' || *body == '\r') {
        body++;
    }
    *text = body;
    *html = NULL;
    html_tpl = pt_tplset_get(portal_conf_mail_html(c), name);
    if (html_tpl) {
        pt_buf_init(&hb, p, 8192, MAIL_MAX);
        rv = pt_template_render(html_tpl, data, portal_conf_mail_html(c),
                                &hb, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0603)
                         "mail template %s.html: %s", name,
                         err.what ? pt_err_str(&err, p) : "cannot render");
            return rv;
        }
        *html = hb.data;
    }
    return APR_SUCCESS;
}
