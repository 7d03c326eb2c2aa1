/*
 * pt_fetch.h -- fetch one feed document over HTTP(S), or read it from a
 * local file, with libcurl: conditional requests, a size cap, timeouts.
 *
 * The feed job (a mod_watchdog thread) and portalctl call pt_fetch() to
 * get a feed's bytes.  Each call has its own CURL handle and no shared
 * state, uses no signals (CURLOPT_NOSIGNAL) and blocks for at most
 * req->timeout seconds, so several threads may fetch at once.  The caller
 * must have called curl_global_init() once, before any thread is started
 * (the glue does it in post_config), as libcurl requires.
 *
 * HTTP(S):
 *  - req->etag and req->last_modified go out verbatim as If-None-Match and
 *    If-Modified-Since; a 304 answer is success with res->not_modified.
 *  - The body is decoded (Accept-Encoding offers what libcurl can decode:
 *    gzip, deflate, ...).  It is held in memory, at most req->max_bytes
 *    bytes after decoding; a response announcing a larger Content-Length
 *    (on the wire, before decoding) is refused before its body is read.
 *    When the length of an unencoded body is announced, it is read into one
 *    buffer of that size; otherwise the buffer doubles as it fills and the
 *    pool keeps the outgrown ones: up to about three times the body.
 *  - Redirects (301 302 303 307 308) are followed, at most 5, to http and
 *    https URLs only (never to file:).  The extra req->headers go only to
 *    the scheme, host and port of req->url: a redirect elsewhere gets the
 *    request without them (they hold keys), as libcurl does for
 *    Authorization.  The timeout covers all the requests together.
 *  - Any other status is an error "HTTP nnn" (the body is not read).
 *  - libcurl's proxy variables (http_proxy, https_proxy, no_proxy) apply.
 *
 * file://:
 *  - The file is read whole (same cap); res->status is 200 and
 *    res->last_modified the file's modification time as an HTTP date.
 *  - With req->last_modified, a file whose modification time is not later
 *    than that date is not read: res->not_modified is 1 (status 304).
 *    Dates have a resolution of one second, so a file changed again within
 *    the second it was last read is seen only at its next change.
 *    req->etag is ignored (files have none).
 */
#ifndef PT_FETCH_H
#define PT_FETCH_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_FETCH_CONNECT_TIMEOUT 10L                 /* when 0 */
#define PT_FETCH_TIMEOUT 60L                         /* when 0 */
#define PT_FETCH_MAX_BYTES ((apr_size_t)50 * 1024 * 1024) /* when 0 */
#define PT_FETCH_MAX_REDIRECTS 5

typedef struct pt_fetch_req_t {
    const char *url;              /* http://, https:// or file:// */
    const char *etag;             /* previous ETag to send as If-None-Match,
                                   * or NULL */
    const char *last_modified;    /* previous Last-Modified to send as
                                   * If-Modified-Since, or NULL */
    const char *const *headers;   /* extra "Name: value" lines (e.g.
                                   * "Auth-Key: ..."), NULL-terminated, or
                                   * NULL */
    long connect_timeout;         /* seconds (0: PT_FETCH_CONNECT_TIMEOUT) */
    long timeout;                 /* seconds for the whole transfer
                                   * (0: PT_FETCH_TIMEOUT) */
    apr_size_t max_bytes;         /* cap on the (decoded) body; exceeding
                                   * it is an error (0: PT_FETCH_MAX_BYTES) */
    const char *user_agent;       /* e.g. "mod_portal/0.4
                                   * (+https://portal.example.org)"; NULL:
                                   * "mod_portal" */
    const char *ca_file;          /* NULL: system CAs */
} pt_fetch_req_t;

typedef struct pt_fetch_res_t {
    long status;                  /* HTTP status (304 when not modified);
                                   * 200 for a file:// read */
    int not_modified;             /* 1 on 304 */
    const char *body;             /* NUL-terminated, decoded (gzip/deflate
                                   * handled by libcurl:
                                   * CURLOPT_ACCEPT_ENCODING ""); NULL on
                                   * 304 */
    apr_size_t len;
    const char *etag;             /* from the response, or NULL (on a 304
                                   * without one: req->etag) */
    const char *last_modified;    /* from the response, or NULL (on a 304
                                   * without one: req->last_modified); for
                                   * file:// the file's mtime */
    double seconds;               /* total time */
} pt_fetch_res_t;

/*
 * Fetch req->url.  Everything in res (and err) is allocated from p; the
 * CURL handle is released before the call returns.
 *
 * APR_SUCCESS for 2xx and 304 (res filled).  Otherwise APR_EGENERAL with
 * err->what a one-line reason suitable for the feed status page and logs:
 * "HTTP 500", "timed out after 10 s", "body larger than 52428800 bytes",
 * "connection closed before the end of the body (got N of M bytes)",
 * "could not resolve host …", TLS errors; never including header values
 * given in req->headers (they hold keys) nor the URL's user, path or
 * query (they may): a host name may appear, and a file:// path.
 * res->seconds is set in both cases; res->status is the last status seen
 * (0 when none).
 *
 * A header line without "Name:" or with a control character, or an
 * etag/last_modified with a control character, is refused (APR_EGENERAL)
 * before anything is sent.
 */
apr_status_t pt_fetch(apr_pool_t *p, const pt_fetch_req_t *req,
                      pt_fetch_res_t *res, pt_err_t *err);

#endif /* PT_FETCH_H */
