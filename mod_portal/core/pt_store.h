/*
 * pt_store.h -- where encrypted file bodies live: a local directory or an
 * S3-compatible bucket, behind one interface.
 *
 * Objects are named by keys the portal makes (a UUID, never anything a
 * user typed).  Writing is transactional from the caller's point of view:
 * pt_store_write_open() starts an object that nobody can read yet,
 * pt_store_write() streams bytes into it, pt_store_write_commit() makes it
 * durable and visible under its key (local: fsync + rename + fsync of the
 * directory; S3: CompleteMultipartUpload), and pt_store_write_abort()
 * throws everything away (local: unlink the temporary file; S3:
 * AbortMultipartUpload).  A writer that is neither committed nor aborted
 * when its pool is cleared is aborted by the pool cleanup.
 *
 * What a crash leaves behind (temporary files, unfinished multipart
 * uploads) is removed by pt_store_sweep(), which the watchdog runs.
 */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "pt_core.h"

typedef struct pt_store_t pt_store_t;
typedef struct pt_store_writer_t pt_store_writer_t;

/* Receives the bytes of pt_store_read(); anything but APR_SUCCESS stops
 * the read and is returned from it. */
typedef apr_status_t (*pt_store_sink_fn)(void *baton, const char *data,
                                         apr_size_t len);

/* Called by pt_store_list() for each committed object. */
typedef apr_status_t (*pt_store_each_fn)(void *baton, const char *key,
                                         apr_time_t mtime);

/* The backend's operations (pt_store_local.c, pt_store_s3.c). */
typedef struct pt_store_ops_t {
    const char *name;           /* "local", "s3" */
    apr_status_t (*write_open)(pt_store_t *st, apr_pool_t *p,
                               const char *key, void **wctx, pt_err_t *err);
    apr_status_t (*write)(void *wctx, const char *data, apr_size_t len,
                          pt_err_t *err);
    apr_status_t (*commit)(void *wctx, pt_err_t *err);
    void (*abort)(void *wctx);
    apr_status_t (*read)(pt_store_t *st, apr_pool_t *p, const char *key,
                         apr_off_t offset, apr_off_t length,
                         pt_store_sink_fn sink, void *baton, pt_err_t *err);
    apr_status_t (*remove)(pt_store_t *st, apr_pool_t *p, const char *key,
                           pt_err_t *err);
    apr_status_t (*sweep)(pt_store_t *st, apr_pool_t *p,
                          apr_time_t older_than, int *removed,
                          pt_err_t *err);
    apr_status_t (*list)(pt_store_t *st, apr_pool_t *p,
                         pt_store_each_fn each, void *baton, pt_err_t *err);
} pt_store_ops_t;

struct pt_store_t {
    const pt_store_ops_t *ops;
    void *ctx;                  /* the backend's own state */
};

/* A store in directory dir (created when missing, mode 0700): committed
 * objects in dir/ab/KEY (ab = the key's first two characters), writes in
 * progress in dir/tmp/KEY.RANDOM.part. */
apr_status_t pt_store_local_create(apr_pool_t *p, const char *dir,
                                   pt_store_t **st, pt_err_t *err);

/* S3 settings (pt_store_s3.c). */
typedef struct pt_s3_conf_t {
    const char *endpoint;       /* "https://s3.eu-west-1.amazonaws.com" */
    const char *region;         /* "eu-west-1" */
    const char *bucket;
    const char *access_key;
    const char *secret_key;
    const char *prefix;         /* prepended to every key; may be "" */
    apr_size_t part_size;       /* multipart part size, >= 5 MiB */
    long timeout;               /* seconds, per request */
    const char *ca_file;        /* NULL: the system's CAs */
} pt_s3_conf_t;

apr_status_t pt_store_s3_create(apr_pool_t *p, const pt_s3_conf_t *conf,
                                pt_store_t **st, pt_err_t *err);

/* Start writing object key; the writer lives in p. */
apr_status_t pt_store_write_open(pt_store_t *st, apr_pool_t *p,
                                 const char *key, pt_store_writer_t **w,
                                 pt_err_t *err);
apr_status_t pt_store_write(pt_store_writer_t *w, const char *data,
                            apr_size_t len, pt_err_t *err);
apr_status_t pt_store_write_commit(pt_store_writer_t *w, pt_err_t *err);
void pt_store_write_abort(pt_store_writer_t *w);

/* Stream length bytes (-1: to the end) of object key from offset to sink.
 * APR_ENOENT when there is no such object. */
apr_status_t pt_store_read(pt_store_t *st, apr_pool_t *p, const char *key,
                           apr_off_t offset, apr_off_t length,
                           pt_store_sink_fn sink, void *baton,
                           pt_err_t *err);

/* Delete object key; deleting a missing object is not an error. */
apr_status_t pt_store_remove(pt_store_t *st, apr_pool_t *p,
                             const char *key, pt_err_t *err);

/* Remove writes in progress that were started before older_than (left by
 * a crash); *removed counts them.  APR_ENOTIMPL when the backend cannot
 * list them (some S3 servers: use a bucket lifecycle rule there). */
apr_status_t pt_store_sweep(pt_store_t *st, apr_pool_t *p,
                            apr_time_t older_than, int *removed,
                            pt_err_t *err);

/* Call each for every committed object (order unspecified). */
apr_status_t pt_store_list(pt_store_t *st, apr_pool_t *p,
                           pt_store_each_fn each, void *baton,
                           pt_err_t *err);

#endif /* PT_STORE_H */
