/*
 * upload.c -- POST /upload (and POST /dashboard): multipart bodies
 * streamed brigade by brigade through the core's multipart parser into
 * the encrypted store.
 *
 * A request is all or nothing: every file is hashed, checked, encrypted
 * and committed to the store as its part ends, and the database rows of
 * all of them are written in one transaction at the end.  Any failure
 * (a limit, a refused type, a malformed or cut-off body, a store or
 * database error) removes what this request stored and answers 4xx/5xx
 * with the reason.  Before an object is started, a store_pending row
 * names it (committed on its own); the transaction that records the file
 * deletes that row.  A crash in between leaves the row, and the
 * store-cleanup job (jobs/files.c) deletes the object an hour on.
 *
 * CSRF: the token comes in the X-CSRF-Token header or as the form field
 * csrf_token before the first file (browsers send fields in document
 * order, and the form puts it first), so nothing is stored for a forged
 * request.  POST /api/ops/upload is authenticated by its bearer token
 * instead (no cookie is read there), takes exactly one file, and answers
 * with its metadata.
 *
 * Files of operations and admin accounts are published as the fields
 * audience, clients and public_links say (by default to every client),
 * in the same transaction that records them (model/share.c).
 *
 * A little over the ~600 lines of the norm: one pipeline (the body read
 * brigade by brigade, the parser's callbacks, the store, the rows) whose
 * state is the upload_t every step shares.
 */
#include "apr_strings.h"
#include "apr_buckets.h"
#include "http_core.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_tsa.h"
#include "pt_multipart.h"
#include "pt_filename.h"
#include "pt_filecrypt.h"
#include "pt_crypto.h"
#include "pt_vault.h"

APLOG_USE_MODULE(portal);

#define UPLOAD_READ 65536
#define CSRF_FIELD_MAX 256
#define FIELD_MAX 8192          /* audience, clients, public_links */

typedef struct up_file_t {
    const char *uuid;
    const char *storage_key;
    const char *name;
    const char *wrapped_key;
    pt_vault_info_t info;
    const char *receipt_b64;
    apr_int64_t receipt_at;
    int committed;
    int pending;                /* has a store_pending row */
} up_file_t;

typedef struct upload_t {
    portal_req_t *req;
    const portal_srv_t *fc;     /* the server's configuration */
    pt_store_t *store;
    apr_array_header_t *files;  /* up_file_t *, committed or current */
    up_file_t *cur;             /* the file part being received */
    pt_vault_put_t *put;
    apr_pool_t *fpool;          /* the current file's buffers */
    pt_db_t *db;
    int in_csrf;                /* inside the csrf_token field */
    const char *in_field;       /* inside this publishing field */
    apr_table_t *fields;        /* publishing fields received */
    pt_buf_t csrf;
    int csrf_ok;
    int skipping;               /* a part we ignore (empty file input) */
    int status;                 /* HTTP status to answer when failing */
    const char *msg;            /* and why */
} upload_t;

static apr_status_t fail(upload_t *u, int status, const char *msg)
{
    if (!u->status) {
        u->status = status;
        u->msg = msg;
    }
    return APR_EGENERAL;
}

