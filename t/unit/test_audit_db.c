/*
 * test_audit_db.c -- the activity log in a real database through apr_dbd
 * (the driver mod_dbd uses): migration 011, appends from several threads
 * and processes at once (the chain stays one chain), listing with filters
 * and keyset paging, the timeline, the triggers, seals, retention, and
 * tampering with the rows found by pt_audit_verify.
 *
 *   test_audit_db                      on a temporary SQLite file
 *   test_audit_db pgsql CONNINFO       on PostgreSQL (test_audit_pg.sh
 *                                      starts a throwaway cluster)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "pt_test.h"
#include "pt_test_run.h"
#include "pt_audit.h"

#define THREADS 4
#define PER_THREAD 50
#define PROCS 3
#define PER_PROC 30

static const char *dialect = "sqlite", *driver_name = "sqlite3", *params;
static pt_sql_t *sql;

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

/* A connection of its own, set up as httpd's DBDInitSQL would. */
static pt_db_t *open_db(apr_pool_t *p)
{
    pt_db_t *db = apr_pcalloc(p, sizeof(*db));

    if (apr_dbd_get_driver(p, driver_name, &db->driver) != APR_SUCCESS
        || apr_dbd_open(db->driver, p, params, &db->handle) != APR_SUCCESS) {
        return NULL;
    }
    db->conn_pool = p;
    db->prepared = apr_hash_make(p);
    db->sql = sql;
    db->pool = p;
    if (apr_hash_get(sql->queries, "init_busy", APR_HASH_KEY_STRING)) {
        pt_db_run_named(db, "init_wal");
        pt_db_run_named(db, "init_busy");
    }
    return db;
}

static pt_audit_entry_t ev(apr_pool_t *p, apr_int64_t actor,
                           const char *action, const char *outcome,
                           const char *ip, apr_time_t t)
{
    pt_audit_entry_t e;

    memset(&e, 0, sizeof(e));
    e.time = t;
    e.actor_id = actor;
    e.actor_name = actor ? apr_psprintf(p, "user%" APR_INT64_T_FMT, actor)
                         : NULL;
    e.ip = ip;
    e.user_agent = "test/1.0";
    e.action = action;
    e.outcome = outcome;
    e.target = actor ? apr_psprintf(p, "user:%" APR_INT64_T_FMT, actor)
                     : NULL;
    e.request_id = "req";
    return e;
}

static pt_audit_result_t verify_db(apr_pool_t *p, pt_db_t *db,
                                   apr_int64_t from)
{
    pt_audit_verify_t v;
    pt_audit_result_t res;
    apr_array_header_t *seals = NULL;
    pt_err_t err = { 0 };

    memset(&v, 0, sizeof(v));
    pt_audit_seals_load(db, from, &seals, &err);
    v.from = from;
    v.next = pt_audit_iter_next;
    v.next_baton = pt_audit_iter_make(db, from);
    v.seals = seals;
    if (pt_audit_verify(p, &v, &res, &err) != APR_SUCCESS) {
        memset(&res, 0, sizeof(res));
        res.problem = -1;
        res.message = err.what ? err.what : "walk failed";
    }
    return res;
}

static const char *verdict(apr_pool_t *p, pt_audit_result_t r)
{
    return apr_psprintf(p, "%d %" APR_INT64_T_FMT ": %s (%" APR_INT64_T_FMT
                        " entries)", (int)r.problem, r.id, r.message,
                        r.entries);
}

/* ------------------------------------------------------------ appenders */

typedef struct appender_t {
    int n;
    int failed;
    const char *why;
} appender_t;

/* Append a->n entries on a connection of its own. */
static void append_n(appender_t *a)
{
    apr_pool_t *p;
    pt_db_t *db;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    db = open_db(p);
    for (i = 0; db && i < a->n; i++) {
        pt_audit_entry_t e = ev(p, i % 5 + 1, "signin", "success",
                                "192.0.2.1", 0);
        pt_err_t err = { 0 };

        if (pt_audit_append(db, &e, NULL, &err) != APR_SUCCESS) {
            a->failed++;
            a->why = err.what ? strdup(err.what) : "?";
        }
    }
    if (!db) {
        a->failed = a->n;
        a->why = "no connection";
    }
    else {
        apr_dbd_close(db->driver, db->handle);
    }
    apr_pool_destroy(p);
}

