/*
 * test_export.c -- unit tests of pt_export.c: exact CSV bytes (quoting,
 * formula neutralisation, empty fields, UTF-8), JSON read back with
 * jansson, STIX patterns for every type, deterministic UUIDv5 ids, the
 * STIX bundle, sink failures, and 200,000-row exports that must stream
 * with bounded memory.
 *
 * When PT_EXPORT_OUTDIR names a folder, STIX bundles are written to
 * OUTDIR/good (must pass t/unit/check_stix.py) and deliberately broken
 * copies to OUTDIR/bad (must fail it); t/unit/test_export.sh runs both.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <jansson.h>

#include "pt_buf.h"
#include "pt_export.h"
#include "pt_test.h"

/*
 * Memory in use, to show that a long export does not accumulate: the
 * malloc heap (jansson), and the resident set, which also sees APR's
 * pools (they map their memory directly, out of malloc's sight).  Under
 * AddressSanitizer the heap figure comes from its allocator; the resident
 * set is then only meaningful without its quarantine of freed blocks
 * (ASAN_OPTIONS=quarantine_size_mb=0), so it is checked only then; the
 * plain build checks it always.
 */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ASAN 1
#endif
#endif
#if defined(HEAP_ASAN)
/* from the sanitizer runtime (gcc ships no header for them) */
size_t __sanitizer_get_current_allocated_bytes(void);
static int heap_in_use(apr_size_t *bytes)
{
    *bytes = __sanitizer_get_current_allocated_bytes();
    return 1;
}
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#include <malloc.h>
static int heap_in_use(apr_size_t *bytes)
{
    struct mallinfo2 mi = mallinfo2();

    *bytes = mi.uordblks + mi.hblkhd;
    return 1;
}
#else
static int heap_in_use(apr_size_t *bytes)
{
    *bytes = 0;
    return 0;
}
#endif

/* Resident bytes from /proc/self/statm; 0 when not known or not
 * meaningful. */
static int resident(apr_size_t *bytes)
{
    unsigned long size = 0, pages = 0;
    FILE *f;
    int ok;

    *bytes = 0;
#if defined(HEAP_ASAN)
    {
        const char *o = getenv("ASAN_OPTIONS");

        if (!o || !strstr(o, "quarantine_size_mb=0")) {
            return 0;
        }
    }
#endif
    f = fopen("/proc/self/statm", "r");
    if (!f) {
        return 0;
    }
    ok = fscanf(f, "%lu %lu", &size, &pages) == 2;
    fclose(f);
    *bytes = (apr_size_t)pages * (apr_size_t)sysconf(_SC_PAGESIZE);
    return ok;
}

#define NOW APR_INT64_C(1750000000)     /* 2025-06-15T15:06:40Z */
#define T1 APR_INT64_C(1700000000)      /* 2023-11-14T22:13:20Z */
#define T2 APR_INT64_C(1700003600)      /* 2023-11-14T23:13:20Z */
#define IDENTITY "identity--8bd8c435-2ade-5f26-8d12-0b43e5eace76"
#define CSV_HEAD "type,value,source,threat,malware,tags,confidence," \
                 "first_seen,last_seen,reference\r\n"

static const char *outdir;

/* ------------------------------------------------------------- sinks */

typedef struct sink_t {
    pt_buf_t out;               /* everything, when keep is set */
    int keep;
    apr_size_t calls, bytes, longest, short_calls, newlines;
    apr_size_t fail_at;         /* fail this call (1-based); 0 never */
    apr_int64_t rows_fed, first_call_row;
} sink_t;

static apr_status_t sink_fn(void *baton, const char *data, apr_size_t len)
{
    sink_t *s = baton;
    apr_size_t i;

    s->calls++;
    if (s->fail_at && s->calls == s->fail_at) {
        return APR_ECONNRESET;
    }
    if (s->calls == 1) {
        s->first_call_row = s->rows_fed;
    }
    s->bytes += len;
    if (len > s->longest) {
        s->longest = len;
    }
    if (len < PT_EXPORT_CHUNK) {
        s->short_calls++;
    }
    for (i = 0; i < len; i++) {
        s->newlines += data[i] == '\n';
    }
    if (s->keep) {
        return pt_buf_append(&s->out, data, len);
    }
    return APR_SUCCESS;
}

static void sink_init(sink_t *s, apr_pool_t *p, int keep)
{
    memset(s, 0, sizeof(*s));
    s->keep = keep;
    s->first_call_row = -1;
    pt_buf_init(&s->out, p, 4096, 64 * 1024 * 1024);
}

static pt_ioc_t ioc_make(const char *type, const char *value,
                         const char *source)
{
    pt_ioc_t i;

    memset(&i, 0, sizeof(i));
    i.type = type;
    i.value = value;
    i.source = source;
    i.tags = "";
    i.confidence = -1;
    return i;
}

/* The full output of an export of rows, or NULL (with a failed check). */
static const char *export_all(apr_pool_t *p, const char *format,
                              const pt_ioc_t *rows, int n,
                              pt_export_t **exo)
{
    pt_export_t *ex = NULL;
    pt_err_t err = { 0 };
    sink_t s;
    int i;

    sink_init(&s, p, 1);
    if (pt_export_begin(p, format, NOW, sink_fn, &s, &ex, &err)) {
        PT_OK(0, "begin %s: %s", format, pt_err_str(&err, p));
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (pt_export_row(ex, &rows[i])) {
            PT_OK(0, "%s row %d written", format, i);
            return NULL;
        }
    }
    if (pt_export_end(ex)) {
        PT_OK(0, "end %s", format);
        return NULL;
    }
    if (exo) {
        *exo = ex;
    }
    return s.out.data;
}

