/*
 * test_tz.c -- unit tests of pt_tz.c: local time in IANA zones compared
 * with the C library (TZ + tzset + localtime_r, single-threaded, in this
 * test only) over 1900..2100, at every transition of several zones and far
 * in the future; POSIX footer rules (Jn, n, Mm.w.d, negative and >24 h
 * times, DST all year) on hand-made zone files; damaged files; zone-name
 * checks; the 64-zone cache limit; 8 threads sharing one cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "pt_tz.h"
#include "pt_test.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* ------------------------------------------------ the C library's answer */

static char ref_env[512];

/* Make the C library use TZ=tzenv (a zone name, ":/path" or a POSIX TZ
 * string).  Only this single-threaded test may do this. */
static void ref_use(const char *tzenv)
{
    if (strcmp(ref_env, tzenv) != 0) {
        apr_cpystrn(ref_env, tzenv, sizeof(ref_env));
        setenv("TZ", tzenv, 1);
        tzset();
    }
}

static int ref_local(const char *tzenv, apr_int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;

    ref_use(tzenv);
    return localtime_r(&tt, tm) != NULL;
}

/* 1 when pt_tz_local(zone, t) agrees with the C library under TZ=tzenv in
 * every field; otherwise 0 with a description in why. */
static int same_at(pt_tz_cache_t *c, const char *zone, const char *tzenv,
                   apr_int64_t t, char *why, apr_size_t whylen)
{
    apr_time_exp_t e;
    const char *abbr = NULL;
    struct tm tm;
    pt_err_t err = { 0 };
    apr_status_t rv;

    rv = pt_tz_local(c, zone, t, &e, &abbr, &err);
    if (rv != APR_SUCCESS) {
        apr_snprintf(why, whylen, "%s @%" APR_INT64_T_FMT ": error %d %s",
                     zone, t, rv, err.what ? err.what : "");
        return 0;
    }
    if (!ref_local(tzenv, t, &tm)) {
        apr_snprintf(why, whylen, "%s @%" APR_INT64_T_FMT ": libc failed",
                     zone, t);
        return 0;
    }
    if (e.tm_year != tm.tm_year || e.tm_mon != tm.tm_mon
        || e.tm_mday != tm.tm_mday || e.tm_hour != tm.tm_hour
        || e.tm_min != tm.tm_min || e.tm_sec != tm.tm_sec
        || e.tm_wday != tm.tm_wday || e.tm_yday != tm.tm_yday
        || e.tm_isdst != tm.tm_isdst || e.tm_gmtoff != tm.tm_gmtoff
        || strcmp(abbr, tm.tm_zone) != 0 || e.tm_usec != 0) {
        apr_snprintf(why, whylen,
                     "%s @%" APR_INT64_T_FMT ": got %d-%02d-%02d"
                     " %02d:%02d:%02d wd%d yd%d dst%d off%d %s, libc %d-%02d-%02d"
                     " %02d:%02d:%02d wd%d yd%d dst%d off%ld %s",
                     zone, t, e.tm_year + 1900, e.tm_mon + 1, e.tm_mday,
                     e.tm_hour, e.tm_min, e.tm_sec, e.tm_wday, e.tm_yday,
                     e.tm_isdst, e.tm_gmtoff, abbr, tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, tm.tm_wday, tm.tm_yday, tm.tm_isdst,
                     (long)tm.tm_gmtoff, tm.tm_zone);
        return 0;
    }
    return 1;
}

/* Compare n times from..to in steps of step; prints the first mismatches. */
static int compare_range(pt_tz_cache_t *c, const char *zone,
                         const char *tzenv, apr_int64_t from, apr_int64_t to,
                         apr_int64_t step, long *count)
{
    char why[512];
    apr_int64_t t;
    int bad = 0;

    for (t = from; t <= to; t += step) {
        (*count)++;
        if (!same_at(c, zone, tzenv, t, why, sizeof(why))) {
            if (bad++ < 3) {
                printf("# %s\n", why);
            }
        }
    }
    return bad;
}

/* The C library's state at t, for finding transitions. */
static void ref_state(const char *tzenv, apr_int64_t t, long *off, int *dst,
                      char *abbr, apr_size_t alen)
{
    struct tm tm;

    ref_local(tzenv, t, &tm);
    *off = tm.tm_gmtoff;
    *dst = tm.tm_isdst;
    apr_cpystrn(abbr, tm.tm_zone, alen);
}

static int ref_state_differs(const char *tzenv, apr_int64_t a, apr_int64_t b)
{
    long oa, ob;
    int da, db;
    char aa[32], ab[32];

    ref_state(tzenv, a, &oa, &da, aa, sizeof(aa));
    ref_state(tzenv, b, &ob, &db, ab, sizeof(ab));
    return oa != ob || da != db || strcmp(aa, ab) != 0;
}

/* Find every change of offset, DST flag or abbreviation the C library sees
 * in [from, to] (scanning in steps of 6 hours, then bisecting to the
 * second) and compare pt_tz at the change -1 s, 0 s and +1 s. */