static void *APR_THREAD_FUNC append_thread(apr_thread_t *t, void *data)
{
    append_n(data);
    return NULL;                /* not apr_thread_exit(): see test_smtp.c */
}

static void test_concurrent(apr_pool_t *p, pt_db_t *db)
{
    apr_thread_t *t[THREADS];
    appender_t a[THREADS];
    pid_t pids[PROCS];
    pt_audit_result_t r;
    int i, failed = 0, procs_ok = 1;
    const char *why = NULL;

    for (i = 0; i < PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            appender_t me = { PER_PROC, 0, NULL };

            append_n(&me);
            _exit(me.failed ? 1 : 0);
        }
    }
    for (i = 0; i < THREADS; i++) {
        a[i].n = PER_THREAD;
        a[i].failed = 0;
        a[i].why = NULL;
        apr_thread_create(&t[i], NULL, append_thread, &a[i], p);
    }
    for (i = 0; i < THREADS; i++) {
        apr_status_t trv;

        apr_thread_join(&trv, t[i]);
        failed += a[i].failed;
        why = a[i].why ? a[i].why : why;
    }
    for (i = 0; i < PROCS; i++) {
        int st = -1;

        waitpid(pids[i], &st, 0);
        procs_ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    PT_OK(failed == 0 && procs_ok, "%d threads and %d processes appended "
          "%d entries at once, none failed (%d; %s)", THREADS, PROCS,
          THREADS * PER_THREAD + PROCS * PER_PROC, failed,
          why ? why : "-");
    r = verify_db(p, db, 0);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.anchored
          && r.entries == THREADS * PER_THREAD + PROCS * PER_PROC
          && r.first_id == 1 && r.last_id == r.entries,
          "and the chain is one chain: ids 1..%d, every link and hash right"
          " (%s)", THREADS * PER_THREAD + PROCS * PER_PROC, verdict(p, r));
}

/* ------------------------------------------------------------ queries */

static const char *ids(apr_pool_t *p, apr_array_header_t *rows)
{
    const char *s = "";
    int i;

    for (i = 0; i < rows->nelts; i++) {
        s = apr_psprintf(p, "%s%s%" APR_INT64_T_FMT, s, i ? "," : "",
                         APR_ARRAY_IDX(rows, i, pt_audit_row_t *)->e.id);
    }
    return s;
}

