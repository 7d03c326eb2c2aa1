/*
 * links.c -- signed download links (model/link.c): making and revoking
 * them on a file's page, and /d/<token>, which works without a session
 * until the link expires, is revoked or is used up.
 *
 * A token is "<link uuid>.<mac>" (core/pt_link.c): the MAC binds the
 * link to its file and expiry, so a changed token fails it, a token
 * cannot be moved to another file or given a later expiry, and the
 * owner's page can show the link again.  The token is taken out of the
 * request line before httpd logs it.
 *
 * A link issued to a client by the API (file_links.user_id) works only
 * for that client, proven by its bearer token or its session, and only
 * while the file is still published to it; unless the file's owner made
 * its links public (files.public_links).  No link works while the file's
 * owner, or the client it was issued to, is disabled (403: enabling the
 * account brings it back).
 *
 * A download limit is a byte allowance (max_downloads x the file's size):
 * each response reserves the bytes it will send before it sends them and
 * gives back what it did not deliver, so ranges resume a download but
 * repeated or overlapping ones cannot get more than the allowance.  An
 * account holds at most PortalLinkMaxActive active links of each kind
 * (made on its files' pages; issued to it by the API), and of its ended
 * ones only the newest PortalLinkMaxActive are kept.
 */
#include "apr_strings.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_link.h"

APLOG_USE_MODULE(portal);

#define LINK_MAX_DOWNLOADS 1000000

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

/* The answer when an account already holds its PortalLinkMaxActive
 * active links: 429, with Retry-After when the first of them expires. */
int portal_links_refused(portal_req_t *req, int bound, int max,
                         apr_int64_t wait)
{
    const char *msg = apr_psprintf(req->r->pool, bound
        ? "You already hold %d active download links, the most one "
          "account may. Use those, or ask again when the first of them "
          "expires."
        : "You already have %d active download links, the most one "
          "account may. Revoke some, or wait until the first of them "
          "expires.", max);

    apr_table_setn(req->r->err_headers_out, "Retry-After",
                   pt_i64(req->r->pool, wait < 1 ? 1 : wait));
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, req->r, PORTAL_LOGNO(1200)
                  "user %s holds %d active %s links (PortalLinkMaxActive): "
                  "refused another", req->user->uuid, max,
                  bound ? "API" : "owner");
    if (req->want_json || bound) {
        return portal_api_error(req, HTTP_TOO_MANY_REQUESTS,
                                "too_many_links", msg);
    }
    return portal_file_page(req, HTTP_TOO_MANY_REQUESTS, NULL, msg);
}

int portal_link_create_post(portal_req_t *req)
{
    request_rec *r = req->r;
    const portal_srv_t *fc = req->conf;
    int max_hours = portal_files_link_max_lifetime(fc) / 3600;
    apr_int64_t hours, limit, wait, now = apr_time_sec(apr_time_now());
    pt_db_t *db;
    pt_row_t *row;
    const char *uuid;
    int rc, max;

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
    rc = portal_link_add(req, db, uuid, pt_row_get(row, "id"), now,
                         now + hours * 3600,
                         limit ? pt_i64(r->pool, limit) : NULL, 0, &max,
                         &wait);
    if (rc < 0) {
        return portal_db_fail(req, "adding a link");
    }
    if (rc == 0) {
        return portal_links_refused(req, 0, max, wait);
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
                   PT_ARGS(pt_i64(req->r->pool,
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
                          pt_i64(req->r->pool, req->user->id)))
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

/* What is left of a limited link's allowance: bytes (or, for an empty
 * file, downloads); a row of link_get. */
static apr_int64_t link_left(const pt_row_t *row)
{
    apr_int64_t max = pt_row_int(row, "max_downloads");
    apr_int64_t size = pt_row_int(row, "size");

    if (size == 0) {
        return max - pt_row_int(row, "downloads");
    }
    return max * size - pt_row_int(row, "bytes_sent");
}

/* The 410 for a response the rest of a limited link's allowance does not
 * cover (row: link_get's). */
static int allowance_refused(portal_req_t *req, const pt_row_t *row,
                             const portal_send_t *plan)
{
    if (pt_row_int(row, "size") > 0 && link_left(row) > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(1201)
                      "link %s: %" APR_OFF_T_FMT " bytes asked, more than "
                      "its allowance has left", pt_row_get(row, "link_uuid"),
                      plan->len);
        return portal_error(req, HTTP_GONE, apr_psprintf(req->r->pool,
                            "This download link has only %" APR_INT64_T_FMT
                            " bytes of its download allowance left, less "
                            "than this request asks for. To finish a "
                            "download that was cut short, ask for the "
                            "missing part only (a Range request, as "
                            "download managers do); otherwise ask for a "
                            "new link.", link_left(row)));
    }
    return portal_error(req, HTTP_GONE, "This download link has been used "
                        "as many times as it allows.");
}

/* Charge the link with the response about to go out: OK, or the 410 made
 * (*rc) when the allowance does not cover it.  *charged is what to give
 * back later if not delivered. */
static int link_charge(portal_req_t *req, pt_db_t *db, const pt_row_t *row,
                       const portal_send_t *plan, apr_int64_t now,
                       apr_int64_t *charged, int *rc)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t size = pt_row_int(row, "size");
    const char *id = pt_row_get(row, "id");
    const char *len = pt_i64(p, plan->len);
    const char *ssize = pt_i64(p, size);
    int n = 0;

    *charged = 0;
    if ((size == 0
         ? pt_db_exec(db, "link_count_download", &n,
                      PT_ARGS(pt_i64(p, now), id))
         : pt_db_exec(db, "link_reserve", &n,
                      PT_ARGS(len, len, ssize, pt_i64(p, now), id, len,
                              ssize))) != APR_SUCCESS) {
        *rc = portal_db_fail(req, "counting a download");
        return 0;
    }
    if (n) {
        *charged = size == 0 ? 1 : plan->len;
        return 1;
    }
    *rc = allowance_refused(req, row, plan);
    return 0;
}

