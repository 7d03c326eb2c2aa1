/*
 * portalctl.h -- what the files of portalctl share (portalctl.c: the
 * commands' dispatch, the database, status and users; portalctl_user.c:
 * user add; portalctl_ioc.c: ioc-refresh; portalctl_throttle.c:
 * throttle).  Linked with the core only: no httpd.
 */
#ifndef PORTALCTL_H
#define PORTALCTL_H

#include <apr_pools.h>

#include "pt_sql.h"

typedef struct ctl_t {
    apr_pool_t *pool;
    const char *data_dir;
    const char *db_spec;        /* DRIVER:PARAMS, or NULL for SQLite */
    const char *sql_dir;
    const char *partials;
    const char *feed;           /* ioc-refresh --feed */
    const char *file;           /* ioc-refresh --file */
    const char *format;         /* ioc-refresh --format */
    int force;                  /* ioc-refresh --force: ignore the lease */
    /* user add */
    const char *role, *username, *email, *first_name, *last_name, *address;
    const char *password_file;  /* NULL or "-": standard input */
} ctl_t;

/* Print "portalctl: what" on standard error; returns 1 (the exit status). */
int portalctl_fail(const char *what);
/* Bring the schema up to date (saying so unless quiet and nothing was
 * applied); 0, or 1 with the reason printed. */
int portalctl_migrate(ctl_t *ctl, pt_db_t *db, int quiet);

/* ---- portalctl_user.c: user add */
/* Before the database is opened: the fields, the password and its hash;
 * 0, or the exit status. */
int portalctl_user_prepare(ctl_t *ctl, const char **hash);
/* Insert the account; the exit status. */
int portalctl_user_add(ctl_t *ctl, pt_db_t *db, const char *hash);

/* ---- portalctl_ioc.c: ioc-refresh */
int portalctl_ioc_refresh(ctl_t *ctl, pt_db_t *db);

/* ---- portalctl_throttle.c */
/* `throttle [list]` and `throttle lift ID` on db; the exit status. */
int portalctl_throttle(apr_pool_t *p, pt_db_t *db, const char *sub,
                       const char *arg);

#endif /* PORTALCTL_H */
