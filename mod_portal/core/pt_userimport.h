/*
 * pt_userimport.h -- what every bulk import of accounts shares, whatever
 * the source: the row (pt_user_row_t: made by pt_usercsv from a CSV file
 * and by pt_flaskdb from the Flask portal's users.db, so the glue runs one
 * import path), its validation with sign-up's rules, duplicates within
 * the source, the failure report, and how a run is resumed.
 *
 * An import, as the glue runs it (portalctl user import, /admin/import,
 * portalctl import-flask):
 *   1. read the source row by row (pt_usercsv_*, pt_flaskdb_read);
 *   2. pt_ucheck_row() each row: the same checks as sign-up, then
 *      duplicates of an earlier valid row of the same source;
 *   3. pt_uimport_probe() each valid row against the database (below);
 *   4. hash the plaintext passwords of the new rows in batches on all
 *      cores (pt_userhash), keeping given hashes as they are;
 *   5. create the accounts (the core's account-creation function), each
 *      in its own transaction, and count;
 *   6. write every failed row with its reason (pt_ufail_*).
 * A dry run stops after step 3 and writes nothing but the report.
 *
 * Resuming: a row is identified by its (username, email) pair, compared
 * without regard to case as sign-up does.  pt_uimport_probe() answers
 * PT_UIMPORT_DONE when one account has both (the row was imported by an
 * earlier run, which was interrupted or is being repeated): the glue skips
 * it and counts it as "already there", neither a failure nor a new
 * account.  So an interrupted run is resumed by running the same command
 * again, and nothing is imported twice -- a row is created in one
 * transaction, and the users table's unique username_lc and email_lc stop
 * a second process racing on the same row.  A row whose username or email
 * belongs to another account is a failure ("username: already taken by
 * another account").
 *
 * The failure report repeats each failed row as it was read, so it holds
 * the passwords of those rows in plaintext, as the Flask portal's
 * failed_users.csv did: the glue creates it mode 0600 and shows it only to
 * the admin who ran the import.
 */
#ifndef PT_USERIMPORT_H
#define PT_USERIMPORT_H

#include <apr_file_io.h>
#include <apr_tables.h>

#include "pt_core.h"
#include "pt_sql.h"

/* One account to import, as read from the source. */
typedef struct pt_user_row_t {
    apr_int64_t line;           /* CSV: the line the row starts on (the
                                 * header is line 1); users.db: its id */
    int nfields;
    const char **fields;        /* the row as read, in the source's column
                                 * order: what the failure report repeats */
    /* the columns the import uses; NULL when the source has no such
     * column (never for the required ones), "" for an empty field */
    const char *username;
    const char *email;
    const char *first_name;
    const char *last_name;
    const char *address;
    const char *password;       /* plaintext: hashed with argon2id */
    const char *password_hash;  /* a hash taken as it is */
    const char *reason;         /* NULL: fine so far; else why the row
                                 * fails, in words (set by the reader for a
                                 * row of the wrong length, by
                                 * pt_ucheck_row(), pt_uimport_probe()) */
} pt_user_row_t;

/*
 * Called for each row, in the source's order.  The row and its strings
 * live until the function returns (the reader clears them then): keep a
 * copy (pt_user_row_copy) of what outlives the call.  A status other than
 * APR_SUCCESS stops the reading and is returned by the reader.
 */
typedef apr_status_t (*pt_user_row_fn)(void *baton, pt_user_row_t *row);

/* A deep copy of row in p. */
pt_user_row_t *pt_user_row_copy(apr_pool_t *p, const pt_user_row_t *row);

/* ------------------------------------------------------------ checks */

typedef struct pt_ucheck_t pt_ucheck_t;

/*
 * A checker for one source, in p (which also holds the lower-case
 * usernames and emails of the valid rows seen, about 80 bytes a row).
 * strength_floor: the bits pt_strength_check() requires of a plaintext
 * password (the site's floor; PT_STRENGTH_DEFAULT_BITS by default; 0
 * turns the strength check off, as a floor of 0 does at sign-up).
 */
pt_ucheck_t *pt_ucheck_make(apr_pool_t *p, double strength_floor);

/*
 * Check row (when row->reason is not already set) as sign-up checks a new
 * account: pt_validate_username, _email, _name (first and last),
 * _address; a plaintext password with pt_validate_password() (not the
 * username) and pt_strength_check() with the person's own words
 * (username, names, email); a password_hash with pt_password_wellformed()
 * (werkzeug scrypt or pbkdf2, bcrypt, argon2id, costs within sign-in's
 * bounds); exactly one of the two.  Then, for a row that passed, whether
 * an earlier row of the source that passed had the same username or email
 * (case-insensitively): "duplicate username: the same as line 12".  Only
 * rows that pass count for later duplicates.
 * Returns row->reason: NULL for a row that passed, else every problem
 * found, "column: message" joined by "; ", e.g. "email: Enter a valid
 * email address.; password: Password must be at least 8 characters."
 * (in scratch, or static).  A reason never quotes a password.
 */
const char *pt_ucheck_row(pt_ucheck_t *chk, apr_pool_t *scratch,
                          pt_user_row_t *row);

/* Rows checked, and of those that passed. */
apr_int64_t pt_ucheck_seen(const pt_ucheck_t *chk);
apr_int64_t pt_ucheck_passed(const pt_ucheck_t *chk);

/* ------------------------------------------------------------ resuming */

typedef enum {
    PT_UIMPORT_NEW = 0,     /* neither the username nor the email exist */
    PT_UIMPORT_DONE,        /* one account has both: imported before */
    PT_UIMPORT_TAKEN        /* another account has one of them:
                             * row->reason says which */
} pt_uimport_state_e;

/*
 * Where row stands against the accounts in db (query user_import_probe):
 * see the top of the file.  PT_UIMPORT_TAKEN also sets row->reason (in
 * db->pool).  APR_EGENERAL with db->errmsg when the query fails.
 */
apr_status_t pt_uimport_probe(pt_db_t *db, pt_user_row_t *row,
                              pt_uimport_state_e *state);

/* ------------------------------------------------------------ report */

typedef struct pt_ufail_t pt_ufail_t;

/*
 * A failure report on f (opened by the caller, mode 0600, closed by the
 * caller after pt_ufail_close()): a header line of the source's column
 * names (names[0..n-1]) and "reason", written at once.  A column of the
 * source already called "reason" (a report being imported again) is left
 * out, so the new reason is the only one.
 */
apr_status_t pt_ufail_open(apr_pool_t *p, apr_file_t *f,
                           const char *const *names, int n,
                           pt_ufail_t **out);

/*
 * One failed row: its fields in the source's order (a short row padded
 * with empty fields, a long one cut to the header's length -- its reason
 * says so), then row->reason.  CSV per pt_csvout (RFC 4180, CRLF, no
 * formula guard: the file is meant to be corrected and imported again).
 */
apr_status_t pt_ufail_row(pt_ufail_t *w, const pt_user_row_t *row);

/* Rows written so far. */
apr_int64_t pt_ufail_count(const pt_ufail_t *w);

/* Write out what is buffered. */
apr_status_t pt_ufail_close(pt_ufail_t *w);

#endif /* PT_USERIMPORT_H */