static int compare_transitions(pt_tz_cache_t *c, const char *zone,
                               const char *tzenv, apr_int64_t from,
                               apr_int64_t to, int *found)
{
    const apr_int64_t step = 6 * 3600;
    char why[512];
    apr_int64_t a;
    int bad = 0, k;

    *found = 0;
    for (a = from; a + step <= to; a += step) {
        apr_int64_t lo = a, hi = a + step;

        if (!ref_state_differs(tzenv, lo, hi)) {
            continue;
        }
        while (hi - lo > 1) {               /* state(lo) != state(hi) */
            apr_int64_t mid = lo + (hi - lo) / 2;

            if (ref_state_differs(tzenv, lo, mid)) {
                hi = mid;
            }
            else {
                lo = mid;
            }
        }
        (*found)++;
        for (k = -1; k <= 1; k++) {
            if (!same_at(c, zone, tzenv, hi + k, why, sizeof(why))) {
                if (bad++ < 3) {
                    printf("# transition: %s\n", why);
                }
            }
        }
    }
    return bad;
}

#define T_1900 ((apr_int64_t)-2208988800LL)     /* 1900-01-01 00:00 UTC */
#define T_2101 ((apr_int64_t)4133980800LL)      /* 2101-01-01 00:00 UTC */
#define T_2500 ((apr_int64_t)16725225600LL)     /* 2500-01-01 00:00 UTC */

static void test_real_zones(pt_tz_cache_t *c)
{
    static const char *zones[] = {
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
        "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo",
        "Europe/Dublin", "UTC", "America/Nuuk", "Africa/Casablanca",
        "Europe/London", "Asia/Tokyo", "America/St_Johns", NULL
    };
    static const char *scan[] = {
        "Europe/Berlin", "Australia/Lord_Howe", "Europe/Dublin",
        "Pacific/Chatham", "America/Sao_Paulo", "America/New_York",
        "America/Nuuk", NULL
    };
    static const apr_int64_t far[] = {
        (apr_int64_t)1 << 31, ((apr_int64_t)1 << 31) - 1,
        ((apr_int64_t)1 << 32) + 12345, (apr_int64_t)1 << 35,
        (apr_int64_t)1 << 40, ((apr_int64_t)1 << 44) + 86399,
        -((apr_int64_t)1 << 31), -((apr_int64_t)1 << 31) - 1,
        -((apr_int64_t)1 << 35), 0, -1, 1
    };
    int i, k;

    for (i = 0; zones[i]; i++) {
        long count = 0;
        int bad;

        /* 1900..2100 every 3 days and a bit (all times of day) */
        bad = compare_range(c, zones[i], zones[i], T_1900, T_2101,
                            3 * 86400 + 3607, &count);
        /* 2100..2500 from the footer, every 10 days and a bit */
        bad += compare_range(c, zones[i], zones[i], T_2101, T_2500,
                             10 * 86400 + 1801, &count);
        for (k = 0; k < (int)(sizeof(far) / sizeof(far[0])); k++) {
            char why[512];

            count++;
            if (!same_at(c, zones[i], zones[i], far[k], why, sizeof(why))) {
                if (bad++ < 3) {
                    printf("# far: %s\n", why);
                }
            }
        }
        PT_OK(bad == 0, "%s agrees with libc at %ld times 1900..2500 and "
              "far out (%d differ)", zones[i], count, bad);
    }

    for (i = 0; scan[i]; i++) {
        int found = 0, bad;

        bad = compare_transitions(c, scan[i], scan[i], T_1900, T_2101,
                                  &found);
        PT_OK(bad == 0 && found > 4, "%s: all %d changes 1900..2100 agree "
              "at -1/0/+1 s (%d differ)", scan[i], found, bad);
    }
}

