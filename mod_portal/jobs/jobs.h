/*
 * jobs.h -- the background jobs: a mod_watchdog singleton in one child
 * process (runner.c) runs each job of its table on its interval, with a
 * connection from ap_dbd_open() and the main server's configuration
 * (which is why the settings the jobs read are GLOBAL_ONLY: cfg/cmds.c):
 *   session-cleanup   runner.c: expired sessions, tokens, reset requests,
 *                     signed-out API tokens, old API links
 *   upload-mail, store-cleanup   files.c
 *   mail              mail.c (+ mail_build.c, reset_queue.c)
 *   ioc               ioc.c
 *   throttle, throttle-cleanup   throttle.c
 * Jobs call model/, http/ (the database) and cfg/, never a handler.
 */
#ifndef PORTAL_JOBS_H
#define PORTAL_JOBS_H

#include "portal.h"

/* ---- runner.c (from mod_portal.c's hooks) */
int portal_jobs_post_config(apr_pool_t *pconf, server_rec *s);
void portal_jobs_child_init(apr_pool_t *pchild, server_rec *s);

/* Every job: run once on db (a connection of its own), *result says what
 * it did (recorded in job_runs); an error status records a failure. */

/* ---- files.c */
/* The "upload-mail" job: confirmation mail for new uploads. */
apr_status_t portal_upload_mail_run(server_rec *s, pt_db_t *db,
                                    const char **result);
/* The "store-cleanup" job: objects of abandoned uploads. */
apr_status_t portal_store_cleanup_run(server_rec *s, pt_db_t *db,
                                      const char **result);

/* ---- ioc.c */
/* The "ioc" job: pull every feed whose lease is free. */
apr_status_t portal_ioc_run(server_rec *s, pt_db_t *db, const char **result);
/* How often the job looks at the feeds' leases. */
int portal_ioc_tick(const portal_srv_t *c);

/* ---- throttle.c */
/* The "throttle" job (every few seconds): the lifts portalctl asked for. */
apr_status_t portal_throttle_job(server_rec *s, pt_db_t *db,
                                 const char **result);
int portal_throttle_job_interval(const portal_srv_t *c);
/* The "throttle-cleanup" job (PortalSessionCleanupInterval): events older
 * than 30 days, sign-in networks unused for 90 days or beyond an
 * account's 20 newest. */
apr_status_t portal_throttle_cleanup_job(server_rec *s, pt_db_t *db,
                                         const char **result);

/* ---- mail.c */
/* The "mail" job: reset requests to mail, then deliver the outbox, then
 * purge what PortalMailRetention no longer keeps. */
apr_status_t portal_mail_run(server_rec *s, pt_db_t *db,
                             const char **result);

/* ---- mail_build.c: a message made from its outbox row when it is sent */
/* What became of building a message for one delivery attempt. */
typedef enum {
    PORTAL_MAIL_BUILT,          /* msg is ready to hand over */
    PORTAL_MAIL_CANCEL,         /* its secret is no longer wanted: the
                                 * account is gone or disabled, the change
                                 * a code confirms no longer waits */
    PORTAL_MAIL_RETRY,          /* a passing failure (the database) */
    PORTAL_MAIL_FAIL            /* it can never be built */
} portal_mail_outcome_e;

typedef struct portal_mail_built_t {
    portal_mail_outcome_e outcome;
    const char *msg;            /* the whole message (CRLF), NUL-ended */
    apr_size_t len;
    const char *why;            /* for CANCEL, RETRY and FAIL */
    const char *token_hash;     /* the link token made for this attempt
                                 * (retired again when it is not
                                 * delivered), or NULL */
} portal_mail_built_t;

/* Build the message of an outbox row (outbox_due's columns) that this
 * runner has claimed: the data rendered with what must not rest in the
 * database made now (a link's token, only its hash stored; a code, only
 * its HMAC stored; the attached file decrypted from the store).  Never
 * fails without setting b->outcome and b->why. */
void portal_mail_build(server_rec *s, pt_db_t *db, apr_pool_t *p,
                       const pt_row_t *row, portal_mail_built_t *b);
/* The attempt built in b was not delivered: retire the link token made
 * for it, so that only a delivered link ever works.  (A code needs
 * nothing: the next attempt replaces it, and it expires with its
 * change.) */
void portal_mail_unbuild(pt_db_t *db, apr_pool_t *p,
                         const portal_mail_built_t *b);

/* ---- reset_queue.c */
/* The reset half of the "mail" job: drop every waiting request that will
 * not be mailed in one statement, then queue the reset mail of at most
 * PORTAL_RESET_BATCH others.  Returns how many mails were queued
 * (*dropped: requests dropped), or -1 on a database error (logged). */
#define PORTAL_RESET_BATCH 200
int portal_reset_queue_run(server_rec *s, pt_db_t *db, apr_pool_t *p,
                           int *dropped);

#endif /* PORTAL_JOBS_H */
