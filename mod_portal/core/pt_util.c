/*
 * pt_util.c -- the helpers of pt_util.h.
 */
#include <errno.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_time.h>

#include "pt_util.h"

const char *pt_i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

static apr_status_t json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

json_t *pt_json_pool(apr_pool_t *p, json_t *j)
{
    if (j) {
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    }
    return j;
}

const char *pt_fmt_time(apr_pool_t *p, apr_int64_t secs)
{
    apr_time_exp_t t;
    apr_size_t n;
    char buf[64];

    if (secs <= 0) {
        return NULL;
    }
    apr_time_exp_gmt(&t, apr_time_from_sec(secs));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &t);
    return apr_pstrmemdup(p, buf, n);
}

const char *pt_fmt_size(apr_pool_t *p, apr_off_t n)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double v = (double)n;
    int u = -1;

    if (n < 1024) {
        return apr_psprintf(p, "%" APR_OFF_T_FMT " byte%s", n,
                            n == 1 ? "" : "s");
    }
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    return apr_psprintf(p, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

apr_status_t pt_int_parse(const char *s, apr_int64_t min, apr_int64_t max,
                          apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!s || !apr_isdigit(*s)) {
        return APR_EINVAL;
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (*end || errno == ERANGE || v < min || v > max) {
        return APR_ERANGE;
    }
    *out = v;
    return APR_SUCCESS;
}

apr_status_t pt_size_parse(const char *s, apr_off_t min, apr_off_t max,
                           apr_off_t *out)
{
    char *end;
    apr_int64_t v, mul = 1;

    if (!s || !apr_isdigit(*s)) {
        return APR_EINVAL;
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    switch (apr_tolower(*end)) {
    case 'k':
        mul = 1024;
        end++;
        break;
    case 'm':
        mul = 1024 * 1024;
        end++;
        break;
    case 'g':
        mul = 1024 * 1024 * 1024;
        end++;
        break;
    }
    if (*end || errno == ERANGE || v > max / mul || v * mul < min) {
        return APR_ERANGE;
    }
    *out = v * mul;
    return APR_SUCCESS;
}

apr_int64_t pt_query_int(const char *v, apr_int64_t def, apr_int64_t min,
                         apr_int64_t max)
{
    char *end;
    apr_int64_t n;

    if (!v || !*v) {
        return def;
    }
    n = apr_strtoi64(v, &end, 10);
    if (*end || n < min) {
        return def;
    }
    return n > max ? max : n;
}