static apr_status_t part_begin(void *baton, const pt_mp_part_t *part)
{
    upload_t *u = baton;
    request_rec *r = u->req->r;
    const char *ext, *types;
    const unsigned char *key;
    const char *kid;
    unsigned char dk[PT_FC_KEY_BYTES];
    pt_err_t err = { 0 };
    up_file_t *f;
    apr_status_t rv;

    u->skipping = 0;
    u->in_csrf = 0;
    u->in_field = NULL;
    if (!part->filename) {
        if (!strcmp(part->name, "csrf_token")) {
            u->in_csrf = 1;
            pt_buf_init(&u->csrf, r->pool, 64, CSRF_FIELD_MAX);
        }
        else if (!strcmp(part->name, "audience")
                 || !strcmp(part->name, "clients")
                 || !strcmp(part->name, "public_links")) {
            u->in_field = apr_pstrdup(r->pool, part->name);
            pt_buf_init(&u->csrf, r->pool, 64, FIELD_MAX);
        }
        else {
            u->skipping = 1;    /* other fields have no meaning here */
        }
        return APR_SUCCESS;
    }
    if (!u->csrf_ok) {
        return fail(u, HTTP_FORBIDDEN, "The form has expired or did not "
                    "come from this site. Reload the page and upload again.");
    }
    if (strcmp(part->name, "file")) {
        u->skipping = 1;
        return APR_SUCCESS;
    }
    if (!*part->filename) {
        u->skipping = 1;        /* a file input with nothing chosen */
        return APR_SUCCESS;
    }
    if (u->req->api && u->files->nelts) {
        return fail(u, HTTP_BAD_REQUEST, "Send one file per request.");
    }
    if (u->files->nelts >= portal_files_max_files(u->fc)) {
        return fail(u, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                    r->pool, "At most %d files can be uploaded at once.",
                    portal_files_max_files(u->fc)));
    }
    f = apr_pcalloc(r->pool, sizeof(*f));
    f->name = pt_filename_clean(r->pool, part->filename,
                                strlen(part->filename));
    ext = pt_filename_ext(r->pool, f->name);
    types = u->req->upload_types;
    if (!pt_ext_allowed(types, ext)) {
        return fail(u, HTTP_UNSUPPORTED_MEDIA_TYPE, apr_psprintf(
                    r->pool, "%s: files of this type are not accepted here "
                    "(allowed: %s).", f->name, types));
    }
    if (pt_uuid_new(r->pool, &f->uuid) != APR_SUCCESS
        || pt_uuid_new(r->pool, &f->storage_key) != APR_SUCCESS
        || pt_random_bytes(dk, sizeof(dk)) != APR_SUCCESS) {
        return fail(u, HTTP_INTERNAL_SERVER_ERROR,
                    "The server could not make a key for the file.");
    }
    key = portal_files_key(u->fc, &kid);
    f->wrapped_key = pt_fc_wrap(r->pool, kid, key, dk,
                                f->uuid);
    if (!f->wrapped_key) {
        return fail(u, HTTP_INTERNAL_SERVER_ERROR,
                    "The server could not protect the file's key.");
    }
    if (!u->db) {
        u->db = portal_db_get(u->req);
    }
    if (!u->db
        || pt_db_exec(u->db, "pending_insert", NULL,
                      PT_ARGS(f->storage_key, apr_psprintf(r->pool, "%"
                              APR_INT64_T_FMT, apr_time_sec(apr_time_now()))))
           != APR_SUCCESS) {
        return fail(u, HTTP_SERVICE_UNAVAILABLE, "The portal's database is "
                    "not available right now. Please try again.");
    }
    f->pending = 1;
    apr_pool_create(&u->fpool, r->pool);
    rv = pt_vault_put_begin(u->fpool, u->store, f->storage_key, dk,
                            u->req->max_file, &u->put, &err);
    memset(dk, 0, sizeof(dk));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0310)
                      "cannot store an upload: %s", pt_err_str(&err,
                                                               r->pool));
        return fail(u, HTTP_SERVICE_UNAVAILABLE, "The file store is not "
                    "available right now. Please try again later.");
    }
    APR_ARRAY_PUSH(u->files, up_file_t *) = f;
    u->cur = f;
    return APR_SUCCESS;
}

