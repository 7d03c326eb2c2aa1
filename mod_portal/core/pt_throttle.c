/*
 * pt_throttle.c -- back-off and budget arithmetic for throttling, and the
 * byte format records are kept in (see pt_throttle.h).
 *
 * Invariants the functions keep (and the fuzz target checks):
 *   failures, count, pending <= PT_THROTTLE_COUNT_MAX;
 *   a block set at now by a back-off never reaches past now + cap, and one
 *   set by a budget never past the window's end;
 *   pt_throttle_blocked() and pt_throttle_refused() never answer a wait
 *   under one second.
 */
#include <assert.h>
#include <string.h>
#include <arpa/inet.h>

#include <apr_strings.h>

#include "pt_throttle.h"
#include "pt_crypto.h"

#define REC_MAGIC0 'P'
#define REC_MAGIC1 'T'
#define REC_MAGIC2 'h'
#define REC_VERSION 1

static apr_int64_t max64(apr_int64_t a, apr_int64_t b)
{
    return a > b ? a : b;
}

static apr_uint32_t inc_sat(apr_uint32_t v)
{
    return v < PT_THROTTLE_COUNT_MAX ? v + 1 : v;
}

apr_int64_t pt_throttle_delay(const pt_throttle_limits_t *lim,
                              apr_uint32_t n)
{
    apr_uint32_t steps;
    apr_int64_t d;

    if (!lim->base || n <= lim->free) {
        return 0;
    }
    steps = n - lim->free - 1;
    d = lim->base;
    /* doubling past the cap (or past 2^31) gains nothing */
    while (steps-- > 0 && d < (apr_int64_t)lim->cap && d < ((apr_int64_t)1 << 31)) {
        d *= 2;
    }
    return d < (apr_int64_t)lim->cap ? d : (apr_int64_t)lim->cap;
}

int pt_throttle_blocked(const pt_throttle_rec_t *rec, apr_int64_t now,
                        apr_int64_t *retry_after)
{
    if (rec->blocked_until > now) {
        *retry_after = rec->blocked_until - now;
        return 1;
    }
    *retry_after = 0;
    return 0;
}

/* The end of the budget's window, or 0 when no window is open at now. */
static apr_int64_t window_end(const pt_throttle_rec_t *rec, apr_int64_t now,
                              const pt_throttle_limits_t *lim)
{
    apr_int64_t end;

    if (!lim->budget || !rec->window_start) {
        return 0;
    }
    end = rec->window_start + lim->window;
    return now < end ? end : 0;
}

/* Attempts in flight at now (none once they are too old to be alive). */
static apr_uint32_t live_pending(const pt_throttle_rec_t *rec,
                                 apr_int64_t now)
{
    return now - rec->pending_at > PT_THROTTLE_PENDING_TTL ? 0 : rec->pending;
}

/* Failures in a row at now (none after `forget` quiet seconds). */
static apr_uint32_t live_failures(const pt_throttle_rec_t *rec,
                                  apr_int64_t now,
                                  const pt_throttle_limits_t *lim)
{
    if (rec->last && now - rec->last >= (apr_int64_t)lim->forget) {
        return 0;
    }
    return rec->failures;
}

/* Note a block that begins (or goes on) at now. */
static void block_until(pt_throttle_rec_t *rec, apr_int64_t now,
                        apr_int64_t until)
{
    if (until <= now || until <= rec->blocked_until) {
        return;
    }
    if (rec->blocked_until <= now) {
        rec->block_started = now;
    }
    rec->blocked_until = until;
}

apr_int64_t pt_throttle_check(const pt_throttle_rec_t *rec, apr_int64_t now,
                              const pt_throttle_limits_t *lim, int *hard)
{
    apr_int64_t ra;
    apr_uint32_t pending, failures;

    *hard = 1;
    if (pt_throttle_blocked(rec, now, &ra)) {
        return ra;
    }
    *hard = 0;
    if (lim->base) {
        /* no more in flight than could all fail before the first delay;
         * one at a time once the free failures are spent */
        pending = live_pending(rec, now);
        failures = live_failures(rec, now, lim);
        if (pending > 0 && (apr_uint64_t)failures + pending >= lim->free + 1) {
            return 1;
        }
    }
    return 0;
}

