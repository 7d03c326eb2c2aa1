/*
 * test_throttle.c -- the throttle's arithmetic with a made-up clock: the
 * back-off's delays, refused attempts that lengthen it, budgets and their
 * windows, successes that give an attempt back, one report per block, and
 * the record's byte format (including what the decoder refuses).
 */
#include <apr_general.h>
#include <apr_strings.h>

#include "pt_test.h"
#include "pt_throttle.h"

#define T0 ((apr_int64_t)1800000000)

static const pt_throttle_limits_t backoff = { 5, 1, 60, 3600, 0, 0 };
static const pt_throttle_limits_t budget = { 0, 0, 0, 0, 10, 600 };

/* One wrong attempt at now: refused (the wait), or checked (0). */
static apr_int64_t wrong(pt_throttle_rec_t *r, apr_int64_t now,
                         const pt_throttle_limits_t *lim)
{
    int hard;
    apr_int64_t w = pt_throttle_check(r, now, lim, &hard);

    if (w) {
        return hard ? pt_throttle_refused(r, now, lim) : -w;
    }
    pt_throttle_begin(r, now, lim);
    pt_throttle_failure(r, now, lim);
    return 0;
}

static void test_delay(void)
{
    static const apr_int64_t want[] = { 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16,
                                        32, 60, 60 };
    pt_throttle_limits_t big = { 0, 1, 4000000000u, 10, 0, 0 };
    apr_uint32_t n;
    int ok = 1;

    for (n = 0; n < sizeof(want) / sizeof(want[0]); n++) {
        if (pt_throttle_delay(&backoff, n) != want[n]) {
            ok = 0;
            printf("# delay(%u) = %" APR_INT64_T_FMT "\n", n,
                   pt_throttle_delay(&backoff, n));
        }
    }
    PT_OK(ok, "delays: 5 free, then 1 s doubling to the 60 s cap");
    PT_OK(pt_throttle_delay(&backoff, 4000000000u) == 60,
          "a huge failure count stays at the cap");
    PT_OK(pt_throttle_delay(&big, 200) == ((apr_int64_t)1 << 31),
          "doubling stops at 2^31 even under a huge cap");
    {
        pt_throttle_limits_t none = backoff;

        none.base = 0;
        PT_OK(pt_throttle_delay(&none, 100) == 0, "base 0: no back-off");
    }
}

/* 30 wrong passwords in a row, all within one second: the first six are
 * checked (the sixth starts a 1 s block), then every one is refused with
 * a longer wait, up to the cap. */
static void test_backoff_burst(void)
{
    pt_throttle_rec_t r;
    apr_int64_t ra, prev = 0, w;
    int i, checked = 0, grew = 1;

    memset(&r, 0, sizeof(r));
    for (i = 1; i <= 30; i++) {
        w = wrong(&r, T0, &backoff);
        if (!w) {
            checked++;
            continue;
        }
        if (w < prev || (prev < 60 && w <= prev)) {
            grew = 0;
        }
        prev = w;
    }
    PT_OK(checked == 6, "6 attempts were checked (got %d)", checked);
    PT_OK(grew, "each refusal waited longer than the one before, to the cap");
    PT_OK(prev == 60, "the last wait is the cap (got %" APR_INT64_T_FMT ")",
          prev);
    PT_OK(pt_throttle_blocked(&r, T0 + 59, &ra) && ra == 1,
          "still blocked a second before the end");
    PT_OK(!pt_throttle_blocked(&r, T0 + 60, &ra), "open at the end");
    PT_OK(wrong(&r, T0 + 60, &backoff) == 0
          && pt_throttle_blocked(&r, T0 + 60, &ra) && ra == 60,
          "the next failure is checked, and waits the cap again");
    {
        int hard;

        PT_OK(pt_throttle_check(&r, T0 + 120, &backoff, &hard) == 0,
              "open again after the cap");
        pt_throttle_begin(&r, T0 + 120, &backoff);
        pt_throttle_success(&r, T0 + 121, &backoff);
        PT_OK(!pt_throttle_blocked(&r, T0 + 121, &ra) && r.failures == 0
              && r.pending == 0, "a success ends the back-off at once");
    }
}

/* A burst of 20 parallel attempts: no more fly at once than could all
 * fail before the first delay (the 5 free ones and the one that would
 * start it: 6); the others wait a second, uncounted.  Right ones do not
 * add up to a block. */
