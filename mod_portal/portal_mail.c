/*
 * portal_mail.c -- the portal's mail: written to the outbox, delivered by
 * the background job.
 *
 * A request never talks to SMTP.  portal_mail_queue() renders a mail
 * template (templates/mail/NAME.txt, whose first line is "Subject: ...",
 * and NAME.html when there is one), builds the MIME message with the core
 * and inserts it into the outbox on the caller's connection, so it is
 * committed or rolled back with the change that caused it.
 *
 * portal_mail_run() is the "mail" job: it turns queued password-reset
 * requests into mail, then delivers what is due: over SMTP (libcurl) when
 * PortalSMTPServer is set, otherwise as .eml files in DATA/mail/.  A
 * message is claimed (pending -> sending) before it is handed over and
 * marked sent right after, so once the server accepted it it is never
 * sent again; a temporary failure is retried with a doubling delay until
 * PortalMailGiveUpAfter.
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "apr_file_io.h"

#include "portal.h"
#include "pt_crypto.h"
#include "pt_mail.h"
#include "pt_smtp.h"

APLOG_USE_MODULE(portal);

#define MAIL_MAX (16 * 1024 * 1024)
#define SENDING_STALE 600       /* seconds before 'sending' means lost */

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

apr_status_t portal_mail_queue(server_rec *s, pt_db_t *db, apr_pool_t *p,
                               const char *name, json_t *data,
                               const char *to_addr, const char *to_name)
{
    return portal_mail_queue_with(s, db, p, name, data, to_addr, to_name,
                                  NULL);
}

apr_status_t portal_mail_queue_with(server_rec *s, pt_db_t *db,
                                    apr_pool_t *p, const char *name,
                                    json_t *data, const char *to_addr,
                                    const char *to_name,
                                    const apr_array_header_t *attachments)
{
    const portal_srv_t *c = ap_get_module_config(s->module_config,
                                                 &portal_module);
    const pt_template_t *html_tpl;
    pt_buf_t text, html;
    pt_err_t err = { 0 };
    pt_mail_t m;
    const char *subject, *body, *msg, *msgid, *now;
    apr_size_t len, n;
    apr_status_t rv;

    json_object_set_new(data, "site", json_string(
                        portal_conf_site_name(c)));
    pt_buf_init(&text, p, 4096, MAIL_MAX);
    rv = pt_tplset_render(c->mail_text, name, data, &text, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0601)
                     "mail template %s.txt: %s", name,
                     err.what ? pt_err_str(&err, p) : "cannot render");
        return rv;
    }
    /* "Subject: ..." on the first line, then a blank line, then the body */
    if (strncmp(text.data, "Subject: ", 9)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0602)
                     "mail template %s.txt must start with 'Subject: '",
                     name);
        return APR_EGENERAL;
    }
    n = strcspn(text.data, "\n");
    subject = apr_pstrmemdup(p, text.data + 9, n - 9);
    body = text.data + n;
    while (*body == '\n' || *body == '\r') {
        body++;
    }

    memset(&m, 0, sizeof(m));
    html_tpl = pt_tplset_get(c->mail_html, name);
    if (html_tpl) {
        pt_buf_init(&html, p, 8192, MAIL_MAX);
        rv = pt_template_render(html_tpl, data, c->mail_html, &html, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0603)
                         "mail template %s.html: %s", name,
                         err.what ? pt_err_str(&err, p) : "cannot render");
            return rv;
        }
        m.html = html.data;
    }
    m.from_name = c->mail_from_name ? c->mail_from_name
                                    : portal_conf_site_name(c);
    m.from_addr = c->mail_from;
    m.to_name = to_name;
    m.to_addr = to_addr;
    m.subject = subject;
    m.text = body;
    m.attachments = attachments;
    m.msgid_domain = msgid_domain(p, portal_conf_base_url(c, s, p));
    rv = pt_mail_build(p, &m, &msg, &len, &msgid, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0604)
                     "building mail %s: %s", name, pt_err_str(&err, p));
        return rv;
    }
    now = portal_i64(p, now_sec());
    rv = pt_db_exec(db, "outbox_insert", NULL,
                    PT_ARGS(now, to_addr, msgid, msg, now));
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0605)
                     "queueing mail %s: %s", name, db->errmsg);
    }
    return rv;
}

