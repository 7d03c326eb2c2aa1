/*
 * test_form.c -- unit tests of pt_form.c: the strict urlencoded parser,
 * UTF-8 validation and URL encoding.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "pt_form.h"
#include "pt_test.h"

/* Parse a C string; returns the table or NULL (then *rv says why). */
static apr_table_t *parse(apr_pool_t *p, const char *body, apr_status_t *rv,
                          pt_err_t *err)
{
    apr_table_t *t = NULL;

    memset(err, 0, sizeof(*err));
    *rv = pt_form_parse(p, body, strlen(body), &t, err);
    return t;
}

/* Expect body to be refused with APR_EINVAL and a message. */
static void refused(apr_pool_t *p, const char *body, const char *what)
{
    pt_err_t err;
    apr_status_t rv;
    apr_table_t *t = parse(p, body, &rv, &err);

    PT_OK(rv == APR_EINVAL && t == NULL && err.what != NULL,
          "%s refused (%s)", what, err.what ? err.what : "no message");
}

static void test_parse(apr_pool_t *p)
{
    pt_err_t err;
    apr_status_t rv;
    apr_table_t *t;
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    static const char bin[] = "a=1\0b=2";

    t = parse(p, "username=alice&email=alice%40example.com&remember=on",
              &rv, &err);
    PT_OK(rv == APR_SUCCESS && t != NULL, "normal body parses");
    PT_IS_STR(apr_table_get(t, "username"), "alice", "username");
    PT_IS_STR(apr_table_get(t, "email"), "alice@example.com", "%%40 is '@'");
    PT_IS_STR(apr_table_get(t, "remember"), "on", "remember");
    PT_OK(apr_table_elts(t)->nelts == 3, "three fields");

    t = parse(p, "q=hello+world&r=a%2Bb&s=%2b", &rv, &err);
    PT_IS_STR(apr_table_get(t, "q"), "hello world", "'+' is a space");
    PT_IS_STR(apr_table_get(t, "r"), "a+b", "%%2B is '+'");
    PT_IS_STR(apr_table_get(t, "s"), "+", "lower-case %%2b is '+'");

    t = parse(p, "first+name=Zo%C3%AB&last%20name=%C3%85str%C3%B6m", &rv,
              &err);
    PT_IS_STR(apr_table_get(t, "first name"), "Zo\xc3\xab",
              "'+' in a name, UTF-8 value");
    PT_IS_STR(apr_table_get(t, "last name"), "\xc3\x85str\xc3\xb6m",
              "%%20 in a name");

    t = parse(p, "a=1&&b=2&", &rv, &err);
    PT_OK(rv == APR_SUCCESS && apr_table_elts(t)->nelts == 2,
          "empty segments skipped");
    PT_IS_STR(apr_table_get(t, "b"), "2", "field after an empty segment");

    t = parse(p, "flag&x=", &rv, &err);
    PT_IS_STR(apr_table_get(t, "flag"), "", "name without '=' has value ''");
    PT_IS_STR(apr_table_get(t, "x"), "", "name with '=' and no value");

    t = parse(p, "k=a=b", &rv, &err);
    PT_IS_STR(apr_table_get(t, "k"), "a=b", "value keeps later '='");

    t = parse(p, "tag=one&tag=two&tag=three", &rv, &err);
    PT_IS_STR(apr_table_get(t, "tag"), "one", "repeated name: first value");
    arr = apr_table_elts(t);
    e = (const apr_table_entry_t *)arr->elts;
    PT_OK(arr->nelts == 3 && !strcmp(e[1].val, "two")
          && !strcmp(e[2].val, "three"), "repeated name keeps every value");

    t = parse(p, "", &rv, &err);
    PT_OK(rv == APR_SUCCESS && t && apr_table_elts(t)->nelts == 0,
          "empty body is an empty table");
    t = NULL;
    rv = pt_form_parse(p, NULL, 0, &t, &err);
    PT_OK(rv == APR_SUCCESS && t && apr_table_elts(t)->nelts == 0,
          "NULL body of length 0 is an empty table");
    t = parse(p, "&&&", &rv, &err);
    PT_OK(rv == APR_SUCCESS && apr_table_elts(t)->nelts == 0,
          "only separators is an empty table");

    /* Only len bytes are read. */
    t = NULL;
    rv = pt_form_parse(p, "a=1&b=2", 3, &t, &err);
    PT_OK(rv == APR_SUCCESS && apr_table_elts(t)->nelts == 1
          && !apr_table_get(t, "b"), "length is respected");

    t = parse(p, "c=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
              "&s='%20OR%201=1;--&d=%22%26%23x27;&h=<b>\"'&e=%25", &rv, &err);
    PT_IS_STR(apr_table_get(t, "c"), "<script>alert(1)</script>",
              "HTML passes through decoded");
    PT_IS_STR(apr_table_get(t, "s"), "' OR 1=1;--", "SQL passes through");
    PT_IS_STR(apr_table_get(t, "d"), "\"&#x27;", "entities are not decoded");
    PT_IS_STR(apr_table_get(t, "h"), "<b>\"'", "raw metacharacters kept");
    PT_IS_STR(apr_table_get(t, "e"), "%", "%%25 is '%%'");

    refused(p, "a=%zz", "%zz");
    refused(p, "a=%g0", "%g0");
    refused(p, "a=%00", "%00");
    refused(p, "%00=x", "%00 in a name");
    refused(p, "a=%4", "truncated %4");
    refused(p, "a=%", "lone %");
    refused(p, "a=x%", "% at the end");
    refused(p, "a=1&b=%C3%28", "invalid UTF-8 %C3%28");
    refused(p, "a=%C0%AF", "overlong %C0%AF");
    refused(p, "a=%E0%80%AF", "overlong 3-byte");
    refused(p, "a=%ED%A0%80", "surrogate U+D800");
    refused(p, "a=%F4%90%80%80", "above U+10FFFF");
    refused(p, "a=%C3", "truncated sequence");
    refused(p, "a=\xff", "raw 0xff byte");
    refused(p, "n\xc3=1", "raw invalid UTF-8 in a name");

    memset(&err, 0, sizeof(err));
    t = NULL;
    rv = pt_form_parse(p, bin, sizeof(bin) - 1, &t, &err);
    PT_OK(rv == APR_EINVAL && t == NULL, "raw NUL byte refused");
}