/* Exact values, whatever the C library says. */
static void test_known(pt_tz_cache_t *c, apr_pool_t *p)
{
    apr_time_exp_t e;
    const char *abbr = NULL;
    pt_err_t err = { 0 };
    apr_status_t rv;

    /* 2026-11-23 20:15:00 UTC */
    PT_IS_STR(pt_tz_format(c, p, "Europe/Berlin", 1795464900),
              "2026-11-23 21:15 CET", "format in Europe/Berlin (winter)");
    PT_IS_STR(pt_tz_format(c, p, NULL, 1795464900),
              "2026-11-23 20:15 UTC", "format with no zone is UTC");
    PT_IS_STR(pt_tz_format(c, p, "Nope/Zone", 1795464900),
              "2026-11-23 20:15 UTC", "format with an unknown zone is UTC");
    PT_IS_STR(pt_tz_format(NULL, p, "Europe/Berlin", 1795464900),
              "2026-11-23 20:15 UTC", "format without a cache is UTC");
    PT_IS_STR(pt_tz_format(c, p, "Asia/Kolkata", 1795464900),
              "2026-11-24 01:45 IST", "format in Asia/Kolkata");
    PT_IS_STR(pt_tz_format(c, p, "Pacific/Chatham", 1795464900),
              "2026-11-24 10:00 +1345", "format in Pacific/Chatham (DST)");
    PT_IS_STR(pt_tz_format(c, p, "America/Sao_Paulo", 1795464900),
              "2026-11-23 17:15 -03", "format in America/Sao_Paulo");
    /* 2026-07-01 12:00:00 UTC */
    PT_IS_STR(pt_tz_format(c, p, "Europe/Berlin", 1782907200),
              "2026-07-01 14:00 CEST", "format in Europe/Berlin (summer)");
    PT_IS_STR(pt_tz_format(c, p, "Australia/Lord_Howe", 1782907200),
              "2026-07-01 22:30 +1030", "format in Lord Howe (winter)");
    PT_IS_STR(pt_tz_format(c, p, "Europe/Dublin", 1782907200),
              "2026-07-01 13:00 IST", "format in Europe/Dublin (summer)");
    PT_IS_STR(pt_tz_format(c, p, "UTC", -2208988800LL),
              "1900-01-01 00:00 UTC", "format of 1900 in UTC");
    PT_IS_STR(pt_tz_format(c, p, "UTC", (apr_int64_t)1 << 60),
              "@1152921504606846976", "format of an absurd time");

    /* Berlin 2026-03-29 01:00:00 UTC: CET -> CEST */
    rv = pt_tz_local(c, "Europe/Berlin", 1774745999, &e, &abbr, &err);
    PT_OK(rv == APR_SUCCESS && e.tm_hour == 1 && e.tm_min == 59
          && e.tm_sec == 59 && !e.tm_isdst && e.tm_gmtoff == 3600
          && !strcmp(abbr, "CET"),
          "Berlin 1 s before summer time: 01:59:59 CET");
    rv = pt_tz_local(c, "Europe/Berlin", 1774746000, &e, &abbr, &err);
    PT_OK(rv == APR_SUCCESS && e.tm_hour == 3 && e.tm_min == 0
          && e.tm_sec == 0 && e.tm_isdst && e.tm_gmtoff == 7200
          && !strcmp(abbr, "CEST") && e.tm_mday == 29 && e.tm_mon == 2
          && e.tm_year == 126 && e.tm_wday == 0 && e.tm_yday == 87,
          "Berlin at summer time: Sunday 2026-03-29 03:00:00 CEST");
    /* Dublin: winter is the "DST" type in tzdata's main form */
    rv = pt_tz_local(c, "Europe/Dublin", 1795464900, &e, &abbr, &err);
    PT_OK(rv == APR_SUCCESS && e.tm_gmtoff == 0 && !strcmp(abbr, "GMT"),
          "Dublin in winter: GMT, offset 0 (isdst %d)", (int)e.tm_isdst);
    /* year 2200 from the footer: 2200-07-01 00:00 UTC */
    rv = pt_tz_local(c, "America/New_York", 7273756800LL, &e, &abbr, &err);
    PT_OK(rv == APR_SUCCESS && e.tm_gmtoff == -4 * 3600 && e.tm_isdst
          && !strcmp(abbr, "EDT") && e.tm_year == 300 && e.tm_mon == 5
          && e.tm_mday == 30 && e.tm_hour == 20,
          "New York 2200-07-01 00:00 UTC is 2200-06-30 20:00 EDT");
    rv = pt_tz_local(c, "UTC", (apr_int64_t)1 << 54, &e, &abbr, &err);
    PT_OK(rv == APR_EINVAL && err.what && strstr(err.what, "range"),
          "a time past 2^53 s is APR_EINVAL: %s", err.what);
}

static void test_names(pt_tz_cache_t *c)
{
    static const char *bad[] = {
        "../etc/passwd", "/etc/passwd", "", "Nope/Zone", "Europe",
        "Europe/../Europe/Berlin", "Europe//Berlin", "Europe/Berlin/",
        "Europe/Berlin\n", "Europe/Berlin ", "zone1970.tab", "Europe\\Berlin",
        "..", "Europe/Berlin%00", "tzdata.zi", "leapseconds",
        "right/Europe/Berlin", NULL
    };
    char longname[200];
    apr_time_exp_t e;
    const char *abbr;
    pt_err_t err;
    int i, all = 1;

    for (i = 0; bad[i]; i++) {
        apr_status_t rv;

        memset(&err, 0, sizeof(err));
        rv = pt_tz_local(c, bad[i], 0, &e, &abbr, &err);
        if (rv != APR_ENOENT || !err.what) {
            printf("# '%s' gave %d\n", bad[i], rv);
            all = 0;
        }
    }
    PT_OK(all, "invalid and unknown zone names are APR_ENOENT with a message");

    memset(&err, 0, sizeof(err));
    PT_OK(pt_tz_local(c, NULL, 0, &e, &abbr, &err) == APR_ENOENT,
          "NULL zone is APR_ENOENT");
    PT_IS_STR(err.what, "invalid time zone name",
              "... 'invalid time zone name'");
    memset(&err, 0, sizeof(err));
    pt_tz_local(c, "../etc/passwd", 0, &e, &abbr, &err);
    PT_IS_STR(err.what, "invalid time zone name", "../etc/passwd is invalid");
    PT_OK(err.where == NULL, "... and not echoed in err.where");
    memset(&err, 0, sizeof(err));
    pt_tz_local(c, "Nope/Zone", 0, &e, &abbr, &err);
    PT_IS_STR(err.what, "unknown time zone", "Nope/Zone is unknown");
    PT_IS_STR(err.where, "Nope/Zone", "... err.where names it");
    memset(&err, 0, sizeof(err));
    pt_tz_local(c, "right/UTC", 0, &e, &abbr, &err);
    PT_OK(err.what && strstr(err.what, "leap-second"),
          "right/UTC is refused: %s", err.what);

    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    PT_OK(!pt_tz_name_valid(longname), "a 199-character name is invalid");
    PT_OK(pt_tz_name_valid("America/Argentina/Buenos_Aires")
          && pt_tz_name_valid("Etc/GMT+5") && pt_tz_name_valid("Etc/GMT-14")
          && pt_tz_name_valid("UTC"), "real zone names are valid");
    PT_OK(!pt_tz_name_valid("a/./b") && !pt_tz_name_valid("a/b/")
          && !pt_tz_name_valid("a b"), "'.', trailing '/' and spaces are not");
}

