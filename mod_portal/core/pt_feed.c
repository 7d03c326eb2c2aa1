/*
 * pt_feed.c -- threat-intelligence feeds: the table of formats, the entry
 * point pt_feed_parse(), and the normalisation every format shares (types,
 * values, dates, tags, defanged names).
 *
 * The CSV formats live in pt_feed_csv.c, the JSON ones in pt_feed_json.c;
 * both hand each indicator to pt_feed_emit(), which normalises its value
 * and calls the caller's each().  See pt_ioc.h for the contracts and the
 * mapping of every format.
 *
 * Longer than the ~600 lines of the norm: the formats' table and the
 * normalisation every format shares.
 */
#include <stdarg.h>
#include <string.h>

#include <arpa/inet.h>

#include <apr_strings.h>

#include "pt_ioc.h"

/* ------------------------------------------------------------------ formats */

typedef struct feed_format_t {
    const char *name;
    const char *source;
    pt_feed_kind_e kind;
    int json;
} feed_format_t;

static const feed_format_t feed_formats[] = {
    { "urlhaus-csv", "URLhaus", PT_FEED_URLHAUS_CSV, 0 },
    { "threatfox-csv", "ThreatFox", PT_FEED_THREATFOX_CSV, 0 },
    { "threatfox-json", "ThreatFox", PT_FEED_THREATFOX_JSON, 1 },
    { "malwarebazaar-csv", "MalwareBazaar", PT_FEED_MALWAREBAZAAR_CSV, 0 },
    { "malwarebazaar-json", "MalwareBazaar", PT_FEED_MALWAREBAZAAR_JSON, 1 },
    { "feodo-csv", "Feodo Tracker", PT_FEED_FEODO_CSV, 0 },
    { "feodo-json", "Feodo Tracker", PT_FEED_FEODO_JSON, 1 },
    { "greynoise-csv", "GreyNoise", PT_FEED_GREYNOISE_CSV, 0 },
    { "greynoise-json", "GreyNoise", PT_FEED_GREYNOISE_JSON, 1 },
};

#define FEED_FORMAT_COUNT (sizeof(feed_formats) / sizeof(feed_formats[0]))

static const char *const feed_format_names[] = {
    "urlhaus-csv", "threatfox-csv", "threatfox-json", "malwarebazaar-csv",
    "malwarebazaar-json", "feodo-csv", "feodo-json", "greynoise-csv",
    "greynoise-json", NULL
};

static const feed_format_t *format_find(const char *name)
{
    apr_size_t i;

    if (!name) {
        return NULL;
    }
    for (i = 0; i < FEED_FORMAT_COUNT; i++) {
        if (strcmp(feed_formats[i].name, name) == 0) {
            return &feed_formats[i];
        }
    }
    return NULL;
}

int pt_feed_format_valid(const char *format)
{
    return format_find(format) != NULL;
}

const char *pt_feed_source(const char *format)
{
    const feed_format_t *f = format_find(format);

    return f ? f->source : NULL;
}

const char *const *pt_feed_formats(void)
{
    return feed_format_names;
}

/* ------------------------------------------------------------------ helpers */

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'
           || c == '\f';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* s[0..n) equals the lower-case word w, ignoring case. */
static int word_eq(const char *s, apr_size_t n, const char *w)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (w[i] == '\0' || lower((unsigned char)s[i]) != (unsigned char)w[i]) {
            return 0;
        }
    }
    return w[n] == '\0';
}

