/*
 * pt_curl.c -- libcurl handles with pool lifetimes (see pt_curl.h).
 */
#include "pt_curl.h"

static apr_status_t curl_cleanup(void *h)
{
    curl_easy_cleanup(h);
    return APR_SUCCESS;
}

apr_status_t pt_curl_slist_cleanup(void *l)
{
    curl_slist_free_all(l);
    return APR_SUCCESS;
}

CURL *pt_curl_new(apr_pool_t *p)
{
    CURL *h = curl_easy_init();

    if (h) {
        apr_pool_cleanup_register(p, h, curl_cleanup,
                                  apr_pool_cleanup_null);
    }
    return h;
}

void pt_curl_release(apr_pool_t *p, CURL *h)
{
    apr_pool_cleanup_run(p, h, curl_cleanup);
}