static apr_status_t part_data(void *baton, const char *buf, apr_size_t len)
{
    upload_t *u = baton;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (u->in_csrf || u->in_field) {
        if (pt_buf_append(&u->csrf, buf, len) != APR_SUCCESS) {
            return u->in_csrf
                   ? fail(u, HTTP_FORBIDDEN, "The form's security token is "
                          "not valid.")
                   : fail(u, HTTP_BAD_REQUEST, apr_psprintf(
                          u->req->r->pool, "The field %s is longer than %d "
                          "bytes.", u->in_field, FIELD_MAX));
        }
        return APR_SUCCESS;
    }
    if (u->skipping || !u->cur) {
        return APR_SUCCESS;
    }
    rv = pt_vault_put_write(u->put, buf, len, &err);
    if (rv == APR_ENOSPC) {
        u->req->r->connection->keepalive = AP_CONN_CLOSE;
        return fail(u, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                    u->req->r->pool, "%s is larger than the %s a file may "
                    "have.", u->cur->name,
                    pt_fmt_size(u->req->r->pool, u->req->max_file)));
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, u->req->r,
                      PORTAL_LOGNO(0311) "storing an upload: %s",
                      pt_err_str(&err, u->req->r->pool));
        return fail(u, HTTP_SERVICE_UNAVAILABLE, "The file could not be "
                    "stored. Please try again later.");
    }
    return APR_SUCCESS;
}

/* The field csrf_token ended: check it like a form's. */
static apr_status_t csrf_end(upload_t *u)
{
    portal_req_t *req = u->req;

    u->in_csrf = 0;
    req->form = apr_table_make(req->r->pool, 1);
    apr_table_setn(req->form, "csrf_token",
                   apr_pstrmemdup(req->r->pool, u->csrf.data, u->csrf.len));
    u->csrf_ok = portal_csrf_check(req);
    if (!u->csrf_ok) {
        return fail(u, HTTP_FORBIDDEN, "The form has expired or did not "
                    "come from this site. Reload the page and upload "
                    "again.");
    }
    return APR_SUCCESS;
}

static apr_status_t part_end(void *baton)
{
    upload_t *u = baton;
    request_rec *r = u->req->r;
    up_file_t *f = u->cur;
    pt_err_t err = { 0 };
    unsigned char *der;
    apr_size_t derlen;
    apr_status_t rv;

    if (u->in_csrf) {
        return csrf_end(u);
    }
    if (u->in_field) {
        apr_table_setn(u->fields, u->in_field,
                       apr_pstrmemdup(r->pool, u->csrf.data, u->csrf.len));
        u->in_field = NULL;
        return APR_SUCCESS;
    }
    if (u->skipping || !f) {
        return APR_SUCCESS;
    }
    rv = pt_vault_put_finish(u->put, pt_filename_ext(r->pool, f->name),
                             &f->info, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0312)
                      "finishing an upload: %s", pt_err_str(&err, r->pool));
        return fail(u, HTTP_SERVICE_UNAVAILABLE, "The file could not be "
                    "stored. Please try again later.");
    }
    /* the digests live in the file's pool, which ends below */
    f->info.sha256_hex = apr_pstrdup(r->pool, f->info.sha256_hex);
    f->info.sha1_hex = apr_pstrdup(r->pool, f->info.sha1_hex);
    f->info.type = apr_pstrdup(r->pool, f->info.type);
    if (portal_files_check_content(u->fc) && !f->info.type_matches) {
        return fail(u, HTTP_UNSUPPORTED_MEDIA_TYPE, apr_psprintf(
                    r->pool, "%s: the content does not match the file's "
                    "extension (it looks like %s).", f->name,
                    f->info.type));
    }
    rv = pt_tsa_stamp(portal_files_tsa(u->fc), r->pool, f->info.sha256, &der,
                      &derlen,
                      &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0313)
                      "time stamp: %s", pt_err_str(&err, r->pool));
        return fail(u, HTTP_INTERNAL_SERVER_ERROR, "The file could not be "
                    "time-stamped.");
    }
    f->receipt_b64 = pt_b64url_encode(r->pool, der, derlen);
    f->receipt_at = apr_time_sec(apr_time_now());
    rv = pt_vault_put_commit(u->put, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0314)
                      "committing an upload: %s", pt_err_str(&err, r->pool));
        return fail(u, HTTP_SERVICE_UNAVAILABLE, "The file could not be "
                    "stored. Please try again later.");
    }
    f->committed = 1;
    u->cur = NULL;
    u->put = NULL;
    apr_pool_destroy(u->fpool);
    u->fpool = NULL;
    return APR_SUCCESS;
}

