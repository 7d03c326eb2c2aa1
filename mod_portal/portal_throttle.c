/*
 * portal_throttle.c -- the throttle's records in httpd's mod_socache, and
 * the checks every guessable secret and anonymous write goes through.
 *
 * The cache is one for the whole httpd, chosen by PortalThrottleCache
 * (shmcb by default: shared memory all children of this server see;
 * memcache or redis when several servers must share the counts).  The
 * provider is looked up at start-up, which fails with a message naming
 * the module to load when it is missing.  socache has no atomic update,
 * so every read-modify-write of the records runs under one global mutex
 * ("portal-throttle", configurable with httpd's Mutex directive): exact
 * within one server.  Between servers sharing memcache or redis two
 * updates of the same record at the same moment can overwrite each other,
 * so a count can lag by as many attempts as were in flight on other nodes
 * at that moment (documented in the README).  shmcb lives in the
 * configuration pool: a restart (also a graceful one) starts it empty.
 *
 * State across configuration generations: the cache, its provider and
 * the mutex belong to one generation's pconf; a cleanup of that pool
 * clears the pointer, and the next post_config sets it again (nothing
 * of an old generation is ever used by a new one).
 *
 * An attempt at a secret names three records: the back-off of the
 * secret from the client's network (pair), the budget of failures from
 * that network over all accounts (ip: password spraying), and the
 * budget of failures of the account from everywhere (account), which
 * does not refuse a network the account has signed in from before.  All
 * are read, decided and written under the mutex in one go, and the
 * attempt is counted before the secret is checked (so a burst of
 * parallel guesses is counted as such); a right secret gives it back.
 * A refusal is logged in one line for fail2ban and, once per block, in
 * the throttle_events table for /admin.
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "ap_socache.h"
#include "ap_provider.h"
#include "util_mutex.h"
#include "http_core.h"
#include "http_config.h"

#include "portal_throttle.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

#define TH_MUTEX "portal-throttle"
#define TH_CNAME "portal-throttle"     /* at most 16 characters */
#define TH_DEFAULT "shmcb"
#define TH_SHMCB_SIZE "(2097152)"       /* 2 MiB: about 16000 records */

typedef struct th_state_t {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *cache;
    apr_global_mutex_t *mutex;
    const char *spec;
} th_state_t;

/* This generation's cache; NULL outside post_config..pconf's end. */
static th_state_t *th;

static apr_status_t th_cleanup(void *data)
{
    th_state_t *st = data;

    if (st->cache && st->provider) {
        st->provider->destroy(st->cache, NULL);
        st->cache = NULL;
    }
    if (th == st) {
        th = NULL;
    }
    return APR_SUCCESS;
}

int portal_throttle_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp)
{
    apr_status_t rv = ap_mutex_register(pconf, TH_MUTEX, NULL,
                                        APR_LOCK_DEFAULT, 0);

    if (rv != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog, PORTAL_LOGNO(1000)
                      "cannot register the %s mutex", TH_MUTEX);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int portal_throttle_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    static const struct ap_socache_hints hints = { 56, PT_THROTTLE_REC_BYTES,
                                                   apr_time_from_sec(60) };
    const portal_srv_t *c = ap_get_module_config(s->module_config,
                                                 &portal_module);
    const char *spec = c->throttle_cache ? c->throttle_cache : TH_DEFAULT;
    const char *name, *arg, *colon, *err;
    th_state_t *st;
    apr_status_t rv;

    th = NULL;
    colon = strchr(spec, ':');
    name = colon ? apr_pstrmemdup(ptemp, spec, (apr_size_t)(colon - spec))
                 : spec;
    arg = colon ? colon + 1 : NULL;
    st = apr_pcalloc(pconf, sizeof(*st));
    st->spec = spec;
    st->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!st->provider) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(1001)
                     "PortalThrottleCache %s: the socache provider '%s' is "
                     "not loaded: add LoadModule socache_%s_module "
                     "modules/mod_socache_%s.so (the throttle keeps its "
                     "counts there)", spec, name, name, name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* the first pass only checks the configuration */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (!strcmp(name, "shmcb") && (!arg || !*arg)) {
        /* anonymous shared memory of this size (the file name is only
         * used where anonymous shared memory does not exist) */
        arg = apr_pstrcat(ptemp, ap_runtime_dir_relative(ptemp, TH_CNAME),
                          TH_SHMCB_SIZE, NULL);
    }
    rv = ap_global_mutex_create(&st->mutex, NULL, TH_MUTEX, NULL, s, pconf,
                                0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1002)
                     "cannot create the %s mutex", TH_MUTEX);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    err = st->provider->create(&st->cache, arg, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(1003)
                     "PortalThrottleCache %s: %s", spec, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = st->provider->init(st->cache, TH_CNAME, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1004)
                     "PortalThrottleCache %s: the cache cannot be set up",
                     spec);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, st, th_cleanup, apr_pool_cleanup_null);
    th = st;
    return OK;
}

