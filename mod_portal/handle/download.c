/*
 * download.c -- sending a stored file: /files/<id>/download for
 * its owner, the signed links of links.c, and the file's RFC 3161
 * receipt (/files/<id>/receipt.tsr).
 *
 * The body is decrypted segment by segment straight into the output
 * filters (flat memory), after each segment's tag was checked.  ETag is
 * the SHA-256 of the plaintext (a strong validator); one byte range is
 * served as 206, several ranges get the whole file (RFC 9110 lets a server
 * ignore Range), an unsatisfiable one 416 (pt_range.c).
 *
 * A response is planned first (portal_send_plan: which status and which
 * bytes, nothing sent yet) and then sent (portal_send_file), so that a
 * download link can charge its byte allowance with exactly the bytes the
 * response will carry before a byte goes out.
 */
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_buckets.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_filecrypt.h"
#include "pt_filename.h"
#include "pt_range.h"
#include "pt_vault.h"

APLOG_USE_MODULE(portal);

typedef struct send_t {
    request_rec *r;
    apr_bucket_brigade *bb;
    apr_off_t sent;
} send_t;

static apr_status_t send_sink(void *baton, const char *data, apr_size_t len)
{
    send_t *s = baton;
    apr_status_t rv;

    if (s->r->connection->aborted) {
        return APR_ECONNABORTED;
    }
    APR_BRIGADE_INSERT_TAIL(s->bb, apr_bucket_transient_create(
                            data, len, s->bb->bucket_alloc));
    rv = ap_pass_brigade(s->r->output_filters, s->bb);
    apr_brigade_cleanup(s->bb);
    if (rv == APR_SUCCESS) {
        s->sent += (apr_off_t)len;
    }
    return rv;
}

void portal_send_plan(portal_req_t *req, const pt_row_t *row,
                      portal_send_t *plan)
{
    request_rec *r = req->r;
    apr_off_t size = pt_row_int(row, "size");
    const char *inm = apr_table_get(r->headers_in, "If-None-Match");
    const char *ifr = apr_table_get(r->headers_in, "If-Range");
    int kind = PT_RANGE_WHOLE;

    memset(plan, 0, sizeof(*plan));
    plan->etag = apr_pstrcat(r->pool, "\"", pt_row_get(row, "sha256"), "\"",
                             NULL);
    plan->status = HTTP_OK;
    plan->len = size;
    if (inm && (!strcmp(inm, "*") || ap_strstr_c(inm, plan->etag))) {
        plan->status = HTTP_NOT_MODIFIED;
        plan->len = 0;
        return;
    }
    if (!ifr || !strcmp(ifr, plan->etag)) {
        kind = pt_range_parse(apr_table_get(r->headers_in, "Range"), size,
                              &plan->off, &plan->len);
    }
    if (kind == PT_RANGE_UNSATISFIABLE) {
        plan->status = HTTP_RANGE_NOT_SATISFIABLE;
        plan->len = 0;
    }
    else if (kind == PT_RANGE_ONE) {
        plan->status = HTTP_PARTIAL_CONTENT;
    }
}

