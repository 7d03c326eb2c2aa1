/*
 * pt_core.h -- shared definitions of the mod_portal core.
 *
 * The core is pure C on APR, APR-util, OpenSSL, jansson and the chosen
 * libraries.  It never includes an httpd header (scripts/checksrc enforces
 * this), so everything here builds and is tested without a web server.
 *
 * Errors: functions return apr_status_t and, where a caller has to tell a
 * person what went wrong, fill a pt_err_t (what happened, where).
 */
#ifndef PT_CORE_H
#define PT_CORE_H

#include <apr_pools.h>
#include <apr_errno.h>

/* What went wrong and where: "where" is a file or template name, "line" a
 * 1-based line number or 0 when it does not apply.  Strings live in the pool
 * given to pt_err_set(). */
typedef struct pt_err_t {
    const char *what;
    const char *where;
    int line;
} pt_err_t;

/* Fill err (when not NULL) with a formatted message; returns APR_EGENERAL so
 * that callers can write `return pt_err_set(err, ...);`. */
apr_status_t pt_err_set(pt_err_t *err, apr_pool_t *p, const char *where,
                        int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "where:line: what", or "what" when where is unset. */
const char *pt_err_str(const pt_err_t *err, apr_pool_t *p);

#endif /* PT_CORE_H */
