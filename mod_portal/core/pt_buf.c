/*
 * pt_buf.c -- bounded growable buffer (see pt_buf.h).
 */
#include <string.h>

#include "pt_buf.h"

void pt_buf_init(pt_buf_t *b, apr_pool_t *p, apr_size_t initial,
                 apr_size_t max)
{
    if (initial < 16) {
        initial = 16;
    }
    b->pool = p;
    b->data = apr_palloc(p, initial);
    b->data[0] = '\0';
    b->len = 0;
    b->cap = initial;
    b->max = max;
}

apr_status_t pt_buf_append(pt_buf_t *b, const char *s, apr_size_t n)
{
    if (n > b->max - b->len) {
        return APR_ENOSPC;
    }
    if (b->len + n + 1 > b->cap) {
        apr_size_t cap = b->cap * 2;
        char *data;

        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        data = apr_palloc(b->pool, cap);
        memcpy(data, b->data, b->len);
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return APR_SUCCESS;
}

apr_status_t pt_buf_puts(pt_buf_t *b, const char *s)
{
    return pt_buf_append(b, s, strlen(s));
}

apr_status_t pt_buf_putc(pt_buf_t *b, char c)
{
    return pt_buf_append(b, &c, 1);
}
