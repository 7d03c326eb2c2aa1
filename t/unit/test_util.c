/*
 * test_util.c -- unit tests of pt_util.c: numbers, times and sizes as
 * text, JSON tied to a pool, and the parsers of whole numbers, sizes and
 * query-string integers that directives, forms and pages share.
 */
#include <string.h>

#include <apr_general.h>

#include "pt_util.h"
#include "pt_test.h"

static void test_text(apr_pool_t *p)
{
    PT_IS_STR(pt_i64(p, 0), "0", "0 in decimal");
    PT_IS_STR(pt_i64(p, -42), "-42", "negative numbers");
    PT_IS_STR(pt_i64(p, APR_INT64_C(9223372036854775807)),
              "9223372036854775807", "the largest 64-bit value");
    PT_IS_STR(pt_fmt_time(p, 0), NULL, "time 0 is never");
    PT_IS_STR(pt_fmt_time(p, -5), NULL, "a negative time is never");
    PT_IS_STR(pt_fmt_time(p, 1), "1970-01-01 00:00:01 UTC", "the epoch");
    PT_IS_STR(pt_fmt_time(p, 1795464902), "2026-11-23 20:15:02 UTC",
              "a time in UTC");
    PT_IS_STR(pt_fmt_size(p, 0), "0 bytes", "no bytes");
    PT_IS_STR(pt_fmt_size(p, 1), "1 byte", "one byte");
    PT_IS_STR(pt_fmt_size(p, 1023), "1023 bytes", "under a KiB");
    PT_IS_STR(pt_fmt_size(p, 1024), "1.0 KiB", "a KiB");
    PT_IS_STR(pt_fmt_size(p, 1536 * 1024), "1.5 MiB", "1.5 MiB");
    PT_IS_STR(pt_fmt_size(p, (apr_off_t)20 << 30), "20 GiB",
              "whole numbers from 10 up");
    PT_IS_STR(pt_fmt_size(p, (apr_off_t)3 << 50), "3072 TiB",
              "TiB is the largest unit");
}

static void json_pool(apr_pool_t *parent)
{
    apr_pool_t *p;
    json_t *j = json_object();

    apr_pool_create(&p, parent);
    json_incref(j);
    PT_OK(pt_json_pool(p, j) == j, "pt_json_pool returns its argument");
    PT_OK(pt_json_pool(p, NULL) == NULL, "and NULL for NULL");
    PT_OK(j->refcount == 2, "no reference taken at once");
    apr_pool_destroy(p);
    PT_OK(j->refcount == 1, "the pool's end drops one reference");
    json_decref(j);
}

#define INT_IS(s, min, max, want_rv, want)                                 \
    do {                                                                   \
        apr_int64_t v_ = -7;                                               \
        apr_status_t rv_ = pt_int_parse(s, min, max, &v_);                 \
        PT_OK(rv_ == (want_rv) && (rv_ != APR_SUCCESS || v_ == (want))     \
              && (rv_ == APR_SUCCESS || v_ == -7),                         \
              "pt_int_parse(%s, %ld, %ld): %d, %ld", (s) ? (s) : "NULL",   \
              (long)(min), (long)(max), rv_, (long)v_);                    \
    } while (0)

static void test_int(void)
{
    INT_IS("0", 0, 10, APR_SUCCESS, 0);
    INT_IS("10", 0, 10, APR_SUCCESS, 10);
    INT_IS("007", 0, 10, APR_SUCCESS, 7);
    INT_IS("11", 0, 10, APR_ERANGE, 0);
    INT_IS("5", 6, 10, APR_ERANGE, 0);
    INT_IS("5x", 0, 10, APR_ERANGE, 0);
    INT_IS("5 ", 0, 10, APR_ERANGE, 0);
    INT_IS("", 0, 10, APR_EINVAL, 0);
    INT_IS(NULL, 0, 10, APR_EINVAL, 0);
    INT_IS("-1", -5, 10, APR_EINVAL, 0);
    INT_IS("+1", 0, 10, APR_EINVAL, 0);
    INT_IS(" 1", 0, 10, APR_EINVAL, 0);
    INT_IS("soon", 0, 10, APR_EINVAL, 0);
    INT_IS("99999999999999999999", 0, APR_INT64_C(9223372036854775807),
           APR_ERANGE, 0);
    INT_IS("9223372036854775807", 0, APR_INT64_C(9223372036854775807),
           APR_SUCCESS, APR_INT64_C(9223372036854775807));
}

#define SIZE_IS(s, min, max, want_rv, want)                                \
    do {                                                                   \
        apr_off_t v_ = -7;                                                 \
        apr_status_t rv_ = pt_size_parse(s, min, max, &v_);                \
        PT_OK(rv_ == (want_rv) && (rv_ != APR_SUCCESS || v_ == (want)),    \
              "pt_size_parse(%s): %d, %ld", s, rv_, (long)v_);             \
    } while (0)

static void test_size(void)
{
    apr_off_t tib = (apr_off_t)1 << 40;

    SIZE_IS("4096", 0, tib, APR_SUCCESS, 4096);
    SIZE_IS("10k", 0, tib, APR_SUCCESS, 10240);
    SIZE_IS("10K", 0, tib, APR_SUCCESS, 10240);
    SIZE_IS("500M", 0, tib, APR_SUCCESS, (apr_off_t)500 << 20);
    SIZE_IS("1G", 0, tib, APR_SUCCESS, (apr_off_t)1 << 30);
    SIZE_IS("1024G", 0, tib, APR_SUCCESS, tib);
    SIZE_IS("1025G", 0, tib, APR_ERANGE, 0);
    SIZE_IS("1023", 1024, tib, APR_ERANGE, 0);
    SIZE_IS("1T", 0, tib, APR_ERANGE, 0);
    SIZE_IS("1kb", 0, tib, APR_ERANGE, 0);
    SIZE_IS("M", 0, tib, APR_EINVAL, 0);
    SIZE_IS("-1", 0, tib, APR_EINVAL, 0);
    SIZE_IS("", 0, tib, APR_EINVAL, 0);
    SIZE_IS("99999999999999999999", 0, tib, APR_ERANGE, 0);
    SIZE_IS("9999999999999999k", 0, tib, APR_ERANGE, 0);
}

static void test_query(void)
{
    PT_OK(pt_query_int(NULL, 1, 1, 9) == 1, "absent: the default");
    PT_OK(pt_query_int("", 1, 1, 9) == 1, "empty: the default");
    PT_OK(pt_query_int("4", 1, 1, 9) == 4, "a number in range");
    PT_OK(pt_query_int("40", 1, 1, 9) == 9, "above the range: its top");
    PT_OK(pt_query_int("0", 1, 1, 9) == 1, "below it: the default");
    PT_OK(pt_query_int("-3", 1, 1, 9) == 1, "negative: the default");
    PT_OK(pt_query_int("4x", 1, 1, 9) == 1, "not a number: the default");
    PT_OK(pt_query_int("x", 2, 1, 9) == 2, "letters: the default");
    PT_OK(pt_query_int("99999999999999999999", 1, 1, 9) == 9,
          "a huge number: the top");
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    test_text(p);
    json_pool(p);
    test_int();
    test_size();
    test_query();
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