int portal_send_file(portal_req_t *req, const pt_row_t *row,
                     portal_send_t *plan)
{
    request_rec *r = req->r;
    apr_off_t size = pt_row_int(row, "size");
    const char *uuid = pt_row_get(row, "uuid");
    const unsigned char *dk;
    const char *why = NULL;
    send_t s;
    pt_err_t err = { 0 };
    apr_status_t rv;

    plan->sent = 0;
    plan->complete = 0;
    apr_table_setn(r->headers_out, "ETag", plan->etag);
    apr_table_setn(r->headers_out, "Accept-Ranges", "bytes");
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    if (plan->status == HTTP_NOT_MODIFIED) {
        return HTTP_NOT_MODIFIED;
    }
    if (plan->status == HTTP_RANGE_NOT_SATISFIABLE) {
        apr_table_setn(r->err_headers_out, "Content-Range", apr_psprintf(
                       r->pool, "bytes */%" APR_OFF_T_FMT, size));
        return portal_error(req, HTTP_RANGE_NOT_SATISFIABLE,
                            "The requested range is not in the file.");
    }
    dk = portal_file_key(req->conf, r->pool, uuid,
                         pt_row_get(row, "wrapped_key"), &why);
    if (!dk) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PORTAL_LOGNO(0330) "%s",
                      why);
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR, "The file "
                            "cannot be decrypted: its key is missing.");
    }
    apr_table_setn(r->headers_out, "Content-Disposition",
                   pt_content_disposition(r->pool, "attachment",
                                          pt_row_get(row, "name")));
    ap_set_content_type(r, pt_row_get(row, "content_type"));
    if (plan->status == HTTP_PARTIAL_CONTENT) {
        r->status = HTTP_PARTIAL_CONTENT;
        apr_table_setn(r->headers_out, "Content-Range", apr_psprintf(
                       r->pool, "bytes %" APR_OFF_T_FMT "-%" APR_OFF_T_FMT
                       "/%" APR_OFF_T_FMT, plan->off,
                       plan->off + plan->len - 1, size));
    }
    ap_set_content_length(r, plan->len);
    if (r->header_only || plan->len == 0) {
        plan->complete = !r->header_only;
        return OK;
    }
    s.r = r;
    s.bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    s.sent = 0;
    rv = pt_vault_get(r->pool, portal_files_store(req->conf),
                      pt_row_get(row, "storage_key"), dk, size, plan->off,
                      plan->len, send_sink, &s, &err);
    plan->sent = s.sent;
    if (rv != APR_SUCCESS) {
        if (s.sent == 0 && !r->connection->aborted) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0332)
                          "file %s cannot be read: %s", uuid,
                          pt_err_str(&err, r->pool));
            r->status = HTTP_OK;
            apr_table_unset(r->headers_out, "Content-Range");
            apr_table_unset(r->headers_out, "Content-Length");
            apr_table_unset(r->headers_out, "Content-Disposition");
            return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                                "The file could not be read from the "
                                "store. Please try again later.");
        }
        if (!r->connection->aborted) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0333)
                          "file %s failed after %" APR_OFF_T_FMT " bytes: "
                          "%s", uuid, s.sent, pt_err_str(&err, r->pool));
        }
        /* the length is promised: closing is how the client learns */
        r->connection->keepalive = AP_CONN_CLOSE;
        return OK;
    }
    APR_BRIGADE_INSERT_TAIL(s.bb, apr_bucket_eos_create(
                            s.bb->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, s.bb);
    plan->complete = rv == APR_SUCCESS && !r->connection->aborted
                     && s.sent == plan->len;
    return OK;
}

int portal_file_download(portal_req_t *req)
{
    int rc;
    pt_row_t *row = portal_readable_file(req, &rc);
    portal_send_t plan;

    if (!row) {
        return rc;
    }
    portal_send_plan(req, row, &plan);
    return portal_send_file(req, row, &plan);
}

int portal_file_receipt(portal_req_t *req)
{
    int rc;
    pt_row_t *row = portal_readable_file(req, &rc);
    unsigned char *der;
    apr_size_t len;

    if (!row) {
        return rc;
    }
    if (pt_b64url_decode(req->r->pool, pt_row_get(row, "receipt"), &der,
                         &len) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "The file's receipt is damaged.");
    }
    ap_set_content_type(req->r, "application/timestamp-reply");
    apr_table_setn(req->r->headers_out, "Content-Disposition",
                   pt_content_disposition(req->r->pool, "attachment",
                                          apr_pstrcat(req->r->pool,
                                          pt_row_get(row, "name"), ".tsr",
                                          NULL)));
    ap_set_content_length(req->r, (apr_off_t)len);
    if (!req->r->header_only) {
        ap_rwrite(der, (int)len, req->r);
    }
    return OK;
}