static void write_file(apr_pool_t *p, const char *sub, const char *name,
                       const char *data)
{
    const char *dir, *path;
    apr_file_t *f;
    apr_size_t n = strlen(data);
    apr_status_t rv;

    if (!outdir) {
        return;
    }
    dir = apr_pstrcat(p, outdir, "/", sub, NULL);
    apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    path = apr_pstrcat(p, dir, "/", name, NULL);
    rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, data, n, NULL);
        apr_file_close(f);
    }
    PT_OK(rv == APR_SUCCESS, "wrote %s", path);
}

/* ------------------------------------------------------------- CSV */

/* The CSV of one "domain" row whose value is v: the cell as exported. */
static const char *csv_value(apr_pool_t *p, const char *v)
{
    pt_ioc_t row = ioc_make("domain", v, NULL);
    const char *out = export_all(p, "csv", &row, 1, NULL);

    if (!out || strncmp(out, CSV_HEAD, strlen(CSV_HEAD))) {
        return NULL;
    }
    out += strlen(CSV_HEAD);
    if (strncmp(out, "domain,", 7) || strlen(out) < 17
        || strcmp(out + strlen(out) - 10, ",,,,,,,,\r\n")) {
        return apr_pstrcat(p, "(bad row) ", out, NULL);
    }
    return apr_pstrndup(p, out + 7, strlen(out) - 17);
}

static void test_csv(apr_pool_t *p)
{
    pt_ioc_t rows[3];
    const char *out;

    out = export_all(p, "csv", NULL, 0, NULL);
    PT_IS_STR(out, CSV_HEAD, "empty CSV export is the header alone");

    rows[0] = ioc_make("url", "http://example.com/a", "URLhaus");
    rows[0].threat = "malware_download";
    rows[0].malware = "Mozi";
    rows[0].tags = "elf,mozi";
    rows[0].confidence = 75;
    rows[0].first_seen = T1;
    rows[0].last_seen = T2;
    rows[0].reference = "https://urlhaus.abuse.ch/url/1/";
    memset(&rows[1], 0, sizeof(rows[1]));
    rows[1].confidence = -1;
    rows[2] = ioc_make("url", "http://x/?a=\"1\",b", "CR\rLF\n");
    rows[2].threat = "line1\nline2";
    rows[2].malware = "Evil \"Corp\"";
    rows[2].confidence = 0;
    rows[2].first_seen = -5;
    rows[2].last_seen = APR_INT64_C(253402300800);
    out = export_all(p, "csv", rows, 3, NULL);
    PT_IS_STR(out, CSV_HEAD
              "url,http://example.com/a,URLhaus,malware_download,Mozi,"
              "\"elf,mozi\",75,2023-11-14T22:13:20Z,2023-11-14T23:13:20Z,"
              "https://urlhaus.abuse.ch/url/1/\r\n"
              ",,,,,,,,,\r\n"
              "url,\"http://x/?a=\"\"1\"\",b\",\"CR\rLF\n\","
              "\"line1\nline2\",\"Evil \"\"Corp\"\"\",,0,,,\r\n",
              "CSV rows: full, all unknown, quotes/commas/CR/LF, "
              "out-of-range times");

    PT_IS_STR(csv_value(p, "=HYPERLINK(\"http://x\")"),
              "\"'=HYPERLINK(\"\"http://x\"\")\"", "= is neutralised, then quoted");
    PT_IS_STR(csv_value(p, "+1+2"), "'+1+2", "+ is neutralised");
    PT_IS_STR(csv_value(p, "-2"), "'-2", "- is neutralised");
    PT_IS_STR(csv_value(p, "@SUM(A1)"), "'@SUM(A1)", "@ is neutralised");
    PT_IS_STR(csv_value(p, "\tcmd"), "'\tcmd",
              "TAB is neutralised (and needs no quotes)");
    PT_IS_STR(csv_value(p, "\rcmd"), "\"'\rcmd\"",
              "CR is neutralised and quoted");
    PT_IS_STR(csv_value(p, "=a,b"), "\"'=a,b\"",
              "a neutralised cell with a comma is quoted around the '");
    PT_IS_STR(csv_value(p, "a=b-c"), "a=b-c",
              "formula characters after the start are left alone");
    PT_IS_STR(csv_value(p, "'quoted'"), "'quoted'",
              "a leading ' is not doubled");
    PT_IS_STR(csv_value(p, "\"a\""), "\"\"\"a\"\"\"", "quotes doubled");
    PT_IS_STR(csv_value(p, "b\xc3\xbc" "cher.example \xe6\x97\xa5\xe6\x9c\xac"),
              "b\xc3\xbc" "cher.example \xe6\x97\xa5\xe6\x9c\xac",
              "UTF-8 passes unchanged");
    PT_IS_STR(csv_value(p, "\xff\xfe" "abc"),
              "\xef\xbf\xbd\xef\xbf\xbd" "abc",
              "invalid bytes become U+FFFD");
    PT_IS_STR(csv_value(p, "x\xe2\x82"), "x\xef\xbf\xbd\xef\xbf\xbd",
              "a cut-short sequence becomes U+FFFD per byte");
    PT_IS_STR(csv_value(p, "\xc0\xaf\xed\xa0\x80"),
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
              "overlong forms and surrogates are not passed on");
    PT_IS_STR(csv_value(p, ""), "", "an empty value is an empty cell");
}

/* ------------------------------------------------------------- JSON */

