/*
 * pt_sql.c -- named SQL queries, migrations and the connection wrapper
 * (see pt_sql.h for the file layout and the rules).
 *
 * Longer than the ~600 lines of the norm: the SQL file reader, the
 * statement splitter, the migrations under their lock and the connection
 * wrapper are one contract (pt_sql.h) and share the parser state.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_file_io.h>
#include <apr_time.h>

#include "pt_sql.h"

#define PT_SQL_FILE_MAX (4 * 1024 * 1024)

/* A named query and the number of placeholders apr_dbd will see in it. */
typedef struct sql_query_t {
    const char *text;
    int nargs;
} sql_query_t;

/* apr_dbd treats `%` followed by a letter as a placeholder (the drivers
 * count them the same way). */
static int count_placeholders(const char *sql)
{
    int n = 0;

    for (; *sql; sql++) {
        if (sql[0] == '%' && apr_isalpha(sql[1])) {
            n++;
        }
    }
    return n;
}

static const char *trim_copy(apr_pool_t *p, const char *s, apr_size_t len)
{
    while (len && apr_isspace(*s)) {
        s++;
        len--;
    }
    while (len && (apr_isspace(s[len - 1]) || s[len - 1] == ';')) {
        len--;
    }
    return apr_pstrmemdup(p, s, len);
}

/* A query's text: its lines without the whole-line "--" comments (a
 * comment may say "%s" or "'%word%'" without becoming a placeholder, for
 * us or for the driver's prepare), trimmed. */
static const char *query_text(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    const char *end = s + len;

    while (s < end) {
        const char *eol = memchr(s, '\n', (apr_size_t)(end - s));
        const char *next = eol ? eol + 1 : end;
        const char *t = s;

        while (t < next && (*t == ' ' || *t == '\t')) {
            t++;
        }
        if (!(next - t >= 2 && t[0] == '-' && t[1] == '-')) {
            memcpy(o, s, (apr_size_t)(next - s));
            o += next - s;
        }
        s = next;
    }
    return trim_copy(p, out, (apr_size_t)(o - out));
}

apr_status_t pt_sql_parse_named(apr_pool_t *p, const char *where,
                                const char *src, apr_size_t len,
                                apr_hash_t *queries, pt_err_t *err)
{
    static const char marker[] = "-- name:";
    const char *pos = src, *end = src + len;
    const char *label = NULL, *body = NULL;
    int line = 1, label_line = 0;

    while (pos < end) {
        const char *eol = memchr(pos, '\n', (apr_size_t)(end - pos));
        const char *next = eol ? eol + 1 : end;

        if ((apr_size_t)(end - pos) >= sizeof(marker) - 1
            && !memcmp(pos, marker, sizeof(marker) - 1)) {
            const char *name = pos + sizeof(marker) - 1;
            const char *name_end = eol ? eol : end;

            if (label) {
                sql_query_t *q = apr_palloc(p, sizeof(*q));

                q->text = query_text(p, body, (apr_size_t)(pos - body));
                q->nargs = count_placeholders(q->text);
                if (!*q->text) {
                    return pt_err_set(err, p, where, label_line,
                                      "query '%s' is empty", label);
                }
                apr_hash_set(queries, label, APR_HASH_KEY_STRING, q);
            }
            label = trim_copy(p, name, (apr_size_t)(name_end - name));
            if (!*label) {
                return pt_err_set(err, p, where, line,
                                  "'-- name:' without a label");
            }
            label_line = line;
            body = next;
        }
        else if (!label) {
            const char *s = pos;

            while (s < next && apr_isspace(*s)) {
                s++;
            }
            if (s < next && !(next - s >= 2 && s[0] == '-' && s[1] == '-')) {
                return pt_err_set(err, p, where, line,
                                  "SQL before the first '-- name:' line");
            }
        }
        pos = next;
        line++;
    }
    if (label) {
        sql_query_t *q = apr_palloc(p, sizeof(*q));

        q->text = query_text(p, body, (apr_size_t)(end - body));
        q->nargs = count_placeholders(q->text);
        if (!*q->text) {
            return pt_err_set(err, p, where, label_line,
                              "query '%s' is empty", label);
        }
        apr_hash_set(queries, label, APR_HASH_KEY_STRING, q);
    }
    return APR_SUCCESS;
}

