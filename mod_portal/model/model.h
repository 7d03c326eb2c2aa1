/*
 * model.h -- the domain records the handlers and the jobs share, over
 * http/ (requests, the database) and cfg/:
 *   file.c, share.c, link.c  a stored file: its record, who may read or
 *                            change it, publishing and sharing, its
 *                            signed download links
 *   account.c                making accounts, the single-use links mailed
 *                            to them
 *   mail.c                   the outbox: mail queued with the change that
 *                            causes it (delivered by jobs/mail.c)
 *   signin.c                 the password check behind every sign-in
 *   throttle.c, throttle_cache.c, argon2.c
 *                            the throttle in front of every guessable
 *                            secret and anonymous write, its records in
 *                            mod_socache, and the gate in front of
 *                            password hashing
 *   exports.c                at most PortalIocExportMax exports at once
 */
#ifndef PORTAL_MODEL_H
#define PORTAL_MODEL_H

#include "portal.h"
#include "pt_password.h"
#include "pt_throttle.h"

#define PORTAL_RESET_LIFETIME (30 * 60)     /* password-reset links */
#define PORTAL_CODE_LIFETIME (10 * 60)      /* 6-digit confirmation codes */
#define PORTAL_CODE_ATTEMPTS 5

/* ---- file.c */
/* A file as JSON for pages and the API. */
json_t *portal_file_json(portal_req_t *req, const char *uuid,
                         const char *name, apr_off_t size, const char *type,
                         const char *sha256, apr_int64_t created);
/* The signed-in user's file named by the route's first '*' (req->arg),
 * or NULL with *rc the response made: 404 (also for another user's file;
 * 403 for a client's published file) or the database error. */
pt_row_t *portal_own_file(portal_req_t *req, int *rc);
/* A file the signed-in user may read (its owner, or a client it is
 * published to), by req->arg; NULL and *rc (404) otherwise. */
pt_row_t *portal_readable_file(portal_req_t *req, int *rc);
/* The file's data key, unwrapped; NULL and *why when it cannot be. */
const unsigned char *portal_file_key(const portal_srv_t *c, apr_pool_t *p,
                                     const char *uuid, const char *wrapped,
                                     const char **why);

/* ---- share.c: who sees an operations user's files */
/* Publish file_id: audience "private" | "clients" | "named" with the
 * named clients (usernames or emails, separated by commas, spaces or
 * new lines), public_links 0/1.  OK; else an HTTP status with *msg. */
int portal_publish(portal_req_t *req, pt_db_t *db, apr_int64_t file_id,
                   const char *audience, const char *clients,
                   int public_links, const char **msg);
/* An owned file as the API shows it: portal_file_json() and its sharing
 * (audience, public_links, clients). */
json_t *portal_file_meta(portal_req_t *req, const char *uuid);
/* The files published to the signed-in client, newest first: page
 * (from 1) of per, and *total; NULL on a database error. */
json_t *portal_shared_files(portal_req_t *req, apr_int64_t page,
                            apr_int64_t per, apr_int64_t *total);
/* Add an owned file row's sharing to f (the file page). */
void portal_file_sharing(portal_req_t *req, pt_row_t *row, json_t *f);

/* ---- link.c: signed download links */
/* The absolute URL of a link (its token signed for file_uuid, expires). */
const char *portal_link_url(portal_req_t *req, const char *link_uuid,
                            const char *file_uuid, apr_int64_t expires);
/* Is mac the MAC of a link's token for its file and expiry (of the
 * earlier form for a link created before the MACs were labelled)? */
int portal_link_mac_ok(portal_req_t *req, const char *link_uuid,
                       const char *mac, const char *file_uuid,
                       apr_int64_t expires, apr_int64_t created);
/* The links of file file_id for its page. */
json_t *portal_links_json(portal_req_t *req, apr_int64_t file_id,
                          const char *file_uuid);
