/*
 * fuzz_range.c -- libFuzzer target for what an anonymous caller of a
 * download link controls: the Range header (pt_range_parse) and, for the
 * indicator pages, the link classifier of feed data (pt_url_is_web).
 *
 * The first line of the input is a file size in decimal, the rest the
 * header.  A satisfiable range must lie inside the file and be non-empty
 * (a download link's byte allowance is charged with it); a URL called a
 * link must start with http(s):// and hold no space, control or non-ASCII
 * byte.  A broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_range.h"
#include "pt_url.h"

static int initialized;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *nl = memchr(data, '\n', size);
    const char *s, *c;
    apr_off_t fsize = 0, off = -1, len = -1;
    int r;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    if (nl) {
        char *num = apr_pstrmemdup(p, (const char *)data,
                                   (apr_size_t)(nl - (const char *)data));

        fsize = apr_strtoi64(num, NULL, 10);
        if (fsize < 0) {
            fsize = 0;
        }
        s = apr_pstrmemdup(p, nl + 1, size - (apr_size_t)(nl + 1
                                                - (const char *)data));
    }
    else {
        fsize = 1000;
        s = apr_pstrmemdup(p, (const char *)data, size);
    }
    r = pt_range_parse(s, fsize, &off, &len);
    if (r == PT_RANGE_ONE
        && (off < 0 || len < 1 || off > fsize || len > fsize - off)) {
        abort();
    }
    if (r != PT_RANGE_ONE && r != PT_RANGE_WHOLE
        && r != PT_RANGE_UNSATISFIABLE) {
        abort();
    }
    if (pt_url_is_web(s)) {
        if (strncasecmp(s, "http://", 7) && strncasecmp(s, "https://", 8)) {
            abort();
        }
        for (c = s; *c; c++) {
            if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
                abort();
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}
