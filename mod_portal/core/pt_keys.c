/*
 * pt_keys.c -- key files in the data folder (see pt_keys.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "pt_keys.h"
#include "pt_crypto.h"
#include "pt_sql.h"

static apr_status_t key_read(apr_pool_t *p, const char *path, apr_size_t n,
                             unsigned char **key, pt_err_t *err)
{
    char *buf;
    apr_size_t len;
    apr_status_t rv = pt_file_read(p, path, &buf, &len, 4096, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (len != n) {
        return pt_err_set(err, p, path, 0, "key file has %" APR_SIZE_T_FMT
                          " bytes, expected %" APR_SIZE_T_FMT
                          " (restore it from a backup)", len, n);
    }
    *key = (unsigned char *)buf;
    return APR_SUCCESS;
}

apr_status_t pt_file_publish(apr_pool_t *p, const char *dir,
                             const char *path, const void *data,
                             apr_size_t len, apr_fileperms_t perms, int *won,
                             pt_err_t *err)
{
    unsigned char rnd[6];
    const char *tmp;
    apr_file_t *f;
    apr_size_t written;
    apr_status_t rv, rv2;
    char ebuf[120];

    *won = 0;
    if (pt_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        return pt_err_set(err, p, path, 0,
                          "no random bytes for a temporary name");
    }
    tmp = apr_psprintf(p, "%s.tmp.%ld.%s", path, (long)getpid(),
                       pt_hex_encode(p, rnd, sizeof(rnd)));
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BINARY, perms, p);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, tmp, 0, "cannot create: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    rv = apr_file_write_full(f, data, len, &written);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    rv2 = apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = rv2;
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_perms_set(tmp, perms);
        if (APR_STATUS_IS_ENOTIMPL(rv)) {
            rv = APR_SUCCESS;
        }
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        pt_err_set(err, p, tmp, 0, "cannot write: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    if (link(tmp, path) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
        apr_file_remove(tmp, p);
        if (APR_STATUS_IS_EEXIST(rv)) {
            return APR_SUCCESS;
        }
        pt_err_set(err, p, path, 0, "cannot create: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    apr_file_remove(tmp, p);
    /* make the new name durable too; nothing to do if this fails */
    if (apr_file_open(&f, dir, APR_FOPEN_READ, APR_OS_DEFAULT, p)
        == APR_SUCCESS) {
        apr_file_sync(f);
        apr_file_close(f);
    }
    *won = 1;
    return APR_SUCCESS;
}

apr_status_t pt_key_load_or_create(apr_pool_t *p, const char *path,
                                   apr_size_t n, unsigned char **key,
                                   int *created, pt_err_t *err)
{
    apr_finfo_t fi;
    unsigned char *buf;
    const char *slash = strrchr(path, '/');
    apr_status_t rv;
    int won;

    *created = 0;
    if (apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS) {
        return key_read(p, path, n, key, err);
    }
    buf = apr_palloc(p, n);
    rv = pt_random_bytes(buf, n);
    if (rv != APR_SUCCESS) {
        return pt_err_set(err, p, path, 0, "no random bytes for a new key");
    }
    rv = pt_file_publish(p, slash ? apr_pstrmemdup(p, path, (apr_size_t)
                                                   (slash - path + 1)) : ".",
                         path, buf, n, APR_FPROT_UREAD | APR_FPROT_UWRITE,
                         &won, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!won) {
        return key_read(p, path, n, key, err);   /* another process's */
    }
    *key = buf;
    *created = 1;
    return APR_SUCCESS;
}