/* ------------------------------------------------ hand-made zone files */

typedef struct mk_type_t {
    long utoff;
    int isdst;
    const char *abbr;
} mk_type_t;

static void put32(unsigned char *b, apr_uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Append header + data block with tsize-byte times to buf at *n. */
static void mk_block(unsigned char *buf, apr_size_t *n, int version,
                     int tsize, int ntrans, const apr_int64_t *trans,
                     const unsigned char *idx, int ntypes,
                     const mk_type_t *types, int leapcnt)
{
    unsigned char *h = buf + *n;
    char chars[256];
    apr_size_t clen = 0, aoff[16];
    int i;

    for (i = 0; i < ntypes; i++) {
        aoff[i] = clen;
        memcpy(chars + clen, types[i].abbr, strlen(types[i].abbr) + 1);
        clen += strlen(types[i].abbr) + 1;
    }
    memset(h, 0, 44);
    memcpy(h, "TZif", 4);
    h[4] = (unsigned char)version;
    put32(h + 28, (apr_uint32_t)leapcnt);
    put32(h + 32, (apr_uint32_t)ntrans);
    put32(h + 36, (apr_uint32_t)ntypes);
    put32(h + 40, (apr_uint32_t)clen);
    *n += 44;
    for (i = 0; i < ntrans; i++) {
        if (tsize == 8) {
            put32(buf + *n, (apr_uint32_t)((apr_uint64_t)trans[i] >> 32));
            put32(buf + *n + 4, (apr_uint32_t)trans[i]);
        }
        else {
            put32(buf + *n, (apr_uint32_t)trans[i]);
        }
        *n += (apr_size_t)tsize;
    }
    for (i = 0; i < ntrans; i++) {
        buf[(*n)++] = idx[i];
    }
    for (i = 0; i < ntypes; i++) {
        put32(buf + *n, (apr_uint32_t)types[i].utoff);
        buf[*n + 4] = (unsigned char)types[i].isdst;
        buf[*n + 5] = (unsigned char)aoff[i];
        *n += 6;
    }
    memcpy(buf + *n, chars, clen);
    *n += clen;
    for (i = 0; i < leapcnt; i++) {
        memset(buf + *n, 0, (apr_size_t)tsize + 4);
        *n += (apr_size_t)tsize + 4;
    }
}

static void write_file(apr_pool_t *p, const char *dir, const char *name,
                       const void *buf, apr_size_t n)
{
    const char *path = apr_pstrcat(p, dir, "/", name, NULL);
    char *slash = strrchr(path, '/');
    char *parent = apr_pstrmemdup(p, path, (apr_size_t)(slash - path));
    apr_file_t *f;

    apr_dir_make_recursive(parent, APR_FPROT_OS_DEFAULT, p);
    if (apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p)) {
        printf("# cannot write %s\n", path);
        return;
    }
    apr_file_write_full(f, buf, n, NULL);
    apr_file_close(f);
}

/* A version-2 zone file: a v1 block with the same data (times that fit
 * 32 bits), the 64-bit block, the footer. */
static void write_v2(apr_pool_t *p, const char *dir, const char *name,
                     int ntrans, const apr_int64_t *trans,
                     const unsigned char *idx, int ntypes,
                     const mk_type_t *types, const char *footer)
{
    unsigned char buf[4096];
    apr_size_t n = 0;

    mk_block(buf, &n, '2', 4, ntrans, trans, idx, ntypes, types, 0);
    mk_block(buf, &n, '2', 8, ntrans, trans, idx, ntypes, types, 0);
    buf[n++] = '\n';
    memcpy(buf + n, footer, strlen(footer));
    n += strlen(footer);
    buf[n++] = '\n';
    write_file(p, dir, name, buf, n);
}

#define T_1971 ((apr_int64_t)31536000LL)        /* 1971-01-01 00:00 UTC */

/* Footer rules compared with the C library reading the same POSIX TZ
 * string.  glibc counts rule dates from 1970 for earlier years and only
 * looks at the UTC year of t, so rules whose changes cross New Year in UTC
 * are checked by hand in test_footer_new_year instead. */
