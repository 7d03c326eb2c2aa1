/*
 * pt_usercsv.h -- reading a users.csv to import (the Flask portal's
 * format, or what a spreadsheet saves), row by row, with libcsv.
 *
 * The format:
 *  - RFC 4180: fields separated by ",", a field in double quotes may hold
 *    commas, line breaks and quotes (doubled); spaces are part of a field.
 *    A quote inside an unquoted field, or text after a closing quote, is an
 *    error (libcsv's strict mode).
 *  - UTF-8, with or without a byte-order mark; rows end with LF or CRLF
 *    (a CR next to the LF, or around an unquoted field, is dropped; a line
 *    break inside quotes is kept as it is).  Blank lines between rows are
 *    skipped.
 *  - The first row is the header: it names the columns, in any order,
 *    without regard to case or surrounding blanks.  Required: username,
 *    email, first_name, last_name, address, and password or
 *    password_hash (one or both; each row then gives exactly one).  Any
 *    other column is ignored by the import and repeated in the failure
 *    report.  A column named twice is an error.
 *  - Each row should have as many fields as the header: one that has not
 *    is passed on with row->reason set ("the row has 5 fields, the header
 *    6"), so the import reports it and goes on.
 * Limits (a file over them stops with an error naming the line):
 * PT_USERCSV_MAX_COLUMNS columns, fields of PT_USERCSV_MAX_FIELD bytes,
 * physical lines of PT_USERCSV_MAX_LINE bytes, no NUL byte.
 *
 * Errors that stop the reading return APR_EINVAL with err->what saying
 * what, err->where "line" and err->line the line (1-based) it was found
 * on; an error of the row callback is returned as it is.
 *
 * Memory: one row at a time (plus the partial line between two chunks);
 * a row's strings are cleared after the callback.  Nothing is shared
 * between readers: several may run in parallel threads, one each.
 */
#ifndef PT_USERCSV_H
#define PT_USERCSV_H

#include "pt_userimport.h"

#define PT_USERCSV_MAX_COLUMNS 64
#define PT_USERCSV_MAX_FIELD (8 * 1024)
#define PT_USERCSV_MAX_LINE (2 * 1024 * 1024)

typedef struct pt_usercsv_t pt_usercsv_t;

/* A reader calling fn(baton, row) for each data row; lives in p (a pool
 * cleanup frees libcsv's buffer).  NULL when libcsv cannot be set up. */
pt_usercsv_t *pt_usercsv_make(apr_pool_t *p, pt_user_row_fn fn, void *baton);

/* Feed the next len bytes of the file (any split: a row may span
 * chunks).  Rows complete in them are passed to fn before it returns. */
apr_status_t pt_usercsv_feed(pt_usercsv_t *r, const char *data,
                             apr_size_t len, pt_err_t *err);

/* The end of the file: the last row (with or without a line break) is
 * passed on.  APR_EINVAL + err for a file without a header, or one that
 * ends inside quotes. */
apr_status_t pt_usercsv_finish(pt_usercsv_t *r, pt_err_t *err);

/* The header's column names as written (blanks around them removed), or
 * NULL before the header was read; *n gets their number. */
const char *const *pt_usercsv_columns(const pt_usercsv_t *r, int *n);

/* Data rows passed on so far. */
apr_int64_t pt_usercsv_rows(const pt_usercsv_t *r);

/*
 * Read the file at path through a reader (64 KiB at a time) and finish
 * it.  *out (may be NULL) gets the reader, for its columns and count.
 * Errors: as above, or the status of opening/reading the file (err names
 * the path).
 */
apr_status_t pt_usercsv_read_file(apr_pool_t *p, const char *path,
                                  pt_user_row_fn fn, void *baton,
                                  pt_usercsv_t **out, pt_err_t *err);

#endif /* PT_USERCSV_H */