/* Narrow [*s, *s + *n) to exclude blanks at both ends. */
static void trim(const char **s, apr_size_t *n)
{
    while (*n > 0 && is_blank((unsigned char)(*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((unsigned char)(*s)[*n - 1])) {
        (*n)--;
    }
}

static int none_word(const char *s, apr_size_t n)
{
    return n == 0 || word_eq(s, n, "none") || word_eq(s, n, "n/a")
           || word_eq(s, n, "null");
}

int pt_feed_none(const char *s)
{
    apr_size_t n;

    if (!s) {
        return 1;
    }
    n = strlen(s);
    trim(&s, &n);
    return none_word(s, n);
}

const char *pt_feed_str(apr_pool_t *p, const char *s)
{
    apr_size_t n;

    if (!s) {
        return NULL;
    }
    n = strlen(s);
    trim(&s, &n);
    if (none_word(s, n)) {
        return NULL;
    }
    return apr_pstrmemdup(p, s, n);
}

void pt_feed_host(apr_pool_t *p, pt_ioc_t *ioc, const char *ip,
                  const char *port)
{
    if (port && ip) {
        int v6 = strchr(ip, ':') != NULL;

        ioc->type = "ip:port";
        ioc->value = apr_pstrcat(p, v6 ? "[" : "", ip, v6 ? "]:" : ":", port,
                                 NULL);
    }
    else {
        ioc->type = "ip";
        ioc->value = ip;
    }
}

const char *pt_feed_tags(apr_pool_t *p, const char *s)
{
    char *out, *o;

    if (!s) {
        return "";
    }
    out = apr_palloc(p, strlen(s) + 2);
    o = out;
    while (*s) {
        const char *comma = strchr(s, ',');
        apr_size_t tn = comma ? (apr_size_t)(comma - s) : strlen(s);
        char *seg = o + 1, *e = seg;
        const char *t;
        apr_size_t i, n;

        /* Control characters out first, then the blanks around the tag. */
        for (i = 0; i < tn; i++) {
            unsigned char c = (unsigned char)s[i];

            if (c >= 0x20 && c != 0x7f) {
                *e++ = (char)c;
            }
        }
        s = comma ? comma + 1 : s + tn;
        t = seg;
        n = (apr_size_t)(e - seg);
        trim(&t, &n);
        if (none_word(t, n)) {
            continue;
        }
        if (o != out) {
            *o++ = ',';
        }
        memmove(o, t, n);
        o += n;
    }
    *o = '\0';
    return out;
}

const char *pt_feed_type(const char *feed_type)
{
    static const struct {
        const char *in;
        const char *out;
    } map[] = {
        { "ip:port", "ip:port" }, { "domain", "domain" }, { "url", "url" },
        { "md5_hash", "md5" }, { "sha1_hash", "sha1" },
        { "sha256_hash", "sha256" }, { "sha512_hash", "sha512" },
        { "md5", "md5" }, { "sha1", "sha1" }, { "sha256", "sha256" },
        { "sha512", "sha512" }, { "ip", "ip" }, { "ipv4", "ip" },
        { "ipv6", "ip" }, { "ip_address", "ip" }, { "hostname", "domain" },
        { "fqdn", "domain" }, { "cidr", "cidr" }, { "email", "email" },
    };
    apr_size_t i, n;

    if (!feed_type) {
        return NULL;
    }
    n = strlen(feed_type);
    trim(&feed_type, &n);
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (word_eq(feed_type, n, map[i].in)) {
            return map[i].out;
        }
    }
    return NULL;
}

int pt_feed_confidence(const char *s)
{
    apr_size_t n, i;
    int v = 0;

    if (!s) {
        return -1;
    }
    n = strlen(s);
    trim(&s, &n);
    if (n == 0 || n > 3) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v <= 100 ? v : -1;
}

apr_int64_t pt_feed_time(const char *s)
{
    char buf[48];
    apr_int64_t t = 0;
    apr_size_t n;

    if (!s) {
        return 0;
    }
    n = strlen(s);
    trim(&s, &n);
    if (n == 0 || n >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (pt_ioc_time_parse(buf, &t) != APR_SUCCESS) {
        return 0;
    }
    return t;
}

const char *pt_feed_refang(apr_pool_t *p, const char *s)
{
    apr_size_t n = strlen(s), i = 0;
    char *out = apr_palloc(p, n + 1), *o = out;

    if (n >= 4 && word_eq(s, 4, "hxxp")) {
        memcpy(o, "http", 4);
        o += 4;
        i = 4;
    }
    while (i < n) {
        if (n - i >= 3 && (memcmp(s + i, "[.]", 3) == 0
                           || memcmp(s + i, "(.)", 3) == 0)) {
            *o++ = '.';
            i += 3;
        }
        else if (n - i >= 5 && word_eq(s + i, 5, "[dot]")) {
            *o++ = '.';
            i += 5;
        }
        else if (n - i >= 3 && memcmp(s + i, "[:]", 3) == 0) {
            *o++ = ':';
            i += 3;
        }
        else {
            *o++ = s[i++];
        }
    }
    *o = '\0';
    return out;
}

int pt_feed_is_html(const char *data, apr_size_t len)
{
    apr_size_t i = 0;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < len && is_blank((unsigned char)data[i])) {
        i++;
    }
    return i < len && data[i] == '<';
}

/* --------------------------------------------------------------- dates */

/* n decimal digits at s into *v; 0 when one is not a digit. */
static int read_digits(const char *s, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) {
            return 0;
        }
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static apr_int64_t days_from_civil(int y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return dim[m - 1];
}

apr_status_t pt_ioc_time_parse(const char *s, apr_int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    const char *z;

    if (!s || strlen(s) < 10) {
        return APR_EINVAL;
    }
    if (!read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &mo)
        || s[7] != '-' || !read_digits(s + 8, 2, &d)) {
        return APR_EINVAL;
    }
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
        return APR_EINVAL;
    }
    z = s + 10;
    if (*z == ' ' || *z == 'T') {
        if (strlen(z + 1) < 8 || !read_digits(z + 1, 2, &h) || z[3] != ':'
            || !read_digits(z + 4, 2, &mi) || z[6] != ':'
            || !read_digits(z + 7, 2, &sec)) {
            return APR_EINVAL;
        }
        if (h > 23 || mi > 59 || sec > 60) {
            return APR_EINVAL;
        }
        z += 9;
        if (*z == '.') {
            int k = 0;

            z++;
            while (is_digit((unsigned char)*z) && k < 9) {
                z++;
                k++;
            }
            if (k == 0 || is_digit((unsigned char)*z)) {
                return APR_EINVAL;
            }
        }
        if (strcmp(z, "Z") != 0 && strcmp(z, " UTC") != 0
            && strcmp(z, "+00:00") != 0 && *z != '\0') {
            return APR_EINVAL;
        }
    }
    else if (*z != '\0') {
        return APR_EINVAL;
    }
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    return APR_SUCCESS;
}

