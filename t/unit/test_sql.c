/*
 * test_sql.c -- named queries, statement splitting, and migrations run for
 * real on a temporary SQLite database through apr_dbd (the same code path
 * the module takes with mod_dbd's connections).
 */
#include <stdlib.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "pt_test.h"
#include "pt_sql.h"

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

static void test_named(apr_pool_t *p)
{
    apr_hash_t *q = apr_hash_make(p);
    pt_err_t err = { 0 };
    const char *src =
        "-- a comment before the first query is fine\n"
        "\n"
        "-- name: one\n"
        "SELECT 1;\n"
        "\n"
        "-- name: two\n"
        "-- a comment inside\n"
        "SELECT %s, %lld\n";
    apr_status_t rv;

    rv = pt_sql_parse_named(p, "x.sql", src, strlen(src), q, &err);
    PT_OK(rv == APR_SUCCESS, "named queries parse");
    PT_OK(apr_hash_count(q) == 2, "two queries");
    PT_OK(apr_hash_get(q, "one", APR_HASH_KEY_STRING) != NULL, "'one' found");

    rv = pt_sql_parse_named(p, "bad.sql", "SELECT 1\n-- name: x\nSELECT 2",
                            30, apr_hash_make(p), &err);
    PT_OK(rv != APR_SUCCESS && err.line == 1,
          "SQL before the first name is an error at line 1");
    rv = pt_sql_parse_named(p, "bad.sql", "-- name: x\n\n-- name: y\nSELECT 1",
                            33, apr_hash_make(p), &err);
    PT_OK(rv != APR_SUCCESS && err.line == 1, "an empty query is an error");
    rv = pt_sql_parse_named(p, "bad.sql", "-- name:   \nSELECT 1", 20,
                            apr_hash_make(p), &err);
    PT_OK(rv != APR_SUCCESS, "a name without a label is an error");
}

static void test_split(apr_pool_t *p)
{
    apr_array_header_t *st;
    const char *src =
        "-- header\n"
        "CREATE TABLE a (x TEXT DEFAULT 'semi;colon');\n"
        "\n"
        "INSERT INTO a VALUES (\"q;\") ; -- trailing; comment\n"
        "CREATE INDEX i ON a(x)\n"
        "-- only a comment at the end;\n";

    pt_sql_split(p, src, strlen(src), &st);
    PT_OK(st->nelts == 3, "three statements (got %d)", st->nelts);
    if (st->nelts == 3) {
        pt_sql_stmt_t *s = (pt_sql_stmt_t *)st->elts;

        PT_IS_STR(s[0].sql, "CREATE TABLE a (x TEXT DEFAULT 'semi;colon')",
                  "a ';' inside quotes does not split");
        PT_OK(s[0].line == 2, "first statement on line 2 (got %d)",
              s[0].line);
        PT_OK(s[1].line == 4, "second on line 4 (got %d)", s[1].line);
        PT_OK(s[2].line == 5, "third starts on line 5, after the comment "
              "(got %d)", s[2].line);
    }
    pt_sql_split(p, "  \n-- nothing\n", 14, &st);
    PT_OK(st->nelts == 0, "only comments: no statements");

    /* a trigger's body holds ';' up to its END */
    src = "CREATE TABLE t (x);\n"
          "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
          "    INSERT INTO u VALUES (new.x);\n"
          "    DELETE FROM v WHERE y = 'end;';\n"
          "END;\n"
          "create temp trigger t2 after delete on t begin select 1; end ;\n"
          "CREATE TABLE backend (x);\n";
    pt_sql_split(p, src, strlen(src), &st);
    PT_OK(st->nelts == 4, "triggers are one statement each (got %d)",
          st->nelts);
    if (st->nelts == 4) {
        pt_sql_stmt_t *s = (pt_sql_stmt_t *)st->elts;

        PT_OK(!strncmp(s[1].sql, "CREATE TRIGGER tr", 17)
              && strstr(s[1].sql, "DELETE FROM v") != NULL
              && !strcmp(s[1].sql + strlen(s[1].sql) - 3, "END"),
              "the trigger runs to its END");
        PT_OK(!strcmp(s[2].sql + strlen(s[2].sql) - 3, "end"),
              "lower case and TEMP too");
        PT_IS_STR(s[3].sql, "CREATE TABLE backend (x)",
                  "a word ending in 'end' does not end a trigger, and "
                  "plain statements still split");
    }
}

