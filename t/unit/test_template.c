/*
 * test_template.c -- our own tests of the Mustache engine (pt_template.c),
 * beyond the specification suite: escaping, sections over data shaped like
 * the portal's, layouts from partials, the limits (partial depth, steps,
 * output size), parse errors with their line numbers, loading a directory,
 * UTF-8, and many threads rendering one set.
 */
#include <stdlib.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>

#include "pt_template.h"
#include "pt_test.h"

static apr_pool_t *pool;

/* Render src with data (JSON text) and the partials of set (may be NULL);
 * returns the output or "ERROR <rv>: <err>". */
static const char *render(pt_tplset_t *set, const char *src, const char *json)
{
    pt_tplset_t *own = set ? set : pt_tplset_make(pool);
    json_t *data = json_loads(json, JSON_DECODE_ANY, NULL);
    pt_err_t err = { NULL, NULL, 0 };
    pt_buf_t out;
    apr_status_t rv;

    pt_buf_init(&out, pool, 64, 1024 * 1024);
    rv = pt_tplset_add(own, "t", NULL, src, strlen(src), &err);
    if (rv == APR_SUCCESS) {
        rv = pt_tplset_render(own, "t", data, &out, &err);
    }
    json_decref(data);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(pool, "ERROR %d: %s", rv, pt_err_str(&err, pool));
    }
    return out.data;
}

/* Parse src as template "where.html"; check that it fails on `line`. */
static void parse_error(const char *src, int line, const char *what)
{
    pt_tplset_t *set = pt_tplset_make(pool);
    pt_err_t err = { NULL, NULL, 0 };
    apr_status_t rv;

    rv = pt_tplset_add(set, "t", "where.html", src, strlen(src), &err);
    PT_OK(rv == APR_EGENERAL, "%s: parse fails", what);
    PT_OK(err.line == line, "%s: reported on line %d (got %d: %s)", what,
          line, err.line, pt_err_str(&err, pool));
    PT_IS_STR(err.where, "where.html", "%s: names the template", what);
    PT_OK(pt_tplset_get(set, "t") == NULL, "%s: nothing added", what);
}

static void test_escaping(void)
{
    pt_buf_t out;
    apr_status_t rv;

    PT_IS_STR(render(NULL, "{{x}}", "{\"x\": \"a&b<c>d\\\"e'f\"}"),
              "a&amp;b&lt;c&gt;d&quot;e&#39;f", "every special char escaped");
    PT_IS_STR(render(NULL, "{{x}}", "{\"x\": \"&&<<>>\\\"\\\"''\"}"),
              "&amp;&amp;&lt;&lt;&gt;&gt;&quot;&quot;&#39;&#39;",
              "runs of special chars escaped");
    PT_IS_STR(render(NULL, "{{{x}}}|{{& x}}", "{\"x\": \"<a href='#'>&</a>\"}"),
              "<a href='#'>&</a>|<a href='#'>&</a>", "raw is not escaped");
    PT_IS_STR(render(NULL, "<p class=\"a\">&amp;</p>", "{}"),
              "<p class=\"a\">&amp;</p>", "template text is not escaped");
    pt_buf_init(&out, pool, 16, 100);
    rv = pt_html_escape(&out, "x'<\0>", 5);
    PT_OK(rv == APR_SUCCESS && out.len == 15
              && !memcmp(out.data, "x&#39;&lt;\0&gt;", 15),
          "pt_html_escape keeps NUL bytes and counts lengths");
}

static void test_values(void)
{
    PT_IS_STR(render(NULL, "{{i}} {{r}} {{t}} {{f}} [{{n}}] [{{m}}] [{{o}}]",
                     "{\"i\": -42, \"r\": 0.1, \"t\": true, \"f\": false,"
                     " \"n\": null, \"o\": {\"a\": 1}}"),
              "-42 0.1 true false [] [] []", "scalars interpolate");
    PT_IS_STR(render(NULL, "{{a}} {{b}} {{c}}",
                     "{\"a\": 1e300, \"b\": 3.0, \"c\": 123456.789}"),
              "1e+300 3 123456.789", "reals in the shortest exact form");
    PT_IS_STR(render(NULL, "{{#z}}zero{{/z}}{{#e}}empty{{/e}}",
                     "{\"z\": 0, \"e\": \"\"}"),
              "zeroempty", "0 and \"\" are truthy, as the spec says");
    PT_IS_STR(render(NULL, "[{{x}}]", "null"), "[]", "null data");
}

