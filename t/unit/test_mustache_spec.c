/*
 * test_mustache_spec.c -- runs the official Mustache specification tests.
 *
 * Reads comments, delimiters, interpolation, inverted, partials and
 * sections .json from $top_srcdir/t/unit/mustache-spec/ (top_srcdir
 * defaults to "."), and for every test builds a template set from the
 * test's "partials" plus its "template", renders it with "data" and
 * compares the output with "expected".  One TAP line per test, named
 * "file: test name"; none is skipped.
 */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pt_template.h"
#include "pt_test.h"

/* The name the test's own template gets in the set; no spec partial uses
 * it. */
#define SPEC_TEMPLATE "(spec template)"

static const char *const spec_files[] = {
    "comments", "delimiters", "interpolation", "inverted", "partials",
    "sections", NULL
};

/* Run one test object of file; prints one TAP line. */
static void run_test(apr_pool_t *p, const char *file, json_t *test)
{
    const char *name = json_string_value(json_object_get(test, "name"));
    json_t *tpl = json_object_get(test, "template");
    json_t *expected = json_object_get(test, "expected");
    json_t *partials = json_object_get(test, "partials");
    json_t *data = json_object_get(test, "data");
    pt_tplset_t *set = pt_tplset_make(p);
    pt_err_t err = { NULL, NULL, 0 };
    pt_buf_t out;
    const char *key;
    json_t *val;
    apr_status_t rv = APR_SUCCESS;

    if (!name || !json_is_string(tpl) || !json_is_string(expected)) {
        PT_OK(0, "%s: malformed test %s", file, name ? name : "(unnamed)");
        return;
    }
    json_object_foreach(partials, key, val) {
        if (rv == APR_SUCCESS) {
            rv = pt_tplset_add(set, key, NULL, json_string_value(val),
                               json_string_length(val), &err);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = pt_tplset_add(set, SPEC_TEMPLATE, name, json_string_value(tpl),
                           json_string_length(tpl), &err);
    }
    pt_buf_init(&out, p, 256, 1024 * 1024);
    if (rv == APR_SUCCESS) {
        rv = pt_tplset_render(set, SPEC_TEMPLATE, data, &out, &err);
    }
    if (rv != APR_SUCCESS) {
        PT_OK(0, "%s: %s", file, name);
        printf("#   error: %s\n", pt_err_str(&err, p));
        return;
    }
    PT_IS_STR(out.data, json_string_value(expected), "%s: %s", file, name);
}

/* Run every test of one spec file. */
static void run_file(apr_pool_t *p, const char *dir, const char *file)
{
    const char *path = apr_pstrcat(p, dir, "/", file, ".json", NULL);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    json_t *tests, *test;
    size_t i;

    if (!root) {
        PT_OK(0, "%s: cannot load: %s (line %d)", path, jerr.text, jerr.line);
        return;
    }
    tests = json_object_get(root, "tests");
    PT_OK(json_array_size(tests) > 0, "%s: has tests", file);
    json_array_foreach(tests, i, test) {
        apr_pool_t *tp;

        apr_pool_create(&tp, p);
        run_test(tp, file, test);
        apr_pool_destroy(tp);
    }
    json_decref(root);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    const char *dir;
    apr_pool_t *p;
    int i;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    dir = apr_pstrcat(p, top && *top ? top : ".", "/t/unit/mustache-spec",
                      NULL);
    for (i = 0; spec_files[i]; i++) {
        run_file(p, dir, spec_files[i]);
    }
    apr_pool_destroy(p);
    return pt_test_done();
}
