/*
 * pt_curl.h -- what the core's libcurl users (pt_fetch.c, pt_smtp.c,
 * pt_store_s3.c) share: easy handles and header lists whose life a pool
 * holds, and a setopt that stops at the first failure.
 */
#ifndef PT_CURL_H
#define PT_CURL_H

#include <apr_pools.h>
#include <curl/curl.h>

/* A new easy handle, released when p is cleared or by pt_curl_release();
 * NULL when libcurl cannot make one. */
CURL *pt_curl_new(apr_pool_t *p);

/* Release h (from pt_curl_new) now rather than with its pool. */
void pt_curl_release(apr_pool_t *p, CURL *h);

/* The pool cleanup of a header list (curl_slist_free_all). */
apr_status_t pt_curl_slist_cleanup(void *l);

/* curl_easy_setopt(h, opt, val) unless an earlier one failed: uses the
 * caller's `CURL *h` and `CURLcode rc` (start it at CURLE_OK). */
#define PT_CURL_SETOPT(opt, val)                                          \
    do {                                                                   \
        if (rc == CURLE_OK) {                                              \
            rc = curl_easy_setopt(h, opt, val);                            \
        }                                                                  \
    } while (0)

#endif /* PT_CURL_H */