/* Add a link to file_id for the signed-in user, unless it already holds
 * PortalLinkMaxActive (*max) active links of the kind: an owner's link
 * (limit: max_downloads or NULL), or with bound a link issued to the user
 * (a client, by the API); its ended links of the kind beyond the newest
 * *max are removed.  1 when added; 0 when refused (*wait: seconds until
 * the first of its links expires); -1 on a database error (db->errmsg). */
int portal_link_add(portal_req_t *req, pt_db_t *db, const char *uuid,
                    const char *file_id, apr_int64_t now,
                    apr_int64_t expires, const char *limit, int bound,
                    int *max, apr_int64_t *wait);

/* ---- account.c: accounts made by sign-up, admins and the API */
typedef struct portal_new_user_t {
    const char *username, *email, *password;
    const char *first_name, *last_name, *address;
    const char *role;           /* "client", "operations", "admin" */
    int verified;               /* 1: no confirmation needed */
    int mail_link;              /* 1: mail the confirmation link */
    int self_signup;            /* 1: anonymous sign-up: throttled, and a
                                   taken email is answered as a new one */
    /* set by portal_user_create */
    apr_int64_t retry;          /* 429: seconds to wait (PORTAL_TH_DOWN:
                                   the throttle failed) */
    int busy;                   /* 503: the argon2 gate stayed full */
} portal_new_user_t;
/* The fields of a sign-up form (or JSON body) in req->form. */
void portal_new_user_from_form(portal_req_t *req, portal_new_user_t *nu,
                               const char *role);
/* Validate and create the account (with its confirmation mail, in one
 * transaction).  OK with *uuid (and *verify_token when not verified);
 * else 400 (invalid fields), 409 (taken; for a self sign-up only the
 * username: a taken address gets OK and its owner a mail), 429
 * (nu->retry), 503 (nu->busy: the argon2 gate; else the database) or 500,
 * with *errors (field -> message, or NULL) for the caller's response. */
int portal_user_create(portal_req_t *req, portal_new_user_t *nu,
                       const char **uuid, const char **verify_token,
                       json_t **errors);
/* Look a link's token up: its auth_tokens row (with the user's), or NULL
 * when unknown, used or expired (*why says which, for the page) or the
 * database failed (*failed). */
pt_row_t *portal_token_live(portal_req_t *req, pt_db_t *db,
                            const char *tok, const char *purpose,
                            const char **why, int *failed);
/* Queue the confirmation mail (its link is made when it is sent). */
apr_status_t portal_send_verification(portal_req_t *req, pt_db_t *db,
                                      const char *uid, const char *email,
                                      const char *first_name);
/* Queue the "your password was changed" notice. */
apr_status_t portal_queue_password_notice(portal_req_t *req, pt_db_t *db,
                                          const char *email,
                                          const char *first_name);
/* Use an email-confirmation token: OK; 400 with *why (unknown, used or
 * expired); 503 when the database fails. */
int portal_email_confirm(portal_req_t *req, const char *tok,
                         const char **why);

/* ---- mail.c: the outbox */
/* A mail as the outbox keeps it: what the message is made of, never the
 * message.  The "mail" job builds it when it sends it, adding what must
 * not rest in the database: a link with a new single-use token, a new
 * 6-digit code, or a file decrypted from the store. */
typedef struct portal_mail_t {
    const char *name;           /* templates/mail/NAME.txt (and .html) */
    json_t *data;               /* the template's data: nothing secret */
    const char *to_addr, *to_name;
    const char *link_base;      /* absolute URL of the mount point, for
                                 * links (NULL: the server's base URL) */
    const char *secret;         /* NULL, or what the job makes at send
                                 * time for user_id: "verify_email" or
                                 * "reset_password" (data.link, valid
                                 * lifetime seconds), "change_password"
                                 * (data.code for the pending change whose
                                 * auth_tokens row is secret_ref) */
    const char *user_id;
    const char *secret_ref;
    int lifetime;
    const char *file_id;        /* attach this file (up to
                                 * PortalMailAttachMax; data.attached says
                                 * whether it was) */
} portal_mail_t;
/* Put m in the outbox on db, inside the caller's transaction (the change
 * and its mail, or neither).  The template is rendered once to check it
 * and to keep the subject (secrets masked) for the admin. */
