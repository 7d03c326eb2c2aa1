/*
 * fuzz_usercsv.c -- libFuzzer target for the users.csv reader
 * (pt_usercsv) with the import's row checks (pt_ucheck, strength floor 0)
 * and the CSV writer (pt_csvout).
 *
 * An admin uploads the file on /admin/import, so every byte is the
 * attacker's.  The first input byte is the chunk size the rest is fed in
 * (0: at once).  Promises checked (abort on a broken one):
 *  - the same rows, fields and outcome whatever the chunk size;
 *  - rows come in increasing line order, with 1 to PT_USERCSV_MAX_COLUMNS
 *    fields, none NULL;
 *  - writing the header and every row back with pt_csv_row and reading
 *    that again gives the same header and fields (quoting round-trips).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pt_csvout.h"
#include "pt_usercsv.h"

static int initialized;

typedef struct seen_t {
    apr_pool_t *p;
    pt_ucheck_t *chk;
    apr_array_header_t *rows;       /* pt_user_row_t * */
    apr_int64_t last_line;
} seen_t;

static apr_status_t on_row(void *baton, pt_user_row_t *row)
{
    seen_t *s = baton;
    int i;

    if (row->line <= s->last_line || row->nfields < 1
        || row->nfields > PT_USERCSV_MAX_COLUMNS) {
        abort();
    }
    for (i = 0; i < row->nfields; i++) {
        if (!row->fields[i]) {
            abort();
        }
    }
    s->last_line = row->line;
    if (s->chk) {
        pt_ucheck_row(s->chk, s->p, row);
    }
    APR_ARRAY_PUSH(s->rows, pt_user_row_t *) = pt_user_row_copy(s->p, row);
    return APR_SUCCESS;
}

static apr_status_t parse(apr_pool_t *p, const char *data, size_t size,
                          size_t step, int check, seen_t **out,
                          pt_usercsv_t **reader)
{
    seen_t *s = apr_pcalloc(p, sizeof(*s));
    pt_usercsv_t *r;
    pt_err_t err = { 0 };
    apr_status_t rv = APR_SUCCESS;
    size_t off = 0;

    s->p = p;
    s->chk = check ? pt_ucheck_make(p, 0) : NULL;
    s->rows = apr_array_make(p, 8, sizeof(pt_user_row_t *));
    r = pt_usercsv_make(p, on_row, s);
    if (!r) {
        abort();
    }
    if (step == 0) {
        step = size ? size : 1;
    }
    while (off < size && rv == APR_SUCCESS) {
        size_t n = size - off < step ? size - off : step;

        rv = pt_usercsv_feed(r, data + off, n, &err);
        off += n;
    }
    if (rv == APR_SUCCESS) {
        rv = pt_usercsv_finish(r, &err);
    }
    *out = s;
    *reader = r;
    return rv;
}

static int same_rows(const seen_t *a, const seen_t *b)
{
    int i, k;

    if (a->rows->nelts != b->rows->nelts) {
        return 0;
    }
    for (i = 0; i < a->rows->nelts; i++) {
        const pt_user_row_t *x = APR_ARRAY_IDX(a->rows, i, pt_user_row_t *);
        const pt_user_row_t *y = APR_ARRAY_IDX(b->rows, i, pt_user_row_t *);

        if (x->nfields != y->nfields) {
            return 0;
        }
        for (k = 0; k < x->nfields; k++) {
            if (strcmp(x->fields[k], y->fields[k])) {
                return 0;
            }
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    seen_t *whole, *chunked, *again;
    pt_usercsv_t *r, *r2;
    const char *const *cols;
    apr_status_t rv1, rv2;
    size_t step;
    int n, i;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (size < 1) {
        return 0;
    }
    step = data[0];
    data++;
    size--;
    apr_pool_create(&p, NULL);
    rv1 = parse(p, (const char *)data, size, 0, 1, &whole, &r);
    rv2 = parse(p, (const char *)data, size, step, 0, &chunked, &r2);
    if (rv1 != rv2 || !same_rows(whole, chunked)) {
        abort();
    }
    cols = pt_usercsv_columns(r, &n);
    if (cols) {
        pt_buf_t b;

        /* a BOM of our own: a header name that starts with one keeps it */
        pt_buf_init(&b, p, 1024, 64 * 1024 * 1024);
        pt_buf_append(&b, "\xEF\xBB\xBF", 3);
        if (pt_csv_row(&b, cols, n, 0) != APR_SUCCESS) {
            abort();
        }
        for (i = 0; i < whole->rows->nelts; i++) {
            const pt_user_row_t *u = APR_ARRAY_IDX(whole->rows, i,
                                                   pt_user_row_t *);

            if (pt_csv_row(&b, (const char *const *)u->fields, u->nfields, 0)
                != APR_SUCCESS) {
                abort();
            }
        }
        if (parse(p, b.data, b.len, 0, 0, &again, &r2) != APR_SUCCESS
            || !same_rows(whole, again)) {
            abort();
        }
        {
            int n2;
            const char *const *c2 = pt_usercsv_columns(r2, &n2);

            if (!c2 || n2 != n) {
                abort();
            }
            for (i = 0; i < n; i++) {
                if (strcmp(c2[i], cols[i])) {
                    abort();
                }
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}
