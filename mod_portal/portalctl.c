/*
 * portalctl.c -- the command-line companion of mod_portal.
 *
 *   portalctl render TEMPLATE [DATA.json] [--partials DIR]
 *   portalctl [--data DIR | --db DRIVER:PARAMS] [--sql DIR] migrate|status|users
 *   portalctl [...] ioc-refresh [--feed NAME] [--file PATH --format FORMAT]
 *             [--force]
 *   portalctl [...] user add --role ROLE --username U --email E
 *             --first-name F --last-name L [--address A]
 *             [--password-file FILE]
 *   portalctl [...] throttle [list] | throttle lift ID
 *
 * `render` shows what the portal's template engine makes of a template, so
 * a site owner can preview a customised one.  The other commands act on
 * the database of the instance that `./run.sh --data DIR` runs (SQLite in
 * DIR/portal.db) or on any database named with --db (e.g.
 * "pgsql:host=127.0.0.1 dbname=portal user=portal").  Linked with the core
 * only: no httpd needed.
 *
 * `user add` makes an account with any role (the first admin, typically),
 * already confirmed.  The password is never taken from the command line,
 * where other users could see it: it is the first line of --password-file,
 * or read from standard input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_dbd.h>
#include <jansson.h>

#include "pt_core.h"
#include "pt_buf.h"
#include "pt_template.h"
#include "pt_sql.h"
#include "pt_crypto.h"
#include "portalctl.h"

#define DEFAULT_DATA_DIR "/var/lib/mod_portal"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: portalctl render TEMPLATE [DATA.json] [--partials DIR]\n"
        "       portalctl [--data DIR | --db DRIVER:PARAMS] [--sql DIR] "
        "COMMAND\n"
        "\n"
        "commands:\n"
        "  render    print what the engine makes of TEMPLATE with the JSON\n"
        "            in DATA.json ({{> name}} is name.html in --partials,\n"
        "            by default the template's folder)\n"
        "  migrate   bring the database schema up to date\n"
        "  status    schema version, accounts, sessions, mail outbox,\n"
        "            background jobs\n"
        "  users     list the accounts (role, last sign-in, active or\n"
        "            disabled)\n"
        "  user add --role ROLE --username U --email E --first-name F\n"
        "           --last-name L [--address A] [--password-file FILE]\n"
        "            make an account (ROLE client, operations or admin)\n"
        "            whose email address counts as confirmed, and print\n"
        "            its id; the password is the first line of FILE, or\n"
        "            is read from standard input (asked twice on a\n"
        "            terminal) when FILE is absent or -; an existing\n"
        "            username or email address is refused (exit 1)\n"
        "  throttle [list]  the throttle's blocks of the last 24 hours (from\n"
        "            the database: the counts themselves are in httpd's\n"
        "            socache, which portalctl cannot open)\n"
        "  throttle lift ID  ask the server to lift a block: its\n"
        "            \"throttle\" job does within 5 seconds\n"
        "  ioc-refresh  pull the threat-intelligence feeds the server\n"
        "            declared (PortalIocFeed) now, with progress: all of\n"
        "            them, or --feed NAME; or load --file PATH of --format\n"
        "            FORMAT (urlhaus-csv, threatfox-csv, threatfox-json,\n"
        "            malwarebazaar-csv, malwarebazaar-json, feodo-csv,\n"
        "            feodo-json, greynoise-csv, greynoise-json); a feed\n"
        "            another node pulled within its interval is skipped\n"
        "            unless --force\n"
        "            (status and users first bring the schema up to date,\n"
        "            as httpd does when it starts, and say so if they do)\n"
        "\n"
        "options:\n"
        "  --data DIR   the instance's data folder (default %s);\n"
        "               its database is DIR/portal.db\n"
        "  --db SPEC    another database: sqlite3:PATH or pgsql:PARAMS\n"
        "  --sql DIR    the SQL folder (default: next to portalctl, or the\n"
        "               installed one)\n", DEFAULT_DATA_DIR);
}

int portalctl_fail(const char *what)
{
    fprintf(stderr, "portalctl: %s\n", what);
    return 1;
}

/* ------------------------------------------------------------ render */