void pt_throttle_begin(pt_throttle_rec_t *rec, apr_int64_t now,
                       const pt_throttle_limits_t *lim)
{
    if (lim->base) {
        rec->pending = inc_sat(live_pending(rec, now));
        rec->pending_at = now;
    }
    if (lim->budget) {
        if (!window_end(rec, now, lim)) {
            rec->window_start = now;
            rec->count = 0;
        }
        rec->count = inc_sat(rec->count);
        if (rec->count >= lim->budget) {
            block_until(rec, now, rec->window_start + lim->window);
        }
    }
}

void pt_throttle_failure(pt_throttle_rec_t *rec, apr_int64_t now,
                         const pt_throttle_limits_t *lim)
{
    apr_int64_t d;

    if (!lim->base) {
        return;
    }
    if (live_pending(rec, now) > 0) {
        rec->pending--;
    }
    else {
        rec->pending = 0;
    }
    rec->failures = inc_sat(live_failures(rec, now, lim));
    rec->last = now;
    d = pt_throttle_delay(lim, rec->failures);
    if (d) {
        block_until(rec, now, now + d);
    }
}

apr_int64_t pt_throttle_refused(pt_throttle_rec_t *rec, apr_int64_t now,
                                const pt_throttle_limits_t *lim)
{
    if (lim->base) {
        apr_int64_t d;

        rec->failures = inc_sat(rec->failures);
        rec->last = now;
        d = pt_throttle_delay(lim, rec->failures);
        if (d) {
            block_until(rec, now, now + d);
        }
    }
    /* refused means blocked; never tell anyone to come back at once */
    return rec->blocked_until > now ? rec->blocked_until - now : 1;
}

void pt_throttle_success(pt_throttle_rec_t *rec, apr_int64_t now,
                         const pt_throttle_limits_t *lim)
{
    apr_int64_t until = 0, end;

    if (lim->base) {
        rec->failures = 0;
        rec->last = 0;
        if (live_pending(rec, now) > 0) {
            rec->pending--;
        }
        else {
            rec->pending = 0;
        }
    }
    end = window_end(rec, now, lim);
    if (end) {
        if (rec->count > 0) {
            rec->count--;
        }
        if (rec->count >= lim->budget) {
            until = end;
        }
    }
    if (!lim->base && rec->blocked_until > now && !end) {
        /* not a block this record's limits made: leave it alone */
        until = rec->blocked_until;
    }
    rec->blocked_until = until;
}

int pt_throttle_report(pt_throttle_rec_t *rec, apr_int64_t now)
{
    if (rec->blocked_until <= now || rec->reported == rec->block_started) {
        return 0;
    }
    rec->reported = rec->block_started;
    return 1;
}

int pt_throttle_idle(const pt_throttle_rec_t *rec, apr_int64_t now,
                     const pt_throttle_limits_t *lim)
{
    return pt_throttle_expiry(rec, now, lim) <= now + 1
           && rec->blocked_until <= now;
}

apr_int64_t pt_throttle_expiry(const pt_throttle_rec_t *rec,
                               apr_int64_t now,
                               const pt_throttle_limits_t *lim)
{
    apr_int64_t e = rec->blocked_until;

    if (lim->base && rec->failures && rec->last) {
        e = max64(e, rec->last + lim->forget);
    }
    if (lim->base && rec->pending) {
        e = max64(e, rec->pending_at + PT_THROTTLE_PENDING_TTL + 1);
    }
    if (lim->budget && rec->window_start) {
        e = max64(e, rec->window_start + lim->window);
    }
    return max64(e, now + 1);
}

/* ------------------------------------------------------------ bytes */

