/*
 * fuzz_audit_line.c -- libFuzzer target for the activity-log export
 * parser (pt_audit_parse_line), which `portalctl audit verify --file`
 * runs on a file anyone may hand it.
 *
 * Promises checked (abort on a broken one): an entry line that parses is
 * exactly what pt_audit_export_entry writes for the row it holds (so the
 * bytes shown are the bytes hashed), and its hash check does not crash; a
 * seal line that parses has a token of at most PT_TSA_MAX_DER bytes and a
 * 64-hex hash, and its export parses again to the same seal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pt_audit.h"

static int initialized;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    pt_audit_line_t l, l2;
    pt_err_t err = { 0 };
    const char *again;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    if (pt_audit_parse_line(p, (const char *)data, size, &l, &err)
        == APR_SUCCESS) {
        if (l.kind == 'E') {
            again = pt_audit_export_entry(p, &l.row);
            if (strlen(again) != size + 1 || memcmp(again, data, size)) {
                abort();
            }
            (void)pt_audit_row_ok(p, &l.row);
        }
        else if (l.kind == 'S') {
            if (l.seal.token_len > PT_TSA_MAX_DER
                || strlen(l.seal.hash) != PT_AUDIT_HASH_HEX) {
                abort();
            }
            again = pt_audit_export_seal(p, &l.seal);
            if (pt_audit_parse_line(p, again, strlen(again) - 1, &l2, &err)
                    != APR_SUCCESS
                || l2.kind != 'S' || l2.seal.entry_id != l.seal.entry_id
                || l2.seal.token_len != l.seal.token_len
                || memcmp(l2.seal.token, l.seal.token, l.seal.token_len)
                || strcmp(l2.seal.hash, l.seal.hash)) {
                abort();
            }
        }
        else if (l.kind != '#') {
            abort();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
