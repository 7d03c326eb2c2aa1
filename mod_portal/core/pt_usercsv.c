/*
 * pt_usercsv.c -- users.csv into pt_user_row_t, row by row (see
 * pt_usercsv.h).
 *
 * libcsv splits the fields (strict mode; only LF ends a row and only CR
 * counts as a blank, so CRLF and LF files read the same and spaces stay
 * in the fields).  This file owns the lines around it: bytes are handed to
 * libcsv one physical line at a time -- straight from the caller's chunk
 * when the line is whole in it, else gathered in a bounded buffer -- so
 * that each row knows the line it starts on and blank lines between rows
 * are skipped before libcsv sees them.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include <csv.h>

#include "pt_buf.h"
#include "pt_usercsv.h"

#define READ_CHUNK (64 * 1024)

enum {
    COL_USERNAME, COL_EMAIL, COL_FIRST, COL_LAST, COL_ADDRESS, COL_PASSWORD,
    COL_HASH, COL_N
};

static const char *const col_names[COL_N] = {
    "username", "email", "first_name", "last_name", "address", "password",
    "password_hash"
};

struct pt_usercsv_t {
    apr_pool_t *pool;
    apr_pool_t *rowpool;        /* a row's strings, cleared after it */
    pt_user_row_fn fn;
    void *baton;
    struct csv_parser parser;
    pt_buf_t partial;           /* a line not yet ended */
    const char **fields;        /* the row being read */
    int nfields;                /* fields seen (may pass the maximum) */
    const char **header;        /* as written, trimmed */
    int ncols;                  /* 0 until the header was read */
    int col[COL_N];             /* field index of each column, -1 absent */
    apr_int64_t line;           /* physical lines begun */
    apr_int64_t row_line;       /* where the current row started */
    int row_open;               /* libcsv holds part of a row */
    int started;                /* the first byte was seen (BOM check) */
    apr_int64_t rows;
    apr_status_t rv;            /* the first error, stops everything */
    pt_err_t *err;
};

/* libcsv: only CR is a blank, only LF ends a row. */
static int is_space(unsigned char c)
{
    return c == '\r';
}

static int is_term(unsigned char c)
{
    return c == '\n';
}

/* libcsv's buffer holds one field: refusing to grow it past the limit
 * bounds memory (libcsv then reports CSV_ENOMEM). */
static void *capped_realloc(void *ptr, size_t n)
{
    if (n > (size_t)PT_USERCSV_MAX_FIELD + 1) {
        return NULL;
    }
    return realloc(ptr, n);
}

static apr_status_t parser_cleanup(void *data)
{
    csv_free(data);
    return APR_SUCCESS;
}

