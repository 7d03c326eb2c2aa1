/*
 * ioc.c -- the "ioc" watchdog job: every few seconds it looks
 * at each configured feed and pulls the ones whose lease is free.
 *
 * The lease ("ioc:NAME", held for the feed's interval) is both the
 * schedule and the guard between nodes sharing one database: whichever
 * node takes it pulls, the others skip until it expires.  A failed pull
 * keeps the previous data (pt_ioc_pull is one transaction) and is tried
 * again at the next interval.
 */
#include "apr_strings.h"
#include "apr_atomic.h"
#include "http_core.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_ioc.h"
#include "pt_iocdb.h"

APLOG_USE_MODULE(portal);

#define IOC_TICK 5              /* seconds between looks at the leases */

/* Set once this process has recorded the allowlist in the database. */
static volatile apr_uint32_t allow_stored;

int portal_ioc_tick(const portal_srv_t *c)
{
    return IOC_TICK;
}

/* node:pid, unique among the nodes sharing the database */
static const char *holder(server_rec *s, apr_pool_t *p)
{
    char host[256];

    if (apr_gethostname(host, sizeof(host), p) != APR_SUCCESS) {
        apr_cpystrn(host, s->server_hostname ? s->server_hostname : "node",
                    sizeof(host));
    }
    return apr_psprintf(p, "%s:%" APR_PID_T_FMT, host, getpid());
}

apr_status_t portal_ioc_run(server_rec *s, pt_db_t *db, const char **result)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const apr_array_header_t *feeds = portal_ioc_feeds(c);
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *me = holder(s, db->pool), *out = "";
    pt_pull_opts_t o;
    apr_status_t rv;
    int i, pulled = 0;

    if (!feeds || feeds->nelts == 0) {
        *result = "no feeds configured";
        return APR_SUCCESS;
    }
    if (!apr_atomic_read32(&allow_stored)) {
        /* portalctl ioc-refresh reads it from there */
        if (pt_allowlist_store(portal_ioc_allowlist(c), db) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        apr_atomic_set32(&allow_stored, 1);
    }
    memset(&o, 0, sizeof(o));
    o.connect_timeout = 15;
    o.timeout = portal_ioc_timeout(c);
    o.max_bytes = (apr_size_t)portal_ioc_max_bytes(c);
    o.user_agent = "mod_portal/" PORTAL_VERSION " (threat-intelligence feeds)";
    o.allow = portal_ioc_allowlist(c);
    for (i = 0; i < feeds->nelts; i++) {
        const pt_feed_def_t *f = &APR_ARRAY_IDX(feeds, i, pt_feed_def_t);
        pt_pull_result_t res;
        pt_err_t err = { 0 };
        apr_pool_t *fp;
        int taken = 0;

        /* recorded every time: portalctl and the status page read it */
        if (pt_ioc_feed_register(db, f) != APR_SUCCESS
            || pt_lease_take(db, apr_pstrcat(db->pool, "ioc:", f->name,
                                             NULL),
                             me, now, f->interval, &taken) != APR_SUCCESS) {
            return APR_EGENERAL;        /* db->errmsg says why */
        }
        if (!taken) {
            continue;
        }
        apr_pool_create(&fp, db->pool);
        pulled++;
        rv = pt_ioc_pull(db, fp, f, NULL, 0, now, &o, &res, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, PORTAL_LOGNO(0710)
                         "feed %s: %s (previous data kept; next try in %d "
                         "s)", f->name, pt_err_str(&err, fp), f->interval);
            out = apr_psprintf(db->pool, "%s%s%s: failed", out,
                               *out ? "; " : "", f->name);
        }
        else if (res.not_modified) {
            out = apr_psprintf(db->pool, "%s%s%s: unchanged", out,
                               *out ? "; " : "", f->name);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, PORTAL_LOGNO(0711)
                         "feed %s: %" APR_INT64_T_FMT " indicators, %"
                         APR_INT64_T_FMT " new, %" APR_INT64_T_FMT
                         " updated, %" APR_INT64_T_FMT " skipped, %"
                         APR_INT64_T_FMT " expired in %" APR_INT64_T_FMT
                         " ms", f->name, res.seen, res.added, res.updated,
                         res.skipped, res.expired, res.ms);
            out = apr_psprintf(db->pool, "%s%s%s: %" APR_INT64_T_FMT
                               " new, %" APR_INT64_T_FMT " updated", out,
                               *out ? "; " : "", f->name, res.added,
                               res.updated);
        }
        apr_pool_destroy(fp);
    }
    *result = pulled ? out : "no feed due";
    return APR_SUCCESS;
}
