/*
 * pt_account.h -- making an account on a pt_db_t: its fields checked,
 * whether its username or address is taken, and its row inserted.
 *
 * One way for the web's sign-up, the API's, an admin's new account and
 * portalctl's `user add` (which once had a copy of the insert).  The
 * password hash is made by the caller (the server hashes under its argon2
 * gate, portalctl with the default cost), so this file never sees a
 * password except to check it.  The three roles are named here too.
 */
#ifndef PT_ACCOUNT_H
#define PT_ACCOUNT_H

#include <apr_tables.h>

#include "pt_sql.h"

/* The roles every account has one of, by index. */
#define PT_ROLE_COUNT 3
/* Index 0..PT_ROLE_COUNT-1 of a role name ("client", "operations",
 * "admin"); -1 when unknown. */
int pt_role_index(const char *role);
/* The name of an index, or NULL. */
const char *pt_role_name(int index);

typedef struct pt_account_t {
    const char *username, *email;
    const char *first_name, *last_name;
    const char *address;
    const char *role;           /* a role name */
} pt_account_t;

/* pt_account_check flags */
#define PT_ACCOUNT_ADDRESS_OPTIONAL 1   /* "" is no address, not a wrong one */

/* Check every field of a (NULL fields count as "") and the password: NULL
 * when all are acceptable; else a table of field -> message for the first
 * problem of each field, in the order username, password, first_name,
 * last_name, address, email, role (the messages of pt_validate.h, fit to
 * show next to a form field). */
apr_table_t *pt_account_check(apr_pool_t *p, const pt_account_t *a,
                              const char *password, int flags);

/* Are the username and the email address taken (case-insensitively)? */
apr_status_t pt_account_taken(pt_db_t *db, const char *username,
                              const char *email, int *username_taken,
                              int *email_taken);

/* Insert the account with its password hash ("!" for none) and a new
 * UUID (*uuid), created at now; verified: its address counts as confirmed
 * now.  *id (when id is not NULL) gets its numeric id.  Runs in the
 * caller's transaction, if any; a taken name fails (APR_EGENERAL, with
 * db->errmsg) like any other database error: ask pt_account_taken. */
apr_status_t pt_account_insert(pt_db_t *db, const pt_account_t *a,
                               const char *hash, apr_int64_t now,
                               int verified, const char **uuid,
                               const char **id);

#endif /* PT_ACCOUNT_H */