/* -------------------------------------------------------------- values */

/* A dotted quad without leading zeros into buf (canonical): 1, else 0. */
static int ipv4_norm(const char *s, char *buf, apr_size_t bufsize)
{
    int part[4], i;

    for (i = 0; i < 4; i++) {
        int v = 0, k = 0;

        while (is_digit((unsigned char)*s) && k < 4) {
            v = v * 10 + (*s++ - '0');
            k++;
        }
        if (k == 0 || k > 3 || v > 255 || (k > 1 && s[-k] == '0')) {
            return 0;
        }
        part[i] = v;
        if (i < 3 && *s++ != '.') {
            return 0;
        }
    }
    if (*s != '\0') {
        return 0;
    }
    apr_snprintf(buf, bufsize, "%d.%d.%d.%d", part[0], part[1], part[2],
                 part[3]);
    return 1;
}

/* An IPv6 address into buf in RFC 5952 form: 1, else 0. */
static int ipv6_norm(const char *s, char *buf, apr_size_t bufsize)
{
    unsigned char a[16];

    if (!strchr(s, ':') || inet_pton(AF_INET6, s, a) != 1) {
        return 0;
    }
    return inet_ntop(AF_INET6, a, buf, (socklen_t)bufsize) != NULL;
}

/* *v6 says which family it was. */
static int ip_norm(const char *s, char *buf, apr_size_t bufsize, int *v6)
{
    *v6 = 0;
    if (ipv4_norm(s, buf, bufsize)) {
        return 1;
    }
    *v6 = 1;
    return ipv6_norm(s, buf, bufsize);
}

/* Up to max decimal digits, all of s: the value, else -1. */
static long read_number(const char *s, int max)
{
    long v = 0;
    int k = 0;

    while (is_digit((unsigned char)*s) && k <= max) {
        v = v * 10 + (*s++ - '0');
        k++;
    }
    return (k == 0 || k > max || *s) ? -1 : v;
}

