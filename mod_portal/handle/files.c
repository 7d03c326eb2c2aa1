/*
 * files.c -- the signed-in user's files: the list (/files), one
 * file's page (/files/<id>), rename and delete, and the time-stamping
 * authority's certificate (/tsa.crt).
 *
 * A file that is not the user's is "not found", never "forbidden": its
 * existence is nobody else's business.
 */
#include "apr_strings.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_store.h"
#include "pt_tsa.h"
#include "pt_crypto.h"
#include "pt_filename.h"

APLOG_USE_MODULE(portal);

#define FILES_PER_PAGE 20

json_t *portal_upload_settings(portal_req_t *req)
{
    const char *types = req->upload_types;
    const char *accept = "";
    const char *t = types;
    json_t *j;

    /* ".docx,.pdf" for <input accept>, from "docx pdf" */
    while (*t) {
        apr_size_t n = strcspn(t, " ");

        if (n) {
            accept = apr_pstrcat(req->r->pool, accept, *accept ? ",." : ".",
                                 apr_pstrmemdup(req->r->pool, t, n), NULL);
        }
        t += n;
        t += strspn(t, " ");
    }
    j = json_pack("{s:I, s:s, s:I, s:I}",
                  "max_file", (json_int_t)req->max_file,
                  "max_file_text", pt_fmt_size(req->r->pool,
                                                   req->max_file),
                  "max_request", (json_int_t)req->max_request,
                  "max_files", (json_int_t)portal_files_max_files(req->conf));
    json_object_set_new(j, "allowed", json_boolean(
                        req->user && (portal_dir_upload_roles(req->dir)
                                      & req->user->role_bit)));
    json_object_set_new(j, "publish", json_boolean(
                        req->user && (req->user->role_bit
                                      & (PORTAL_ROLE_OPERATIONS
                                         | PORTAL_ROLE_ADMIN))));
    if (*types) {               /* absent (a false section) when any */
        json_object_set_new(j, "types", json_string(types));
        json_object_set_new(j, "accept", json_string(accept));
    }
    return j;
}

/* A client's list of the files published to it, ?shared=N a page. */
static json_t *shared_section(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t per = FILES_PER_PAGE, total;
    apr_int64_t page = pt_query_int(apr_table_get(req->query, "shared"), 1, 1,
                                    1000000);
    json_t *list = portal_shared_files(req, page, per, &total);
    json_t *sh;

    if (!list) {
        return NULL;
    }
    sh = json_pack("{s:o, s:b, s:I}", "files", list,
                   "has_files", json_array_size(list) > 0,
                   "total", (json_int_t)total);
    if (page > 1) {
        json_object_set_new(sh, "prev_url", json_string(apr_psprintf(
            p, "%s/files?shared=%" APR_INT64_T_FMT, req->mount, page - 1)));
    }
    if (page * per < total) {
        json_object_set_new(sh, "next_url", json_string(apr_psprintf(
            p, "%s/files?shared=%" APR_INT64_T_FMT, req->mount, page + 1)));
    }
    return sh;
}

int portal_files_page(portal_req_t *req, int status, const char *error)
{
    request_rec *r = req->r;
    pt_db_t *db = portal_db_get(req);
    json_t *d, *list, *pages;
    apr_array_header_t *rows;
    pt_row_t *count;
    apr_int64_t per = FILES_PER_PAGE, page, total, npages, i;
    const char *uid;

    if (!db) {
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The portal's "
                            "database is not available right now.");
    }
    uid = pt_i64(r->pool, req->user->id);
    if (pt_db_one(db, "files_count_user", &count, PT_ARGS(uid))
        != APR_SUCCESS) {
        return portal_db_fail(req, "files_count_user");
    }
    total = pt_row_int(count, "n");
    npages = total ? (total + per - 1) / per : 1;
    page = pt_query_int(apr_table_get(req->query, "page"), 1, 1, npages);
    if (pt_db_select(db, "files_of_user", &rows,
                     PT_ARGS(uid, pt_i64(r->pool, per),
                             pt_i64(r->pool, (page - 1) * per)))
        != APR_SUCCESS) {
        return portal_db_fail(req, "files_of_user");
    }
    d = portal_page_data(req, "Files");
    list = json_array();
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);

        json_array_append_new(list, portal_file_json(
            req, pt_row_get(row, "uuid"), pt_row_get(row, "name"),
            pt_row_int(row, "size"), pt_row_get(row, "content_type"),
            pt_row_get(row, "sha256"), pt_row_int(row, "created_at")));
    }
    pages = json_array();
    for (i = 1; i <= npages && npages > 1; i++) {
        json_array_append_new(pages, json_pack(
            "{s:I, s:s, s:b}", "n", (json_int_t)i,
            "url", apr_psprintf(r->pool, "%s/files?page=%" APR_INT64_T_FMT,
                                req->mount, i), "current", i == page));
    }
    json_object_set_new(d, "has_files", json_boolean(rows->nelts > 0));
    json_object_set_new(d, "show_stored", json_boolean(
                        total > 0 || (portal_dir_upload_roles(req->dir)
                                      & req->user->role_bit)));
    json_object_set_new(d, "has_pages", json_boolean(npages > 1));
    json_object_set_new(d, "files", list);
    json_object_set_new(d, "total", json_integer(total));
    json_object_set_new(d, "total_size", json_string(pt_fmt_size(
                        r->pool, pt_row_int(count, "bytes"))));
    json_object_set_new(d, "page", json_integer(page));
    json_object_set_new(d, "pages", json_integer(npages));
    json_object_set_new(d, "page_links", pages);
    if (page > 1) {
        json_object_set_new(d, "prev_url", json_string(apr_psprintf(
            r->pool, "%s/files?page=%" APR_INT64_T_FMT, req->mount,
            page - 1)));
    }
    if (page < npages) {
        json_object_set_new(d, "next_url", json_string(apr_psprintf(
            r->pool, "%s/files?page=%" APR_INT64_T_FMT, req->mount,
            page + 1)));
    }
    json_object_set_new(d, "upload", portal_upload_settings(req));
    if (req->user->role_bit & PORTAL_ROLE_CLIENT) {
        json_t *sh = shared_section(req);

        if (!sh) {
            return portal_db_fail(req, "files_for_client");
        }
        json_object_set_new(d, "shared", sh);
    }
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    else if (apr_table_get(req->query, "uploaded")) {
        apr_int64_t n = pt_query_int(apr_table_get(req->query, "uploaded"),
                                     0, 0, 1000);

        json_object_set_new(d, "notice", json_string(apr_psprintf(
            r->pool, "%" APR_INT64_T_FMT " file%s uploaded.", n,
            n == 1 ? "" : "s")));
    }
    else if (apr_table_get(req->query, "deleted")) {
        json_object_set_new(d, "notice", json_string("The file was "
                                                     "deleted."));
    }
    return portal_render(req, status, "files", d);
}