static apr_status_t fail(pt_usercsv_t *r, apr_int64_t line, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static apr_status_t fail(pt_usercsv_t *r, apr_int64_t line, const char *fmt,
                         ...)
{
    va_list ap;
    const char *msg;

    va_start(ap, fmt);
    msg = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    if (r->rv == APR_SUCCESS) {
        r->rv = APR_EINVAL;
        if (r->err) {
            r->err->what = msg;
            r->err->where = "line";
            r->err->line = (int)line;
        }
    }
    return r->rv;
}

/* A header name without the blanks around it. */
static const char *trimmed(apr_pool_t *p, const char *s)
{
    apr_size_t n;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    return apr_pstrmemdup(p, s, n);
}

/* The first row: map the columns. */
static apr_status_t take_header(pt_usercsv_t *r)
{
    int i, k;

    if (r->nfields > PT_USERCSV_MAX_COLUMNS) {
        return fail(r, r->row_line, "the header has more than %d columns",
                    PT_USERCSV_MAX_COLUMNS);
    }
    r->header = apr_palloc(r->pool, sizeof(char *) * (r->nfields + 1));
    for (k = 0; k < COL_N; k++) {
        r->col[k] = -1;
    }
    for (i = 0; i < r->nfields; i++) {
        r->header[i] = trimmed(r->pool, r->fields[i]);
        for (k = 0; k < i; k++) {
            if (!strcasecmp(r->header[k], r->header[i])) {
                return fail(r, r->row_line, "the header names the column"
                            " \"%s\" twice", r->header[i]);
            }
        }
        for (k = 0; k < COL_N; k++) {
            if (!strcasecmp(r->header[i], col_names[k])) {
                r->col[k] = i;
            }
        }
    }
    r->header[r->nfields] = NULL;
    for (k = 0; k < COL_PASSWORD; k++) {
        if (r->col[k] < 0) {
            return fail(r, r->row_line, "the header has no \"%s\" column"
                        " (it needs username, email, first_name, last_name,"
                        " address, and password or password_hash)",
                        col_names[k]);
        }
    }
    if (r->col[COL_PASSWORD] < 0 && r->col[COL_HASH] < 0) {
        return fail(r, r->row_line, "the header has neither a \"password\""
                    " nor a \"password_hash\" column");
    }
    r->ncols = r->nfields;
    return APR_SUCCESS;
}

static const char *field_of(pt_usercsv_t *r, int col)
{
    int i = r->col[col];

    if (i < 0) {
        return NULL;
    }
    return i < r->nfields ? r->fields[i] : "";
}

/* A data row: to the caller. */
static apr_status_t give_row(pt_usercsv_t *r)
{
    pt_user_row_t row;

    memset(&row, 0, sizeof(row));
    row.line = r->row_line;
    row.nfields = r->nfields < PT_USERCSV_MAX_COLUMNS
                  ? r->nfields : PT_USERCSV_MAX_COLUMNS;
    row.fields = r->fields;
    row.username = field_of(r, COL_USERNAME);
    row.email = field_of(r, COL_EMAIL);
    row.first_name = field_of(r, COL_FIRST);
    row.last_name = field_of(r, COL_LAST);
    row.address = field_of(r, COL_ADDRESS);
    row.password = field_of(r, COL_PASSWORD);
    row.password_hash = field_of(r, COL_HASH);
    if (r->nfields != r->ncols) {
        row.reason = apr_psprintf(r->rowpool, "the row has %d field%s, the"
                                  " header %d", r->nfields,
                                  r->nfields == 1 ? "" : "s", r->ncols);
    }
    r->rows++;
    return r->fn(r->baton, &row);
}

static void on_field(void *s, size_t len, void *data)
{
    pt_usercsv_t *r = data;

    if (r->rv == APR_SUCCESS && r->nfields < PT_USERCSV_MAX_COLUMNS) {
        r->fields[r->nfields] = apr_pstrmemdup(r->rowpool, s ? s : "", len);
    }
    r->nfields++;
}

static void on_row(int c, void *data)
{
    pt_usercsv_t *r = data;

    r->row_open = 0;
    if (r->rv == APR_SUCCESS) {
        apr_status_t rv = r->ncols ? give_row(r) : take_header(r);

        if (rv != APR_SUCCESS && r->rv == APR_SUCCESS) {
            r->rv = rv;         /* the callback's own status */
        }
    }
    r->nfields = 0;
    apr_pool_clear(r->rowpool);
}

/* 1 when [s, s+n) holds only blanks (a blank line between rows). */
static int blank_line(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            return 0;
        }
    }
    return 1;
}

/* One physical line (with its LF, unless it is the last). */
static apr_status_t do_line(pt_usercsv_t *r, const char *s, apr_size_t n)
{
    size_t fed;

    r->line++;
    if (memchr(s, '\0', n)) {
        return fail(r, r->line, "a NUL byte: not a text file");
    }
    if (!r->started) {
        r->started = 1;
        if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
            s += 3;
            n -= 3;
        }
    }
    if (!r->row_open) {
        if (blank_line(s, n)) {
            return APR_SUCCESS;
        }
        r->row_open = 1;
        r->row_line = r->line;
    }
    fed = csv_parse(&r->parser, s, n, on_field, on_row, r);
    if (r->rv != APR_SUCCESS) {
        return r->rv;
    }
    if (fed != n) {
        if (csv_error(&r->parser) == CSV_ENOMEM) {
            return fail(r, r->line, "a field longer than %d bytes",
                        PT_USERCSV_MAX_FIELD);
        }
        return fail(r, r->line, "a stray quote (a quote inside a field that"
                    " does not start with one, or text after a closing"
                    " quote)");
    }
    return APR_SUCCESS;
}