static void test_sections(void)
{
    const char *users =
        "{\"title\": \"Users\", \"users\": ["
        " {\"name\": \"ann\", \"roles\": [{\"role\": \"admin\"},"
        "  {\"role\": \"dev\"}]},"
        " {\"name\": \"bob\", \"roles\": []}]}";

    PT_IS_STR(render(NULL,
                     "{{#users}}{{name}}:{{#roles}}{{role}}@{{title}},"
                     "{{/roles}}{{^roles}}none{{/roles}};{{/users}}",
                     users),
              "ann:admin@Users,dev@Users,;bob:none;",
              "nested sections over arrays of objects, parent lookup");
    PT_IS_STR(render(NULL,
                     "<ul>\n{{#users}}\n  <li>{{name}}</li>\n{{/users}}\n"
                     "</ul>\n", users),
              "<ul>\n  <li>ann</li>\n  <li>bob</li>\n</ul>\n",
              "standalone section lines vanish");
    PT_IS_STR(render(NULL, "{{^items}}No items.{{/items}}",
                     "{\"items\": []}"),
              "No items.", "inverted section on an empty list");
    PT_IS_STR(render(NULL, "{{^items}}No items.{{/items}}",
                     "{\"items\": [1]}"),
              "", "inverted section on a non-empty list");
    PT_IS_STR(render(NULL, "{{#user}}{{name}} {{user.name}}{{/user}}",
                     "{\"user\": {\"name\": \"ann\"}}"),
              "ann ann", "object section pushes the object");
    PT_IS_STR(render(NULL, "{{#a.b}}{{c}}{{/a.b}}",
                     "{\"a\": {\"b\": {\"c\": \"deep\"}}}"),
              "deep", "dotted section name");
}

static void test_partials(void)
{
    pt_tplset_t *set = pt_tplset_make(pool);
    pt_err_t err = { NULL, NULL, 0 };
    const char *header = "<html><title>{{title}}</title>\n<body>\n";
    const char *footer = "<footer>{{year}}</footer>\n</body></html>\n";
    const char *item = "<li>{{.}}</li>\n";
    const char *self = "x{{>self}}";
    const char *outer = "[\n  {{>inner}}\n]\n";
    json_t *data;
    pt_buf_t out;
    apr_status_t rv;

    pt_tplset_add(set, "header", NULL, header, strlen(header), &err);
    pt_tplset_add(set, "footer", NULL, footer, strlen(footer), &err);
    pt_tplset_add(set, "item", NULL, item, strlen(item), &err);
    PT_IS_STR(render(set,
                     "{{> header}}\n"
                     "<ul>\n"
                     "  {{#list}}\n"
                     "    {{>item}}\n"
                     "  {{/list}}\n"
                     "</ul>\n"
                     "{{> footer}}\n",
                     "{\"title\": \"A&B\", \"year\": 2024,"
                     " \"list\": [\"one\", \"<two>\"]}"),
              "<html><title>A&amp;B</title>\n<body>\n"
              "<ul>\n"
              "    <li>one</li>\n"
              "    <li>&lt;two&gt;</li>\n"
              "</ul>\n"
              "<footer>2024</footer>\n</body></html>\n",
              "layout: header/footer partials, indented item partial");

    pt_tplset_add(set, "inner", NULL, "a\nb\n", 4, &err);
    pt_tplset_add(set, "outer", NULL, outer, strlen(outer), &err);
    PT_IS_STR(render(set, "  {{>outer}}\n", "{}"),
              "  [\n    a\n    b\n  ]\n", "indentation of nested partials adds");
    PT_IS_STR(render(set, "  {{>inner}}\n", "{\"x\": \"1\\n2\"}"),
              "  a\n  b\n", "standalone partial indents its lines");
    PT_IS_STR(render(set, "-{{>nosuch}}-", "{}"), "--",
              "missing partial is empty");

    /* A partial that includes itself: an error at the depth limit. */
    pt_tplset_add(set, "self", NULL, self, strlen(self), &err);
    data = json_object();
    pt_buf_init(&out, pool, 64, 1024 * 1024);
    err.what = NULL;
    rv = pt_tplset_render(set, "self", data, &out, &err);
    PT_OK(rv == APR_EGENERAL, "self-including partial fails (rv %d)", rv);
    PT_OK(err.what && strstr(err.what, "nested deeper"),
          "... saying so: %s", pt_err_str(&err, pool));
    PT_IS_STR(err.where, "self", "... naming the template");
    PT_OK(out.len == PT_TEMPLATE_MAX_DEPTH + 1,
          "... after %d levels (%d bytes)", PT_TEMPLATE_MAX_DEPTH,
          (int)out.len);

    /* A template rendered without a set: partials are empty. */
    pt_buf_init(&out, pool, 64, 1024);
    rv = pt_template_render(pt_tplset_get(set, "outer"), data, NULL, &out,
                            &err);
    PT_IS_STR(rv == APR_SUCCESS ? out.data : "fail", "[\n]\n",
              "NULL set: partials are empty");
    json_decref(data);

    pt_buf_init(&out, pool, 64, 1024);
    rv = pt_tplset_render(set, "nosuch", NULL, &out, &err);
    PT_OK(rv == APR_NOTFOUND,
          "pt_tplset_render of an unknown name is APR_NOTFOUND");

    pt_tplset_add(set, "header", NULL, "new", 3, &err);
    PT_IS_STR(render(set, "{{>header}}", "{}"), "new",
              "adding a name again replaces the template");
}

