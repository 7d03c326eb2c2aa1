/*
 * files.c -- the background work of files: the confirmation
 * mail for each upload ("upload-mail") and the removal of what abandoned
 * uploads left in the store ("store-cleanup").
 *
 * Both run on the watchdog (jobs/runner.c) with the main server's
 * configuration.  A confirmation is queued in the outbox in the same
 * transaction that marks the file notified, so it is mailed once even
 * when several nodes run the job; the file itself is attached only when
 * the mail is sent (jobs/mail_build.c).
 */
#include "apr_strings.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_store.h"

APLOG_USE_MODULE(portal);

#define PENDING_MAX_AGE 3600    /* seconds before an upload is abandoned */

/* Queue the confirmation of one upload, in the transaction that marks
 * the file notified.  The file is attached when the mail is sent (read
 * and decrypted from the store then: no copy of it rests in the
 * outbox). */
static apr_status_t notify_one(server_rec *s, const portal_srv_t *c,
                               pt_db_t *db, apr_pool_t *p,
                               const pt_row_t *row, int *sent)
{
    apr_off_t size = pt_row_int(row, "size");
    const char *base = apr_pstrcat(p, portal_conf_base_url(c),
                                   pt_row_get(row, "mount"), NULL);
    portal_mail_t m;
    int n = 0;
    apr_status_t rv;

    memset(&m, 0, sizeof(m));
    m.name = "file_uploaded";
    m.data = pt_json_pool(p, json_pack(
        "{s:s, s:s, s:I, s:s, s:s, s:s, s:s}",
        "first_name", pt_row_get(row, "first_name"),
        "name", pt_row_get(row, "name"),
        "size", (json_int_t)size,
        "size_text", pt_fmt_size(p, size),
        "sha256", pt_row_get(row, "sha256"),
        "uploaded", pt_fmt_time(p, pt_row_int(row, "created_at")),
        "file_link", apr_pstrcat(p, base, "/files/", pt_row_get(row, "uuid"),
                                 NULL)));
    m.to_addr = pt_row_get(row, "email");
    m.to_name = apr_pstrcat(p, pt_row_get(row, "first_name"), " ",
                            pt_row_get(row, "last_name"), NULL);
    m.link_base = base;
    m.file_id = pt_row_get(row, "id");
    rv = pt_db_run_named(db, "tx_begin");
    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "file_notified", &n,
                        PT_ARGS(pt_i64(p, apr_time_sec(apr_time_now())),
                                pt_row_get(row, "id")));
    }
    if (rv == APR_SUCCESS && n == 1) {
        rv = portal_mail_put(s, db, p, &m);
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        return rv;
    }
    *sent += n;
    return APR_SUCCESS;
}

apr_status_t portal_upload_mail_run(server_rec *s, pt_db_t *db,
                                    const char **result)
{
    const portal_srv_t *c = portal_cfg_of(s);
    apr_array_header_t *rows;
    apr_pool_t *iter;
    int i, sent = 0;
    apr_status_t rv;

    rv = pt_db_select(db, "files_to_notify", &rows, PT_NOARGS);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_create(&iter, db->pool);
    for (i = 0; i < rows->nelts && rv == APR_SUCCESS; i++) {
        rv = notify_one(s, c, db, iter,
                        APR_ARRAY_IDX(rows, i, pt_row_t *), &sent);
        apr_pool_clear(iter);
    }
    apr_pool_destroy(iter);
    *result = apr_psprintf(db->pool, "%d upload confirmations queued",
                           sent);
    return rv;
}

apr_status_t portal_store_cleanup_run(server_rec *s, pt_db_t *db,
                                      const char **result)
{
    const portal_srv_t *c = portal_cfg_of(s);
    pt_store_t *st = portal_files_store(c);
    apr_int64_t cutoff = apr_time_sec(apr_time_now()) - PENDING_MAX_AGE;
    apr_array_header_t *rows;
    pt_err_t err = { 0 };
    int i, objects = 0, temps = 0;
    apr_status_t rv;

    rv = pt_db_select(db, "pending_stale", &rows,
                      PT_ARGS(pt_i64(db->pool, cutoff)));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < rows->nelts; i++) {
        const char *key = pt_row_get(APR_ARRAY_IDX(rows, i, pt_row_t *),
                                     "storage_key");

        rv = pt_store_remove(st, db->pool, key, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, PORTAL_LOGNO(0352)
                         "store-cleanup: %s", pt_err_str(&err, db->pool));
            continue;
        }
        if (pt_db_exec(db, "pending_delete", NULL, PT_ARGS(key))
            == APR_SUCCESS) {
            objects++;
        }
    }
    rv = pt_store_sweep(st, db->pool, apr_time_now()
                        - apr_time_from_sec(PENDING_MAX_AGE), &temps, &err);
    if (rv != APR_SUCCESS && rv != APR_ENOTIMPL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, PORTAL_LOGNO(0353)
                     "store-cleanup: %s", pt_err_str(&err, db->pool));
    }
    *result = apr_psprintf(db->pool, "%d abandoned uploads and %d partial "
                           "writes removed", objects, temps);
    return APR_SUCCESS;
}