static void test_json(apr_pool_t *p)
{
    pt_ioc_t rows[3];
    json_t *got, *want;
    json_error_t jerr;
    const char *out, *want_prefix;

    out = export_all(p, "json", NULL, 0, NULL);
    PT_IS_STR(out, "{\"items\":[\n]}\n", "empty JSON export");

    rows[0] = ioc_make("url", "http://example.com/a", "URLhaus");
    rows[0].threat = "malware_download";
    rows[0].malware = "Mozi";
    rows[0].tags = "elf,,mozi,";
    rows[0].confidence = 75;
    rows[0].first_seen = T1;
    rows[0].last_seen = T2;
    rows[0].reference = "https://urlhaus.abuse.ch/url/1/";
    memset(&rows[1], 0, sizeof(rows[1]));
    rows[1].confidence = 101;
    rows[2] = ioc_make("domain", "\xff" "bad\"\\\n", "ThreatFox");
    rows[2].confidence = 0;
    out = export_all(p, "json", rows, 3, NULL);
    want_prefix = "{\"items\":[\n{\"type\":\"url\",\"value\":"
                  "\"http://example.com/a\",\"source\":\"URLhaus\","
                  "\"threat\":\"malware_download\",\"malware\":\"Mozi\","
                  "\"tags\":[\"elf\",\"mozi\"],\"confidence\":75,"
                  "\"first_seen\":\"2023-11-14T22:13:20Z\","
                  "\"last_seen\":\"2023-11-14T23:13:20Z\",\"reference\":"
                  "\"https://urlhaus.abuse.ch/url/1/\"},\n{";
    PT_OK(out && !strncmp(out, want_prefix, strlen(want_prefix)),
          "JSON: keys in header order, one item per line");
    got = out ? json_loads(out, 0, &jerr) : NULL;
    PT_OK(got != NULL, "JSON export parses (%s)", got ? "ok" : jerr.text);
    want = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:[s,s],s:i,s:s,s:s,s:s},"
                     "{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n},"
                     "{s:s,s:s,s:s,s:n,s:n,s:[],s:i,s:n,s:n,s:n}]}",
                     "items",
                     "type", "url", "value", "http://example.com/a",
                     "source", "URLhaus", "threat", "malware_download",
                     "malware", "Mozi", "tags", "elf", "mozi",
                     "confidence", 75, "first_seen", "2023-11-14T22:13:20Z",
                     "last_seen", "2023-11-14T23:13:20Z",
                     "reference", "https://urlhaus.abuse.ch/url/1/",
                     "type", "value", "source", "threat", "malware", "tags",
                     "confidence", "first_seen", "last_seen", "reference",
                     "type", "domain", "value", "\xef\xbf\xbd" "bad\"\\\n",
                     "source", "ThreatFox", "threat", "malware", "tags",
                     "confidence", 0, "first_seen", "last_seen",
                     "reference");
    PT_OK(want != NULL, "expected JSON built");
    PT_OK(got && want && json_equal(got, want),
          "JSON read back equals the rows (nulls for unknown, tags split, "
          "escapes, U+FFFD)");
    json_decref(got);
    json_decref(want);
}

/* ------------------------------------------------------------- patterns */

static const char *pat(apr_pool_t *p, const char *type, const char *value)
{
    pt_ioc_t i = ioc_make(type, value, "x");

    return pt_stix_pattern(p, &i);
}

static void test_patterns(apr_pool_t *p)
{
    PT_IS_STR(pat(p, "url", "http://example.com/a?b=1"),
              "[url:value = 'http://example.com/a?b=1']", "url");
    PT_IS_STR(pat(p, "url", "http://x/it's\\here"),
              "[url:value = 'http://x/it\\'s\\\\here']",
              "url: ' and \\ escaped with a backslash");
    PT_IS_STR(pat(p, "domain", "evil.example"),
              "[domain-name:value = 'evil.example']", "domain");
    PT_IS_STR(pat(p, "email", "o'brien@example.com"),
              "[email-addr:value = 'o\\'brien@example.com']", "email");
    PT_IS_STR(pat(p, "ip", "192.0.2.1"),
              "[ipv4-addr:value = '192.0.2.1']", "ip v4");
    PT_IS_STR(pat(p, "ip", "2001:db8::1"),
              "[ipv6-addr:value = '2001:db8::1']", "ip v6");
    PT_IS_STR(pat(p, "cidr", "198.51.100.0/24"),
              "[ipv4-addr:value = '198.51.100.0/24']", "cidr v4");
    PT_IS_STR(pat(p, "cidr", "2001:db8::/32"),
              "[ipv6-addr:value = '2001:db8::/32']", "cidr v6");
    PT_IS_STR(pat(p, "ip:port", "192.0.2.10:443"),
              "[network-traffic:dst_ref.value = '192.0.2.10' AND "
              "network-traffic:dst_port = 443]", "ip:port v4");
    PT_IS_STR(pat(p, "ip:port", "[2001:db8::2]:8080"),
              "[network-traffic:dst_ref.value = '2001:db8::2' AND "
              "network-traffic:dst_port = 8080]", "ip:port v6");
    PT_IS_STR(pat(p, "ip:port", "192.0.2.10:0080"),
              "[network-traffic:dst_ref.value = '192.0.2.10' AND "
              "network-traffic:dst_port = 80]", "ip:port: port as a number");
    PT_IS_STR(pat(p, "md5", "44d88612fea8a8f36de82e1278abb02f"),
              "[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']", "md5");
    PT_IS_STR(pat(p, "sha1", "3395856ce81f2b7382dee72602f798b642f14140"),
              "[file:hashes.'SHA-1' = "
              "'3395856ce81f2b7382dee72602f798b642f14140']", "sha1");
    PT_IS_STR(pat(p, "sha256", "275a021bbfb6489e54d471899f7db9d1663fc695ec2f"
                  "e2a2c4538aabf651fd0f"),
              "[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663f"
              "c695ec2fe2a2c4538aabf651fd0f']", "sha256");
    PT_IS_STR(pat(p, "sha512", "cc805d5fab1fd71a4ab352a9c533e65fb2d5b885518f"
                  "4e565e68847223b8e6b85cb48f3afad842726d99239c9e36505c64b0dc"
                  "9a061d9e507d833277ada336ab"),
              "[file:hashes.'SHA-512' = 'cc805d5fab1fd71a4ab352a9c533e65fb2d5"
              "b885518f4e565e68847223b8e6b85cb48f3afad842726d99239c9e36505c"
              "64b0dc9a061d9e507d833277ada336ab']", "sha512");
    PT_IS_STR(pat(p, "url", "http://x/\xff"),
              "[url:value = 'http://x/\xef\xbf\xbd']",
              "invalid UTF-8 in a pattern becomes U+FFFD");

    PT_IS_STR(pat(p, "asn", "AS64496"), NULL, "asn: no pattern");
    PT_IS_STR(pat(p, "URL", "http://x/"), NULL, "types are lower case");
    PT_IS_STR(pat(p, "url", ""), NULL, "empty value: no pattern");
    PT_IS_STR(pat(p, "url", NULL), NULL, "NULL value: no pattern");
    PT_IS_STR(pat(p, NULL, "x"), NULL, "NULL type: no pattern");
    PT_IS_STR(pt_stix_pattern(p, NULL), NULL, "NULL ioc: no pattern");
    PT_IS_STR(pat(p, "md5", "44d88612fea8a8f36de82e1278abb02"), NULL,
              "md5 of 31 digits: none");
    PT_IS_STR(pat(p, "sha1", "3395856ce81f2b7382dee72602f798b642f1414g"),
              NULL, "sha1 with a non-hex digit: none");
    PT_IS_STR(pat(p, "sha256", "44d88612fea8a8f36de82e1278abb02f"), NULL,
              "md5 labelled sha256: none");
    PT_IS_STR(pat(p, "ip", "192.0.2.256"), NULL, "ip 192.0.2.256: none");
    PT_IS_STR(pat(p, "ip", "192.0.2.0/24"), NULL, "ip with a prefix: none");
    PT_IS_STR(pat(p, "ip", "1.2.3.4' OR '1'='1"), NULL,
              "ip with an injection attempt: none");
    PT_IS_STR(pat(p, "cidr", "192.0.2.0/33"), NULL, "cidr /33: none");
    PT_IS_STR(pat(p, "cidr", "192.0.2.0"), NULL, "cidr without prefix: none");
    PT_IS_STR(pat(p, "cidr", "192.0.2.0/"), NULL, "cidr with empty prefix");
    PT_IS_STR(pat(p, "ip:port", "192.0.2.1:65536"), NULL, "port 65536");
    PT_IS_STR(pat(p, "ip:port", "192.0.2.1:"), NULL, "empty port");
    PT_IS_STR(pat(p, "ip:port", "192.0.2.1:+80"), NULL, "signed port");
    PT_IS_STR(pat(p, "ip:port", "192.0.2.1"), NULL, "ip:port without port");
    PT_IS_STR(pat(p, "ip:port", "2001:db8::1:443"), NULL,
              "unbracketed IPv6 with port: none");
    PT_IS_STR(pat(p, "ip:port", "[192.0.2.1]:443"), NULL,
              "bracketed IPv4: none");
    PT_IS_STR(pat(p, "ip:port", "[2001:db8::1]443"), NULL,
              "bracket without colon: none");
}

