/*
 * pt_s3_util.h -- the pure string work of the S3 store (pt_store_s3.c),
 * done in pt_s3_util.c: URL encoding, checks, XML, dates, header values.
 *
 * Private to the S3 backend: nothing outside pt_store_s3.c and pt_s3_util.c
 * may include it; the public API is pt_store.h.  No function here does I/O,
 * keeps state or needs libcurl, so each can be tested (and fuzzed) on its
 * own.  Strings are allocated from the pool given; inputs are
 * NUL-terminated unless a range [s, end) is given, which need not be.
 */
#ifndef PT_S3_UTIL_H
#define PT_S3_UTIL_H

#include <apr_pools.h>
#include <apr_time.h>

/* The most bytes of a service's text pt_s3_one_line() keeps. */
#define PT_S3_TEXT_MAX 300

/* ------------------------------------------------------------ text */

/*
 * s percent-encoded the way SigV4 canonicalises S3 paths and query values:
 * the unreserved bytes A-Z a-z 0-9 - _ . ~ as they are, '/' too when
 * keep_slash (object keys in a path), every other byte %XX with upper-case
 * hex.  libcurl signs the URL as it is written, so it must be written so.
 */
const char *pt_s3_uri_encode(apr_pool_t *p, const char *s, int keep_slash);

/* 1 when s has no control characters (C0 or DEL): they cannot travel in
 * S3's XML. */
int pt_s3_printable_ok(const char *s);

/* 1 when s is a non-empty string of ASCII letters, digits and the
 * characters in allowed, at most max bytes long (region and bucket
 * names).  0 for NULL. */
int pt_s3_word_ok(const char *s, const char *allowed, apr_size_t max);

/* At most PT_S3_TEXT_MAX bytes of s with every control character made a
 * space: a key or a service's text safe to quote in a one-line message. */
const char *pt_s3_one_line(apr_pool_t *p, const char *s);

/* ------------------------------------------------------------ XML */

/*
 * Find the first element called name in [s, end).  On success *in and
 * *in_end delimit its content and the return value points just past its
 * end tag; NULL when there is none or it is cut short.  A start tag may
 * carry attributes (<Error xmlns="...">); <name/> is empty.  This is all
 * the XML S3 needs: its elements do not nest inside one of the same name,
 * and it uses neither comments nor CDATA.
 */
const char *pt_s3_xml_find(const char *s, const char *end, const char *name,
                           const char **in, const char **in_end);

/*
 * The text of the first element name in [s, end) into *text, with the five
 * named entities and numeric character references (as UTF-8) replaced:
 * APR_SUCCESS; APR_ENOENT when there is no such element; APR_EINVAL when
 * its content has markup (a '<'), an unknown or malformed entity, or a
 * reference to NUL, a surrogate or past U+10FFFF.  *text is NULL on
 * APR_ENOENT, to be ignored on APR_EINVAL.
 */
apr_status_t pt_s3_xml_get(apr_pool_t *p, const char *s, const char *end,
                           const char *name, const char **text);

/* s with & < > " ' written as entities (for the CompleteMultipartUpload
 * body). */
const char *pt_s3_xml_escape(apr_pool_t *p, const char *s);

/* ------------------------------------------------------------ dates */

/* 1 when the n bytes at s are all decimal digits, with their value in *v
 * (n at most 9); 0 otherwise (*v then to be ignored).  Stops at the first
 * byte that is not a digit, so a short string is safe. */
int pt_s3_digits_parse(const char *s, int n, int *v);

/*
 * An ISO-8601 date and time as S3 writes it, "2024-01-31T12:34:56.000Z",
 * with an optional fraction (to microseconds) and with Z or a +HH:MM /
 * -HH:MM offset, into *t.  APR_EINVAL for anything else, a year before
 * 1970 or an impossible date.
 */
apr_status_t pt_s3_iso8601_parse(const char *s, apr_time_t *t);

/* ------------------------------------------------------------ HTTP */

/*
 * When header line buf (len bytes, as libcurl's header callback gets it,
 * CRLF included) is called name (case-insensitive), copy its value into
 * dst (size bytes, size >= 1): surrounding blanks and the line end go,
 * other control characters become spaces, and a longer value is cut to
 * size - 1 bytes.  dst is left as it is for any other header.
 */
void pt_s3_header_get(const char *buf, apr_size_t len, const char *name,
                      char *dst, apr_size_t size);

#endif /* PT_S3_UTIL_H */
