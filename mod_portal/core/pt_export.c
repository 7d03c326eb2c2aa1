/*
 * pt_export.c -- CSV, JSON and STIX 2.1 exports of indicators, streamed to
 * a sink (formats and contracts in pt_export.h).
 *
 * Output goes through one fixed buffer of PT_EXPORT_CHUNK bytes that is
 * handed to the sink whenever it is full, so memory does not depend on the
 * number of rows.  Each row is built in a sub-pool cleared after the row;
 * the jansson objects of a row are released by cleanups of that sub-pool
 * and dumped straight into the buffer (json_dump_callback), never as a
 * document of all rows.  The first failure (the sink's status, or
 * APR_ENOMEM) is kept: the output is then cut short and every later call
 * returns it.
 *
 * Longer than the ~600 lines of the norm: three formats over one streaming
 * buffer; STIX alone needs its UUIDv5 ids and patterns.
 */
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "pt_crypto.h"
#include "pt_export.h"
#include "pt_url.h"

enum { FMT_CSV, FMT_JSON, FMT_STIX };

/* 9999-12-31T23:59:59Z: the last second with a 4-digit year. */
#define MAX_TIME APR_INT64_C(253402300799)

/* The identity never changes, so neither does its creation time. */
#define IDENTITY_CREATED "2025-01-01T00:00:00.000Z"

#define CSV_HEADER "type,value,source,threat,malware,tags,confidence," \
                   "first_seen,last_seen,reference\r\n"

struct pt_export_t {
    apr_pool_t *pool;
    apr_pool_t *row_pool;       /* cleared after every row */
    int format;
    apr_int64_t now;
    pt_export_sink_fn sink;
    void *baton;
    char *buf;                  /* PT_EXPORT_CHUNK bytes of pending output */
    apr_size_t len;
    apr_status_t status;        /* first failure; sticky */
    int ended;
    apr_int64_t rows;
    apr_int64_t skipped;
    const char *identity_id;
};

/* ------------------------------------------------------------- output */

/* Remember the first failure and return it. */
static apr_status_t fail(pt_export_t *ex, apr_status_t rv)
{
    if (!ex->status) {
        ex->status = rv;
    }
    return ex->status;
}

/* Hand the buffered output to the sink. */
static apr_status_t out_flush(pt_export_t *ex)
{
    apr_status_t rv;

    if (ex->status || ex->len == 0) {
        return ex->status;
    }
    rv = ex->sink(ex->baton, ex->buf, ex->len);
    ex->len = 0;
    if (rv) {
        return fail(ex, rv);
    }
    return APR_SUCCESS;
}

/* Append n bytes to the output, passing full chunks to the sink. */
static apr_status_t out_write(pt_export_t *ex, const char *s, apr_size_t n)
{
    while (n > 0 && !ex->status) {
        apr_size_t room = PT_EXPORT_CHUNK - ex->len;

        if (room == 0) {
            out_flush(ex);
            continue;
        }
        if (room > n) {
            room = n;
        }
        memcpy(ex->buf + ex->len, s, room);
        ex->len += room;
        s += room;
        n -= room;
    }
    return ex->status;
}

static apr_status_t out_puts(pt_export_t *ex, const char *s)
{
    return out_write(ex, s, strlen(s));
}

/* ------------------------------------------------------------- helpers */

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence at s, or 0 when
 * the bytes there are not one: stray continuation bytes, overlong forms,
 * surrogates, code points above U+10FFFF and sequences cut short (by the
 * terminating NUL too, which the checks never read past).
 */
static apr_size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) {
            return 0;
        }
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f)) {
            return 0;
        }
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80
            || (s[3] & 0xc0) != 0x80) {
            return 0;
        }
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f)) {
            return 0;
        }
        return 4;
    }
    return 0;
}

/* s itself when it is valid UTF-8, else a copy in p in which every byte
 * that does not start a well-formed sequence is replaced by U+FFFD. */
static const char *utf8_clean(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i, n, bad = 0;
    char *out, *o;

    for (i = 0; u[i]; i += n) {
        n = utf8_seq(u + i);
        if (n == 0) {
            bad++;
            n = 1;
        }
    }
    if (bad == 0) {
        return s;
    }
    out = o = apr_palloc(p, i + 2 * bad + 1);
    for (i = 0; u[i]; i += n) {
        n = utf8_seq(u + i);
        if (n == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            n = 1;
        }
        else {
            memcpy(o, s + i, n);
            o += n;
        }
    }
    *o = '\0';
    return out;
}

