/*
 * fuzz_template.c -- libFuzzer target for the Mustache engine.
 *
 * The input is parsed as a template; when it parses, it is rendered with a
 * fixed data object (strings with markup, a list, a nested object) and a
 * set of partials holding the input itself as "self" (so recursion and the
 * depth limit are exercised) and a few fixed ones, into a 1 MiB buffer.
 * Parse and render errors are expected; crashes, leaks and sanitizer
 * reports are what the fuzzer looks for.  replay.c runs the seed corpus
 * t/fuzz/corpus/template/ through the same function in `make check`.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include <apr_general.h>

#include "pt_template.h"

static const char fuzz_data[] =
    "{\"title\": \"<b>Tom & Jerry's \\\"show\\\"</b>\","
    " \"n\": 42, \"r\": 3.25, \"t\": true, \"f\": false, \"z\": null,"
    " \"list\": [\"a<\", {\"name\": \"x&y\", \"list\": []}, 7, [1, 2]],"
    " \"user\": {\"name\": \"ann\", \"roles\": [\"admin\", \"dev\"],"
    "  \"address\": {\"city\": \"Zürich\", \"zip\": \"8000\"}},"
    " \"empty\": [], \"s\": \"\"}";

static const struct {
    const char *name;
    const char *src;
} fuzz_partials[] = {
    { "header", "<h1>{{title}}</h1>\n  {{#user}}{{name}}{{/user}}\n" },
    { "item", "<li>{{.}}{{#name}}={{name}}{{/name}}</li>\n" },
    { "loop", "{{#list}}\n  {{>item}}\n{{/list}}\n" },
    { NULL, NULL }
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    apr_pool_t *p;
    pt_tplset_t *set;
    pt_err_t err = { NULL, NULL, 0 };
    pt_buf_t out;
    json_t *json;
    int i;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 0;
    }
    set = pt_tplset_make(p);
    for (i = 0; fuzz_partials[i].name; i++) {
        pt_tplset_add(set, fuzz_partials[i].name, NULL, fuzz_partials[i].src,
                      strlen(fuzz_partials[i].src), &err);
    }
    if (pt_tplset_add(set, "self", "fuzz", (const char *)data, size, &err)
        == APR_SUCCESS) {
        json = json_loads(fuzz_data, 0, NULL);
        pt_buf_init(&out, p, 256, 1024 * 1024);
        pt_tplset_render(set, "self", json, &out, &err);
        json_decref(json);
    }
    else {
        /* Parse errors must say where. */
        if (!err.what || !err.where || err.line < 1) {
            __builtin_trap();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
