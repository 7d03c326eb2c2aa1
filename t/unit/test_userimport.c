/*
 * test_userimport.c -- the rest of a bulk import in core: the issue's
 * scenario (1,000 generated users and 3 bad rows: exactly those fail,
 * with their reasons), resuming (pt_uimport_probe on a migrated SQLite
 * database), the Flask portal's users.db (built by python3 with real
 * werkzeug hashes, read through pt_flaskdb and verified by pt_password),
 * and hashing on several threads (pt_userhash: in order, every hash
 * verifies, faster than one thread).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_portable.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include "pt_test.h"
#include "pt_test_run.h"
#include "pt_crypto.h"
#include "pt_flaskdb.h"
#include "pt_strength.h"
#include "pt_usercsv.h"
#include "pt_usergen.h"
#include "pt_userhash.h"
#include "pt_validate.h"

static const char *tmpdir;

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

/* Failed rows as "line: reason" lines, and counts. */
typedef struct run_t {
    apr_pool_t *p;
    apr_pool_t *scratch;
    pt_ucheck_t *chk;
    apr_int64_t rows, passed;
    const char *failures;
    apr_array_header_t *copies;     /* the rows that passed */
} run_t;

static apr_status_t on_row(void *baton, pt_user_row_t *row)
{
    run_t *r = baton;

    apr_pool_clear(r->scratch);
    r->rows++;
    if (pt_ucheck_row(r->chk, r->scratch, row)) {
        r->failures = apr_psprintf(r->p, "%s%" APR_INT64_T_FMT ": %s\n",
                                   r->failures, row->line, row->reason);
    }
    else {
        r->passed++;
        if (r->copies) {
            APR_ARRAY_PUSH(r->copies, pt_user_row_t *)
                = pt_user_row_copy(r->p, row);
        }
    }
    return APR_SUCCESS;
}

static run_t *runner(apr_pool_t *p, double floor)
{
    run_t *r = apr_pcalloc(p, sizeof(*r));

    r->p = p;
    apr_pool_create(&r->scratch, p);
    r->chk = pt_ucheck_make(p, floor);
    r->failures = "";
    return r;
}

/* ------------------------------------------------------------ scenario */

static void test_scenario(apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, tmpdir, "/users.csv", NULL);
    run_t *r = runner(p, PT_STRENGTH_DEFAULT_BITS);
    pt_usergen_t *g;
    pt_gen_user_t u3;
    apr_file_t *f;
    pt_err_t err = { 0 };
    apr_status_t rv;
    char *text;
    apr_size_t len;
    const char *bad;

    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                  | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p);
    pt_usergen_new(p, "scenario", &g, &err);
    pt_usergen_write(g, f, 1000, 1, &err);
    apr_file_close(f);
    /* the third generated user again, a bad email, a short password */
    pt_file_read(p, path, &text, &len, 1 << 22, &err);
    {
        pt_usergen_t *g2;
        int i;

        pt_usergen_new(p, "scenario", &g2, &err);
        for (i = 0; i < 3; i++) {
            pt_usergen_next(g2, p, &u3, &err);
        }
    }
    bad = apr_psprintf(p, "%s,Dup,Licate,violet staple horizon 7,"
                       "dup@example.org,1 Main St\r\n"
                       "mallory,Mal,Lory,violet staple horizon 7,"
                       "mallory-at-example.org,2 Main St\r\n"
                       "shorty,Shor,Ty,abc12,shorty@example.org,3 Main St\r\n",
                       u3.username);
    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_APPEND,
                  APR_FPROT_OS_DEFAULT, p);
    apr_file_write_full(f, bad, strlen(bad), NULL);
    apr_file_close(f);

    rv = pt_usercsv_read_file(p, path, on_row, r, NULL, &err);
    PT_OK(rv == APR_SUCCESS, "1,003 rows read (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    PT_OK(r->rows == 1003 && r->passed == 1000, "1,000 pass (%"
          APR_INT64_T_FMT " of %" APR_INT64_T_FMT ")", r->passed, r->rows);
    PT_IS_STR(r->failures, apr_psprintf(p,
              "1002: duplicate username: the same as line 4\n"
              "1003: email: Enter a valid email address.\n"
              "1004: password: Password must be at least 8 characters.\n"),
              "exactly the three bad rows fail, each with its reason");
}

