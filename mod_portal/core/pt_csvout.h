/*
 * pt_csvout.h -- writing CSV as RFC 4180 says: fields separated by ",",
 * records ended by CRLF, a field in double quotes (inner quotes doubled)
 * when it holds a comma, a quote, a CR or an LF, or starts or ends with a
 * space or a tab (which lenient readers would trim).  Any other field is
 * written as it is, bytes unchanged, so what pt_usercsv reads back is
 * exactly what was written.
 *
 * Spreadsheets run a cell that starts with "=", "+", "-" or "@" as a
 * formula.  PT_CSV_FORMULA_GUARD puts a "'" before such a field (and one
 * starting with a tab or CR), as OWASP advises for files people open in a
 * spreadsheet (an activity export holds user agents and names an
 * attacker chose).  It changes the data, so files meant to be read back
 * (users.csv, the import's failure report) are written without it.
 *
 * Used by the user generator, the import's failure report and the glue's
 * CSV exports.  Nothing here is shared between threads.
 */
#ifndef PT_CSVOUT_H
#define PT_CSVOUT_H

#include <apr_file_io.h>

#include "pt_buf.h"
#include "pt_core.h"

#define PT_CSV_FORMULA_GUARD 0x01

/* The largest record pt_csvw_row() takes (bytes as written). */
#define PT_CSVW_MAX_RECORD ((apr_size_t)1024 * 1024)

/*
 * Append one record of n fields (NULL is written as an empty field) and
 * its CRLF to b.  APR_ENOSPC when b's maximum would be passed: b is then
 * left as it was before the call (no half record).
 */
apr_status_t pt_csv_row(pt_buf_t *b, const char *const *fields, int n,
                        unsigned int flags);

/* A buffered writer of records to an open file. */
typedef struct pt_csvw_t pt_csvw_t;

/* A writer on f (opened for writing by the caller, who also closes it),
 * with flags as for pt_csv_row(); allocated in p. */
pt_csvw_t *pt_csvw_make(apr_pool_t *p, apr_file_t *f, unsigned int flags);

/* Write one record (buffered: 64 KiB are written at a time).  APR_ENOSPC
 * for a record over PT_CSVW_MAX_RECORD; the status of apr_file_write_full
 * when the file cannot be written. */
apr_status_t pt_csvw_row(pt_csvw_t *w, const char *const *fields, int n);

/* Write what is buffered (call before closing the file). */
apr_status_t pt_csvw_flush(pt_csvw_t *w);

/* Records written so far. */
apr_int64_t pt_csvw_count(const pt_csvw_t *w);

#endif /* PT_CSVOUT_H */
