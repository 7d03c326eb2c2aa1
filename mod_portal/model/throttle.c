/*
 * throttle.c -- the checks every guessable secret and anonymous
 * write goes through, on the records of throttle_cache.c.
 *
 * An attempt at a secret names three records: the back-off of the
 * secret from the client's network (pair), the budget of failures from
 * that network over all accounts (ip: password spraying), and the
 * budget of failures of the account from everywhere (account), which
 * does not refuse a network the account has signed in from before.  All
 * are read, decided and written under the cache's mutex in one go, and
 * the attempt is counted when it begins (so a burst of parallel guesses
 * is counted as such); its end (a failure, or a success that gives it
 * back) is a second update.  A refusal is logged in one line for
 * fail2ban and, once per block, in the throttle_events table for /admin.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

/* One record an attempt names. */
typedef struct slot_t {
    const char *scope;          /* pair, ip, account, address */
    const char *reason;         /* what a refusal by it is called */
    const char *key;
    const char *shown;          /* the account or address, for the event */
    pt_throttle_limits_t lim;
    pt_throttle_rec_t rec;
    int exempt;                 /* counts, never refuses */
    int refuses;                /* blocks: refused (and counted so) */
    int full;                   /* no room in flight: wait a second */
    int report;                 /* the first refusal of its block */
} slot_t;

static void slot_set(portal_req_t *req, slot_t *sl, portal_th_kind_e kind,
                     const char *purpose, const char *scope,
                     const char *reason, const char *value,
                     const char *shown)
{
    memset(sl, 0, sizeof(*sl));
    sl->scope = scope;
    sl->reason = reason;
    sl->key = pt_throttle_key(req->r->pool, purpose, scope, value);
    sl->shown = shown;
    portal_throttle_limits(req->dir, kind, &sl->lim);
}

static const char *client_net(portal_req_t *req)
{
    return pt_throttle_net(req->r->pool, req->r->useragent_ip);
}

/* The DB row of a block, for /admin (once per block). */
static void record_event(portal_req_t *req, const char *purpose,
                         const slot_t *sl, apr_int64_t now)
{
    apr_pool_t *p = req->r->pool;
    pt_db_t *db = portal_db_get(req);
    apr_status_t rv = APR_EGENERAL;

    if (db) {
        rv = pt_db_exec(db, "throttle_event_insert", NULL,
                        PT_ARGS(sl->key, purpose, sl->scope, sl->reason,
                                client_net(req), sl->shown, req->path,
                                pt_i64(p, sl->rec.block_started
                                           ? sl->rec.block_started : now),
                                pt_i64(p, sl->rec.blocked_until)));
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                      PORTAL_LOGNO(1008) "cannot record a throttle event: "
                      "%s", db && db->errmsg ? db->errmsg : "no database");
    }
}

/* Read the slots; refuse when one blocks (then only the blocking ones
 * change: a back-off counts the refusal) or has no room in flight (then
 * nothing changes); else begin the attempt in all; write back; log.  0,
 * the seconds to wait, or PORTAL_TH_DOWN.  *after (may be NULL) gets the
 * wait a budget closed by this very attempt imposes (0: none). */