/* Undo: abort the file in progress and delete the committed ones. */
static void undo(upload_t *u)
{
    int i;

    if (u->put) {
        pt_vault_put_abort(u->put);
        u->put = NULL;
    }
    for (i = 0; i < u->files->nelts; i++) {
        up_file_t *f = APR_ARRAY_IDX(u->files, i, up_file_t *);
        pt_err_t err = { 0 };
        apr_status_t rv = APR_SUCCESS;

        if (f->committed) {
            rv = pt_store_remove(u->store, u->req->r->pool, f->storage_key,
                                 &err);
        }
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, u->req->r,
                          PORTAL_LOGNO(0315) "removing a refused upload: "
                          "%s (the store-cleanup job retries)",
                          pt_err_str(&err, u->req->r->pool));
            continue;           /* keep the row: the job retries */
        }
        if (f->pending && u->db) {
            pt_db_exec(u->db, "pending_delete", NULL,
                       PT_ARGS(f->storage_key));
        }
    }
}

/* Read the body into the parser.  OK, or an HTTP status in u. */
static int read_body(upload_t *u, pt_mp_t *mp)
{
    request_rec *r = u->req->r;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    apr_off_t total = 0, max = u->req->max_request;
    pt_err_t err = { 0 };
    int seen_eos = 0;
    apr_status_t rv;

    while (!seen_eos) {
        apr_bucket *b;

        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, UPLOAD_READ);
        if (rv != APR_SUCCESS) {
            int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);

            r->connection->keepalive = AP_CONN_CLOSE;
            fail(u, status, status == HTTP_REQUEST_ENTITY_TOO_LARGE
                 ? "The upload is larger than this server accepts "
                   "(LimitRequestBody)."
                 : "The upload was cut off before its end.");
            return u->status;
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                r->connection->keepalive = AP_CONN_CLOSE;
                fail(u, HTTP_BAD_REQUEST, "The upload could not be read.");
                return u->status;
            }
            total += (apr_off_t)len;
            if (total > max) {
                r->connection->keepalive = AP_CONN_CLOSE;
                fail(u, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                     r->pool, "The upload is larger than the %s this "
                     "portal accepts in one request.",
                     pt_fmt_size(r->pool, max)));
                return u->status;
            }
            rv = pt_mp_feed(mp, data, len, &err);
            if (rv != APR_SUCCESS) {
                if (!u->status) {
                    fail(u, HTTP_BAD_REQUEST, apr_pstrcat(
                         r->pool, "The upload is not a valid form: ",
                         err.what, NULL));
                }
                return u->status;
            }
        }
        apr_brigade_cleanup(bb);
    }
    if (pt_mp_finish(mp, &err) != APR_SUCCESS) {
        fail(u, HTTP_BAD_REQUEST, "The upload was cut off before its end.");
        return u->status;
    }
    return OK;
}

/* Files of operations and admin accounts are published as the request's
 * fields say (by default to every client); a client's stay private. */