/* ------------------------------------------------------------ reset */

/* Turn queued "forgot password" requests into mail: a reset link for an
 * address that has an account (at most one per PortalResendCooldown),
 * nothing for one that has not.  Each request in its own transaction. */
static int process_reset_requests(server_rec *s, pt_db_t *db, apr_pool_t *p)
{
    const portal_srv_t *c = ap_get_module_config(s->module_config,
                                                 &portal_module);
    apr_array_header_t *rows;
    int i, mailed = 0;

    if (pt_db_select(db, "reset_requests_pending", &rows, PT_NOARGS)
        != APR_SUCCESS) {
        return -1;
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *rq = APR_ARRAY_IDX(rows, i, pt_row_t *);
        apr_int64_t now = now_sec();
        pt_row_t *u = NULL, *last = NULL;
        apr_status_t rv;

        if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
            return -1;
        }
        rv = pt_db_one(db, "user_by_email", &u,
                       PT_ARGS(pt_row_get(rq, "email_lc")));
        if (rv == APR_SUCCESS && u) {
            const char *uid = pt_row_get(u, "id");

            rv = pt_db_one(db, "token_last_issued", &last,
                           PT_ARGS(uid, "reset_password"));
            if (rv == APR_SUCCESS
                && (!pt_row_get(last, "last")
                    || pt_row_int(last, "last")
                       <= now - portal_conf_resend_cooldown(c))) {
                const char *tok;
                json_t *d;

                rv = pt_token_new(p, &tok);
                if (rv == APR_SUCCESS) {
                    rv = pt_db_exec(db, "tokens_retire", NULL,
                                    PT_ARGS(portal_i64(p, now), uid,
                                            "reset_password"));
                }
                if (rv == APR_SUCCESS) {
                    rv = pt_db_exec(db, "token_insert", NULL,
                                    PT_ARGS(pt_sha256_hex(p, tok,
                                                          strlen(tok)),
                                            uid, "reset_password",
                                            portal_i64(p, now),
                                            portal_i64(p, now
                                                + PORTAL_RESET_LIFETIME),
                                            NULL));
                }
                if (rv == APR_SUCCESS) {
                    d = portal_pool_json(p, json_pack(
                        "{s:s, s:s, s:i}",
                        "first_name", pt_row_get(u, "first_name"),
                        "link", apr_pstrcat(p, portal_conf_base_url(c, s, p),
                                            pt_row_get(rq, "mount"),
                                            "/reset_password?token=", tok,
                                            NULL),
                        "minutes", PORTAL_RESET_LIFETIME / 60));
                    rv = portal_mail_queue(s, db, p, "reset_password", d,
                                           pt_row_get(u, "email"),
                                           pt_row_get(u, "first_name"));
                    mailed += rv == APR_SUCCESS;
                }
            }
        }
        if (rv == APR_SUCCESS) {
            rv = pt_db_exec(db, "reset_request_done", NULL,
                            PT_ARGS(portal_i64(p, now), pt_row_get(rq, "id")));
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0606)
                         "password reset request: %s", db->errmsg
                         ? db->errmsg : "failed");
            pt_db_run_named(db, "tx_rollback");
            return -1;
        }
        if (pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
            pt_db_run_named(db, "tx_rollback");
            return -1;
        }
    }
    return mailed;
}

/* ------------------------------------------------------------ delivery */

/* Write msg as DATA/mail/NNNNNNNN.eml: temp name, fsync, rename. */
static apr_status_t write_eml(const portal_srv_t *c, apr_pool_t *p,
                              const char *id, const char *msg,
                              const char **errmsg)
{
    const char *dir = apr_pstrcat(p, portal_conf_data_dir(c), "/mail", NULL);
    const char *path = apr_psprintf(p, "%s/%08" APR_INT64_T_FMT ".eml", dir,
                                    apr_atoi64(id));
    const char *tmp = apr_pstrcat(p, path, ".tmp", NULL);
    apr_file_t *f;
    apr_size_t written;
    apr_status_t rv;
    char ebuf[120];

    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD,
                       p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, msg, strlen(msg), &written);
        if (rv == APR_SUCCESS) {
            rv = apr_file_sync(f);
        }
        apr_file_close(f);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        *errmsg = apr_psprintf(p, "writing %s: %s", path,
                               apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    return rv;
}

