/*
 * pt_smtp.h -- send one message to one recipient through an SMTP relay
 * (libcurl).
 *
 * The portal hands its mail to one configured relay (a smarthost or the
 * local MTA) and keeps a queue itself: pt_smtp_send() makes one attempt
 * and says whether the message was accepted, may be retried later, or
 * must be given up.  It is meant for the mail job (a mod_watchdog thread):
 * it blocks for at most timeout_sec, uses no signals (CURLOPT_NOSIGNAL)
 * and no shared state, so several threads may send at once.
 *
 * The caller must have called curl_global_init() once, before any thread
 * is started (the glue does it in post_config), as libcurl requires.
 */
#ifndef PT_SMTP_H
#define PT_SMTP_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct pt_smtp_conf_t {
    const char *url;          /* smtp://host[:port] or smtps://host[:port] */
    int starttls;             /* for smtp://: 1 = STARTTLS required
                               * (CURLUSESSL_ALL), 0 = plain (only for a
                               * relay on loopback/trusted net) */
    const char *username;     /* AUTH, or NULL */
    const char *password;
    const char *ca_file;      /* or NULL for the system store */
    const char *helo_name;    /* or NULL (libcurl then uses the local host
                               * name); a host name or [address literal] */
    long connect_timeout_sec; /* default 10 when 0 */
    long timeout_sec;         /* whole transaction, default 60 when 0 */
} pt_smtp_conf_t;

typedef enum {
    PT_SMTP_SENT = 0,         /* accepted by the relay: never send again */
    PT_SMTP_TEMPORARY,        /* try again later */
    PT_SMTP_PERMANENT         /* this message cannot go: give up */
} pt_smtp_result_e;

/*
 * Send msg (len bytes, CRLF line ends, as built by pt_mail_build) with
 * envelope sender `from` to `rcpt`, both plain addr-specs
 * (pt_mail_addr_ok).
 *
 * *result says what to do with the message:
 *   PT_SMTP_SENT       the relay accepted it (final 250).
 *   PT_SMTP_TEMPORARY  connection refused or timed out, TLS trouble
 *                      (including STARTTLS required but not offered), any
 *                      4xx reply, a 5xx reply to anything but the
 *                      message itself (greeting, EHLO, STARTTLS, AUTH) or
 *                      530 "authentication required", a bad
 *                      configuration (URL, HELO name): retry later.
 *   PT_SMTP_PERMANENT  a 5xx reply to MAIL FROM, RCPT TO or DATA (this
 *                      sender, recipient or message is refused), or
 *                      from/rcpt not a plain addr-spec: give up.
 * *errmsg gets one line for the log and the database: the server's reply
 * with the command it answered when there is one ("RCPT TO: 550 5.1.1
 * ..."), otherwise libcurl's message; on success the server's final
 * reply.  It never contains the password.
 *
 * Returns APR_SUCCESS when sent, APR_EGENERAL otherwise.  Everything
 * allocated lives in p; the curl handle is released before returning (and
 * by a pool cleanup should anything go wrong).
 */
apr_status_t pt_smtp_send(apr_pool_t *p, const pt_smtp_conf_t *c,
                          const char *from, const char *rcpt,
                          const char *msg, apr_size_t len,
                          pt_smtp_result_e *result, const char **errmsg);

#endif /* PT_SMTP_H */