static const char *norm_hash(apr_pool_t *p, const char *s, apr_size_t n,
                             apr_size_t want)
{
    char *out;
    apr_size_t i;

    if (n != want) {
        return NULL;
    }
    out = apr_palloc(p, n + 1);
    for (i = 0; i < n; i++) {
        if (!is_hex((unsigned char)s[i])) {
            return NULL;
        }
        out[i] = (char)lower((unsigned char)s[i]);
    }
    out[n] = '\0';
    return out;
}

static const char *norm_ip(apr_pool_t *p, const char *s)
{
    char buf[64];
    int v6;

    return ip_norm(s, buf, sizeof(buf), &v6) ? apr_pstrdup(p, buf) : NULL;
}

static const char *norm_ip_port(apr_pool_t *p, char *s)
{
    char buf[64];
    const char *host, *port;
    long pn;
    int v6;

    if (*s == '[') {
        char *close = strchr(s, ']');

        if (!close || close[1] != ':') {
            return NULL;
        }
        *close = '\0';
        host = s + 1;
        port = close + 2;
        if (!ipv6_norm(host, buf, sizeof(buf))) {
            return NULL;
        }
        v6 = 1;
    }
    else {
        char *colon = strrchr(s, ':');

        if (!colon) {
            return NULL;
        }
        *colon = '\0';
        host = s;
        port = colon + 1;
        if (!ipv4_norm(host, buf, sizeof(buf))) {
            return NULL;
        }
        v6 = 0;
    }
    pn = read_number(port, 5);
    if (pn < 1 || pn > 65535) {
        return NULL;
    }
    return v6 ? apr_psprintf(p, "[%s]:%ld", buf, pn)
              : apr_psprintf(p, "%s:%ld", buf, pn);
}

static const char *norm_cidr(apr_pool_t *p, char *s)
{
    char buf[64];
    char *slash = strchr(s, '/');
    long len;
    int v6;

    if (!slash) {
        return NULL;
    }
    *slash = '\0';
    if (!ip_norm(s, buf, sizeof(buf), &v6)) {
        return NULL;
    }
    len = read_number(slash + 1, 3);
    if (len < 0 || len > (v6 ? 128 : 32)
        || (slash[1] == '0' && slash[2] != '\0')) {
        return NULL;
    }
    return apr_psprintf(p, "%s/%ld", buf, len);
}

/* Lower-cases s in place; NULL when not a domain (see pt_ioc.h). */
static const char *norm_domain(char *s)
{
    apr_size_t n = strlen(s), i, label = 0;
    int labels = 1;

    if (n > 0 && s[n - 1] == '.') {
        s[--n] = '\0';
    }
    if (n == 0 || n > 253) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = lower((unsigned char)s[i]);

        if (c == '.') {
            if (label == 0) {
                return NULL;
            }
            label = 0;
            labels++;
            continue;
        }
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-'
              || c == '_')) {
            return NULL;
        }
        s[i] = (char)c;
        if (++label > 63) {
            return NULL;
        }
    }
    return (label > 0 && labels >= 2) ? s : NULL;
}

static const char *norm_email(apr_pool_t *p, char *s)
{
    char *at = strchr(s, '@');
    const char *domain;
    apr_size_t i;

    if (!at || at == s || at - s > 64 || strchr(at + 1, '@')) {
        return NULL;
    }
    for (i = 0; s + i < at; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= 0x20 || c >= 0x7f) {
            return NULL;
        }
    }
    domain = norm_domain(at + 1);
    if (!domain) {
        return NULL;
    }
    return s;
}

