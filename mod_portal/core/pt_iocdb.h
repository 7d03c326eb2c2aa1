/*
 * pt_iocdb.h -- indicators of compromise into and out of the database:
 * one pull of a feed (fetch, parse, allowlist, upsert, retention, cached
 * counts, the feed's status), the allowlist, and leases between nodes.
 *
 * Used by the watchdog job (jobs/ioc.c) and by `portalctl
 * ioc-refresh`, so both do exactly the same thing.  A pull is one
 * transaction: a feed that fails (network, HTTP status, garbage,
 * truncated body) changes nothing but its status row, and the other feeds
 * are not affected.
 */
#ifndef PT_IOCDB_H
#define PT_IOCDB_H

#include "pt_core.h"
#include "pt_sql.h"
#include "pt_ioc.h"

/* Values that must never be shown as indicators: exact values, and for
 * host names every name below an allowlisted domain (url, domain,
 * ip:port, ip and email indicators are matched by their host). */
typedef struct pt_allowlist_t pt_allowlist_t;

pt_allowlist_t *pt_allowlist_create(apr_pool_t *p);
/* Add one entry (trimmed, lower-cased; "" and "#..." ignored). */
void pt_allowlist_add(pt_allowlist_t *a, const char *entry);
/* Add every line of a file (# comments, blank lines skipped). */
apr_status_t pt_allowlist_load(pt_allowlist_t *a, const char *path,
                               pt_err_t *err);
int pt_allowlist_count(const pt_allowlist_t *a);
/* Its entries (an array of const char *, any order). */
apr_array_header_t *pt_allowlist_entries(const pt_allowlist_t *a,
                                         apr_pool_t *p);
/* Replace the list recorded in the database (ioc_allowlist) with a's, in
 * one transaction; and read it back into a. */
apr_status_t pt_allowlist_store(const pt_allowlist_t *a, pt_db_t *db);
apr_status_t pt_allowlist_fetch(pt_allowlist_t *a, pt_db_t *db);
/* 1 when the indicator is allowlisted. */
int pt_allowlist_match(const pt_allowlist_t *a, apr_pool_t *p,
                       const pt_ioc_t *ioc);

/* A configured feed. */
typedef struct pt_feed_def_t {
    const char *name;           /* PortalIocFeed NAME */
    const char *format;         /* "urlhaus-csv", ... */
    const char *url;
    const char *key_file;       /* NULL: no key */
    const char *key;            /* its contents, read at start-up */
    int interval;               /* seconds */
    int retention;              /* seconds a row outlives its last listing
                                 * (PortalIocRetention); 0: forever */
} pt_feed_def_t;

typedef struct pt_pull_opts_t {
    long connect_timeout;       /* seconds */
    long timeout;               /* seconds, whole transfer */
    apr_size_t max_bytes;       /* cap on a feed's body */
    const char *user_agent;
    const pt_allowlist_t *allow;    /* or NULL */
    /* progress: stage "fetch", "parse" (n = rows so far), "commit" */
    void (*progress)(void *baton, const char *stage, apr_int64_t n);
    void *baton;
} pt_pull_opts_t;

typedef struct pt_pull_result_t {
    long http_status;           /* 0 when no HTTP (file, error) */
    int not_modified;
    apr_int64_t seen;           /* indicators in the feed */
    apr_int64_t added;
    apr_int64_t updated;
    apr_int64_t skipped;        /* not indicators, or allowlisted */
    apr_int64_t expired;        /* rows deleted by retention */
    apr_int64_t ms;             /* duration */
} pt_pull_result_t;

/* Pull feed (fetching its URL, or reading body/len when body is not
 * NULL, e.g. portalctl --file) into db at time now (Unix seconds).  The
 * feed's row in ioc_feeds must exist (pt_ioc_feed_register).  APR_SUCCESS
 * when the data was taken (or was unchanged: 304); otherwise the reason
 * is in err, recorded in the feed's status, and the data is untouched. */
apr_status_t pt_ioc_pull(pt_db_t *db, apr_pool_t *p, const pt_feed_def_t *feed,
                         const char *body, apr_size_t len, apr_int64_t now,
                         const pt_pull_opts_t *o, pt_pull_result_t *res,
                         pt_err_t *err);

/* Record (or update) feed in ioc_feeds. */
apr_status_t pt_ioc_feed_register(pt_db_t *db, const pt_feed_def_t *feed);

/* Take the named lease for ttl seconds as holder: *taken = 1 when it was
 * free or expired, 0 while it runs (whoever holds it: the lease is also
 * the schedule). */
apr_status_t pt_lease_take(pt_db_t *db, const char *name, const char *holder,
                           apr_int64_t now, apr_int64_t ttl, int *taken);

#endif /* PT_IOCDB_H */
