/*
 * fuzz_pwned.c -- libFuzzer target for the Pwned Passwords range parser
 * (what an online range response or a range file holds).
 *
 * The input is the body; the suffix looked for is the first line's first
 * 35 characters when they are hex, else a fixed one.  Promises: a failure
 * says why (with a line number) and reports count 0; success with a
 * count > 0 only when a line "SUFFIX:COUNT" with that count is in the
 * body (case aside).  Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_pwned.h"

static int initialized;
static apr_pool_t *root;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    pt_err_t err;
    apr_uint64_t count = 99;
    char suffix[36];
    const char *body = (const char *)data;
    size_t i;
    apr_status_t rv;

    if (!initialized) {
        apr_initialize();
        apr_pool_create(&root, NULL);
        initialized = 1;
    }
    memcpy(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8", 36);
    if (size >= 35) {
        for (i = 0; i < 35; i++) {
            if (!strchr("0123456789abcdefABCDEF", data[i]) || !data[i]) {
                break;
            }
        }
        if (i == 35) {
            memcpy(suffix, data, 35);
        }
    }
    apr_pool_create(&p, root);
    memset(&err, 0, sizeof(err));
    rv = pt_pwned_range_find(p, body, size, suffix, &count, &err);
    if (rv != APR_SUCCESS && (!err.what || count != 0)) {
        abort();
    }
    if (rv == APR_SUCCESS && count > 0) {
        /* a line must be SUFFIX ':' a decimal equal to count */
        size_t k;
        int found = 0;

        for (k = 0; k + 36 < size && !found; k++) {
            apr_uint64_t v = 0;
            size_t j = k + 36;

            if ((k > 0 && data[k - 1] != '\n') || data[k + 35] != ':'
                || strncasecmp(body + k, suffix, 35)) {
                continue;
            }
            while (j < size && data[j] >= '0' && data[j] <= '9') {
                v = v * 10 + (apr_uint64_t)(data[j++] - '0');
            }
            found = v == count;
        }
        if (!found) {
            abort();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
