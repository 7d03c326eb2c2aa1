/*
 * throttle.c -- the throttle's background jobs: "throttle" (every few
 * seconds) carries out the lifts portalctl asked for (portalctl cannot
 * open httpd's socache: `portalctl throttle lift ID` marks the row), and
 * "throttle-cleanup" purges old events and sign-in networks.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

#define DAY 86400
#define EVENTS_KEEP (30 * DAY)      /* rows older than this are purged */
#define KNOWN_KEEP (90 * DAY)       /* known sign-in networks */
#define JOB_INTERVAL 5

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

int portal_throttle_job_interval(const portal_srv_t *c)
{
    return JOB_INTERVAL;
}

apr_status_t portal_throttle_job(server_rec *s, pt_db_t *db,
                                 const char **result)
{
    apr_int64_t now = now_sec();
    apr_array_header_t *rows;
    apr_status_t rv;
    int i, lifted = 0;

    rv = pt_db_select(db, "throttle_lifts_pending", &rows, PT_NOARGS);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        const char *key = pt_row_get(row, "cache_key");

        if (portal_throttle_lift(s, key, db->pool) != APR_SUCCESS) {
            continue;       /* the next run tries again */
        }
        rv = pt_db_exec(db, "throttle_event_lifted", NULL,
                        PT_ARGS(apr_psprintf(db->pool, "%" APR_INT64_T_FMT,
                                             now), "portalctl", key));
        if (rv == APR_SUCCESS) {
            lifted++;
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PORTAL_LOGNO(1042)
                         "lifted throttle block %s as portalctl asked",
                         pt_row_get(row, "id"));
        }
    }
    *result = apr_psprintf(db->pool, "%d blocks lifted for portalctl",
                           lifted);
    return rv;
}

apr_status_t portal_throttle_cleanup_job(server_rec *s, pt_db_t *db,
                                         const char **result)
{
    apr_int64_t now = now_sec();
    int events = 0, known = 0;
    apr_status_t rv;

    rv = pt_db_exec(db, "throttle_events_purge", &events,
                    PT_ARGS(apr_psprintf(db->pool, "%" APR_INT64_T_FMT,
                                         now - EVENTS_KEEP)));
    if (rv == APR_SUCCESS) {
        rv = pt_db_exec(db, "login_ips_purge", &known,
                        PT_ARGS(apr_psprintf(db->pool, "%" APR_INT64_T_FMT,
                                             now - KNOWN_KEEP)));
    }
    *result = apr_psprintf(db->pool, "%d old throttle events and %d old "
                           "sign-in networks purged", events, known);
    return rv;
}