static int deliver_due(server_rec *s, pt_db_t *db, apr_pool_t *p,
                       int *deferred, int *failed)
{
    const portal_srv_t *c = ap_get_module_config(s->module_config,
                                                 &portal_module);
    pt_smtp_conf_t smtp;
    apr_array_header_t *rows;
    apr_int64_t now = now_sec();
    int i, sent = 0;

    memset(&smtp, 0, sizeof(smtp));
    smtp.url = c->smtp_url;
    smtp.starttls = portal_conf_smtp_starttls(c);
    smtp.username = c->smtp_user;
    smtp.password = c->smtp_password;
    smtp.ca_file = c->smtp_ca_file;
    smtp.connect_timeout_sec = 10;
    smtp.timeout_sec = portal_conf_smtp_timeout(c);

    pt_db_exec(db, "outbox_interrupted", NULL,
               PT_ARGS(portal_i64(p, now - SENDING_STALE)));
    if (pt_db_select(db, "outbox_due", &rows, PT_ARGS(portal_i64(p, now)))
        != APR_SUCCESS) {
        return -1;
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        const char *id = pt_row_get(row, "id");
        const char *msg = pt_row_get(row, "message");
        const char *errmsg = NULL;
        pt_smtp_result_e result = PT_SMTP_SENT;
        int claimed = 0;

        if (pt_db_exec(db, "outbox_claim", &claimed,
                       PT_ARGS(portal_i64(p, now_sec()), id)) != APR_SUCCESS
            || claimed != 1) {
            continue;           /* another runner has it */
        }
        if (c->smtp_url) {
            pt_smtp_send(p, &smtp, c->mail_from, pt_row_get(row, "to_addr"),
                         msg, strlen(msg), &result, &errmsg);
        }
        else if (write_eml(c, p, id, msg, &errmsg) != APR_SUCCESS) {
            result = PT_SMTP_TEMPORARY;
        }
        if (result == PT_SMTP_SENT) {
            pt_db_exec(db, "outbox_sent", NULL,
                       PT_ARGS(portal_i64(p, now_sec()), id));
            sent++;
        }
        else if (result == PT_SMTP_TEMPORARY
                 && pt_row_int(row, "created_at")
                    + portal_conf_mail_give_up(c) > now) {
            apr_int64_t delay = portal_conf_mail_retry(c);
            apr_int64_t tries = pt_row_int(row, "attempts");

            while (tries-- > 0 && delay < 3600) {
                delay *= 2;
            }
            pt_db_exec(db, "outbox_retry", NULL,
                       PT_ARGS(portal_i64(p, now_sec() + delay), errmsg, id));
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PORTAL_LOGNO(0607)
                         "mail %s to %s deferred %" APR_INT64_T_FMT
                         " s: %s", pt_row_get(row, "message_id"),
                         pt_row_get(row, "to_addr"), delay, errmsg);
            (*deferred)++;
        }
        else {
            pt_db_exec(db, "outbox_failed", NULL, PT_ARGS(errmsg, id));
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0608)
                         "mail %s to %s failed for good: %s",
                         pt_row_get(row, "message_id"),
                         pt_row_get(row, "to_addr"), errmsg);
            (*failed)++;
        }
    }
    return sent;
}

apr_status_t portal_mail_run(server_rec *s, pt_db_t *db,
                             const char **result)
{
    apr_pool_t *p = db->pool;
    int resets, sent, deferred = 0, failed = 0;

    resets = process_reset_requests(s, db, p);
    sent = deliver_due(s, db, p, &deferred, &failed);
    if (resets < 0 || sent < 0) {
        return APR_EGENERAL;
    }
    *result = apr_psprintf(p, "%d reset links queued, %d sent, %d deferred, "
                           "%d failed", resets, sent, deferred, failed);
    return APR_SUCCESS;
}
