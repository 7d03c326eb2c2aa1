/*
 * db.c -- the database, through mod_dbd only.
 *
 * Requests use ap_dbd_acquire() (one pooled connection per request,
 * released by mod_dbd's pool cleanup: never closed here); background jobs
 * use ap_dbd_open()/ap_dbd_close().  Both are wrapped in a core pt_db_t
 * with the named queries of the connection's dialect.  mod_dbd's functions
 * are optional functions looked up at start-up, so a missing mod_dbd is a
 * clear start-up error rather than an unresolved symbol.
 *
 * The schema is brought up to date once per process: in child_init, and
 * again on the first request if that failed (the database may have been
 * down when the child started).
 */
#include "apr_strings.h"
#include "apr_atomic.h"
#include "apr_thread_mutex.h"
#include "apr_optional.h"
#include "apr_time.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "portal.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

#define MIGRATE_ATTEMPTS 5

/* Per process: set in child_init, read by request threads. */
static struct {
    apr_thread_mutex_t *mutex;
    volatile apr_uint32_t schema_ready;
} child;

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* Called from post_config: is mod_dbd there? */
int portal_db_post_config(server_rec *s)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_acquire || !dbd_open || !dbd_close) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0201)
                     "mod_dbd is not loaded: add 'LoadModule dbd_module "
                     "modules/mod_dbd.so' and a DBDriver");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static pt_db_t *wrap(server_rec *s, apr_pool_t *pool, ap_dbd_t *dbd)
{
    const portal_srv_t *conf = portal_cfg_of(s);
    const char *name = apr_dbd_name(dbd->driver);
    const char *dialect = !strcmp(name, "sqlite3") ? "sqlite" : name;
    pt_db_t *db;

    db = apr_pcalloc(pool, sizeof(*db));
    db->sql = portal_conf_sql(conf, dialect);
    if (!db->sql) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0202)
                     "DBDriver %s is not supported: use sqlite3 or pgsql",
                     name);
        return NULL;
    }
    if (!dbd->prepared) {
        dbd->prepared = apr_hash_make(dbd->pool);
    }
    db->driver = dbd->driver;
    db->handle = dbd->handle;
    db->conn_pool = dbd->pool;
    db->prepared = dbd->prepared;
    db->pool = pool;
    return db;
}

apr_status_t portal_db_ensure_schema(server_rec *s, pt_db_t *db)
{
    apr_status_t rv = APR_SUCCESS;
    pt_err_t err = { 0 };
    int applied = 0, version = 0;

    if (apr_atomic_read32(&child.schema_ready)) {
        return APR_SUCCESS;
    }
    if (child.mutex) {
        apr_thread_mutex_lock(child.mutex);
    }
    if (!apr_atomic_read32(&child.schema_ready)) {
        int attempt;

        /* Another process may be migrating right now: SQLite then fails
         * with "schema has changed" once the lock is ours.  A retry finds
         * the work done. */
        for (attempt = 0; attempt < MIGRATE_ATTEMPTS; attempt++) {
            rv = pt_db_migrate(db, &applied, &version, &err);
            if (rv == APR_SUCCESS) {
                break;
            }
            apr_sleep(apr_time_from_msec(100 * (attempt + 1)));
        }
        if (rv == APR_SUCCESS && !strcmp(db->sql->dialect, "sqlite")) {
            apr_array_header_t *rows;

            /* WAL is kept in the file: once set, every connection has it */
            pt_db_select(db, "init_wal", &rows, PT_NOARGS);
        }
        if (rv == APR_SUCCESS) {
            apr_atomic_set32(&child.schema_ready, 1);
            if (applied) {
                ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                             PORTAL_LOGNO(0203) "database schema migrated "
                             "to version %d (%d migrations applied)",
                             version, applied);
            }
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0204)
                         "database migration failed: %s",
                         pt_err_str(&err, db->pool));
        }
    }
    if (child.mutex) {
        apr_thread_mutex_unlock(child.mutex);
    }
    return rv;
}

pt_db_t *portal_db_get(portal_req_t *req)
{
    request_rec *r = req->r;
    ap_dbd_t *dbd;
    pt_db_t *db;

    if (req->db) {
        return req->db;
    }
    dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PORTAL_LOGNO(0205)
                      "no database connection from mod_dbd (check DBDriver "
                      "and DBDParams)");
        return NULL;
    }
    db = wrap(r->server, r->pool, dbd);
    if (!db || portal_db_ensure_schema(r->server, db) != APR_SUCCESS) {
        return NULL;
    }
    req->db = db;
    return db;
}

pt_db_t *portal_db_open(server_rec *s, apr_pool_t *pool)
{
    ap_dbd_t *dbd = dbd_open ? dbd_open(pool, s) : NULL;
    pt_db_t *db;

    if (!dbd) {
        return NULL;
    }
    db = wrap(s, pool, dbd);
    if (!db) {
        dbd_close(s, dbd);
        return NULL;
    }
    db->lender = dbd;           /* to give it back to mod_dbd */
    return db;
}

void portal_db_release(server_rec *s, pt_db_t *db)
{
    if (db->lender && dbd_close) {
        dbd_close(s, db->lender);
        db->lender = NULL;
    }
}

/* mod_dbd ignores a failing DBDInitSQL without a word: say so when SQLite
 * is not in WAL mode (readers then wait for writers). */
static void check_sqlite_mode(server_rec *s, pt_db_t *db)
{
    pt_row_t *row;
    const char *mode;

    if (strcmp(db->sql->dialect, "sqlite")
        || pt_db_one(db, "journal_mode", &row, PT_NOARGS) != APR_SUCCESS
        || !row) {
        return;
    }
    mode = row->ncols > 0 ? row->vals[0] : NULL;
    if (!mode || strcasecmp(mode, "wal")) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PORTAL_LOGNO(0208)
                     "SQLite is in journal mode '%s', not WAL: add "
                     "DBDInitSQL \"PRAGMA journal_mode=WAL\"",
                     mode ? mode : "unknown");
    }
}

void portal_db_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_pool_t *p;
    pt_db_t *db;

    if (apr_thread_mutex_create(&child.mutex, APR_THREAD_MUTEX_DEFAULT,
                                pchild) != APR_SUCCESS) {
        child.mutex = NULL;
    }
    apr_pool_create(&p, pchild);
    db = portal_db_open(s, p);
    if (!db) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0206)
                     "database not reachable at child start; the schema "
                     "will be checked on the first request");
    }
    else {
        portal_db_ensure_schema(s, db);
        check_sqlite_mode(s, db);
        portal_db_release(s, db);
    }
    apr_pool_destroy(p);
}