apr_status_t portal_mail_put(server_rec *s, pt_db_t *db, apr_pool_t *p,
                             const portal_mail_t *m);
/* A mail without secrets: templates/mail/NAME.* with data, to to_addr. */
apr_status_t portal_mail_queue(server_rec *s, pt_db_t *db, apr_pool_t *p,
                               const char *name, json_t *data,
                               const char *to_addr, const char *to_name);
/* Render templates/mail/NAME.txt (first line "Subject: ...") and
 * NAME.html (when there is one) with data: *subject, *text and *html
 * (NULL without an HTML template).  Logs and returns an error status when
 * a template is missing or fails. */
apr_status_t portal_mail_render(server_rec *s, apr_pool_t *p,
                                const char *name, json_t *data,
                                const char **subject, const char **text,
                                const char **html);
/* The stored form of a 6-digit code: a MAC of the account id and the
 * code under the portal's secret. */
const char *portal_code_hmac(apr_pool_t *p, const unsigned char *secret,
                             const char *uid, const char *code);

/* ---- signin.c */
/* Check a username (or email) and password the way sign-in does, under
 * the throttle (purpose "password") and the argon2 gate: the same work
 * whether or not the account exists or has a password; legacy hashes
 * upgraded; a right password records the address as known for the
 * account.  1 with *row (user_by_login's columns) on a match, 0 when
 * wrong, -1 on a database error, PORTAL_LOGIN_THROTTLED (refused before
 * any work: *retry seconds to wait, or PORTAL_TH_DOWN) or
 * PORTAL_LOGIN_BUSY (the gate stayed full). */
#define PORTAL_LOGIN_THROTTLED (-3)
#define PORTAL_LOGIN_BUSY (-2)
int portal_check_login(portal_req_t *req, pt_db_t *db, const char *login,
                       const char *pw, pt_row_t **row, apr_int64_t *retry);
/* Has the client's network given the right password of account id (its
 * numeric id) before?  0 when the throttle is off here. */
int portal_known_address(portal_req_t *req, pt_db_t *db, const char *id);

/* ---- throttle_cache.c: where the throttle's records live */
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
/* Lift the record of a cache key (the admin's "lift"); APR_SUCCESS also
 * when there was none. */
apr_status_t portal_throttle_lift(server_rec *s, const char *key,
                                  apr_pool_t *p);
/* The live record of a key, for /admin: 1 and *rec when there is one. */
int portal_throttle_peek(server_rec *s, const char *key, apr_pool_t *p,
                         pt_throttle_rec_t *rec);

/* ---- throttle.c: the checks
 *
 * One mechanism guards every guessable secret and every anonymous write.
 * A use names a purpose: "password" (sign-in on the web and the API, and
 * every current-password check: the same secret), "code" (the mailed
 * 6-digit code), and for anonymous writes "signup", "forgot", "resend",
 * with "mail" counting the messages one address is sent. */

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
/* After a password reset (the mailbox proven): the account's failure
 * budget and its back-off from this address end. */
void portal_throttle_forget_account(portal_req_t *req, const char *uuid);
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

/* ---- argon2.c: the gate and counted password work */
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

/* ---- exports.c: at most PortalIocExportMax exports at once */
int portal_exports_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp);
int portal_exports_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);
void portal_exports_child_init(apr_pool_t *pchild, server_rec *s);
/* Take an export slot for the signed-in user until the request ends: 1;
 * or 0 with the refusal made (429 with Retry-After, or 503) and *rc what
 * the handler returns. */
int portal_export_begin(portal_req_t *req, int *rc);

#endif /* PORTAL_MODEL_H */