static void test_footers(pt_tz_cache_t *c, apr_pool_t *p, const char *dir)
{
    static const char *footers[] = {
        "XXX3YYY,J60/2,300/3",              /* Jn and zero-based n */
        "<-03>3<-02>,J59/2,J365/1",         /* J365 in leap years too */
        "AAA-5BBB-6,0/7,365/1",             /* n = 0; 365 = next Jan 1 */
        "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",  /* America/Nuuk since 2023 */
        "<+13>-13<+14>,M9.5.0/-167,M4.1.0/167",  /* +-167 h, southern */
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        "IST-1GMT0,M10.5.0,M3.5.0/1",       /* negative DST */
        "EST5EDT,M3.2.0/2:00:00,M11.1.0/2:00:00",
        "<+0545>-5:45",
        "NZST-12NZDT-13,M9.5.0/2:45,M4.1.0/3:45",
        "ABC+3:30:15DEF+2:00:15,M2.1.6/0:30,M11.5.3/23:59:59",
        "<-00>0",
        NULL
    };
    static const mk_type_t one[] = { { 0, 0, "LMT" } };
    int i;

    for (i = 0; footers[i]; i++) {
        const char *name = apr_psprintf(p, "Footer/F%d", i);
        long count = 0;
        int bad, found = 0;

        write_v2(p, dir, name, 0, NULL, NULL, 1, one, footers[i]);
        bad = compare_range(c, name, footers[i], T_1971, T_2101,
                            2 * 86400 + 7207, &count);
        bad += compare_transitions(c, name, footers[i], 946684800LL,
                                   1893456000LL, &found);
        PT_OK(bad == 0 && (found >= 60 || !strchr(footers[i], ',')),
              "footer '%s' agrees with libc at %ld times and %d changes "
              "2000..2030 (%d differ)", footers[i], count, found, bad);
    }
}

/* Expect zone at t to be local hh:mm:ss with offset off, DST flag, abbr. */
static int at_is(pt_tz_cache_t *c, const char *zone, apr_int64_t t,
                 int mday, int hh, int mm, int ss, long off, int dst,
                 const char *abbr)
{
    apr_time_exp_t e;
    const char *a = NULL;

    if (pt_tz_local(c, zone, t, &e, &a, NULL) != APR_SUCCESS) {
        return 0;
    }
    if (e.tm_mday != mday || e.tm_hour != hh || e.tm_min != mm
        || e.tm_sec != ss || e.tm_gmtoff != off || e.tm_isdst != dst
        || strcmp(a, abbr) != 0) {
        printf("# %s @%" APR_INT64_T_FMT ": day %d %02d:%02d:%02d off %d "
               "dst %d %s\n", zone, t, e.tm_mday, e.tm_hour, e.tm_min,
               e.tm_sec, e.tm_gmtoff, e.tm_isdst, a);
        return 0;
    }
    return 1;
}

/* Rules whose changes fall around New Year, by hand (see above). */
static void test_footer_new_year(pt_tz_cache_t *c, apr_pool_t *p,
                                 const char *dir)
{
    static const mk_type_t one[] = { { 0, 0, "LMT" } };
    const apr_int64_t ny2001 = 978307200LL;     /* 2001-01-01 00:00 UTC */
    apr_int64_t t;
    int all = 1;

    /* DST from Jan 1 00:00 (-03) to Dec 31 23:00 (-02) = Jan 1 01:00 UTC */
    write_v2(p, dir, "NewYear/A", 0, NULL, NULL, 1, one,
             "<-03>3<-02>,J1/0,J365/23");
    PT_OK(at_is(c, "NewYear/A", ny2001 - 1, 31, 21, 59, 59, -7200, 1, "-02"),
          "J365/23: 2000-12-31 21:59:59 -02 (DST of 2000 still on)");
    PT_OK(at_is(c, "NewYear/A", ny2001 + 3599, 31, 22, 59, 59, -7200, 1,
                "-02"), "J365/23: 22:59:59 -02, 1 s before it ends");
    PT_OK(at_is(c, "NewYear/A", ny2001 + 3600, 31, 22, 0, 0, -10800, 0,
                "-03"), "J365/23: back to 22:00:00 -03");
    PT_OK(at_is(c, "NewYear/A", ny2001 + 3 * 3600 - 1, 31, 23, 59, 59,
                -10800, 0, "-03"), "J1/0: 23:59:59 -03, 1 s before DST");
    PT_OK(at_is(c, "NewYear/A", ny2001 + 3 * 3600, 1, 1, 0, 0, -7200, 1,
                "-02"), "J1/0: 2001-01-01 01:00:00 -02");

    /* DST all year: "J1/0,J365/25" ends exactly when the next one starts */
    write_v2(p, dir, "NewYear/B", 0, NULL, NULL, 1, one,
             "WART4WARST,J1/0,J365/25");
    for (t = 0; t < 20000; t++) {
        apr_time_exp_t e;
        const char *a = NULL;
        /* every 3 days and a bit, then 1 s around each Jan 1 04:00 UTC */
        apr_int64_t at = t < 16000
                         ? T_1971 + t * (86400 * 3 + 3607)
                         : 946684800LL + 4 * 3600 + (t % 3 - 1)
                           + ((t - 16000) / 3) * 86400LL * 365;

        if (pt_tz_local(c, "NewYear/B", at, &e, &a, NULL) != APR_SUCCESS
            || !e.tm_isdst || e.tm_gmtoff != -3 * 3600
            || strcmp(a, "WARST")) {
            if (all) {
                printf("# NewYear/B @%" APR_INT64_T_FMT ": dst %d off %d\n",
                       at, e.tm_isdst, e.tm_gmtoff);
            }
            all = 0;
        }
    }
    PT_OK(all, "'WART4WARST,J1/0,J365/25' is DST all the time, "
          "New Year included");
}

