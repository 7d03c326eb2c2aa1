/*
 * runner.c -- background jobs on a mod_watchdog singleton.
 *
 * As mod_md drives certificate renewal: one watchdog instance, a singleton
 * in one child process, calls jobs_tick() every second.  The tick runs the
 * jobs whose interval has passed, each with a fresh sub-pool of the
 * runner's own pool (its own allocator: the watchdog's ptemp is cleared
 * every 100 ms) and a database connection from ap_dbd_open().  Every run
 * is recorded in the job_runs table (runs, last run, last success, result,
 * error) for the dashboard and portalctl.
 *
 * Jobs must be idempotent and transactional: after a graceful restart the
 * old generation's runner can still be finishing while the new one starts.
 *
 * The first job purges expired sessions; later features add theirs to
 * the jobs[] table.
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "apr_atomic.h"
#include "apr_optional.h"
#include "http_core.h"
#include "mod_watchdog.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

#define JOBS_WATCHDOG "portal-jobs"
#define JOBS_TICK apr_time_from_sec(1)

typedef apr_status_t (*job_fn)(server_rec *s, pt_db_t *db,
                               const char **result);

typedef struct job_t {
    const char *name;
    int (*interval)(const portal_srv_t *c);   /* seconds */
    job_fn run;
} job_t;

/* The runner's state, owned by the watchdog thread of one child. */
typedef struct runner_t {
    server_rec *s;
    apr_pool_t *pool;           /* own allocator; sub-pool per run */
    apr_time_t *next;           /* next run of each job */
} runner_t;

static APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *wd_get_instance;
static APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *wd_register;

/* Set in this child once mod_dbd's child_init has run (a fresh child's
 * watchdog thread can start before that, and ap_dbd_open would then
 * return NULL silently). */
static volatile apr_uint32_t dbd_ready;

static apr_status_t purge_sessions(server_rec *s, pt_db_t *db,
                                   const char **result)
{
    const portal_srv_t *c = portal_cfg_of(s);
    apr_int64_t now = apr_time_sec(apr_time_now());
    int n = 0;
    apr_status_t rv;

    rv = pt_db_exec(db, "sessions_purge", &n,
                    PT_ARGS(apr_psprintf(db->pool, "%" APR_INT64_T_FMT, now),
                            apr_psprintf(db->pool, "%" APR_INT64_T_FMT,
                                         now - portal_conf_session_idle(c))));
    *result = apr_psprintf(db->pool, "%d expired sessions deleted", n);
    if (rv == APR_SUCCESS) {
        /* used and expired links and codes, and old reset requests */
        rv = pt_db_exec(db, "tokens_purge", NULL,
                        PT_ARGS(apr_psprintf(db->pool, "%" APR_INT64_T_FMT,
                                             now)));
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "reset_requests_purge", NULL,
                        PT_ARGS(apr_psprintf(db->pool, "%" APR_INT64_T_FMT,
                                             now - 86400)));
    }
    if (rv == APR_SUCCESS) {
        /* signed-out API tokens that have expired anyway (after the
         * leeway, so none comes back to life) */
        rv = pt_db_exec(db, "jwt_revoked_purge", NULL, PT_ARGS(pt_i64(
                        db->pool, now - portal_api_leeway(c))));
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "bound_links_purge", NULL,
                        PT_ARGS(pt_i64(db->pool, now - 86400)));
    }
    return rv;
}

static const job_t jobs[] = {
    { "session-cleanup", portal_conf_cleanup_interval, purge_sessions },
    /* before "mail", so that a confirmation goes out in the same tick */
    { "upload-mail", portal_conf_mail_interval, portal_upload_mail_run },
    { "mail", portal_conf_mail_interval, portal_mail_run },
    { "store-cleanup", portal_conf_cleanup_interval,
      portal_store_cleanup_run },
    { "ioc", portal_ioc_tick, portal_ioc_run },
    { "throttle", portal_throttle_job_interval, portal_throttle_job },
    { "throttle-cleanup", portal_conf_cleanup_interval,
      portal_throttle_cleanup_job },
    { NULL, NULL, NULL }
};