/* ------------------------------------------------------------- ids */

static void test_ids(apr_pool_t *p)
{
    pt_ioc_t a = ioc_make("url", "http://example.com/a", "URLhaus");
    pt_ioc_t b = ioc_make("url", "http://example.com/a", "ThreatFox");
    pt_ioc_t c = ioc_make("ip:port", "192.0.2.10:443", "Feodo Tracker");
    pt_ioc_t d = ioc_make("domain", "example.org", NULL);
    pt_ioc_t e = ioc_make("domain", "http://example.com/a", "URLhaus");
    const char *ida, *idb;

    /* Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") */
    PT_IS_STR(pt_uuid5(p, "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                       "python.org", 10),
              "886313e1-3b8a-5372-9b90-0c9aee199e5d",
              "UUIDv5 known answer (NAMESPACE_DNS, python.org)");
    PT_IS_STR(pt_uuid5(p, "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
                       "python.org", 10),
              "886313e1-3b8a-5372-9b90-0c9aee199e5d",
              "namespace in upper case");
    PT_IS_STR(pt_uuid5(p, "6ba7b810-9dad-11d1-80b4-00c04fd430c", "x", 1),
              NULL, "short namespace refused");
    PT_IS_STR(pt_uuid5(p, "6ba7b810-9dad-11d1-80b4-00c04fd430c8x", "x", 1),
              NULL, "long namespace refused");
    PT_IS_STR(pt_uuid5(p, "6ba7b810+9dad-11d1-80b4-00c04fd430c8", "x", 1),
              NULL, "namespace without dashes refused");

    /* Python: uuid.uuid5(uuid.UUID(PT_STIX_NAMESPACE), "t\0v\0s") */
    ida = pt_stix_indicator_id(p, &a);
    idb = pt_stix_indicator_id(p, &b);
    PT_IS_STR(ida, "indicator--af413ca1-23c7-51e8-81ec-312beebe82c0",
              "indicator id is UUIDv5(namespace, type NUL value NUL source)");
    PT_IS_STR(idb, "indicator--89d17ab9-3b7d-5aaa-a832-cb66abd57de5",
              "another source, its own id");
    PT_IS_STR(pt_stix_indicator_id(p, &c),
              "indicator--7ddaf4e7-ee97-5dfb-9804-02a038299f29", "ip:port id");
    PT_IS_STR(pt_stix_indicator_id(p, &d),
              "indicator--3499cae5-5443-5b25-b63a-52a61c9d5f07",
              "NULL source counts as empty");
    PT_IS_STR(pt_stix_indicator_id(p, &a), ida, "same input, same id");
    PT_OK(ida && idb && strcmp(ida, idb), "different source, different id");
    PT_OK(ida && strcmp(ida, pt_stix_indicator_id(p, &e)),
          "different type, different id");
    PT_OK(ida && strlen(ida) == 47 && ida[11 + 14] == '5',
          "version nibble is 5");
    PT_OK(ida && strchr("89ab", ida[11 + 19]), "RFC 4122 variant bits");
    PT_IS_STR(pt_uuid5(p, PT_STIX_NAMESPACE, PT_STIX_IDENTITY_NAME,
                       strlen(PT_STIX_IDENTITY_NAME)),
              "8bd8c435-2ade-5f26-8d12-0b43e5eace76", "portal identity id");
}

/* ------------------------------------------------------------- STIX */

/* objects[i] of a parsed bundle, by its id. */
static json_t *find_object(json_t *bundle, const char *id)
{
    json_t *objects = json_object_get(bundle, "objects"), *o;
    size_t i;

    json_array_foreach(objects, i, o) {
        const char *oid = json_string_value(json_object_get(o, "id"));

        if (oid && id && !strcmp(oid, id)) {
            return o;
        }
    }
    return NULL;
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* indicator_types[0] */
static const char *first_type(json_t *o)
{
    return json_string_value(
        json_array_get(json_object_get(o, "indicator_types"), 0));
}

/* Write broken copies of a valid bundle for check_stix.py to reject:
 * each sets one property (JSON text; NULL removes it) of objects[which],
 * or of the bundle itself when which is -1. */
static void write_bad_bundles(apr_pool_t *p, json_t *bundle)
{
    static const struct {
        const char *name;
        int which;
        const char *key;
        const char *json;
    } bad[] = {
        { "id-not-uuid.json", 1, "id", "\"indicator--not-a-uuid\"" },
        { "id-wrong-type.json", 1, "id",
          "\"identity--af413ca1-23c7-51e8-81ec-312beebe82c0\"" },
        { "no-pattern.json", 1, "pattern", NULL },
        { "no-valid-from.json", 1, "valid_from", NULL },
        { "created-no-millis.json", 1, "created",
          "\"2023-11-14T22:13:20Z\"" },
        { "bad-date.json", 1, "valid_from", "\"2023-13-14T22:13:20Z\"" },
        { "empty-labels.json", 1, "labels", "[]" },
        { "confidence-101.json", 1, "confidence", "101" },
        { "pattern-not-string.json", 1, "pattern", "42" },
        { "wrong-spec-version.json", 1, "spec_version", "\"2.2\"" },
        { "identity-no-name.json", 0, "name", NULL },
        { "wrong-type.json", 1, "type", "\"indicators\"" },
        { "bundle-id-variant.json", -1, "id",
          "\"bundle--6f2e5b2a-1c3d-4e5f-c789-0123456789ab\"" },
        { "bundle-not-bundle.json", -1, "type", "\"collection\"" },
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *copy = json_deep_copy(bundle), *obj = copy;
        char *text;

        if (bad[i].which >= 0) {
            obj = json_array_get(json_object_get(copy, "objects"),
                                 (size_t)bad[i].which);
        }
        if (bad[i].json) {
            json_object_set_new(obj, bad[i].key,
                                json_loads(bad[i].json, JSON_DECODE_ANY,
                                           NULL));
        }
        else {
            json_object_del(obj, bad[i].key);
        }
        text = json_dumps(copy, JSON_COMPACT);
        write_file(p, "bad", bad[i].name, text ? text : "");
        free(text);
        json_decref(copy);
    }
}

static void test_stix(apr_pool_t *p)
{
    pt_ioc_t rows[20];
    int n = 0, i, indicators = 0, matched = 0, ok_common = 1;
    pt_export_t *ex = NULL;
    const char *out, *out2, *first_id, *want;
    json_t *bundle, *bundle2, *o;
    json_error_t jerr;
    size_t k;

    rows[n] = ioc_make("url", "http://example.com/a", "URLhaus");
    rows[n].threat = "malware_download";
    rows[n].malware = "Mozi";
    rows[n].tags = "elf,mozi";
    rows[n].confidence = 75;
    rows[n].first_seen = T1;
    rows[n].last_seen = T2;
    rows[n++].reference = "https://urlhaus.abuse.ch/url/1/";
    rows[n++] = ioc_make("url", "http://x/it's\\here\xff", "URLhaus");
    rows[n] = ioc_make("domain", "evil.example", "ThreatFox");
    rows[n].threat = "botnet_cc";
    rows[n++].first_seen = T2;
    rows[n] = ioc_make("ip", "192.0.2.1", "GreyNoise");
    rows[n].threat = "benign";
    rows[n].first_seen = T2;
    rows[n++].last_seen = T1;                       /* earlier than first */
    rows[n] = ioc_make("ip", "2001:db8::1", "GreyNoise");
    rows[n++].threat = "unknown";
    rows[n] = ioc_make("ip:port", "192.0.2.10:443", "Feodo Tracker");
    rows[n].malware = "Emotet";
    rows[n].threat = "botnet_cc";
    rows[n++].reference = "not a url";
    rows[n++] = ioc_make("ip:port", "[2001:db8::2]:8080", "Feodo Tracker");
    rows[n++] = ioc_make("cidr", "198.51.100.0/24", NULL);
    rows[n++] = ioc_make("md5", "44d88612fea8a8f36de82e1278abb02f",
                         "MalwareBazaar");
    rows[n++] = ioc_make("sha1", "3395856ce81f2b7382dee72602f798b642f14140",
                         "MalwareBazaar");
    rows[n] = ioc_make("sha256", "275a021bbfb6489e54d471899f7db9d1663fc695ec"
                       "2fe2a2c4538aabf651fd0f", "MalwareBazaar");
    rows[n].tags = ",,";
    rows[n++].confidence = 100;
    rows[n++] = ioc_make("sha512", "cc805d5fab1fd71a4ab352a9c533e65fb2d5b8855"
                         "18f4e565e68847223b8e6b85cb48f3afad842726d99239c9e3"
                         "6505c64b0dc9a061d9e507d833277ada336ab",
                         "MalwareBazaar");
    rows[n] = ioc_make("email", "phish@example.com", "cve");
    rows[n++].reference = "https://example.com/phish";
    rows[n++] = ioc_make("asn", "AS64496", "GreyNoise");       /* skipped */
    rows[n++] = ioc_make("md5", "nothex", "MalwareBazaar");      /* skipped */

    out = export_all(p, "stix", rows, n, &ex);
    PT_OK(out != NULL, "STIX export of %d rows", n);
    if (!out) {
        return;
    }
    PT_OK(pt_export_skipped(ex) == 2, "2 rows without a pattern skipped "
          "(%" APR_INT64_T_FMT ")", pt_export_skipped(ex));
    PT_OK(pt_export_rows(ex) == n - 2, "%d indicators written", n - 2);
    want = "\",\"objects\":[\n{\"type\":\"identity\",\"spec_version\":"
           "\"2.1\",\"id\":\"" IDENTITY "\",";
    PT_OK(!strncmp(out, "{\"type\":\"bundle\",\"id\":\"bundle--", 31)
          && strlen(out) > 67 && !strncmp(out + 67, want, strlen(want)),
          "bundle opening and the identity first");
    PT_OK(strstr(out, ",\n{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                 "\"id\":\"indicator--af413ca1-23c7-51e8-81ec-312beebe82c0\","
                 "\"created_by_ref\":\"" IDENTITY "\","
                 "\"created\":\"2023-11-14T22:13:20.000Z\","
                 "\"modified\":\"2023-11-14T23:13:20.000Z\","
                 "\"name\":\"http://example.com/a\",\"description\":"
                 "\"Reported by URLhaus as malware_download, malware family "
                 "Mozi\",\"indicator_types\":[\"malicious-activity\"],"
                 "\"pattern\":\"[url:value = 'http://example.com/a']\","
                 "\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\","
                 "\"valid_from\":\"2023-11-14T22:13:20.000Z\","
                 "\"labels\":[\"elf\",\"mozi\"],\"confidence\":75,"
                 "\"external_references\":[{\"source_name\":\"URLhaus\","
                 "\"url\":\"https://urlhaus.abuse.ch/url/1/\"}]},\n{")
          != NULL, "a full indicator, byte for byte");
    k = strlen(out);
    PT_OK(k > 4 && !strcmp(out + k - 4, "\n]}\n"), "bundle closed");

    bundle = json_loads(out, 0, &jerr);
    PT_OK(bundle != NULL, "bundle parses (%s)", bundle ? "ok" : jerr.text);
    if (!bundle) {
        return;
    }
    PT_IS_STR(str_of(bundle, "type"), "bundle", "bundle type");
    first_id = str_of(bundle, "id");
    PT_OK(first_id && strlen(first_id) == 44 && first_id[22] == '4'
          && strchr("89ab", first_id[27]), "bundle id is a UUIDv4");
    o = json_array_get(json_object_get(bundle, "objects"), 0);
    PT_IS_STR(str_of(o, "type"), "identity", "objects[0] is the identity");
    PT_IS_STR(str_of(o, "identity_class"), "system", "identity_class");
    PT_IS_STR(str_of(o, "name"), "mod_portal", "identity name");
    PT_OK(json_array_size(json_object_get(bundle, "objects"))
          == (size_t)(n - 1), "objects: identity + %d indicators", n - 2);

    for (i = 0; i < n; i++) {
        const char *id = pt_stix_indicator_id(p, &rows[i]);
        const char *pattern = pt_stix_pattern(p, &rows[i]);
        const char *created;

        o = find_object(bundle, id);
        if (!pattern) {
            PT_OK(o == NULL, "row %d (%s) has no indicator", i,
                  rows[i].type);
            continue;
        }
        indicators++;
        if (!o) {
            PT_OK(0, "row %d (%s) has its indicator", i, rows[i].type);
            continue;
        }
        matched++;
        created = str_of(o, "created");
        if (strcmp(str_of(o, "type"), "indicator")
            || strcmp(str_of(o, "spec_version"), "2.1")
            || strcmp(str_of(o, "created_by_ref"), IDENTITY)
            || strcmp(str_of(o, "pattern"), pattern)
            || strcmp(str_of(o, "pattern_type"), "stix")
            || !created || strlen(created) != 24
            || strcmp(created + 19, ".000Z")
            || strcmp(str_of(o, "valid_from"), created)
            || strcmp(str_of(o, "modified"), created) < 0
            || json_object_get(o, "valid_until")) {
            ok_common = 0;
            PT_OK(0, "row %d: common indicator properties", i);
        }
    }
    PT_OK(ok_common && matched == indicators && indicators == n - 2,
          "every indicator: type, spec_version, created_by_ref, pattern, "
          "pattern_type, created with ms, valid_from = created, "
          "modified >= created, no valid_until");

    o = find_object(bundle, pt_stix_indicator_id(p, &rows[1]));
    PT_IS_STR(str_of(o, "created"), "2025-06-15T15:06:40.000Z",
              "unknown first_seen: created is now");
    PT_IS_STR(str_of(o, "name"), "http://x/it's\\here\xef\xbf\xbd",
              "name is the value, made UTF-8");
    PT_IS_STR(str_of(o, "description"), "Reported by URLhaus",
              "description from the source alone");
    PT_OK(o && !json_object_get(o, "labels")
          && !json_object_get(o, "confidence")
          && !json_object_get(o, "external_references"),
          "no labels, confidence or references when unknown");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[2]));
    PT_IS_STR(first_type(o), "malicious-activity",
              "botnet_cc: malicious-activity");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[3]));
    PT_IS_STR(first_type(o), "benign", "benign: benign");
    PT_IS_STR(str_of(o, "modified"), "2023-11-14T23:13:20.000Z",
              "last_seen before first_seen: modified = created");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[4]));
    PT_IS_STR(first_type(o), "unknown", "unknown: unknown");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[6]));
    PT_IS_STR(first_type(o), "malicious-activity",
              "no threat: malicious-activity");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[5]));
    PT_IS_STR(str_of(o, "description"),
              "Reported by Feodo Tracker as botnet_cc, malware family Emotet",
              "description from source, threat and malware");
    PT_OK(o && !json_object_get(o, "external_references"),
          "a reference that is not a URL is left out");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[10]));
    PT_OK(o && !json_object_get(o, "labels")
          && json_integer_value(json_object_get(o, "confidence")) == 100,
          "tags of empty items: no labels; confidence 100 kept");
    o = find_object(bundle, pt_stix_indicator_id(p, &rows[12]));
    PT_OK(o && !json_object_get(o, "external_references"),
          "source named like a reserved STIX source: no reference");

    /* the same rows again, later: same indicator ids, new bundle id */
    out2 = export_all(p, "stix", rows, n, NULL);
    bundle2 = out2 ? json_loads(out2, 0, &jerr) : NULL;
    for (i = 0, k = 0; bundle2 && i < n; i++) {
        const char *id = pt_stix_indicator_id(p, &rows[i]);

        k += find_object(bundle, id) && find_object(bundle2, id);
    }
    PT_OK(k == (size_t)(n - 2), "a re-export keeps every indicator id");
    PT_OK(bundle2 && strcmp(str_of(bundle2, "id"), first_id),
          "and has a new bundle id");
    json_decref(bundle2);

    write_file(p, "good", "tricky.json", out);
    write_bad_bundles(p, bundle);
    json_decref(bundle);

    out = export_all(p, "stix", NULL, 0, &ex);
    PT_OK(out && strlen(out) > 70 && !strcmp(out + 67, "\",\"objects\":[\n"
          "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\""
          IDENTITY "\",\"created\":\"2025-01-01T00:00:00.000Z\","
          "\"modified\":\"2025-01-01T00:00:00.000Z\",\"name\":\"mod_portal\","
          "\"description\":\"The portal that exported these indicators from "
          "its feeds\",\"identity_class\":\"system\"}\n]}\n"),
          "an export without rows still has objects (the identity)");
    write_file(p, "good", "empty.json", out ? out : "");
}