/* A version-1 file, and a v2 file whose footer takes over after the last
 * transition, both compared with the C library reading the same file. */
static void test_files(pt_tz_cache_t *c, apr_pool_t *p, const char *dir)
{
    static const apr_int64_t trans[] = {
        -2147483648LL, -1000000000LL, 0, 86400 * 100, 1000000000LL,
        2000000000LL
    };
    static const unsigned char idx[] = { 1, 2, 1, 3, 2, 1 };
    static const mk_type_t types[] = {
        { 3208, 0, "LMT" }, { 3600, 0, "AAA" }, { 7200, 1, "AAS" },
        { -1800, 0, "<-0030>" }
    };
    unsigned char buf[4096];
    apr_size_t n = 0;
    const char *path;
    long count = 0;
    int bad, found;

    mk_block(buf, &n, 0, 4, 6, trans, idx, 4, types, 0);
    write_file(p, dir, "Test/V1", buf, n);
    path = apr_pstrcat(p, ":", dir, "/Test/V1", NULL);
    bad = compare_range(c, "Test/V1", path, -2200000000LL, 2200000000LL,
                        86400 * 7 + 13, &count);
    bad += compare_transitions(c, "Test/V1", path, -2200000000LL,
                               2200000000LL, &found);
    PT_OK(bad == 0 && found == 6, "version-1 file agrees with libc (%ld "
          "times, %d changes, %d differ)", count, found, bad);

    write_v2(p, dir, "Test/V2", 6, trans, idx, 4, types,
             "AAA-1AAS,M3.5.0,M10.5.0/3");
    path = apr_pstrcat(p, ":", dir, "/Test/V2", NULL);
    count = 0;
    bad = compare_range(c, "Test/V2", path, -2200000000LL, 4200000000LL,
                        86400 * 7 + 13, &count);
    bad += compare_transitions(c, "Test/V2", path, 1900000000LL,
                               2200000000LL, &found);
    PT_OK(bad == 0 && found > 10, "version-2 file with footer agrees with "
          "libc (%ld times, %d changes, %d differ)", count, found, bad);
}

static void test_damaged(pt_tz_cache_t *c, apr_pool_t *p, const char *dir)
{
    static const mk_type_t one[] = { { 3600, 0, "ABC" } };
    static const mk_type_t badoff[] = { { 200000, 0, "ABC" } };
    static const apr_int64_t t2[] = { 100, 50 };
    static const unsigned char i2[] = { 0, 0 };
    static const unsigned char i1[] = { 3 };
    char *berlin = NULL;
    apr_size_t blen = 0;
    unsigned char buf[4096];
    apr_size_t n;
    apr_time_exp_t e;
    const char *abbr;
    pt_err_t err;
    apr_status_t rv;
    apr_file_t *f;
    apr_finfo_t fi;
    int i;

    if (apr_file_open(&f, ZONEINFO "/Europe/Berlin", APR_FOPEN_READ,
                      APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS
        && apr_file_info_get(&fi, APR_FINFO_SIZE, f) == APR_SUCCESS) {
        blen = (apr_size_t)fi.size;
        berlin = apr_palloc(p, blen);
        apr_file_read_full(f, berlin, blen, NULL);
        apr_file_close(f);
    }
    PT_OK(berlin && blen > 1000, "read Europe/Berlin (%lu bytes)",
          (unsigned long)blen);
    if (!berlin) {
        return;
    }

    /* every truncation of a real file is refused, never misread */
    {
        int all = 1;

        for (i = 0; i < (int)blen; i += (i < 60 ? 1 : 37)) {
            const char *name = apr_psprintf(p, "Cut/B%d", i);

            write_file(p, dir, name, berlin, (apr_size_t)i);
            memset(&err, 0, sizeof(err));
            rv = pt_tz_local(c, name, 0, &e, &abbr, &err);
            if (rv == APR_SUCCESS || !err.what) {
                printf("# %d bytes: %d\n", i, rv);
                all = 0;
            }
        }
        PT_OK(all, "every truncated copy of Europe/Berlin is refused");
    }
    write_file(p, dir, "Cut/Half", berlin, blen / 2);
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Cut/Half", 0, &e, &abbr, &err);
    PT_OK(rv == APR_EGENERAL, "half a zone file is APR_EGENERAL");
    PT_IS_STR(err.what, "damaged zone file (truncated)", "... 'truncated'");
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Cut/B2", 0, &e, &abbr, &err);
    PT_OK(rv == APR_ENOENT, "2-byte file is APR_ENOENT (not a zone file)");
    PT_IS_STR(err.what, "not a zone file", "... 'not a zone file'");

    write_file(p, dir, "Bad/Text", "Europe/Berlin\n", 14);
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/Text", 0, &e, &abbr, &err);
    PT_OK(rv == APR_ENOENT && !strcmp(err.what, "not a zone file"),
          "a text file is not a zone file");

    write_v2(p, dir, "Bad/Footer", 0, NULL, NULL, 1, one, "CET-1CEST,M3.5.0");
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/Footer", 0, &e, &abbr, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "footer"),
          "bad footer TZ string is refused: %s", err.what);

    write_v2(p, dir, "Bad/Order", 2, t2, i2, 1, one, "ABC-1");
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/Order", 0, &e, &abbr, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "order"),
          "transitions out of order are refused: %s", err.what);

    write_v2(p, dir, "Bad/Index", 1, t2, i1, 1, one, "ABC-1");
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/Index", 0, &e, &abbr, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "type index"),
          "a bad type index is refused: %s", err.what);

    write_v2(p, dir, "Bad/Offset", 0, NULL, NULL, 1, badoff, "ABC-1");
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/Offset", 0, &e, &abbr, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "time type"),
          "an offset of 55 hours is refused: %s", err.what);

    n = 0;
    mk_block(buf, &n, '2', 4, 0, NULL, NULL, 1, one, 0);
    mk_block(buf, &n, '2', 8, 0, NULL, NULL, 1, one, 0);
    write_file(p, dir, "Bad/NoFooter", buf, n);
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/NoFooter", 0, &e, &abbr, &err);
    PT_OK(rv == APR_EGENERAL && strstr(err.what, "footer"),
          "v2 file without footer is refused: %s", err.what);

    n = 0;
    mk_block(buf, &n, '2', 4, 0, NULL, NULL, 1, one, 0);
    mk_block(buf, &n, '2', 8, 0, NULL, NULL, 1, one, 2);
    memcpy(buf + n, "\nABC-1\n", 7);
    write_file(p, dir, "Bad/Leap", buf, n + 7);
    memset(&err, 0, sizeof(err));
    rv = pt_tz_local(c, "Bad/Leap", 0, &e, &abbr, &err);
    PT_OK(rv == APR_ENOENT && strstr(err.what, "leap"),
          "file with leap seconds is refused: %s", err.what);

    /* a good file after all those: the cache still works */
    write_v2(p, dir, "Good/Fixed", 0, NULL, NULL, 1, one, "ABC-1");
    rv = pt_tz_local(c, "Good/Fixed", 3600, &e, &abbr, &err);
    PT_OK(rv == APR_SUCCESS && e.tm_hour == 2 && !strcmp(abbr, "ABC")
          && e.tm_gmtoff == 3600, "hand-made fixed zone: 02:00 ABC");
}

