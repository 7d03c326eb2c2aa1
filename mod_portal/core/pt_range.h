/*
 * pt_range.h -- the Range header of a file download (RFC 9110 14.1-14.2),
 * as the portal serves it: one byte range, or the whole file.
 *
 * Several ranges, another unit or a malformed header are ignored (the
 * whole file is sent, which RFC 9110 allows); a range that starts past the
 * end, or an empty suffix, cannot be satisfied (416).  A download link's
 * byte allowance is charged with what the answer sends, so the whole file
 * sent in place of several ranges is charged as the whole file.
 */
#ifndef PT_RANGE_H
#define PT_RANGE_H

#include <apr.h>

#define PT_RANGE_WHOLE 0            /* send the whole file (200) */
#define PT_RANGE_ONE 1              /* send *off, *len (206) */
#define PT_RANGE_UNSATISFIABLE (-1) /* 416 */

/* Parse header h (NULL: absent) against a file of size bytes.  On
 * PT_RANGE_ONE, 0 <= *off, 1 <= *len and *off + *len <= size; otherwise
 * *off and *len are left alone. */
int pt_range_parse(const char *h, apr_off_t size, apr_off_t *off,
                   apr_off_t *len);

#endif /* PT_RANGE_H */