void portal_throttle_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!th || !th->mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&th->mutex,
                                     apr_global_mutex_lockfile(th->mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1005)
                     "cannot attach to the %s mutex in this child: "
                     "throttled routes will answer 503", TH_MUTEX);
        th = NULL;
    }
}

/* ------------------------------------------------------------ records */

/* Read a record (zeros when there is none).  APR_NOTFOUND tells the
 * caller it was absent; an unreadable record counts as absent (logged). */
static apr_status_t rec_get(server_rec *s, const char *key,
                            pt_throttle_rec_t *rec, apr_pool_t *p)
{
    unsigned char buf[PT_THROTTLE_REC_BYTES + 16];
    unsigned int len = sizeof(buf);
    apr_status_t rv;

    memset(rec, 0, sizeof(*rec));
    rv = th->provider->retrieve(th->cache, s, (const unsigned char *)key,
                                (unsigned int)strlen(key), buf, &len, p);
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        return APR_NOTFOUND;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (pt_throttle_decode(buf, len, rec) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PORTAL_LOGNO(1006)
                     "throttle record %s is not valid (%u bytes): starting "
                     "it afresh", key, len);
        return APR_NOTFOUND;
    }
    return APR_SUCCESS;
}

static apr_status_t rec_put(server_rec *s, const char *key,
                            const pt_throttle_rec_t *rec, apr_int64_t now,
                            const pt_throttle_limits_t *lim, apr_pool_t *p)
{
    unsigned char buf[PT_THROTTLE_REC_BYTES];
    apr_status_t rv;

    if (pt_throttle_idle(rec, now, lim)) {
        rv = th->provider->remove(th->cache, s, (const unsigned char *)key,
                                  (unsigned int)strlen(key), p);
        return APR_STATUS_IS_NOTFOUND(rv) ? APR_SUCCESS : rv;
    }
    pt_throttle_encode(rec, buf);
    return th->provider->store(th->cache, s, (const unsigned char *)key,
                               (unsigned int)strlen(key),
                               apr_time_from_sec(pt_throttle_expiry(rec, now,
                                                                    lim)),
                               buf, sizeof(buf), p);
}

static apr_status_t th_lock(server_rec *s)
{
    apr_status_t rv = apr_global_mutex_lock(th->mutex);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(1007)
                     "cannot lock the %s mutex", TH_MUTEX);
    }
    return rv;
}

static void th_unlock(void)
{
    apr_global_mutex_unlock(th->mutex);
}

/* One record an attempt names. */
typedef struct slot_t {
    const char *scope;          /* pair, ip, account, address */
    const char *reason;         /* what a refusal by it is called */
    const char *key;
    const char *shown;          /* the account or address, for the event */
    pt_throttle_limits_t lim;
    pt_throttle_rec_t rec;
    int exempt;                 /* counts, never refuses */
    int refuses;                /* blocks: refused (and counted so) */
    int full;                   /* no room in flight: wait a second */
    int report;                 /* the first refusal of its block */
} slot_t;

