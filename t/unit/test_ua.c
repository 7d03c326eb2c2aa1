/*
 * test_ua.c -- device names shown in the dashboard's session list.
 */
#include <apr_general.h>

#include "pt_test.h"
#include "pt_ua.h"

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    PT_IS_STR(pt_ua_summary(p, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
              "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
              "Safari/537.36 Edg/120.0"), "Edge on Windows", "Edge, not Chrome");
    PT_IS_STR(pt_ua_summary(p, "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) "
              "Gecko/20100101 Firefox/121.0"), "Firefox on Linux", "Firefox");
    PT_IS_STR(pt_ua_summary(p, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like "
              "Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.0 Mobile/15E148 Safari/604.1"),
              "Safari on iPhone", "an iPhone is not macOS");
    PT_IS_STR(pt_ua_summary(p, "Mozilla/5.0 (Linux; Android 14) AppleWebKit/"
              "537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"),
              "Chrome on Android", "Android is not Linux");
    PT_IS_STR(pt_ua_summary(p, "curl/7.88.1"), "curl", "tools by name");
    PT_IS_STR(pt_ua_summary(p, ""), "Unknown browser", "empty");
    PT_IS_STR(pt_ua_summary(p, NULL), "Unknown browser", "missing");
    PT_IS_STR(pt_ua_summary(p, "SomeBot/1.0"), "SomeBot/1.0", "unknown as is");
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
