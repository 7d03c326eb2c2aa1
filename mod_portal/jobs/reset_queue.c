/*
 * reset_queue.c -- "forgot password" requests turned into mail,
 * in bounded time whatever the queue holds.
 *
 * POST /forgot_password only queues the address (handle/account.c), so
 * that it does the same work whether or not the address has an account;
 * at most one request waits per address (a unique index: a repeated
 * request adds nothing).  Each run of the "mail" job then:
 *
 *   1. drops, in one statement however many there are, every waiting
 *      request that will not be mailed: no account has the address, the
 *      account is disabled, or it already has a reset link outstanding (a
 *      reset mail waiting in the outbox, or a link neither used nor
 *      expired) or was mailed one within PortalResendCooldown;
 *   2. queues the reset mail of the others, oldest first, at most
 *      PORTAL_RESET_BATCH a run (one request per account, so this many
 *      accounts would have to be asked for at once to delay one).
 *
 * So a genuine request is served by the first run that starts after it,
 * whatever the number of requests for unknown or recently mailed
 * addresses, and one address gets at most one reset link at a time: a
 * new one only once the last has been used or has expired (30 minutes),
 * and never within the cooldown.  Requests are deleted once handled.
 *
 * The link's token is made when the mail is sent (jobs/mail_build.c).
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

/* Queue the reset mail of one request, in its own transaction: claimed
 * (so two runners never both mail it), the account's row locked and its
 * outstanding links checked again, then the mail.  *mailed is set when a
 * mail was queued. */
static apr_status_t queue_one(server_rec *s, pt_db_t *db, apr_pool_t *p,
                              const pt_row_t *rq, int *mailed)
{
    const portal_srv_t *c = portal_cfg_of(s);
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *since = pt_i64(p, now - portal_conf_resend_cooldown(c));
    const char *uid = pt_row_get(rq, "user_id");
    pt_row_t *busy = NULL;
    portal_mail_t m;
    int taken = 0;
    apr_status_t rv;

    *mailed = 0;
    rv = pt_db_run_named(db, "tx_begin");
    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "reset_request_take", &taken,
                        PT_ARGS(pt_row_get(rq, "id")));
    }
    if (rv == APR_SUCCESS && taken == 1) {
        rv = pt_db_exec(db, "reset_user_lock", NULL, PT_ARGS(uid));
    }
    if (rv == APR_SUCCESS && taken == 1) {
        rv = pt_db_one(db, "reset_user_busy", &busy,
                       PT_ARGS(uid, pt_i64(p, now), since, uid, since));
    }
    if (rv == APR_SUCCESS && taken == 1 && busy
        && pt_row_int(busy, "n") == 0) {
        memset(&m, 0, sizeof(m));
        m.name = "reset_password";
        m.data = pt_json_pool(p, json_pack(
            "{s:s, s:i}", "first_name", pt_row_get(rq, "first_name"),
            "minutes", PORTAL_RESET_LIFETIME / 60));
        m.to_addr = pt_row_get(rq, "email");
        m.to_name = pt_row_get(rq, "first_name");
        m.link_base = apr_pstrcat(p, portal_conf_base_url(c),
                                  pt_row_get(rq, "mount"), NULL);
        m.secret = "reset_password";
        m.user_id = uid;
        m.lifetime = PORTAL_RESET_LIFETIME;
        rv = portal_mail_put(s, db, p, &m);
        *mailed = rv == APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0606)
                     "password reset request: %s", db->errmsg
                     ? db->errmsg : "failed");
        pt_db_run_named(db, "tx_rollback");
        *mailed = 0;
    }
    return rv;
}

int portal_reset_queue_run(server_rec *s, pt_db_t *db, apr_pool_t *p,
                           int *dropped)
{
    const portal_srv_t *c = portal_cfg_of(s);
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *since = pt_i64(p, now - portal_conf_resend_cooldown(c));
    apr_array_header_t *rows;
    apr_pool_t *it;
    apr_status_t rv;
    int i, queued = 0;

    *dropped = 0;
    rv = pt_db_exec(db, "reset_requests_drop", dropped,
                    PT_ARGS(pt_i64(p, now), since, since));
    if (rv == APR_SUCCESS) {
        rv = pt_db_select(db, "reset_requests_ready", &rows,
                          PT_ARGS(pt_i64(p, PORTAL_RESET_BATCH)));
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(1104)
                     "password reset requests: %s",
                     db->errmsg ? db->errmsg : "failed");
        return -1;
    }
    apr_pool_create(&it, p);
    for (i = 0; i < rows->nelts; i++) {
        int mailed = 0;

        apr_pool_clear(it);
        if (queue_one(s, db, it, APR_ARRAY_IDX(rows, i, pt_row_t *),
                      &mailed) != APR_SUCCESS) {
            apr_pool_destroy(it);
            return -1;
        }
        queued += mailed;
    }
    apr_pool_destroy(it);
    if (*dropped > 0 || queued > 0) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, PORTAL_LOGNO(1105)
                     "password reset requests: %d mailed, %d dropped",
                     queued, *dropped);
    }
    return queued;
}