/* ------------------------------------------------------------- streaming */

/* Row i of a synthetic feed: six kinds in turn, the sixth without a STIX
 * pattern. */
static void make_row(apr_pool_t *p, long i, pt_ioc_t *row)
{
    static const char *const sources[] = { "URLhaus", "ThreatFox",
                                           "Feodo Tracker", "MalwareBazaar" };

    *row = ioc_make(NULL, NULL, sources[i % 4]);
    switch (i % 6) {
    case 0:
        row->type = "url";
        row->value = apr_psprintf(p, "http://h%ld.example/p?id=%ld&x='y'",
                                  i, i);
        row->tags = "elf,mozi";
        break;
    case 1:
        row->type = "domain";
        row->value = apr_psprintf(p, "d%ld.example", i);
        break;
    case 2:
        row->type = "ip";
        row->value = apr_psprintf(p, "10.%ld.%ld.%ld", (i >> 16) & 255,
                                  (i >> 8) & 255, i & 255);
        row->threat = "scanner";
        break;
    case 3:
        row->type = "ip:port";
        row->value = apr_psprintf(p, "192.0.2.%ld:%ld", i % 256,
                                  1 + i % 65535);
        row->threat = "botnet_cc";
        row->malware = "Emotet";
        break;
    case 4:
        row->type = "sha256";
        row->value = apr_psprintf(p, "%064lx", i);
        break;
    default:
        row->type = "asn";
        row->value = apr_psprintf(p, "AS%ld", i);
        break;
    }
    row->confidence = (int)(i % 101);
    row->first_seen = T1 + i;
    row->last_seen = T2 + i;
    row->reference = apr_psprintf(p, "https://feed.example/ioc/%ld", i);
}

