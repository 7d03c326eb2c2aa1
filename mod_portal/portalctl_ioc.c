/*
 * portalctl_ioc.c -- `portalctl ioc-refresh`: pull the feeds the server
 * recorded (its PortalIocFeed lines, with their keys, interval, retention
 * and the allowlist), all or --feed NAME, skipping one another node
 * pulled within its interval unless --force; or load --file PATH of
 * --format FORMAT.  With progress on standard error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "pt_core.h"
#include "pt_ioc.h"
#include "pt_iocdb.h"
#include "portalctl.h"

static void progress(void *baton, const char *stage, apr_int64_t n)
{
    const char *name = baton;

    if (!strcmp(stage, "fetch")) {
        fprintf(stderr, "%s: fetching...\n", name);
    }
    else if (!strcmp(stage, "parse")) {
        fprintf(stderr, "%s: %" APR_INT64_T_FMT " rows\r", name, n);
    }
    else {
        fprintf(stderr, "%s: %" APR_INT64_T_FMT " rows, committing...\n",
                name, n);
    }
}

static int pull_one(ctl_t *ctl, pt_db_t *db, pt_feed_def_t *f,
                    const pt_allowlist_t *allow, const char *body,
                    apr_size_t len)
{
    apr_pool_t *p;
    apr_int64_t now = apr_time_sec(apr_time_now());
    pt_pull_opts_t o;
    pt_pull_result_t res;
    pt_err_t err = { 0 };
    int taken = 1;

    apr_pool_create(&p, ctl->pool);
    if (!body && !ctl->force
        && pt_lease_take(db, apr_pstrcat(p, "ioc:", f->name, NULL),
                         apr_psprintf(p, "portalctl:%ld", (long)getpid()),
                         now, f->interval, &taken) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg ? db->errmsg : "lease: database error");
    }
    if (!taken) {
        printf("%s: skipped: pulled within its interval (%d s) by another "
               "node or process; --force pulls anyway\n", f->name,
               f->interval);
        apr_pool_destroy(p);
        return 0;
    }
    memset(&o, 0, sizeof(o));
    o.connect_timeout = 15;
    o.timeout = 120;
    o.max_bytes = 1024 * 1024 * 1024;
    o.user_agent = "mod_portal/" PORTAL_VERSION " portalctl";
    o.allow = allow;
    o.progress = progress;
    o.baton = (void *)f->name;
    if (pt_ioc_feed_register(db, f) != APR_SUCCESS
        || pt_ioc_pull(db, p, f, body, len, now, &o, &res, &err)
           != APR_SUCCESS) {
        fprintf(stderr, "portalctl: %s: %s\n", f->name,
                err.what ? pt_err_str(&err, p)
                         : db->errmsg ? db->errmsg : "failed");
        apr_pool_destroy(p);
        return 1;
    }
    if (res.not_modified) {
        printf("%s: unchanged since the last pull\n", f->name);
    }
    else {
        printf("%s: %" APR_INT64_T_FMT " indicators, %" APR_INT64_T_FMT
               " new, %" APR_INT64_T_FMT " updated, %" APR_INT64_T_FMT
               " skipped, %" APR_INT64_T_FMT " expired (%" APR_INT64_T_FMT
               " ms)\n", f->name, res.seen, res.added, res.updated,
               res.skipped, res.expired, res.ms);
    }
    apr_pool_destroy(p);
    return 0;
}

int portalctl_ioc_refresh(ctl_t *ctl, pt_db_t *db)
{
    apr_pool_t *p = ctl->pool;
    apr_array_header_t *rows;
    pt_err_t err = { 0 };
    pt_allowlist_t *allow = pt_allowlist_create(p);
    int i, rc = 0, done = 0;

    /* the allowlist the server recorded (PortalIocAllowlist) */
    if (pt_allowlist_fetch(allow, db) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg ? db->errmsg : "database error");
    }
    if (ctl->file) {
        pt_feed_def_t f;
        char *body;
        apr_size_t len;
        char *abs;

        if (!ctl->format || !pt_feed_format_valid(ctl->format)) {
            return portalctl_fail("--file needs --format with one of the formats in "
                        "--help");
        }
        if (pt_file_read(p, ctl->file, &body, &len, 1024 * 1024 * 1024,
                         &err) != APR_SUCCESS) {
            return portalctl_fail(pt_err_str(&err, p));
        }
        abs = realpath(ctl->file, NULL);
        memset(&f, 0, sizeof(f));
        f.name = ctl->feed ? ctl->feed
                           : apr_pstrcat(p, "file-", ctl->format, NULL);
        f.format = ctl->format;
        f.url = apr_pstrcat(p, "file://", abs ? abs : ctl->file, NULL);
        free(abs);
        f.interval = 60;
        f.retention = 7 * 24 * 3600;
        return pull_one(ctl, db, &f, allow, body, len);
    }
    if (pt_db_select(db, "ioc_feeds_all", &rows, PT_NOARGS) != APR_SUCCESS) {
        return portalctl_fail(db->errmsg ? db->errmsg : "database error");
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *r = APR_ARRAY_IDX(rows, i, pt_row_t *);
        pt_feed_def_t f;
        char *key = NULL;
        apr_size_t len;

        if (ctl->feed && strcmp(ctl->feed, pt_row_get(r, "name"))) {
            continue;
        }
        if (!strncmp(pt_row_get(r, "url"), "file://", 7)
            && !strncmp(pt_row_get(r, "name"), "file-", 5) && !ctl->feed) {
            continue;           /* loaded with --file earlier */
        }
        memset(&f, 0, sizeof(f));
        f.name = pt_row_get(r, "name");
        f.format = pt_row_get(r, "format");
        f.url = pt_row_get(r, "url");
        f.key_file = pt_row_get(r, "key_file");
        f.interval = (int)pt_row_int(r, "interval_s");
        f.retention = (int)pt_row_int(r, "retention_s");
        if (f.key_file) {
            if (pt_file_read(p, f.key_file, &key, &len, 4096, &err)
                != APR_SUCCESS) {
                fprintf(stderr, "portalctl: %s: %s\n", f.name,
                        pt_err_str(&err, p));
                rc = 1;
                continue;
            }
            key[strcspn(key, "\r\n")] = '\0';
            f.key = key;
        }
        done++;
        rc |= pull_one(ctl, db, &f, allow, NULL, 0);
    }
    if (!done && !rc) {
        if (ctl->feed) {
            fprintf(stderr, "portalctl: no feed named '%s' (the server "
                    "records its PortalIocFeed lines when it runs)\n",
                    ctl->feed);
            return 1;
        }
        printf("no feeds: declare them with PortalIocFeed and start the "
               "server, or load one with --file PATH --format FORMAT\n");
    }
    return rc;
}

