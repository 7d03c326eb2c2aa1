/*
 * portal_throttle.h -- what the glue shares about throttling and the
 * argon2 gate (portal_throttle.c, portal_argon2.c,
 * portal_throttle_admin.c; the limits are cfg/throttle.c's).
 *
 * One mechanism guards every guessable secret and every anonymous write.
 * A use names a purpose: "password" (sign-in on the web and the API, and
 * every current-password check: the same secret), "code" (the mailed
 * 6-digit code; later second factors get theirs), and for anonymous
 * writes "signup", "forgot", "resend", with "mail" counting the messages
 * one address is sent.  The records (pt_throttle.h) live in httpd's
 * mod_socache (PortalThrottleCache), shared by the children of a server
 * and, with memcache or redis, by several servers.
 */
#ifndef PORTAL_THROTTLE_H
#define PORTAL_THROTTLE_H

#include "portal.h"
#include "pt_throttle.h"

/* ---- portal_throttle_cache.c: where the records live */
int portal_throttle_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp);
int portal_throttle_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s);
void portal_throttle_child_init(apr_pool_t *pchild, server_rec *s);
/* 1 once this generation's cache is set up. */
int portal_th_ready(void);
/* PortalThrottleCache as configured, for messages. */
const char *portal_th_spec(void);
/* The mutex every read-modify-write of the records holds. */
apr_status_t portal_th_lock(server_rec *s);
void portal_th_unlock(void);
/* Under the lock: read a record (zeros when absent: APR_NOTFOUND; an
 * unreadable one counts as absent), or the cache's error. */
apr_status_t portal_th_get(server_rec *s, const char *key,
                           pt_throttle_rec_t *rec, apr_pool_t *p);
/* Under the lock: write it back with its expiry (removed when idle). */
apr_status_t portal_th_put(server_rec *s, const char *key,
                           const pt_throttle_rec_t *rec, apr_int64_t now,
                           const pt_throttle_limits_t *lim, apr_pool_t *p);

/* ---- portal_throttle.c: the checks */

/* A guessable secret about to be checked. */
typedef struct portal_guard_t {
    const char *purpose;    /* "password", "code" */
    const char *account;    /* a stable name of the account: "u:UUID", or
                               "l:" and the login as typed for none (only
                               ever hashed into keys, never shown) */
    const char *shown;      /* in logs and on /admin: a username, or "-" */
    int known_ip;           /* the client signed in to it from here before:
                               the account's budget does not refuse it */
    int no_backoff;         /* budgets only (the 6-digit code, which has
                               its own 5 tries per code) */
    int counted;            /* set by portal_guard_begin */
    apr_int64_t then;       /* set by portal_guard_begin and _failure:
                               the wait this attempt itself started (0:
                               none), for the answer when it was wrong */
} portal_guard_t;

/* The result of a throttle check: 0 go on; > 0 refused, the seconds to
 * wait (Retry-After is set and the refusal logged); PORTAL_TH_DOWN when
 * the records could not be read or written (answer 503: the safer way). */
#define PORTAL_TH_DOWN ((apr_int64_t)-1)

/* Begin an attempt at the secret g names, or refuse it.  A begun
 * attempt counts against the budgets at once, and ends with
 * portal_guard_failure() or portal_guard_success(). */
apr_int64_t portal_guard_begin(portal_req_t *req, portal_guard_t *g);
/* The secret was wrong (or could not be checked): the back-off counts the
 * failure; g->then gets the wait it (or a budget) now imposes. */
void portal_guard_failure(portal_req_t *req, portal_guard_t *g);
/* The secret was right: the budgets get the attempt back and the
 * account's back-off from this address ends. */
void portal_guard_success(portal_req_t *req, portal_guard_t *g);
/* An anonymous write of purpose ("signup", "forgot", "resend") from the
 * client's address and, when address is not NULL, one more mail to it. */
apr_int64_t portal_throttle_write(portal_req_t *req, const char *purpose,
                                  const char *address);
/* Lift the record of a cache key (the admin's "lift"); APR_SUCCESS also
 * when there was none. */
apr_status_t portal_throttle_lift(server_rec *s, const char *key,
                                  apr_pool_t *p);
/* After a password reset (the mailbox proven): the account's failure
 * budget and its back-off from this address end. */
void portal_throttle_forget_account(portal_req_t *req, const char *uuid);
/* The live record of a key, for /admin: 1 and *rec when there is one. */
int portal_throttle_peek(server_rec *s, const char *key, apr_pool_t *p,
                         pt_throttle_rec_t *rec);

/* Answer a refused request: 429 and "Too many attempts: try again in N
 * seconds." through page(req, 429, message) for the web pages, or
 * {"error": "rate_limited", "message"} to JSON clients and the API; for
 * PORTAL_TH_DOWN a 503.  Returns what the handler returns. */
int portal_throttled(portal_req_t *req, apr_int64_t retry,
                     int (*page)(portal_req_t *, int, const char *));
/* The same for an attempt that was checked and wrong and has started a
 * wait: 429 with what ("Incorrect username or password.") and the wait. */
int portal_throttled_after(portal_req_t *req, apr_int64_t retry,
                           int (*page)(portal_req_t *, int, const char *),
                           const char *what);
/* The message of a refusal. */
const char *portal_throttle_message(apr_pool_t *p, apr_int64_t retry);

/* ---- portal_signin.c (with portal_check_login, portal.h) */
/* Has the client's network given the right password of account id (its
 * numeric id) before?  0 when the throttle is off here. */
int portal_known_address(portal_req_t *req, pt_db_t *db, const char *id);

/* ---- portal_argon2.c: the gate and counted password work */
void portal_argon2_child_init(apr_pool_t *pchild, server_rec *s);
/* pt_password_check under the gate, counted in the request note
 * "portal-argon2".  OK, or HTTP_SERVICE_UNAVAILABLE when the gate stayed
 * full for PortalArgon2Wait (Retry-After set; nothing was computed). */
int portal_pw_check(portal_req_t *req, const char *pw, const char *stored,
                    pt_pw_check_t *out);
/* pt_password_hash under the gate, counted.  OK; 503 as above; 500 when
 * hashing failed. */
int portal_pw_hash(portal_req_t *req, const char *pw, const char **hash);
/* Answer 503 for a full gate (or throttle records that cannot be read):
 * through page() for the web pages, JSON otherwise. */
int portal_busy(portal_req_t *req,
                int (*page)(portal_req_t *, int, const char *));

/* ---- portal_throttle_admin.c: /admin/throttle */
int portal_admin_throttle_get(portal_req_t *req);
int portal_admin_throttle_lift_post(portal_req_t *req);
/* The "throttle" job (every few seconds): the lifts portalctl asked for. */
apr_status_t portal_throttle_job(server_rec *s, pt_db_t *db,
                                 const char **result);
int portal_throttle_job_interval(const portal_srv_t *c);
/* The "throttle-cleanup" job (PortalSessionCleanupInterval): events older
 * than 30 days, sign-in networks unused for 90 days or beyond an
 * account's 20 newest. */
apr_status_t portal_throttle_cleanup_job(server_rec *s, pt_db_t *db,
                                         const char **result);

#endif /* PORTAL_THROTTLE_H */
