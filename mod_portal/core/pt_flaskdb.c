/*
 * pt_flaskdb.c -- the Flask portal's users.db as import rows (see
 * pt_flaskdb.h).
 */
#include <string.h>

#include <apr_file_info.h>
#include <apr_strings.h>

#include "pt_flaskdb.h"

const char *const PT_FLASKDB_COLUMNS[PT_FLASKDB_NCOLUMNS] = {
    "id", "username", "password_hash", "email", "first_name", "last_name",
    "address"
};

/* The columns of flask_users_page, in PT_FLASKDB_COLUMNS' order. */
static const char *const sql_cols[PT_FLASKDB_NCOLUMNS] = {
    "id", "username", "password", "email", "first_name", "last_name",
    "address"
};

/* One page of rows after id `after` to fn; *last gets the last id passed
 * on, *got the rows the page had, *passed those given to fn. */
static apr_status_t read_page(pt_db_t *db, apr_pool_t *page,
                              apr_int64_t after, pt_user_row_fn fn,
                              void *baton, apr_int64_t *last, int *got,
                              apr_int64_t *passed)
{
    apr_array_header_t *rows;
    apr_status_t rv;
    int i, k;

    db->pool = page;
    rv = pt_db_select(db, "flask_users_page", &rows,
                      PT_ARGS(apr_off_t_toa(page, after),
                              apr_itoa(page, PT_FLASKDB_PAGE)));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *got = rows->nelts;
    for (i = 0; i < rows->nelts; i++) {
        const pt_row_t *r = APR_ARRAY_IDX(rows, i, pt_row_t *);
        pt_user_row_t u;
        const char **f = apr_palloc(page, sizeof(char *)
                                          * (PT_FLASKDB_NCOLUMNS + 1));

        for (k = 0; k < PT_FLASKDB_NCOLUMNS; k++) {
            const char *v = pt_row_get(r, sql_cols[k]);

            f[k] = v ? v : "";
        }
        f[PT_FLASKDB_NCOLUMNS] = NULL;
        memset(&u, 0, sizeof(u));
        u.line = pt_row_int(r, "id");
        u.nfields = PT_FLASKDB_NCOLUMNS;
        u.fields = f;
        u.username = f[1];
        u.password_hash = f[2];
        u.email = f[3];
        u.first_name = f[4];
        u.last_name = f[5];
        u.address = f[6];
        *last = u.line;
        (*passed)++;
        rv = fn(baton, &u);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

apr_status_t pt_flaskdb_read(apr_pool_t *p, const pt_sql_t *sql,
                             const char *path, pt_user_row_fn fn,
                             void *baton, apr_int64_t *rows, pt_err_t *err)
{
    apr_pool_t *conn, *page;
    apr_finfo_t fi;
    pt_db_t db;
    apr_int64_t after = 0, count = 0;
    apr_status_t rv;
    int got = 0;

    if (rows) {
        *rows = 0;
    }
    if (apr_stat(&fi, path, APR_FINFO_TYPE, p) != APR_SUCCESS
        || fi.filetype != APR_REG) {
        pt_err_set(err, p, path, 0, "no such file");
        return APR_ENOENT;
    }
    apr_pool_create(&conn, p);
    apr_pool_create(&page, conn);
    memset(&db, 0, sizeof(db));
    db.sql = sql;
    db.conn_pool = conn;
    db.pool = conn;
    db.prepared = apr_hash_make(conn);
    /* "./" before a relative path: never taken for a "file:" URI */
    if (apr_dbd_get_driver(conn, "sqlite3", &db.driver) != APR_SUCCESS
        || apr_dbd_open(db.driver, conn, path[0] == '/' ? path
                        : apr_pstrcat(conn, "./", path, NULL), &db.handle)
           != APR_SUCCESS) {
        apr_pool_destroy(conn);
        return pt_err_set(err, p, path, 0, "SQLite cannot open it");
    }
    rv = pt_db_run_named(&db, "flask_readonly");
    while (rv == APR_SUCCESS) {
        apr_pool_clear(page);
        rv = read_page(&db, page, after, fn, baton, &after, &got, &count);
        if (got < PT_FLASKDB_PAGE) {
            break;
        }
    }
    if (rv == APR_EGENERAL && db.errmsg) {
        /* a database error (the callback's own errors are passed on) */
        pt_err_set(err, p, path, 0, "not a Flask portal users.db (a table"
                   " \"user\" with id, username, password, email,"
                   " first_name, last_name, address): %s", db.errmsg);
    }
    apr_dbd_close(db.driver, db.handle);
    apr_pool_destroy(conn);
    if (rows) {
        *rows = count;
    }
    return rv;
}
