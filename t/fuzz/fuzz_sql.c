/*
 * fuzz_sql.c -- libFuzzer target for the SQL file readers: the named-query
 * parser and the statement splitter (they read files an operator may
 * edit).
 */
#include <stdint.h>
#include <stddef.h>
#include <apr_general.h>
#include <apr_hash.h>

#include "pt_sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    apr_pool_t *p;
    apr_array_header_t *stmts;
    pt_err_t err = { 0 };

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    pt_sql_parse_named(p, "fuzz.sql", (const char *)data, size,
                       apr_hash_make(p), &err);
    pt_sql_split(p, (const char *)data, size, &stmts);
    apr_pool_destroy(p);
    return 0;
}
