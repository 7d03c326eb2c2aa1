/*
 * mail.c -- the "mail" job: the outbox delivered.
 *
 * A request never talks to SMTP.  portal_mail_put() (model/mail.c) writes
 * what a message is made of (template, recipient, data that is not
 * secret, and what the job is to add: a link, a code, an attachment) to
 * the outbox on the caller's connection, so it is committed or rolled
 * back with the change that caused it.  The message itself is built only
 * when it is sent (jobs/mail_build.c): no usable token and no file
 * content rests in the database.
 *
 * portal_mail_run() is the "mail" job: it turns queued password-reset
 * requests into mail (jobs/reset_queue.c), then delivers what is due,
 * up to MAIL_PER_RUN messages a run: over SMTP (libcurl) when
 * PortalSMTPServer is set, otherwise as .eml files in DATA/mail/.  A
 * message is claimed (pending -> sending) before it is built and handed
 * over and marked sent right after, so once the server accepted it it is
 * never sent again; a temporary failure is retried, built anew, with a
 * doubling delay until PortalMailGiveUpAfter.  Last, what a sent, failed
 * or cancelled message was made of is purged after PortalMailRetention:
 * the row keeps the recipient, subject, status, times and error.
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "apr_file_io.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_mail.h"
#include "pt_smtp.h"

APLOG_USE_MODULE(portal);

#define SENDING_STALE 600       /* seconds before 'sending' means lost */
#define MAIL_BATCH 20           /* rows read at a time */
#define MAIL_PER_RUN 200        /* most messages one run hands over */

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
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

typedef struct counts_t {
    int sent, deferred, failed, cancelled;
} counts_t;

/* Hand one claimed row over (built now), and record what became of it. */
static void deliver_one(server_rec *s, pt_db_t *db, apr_pool_t *p,
                        const pt_smtp_conf_t *smtp, const pt_row_t *row,
                        counts_t *n)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const char *id = pt_row_get(row, "id");
    const char *errmsg = NULL;
    pt_smtp_result_e result = PT_SMTP_SENT;
    portal_mail_built_t b;

    portal_mail_build(s, db, p, row, &b);
    switch (b.outcome) {
    case PORTAL_MAIL_CANCEL:
        pt_db_exec(db, "outbox_cancel", NULL, PT_ARGS(b.why, id));
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, PORTAL_LOGNO(1102)
                     "mail %s to %s cancelled: %s",
                     pt_row_get(row, "message_id"),
                     pt_row_get(row, "to_addr"), b.why);
        n->cancelled++;
        return;
    case PORTAL_MAIL_RETRY:
        result = PT_SMTP_TEMPORARY;
        errmsg = b.why;
        break;
    case PORTAL_MAIL_FAIL:
        result = PT_SMTP_PERMANENT;
        errmsg = b.why;
        break;
    case PORTAL_MAIL_BUILT:
        if (smtp->url) {
            pt_smtp_send(p, smtp, portal_conf_mail_from(c),
                         pt_row_get(row, "to_addr"),
                         b.msg, b.len, &result, &errmsg);
        }
        else if (write_eml(c, p, id, b.msg, &errmsg) != APR_SUCCESS) {
            result = PT_SMTP_TEMPORARY;
        }
        break;
    }
    if (result == PT_SMTP_SENT) {
        pt_db_exec(db, "outbox_sent", NULL,
                   PT_ARGS(pt_i64(p, now_sec()), id));
        n->sent++;
        return;
    }
    /* not delivered: the link made for this attempt must not work */
    portal_mail_unbuild(db, p, &b);
    if (result == PT_SMTP_TEMPORARY
        && pt_row_int(row, "created_at") + portal_conf_mail_give_up(c)
           > now_sec()) {
        apr_int64_t delay = portal_conf_mail_retry(c);
        apr_int64_t tries = pt_row_int(row, "attempts");

        while (tries-- > 0 && delay < 3600) {
            delay *= 2;
        }
        pt_db_exec(db, "outbox_retry", NULL,
                   PT_ARGS(pt_i64(p, now_sec() + delay), errmsg, id));
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PORTAL_LOGNO(0607)
                     "mail %s to %s deferred %" APR_INT64_T_FMT
                     " s: %s", pt_row_get(row, "message_id"),
                     pt_row_get(row, "to_addr"), delay, errmsg);
        n->deferred++;
        return;
    }
    pt_db_exec(db, "outbox_failed", NULL, PT_ARGS(errmsg, id));
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0608)
                 "mail %s to %s failed for good: %s",
                 pt_row_get(row, "message_id"),
                 pt_row_get(row, "to_addr"), errmsg);
    n->failed++;
}

/* Deliver what is due, oldest first, MAIL_BATCH rows at a time and at
 * most MAIL_PER_RUN in this run (each in a pool of its own). */
static apr_status_t deliver_due(server_rec *s, pt_db_t *db, apr_pool_t *p,
                                counts_t *n)
{
    const portal_srv_t *c = portal_cfg_of(s);
    pt_smtp_conf_t smtp;
    apr_pool_t *it;
    int handled = 0;

    portal_conf_smtp(c, &smtp);

    pt_db_exec(db, "outbox_interrupted", NULL,
               PT_ARGS(pt_i64(p, now_sec() - SENDING_STALE)));
    apr_pool_create(&it, p);
    while (handled < MAIL_PER_RUN) {
        apr_array_header_t *rows;
        int i;

        if (pt_db_select(db, "outbox_due", &rows,
                         PT_ARGS(pt_i64(p, now_sec()),
                                 pt_i64(p, MAIL_BATCH))) != APR_SUCCESS) {
            apr_pool_destroy(it);
            return APR_EGENERAL;
        }
        for (i = 0; i < rows->nelts && handled < MAIL_PER_RUN; i++) {
            pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
            int claimed = 0;

            handled++;
            apr_pool_clear(it);
            if (pt_db_exec(db, "outbox_claim", &claimed,
                           PT_ARGS(pt_i64(it, now_sec()),
                                   pt_row_get(row, "id"))) != APR_SUCCESS
                || claimed != 1) {
                continue;       /* another runner has it */
            }
            deliver_one(s, db, it, &smtp, row, n);
        }
        if (rows->nelts < MAIL_BATCH) {
            break;
        }
    }
    apr_pool_destroy(it);
    return APR_SUCCESS;
}

apr_status_t portal_mail_run(server_rec *s, pt_db_t *db,
                             const char **result)
{
    const portal_srv_t *c = portal_cfg_of(s);
    apr_pool_t *p = db->pool;
    apr_int64_t now = now_sec();
    counts_t n = { 0, 0, 0, 0 };
    int resets, dropped = 0, purged = 0;
    apr_status_t rv, prv;

    resets = portal_reset_queue_run(s, db, p, &dropped);
    rv = deliver_due(s, db, p, &n);
    prv = pt_db_exec(db, "outbox_purge", &purged,
                     PT_ARGS(pt_i64(p, now),
                             pt_i64(p, now - portal_conf_mail_retention(c))));
    if (prv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, prv, s, PORTAL_LOGNO(1103)
                     "purging the outbox: %s", db->errmsg);
        rv = prv;
    }
    if (resets < 0 || rv != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *result = apr_psprintf(p, "%d reset requests dropped, %d reset links "
                           "queued, %d sent, %d deferred, %d failed, "
                           "%d cancelled, %d purged", dropped, resets,
                           n.sent, n.deferred, n.failed, n.cancelled,
                           purged);
    return APR_SUCCESS;
}