const char *pt_ioc_normalise_value(apr_pool_t *p, const char *type,
                                   const char *value)
{
    apr_size_t n, i;
    char *copy;

    if (!type || !value) {
        return NULL;
    }
    n = strlen(value);
    trim(&value, &n);
    if (n == 0 || n > PT_IOC_MAX_VALUE) {
        return NULL;
    }
    if (strcmp(type, "md5") == 0) {
        return norm_hash(p, value, n, 32);
    }
    if (strcmp(type, "sha1") == 0) {
        return norm_hash(p, value, n, 40);
    }
    if (strcmp(type, "sha256") == 0) {
        return norm_hash(p, value, n, 64);
    }
    if (strcmp(type, "sha512") == 0) {
        return norm_hash(p, value, n, 128);
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];

        if (c < 0x20 || c == 0x7f) {
            return NULL;
        }
    }
    copy = apr_pstrmemdup(p, value, n);
    if (strcmp(type, "ip") == 0) {
        return norm_ip(p, copy);
    }
    if (strcmp(type, "ip:port") == 0) {
        return norm_ip_port(p, copy);
    }
    if (strcmp(type, "cidr") == 0) {
        return norm_cidr(p, copy);
    }
    if (strcmp(type, "domain") == 0) {
        return norm_domain(copy);
    }
    if (strcmp(type, "email") == 0) {
        return norm_email(p, copy);
    }
    return copy;
}

/* ------------------------------------------------------------ emission */

apr_status_t pt_feed_emit(pt_feed_ctx_t *ctx, pt_ioc_t *ioc)
{
    const char *v = pt_ioc_normalise_value(ctx->scratch, ioc->type,
                                           ioc->value);
    apr_status_t rv;

    if (!v) {
        ctx->stats->skipped++;
        return APR_SUCCESS;
    }
    ioc->value = v;
    ioc->source = ctx->source;
    if (!ioc->tags) {
        ioc->tags = "";
    }
    if (ioc->confidence < -1 || ioc->confidence > 100) {
        ioc->confidence = -1;
    }
    ctx->stats->rows++;
    rv = ctx->each(ctx->baton, ioc);
    if (rv != APR_SUCCESS) {
        pt_err_set(ctx->err, ctx->pool, ctx->format, 0,
                   "%s%sstopped by the caller",
                   ctx->where ? ctx->where : "", ctx->where ? ": " : "");
    }
    return rv;
}

void pt_feed_skip(pt_feed_ctx_t *ctx)
{
    ctx->stats->skipped++;
}

apr_status_t pt_feed_fail(pt_feed_ctx_t *ctx, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    va_start(ap, fmt);
    msg = apr_pvsprintf(ctx->pool, fmt, ap);
    va_end(ap);
    return pt_err_set(ctx->err, ctx->pool, ctx->format, 0, "%s", msg);
}

/* --------------------------------------------------------------- parse */

apr_status_t pt_feed_parse(apr_pool_t *p, const char *format,
                           const char *data, apr_size_t len,
                           pt_ioc_each_fn each, void *baton,
                           pt_feed_stats_t *stats, pt_err_t *err)
{
    const feed_format_t *f = format_find(format);
    pt_feed_stats_t local;
    pt_feed_ctx_t ctx;
    apr_size_t i = 0;
    apr_status_t rv;

    if (!stats) {
        stats = &local;
    }
    stats->rows = 0;
    stats->skipped = 0;
    if (!f) {
        return pt_err_set(err, p, "feed", 0, "unknown feed format \"%s\"",
                          format ? format : "(null)");
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = p;
    ctx.kind = f->kind;
    ctx.format = f->name;
    ctx.source = f->source;
    ctx.each = each;
    ctx.baton = baton;
    ctx.stats = stats;
    ctx.err = err;
    if (!data) {
        len = 0;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < len && is_blank((unsigned char)data[i])) {
        i++;
    }
    if (i == len) {
        return pt_feed_fail(&ctx, "the body is empty");
    }
    if (pt_feed_is_html(data, len)) {
        return pt_feed_fail(&ctx, "the body is an HTML page, not %s %s "
                            "(an error page?)", f->source,
                            f->json ? "JSON" : "CSV");
    }
    rv = apr_pool_create(&ctx.scratch, p);
    if (rv != APR_SUCCESS) {
        return pt_feed_fail(&ctx, "cannot create a pool");
    }
    rv = f->json ? pt_feed_parse_json(&ctx, data, len)
                 : pt_feed_parse_csv(&ctx, data, len);
    apr_pool_destroy(ctx.scratch);
    return rv;
}