static void slot_set(portal_req_t *req, slot_t *sl, portal_th_kind_e kind,
                     const char *purpose, const char *scope,
                     const char *reason, const char *value,
                     const char *shown)
{
    memset(sl, 0, sizeof(*sl));
    sl->scope = scope;
    sl->reason = reason;
    sl->key = pt_throttle_key(req->r->pool, purpose, scope, value);
    sl->shown = shown;
    portal_throttle_limits(req, kind, &sl->lim);
}

static const char *client_net(portal_req_t *req)
{
    return pt_throttle_net(req->r->pool, req->r->useragent_ip);
}

/* The DB row of a block, for /admin (once per block). */
static void record_event(portal_req_t *req, const char *purpose,
                         const slot_t *sl, apr_int64_t now)
{
    apr_pool_t *p = req->r->pool;
    pt_db_t *db = portal_db_get(req);

    if (!db || pt_db_exec(db, "throttle_event_insert", NULL,
                          PT_ARGS(sl->key, purpose, sl->scope, sl->reason,
                                  client_net(req), sl->shown, req->path,
                                  portal_i64(p, sl->rec.block_started
                                             ? sl->rec.block_started : now),
                                  portal_i64(p, sl->rec.blocked_until)))
                  != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r,
                      PORTAL_LOGNO(1008) "cannot record a throttle event: "
                      "%s", db && db->errmsg ? db->errmsg : "no database");
    }
}

/* Read the slots; refuse when one blocks (then only the blocking ones
 * change: a back-off counts the refusal) or has no room in flight (then
 * nothing changes); else begin the attempt in all; write back; log.  0,
 * the seconds to wait, or PORTAL_TH_DOWN.  *after (may be NULL) gets the
 * wait a budget closed by this very attempt imposes (0: none). */
static apr_int64_t th_run(portal_req_t *req, const char *purpose,
                          slot_t *sl, int n, const char *shown,
                          apr_int64_t *after)
{
    request_rec *r = req->r;
    apr_int64_t now = apr_time_sec(apr_time_now()), retry = 0, ra;
    const char *reasons = NULL;
    apr_status_t rv = APR_SUCCESS;
    int i, hard, refused = 0, full = 0;

    if (after) {
        *after = 0;
    }
    if (!th) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PORTAL_LOGNO(1009)
                      "the throttle's cache is not set up: refusing %s",
                      req->path);
        return PORTAL_TH_DOWN;
    }
    if (th_lock(r->server) != APR_SUCCESS) {
        return PORTAL_TH_DOWN;
    }
    for (i = 0; i < n; i++) {
        rv = rec_get(r->server, sl[i].key, &sl[i].rec, r->pool);
        if (rv == APR_NOTFOUND) {
            rv = APR_SUCCESS;
        }
        if (rv != APR_SUCCESS) {
            break;
        }
        if (sl[i].exempt) {
            continue;
        }
        ra = pt_throttle_check(&sl[i].rec, now, &sl[i].lim, &hard);
        if (ra && hard) {
            sl[i].refuses = 1;
            refused = 1;
        }
        else if (ra) {
            sl[i].full = 1;
            full = 1;
        }
    }
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        if (refused) {
            if (!sl[i].refuses) {
                continue;
            }
            ra = pt_throttle_refused(&sl[i].rec, now, &sl[i].lim);
            retry = ra > retry ? ra : retry;
            sl[i].report = pt_throttle_report(&sl[i].rec, now);
        }
        else if (full) {
            retry = 1;
            continue;           /* nothing counted */
        }
        else {
            pt_throttle_begin(&sl[i].rec, now, &sl[i].lim);
            if (after && !sl[i].exempt
                && pt_throttle_blocked(&sl[i].rec, now, &ra) && ra > *after) {
                *after = ra;
            }
        }
        rv = rec_put(r->server, sl[i].key, &sl[i].rec, now, &sl[i].lim,
                     r->pool);
    }
    th_unlock();
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(1010)
                      "the throttle's cache (%s) failed: refusing %s",
                      th->spec, req->path);
        return PORTAL_TH_DOWN;
    }
    if (!refused && !full) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (sl[i].refuses || (!refused && sl[i].full)) {
            const char *why = sl[i].refuses ? sl[i].reason : "in-flight";

            reasons = reasons ? apr_pstrcat(r->pool, reasons, ",", why, NULL)
                              : why;
        }
    }
    /* one line per refusal, for fail2ban (docs/throttle.md) */
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PORTAL_LOGNO(1011)
                  "throttled client %s account %s route %s purpose %s "
                  "reason %s retry-after %" APR_INT64_T_FMT,
                  r->useragent_ip, shown ? shown : "-", req->path, purpose,
                  reasons ? reasons : "-", retry);
    for (i = 0; i < n; i++) {
        if (sl[i].report) {
            record_event(req, purpose, &sl[i], now);
        }
    }
    apr_table_setn(r->err_headers_out, "Retry-After",
                   portal_i64(r->pool, retry));
    return retry;
}