static void run_job(runner_t *rn, const job_t *job, apr_pool_t *p)
{
    const char *result = NULL, *now;
    pt_db_t *db;
    apr_status_t rv;

    db = portal_db_open(rn->s, p);
    if (!db) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, rn->s, PORTAL_LOGNO(0501)
                     "job %s: no database connection; retrying later",
                     job->name);
        return;
    }
    if (portal_db_ensure_schema(rn->s, db) != APR_SUCCESS) {
        portal_db_release(rn->s, db);
        return;
    }
    rv = job->run(rn->s, db, &result);
    now = apr_psprintf(p, "%" APR_INT64_T_FMT,
                       (apr_int64_t)apr_time_sec(apr_time_now()));
    if (rv == APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, rn->s, PORTAL_LOGNO(0502)
                     "job %s: %s", job->name, result ? result : "done");
        pt_db_exec(db, "job_record", NULL,
                   PT_ARGS(job->name, now, now, result, NULL));
    }
    else {
        const char *msg = db->errmsg ? db->errmsg : "failed";

        ap_log_error(APLOG_MARK, APLOG_ERR, rv, rn->s, PORTAL_LOGNO(0503)
                     "job %s: %s", job->name, msg);
        pt_db_exec(db, "job_record", NULL,
                   PT_ARGS(job->name, now, NULL, NULL, msg));
    }
    portal_db_release(rn->s, db);
}

static apr_status_t jobs_tick(int state, void *data, apr_pool_t *ptemp)
{
    runner_t *rn = data;
    const portal_srv_t *c = portal_cfg_of(rn->s);
    apr_time_t now = apr_time_now();
    int i;

    switch (state) {
    case AP_WATCHDOG_STATE_STARTING:
        for (i = 0; jobs[i].name; i++) {
            /* first runs a few seconds after start, then on interval */
            rn->next[i] = now + apr_time_from_sec(2);
        }
        break;
    case AP_WATCHDOG_STATE_RUNNING:
        if (!apr_atomic_read32(&dbd_ready)) {
            break;
        }
        for (i = 0; jobs[i].name; i++) {
            apr_pool_t *p;

            if (now < rn->next[i]) {
                continue;
            }
            apr_pool_create(&p, rn->pool);
            run_job(rn, &jobs[i], p);
            apr_pool_destroy(p);
            rn->next[i] = apr_time_now()
                          + apr_time_from_sec(jobs[i].interval(c));
        }
        break;
    case AP_WATCHDOG_STATE_STOPPING:
        break;
    }
    return APR_SUCCESS;         /* anything else disables the callback */
}

int portal_jobs_post_config(apr_pool_t *pconf, server_rec *s)
{
    ap_watchdog_t *wd;
    apr_allocator_t *allocator;
    runner_t *rn;
    apr_status_t rv;
    int n;

    /* the first pass only checks the configuration */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    wd_get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    wd_register = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!wd_get_instance || !wd_register) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0504)
                     "mod_watchdog is not available: the portal's "
                     "background jobs need it (LoadModule watchdog_module)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = wd_get_instance(&wd, JOBS_WATCHDOG, 0 /* in a child */,
                         1 /* singleton */, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0505)
                     "cannot create the jobs watchdog");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rn = apr_pcalloc(pconf, sizeof(*rn));
    rn->s = s;
    for (n = 0; jobs[n].name; n++) {
        continue;
    }
    rn->next = apr_pcalloc(pconf, sizeof(apr_time_t) * (apr_size_t)(n + 1));
    /* the runner's own pool and allocator, as mod_md's drive does */
    apr_allocator_create(&allocator);
    apr_allocator_max_free_set(allocator, 1);
    rv = apr_pool_create_ex(&rn->pool, pconf, NULL, allocator);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_allocator_owner_set(allocator, rn->pool);
    apr_pool_tag(rn->pool, "portal_jobs");
    rv = wd_register(wd, JOBS_TICK, rn, jobs_tick);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0506)
                     "cannot register the jobs callback");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void portal_jobs_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_atomic_set32(&dbd_ready, 1);
}