/* At most 64 zones are kept: zones read while the cache is full are read
 * again on every call, so a changed file shows for them only. */
static void test_limit(apr_pool_t *p, const char *dir)
{
    pt_tz_cache_t *c;
    apr_time_exp_t e;
    const char *abbr;
    int i, pass, ok_first = 1, kept = 0, reread = 0;

    pt_tz_cache_create(p, dir, &c);
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < PT_TZ_MAX_ZONES + 6; i++) {
            const char *name = apr_psprintf(p, "Limit/Z%02d", i);
            mk_type_t ty = { 60L * (i + 1) + (pass ? 7200 : 0), 0, "XYZ" };
            const char *footer = apr_psprintf(p, "<XYZ>-%d:%02d",
                                              (int)(ty.utoff / 3600),
                                              (int)(ty.utoff / 60 % 60));

            write_v2(p, dir, name, 0, NULL, NULL, 1, &ty, footer);
            if (pass == 0) {
                if (pt_tz_local(c, name, 0, &e, &abbr, NULL) != APR_SUCCESS
                    || e.tm_gmtoff != ty.utoff) {
                    ok_first = 0;
                }
            }
        }
    }
    for (i = 0; i < PT_TZ_MAX_ZONES + 6; i++) {
        const char *name = apr_psprintf(p, "Limit/Z%02d", i);

        if (pt_tz_local(c, name, 0, &e, &abbr, NULL) != APR_SUCCESS) {
            continue;
        }
        if (e.tm_gmtoff == 60L * (i + 1)) {
            kept++;
        }
        else if (e.tm_gmtoff == 60L * (i + 1) + 7200
                 && !strcmp(abbr, "XYZ")) {
            reread++;
        }
    }
    PT_OK(ok_first, "70 zones all answer correctly");
    PT_OK(kept == PT_TZ_MAX_ZONES && reread == 6, "first %d zones are kept "
          "(%d), the other 6 are read per call (%d)", PT_TZ_MAX_ZONES, kept,
          reread);
}

/* ------------------------------------------------ threads */

#define NTHREADS 8
#define NZONES_MAX 400
#define NTIMES 6

typedef struct expect_t {
    const char *zone;
    long gmtoff[NTIMES];
    int hour[NTIMES], isdst[NTIMES];
    char abbr[NTIMES][16];
} expect_t;

static const apr_int64_t thread_times[NTIMES] = {
    -1500000000LL, 0, 1000000000LL, 1774746000LL, 1795464900LL,
    5000000000LL
};

typedef struct hammer_t {
    pt_tz_cache_t *c;
    expect_t *ex;
    int nex;
    int seed;
    int bad;
    long calls;
} hammer_t;

