/*
 * portal_mail_int.h -- what the mail files share: portal_mail.c (the
 * outbox and the "mail" job), portal_mail_build.c (a message made from
 * its outbox row when it is sent) and portal_reset_queue.c (password-reset
 * requests turned into mail).  Nothing else includes it; the rest of the
 * portal queues mail through portal.h.
 */
#ifndef PORTAL_MAIL_INT_H
#define PORTAL_MAIL_INT_H

#include "portal.h"

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

/* Render templates/mail/NAME.txt (first line "Subject: ...") and
 * NAME.html (when there is one) with data: *subject, *text and *html
 * (NULL without an HTML template).  Logs and returns an error status when
 * a template is missing or fails. */
apr_status_t portal_mail_render(server_rec *s, apr_pool_t *p,
                                const char *name, json_t *data,
                                const char **subject, const char **text,
                                const char **html);

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

/* The reset half of the "mail" job (portal_reset_queue.c): drop every
 * waiting request that will not be mailed in one statement, then queue
 * the reset mail of at most PORTAL_RESET_BATCH others.  Returns how many
 * mails were queued (*dropped: requests dropped), or -1 on a database
 * error (logged). */
#define PORTAL_RESET_BATCH 200
int portal_reset_queue_run(server_rec *s, pt_db_t *db, apr_pool_t *p,
                           int *dropped);

#endif /* PORTAL_MAIL_INT_H */