static int cmd_render(ctl_t *ctl, const char *tpl_path, const char *data_path)
{
    apr_pool_t *p = ctl->pool;
    pt_tplset_t *set = pt_tplset_make(p);
    const pt_template_t *tpl;
    pt_err_t err = { 0 };
    pt_buf_t out;
    json_t *data;
    json_error_t jerr;
    const char *dir = ctl->partials;
    char *src;
    apr_size_t len;

    if (!dir) {
        const char *slash = strrchr(tpl_path, '/');

        dir = slash ? apr_pstrmemdup(p, tpl_path,
                                     (apr_size_t)(slash - tpl_path)) : ".";
    }
    if (pt_tplset_load_dir(set, dir, ".html", &err) != APR_SUCCESS) {
        return portalctl_fail(pt_err_str(&err, p));
    }
    if (pt_file_read(p, tpl_path, &src, &len, 16 * 1024 * 1024, &err)
        != APR_SUCCESS
        || pt_tplset_add(set, "portalctl:main", tpl_path, src, len, &err)
           != APR_SUCCESS) {
        return portalctl_fail(pt_err_str(&err, p));
    }
    tpl = pt_tplset_get(set, "portalctl:main");
    if (data_path) {
        data = json_load_file(data_path, 0, &jerr);
        if (!data) {
            return portalctl_fail(apr_psprintf(p, "%s:%d: %s", data_path, jerr.line,
                                     jerr.text));
        }
    }
    else {
        data = json_object();
    }
    pt_buf_init(&out, p, 8192, 64 * 1024 * 1024);
    if (pt_template_render(tpl, data, set, &out, &err) != APR_SUCCESS) {
        json_decref(data);
        return portalctl_fail(err.what ? pt_err_str(&err, p) : "output too large");
    }
    json_decref(data);
    fwrite(out.data, 1, out.len, stdout);
    return 0;
}

/* ------------------------------------------------------------ database */

static const char *find_sql_dir(apr_pool_t *p)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    struct stat st;

    if (n > 0) {
        char *slash;
        const char *cand;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* a build folder inside the source tree, or the tree itself */
            cand = apr_pstrcat(p, exe, "/../sql", NULL);
            if (stat(apr_pstrcat(p, cand, "/queries.sql", NULL), &st) == 0) {
                return cand;
            }
            cand = apr_pstrcat(p, exe, "/sql", NULL);
            if (stat(apr_pstrcat(p, cand, "/queries.sql", NULL), &st) == 0) {
                return cand;
            }
        }
    }
    return PORTAL_SHAREDIR "/sql";
}

/* As root, act as the owner of the data folder, so that files SQLite
 * creates (-wal, -shm) stay writable by httpd's worker user. */
static int drop_to_owner(const char *dir)
{
    struct stat st;

    if (geteuid() != 0 || stat(dir, &st) != 0 || st.st_uid == 0) {
        return 0;
    }
    if (setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0) {
        return portalctl_fail("cannot switch to the owner of the data folder");
    }
    return 0;
}

static int db_connect(ctl_t *ctl, pt_db_t **out)
{
    apr_pool_t *p = ctl->pool;
    const char *driver_name = "sqlite3", *params, *dialect;
    pt_err_t err = { 0 };
    pt_sql_t *sql;
    pt_db_t *db;
    const char *dberr = NULL;
    int rc;

    if (ctl->db_spec) {
        const char *colon = strchr(ctl->db_spec, ':');

        if (!colon) {
            return portalctl_fail("--db takes DRIVER:PARAMS, e.g. sqlite3:/path/db");
        }
        driver_name = apr_pstrmemdup(p, ctl->db_spec,
                                     (apr_size_t)(colon - ctl->db_spec));
        params = colon + 1;
    }
    else {
        struct stat st;

        if (stat(ctl->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            return portalctl_fail(apr_psprintf(p, "%s is not a data folder (start the "
                                     "portal once, or give --data)",
                                     ctl->data_dir));
        }
        if (drop_to_owner(ctl->data_dir)) {
            return 1;
        }
        params = apr_pstrcat(p, ctl->data_dir, "/portal.db", NULL);
    }
    dialect = !strcmp(driver_name, "sqlite3") ? "sqlite" : driver_name;
    if (pt_sql_load(p, ctl->sql_dir, dialect, &sql, &err) != APR_SUCCESS) {
        return portalctl_fail(pt_err_str(&err, p));
    }
    db = apr_pcalloc(p, sizeof(*db));
    if (apr_dbd_get_driver(p, driver_name, &db->driver) != APR_SUCCESS) {
        return portalctl_fail(apr_psprintf(p, "no apr_dbd driver '%s' (install "
                                 "libaprutil1-dbd-%s)", driver_name,
                                 driver_name));
    }
    rc = apr_dbd_open_ex(db->driver, p, params, &db->handle, &dberr);
    if (rc != APR_SUCCESS) {
        return portalctl_fail(apr_psprintf(p, "cannot open the database: %s",
                                 dberr ? dberr : "unknown error"));
    }
    db->conn_pool = p;
    db->prepared = apr_hash_make(p);
    db->sql = sql;
    db->pool = p;
    if (!strcmp(dialect, "sqlite")) {
        apr_array_header_t *rows;

        pt_db_select(db, "init_wal", &rows, PT_NOARGS);
        pt_db_select(db, "init_busy", &rows, PT_NOARGS);
        pt_db_select(db, "init_fk", &rows, PT_NOARGS);
    }
    *out = db;
    return 0;
}

int portalctl_migrate(ctl_t *ctl, pt_db_t *db, int quiet)
{
    pt_err_t err = { 0 };
    int applied, version;

    if (pt_db_migrate(db, &applied, &version, &err) != APR_SUCCESS) {
        return portalctl_fail(pt_err_str(&err, ctl->pool));
    }
    if (!quiet || applied) {
        printf("schema version %d (%d migrations applied now)\n", version,
               applied);
    }
    return 0;
}

static const char *when(apr_pool_t *p, const char *secs)
{
    apr_time_exp_t t;
    apr_size_t n;
    char buf[64];

    if (!secs || !*secs) {
        return "never";
    }
    apr_time_exp_gmt(&t, apr_time_from_sec(apr_atoi64(secs)));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &t);
    return apr_pstrdup(p, buf);
}

