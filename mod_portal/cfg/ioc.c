/*
 * ioc.c -- the configuration of threat intelligence: the
 * feeds, their schedule, retention and limits, the allowlist, and the
 * MaxMind database for the sign-in's place.
 *
 * Key files and the allowlist file are read in post_config, as root, so
 * they may be mode 0600; children only use what was read.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_ioc.h"
#include "pt_iocdb.h"
#include "pt_geoip.h"
#include "pt_tz.h"

APLOG_USE_MODULE(portal);

#define IOC_DEFAULT_INTERVAL 60
#define IOC_DEFAULT_RETENTION (7 * 24 * 60 * 60)
#define IOC_DEFAULT_TIMEOUT 60
#define IOC_DEFAULT_MAX_BYTES ((apr_off_t)100 * 1024 * 1024)

void portal_ioc_conf_init(portal_ioc_conf_t *c)
{
    c->interval = PORTAL_UNSET;
    c->retention = PORTAL_UNSET;
    c->timeout = PORTAL_UNSET;
    c->max_bytes = PORTAL_UNSET;
}

void portal_ioc_conf_merge(portal_ioc_conf_t *c, const portal_ioc_conf_t *base,
                           const portal_ioc_conf_t *add)
{
    CFG_MERGE_PTR(feeds);
    CFG_MERGE_INT(interval);
    CFG_MERGE_INT(retention);
    CFG_MERGE_INT(timeout);
    CFG_MERGE_INT(max_bytes);
    CFG_MERGE_PTR(allow);
    CFG_MERGE_PTR(allow_file);
    CFG_MERGE_PTR(geoip_path);
}

static int ioc_interval(const portal_ioc_conf_t *c)
{
    return c->interval != PORTAL_UNSET ? c->interval : IOC_DEFAULT_INTERVAL;
}

static int ioc_retention(const portal_ioc_conf_t *c)
{
    return c->retention != PORTAL_UNSET ? c->retention
                                        : IOC_DEFAULT_RETENTION;
}

int portal_ioc_timeout(const portal_srv_t *c)
{
    return c->ioc.timeout != PORTAL_UNSET ? c->ioc.timeout
                                          : IOC_DEFAULT_TIMEOUT;
}

apr_off_t portal_ioc_max_bytes(const portal_srv_t *c)
{
    return c->ioc.max_bytes != PORTAL_UNSET ? c->ioc.max_bytes
                                            : IOC_DEFAULT_MAX_BYTES;
}

const apr_array_header_t *portal_ioc_feeds(const portal_srv_t *c)
{
    return c->ioc.feeds;
}

const struct pt_allowlist_t *portal_ioc_allowlist(const portal_srv_t *c)
{
    return c->ioc.allowlist;
}

struct pt_geoip_t *portal_ioc_geoip(const portal_srv_t *c)
{
    return c->ioc.geoip;
}

struct pt_tz_cache_t *portal_ioc_tz(const portal_srv_t *c)
{
    return c->ioc.tz;
}

static portal_ioc_conf_t *ioc_conf(cmd_parms *cmd)
{
    return &portal_cfg_srv(cmd)->ioc;
}

/* PortalIocFeed NAME FORMAT URL [key-file=PATH] [interval=SECONDS] */
const char *portal_cmd_ioc_feed(cmd_parms *cmd, void *dc, int argc,
                                char *const argv[])
{
    portal_ioc_conf_t *c = ioc_conf(cmd);
    pt_feed_def_t *f;
    const char *n;
    int i;

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (argc < 3) {
        return "PortalIocFeed: NAME FORMAT URL [key-file=PATH] "
               "[interval=SECONDS]";
    }
    for (n = argv[0]; *n; n++) {
        if (!apr_isalnum(*n) && *n != '-' && *n != '_' && *n != '.') {
            return apr_psprintf(cmd->pool, "PortalIocFeed: the name '%s' "
                                "may hold letters, digits, '-', '_' and "
                                "'.'", argv[0]);
        }
    }
    if (!*argv[0] || strlen(argv[0]) > 64) {
        return "PortalIocFeed: a name of 1 to 64 characters";
    }
    if (!pt_feed_format_valid(argv[1])) {
        const char *const *fm = pt_feed_formats();
        const char *list = "";

        for (; *fm; fm++) {
            list = apr_pstrcat(cmd->pool, list, *list ? ", " : "", *fm,
                               NULL);
        }
        return apr_psprintf(cmd->pool, "PortalIocFeed: unknown format '%s' "
                            "(one of %s)", argv[1], list);
    }
    if (strncmp(argv[2], "https://", 8) && strncmp(argv[2], "http://", 7)
        && strncmp(argv[2], "file://", 7)) {
        return apr_psprintf(cmd->pool, "PortalIocFeed: the URL '%s' must "
                            "be https://, http:// or file://", argv[2]);
    }
    if (!c->feeds) {
        c->feeds = apr_array_make(cmd->pool, 5, sizeof(pt_feed_def_t));
    }
    for (i = 0; i < c->feeds->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(c->feeds, i, pt_feed_def_t).name,
                    argv[0])) {
            return apr_psprintf(cmd->pool, "PortalIocFeed: '%s' is "
                                "declared twice", argv[0]);
        }
    }
    f = apr_array_push(c->feeds);
    memset(f, 0, sizeof(*f));
    f->name = argv[0];
    f->format = argv[1];
    f->url = argv[2];
    f->interval = 0;            /* PortalIocInterval */
    for (i = 3; i < argc; i++) {
        if (!strncmp(argv[i], "key-file=", 9) && argv[i][9]) {
            f->key_file = ap_server_root_relative(cmd->pool, argv[i] + 9);
        }
        else if (!strncmp(argv[i], "interval=", 9)) {
            const char *err = portal_parse_int(cmd, argv[i] + 9, 10, 86400,
                                               &f->interval);

            if (err) {
                return err;
            }
        }
        else {
            return apr_psprintf(cmd->pool, "PortalIocFeed: unknown option "
                                "'%s' (key-file=PATH, interval=SECONDS)",
                                argv[i]);
        }
    }
    return NULL;
}

