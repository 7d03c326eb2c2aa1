/*
 * pt_tz.c -- IANA time zones without TZ/tzset: a TZif reader, the POSIX TZ
 * rule evaluator for the file's footer, and a thread-safe zone cache.
 *
 * Formats (RFC 8536, tzfile(5)): a version 1 file has one data block with
 * 32-bit times; versions 2 and later repeat header and data with 64-bit
 * times and end with "\n<POSIX TZ string>\n", which gives local time after
 * the last transition.  Before the first transition, time type 0 applies.
 *
 * Memory: a zone is read and parsed in a private unmanaged pool; when the
 * cache has room it is copied into the cache's pool (which has an allocator
 * of its own and is only touched under the cache mutex), otherwise it is
 * used for the one call and thrown away.  Parsed zones are never changed
 * after they are published, so readers only hold the mutex for the lookup.
 * See pt_tz.h for the contracts.
 *
 * Longer than the ~600 lines of the norm: a TZif reader and the POSIX rule
 * evaluator of its footer are one format (RFC 8536).
 */
#include <string.h>

#include <apr_allocator.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "pt_tz.h"

#define TZ_FILE_MAX     (256 * 1024)    /* real zone files are < 10 KiB */
#define TZ_ABBR_MAX     15              /* longest abbreviation kept */
#define TZ_FOOTER_MAX   128             /* longest footer TZ string */
#define TZ_UTOFF_MAX    (26 * 3600)     /* |UT offset| of any sane zone */
#define TZ_T_MAX        ((apr_int64_t)1 << 53)
#define TZ_ABBRS_MAX    256             /* interned abbreviations */
#define SECS_PER_DAY    86400

/* One local-time type: offset, DST flag, abbreviation. */
typedef struct tz_type_t {
    apr_int32_t utoff;              /* seconds east of UTC */
    int isdst;
    char abbr[TZ_ABBR_MAX + 1];
} tz_type_t;

/* The date and time of a POSIX TZ rule: Jn, n or Mm.w.d, then /time. */
typedef struct tz_rule_t {
    char kind;                      /* 'J', 'N' (plain n) or 'M' */
    int day;                        /* J: 1..365, N: 0..365, M: 0..6 */
    int week;                       /* M: 1..5 (5 = last) */
    int month;                      /* M: 1..12 */
    apr_int32_t secs;               /* local time of day, +-167 h */
} tz_rule_t;

/* A parsed POSIX TZ string. */
typedef struct tz_footer_t {
    int present;                    /* 0: none, or empty */
    int has_dst;
    tz_type_t std, dst;
    tz_rule_t start, end;           /* start of DST, end of DST */
} tz_footer_t;

typedef struct tz_zone_t {
    const char *name;
    int ntrans;
    apr_int64_t *trans;             /* strictly ascending */
    unsigned char *trans_type;      /* index into types */
    int ntypes;
    tz_type_t *types;
    tz_footer_t footer;
} tz_zone_t;

struct pt_tz_cache_t {
    apr_pool_t *pool;               /* own allocator, used under mutex */
    apr_thread_mutex_t *mutex;
    const char *dir;
    apr_hash_t *zones;              /* name -> tz_zone_t *, <= 64 entries */
    apr_hash_t *abbrs;              /* interned abbreviations */
};

/* Fill err with static text (no pool: the cache must not grow on errors). */
static apr_status_t tz_fail(pt_err_t *err, apr_status_t rv,
                            const char *where, const char *what)
{
    if (err) {
        err->what = what;
        err->where = where;
        err->line = 0;
    }
    return rv;
}

/* ------------------------------------------------------------ calendar */