/* ------------------------------------------------------------ uses */

/* The records an attempt at g's secret names: the back-off (unless
 * no_backoff), the address's budget, the account's budget. */
static int guard_slots(portal_req_t *req, const portal_guard_t *g,
                       slot_t *sl)
{
    const char *net = client_net(req);
    int n = 0;

    if (!g->no_backoff) {
        slot_set(req, &sl[n++], PORTAL_TH_PAIR, g->purpose, "pair",
                 "backoff", apr_pstrcat(req->r->pool, g->account, "\n", net,
                                        NULL), g->shown);
    }
    slot_set(req, &sl[n++], PORTAL_TH_IP, g->purpose, "ip", "ip-budget", net,
             g->shown);
    slot_set(req, &sl[n], PORTAL_TH_ACCOUNT, g->purpose, "account",
             "account-budget", g->account, g->shown);
    sl[n++].exempt = g->known_ip;
    return n;
}

apr_int64_t portal_guard_begin(portal_req_t *req, portal_guard_t *g)
{
    slot_t sl[3];
    int n;
    apr_int64_t rc, after = 0;

    g->counted = 0;
    g->then = 0;
    if (!portal_throttle_enabled(req)) {
        return 0;
    }
    n = guard_slots(req, g, sl);
    rc = th_run(req, g->purpose, sl, n, g->shown, &after);
    if (rc == 0) {
        g->counted = 1;
        g->then = after;
    }
    return rc;
}

/* End a counted attempt: each record's success, or a back-off's
 * failure (budgets counted the failure when the attempt began). */
static void guard_end(portal_req_t *req, portal_guard_t *g, int ok)
{
    request_rec *r = req->r;
    apr_int64_t now = apr_time_sec(apr_time_now()), ra;
    slot_t sl[3];
    int i, n;

    if (!g->counted || !th) {
        return;
    }
    g->counted = 0;
    n = guard_slots(req, g, sl);
    if (th_lock(r->server) != APR_SUCCESS) {
        return;
    }
    for (i = 0; i < n; i++) {
        apr_status_t rv;

        if (!ok && !sl[i].lim.base) {
            continue;
        }
        rv = rec_get(r->server, sl[i].key, &sl[i].rec, r->pool);
        if (rv == APR_SUCCESS || (rv == APR_NOTFOUND && !ok)) {
            if (ok) {
                pt_throttle_success(&sl[i].rec, now, &sl[i].lim);
            }
            else {
                pt_throttle_failure(&sl[i].rec, now, &sl[i].lim);
                if (pt_throttle_blocked(&sl[i].rec, now, &ra)
                    && ra > g->then) {
                    g->then = ra;
                }
            }
            rv = rec_put(r->server, sl[i].key, &sl[i].rec, now, &sl[i].lim,
                         r->pool);
        }
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                          PORTAL_LOGNO(1012) "cannot end a throttled "
                          "attempt (%s)", sl[i].scope);
        }
    }
    th_unlock();
}

void portal_guard_success(portal_req_t *req, portal_guard_t *g)
{
    guard_end(req, g, 1);
}

void portal_guard_failure(portal_req_t *req, portal_guard_t *g)
{
    guard_end(req, g, 0);
}