/* ------------------------------------------------------------ resuming */

static pt_db_t *open_sqlite(apr_pool_t *p, const char *path)
{
    pt_db_t *db = apr_pcalloc(p, sizeof(*db));
    pt_sql_t *sql;
    pt_err_t err = { 0 };
    int applied, version;

    if (pt_sql_load(p, apr_pstrcat(p, top_srcdir(), "/sql", NULL), "sqlite",
                    &sql, &err) != APR_SUCCESS
        || apr_dbd_get_driver(p, "sqlite3", &db->driver) != APR_SUCCESS
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

static void add_user(pt_db_t *db, const char *user, const char *email)
{
    const char *uuid;

    pt_uuid_new(db->pool, &uuid);
    pt_db_exec(db, "user_insert", NULL,
               PT_ARGS(uuid, user, pt_ascii_lower(db->pool, user), email,
                       pt_ascii_lower(db->pool, email), "x", "F", "L", "A",
                       "client", "1", "1", NULL));
}

static const char *probe(pt_db_t *db, const char *user, const char *email)
{
    pt_user_row_t row;
    pt_uimport_state_e st;

    memset(&row, 0, sizeof(row));
    row.username = user;
    row.email = email;
    if (pt_uimport_probe(db, &row, &st) != APR_SUCCESS) {
        return db->errmsg;
    }
    return st == PT_UIMPORT_NEW ? "new" : st == PT_UIMPORT_DONE ? "done"
           : row.reason;
}

static void test_probe(apr_pool_t *p)
{
    pt_db_t *db = open_sqlite(p, apr_pstrcat(p, tmpdir, "/portal.db", NULL));

    PT_OK(db != NULL, "a migrated SQLite database");
    if (!db) {
        return;
    }
    add_user(db, "Ada", "ada@example.org");
    add_user(db, "bob", "bob@example.org");
    PT_IS_STR(probe(db, "carol", "carol@example.org"), "new", "a new row");
    PT_IS_STR(probe(db, "ADA", "Ada@Example.ORG"), "done",
              "a row imported before (any case): skipped when resuming");
    PT_IS_STR(probe(db, "ada", "bob@example.org"),
              "username: already taken by another account",
              "a username of one account with the email of another");
    PT_IS_STR(probe(db, "zed", "BOB@example.org"),
              "email: another account has this address", "a taken email");
    apr_dbd_close(db->driver, db->handle);
}

/* ------------------------------------------------------------ users.db */

static void test_flaskdb(apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, tmpdir, "/users.db", NULL);
    const char *missing = apr_pstrcat(p, tmpdir, "/none.db", NULL);
    const char *junk = apr_pstrcat(p, tmpdir, "/junk.db", NULL);
    const char *out, *before, *after;
    run_t *r = runner(p, PT_STRENGTH_DEFAULT_BITS);
    pt_sql_t *sql;
    pt_err_t err = { 0 };
    apr_int64_t n = -1;
    apr_status_t rv;
    int st, match = 0, rehash = 0, ordered = 1, i;

    st = pt_run(p, apr_psprintf(p, "%s %s/t/unit/flask_users.py %s 1200",
                                pt_python(), top_srcdir(), path), &out);
    PT_OK(st == 0, "python3 made a Flask users.db with 1,205 users");
    pt_sql_load(p, apr_pstrcat(p, top_srcdir(), "/sql", NULL), "sqlite",
                &sql, &err);
    pt_run(p, apr_psprintf(p, "sha256sum < %s", path), &before);

    r->copies = apr_array_make(p, 8, sizeof(pt_user_row_t *));
    rv = pt_flaskdb_read(p, sql, path, on_row, r, &n, &err);
    PT_OK(rv == APR_SUCCESS, "read (%s)", rv ? pt_err_str(&err, p) : "ok");
    PT_OK(n == 1205 && r->rows == 1205, "every row, across pages of %d (%"
          APR_INT64_T_FMT ")", PT_FLASKDB_PAGE, n);
    PT_IS_STR(r->failures,
              "3: email: Enter a valid email address.\n"
              "4: duplicate username: the same as line 1\n"
              "5: address: This field is required.\n",
              "invalid rows and a duplicate are reported by id, as for a "
              "CSV file");
    for (i = 1; i < r->copies->nelts; i++) {
        ordered &= APR_ARRAY_IDX(r->copies, i, pt_user_row_t *)->line
                   > APR_ARRAY_IDX(r->copies, i - 1, pt_user_row_t *)->line;
    }
    PT_OK(ordered && r->copies->nelts == 1202, "in id order");
    if (r->copies->nelts >= 2) {
        pt_user_row_t *a = APR_ARRAY_IDX(r->copies, 0, pt_user_row_t *);
        pt_user_row_t *b = APR_ARRAY_IDX(r->copies, 1, pt_user_row_t *);

        PT_OK(!strcmp(a->username, "alice") && a->password == NULL
              && !strncmp(a->password_hash, "scrypt:32768:8:1$", 17)
              && a->nfields == PT_FLASKDB_NCOLUMNS
              && !strcmp(a->fields[0], "1"),
              "a row: the werkzeug hash taken as it is, the fields as "
              "stored");
        pt_password_verify(p, "Correct horse 1", a->password_hash, NULL,
                           &match, &rehash);
        PT_OK(match && rehash, "alice's werkzeug scrypt hash verifies (and "
              "is marked for an argon2id rehash at sign-in)");
        pt_password_verify(p, "Correct horse 2", a->password_hash, NULL,
                           &match, &rehash);
        PT_OK(!match, "a wrong password does not");
        pt_password_verify(p, "Battery staple 2", b->password_hash, NULL,
                           &match, &rehash);
        PT_OK(match && !strcmp(b->last_name, "O'Brien"),
              "bob's werkzeug pbkdf2 hash verifies");
    }
    pt_run(p, apr_psprintf(p, "sha256sum < %s", path), &after);
    PT_IS_STR(after, before, "the users.db is not changed by reading it");

    rv = pt_flaskdb_read(p, sql, missing, on_row, r, NULL, &err);
    PT_OK(rv == APR_ENOENT && access(missing, F_OK) != 0,
          "a missing file is an error, and is not created");
    pt_run(p, apr_psprintf(p, "echo 'not a database at all' > %s", junk),
           &out);
    rv = pt_flaskdb_read(p, sql, junk, on_row, r, NULL, &err);
    PT_OK(rv != APR_SUCCESS && err.what
          && !strncmp(err.what, "not a Flask portal users.db", 27),
          "a file that is not SQLite (%s)", err.what ? err.what : "-");
    pt_run(p, apr_psprintf(p, "rm -f %s && %s -c 'import sqlite3; "
                           "sqlite3.connect(\"%s\").execute(\"create table "
                           "account (id)\")'", junk, pt_python(), junk),
           &out);
    rv = pt_flaskdb_read(p, sql, junk, on_row, r, NULL, &err);
    PT_OK(rv != APR_SUCCESS && err.what
          && strstr(err.what, "no such table") != NULL,
          "a database without the table `user` (%s)",
          err.what ? err.what : "-");
}

/* ------------------------------------------------------------ hashing */

typedef struct progress_t {
    apr_size_t last, calls;
    int monotonic;
    apr_os_thread_t caller;
    int other_thread;
} progress_t;

static void on_progress(void *baton, apr_size_t done, apr_size_t total)
{
    progress_t *pr = baton;

    pr->calls++;
    pr->monotonic &= done > pr->last && done <= total;
    pr->last = done;
    pr->other_thread |= !apr_os_thread_equal(pr->caller,
                                             apr_os_thread_current());
}

static void test_hashing(apr_pool_t *p)
{
    enum { N = 64 };
    pt_argon2_params_t params = { 8192, 1, 1 };
    const char *pw[N], *out1[N], *outk[N];
    progress_t pr;
    pt_err_t err = { 0 };
    apr_time_t t0, t1, tk;
    unsigned int k = pt_userhash_cpus();
    apr_status_t rv1, rvk;
    int i, verified = 0, crossed = 0, skipped;

    for (i = 0; i < N; i++) {
        pw[i] = i == 7 ? NULL : apr_psprintf(p, "password number %d", i);
    }
    t0 = apr_time_now();
    rv1 = pt_userhash_batch(p, pw, N, &params, 1, NULL, NULL, out1, &err);
    t1 = apr_time_now() - t0;

    memset(&pr, 0, sizeof(pr));
    pr.monotonic = 1;
    pr.caller = apr_os_thread_current();
    t0 = apr_time_now();
    rvk = pt_userhash_batch(p, pw, N, &params, k < 2 ? 2 : k, on_progress,
                            &pr, outk, &err);
    tk = apr_time_now() - t0;
    PT_OK(rv1 == APR_SUCCESS && rvk == APR_SUCCESS, "two batches of %d "
          "hashed, on 1 and on %u threads", N, k < 2 ? 2 : k);
    for (i = 0; i < N; i++) {
        int m = 0;

        if (!pw[i]) {
            continue;
        }
        pt_password_verify(p, pw[i], outk[i], &params, &m, NULL);
        verified += m;
        pt_password_verify(p, pw[(i + 1) % N] ? pw[(i + 1) % N] : "x",
                           outk[i], &params, &m, NULL);
        crossed += m;
    }
    skipped = outk[7] == NULL && out1[7] == NULL;
    PT_OK(verified == N - 1 && crossed == 0, "every hash verifies its own "
          "password, and only it: results are in order (%d, %d)", verified,
          crossed);
    PT_OK(skipped, "a NULL password (a row with its own hash) is skipped");
    PT_OK(out1[0] && outk[0] && strcmp(out1[0], outk[0]) != 0,
          "fresh salts");
    PT_OK(pr.monotonic && pr.last == N && pr.calls >= 1 && !pr.other_thread,
          "progress rises to %d, called in the calling thread only (%"
          APR_SIZE_T_FMT " calls)", N, pr.calls);
    printf("# hashing %d passwords (m=%u KiB, t=%u): 1 thread %.2f s, %u "
           "threads %.2f s, ratio %.2f on %u CPUs\n", N, params.m_cost_kib,
           params.t_cost, (double)t1 / APR_USEC_PER_SEC, k < 2 ? 2 : k,
           (double)tk / APR_USEC_PER_SEC, (double)t1 / (double)(tk ? tk : 1),
           k);

    {
        const char *longpw[2] = { "ok password", NULL };
        char *huge = apr_palloc(p, PT_PASSWORD_MAX_LEN + 2);

        memset(huge, 'a', PT_PASSWORD_MAX_LEN + 1);
        huge[PT_PASSWORD_MAX_LEN + 1] = '\0';
        longpw[1] = huge;
        PT_OK(pt_userhash_batch(p, longpw, 2, &params, 2, NULL, NULL, out1,
                                &err) == APR_EINVAL,
              "a password over %d bytes refuses the batch",
              PT_PASSWORD_MAX_LEN);
    }
}

int main(void)
{
    apr_pool_t *p;
    char tmpl[] = "/tmp/pt_userimport.XXXXXX";
    const char *ignored;

    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_dbd_init(p);
    tmpdir = mkdtemp(tmpl);
    test_scenario(p);
    test_probe(p);
    test_flaskdb(p);
    test_hashing(p);
    pt_run(p, apr_psprintf(p, "rm -rf %s", tmpdir), &ignored);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
