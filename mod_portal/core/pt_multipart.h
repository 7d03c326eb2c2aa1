/*
 * pt_multipart.h -- a streaming multipart/form-data parser (RFC 7578,
 * RFC 2046 section 5.1).
 *
 * Upload bodies of any size go through with flat memory: the parser never
 * buffers a part's body.  It keeps only the header block of the current
 * part (at most PT_MP_MAX_HEADER bytes) and, between two pt_mp_feed()
 * calls, the few bytes at the end of the last buffer that may be the start
 * of a delimiter (fewer than the delimiter's 4 + 70 bytes).  Everything
 * else is handed to the callbacks as it arrives, mostly as pointers into
 * the caller's own buffer.  The delimiter is found with memchr(), so the
 * cost per byte is close to that of a copy.
 *
 * The grammar accepted:
 *  - a preamble before the first delimiter is skipped (at most
 *    PT_MP_MAX_PREAMBLE bytes, so that a body sent with the wrong boundary
 *    fails early instead of after the whole upload); the first delimiter
 *    may come at the very start of the body without the CRLF in front;
 *  - every other delimiter is CRLF "--" boundary; a boundary line may end
 *    in transport padding (at most 1024 spaces and tabs) before its CRLF;
 *    a part begins after that CRLF (at most PT_MP_MAX_PARTS); "--" right
 *    after the boundary closes the body and everything after it (the
 *    epilogue) is ignored; anything else after a boundary is malformed,
 *    including more characters of a longer boundary ("--" boundary "x");
 *  - the header block of a part is a list of "Name: value" lines, each
 *    ending in CRLF, closed by an empty line (CRLF).  Lines must end in
 *    CRLF: a bare LF or a bare CR is malformed (browsers and curl send
 *    CRLF, and the delimiter needs CRLF anyway, so accepting bare LF in
 *    headers only would invite ambiguity).  A line starting with a space
 *    or tab continues the previous one (obsolete folding, unfolded).
 *    Header names are case-insensitive; Content-Disposition and
 *    Content-Type may appear once each, other headers are ignored;
 *  - Content-Disposition must be "form-data" with a name parameter (RFC
 *    7578 section 4.2; a part without one is malformed, so name is "" only
 *    when it was sent as name="").  Parameters are tokens or quoted
 *    strings; in a quoted string a backslash escapes only '"' and '\' and
 *    is kept as it is before anything else, so that old browsers' Windows
 *    paths ("C:\dir\f.txt") survive.  A parameter may not appear twice;
 *    unknown parameters are ignored;
 *  - filename* (RFC 8187 ext-value, UTF-8 or ISO-8859-1) wins over
 *    filename= and is decoded to UTF-8; when its charset is another one,
 *    filename= is used, and when there is no filename= either the part is
 *    malformed.  A filename* that is not well-formed (bad escape, invalid
 *    UTF-8, NUL) is malformed.  filename= is passed on raw: no
 *    percent-decoding, no path stripping, no UTF-8 check -- the caller
 *    sanitises it before use;
 *  - a part's body that contains the boundary without CRLF in front is
 *    data.
 *
 * Error messages name parts by their position, never by their content.
 */
#ifndef PT_MULTIPART_H
#define PT_MULTIPART_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_MP_MAX_HEADER 8192      /* bytes of one part's header block */
#define PT_MP_MAX_PARTS 1000       /* parts in one body */
#define PT_MP_MAX_PREAMBLE 65536   /* bytes before the first delimiter */
#define PT_MP_MAX_BOUNDARY 70      /* RFC 2046 */

/*
 * What begin() learns about a part.  The strings are NUL-terminated and
 * live in a pool of the parser that is cleared before the next part's
 * begin() (or when the parser's pool goes): copy what you keep longer.
 * The header block is counted with its CRLFs and the closing empty line.
 */
typedef struct pt_mp_part_t {
    const char *name;          /* form field name from Content-Disposition ("" when missing) */
    const char *filename;      /* raw filename as sent (filename* per RFC 5987/8187 decoded to UTF-8 preferred over filename=), NULL when the part is not a file */
    const char *content_type;  /* NULL when absent */
} pt_mp_part_t;

/*
 * The callbacks, any of which may be NULL (then nothing is called).  For
 * each part: begin() once, data() zero or more times with len > 0 (the
 * part's body in order, in chunks of any size; buf is valid only during
 * the call), end() once when the part's closing delimiter has been seen.
 * A callback that returns anything but APR_SUCCESS stops the parser and
 * its status is what pt_mp_feed() returns.
 */
typedef struct pt_mp_cb_t {
    apr_status_t (*begin)(void *baton, const pt_mp_part_t *part);
    apr_status_t (*data)(void *baton, const char *buf, apr_size_t len);
    apr_status_t (*end)(void *baton);
} pt_mp_cb_t;

typedef struct pt_mp_t pt_mp_t;

/* The boundary of a Content-Type header value: APR_EINVAL (err says why) when the type is not multipart/form-data or the boundary is missing/invalid (RFC 2046: 1-70 chars of the bchars set, quoted or not). */
apr_status_t pt_mp_boundary(apr_pool_t *p, const char *content_type, const char **boundary, pt_err_t *err);

/*
 * A parser for a body delimited by boundary (as pt_mp_boundary() gives
 * it), allocated from p, with the callbacks *cb (copied) and their baton.
 * APR_EINVAL when boundary is not 1-70 bchars or cb is NULL.  All the
 * parser's memory (some 20 KiB, whatever the size of the body) comes from
 * p and a sub-pool for the current part's strings.
 */
apr_status_t pt_mp_create(apr_pool_t *p, const char *boundary, const pt_mp_cb_t *cb, void *baton, pt_mp_t **mp);

/* Feed the next len bytes. Returns APR_SUCCESS, APR_EINVAL on malformed input (err->what says what, for a 400 page), or whatever non-success status a callback returned (passed through unchanged, err untouched). After the closing delimiter further bytes (epilogue) are ignored. After an error the parser refuses further input. */
/*
 * (Refusing means: every later pt_mp_feed() or pt_mp_finish() returns the
 * status of the first error again, with err saying that the parser had
 * already stopped, and calls no callback.)
 */
apr_status_t pt_mp_feed(pt_mp_t *mp, const char *buf, apr_size_t len, pt_err_t *err);

/* End of body: APR_SUCCESS when the closing delimiter was seen, APR_EINCOMPLETE with err "the upload was cut off…" otherwise. Calls no callback (the caller aborts a part that began but did not end). */
apr_status_t pt_mp_finish(pt_mp_t *mp, pt_err_t *err);

/* 1 while inside a part (begin called, end not yet). */
/*
 * (It turns 1 just before begin() is called, even when begin() then
 * fails, and 0 just before end() is called.)
 */
int pt_mp_in_part(const pt_mp_t *mp);

/* 1 when s is a valid boundary: 1-70 bchars, not ending in a space. */
int pt_mp_boundary_valid(const char *s);

#endif /* PT_MULTIPART_H */
