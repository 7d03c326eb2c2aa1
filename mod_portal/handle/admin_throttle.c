/*
 * admin_throttle.c -- what administrators see of the throttle
 * (/admin/throttle) and lifting a block; its jobs are jobs/throttle.c's.
 *
 * socache cannot be listed portably (memcache has no iteration), so the
 * list comes from the throttle_events table, which gets one row when a
 * block is first refused (not one per request); each row names its
 * record's cache key, and the page reads the record to say whether the
 * block is still in force.  "Lift" deletes the record (the attempt count
 * starts afresh) and marks the rows.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"

APLOG_USE_MODULE(portal);

#define DAY 86400

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

static const char *nz(const char *s)
{
    return s ? s : "-";
}

/* One row for the page, with the record's state now. */
static json_t *event_json(portal_req_t *req, const pt_row_t *row,
                          apr_int64_t now)
{
    apr_pool_t *p = req->r->pool;
    const char *key = pt_row_get(row, "cache_key"), *state;
    pt_throttle_rec_t rec;
    apr_int64_t retry = 0;
    int blocked = 0;

    if (pt_row_get(row, "lifted_at")) {
        state = apr_pstrcat(p, "lifted by ", nz(pt_row_get(row, "lifted_by")),
                            NULL);
    }
    else if (portal_throttle_peek(req->r->server, key, p, &rec)
             && pt_throttle_blocked(&rec, now, &retry)) {
        blocked = 1;
        state = apr_psprintf(p, "blocked for %" APR_INT64_T_FMT " s more",
                             retry);
    }
    else {
        state = "over";
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, "
                     "s:I, s:s}",
                     "id", pt_row_get(row, "id"),
                     "started", pt_fmt_time(p, pt_row_int(row,
                                                              "started_at")),
                     "reason", pt_row_get(row, "reason"),
                     "purpose", pt_row_get(row, "purpose"),
                     "scope", pt_row_get(row, "scope"),
                     "ip", pt_row_get(row, "ip"),
                     "account", nz(pt_row_get(row, "account")),
                     "route", pt_row_get(row, "route"),
                     "state", state, "blocked", blocked,
                     "retry", (json_int_t)retry,
                     "lift_url", apr_pstrcat(p, req->mount,
                                             "/admin/throttle/",
                                             pt_row_get(row, "id"), "/lift",
                                             NULL));
}

int portal_admin_throttle_get(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = now_sec(), total = 0;
    const char *since = pt_i64(p, now - DAY);
    apr_array_header_t *rows, *counts;
    pt_db_t *db = portal_db_get(req);
    json_t *d, *events, *cj;
    int i;

    if (!db) {
        return portal_db_fail(req, "the throttle's events");
    }
    if (pt_db_select(db, "throttle_event_counts", &counts, PT_ARGS(since))
        != APR_SUCCESS
        || pt_db_select(db, "throttle_events_recent", &rows, PT_ARGS(since))
           != APR_SUCCESS) {
        return portal_db_fail(req, "the throttle's events");
    }
    cj = json_array();
    for (i = 0; i < counts->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(counts, i, pt_row_t *);

        total += pt_row_int(row, "n");
        json_array_append_new(cj, json_pack(
            "{s:s, s:I}", "reason", pt_row_get(row, "reason"),
            "n", (json_int_t)pt_row_int(row, "n")));
    }
    events = json_array();
    for (i = 0; i < rows->nelts; i++) {
        json_array_append_new(events, event_json(
            req, APR_ARRAY_IDX(rows, i, pt_row_t *), now));
    }
    d = portal_page_data(req, "Throttling");
    json_object_update_new(d, json_pack(
        "{s:o, s:b, s:I, s:b, s:o, s:b}", "counts", cj,
        "has_counts", counts->nelts > 0, "total", (json_int_t)total,
        "one", total == 1, "events", events, "has_events", rows->nelts > 0));
    if (apr_table_get(req->query, "lifted")) {
        json_object_set_new(d, "notice", json_string(
            "The block was lifted: its count starts afresh."));
    }
    return portal_render(req, HTTP_OK, "admin_throttle", d);
}

int portal_admin_throttle_lift_post(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    const char *key;
    pt_row_t *row = NULL;
    pt_db_t *db;
    apr_int64_t id;
    char *end;
    apr_status_t rv;
    int rc;

    if (!portal_form_csrf(req, portal_error, &rc)) {
        return rc;
    }
    id = apr_strtoi64(req->arg, &end, 10);
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "lifting a block");
    }
    if (*end || id <= 0
        || pt_db_one(db, "throttle_event_get", &row,
                     PT_ARGS(pt_i64(p, id))) != APR_SUCCESS || !row) {
        return portal_error(req, HTTP_NOT_FOUND, "There is no such block.");
    }
    key = pt_row_get(row, "cache_key");
    rv = portal_throttle_lift(req->r->server, key, p);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, PORTAL_LOGNO(1040)
                      "cannot lift throttle block %s", req->arg);
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The throttle's "
                            "cache cannot be reached. Nothing was lifted.");
    }
    if (pt_db_exec(db, "throttle_event_lifted", NULL,
                   PT_ARGS(pt_i64(p, now_sec()), req->user->username,
                           key)) != APR_SUCCESS) {
        return portal_db_fail(req, "lifting a block");
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, req->r, PORTAL_LOGNO(1041)
                  "admin %s lifted throttle block %s (%s of %s, account %s)",
                  req->user->uuid, req->arg, pt_row_get(row, "reason"),
                  pt_row_get(row, "ip"), nz(pt_row_get(row, "account")));
    return portal_redirect(req, "/admin/throttle?lifted=1");
}