static int time_known(apr_int64_t t)
{
    return t > 0 && t <= MAX_TIME;
}

/* t (known) as YYYY-MM-DDTHH:MM:SSZ, with ".000" before the Z when
 * millis is set. */
static const char *iso_time(apr_pool_t *p, apr_int64_t t, int millis)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, apr_time_from_sec(t));
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
                        e.tm_year + 1900, e.tm_mon + 1, e.tm_mday,
                        e.tm_hour, e.tm_min, e.tm_sec, millis ? ".000" : "");
}

/* ------------------------------------------------------------- UUIDv5 */

/* The 16 bytes of a UUID string (either case); 0 when s is not one. */
static int uuid_parse(const char *s, unsigned char out[16])
{
    int i, o = 0;

    for (i = 0; i < 36; i++) {
        int hi, lo;

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
            continue;
        }
        hi = pt_hex_value((unsigned char)s[i]);
        if (hi < 0) {
            return 0;
        }
        lo = pt_hex_value((unsigned char)s[++i]);
        if (lo < 0) {
            return 0;
        }
        out[o++] = (unsigned char)(hi << 4 | lo);
    }
    return s[36] == '\0';
}

const char *pt_uuid5(apr_pool_t *p, const char *ns, const char *name,
                     apr_size_t len)
{
    unsigned char nsb[16], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char *data;
    const char *h;

    if (!ns || !uuid_parse(ns, nsb)) {
        return NULL;
    }
    data = apr_palloc(p, sizeof(nsb) + len);
    memcpy(data, nsb, sizeof(nsb));
    if (len) {
        memcpy(data + sizeof(nsb), name, len);
    }
    if (EVP_Digest(data, sizeof(nsb) + len, md, &mdlen, EVP_sha1(), NULL) != 1
        || mdlen < 16) {
        return NULL;
    }
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);    /* version 5 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);    /* RFC 4122 variant */
    h = pt_hex_encode(p, md, 16);
    return apr_psprintf(p, "%.8s-%.4s-%.4s-%.4s-%.12s",
                        h, h + 8, h + 12, h + 16, h + 20);
}

const char *pt_stix_indicator_id(apr_pool_t *p, const pt_ioc_t *ioc)
{
    const char *source, *uuid;
    apr_size_t tl, vl, sl;
    char *name;

    if (!ioc || !ioc->type || !ioc->value) {
        return NULL;
    }
    source = ioc->source ? ioc->source : "";
    tl = strlen(ioc->type);
    vl = strlen(ioc->value);
    sl = strlen(source);
    /* type NUL value NUL source: unambiguous, as none of them holds a NUL */
    name = apr_palloc(p, tl + vl + sl + 2);
    memcpy(name, ioc->type, tl);
    name[tl] = '\0';
    memcpy(name + tl + 1, ioc->value, vl);
    name[tl + 1 + vl] = '\0';
    memcpy(name + tl + vl + 2, source, sl);
    uuid = pt_uuid5(p, PT_STIX_NAMESPACE, name, tl + vl + sl + 2);
    return uuid ? apr_pstrcat(p, "indicator--", uuid, NULL) : NULL;
}

/* ------------------------------------------------------------- patterns */

/* s as a STIX string literal: in single quotes, with "\" and "'"
 * escaped by a backslash (the only escapes the grammar has). */
