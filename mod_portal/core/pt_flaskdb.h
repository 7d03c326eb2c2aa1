/*
 * pt_flaskdb.h -- reading the Flask portal's users.db (SQLite) for an
 * import: its accounts as pt_user_row_t, the same rows pt_usercsv makes
 * from a CSV file, so the glue runs one import path for both.
 *
 * The Flask portal (Flask-SQLAlchemy) keeps its accounts in the table
 * `user`: id, username, password, email, first_name, last_name, address,
 * the password as werkzeug writes it (scrypt:32768:8:1$SALT$HEX, or
 * pbkdf2:sha256:N$SALT$HEX from older versions).  Each row becomes a
 * pt_user_row_t with:
 *   line           the row's id
 *   fields         id, username, password, email, first_name, last_name,
 *                  address, as strings (SQL NULL as "") -- named by
 *                  PT_FLASKDB_COLUMNS, where the password column is called
 *                  "password_hash", so a failure report of this import can
 *                  be corrected and imported again as a CSV file
 *   password_hash  the stored hash, taken as it is (pt_password verifies
 *                  werkzeug hashes, and the sign-in after the import
 *                  upgrades them to argon2id); password is NULL.
 * Rows come in id order, 500 at a time (keyset paging: memory stays flat
 * whatever the number of users).
 *
 * The file is opened through apr_dbd's sqlite3 driver (apr_dbd_init() must
 * have been called once), never created (a missing path is an error), and
 * only read: the connection is set to PRAGMA query_only.  The queries are
 * the named ones flask_readonly and flask_users_page of sql/queries.sql,
 * taken from the pt_sql_t the caller loaded (any dialect: neither has an
 * override).
 */
#ifndef PT_FLASKDB_H
#define PT_FLASKDB_H

#include "pt_sql.h"
#include "pt_userimport.h"

#define PT_FLASKDB_NCOLUMNS 7
#define PT_FLASKDB_PAGE 500

/* "id", "username", "password_hash", "email", "first_name", "last_name",
 * "address" */
extern const char *const PT_FLASKDB_COLUMNS[PT_FLASKDB_NCOLUMNS];

/*
 * Call fn(baton, row) for each account of the users.db at path, in id
 * order; *rows (may be NULL) gets how many were passed on.  A status
 * other than APR_SUCCESS from fn stops the reading and is returned.
 * Errors: APR_ENOENT + err for a path that is not a regular file;
 * APR_EGENERAL + err for a file SQLite cannot open or that has no table
 * `user` with those columns ("not a Flask portal users.db: ...").  The
 * connection is closed before it returns.
 */
apr_status_t pt_flaskdb_read(apr_pool_t *p, const pt_sql_t *sql,
                             const char *path, pt_user_row_fn fn,
                             void *baton, apr_int64_t *rows, pt_err_t *err);

#endif /* PT_FLASKDB_H */
