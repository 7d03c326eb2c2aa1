/*
 * portalctl_throttle.c -- `portalctl throttle [list]` and
 * `portalctl throttle lift ID`.
 *
 * The throttle's counts live in httpd's mod_socache (shared memory of the
 * running server, or memcache/redis), which a command-line tool cannot
 * open.  What it can reach is the database: the throttle_events table has
 * a row for every block (written once, at its first refusal).  `list`
 * shows the last 24 hours of them; `lift` marks one row, and httpd's
 * "throttle" job (every 5 seconds, in the server) removes the record and
 * marks the row lifted, on whichever node runs the job (with memcache or
 * redis, the record all nodes share).
 */
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "portalctl.h"

static const char *when(apr_pool_t *p, const char *secs)
{
    apr_time_exp_t t;
    apr_size_t n;
    char buf[64];

    if (!secs || !*secs) {
        return "-";
    }
    apr_time_exp_gmt(&t, apr_time_from_sec(apr_atoi64(secs)));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M:%S", &t);
    return apr_pstrdup(p, buf);
}

static const char *nz(const char *s)
{
    return s ? s : "-";
}

static int list(apr_pool_t *p, pt_db_t *db)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_array_header_t *rows;
    int i;

    if (pt_db_select(db, "throttle_events_recent", &rows,
                     PT_ARGS(apr_psprintf(p, "%" APR_INT64_T_FMT,
                                          now - 86400))) != APR_SUCCESS) {
        fprintf(stderr, "portalctl: %s\n", db->errmsg);
        return 1;
    }
    printf("%-6s  %-19s  %-14s  %-9s  %-20s  %-24s  %-22s  %s\n", "id",
           "began (UTC)", "reason", "purpose", "address", "account",
           "route", "state");
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        const char *state;

        if (pt_row_get(row, "lifted_at")) {
            state = apr_pstrcat(p, "lifted by ",
                                nz(pt_row_get(row, "lifted_by")), NULL);
        }
        else if (pt_row_get(row, "lift_requested_at")) {
            state = "lift requested";
        }
        else if (pt_row_int(row, "until_at") > now) {
            state = apr_pstrcat(p, "blocked at least until ",
                                when(p, pt_row_get(row, "until_at")), NULL);
        }
        else {
            state = "over (unless refused again since)";
        }
        printf("%-6s  %-19s  %-14s  %-9s  %-20s  %-24s  %-22s  %s\n",
               pt_row_get(row, "id"), when(p, pt_row_get(row, "started_at")),
               pt_row_get(row, "reason"), pt_row_get(row, "purpose"),
               pt_row_get(row, "ip"), nz(pt_row_get(row, "account")),
               pt_row_get(row, "route"), state);
    }
    printf("%d blocks in the last 24 hours\n", rows->nelts);
    return 0;
}

static int lift(apr_pool_t *p, pt_db_t *db, const char *id)
{
    char *end;
    apr_int64_t n = id ? apr_strtoi64(id, &end, 10) : 0;
    int changed = 0;

    if (!id || *end || n <= 0) {
        fprintf(stderr, "portalctl: throttle lift takes the id of a block "
                "(portalctl throttle list)\n");
        return 2;
    }
    if (pt_db_exec(db, "throttle_lift_request", &changed,
                   PT_ARGS(apr_psprintf(p, "%" APR_INT64_T_FMT,
                                        apr_time_sec(apr_time_now())),
                           apr_psprintf(p, "%" APR_INT64_T_FMT, n)))
        != APR_SUCCESS) {
        fprintf(stderr, "portalctl: %s\n", db->errmsg);
        return 1;
    }
    if (changed != 1) {
        fprintf(stderr, "portalctl: there is no block %s that is not "
                "lifted yet\n", id);
        return 1;
    }
    printf("lift of block %s requested: httpd's throttle job carries it "
           "out within a few seconds (see portalctl throttle list)\n", id);
    return 0;
}

int portalctl_throttle(apr_pool_t *p, pt_db_t *db, const char *sub,
                       const char *arg)
{
    if (!sub || !strcmp(sub, "list")) {
        return list(p, db);
    }
    if (!strcmp(sub, "lift")) {
        return lift(p, db, arg);
    }
    fprintf(stderr, "portalctl: throttle takes list or lift ID\n");
    return 2;
}
