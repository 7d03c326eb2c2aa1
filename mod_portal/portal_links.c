/*
 * portal_links.c -- signed download links: /d/<token> works without a
 * session until it expires, is revoked or is used up.
 *
 * A token is "<link uuid>.<mac>", mac = HMAC-SHA256 under the portal's
 * secret of (link uuid, file uuid, expiry).  The database keeps the
 * link's row (expiry, limit, count, revocation) but not the token: a
 * changed token fails the MAC, a token cannot be moved to another file
 * or given a later expiry, and the owner's page can show the link again.
 * The token is taken out of the request line before httpd logs it.
 *
 * A link issued to a client by the API (file_links.user_id) works only
 * for that client, proven by its bearer token or its session, and only
 * while the file is still published to it; unless the file's owner made
 * its links public (files.public_links).
 */
#include "apr_strings.h"

#include "portal.h"
#include "pt_crypto.h"

APLOG_USE_MODULE(portal);

#define LINK_MAX_DOWNLOADS 1000000

static const char *link_mac(portal_req_t *req, const char *link_uuid,
                            const char *file_uuid, apr_int64_t expires)
{
    /* both uuids are fixed-length hex: '|' cannot be confused */
    const char *msg = apr_psprintf(req->r->pool, "pt-link|%s|%s|%"
                                   APR_INT64_T_FMT, link_uuid, file_uuid,
                                   expires);

    return pt_hmac_b64url(req->r->pool, req->conf->secret,
                          PORTAL_SECRET_BYTES, msg, strlen(msg));
}

const char *portal_link_url(portal_req_t *req, const char *link_uuid,
                            const char *file_uuid, apr_int64_t expires)
{
    return portal_link(req, apr_pstrcat(req->r->pool, "/d/", link_uuid, ".",
                                        link_mac(req, link_uuid, file_uuid,
                                                 expires), NULL));
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
                            PT_ARGS(portal_i64(p, file_id))) != APR_SUCCESS) {
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
                      "id", uuid, "url", portal_link_url(req, uuid, file_uuid, exp),
                      "expires", portal_fmt_time(p, exp),
                      "downloads", (json_int_t)used, "state", state,
                      "active", !strcmp(state, "active"));
        if (max) {
            json_object_set_new(l, "max_downloads", json_integer(
                                pt_row_int(row, "max_downloads")));
        }
        if (pt_row_get(row, "last_used_at")) {
            json_object_set_new(l, "last_used", json_string(portal_fmt_time(
                                p, pt_row_int(row, "last_used_at"))));
        }
        json_object_set_new(l, "revoke_url", json_string(apr_pstrcat(
                            p, req->mount, "/files/", file_uuid, "/links/",
                            uuid, "/revoke", NULL)));
        json_array_append_new(list, l);
    }
    return list;
}

/* A whole number in [min, max] from the form; "" gives def. */
static int form_int(portal_req_t *req, const char *name, apr_int64_t def,
                    apr_int64_t min, apr_int64_t max, apr_int64_t *out)
{
    const char *v = portal_form_field(req, name);
    char *end;

    if (!*v) {
        *out = def;
        return 1;
    }
    *out = apr_strtoi64(v, &end, 10);
    return !*end && *out >= min && *out <= max;
}

int portal_link_create_post(portal_req_t *req)
{
    request_rec *r = req->r;
    const portal_files_conf_t *fc = &req->conf->files;
    int max_hours = portal_files_link_max_lifetime(fc) / 3600;
    apr_int64_t hours, limit, now = apr_time_sec(apr_time_now());
    pt_db_t *db;
    pt_row_t *row;
    const char *uuid;
    int rc;

    row = portal_own_file_form(req, &rc);
    if (!row) {
        return rc;
    }
    db = portal_db_get(req);
    if (!form_int(req, "hours", portal_files_link_lifetime(fc) / 3600, 1,
                  max_hours < 1 ? 1 : max_hours, &hours)) {
        return portal_file_page(req, HTTP_BAD_REQUEST, NULL, apr_psprintf(
                                r->pool, "A link can last from 1 to %d "
                                "hours.", max_hours < 1 ? 1 : max_hours));
    }
    if (!form_int(req, "max_downloads", 0, 0, LINK_MAX_DOWNLOADS, &limit)) {
        return portal_file_page(req, HTTP_BAD_REQUEST, NULL, apr_psprintf(
                                r->pool, "The download limit must be a "
                                "whole number from 1 to %d, or empty for "
                                "no limit.", LINK_MAX_DOWNLOADS));
    }
    if (pt_uuid_new(r->pool, &uuid) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "No random numbers for a link.");
    }
    if (pt_db_exec(db, "link_insert", NULL,
                   PT_ARGS(uuid, pt_row_get(row, "id"),
                           portal_i64(r->pool, now),
                           portal_i64(r->pool, now + hours * 3600),
                           limit ? portal_i64(r->pool, limit) : NULL))
        != APR_SUCCESS) {
        return portal_db_fail(req, "link_insert");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0340)
                  "user %s made link %s for file %s", req->user->uuid, uuid,
                  req->arg);
    if (req->want_json) {
        return portal_json(req, HTTP_CREATED, json_pack(
            "{s:s, s:s, s:I}", "id", uuid, "url",
            portal_link_url(req, uuid, req->arg, now + hours * 3600),
            "expires_at", (json_int_t)(now + hours * 3600)));
    }
    return portal_file_page(req, HTTP_OK, "The link is ready: copy it from "
                            "the list below.", NULL);
}

