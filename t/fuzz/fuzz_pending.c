/*
 * fuzz_pending.c -- libFuzzer target for the identity provider's pending
 * cookie (pt_pending.c), which comes back from the browser.
 *
 * The input is the cookie's value, read twice: as it is (a MAC the fuzzer
 * made cannot match: refused), and with a valid MAC over its part before
 * the first dot (a hostile payload the key signed, as if the key had
 * leaked or the portal had a bug): then the parser must either refuse it
 * or give an address and names that are strings and an expiry not in the
 * past.  A broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_crypto.h"
#include "pt_pending.h"
#include "pt_mac.h"

static const unsigned char key[32] = "fuzz-oidc-key-fuzz-oidc-key-fuzz";
static int initialized;

/* The MAC the core puts on a payload. */
static const char *sign(apr_pool_t *p, const char *payload)
{
    return pt_mac(p, key, sizeof(key), PT_MAC_OIDC_PENDING,
                  PT_MAC_PARTS(payload));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *c, *dot, *payload;
    pt_pending_t id;
    apr_status_t rv;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    c = apr_pstrmemdup(p, (const char *)data, size);
    memset(&id, 0, sizeof(id));
    if (pt_pending_parse(p, key, sizeof(key), c, 0, 4102444800, &id)
        == APR_SUCCESS) {
        abort();                /* the fuzzer found a MAC */
    }
    if (id.email) {
        abort();                /* set on failure */
    }
    dot = strchr(c, '.');
    payload = dot ? apr_pstrmemdup(p, c, (apr_size_t)(dot - c)) : c;
    rv = pt_pending_parse(p, key, sizeof(key),
                          apr_pstrcat(p, payload, ".", sign(p, payload),
                                      NULL), 1000, 0, &id);
    if (rv == APR_SUCCESS
        && (!id.email || !id.given || !id.family || id.exp < 1000)) {
        abort();
    }
    if (rv != APR_SUCCESS && rv != APR_EINVAL && rv != APR_TIMEUP) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