static void test_in_flight(void)
{
    pt_throttle_rec_t r;
    apr_int64_t w;
    int i, hard, flying = 0, soft = 0;

    memset(&r, 0, sizeof(r));
    for (i = 0; i < 20; i++) {
        w = pt_throttle_check(&r, T0, &backoff, &hard);
        if (w) {
            soft += !hard && w == 1;
            continue;
        }
        pt_throttle_begin(&r, T0, &backoff);
        flying++;
    }
    PT_OK(flying == 6 && soft == 14, "20 at once: 6 fly, 14 wait a second "
          "(%d, %d)", flying, soft);
    for (i = 0; i < 6; i++) {
        pt_throttle_failure(&r, T0, &backoff);
    }
    PT_OK(pt_throttle_check(&r, T0, &backoff, &hard) == 1 && hard,
          "when they all fail, the back-off has begun");
    PT_OK(r.failures == 6 && r.pending == 0, "6 failures, none in flight");

    memset(&r, 0, sizeof(r));
    for (i = 0; i < 100; i++) {
        /* right passwords from one address, 6 in flight at a time */
        if (pt_throttle_check(&r, T0, &backoff, &hard) == 0) {
            pt_throttle_begin(&r, T0, &backoff);
        }
        if (r.pending == 6) {
            while (r.pending) {
                pt_throttle_success(&r, T0, &backoff);
            }
        }
    }
    PT_OK(!pt_throttle_blocked(&r, T0, &w) && r.failures == 0,
          "right attempts in flight never start a back-off");

    memset(&r, 0, sizeof(r));
    pt_throttle_begin(&r, T0, &backoff);
    for (i = 0; i < 6; i++) {
        pt_throttle_begin(&r, T0, &backoff);
    }
    PT_OK(pt_throttle_check(&r, T0 + PT_THROTTLE_PENDING_TTL + 1, &backoff,
                            &hard) == 0,
          "attempts in flight that never ended are forgotten after %d s",
          PT_THROTTLE_PENDING_TTL);
}

static void test_backoff_forget(void)
{
    pt_throttle_rec_t r;
    apr_int64_t ra;
    int i;

    memset(&r, 0, sizeof(r));
    for (i = 0; i < 5; i++) {
        wrong(&r, T0 + i, &backoff);
    }
    PT_OK(!pt_throttle_blocked(&r, T0 + 5, &ra), "5 failures are free");
    wrong(&r, T0 + 5 + 3600, &backoff);
    PT_OK(r.failures == 1 && !pt_throttle_blocked(&r, T0 + 3605, &ra),
          "after an hour of quiet the count starts again");
    PT_OK(pt_throttle_expiry(&r, T0 + 3605, &backoff) == T0 + 3605 + 3600,
          "the record expires when it would be forgotten");
}

static void test_budget(void)
{
    pt_throttle_rec_t r;
    apr_int64_t ra;
    int i, hard, allowed = 0;

    memset(&r, 0, sizeof(r));
    for (i = 0; i < 20; i++) {
        /* 20 accounts sprayed from one address, one a second */
        if (pt_throttle_check(&r, T0 + i, &budget, &hard)) {
            PT_OK(hard && pt_throttle_refused(&r, T0 + i, &budget) == 600 - i,
                  "refused %d: wait for the window's end", i + 1);
            continue;
        }
        allowed++;
        pt_throttle_begin(&r, T0 + i, &budget);
        pt_throttle_failure(&r, T0 + i, &budget);
    }
    PT_OK(allowed == 10, "10 of 20 allowed (got %d)", allowed);
    PT_OK(r.count == 10, "refusals are not counted against a budget");
    PT_OK(pt_throttle_expiry(&r, T0 + 30, &budget) == T0 + 600,
          "expires with the window");
    PT_OK(!pt_throttle_blocked(&r, T0 + 600, &ra), "a new window opens");
    pt_throttle_begin(&r, T0 + 600, &budget);
    PT_OK(r.count == 1 && r.window_start == T0 + 600,
          "and counts from one");

    memset(&r, 0, sizeof(r));
    for (i = 0; i < 10; i++) {
        pt_throttle_begin(&r, T0, &budget);
    }
    PT_OK(pt_throttle_blocked(&r, T0, &ra), "the 10th event closes it");
    pt_throttle_success(&r, T0 + 1, &budget);
    PT_OK(!pt_throttle_blocked(&r, T0 + 1, &ra) && r.count == 9,
          "a success gives the event back and reopens it");
}