int portal_link_revoke_post(portal_req_t *req)
{
    pt_db_t *db;
    pt_row_t *row;
    int rc, n = 0;

    row = portal_own_file_form(req, &rc);
    if (!row) {
        return rc;
    }
    if (!pt_uuid_valid(req->arg2)) {
        return portal_file_page(req, HTTP_NOT_FOUND, NULL, "There is no "
                                "such active link for this file.");
    }
    db = portal_db_get(req);
    if (pt_db_exec(db, "link_revoke", &n,
                   PT_ARGS(portal_i64(req->r->pool,
                                      apr_time_sec(apr_time_now())),
                           req->arg2, pt_row_get(row, "id")))
        != APR_SUCCESS) {
        return portal_db_fail(req, "link_revoke");
    }
    if (!n) {
        return portal_file_page(req, HTTP_NOT_FOUND, NULL, "There is no "
                                "such active link for this file.");
    }
    if (req->want_json) {
        return portal_json(req, HTTP_OK, json_pack("{s:s}", "revoked",
                                                   req->arg2));
    }
    return portal_redirect(req, apr_pstrcat(req->r->pool, "/files/",
                                            req->arg, "?revoked=1", NULL));
}

/* A link issued to one client: is this request that client, and does it
 * still see the file?  1 when it may go on; else 0, with the refusal made
 * and *rc what the handler returns. */
static int bound_ok(portal_req_t *req, pt_db_t *db, const pt_row_t *row,
                    int *rc)
{
    pt_row_t *still = NULL;

    if (!req->user) {
        apr_table_setn(req->r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"portal\"");
        *rc = portal_error(req, HTTP_UNAUTHORIZED, "This link works only "
                           "for the account it was issued to: sign in, or "
                           "send that account's access token.");
        return 0;
    }
    if (req->user->id != pt_row_int(row, "bound_to")) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r,
                      PORTAL_LOGNO(0343) "user %s presented link %s, "
                      "issued to another account", req->user->uuid,
                      pt_row_get(row, "link_uuid"));
        *rc = portal_error(req, HTTP_FORBIDDEN, "This link was issued to "
                           "another account.");
        return 0;
    }
    if (pt_db_one(db, "file_for_client", &still,
                  PT_ARGS(pt_row_get(row, "uuid"),
                          portal_i64(req->r->pool, req->user->id)))
        != APR_SUCCESS) {
        *rc = portal_db_fail(req, "link check");
        return 0;
    }
    if (!still) {
        *rc = portal_error(req, HTTP_GONE, "This file is no longer shared "
                           "with you.");
        return 0;
    }
    return 1;
}

int portal_link_download(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *tok = req->arg, *dot = strchr(tok, '.');
    const char *uuid, *mac;
    apr_int64_t now = apr_time_sec(apr_time_now());
    pt_db_t *db;
    pt_row_t *row = NULL;
    int complete = 0, limited, rc, n = 0;

    if (!dot || dot - tok != 36) {
        return portal_error(req, HTTP_NOT_FOUND, "This download link is "
                            "not valid. Check that you copied all of it.");
    }
    uuid = apr_pstrmemdup(r->pool, tok, 36);
    mac = dot + 1;
    db = portal_db_get(req);
    if (!db) {
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The portal's "
                            "database is not available right now.");
    }
    if (!pt_uuid_valid(uuid) || strlen(mac) != PT_TOKEN_CHARS
        || pt_db_one(db, "link_get", &row, PT_ARGS(uuid)) != APR_SUCCESS
        || !row
        || !pt_secret_equal(mac, link_mac(req, uuid,
                                          pt_row_get(row, "uuid"),
                                          pt_row_int(row, "expires_at")))) {
        return portal_error(req, HTTP_NOT_FOUND, "This download link is "
                            "not valid. Check that you copied all of it.");
    }
    if (pt_row_get(row, "revoked_at")) {
        return portal_error(req, HTTP_GONE, "This download link was "
                            "revoked by the person who shared it.");
    }
    if (pt_row_int(row, "expires_at") <= now) {
        return portal_error(req, HTTP_GONE, "This download link has "
                            "expired. Ask for a new one.");
    }
    if (pt_row_get(row, "max_downloads")
        && pt_row_int(row, "downloads")
           >= pt_row_int(row, "max_downloads")) {
        return portal_error(req, HTTP_GONE, "This download link has been "
                            "used as many times as it allows.");
    }
    if (pt_row_get(row, "bound_to") && !pt_row_int(row, "public_links")
        && !bound_ok(req, db, row, &rc)) {
        return rc;
    }
    /* a limited link's download is counted before it starts, so those
     * running at once cannot pass the limit, and given back when it does
     * not complete (a range, a HEAD, a broken connection) */
    limited = pt_row_get(row, "max_downloads") != NULL;
    if (limited) {
        if (pt_db_exec(db, "link_count_download", &n,
                       PT_ARGS(portal_i64(r->pool, now),
                               pt_row_get(row, "id"))) != APR_SUCCESS) {
            return portal_db_fail(req, "counting a download");
        }
        if (!n) {
            return portal_error(req, HTTP_GONE, "This download link has "
                                "been used as many times as it allows.");
        }
    }
    rc = portal_send_file(req, row, &complete);
    if (limited != complete
        && (limited ? pt_db_exec(db, "link_uncount_download", NULL,
                                 PT_ARGS(pt_row_get(row, "id")))
                    : pt_db_exec(db, "link_count_download", NULL,
                                 PT_ARGS(portal_i64(r->pool, now),
                                         pt_row_get(row, "id"))))
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PORTAL_LOGNO(0341)
                      "counting a download of link %s: %s", uuid,
                      db->errmsg);
    }
    if (complete) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0342)
                      "link %s: file %s downloaded", uuid,
                      pt_row_get(row, "uuid"));
    }
    return rc;
}