static void *APR_THREAD_FUNC hammer(apr_thread_t *th, void *arg)
{
    hammer_t *h = arg;
    int round, i, k;

    for (round = 0; round < 4; round++) {
        for (i = 0; i < h->nex; i++) {
            /* each thread walks the zones in its own order */
            expect_t *x = &h->ex[(i * 7 + h->seed * 31 + round) % h->nex];

            for (k = 0; k < NTIMES; k++) {
                apr_time_exp_t e;
                const char *abbr = NULL;

                h->calls++;
                if (pt_tz_local(h->c, x->zone, thread_times[k], &e, &abbr,
                                NULL) != APR_SUCCESS
                    || e.tm_gmtoff != x->gmtoff[k] || e.tm_hour != x->hour[k]
                    || e.tm_isdst != x->isdst[k] || strcmp(abbr, x->abbr[k])) {
                    h->bad++;
                }
            }
        }
    }
    /* a plain return, not apr_thread_exit(): its pthread_exit unwinding
     * upsets AddressSanitizer's thread teardown */
    return NULL;
}

static void test_threads(apr_pool_t *p)
{
    pt_tz_cache_t *c;
    expect_t *ex = apr_pcalloc(p, sizeof(*ex) * NZONES_MAX);
    hammer_t h[NTHREADS];
    apr_thread_t *th[NTHREADS];
    apr_file_t *f;
    char line[512];
    int nex = 0, i, k, bad = 0, started = 1;
    long calls = 0;

    /* every zone of zone1970.tab: far more than the cache keeps */
    if (apr_file_open(&f, ZONEINFO "/zone1970.tab", APR_FOPEN_READ,
                      APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS) {
        while (nex < NZONES_MAX
               && apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
            char *tab1, *tab2, *end;

            if (line[0] == '#') {
                continue;
            }
            tab1 = strchr(line, '\t');
            tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
            if (!tab2) {
                continue;
            }
            end = tab2 + 1 + strcspn(tab2 + 1, "\t\n");
            ex[nex++].zone = apr_pstrmemdup(p, tab2 + 1,
                                            (apr_size_t)(end - tab2 - 1));
        }
        apr_file_close(f);
    }
    PT_OK(nex > 2 * PT_TZ_MAX_ZONES, "zone1970.tab lists %d zones", nex);
    for (i = 0; i < nex; i++) {
        for (k = 0; k < NTIMES; k++) {
            struct tm tm;

            ref_local(ex[i].zone, thread_times[k], &tm);
            ex[i].gmtoff[k] = tm.tm_gmtoff;
            ex[i].hour[k] = tm.tm_hour;
            ex[i].isdst[k] = tm.tm_isdst;
            apr_cpystrn(ex[i].abbr[k], tm.tm_zone, sizeof(ex[i].abbr[k]));
        }
    }

    pt_tz_cache_create(p, NULL, &c);
    for (i = 0; i < NTHREADS; i++) {
        h[i].c = c;
        h[i].ex = ex;
        h[i].nex = nex;
        h[i].seed = i;
        h[i].bad = 0;
        h[i].calls = 0;
        if (apr_thread_create(&th[i], NULL, hammer, &h[i], p)) {
            started = 0;
            th[i] = NULL;
        }
    }
    for (i = 0; i < NTHREADS; i++) {
        apr_status_t trv;

        if (th[i]) {
            apr_thread_join(&trv, th[i]);
        }
        bad += h[i].bad;
        calls += h[i].calls;
    }
    PT_OK(started, "%d threads started", NTHREADS);
    PT_OK(bad == 0 && calls == 4L * NTIMES * nex * NTHREADS,
          "%d threads share one cache: %ld calls over %d zones agree with "
          "libc (%d differ)", NTHREADS, calls, nex, bad);
}

/* rm -r dir (the test's own temporary folder). */
static void remove_tree(apr_pool_t *p, const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *path;

        if (!strcmp(fi.name, ".") || !strcmp(fi.name, "..")) {
            continue;
        }
        path = apr_pstrcat(p, dir, "/", fi.name, NULL);
        if (fi.filetype == APR_DIR) {
            remove_tree(p, path);
        }
        else {
            apr_file_remove(path, p);
        }
    }
    apr_dir_close(d);
    apr_dir_remove(dir, p);
}

int main(void)
{
    apr_pool_t *p;
    pt_tz_cache_t *c, *fc;
    char tmpl[] = "/tmp/pt-tz-test.XXXXXX";
    const char *dir;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);

    dir = mkdtemp(tmpl);
    PT_OK(dir != NULL, "temporary zoneinfo folder");
    if (!dir) {
        return pt_test_done();
    }
    PT_OK(pt_tz_cache_create(p, NULL, &c) == APR_SUCCESS, "cache created");
    PT_OK(pt_tz_cache_create(p, dir, &fc) == APR_SUCCESS,
          "cache on a folder of hand-made files created");

    test_known(c, p);
    test_names(c);
    test_real_zones(c);
    test_footers(fc, p, dir);
    test_footer_new_year(fc, p, dir);
    test_files(fc, p, dir);
    test_damaged(fc, p, dir);
    test_limit(p, dir);
    test_threads(p);

    remove_tree(p, dir);
    apr_pool_destroy(p);
    return pt_test_done();
}
