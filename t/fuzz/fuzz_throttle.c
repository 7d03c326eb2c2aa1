/*
 * fuzz_throttle.c -- libFuzzer target for the throttle's record decoder
 * and arithmetic.
 *
 * A record comes back from a cache another process (or another node)
 * wrote, so its bytes are not to be trusted.  Each input is decoded; a
 * record that decodes must encode back to the same bytes, and then go
 * through a dozen steps (check, begin, then success, failure or still in
 * flight, as the input's last bytes say) with limits taken from the input
 * at a clock near the record's times; the steps must keep the promises of
 * pt_throttle.h (a wait is at least one second; a back-off block set now
 * never reaches past now + cap; a budget block never past its window's
 * end; counters never pass PT_THROTTLE_COUNT_MAX).  Any broken promise
 * aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "pt_throttle.h"

static int initialized;

static void check_rec(const pt_throttle_rec_t *r)
{
    if (r->failures > PT_THROTTLE_COUNT_MAX
        || r->count > PT_THROTTLE_COUNT_MAX
        || r->pending > PT_THROTTLE_COUNT_MAX) {
        abort();
    }
}

/* The limits' promise about a block that grew at now. */
static void check_growth(const pt_throttle_rec_t *r, apr_int64_t before,
                         apr_int64_t now, const pt_throttle_limits_t *lim)
{
    if (r->blocked_until < before && before > now) {
        abort();                /* only a success may shorten a block */
    }
    if (r->blocked_until > before && r->blocked_until > now
        && r->blocked_until > now + (apr_int64_t)lim->cap
        && r->blocked_until > r->window_start + (apr_int64_t)lim->window) {
        abort();
    }
}

static void steps(pt_throttle_rec_t *r, apr_int64_t now,
                  const pt_throttle_limits_t *lim, const uint8_t *plan,
                  size_t nplan)
{
    apr_int64_t ra, before;
    size_t i;
    int hard;

    for (i = 0; i < 12; i++) {
        unsigned step = i < nplan ? plan[i] : (unsigned)i;

        before = r->blocked_until;
        ra = pt_throttle_check(r, now, lim, &hard);
        if (ra) {
            if (ra < 1 || (!hard && ra != 1)) {
                abort();
            }
            if (hard) {
                ra = pt_throttle_refused(r, now, lim);
                if (ra < 1) {
                    abort();
                }
                (void)pt_throttle_report(r, now);
            }
        }
        else {
            pt_throttle_begin(r, now, lim);
            if (step % 3 == 0) {
                pt_throttle_success(r, now, lim);
                if (lim->base && r->failures) {
                    abort();
                }
            }
            else if (step % 3 == 1) {
                pt_throttle_failure(r, now, lim);
            }
            /* else: still in flight */
        }
        if (!(step % 3 == 0 && !ra)) {
            check_growth(r, before, now, lim);
        }
        check_rec(r);
        if (pt_throttle_expiry(r, now, lim) <= now) {
            abort();
        }
        now += (apr_int64_t)(step % 7);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_throttle_rec_t r;
    unsigned char again[PT_THROTTLE_REC_BYTES];
    pt_throttle_limits_t lim;
    const uint8_t *t;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (pt_throttle_decode(data, size > PT_THROTTLE_REC_BYTES
                           ? PT_THROTTLE_REC_BYTES : size, &r)
        != APR_SUCCESS) {
        return 0;
    }
    check_rec(&r);
    pt_throttle_encode(&r, again);
    if (memcmp(again, data, PT_THROTTLE_REC_BYTES)) {
        abort();
    }
    /* limits from whatever follows the record (zeros when nothing) */
    t = data + PT_THROTTLE_REC_BYTES;
    memset(&lim, 0, sizeof(lim));
    if (size >= PT_THROTTLE_REC_BYTES + 6) {
        lim.free = t[0] % 16;
        lim.base = t[1] % 8;
        lim.cap = lim.base + (unsigned)t[2] * 60;
        lim.forget = 1 + (unsigned)t[3] * 30;
        lim.budget = t[4] % 32;
        lim.window = 1 + (unsigned)t[5] * 60;
    }
    else {
        lim.free = 5;
        lim.base = 1;
        lim.cap = 900;
        lim.forget = 3600;
    }
    steps(&r, r.last ? r.last : r.blocked_until, &lim,
          size > PT_THROTTLE_REC_BYTES + 6 ? t + 6 : NULL,
          size > PT_THROTTLE_REC_BYTES + 6
          ? size - PT_THROTTLE_REC_BYTES - 6 : 0);
    return 0;
}
