/*
 * pt_form.h -- application/x-www-form-urlencoded bodies and query strings.
 *
 * The parser is strict: a malformed percent escape, a NUL byte or invalid
 * UTF-8 in a name or value makes the whole body invalid (the portal answers
 * 400 and stores nothing).  '+' is a space.  A name that repeats keeps every
 * value (apr_table_add), lookups see the first.
 */
#ifndef PT_FORM_H
#define PT_FORM_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_FORM_MAX_FIELDS 256

/* Parse len bytes of body into a new table in *out.  APR_EINVAL (err filled
 * with what is wrong) on malformed input or more than PT_FORM_MAX_FIELDS
 * fields. */
apr_status_t pt_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                           apr_table_t **out, pt_err_t *err);

/* 1 when s[0..len) is well-formed UTF-8 without NUL, overlongs or
 * surrogates. */
int pt_utf8_valid(const char *s, apr_size_t len);

/* The same, keeping the characters in keep too (a path's "/"). */
const char *pt_url_encode_keep(apr_pool_t *p, const char *s,
                               const char *keep);

/* Percent-encode s for use in a URL query (unreserved characters kept). */
const char *pt_url_encode(apr_pool_t *p, const char *s);

#endif /* PT_FORM_H */
