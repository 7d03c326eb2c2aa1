/*
 * test_limits.c -- unit tests of the core helpers behind the portal's
 * limits on what a caller may take: the Range parser (pt_range.c) that a
 * download link's byte allowance is charged by, the link classifier for
 * feed data (pt_url.c), and the slot table that caps concurrent exports
 * (pt_slots.c).
 */
#include <string.h>

#include <apr_general.h>

#include "pt_range.h"
#include "pt_url.h"
#include "pt_slots.h"
#include "pt_test.h"

#define RANGE_IS(h, size, want, woff, wlen)                                \
    do {                                                                   \
        apr_off_t o_ = -7, l_ = -7;                                        \
        int r_ = pt_range_parse(h, size, &o_, &l_);                        \
        PT_OK(r_ == (want) && (r_ != PT_RANGE_ONE                          \
                               || (o_ == (woff) && l_ == (wlen))),         \
              "Range %s of %d bytes: %d (%ld, %ld)", h ? h : "(none)",     \
              (int)(size), r_, (long)o_, (long)l_);                        \
    } while (0)

static void test_range(void)
{
    RANGE_IS(NULL, 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=0-", 100, PT_RANGE_ONE, 0, 100);
    RANGE_IS("bytes=0-99", 100, PT_RANGE_ONE, 0, 100);
    RANGE_IS("bytes=0-0", 100, PT_RANGE_ONE, 0, 1);
    RANGE_IS("bytes=10-19", 100, PT_RANGE_ONE, 10, 10);
    RANGE_IS("bytes=90-500", 100, PT_RANGE_ONE, 90, 10);
    RANGE_IS("BYTES= 5-", 100, PT_RANGE_ONE, 5, 95);
    RANGE_IS("bytes=-10", 100, PT_RANGE_ONE, 90, 10);
    RANGE_IS("bytes=-1000", 100, PT_RANGE_ONE, 0, 100);
    RANGE_IS("bytes=-0", 100, PT_RANGE_UNSATISFIABLE, 0, 0);
    RANGE_IS("bytes=100-", 100, PT_RANGE_UNSATISFIABLE, 0, 0);
    RANGE_IS("bytes=0-", 0, PT_RANGE_UNSATISFIABLE, 0, 0);
    RANGE_IS("bytes=-5", 0, PT_RANGE_UNSATISFIABLE, 0, 0);
    /* several ranges: the whole file (which a link is charged for) */
    RANGE_IS("bytes=0-9,20-29", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=0-0,0-0,0-0", 100, PT_RANGE_WHOLE, 0, 0);
    /* malformed or another unit: ignored */
    RANGE_IS("bytes=9-1", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=a-b", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=1-2x", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=--5", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=-+5", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=+1-5", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=5", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("items=0-5", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=99999999999999999999999-", 100, PT_RANGE_WHOLE, 0, 0);
    RANGE_IS("bytes=-99999999999999999999999", 100, PT_RANGE_WHOLE, 0, 0);
}

static const char *shown(const char *s)
{
    return s ? s : "(null)";
}

#define WEB(s, want) PT_OK(pt_url_is_web(s) == (want), "%.60s %s a link", \
                           shown(s), (want) ? "is" : "is not")

static void test_url(void)
{
    static char long_url[PT_URL_WEB_MAX + 2];

    WEB("https://example.org/report?a=1&b=2", 1);
    WEB("http://198.51.100.7:8080/x", 1);
    WEB("HTTPS://EXAMPLE.ORG/", 1);
    WEB("hTtP://example.org", 1);
    WEB("javascript:alert(1)", 0);
    WEB("JaVaScRiPt:alert(1)", 0);
    WEB(" javascript:alert(1)", 0);
    WEB("\tjavascript:alert(1)", 0);
    WEB("\x01javascript:alert(1)", 0);
    WEB("java\tscript:alert(1)", 0);
    WEB("data:text/html,<script>alert(1)</script>", 0);
    WEB("vbscript:msgbox(1)", 0);
    WEB(" https://example.org/", 0);
    WEB("https://example.org/a b", 0);
    WEB("https://example.org/\x7f", 0);
    WEB("https://example.org/\xc3\xa9", 0);
    WEB("https://", 0);
    WEB("https:///etc/passwd", 0);
    WEB("https:\\\\evil.example", 0);
    WEB("http://?x", 0);
    WEB("//example.org/", 0);
    WEB("/relative", 0);
    WEB("", 0);
    WEB(NULL, 0);
    memcpy(long_url, "https://", 8);
    memset(long_url + 8, 'a', sizeof(long_url) - 9);
    long_url[sizeof(long_url) - 1] = '\0';
    WEB(long_url, 0);
    long_url[PT_URL_WEB_MAX] = '\0';
    WEB(long_url, 1);
}

static apr_uint32_t dead_pid;

static int alive(apr_uint32_t pid, void *baton)
{
    (void)baton;
    return pid != dead_pid;
}

static void test_slots(void)
{
    static pt_slots_t t;
    int idx[8], rc, back = -1, i;
    apr_uint32_t tk[8];

    memset(&t, 0, sizeof(t));
    /* two in total, one per owner */
    rc = pt_slots_take(&t, 2, 1, 7, 100, 1, alive, NULL, &idx[0], &tk[0],
                       &back);
    PT_OK(rc == PT_SLOT_TAKEN && back == 0, "the first slot");
    rc = pt_slots_take(&t, 2, 1, 7, 100, 1, alive, NULL, &idx[1], &tk[1],
                       NULL);
    PT_OK(rc == PT_SLOT_OWNER_BUSY, "the owner's second: owner busy");
    rc = pt_slots_take(&t, 2, 1, 8, 101, 1, alive, NULL, &idx[1], &tk[1],
                       NULL);
    PT_OK(rc == PT_SLOT_TAKEN && idx[1] != idx[0], "another owner's");
    rc = pt_slots_take(&t, 2, 1, 9, 101, 1, alive, NULL, &idx[2], &tk[2],
                       NULL);
    PT_OK(rc == PT_SLOT_ALL_BUSY, "a third in all: all busy");
    PT_OK(pt_slots_held(&t, 0) == 2 && pt_slots_held(&t, 7) == 1,
          "two held, one by owner 7");

    /* a release with a stale ticket changes nothing */
    pt_slots_release(&t, idx[0], tk[0] + 1000);
    PT_OK(pt_slots_held(&t, 0) == 2, "a wrong ticket releases nothing");
    pt_slots_release(&t, idx[0], tk[0]);
    PT_OK(pt_slots_held(&t, 7) == 0, "the right one does");
    pt_slots_release(&t, idx[0], tk[0]);
    PT_OK(pt_slots_held(&t, 0) == 1, "twice is harmless");

    /* a dead process's slots come back when the table is next used */
    rc = pt_slots_take(&t, 2, 1, 7, 102, 1, alive, NULL, &idx[0], &tk[0],
                       NULL);
    PT_OK(rc == PT_SLOT_TAKEN, "owner 7 again, in process 102");
    dead_pid = 102;
    rc = pt_slots_take(&t, 2, 1, 9, 103, 1, alive, NULL, &idx[2], &tk[2],
                       &back);
    PT_OK(rc == PT_SLOT_TAKEN && back == 1,
          "process 102 died: its slot is reclaimed");
    PT_OK(pt_slots_held(&t, 7) == 0, "owner 7 holds nothing now");
    dead_pid = 0;
    pt_slots_release(&t, idx[0], tk[0]);
    PT_OK(pt_slots_held(&t, 0) == 2,
          "the dead holding's late release does not free another's slot");

    /* the own process is never asked about, and the total is capped at
     * the table's size */
    memset(&t, 0, sizeof(t));
    dead_pid = 200;
    for (i = 0; i < PT_SLOTS_MAX; i++) {
        int k;
        apr_uint32_t tick;

        rc = pt_slots_take(&t, 1000, 1000, 5, 200, 1, alive, NULL, &k,
                           &tick, NULL);
        if (rc != PT_SLOT_TAKEN) {
            break;
        }
    }
    PT_OK(i == PT_SLOTS_MAX, "the table fills up to %d", PT_SLOTS_MAX);
    rc = pt_slots_take(&t, 1000, 1000, 5, 200, 1, alive, NULL, &idx[3],
                       &tk[3], NULL);
    PT_OK(rc == PT_SLOT_ALL_BUSY, "and no further");
    dead_pid = 0;
}

int main(void)
{
    apr_initialize();
    test_range();
    test_url();
    test_slots();
    apr_terminate();
    return pt_test_done();
}
