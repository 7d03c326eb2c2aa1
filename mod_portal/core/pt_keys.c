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

apr_status_t pt_key_load_or_create(apr_pool_t *p, const char *path,
                                   apr_size_t n, unsigned char **key,
                                   int *created, pt_err_t *err)
{
    apr_finfo_t fi;
    apr_file_t *f;
    const char *tmp;
    unsigned char *buf;
    apr_size_t written;
    apr_status_t rv;
    char ebuf[120];

    *created = 0;
    if (apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS) {
        return key_read(p, path, n, key, err);
    }
    buf = apr_palloc(p, n);
    rv = pt_random_bytes(buf, n);
    if (rv != APR_SUCCESS) {
        return pt_err_set(err, p, path, 0, "no random bytes for a new key");
    }
    tmp = apr_psprintf(p, "%s.tmp.%ld", path, (long)getpid());
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, tmp, 0, "cannot create: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    rv = apr_file_write_full(f, buf, n, &written);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        pt_err_set(err, p, tmp, 0, "cannot write: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    /* link() fails if another process got there first: then theirs wins */
    if (link(tmp, path) != 0) {
        int e = errno;

        apr_file_remove(tmp, p);
        if (e == EEXIST) {
            return key_read(p, path, n, key, err);
        }
        return pt_err_set(err, p, path, 0, "cannot create: %s",
                          strerror(e));
    }
    apr_file_remove(tmp, p);
    *key = buf;
    *created = 1;
    return APR_SUCCESS;
}
