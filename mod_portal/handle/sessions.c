/*
 * sessions.c -- the signed-in user's sessions: the list on the dashboard
 * (browser, address, times) and signing one or all others out.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_ua.h"

APLOG_USE_MODULE(portal);

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

json_t *portal_sessions_json(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = now_sec();
    apr_array_header_t *rows;
    pt_db_t *db = portal_db_get(req);
    json_t *list = json_array();
    int i;

    if (!db || pt_db_select(db, "sessions_of_user", &rows,
                            PT_ARGS(pt_i64(p, req->user->id),
                                    pt_i64(p, now),
                                    pt_i64(p, now
                                               - portal_conf_session_idle(
                                                   req->conf))))
               != APR_SUCCESS) {
        return list;
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        const char *id = pt_row_get(row, "id_hash");
        const char *ua = pt_row_get(row, "user_agent");

        json_array_append_new(list, json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:b}",
            "id", id,
            "signed_in", pt_fmt_time(p, pt_row_int(row, "created_at")),
            "last_seen", pt_fmt_time(p, pt_row_int(row,
                                                       "last_seen_at")),
            "ip", pt_row_get(row, "ip"),
            "browser", pt_ua_summary(p, ua),
            "current", req->session_hash && !strcmp(id, req->session_hash)));
    }
    return list;
}

/* POST /sessions/revoke (session=ID) and /sessions/revoke_others */
static int sessions_post(portal_req_t *req, int others)
{
    apr_pool_t *p = req->r->pool;
    const char *id;
    pt_db_t *db;
    int rc, n = 0;

    if (!portal_form_csrf(req, portal_error, &rc)) {
        return rc;
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_db_fail(req, "signing out sessions");
    }
    if (others) {
        if (pt_db_exec(db, "session_delete_others", &n,
                       PT_ARGS(pt_i64(p, req->user->id),
                               req->session_hash))
            != APR_SUCCESS) {
            return portal_db_fail(req, "signing out sessions");
        }
        return portal_redirect(req, "/dashboard?signed_out_others=1");
    }
    id = portal_form_get(req, "session");
    if (!id || strlen(id) != 64) {
        return portal_error(req, HTTP_BAD_REQUEST, "Choose a session to "
                            "sign out.");
    }
    if (req->session_hash && !strcmp(id, req->session_hash)) {
        if (portal_session_destroy(req) != APR_SUCCESS) {
            return portal_db_fail(req, "signing out");
        }
        return portal_redirect(req, "/login?signed_out=1");
    }
    if (pt_db_exec(db, "session_delete_of_user", &n,
                   PT_ARGS(id, pt_i64(p, req->user->id))) != APR_SUCCESS) {
        return portal_db_fail(req, "signing out a session");
    }
    if (n != 1) {
        return portal_error(req, HTTP_NOT_FOUND, "That session has already "
                            "ended.");
    }
    return portal_redirect(req, "/dashboard?signed_out_session=1");
}

int portal_session_revoke_post(portal_req_t *req)
{
    return sessions_post(req, 0);
}

int portal_sessions_revoke_others_post(portal_req_t *req)
{
    return sessions_post(req, 1);
}