static void test_limits(void)
{
    pt_tplset_t *set = pt_tplset_make(pool);
    pt_err_t err = { NULL, NULL, 0 };
    const char *src = "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}"
                      "{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}";
    const char *big = "<{{x}}>{{x}}{{x}}{{x}}";
    json_t *data;
    pt_buf_t out;
    apr_status_t rv;
    char *deep;
    int i;

    /* 10^8 iterations would take minutes: refused after the step limit. */
    data = json_loads("{\"l\": [0,1,2,3,4,5,6,7,8,9]}", 0, NULL);
    pt_tplset_add(set, "t", NULL, src, strlen(src), &err);
    pt_buf_init(&out, pool, 64, 1024);
    rv = pt_tplset_render(set, "t", data, &out, &err);
    PT_OK(rv == APR_EGENERAL && err.what && strstr(err.what, "steps"),
          "exponential sections stop at the step limit: %s",
          pt_err_str(&err, pool));
    src = "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}"
          "{{/l}}";
    pt_tplset_add(set, "t", NULL, src, strlen(src), &err);
    pt_buf_init(&out, pool, 64, 2 * 1000 * 1000);
    rv = pt_tplset_render(set, "t", data, &out, &err);
    PT_OK(rv == APR_SUCCESS && out.len == 1000 * 1000,
          "a million iterations are within the step limit");
    json_decref(data);

    /* The output bound. */
    data = json_loads("{\"x\": \"0123456789\"}", 0, NULL);
    pt_tplset_add(set, "big", NULL, big, strlen(big), &err);
    pt_buf_init(&out, pool, 16, 25);
    rv = pt_tplset_render(set, "big", data, &out, &err);
    PT_OK(rv == APR_ENOSPC, "APR_ENOSPC when the buffer is full (rv %d)",
          rv);
    PT_OK(out.len <= 25, "... and the buffer stays within its max");
    pt_buf_init(&out, pool, 16, 10);
    rv = pt_tplset_render(set, "big", data, &out, &err);
    PT_OK(rv == APR_ENOSPC, "APR_ENOSPC on the first text node");
    pt_buf_init(&out, pool, 16, 42);
    rv = pt_tplset_render(set, "big", data, &out, &err);
    PT_OK(rv == APR_SUCCESS && out.len == 42, "exactly max fits");
    json_decref(data);

    /* Sections nested too deep: a parse error, not a stack overflow. */
    deep = apr_palloc(pool, 6 * 1000 + 1);
    for (i = 0; i < 1000; i++) {
        memcpy(deep + i * 6, "{{#a}}", 6);
    }
    deep[6000] = '\0';
    rv = pt_tplset_add(set, "deep", NULL, deep, 6000, &err);
    PT_OK(rv == APR_EGENERAL,
          "1000 nested sections refused: %s", pt_err_str(&err, pool));
}