static int cmd_status(ctl_t *ctl, pt_db_t *db)
{
    apr_array_header_t *rows;
    pt_row_t *row;
    int i;

    if (portalctl_migrate(ctl, db, 1)) {
        return 1;
    }
    if (pt_db_select(db, "migrations_applied", &rows, PT_NOARGS)
        != APR_SUCCESS) {
        return portalctl_fail(db->errmsg);
    }
    printf("database: %s\n", ctl->db_spec ? ctl->db_spec
           : apr_pstrcat(ctl->pool, ctl->data_dir, "/portal.db", NULL));
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        printf("  migration %s applied %s\n", pt_row_get(row, "name"),
               when(ctl->pool, pt_row_get(row, "applied_at")));
    }
    if (pt_db_one(db, "users_count", &row, PT_NOARGS) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg);
    }
    printf("accounts: %s\n", pt_row_get(row, "n"));
    if (pt_db_one(db, "sessions_count", &row, PT_NOARGS) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg);
    }
    printf("sessions: %s\n", pt_row_get(row, "n"));
    if (pt_db_select(db, "outbox_counts", &rows, PT_NOARGS) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg);
    }
    printf("mail outbox:%s", rows->nelts ? "" : " empty");
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        printf("%s %s %s", i ? "," : "", pt_row_get(row, "n"),
               pt_row_get(row, "status"));
    }
    printf("\n");
    if (pt_db_select(db, "job_runs", &rows, PT_NOARGS) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg);
    }
    printf("background jobs:%s\n", rows->nelts ? "" : " none has run yet");
    for (i = 0; i < rows->nelts; i++) {
        const char *e;

        row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        e = pt_row_get(row, "last_error");
        printf("  %-18s runs %s, last %s, last success %s: %s\n",
               pt_row_get(row, "name"), pt_row_get(row, "runs"),
               when(ctl->pool, pt_row_get(row, "last_run_at")),
               when(ctl->pool, pt_row_get(row, "last_ok_at")),
               e ? e : (pt_row_get(row, "last_result")
                        ? pt_row_get(row, "last_result") : "ok"));
    }
    return 0;
}

static int cmd_users(ctl_t *ctl, pt_db_t *db)
{
    apr_array_header_t *rows;
    int i;

    if (portalctl_migrate(ctl, db, 1)) {
        return 1;
    }
    if (pt_db_select(db, "users_list", &rows, PT_NOARGS) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg);
    }
    printf("%-36s  %-20s  %-11s  %-30s  %-23s  %s\n", "id", "username",
           "role", "email", "last sign-in", "status");
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);

        printf("%-36s  %-20s  %-11s  %-30s  %-23s  %s\n",
               pt_row_get(row, "uuid"), pt_row_get(row, "username"),
               pt_row_get(row, "role"), pt_row_get(row, "email"),
               when(ctl->pool, pt_row_get(row, "last_login_at")),
               pt_row_get(row, "disabled_at") ? "disabled" : "active");
    }
    printf("%d accounts\n", rows->nelts);
    return 0;
}

