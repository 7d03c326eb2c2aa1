/*
 * test_account.c -- unit tests of pt_account.c, the one way the server
 * (sign-up, the API, an admin) and portalctl make an account: the fields
 * checked, a taken username or address found whatever its case, and the
 * row inserted on a real SQLite database with the schema migrated.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "pt_test.h"
#include "pt_account.h"
#include "pt_sql.h"

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

static pt_db_t *open_sqlite(apr_pool_t *p, const char *path)
{
    pt_db_t *db = apr_pcalloc(p, sizeof(*db));
    pt_sql_t *sql;
    pt_err_t err = { 0 };
    int applied, version;

    if (pt_sql_load(p, apr_pstrcat(p, top_srcdir(), "/sql", NULL), "sqlite",
                    &sql, &err) != APR_SUCCESS) {
        printf("# %s\n", pt_err_str(&err, p));
        return NULL;
    }
    if (apr_dbd_get_driver(p, "sqlite3", &db->driver) != APR_SUCCESS
        || apr_dbd_open(db->driver, p, path, &db->handle) != APR_SUCCESS) {
        return NULL;
    }
    db->conn_pool = p;
    db->prepared = apr_hash_make(p);
    db->sql = sql;
    db->pool = p;
    if (pt_db_migrate(db, &applied, &version, &err) != APR_SUCCESS) {
        printf("# %s\n", pt_err_str(&err, p));
        return NULL;
    }
    return db;
}

static pt_account_t ann(void)
{
    pt_account_t a;

    memset(&a, 0, sizeof(a));
    a.username = "Ann.Lee";
    a.email = "Ann@Example.org";
    a.first_name = "Ann";
    a.last_name = "Lee";
    a.address = "1 Main St\nTown";
    a.role = "operations";
    return a;
}

static void test_roles(void)
{
    PT_OK(pt_role_index("client") == 0, "client is role 0");
    PT_OK(pt_role_index("operations") == 1, "operations is role 1");
    PT_OK(pt_role_index("admin") == 2, "admin is role 2");
    PT_OK(pt_role_index("Admin") == -1, "role names are exact");
    PT_OK(pt_role_index(NULL) == -1, "no role is no role");
    PT_IS_STR(pt_role_name(2), "admin", "the name of role 2");
    PT_IS_STR(pt_role_name(3), NULL, "there is no role 3");
    PT_IS_STR(pt_role_name(-1), NULL, "nor role -1");
}

static void test_check(apr_pool_t *p)
{
    pt_account_t a = ann(), b;
    apr_table_t *t;
    const apr_array_header_t *e;

    PT_OK(pt_account_check(p, &a, "a long password", 0) == NULL,
          "a valid account passes");
    b = a;
    b.username = "x";
    b.email = "not an address";
    b.role = "root";
    b.address = "";
    t = pt_account_check(p, &b, "x", 0);
    PT_OK(t != NULL, "an invalid one does not");
    e = t ? apr_table_elts(t) : NULL;
    PT_OK(e && e->nelts == 5, "one message per wrong field (%d)",
          e ? e->nelts : -1);
    if (e && e->nelts == 5) {
        static const char *const order[] = {
            "username", "password", "address", "email", "role"
        };
        int i, same = 1;

        for (i = 0; i < 5; i++) {
            same &= !strcmp(APR_ARRAY_IDX(e, i, apr_table_entry_t).key,
                            order[i]);
        }
        PT_OK(same, "in the form's order");
    }
    PT_IS_STR(t ? apr_table_get(t, "role") : NULL,
              "Choose one of client, operations or admin.",
              "an unknown role says which there are");
    PT_OK(t && apr_table_get(t, "password"),
          "a short password is refused");
    t = pt_account_check(p, &b, "x", PT_ACCOUNT_ADDRESS_OPTIONAL);
    PT_OK(t && !apr_table_get(t, "address"),
          "with the address optional, none is fine");
    b = a;
    b.address = "\x01";
    t = pt_account_check(p, &b, "a long password",
                         PT_ACCOUNT_ADDRESS_OPTIONAL);
    PT_OK(t && apr_table_get(t, "address"),
          "but a given address is still checked");
    b = a;
    b.username = "annalee99";
    t = pt_account_check(p, &b, "ANNALEE99", 0);
    PT_OK(t && apr_table_get(t, "password"),
          "the password may not be the username");
    memset(&b, 0, sizeof(b));
    t = pt_account_check(p, &b, NULL, 0);
    PT_OK(t && apr_table_get(t, "username") && apr_table_get(t, "email")
          && apr_table_get(t, "first_name") && apr_table_get(t, "role"),
          "NULL fields count as empty ones");
}

static void test_db(apr_pool_t *p)
{
    char tmpl[] = "/tmp/pt_account_test.XXXXXX";
    const char *dir = mkdtemp(tmpl);
    const char *path = apr_pstrcat(p, dir, "/t.db", NULL);
    pt_db_t *db = open_sqlite(p, path);
    pt_account_t a = ann(), b;
    const char *uuid = NULL, *id = NULL, *uuid2 = NULL;
    pt_row_t *row = NULL;
    int ut = -1, et = -1;

    PT_OK(db != NULL, "a migrated SQLite database");
    if (!db) {
        return;
    }
    PT_OK(pt_account_taken(db, "ann.lee", "ann@example.org", &ut, &et)
          == APR_SUCCESS && !ut && !et, "nothing is taken at first");
    PT_OK(pt_account_insert(db, &a, "$argon2id$fake", 1700000000, 0, &uuid,
                            &id) == APR_SUCCESS, "an account is inserted");
    PT_OK(uuid && strlen(uuid) == 36, "with a new UUID (%s)",
          uuid ? uuid : "none");
    PT_OK(id && atoi(id) > 0, "and its numeric id (%s)", id ? id : "none");
    PT_OK(pt_db_one(db, "user_by_login", &row,
                    PT_ARGS("ann.lee", "ann.lee", "ann.lee")) == APR_SUCCESS
          && row, "it signs in by its username in any case");
    PT_IS_STR(row ? pt_row_get(row, "email") : NULL, "Ann@Example.org",
              "the address is kept as typed");
    PT_IS_STR(row ? pt_row_get(row, "role") : NULL, "operations",
              "with its role");
    PT_IS_STR(row ? pt_row_get(row, "password_hash") : NULL,
              "$argon2id$fake", "and the hash it was given");
    PT_IS_STR(row ? pt_row_get(row, "email_verified_at") : "x", NULL,
              "not verified: the address is not confirmed");
    PT_OK(pt_account_taken(db, "ANN.LEE", "someone@example.org", &ut, &et)
          == APR_SUCCESS && ut && !et, "the username is taken in any case");
    PT_OK(pt_account_taken(db, "someone", "ann@EXAMPLE.ORG", &ut, &et)
          == APR_SUCCESS && !ut && et, "so is the address");
    b = a;
    b.username = "ANN.lee";
    b.email = "other@example.org";
    PT_OK(pt_account_insert(db, &b, "!", 1700000001, 1, &uuid2, NULL)
          != APR_SUCCESS && uuid2 == NULL,
          "a second account of the same username fails (no uuid)");
    PT_OK(db->errmsg != NULL, "with the database's message");
    b = a;
    b.username = "bob";
    b.email = "bob@example.org";
    b.role = "admin";
    PT_OK(pt_account_insert(db, &b, "!", 1700000002, 1, &uuid2, NULL)
          == APR_SUCCESS && uuid2 && strcmp(uuid2, uuid),
          "another account, verified, another uuid");
    PT_OK(pt_db_one(db, "user_by_email", &row, PT_ARGS("bob@example.org"))
          == APR_SUCCESS && row
          && pt_row_int(row, "email_verified_at") == 1700000002,
          "verified now: its address is confirmed at its creation");
    apr_dbd_close(db->driver, db->handle);
    apr_file_remove(path, p);
    apr_dir_remove(dir, p);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    apr_dbd_init(p);
    test_roles();
    test_check(p);
    test_db(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