static void test_parse_errors(void)
{
    parse_error("line 1\nline 2\n{{#open}}\nline 4\nline 5\n", 3,
                "unclosed section opened on line 3");
    parse_error("a\nb\nc\nd\n{{/x}}\n", 5, "stray {{/x}} on line 5");
    parse_error("{{#x}}\n\n{{/y}}\n", 3, "{{/y}} closing {{#x}}");
    parse_error("{{#x}}\n{{#y}}\n{{/x}}\n{{/y}}", 3, "crossed sections");
    parse_error("a\n\nb {{name and more\n\n", 3,
                "unclosed tag (no closing delimiter after it)");
    parse_error("a\n{{{raw}}\n", 2, "unclosed triple mustache");
    parse_error("\n\n\n{{=<% %>=}}\n<%x}}\n", 5,
                "unclosed tag after a delimiter change");
    parse_error("\n{{= <% =}}\n", 2, "delimiter change with one delimiter");
    parse_error("{{=<% % %>=}}", 1, "delimiter change with three");
    parse_error("x\ny {{ }}", 2, "empty tag name");
    parse_error("x\n{{#}}{{/}}", 2, "empty section name");
    parse_error("\n\n\n{{>   }}", 4, "empty partial name");
    parse_error("{{a..b}}", 1, "empty part in a dotted name");
    parse_error("{{! a\nb\nc }}\n{{#s}}\n{{! d\ne }}\n", 4,
                "line numbers count newlines inside comments");
    PT_IS_STR(render(NULL, "{{x}", "{}"), apr_psprintf(pool,
              "ERROR %d: t:1: unclosed tag {{", APR_EGENERAL),
              "where defaults to the name");
}

/* Write content to dir/name. */
static apr_status_t write_file(const char *dir, const char *name,
                               const char *content)
{
    apr_file_t *f;
    apr_size_t n = strlen(content);
    apr_status_t rv;
    char *path;

    rv = apr_filepath_merge(&path, dir, name, 0, pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                           | APR_FOPEN_TRUNCATE, APR_OS_DEFAULT, pool);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, content, n, NULL);
        apr_file_close(f);
    }
    return rv;
}

static void remove_file(const char *dir, const char *name)
{
    char *path;

    if (apr_filepath_merge(&path, dir, name, 0, pool) == APR_SUCCESS) {
        apr_file_remove(path, pool);
    }
}

static void test_load_dir(void)
{
    const char *tmpdir, *dir;
    pt_tplset_t *set;
    pt_err_t err = { NULL, NULL, 0 };
    pt_buf_t out;
    json_t *data;
    apr_status_t rv;
    char *sub;

    if (apr_temp_dir_get(&tmpdir, pool) != APR_SUCCESS) {
        tmpdir = "/tmp";
    }
    dir = apr_psprintf(pool, "%s/pt_tpl_test.%ld", tmpdir, (long)getpid());
    rv = apr_dir_make(dir, APR_OS_DEFAULT, pool);
    PT_OK(rv == APR_SUCCESS, "made %s", dir);
    write_file(dir, "page.mustache", "<h1>{{title}}</h1>\n{{>item}}\n");
    write_file(dir, "item.mustache", "<p>{{body}}</p>\n");
    write_file(dir, "notes.txt", "{{#broken");
    write_file(dir, ".hidden.mustache", "{{#broken");
    sub = apr_pstrcat(pool, dir, "/sub.mustache", NULL);
    apr_dir_make(sub, APR_OS_DEFAULT, pool);

    set = pt_tplset_make(pool);
    rv = pt_tplset_load_dir(set, dir, ".mustache", &err);
    PT_OK(rv == APR_SUCCESS, "load_dir: %s",
          rv ? pt_err_str(&err, pool) : "ok");
    PT_OK(pt_tplset_get(set, "page") && pt_tplset_get(set, "item"),
          "both templates loaded under their names");
    PT_OK(!pt_tplset_get(set, "notes") && !pt_tplset_get(set, "notes.txt")
              && !pt_tplset_get(set, "sub") && !pt_tplset_get(set, ".hidden"),
          "other extensions, directories and dot files are not");
    data = json_loads("{\"title\": \"T\", \"body\": \"B\"}", 0, NULL);
    pt_buf_init(&out, pool, 64, 1024);
    rv = pt_tplset_render(set, "page", data, &out, &err);
    PT_IS_STR(rv ? "fail" : out.data, "<h1>T</h1>\n<p>B</p>\n",
              "loaded templates render with each other as partials");
    json_decref(data);

    write_file(dir, "bad.mustache", "ok\nok\n{{#s}}\n");
    err.what = NULL;
    rv = pt_tplset_load_dir(pt_tplset_make(pool), dir, ".mustache", &err);
    PT_OK(rv == APR_EGENERAL && err.line == 3 && err.where
              && strstr(err.where, "bad.mustache"),
          "a bad file fails with its path and line: %s",
          pt_err_str(&err, pool));

    err.what = NULL;
    rv = pt_tplset_load_dir(pt_tplset_make(pool),
                            apr_pstrcat(pool, dir, "/nosuch", NULL),
                            ".mustache", &err);
    PT_OK(rv != APR_SUCCESS && err.what, "a missing directory fails: %s",
          pt_err_str(&err, pool));

    remove_file(dir, "page.mustache");
    remove_file(dir, "item.mustache");
    remove_file(dir, "bad.mustache");
    remove_file(dir, "notes.txt");
    remove_file(dir, ".hidden.mustache");
    apr_dir_remove(sub, pool);
    rv = apr_dir_remove(dir, pool);
    PT_OK(rv == APR_SUCCESS, "removed %s", dir);
}

