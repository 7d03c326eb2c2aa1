/*
 * pt_csvout.c -- RFC 4180 records into a bounded buffer or a file (see
 * pt_csvout.h).
 */
#include <string.h>

#include "pt_csvout.h"

#define FLUSH_AT ((apr_size_t)64 * 1024)

struct pt_csvw_t {
    apr_file_t *file;
    unsigned int flags;
    pt_buf_t buf;
    apr_int64_t count;
};

/* 1 when a field must be quoted. */
static int needs_quotes(const char *s, apr_size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t') {
        return 1;
    }
    return strpbrk(s, ",\"\r\n") != NULL;
}

/* 1 when a spreadsheet would take the field for a formula. */
static int formula_like(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'
           || s[0] == '\t' || s[0] == '\r';
}

static apr_status_t put_field(pt_buf_t *b, const char *s, unsigned int flags)
{
    apr_size_t n = strlen(s);
    apr_status_t rv = APR_SUCCESS;
    const char *q;

    if ((flags & PT_CSV_FORMULA_GUARD) && n > 0 && formula_like(s)) {
        /* quoted, since the field may also hold what needs quotes */
        rv = pt_buf_append(b, "\"'", 2);
    }
    else if (!needs_quotes(s, n)) {
        return pt_buf_append(b, s, n);
    }
    else {
        rv = pt_buf_putc(b, '"');
    }
    while (rv == APR_SUCCESS && (q = strchr(s, '"')) != NULL) {
        rv = pt_buf_append(b, s, (apr_size_t)(q - s) + 1);
        if (rv == APR_SUCCESS) {
            rv = pt_buf_putc(b, '"');
        }
        s = q + 1;
    }
    if (rv == APR_SUCCESS) {
        rv = pt_buf_puts(b, s);
    }
    if (rv == APR_SUCCESS) {
        rv = pt_buf_putc(b, '"');
    }
    return rv;
}

apr_status_t pt_csv_row(pt_buf_t *b, const char *const *fields, int n,
                        unsigned int flags)
{
    apr_size_t start = b->len;
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (n == 1 && (!fields[0] || !*fields[0])) {
        /* one empty field: an empty line would be no record at all */
        rv = pt_buf_append(b, "\"\"", 2);
    }
    else {
        for (i = 0; i < n && rv == APR_SUCCESS; i++) {
            if (i > 0) {
                rv = pt_buf_putc(b, ',');
            }
            if (rv == APR_SUCCESS) {
                rv = put_field(b, fields[i] ? fields[i] : "", flags);
            }
        }
    }
    if (rv == APR_SUCCESS) {
        rv = pt_buf_append(b, "\r\n", 2);
    }
    if (rv != APR_SUCCESS) {
        b->len = start;         /* no half record */
        if (b->data) {
            b->data[start] = '\0';
        }
    }
    return rv;
}

pt_csvw_t *pt_csvw_make(apr_pool_t *p, apr_file_t *f, unsigned int flags)
{
    pt_csvw_t *w = apr_pcalloc(p, sizeof(*w));

    w->file = f;
    w->flags = flags;
    pt_buf_init(&w->buf, p, FLUSH_AT + 4096,
                FLUSH_AT + PT_CSVW_MAX_RECORD);
    return w;
}

apr_status_t pt_csvw_flush(pt_csvw_t *w)
{
    apr_status_t rv;

    if (w->buf.len == 0) {
        return APR_SUCCESS;
    }
    rv = apr_file_write_full(w->file, w->buf.data, w->buf.len, NULL);
    w->buf.len = 0;
    w->buf.data[0] = '\0';
    return rv;
}

apr_status_t pt_csvw_row(pt_csvw_t *w, const char *const *fields, int n)
{
    apr_status_t rv = pt_csv_row(&w->buf, fields, n, w->flags);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    w->count++;
    if (w->buf.len >= FLUSH_AT) {
        return pt_csvw_flush(w);
    }
    return APR_SUCCESS;
}

apr_int64_t pt_csvw_count(const pt_csvw_t *w)
{
    return w->count;
}
