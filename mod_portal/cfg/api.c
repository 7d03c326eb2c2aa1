/*
 * api.c -- the JSON API's directives and its signing key.
 *
 *   PortalJWTKey HS256 | RS256|ES256 PRIVATE.pem PUBLIC.pem
 *   PortalJWTIssuer URL          (default: the portal's base URL)
 *   PortalJWTAudience NAME       (default: portal-api)
 *   PortalJWTLifetime SECONDS    (default: 3600)
 *   PortalJWTLeeway SECONDS      (default: 30)
 *   PortalAPIReturnVerifyURL On|Off  (default: Off)
 *
 * HS256 signs with a key derived from the portal's secret key (pt_mac,
 * purpose PT_MAC_JWT_KEY; so every node sharing the data folder's secret
 * accepts the others' tokens);
 * RS256/ES256 read a PEM key pair at start-up, and a bad key stops it.
 */
#include "apr_strings.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_crypto.h"
#include "pt_mac.h"
#include "pt_jwt.h"

APLOG_USE_MODULE(portal);

static portal_api_conf_t *api_conf(cmd_parms *cmd)
{
    return &portal_cfg_srv(cmd)->api;
}

void portal_api_conf_init(portal_api_conf_t *c)
{
    c->lifetime = PORTAL_UNSET;
    c->leeway = PORTAL_UNSET;
    c->verify_url = PORTAL_UNSET;
}

void portal_api_conf_merge(portal_api_conf_t *c, const portal_api_conf_t *base,
                           const portal_api_conf_t *add)
{
    CFG_MERGE_PTR(jwt_alg);
    CFG_MERGE_PTR(jwt_private);
    CFG_MERGE_PTR(jwt_public);
    CFG_MERGE_PTR(issuer);
    CFG_MERGE_PTR(audience);
    CFG_MERGE_INT(lifetime);
    CFG_MERGE_INT(leeway);
    CFG_MERGE_INT(verify_url);
}

int portal_api_lifetime(const portal_srv_t *c)
{
    return c->api.lifetime != PORTAL_UNSET ? c->api.lifetime
                                           : PORTAL_DEFAULT_JWT_LIFETIME;
}

int portal_api_leeway(const portal_srv_t *c)
{
    return c->api.leeway != PORTAL_UNSET ? c->api.leeway
                                         : PORTAL_DEFAULT_JWT_LEEWAY;
}

const char *portal_api_audience(const portal_srv_t *c)
{
    return c->api.audience ? c->api.audience : PORTAL_DEFAULT_JWT_AUDIENCE;
}

const char *portal_api_issuer(const portal_srv_t *c)
{
    return c->api.iss;
}

const struct pt_jwt_key_t *portal_api_key(const portal_srv_t *c)
{
    return c->api.key;
}

const struct pt_jwt_key_t *portal_api_legacy_key(const portal_srv_t *c)
{
    return c->api.legacy_key;
}

const char *portal_cmd_jwt_key(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[])
{
    portal_api_conf_t *a = api_conf(cmd);

    if (argc == 1 && !strcasecmp(argv[0], "HS256")) {
        a->jwt_alg = "HS256";
        return NULL;
    }
    if (argc == 3 && (!strcasecmp(argv[0], "RS256")
                      || !strcasecmp(argv[0], "ES256"))) {
        a->jwt_alg = apr_pstrdup(cmd->pool, argv[0]);
        ap_str_toupper((char *)a->jwt_alg);
        a->jwt_private = ap_server_root_relative(cmd->pool, argv[1]);
        a->jwt_public = ap_server_root_relative(cmd->pool, argv[2]);
        if (!a->jwt_private || !a->jwt_public) {
            return "PortalJWTKey: invalid key file path";
        }
        return NULL;
    }
    return "PortalJWTKey: HS256, or RS256|ES256 PRIVATE-KEY.pem "
           "PUBLIC-KEY.pem";
}

const char *portal_cmd_api_string(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_api_conf_t *a = api_conf(cmd);

    if (!*arg) {
        return apr_psprintf(cmd->pool, "%s: must not be empty",
                            cmd->cmd->name);
    }
    if ((long)cmd->info == 0) {
        a->issuer = arg;
    }
    else {
        a->audience = arg;
    }
    return NULL;
}

const char *portal_cmd_api_seconds(cmd_parms *cmd, void *dc,
                                   const char *arg)
{
    portal_api_conf_t *a = api_conf(cmd);

    if ((long)cmd->info == 0) {
        return portal_parse_int(cmd, arg, 60, 7 * 24 * 3600, &a->lifetime);
    }
    /* the leeway: the session-cleanup job keeps signed-out tokens on the
     * deny-list until they expire and it passes */
    CFG_RETURN_IF_NOT_GLOBAL(cmd);
    return portal_parse_int(cmd, arg, 0, 600, &a->leeway);
}

/* In a <Location> it applies there; elsewhere to the server. */
const char *portal_cmd_api_flag(cmd_parms *cmd, void *dc, int on)
{
    if (cmd->path) {
        ((portal_dir_t *)dc)->api_verify_url = on;
    }
    else {
        api_conf(cmd)->verify_url = on;
    }
    return NULL;
}

static apr_status_t read_pem(apr_pool_t *p, server_rec *s, const char *path,
                             char **pem)
{
    pt_err_t err = { 0 };
    apr_size_t len;
    apr_status_t rv;

    rv = pt_file_read(p, path, pem, &len, PT_JWT_MAX_PEM, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0800)
                     "PortalJWTKey: %s", pt_err_str(&err, p));
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t portal_api_load(apr_pool_t *pconf, server_rec *s,
                             portal_srv_t *c)
{
    portal_api_conf_t *a = &c->api;
    pt_err_t err = { 0 };
    apr_status_t rv;

    a->iss = a->issuer ? a->issuer : portal_conf_base_url(c);
    if (a->jwt_alg && strcmp(a->jwt_alg, "HS256")) {
        char *priv, *pub;

        if (read_pem(pconf, s, a->jwt_private, &priv) != APR_SUCCESS
            || read_pem(pconf, s, a->jwt_public, &pub) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        rv = pt_jwt_key_pem(pconf, a->jwt_alg, priv, pub, &a->key, &err);
    }
    else {
        /* a key of its own for tokens, derived from the portal's secret */
        const char *k = pt_mac(pconf, c->secret, PORTAL_SECRET_BYTES,
                               PT_MAC_JWT_KEY, PT_MAC_NOPARTS);

        rv = pt_jwt_key_hs256(pconf, (const unsigned char *)k, strlen(k),
                              &a->key, &err);
        if (rv == APR_SUCCESS && c->mac_since > 0) {
            /* tokens issued before the labels, until they expire */
            k = pt_mac_legacy(pconf, c->secret, PORTAL_SECRET_BYTES,
                              PT_MAC_JWT_KEY, PT_MAC_NOPARTS);
            rv = pt_jwt_key_hs256(pconf, (const unsigned char *)k,
                                  strlen(k), &a->legacy_key, &err);
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0801)
                     "PortalJWTKey: %s", pt_err_str(&err, pconf));
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
