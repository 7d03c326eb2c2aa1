/*
 * pt_util.h -- the small pure helpers every part of the portal uses:
 * numbers as text for SQL arguments, times and sizes for people, JSON
 * values tied to a pool, and the parsers of whole numbers and sizes that
 * directives, query strings and forms share.
 *
 * (These lived in the glue, each written where it was first needed: the
 * query-integer parser three times.)
 */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <jansson.h>

/* v in decimal (an SQL argument, a header value). */
const char *pt_i64(apr_pool_t *p, apr_int64_t v);

/* Tie a json_t's life to a pool (mod_md's way): the pool's clean-up drops
 * the reference.  Returns j (NULL stays NULL). */
json_t *pt_json_pool(apr_pool_t *p, json_t *j);

/* "2026-11-23 20:15:02 UTC"; NULL for secs <= 0 (never). */
const char *pt_fmt_time(apr_pool_t *p, apr_int64_t secs);

/* "1 byte", "512 bytes", "1.5 MiB", "20 GiB" (binary units, up to TiB). */
const char *pt_fmt_size(apr_pool_t *p, apr_off_t n);

/* A whole decimal number in [min, max], the whole of s: APR_SUCCESS and
 * *out; APR_EINVAL when s does not start with a digit (empty, a sign, a
 * blank); APR_ERANGE when it does but is not all digits or is out of
 * range.  *out is left alone on failure. */
apr_status_t pt_int_parse(const char *s, apr_int64_t min, apr_int64_t max,
                          apr_int64_t *out);

/* "500M", "10k", "1G", "4096": bytes with an optional binary suffix (k, m,
 * g, either case), in [min, max].  APR_SUCCESS and *out, or APR_EINVAL
 * (not a size) / APR_ERANGE (a size outside [min, max], or trailing
 * garbage after the suffix). */
apr_status_t pt_size_parse(const char *s, apr_off_t min, apr_off_t max,
                           apr_off_t *out);

/* A page number or count from a query string, forgiving as a browser's
 * address bar needs: def when v is NULL, empty, not a number or below min;
 * max when above it (min <= def <= max expected). */
apr_int64_t pt_query_int(const char *v, apr_int64_t def, apr_int64_t min,
                         apr_int64_t max);

#endif /* PT_UTIL_H */