int portal_files_get(portal_req_t *req)
{
    return portal_files_page(req, HTTP_OK, NULL);
}

static int file_page(portal_req_t *req, pt_row_t *row, int status,
                     const char *notice, const char *error)
{
    request_rec *r = req->r;
    const char *uuid = pt_row_get(row, "uuid");
    json_t *d = portal_page_data(req, pt_row_get(row, "name"));
    json_t *f = portal_file_json(req, uuid, pt_row_get(row, "name"),
                                 pt_row_int(row, "size"),
                                 pt_row_get(row, "content_type"),
                                 pt_row_get(row, "sha256"),
                                 pt_row_int(row, "created_at"));
    int max = portal_files_link_max_lifetime(req->conf);
    json_t *links;

    json_object_set_new(f, "sha1", json_string(pt_row_get(row, "sha1")));
    json_object_set_new(f, "stamped", json_string(pt_fmt_time(
                        r->pool, pt_row_int(row, "receipt_at"))));
    {
        unsigned char *der;
        apr_size_t len;
        pt_tsa_info_t ti;
        pt_err_t err = { 0 };

        if (pt_b64url_decode(r->pool, pt_row_get(row, "receipt"), &der,
                             &len) == APR_SUCCESS
            && pt_tsa_inspect(r->pool, der, len, &ti, &err) == APR_SUCCESS) {
            json_object_set_new(f, "receipt", json_pack(
                "{s:s, s:s, s:s}", "serial", ti.serial, "policy", ti.policy,
                "time", pt_fmt_time(r->pool, apr_time_sec(ti.gen_time))));
        }
    }
    json_object_set_new(f, "download_url", json_string(apr_pstrcat(
                        r->pool, req->mount, "/files/", uuid, "/download",
                        NULL)));
    json_object_set_new(f, "receipt_url", json_string(apr_pstrcat(
                        r->pool, req->mount, "/files/", uuid,
                        "/receipt.tsr", NULL)));
    json_object_set_new(d, "file", f);
    if (notice) {
        json_object_set_new(d, "notice", json_string(notice));
    }
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (pt_row_get(row, "owner")) {
        /* a client's view of a file published to it */
        json_object_set_new(f, "shared_by", json_string(pt_row_get(row,
                                                                   "owner")));
        return portal_render(req, status, "file", d);
    }
    json_object_set_new(f, "mine", json_true());
    if (req->user->role_bit & (PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN)) {
        json_t *sh = json_object();

        portal_file_sharing(req, row, sh);
        json_object_set_new(f, "sharing", sh);
    }
    links = portal_links_json(req, pt_row_int(row, "id"), uuid);
    json_object_set_new(d, "has_links", json_boolean(json_array_size(links)));
    json_object_set_new(d, "links", links);
    json_object_set_new(d, "link_hours", json_integer(
        portal_files_link_lifetime(req->conf) / 3600));
    json_object_set_new(d, "link_max_hours", json_integer(max / 3600));
    return portal_render(req, status, "file", d);
}