static int publish(upload_t *u, pt_db_t *db, up_file_t *f)
{
    portal_req_t *req = u->req;
    const char *audience = apr_table_get(u->fields, "audience");
    const char *pub = apr_table_get(u->fields, "public_links");
    const char *msg = NULL;
    pt_row_t *row = NULL;
    int rc, public_links = 0;

    if (!(req->user->role_bit & (PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN))) {
        return OK;
    }
    if (pub && *pub) {
        if (!strcmp(pub, "true") || !strcmp(pub, "1") || !strcmp(pub, "on")) {
            public_links = 1;
        }
        else if (strcmp(pub, "false") && strcmp(pub, "0")) {
            fail(u, HTTP_BAD_REQUEST, "public_links must be true or false.");
            return u->status;
        }
    }
    if (pt_db_one(db, "file_of_user", &row,
                  PT_ARGS(f->uuid, pt_i64(req->r->pool, req->user->id)))
        != APR_SUCCESS || !row) {
        fail(u, HTTP_SERVICE_UNAVAILABLE, "The upload could not be "
             "recorded. Please try again.");
        return u->status;
    }
    rc = portal_publish(req, db, pt_row_int(row, "id"),
                        audience && *audience ? audience : "clients",
                        apr_table_get(u->fields, "clients"), public_links,
                        &msg);
    if (rc != OK) {
        fail(u, rc, msg);
        return u->status;
    }
    return OK;
}

/* Write the rows of every stored file in one transaction. */
static int record_files(upload_t *u)
{
    portal_req_t *req = u->req;
    pt_db_t *db = portal_db_get(req);
    apr_pool_t *p = req->r->pool;
    int i;

    if (!db || pt_db_run_named(db, "tx_begin") != APR_SUCCESS) {
        fail(u, HTTP_SERVICE_UNAVAILABLE, "The portal's database is not "
             "available right now. Please try again.");
        return u->status;
    }
    for (i = 0; i < u->files->nelts; i++) {
        up_file_t *f = APR_ARRAY_IDX(u->files, i, up_file_t *);
        apr_status_t rv;

        rv = pt_db_exec(db, "file_insert", NULL, PT_ARGS(
                f->uuid, apr_psprintf(p, "%" APR_INT64_T_FMT, req->user->id),
                f->name, apr_psprintf(p, "%" APR_OFF_T_FMT, f->info.size),
                f->info.type, f->info.sha256_hex, f->info.sha1_hex,
                u->store->ops->name, f->storage_key, f->wrapped_key,
                f->receipt_b64,
                apr_psprintf(p, "%" APR_INT64_T_FMT, f->receipt_at),
                apr_psprintf(p, "%" APR_INT64_T_FMT, f->receipt_at),
                req->mount));
        if (rv == APR_SUCCESS) {
            rv = pt_db_exec(db, "pending_delete", NULL,
                            PT_ARGS(f->storage_key));
        }
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r,
                          PORTAL_LOGNO(0317) "recording an upload: %s",
                          db->errmsg ? db->errmsg : "failed");
            pt_db_run_named(db, "tx_rollback");
            fail(u, HTTP_SERVICE_UNAVAILABLE, "The upload could not be "
                 "recorded. Please try again.");
            return u->status;
        }
        if (publish(u, db, f) != OK) {
            pt_db_run_named(db, "tx_rollback");
            return u->status;
        }
    }
    if (pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
        fail(u, HTTP_SERVICE_UNAVAILABLE, "The upload could not be "
             "recorded. Please try again.");
        return u->status;
    }
    return OK;
}

static int upload_failed(portal_req_t *req, upload_t *u)
{
    undo(u);
    if (u->status == HTTP_FORBIDDEN || req->want_json) {
        return portal_error(req, u->status, u->msg);
    }
    return portal_files_page(req, u->status, u->msg);
}

