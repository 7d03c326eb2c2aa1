/*
 * iocs_export.c -- /iocs/export: the indicators of the current filter as
 * CSV, JSON or STIX 2.1, streamed in keyset chunks (memory stays flat
 * whatever the number of rows), at most PortalIocExportMax at once
 * (model/exports.c).
 */
#include "apr_strings.h"
#include "apr_buckets.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_ioc.h"
#include "pt_export.h"

APLOG_USE_MODULE(portal);

#define IOC_EXPORT_CHUNK 2000

typedef struct out_t {
    request_rec *r;
    apr_bucket_brigade *bb;
} out_t;

static apr_status_t out_sink(void *baton, const char *data, apr_size_t len)
{
    out_t *o = baton;

    if (o->r->connection->aborted) {
        return APR_ECONNABORTED;
    }
    return apr_brigade_write(o->bb, ap_filter_flush, o->r->output_filters,
                             data, len);
}

static void row_ioc(const pt_row_t *r, pt_ioc_t *ioc)
{
    memset(ioc, 0, sizeof(*ioc));
    ioc->type = pt_row_get(r, "type");
    ioc->value = pt_row_get(r, "value");
    ioc->source = pt_row_get(r, "source");
    ioc->threat = pt_row_get(r, "threat");
    ioc->malware = pt_row_get(r, "malware");
    ioc->tags = pt_row_get(r, "tags");
    ioc->confidence = pt_row_get(r, "confidence")
                      ? (int)pt_row_int(r, "confidence") : -1;
    ioc->first_seen = pt_row_int(r, "first_seen");
    ioc->last_seen = pt_row_int(r, "last_seen");
    ioc->reference = pt_row_get(r, "reference");
}

int portal_iocs_export_get(portal_req_t *req)
{
    request_rec *r = req->r;
    pt_db_t *db = portal_db_get(req);
    const char *format = portal_ioc_param(req, "format"), *bad, *label;
    const char *cur_first = PORTAL_IOC_TIME_MAX, *cur_id = PORTAL_IOC_TIME_MAX;
    portal_ioc_filter_t f;
    pt_export_t *ex;
    pt_err_t err = { 0 };
    out_t o;
    apr_pool_t *chunk;
    apr_status_t rv;
    int done = 0, rc;

    if (!db) {
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The portal's "
                            "database is not available right now.");
    }
    if (!format || (strcmp(format, "csv") && strcmp(format, "json")
                    && strcmp(format, "stix"))) {
        return portal_error(req, HTTP_BAD_REQUEST, "Choose format=csv, "
                            "json or stix.");
    }
    bad = portal_ioc_filter_read(req, db, &f);
    if (bad) {
        return portal_error(req, HTTP_BAD_REQUEST, bad);
    }
    if (!r->header_only && !portal_export_begin(req, &rc)) {
        return rc;
    }
    ap_set_content_type(r, pt_export_content_type(format));
    apr_table_setn(r->headers_out, "Content-Disposition", apr_pstrcat(
                   r->pool, "attachment; filename=\"iocs.",
                   pt_export_extension(format), "\"", NULL));
    if (r->header_only) {
        return OK;
    }
    o.r = r;
    o.bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if (pt_export_begin(r->pool, format, apr_time_sec(apr_time_now()),
                        out_sink, &o, &ex, &err) != APR_SUCCESS) {
        return portal_error(req, HTTP_INTERNAL_SERVER_ERROR,
                            "The export could not start.");
    }
    label = apr_pstrcat(r->pool, "ioc_list", f.suffix, NULL);
    apr_pool_create(&chunk, r->pool);
    /* keyset chunks: memory stays flat whatever the number of rows */
    while (!done) {
        const char *extra[5];
        const char **a;
        apr_array_header_t *rows;
        int n, i;

        extra[0] = extra[1] = cur_first;
        extra[2] = cur_id;
        extra[3] = pt_i64(chunk, IOC_EXPORT_CHUNK);
        extra[4] = "0";
        a = portal_ioc_filter_args(chunk, &f, &n, extra, 5);
        db->pool = chunk;
        rv = pt_db_select(db, label, &rows, a, n);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(0720)
                          "export: %s", db->errmsg ? db->errmsg : "failed");
            db->pool = r->pool;
            r->connection->keepalive = AP_CONN_CLOSE;
            return OK;
        }
        for (i = 0; i < rows->nelts; i++) {
            pt_ioc_t ioc;

            row_ioc(APR_ARRAY_IDX(rows, i, pt_row_t *), &ioc);
            if (pt_export_row(ex, &ioc) != APR_SUCCESS) {
                db->pool = r->pool;
                r->connection->keepalive = AP_CONN_CLOSE;
                return OK;
            }
        }
        done = rows->nelts < IOC_EXPORT_CHUNK;
        if (!done) {
            pt_row_t *last = APR_ARRAY_IDX(rows, rows->nelts - 1, pt_row_t *);

            cur_first = apr_pstrdup(r->pool, pt_row_get(last, "first_seen"));
            cur_id = apr_pstrdup(r->pool, pt_row_get(last, "id"));
        }
        apr_pool_clear(chunk);
    }
    db->pool = r->pool;
    if (pt_export_end(ex) != APR_SUCCESS) {
        r->connection->keepalive = AP_CONN_CLOSE;
        return OK;
    }
    APR_BRIGADE_INSERT_TAIL(o.bb, apr_bucket_eos_create(
                            o.bb->bucket_alloc));
    ap_pass_brigade(r->output_filters, o.bb);
    return OK;
}