static void put32(unsigned char *p, apr_uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, apr_int64_t v)
{
    apr_uint64_t u = (apr_uint64_t)v;

    put32(p, (apr_uint32_t)(u >> 32));
    put32(p + 4, (apr_uint32_t)u);
}

static apr_uint32_t get32(const unsigned char *p)
{
    return ((apr_uint32_t)p[0] << 24) | ((apr_uint32_t)p[1] << 16)
           | ((apr_uint32_t)p[2] << 8) | (apr_uint32_t)p[3];
}

static apr_uint64_t get64(const unsigned char *p)
{
    return ((apr_uint64_t)get32(p) << 32) | get32(p + 4);
}

void pt_throttle_encode(const pt_throttle_rec_t *rec,
                        unsigned char out[PT_THROTTLE_REC_BYTES])
{
    out[0] = REC_MAGIC0;
    out[1] = REC_MAGIC1;
    out[2] = REC_MAGIC2;
    out[3] = REC_VERSION;
    put32(out + 4, rec->failures);
    put32(out + 8, rec->count);
    put32(out + 12, rec->pending);
    put64(out + 16, rec->pending_at);
    put64(out + 24, rec->last);
    put64(out + 32, rec->window_start);
    put64(out + 40, rec->blocked_until);
    put64(out + 48, rec->block_started);
    put64(out + 56, rec->reported);
}

static int time_ok(apr_uint64_t t)
{
    return t <= (apr_uint64_t)PT_THROTTLE_TIME_MAX;
}

apr_status_t pt_throttle_decode(const unsigned char *buf, apr_size_t len,
                                pt_throttle_rec_t *rec)
{
    apr_uint64_t t[6];
    int i;

    memset(rec, 0, sizeof(*rec));
    if (!buf || len != PT_THROTTLE_REC_BYTES || buf[0] != REC_MAGIC0
        || buf[1] != REC_MAGIC1 || buf[2] != REC_MAGIC2
        || buf[3] != REC_VERSION) {
        return APR_EINVAL;
    }
    for (i = 0; i < 6; i++) {
        t[i] = get64(buf + 16 + 8 * i);
        if (!time_ok(t[i])) {
            return APR_EINVAL;
        }
    }
    for (i = 0; i < 3; i++) {
        if (get32(buf + 4 + 4 * i) > PT_THROTTLE_COUNT_MAX) {
            return APR_EINVAL;
        }
    }
    rec->failures = get32(buf + 4);
    rec->count = get32(buf + 8);
    rec->pending = get32(buf + 12);
    rec->pending_at = (apr_int64_t)t[0];
    rec->last = (apr_int64_t)t[1];
    rec->window_start = (apr_int64_t)t[2];
    rec->blocked_until = (apr_int64_t)t[3];
    rec->block_started = (apr_int64_t)t[4];
    rec->reported = (apr_int64_t)t[5];
    return APR_SUCCESS;
}

const char *pt_throttle_key(apr_pool_t *p, const char *purpose,
                            const char *scope, const char *value)
{
    const char *h = pt_sha256_hex(p, value, strlen(value));

    assert(strspn(purpose, "abcdefghijklmnopqrstuvwxyz") == strlen(purpose));
    return apr_pstrcat(p, "pt1:", purpose, ":", scope, ":",
                       apr_pstrmemdup(p, h, 32), NULL);
}

const char *pt_throttle_net(apr_pool_t *p, const char *ip)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0xff, 0xff };
    unsigned char a[16];
    char buf[INET6_ADDRSTRLEN];

    if (!ip || !strchr(ip, ':') || inet_pton(AF_INET6, ip, a) != 1) {
        return ip ? ip : "";
    }
    if (!memcmp(a, mapped, sizeof(mapped))) {
        if (!inet_ntop(AF_INET, a + 12, buf, sizeof(buf))) {
            return ip;
        }
        return apr_pstrdup(p, buf);
    }
    memset(a + 8, 0, 8);
    if (!inet_ntop(AF_INET6, a, buf, sizeof(buf))) {
        return ip;
    }
    return apr_pstrcat(p, buf, "/64", NULL);
}
