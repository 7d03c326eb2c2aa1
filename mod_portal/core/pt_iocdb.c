/*
 * pt_iocdb.c -- pulling a feed into the iocs table, the allowlist and
 * leases (see pt_iocdb.h).
 */
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include <apr_time.h>

#include "pt_iocdb.h"
#include "pt_fetch.h"

/* ------------------------------------------------------------ allowlist */

static void lower(char *s)
{
    for (; *s; s++) {
        *s = (char)apr_tolower(*s);
    }
}

struct pt_allowlist_t {
    apr_pool_t *p;
    apr_hash_t *entries;        /* lower-case value -> "" */
};

pt_allowlist_t *pt_allowlist_create(apr_pool_t *p)
{
    pt_allowlist_t *a = apr_pcalloc(p, sizeof(*a));

    a->p = p;
    a->entries = apr_hash_make(p);
    return a;
}

void pt_allowlist_add(pt_allowlist_t *a, const char *entry)
{
    char *e;
    apr_size_t n;

    while (apr_isspace(*entry)) {
        entry++;
    }
    n = strlen(entry);
    while (n > 0 && apr_isspace(entry[n - 1])) {
        n--;
    }
    while (n > 0 && entry[n - 1] == '.') {
        n--;                    /* "example.org." is "example.org" */
    }
    if (n == 0 || entry[0] == '#') {
        return;
    }
    e = apr_pstrmemdup(a->p, entry, n);
    lower(e);
    apr_hash_set(a->entries, e, APR_HASH_KEY_STRING, "");
}

apr_status_t pt_allowlist_load(pt_allowlist_t *a, const char *path,
                               pt_err_t *err)
{
    char *buf, *line, *next;
    apr_size_t len;
    apr_status_t rv = pt_file_read(a->p, path, &buf, &len, 16 * 1024 * 1024,
                                   err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (line = buf; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        pt_allowlist_add(a, line);
    }
    return APR_SUCCESS;
}

int pt_allowlist_count(const pt_allowlist_t *a)
{
    return (int)apr_hash_count(a->entries);
}

apr_array_header_t *pt_allowlist_entries(const pt_allowlist_t *a,
                                         apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 16, sizeof(const char *));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, a->entries); hi; hi = apr_hash_next(hi)) {
        const void *k;

        apr_hash_this(hi, &k, NULL, NULL);
        APR_ARRAY_PUSH(out, const char *) = k;
    }
    return out;
}

apr_status_t pt_allowlist_store(const pt_allowlist_t *a, pt_db_t *db)
{
    apr_array_header_t *e = pt_allowlist_entries(a, db->pool);
    apr_status_t rv = pt_db_run_named(db, "tx_begin");
    int i;

    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "ioc_allow_clear");
    }
    for (i = 0; rv == APR_SUCCESS && i < e->nelts; i++) {
        rv = pt_db_exec(db, "ioc_allow_add", NULL,
                        PT_ARGS(APR_ARRAY_IDX(e, i, const char *)));
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv != APR_SUCCESS) {
        pt_db_run_named(db, "tx_rollback");
    }
    return rv;
}

apr_status_t pt_allowlist_fetch(pt_allowlist_t *a, pt_db_t *db)
{
    apr_array_header_t *rows;
    apr_status_t rv = pt_db_select(db, "ioc_allow_all", &rows, PT_NOARGS);
    int i;

    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        pt_allowlist_add(a, pt_row_get(APR_ARRAY_IDX(rows, i, pt_row_t *),
                                       "entry"));
    }
    return rv;
}

/* The host of an indicator (lower case), or NULL. */
static const char *ioc_host(apr_pool_t *p, const pt_ioc_t *ioc)
{
    const char *v = ioc->value, *s, *e;

    if (!strcmp(ioc->type, "domain") || !strcmp(ioc->type, "ip")) {
        return v;
    }
    if (!strcmp(ioc->type, "email")) {
        s = strrchr(v, '@');
        return s ? s + 1 : NULL;
    }
    if (!strcmp(ioc->type, "ip:port")) {
        if (v[0] == '[') {
            e = strchr(v, ']');
            return e ? apr_pstrmemdup(p, v + 1, (apr_size_t)(e - v - 1))
                     : NULL;
        }
        e = strrchr(v, ':');
        return e ? apr_pstrmemdup(p, v, (apr_size_t)(e - v)) : v;
    }
    if (!strcmp(ioc->type, "url")) {
        s = strstr(v, "://");
        s = s ? s + 3 : v;
        if (strchr(s, '@') && strchr(s, '@') < s + strcspn(s, "/?#")) {
            s = strchr(s, '@') + 1;         /* user:pass@host */
        }
        if (*s == '[') {
            e = strchr(s, ']');
            return e ? apr_pstrmemdup(p, s + 1, (apr_size_t)(e - s - 1))
                     : NULL;
        }
        return apr_pstrmemdup(p, s, strcspn(s, ":/?#"));
    }
    return NULL;
}

