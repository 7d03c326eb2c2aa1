/*
 * fuzz_form.c -- libFuzzer target for the urlencoded form parser.
 *
 * Each input is parsed as a body with pt_form_parse(); on success every
 * name and value is checked again with pt_utf8_valid() (the parser promised
 * it) and percent-encoded with pt_url_encode(), whose output is parsed back
 * and must give the value again.  Any broken promise aborts, so libFuzzer
 * (or replay.c under the sanitizers) reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "pt_form.h"

static int initialized;

/* The round trip: "k=" + encode(v) parses to { k: v }. */
static void check_round_trip(apr_pool_t *p, const char *v)
{
    const char *enc = pt_url_encode(p, v);
    const char *body = apr_pstrcat(p, "k=", enc, NULL);
    apr_table_t *t = NULL;
    const char *got;
    pt_err_t err;

    if (pt_form_parse(p, body, strlen(body), &t, &err) != APR_SUCCESS) {
        abort();
    }
    got = apr_table_get(t, "k");
    if (!got || strcmp(got, v) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_table_t *t = NULL;
    pt_err_t err;
    apr_status_t rv;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);

    memset(&err, 0, sizeof(err));
    rv = pt_form_parse(p, (const char *)data, size, &t, &err);
    if (rv == APR_SUCCESS) {
        const apr_array_header_t *arr = apr_table_elts(t);
        const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
        int i;

        if (arr->nelts > PT_FORM_MAX_FIELDS) {
            abort();
        }
        for (i = 0; i < arr->nelts; i++) {
            if (!pt_utf8_valid(e[i].key, strlen(e[i].key))
                || !pt_utf8_valid(e[i].val, strlen(e[i].val))) {
                abort();
            }
            check_round_trip(p, e[i].val);
        }
    }
    else if (rv != APR_EINVAL || t != NULL || !err.what) {
        abort();
    }
    /* The validator and encoder must cope with raw input too. */
    (void)pt_utf8_valid((const char *)data, size);
    if (size > 0 && memchr(data, '\0', size) == NULL) {
        (void)pt_url_encode(p, apr_pstrmemdup(p, (const char *)data, size));
    }

    apr_pool_destroy(p);
    return 0;
}
