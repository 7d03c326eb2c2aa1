/*
 * fuzz_link.c -- libFuzzer target for what an anonymous caller of a
 * download link controls: the token in /d/<token> (pt_link.c).
 *
 * The input is the token.  A token that parses must name a lower-case
 * UUID and a MAC of the right length and alphabet; a token the fuzzer
 * made cannot check against any file (it would have found the key); and
 * the token the core makes for the parsed uuid must parse back to it and
 * check.  A broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_crypto.h"
#include "pt_link.h"

static const unsigned char key[32] = "fuzz-link-key-fuzz-link-key-fuzz";
static int initialized;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *tok, *uuid = NULL, *mac = NULL, *again, *u2, *m2;
    const char *file = "9c5b94b1-35ad-49bb-b118-8e8fc24abf80";

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    tok = apr_pstrmemdup(p, (const char *)data, size);
    if (pt_link_token_parse(p, tok, &uuid, &mac) == APR_SUCCESS) {
        if (!pt_uuid_valid(uuid) || strlen(mac) != PT_TOKEN_CHARS
            || strlen(tok) != PT_LINK_TOKEN_CHARS) {
            abort();
        }
        if (pt_link_token_check(p, key, sizeof(key), uuid, mac, file,
                                1900000000, 1)) {
            abort();
        }
        again = pt_link_token(p, key, sizeof(key), uuid, file, 1900000000);
        if (pt_link_token_parse(p, again, &u2, &m2) != APR_SUCCESS
            || strcmp(u2, uuid)
            || pt_link_token_check(p, key, sizeof(key), u2, m2, file,
                                   1900000000, 0) != PT_MAC_OK) {
            abort();
        }
    }
    else if (uuid || mac) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
