/*
 * portal_download.c -- sending a stored file: /files/<id>/download for
 * its owner, the signed links of portal_links.c, and the file's RFC 3161
 * receipt (/files/<id>/receipt.tsr).
 *
 * The body is decrypted segment by segment straight into the output
 * filters (flat memory), after each segment's tag was checked.  ETag is
 * the SHA-256 of the plaintext (a strong validator); one byte range is
 * served as 206, several ranges get the whole file (RFC 9110 lets a server
 * ignore Range), an unsatisfiable one 416.
 */
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_buckets.h"

#include "portal.h"
#include "pt_crypto.h"
#include "pt_filecrypt.h"
#include "pt_filename.h"
#include "pt_vault.h"

APLOG_USE_MODULE(portal);

const unsigned char *portal_file_key(const portal_srv_t *c, apr_pool_t *p,
                                     const char *uuid, const char *wrapped,
                                     const char **why)
{
    const portal_files_conf_t *fc = &c->files;
    const char *kid = pt_fc_wrapped_kid(p, wrapped);
    const unsigned char *master = kid ? apr_hash_get(fc->keys, kid,
                                                     APR_HASH_KEY_STRING)
                                      : NULL;
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

/* "bytes=a-b" with one range over size bytes: 1 and *off, *len set; 0 when
 * the header is to be ignored (absent, several ranges, not bytes); -1 when
 * it is unsatisfiable. */
static int parse_range(const char *h, apr_off_t size, apr_off_t *off,
                       apr_off_t *len)
{
    const char *dash;
    char *end;
    apr_off_t a, b;

    if (!h || strncasecmp(h, "bytes=", 6) || strchr(h, ',')) {
        return 0;
    }
    h += 6;
    while (*h == ' ') {
        h++;
    }
    dash = strchr(h, '-');
    if (!dash) {
        return 0;
    }
    if (dash == h) {                        /* bytes=-N: the last N */
        if (apr_strtoff(&b, dash + 1, &end, 10) != APR_SUCCESS || *end
            || b < 0 || !apr_isdigit(dash[1])) {
            return 0;
        }
        if (b == 0 || size == 0) {
            return -1;
        }
        *off = b >= size ? 0 : size - b;
        *len = size - *off;
        return 1;
    }
    if (!apr_isdigit(*h) || apr_strtoff(&a, h, &end, 10) != APR_SUCCESS
        || end != dash || a < 0) {
        return 0;
    }
    if (dash[1] == '\0') {
        b = size - 1;
    }
    else if (!apr_isdigit(dash[1])
             || apr_strtoff(&b, dash + 1, &end, 10) != APR_SUCCESS || *end) {
        return 0;
    }
    if (a >= size) {
        return -1;
    }
    if (b < a) {
        return 0;                           /* invalid: ignore (RFC 9110) */
    }
    if (b >= size) {
        b = size - 1;
    }
    *off = a;
    *len = b - a + 1;
    return 1;
}

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

int portal_send_file(portal_req_t *req, const pt_row_t *row, int *complete)
{
    request_rec *r = req->r;
    apr_off_t size = pt_row_int(row, "size"), off = 0, len = size;
    const char *etag = apr_pstrcat(r->pool, "\"", pt_row_get(row, "sha256"),
                                   "\"", NULL);
    const char *uuid = pt_row_get(row, "uuid");
    const char *inm = apr_table_get(r->headers_in, "If-None-Match");
    const char *ifr = apr_table_get(r->headers_in, "If-Range");
    const unsigned char *dk;
    const char *why = NULL;
    send_t s;
    pt_err_t err = { 0 };
    int partial = 0;
    apr_status_t rv;

    *complete = 0;
    apr_table_setn(r->headers_out, "ETag", etag);
    apr_table_setn(r->headers_out, "Accept-Ranges", "bytes");
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    apr_table_setn(r->headers_out, "Content-Disposition",
                   pt_content_disposition(r->pool, "attachment",
                                          pt_row_get(row, "name")));
    ap_set_content_type(r, pt_row_get(row, "content_type"));
    if (inm && (!strcmp(inm, "*") || ap_strstr_c(inm, etag))) {
        return HTTP_NOT_MODIFIED;
    }
    if (!ifr || !strcmp(ifr, etag)) {
        partial = parse_range(apr_table_get(r->headers_in, "Range"), size,
                              &off, &len);
    }
    if (partial < 0) {
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
    if (partial) {
        r->status = HTTP_PARTIAL_CONTENT;
        apr_table_setn(r->headers_out, "Content-Range", apr_psprintf(
                       r->pool, "bytes %" APR_OFF_T_FMT "-%" APR_OFF_T_FMT
                       "/%" APR_OFF_T_FMT, off, off + len - 1, size));
    }
    ap_set_content_length(r, len);
    if (r->header_only || len == 0) {
        *complete = !partial && !r->header_only;
        return OK;
    }
    s.r = r;
    s.bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    s.sent = 0;
    rv = pt_vault_get(r->pool, req->conf->files.store,
                      pt_row_get(row, "storage_key"), dk, size, off, len,
                      send_sink, &s, &err);
    if (rv != APR_SUCCESS) {
        if (s.sent == 0 && !r->connection->aborted) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0332)
                          "file %s cannot be read: %s", uuid,
                          pt_err_str(&err, r->pool));
            r->status = HTTP_OK;
            apr_table_unset(r->headers_out, "Content-Range");
            apr_table_unset(r->headers_out, "Content-Length");
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
    *complete = rv == APR_SUCCESS && !r->connection->aborted && !partial
                && s.sent == size;
    return OK;
}

int portal_file_download(portal_req_t *req)
{
    int rc, complete;
    pt_row_t *row = portal_readable_file(req, &rc);

    if (!row) {
        return rc;
    }
    return portal_send_file(req, row, &complete);
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