apr_int64_t portal_throttle_write(portal_req_t *req, const char *purpose,
                                  const char *address)
{
    apr_pool_t *p = req->r->pool;
    slot_t sl[2];
    int n = 0;

    if (!portal_throttle_enabled(req)) {
        return 0;
    }
    slot_set(req, &sl[n++], PORTAL_TH_WRITE, purpose, "ip", "write-budget",
             client_net(req), NULL);
    if (address) {
        const char *lc = pt_ascii_lower(p, address);

        slot_set(req, &sl[n++], PORTAL_TH_ADDRESS, "mail", "address",
                 "address-budget", lc, lc);
    }
    return th_run(req, purpose, sl, n, address ? sl[1].shown : NULL, NULL);
}

apr_status_t portal_throttle_lift(server_rec *s, const char *key,
                                  apr_pool_t *p)
{
    apr_status_t rv;

    if (!th) {
        return APR_EINIT;
    }
    rv = th_lock(s);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = th->provider->remove(th->cache, s, (const unsigned char *)key,
                              (unsigned int)strlen(key), p);
    th_unlock();
    return APR_STATUS_IS_NOTFOUND(rv) ? APR_SUCCESS : rv;
}

int portal_throttle_peek(server_rec *s, const char *key, apr_pool_t *p,
                         pt_throttle_rec_t *rec)
{
    apr_status_t rv;

    memset(rec, 0, sizeof(*rec));
    if (!th || th_lock(s) != APR_SUCCESS) {
        return 0;
    }
    rv = rec_get(s, key, rec, p);
    th_unlock();
    return rv == APR_SUCCESS;
}

/* ------------------------------------------------------------ answers */

const char *portal_throttle_message(apr_pool_t *p, apr_int64_t retry)
{
    if (retry < 120) {
        return apr_psprintf(p, "Too many attempts: try again in %"
                            APR_INT64_T_FMT " second%s.", retry,
                            retry == 1 ? "" : "s");
    }
    return apr_psprintf(p, "Too many attempts: try again in %"
                        APR_INT64_T_FMT " minutes.", (retry + 59) / 60);
}

int portal_throttled(portal_req_t *req, apr_int64_t retry,
                     int (*page)(portal_req_t *, int, const char *))
{
    const char *msg;

    if (retry == PORTAL_TH_DOWN || retry <= 0) {
        return portal_busy(req, page);
    }
    msg = portal_throttle_message(req->r->pool, retry);
    apr_table_setn(req->r->err_headers_out, "Retry-After",
                   portal_i64(req->r->pool, retry));
    if (req->want_json || !page) {
        return portal_api_error(req, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                msg);
    }
    return page(req, HTTP_TOO_MANY_REQUESTS, msg);
}

int portal_throttled_after(portal_req_t *req, apr_int64_t retry,
                           int (*page)(portal_req_t *, int, const char *),
                           const char *what)
{
    const char *msg = apr_pstrcat(req->r->pool, what, " ",
                                  portal_throttle_message(req->r->pool,
                                                          retry), NULL);

    apr_table_setn(req->r->err_headers_out, "Retry-After",
                   portal_i64(req->r->pool, retry));
    if (req->want_json || !page) {
        return portal_api_error(req, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                msg);
    }
    return page(req, HTTP_TOO_MANY_REQUESTS, msg);
}

void portal_throttle_forget_account(portal_req_t *req, const char *uuid)
{
    apr_pool_t *p = req->r->pool;
    const char *account = apr_pstrcat(p, "u:", uuid, NULL);
    apr_status_t rv;

    rv = portal_throttle_lift(req->r->server,
                              pt_throttle_key(p, "password", "account",
                                              account), p);
    if (rv == APR_SUCCESS) {
        rv = portal_throttle_lift(req->r->server,
                                  pt_throttle_key(p, "password", "pair",
                                                  apr_pstrcat(p, account, "\n",
                                                              client_net(req),
                                                              NULL)), p);
    }
    if (rv != APR_SUCCESS && rv != APR_EINIT) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                      PORTAL_LOGNO(1013) "cannot end the sign-in throttle "
                      "of user %s after a password reset", uuid);
    }
}
