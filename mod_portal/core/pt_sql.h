/*
 * pt_sql.h -- SQL files, migrations and prepared queries over apr_dbd.
 *
 * All SQL lives in sql/: `sql/queries.sql` holds named queries shared by
 * both dialects, `sql/<dialect>/queries.sql` overrides those whose SQL must
 * differ, and `sql/<dialect>/NNN_name.sql` are the schema migrations.  A
 * named query starts with a line `-- name: LABEL` and runs to the next one.
 * Placeholders are apr_dbd's: %s for text, %lld for 64-bit integers.
 *
 * pt_db_t wraps one apr_dbd connection for one unit of work.  Statements are
 * prepared on first use and cached per connection (in a hash that lives as
 * long as the connection), so a label is prepared once per connection and
 * never against a schema that is not there yet.  Values come back copied
 * into the caller's pool (the pgsql driver frees them with the result).
 *
 * This file is shared by the module (connections from mod_dbd) and
 * portalctl (connections it opens itself).
 */
#ifndef PT_SQL_H
#define PT_SQL_H

#include <apr_hash.h>
#include <apr_tables.h>
#include <apr_dbd.h>

#include "pt_core.h"

/* The named queries of one dialect. */
typedef struct pt_sql_t {
    const char *dialect;        /* "sqlite3" or "pgsql" */
    const char *dir;            /* the sql/ folder */
    apr_hash_t *queries;        /* label -> SQL text */
} pt_sql_t;

/* Load sqldir/queries.sql and sqldir/<dialect>/queries.sql (overrides). */
apr_status_t pt_sql_load(apr_pool_t *p, const char *sqldir,
                         const char *dialect, pt_sql_t **out, pt_err_t *err);

/* Parse `-- name: LABEL` blocks of src into queries (later ones replace
 * earlier ones of the same label).  where names the file in errors. */
apr_status_t pt_sql_parse_named(apr_pool_t *p, const char *where,
                                const char *src, apr_size_t len,
                                apr_hash_t *queries, pt_err_t *err);

/* Split a script into statements on `;` outside quotes and comments.
 * Each element of *out is a pt_sql_stmt_t. */
typedef struct pt_sql_stmt_t {
    const char *sql;
    int line;                   /* where the statement starts */
} pt_sql_stmt_t;
apr_status_t pt_sql_split(apr_pool_t *p, const char *src, apr_size_t len,
                          apr_array_header_t **out);

/* Read a whole (text) file into a NUL-terminated buffer. */
apr_status_t pt_file_read(apr_pool_t *p, const char *path, char **buf,
                          apr_size_t *len, apr_size_t max, pt_err_t *err);

/* One connection in use. */
typedef struct pt_db_t {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_pool_t *conn_pool;      /* lives as long as the connection */
    apr_hash_t *prepared;       /* label -> apr_dbd_prepared_t *, per conn */
    const pt_sql_t *sql;
    apr_pool_t *pool;           /* results and scratch for this use */
    const char *errmsg;         /* the driver's last error message */
    void *lender;               /* opaque: whoever lent the connection */
} pt_db_t;

/* One result row: values are NULL for SQL NULL. */
typedef struct pt_row_t {
    int ncols;
    const char **names;
    const char **vals;
} pt_row_t;

/* Value of column name in row, or NULL (absent or SQL NULL). */
const char *pt_row_get(const pt_row_t *row, const char *name);
apr_int64_t pt_row_int(const pt_row_t *row, const char *name);

/* Run the named statement with nargs text arguments (NULL = SQL NULL).
 * *nrows (may be NULL) gets the number of rows changed.  Any failure
 * returns APR_EGENERAL with db->errmsg set. */
apr_status_t pt_db_exec(pt_db_t *db, const char *label, int *nrows,
                        const char **args, int nargs);

/* Run a named select and return every row (an array of pt_row_t *). */
apr_status_t pt_db_select(pt_db_t *db, const char *label,
                          apr_array_header_t **rows,
                          const char **args, int nargs);

/* The first row of a named select, or *row = NULL when there is none. */
apr_status_t pt_db_one(pt_db_t *db, const char *label, pt_row_t **row,
                       const char **args, int nargs);

/* Run the named statement's SQL as plain text (no arguments); used for
 * transaction control and migrations. */
apr_status_t pt_db_run_named(pt_db_t *db, const char *label);

/* Bring the schema up to date: applies every sqldir/<dialect>/NNN_*.sql
 * newer than the recorded version, each in its own transaction, while
 * holding the dialect's migration lock (queries migrate_begin,
 * migrate_lock), so several processes starting at once apply each
 * migration exactly once.  *version gets the schema version after. */
apr_status_t pt_db_migrate(pt_db_t *db, int *applied, int *version,
                           pt_err_t *err);

/* Array-literal helper: PT_ARGS("a", b) expands to `args, nargs`. */
#define PT_ARGS(...)                                                   \
    (const char *[]){__VA_ARGS__},                                     \
    (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *))
#define PT_NOARGS NULL, 0

#endif /* PT_SQL_H */