static apr_int64_t floor_div(apr_int64_t a, apr_int64_t b)
{
    apr_int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

static int is_leap(apr_int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(apr_int64_t y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };

    return days[m - 1] + (m == 2 && is_leap(y));
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
 * Counts from March so that the leap day ends a year; 400-year eras of
 * 146097 days. */
static apr_int64_t days_from_civil(apr_int64_t y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    if (m <= 2) {
        y--;
    }
    era = floor_div(y, 400);
    yoe = y - era * 400;                                /* 0..399 */
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(apr_int64_t z, apr_int64_t *y, int *m, int *d)
{
    apr_int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;                             /* 0..146096 */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* ..399 */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);      /* 0..365 */
    mp = (5 * doy + 2) / 153;                           /* 0..11, March 0 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Broken-down time of t shifted by utoff seconds. */
static void fill_exp(apr_time_exp_t *exp, apr_int64_t t, apr_int32_t utoff,
                     int isdst)
{
    apr_int64_t local = t + utoff;
    apr_int64_t days = floor_div(local, SECS_PER_DAY);
    apr_int64_t secs = local - days * SECS_PER_DAY;
    apr_int64_t y;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    memset(exp, 0, sizeof(*exp));
    exp->tm_usec = 0;
    exp->tm_sec = (apr_int32_t)(secs % 60);
    exp->tm_min = (apr_int32_t)(secs / 60 % 60);
    exp->tm_hour = (apr_int32_t)(secs / 3600);
    exp->tm_mday = d;
    exp->tm_mon = m - 1;
    exp->tm_year = (apr_int32_t)(y - 1900);
    exp->tm_wday = (apr_int32_t)(days - floor_div(days + 4, 7) * 7 + 4);
    exp->tm_yday = (apr_int32_t)(days - days_from_civil(y, 1, 1));
    exp->tm_isdst = isdst;
    exp->tm_gmtoff = utoff;
}

/* ------------------------------------------------------- POSIX TZ rules */

/* UTC second at which rule r happens in year y, given the UT offset in
 * force just before it. */
static apr_int64_t rule_time(const tz_rule_t *r, apr_int64_t y,
                             apr_int32_t utoff)
{
    apr_int64_t day;

    if (r->kind == 'J') {
        /* 1..365, February 29 never counted */
        day = days_from_civil(y, 1, 1) + r->day - 1
              + (is_leap(y) && r->day >= 60);
    }
    else if (r->kind == 'N') {
        day = days_from_civil(y, 1, 1) + r->day;
    }
    else {
        apr_int64_t first = days_from_civil(y, r->month, 1);
        int wday_first = (int)(first - floor_div(first + 4, 7) * 7 + 4);
        int mday = 1 + (r->day - wday_first + 7) % 7 + 7 * (r->week - 1);

        while (mday > month_days(y, r->month)) {
            mday -= 7;
        }
        day = first + mday - 1;
    }
    return day * SECS_PER_DAY + r->secs - utoff;
}

/* The type the footer gives for t.  Collects the DST start and end of the
 * year of t and of the years around it and takes the latest change at or
 * before t; on a tie the later rule wins, so "0/0,J365/25" (DST all year)
 * stays in DST across New Year. */
static const tz_type_t *footer_type(const tz_footer_t *f, apr_int64_t t)
{
    apr_int64_t y, best_at = 0, at;
    const tz_type_t *best = NULL;
    int m, d, k;

    if (!f->has_dst) {
        return &f->std;
    }
    civil_from_days(floor_div(t, SECS_PER_DAY), &y, &m, &d);
    for (k = -1; k <= 1; k++) {
        at = rule_time(&f->start, y + k, f->std.utoff);
        if (at <= t && (!best || at >= best_at)) {
            best = &f->dst;
            best_at = at;
        }
        at = rule_time(&f->end, y + k, f->dst.utoff);
        if (at <= t && (!best || at >= best_at)) {
            best = &f->std;
            best_at = at;
        }
    }
    /* The end of DST of year y-1 is at most a few days into year y (rule
     * times are within +-167 h), so some change of year y-1 is always at or
     * before t. */
    return best ? best : &f->std;
}

/* Parse "[+-]hh[:mm[:ss]]" with hh <= max_hours into seconds. */
static int parse_hms(const char **sp, int max_hours, int allow_sign,
                     apr_int32_t *out)
{
    const char *s = *sp;
    int sign = 1, part[3] = { 0, 0, 0 }, n = 0, digits;

    if (*s == '+' || *s == '-') {
        if (!allow_sign) {
            return 0;
        }
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    for (;;) {
        digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3) {
            part[n] = part[n] * 10 + (*s - '0');
            s++;
            digits++;
        }
        if (digits == 0 || (n > 0 && digits > 2)) {
            return 0;
        }
        n++;
        if (n == 3 || *s != ':') {
            break;
        }
        s++;
    }
    if (part[0] > max_hours || part[1] > 59 || part[2] > 59) {
        return 0;
    }
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    *sp = s;
    return 1;
}

/* An abbreviation: three or more letters, or <...> with letters, digits,
 * '+' and '-'. */
static int parse_abbr(const char **sp, char *out)
{
    const char *s = *sp;
    apr_size_t n = 0;

    if (*s == '<') {
        s++;
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
               || (*s >= '0' && *s <= '9') || *s == '+' || *s == '-') {
            if (n >= TZ_ABBR_MAX) {
                return 0;
            }
            out[n++] = *s++;
        }
        if (*s != '>') {
            return 0;
        }
        s++;
    }
    else {
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
            if (n >= TZ_ABBR_MAX) {
                return 0;
            }
            out[n++] = *s++;
        }
    }
    if (n < 3) {
        return 0;
    }
    out[n] = '\0';
    *sp = s;
    return 1;
}

/* Read a number of at most 3 digits in [lo, hi]. */
static int parse_num(const char **sp, int lo, int hi, int *out)
{
    const char *s = *sp;
    int v = 0, digits = 0;

    while (*s >= '0' && *s <= '9' && digits < 3) {
        v = v * 10 + (*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || v < lo || v > hi || (*s >= '0' && *s <= '9')) {
        return 0;
    }
    *out = v;
    *sp = s;
    return 1;
}

/* ",date[/time]" (the comma already consumed); time defaults to 02:00. */
static int parse_rule(const char **sp, tz_rule_t *r)
{
    const char *s = *sp;

    memset(r, 0, sizeof(*r));
    if (*s == 'J') {
        s++;
        r->kind = 'J';
        if (!parse_num(&s, 1, 365, &r->day)) {
            return 0;
        }
    }
    else if (*s == 'M') {
        s++;
        r->kind = 'M';
        if (!parse_num(&s, 1, 12, &r->month) || *s++ != '.'
            || !parse_num(&s, 1, 5, &r->week) || *s++ != '.'
            || !parse_num(&s, 0, 6, &r->day)) {
            return 0;
        }
    }
    else {
        r->kind = 'N';
        if (!parse_num(&s, 0, 365, &r->day)) {
            return 0;
        }
    }
    r->secs = 2 * 3600;
    if (*s == '/') {
        s++;
        /* tzfile(5) extension of POSIX: -167..167 hours */
        if (!parse_hms(&s, 167, 1, &r->secs)) {
            return 0;
        }
    }
    *sp = s;
    return 1;
}

/* Parse a TZ footer such as "CET-1CEST,M3.5.0,M10.5.0/3".  An empty
 * string leaves f->present 0.  Returns 0 on a syntax error. */
static int parse_footer(const char *s, tz_footer_t *f)
{
    apr_int32_t off;

    memset(f, 0, sizeof(*f));
    if (!*s) {
        return 1;
    }
    if (!parse_abbr(&s, f->std.abbr) || !parse_hms(&s, 24, 1, &off)) {
        return 0;
    }
    f->std.utoff = -off;            /* POSIX offsets are west-positive */
    f->present = 1;
    if (!*s) {
        return 1;
    }
    if (!parse_abbr(&s, f->dst.abbr)) {
        return 0;
    }
    f->has_dst = 1;
    f->dst.isdst = 1;
    f->dst.utoff = f->std.utoff + 3600;
    if (*s && *s != ',') {
        if (!parse_hms(&s, 24, 1, &off)) {
            return 0;
        }
        f->dst.utoff = -off;
    }
    if (!*s) {
        /* no rules: the traditional US ones, as the tz reference code */
        s = ",M3.2.0,M11.1.0";
    }
    if (*s++ != ',' || !parse_rule(&s, &f->start) || *s++ != ','
        || !parse_rule(&s, &f->end) || *s) {
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ TZif */

static const char msg_leap[] =
    "leap-second zone files (right/...) are not supported";

typedef struct tz_hdr_t {
    int version;                    /* 0 or '2', '3', ... */
    apr_uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tz_hdr_t;

static apr_uint32_t be32(const unsigned char *b)
{
    return ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
           | ((apr_uint32_t)b[2] << 8) | b[3];
}

static apr_int64_t be64s(const unsigned char *b)
{
    apr_uint64_t v = ((apr_uint64_t)be32(b) << 32) | be32(b + 4);

    return (apr_int64_t)v;
}

#define TZ_HDR_LEN 44

/* The 44-byte header at buf[off]; 0 when it is not one. */
static int read_header(const unsigned char *buf, apr_size_t len,
                       apr_size_t off, tz_hdr_t *h)
{
    const unsigned char *b = buf + off;

    if (len < TZ_HDR_LEN || off > len - TZ_HDR_LEN
        || memcmp(b, "TZif", 4) != 0) {
        return 0;
    }
    if (b[4] != 0 && b[4] < '2') {
        return 0;
    }
    h->version = b[4];
    h->isutcnt = be32(b + 20);
    h->isstdcnt = be32(b + 24);
    h->leapcnt = be32(b + 28);
    h->timecnt = be32(b + 32);
    h->typecnt = be32(b + 36);
    h->charcnt = be32(b + 40);
    return 1;
}

/* Bytes of the data block that follows header h, for times of tsize
 * bytes (4 or 8).  64-bit arithmetic: the counts are untrusted. */
static apr_uint64_t block_len(const tz_hdr_t *h, int tsize)
{
    return (apr_uint64_t)h->timecnt * (apr_uint64_t)(tsize + 1)
           + (apr_uint64_t)h->typecnt * 6 + h->charcnt
           + (apr_uint64_t)h->leapcnt * (apr_uint64_t)(tsize + 4)
           + h->isstdcnt + h->isutcnt;
}

/* Parse the data block at buf[off] described by h into z (arrays from p).
 * Returns NULL or a static complaint. */
static const char *read_block(apr_pool_t *p, const unsigned char *buf,
                              const tz_hdr_t *h, int tsize, tz_zone_t *z)
{
    const unsigned char *times = buf;
    const unsigned char *idx = times + (apr_size_t)h->timecnt * tsize;
    const unsigned char *ttinfo = idx + h->timecnt;
    const unsigned char *chars = ttinfo + (apr_size_t)h->typecnt * 6;
    apr_uint32_t i;

    if (h->leapcnt > 0) {
        return msg_leap;
    }
    if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0
        || (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
        || (h->isutcnt != 0 && h->isutcnt != h->typecnt)) {
        return "damaged zone file (bad counts)";
    }
    z->ntrans = (int)h->timecnt;
    z->ntypes = (int)h->typecnt;
    z->trans = apr_palloc(p, sizeof(*z->trans) * (h->timecnt + 1));
    z->trans_type = apr_palloc(p, h->timecnt + 1);
    z->types = apr_pcalloc(p, sizeof(*z->types) * h->typecnt);
    for (i = 0; i < h->timecnt; i++) {
        if (tsize == 8) {
            z->trans[i] = be64s(times + 8 * i);
        }
        else {
            z->trans[i] = (apr_int32_t)be32(times + 4 * i);
        }
        if (i > 0 && z->trans[i] <= z->trans[i - 1]) {
            return "damaged zone file (transitions out of order)";
        }
        if (idx[i] >= h->typecnt) {
            return "damaged zone file (bad type index)";
        }
        z->trans_type[i] = idx[i];
    }
    for (i = 0; i < h->typecnt; i++) {
        const unsigned char *ti = ttinfo + 6 * i;
        apr_int32_t utoff = (apr_int32_t)be32(ti);
        const char *a;
        apr_size_t alen;

        if (utoff < -TZ_UTOFF_MAX || utoff > TZ_UTOFF_MAX || ti[4] > 1
            || ti[5] >= h->charcnt) {
            return "damaged zone file (bad time type)";
        }
        a = (const char *)chars + ti[5];
        alen = 0;
        while (ti[5] + alen < h->charcnt && a[alen]) {
            alen++;
        }
        if (ti[5] + alen >= h->charcnt || alen > TZ_ABBR_MAX) {
            return "damaged zone file (bad abbreviation)";
        }
        z->types[i].utoff = utoff;
        z->types[i].isdst = ti[4];
        memcpy(z->types[i].abbr, a, alen);
        z->types[i].abbr[alen] = '\0';
    }
    return NULL;
}

/* Parse a whole TZif file.  Returns NULL or a static complaint; *notzif is
 * set when the file is no zone file at all. */
static const char *parse_tzif(apr_pool_t *p, const unsigned char *buf,
                              apr_size_t len, tz_zone_t *z, int *notzif)
{
    tz_hdr_t h;
    apr_uint64_t blen;
    apr_size_t off;
    const char *bad;

    *notzif = 0;
    memset(z, 0, sizeof(*z));
    if (!read_header(buf, len, 0, &h)) {
        *notzif = 1;
        return "not a zone file";
    }
    blen = block_len(&h, 4);
    if (blen > len - TZ_HDR_LEN) {
        return "damaged zone file (truncated)";
    }
    if (h.version == 0) {
        return read_block(p, buf + TZ_HDR_LEN, &h, 4, z);
    }

    /* version 2+: skip the 32-bit data, use the 64-bit data and footer */
    off = TZ_HDR_LEN + (apr_size_t)blen;
    if (!read_header(buf, len, off, &h) || h.version == 0) {
        return "damaged zone file (no second header)";
    }
    off += TZ_HDR_LEN;
    blen = block_len(&h, 8);
    if (blen > len - off) {
        return "damaged zone file (truncated)";
    }
    bad = read_block(p, buf + off, &h, 8, z);
    if (bad) {
        return bad;
    }
    off += (apr_size_t)blen;
    {
        char footer[TZ_FOOTER_MAX + 1];
        apr_size_t n = 0;

        if (off >= len || buf[off] != '\n') {
            return "damaged zone file (no footer)";
        }
        off++;
        while (off < len && buf[off] != '\n') {
            if (n >= TZ_FOOTER_MAX || buf[off] == '\0') {
                return "damaged zone file (bad footer)";
            }
            footer[n++] = (char)buf[off++];
        }
        if (off >= len) {
            return "damaged zone file (unterminated footer)";
        }
        footer[n] = '\0';
        if (!parse_footer(footer, &z->footer)) {
            return "damaged zone file (bad TZ string in footer)";
        }
    }
    return NULL;
}

/* The type in force at t. */
static const tz_type_t *zone_type(const tz_zone_t *z, apr_int64_t t)
{
    int lo, hi;

    if (z->ntrans == 0) {
        return z->footer.present ? footer_type(&z->footer, t) : &z->types[0];
    }
    if (t < z->trans[0]) {
        return &z->types[0];
    }
    if (t > z->trans[z->ntrans - 1] && z->footer.present) {
        return footer_type(&z->footer, t);
    }
    /* largest i with trans[i] <= t */
    lo = 0;
    hi = z->ntrans - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;

        if (z->trans[mid] <= t) {
            lo = mid;
        }
        else {
            hi = mid - 1;
        }
    }
    return &z->types[z->trans_type[lo]];
}

/* ------------------------------------------------------------ loading */

int pt_tz_name_valid(const char *zone)
{
    apr_size_t i;

    if (!zone || !*zone || zone[0] == '/') {
        return 0;
    }
    for (i = 0; zone[i]; i++) {
        char ch = zone[i];

        if (i >= PT_TZ_NAME_MAX) {
            return 0;
        }
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
              || (ch >= '0' && ch <= '9') || ch == '/' || ch == '_'
              || ch == '+' || ch == '-')) {
            return 0;
        }
        /* no empty component: "a//b", "a/" */
        if (ch == '/' && (zone[i + 1] == '/' || zone[i + 1] == '\0')) {
            return 0;
        }
    }
    /* '.' is not allowed at all, so ".." cannot occur; say it anyway */
    return strstr(zone, "..") == NULL;
}

/* Read and parse dir/zone into a zone allocated from p. */
static apr_status_t zone_load(apr_pool_t *p, const char *dir, const char *zone,
                              tz_zone_t **out, pt_err_t *err)
{
    const char *path = apr_pstrcat(p, dir, "/", zone, NULL);
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got;
    unsigned char *buf;
    const char *bad;
    tz_zone_t *z;
    int notzif;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);
    if (rv) {
        return tz_fail(err, APR_ENOENT, zone, "unknown time zone");
    }
    rv = apr_file_info_get(&fi, APR_FINFO_TYPE | APR_FINFO_SIZE, f);
    if (rv || fi.filetype != APR_REG) {
        apr_file_close(f);
        return tz_fail(err, APR_ENOENT, zone, "unknown time zone");
    }
    if (fi.size < TZ_HDR_LEN) {
        apr_file_close(f);
        return tz_fail(err, APR_ENOENT, zone, "not a zone file");
    }
    if (fi.size > TZ_FILE_MAX) {
        apr_file_close(f);
        return tz_fail(err, APR_EGENERAL, zone,
                       "zone file is too large to be one");
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &got);
    apr_file_close(f);
    if (rv || got != (apr_size_t)fi.size) {
        return tz_fail(err, APR_EGENERAL, zone, "cannot read zone file");
    }
    z = apr_pcalloc(p, sizeof(*z));
    bad = parse_tzif(p, buf, got, z, &notzif);
    if (bad) {
        rv = (notzif || bad == msg_leap) ? APR_ENOENT : APR_EGENERAL;
        return tz_fail(err, rv, zone, bad);
    }
    z->name = zone;
    *out = z;
    return APR_SUCCESS;
}

/* A deep copy of z in p (z lives in a pool about to be destroyed). */
static tz_zone_t *zone_copy(apr_pool_t *p, const tz_zone_t *z)
{
    tz_zone_t *c = apr_pmemdup(p, z, sizeof(*z));

    c->name = apr_pstrdup(p, z->name);
    c->trans = apr_pmemdup(p, z->trans, sizeof(*z->trans) * (z->ntrans + 1));
    c->trans_type = apr_pmemdup(p, z->trans_type, (apr_size_t)z->ntrans + 1);
    c->types = apr_pmemdup(p, z->types, sizeof(*z->types) * z->ntypes);
    return c;
}

apr_status_t pt_tz_cache_create(apr_pool_t *p, const char *zoneinfo_dir,
                                pt_tz_cache_t **c)
{
    apr_allocator_t *alloc;
    apr_pool_t *sub;
    pt_tz_cache_t *cache;
    apr_status_t rv;

    /* An allocator of its own: threads only ever touch it under the
     * cache's mutex, whatever other code does with p's allocator. */
    rv = apr_allocator_create(&alloc);
    if (rv) {
        return rv;
    }
    rv = apr_pool_create_ex(&sub, p, NULL, alloc);
    if (rv) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, sub);
    apr_pool_tag(sub, "pt_tz_cache");

    cache = apr_pcalloc(sub, sizeof(*cache));
    cache->pool = sub;
    cache->dir = apr_pstrdup(sub, zoneinfo_dir ? zoneinfo_dir
                                               : PT_TZ_DEFAULT_DIR);
    cache->zones = apr_hash_make(sub);
    cache->abbrs = apr_hash_make(sub);
    rv = apr_thread_mutex_create(&cache->mutex, APR_THREAD_MUTEX_DEFAULT, sub);
    if (rv) {
        apr_pool_destroy(sub);
        return rv;
    }
    *c = cache;
    return APR_SUCCESS;
}