static const char *stix_quote(apr_pool_t *p, const char *s)
{
    apr_size_t n = 0;
    const char *c;
    char *out, *o;

    for (c = s; *c; c++) {
        n += (*c == '\\' || *c == '\'') ? 2 : 1;
    }
    out = o = apr_palloc(p, n + 3);
    *o++ = '\'';
    for (c = s; *c; c++) {
        if (*c == '\\' || *c == '\'') {
            *o++ = '\\';
        }
        *o++ = *c;
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

static int is_ipv4(const char *s)
{
    struct in_addr a;

    return inet_pton(AF_INET, s, &a) == 1;
}

static int is_ipv6(const char *s)
{
    struct in6_addr a;

    return inet_pton(AF_INET6, s, &a) == 1;
}

/* The value of 1 to `digits` decimal digits up to max, or -1. */
static int small_number(const char *s, int digits, int max)
{
    int v = 0, i;

    for (i = 0; s[i]; i++) {
        if (i >= digits || !apr_isdigit(s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return (i == 0 || v > max) ? -1 : v;
}

/* n hex digits exactly. */
static int is_hex(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (!apr_isxdigit(s[i])) {
            return 0;
        }
    }
    return s[n] == '\0';
}

/* [ipv4-addr:value = ...] or ipv6 for an address with an optional
 * "/prefix" (cidr set), or NULL when v is not one. */
static const char *ip_pattern(apr_pool_t *p, const char *v, int cidr)
{
    const char *slash = strchr(v, '/'), *addr = v, *type;
    int max;

    if (cidr != (slash != NULL)) {
        return NULL;
    }
    if (slash) {
        addr = apr_pstrmemdup(p, v, (apr_size_t)(slash - v));
    }
    if (is_ipv4(addr)) {
        type = "ipv4-addr";
        max = 32;
    }
    else if (is_ipv6(addr)) {
        type = "ipv6-addr";
        max = 128;
    }
    else {
        return NULL;
    }
    if (slash && small_number(slash + 1, 3, max) < 0) {
        return NULL;
    }
    return apr_psprintf(p, "[%s:value = %s]", type, stix_quote(p, v));
}

/* "1.2.3.4:443" or "[2001:db8::1]:443" as a network-traffic pattern. */
static const char *ip_port_pattern(apr_pool_t *p, const char *v)
{
    const char *host, *port;
    int n;

    if (v[0] == '[') {
        const char *close = strchr(v, ']');

        if (!close || close[1] != ':') {
            return NULL;
        }
        host = apr_pstrmemdup(p, v + 1, (apr_size_t)(close - v - 1));
        port = close + 2;
        if (!is_ipv6(host)) {
            return NULL;
        }
    }
    else {
        const char *colon = strrchr(v, ':');

        if (!colon) {
            return NULL;
        }
        host = apr_pstrmemdup(p, v, (apr_size_t)(colon - v));
        port = colon + 1;
        if (!is_ipv4(host)) {
            return NULL;
        }
    }
    n = small_number(port, 5, 65535);
    if (n < 0) {
        return NULL;
    }
    return apr_psprintf(p, "[network-traffic:dst_ref.value = %s AND "
                        "network-traffic:dst_port = %d]",
                        stix_quote(p, host), n);
}

const char *pt_stix_pattern(apr_pool_t *p, const pt_ioc_t *ioc)
{
    static const struct {
        const char *type;
        apr_size_t hexlen;
        const char *path;
    } hashes[] = {
        { "md5", 32, "file:hashes.MD5" },
        { "sha1", 40, "file:hashes.'SHA-1'" },
        { "sha256", 64, "file:hashes.'SHA-256'" },
        { "sha512", 128, "file:hashes.'SHA-512'" },
    };
    const char *t, *v, *path = NULL;
    apr_size_t i;

    if (!ioc || !ioc->type || !ioc->value || !ioc->value[0]) {
        return NULL;
    }
    t = ioc->type;
    v = utf8_clean(p, ioc->value);
    for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        if (!strcmp(t, hashes[i].type)) {
            if (!is_hex(v, hashes[i].hexlen)) {
                return NULL;
            }
            return apr_psprintf(p, "[%s = %s]", hashes[i].path,
                                stix_quote(p, v));
        }
    }
    if (!strcmp(t, "ip")) {
        return ip_pattern(p, v, 0);
    }
    if (!strcmp(t, "cidr")) {
        return ip_pattern(p, v, 1);
    }
    if (!strcmp(t, "ip:port")) {
        return ip_port_pattern(p, v);
    }
    if (!strcmp(t, "url")) {
        path = "url:value";
    }
    else if (!strcmp(t, "domain")) {
        path = "domain-name:value";
    }
    else if (!strcmp(t, "email")) {
        path = "email-addr:value";
    }
    if (!path) {
        return NULL;
    }
    return apr_psprintf(p, "[%s = %s]", path, stix_quote(p, v));
}

/* ------------------------------------------------------------- jansson */

static apr_status_t json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

/* A new JSON object released when the row pool is cleared; NULL when
 * jansson cannot allocate. */
static json_t *row_object(pt_export_t *ex)
{
    json_t *o = json_object();

    if (o) {
        apr_pool_cleanup_register(ex->row_pool, o, json_cleanup,
                                  apr_pool_cleanup_null);
    }
    return o;
}

/* A JSON string of s (made valid UTF-8), or null when s is NULL. */
static json_t *json_str(pt_export_t *ex, const char *s)
{
    if (!s) {
        return json_null();
    }
    return json_string(utf8_clean(ex->row_pool, s));
}

/* The comma-separated tags as an array, empty tags dropped. */
static json_t *tags_array(pt_export_t *ex, const char *tags)
{
    json_t *a = json_array();
    const char *s = tags;

    if (!a) {
        return NULL;
    }
    while (*s) {
        const char *comma = strchr(s, ',');
        apr_size_t n = comma ? (apr_size_t)(comma - s) : strlen(s);

        if (n > 0 && json_array_append_new(
                a, json_str(ex, apr_pstrmemdup(ex->row_pool, s, n)))) {
            json_decref(a);
            return NULL;
        }
        s += n;
        if (*s == ',') {
            s++;
        }
    }
    return a;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    pt_export_t *ex = data;

    return out_write(ex, buffer, size) == APR_SUCCESS ? 0 : -1;
}

/* Write sep, then o as compact JSON. */
static apr_status_t dump_object(pt_export_t *ex, const char *sep, json_t *o)
{
    if (out_puts(ex, sep)) {
        return ex->status;
    }
    if (json_dump_callback(o, dump_cb, ex, JSON_COMPACT) != 0) {
        return fail(ex, APR_ENOMEM);    /* or the sink's error, kept */
    }
    return ex->status;
}

/* ------------------------------------------------------------- CSV */

/* One cell: formula prefixes neutralised, then RFC 4180 quoting. */
static apr_status_t csv_cell(pt_export_t *ex, const char *s, int first)
{
    const char *c, *start;
    int quote;

    if (!first) {
        out_write(ex, ",", 1);
    }
    if (!s || !s[0]) {
        return ex->status;
    }
    s = utf8_clean(ex->row_pool, s);
    quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote) {
        out_write(ex, "\"", 1);
    }
    if (strchr("=+-@\t\r", s[0])) {
        out_write(ex, "'", 1);
    }
    for (start = c = s; *c; c++) {
        if (*c == '"') {
            out_write(ex, start, (apr_size_t)(c - start + 1));
            out_write(ex, "\"", 1);
            start = c + 1;
        }
    }
    out_write(ex, start, (apr_size_t)(c - start));
    if (quote) {
        out_write(ex, "\"", 1);
    }
    return ex->status;
}

static apr_status_t csv_row(pt_export_t *ex, const pt_ioc_t *ioc)
{
    apr_pool_t *p = ex->row_pool;
    int conf = ioc->confidence;

    csv_cell(ex, ioc->type, 1);
    csv_cell(ex, ioc->value, 0);
    csv_cell(ex, ioc->source, 0);
    csv_cell(ex, ioc->threat, 0);
    csv_cell(ex, ioc->malware, 0);
    csv_cell(ex, ioc->tags, 0);
    csv_cell(ex, conf >= 0 && conf <= 100 ? apr_itoa(p, conf) : NULL, 0);
    csv_cell(ex, time_known(ioc->first_seen)
                 ? iso_time(p, ioc->first_seen, 0) : NULL, 0);
    csv_cell(ex, time_known(ioc->last_seen)
                 ? iso_time(p, ioc->last_seen, 0) : NULL, 0);
    csv_cell(ex, ioc->reference, 0);
    return out_write(ex, "\r\n", 2);
}

/* ------------------------------------------------------------- JSON */

static apr_status_t json_row(pt_export_t *ex, const pt_ioc_t *ioc)
{
    apr_pool_t *p = ex->row_pool;
    json_t *o = row_object(ex);
    int conf = ioc->confidence, bad;

    if (!o) {
        return fail(ex, APR_ENOMEM);
    }
    bad = json_object_set_new(o, "type", json_str(ex, ioc->type));
    bad |= json_object_set_new(o, "value", json_str(ex, ioc->value));
    bad |= json_object_set_new(o, "source", json_str(ex, ioc->source));
    bad |= json_object_set_new(o, "threat", json_str(ex, ioc->threat));
    bad |= json_object_set_new(o, "malware", json_str(ex, ioc->malware));
    bad |= json_object_set_new(o, "tags", ioc->tags
                               ? tags_array(ex, ioc->tags) : json_null());
    bad |= json_object_set_new(o, "confidence", conf >= 0 && conf <= 100
                               ? json_integer(conf) : json_null());
    bad |= json_object_set_new(o, "first_seen", time_known(ioc->first_seen)
                               ? json_string(iso_time(p, ioc->first_seen, 0))
                               : json_null());
    bad |= json_object_set_new(o, "last_seen", time_known(ioc->last_seen)
                               ? json_string(iso_time(p, ioc->last_seen, 0))
                               : json_null());
    bad |= json_object_set_new(o, "reference", json_str(ex, ioc->reference));
    if (bad) {
        return fail(ex, APR_ENOMEM);
    }
    return dump_object(ex, ex->rows ? ",\n" : "\n", o);
}

/* ------------------------------------------------------------- STIX */

/* "Reported by SOURCE as THREAT, malware family MALWARE", with the parts
 * that are known; NULL when none is. */
static const char *stix_description(apr_pool_t *p, const pt_ioc_t *ioc)
{
    if (!ioc->source && !ioc->threat && !ioc->malware) {
        return NULL;
    }
    if (!ioc->source && !ioc->threat) {
        return apr_pstrcat(p, "Malware family ", ioc->malware, NULL);
    }
    return apr_pstrcat(p, "Reported",
                       ioc->source ? " by " : "",
                       ioc->source ? ioc->source : "",
                       ioc->threat ? " as " : "",
                       ioc->threat ? ioc->threat : "",
                       ioc->malware ? ", malware family " : "",
                       ioc->malware ? ioc->malware : "", NULL);
}

/* indicator_types from the threat: "benign" and "unknown" (GreyNoise's
 * classifications) as themselves, anything else, none included,
 * "malicious-activity" (the feeds list what they judge malicious). */
static const char *indicator_type(const pt_ioc_t *ioc)
{
    if (ioc->threat && !strcmp(ioc->threat, "benign")) {
        return "benign";
    }
    if (ioc->threat && !strcmp(ioc->threat, "unknown")) {
        return "unknown";
    }
    return "malicious-activity";
}

/* external_references: the feed's page about the indicator, when there
 * is a usable URL and the source name is not one STIX reserves. */
static json_t *stix_references(pt_export_t *ex, const pt_ioc_t *ioc)
{
    const char *source = ioc->source && ioc->source[0] ? ioc->source
                                                       : "unknown";
    json_t *a, *r;

    if (!ioc->reference || !pt_url_is_web(ioc->reference)
        || !strcmp(source, "cve") || !strcmp(source, "capec")) {
        return NULL;
    }
    a = json_array();
    if (!a) {
        return NULL;
    }
    r = json_object();
    if (json_array_append_new(a, r)) {     /* releases r, NULL or not */
        json_decref(a);
        return NULL;
    }
    if (json_object_set_new(r, "source_name", json_str(ex, source))
        || json_object_set_new(r, "url", json_string(ioc->reference))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static apr_status_t stix_row(pt_export_t *ex, const pt_ioc_t *ioc)
{
    apr_pool_t *p = ex->row_pool;
    const char *pattern, *id, *created, *modified, *desc;
    apr_int64_t first, modt;
    json_t *o, *types, *labels = NULL, *refs = NULL;
    int conf = ioc->confidence, bad;

    pattern = pt_stix_pattern(p, ioc);
    if (!pattern) {
        ex->skipped++;
        return APR_SUCCESS;
    }
    id = pt_stix_indicator_id(p, ioc);
    if (!id) {
        return fail(ex, APR_EGENERAL);     /* no SHA-1 in this OpenSSL */
    }
    first = time_known(ioc->first_seen) ? ioc->first_seen : ex->now;
    modt = time_known(ioc->last_seen) && ioc->last_seen > first
           ? ioc->last_seen : first;
    created = iso_time(p, first, 1);
    modified = iso_time(p, modt, 1);
    desc = stix_description(p, ioc);

    o = row_object(ex);
    if (!o) {
        return fail(ex, APR_ENOMEM);
    }
    bad = json_object_set_new(o, "type", json_string("indicator"));
    bad |= json_object_set_new(o, "spec_version", json_string("2.1"));
    bad |= json_object_set_new(o, "id", json_string(id));
    bad |= json_object_set_new(o, "created_by_ref",
                               json_string(ex->identity_id));
    bad |= json_object_set_new(o, "created", json_string(created));
    bad |= json_object_set_new(o, "modified", json_string(modified));
    bad |= json_object_set_new(o, "name", json_str(ex, ioc->value));
    if (desc) {
        bad |= json_object_set_new(o, "description", json_str(ex, desc));
    }
    types = json_array();
    bad |= json_array_append_new(types, json_string(indicator_type(ioc)));
    bad |= json_object_set_new(o, "indicator_types", types);
    bad |= json_object_set_new(o, "pattern", json_string(pattern));
    bad |= json_object_set_new(o, "pattern_type", json_string("stix"));
    bad |= json_object_set_new(o, "pattern_version", json_string("2.1"));
    bad |= json_object_set_new(o, "valid_from", json_string(created));
    if (ioc->tags && ioc->tags[0]) {
        labels = tags_array(ex, ioc->tags);
        if (!labels) {
            bad = 1;
        }
        else if (json_array_size(labels) > 0) {
            bad |= json_object_set_new(o, "labels", labels);
        }
        else {
            json_decref(labels);        /* STIX lists are never empty */
        }
    }
    if (conf >= 0 && conf <= 100) {
        bad |= json_object_set_new(o, "confidence", json_integer(conf));
    }
    refs = stix_references(ex, ioc);
    if (refs) {
        bad |= json_object_set_new(o, "external_references", refs);
    }
    if (bad) {
        return fail(ex, APR_ENOMEM);
    }
    return dump_object(ex, ",\n", o);
}

/* The bundle's opening and the portal's identity. */
static apr_status_t stix_begin(pt_export_t *ex, pt_err_t *err)
{
    apr_pool_t *p = ex->row_pool;
    const char *bundle, *uuid;
    json_t *o;
    int bad;

    uuid = pt_uuid5(ex->pool, PT_STIX_NAMESPACE, PT_STIX_IDENTITY_NAME,
                    strlen(PT_STIX_IDENTITY_NAME));
    if (!uuid) {
        pt_err_set(err, ex->pool, NULL, 0,
                   "cannot compute STIX ids: SHA-1 is not available");
        return APR_EGENERAL;
    }
    ex->identity_id = apr_pstrcat(ex->pool, "identity--", uuid, NULL);
    if (pt_uuid_new(p, &bundle) != APR_SUCCESS) {
        pt_err_set(err, ex->pool, NULL, 0,
                   "cannot make a bundle id: no random numbers");
        return APR_EGENERAL;
    }
    out_puts(ex, apr_pstrcat(p, "{\"type\":\"bundle\",\"id\":\"bundle--",
                             bundle, "\",\"objects\":[\n", NULL));
    o = row_object(ex);
    if (!o) {
        pt_err_set(err, ex->pool, NULL, 0, "out of memory");
        return APR_ENOMEM;
    }
    bad = json_object_set_new(o, "type", json_string("identity"));
    bad |= json_object_set_new(o, "spec_version", json_string("2.1"));
    bad |= json_object_set_new(o, "id", json_string(ex->identity_id));
    bad |= json_object_set_new(o, "created", json_string(IDENTITY_CREATED));
    bad |= json_object_set_new(o, "modified", json_string(IDENTITY_CREATED));
    bad |= json_object_set_new(o, "name", json_string(PT_STIX_IDENTITY_NAME));
    bad |= json_object_set_new(o, "description", json_string(
        "The portal that exported these indicators from its feeds"));
    bad |= json_object_set_new(o, "identity_class", json_string("system"));
    if (bad || dump_object(ex, "", o)) {
        pt_err_set(err, ex->pool, NULL, 0, "out of memory");
        return fail(ex, APR_ENOMEM);
    }
    apr_pool_clear(p);
    return APR_SUCCESS;
}

/* ------------------------------------------------------------- API */

static int format_index(const char *format)
{
    if (!format) {
        return -1;
    }
    if (!strcmp(format, "csv")) {
        return FMT_CSV;
    }
    if (!strcmp(format, "json")) {
        return FMT_JSON;
    }
    if (!strcmp(format, "stix")) {
        return FMT_STIX;
    }
    return -1;
}

apr_status_t pt_export_begin(apr_pool_t *p, const char *format,
                             apr_int64_t now, pt_export_sink_fn sink,
                             void *baton, pt_export_t **exp, pt_err_t *err)
{
    int fmt = format_index(format);
    pt_export_t *ex;
    apr_status_t rv;

    *exp = NULL;
    if (fmt < 0) {
        pt_err_set(err, p, NULL, 0,
                   "unknown export format (expected csv, json or stix)");
        return APR_EINVAL;
    }
    if (!sink) {
        pt_err_set(err, p, NULL, 0, "export without an output");
        return APR_EINVAL;
    }
    if (fmt == FMT_STIX && !time_known(now)) {
        pt_err_set(err, p, NULL, 0, "export time %" APR_INT64_T_FMT
                   " is out of range", now);
        return APR_EINVAL;
    }
    ex = apr_pcalloc(p, sizeof(*ex));
    ex->pool = p;
    ex->format = fmt;
    ex->now = now;
    ex->sink = sink;
    ex->baton = baton;
    ex->buf = apr_palloc(p, PT_EXPORT_CHUNK);
    rv = apr_pool_create(&ex->row_pool, p);
    if (rv) {
        pt_err_set(err, p, NULL, 0, "cannot create a memory pool");
        return rv;
    }
    apr_pool_tag(ex->row_pool, "pt_export_row");
    switch (fmt) {
    case FMT_CSV:
        out_puts(ex, CSV_HEADER);
        break;
    case FMT_JSON:
        out_puts(ex, "{\"items\":[");
        break;
    default:
        rv = stix_begin(ex, err);
        if (rv) {
            return rv;
        }
        break;
    }
    *exp = ex;
    return APR_SUCCESS;
}

apr_status_t pt_export_row(pt_export_t *ex, const pt_ioc_t *ioc)
{
    apr_int64_t skipped;
    apr_status_t rv;

    if (!ex || !ioc || ex->ended) {
        return APR_EINVAL;
    }
    if (ex->status) {
        return ex->status;
    }
    skipped = ex->skipped;
    switch (ex->format) {
    case FMT_CSV:
        rv = csv_row(ex, ioc);
        break;
    case FMT_JSON:
        rv = json_row(ex, ioc);
        break;
    default:
        rv = stix_row(ex, ioc);
        break;
    }
    apr_pool_clear(ex->row_pool);
    if (rv) {
        return rv;
    }
    if (ex->skipped == skipped) {
        ex->rows++;
    }
    return APR_SUCCESS;
}

apr_status_t pt_export_end(pt_export_t *ex)
{
    if (!ex || ex->ended) {
        return APR_EINVAL;
    }
    ex->ended = 1;
    if (ex->status) {
        return ex->status;
    }
    if (ex->format == FMT_JSON || ex->format == FMT_STIX) {
        out_puts(ex, "\n]}\n");
    }
    return out_flush(ex);
}

apr_int64_t pt_export_rows(pt_export_t *ex)
{
    return ex->rows;
}

apr_int64_t pt_export_skipped(pt_export_t *ex)
{
    return ex->skipped;
}

const char *pt_export_content_type(const char *format)
{
    switch (format_index(format)) {
    case FMT_CSV:
        return "text/csv; charset=utf-8";
    case FMT_JSON:
        return "application/json";
    case FMT_STIX:
        return "application/stix+json;version=2.1";
    default:
        return NULL;
    }
}

const char *pt_export_extension(const char *format)
{
    switch (format_index(format)) {
    case FMT_CSV:
        return "csv";
    case FMT_JSON:
    case FMT_STIX:
        return "json";
    default:
        return NULL;
    }
}
