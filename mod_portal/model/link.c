/*
 * link.c -- the signed download links of a file: the token in a link's
 * URL, the links listed on the file's page, and adding one under the
 * account's cap (PortalLinkMaxActive).
 *
 * A token is "<link uuid>.<mac>", the MAC binding the link to its file
 * and expiry under the portal's secret; the database keeps the link's
 * row (expiry, limit, bytes delivered, count, revocation) but not the
 * token, so a changed token fails the MAC and a token cannot be moved to
 * another file or given a later expiry.  What /d/<token> does is
 * handle/links.c's.
 */
#include "apr_strings.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_link.h"

APLOG_USE_MODULE(portal);

int portal_link_mac_ok(portal_req_t *req, const char *link_uuid,
                       const char *mac, const char *file_uuid,
                       apr_int64_t expires, apr_int64_t created)
{
    apr_int64_t since = portal_conf_mac_since(req->conf);

    /* a link made before the MACs were labelled keeps its earlier form
     * until it expires (PortalLinkMaxLifetime) */
    return pt_link_token_check(req->r->pool, portal_conf_secret(req->conf),
                               PORTAL_SECRET_BYTES, link_uuid, mac,
                               file_uuid, expires,
                               since > 0 && created < since) != PT_MAC_BAD;
}

const char *portal_link_url(portal_req_t *req, const char *link_uuid,
                            const char *file_uuid, apr_int64_t expires)
{
    return portal_link(req, apr_pstrcat(
        req->r->pool, "/d/", pt_link_token(req->r->pool,
                                           portal_conf_secret(req->conf),
                                           PORTAL_SECRET_BYTES, link_uuid,
                                           file_uuid, expires), NULL));
}

json_t *portal_links_json(portal_req_t *req, apr_int64_t file_id,
                          const char *file_uuid)
{
    apr_pool_t *p = req->r->pool;
    pt_db_t *db = portal_db_get(req);
    apr_array_header_t *rows;
    apr_int64_t now = apr_time_sec(apr_time_now());
    json_t *list = json_array();
    int i;

    if (!db || pt_db_select(db, "links_of_file", &rows,
                            PT_ARGS(pt_i64(p, file_id))) != APR_SUCCESS) {
        return list;
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        const char *uuid = pt_row_get(row, "uuid");
        apr_int64_t exp = pt_row_int(row, "expires_at");
        apr_int64_t used = pt_row_int(row, "downloads");
        const char *max = pt_row_get(row, "max_downloads");
        const char *state = "active";
        json_t *l;

        if (pt_row_get(row, "revoked_at")) {
            state = "revoked";
        }
        else if (exp <= now) {
            state = "expired";
        }
        else if (max && used >= pt_row_int(row, "max_downloads")) {
            state = "used up";
        }
        l = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}",
                      "id", uuid,
                      "url", portal_link_url(req, uuid, file_uuid, exp),
                      "expires", pt_fmt_time(p, exp),
                      "downloads", (json_int_t)used, "state", state,
                      "active", !strcmp(state, "active"));
        if (max) {
            json_object_set_new(l, "max_downloads", json_integer(
                                pt_row_int(row, "max_downloads")));
        }
        if (pt_row_get(row, "last_used_at")) {
            json_object_set_new(l, "last_used", json_string(pt_fmt_time(
                                p, pt_row_int(row, "last_used_at"))));
        }
        json_object_set_new(l, "revoke_url", json_string(apr_pstrcat(
                            p, req->mount, "/files/", file_uuid, "/links/",
                            uuid, "/revoke", NULL)));
        json_array_append_new(list, l);
    }
    return list;
}

int portal_link_add(portal_req_t *req, pt_db_t *db, const char *uuid,
                    const char *file_id, apr_int64_t now,
                    apr_int64_t expires, const char *limit, int bound,
                    int *max, apr_int64_t *wait)
{
    apr_pool_t *p = req->r->pool;
    const char *uid = pt_i64(p, req->user->id);
    const char *snow = pt_i64(p, now), *sexp = pt_i64(p, expires);
    pt_row_t *held = NULL;
    const char *msg;

    *max = portal_dir_link_max_active(req->dir);
    *wait = 0;
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
        return -1;
    }
    if (pt_db_exec(db, "link_cap_lock", NULL, PT_ARGS(uid)) != APR_SUCCESS
        || pt_db_one(db, bound ? "links_active_bound" : "links_active_owned",
                     &held, PT_ARGS(uid, snow)) != APR_SUCCESS || !held) {
        goto fail;
    }
    if (pt_row_int(held, "n") >= *max) {
        pt_db_run_named(db, "tx_rollback");
        *wait = pt_row_int(held, "soonest") - now;
        return 0;
    }
    if ((bound ? pt_db_exec(db, "link_insert_for", NULL,
                            PT_ARGS(uuid, file_id, snow, sexp, uid))
               : pt_db_exec(db, "link_insert", NULL,
                            PT_ARGS(uuid, file_id, snow, sexp, limit)))
        != APR_SUCCESS
        || pt_db_exec(db, bound ? "links_ended_prune_bound"
                                : "links_ended_prune_owned", NULL,
                      PT_ARGS(uid, snow, pt_i64(p, *max))) != APR_SUCCESS
        || pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        goto fail;
    }
    return 1;

fail:
    msg = db->errmsg;
    pt_db_run_named(db, "tx_rollback");
    db->errmsg = msg;
    return -1;
}