pt_usercsv_t *pt_usercsv_make(apr_pool_t *p, pt_user_row_fn fn, void *baton)
{
    pt_usercsv_t *r = apr_pcalloc(p, sizeof(*r));

    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        return NULL;
    }
    apr_pool_cleanup_register(p, &r->parser, parser_cleanup,
                              apr_pool_cleanup_null);
    csv_set_space_func(&r->parser, is_space);
    csv_set_term_func(&r->parser, is_term);
    csv_set_realloc_func(&r->parser, capped_realloc);
    csv_set_blk_size(&r->parser, 1024);
    r->pool = p;
    apr_pool_create(&r->rowpool, p);
    r->fn = fn;
    r->baton = baton;
    r->fields = apr_palloc(p, sizeof(char *) * (PT_USERCSV_MAX_COLUMNS + 1));
    pt_buf_init(&r->partial, p, 4096, PT_USERCSV_MAX_LINE);
    return r;
}

apr_status_t pt_usercsv_feed(pt_usercsv_t *r, const char *data,
                             apr_size_t len, pt_err_t *err)
{
    const char *end = data + len;

    r->err = err;
    while (r->rv == APR_SUCCESS && data < end) {
        const char *nl = memchr(data, '\n', (apr_size_t)(end - data));
        apr_size_t n = nl ? (apr_size_t)(nl + 1 - data)
                          : (apr_size_t)(end - data);

        if (nl && r->partial.len == 0) {
            do_line(r, data, n);        /* whole in the chunk: no copy */
        }
        else if (pt_buf_append(&r->partial, data, n) != APR_SUCCESS) {
            return fail(r, r->line + 1, "a line longer than %d bytes",
                        PT_USERCSV_MAX_LINE);
        }
        else if (nl) {
            do_line(r, r->partial.data, r->partial.len);
            r->partial.len = 0;
            r->partial.data[0] = '\0';
        }
        data += n;
    }
    return r->rv;
}

apr_status_t pt_usercsv_finish(pt_usercsv_t *r, pt_err_t *err)
{
    r->err = err;
    if (r->rv == APR_SUCCESS && r->partial.len > 0) {
        do_line(r, r->partial.data, r->partial.len);
        r->partial.len = 0;
    }
    if (r->rv != APR_SUCCESS) {
        return r->rv;
    }
    if (csv_fini(&r->parser, on_field, on_row, r) != 0) {
        return fail(r, r->row_line, "a quoted field is not closed at the end"
                    " of the file");
    }
    if (r->rv == APR_SUCCESS && !r->ncols) {
        return fail(r, r->line, "no header line (username, email,"
                    " first_name, last_name, address, password or"
                    " password_hash)");
    }
    return r->rv;
}

const char *const *pt_usercsv_columns(const pt_usercsv_t *r, int *n)
{
    *n = r->ncols;
    return r->ncols ? r->header : NULL;
}

apr_int64_t pt_usercsv_rows(const pt_usercsv_t *r)
{
    return r->rows;
}

apr_status_t pt_usercsv_read_file(apr_pool_t *p, const char *path,
                                  pt_user_row_fn fn, void *baton,
                                  pt_usercsv_t **out, pt_err_t *err)
{
    pt_usercsv_t *r = pt_usercsv_make(p, fn, baton);
    char *buf = apr_palloc(p, READ_CHUNK);
    apr_file_t *f;
    apr_status_t rv;

    if (out) {
        *out = r;
    }
    if (!r) {
        return pt_err_set(err, p, path, 0, "cannot set up the CSV parser");
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS) {
        char msg[120];

        pt_err_set(err, p, path, 0, "cannot open: %s",
                   apr_strerror(rv, msg, sizeof(msg)));
        return rv;
    }
    for (;;) {
        apr_size_t n = READ_CHUNK;

        rv = apr_file_read(f, buf, &n);
        if (rv == APR_EOF || (rv == APR_SUCCESS && n == 0)) {
            break;
        }
        if (rv != APR_SUCCESS) {
            char msg[120];

            apr_file_close(f);
            pt_err_set(err, p, path, 0, "cannot read: %s",
                       apr_strerror(rv, msg, sizeof(msg)));
            return rv;
        }
        rv = pt_usercsv_feed(r, buf, n, err);
        if (rv != APR_SUCCESS) {
            apr_file_close(f);
            return rv;
        }
    }
    apr_file_close(f);
    return pt_usercsv_finish(r, err);
}