static void test_report(void)
{
    pt_throttle_rec_t r;
    apr_int64_t ra;
    int i, n = 0;

    memset(&r, 0, sizeof(r));
    for (i = 0; i < 6; i++) {
        wrong(&r, T0, &backoff);
    }
    PT_OK(r.block_started == T0, "the block started at the 6th failure");
    for (i = 0; i < 10; i++) {
        if (pt_throttle_blocked(&r, T0, &ra)) {
            pt_throttle_refused(&r, T0, &backoff);
            n += pt_throttle_report(&r, T0);
        }
    }
    PT_OK(n == 1, "ten refusals in one block: one report (got %d)", n);
    PT_OK(!pt_throttle_report(&r, T0 + 3600),
          "no report when not blocked");
    for (i = 0; i < 6; i++) {
        wrong(&r, T0 + 4000, &backoff);
    }
    PT_OK(r.block_started == T0 + 4000 && pt_throttle_report(&r, T0 + 4000),
          "a new block is reported again");
}

static void test_codec(apr_pool_t *p)
{
    pt_throttle_rec_t r, back;
    unsigned char buf[PT_THROTTLE_REC_BYTES], bad[PT_THROTTLE_REC_BYTES];
    const char *k1, *k2;

    memset(&r, 0, sizeof(r));
    r.failures = 7;
    r.count = 3;
    r.pending = 2;
    r.pending_at = T0 - 3;
    r.last = T0;
    r.window_start = T0 - 10;
    r.blocked_until = T0 + 8;
    r.block_started = T0 - 1;
    r.reported = T0 - 1;
    pt_throttle_encode(&r, buf);
    PT_OK(pt_throttle_decode(buf, sizeof(buf), &back) == APR_SUCCESS
          && !memcmp(&r, &back, sizeof(r)), "a record round-trips");
    PT_OK(pt_throttle_decode(buf, sizeof(buf) - 1, &back) == APR_EINVAL,
          "a short record is refused");
    PT_OK(pt_throttle_decode(NULL, 0, &back) == APR_EINVAL, "no record");
    memcpy(bad, buf, sizeof(bad));
    bad[3] = 2;
    PT_OK(pt_throttle_decode(bad, sizeof(bad), &back) == APR_EINVAL
          && back.failures == 0, "another version is refused (zeroed)");
    memcpy(bad, buf, sizeof(bad));
    bad[0] = 'X';
    PT_OK(pt_throttle_decode(bad, sizeof(bad), &back) == APR_EINVAL,
          "a wrong magic is refused");
    memcpy(bad, buf, sizeof(bad));
    bad[40] = 0x80;     /* blocked_until negative */
    PT_OK(pt_throttle_decode(bad, sizeof(bad), &back) == APR_EINVAL,
          "a negative time is refused");
    memcpy(bad, buf, sizeof(bad));
    bad[4] = 0xff;      /* failures > PT_THROTTLE_COUNT_MAX */
    PT_OK(pt_throttle_decode(bad, sizeof(bad), &back) == APR_EINVAL,
          "an absurd counter is refused");

    k1 = pt_throttle_key(p, "password", "pair", "alice\n203.0.113.7");
    k2 = pt_throttle_key(p, "password", "pair", "alice\n203.0.113.8");
    PT_OK(!strncmp(k1, "pt1:password:pair:", 18) && strlen(k1) == 18 + 32,
          "a key: purpose, scope, 32 hex digits (%s)", k1);
    PT_OK(strcmp(k1, k2) != 0, "other values, other keys");
    PT_OK(!strstr(k1, "alice") && !strstr(k1, "203."),
          "no name or address in the key");
}

static void test_net(apr_pool_t *p)
{
    PT_IS_STR(pt_throttle_net(p, "203.0.113.7"), "203.0.113.7",
              "IPv4 as it is");
    PT_IS_STR(pt_throttle_net(p, "::ffff:203.0.113.7"), "203.0.113.7",
              "IPv4-mapped IPv6 is the IPv4 address");
    PT_IS_STR(pt_throttle_net(p, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
              "2001:db8:1:2::/64", "IPv6: its /64");
    PT_IS_STR(pt_throttle_net(p, "2001:db8:1:2::1"),
              pt_throttle_net(p, "2001:db8:1:2:ffff::9"),
              "two hosts of one /64 are one client");
    PT_IS_STR(pt_throttle_net(p, "::1"), "::/64", "loopback v6");
    PT_IS_STR(pt_throttle_net(p, "not:an:address"), "not:an:address",
              "anything else as it is");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_delay();
    test_backoff_burst();
    test_in_flight();
    test_backoff_forget();
    test_budget();
    test_report();
    test_codec(p);
    test_net(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
