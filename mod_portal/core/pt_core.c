/*
 * pt_core.c -- error reporting shared by the core.
 */
#include <stdarg.h>
#include <apr_strings.h>

#include "pt_core.h"

apr_status_t pt_err_set(pt_err_t *err, apr_pool_t *p, const char *where,
                        int line, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        va_start(ap, fmt);
        err->what = apr_pvsprintf(p, fmt, ap);
        va_end(ap);
        err->where = where ? apr_pstrdup(p, where) : NULL;
        err->line = line;
    }
    return APR_EGENERAL;
}

const char *pt_err_str(const pt_err_t *err, apr_pool_t *p)
{
    if (!err || !err->what) {
        return "unknown error";
    }
    if (err->where && err->line > 0) {
        return apr_psprintf(p, "%s:%d: %s", err->where, err->line, err->what);
    }
    if (err->where) {
        return apr_psprintf(p, "%s: %s", err->where, err->what);
    }
    return err->what;
}