int portal_upload_post(portal_req_t *req)
{
    request_rec *r = req->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const char *hdr = apr_table_get(r->headers_in, "X-CSRF-Token");
    const char *boundary;
    upload_t u;
    pt_mp_t *mp;
    pt_mp_cb_t cb = { part_begin, part_data, part_end };
    pt_err_t err = { 0 };
    json_t *list;
    int rc, i;

    memset(&u, 0, sizeof(u));
    u.req = req;
    u.fc = req->conf;
    u.store = portal_files_store(req->conf);
    u.files = apr_array_make(r->pool, 4, sizeof(up_file_t *));
    u.fields = apr_table_make(r->pool, 4);
    u.csrf_ok = req->api;       /* a bearer token, not a cookie */
    if (!ct || pt_mp_boundary(r->pool, ct, &boundary, &err)
               != APR_SUCCESS) {
        return portal_error(req, HTTP_UNSUPPORTED_MEDIA_TYPE, apr_pstrcat(
                            r->pool, "Send files as multipart/form-data",
                            err.what ? apr_pstrcat(r->pool, " (", err.what,
                                                   ")", NULL) : "",
                            ".", NULL));
    }
    if (cl) {
        char *end;
        apr_off_t len, max = req->max_request;

        if (apr_strtoff(&len, cl, &end, 10) != APR_SUCCESS || *end
            || len < 0) {
            return portal_error(req, HTTP_BAD_REQUEST,
                                "The Content-Length header is not a "
                                "number.");
        }
        /* httpd's LimitRequestBody too: refused here, with our message */
        if (ap_get_limit_req_body(r) > 0 && ap_get_limit_req_body(r) < max) {
            max = ap_get_limit_req_body(r);
        }
        if (len > max) {
            /* refused before a byte of the body is read */
            r->connection->keepalive = AP_CONN_CLOSE;
            u.status = HTTP_REQUEST_ENTITY_TOO_LARGE;
            u.msg = apr_psprintf(r->pool, "The upload is larger than the "
                                 "%s this portal accepts in one request.",
                                 pt_fmt_size(r->pool, max));
            return upload_failed(req, &u);
        }
    }
    if (hdr && !req->api) {
        req->form = apr_table_make(r->pool, 1);
        apr_table_setn(req->form, "csrf_token", hdr);
        u.csrf_ok = portal_csrf_check(req);
        if (!u.csrf_ok) {
            return portal_error(req, HTTP_FORBIDDEN, "The form has expired "
                                "or did not come from this site. Reload "
                                "the page and upload again.");
        }
    }
    if (pt_mp_create(r->pool, boundary, &cb, &u, &mp) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "The upload could not be started.");
    }
    rc = read_body(&u, mp);
    if (rc == OK && u.files->nelts == 0 && req->api) {
        fail(&u, HTTP_BAD_REQUEST, "Send the file in the field \"file\".");
        rc = u.status;
    }
    if (rc == OK && u.files->nelts == 0) {
        fail(&u, u.csrf_ok ? HTTP_BAD_REQUEST : HTTP_FORBIDDEN,
             u.csrf_ok ? "Choose at least one file to upload."
                       : "The form has expired or did not come from this "
                         "site. Reload the page and upload again.");
        rc = u.status;
    }
    if (rc == OK) {
        rc = record_files(&u);
    }
    if (rc != OK) {
        return upload_failed(req, &u);
    }
    for (i = 0; i < u.files->nelts; i++) {
        up_file_t *f = APR_ARRAY_IDX(u.files, i, up_file_t *);

        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0316)
                      "user %s uploaded file %s (%" APR_OFF_T_FMT " bytes)",
                      req->user->uuid, f->uuid, f->info.size);
    }
    if (!req->want_json) {
        return portal_redirect(req, apr_psprintf(r->pool,
                               "/files?uploaded=%d", u.files->nelts));
    }
    if (req->api) {
        up_file_t *f = APR_ARRAY_IDX(u.files, 0, up_file_t *);

        return portal_json(req, HTTP_CREATED, portal_file_meta(
                           req, f->uuid));
    }
    list = json_array();
    for (i = 0; i < u.files->nelts; i++) {
        up_file_t *f = APR_ARRAY_IDX(u.files, i, up_file_t *);

        json_array_append_new(list, portal_file_json(
            req, f->uuid, f->name, f->info.size, f->info.type,
            f->info.sha256_hex, f->receipt_at));
    }
    return portal_json(req, HTTP_CREATED, json_pack("{s:o}", "files", list));
}
