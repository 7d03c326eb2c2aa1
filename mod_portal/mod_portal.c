/*
 * mod_portal.c -- the module record, its hooks, and the start-up that
 * wires the parts together (post_config); nothing else.
 *
 * A site loads the module, configures mod_dbd, and sets
 * `SetHandler portal` on a <Location>: see conf/portal.conf and the README.
 * docs/architecture.md describes the folders below this one.
 */
#include <openssl/crypto.h>
#include <curl/curl.h>

#include "http_core.h"

#include "portal.h"
#include "mod_watchdog.h"
#include "cfg/cfg.h"
#include "http/http.h"
#include "model/model.h"
#include "handle/handle.h"
#include "jobs/jobs.h"

APLOG_USE_MODULE(portal);

/* Start-up: mod_dbd must be there; then every server's configuration is
 * loaded (cfg/load.c) and the background jobs are registered. */
static int portal_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    if (portal_db_post_config(s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* before any thread exists: libcurl's global set-up is not
     * thread-safe; repeated calls only count */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (portal_cfg_load(pconf, ptemp, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return portal_jobs_post_config(pconf, s);
}

/*
 * Graceful restarts that load mod_auth_openidc.
 *
 * A graceful restart (SIGUSR1, `apachectl -k graceful`) reads the new
 * configuration once; a fresh start reads it twice, the first time only
 * to check it (ap_state_query() says AP_SQ_MS_CREATE_PRE_CONFIG then).
 *
 * mod_auth_openidc 2.4 (Debian 12 ships 2.4.12.3) tells the two apart
 * its own way: its post_config looks for the key "oidc_post_config" in
 * the process pool, and when the key is missing it sets it and returns
 * without initialising anything, taking this for the check pass.  So when
 * a graceful restart is the first to load it (`a2enmod auth_openidc`,
 * then a reload: the set-up the README describes), its cache and shared
 * memory are never made, and every new child dies in its child_init
 * (oidc_cache_shm_child_init on a NULL cache): a crash loop of ~150 a
 * minute that serves nothing, while a fresh start with the same
 * configuration works.  mod_portal's own state is not involved: the same
 * happens without mod_portal loaded.
 *
 * We cannot change that module, but we run before it: in a real pass
 * (never the check pass), when mod_auth_openidc is loaded and the key is
 * missing, we set it, so it initialises as at a fresh start.  At a fresh
 * start its own check pass has set the key already, so nothing changes;
 * a version that asks ap_state_query() instead ignores the key.
 */
#define OIDC_MODULE "mod_auth_openidc.c"
#define OIDC_PASS_KEY "oidc_post_config"

static int restart_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    void *seen = NULL;

    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_CONFIG
        || !ap_find_linked_module(OIDC_MODULE)) {
        return OK;
    }
    apr_pool_userdata_get(&seen, OIDC_PASS_KEY, s->process->pool);
    if (seen) {
        return OK;
    }
    /* _set copies the key into the process pool (this module's strings
     * go away when a later restart unloads it); no clean-up function of
     * ours for the same reason */
    apr_pool_userdata_set((const void *)1, OIDC_PASS_KEY,
                          apr_pool_cleanup_null, s->process->pool);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PORTAL_LOGNO(1301)
                 "mod_auth_openidc is loaded for the first time by this "
                 "graceful restart: it is made to initialise as at a "
                 "fresh start (it would skip that, and every new child "
                 "would crash)");
    return OK;
}

/* The content handler: the router with the portal's routes. */
static int portal_handler(request_rec *r)
{
    return portal_route(r, portal_routes);
}

static void portal_child_init(apr_pool_t *pchild, server_rec *s)
{
    portal_db_child_init(pchild, s);
    portal_throttle_child_init(pchild, s);
    portal_argon2_child_init(pchild, s);
    portal_jobs_child_init(pchild, s);
    portal_exports_child_init(pchild, s);
}

static void portal_register_hooks(apr_pool_t *p)
{
    /* Before mod_watchdog's post_config, which creates the singleton
     * locks for the instances we ask for here. */
    static const char *const succ_wd[] = { "mod_watchdog.c", NULL };
    /* After mod_dbd has set up its connection pool in the child. */
    static const char *const pred_dbd[] = { "mod_dbd.c", NULL };
    /* Before mod_auth_openidc's post_config (restart_post_config). */
    static const char *const succ_oidc[] = { "mod_auth_openidc.c", NULL };

    /* A child exits through exit(): OpenSSL's atexit clean-up would free
     * its locks under the watchdog thread still hashing, signing or
     * talking TLS (seen as "The futex facility returned an unexpected
     * error code" and SIGABRT at shutdown).  The process is ending: let
     * the kernel reclaim it. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
    ap_hook_pre_config(portal_throttle_pre_config, NULL, NULL,
                       APR_HOOK_MIDDLE);
    ap_hook_post_config(portal_post_config, NULL, succ_wd, APR_HOOK_MIDDLE);
    ap_hook_pre_config(portal_exports_pre_config, NULL, NULL,
                       APR_HOOK_MIDDLE);
    ap_hook_post_config(portal_exports_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_post_config(restart_post_config, NULL, succ_oidc,
                        APR_HOOK_REALLY_FIRST);
    ap_hook_post_config(portal_throttle_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(portal_child_init, pred_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(portal_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* Secrets in URLs: hidden before any other module reads the URL,
     * and again before any log is written (http/redact.c). */
    ap_hook_translate_name(portal_redact_translate, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_log_transaction(portal_redact_log, NULL, NULL,
                            APR_HOOK_REALLY_FIRST);
}

module AP_MODULE_DECLARE_DATA portal_module = {
    STANDARD20_MODULE_STUFF,
    portal_create_dir,
    portal_merge_dir,
    portal_create_srv,
    portal_merge_srv,
    portal_cmds,
    portal_register_hooks
};