int pt_allowlist_match(const pt_allowlist_t *a, apr_pool_t *p,
                       const pt_ioc_t *ioc)
{
    char *v, *host;
    const char *h;

    if (!a || apr_hash_count(a->entries) == 0) {
        return 0;
    }
    v = apr_pstrdup(p, ioc->value);
    lower(v);
    if (apr_hash_get(a->entries, v, APR_HASH_KEY_STRING)) {
        return 1;
    }
    h = ioc_host(p, ioc);
    if (!h || !*h) {
        return 0;
    }
    host = apr_pstrdup(p, h);
    lower(host);
    /* the host and every parent domain: a.b.example.org, b.example.org,
     * example.org, org */
    for (h = host; h; h = strchr(h, '.') ? strchr(h, '.') + 1 : NULL) {
        if (apr_hash_get(a->entries, h, APR_HASH_KEY_STRING)) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ leases */

static const char *i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

apr_status_t pt_lease_take(pt_db_t *db, const char *name, const char *holder,
                           apr_int64_t now, apr_int64_t ttl, int *taken)
{
    int n = 0;
    apr_status_t rv = pt_db_exec(db, "lease_take", &n,
                                 PT_ARGS(name, holder,
                                         i64(db->pool, now + ttl),
                                         i64(db->pool, now)));

    *taken = rv == APR_SUCCESS && n == 1;
    return rv;
}

/* ------------------------------------------------------------ pulls */

apr_status_t pt_ioc_feed_register(pt_db_t *db, const pt_feed_def_t *feed)
{
    return pt_db_exec(db, "ioc_feed_register", NULL,
                      PT_ARGS(feed->name, feed->format, feed->url,
                              feed->key_file,
                              apr_psprintf(db->pool, "%d", feed->interval),
                              apr_psprintf(db->pool, "%d",
                                           feed->retention)));
}

typedef struct pull_t {
    pt_db_t *db;
    apr_pool_t *scratch;
    const pt_pull_opts_t *o;
    const char *now;
    apr_int64_t now_s;
    apr_int64_t upserted;
    apr_int64_t allowlisted;
    apr_int64_t n;
    const char *db_error;
} pull_t;

static apr_status_t upsert_one(void *baton, const pt_ioc_t *ioc)
{
    pull_t *u = baton;
    apr_pool_t *p = u->scratch;
    apr_int64_t first = ioc->first_seen > 0 ? ioc->first_seen : u->now_s;
    apr_int64_t last = ioc->last_seen > first ? ioc->last_seen : first;
    apr_status_t rv;

    if (++u->n % 1000 == 0) {
        apr_pool_clear(p);
        if (u->o->progress && u->n % 10000 == 0) {
            u->o->progress(u->o->baton, "parse", u->n);
        }
    }
    if (u->o->allow && pt_allowlist_match(u->o->allow, p, ioc)) {
        u->allowlisted++;
        return APR_SUCCESS;
    }
    rv = pt_db_exec(u->db, "ioc_upsert", NULL, PT_ARGS(
        ioc->type, ioc->value, ioc->source, ioc->threat, ioc->malware,
        ioc->tags ? ioc->tags : "",
        ioc->confidence >= 0 ? apr_psprintf(p, "%d", ioc->confidence) : NULL,
        i64(p, first), i64(p, last), ioc->reference, u->now));
    if (rv != APR_SUCCESS) {
        u->db_error = apr_pstrdup(u->db->pool, u->db->errmsg
                                               ? u->db->errmsg : "failed");
        return rv;
    }
    u->upserted++;
    return APR_SUCCESS;
}

static apr_int64_t ms_since(apr_time_t t0)
{
    return (apr_int64_t)((apr_time_now() - t0) / 1000);
}

/* Record a failed attempt; returns APR_EGENERAL (or the db error). */
static apr_status_t record_failure(pt_db_t *db, apr_pool_t *p,
                                   const pt_feed_def_t *feed,
                                   apr_int64_t now, long status,
                                   apr_time_t t0, pt_err_t *err)
{
    pt_db_exec(db, "ioc_feed_attempt", NULL, PT_ARGS(
        i64(p, now), apr_psprintf(p, "%ld", status), i64(p, ms_since(t0)),
        err->what ? err->what : "failed", feed->name));
    return APR_EGENERAL;
}

static const char *const *key_headers(apr_pool_t *p,
                                      const pt_feed_def_t *feed)
{
    const char **h = apr_pcalloc(p, 2 * sizeof(*h));
    const char *src = pt_feed_source(feed->format);

    if (!feed->key || !*feed->key) {
        return NULL;
    }
    /* abuse.ch wants Auth-Key, GreyNoise key */
    h[0] = apr_pstrcat(p, src && !strcmp(src, "GreyNoise") ? "key: "
                                                             : "Auth-Key: ",
                       feed->key, NULL);
    return h;
}

apr_status_t pt_ioc_pull(pt_db_t *db, apr_pool_t *p, const pt_feed_def_t *feed,
                         const char *body, apr_size_t len, apr_int64_t now,
                         const pt_pull_opts_t *o, pt_pull_result_t *res,
                         pt_err_t *err)
{
    apr_time_t t0 = apr_time_now();
    const char *source = pt_feed_source(feed->format);
    const char *etag = NULL, *lastmod = NULL;
    pt_feed_stats_t stats;
    pt_row_t *row = NULL, *count;
    pull_t u;
    int expired = 0;
    apr_int64_t before;
    apr_status_t rv;

    memset(res, 0, sizeof(*res));
    if (!source) {
        pt_err_set(err, p, feed->name, 0, "unknown format '%s'",
                   feed->format);
        return APR_EINVAL;
    }
    if (pt_db_one(db, "ioc_feed_get", &row, PT_ARGS(feed->name))
        != APR_SUCCESS) {
        return pt_err_set(err, p, feed->name, 0, "database: %s",
                          db->errmsg ? db->errmsg : "failed");
    }
    if (!body) {
        pt_fetch_req_t req;
        pt_fetch_res_t fr;

        memset(&req, 0, sizeof(req));
        req.url = feed->url;
        req.etag = row ? pt_row_get(row, "etag") : NULL;
        req.last_modified = row ? pt_row_get(row, "last_modified") : NULL;
        req.headers = key_headers(p, feed);
        req.connect_timeout = o->connect_timeout;
        req.timeout = o->timeout;
        req.max_bytes = o->max_bytes;
        req.user_agent = o->user_agent;
        if (o->progress) {
            o->progress(o->baton, "fetch", 0);
        }
        rv = pt_fetch(p, &req, &fr, err);
        res->http_status = fr.status;
        if (rv != APR_SUCCESS) {
            return record_failure(db, p, feed, now, fr.status, t0, err);
        }
        if (fr.not_modified) {
            res->not_modified = 1;
            res->ms = ms_since(t0);
            return pt_db_exec(db, "ioc_feed_unchanged", NULL, PT_ARGS(
                i64(p, now), i64(p, now), apr_psprintf(p, "%ld", fr.status),
                i64(p, res->ms), feed->name));
        }
        body = fr.body;
        len = fr.len;
        etag = fr.etag;
        lastmod = fr.last_modified;
    }

    memset(&u, 0, sizeof(u));
    u.db = db;
    u.o = o;
    u.now_s = now;
    u.now = i64(p, now);
    apr_pool_create(&u.scratch, p);
    memset(&stats, 0, sizeof(stats));
    rv = pt_db_run_named(db, "tx_begin");
    if (rv == APR_SUCCESS) {
        rv = pt_db_one(db, "ioc_count_source", &count, PT_ARGS(source));
    }
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, feed->name, 0, "database: %s",
                   db->errmsg ? db->errmsg : "failed");
        pt_db_run_named(db, "tx_rollback");
        return record_failure(db, p, feed, now, res->http_status, t0, err);
    }
    before = pt_row_int(count, "n");
    rv = pt_feed_parse(p, feed->format, body, len, upsert_one, &u, &stats,
                       err);
    if (rv == APR_SUCCESS) {
        if (o->progress) {
            o->progress(o->baton, "commit", u.n);
        }
        rv = pt_db_one(db, "ioc_count_source", &count, PT_ARGS(source));
    }
    if (rv == APR_SUCCESS && feed->retention > 0) {
        rv = pt_db_exec(db, "ioc_expire", &expired,
                        PT_ARGS(source, i64(p, now - feed->retention)));
    }
    if (rv == APR_SUCCESS) {
        res->seen = stats.rows;
        res->added = pt_row_int(count, "n") - before;
        res->updated = u.upserted - res->added;
        res->skipped = stats.skipped + u.allowlisted;
        res->expired = expired;
        rv = pt_db_run_named(db, "ioc_counts_clear");
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "ioc_counts_total");
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "ioc_counts_type");
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "ioc_counts_source");
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "ioc_counts_pair");
    }
    if (rv == APR_SUCCESS) {
        res->ms = ms_since(t0);
        rv = pt_db_exec(db, "ioc_feed_success", NULL, PT_ARGS(
            i64(p, now), i64(p, now),
            apr_psprintf(p, "%ld", res->http_status ? res->http_status : 200),
            i64(p, res->seen), i64(p, res->added), i64(p, res->updated),
            i64(p, res->skipped), i64(p, res->ms), etag, lastmod,
            feed->name));
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv != APR_SUCCESS) {
        if (!err->what) {
            pt_err_set(err, p, feed->name, 0, "database: %s",
                       u.db_error ? u.db_error
                                  : db->errmsg ? db->errmsg : "failed");
        }
        pt_db_run_named(db, "tx_rollback");
        return record_failure(db, p, feed, now, res->http_status, t0, err);
    }
    return APR_SUCCESS;
}