int portal_link_download(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *uuid, *mac;
    apr_int64_t now = apr_time_sec(apr_time_now()), charged = 0;
    pt_db_t *db;
    pt_row_t *row = NULL;
    portal_send_t plan;
    int rc;

    if (pt_link_token_parse(r->pool, req->arg, &uuid, &mac)
        != APR_SUCCESS) {
        return portal_error(req, HTTP_NOT_FOUND, "This download link is "
                            "not valid. Check that you copied all of it.");
    }
    db = portal_db_get(req);
    if (!db) {
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The portal's "
                            "database is not available right now.");
    }
    if (pt_db_one(db, "link_get", &row, PT_ARGS(uuid)) != APR_SUCCESS
        || !row
        || !portal_link_mac_ok(req, uuid, mac, pt_row_get(row, "uuid"),
                               pt_row_int(row, "expires_at"),
                               pt_row_int(row, "link_created_at"))) {
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
    if (pt_row_get(row, "owner_disabled")
        || pt_row_get(row, "bound_disabled")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(1202)
                      "link %s refused: the %s account is disabled", uuid,
                      pt_row_get(row, "owner_disabled") ? "file owner's"
                                                        : "bound client's");
        return portal_error(req, HTTP_FORBIDDEN, "This download link is "
                            "suspended: the account it belongs to is "
                            "disabled.");
    }
    if (pt_row_get(row, "max_downloads") && link_left(row) <= 0) {
        return portal_error(req, HTTP_GONE, "This download link has been "
                            "used as many times as it allows.");
    }
    if (pt_row_get(row, "bound_to") && !pt_row_int(row, "public_links")
        && !bound_ok(req, db, row, &rc)) {
        return rc;
    }
    /* the bytes a response will send are charged before it starts, so
     * those running at once cannot pass the allowance, and what was not
     * delivered (a broken connection, a failed read) is given back; a
     * HEAD (answered as its GET would be), a 304 or a 416 sends none */
    portal_send_plan(req, row, &plan);
    if (plan.status == HTTP_OK || plan.status == HTTP_PARTIAL_CONTENT) {
        if (r->header_only) {
            if (pt_row_get(row, "max_downloads")
                && pt_row_int(row, "size") > 0
                && plan.len > link_left(row)) {
                return allowance_refused(req, row, &plan);
            }
        }
        else if (!link_charge(req, db, row, &plan, now, &charged, &rc)) {
            return rc;
        }
    }
    rc = portal_send_file(req, row, &plan);
    if (charged && !plan.complete) {
        apr_int64_t back = pt_row_int(row, "size") ? charged - plan.sent
                                                   : 1;
        const char *sb = pt_i64(r->pool, back);
        apr_status_t rv = APR_SUCCESS;

        if (back > 0 && pt_row_int(row, "size")) {
            rv = pt_db_exec(db, "link_release", NULL,
                            PT_ARGS(sb, sb, pt_row_get(row, "size"),
                                    pt_row_get(row, "id"), sb));
        }
        else if (back > 0) {
            rv = pt_db_exec(db, "link_uncount_download", NULL,
                            PT_ARGS(pt_row_get(row, "id")));
        }
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0341)
                          "giving back what link %s did not deliver: %s",
                          uuid, db->errmsg);
        }
    }
    if (plan.complete && plan.status == HTTP_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0342)
                      "link %s: file %s downloaded", uuid,
                      pt_row_get(row, "uuid"));
    }
    return rc;
}
