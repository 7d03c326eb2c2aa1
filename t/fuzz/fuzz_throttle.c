/*
 * fuzz_throttle.c -- libFuzzer target for the throttle's record decoder
 * and arithmetic.
 *
 * A record comes back from a cache another process (or another node)
 * wrote, so its bytes are not to be trusted.  Each input is decoded; a
 * record that decodes must encode back to the same bytes, and then go
 * through a few steps with limits taken from the input's last bytes at a
 * clock near the record's times; the steps must keep the promises of
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
        || r->count > PT_THROTTLE_COUNT_MAX) {
        abort();
    }
}

static void steps(pt_throttle_rec_t *r, apr_int64_t now,
                  const pt_throttle_limits_t *lim)
{
    apr_int64_t ra, before;
    int i;

    for (i = 0; i < 8; i++) {
        if (pt_throttle_blocked(r, now, &ra)) {
            if (ra < 1) {
                abort();
            }
            before = r->blocked_until;
            ra = pt_throttle_refused(r, now, lim);
            if (ra < 1 || r->blocked_until < before
                || (r->blocked_until > before
                    && r->blocked_until > now + (apr_int64_t)lim->cap)) {
                abort();
            }
            (void)pt_throttle_report(r, now);
        }
        else {
            before = r->blocked_until;
            pt_throttle_count(r, now, lim);
            if (r->blocked_until > before && r->blocked_until > now
                && r->blocked_until > now + (apr_int64_t)lim->cap
                && r->blocked_until > r->window_start
                                      + (apr_int64_t)lim->window) {
                abort();
            }
            if (i == 5) {
                pt_throttle_success(r, now, lim);
                if (lim->base && r->failures) {
                    abort();
                }
            }
        }
        check_rec(r);
        if (pt_throttle_expiry(r, now, lim) <= now) {
            abort();
        }
        now += i;
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
    steps(&r, r.last ? r.last : r.blocked_until, &lim);
    return 0;
}