int main(int argc, const char *const *argv)
{
    ctl_t ctl = { 0 };
    const char *cmd = NULL, *args[2] = { NULL, NULL };
    int i, nargs = 0, rc;
    pt_db_t *db;
    const char *hash = NULL;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&ctl.pool, NULL);
    ctl.data_dir = DEFAULT_DATA_DIR;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        else if (!strcmp(a, "--data") && has_value) {
            ctl.data_dir = argv[++i];
        }
        else if (!strcmp(a, "--db") && has_value) {
            ctl.db_spec = argv[++i];
        }
        else if (!strcmp(a, "--sql") && has_value) {
            ctl.sql_dir = argv[++i];
        }
        else if (!strcmp(a, "--partials") && has_value) {
            ctl.partials = argv[++i];
        }
        else if (!strcmp(a, "--feed") && has_value) {
            ctl.feed = argv[++i];
        }
        else if (!strcmp(a, "--file") && has_value) {
            ctl.file = argv[++i];
        }
        else if (!strcmp(a, "--format") && has_value) {
            ctl.format = argv[++i];
        }
        else if (!strcmp(a, "--force")) {
            ctl.force = 1;
        }
        else if (!strcmp(a, "--role") && has_value) {
            ctl.role = argv[++i];
        }
        else if (!strcmp(a, "--username") && has_value) {
            ctl.username = argv[++i];
        }
        else if (!strcmp(a, "--email") && has_value) {
            ctl.email = argv[++i];
        }
        else if (!strcmp(a, "--first-name") && has_value) {
            ctl.first_name = argv[++i];
        }
        else if (!strcmp(a, "--last-name") && has_value) {
            ctl.last_name = argv[++i];
        }
        else if (!strcmp(a, "--address") && has_value) {
            ctl.address = argv[++i];
        }
        else if (!strcmp(a, "--password-file") && has_value) {
            ctl.password_file = argv[++i];
        }
        else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "portalctl: unknown option or missing value: "
                    "%s\n", a);
            usage(stderr);
            return 2;
        }
        else if (!cmd) {
            cmd = a;
        }
        else if (nargs < 2) {
            args[nargs++] = a;
        }
        else {
            fprintf(stderr, "portalctl: too many arguments\n");
            return 2;
        }
    }
    if (!cmd) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(cmd, "render")) {
        if (!args[0]) {
            usage(stderr);
            return 2;
        }
        return cmd_render(&ctl, args[0], args[1]);
    }
    if (!strcmp(cmd, "user") && (!args[0] || strcmp(args[0], "add"))) {
        fprintf(stderr, "portalctl: user takes a subcommand: add\n");
        usage(stderr);
        return 2;
    }
    if (strcmp(cmd, "migrate") && strcmp(cmd, "status")
        && strcmp(cmd, "users") && strcmp(cmd, "ioc-refresh")
        && strcmp(cmd, "user") && strcmp(cmd, "throttle")) {
        fprintf(stderr, "portalctl: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }
    if (!ctl.sql_dir) {
        ctl.sql_dir = find_sql_dir(ctl.pool);
    }
    if (!strcmp(cmd, "user")) {
        rc = portalctl_user_prepare(&ctl, &hash);
        if (rc) {
            return rc;
        }
    }
    apr_dbd_init(ctl.pool);
    rc = db_connect(&ctl, &db);
    if (rc) {
        return rc;
    }
    if (!strcmp(cmd, "migrate")) {
        rc = portalctl_migrate(&ctl, db, 0);
    }
    else if (!strcmp(cmd, "status")) {
        rc = cmd_status(&ctl, db);
    }
    else if (!strcmp(cmd, "user")) {
        rc = portalctl_user_add(&ctl, db, hash);
    }
    else if (!strcmp(cmd, "throttle")) {
        rc = portalctl_migrate(&ctl, db, 1);
        if (!rc) {
            rc = portalctl_throttle(ctl.pool, db, args[0], args[1]);
        }
    }
    else if (!strcmp(cmd, "ioc-refresh")) {
        rc = portalctl_migrate(&ctl, db, 1);
        if (!rc) {
            rc = portalctl_ioc_refresh(&ctl, db);
        }
    }
    else {
        rc = cmd_users(&ctl, db);
    }
    apr_dbd_close(db->driver, db->handle);
    return rc;
}
