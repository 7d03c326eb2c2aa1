/*
 * pt_store_local.c -- the object store in a local directory (see
 * pt_store.h).
 *
 * Layout: DIR/ab/KEY for committed objects (ab: the key's first two
 * characters, so no directory grows past a few thousand entries at a
 * million files), DIR/tmp/KEY.RANDOM.part while an object is written.
 * Commit is fsync(file), rename into place, fsync(directory): after a
 * crash an object is either complete under its key or a .part file that
 * pt_store_sweep() removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "pt_store.h"
#include "pt_crypto.h"

#define LOCAL_READ_CHUNK (128 * 1024)

typedef struct local_t {
    const char *dir;
    const char *tmpdir;
} local_t;

typedef struct local_writer_t {
    local_t *l;
    apr_pool_t *p;
    apr_file_t *f;
    const char *tmp;
    const char *dst_dir;
    const char *dst;
} local_writer_t;

static apr_status_t os_err(pt_err_t *err, apr_pool_t *p, const char *path,
                           const char *what, apr_status_t rv)
{
    char buf[120];

    pt_err_set(err, p, path, 0, "%s: %s", what,
               apr_strerror(rv, buf, sizeof(buf)));
    return rv;
}

/* Keys are made by the portal (UUIDs); anything else is refused so that a
 * key can never name a path outside the store. */
static int key_ok(const char *key)
{
    apr_size_t n = strlen(key), i;

    if (n < 2 || n > 128) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        char c = key[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

static const char *obj_dir(apr_pool_t *p, local_t *l, const char *key)
{
    return apr_pstrcat(p, l->dir, "/", apr_pstrmemdup(p, key, 2), NULL);
}

/* fsync a directory so that a rename in it survives a crash. */
static apr_status_t sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    int rc;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    rc = fsync(fd);
    close(fd);
    return rc == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
}

static apr_status_t local_write_open(pt_store_t *st, apr_pool_t *p,
                                     const char *key, void **wctx,
                                     pt_err_t *err)
{
    local_t *l = st->ctx;
    local_writer_t *w;
    const char *rnd;
    apr_status_t rv;

    if (!key_ok(key)) {
        return pt_err_set(err, p, key, 0, "not a valid object key");
    }
    rv = pt_token_new(p, &rnd);
    if (rv != APR_SUCCESS) {
        return pt_err_set(err, p, NULL, 0, "no random bytes");
    }
    w = apr_pcalloc(p, sizeof(*w));
    w->l = l;
    w->p = p;
    w->tmp = apr_pstrcat(p, l->tmpdir, "/", key, ".",
                         apr_pstrmemdup(p, rnd, 12), ".part", NULL);
    w->dst_dir = obj_dir(p, l, key);
    w->dst = apr_pstrcat(p, w->dst_dir, "/", key, NULL);
    rv = apr_file_open(&w->f, w->tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv != APR_SUCCESS) {
        return os_err(err, p, w->tmp, "cannot create", rv);
    }
    *wctx = w;
    return APR_SUCCESS;
}

static apr_status_t local_write(void *wctx, const char *data, apr_size_t len,
                                pt_err_t *err)
{
    local_writer_t *w = wctx;
    apr_size_t written;
    apr_status_t rv = apr_file_write_full(w->f, data, len, &written);

    if (rv != APR_SUCCESS) {
        return os_err(err, w->p, w->tmp, "cannot write", rv);
    }
    return APR_SUCCESS;
}

static apr_status_t local_commit(void *wctx, pt_err_t *err)
{
    local_writer_t *w = wctx;
    apr_status_t rv;

    rv = apr_file_sync(w->f);
    if (rv != APR_SUCCESS) {
        return os_err(err, w->p, w->tmp, "cannot sync", rv);
    }
    rv = apr_file_close(w->f);
    w->f = NULL;
    if (rv != APR_SUCCESS) {
        return os_err(err, w->p, w->tmp, "cannot close", rv);
    }
    rv = apr_dir_make(w->dst_dir, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE, w->p);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        return os_err(err, w->p, w->dst_dir, "cannot create", rv);
    }
    rv = apr_file_rename(w->tmp, w->dst, w->p);
    if (rv != APR_SUCCESS) {
        return os_err(err, w->p, w->dst, "cannot rename into place", rv);
    }
    w->tmp = NULL;
    rv = sync_dir(w->dst_dir);
    if (rv != APR_SUCCESS) {
        return os_err(err, w->p, w->dst_dir, "cannot sync", rv);
    }
    return APR_SUCCESS;
}

static void local_abort(void *wctx)
{
    local_writer_t *w = wctx;

    if (w->f) {
        apr_file_close(w->f);
        w->f = NULL;
    }
    if (w->tmp) {
        apr_file_remove(w->tmp, w->p);
        w->tmp = NULL;
    }
}