static void test_limits(apr_pool_t *p)
{
    char *body;
    pt_err_t err;
    apr_status_t rv;
    apr_table_t *t;
    int i;

    body = "";
    for (i = 0; i < PT_FORM_MAX_FIELDS; i++) {
        body = apr_psprintf(p, "%s%sf%d=%d", body, i ? "&" : "", i, i);
    }
    t = parse(p, body, &rv, &err);
    PT_OK(rv == APR_SUCCESS
          && apr_table_elts(t)->nelts == PT_FORM_MAX_FIELDS,
          "%d fields accepted", PT_FORM_MAX_FIELDS);
    PT_IS_STR(apr_table_get(t, "f255"), "255", "last of them");

    body = apr_pstrcat(p, body, "&&&", NULL);
    t = parse(p, body, &rv, &err);
    PT_OK(rv == APR_SUCCESS, "empty segments do not count as fields");

    body = apr_pstrcat(p, body, "f256=256", NULL);
    t = parse(p, body, &rv, &err);
    PT_OK(rv == APR_EINVAL && t == NULL && err.what
          && strstr(err.what, "256"), "%d fields refused (%s)",
          PT_FORM_MAX_FIELDS + 1, err.what ? err.what : "no message");

    rv = pt_form_parse(p, "a=%zz", 5, &t, NULL);
    PT_OK(rv == APR_EINVAL, "err may be NULL");
}

static void test_utf8(void)
{
    PT_OK(pt_utf8_valid("", 0), "empty is valid");
    PT_OK(pt_utf8_valid("plain ascii", 11), "ASCII");
    PT_OK(pt_utf8_valid("Zo\xc3\xab \xc3\x85str\xc3\xb6m", 13),
          "2-byte sequences");
    PT_OK(pt_utf8_valid("\xe2\x82\xac", 3), "U+20AC");
    PT_OK(pt_utf8_valid("\xef\xbf\xbf", 3), "U+FFFF");
    PT_OK(pt_utf8_valid("\xf0\x9f\x98\x80", 4), "U+1F600");
    PT_OK(pt_utf8_valid("\xf4\x8f\xbf\xbf", 4), "U+10FFFF");
    PT_OK(pt_utf8_valid("\xed\x9f\xbf", 3), "U+D7FF");
    PT_OK(pt_utf8_valid("\xee\x80\x80", 3), "U+E000");
    PT_OK(!pt_utf8_valid("a\0b", 3), "NUL refused");
    PT_OK(!pt_utf8_valid("\xc0\xaf", 2), "overlong 2-byte refused");
    PT_OK(!pt_utf8_valid("\xc1\xbf", 2), "overlong C1 refused");
    PT_OK(!pt_utf8_valid("\xe0\x9f\xbf", 3), "overlong 3-byte refused");
    PT_OK(!pt_utf8_valid("\xf0\x8f\xbf\xbf", 4), "overlong 4-byte refused");
    PT_OK(!pt_utf8_valid("\xed\xa0\x80", 3), "high surrogate refused");
    PT_OK(!pt_utf8_valid("\xed\xbf\xbf", 3), "low surrogate refused");
    PT_OK(!pt_utf8_valid("\xf4\x90\x80\x80", 4), "U+110000 refused");
    PT_OK(!pt_utf8_valid("\xf5\x80\x80\x80", 4), "F5 lead refused");
    PT_OK(!pt_utf8_valid("\x80", 1), "lone continuation refused");
    PT_OK(!pt_utf8_valid("\xe2\x82", 2), "truncated 3-byte refused");
    PT_OK(!pt_utf8_valid("\xe2\x82\xac", 2), "length is respected");
    PT_OK(!pt_utf8_valid("\xe2\x28\xac", 3), "bad continuation refused");
    PT_OK(!pt_utf8_valid("\xff", 1), "0xff refused");
}

static void test_url_encode(apr_pool_t *p)
{
    PT_IS_STR(pt_url_encode(p, "AZaz09-._~"), "AZaz09-._~",
              "unreserved characters kept");
    PT_IS_STR(pt_url_encode(p, "a b&c=d/e?f#g+h%"),
              "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25", "reserved encoded");
    PT_IS_STR(pt_url_encode(p, "Zo\xc3\xab"), "Zo%C3%AB",
              "UTF-8 bytes encoded upper case");
    PT_IS_STR(pt_url_encode(p, ""), "", "empty string");
    PT_IS_STR(pt_url_encode(p, NULL), "", "NULL gives empty string");
}

static void test_round_trip(apr_pool_t *p)
{
    const char *v = "x y+z&=%\xc3\xa9<>\"'";
    pt_err_t err;
    apr_status_t rv;
    apr_table_t *t;
    const char *body = apr_pstrcat(p, "k=", pt_url_encode(p, v), NULL);

    t = parse(p, body, &rv, &err);
    PT_IS_STR(apr_table_get(t, "k"), v, "encode then parse round trip");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_parse(p);
    test_limits(p);
    test_utf8();
    test_url_encode(p);
    test_round_trip(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
