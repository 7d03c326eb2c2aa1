/*
 * pt_account.c -- making an account (pt_account.h).
 */
#include <apr_strings.h>

#include "pt_account.h"
#include "pt_crypto.h"
#include "pt_util.h"
#include "pt_validate.h"

static const char *const role_names[PT_ROLE_COUNT] = {
    "client", "operations", "admin"
};

int pt_role_index(const char *role)
{
    int i;

    for (i = 0; role && i < PT_ROLE_COUNT; i++) {
        if (!strcmp(role, role_names[i])) {
            return i;
        }
    }
    return -1;
}

const char *pt_role_name(int index)
{
    return index >= 0 && index < PT_ROLE_COUNT ? role_names[index] : NULL;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void put(apr_table_t *t, const char *field, const char *msg)
{
    if (msg && !apr_table_get(t, field)) {
        apr_table_setn(t, field, msg);
    }
}

apr_table_t *pt_account_check(apr_pool_t *p, const pt_account_t *a,
                              const char *password, int flags)
{
    apr_table_t *t = apr_table_make(p, 8);
    const char *address = nz(a->address);

    put(t, "username", pt_validate_username(nz(a->username)));
    put(t, "password", pt_validate_password(nz(password),
                                            nz(a->username)));
    put(t, "first_name", pt_validate_name(nz(a->first_name)));
    put(t, "last_name", pt_validate_name(nz(a->last_name)));
    if (*address || !(flags & PT_ACCOUNT_ADDRESS_OPTIONAL)) {
        put(t, "address", pt_validate_address(address));
    }
    put(t, "email", pt_validate_email(nz(a->email)));
    if (pt_role_index(a->role) < 0) {
        put(t, "role", "Choose one of client, operations or admin.");
    }
    return apr_is_empty_table(t) ? NULL : t;
}

apr_status_t pt_account_taken(pt_db_t *db, const char *username,
                              const char *email, int *username_taken,
                              int *email_taken)
{
    pt_row_t *row = NULL;
    apr_status_t rv;

    *username_taken = *email_taken = 0;
    rv = pt_db_one(db, "user_taken", &row,
                   PT_ARGS(pt_ascii_lower(db->pool, nz(username)),
                           pt_ascii_lower(db->pool, nz(email))));
    if (rv == APR_SUCCESS && row) {
        *username_taken = pt_row_int(row, "username_taken") != 0;
        *email_taken = pt_row_int(row, "email_taken") != 0;
    }
    return rv;
}

apr_status_t pt_account_insert(pt_db_t *db, const pt_account_t *a,
                               const char *hash, apr_int64_t now,
                               int verified, const char **uuid,
                               const char **id)
{
    apr_pool_t *p = db->pool;
    const char *elc = pt_ascii_lower(p, nz(a->email));
    const char *t = pt_i64(p, now);
    pt_row_t *row = NULL;
    apr_status_t rv;

    *uuid = NULL;
    rv = pt_uuid_new(p, uuid);
    if (rv != APR_SUCCESS) {
        db->errmsg = "no random numbers for the account's id";
        return rv;
    }
    rv = pt_db_exec(db, "user_insert", NULL,
                    PT_ARGS(*uuid, a->username,
                            pt_ascii_lower(p, nz(a->username)), a->email,
                            elc, hash, a->first_name, a->last_name,
                            a->address, a->role, t, t, verified ? t : NULL));
    if (rv == APR_SUCCESS && id) {
        rv = pt_db_one(db, "user_by_email", &row, PT_ARGS(elc));
        if (rv == APR_SUCCESS && !row) {
            db->errmsg = "the new account is not there";
            rv = APR_EGENERAL;
        }
        *id = row ? pt_row_get(row, "id") : NULL;
    }
    if (rv != APR_SUCCESS) {
        *uuid = NULL;
    }
    return rv;
}
