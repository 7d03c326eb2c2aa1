/*
 * pt_range.c -- the one-range parser of pt_range.h (moved here from the
 * download glue so that it is unit-tested and fuzzed).
 */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "pt_range.h"

int pt_range_parse(const char *h, apr_off_t size, apr_off_t *off,
                   apr_off_t *len)
{
    const char *dash;
    char *end;
    apr_off_t a, b;

    if (!h || strncasecmp(h, "bytes=", 6) || strchr(h, ',')) {
        return PT_RANGE_WHOLE;
    }
    h += 6;
    while (*h == ' ') {
        h++;
    }
    dash = strchr(h, '-');
    if (!dash) {
        return PT_RANGE_WHOLE;
    }
    if (dash == h) {                        /* bytes=-N: the last N */
        if (!apr_isdigit(dash[1])
            || apr_strtoff(&b, dash + 1, &end, 10) != APR_SUCCESS || *end
            || b < 0) {
            return PT_RANGE_WHOLE;
        }
        if (b == 0 || size == 0) {
            return PT_RANGE_UNSATISFIABLE;
        }
        *off = b >= size ? 0 : size - b;
        *len = size - *off;
        return PT_RANGE_ONE;
    }
    if (!apr_isdigit(*h) || apr_strtoff(&a, h, &end, 10) != APR_SUCCESS
        || end != dash || a < 0) {
        return PT_RANGE_WHOLE;
    }
    if (dash[1] == '\0') {
        b = size - 1;
    }
    else if (!apr_isdigit(dash[1])
             || apr_strtoff(&b, dash + 1, &end, 10) != APR_SUCCESS || *end) {
        return PT_RANGE_WHOLE;
    }
    if (a >= size) {
        return PT_RANGE_UNSATISFIABLE;
    }
    if (b < a) {
        return PT_RANGE_WHOLE;              /* invalid: ignore (RFC 9110) */
    }
    if (b >= size) {
        b = size - 1;
    }
    *off = a;
    *len = b - a + 1;
    return PT_RANGE_ONE;
}