static void test_utf8(void)
{
    PT_IS_STR(render(NULL, "Grüße, {{name}} ✓ {{{raw}}} — ½\n",
                     "{\"name\": \"Zoë <日本語>\", \"raw\": \"\xf0\x9f\x98\x80\"}"),
              "Grüße, Zoë &lt;日本語&gt; ✓ \xf0\x9f\x98\x80 — ½\n",
              "UTF-8 passes through untouched");
    PT_IS_STR(render(NULL, "{{#ключ}}{{значение}}{{/ключ}}",
                     "{\"ключ\": {\"значение\": \"да\"}}"),
              "да", "UTF-8 names");
}

/* Many threads render one set at once; each checks its own output. */
typedef struct {
    const pt_tplset_t *set;
    json_t *data;
    int bad;
} thread_arg_t;

static void *APR_THREAD_FUNC render_thread(apr_thread_t *t, void *arg)
{
    thread_arg_t *ta = arg;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged(&p);
    for (i = 0; i < 300; i++) {
        pt_buf_t out;
        pt_err_t err;

        apr_pool_clear(p);
        pt_buf_init(&out, p, 64, 4096);
        if (pt_tplset_render(ta->set, "page", ta->data, &out, &err)
            || strcmp(out.data, "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n")) {
            ta->bad++;
        }
    }
    apr_pool_destroy(p);
    return NULL;
}

static void test_threads(void)
{
    pt_tplset_t *set = pt_tplset_make(pool);
    pt_err_t err;
    const char *page = "<ul>\n{{#l}}\n  {{>li}}\n{{/l}}\n</ul>\n";
    apr_thread_t *th[8];
    thread_arg_t ta[8];
    apr_status_t rv;
    int i, bad = 0;

    pt_tplset_add(set, "page", NULL, page, strlen(page), &err);
    pt_tplset_add(set, "li", NULL, "<li>{{.}}</li>\n", 15, &err);
    for (i = 0; i < 8; i++) {
        ta[i].set = set;
        ta[i].data = json_loads("{\"l\": [\"a\", \"b\"]}", 0, NULL);
        ta[i].bad = 0;
        apr_thread_create(&th[i], NULL, render_thread, &ta[i], pool);
    }
    for (i = 0; i < 8; i++) {
        apr_thread_join(&rv, th[i]);
        bad += ta[i].bad;
        json_decref(ta[i].data);
    }
    PT_OK(bad == 0, "8 threads x 300 renders of one set agree (%d bad)",
          bad);
}

int main(void)
{
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);

    test_escaping();
    test_values();
    test_sections();
    test_partials();
    test_limits();
    test_parse_errors();
    test_load_dir();
    test_utf8();
    test_threads();

    apr_pool_destroy(pool);
    return pt_test_done();
}