const char *portal_cmd_ioc_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_ioc_conf_t *c = ioc_conf(cmd);

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    switch ((long)cmd->info) {
    case 0:
        return portal_parse_int(cmd, arg, 10, 86400, &c->interval);
    case 1:
        return portal_parse_int(cmd, arg, 60, 3650L * 86400, &c->retention);
    default:
        return portal_parse_int(cmd, arg, 1, 3600, &c->timeout);
    }
}

const char *portal_cmd_ioc_max_size(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    return portal_parse_size(cmd, arg, 1, (apr_off_t)4 << 30,
                             &ioc_conf(cmd)->max_bytes);
}

const char *portal_cmd_ioc_allow(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_ioc_conf_t *c = ioc_conf(cmd);

    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    if (!c->allow) {
        c->allow = apr_array_make(cmd->pool, 8, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->allow, const char *) = arg;
    return NULL;
}

const char *portal_cmd_ioc_path(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_ioc_conf_t *c = ioc_conf(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (!cmd->info) {
        CFG_RETURN_IF_NOT_GLOBAL(cmd);      /* the allowlist: the job's */
    }
    if (!path || !*arg) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    if (cmd->info) {
        c->geoip_path = path;
    }
    else {
        c->allow_file = path;
    }
    return NULL;
}

apr_status_t portal_ioc_load(apr_pool_t *pconf, server_rec *s,
                             portal_srv_t *c)
{
    portal_ioc_conf_t *ic = &c->ioc;
    pt_err_t err = { 0 };
    apr_status_t rv;
    int i;

    ic->allowlist = pt_allowlist_create(pconf);
    for (i = 0; ic->allow && i < ic->allow->nelts; i++) {
        pt_allowlist_add(ic->allowlist, APR_ARRAY_IDX(ic->allow, i,
                                                      const char *));
    }
    rv = ic->allow_file ? pt_allowlist_load(ic->allowlist, ic->allow_file,
                                            &err)
                        : APR_SUCCESS;
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0700)
                     "PortalIocAllowlistFile: %s", pt_err_str(&err, pconf));
        return APR_EGENERAL;
    }
    for (i = 0; ic->feeds && i < ic->feeds->nelts; i++) {
        pt_feed_def_t *f = &APR_ARRAY_IDX(ic->feeds, i, pt_feed_def_t);
        char *key;
        apr_size_t len;

        if (!f->interval) {
            f->interval = ioc_interval(ic);
        }
        f->retention = ioc_retention(ic);
        if (f->key_file && !f->key) {
            rv = pt_file_read(pconf, f->key_file, &key, &len, 4096, &err);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                             PORTAL_LOGNO(0750) "PortalIocFeed %s: %s",
                             f->name, pt_err_str(&err, pconf));
                return APR_EGENERAL;
            }
            key[strcspn(key, "\r\n")] = '\0';
            f->key = key;
        }
    }
    if (ic->geoip_path && !ic->geoip) {
        rv = pt_geoip_open(pconf, ic->geoip_path, &ic->geoip, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0751)
                         "PortalGeoIPDatabase: %s", pt_err_str(&err, pconf));
            return APR_EGENERAL;
        }
    }
    if (!ic->tz) {
        pt_tz_cache_create(pconf, NULL, &ic->tz);
    }
    return APR_SUCCESS;
}