static void test_stream(apr_pool_t *parent, const char *format, long n)
{
    apr_pool_t *p, *rp;
    pt_export_t *ex = NULL;
    pt_err_t err = { 0 };
    apr_size_t h0 = 0, h1 = 0, r0 = 0, r1 = 0;
    int measured = 0, rss = 0;
    apr_status_t rv = APR_SUCCESS;
    sink_t s;
    long i, expect_skip = 0, nl;

    apr_pool_create(&p, parent);
    apr_pool_create(&rp, parent);
    sink_init(&s, p, 0);
    if (pt_export_begin(p, format, NOW, sink_fn, &s, &ex, &err)) {
        PT_OK(0, "begin %s: %s", format, pt_err_str(&err, p));
        return;
    }
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        pt_ioc_t row;

        if (i == 2000) {
            measured = heap_in_use(&h0);
            rss = resident(&r0);
        }
        make_row(rp, i, &row);
        s.rows_fed = i;
        rv = pt_export_row(ex, &row);
        apr_pool_clear(rp);
        expect_skip += (i % 6 == 5);
    }
    if (measured) {
        heap_in_use(&h1);
    }
    if (rss) {
        resident(&r1);
    }
    PT_OK(rv == APR_SUCCESS, "%s: %ld rows fed", format, n);
    PT_OK(pt_export_end(ex) == APR_SUCCESS, "%s: export ended", format);
    if (!strcmp(format, "stix")) {
        PT_OK(pt_export_skipped(ex) == expect_skip
              && pt_export_rows(ex) == n - expect_skip,
              "%s: %ld skipped, %ld written", format, expect_skip,
              n - expect_skip);
        nl = n - expect_skip + 3;
    }
    else {
        PT_OK(pt_export_skipped(ex) == 0 && pt_export_rows(ex) == n,
              "%s: nothing skipped", format);
        nl = !strcmp(format, "csv") ? n + 1 : n + 2;
    }
    PT_OK(s.newlines == (apr_size_t)nl, "%s: %ld lines (got %lu)", format,
          nl, (unsigned long)s.newlines);
    PT_OK(s.calls > 1000 && s.bytes > (apr_size_t)n * 50,
          "%s: %lu bytes in %lu sink calls", format, (unsigned long)s.bytes,
          (unsigned long)s.calls);
    PT_OK(s.longest == PT_EXPORT_CHUNK && s.short_calls == 1
          && s.calls == (s.bytes + PT_EXPORT_CHUNK - 1) / PT_EXPORT_CHUNK,
          "%s: full chunks of %d bytes, one short at the end", format,
          PT_EXPORT_CHUNK);
    PT_OK(s.first_call_row >= 0 && s.first_call_row < 200,
          "%s: output reached the sink at row %" APR_INT64_T_FMT,
          format, s.first_call_row);
    if (measured) {
        PT_OK(h1 < h0 + 1024 * 1024,
              "%s: heap grew by %ld bytes over %ld rows (limit 1 MiB)",
              format, (long)h1 - (long)h0, n - 2000);
    }
    else {
        printf("# %s: heap use cannot be measured here\n", format);
    }
    if (rss) {
        PT_OK(r1 < r0 + 1024 * 1024,
              "%s: resident set grew by %ld bytes over %ld rows (limit 1 MiB)",
              format, (long)r1 - (long)r0, n - 2000);
    }
    else {
        printf("# %s: resident set not checked (AddressSanitizer keeps "
               "freed blocks; ASAN_OPTIONS=quarantine_size_mb=0 allows it)\n",
               format);
    }
    apr_pool_destroy(rp);
    apr_pool_destroy(p);
}

