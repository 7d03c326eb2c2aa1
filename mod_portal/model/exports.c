/*
 * exports.c -- how many indicator exports run at once.
 *
 * /iocs/export streams the whole (filtered) indicator table: a heavy read
 * that every signed-in account may start.  At most PortalIocExportMax run
 * at once in the server, and PortalIocExportMaxPerUser for one account;
 * beyond that the answer is 429 with Retry-After.
 *
 * The count is a table of slots (pt_slots.c) in anonymous shared memory
 * made in post_config, so that every child process of the server sees the
 * same table (prefork as well as event), guarded by a global mutex (a
 * process and thread lock).  A slot is given back by a cleanup of the
 * request's pool, whichever way the export ends; the slots of a child
 * that died in the middle of an export (a crash, SIGKILL) are taken back
 * when the table is next used, because its pid no longer runs.
 *
 * The table belongs to one configuration generation: after a graceful
 * restart new children count in a new, empty table while old children
 * may still be finishing exports, so for that moment the exports running
 * can pass the limit.  Each node of a cluster has its own table.
 */
#include "apr_strings.h"
#include "apr_shm.h"
#include "apr_global_mutex.h"
#include "http_core.h"
#include "util_mutex.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_slots.h"

APLOG_USE_MODULE(portal);

#define EXPORT_MUTEX "portal-export"
#define EXPORT_RETRY_AFTER "30"

/* Set in post_config (the parent, one thread), then only read; the
 * table itself is only touched under the mutex. */
static struct {
    apr_shm_t *shm;
    pt_slots_t *table;
    apr_global_mutex_t *mutex;
} exports;

typedef struct hold_t {
    int index;
    apr_uint32_t ticket;
} hold_t;

int portal_exports_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp)
{
    return ap_mutex_register(pconf, EXPORT_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0) == APR_SUCCESS ? OK : DONE;
}

int portal_exports_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    apr_status_t rv;

    memset(&exports, 0, sizeof(exports));
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    rv = apr_shm_create(&exports.shm, sizeof(pt_slots_t), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1220)
                     "cannot make the shared table of running exports");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    exports.table = apr_shm_baseaddr_get(exports.shm);
    memset(exports.table, 0, sizeof(pt_slots_t));
    rv = ap_global_mutex_create(&exports.mutex, NULL, EXPORT_MUTEX, NULL, s,
                                pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1221)
                     "cannot make the lock of the running exports' table");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void portal_exports_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!exports.mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&exports.mutex,
                                     apr_global_mutex_lockfile(
                                         exports.mutex), pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(1222)
                     "cannot attach the lock of the running exports' "
                     "table: this process refuses exports");
        exports.mutex = NULL;
    }
}

static int export_max(const portal_req_t *req)
{
    return portal_dir_export_max(req->dir);
}

static int export_max_user(const portal_req_t *req)
{
    return portal_dir_export_max_user(req->dir);
}

/* A process that no longer runs holds nothing (EPERM: it runs, as
 * another user). */
static int process_alive(apr_uint32_t pid, void *baton)
{
    (void)baton;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static apr_status_t release_slot(void *data)
{
    hold_t *h = data;

    if (exports.mutex
        && apr_global_mutex_lock(exports.mutex) == APR_SUCCESS) {
        pt_slots_release(exports.table, h->index, h->ticket);
        apr_global_mutex_unlock(exports.mutex);
    }
    return APR_SUCCESS;
}

int portal_export_begin(portal_req_t *req, int *rc)
{
    request_rec *r = req->r;
    hold_t *h = apr_pcalloc(r->pool, sizeof(*h));
    int max = export_max(req), per = export_max_user(req);
    int got, reclaimed = 0;
    const char *msg;
    apr_status_t rv;

    if (!exports.table || !exports.mutex) {
        *rc = portal_error(req, HTTP_SERVICE_UNAVAILABLE, "Exports are not "
                           "available right now. Please try again later.");
        return 0;
    }
    rv = apr_global_mutex_lock(exports.mutex);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(1223)
                      "cannot lock the running exports' table");
        *rc = portal_error(req, HTTP_SERVICE_UNAVAILABLE, "Exports are not "
                           "available right now. Please try again later.");
        return 0;
    }
    got = pt_slots_take(exports.table, max, per, req->user->id,
                        (apr_uint32_t)getpid(),
                        apr_time_sec(apr_time_now()), process_alive, NULL,
                        &h->index, &h->ticket, &reclaimed);
    apr_global_mutex_unlock(exports.mutex);
    if (reclaimed) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PORTAL_LOGNO(1224)
                      "took back %d export slot(s) of processes that ended "
                      "during an export", reclaimed);
    }
    if (got == PT_SLOT_TAKEN) {
        apr_pool_cleanup_register(r->pool, h, release_slot,
                                  apr_pool_cleanup_null);
        return 1;
    }
    msg = got == PT_SLOT_OWNER_BUSY
        ? apr_psprintf(r->pool, "You already have %d exports running, the "
                       "most one account may. Try again when one has "
                       "finished.", per)
        : apr_psprintf(r->pool, "%d exports are running, the most this "
                       "portal allows at once. Please try again in a "
                       "moment.", max);
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, PORTAL_LOGNO(1225)
                  "user %s: export refused, %s", req->user->uuid,
                  got == PT_SLOT_OWNER_BUSY
                  ? "PortalIocExportMaxPerUser reached"
                  : "PortalIocExportMax reached");
    apr_table_setn(r->err_headers_out, "Retry-After", EXPORT_RETRY_AFTER);
    *rc = req->want_json
        ? portal_api_error(req, HTTP_TOO_MANY_REQUESTS, "too_many_exports",
                           msg)
        : portal_error(req, HTTP_TOO_MANY_REQUESTS, msg);
    return 0;
}
