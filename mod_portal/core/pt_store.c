/*
 * pt_store.c -- the backend-independent half of the object store (see
 * pt_store.h): writers that abort themselves when their pool goes away
 * uncommitted, and dispatch to the backend's operations.
 */
#include "pt_store.h"

struct pt_store_writer_t {
    pt_store_t *st;
    void *wctx;
    int done;                   /* committed, aborted or failed to open */
};

static apr_status_t writer_cleanup(void *data)
{
    pt_store_writer_t *w = data;

    if (!w->done) {
        w->done = 1;
        w->st->ops->abort(w->wctx);
    }
    return APR_SUCCESS;
}

apr_status_t pt_store_write_open(pt_store_t *st, apr_pool_t *p,
                                 const char *key, pt_store_writer_t **wp,
                                 pt_err_t *err)
{
    pt_store_writer_t *w = apr_pcalloc(p, sizeof(*w));
    apr_status_t rv;

    w->st = st;
    rv = st->ops->write_open(st, p, key, &w->wctx, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* registered after the backend's own cleanups, so it runs first */
    apr_pool_cleanup_register(p, w, writer_cleanup, apr_pool_cleanup_null);
    *wp = w;
    return APR_SUCCESS;
}

apr_status_t pt_store_write(pt_store_writer_t *w, const char *data,
                            apr_size_t len, pt_err_t *err)
{
    if (w->done) {
        return APR_EINVAL;
    }
    return w->st->ops->write(w->wctx, data, len, err);
}

apr_status_t pt_store_write_commit(pt_store_writer_t *w, pt_err_t *err)
{
    apr_status_t rv;

    if (w->done) {
        return APR_EINVAL;
    }
    rv = w->st->ops->commit(w->wctx, err);
    if (rv != APR_SUCCESS) {
        /* the backend cleans up what a failed commit left */
        w->st->ops->abort(w->wctx);
    }
    w->done = 1;
    return rv;
}

void pt_store_write_abort(pt_store_writer_t *w)
{
    if (w && !w->done) {
        w->done = 1;
        w->st->ops->abort(w->wctx);
    }
}

apr_status_t pt_store_read(pt_store_t *st, apr_pool_t *p, const char *key,
                           apr_off_t offset, apr_off_t length,
                           pt_store_sink_fn sink, void *baton,
                           pt_err_t *err)
{
    return st->ops->read(st, p, key, offset, length, sink, baton, err);
}

apr_status_t pt_store_remove(pt_store_t *st, apr_pool_t *p,
                             const char *key, pt_err_t *err)
{
    return st->ops->remove(st, p, key, err);
}

apr_status_t pt_store_sweep(pt_store_t *st, apr_pool_t *p,
                            apr_time_t older_than, int *removed,
                            pt_err_t *err)
{
    *removed = 0;
    return st->ops->sweep(st, p, older_than, removed, err);
}

apr_status_t pt_store_list(pt_store_t *st, apr_pool_t *p,
                           pt_store_each_fn each, void *baton,
                           pt_err_t *err)
{
    return st->ops->list(st, p, each, baton, err);
}