static void test_queries(apr_pool_t *p, pt_db_t *db, apr_int64_t base)
{
    const apr_time_t t0 = apr_time_from_sec(1700000000);
    pt_audit_filter_t f;
    apr_array_header_t *rows;
    pt_err_t err = { 0 };
    pt_audit_row_t *out = NULL;
    apr_int64_t before = 0;
    const char *all = "", *want = "";
    int i, pages = 0;

    /* 20 entries: actors 1-4, actions, outcomes, two IPs, a second apart */
    for (i = 1; i <= 20; i++) {
        pt_audit_entry_t e = ev(p, i % 4 + 1, i % 3 ? "signin" : "upload",
                                i % 5 ? "success" : "failure",
                                i % 2 ? "192.0.2.1" : "2001:db8::7",
                                t0 + apr_time_from_sec(i));

        if (pt_audit_append(db, &e, &out, &err) != APR_SUCCESS) {
            break;
        }
    }
    PT_OK(i == 21 && out && out->e.id == base + 20,
          "20 more entries (head %" APR_INT64_T_FMT ")", out ? out->e.id : 0);

    memset(&f, 0, sizeof(f));
    f.from = t0;                /* these 20 only: the others are of now */
    f.to = t0 + apr_time_from_sec(100);
    pt_audit_list(db, &f, 0, 5, &rows, &err);
    PT_IS_STR(ids(p, rows), apr_psprintf(p, "%" APR_INT64_T_FMT ",%"
              APR_INT64_T_FMT ",%" APR_INT64_T_FMT ",%" APR_INT64_T_FMT ",%"
              APR_INT64_T_FMT, base + 20, base + 19, base + 18, base + 17,
              base + 16), "newest first");
    for (before = 0;; pages++) {
        pt_audit_list(db, &f, before, 7, &rows, &err);
        if (rows->nelts == 0) {
            break;
        }
        all = apr_pstrcat(p, all, *all ? "," : "", ids(p, rows), NULL);
        before = APR_ARRAY_IDX(rows, rows->nelts - 1, pt_audit_row_t *)->e.id;
    }
    for (i = 20; i >= 1; i--) {
        want = apr_psprintf(p, "%s%s%" APR_INT64_T_FMT, want,
                            i < 20 ? "," : "", base + i);
    }
    PT_OK(!strcmp(all, want) && pages == 3, "keyset pages of 7: every entry"
          " once, in order (%d pages)", pages);

    f.actor_id = 2;
    pt_audit_list(db, &f, 0, 100, &rows, &err);
    want = "";
    for (i = 20; i >= 1; i--) {
        if (i % 4 + 1 == 2) {
            want = apr_psprintf(p, "%s%s%" APR_INT64_T_FMT, want,
                                *want ? "," : "", base + i);
        }
    }
    PT_IS_STR(ids(p, rows), want, "by user");
    f.action = "upload";
    f.outcome = "failure";
    pt_audit_list(db, &f, 0, 100, &rows, &err);
    PT_OK(rows->nelts == 0, "by user, action and outcome (none: %s)",
          ids(p, rows));
    memset(&f, 0, sizeof(f));
    f.to = t0 + apr_time_from_sec(100);
    f.ip = "2001:db8::7";
    f.outcome = "failure";
    pt_audit_list(db, &f, 0, 100, &rows, &err);
    PT_IS_STR(ids(p, rows), apr_psprintf(p, "%" APR_INT64_T_FMT ",%"
              APR_INT64_T_FMT, base + 20, base + 10), "by IP and outcome");
    memset(&f, 0, sizeof(f));
    f.action = "upload";
    f.from = t0 + apr_time_from_sec(10);
    f.to = t0 + apr_time_from_sec(16);
    pt_audit_list(db, &f, 0, 100, &rows, &err);
    PT_IS_STR(ids(p, rows), apr_psprintf(p, "%" APR_INT64_T_FMT ",%"
              APR_INT64_T_FMT, base + 15, base + 12),
              "by action within a time range [from, to)");
    memset(&f, 0, sizeof(f));
    f.outcome = "failure";
    f.from = t0;
    f.to = t0 + apr_time_from_sec(100);
    pt_audit_list(db, &f, 0, 100, &rows, &err);
    PT_OK(rows->nelts == 4, "by outcome (%s)", ids(p, rows));

    pt_audit_timeline(db, 3, "user:1", 0, 100, &rows, &err);
    PT_OK(rows->nelts > 0, "a timeline: by user 3 or about user:1 (%d)",
          rows->nelts);
    for (i = 0; i < rows->nelts; i++) {
        pt_audit_row_t *r = APR_ARRAY_IDX(rows, i, pt_audit_row_t *);

        if (r->e.actor_id != 3 && strcmp(r->e.target ? r->e.target : "",
                                         "user:1")) {
            break;
        }
    }
    PT_OK(i == rows->nelts, "only those");
}

/* ------------------------------------------------------------ seals */

