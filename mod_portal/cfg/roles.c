/*
 * roles.c -- the three roles and the directives of what they may upload.
 *
 * Which role may reach which route is said once, in the router's table
 * (handle/routes.c); this file names the roles and reads the two upload
 * directives (resolved for a user by dir.c):
 *   PortalUploadRoles role...            who may upload (default
 *                                        operations admin)
 *   PortalRoleUploadTypes role ext...    the types that role may upload
 *                                        (operations: docx pptx xlsx;
 *                                        others: PortalUploadTypes)
 * Both apply to the server or to a <Location>.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_account.h"

APLOG_USE_MODULE(portal);


int portal_role_bit(const char *role)
{
    int i = pt_role_index(role);

    return i < 0 ? 0 : 1 << i;
}


const char *portal_cmd_upload_roles(cmd_parms *cmd, void *dc, int argc,
                                    char *const argv[])
{
    portal_dir_t *d = dc;
    int i, roles = 0;

    if (argc < 1) {
        return "PortalUploadRoles: name at least one role, or none";
    }
    for (i = 0; i < argc; i++) {
        int bit = portal_role_bit(argv[i]);

        if (!strcmp(argv[i], "none") && argc == 1) {
            break;
        }
        if (!bit) {
            return apr_psprintf(cmd->pool, "PortalUploadRoles: '%s' is not "
                                "a role (client, operations, admin)",
                                argv[i]);
        }
        roles |= bit;
    }
    d->upload_roles = roles;
    return NULL;
}

const char *portal_cmd_role_types(cmd_parms *cmd, void *dc, int argc,
                                  char *const argv[])
{
    portal_dir_t *d = dc;
    const char *types = "";
    int i, role;

    if (argc < 2) {
        return "PortalRoleUploadTypes: a role and at least one extension "
               "(or *)";
    }
    role = pt_role_index(argv[0]);
    if (role < 0) {
        return apr_psprintf(cmd->pool, "PortalRoleUploadTypes: '%s' is not "
                            "a role (client, operations, admin)", argv[0]);
    }
    for (i = 1; i < argc; i++) {
        const char *e = argv[i][0] == '.' ? argv[i] + 1 : argv[i];
        const char *c;
        char *lc;

        if (!strcmp(argv[i], "*") && argc == 2) {
            break;
        }
        if (!*e || strlen(e) > 16) {
            return apr_psprintf(cmd->pool, "PortalRoleUploadTypes: '%s' is "
                                "not a file extension", argv[i]);
        }
        for (c = e; *c; c++) {
            if (!apr_isalnum(*c)) {
                return apr_psprintf(cmd->pool, "PortalRoleUploadTypes: '%s' "
                                    "is not a file extension (letters and "
                                    "digits)", argv[i]);
            }
        }
        lc = apr_pstrdup(cmd->pool, e);
        ap_str_tolower(lc);
        types = *types ? apr_pstrcat(cmd->pool, types, " ", lc, NULL) : lc;
    }
    d->role_types[role] = types;
    return NULL;
}