/* abbr copied into the cache for callers of an uncached zone; "" when the
 * table is full (only a zoneinfo folder full of made-up names gets there).
 * Call with the mutex held. */
static const char *abbr_intern(pt_tz_cache_t *c, const char *abbr)
{
    const char *s = apr_hash_get(c->abbrs, abbr, APR_HASH_KEY_STRING);

    if (!s) {
        if (apr_hash_count(c->abbrs) >= TZ_ABBRS_MAX) {
            return "";
        }
        s = apr_pstrdup(c->pool, abbr);
        apr_hash_set(c->abbrs, s, APR_HASH_KEY_STRING, s);
    }
    return s;
}

apr_status_t pt_tz_local(pt_tz_cache_t *c, const char *zone, apr_int64_t t,
                         apr_time_exp_t *exp, const char **abbr,
                         pt_err_t *err)
{
    const tz_zone_t *z;
    const tz_type_t *ty;
    apr_pool_t *tmp;
    tz_zone_t *loaded;
    apr_status_t rv;

    if (!c) {
        return tz_fail(err, APR_EINVAL, NULL, "no time zone cache");
    }
    if (!pt_tz_name_valid(zone)) {
        return tz_fail(err, APR_ENOENT, NULL, "invalid time zone name");
    }
    if (t > TZ_T_MAX || t < -TZ_T_MAX) {
        return tz_fail(err, APR_EINVAL, zone, "time out of range");
    }

    apr_thread_mutex_lock(c->mutex);
    z = apr_hash_get(c->zones, zone, APR_HASH_KEY_STRING);
    apr_thread_mutex_unlock(c->mutex);
    if (z) {
        ty = zone_type(z, t);
        fill_exp(exp, t, ty->utoff, ty->isdst);
        *abbr = ty->abbr;
        return APR_SUCCESS;
    }

    /* Not cached: read the file without holding the mutex. */
    rv = apr_pool_create_unmanaged_ex(&tmp, NULL, NULL);
    if (rv) {
        return tz_fail(err, rv, zone, "out of memory");
    }
    rv = zone_load(tmp, c->dir, zone, &loaded, err);
    if (rv) {
        apr_pool_destroy(tmp);
        return rv;
    }

    apr_thread_mutex_lock(c->mutex);
    z = apr_hash_get(c->zones, zone, APR_HASH_KEY_STRING);
    if (!z && apr_hash_count(c->zones) < PT_TZ_MAX_ZONES) {
        tz_zone_t *kept = zone_copy(c->pool, loaded);

        apr_hash_set(c->zones, kept->name, APR_HASH_KEY_STRING, kept);
        z = kept;
    }
    if (z) {
        apr_thread_mutex_unlock(c->mutex);
        ty = zone_type(z, t);
        *abbr = ty->abbr;
    }
    else {
        /* cache full: answer from the copy read for this call */
        ty = zone_type(loaded, t);
        *abbr = abbr_intern(c, ty->abbr);
        apr_thread_mutex_unlock(c->mutex);
    }
    fill_exp(exp, t, ty->utoff, ty->isdst);
    apr_pool_destroy(tmp);
    return APR_SUCCESS;
}

const char *pt_tz_format(pt_tz_cache_t *c, apr_pool_t *p, const char *zone,
                         apr_int64_t t)
{
    apr_time_exp_t e;
    const char *abbr = "UTC";

    if (t > TZ_T_MAX || t < -TZ_T_MAX) {
        return apr_psprintf(p, "@%" APR_INT64_T_FMT, t);
    }
    if (!c || !zone
        || pt_tz_local(c, zone, t, &e, &abbr, NULL) != APR_SUCCESS) {
        fill_exp(&e, t, 0, 0);
        abbr = "UTC";
    }
    if (!*abbr) {
        long off = (long)e.tm_gmtoff;
        char sign = off < 0 ? '-' : '+';

        off = off < 0 ? -off : off;
        abbr = apr_psprintf(p, "%c%02ld%02ld", sign, off / 3600,
                            off / 60 % 60);
    }
    return apr_psprintf(p, "%04d-%02d-%02d %02d:%02d %s",
                        e.tm_year + 1900, e.tm_mon + 1, e.tm_mday,
                        e.tm_hour, e.tm_min, abbr);
}