int portal_file_page(portal_req_t *req, int status, const char *notice,
                     const char *error)
{
    int rc;
    pt_row_t *row = portal_readable_file(req, &rc);

    if (!row) {
        return rc;
    }
    return file_page(req, row, status, notice, error);
}

int portal_file_get(portal_req_t *req)
{
    const char *n = NULL;

    if (apr_table_get(req->query, "renamed")) {
        n = "The file was renamed.";
    }
    else if (apr_table_get(req->query, "revoked")) {
        n = "The link was revoked: it no longer works.";
    }
    else if (apr_table_get(req->query, "published")) {
        n = "Who may see the file was changed.";
    }
    return portal_file_page(req, HTTP_OK, n, NULL);
}

static int rerender_file(portal_req_t *req, int status, const char *error)
{
    return portal_file_page(req, status, NULL, error);
}

pt_row_t *portal_own_file_form(portal_req_t *req, int *rc)
{
    if (!portal_form_csrf(req, rerender_file, rc)) {
        return NULL;
    }
    return portal_own_file(req, rc);
}

int portal_file_rename_post(portal_req_t *req)
{
    pt_db_t *db;
    pt_row_t *row;
    const char *raw, *name;
    int rc, n = 0;

    row = portal_own_file_form(req, &rc);
    if (!row) {
        return rc;
    }
    raw = portal_form_field(req, "name");
    if (!*raw) {
        return file_page(req, row, HTTP_BAD_REQUEST, NULL,
                         "Give the file a name.");
    }
    name = pt_filename_clean(req->r->pool, raw, strlen(raw));
    db = portal_db_get(req);
    if (pt_db_exec(db, "file_rename", &n,
                   PT_ARGS(name, req->arg,
                           pt_i64(req->r->pool, req->user->id)))
        != APR_SUCCESS) {
        return portal_db_fail(req, "file_rename");
    }
    return portal_redirect(req, apr_pstrcat(req->r->pool, "/files/",
                                            req->arg, "?renamed=1", NULL));
}

int portal_file_delete_post(portal_req_t *req)
{
    pt_db_t *db;
    pt_row_t *row;
    pt_err_t err = { 0 };
    apr_status_t rv;
    int rc, n = 0;

    row = portal_own_file_form(req, &rc);
    if (!row) {
        return rc;
    }
    db = portal_db_get(req);
    if (pt_db_exec(db, "file_delete", &n,
                   PT_ARGS(pt_row_get(row, "id"),
                           pt_i64(req->r->pool, req->user->id)))
        != APR_SUCCESS) {
        return portal_db_fail(req, "file_delete");
    }
    /* the row is gone: the file is deleted for the user even if removing
     * the object fails now (the files job removes unnamed objects) */
    rv = n ? pt_store_remove(portal_files_store(req->conf), req->r->pool,
                             pt_row_get(row, "storage_key"), &err)
           : APR_SUCCESS;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                      PORTAL_LOGNO(0320) "deleting a stored file: %s",
                      pt_err_str(&err, req->r->pool));
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(0321)
                  "user %s deleted file %s", req->user->uuid, req->arg);
    if (req->want_json) {
        return portal_json(req, HTTP_OK, json_pack("{s:s}", "deleted",
                                                   req->arg));
    }
    return portal_redirect(req, "/files?deleted=1");
}

int portal_tsa_cert_get(portal_req_t *req)
{
    const char *pem = pt_tsa_cert_pem(portal_files_tsa(req->conf));

    ap_set_content_type(req->r, "application/x-pem-file");
    apr_table_setn(req->r->headers_out, "Content-Disposition",
                   "attachment; filename=\"tsa.crt\"");
    apr_table_setn(req->r->headers_out, "Cache-Control", "max-age=86400");
    ap_set_content_length(req->r, strlen(pem));
    if (!req->r->header_only) {
        ap_rputs(pem, req->r);
    }
    return OK;
}

/* POST /files/{id}/publish (audience, clients, public_links). */
int portal_file_publish_post(portal_req_t *req)
{
    const char *audience, *msg = NULL;
    pt_db_t *db;
    pt_row_t *row;
    int rc;

    row = portal_own_file_form(req, &rc);
    if (!row) {
        return rc;
    }
    db = portal_db_get(req);
    audience = portal_form_field(req, "audience");
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
        return portal_db_fail(req, "publishing a file");
    }
    rc = portal_publish(req, db, pt_row_int(row, "id"), audience,
                        portal_form_field(req, "clients"),
                        *portal_form_field(req, "public_links") != '\0',
                        &msg);
    if (rc != OK) {
        pt_db_run_named(db, "tx_rollback");
        return portal_file_page(req, rc, NULL, msg);
    }
    if (pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        return portal_db_fail(req, "publishing a file");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(0354)
                  "user %s published file %s to %s", req->user->uuid,
                  req->arg, audience);
    if (req->want_json) {
        return portal_json(req, HTTP_OK, portal_file_meta(req, req->arg));
    }
    return portal_redirect(req, apr_pstrcat(req->r->pool, "/files/",
                                            req->arg, "?published=1", NULL));
}
