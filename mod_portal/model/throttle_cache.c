/*
 * throttle_cache.c -- where the throttle's records live: httpd's
 * mod_socache, one cache for the whole httpd, chosen by
 * PortalThrottleCache (shmcb by default: shared memory all children of
 * this server see; memcache or redis when several servers must share the
 * counts).  The provider is looked up at start-up, which fails with a
 * message naming the module to load when it is missing.  socache has no
 * atomic update, so every read-modify-write of the records runs under one
 * global mutex ("portal-throttle", configurable with httpd's Mutex
 * directive): exact within one server.  Between servers sharing memcache
 * or redis two updates of the same record at the same moment can
 * overwrite each other, so a count can lag by as many attempts as were in
 * flight on other nodes at that moment (documented in docs/throttle.md).
 * shmcb lives in the configuration pool: a restart (also a graceful one)
 * starts it empty.
 *
 * State across configuration generations: the cache, its provider and
 * the mutex belong to one generation's pconf; a cleanup of that pool
 * clears the pointer, and the next post_config sets it again (nothing
 * of an old generation is ever used by a new one).
 */
#include "apr_strings.h"
#include "apr_time.h"
#include "ap_socache.h"
#include "ap_provider.h"
#include "util_mutex.h"
#include "http_core.h"
#include "http_config.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"

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
    const portal_srv_t *c = portal_cfg_of(s);
    const char *spec = portal_conf_throttle_cache(c)
                       ? portal_conf_throttle_cache(c) : TH_DEFAULT;
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
apr_status_t portal_th_get(server_rec *s, const char *key,
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
    rv = pt_throttle_decode(buf, len, rec);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, PORTAL_LOGNO(1006)
                     "throttle record %s is not valid (%u bytes): starting "
                     "it afresh", key, len);
        return APR_NOTFOUND;
    }
    return APR_SUCCESS;
}

apr_status_t portal_th_put(server_rec *s, const char *key,
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

apr_status_t portal_th_lock(server_rec *s)
{
    apr_status_t rv = apr_global_mutex_lock(th->mutex);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(1007)
                     "cannot lock the %s mutex", TH_MUTEX);
    }
    return rv;
}

void portal_th_unlock(void)
{
    apr_global_mutex_unlock(th->mutex);
}

int portal_th_ready(void)
{
    return th != NULL;
}

const char *portal_th_spec(void)
{
    return th ? th->spec : "-";
}

apr_status_t portal_throttle_lift(server_rec *s, const char *key,
                                  apr_pool_t *p)
{
    apr_status_t rv;

    if (!th) {
        return APR_EINIT;
    }
    rv = portal_th_lock(s);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = th->provider->remove(th->cache, s, (const unsigned char *)key,
                              (unsigned int)strlen(key), p);
    portal_th_unlock();
    return APR_STATUS_IS_NOTFOUND(rv) ? APR_SUCCESS : rv;
}

int portal_throttle_peek(server_rec *s, const char *key, apr_pool_t *p,
                         pt_throttle_rec_t *rec)
{
    apr_status_t rv;

    memset(rec, 0, sizeof(*rec));
    if (!th || portal_th_lock(s) != APR_SUCCESS) {
        return 0;
    }
    rv = portal_th_get(s, key, rec, p);
    portal_th_unlock();
    return rv == APR_SUCCESS;
}