static apr_int64_t th_run(portal_req_t *req, const char *purpose,
                          slot_t *sl, int n, const char *shown,
                          apr_int64_t *after)
{
    request_rec *r = req->r;
    apr_int64_t now = apr_time_sec(apr_time_now()), retry = 0, ra;
    const char *reasons = NULL;
    apr_status_t rv = APR_SUCCESS;
    int i, hard, refused = 0, full = 0;

    if (after) {
        *after = 0;
    }
    if (!portal_th_ready()) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PORTAL_LOGNO(1009)
                      "the throttle's cache is not set up: refusing %s",
                      req->path);
        return PORTAL_TH_DOWN;
    }
    if (portal_th_lock(r->server) != APR_SUCCESS) {
        return PORTAL_TH_DOWN;
    }
    for (i = 0; i < n; i++) {
        rv = portal_th_get(r->server, sl[i].key, &sl[i].rec, r->pool);
        if (rv == APR_NOTFOUND) {
            rv = APR_SUCCESS;
        }
        if (rv != APR_SUCCESS) {
            break;
        }
        if (sl[i].exempt) {
            continue;
        }
        ra = pt_throttle_check(&sl[i].rec, now, &sl[i].lim, &hard);
        if (ra && hard) {
            sl[i].refuses = 1;
            refused = 1;
        }
        else if (ra) {
            sl[i].full = 1;
            full = 1;
        }
    }
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        if (refused) {
            if (!sl[i].refuses) {
                continue;
            }
            ra = pt_throttle_refused(&sl[i].rec, now, &sl[i].lim);
            retry = ra > retry ? ra : retry;
            sl[i].report = pt_throttle_report(&sl[i].rec, now);
        }
        else if (full) {
            retry = 1;
            continue;           /* nothing counted */
        }
        else {
            pt_throttle_begin(&sl[i].rec, now, &sl[i].lim);
            if (after && !sl[i].exempt
                && pt_throttle_blocked(&sl[i].rec, now, &ra) && ra > *after) {
                *after = ra;
            }
        }
        rv = portal_th_put(r->server, sl[i].key, &sl[i].rec, now, &sl[i].lim,
                     r->pool);
    }
    portal_th_unlock();
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PORTAL_LOGNO(1010)
                      "the throttle's cache (%s) failed: refusing %s",
                      portal_th_spec(), req->path);
        return PORTAL_TH_DOWN;
    }
    if (!refused && !full) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (sl[i].refuses || (!refused && sl[i].full)) {
            const char *why = sl[i].refuses ? sl[i].reason : "in-flight";

            reasons = reasons ? apr_pstrcat(r->pool, reasons, ",", why, NULL)
                              : why;
        }
    }
    /* one line per refusal, for fail2ban (docs/throttle.md) */
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PORTAL_LOGNO(1011)
                  "throttled client %s account %s route %s purpose %s "
                  "reason %s retry-after %" APR_INT64_T_FMT,
                  r->useragent_ip, shown ? shown : "-", req->path, purpose,
                  reasons ? reasons : "-", retry);
    for (i = 0; i < n; i++) {
        if (sl[i].report) {
            record_event(req, purpose, &sl[i], now);
        }
    }
    apr_table_setn(r->err_headers_out, "Retry-After",
                   pt_i64(r->pool, retry));
    return retry;
}

/* ------------------------------------------------------------ uses */

/* The records an attempt at g's secret names: the back-off (unless
 * no_backoff), the address's budget, the account's budget. */
static int guard_slots(portal_req_t *req, const portal_guard_t *g,
                       slot_t *sl)
{
    const char *net = client_net(req);
    int n = 0;

    if (!g->no_backoff) {
        slot_set(req, &sl[n++], PORTAL_TH_PAIR, g->purpose, "pair",
                 "backoff", apr_pstrcat(req->r->pool, g->account, "\n", net,
                                        NULL), g->shown);
    }
    slot_set(req, &sl[n++], PORTAL_TH_IP, g->purpose, "ip", "ip-budget", net,
             g->shown);
    slot_set(req, &sl[n], PORTAL_TH_ACCOUNT, g->purpose, "account",
             "account-budget", g->account, g->shown);
    sl[n++].exempt = g->known_ip;
    return n;
}

apr_int64_t portal_guard_begin(portal_req_t *req, portal_guard_t *g)
{
    slot_t sl[3];
    int n;
    apr_int64_t rc, after = 0;

    g->counted = 0;
    g->then = 0;
    if (!portal_throttle_enabled(req->dir)) {
        return 0;
    }
    n = guard_slots(req, g, sl);
    rc = th_run(req, g->purpose, sl, n, g->shown, &after);
    if (rc == 0) {
        g->counted = 1;
        g->then = after;
    }
    return rc;
}

/* End a counted attempt: each record's success, or a back-off's
 * failure (budgets counted the failure when the attempt began). */
static void guard_end(portal_req_t *req, portal_guard_t *g, int ok)
{
    request_rec *r = req->r;
    apr_int64_t now = apr_time_sec(apr_time_now()), ra;
    slot_t sl[3];
    int i, n;

    if (!g->counted || !portal_th_ready()) {
        return;
    }
    g->counted = 0;
    n = guard_slots(req, g, sl);
    if (portal_th_lock(r->server) != APR_SUCCESS) {
        return;
    }
    for (i = 0; i < n; i++) {
        apr_status_t rv;

        if (!ok && !sl[i].lim.base) {
            continue;
        }
        rv = portal_th_get(r->server, sl[i].key, &sl[i].rec, r->pool);
        if (rv == APR_SUCCESS || (rv == APR_NOTFOUND && !ok)) {
            if (ok) {
                pt_throttle_success(&sl[i].rec, now, &sl[i].lim);
            }
            else {
                pt_throttle_failure(&sl[i].rec, now, &sl[i].lim);
                if (pt_throttle_blocked(&sl[i].rec, now, &ra)
                    && ra > g->then) {
                    g->then = ra;
                }
            }
            rv = portal_th_put(r->server, sl[i].key, &sl[i].rec, now,
                               &sl[i].lim,
                         r->pool);
        }
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                          PORTAL_LOGNO(1012) "cannot end a throttled "
                          "attempt (%s)", sl[i].scope);
        }
    }
    portal_th_unlock();
}