static void test_seals_retention(apr_pool_t *p, pt_db_t *db)
{
    pt_audit_row_t *head = NULL, *mid = NULL;
    pt_audit_seal_t s;
    pt_audit_result_t r;
    apr_array_header_t *rows;
    pt_err_t err = { 0 };
    static const unsigned char token[] = { 0x30, 0x03, 0x02, 0x01, 0x07 };
    apr_int64_t kept = 0, total;
    int due = 0, deleted = 0, nrows = 0;
    const char *sid;

    PT_OK(pt_audit_seal_due(db, &head, &due, &err) == APR_SUCCESS && head
          && due, "the head needs a seal");
    total = head ? head->e.id : 0;
    pt_db_select(db, "audit_page", &rows, PT_ARGS(apr_off_t_toa(p, total - 10),
                                                  "1"));
    mid = rows->nelts ? pt_audit_row_from_db(p, APR_ARRAY_IDX(rows, 0,
                                                              pt_row_t *))
                      : NULL;
    memset(&s, 0, sizeof(s));
    s.entry_id = mid ? mid->e.id : 0;
    s.hash = mid ? mid->hash : "";
    s.token = token;
    s.token_len = sizeof(token);
    s.sealed_at = apr_time_now();
    s.tsa = "portal";
    PT_OK(pt_audit_seal_store(db, &s, &err) == APR_SUCCESS, "a seal of entry"
          " %" APR_INT64_T_FMT " (%s)", s.entry_id,
          err.what ? err.what : "ok");
    pt_audit_seal_due(db, &head, &due, &err);
    PT_OK(due, "the head still needs one");
    s.entry_id = head->e.id;
    s.hash = head->hash;
    pt_audit_seal_store(db, &s, &err);
    pt_audit_seal_due(db, &head, &due, &err);
    PT_OK(!due, "not once it is sealed");
    {
        apr_array_header_t *seals;

        pt_audit_seals_load(db, 0, &seals, &err);
        PT_OK(seals->nelts == 2
              && APR_ARRAY_IDX(seals, 0, pt_audit_seal_t).token_len
                 == sizeof(token)
              && !memcmp(APR_ARRAY_IDX(seals, 0, pt_audit_seal_t).token,
                         token, sizeof(token)),
              "seals load back, tokens intact");
    }

    /* the triggers */
    sid = apr_off_t_toa(p, total);
    PT_OK(pt_db_exec(db, "test_update_detail", &nrows,
                     PT_ARGS("x", apr_off_t_toa(p, 3))) != APR_SUCCESS,
          "an UPDATE of an entry is refused (%s)", db->errmsg);
    PT_OK(pt_db_exec(db, "test_delete", &nrows, PT_ARGS(sid)) != APR_SUCCESS,
          "a DELETE of a sealed head is refused (%s)", db->errmsg);

    /* retention with a cut-off between the two sealed entries' times
     * (entry total - 10 at t0 + 10 s, the head at t0 + 20 s) */
    PT_OK(pt_audit_prune(db, apr_time_from_sec(1700000000 + 15), &kept,
                         &deleted, &err) == APR_SUCCESS,
          "prune (%s)", err.what ? err.what : "ok");
    PT_OK(kept == total - 10 && deleted == total - 11, "only the prefix "
          "before the newest sealed entry older than the cut-off goes (kept "
          "from %" APR_INT64_T_FMT ", %d deleted)", kept, deleted);
    r = verify_db(p, db, 0);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.anchored
          && r.first_id == total - 10 && r.seals == 2,
          "the pruned chain verifies from its seal (%s)", verdict(p, r));
    PT_OK(pt_audit_prune(db, apr_time_from_sec(1700000000 + 15), &kept,
                         &deleted, &err) == APR_SUCCESS && deleted == 0,
          "pruning again deletes nothing");
}

/* A verification on a connection of its own (statements prepared on a
 * connection before another changed the schema fail on SQLite). */
static pt_audit_result_t verify_fresh(apr_pool_t *p)
{
    apr_pool_t *cp;
    pt_db_t *db;
    pt_audit_result_t r;

    apr_pool_create(&cp, p);
    db = open_db(cp);
    r = verify_db(p, db, 0);
    apr_dbd_close(db->driver, db->handle);
    return r;
}