/* A mid-sized bundle of every kind of row for the schema check. */
static void test_many(apr_pool_t *p)
{
    pt_ioc_t rows[120];
    long i;
    const char *out;

    for (i = 0; i < 120; i++) {
        make_row(p, i, &rows[i]);
    }
    out = export_all(p, "stix", rows, 120, NULL);
    PT_OK(out != NULL, "STIX export of 120 synthetic rows");
    write_file(p, "good", "many.json", out ? out : "");
}

/* ------------------------------------------------------------- errors */

static void test_errors(apr_pool_t *p)
{
    pt_ioc_t row = ioc_make("domain", "a.example", "x");
    pt_export_t *ex = NULL;
    pt_err_t err = { 0 };
    sink_t s;
    apr_status_t rv = APR_SUCCESS;
    int i;

    PT_OK(pt_export_begin(p, "xml", NOW, sink_fn, &s, &ex, &err)
          == APR_EINVAL && ex == NULL, "unknown format refused");
    PT_IS_STR(err.what, "unknown export format (expected csv, json or stix)",
              "and explained");
    PT_OK(pt_export_begin(p, "CSV", NOW, sink_fn, &s, &ex, &err)
          == APR_EINVAL, "format names are exact");
    PT_OK(pt_export_begin(p, NULL, NOW, sink_fn, &s, &ex, &err)
          == APR_EINVAL, "NULL format refused");
    PT_OK(pt_export_begin(p, "csv", NOW, NULL, &s, &ex, &err)
          == APR_EINVAL, "no sink refused");
    PT_OK(pt_export_begin(p, "stix", 0, sink_fn, &s, &ex, &err)
          == APR_EINVAL, "STIX without a time refused");
    PT_IS_STR(err.what, "export time 0 is out of range", "and explained");
    sink_init(&s, p, 0);
    PT_OK(pt_export_begin(p, "csv", 0, sink_fn, &s, &ex, &err)
          == APR_SUCCESS, "CSV needs no time");
    PT_OK(pt_export_row(ex, NULL) == APR_EINVAL, "NULL row refused");
    PT_OK(pt_export_end(ex) == APR_SUCCESS && s.calls == 1 && s.bytes == strlen(CSV_HEAD),
          "end sends the header");
    PT_OK(pt_export_row(ex, &row) == APR_EINVAL, "no rows after the end");
    PT_OK(pt_export_end(ex) == APR_EINVAL, "no second end");

    /* the sink fails on its 3rd call: that status sticks */
    sink_init(&s, p, 0);
    s.fail_at = 3;
    pt_export_begin(p, "json", NOW, sink_fn, &s, &ex, &err);
    for (i = 0; i < 5000 && rv == APR_SUCCESS; i++) {
        rv = pt_export_row(ex, &row);
    }
    PT_OK(rv == APR_ECONNRESET, "the sink's error is returned (row %d)", i);
    PT_OK(pt_export_row(ex, &row) == APR_ECONNRESET,
          "and by the next row");
    PT_OK(pt_export_end(ex) == APR_ECONNRESET, "and by the end");
    PT_OK(s.calls == 3,
          "the sink is not called after it failed");

    PT_IS_STR(pt_export_content_type("csv"), "text/csv; charset=utf-8",
              "CSV content type");
    PT_IS_STR(pt_export_content_type("json"), "application/json",
              "JSON content type");
    PT_IS_STR(pt_export_content_type("stix"),
              "application/stix+json;version=2.1", "STIX content type");
    PT_IS_STR(pt_export_content_type("xml"), NULL, "no content type for xml");
    PT_IS_STR(pt_export_extension("csv"), "csv", "CSV extension");
    PT_IS_STR(pt_export_extension("json"), "json", "JSON extension");
    PT_IS_STR(pt_export_extension("stix"), "json", "STIX extension");
    PT_IS_STR(pt_export_extension(NULL), NULL, "no extension for NULL");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    outdir = getenv("PT_EXPORT_OUTDIR");
    if (outdir && !*outdir) {
        outdir = NULL;
    }
    if (!outdir) {
        printf("# PT_EXPORT_OUTDIR is not set: bundles are not written\n");
    }

    test_csv(p);
    test_json(p);
    test_patterns(p);
    test_ids(p);
    test_stix(p);
    test_many(p);
    test_errors(p);
    test_stream(p, "csv", 200000);
    test_stream(p, "json", 200000);
    test_stream(p, "stix", 200000);

    apr_pool_destroy(p);
    return pt_test_done();
}