static pt_db_t *open_sqlite(apr_pool_t *p, const char *path)
{
    pt_db_t *db = apr_pcalloc(p, sizeof(*db));
    pt_sql_t *sql;
    pt_err_t err = { 0 };

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
    return db;
}

static void test_migrate(apr_pool_t *p)
{
    char tmpl[] = "/tmp/pt_sql_test.XXXXXX";
    const char *dir = mkdtemp(tmpl);
    const char *path = apr_pstrcat(p, dir, "/t.db", NULL);
    pt_db_t *db = open_sqlite(p, path), *db2;
    pt_err_t err = { 0 };
    pt_row_t *row;
    int applied = -1, version = -1, n = 0;
    apr_status_t rv;

    PT_OK(db != NULL, "sqlite database opened");
    if (!db) {
        return;
    }
    rv = pt_db_migrate(db, &applied, &version, &err);
    PT_OK(rv == APR_SUCCESS, "migrations apply (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    PT_OK(applied >= 1 && version >= 1, "at least one migration applied");

    db2 = open_sqlite(p, path);
    rv = pt_db_migrate(db2, &applied, &version, &err);
    PT_OK(rv == APR_SUCCESS && applied == 0,
          "a second process applies nothing (idempotent)");

    rv = pt_db_exec(db, "user_insert", &n,
                    PT_ARGS("11111111-1111-4111-8111-111111111111", "Ann",
                            "ann", "Ann@Example.org", "ann@example.org",
                            "hash", "Ann", "O'Hara; --", "1 Road",
                            "client", "100", "100", NULL));
    PT_OK(rv == APR_SUCCESS && n == 1, "insert through a prepared query");
    rv = pt_db_one(db, "user_by_login", &row,
                   PT_ARGS("ann@example.org", "ann@example.org",
                           "ann@example.org"));
    PT_OK(rv == APR_SUCCESS && row, "select by email");
    PT_IS_STR(pt_row_get(row, "username"), "Ann", "values come back");
    rv = pt_db_one(db, "user_by_id", &row, PT_ARGS(pt_row_get(row, "id")));
    PT_IS_STR(pt_row_get(row, "last_name"), "O'Hara; --",
              "quotes and SQL metacharacters stored verbatim");
    PT_OK(pt_row_get(row, "last_login_at") == NULL, "NULL comes back NULL");

    rv = pt_db_exec(db, "user_insert", &n,
                    PT_ARGS("22222222-2222-4222-8222-222222222222", "ANN",
                            "ann", "x@example.org", "x@example.org", "h",
                            "A", "B", "C", "client", "1", "1", "1"));
    PT_OK(rv != APR_SUCCESS && db->errmsg, "a duplicate is refused with a "
          "message (%s)", db->errmsg ? db->errmsg : "none");
    rv = pt_db_exec(db, "user_insert", &n,
                    PT_ARGS("33333333-3333-4333-8333-333333333333", "Bob",
                            "bob", "bob@example.org", "bob@example.org", "h",
                            "B", "C", "D", "client", "2", "2", NULL));
    {
        apr_array_header_t *rows = NULL;

        pt_db_select(db, "users_list", &rows, PT_NOARGS);
        PT_OK(rows && rows->nelts == 2
              && !strcmp(pt_row_get(APR_ARRAY_IDX(rows, 1, pt_row_t *),
                                    "username"), "Bob"),
              "several rows come back in order");
    }

    rv = pt_db_exec(db, "user_insert", &n, PT_ARGS("too", "few"));
    PT_OK(rv != APR_SUCCESS, "a wrong argument count is refused before "
          "the driver sees it");
    rv = pt_db_exec(db, "no_such_query", &n, PT_NOARGS);
    PT_OK(rv != APR_SUCCESS && strstr(db->errmsg, "no query named"),
          "an unknown label is an error");

    apr_dbd_close(db->driver, db->handle);
    apr_dbd_close(db2->driver, db2->handle);
    apr_file_remove(path, p);
    apr_file_remove(apr_pstrcat(p, path, "-wal", NULL), p);
    apr_file_remove(apr_pstrcat(p, path, "-shm", NULL), p);
    apr_dir_remove(dir, p);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_dbd_init(p);
    test_named(p);
    test_split(p);
    test_migrate(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