static apr_status_t local_read(pt_store_t *st, apr_pool_t *p,
                               const char *key, apr_off_t offset,
                               apr_off_t length, pt_store_sink_fn sink,
                               void *baton, pt_err_t *err)
{
    local_t *l = st->ctx;
    const char *path;
    apr_file_t *f;
    apr_off_t pos = offset;
    char *buf;
    apr_status_t rv;

    if (!key_ok(key)) {
        return pt_err_set(err, p, key, 0, "not a valid object key");
    }
    path = apr_pstrcat(p, obj_dir(p, l, key), "/", key, NULL);
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv != APR_SUCCESS) {
        if (APR_STATUS_IS_ENOENT(rv)) {
            pt_err_set(err, p, key, 0, "no such object");
            return APR_ENOENT;
        }
        return os_err(err, p, path, "cannot open", rv);
    }
    rv = apr_file_seek(f, APR_SET, &pos);
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        return os_err(err, p, path, "cannot seek", rv);
    }
    buf = apr_palloc(p, LOCAL_READ_CHUNK);
    while (length != 0) {
        apr_size_t want = LOCAL_READ_CHUNK, got;

        if (length > 0 && (apr_off_t)want > length) {
            want = (apr_size_t)length;
        }
        got = want;
        rv = apr_file_read(f, buf, &got);
        if (rv == APR_EOF || (rv == APR_SUCCESS && got == 0)) {
            if (length > 0) {
                apr_file_close(f);
                return pt_err_set(err, p, path, 0,
                                  "object is shorter than expected");
            }
            break;
        }
        if (rv != APR_SUCCESS) {
            apr_file_close(f);
            return os_err(err, p, path, "cannot read", rv);
        }
        rv = sink(baton, buf, got);
        if (rv != APR_SUCCESS) {
            apr_file_close(f);
            return rv;
        }
        if (length > 0) {
            length -= (apr_off_t)got;
        }
    }
    apr_file_close(f);
    return APR_SUCCESS;
}

static apr_status_t local_remove(pt_store_t *st, apr_pool_t *p,
                                 const char *key, pt_err_t *err)
{
    local_t *l = st->ctx;
    const char *path;
    apr_status_t rv;

    if (!key_ok(key)) {
        return pt_err_set(err, p, key, 0, "not a valid object key");
    }
    path = apr_pstrcat(p, obj_dir(p, l, key), "/", key, NULL);
    rv = apr_file_remove(path, p);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv)) {
        return os_err(err, p, path, "cannot delete", rv);
    }
    return APR_SUCCESS;
}

static apr_status_t local_sweep(pt_store_t *st, apr_pool_t *p,
                                apr_time_t older_than, int *removed,
                                pt_err_t *err)
{
    local_t *l = st->ctx;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = apr_dir_open(&d, l->tmpdir, p);
    if (rv != APR_SUCCESS) {
        return os_err(err, p, l->tmpdir, "cannot open", rv);
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE
                        | APR_FINFO_MTIME, d) == APR_SUCCESS) {
        apr_size_t n = strlen(fi.name);

        if (fi.filetype != APR_REG || n < 6
            || strcmp(fi.name + n - 5, ".part") || fi.mtime >= older_than) {
            continue;
        }
        if (apr_file_remove(apr_pstrcat(p, l->tmpdir, "/", fi.name, NULL),
                            p) == APR_SUCCESS) {
            ++*removed;
        }
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

static apr_status_t local_list(pt_store_t *st, apr_pool_t *p,
                               pt_store_each_fn each, void *baton,
                               pt_err_t *err)
{
    local_t *l = st->ctx;
    apr_dir_t *top, *sub;
    apr_finfo_t fi, fo;
    apr_status_t rv;

    rv = apr_dir_open(&top, l->dir, p);
    if (rv != APR_SUCCESS) {
        return os_err(err, p, l->dir, "cannot open", rv);
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, top)
           == APR_SUCCESS) {
        const char *path;

        if (fi.filetype != APR_DIR || strlen(fi.name) != 2
            || !strcmp(fi.name, "..")) {
            continue;
        }
        path = apr_pstrcat(p, l->dir, "/", fi.name, NULL);
        if (apr_dir_open(&sub, path, p) != APR_SUCCESS) {
            continue;
        }
        while (apr_dir_read(&fo, APR_FINFO_NAME | APR_FINFO_TYPE
                            | APR_FINFO_MTIME, sub) == APR_SUCCESS) {
            if (fo.filetype != APR_REG || !key_ok(fo.name)) {
                continue;
            }
            rv = each(baton, fo.name, fo.mtime);
            if (rv != APR_SUCCESS) {
                apr_dir_close(sub);
                apr_dir_close(top);
                return rv;
            }
        }
        apr_dir_close(sub);
    }
    apr_dir_close(top);
    return APR_SUCCESS;
}

static const pt_store_ops_t local_ops = {
    "local",
    local_write_open, local_write, local_commit, local_abort,
    local_read, local_remove, local_sweep, local_list
};

apr_status_t pt_store_local_create(apr_pool_t *p, const char *dir,
                                   pt_store_t **stp, pt_err_t *err)
{
    local_t *l = apr_pcalloc(p, sizeof(*l));
    pt_store_t *st = apr_pcalloc(p, sizeof(*st));
    apr_status_t rv;

    l->dir = apr_pstrdup(p, dir);
    l->tmpdir = apr_pstrcat(p, dir, "/tmp", NULL);
    rv = apr_dir_make_recursive(l->tmpdir, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                | APR_FPROT_UEXECUTE, p);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        return os_err(err, p, l->tmpdir, "cannot create", rv);
    }
    st->ops = &local_ops;
    st->ctx = l;
    *stp = st;
    return APR_SUCCESS;
}