void portal_guard_success(portal_req_t *req, portal_guard_t *g)
{
    guard_end(req, g, 1);
}

void portal_guard_failure(portal_req_t *req, portal_guard_t *g)
{
    guard_end(req, g, 0);
}

apr_int64_t portal_throttle_write(portal_req_t *req, const char *purpose,
                                  const char *address)
{
    apr_pool_t *p = req->r->pool;
    slot_t sl[2];
    int n = 0;

    if (!portal_throttle_enabled(req->dir)) {
        return 0;
    }
    slot_set(req, &sl[n], PORTAL_TH_WRITE, purpose, "ip", "write-budget",
             client_net(req), NULL);
    portal_throttle_write_limits(req->dir, !strcmp(purpose, "forgot")
                                      ? PORTAL_TH_FORGOT
                                      : !strcmp(purpose, "resend")
                                        ? PORTAL_TH_RESEND : PORTAL_TH_SIGNUP,
                                 &sl[n++].lim);
    if (address) {
        const char *lc = pt_ascii_lower(p, address);

        slot_set(req, &sl[n++], PORTAL_TH_ADDRESS, "mail", "address",
                 "address-budget", lc, lc);
    }
    return th_run(req, purpose, sl, n, address ? sl[1].shown : NULL, NULL);
}

/* ------------------------------------------------------------ answers */

const char *portal_throttle_message(apr_pool_t *p, apr_int64_t retry)
{
    if (retry < 120) {
        return apr_psprintf(p, "Too many attempts: try again in %"
                            APR_INT64_T_FMT " second%s.", retry,
                            retry == 1 ? "" : "s");
    }
    return apr_psprintf(p, "Too many attempts: try again in %"
                        APR_INT64_T_FMT " minutes.", (retry + 59) / 60);
}

int portal_throttled(portal_req_t *req, apr_int64_t retry,
                     int (*page)(portal_req_t *, int, const char *))
{
    const char *msg;

    if (retry == PORTAL_TH_DOWN || retry <= 0) {
        return portal_busy(req, page);
    }
    msg = portal_throttle_message(req->r->pool, retry);
    apr_table_setn(req->r->err_headers_out, "Retry-After",
                   pt_i64(req->r->pool, retry));
    if (req->want_json || !page) {
        return portal_api_error(req, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                msg);
    }
    return page(req, HTTP_TOO_MANY_REQUESTS, msg);
}

int portal_throttled_after(portal_req_t *req, apr_int64_t retry,
                           int (*page)(portal_req_t *, int, const char *),
                           const char *what)
{
    const char *msg = apr_pstrcat(req->r->pool, what, " ",
                                  portal_throttle_message(req->r->pool,
                                                          retry), NULL);

    apr_table_setn(req->r->err_headers_out, "Retry-After",
                   pt_i64(req->r->pool, retry));
    if (req->want_json || !page) {
        return portal_api_error(req, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                msg);
    }
    return page(req, HTTP_TOO_MANY_REQUESTS, msg);
}

void portal_throttle_forget_account(portal_req_t *req, const char *uuid)
{
    apr_pool_t *p = req->r->pool;
    const char *account = apr_pstrcat(p, "u:", uuid, NULL);
    apr_status_t rv;

    rv = portal_throttle_lift(req->r->server,
                              pt_throttle_key(p, "password", "account",
                                              account), p);
    if (rv == APR_SUCCESS) {
        rv = portal_throttle_lift(req->r->server,
                                  pt_throttle_key(p, "password", "pair",
                                                  apr_pstrcat(p, account, "\n",
                                                              client_net(req),
                                                              NULL)), p);
    }
    if (rv != APR_SUCCESS && rv != APR_EINIT) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                      PORTAL_LOGNO(1013) "cannot end the sign-in throttle "
                      "of user %s after a password reset", uuid);
    }
}
