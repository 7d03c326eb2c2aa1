/*
 * pt_throttle.h -- the arithmetic of throttling guesses and anonymous
 * writes, with no clock and no storage of its own.
 *
 * A record belongs to one key (say "the password of account A from
 * address X", or "failed sign-ins from address X") and is kept by the
 * caller in a shared cache as PT_THROTTLE_REC_BYTES bytes
 * (pt_throttle_encode / pt_throttle_decode).  Its limits say what it
 * counts:
 *
 *   back-off (base > 0): failures in a row.  The first `free` cost
 *     nothing; each one after sets a delay of base, 2*base, 4*base, ...
 *     seconds, at most `cap`; `forget` quiet seconds wipe the count.
 *   budget (budget > 0): events per window.  The `budget`-th event of a
 *     window of `window` seconds (starting at the first event) closes
 *     it until the window ends.
 *
 * An attempt is counted when it begins (pt_throttle_begin), so that a
 * burst of parallel attempts cannot all pass before the first one fails:
 * a budget counts it at once (and gets it back on success); a back-off
 * counts it as in flight, and lets no more attempts fly at once than
 * could all fail before its first delay (the free failures left, or one
 * at a time once they are spent).  Its end is a failure
 * (pt_throttle_failure) or a success (pt_throttle_success), which ends
 * the back-off.  An attempt made while the record blocks is not checked
 * at all: pt_throttle_refused counts it against a back-off (each refused
 * attempt doubles the delay, so hammering only makes the wait longer).
 * One that finds no room in flight waits a second, uncounted.
 *
 * Times are whole seconds since the epoch, given by the caller, which is
 * what makes all of this testable with a made-up clock.
 */
#ifndef PT_THROTTLE_H
#define PT_THROTTLE_H

#include <apr_pools.h>
#include <apr_errno.h>

/* The size of an encoded record. */
#define PT_THROTTLE_REC_BYTES 64
/* Attempts in flight are forgotten after this many seconds (a request
 * that died before it ended). */
#define PT_THROTTLE_PENDING_TTL 120
/* Counters saturate here; times beyond PT_THROTTLE_TIME_MAX are refused
 * by the decoder (year 36812: nothing legitimate). */
#define PT_THROTTLE_COUNT_MAX 1000000u
#define PT_THROTTLE_TIME_MAX ((apr_int64_t)1 << 40)

typedef struct pt_throttle_rec_t {
    apr_uint32_t failures;      /* back-off: failures in a row */
    apr_uint32_t count;         /* budget: events in the current window */
    apr_uint32_t pending;       /* back-off: attempts in flight */
    apr_int64_t pending_at;     /* back-off: when the last one began */
    apr_int64_t last;           /* back-off: the last failure; 0 none */
    apr_int64_t window_start;   /* budget: the window's start; 0 none */
    apr_int64_t blocked_until;  /* refusing before this; 0: not blocked */
    apr_int64_t block_started;  /* when the current block began */
    apr_int64_t reported;       /* block_started of the last block the
                                   caller reported (pt_throttle_report) */
} pt_throttle_rec_t;

typedef struct pt_throttle_limits_t {
    unsigned int free;          /* back-off: failures before the first delay */
    unsigned int base;          /* back-off: first delay (s); 0: no back-off */
    unsigned int cap;           /* back-off: longest delay (s) */
    unsigned int forget;        /* back-off: quiet seconds that wipe it */
    unsigned int budget;        /* events per window; 0: no budget */
    unsigned int window;        /* budget: the window (s) */
} pt_throttle_limits_t;

/* The delay (seconds) a back-off sets after its n-th failure in a row:
 * 0 while n <= free, then base << (n - free - 1), at most cap. */
apr_int64_t pt_throttle_delay(const pt_throttle_limits_t *lim,
                              apr_uint32_t n);

/* 1 when the record blocks at now, with *retry_after the seconds to
 * wait (at least 1); 0 when it does not. */
int pt_throttle_blocked(const pt_throttle_rec_t *rec, apr_int64_t now,
                        apr_int64_t *retry_after);

/* May an attempt begin at now?  0 yes.  Else the seconds to wait, with
 * *hard 1 for a block (the caller then calls pt_throttle_refused) or 0
 * when a back-off has no room for another attempt in flight (wait a
 * second; nothing is counted). */
apr_int64_t pt_throttle_check(const pt_throttle_rec_t *rec, apr_int64_t now,
                              const pt_throttle_limits_t *lim, int *hard);

/* An attempt begins at now (the caller checked it may): a budget counts
 * the event (which may close it), a back-off counts it in flight. */
void pt_throttle_begin(pt_throttle_rec_t *rec, apr_int64_t now,
                       const pt_throttle_limits_t *lim);

/* The attempt failed: a back-off counts the failure, which may start or
 * lengthen its delay.  (A budget counted it when it began.) */
void pt_throttle_failure(pt_throttle_rec_t *rec, apr_int64_t now,
                         const pt_throttle_limits_t *lim);

/* An attempt refused at now: a back-off counts it as a failure, which
 * lengthens the delay; returns the seconds to wait (at least 1). */
apr_int64_t pt_throttle_refused(pt_throttle_rec_t *rec, apr_int64_t now,
                                const pt_throttle_limits_t *lim);

/* The attempt succeeded: a back-off starts afresh (and stops refusing);
 * a budget gets the event back. */
void pt_throttle_success(pt_throttle_rec_t *rec, apr_int64_t now,
                         const pt_throttle_limits_t *lim);

/* 1 once per block: the first time it is called while the record blocks
 * (at now) since that block began; the caller then logs the block. */
int pt_throttle_report(pt_throttle_rec_t *rec, apr_int64_t now);

/* 1 when the record holds nothing worth keeping at now (no failures to
 * remember, no open window, no block). */
int pt_throttle_idle(const pt_throttle_rec_t *rec, apr_int64_t now,
                     const pt_throttle_limits_t *lim);

/* When the record may be dropped from the cache: its block, its
 * window's end and its back-off's memory all over (at least now + 1). */
apr_int64_t pt_throttle_expiry(const pt_throttle_rec_t *rec,
                               apr_int64_t now,
                               const pt_throttle_limits_t *lim);

/* The record as PT_THROTTLE_REC_BYTES bytes (versioned, big-endian). */
void pt_throttle_encode(const pt_throttle_rec_t *rec,
                        unsigned char out[PT_THROTTLE_REC_BYTES]);

/* Read a record; APR_EINVAL (and *rec zeroed) for anything that is not
 * one this version wrote: wrong size, magic or version, a counter over
 * PT_THROTTLE_COUNT_MAX, a time outside 0..PT_THROTTLE_TIME_MAX. */
apr_status_t pt_throttle_decode(const unsigned char *buf, apr_size_t len,
                                pt_throttle_rec_t *rec);

/* The cache key of a record: "pt1:" PURPOSE ":" SCOPE ":" and 32 hex
 * digits of the SHA-256 of value (an address, an account, or both), so
 * that no address or name is stored as it is and every key has the same
 * length.  purpose and scope are short words of [a-z]. */
const char *pt_throttle_key(apr_pool_t *p, const char *purpose,
                            const char *scope, const char *value);

/* The network a client address stands for in the throttle: an IPv4
 * address as it is (also when written IPv4-mapped, ::ffff:192.0.2.7),
 * an IPv6 address as its /64 ("2001:db8:1:2::/64"), since one host
 * commonly holds a whole /64 and could otherwise change its address for
 * every guess.  Anything else is returned as it is. */
const char *pt_throttle_net(apr_pool_t *p, const char *ip);

#endif /* PT_THROTTLE_H */
