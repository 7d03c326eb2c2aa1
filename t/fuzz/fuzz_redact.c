/*
 * fuzz_redact.c -- libFuzzer target for what the logs may show of a URL
 * (pt_redact.h): any request line an attacker sends goes through it.
 *
 * The input is a request line.  Beyond not crashing, the promises are:
 * a result is a line again (no CR, LF or NUL appears that was not there),
 * it keeps the method, and whatever followed a "/d/" of the path or made
 * up a query with a token is gone from it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_redact.h"

static int initialized;

/* The line redacted: check what it promises. */
static void check_line(apr_pool_t *p, const char *line)
{
    const char *out = pt_redact_line(p, line);
    const char *sp = strchr(line, ' ');
    const char *target, *path, *d;

    if (!out) {
        return;
    }
    if (!sp || strncmp(out, line, (size_t)(sp - line + 1))) {
        abort();                /* the method is kept */
    }
    if (strpbrk(out, "\r\n") && !strpbrk(line, "\r\n")) {
        abort();
    }
    /* in the target's path (after any "scheme://authority"), the first
     * "/d/" is followed by the mark */
    target = out + (sp - line + 1);
    path = apr_pstrmemdup(p, target, strcspn(target, "? "));
    d = strstr(path, "://");
    if (d) {
        path = d + 3 + strcspn(d + 3, "/");
    }
    d = strstr(path, "/d/");
    if (d && d[3] && strcmp(d + 3, PT_REDACT_LINK)) {
        abort();
    }
}

/* The URL split at its first '?': check pt_redact_url's outputs. */
static void check_url(apr_pool_t *p, const char *url)
{
    const char *q = strchr(url, '?');
    const char *path = q ? apr_pstrmemdup(p, url, (apr_size_t)(q - url))
                         : url;
    const char *sp, *sq;
    int kind = pt_redact_url(p, path, q ? q + 1 : NULL, &sp, &sq);

    if (kind == PT_REDACT_NONE) {
        if (sp != path || sq != (q ? q + 1 : NULL)) {
            abort();            /* nothing hidden: the input as it is */
        }
        return;
    }
    if (kind != PT_REDACT_NOW && kind != PT_REDACT_AT_LOG) {
        abort();
    }
    if (sq && q && sq != q + 1 && strcmp(sq, PT_REDACT_TOKEN)
        && strcmp(sq, PT_REDACT_OTHER)) {
        abort();                /* a query is kept whole or replaced */
    }
    if (strlen(sp) > strlen(path) + sizeof(PT_REDACT_LINK)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *s;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    /* a C string: httpd never hands a NUL on */
    s = apr_pstrmemdup(p, (const char *)data, size);
    check_line(p, s);
    check_url(p, s);
    (void)pt_redact_target(p, s);
    (void)pt_redact_line_with(p, s, "/shown");
    apr_pool_destroy(p);
    return 0;
}
