/*
 * dir.c -- the per-directory record (a <Location> and what is below
 * it): create, merge, and its settings resolved with the server's.
 *
 * A directive given in a <Location> applies there; given outside, to the
 * whole server (its server record, or the main server's default section):
 * so each accessor takes the section's value when it has one, else the
 * server's, else the default.
 */
#include "apr_strings.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_account.h"

APLOG_USE_MODULE(portal);

void *portal_create_dir(apr_pool_t *p, char *dir)
{
    portal_dir_t *d = apr_pcalloc(p, sizeof(portal_dir_t));

    d->verify_email = PORTAL_UNSET;
    d->change_code = PORTAL_UNSET;
    d->max_file = PORTAL_UNSET;
    d->max_request = PORTAL_UNSET;
    d->upload_roles = PORTAL_UNSET;
    d->api_verify_url = PORTAL_UNSET;
    d->link_max_active = PORTAL_UNSET;
    d->export_max = PORTAL_UNSET;
    d->export_max_user = PORTAL_UNSET;
    d->throttle = portal_throttle_dir_create(p);
    return d;
}

void *portal_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const portal_dir_t *base = basev, *add = addv;
    portal_dir_t *c = apr_pcalloc(p, sizeof(*c));
    int i;

    CFG_MERGE_PTR(mount);
    CFG_MERGE_INT(verify_email);
    CFG_MERGE_INT(change_code);
    CFG_MERGE_PTR(upload_types);
    CFG_MERGE_INT(max_file);
    CFG_MERGE_INT(max_request);
    CFG_MERGE_INT(upload_roles);
    CFG_MERGE_INT(api_verify_url);
    CFG_MERGE_INT(link_max_active);
    CFG_MERGE_INT(export_max);
    CFG_MERGE_INT(export_max_user);
    for (i = 0; i < PORTAL_ROLE_COUNT; i++) {
        CFG_MERGE_PTR(role_types[i]);
    }
    c->throttle = portal_throttle_dir_merge(p, base->throttle, add->throttle);
    return c;
}

const char *portal_dir_mount(const portal_dir_t *d)
{
    return d->mount;
}

int portal_dir_verify_email(const portal_dir_t *d, const portal_srv_t *c)
{
    if (d && d->verify_email != PORTAL_UNSET) {
        return d->verify_email;
    }
    return c->verify_email != PORTAL_UNSET ? c->verify_email : 1;
}

int portal_dir_change_code(const portal_dir_t *d, const portal_srv_t *c)
{
    if (d && d->change_code != PORTAL_UNSET) {
        return d->change_code;
    }
    return c->change_code != PORTAL_UNSET ? c->change_code : 0;
}

apr_off_t portal_dir_max_file(const portal_dir_t *d, const portal_srv_t *c)
{
    if (d && d->max_file != PORTAL_UNSET) {
        return d->max_file;
    }
    return c->files.max_file != PORTAL_UNSET
           ? c->files.max_file : PORTAL_DEFAULT_UPLOAD_MAX_FILE;
}

apr_off_t portal_dir_max_request(const portal_dir_t *d,
                                 const portal_srv_t *c)
{
    if (d && d->max_request != PORTAL_UNSET) {
        return d->max_request;
    }
    return c->files.max_request != PORTAL_UNSET
           ? c->files.max_request : PORTAL_DEFAULT_UPLOAD_MAX_REQUEST;
}

int portal_dir_api_verify_url(const portal_dir_t *d, const portal_srv_t *c)
{
    if (d && d->api_verify_url != PORTAL_UNSET) {
        return d->api_verify_url;
    }
    return c->api.verify_url == 1;
}

int portal_dir_link_max_active(const portal_dir_t *d)
{
    return d && d->link_max_active != PORTAL_UNSET
           ? d->link_max_active : PORTAL_DEFAULT_LINK_MAX_ACTIVE;
}

int portal_dir_export_max(const portal_dir_t *d)
{
    return d && d->export_max != PORTAL_UNSET
           ? d->export_max : PORTAL_DEFAULT_EXPORT_MAX;
}

int portal_dir_export_max_user(const portal_dir_t *d)
{
    return d && d->export_max_user != PORTAL_UNSET
           ? d->export_max_user : PORTAL_DEFAULT_EXPORT_MAX_USER;
}

int portal_dir_upload_roles(const portal_dir_t *d)
{
    return d && d->upload_roles != PORTAL_UNSET
           ? d->upload_roles : PORTAL_DEFAULT_UPLOAD_ROLES;
}

const char *portal_dir_upload_types(const portal_dir_t *d,
                                    const portal_srv_t *c, int role)
{
    if (role >= 0 && role < PORTAL_ROLE_COUNT && d && d->role_types[role]) {
        return d->role_types[role];
    }
    if (role == pt_role_index("operations")) {
        return PORTAL_DEFAULT_OPS_TYPES;
    }
    if (d && d->upload_types) {
        return d->upload_types;
    }
    return c->files.types ? c->files.types : "";
}
