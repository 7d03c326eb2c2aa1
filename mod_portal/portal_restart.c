/*
 * portal_restart.c -- graceful restarts that load mod_auth_openidc.
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

#include "http_core.h"

#include "portal.h"

APLOG_USE_MODULE(portal);

#define OIDC_MODULE "mod_auth_openidc.c"
#define OIDC_PASS_KEY "oidc_post_config"

int portal_restart_post_config(apr_pool_t *pconf, apr_pool_t *plog,
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
