/*
 * pt_buf.h -- a growable byte buffer from an APR pool, with a maximum.
 *
 * Every growable buffer in the portal has a bound (curl's rule): appending
 * past `max` fails with APR_ENOSPC and leaves the buffer as it was.  The
 * contents are always NUL-terminated so they can be used as a C string.
 */
#ifndef PT_BUF_H
#define PT_BUF_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct pt_buf_t {
    apr_pool_t *pool;
    char *data;         /* NUL-terminated, len bytes of content */
    apr_size_t len;
    apr_size_t cap;     /* bytes allocated, including the NUL */
    apr_size_t max;     /* largest len allowed */
} pt_buf_t;

void pt_buf_init(pt_buf_t *b, apr_pool_t *p, apr_size_t initial,
                 apr_size_t max);
apr_status_t pt_buf_append(pt_buf_t *b, const char *s, apr_size_t n);
apr_status_t pt_buf_puts(pt_buf_t *b, const char *s);
apr_status_t pt_buf_putc(pt_buf_t *b, char c);

#endif /* PT_BUF_H */
