/*
 * pt_tz.h -- Unix time to local civil time in an IANA time zone.
 *
 * The dashboard shows times in the user's own zone ("Europe/Berlin").  The
 * C library can only switch zones through setenv("TZ") + tzset(), which is
 * process-wide and not thread-safe, so this module reads the compiled zone
 * files (TZif, RFC 8536 / tzfile(5): versions 1 to 4, the 64-bit data when
 * present, the POSIX TZ footer for times after the last transition) itself.
 *
 * Parsed zones are kept in a cache shared by all threads: at most
 * PT_TZ_MAX_ZONES zones, each loaded on first use and kept for the life of
 * the cache's pool.  A zone asked for once the cache is full is still
 * answered correctly, by reading its file again on every call.
 *
 * Zone names are checked before any file is opened: only the characters
 * [A-Za-z0-9/_+-], at most PT_TZ_NAME_MAX of them, no leading '/', no "..",
 * no empty path component.  Files using leap seconds ("right/...") are
 * refused.
 */
#ifndef PT_TZ_H
#define PT_TZ_H

#include <apr_pools.h>
#include <apr_time.h>

#include "pt_core.h"

#define PT_TZ_MAX_ZONES 64
#define PT_TZ_NAME_MAX  128
#define PT_TZ_DEFAULT_DIR "/usr/share/zoneinfo"

typedef struct pt_tz_cache_t pt_tz_cache_t;

/* A new, empty cache reading zones from zoneinfo_dir (NULL:
 * PT_TZ_DEFAULT_DIR).  The cache lives until p is destroyed and may be used
 * from any number of threads at once.  Create it before threads start. */
apr_status_t pt_tz_cache_create(apr_pool_t *p, const char *zoneinfo_dir,
                                pt_tz_cache_t **c);

/* 1 when zone is an acceptable zone name (see the top of this file); says
 * nothing about whether such a zone exists. */
int pt_tz_name_valid(const char *zone);

/* Local time of t (seconds since 1970-01-01 UTC) in zone: fills *exp (with
 * tm_gmtoff in seconds east of UTC, tm_isdst, tm_wday, tm_yday; tm_usec 0)
 * and *abbr ("CET", "+0530" or ""; valid as long as the cache).
 * APR_ENOENT for an invalid or unknown zone name, a file that is not a zone
 * file or a leap-second zone; APR_EGENERAL for a damaged zone file;
 * APR_EINVAL when c is NULL or |t| > 2^53.  err (may be NULL) then says
 * what; its strings are static or point to zone (no pool is used, so a
 * long-lived cache does not grow with failed calls). */
apr_status_t pt_tz_local(pt_tz_cache_t *c, const char *zone, apr_int64_t t,
                         apr_time_exp_t *exp, const char **abbr,
                         pt_err_t *err);

/* "2026-11-23 21:15 CET" for t in zone, or "2026-11-23 20:15 UTC" when c or
 * zone is NULL or the zone cannot be used.  Never NULL. */
const char *pt_tz_format(pt_tz_cache_t *c, apr_pool_t *p, const char *zone,
                         apr_int64_t t);

#endif /* PT_TZ_H */
