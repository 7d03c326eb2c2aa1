/*
 * mod_portal.c -- the module record and its hooks; nothing else.
 *
 * A site loads the module, configures mod_dbd, and sets
 * `SetHandler portal` on a <Location>: see conf/portal.conf and the README.
 */
#include <openssl/crypto.h>

#include "portal.h"
#include "mod_watchdog.h"
#include "portal_throttle.h"

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
    /* Before mod_auth_openidc's post_config (portal_restart.c). */
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
    ap_hook_post_config(portal_restart_post_config, NULL, succ_oidc,
                        APR_HOOK_REALLY_FIRST);
    ap_hook_post_config(portal_throttle_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(portal_child_init, pred_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(portal_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* Secrets in URLs: hidden before any other module reads the URL,
     * and again before any log is written (portal_redact.c). */
    ap_hook_translate_name(portal_redact_translate, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_log_transaction(portal_redact_log, NULL, NULL,
                            APR_HOOK_REALLY_FIRST);
}

AP_DECLARE_MODULE(portal) = {
    STANDARD20_MODULE_STUFF,
    portal_create_dir,
    portal_merge_dir,
    portal_create_srv,
    portal_merge_srv,
    portal_cmds,
    portal_register_hooks
};