static void test_tamper(apr_pool_t *p, pt_db_t *db, apr_int64_t base)
{
    pt_audit_result_t r;
    pt_err_t err = { 0 };
    apr_pool_t *ap;
    pt_db_t *atk;
    int i, n = 0;

    for (i = 0; i < 10; i++) {
        pt_audit_entry_t e = ev(p, 9, "admin.role", "success", "192.0.2.9",
                                0);

        pt_audit_append(db, &e, NULL, &err);
    }
    r = verify_db(p, db, 0);
    PT_OK(r.problem == PT_AUDIT_INTACT, "intact before tampering (%s)",
          verdict(p, r));

    /* someone with the database's password, on a connection of theirs */
    apr_pool_create(&ap, p);
    atk = open_db(ap);
    pt_db_run_named(atk, "test_drop_guard");
    if (apr_hash_get(sql->queries, "test_drop_guard2", APR_HASH_KEY_STRING)) {
        pt_db_run_named(atk, "test_drop_guard2");
    }
    PT_OK(pt_db_exec(atk, "test_update_detail", &n,
                     PT_ARGS("promoted myself", apr_off_t_toa(p, base + 4)))
          == APR_SUCCESS && n == 1, "with the guard dropped, a row is "
          "changed in place (%s)", n == 1 ? "ok" : atk->errmsg);
    r = verify_fresh(p);
    PT_OK(r.problem == PT_AUDIT_CHANGED && r.id == base + 4,
          "the changed row is named (%s)", verdict(p, r));
    pt_db_exec(atk, "test_update_detail", &n,
               PT_ARGS(NULL, apr_off_t_toa(p, base + 4)));
    r = verify_fresh(p);
    PT_OK(r.problem == PT_AUDIT_INTACT, "put back, it verifies again (%s)",
          verdict(p, r));
    pt_db_exec(atk, "test_delete", &n, PT_ARGS(apr_off_t_toa(p, base + 7)));
    r = verify_fresh(p);
    PT_OK(r.problem == PT_AUDIT_REMOVED && r.id == base + 7
          && r.id_last == base + 7,
          "a deleted row is named (%s)", verdict(p, r));
    apr_dbd_close(atk->driver, atk->handle);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    apr_pool_t *p;
    pt_db_t *db;
    pt_err_t err = { 0 };
    const char *ignored, *dir = NULL;
    int applied = 0, version = 0;
    apr_int64_t total = THREADS * PER_THREAD + PROCS * PER_PROC;
    char tmpl[] = "/tmp/pt_audit_db.XXXXXX";

    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_dbd_init(p);
    if (argc == 3 && !strcmp(argv[1], "pgsql")) {
        dialect = "pgsql";
        driver_name = "pgsql";
        params = argv[2];
    }
    else {
        dir = mkdtemp(tmpl);
        params = apr_pstrcat(p, dir, "/audit.db", NULL);
    }
    if (pt_sql_load(p, apr_pstrcat(p, top_srcdir(), "/sql", NULL), dialect,
                    &sql, &err) != APR_SUCCESS) {
        printf("not ok 1 - %s\n1..1\n", pt_err_str(&err, p));
        return 1;
    }
    /* statements of the tests' own: tampering as an attacker would */
    {
        const char *own = apr_pstrcat(p,
            "-- name: test_update_detail\n"
            "UPDATE audit_log SET detail = %s WHERE id = %lld\n"
            "-- name: test_delete\n"
            "DELETE FROM audit_log WHERE id = %lld\n",
            strcmp(dialect, "pgsql")
            ? "-- name: test_drop_guard\n"
              "DROP TRIGGER audit_log_no_update\n"
              "-- name: test_drop_guard2\n"
              "DROP TRIGGER audit_log_sealed_only\n"
            : "-- name: test_drop_guard\n"
              "DROP TRIGGER audit_log_guard ON audit_log\n", NULL);

        pt_sql_parse_named(p, "test", own, strlen(own), sql->queries, &err);
    }
    db = open_db(p);
    PT_OK(db && pt_db_migrate(db, &applied, &version, &err) == APR_SUCCESS
          && version >= 11, "%s: migrated to version %d (%s)", dialect,
          version, err.what ? pt_err_str(&err, p) : "ok");
    if (!db || version < 11) {
        return pt_test_done();
    }
    test_concurrent(p, db);
    test_queries(p, db, total);
    test_seals_retention(p, db);
    test_tamper(p, db, total + 20);
    apr_dbd_close(db->driver, db->handle);
    if (dir) {
        pt_run(p, apr_psprintf(p, "rm -rf %s", dir), &ignored);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
