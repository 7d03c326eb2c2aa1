/*
 * file.c -- a stored file as the handlers and jobs see it: its record as
 * JSON, who may read it (its owner; a client it is published to) and who
 * may change it (its owner only), and its data key.
 *
 * A file that is not the user's is "not found", never "forbidden": its
 * existence is nobody else's business (except for a client that can read
 * a published file but not change it).
 */
#include "apr_strings.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_filecrypt.h"

APLOG_USE_MODULE(portal);

json_t *portal_file_json(portal_req_t *req, const char *uuid,
                         const char *name, apr_off_t size, const char *type,
                         const char *sha256, apr_int64_t created)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:s}",
                     "id", uuid, "name", name, "size", (json_int_t)size,
                     "size_text", pt_fmt_size(req->r->pool, size),
                     "type", type, "sha256", sha256,
                     "uploaded_at", (json_int_t)created,
                     "uploaded", pt_fmt_time(req->r->pool, created),
                     "url", apr_pstrcat(req->r->pool, req->mount, "/files/",
                                        uuid, NULL));
}

pt_row_t *portal_own_file(portal_req_t *req, int *rc)
{
    pt_db_t *db = portal_db_get(req);
    pt_row_t *row = NULL;

    *rc = OK;
    if (!db) {
        *rc = portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The portal's "
                           "database is not available right now.");
        return NULL;
    }
    if (!pt_uuid_valid(req->arg)) {
        *rc = portal_error(req, HTTP_NOT_FOUND, "There is no such file.");
        return NULL;
    }
    if (pt_db_one(db, "file_of_user", &row,
                  PT_ARGS(req->arg, pt_i64(req->r->pool, req->user->id)))
        != APR_SUCCESS) {
        *rc = portal_db_fail(req, "file_of_user");
        return NULL;
    }
    if (!row) {
        pt_row_t *shared = NULL;

        /* a client may read a file published to it, not change it */
        if ((req->user->role_bit & PORTAL_ROLE_CLIENT)
            && pt_db_one(db, "file_for_client", &shared,
                         PT_ARGS(req->arg, pt_i64(req->r->pool,
                                                      req->user->id)))
               == APR_SUCCESS && shared) {
            *rc = portal_error(req, HTTP_FORBIDDEN, "Only the file's owner "
                               "may change it.");
            return NULL;
        }
        *rc = portal_error(req, HTTP_NOT_FOUND, "There is no such file.");
    }
    return row;
}

pt_row_t *portal_readable_file(portal_req_t *req, int *rc)
{
    pt_db_t *db;
    pt_row_t *row = NULL;

    if (!(req->user->role_bit & PORTAL_ROLE_CLIENT)) {
        return portal_own_file(req, rc);
    }
    db = portal_db_get(req);
    *rc = OK;
    if (!db) {
        *rc = portal_db_fail(req, "file lookup");
        return NULL;
    }
    if (!pt_uuid_valid(req->arg)) {
        *rc = portal_error(req, HTTP_NOT_FOUND, "There is no such file.");
        return NULL;
    }
    if (pt_db_one(db, "file_of_user", &row,
                  PT_ARGS(req->arg, pt_i64(req->r->pool, req->user->id)))
        != APR_SUCCESS
        || (!row && pt_db_one(db, "file_for_client", &row,
                              PT_ARGS(req->arg, pt_i64(req->r->pool,
                                                           req->user->id)))
                    != APR_SUCCESS)) {
        *rc = portal_db_fail(req, "file lookup");
        return NULL;
    }
    if (!row) {
        *rc = portal_error(req, HTTP_NOT_FOUND, "There is no such file.");
    }
    return row;
}

const unsigned char *portal_file_key(const portal_srv_t *c, apr_pool_t *p,
                                     const char *uuid, const char *wrapped,
                                     const char **why)
{
    const char *kid = pt_fc_wrapped_kid(p, wrapped);
    const unsigned char *master = portal_files_key_of(c, kid);
    unsigned char *dk = apr_palloc(p, PT_FC_KEY_BYTES);
    pt_err_t err = { 0 };

    if (!master) {
        *why = apr_psprintf(p, "file %s: its master key '%s' is not in the "
                            "keys folder", uuid,
                            kid ? kid : "(unreadable)");
        return NULL;
    }
    if (pt_fc_unwrap(p, wrapped, master, uuid, dk, &err) != APR_SUCCESS) {
        *why = apr_psprintf(p, "file %s: cannot unwrap its key: %s", uuid,
                            pt_err_str(&err, p));
        return NULL;
    }
    return dk;
}