apr_status_t pt_file_read(apr_pool_t *p, const char *path, char **buf,
                          apr_size_t *len, apr_size_t max, pt_err_t *err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_size_t n;
    char ebuf[120];

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, path, 0, "cannot open: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && (apr_size_t)fi.size > max) {
        apr_file_close(f);
        return pt_err_set(err, p, path, 0, "file is larger than %"
                          APR_SIZE_T_FMT " bytes", max);
    }
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        pt_err_set(err, p, path, 0, "cannot stat: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    n = (apr_size_t)fi.size;
    *buf = apr_palloc(p, n + 1);
    if (n) {
        rv = apr_file_read_full(f, *buf, n, &n);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, path, 0, "cannot read: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    (*buf)[n] = '\0';
    *len = n;
    return APR_SUCCESS;
}

apr_status_t pt_sql_load(apr_pool_t *p, const char *sqldir,
                         const char *dialect, pt_sql_t **out, pt_err_t *err)
{
    pt_sql_t *sql = apr_pcalloc(p, sizeof(*sql));
    const char *paths[2];
    int i;

    sql->dialect = apr_pstrdup(p, dialect);
    sql->dir = apr_pstrdup(p, sqldir);
    sql->queries = apr_hash_make(p);
    paths[0] = apr_pstrcat(p, sqldir, "/queries.sql", NULL);
    paths[1] = apr_pstrcat(p, sqldir, "/", dialect, "/queries.sql", NULL);
    for (i = 0; i < 2; i++) {
        char *buf;
        apr_size_t len;
        apr_status_t rv;

        rv = pt_file_read(p, paths[i], &buf, &len, PT_SQL_FILE_MAX, err);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = pt_sql_parse_named(p, paths[i], buf, len, sql->queries, err);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    *out = sql;
    return APR_SUCCESS;
}

/* Skip white space and `--` comments; counts the newlines passed. */
static const char *skip_blank(const char *s, const char *end, int *line)
{
    while (s < end) {
        if (*s == '\n') {
            (*line)++;
            s++;
        }
        else if (apr_isspace(*s)) {
            s++;
        }
        else if (*s == '-' && s + 1 < end && s[1] == '-') {
            while (s < end && *s != '\n') {
                s++;
            }
        }
        else {
            break;
        }
    }
    return s;
}

/* 1 when the statement starting at s is CREATE [TEMP[ORARY]] TRIGGER,
 * whose body holds ';' up to its END. */
static int is_trigger(const char *s, const char *end)
{
    static const char *const words[] = { "create", "temp", "temporary",
                                         "trigger" };
    int w = 0;

    while (s < end) {
        apr_size_t n = 0;

        while (s + n < end && apr_isalpha(s[n])) {
            n++;
        }
        if (n == 0) {
            return 0;
        }
        if (w == 0 && (n != 6 || strncasecmp(s, words[0], 6))) {
            return 0;
        }
        if (w > 0) {
            if (n == 7 && !strncasecmp(s, words[3], 7)) {
                return 1;
            }
            if (!((n == 4 && !strncasecmp(s, words[1], 4))
                  || (n == 9 && !strncasecmp(s, words[2], 9)))) {
                return 0;
            }
        }
        w++;
        s += n;
        while (s < end && apr_isspace(*s)) {
            s++;
        }
    }
    return 0;
}

/* 1 when the word just before s (white space skipped) is END. */
static int after_end(const char *start, const char *s)
{
    while (s > start && apr_isspace(s[-1])) {
        s--;
    }
    return s - start >= 3 && !strncasecmp(s - 3, "end", 3)
           && (s - start == 3 || !(apr_isalnum(s[-4]) || s[-4] == '_'));
}

apr_status_t pt_sql_split(apr_pool_t *p, const char *src, apr_size_t len,
                          apr_array_header_t **out)
{
    apr_array_header_t *stmts = apr_array_make(p, 8, sizeof(pt_sql_stmt_t));
    const char *s = src, *end = src + len;
    int line = 1;

    for (;;) {
        const char *start;
        int start_line, trigger;

        s = skip_blank(s, end, &line);
        if (s >= end) {
            break;
        }
        start = s;
        start_line = line;
        trigger = is_trigger(s, end);
        while (s < end && (*s != ';' || (trigger && !after_end(start, s)))) {
            if (*s == '\'' || *s == '"') {
                char q = *s++;

                while (s < end && *s != q) {
                    line += (*s == '\n');
                    s++;
                }
            }
            else if (*s == '-' && s + 1 < end && s[1] == '-') {
                while (s < end && *s != '\n') {
                    s++;
                }
                continue;
            }
            else {
                line += (*s == '\n');
            }
            if (s < end) {
                s++;
            }
        }
        {
            pt_sql_stmt_t *st = apr_array_push(stmts);

            st->sql = trim_copy(p, start, (apr_size_t)(s - start));
            st->line = start_line;
        }
        if (s < end) {
            s++;                /* the ';' */
        }
    }
    *out = stmts;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ queries */

const char *pt_row_get(const pt_row_t *row, const char *name)
{
    int i;

    if (!row) {
        return NULL;
    }
    for (i = 0; i < row->ncols; i++) {
        if (row->names[i] && !strcmp(row->names[i], name)) {
            return row->vals[i];
        }
    }
    return NULL;
}

apr_int64_t pt_row_int(const pt_row_t *row, const char *name)
{
    const char *v = pt_row_get(row, name);

    return v ? apr_atoi64(v) : 0;
}

static apr_status_t db_fail(pt_db_t *db, int rc, const char *what)
{
    const char *msg = db->handle ? apr_dbd_error(db->driver, db->handle, rc)
                                 : NULL;

    db->errmsg = apr_psprintf(db->pool, "%s: %s", what,
                              msg ? msg : "unknown database error");
    return APR_EGENERAL;
}

/* Prepare label's statement.  Cached per connection unless `fresh`: the
 * migration bookkeeping runs while migrations change the schema, and a
 * cached SQLite statement then fails ("schema has changed"), so those are
 * prepared anew, unnamed, in db->pool each time. */
static apr_status_t db_prepare_ex(pt_db_t *db, const char *label, int nargs,
                                  int fresh, apr_dbd_prepared_t **stmt)
{
    const sql_query_t *q = apr_hash_get(db->sql->queries, label,
                                        APR_HASH_KEY_STRING);
    int rc;

    if (!q) {
        db->errmsg = apr_psprintf(db->pool, "no query named '%s' in %s",
                                  label, db->sql->dir);
        return APR_EGENERAL;
    }
    if (q->nargs != nargs) {
        db->errmsg = apr_psprintf(db->pool, "query '%s' takes %d arguments, "
                                  "given %d", label, q->nargs, nargs);
        return APR_EGENERAL;
    }
    if (fresh) {
        *stmt = NULL;
        rc = apr_dbd_prepare(db->driver, db->pool, db->handle, q->text,
                             NULL, stmt);
        return rc == 0 ? APR_SUCCESS
                       : db_fail(db, rc, apr_psprintf(db->pool,
                                                      "preparing '%s'",
                                                      label));
    }
    *stmt = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    if (*stmt) {
        return APR_SUCCESS;
    }
    rc = apr_dbd_prepare(db->driver, db->conn_pool, db->handle, q->text,
                         label, stmt);
    if (rc != 0) {
        *stmt = NULL;
        return db_fail(db, rc, apr_psprintf(db->pool, "preparing '%s'",
                                            label));
    }
    apr_hash_set(db->prepared, apr_pstrdup(db->conn_pool, label),
                 APR_HASH_KEY_STRING, *stmt);
    return APR_SUCCESS;
}

static apr_status_t db_exec(pt_db_t *db, const char *label, int fresh,
                            int *nrows, const char **args, int nargs)
{
    apr_dbd_prepared_t *stmt;
    apr_status_t rv;
    int rc, n = 0;

    rv = db_prepare_ex(db, label, nargs, fresh, &stmt);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rc = apr_dbd_pquery(db->driver, db->pool, db->handle, &n, stmt, nargs,
                        args);
    if (rc != 0) {
        return db_fail(db, rc, label);
    }
    if (nrows) {
        *nrows = n;
    }
    return APR_SUCCESS;
}

apr_status_t pt_db_exec(pt_db_t *db, const char *label, int *nrows,
                        const char **args, int nargs)
{
    return db_exec(db, label, 0, nrows, args, nargs);
}

static apr_status_t db_select(pt_db_t *db, const char *label, int fresh,
                              apr_array_header_t **rows,
                              const char **args, int nargs)
{
    apr_dbd_prepared_t *stmt;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *drow = NULL;
    apr_array_header_t *out;
    apr_status_t rv;
    int rc, ncols, i;

    rv = db_prepare_ex(db, label, nargs, fresh, &stmt);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* random access (1): the whole result is read before we return, so
     * no connection is left with a half-read result set */
    rc = apr_dbd_pselect(db->driver, db->pool, db->handle, &res, stmt, 1,
                         nargs, args);
    if (rc != 0) {
        return db_fail(db, rc, label);
    }
    ncols = apr_dbd_num_cols(db->driver, res);
    out = apr_array_make(db->pool, 4, sizeof(pt_row_t *));
    while (apr_dbd_get_row(db->driver, db->pool, res, &drow, -1) == 0) {
        pt_row_t *row = apr_palloc(db->pool, sizeof(*row));

        row->ncols = ncols;
        row->names = apr_palloc(db->pool, sizeof(char *) * (ncols + 1));
        row->vals = apr_palloc(db->pool, sizeof(char *) * (ncols + 1));
        for (i = 0; i < ncols; i++) {
            const char *name = apr_dbd_get_name(db->driver, res, i);
            const char *val = NULL;
            char *probe = NULL;

            /* get_entry gives "" for NULL with pgsql: datum_get tells */
            if (apr_dbd_datum_get(db->driver, drow, i, APR_DBD_TYPE_STRING,
                                  &probe) != APR_ENOENT) {
                val = apr_dbd_get_entry(db->driver, drow, i);
            }

            row->names[i] = name ? apr_pstrdup(db->pool, name) : NULL;
            row->vals[i] = val ? apr_pstrdup(db->pool, val) : NULL;
        }
        APR_ARRAY_PUSH(out, pt_row_t *) = row;
        /* drow stays: the drivers advance it (a NULL row restarts the
         * pgsql driver at the first row) */
    }
    *rows = out;
    return APR_SUCCESS;
}

apr_status_t pt_db_select(pt_db_t *db, const char *label,
                          apr_array_header_t **rows,
                          const char **args, int nargs)
{
    return db_select(db, label, 0, rows, args, nargs);
}

apr_status_t pt_db_one(pt_db_t *db, const char *label, pt_row_t **row,
                       const char **args, int nargs)
{
    apr_array_header_t *rows;
    apr_status_t rv = pt_db_select(db, label, &rows, args, nargs);

    *row = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *row = APR_ARRAY_IDX(rows, 0, pt_row_t *);
    }
    return rv;
}

apr_status_t pt_db_run_named(pt_db_t *db, const char *label)
{
    const sql_query_t *q = apr_hash_get(db->sql->queries, label,
                                        APR_HASH_KEY_STRING);
    int rc, n;

    if (!q) {
        db->errmsg = apr_psprintf(db->pool, "no query named '%s'", label);
        return APR_EGENERAL;
    }
    rc = apr_dbd_query(db->driver, db->handle, &n, q->text);
    return rc == 0 ? APR_SUCCESS : db_fail(db, rc, label);
}

/* ------------------------------------------------------------ migrations */

typedef struct migration_t {
    int version;
    const char *name;
    const char *path;
} migration_t;

static int migration_cmp(const void *a, const void *b)
{
    const migration_t *x = a, *y = b;

    return (x->version > y->version) - (x->version < y->version);
}

static apr_status_t list_migrations(pt_db_t *db, apr_array_header_t **out,
                                    pt_err_t *err)
{
    const char *dir = apr_pstrcat(db->pool, db->sql->dir, "/",
                                  db->sql->dialect, NULL);
    apr_array_header_t *list = apr_array_make(db->pool, 8,
                                              sizeof(migration_t));
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    int i;

    rv = apr_dir_open(&d, dir, db->pool);
    if (rv != APR_SUCCESS) {
        return pt_err_set(err, db->pool, dir, 0, "cannot open the "
                          "migrations folder");
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *n = fi.name;
        apr_size_t len = strlen(n);
        char *endp;
        long v;
        migration_t *m;

        if (fi.filetype != APR_REG || !apr_isdigit(n[0]) || len < 5
            || strcmp(n + len - 4, ".sql")) {
            continue;
        }
        v = strtol(n, &endp, 10);
        if (*endp != '_' || v <= 0 || v > 1000000) {
            continue;
        }
        m = apr_array_push(list);
        m->version = (int)v;
        m->name = apr_pstrmemdup(db->pool, n, len - 4);
        m->path = apr_pstrcat(db->pool, dir, "/", n, NULL);
    }
    apr_dir_close(d);
    qsort(list->elts, (size_t)list->nelts, sizeof(migration_t),
          migration_cmp);
    for (i = 1; i < list->nelts; i++) {
        migration_t *a = &APR_ARRAY_IDX(list, i - 1, migration_t);
        migration_t *b = &APR_ARRAY_IDX(list, i, migration_t);

        if (a->version == b->version) {
            return pt_err_set(err, db->pool, b->path, 0, "two migrations "
                              "with version %d", b->version);
        }
    }
    *out = list;
    return APR_SUCCESS;
}

static apr_status_t apply_migration(pt_db_t *db, const migration_t *m,
                                    pt_err_t *err)
{
    apr_array_header_t *stmts;
    char *buf;
    apr_size_t len;
    apr_status_t rv;
    int i, rc, n;

    rv = pt_file_read(db->pool, m->path, &buf, &len, PT_SQL_FILE_MAX, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    pt_sql_split(db->pool, buf, len, &stmts);
    for (i = 0; i < stmts->nelts; i++) {
        const pt_sql_stmt_t *st = &APR_ARRAY_IDX(stmts, i, pt_sql_stmt_t);

        rc = apr_dbd_query(db->driver, db->handle, &n, st->sql);
        if (rc != 0) {
            db_fail(db, rc, m->name);
            return pt_err_set(err, db->pool, m->path, st->line, "%s",
                              db->errmsg);
        }
    }
    rv = db_exec(db, "migrate_record", 1, NULL,
                    PT_ARGS(apr_itoa(db->pool, m->version), m->name,
                            apr_off_t_toa(db->pool,
                                          apr_time_sec(apr_time_now()))));
    if (rv != APR_SUCCESS) {
        return pt_err_set(err, db->pool, m->path, 0, "%s", db->errmsg);
    }
    return APR_SUCCESS;
}

apr_status_t pt_db_migrate(pt_db_t *db, int *applied, int *version,
                           pt_err_t *err)
{
    apr_array_header_t *list = NULL;
    pt_row_t *row = NULL;
    apr_status_t rv;
    int i, current;

    *applied = 0;
    rv = list_migrations(db, &list, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* One transaction for the lot, under the dialect's lock: SQLite's
     * BEGIN IMMEDIATE takes the write lock at once, PostgreSQL takes a
     * transaction-scoped advisory lock.  A process that waited finds the
     * work done and applies nothing. */
    rv = pt_db_run_named(db, "migrate_begin");
    if (rv == APR_SUCCESS && apr_hash_get(db->sql->queries, "migrate_lock",
                                          APR_HASH_KEY_STRING)) {
        rv = pt_db_run_named(db, "migrate_lock");
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "migrate_table");
    }
    if (rv == APR_SUCCESS) {
        apr_array_header_t *rows;

        rv = db_select(db, "migrate_version", 1, &rows, PT_NOARGS);
        if (rv == APR_SUCCESS && rows->nelts > 0) {
            row = APR_ARRAY_IDX(rows, 0, pt_row_t *);
        }
    }
    if (rv != APR_SUCCESS) {
        pt_err_set(err, db->pool, db->sql->dialect, 0, "%s", db->errmsg);
        pt_db_run_named(db, "migrate_rollback");
        return rv;
    }
    current = (int)pt_row_int(row, "version");
    for (i = 0; i < list->nelts; i++) {
        const migration_t *m = &APR_ARRAY_IDX(list, i, migration_t);

        if (m->version <= current) {
            continue;
        }
        rv = apply_migration(db, m, err);
        if (rv != APR_SUCCESS) {
            pt_db_run_named(db, "migrate_rollback");
            return rv;
        }
        current = m->version;
        (*applied)++;
    }
    rv = pt_db_run_named(db, "migrate_commit");
    if (rv != APR_SUCCESS) {
        pt_err_set(err, db->pool, db->sql->dialect, 0, "%s", db->errmsg);
        pt_db_run_named(db, "migrate_rollback");
        return rv;
    }
    *version = current;
    return APR_SUCCESS;
}
