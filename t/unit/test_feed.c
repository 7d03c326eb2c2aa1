/*
 * test_feed.c -- unit tests of the threat-intelligence feed parsers
 * (pt_feed.c, pt_feed_csv.c, pt_feed_json.c).
 *
 * Every format is read from its fixtures in $top_srcdir/t/fixtures/feeds/
 * (top_srcdir defaults to ".") with exact rows and records checked field by
 * field; then the published quirks (banners, ", " separators, None, CRLF,
 * trailers, schema drift, \/ escapes, nulls, string numbers, the GreyNoise
 * 404), truncation at every byte, bodies that are not the format, each()
 * stopping the parse, the limits, and the shared normalisation of values,
 * dates and tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "pt_ioc.h"
#include "pt_test.h"

/* ------------------------------------------------------------ helpers */

typedef struct result_t {
    apr_status_t rv;
    pt_feed_stats_t st;
    pt_err_t err;
    apr_array_header_t *rows;        /* pt_ioc_t, strings copied */
    int calls;
    int stop_at;                     /* each() fails on this call; 0 never */
} result_t;

static const char *dup_or_null(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static apr_status_t collect(void *baton, const pt_ioc_t *ioc)
{
    result_t *r = baton;
    apr_pool_t *p = r->rows->pool;
    pt_ioc_t *copy = apr_array_push(r->rows);

    *copy = *ioc;
    copy->type = dup_or_null(p, ioc->type);
    copy->value = dup_or_null(p, ioc->value);
    copy->source = dup_or_null(p, ioc->source);
    copy->threat = dup_or_null(p, ioc->threat);
    copy->malware = dup_or_null(p, ioc->malware);
    copy->tags = dup_or_null(p, ioc->tags);
    copy->reference = dup_or_null(p, ioc->reference);
    if (++r->calls == r->stop_at) {
        return APR_EINTR;
    }
    return APR_SUCCESS;
}

/* Parse a copy of data in a buffer of exactly len bytes, so that the
 * sanitizers catch any read past the end. */
static result_t *run_stop(apr_pool_t *p, const char *format,
                          const char *data, apr_size_t len, int stop_at)
{
    result_t *r = apr_pcalloc(p, sizeof(*r));
    char *buf = malloc(len ? len : 1);

    memcpy(buf, data, len);
    r->rows = apr_array_make(p, 16, sizeof(pt_ioc_t));
    r->stop_at = stop_at;
    r->rv = pt_feed_parse(p, format, buf, len, collect, r, &r->st, &r->err);
    free(buf);
    return r;
}

static result_t *run(apr_pool_t *p, const char *format, const char *data,
                     apr_size_t len)
{
    return run_stop(p, format, data, len, 0);
}

static result_t *run_str(apr_pool_t *p, const char *format, const char *s)
{
    return run(p, format, s, strlen(s));
}

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s && *s ? s : ".";
}

static char *fixture(apr_pool_t *p, const char *name, apr_size_t *len)
{
    const char *path = apr_pstrcat(p, top_srcdir(), "/t/fixtures/feeds/",
                                   name, NULL);
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f) {
        printf("Bail out! cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = apr_palloc(p, (apr_size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = (apr_size_t)n;
    return buf;
}

static result_t *run_fixture(apr_pool_t *p, const char *name)
{
    apr_size_t len;
    char *data = fixture(p, name, &len);
    const char *format = apr_pstrmemdup(p, name, strcspn(name, "_"));

    return run(p, format, data, len);
}

static const pt_ioc_t *row(const result_t *r, int i)
{
    static const pt_ioc_t none = { "(no row)", "(no row)" };

    return i < r->rows->nelts ? &APR_ARRAY_IDX(r->rows, i, pt_ioc_t) : &none;
}

/* "type value" of every row, joined by " | ". */
static const char *values(apr_pool_t *p, const result_t *r)
{
    const char *s = "";
    int i;

    for (i = 0; i < r->rows->nelts; i++) {
        s = apr_pstrcat(p, s, i ? " | " : "", row(r, i)->type, " ",
                        row(r, i)->value, NULL);
    }
    return s;
}

/* Every field of a row as one line, to compare whole records. */
static const char *record_str(apr_pool_t *p, const pt_ioc_t *i)
{
    return apr_psprintf(p, "%s|%s|%s|%s|%s|%s|%d|%" APR_INT64_T_FMT "|%"
                        APR_INT64_T_FMT "|%s", i->type, i->value, i->source,
                        i->threat ? i->threat : "NULL",
                        i->malware ? i->malware : "NULL", i->tags,
                        i->confidence, i->first_seen, i->last_seen,
                        i->reference ? i->reference : "NULL");
}

static const char *all_records(apr_pool_t *p, const result_t *r)
{
    const char *s = "";
    int i;

    for (i = 0; i < r->rows->nelts; i++) {
        s = apr_pstrcat(p, s, record_str(p, row(r, i)), "\n", NULL);
    }
    return s;
}

/* Field-by-field check of one record. */
static void check_ioc(const pt_ioc_t *got, const char *type,
                      const char *value, const char *source,
                      const char *threat, const char *malware,
                      const char *tags, int confidence,
                      apr_int64_t first_seen, apr_int64_t last_seen,
                      const char *reference, const char *label)
{
    PT_IS_STR(got->type, type, "%s: type", label);
    PT_IS_STR(got->value, value, "%s: value", label);
    PT_IS_STR(got->source, source, "%s: source", label);
    PT_IS_STR(got->threat, threat, "%s: threat", label);
    PT_IS_STR(got->malware, malware, "%s: malware", label);
    PT_IS_STR(got->tags, tags, "%s: tags", label);
    PT_OK(got->confidence == confidence, "%s: confidence %d", label,
          got->confidence);
    PT_OK(got->first_seen == first_seen, "%s: first_seen %" APR_INT64_T_FMT,
          label, got->first_seen);
    PT_OK(got->last_seen == last_seen, "%s: last_seen %" APR_INT64_T_FMT,
          label, got->last_seen);
    PT_IS_STR(got->reference, reference, "%s: reference", label);
}

static void check_ok(const result_t *r, apr_int64_t rows,
                     apr_int64_t skipped, const char *label)
{
    PT_OK(r->rv == APR_SUCCESS, "%s: parses (%s)", label,
          r->err.what ? r->err.what : "no error");
    PT_OK(r->st.rows == rows && r->rows->nelts == rows,
          "%s: %" APR_INT64_T_FMT " rows (got %" APR_INT64_T_FMT ")", label,
          rows, r->st.rows);
    PT_OK(r->st.skipped == skipped,
          "%s: %" APR_INT64_T_FMT " skipped (got %" APR_INT64_T_FMT ")",
          label, skipped, r->st.skipped);
}

/* Fails with APR_EGENERAL and a message containing want. */
static void check_fail(const result_t *r, const char *want,
                       const char *label)
{
    PT_OK(r->rv == APR_EGENERAL && r->err.what && strstr(r->err.what, want),
          "%s: fails with \"%s\" (got rv %d, \"%s\")", label, want, r->rv,
          r->err.what ? r->err.what : "(none)");
}

static char *replace(apr_pool_t *p, const char *s, const char *from,
                     const char *to)
{
    const char *at = strstr(s, from);

    if (!at) {
        printf("Bail out! \"%s\" not in the fixture\n", from);
        exit(1);
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, s, (apr_size_t)(at - s)), to,
                       at + strlen(from), NULL);
}

/* The same body with LF <-> CRLF. */
static char *swap_eol(apr_pool_t *p, const char *s, apr_size_t len,
                      apr_size_t *outlen)
{
    int crlf = memchr(s, '\r', len) != NULL;
    char *out = apr_palloc(p, 2 * len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (crlf && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
            continue;
        }
        if (!crlf && s[i] == '\n') {
            *o++ = '\r';
        }
        *o++ = s[i];
    }
    *outlen = (apr_size_t)(o - out);
    return out;
}

/* --------------------------------------------------------------- URLhaus */

static void test_urlhaus(apr_pool_t *p)
{
    result_t *r = run_fixture(p, "urlhaus-csv_recent.csv");
    const pt_ioc_t *i;

    check_ok(r, 6, 0, "urlhaus recent (CRLF, banner)");
    PT_IS_STR(values(p, r),
              "url http://198.51.100.23:60116/i"
              " | url https://verify.example.net/?=check&&actmn=QmFzZTY0UXVlcnk"
              " | url https://203.0.113.7/access/Remote%20Access-windows64.exe"
              "?language=en"
              " | url http://192.0.2.81/?C=S;O=A"
              " | url http://files.example.org:8008/machine-1770334361325?ping="
              "6A5FF81546F7ED4A97F6F26BFE415BD537D7DA00A5F2754BBBBE907D8FF1C73A"
              "D48318EBE570AF9E40C51BD56C4A76AC8513571A6AACC49A2EA6E56D9C530D4B"
              "6310E4DC28C9CCBC5AB552744E8AD687A491A3D83A42E72FFDCAFAAF386C2DA0"
              "0265E5E6175212FF54D4E37E233DAAC51CBEE8"
              " | url https://cdn.example.com/update/Setup_x64.msi",
              "urlhaus recent: the banner and commented header are not "
              "rows; rows in file order");
    PT_OK(strlen(row(r, 4)->value) > 250, "urlhaus: a URL over 250 bytes "
          "is kept whole");
    check_ioc(row(r, 0), "url", "http://198.51.100.23:60116/i", "URLhaus",
              "malware_download", NULL, "32-bit,elf,mips,Mozi", -1,
              1773054616, 1773054616, "https://urlhaus.abuse.ch/url/3100008/",
              "urlhaus row 1");
    check_ioc(row(r, 1), "url",
              "https://verify.example.net/?=check&&actmn=QmFzZTY0UXVlcnk",
              "URLhaus", "malware_download", NULL, "ClearFake", -1,
              1773054127, 0, "https://urlhaus.abuse.ch/url/3100007/",
              "urlhaus row 2 (empty last_online)");
    i = row(r, 2);
    PT_IS_STR(i->tags, "", "urlhaus row 3: tags \"None\" -> \"\"");
    PT_OK(i->first_seen == 1773053834 && i->last_seen == 1773053880,
          "urlhaus row 3: dates");
    PT_IS_STR(row(r, 4)->tags, "censys,ClickFix,ClickFix-cc,dll,NetSupport,"
              "NetSupportModules,NetSupportRAT,NetSupportRATModules,payload",
              "urlhaus row 5: a long tag list");

    r = run_fixture(p, "urlhaus-csv_online_lf_noeol.csv");
    check_ok(r, 3, 0, "urlhaus online (LF, no final newline)");
    check_ioc(row(r, 2), "url", "http://192.0.2.250:41208/bin.sh", "URLhaus",
              "malware_download", NULL, "32-bit,elf,mips,Mozi", -1,
              1787058139, 1787066537, "https://urlhaus.abuse.ch/url/3200001/",
              "urlhaus online: the last row without a newline");

    r = run_fixture(p, "urlhaus-csv_extra_column.csv");
    check_ok(r, 2, 0, "urlhaus with a new column in the middle");
    check_ioc(row(r, 0), "url", "http://malware.example.com/a.exe",
              "URLhaus", "malware_download", NULL, "exe", -1, 1777622400,
              1777626000, "https://urlhaus.abuse.ch/url/3300002/",
              "urlhaus extra column: columns found by header name");

    r = run_fixture(p, "urlhaus-csv_2019_8col.csv");
    check_ok(r, 2, 0, "urlhaus 2019 (8 columns, dates only)");
    check_ioc(row(r, 0), "url", "http://docs.example.com/INV/99401/",
              "URLhaus", "malware_download", NULL, "emotet,epoch2,heodo", -1,
              1547856000, 0, "https://urlhaus.abuse.ch/url/105821/",
              "urlhaus 2019 row 1");

    /* Without any header, the layout is chosen by the number of fields. */
    r = run_str(p, "urlhaus-csv",
                "\"1\",\"2026-01-01 00:00:00\",\"http://a.example/x\","
                "\"online\",\"\",\"malware_download\",\"x\","
                "\"https://urlhaus.abuse.ch/url/1/\",\"r\"\n"
                "\"2\",\"2026-01-01 00:00:01\",\"http://b.example/y\","
                "\"online\",\"\",\"malware_download\",\"None\","
                "\"https://urlhaus.abuse.ch/url/2/\",\"r\"\n");
    check_ok(r, 2, 0, "urlhaus without banner or header (9 fields)");
    PT_IS_STR(row(r, 1)->reference, "https://urlhaus.abuse.ch/url/2/",
              "urlhaus without header: default 9-column layout");
    r = run_str(p, "urlhaus-csv",
                "\"1\",\"2019-01-01\",\"http://a.example/x\",\"online\","
                "\"malware_download\",\"x\","
                "\"https://urlhaus.abuse.ch/url/1/\",\"r\"\n");
    check_ok(r, 1, 0, "urlhaus without header (8 fields)");
    PT_IS_STR(row(r, 0)->reference, "https://urlhaus.abuse.ch/url/1/",
              "urlhaus without header: default 8-column layout");

    /* A banner alone: an export with nothing in it. */
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p,
                "################################################################"
                "\r\n"
                "# abuse.ch URLhaus Database Dump (CSV - online URLs only)      #"
                "\r\n"
                "################################################################"
                "\r\n#\r\n"
                "# id,dateadded,url,url_status,last_online,threat,tags,"
                "urlhaus_link,reporter\r\n", NULL));
    check_ok(r, 0, 0, "urlhaus: banner and header without rows");
}

/* ------------------------------------------------------------ ThreatFox */

static void test_threatfox(apr_pool_t *p)
{
    result_t *r = run_fixture(p, "threatfox-csv_2024.csv");

    check_ok(r, 5, 2, "threatfox csv 2024 (\", \" separators, trailer)");
    PT_IS_STR(values(p, r),
              "url http://panel.example.top/five/fre.php"
              " | ip:port 198.51.100.90:7777"
              " | domain c2.example-domain.net"
              " | md5 5c88e9fdfcaada7ddd04bdcf659afc5c"
              " | sha256 91a23b882e873a9acc7a3b27e493fafe8e8f81d25cf1bd8a13c1a3e1e2a341a3",
              "threatfox csv: types mapped, values normalised, bad sha1 and "
              "unknown type skipped");
    check_ioc(row(r, 0), "url", "http://panel.example.top/five/fre.php",
              "ThreatFox", "botnet_cc", "Loki Password Stealer (PWS)",
              "lokibot", 75, 1721112319, 1721117499,
              "https://bazaar.abuse.ch/sample/2e08f161155465d5cf60cf03ce923d58bea8f75188ed22b5bce4fd29579acd22/",
              "threatfox csv row 1");
    check_ioc(row(r, 1), "ip:port", "198.51.100.90:7777", "ThreatFox",
              "botnet_cc", "Cobalt Strike",
              "CobaltStrike,cs-watermark-987654321", 100, 1721107536, 0, NULL,
              "threatfox csv row 2 (reference None, last_seen \"\")");
    PT_IS_STR(row(r, 2)->tags, "", "threatfox csv row 3: tags None");
    PT_IS_STR(row(r, 3)->malware, "Unknown malware",
              "threatfox csv row 4: malware_printable kept as given");
    PT_OK(row(r, 3)->confidence == 25, "threatfox csv row 4: confidence");

    r = run_fixture(p, "threatfox-csv_2026_15col.csv");
    check_ok(r, 2, 0, "threatfox csv 2026 (15 columns, CRLF)");
    check_ioc(row(r, 1), "ip:port", "192.0.2.44:8443", "ThreatFox",
              "botnet_cc", "Sliver", "Sliver", 90, 1769936400, 1769990400,
              "https://example.net/sliver",
              "threatfox csv 2026: is_compromised does not shift columns");

    r = run_fixture(p, "threatfox-json_api.json");
    check_ok(r, 3, 1, "threatfox json (API answer)");
    check_ioc(row(r, 0), "url", "http://198.51.100.14/activity", "ThreatFox",
              "botnet_cc", "Cobalt Strike", "CobaltStrike,Cobalt Strike", 100,
              1641572998, 0, NULL, "threatfox json row 1 (\\/ escapes, nulls)");
    check_ioc(row(r, 1), "sha256",
              "451f1a81c5f539a5dc59722b8eaca4bfaec169e5b8b022a3d1a36c4cc3314c0b",
              "ThreatFox", "payload", "Ave Maria", "", 50, 1641460529,
              1641636000, "https://example.com/ioc/2",
              "threatfox json row 2 (upper-case hash, string confidence, "
              "null tags, unknown member)");
    check_ioc(row(r, 2), "domain", "gaga.example", "ThreatFox", "botnet_cc",
              "Dridex", "exe,test", 50, 1607434587, 0,
              "https://social.example/status/1336229725082177536",
              "threatfox json row 3 (trailing dot, \"None\" tag dropped)");

    r = run_fixture(p, "threatfox-json_export.json");
    check_ok(r, 2, 0, "threatfox json export ({\"id\":[...]})");
    check_ioc(row(r, 0), "ip:port", "203.0.113.50:4444", "ThreatFox",
              "botnet_cc", "NjRAT", "njrat,RAT", 75, 1721109600, 0, NULL,
              "threatfox export row 1");
    check_ioc(row(r, 1), "domain", "malware.example.com", "ThreatFox",
              "botnet_cc", "Unknown malware", "", 100, 1721106000, 1721113200,
              "https://example.org/report", "threatfox export row 2");

    r = run_fixture(p, "threatfox-json_no_result.json");
    check_ok(r, 0, 0, "threatfox no_result: zero rows, not an error");
    r = run_fixture(p, "threatfox-json_unknown_auth_key.json");
    check_fail(r, "the feed refused the Auth-Key (query_status "
               "\"unknown_auth_key\")", "threatfox unknown_auth_key");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"illegal_auth_key\","
                "\"data\":null}");
    check_fail(r, "\"illegal_auth_key\"", "threatfox illegal_auth_key");
    r = run_str(p, "malwarebazaar-json", "{\"query_status\":\"no_results\"}");
    check_ok(r, 0, 0, "malwarebazaar no_results: zero rows");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"illegal_search\"}");
    check_fail(r, "the feed answered query_status \"illegal_search\"",
               "threatfox: another query_status");
}

/* --------------------------------------------------------- MalwareBazaar */

static void test_bazaar(apr_pool_t *p)
{
    result_t *r = run_fixture(p, "malwarebazaar-csv_dump.csv");
    const char *ref;

    check_ok(r, 11, 1, "malwarebazaar csv (3 hashes a sample, n/a sha1)");
    ref = "https://bazaar.abuse.ch/sample/"
          "c66623a6191cd1e4ba88b0f5c7dc6ab698a62b063c6fe74ec41c0d8e78dfb607/";
    check_ioc(row(r, 3), "sha256",
              "c66623a6191cd1e4ba88b0f5c7dc6ab698a62b063c6fe74ec41c0d8e78dfb607",
              "MalwareBazaar", "payload", "AgentTesla", "", -1, 1772113061, 0,
              ref, "malwarebazaar csv sample 2 sha256 (lowered)");
    check_ioc(row(r, 4), "md5", "8447ad72dceef9e3c603511d1427c13d",
              "MalwareBazaar", "payload", "AgentTesla", "", -1, 1772113061, 0,
              ref, "malwarebazaar csv sample 2 md5");
    check_ioc(row(r, 5), "sha1", "b786a8b5efea413301816b899e1556711e429059",
              "MalwareBazaar", "payload", "AgentTesla", "", -1, 1772113061, 0,
              ref, "malwarebazaar csv sample 2 sha1");
    PT_OK(row(r, 0)->malware == NULL, "malwarebazaar csv: signature n/a -> "
          "NULL");
    PT_IS_STR(row(r, 7)->type, "md5", "malwarebazaar csv sample 3: the "
              "sha1 n/a is skipped, md5 follows sha256");
    PT_IS_STR(row(r, 10)->value, "f73d682a7a64c26d619a94037f56b9a08be77c47",
              "malwarebazaar csv: the last row (no final newline)");

    r = run_fixture(p, "malwarebazaar-json_recent.json");
    check_ok(r, 6, 0, "malwarebazaar json");
    check_ioc(row(r, 0), "sha256",
              "8aba8a5ca79e96f6a2f6e0b57a9c5986bf3e9bfbc598a3593505bfc1097c84a2",
              "MalwareBazaar", "payload", "TrickBot", "exe,TrickBot", -1,
              1633264376, 0,
              "https://bazaar.abuse.ch/sample/8aba8a5ca79e96f6a2f6e0b57a9c5986bf3e9bfbc598a3593505bfc1097c84a2/",
              "malwarebazaar json sample 1 (first_seen without UTC)");
    check_ioc(row(r, 5), "sha1", "5e97631916f3ac77a6d19a970390b03073a3f138",
              "MalwareBazaar", "payload", NULL, "", -1, 1633264356, 1633334400,
              "https://bazaar.abuse.ch/sample/2e1bb9f7fcb1eecc399997f7b1e88a235e5e14b945dca319aac8084544111a89/",
              "malwarebazaar json sample 2 sha1 (upper-case, null signature "
              "and tags)");
    r = run_str(p, "malwarebazaar-json", "{\"query_status\":\"ok\",\"data\":"
                "[{\"md5_hash\":\"d41d8cd98f00b204e9800998ecf8427e\"}]}");
    check_fail(r, "line 1: data[0] has no \"sha256_hash\"",
               "malwarebazaar json: a record without sha256_hash");
}

/* ----------------------------------------------------------------- Feodo */

static void test_feodo(apr_pool_t *p)
{
    result_t *r = run_fixture(p, "feodo-csv_ipblocklist.csv");

    check_ok(r, 5, 0, "feodo csv (plain header, \"# END\" trailer)");
    PT_IS_STR(values(p, r),
              "ip:port 192.0.2.73:1194 | ip:port 198.51.100.155:5000"
              " | ip:port 203.0.113.106:13783 | ip 192.0.2.206"
              " | ip:port 198.51.100.61:443",
              "feodo csv: ip:port, or ip without a port");
    check_ioc(row(r, 4), "ip:port", "198.51.100.61:443", "Feodo Tracker",
              "botnet_cc", "Dridex", "", -1, 1712214183, 1712188800,
              "https://feodotracker.abuse.ch/browse/host/198.51.100.61/",
              "feodo csv last row");
    check_ioc(row(r, 3), "ip", "192.0.2.206", "Feodo Tracker", "botnet_cc",
              "Emotet", "", -1, 1711495806, 0,
              "https://feodotracker.abuse.ch/browse/host/192.0.2.206/",
              "feodo csv row without port or last_online");

    r = run_fixture(p, "feodo-json_ipblocklist.json");
    check_ok(r, 4, 0, "feodo json");
    check_ioc(row(r, 0), "ip:port", "192.0.2.32:4643", "Feodo Tracker",
              "botnet_cc", "Dridex", "", -1, 1610869486, 1668470400,
              "https://feodotracker.abuse.ch/browse/host/192.0.2.32/",
              "feodo json row 1");
    PT_IS_STR(row(r, 1)->value, "198.51.100.57:443", "feodo json: port as "
              "a string");
    PT_OK(row(r, 2)->first_seen == 0, "feodo json: no first_seen -> 0");
    PT_IS_STR(row(r, 3)->type, "ip", "feodo json: port null -> ip");
}

/* ------------------------------------------------------------- GreyNoise */

static void test_greynoise(apr_pool_t *p)
{
    result_t *r = run_fixture(p, "greynoise-json_malicious.json");

    check_ok(r, 1, 0, "greynoise malicious");
    check_ioc(row(r, 0), "ip", "198.51.100.136", "GreyNoise", "malicious",
              NULL, "noise", -1, 0, 1624406400,
              "https://viz.greynoise.io/ip/198.51.100.136",
              "greynoise malicious (name \"unknown\" -> NULL)");
    r = run_fixture(p, "greynoise-json_riot.json");
    check_ok(r, 1, 0, "greynoise RIOT");
    check_ioc(row(r, 0), "ip", "192.0.2.53", "GreyNoise", "benign", NULL,
              "riot", -1, 0, 1624406400,
              "https://viz.greynoise.io/riot/192.0.2.53",
              "greynoise RIOT: benign is an indicator, no malware");
    r = run_fixture(p, "greynoise-json_not_observed_404.json");
    check_ok(r, 0, 1, "greynoise 404 body: zero rows, not an error");
    r = run_fixture(p, "greynoise-json_array.json");
    check_ok(r, 2, 1, "greynoise array");
    PT_IS_STR(row(r, 0)->malware, "Example Botnet",
              "greynoise array: malware = name when malicious");
    PT_IS_STR(row(r, 1)->threat, "unknown", "greynoise array: unknown");
    r = run_fixture(p, "greynoise-json_data.json");
    check_ok(r, 1, 1, "greynoise {\"data\":[...]} (one bad ip skipped)");
    check_ioc(row(r, 0), "ip", "2001:db8::99", "GreyNoise", "benign", NULL,
              "noise,riot", -1, 0, 1714521600,
              "https://viz.greynoise.io/ip/2001:db8::99",
              "greynoise data: IPv6 in canonical form");
    r = run_str(p, "greynoise-json", "{\"message\":\"Rate limit exceeded\","
                "\"plan\":\"community\"}");
    check_fail(r, "GreyNoise answered \"Rate limit exceeded\"",
               "greynoise 429 body");
    r = run_str(p, "greynoise-json", "[1, 2]");
    check_fail(r, "line 1: entry[0] is a number, expected an object",
               "greynoise: an array of numbers");

    r = run_fixture(p, "greynoise-csv_ips.csv");
    check_ok(r, 5, 0, "greynoise csv ip,sessions");
    PT_IS_STR(values(p, r), "ip 198.51.100.84 | ip 203.0.113.11"
              " | ip 192.0.2.18 | ip 2001:db8::7 | ip 203.0.113.7",
              "greynoise csv ips");
    check_ioc(row(r, 0), "ip", "198.51.100.84", "GreyNoise", "scanner", NULL,
              "", -1, 0, 0, NULL, "greynoise csv ips row 1");
    r = run_fixture(p, "greynoise-csv_notable.csv");
    check_ok(r, 3, 4, "greynoise csv notable (tag/ja4/cve skipped)");
    PT_IS_STR(values(p, r), "domain scanner-host.example"
              " | cidr 203.0.113.0/24 | cidr 198.51.100.0/24",
              "greynoise csv notable: re-fanged domain, cidr kept");
    r = run_str(p, "greynoise-csv", "198.51.100.1,5\n");
    check_fail(r, "line 1: no header line", "greynoise csv without header");
    r = run_str(p, "greynoise-csv", "indicator_type,indicator_value,first_seen"
                "\nASN,AS64500,2025-09-20\n");
    check_fail(r, "line 1: the header has no \"ip\" column",
               "greynoise csv with another header");
}

/* ------------------------------------------------------------- quirks */

static void test_eol_swap(apr_pool_t *p)
{
    static const char *const csvs[] = {
        "urlhaus-csv_recent.csv", "urlhaus-csv_online_lf_noeol.csv",
        "threatfox-csv_2024.csv", "threatfox-csv_2026_15col.csv",
        "malwarebazaar-csv_dump.csv", "feodo-csv_ipblocklist.csv",
        "greynoise-csv_ips.csv", "greynoise-csv_notable.csv", NULL
    };
    int k;

    for (k = 0; csvs[k]; k++) {
        apr_size_t len, len2;
        char *data = fixture(p, csvs[k], &len);
        char *swapped = swap_eol(p, data, len, &len2);
        const char *format = apr_pstrmemdup(p, csvs[k],
                                            strcspn(csvs[k], "_"));
        result_t *a = run(p, format, data, len);
        result_t *b = run(p, format, swapped, len2);

        PT_OK(b->rv == APR_SUCCESS && a->st.rows == b->st.rows
              && a->st.skipped == b->st.skipped && a->st.rows > 0,
              "%s: LF and CRLF give the same rows", csvs[k]);
        PT_IS_STR(all_records(p, b), all_records(p, a),
                  "%s: LF and CRLF give the same records", csvs[k]);
    }
}

static void test_trailers(apr_pool_t *p)
{
    apr_size_t len;
    char *tf = fixture(p, "threatfox-csv_2024.csv", &len);
    char *feodo = fixture(p, "feodo-csv_ipblocklist.csv", &len);
    result_t *r;

    r = run_str(p, "threatfox-csv", replace(p, tf, "# Number of entries: 7",
                                            "# Number of entries: 8"));
    PT_IS_STR(r->err.what, "line 17: the trailer counts 8 entries but the "
              "body has 7 rows (cut or corrupt)",
              "threatfox trailer disagrees: exact message");
    PT_OK(r->rv == APR_EGENERAL, "threatfox trailer disagrees: an error");
    PT_IS_STR(pt_err_str(&r->err, p), "threatfox-csv: line 17: the trailer "
              "counts 8 entries but the body has 7 rows (cut or corrupt)",
              "pt_err_str names the format");
    r = run_str(p, "feodo-csv", replace(p, feodo, "# END 5 entries",
                                        "# END 6 entries"));
    check_fail(r, "line 15: the trailer counts 6 entries but the body has 5 "
               "rows", "feodo trailer disagrees");
    r = run_str(p, "feodo-csv", apr_pstrcat(p, feodo, "\n\"2024-04-04 07:03:03"
                "\",\"192.0.2.1\",\"443\",\"online\",\"2024-04-04\",\"X\"\n",
                NULL));
    check_fail(r, "line 16: a row after the trailer on line 15",
               "feodo: a row after the trailer");
    r = run_str(p, "threatfox-csv", replace(p, tf, "# Number of entries: 7",
                                            "# Number of entries: 7\n"
                                            "# Number of entries: 7"));
    check_fail(r, "a second trailer", "threatfox: two trailers");
}

static void test_structure(apr_pool_t *p)
{
    const char *hdr = "# id,dateadded,url,url_status,last_online,threat,tags,"
                      "urlhaus_link,reporter\n";
    const char *good = "\"1\",\"2026-01-01 00:00:00\",\"http://a.example/\","
                       "\"online\",\"\",\"malware_download\",\"None\","
                       "\"https://urlhaus.abuse.ch/url/1/\",\"r\"\n";
    const char *body;
    result_t *r;
    char *big;
    int i;

    /* Line 12 has 7 fields: lines 1-10 are comments, line 11 a row. */
    body = apr_pstrcat(p, "#\n#\n#\n#\n#\n#\n#\n#\n#\n", hdr, good,
                       "\"2\",\"2026-01-01 00:00:00\",\"http://b.example/\","
                       "\"online\",\"\",\"malware_download\",\"None\"\n",
                       NULL);
    r = run_str(p, "urlhaus-csv", body);
    PT_IS_STR(r->err.what, "line 12: 7 fields, expected 9",
              "a short row: exact message");
    PT_OK(r->rv == APR_EGENERAL && r->st.rows == 1, "a short row: an error "
          "after the good row");
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p, hdr, good, "\"3\",\"x\"y,"
                                              "\"z\"\n", NULL));
    check_fail(r, "line 3: a stray quote", "text after a closing quote");
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p, hdr, good,
                                              "\"3\",\"2026-01-01 00:0", NULL));
    check_fail(r, "line 3: a quoted field is not closed at the end of the "
               "body (cut?)", "an unterminated quote");
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p, hdr, "\"1\",\"multi\nline\","
                                              "\"x", NULL));
    check_fail(r, "line 2: a quoted field is not closed",
               "an unterminated quote spanning lines: the row's line");
    r = run(p, "urlhaus-csv", "\"1\",\"a\0b\"\n", 11);
    check_fail(r, "byte 6: a NUL byte", "a NUL byte");

    big = apr_palloc(p, PT_FEED_MAX_FIELD + 200);
    memset(big, 'a', PT_FEED_MAX_FIELD + 100);
    big[PT_FEED_MAX_FIELD + 100] = '\0';
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p, hdr, "\"1\",\"x\",\"http://"
                                              "x.example/", big, "\"\n", NULL));
    check_fail(r, "line 2: a field longer than 65536 bytes",
               "a field over the limit");
    body = "";
    for (i = 0; i < PT_FEED_MAX_COLUMNS + 1; i++) {
        body = apr_pstrcat(p, body, i ? "," : "", "\"f\"", NULL);
    }
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p, body, "\n", NULL));
    check_fail(r, "line 1: more than 64 fields", "too many fields");

    /* Blank lines and a UTF-8 BOM are fine. */
    r = run_str(p, "urlhaus-csv", apr_pstrcat(p, "\xEF\xBB\xBF", hdr, "\n  \n",
                                              good, "\r\n\r\n", NULL));
    check_ok(r, 1, 0, "a BOM and blank lines");

    /* JSON: shapes and syntax. */
    r = run_str(p, "threatfox-json", "[{\"ioc\":\"a.example\"}]");
    check_fail(r, "line 1: an array, expected an object with "
               "\"query_status\" and \"data\"", "threatfox json: an array");
    r = run_str(p, "feodo-json", "{\"ip_address\":\"192.0.2.1\"}");
    check_fail(r, "an object, expected the array of C2 entries",
               "feodo json: an object");
    r = run_str(p, "feodo-json", "[{\"ip\":\"192.0.2.1\"}]");
    check_fail(r, "line 1: entry[0] has no \"ip_address\"",
               "feodo json: a record of another feed");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"ok\"}");
    check_fail(r, "query_status \"ok\" without \"data\"", "ok without data");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"ok\",\"data\":"
                "{\"ioc\":1}}");
    check_fail(r, "\"data\" is not an array", "data not an array");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"ok\",\"data\":[]}"
                " x");
    check_fail(r, "line 1: text after the JSON value", "trailing text");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"ok\",\"data\":[\n"
                "{\"ioc\":\"a.example\",\"ioc_type\":\"domain\",}]}");
    check_fail(r, "line 2: data[0] is not valid JSON", "a trailing comma");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"ok\",\"data\":[\n"
                "{\"ioc\":\"a.example\",\"ioc_type\":\"domain\"}\n"
                "{\"ioc\":\"b.example\",\"ioc_type\":\"domain\"}]}");
    check_fail(r, "line 3: '{' after an array element, expected ',' or ']'",
               "a missing comma");
    r = run_str(p, "threatfox-json", "{\"query_status\":\"ok\",\"data\":[\n"
                "{\"ioc_type\":\"domain\"}]}");
    check_fail(r, "line 2: data[0] has no \"ioc\"", "a record without ioc");
    body = "{\"query_status\":\"ok\",\"data\":[";
    for (i = 0; i < PT_FEED_MAX_DEPTH + 1; i++) {
        body = apr_pstrcat(p, body, "[", NULL);
    }
    r = run_str(p, "threatfox-json", body);
    check_fail(r, "JSON nested deeper than 64 levels", "deep nesting");
    r = run_str(p, "feodo-json", "ip_address,port\n192.0.2.1,443\n");
    check_fail(r, "line 1: not JSON ('i' where '{' or '[' was expected)",
               "CSV given to a JSON format");
    r = run_str(p, "threatfox-json", "{\"d\\u0061ta\":[{\"ioc\":\"a.example\","
                "\"ioc_type\":\"domain\"}],\"query_\\u0073tatus\":\"ok\"}");
    check_ok(r, 1, 0, "escaped member names, query_status after data");
}

static void test_not_the_format(apr_pool_t *p)
{
    const char *const *f;
    const char *html = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway"
                       "</title></head><body><h1>Bad Gateway</h1></body>"
                       "</html>\n";
    result_t *r;

    for (f = pt_feed_formats(); *f; f++) {
        r = run_str(p, *f, html);
        check_fail(r, "the body is an HTML page", *f);
        PT_OK(r->st.rows == 0, "%s: no rows from an HTML page", *f);
        r = run_str(p, *f, "  \r\n\n");
        check_fail(r, "the body is empty", *f);
        r = run_str(p, *f, "garbage\n");
        PT_OK(r->rv == APR_EGENERAL && r->err.what && r->st.rows == 0,
              "%s: garbage is an error (%s)", *f,
              r->err.what ? r->err.what : "(none)");
    }
    r = run_str(p, "urlhaus-csv", "{\"query_status\":\"unknown_auth_key\"}");
    check_fail(r, "the feed refused the Auth-Key", "urlhaus csv: a JSON "
               "auth error");
    r = run_str(p, "threatfox-csv", "{\"query_status\":\"no_result\"}");
    check_ok(r, 0, 0, "threatfox csv: a JSON no_result");
    r = run_str(p, "feodo-csv", "[{\"ip_address\":\"192.0.2.1\"}]");
    check_fail(r, "the body is JSON, not Feodo Tracker CSV", "feodo csv: "
               "JSON");
    r = run_fixture(p, "urlhaus-csv_recent.csv");
    {
        apr_size_t len;
        char *tf = fixture(p, "threatfox-csv_2024.csv", &len);

        r = run(p, "urlhaus-csv", tf, len);
        check_fail(r, "line 9: the header has no \"url\" column: not a "
                   "URLhaus CSV", "a ThreatFox CSV given as URLhaus");
    }
    r = run_str(p, "nosuch-csv", "x");
    PT_OK(r->rv == APR_EGENERAL && r->err.what
          && strstr(r->err.what, "unknown feed format \"nosuch-csv\""),
          "an unknown format");
}

/* Every cut inside a row fails; a cut between rows parses the rows before. */
static void test_truncation_csv(apr_pool_t *p, const char *name)
{
    apr_size_t len, c, start, end, cuts = 0, wrong = 0;
    char *data = fixture(p, name, &len);
    const char *format = apr_pstrmemdup(p, name, strcspn(name, "_"));
    const char *trailer;
    apr_pool_t *sub;

    /* From the first data row: a quote and a digit at the start of a line
     * (the Feodo header row is tested on its own). */
    start = (apr_size_t)(strstr(data, "\n\"") - data) + 1;
    while (!(data[start] == '"' && data[start + 1] >= '0'
             && data[start + 1] <= '9')) {
        start = (apr_size_t)(strstr(data + start, "\n\"") - data) + 1;
    }
    trailer = strstr(data + start, "\n#");
    end = trailer ? (apr_size_t)(trailer - data) : len;
    apr_pool_create(&sub, p);
    for (c = start + 1; c < end; c++) {
        int boundary = data[c - 1] == '\n' || data[c - 1] == '\r'
                       || (data[c - 1] == '"'
                           && (data[c] == '\r' || data[c] == '\n'));
        result_t *r = run(sub, format, data, c);
        int ok = boundary ? r->rv == APR_SUCCESS
                          : (r->rv == APR_EGENERAL && r->err.what
                             && strncmp(r->err.what, "line ", 5) == 0);

        cuts++;
        if (!ok && wrong++ == 0) {
            printf("# %s cut at %" APR_SIZE_T_FMT ": rv %d, %s\n", name, c,
                   r->rv, r->err.what ? r->err.what : "(no error)");
        }
        apr_pool_clear(sub);
    }
    apr_pool_destroy(sub);
    PT_OK(wrong == 0 && cuts > 100, "%s: %" APR_SIZE_T_FMT " cuts, every one "
          "inside a row fails with a line number, every one between rows "
          "parses", name, cuts);
}

/* Every proper prefix of a JSON fixture fails. */
static void test_truncation_json(apr_pool_t *p, const char *name)
{
    apr_size_t len, c, cuts = 0, wrong = 0;
    char *data = fixture(p, name, &len);
    const char *format = apr_pstrmemdup(p, name, strcspn(name, "_"));
    apr_pool_t *sub;

    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' ')) {
        len--;
    }
    apr_pool_create(&sub, p);
    for (c = 1; c < len; c++) {
        result_t *r = run(sub, format, data, c);

        cuts++;
        if (!(r->rv == APR_EGENERAL && r->err.what) && wrong++ == 0) {
            printf("# %s cut at %" APR_SIZE_T_FMT ": rv %d\n", name, c, r->rv);
        }
        apr_pool_clear(sub);
    }
    apr_pool_destroy(sub);
    PT_OK(wrong == 0 && cuts > 50, "%s: all %" APR_SIZE_T_FMT " cuts fail",
          name, cuts);
}

static void test_truncation_greynoise(apr_pool_t *p)
{
    apr_size_t len;
    char *ips = fixture(p, "greynoise-csv_ips.csv", &len);
    char *notable = fixture(p, "greynoise-csv_notable.csv", &len);
    result_t *r;

    r = run(p, "greynoise-csv", ips, (apr_size_t)(strstr(ips, "2001:db8")
                                                 - ips) + 4);
    check_fail(r, "line 5: 1 field, expected 2", "greynoise ips cut in an "
               "address");
    r = run(p, "greynoise-csv", notable, (apr_size_t)(strstr(notable,
                                                             "Top brute")
                                                      - notable));
    check_fail(r, "line 8: a quoted field is not closed", "greynoise "
               "notable cut in the context");
    r = run(p, "greynoise-csv", notable, (apr_size_t)(strstr(notable,
                                                             "cidr,198")
                                                      - notable) + 8);
    check_fail(r, "line 8: 2 fields, expected 4", "greynoise notable cut "
               "in the indicator");
    r = run(p, "greynoise-csv", notable, (apr_size_t)(strstr(notable,
                                                             "cidr,198")
                                                      - notable) + 5);
    check_fail(r, "line 8: the body ends after a field separator (cut?)",
               "greynoise notable cut after the type");
}

/* A body without comments after one with a header-like comment, in the
 * same (cleared) pool: no memory of the earlier parse may leak in. */
static void test_no_stale_comment(apr_pool_t *p)
{
    apr_pool_t *sub;
    result_t *r;

    apr_pool_create(&sub, p);
    r = run_str(sub, "greynoise-csv", "# type,indicator\n"
                "domain,a[.]example\n");
    check_ok(r, 1, 0, "greynoise csv with a commented header");
    apr_pool_clear(sub);
    r = run_str(sub, "greynoise-csv", "ip,sessions\n198.51.100.1,5\n");
    check_ok(r, 1, 0, "the next body reads its own header");
    PT_IS_STR(row(r, 0)->value, "198.51.100.1", "the next body's row");
    apr_pool_destroy(sub);
}

/* Cuts in the banner and header: never "no rows, success". */
static void test_truncation_header(apr_pool_t *p)
{
    apr_size_t len;
    char *feodo = fixture(p, "feodo-csv_ipblocklist.csv", &len);
    char *urlhaus = fixture(p, "urlhaus-csv_recent.csv", &len);
    result_t *r;

    r = run(p, "feodo-csv", feodo, (apr_size_t)(strstr(feodo, ",\"malware\"")
                                               - feodo));
    check_fail(r, "line 9: the body ends inside the header (cut?)",
               "feodo cut in the header row");
    r = run(p, "feodo-csv", feodo, (apr_size_t)(strstr(feodo, "\"dst_ip")
                                               - feodo) + 4);
    check_fail(r, "line 9: a quoted field is not closed",
               "feodo cut in a header name");
    r = run(p, "feodo-csv", feodo, (apr_size_t)(strstr(feodo, "\n\"2023")
                                               - feodo));
    check_fail(r, "line 9: the body ends inside the header (cut?)",
               "feodo cut at the end of the header");
    r = run(p, "urlhaus-csv", urlhaus, (apr_size_t)(strstr(urlhaus,
                                                           ",urlhaus_link")
                                                    - urlhaus));
    check_fail(r, "line 9: the body ends inside a comment line (cut?)",
               "urlhaus cut in the commented header");
    r = run(p, "feodo-csv", feodo, len - 3);
    PT_OK(r->rv == APR_EGENERAL, "feodo cut in the trailer: an error (%s)",
          r->err.what ? r->err.what : "(none)");
}

static void test_each_stops(apr_pool_t *p)
{
    static const char *const names[] = {
        "urlhaus-csv_recent.csv", "threatfox-csv_2024.csv",
        "threatfox-json_api.json", "threatfox-json_export.json",
        "malwarebazaar-csv_dump.csv", "malwarebazaar-json_recent.json",
        "feodo-csv_ipblocklist.csv", "feodo-json_ipblocklist.json",
        "greynoise-csv_ips.csv", "greynoise-json_array.json", NULL
    };
    int k;

    for (k = 0; names[k]; k++) {
        apr_size_t len;
        char *data = fixture(p, names[k], &len);
        const char *format = apr_pstrmemdup(p, names[k],
                                            strcspn(names[k], "_"));
        result_t *r = run_stop(p, format, data, len, 2);

        PT_OK(r->rv == APR_EINTR && r->calls == 2 && r->st.rows == 2,
              "%s: each() failing on the 2nd row stops the parse with its "
              "status (rv %d, %d calls)", names[k], r->rv, r->calls);
        PT_OK(r->err.what && strstr(r->err.what, "stopped by the caller"),
              "%s: err says where it stopped (%s)", names[k],
              r->err.what ? r->err.what : "(none)");
    }
}

/* --------------------------------------------------------- normalisation */

/* in with control characters as \xNN, for a one-line TAP description. */
static const char *printable(apr_pool_t *p, const char *in)
{
    const char *out = "";

    if (!in) {
        return "(null)";
    }
    for (; *in; in++) {
        out = (unsigned char)*in < 0x20
              ? apr_psprintf(p, "%s\\x%02x", out, (unsigned char)*in)
              : apr_psprintf(p, "%s%c", out, *in);
    }
    return out;
}

static void norm(apr_pool_t *p, const char *type, const char *in,
                 const char *want)
{
    PT_IS_STR(pt_ioc_normalise_value(p, type, in), want, "normalise %s "
              "\"%s\"", type ? type : "(null)", printable(p, in));
}

static void test_normalise(apr_pool_t *p)
{
    norm(p, "md5", "D41D8CD98F00B204E9800998ECF8427E",
         "d41d8cd98f00b204e9800998ecf8427e");
    norm(p, "md5", " d41d8cd98f00b204e9800998ecf8427e\r\n",
         "d41d8cd98f00b204e9800998ecf8427e");
    norm(p, "md5", "d41d8cd98f00b204e9800998ecf8427", NULL);
    norm(p, "md5", "g41d8cd98f00b204e9800998ecf8427e", NULL);
    norm(p, "sha1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
         "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    norm(p, "sha1", "n/a", NULL);
    norm(p, "sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495"
         "991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
         "95991b7852b855");
    norm(p, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
         "91b7852b85", NULL);
    norm(p, "sha512", "CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4"
         "A921D36CE9CE47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A5383"
         "27AF927DA3E", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83"
         "f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a53"
         "8327af927da3e");
    norm(p, "ip", "192.0.2.1", "192.0.2.1");
    norm(p, "ip", " 192.0.2.1 ", "192.0.2.1");
    norm(p, "ip", "192.0.2.01", NULL);
    norm(p, "ip", "256.1.1.1", NULL);
    norm(p, "ip", "1.2.3", NULL);
    norm(p, "ip", "1.2.3.4.5", NULL);
    norm(p, "ip", "2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    norm(p, "ip", "fe80::1%eth0", NULL);
    norm(p, "ip", "192.0.2.1:80", NULL);
    norm(p, "ip:port", "192.0.2.1:443", "192.0.2.1:443");
    norm(p, "ip:port", "192.0.2.1:0443", "192.0.2.1:443");
    norm(p, "ip:port", "192.0.2.1:0", NULL);
    norm(p, "ip:port", "192.0.2.1:65536", NULL);
    norm(p, "ip:port", "192.0.2.1:65535", "192.0.2.1:65535");
    norm(p, "ip:port", "192.0.2.1:", NULL);
    norm(p, "ip:port", "192.0.2.1", NULL);
    norm(p, "ip:port", "192.0.2.1:443x", NULL);
    norm(p, "ip:port", "example.com:443", NULL);
    norm(p, "ip:port", "[2001:DB8::1]:8443", "[2001:db8::1]:8443");
    norm(p, "ip:port", "2001:db8::1:443", NULL);
    norm(p, "ip:port", "[192.0.2.1]:443", NULL);
    norm(p, "cidr", "203.0.113.0/24", "203.0.113.0/24");
    norm(p, "cidr", "203.0.113.0/33", NULL);
    norm(p, "cidr", "203.0.113.0/024", NULL);
    norm(p, "cidr", "2001:DB8::/32", "2001:db8::/32");
    norm(p, "cidr", "203.0.113.0", NULL);
    norm(p, "domain", "Evil.Example.COM.", "evil.example.com");
    norm(p, "domain", "xn--bcher-kva.example", "xn--bcher-kva.example");
    norm(p, "domain", "_dmarc.example.com", "_dmarc.example.com");
    norm(p, "domain", "example", NULL);
    norm(p, "domain", "a..example", NULL);
    norm(p, "domain", "example.com..", NULL);
    norm(p, "domain", "ex ample.com", NULL);
    norm(p, "domain", "http://example.com/", NULL);
    norm(p, "domain", apr_pstrcat(p, "a234567890123456789012345678901234567"
                                  "890123456789012345678901234.example", NULL),
         NULL);
    norm(p, "email", "User.Name@Example.COM", "User.Name@example.com");
    norm(p, "email", "a@b@example.com", NULL);
    norm(p, "email", "@example.com", NULL);
    norm(p, "url", "  http://x.example/a b?c=d\r\n", "http://x.example/a b?c=d");
    norm(p, "url", "http://x.example/\x01", NULL);
    norm(p, "url", "", NULL);
    norm(p, "url", "   ", NULL);
    norm(p, "cve", "CVE-2021-41773", "CVE-2021-41773");
    norm(p, "url", NULL, NULL);
    norm(p, NULL, "x", NULL);
}

static void test_time(void)
{
    static const struct {
        const char *in;
        apr_int64_t want;           /* -1: EINVAL */
    } cases[] = {
        { "2026-03-09 11:10:16", 1773054616 },
        { "2022-01-07 16:29:58 UTC", 1641572998 },
        { "2020-12-08T13:36:27Z", 1607434587 },
        { "2020-12-08T13:36:27", 1607434587 },
        { "2020-12-08T13:36:27.123Z", 1607434587 },
        { "2020-12-08T13:36:27+00:00", 1607434587 },
        { "2022-11-15", 1668470400 },
        { "1970-01-01", 0 },
        { "2024-02-29 23:59:59", 1709251199 },
        { "1999-12-31 23:59:60", 946684800 },
        { "9999-12-31 23:59:59", 253402300799LL },
        { "2023-02-29", -1 },
        { "2026-13-01", -1 },
        { "2026-00-10", -1 },
        { "2026-04-31", -1 },
        { "2026-03-09 24:00:00", -1 },
        { "2026-03-09 11:60:00", -1 },
        { "2026-03-09 11:10", -1 },
        { "2026-03-09T11:10:16+02:00", -1 },
        { "2026-03-09 11:10:16 CET", -1 },
        { "2026-03-09x", -1 },
        { "2026-3-9", -1 },
        { "0000-01-01", -1 },
        { "", -1 },
        { "None", -1 },
    };
    apr_size_t k;

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        apr_int64_t t = 42;
        apr_status_t rv = pt_ioc_time_parse(cases[k].in, &t);

        if (cases[k].want < 0) {
            PT_OK(rv == APR_EINVAL && t == 42, "time \"%s\" is refused",
                  cases[k].in);
        }
        else {
            PT_OK(rv == APR_SUCCESS && t == cases[k].want, "time \"%s\" -> %"
                  APR_INT64_T_FMT " (got %" APR_INT64_T_FMT ")", cases[k].in,
                  cases[k].want, t);
        }
    }
    PT_OK(pt_ioc_time_parse(NULL, NULL) == APR_EINVAL, "time NULL");
}

static void test_helpers(apr_pool_t *p)
{
    const char *const *f = pt_feed_formats();
    int n = 0;

    PT_IS_STR(pt_feed_tags(p, "a, b,None,,c"), "a,b,c", "tags trimmed");
    PT_IS_STR(pt_feed_tags(p, "None"), "", "tags None");
    PT_IS_STR(pt_feed_tags(p, "\x01 a ,\t b\x7f ,N\x02one"), "a,b",
              "tags: blanks trimmed after control characters go");
    PT_IS_STR(pt_feed_tags(p, NULL), "", "tags NULL");
    PT_IS_STR(pt_feed_tags(p, " x\x01y ,\x02, z"), "xy,z", "tags: control "
              "characters dropped");
    PT_IS_STR(pt_feed_refang(p, "hXXps://evil[.]example(.)com[:]8080/a"),
              "https://evil.example.com:8080/a", "refang");
    PT_IS_STR(pt_feed_refang(p, "koddos[dot]example"), "koddos.example",
              "refang [dot]");
    PT_OK(pt_feed_confidence("75") == 75 && pt_feed_confidence("101") == -1
          && pt_feed_confidence("x") == -1 && pt_feed_confidence(NULL) == -1,
          "confidence");
    PT_IS_STR(pt_feed_type("SHA256_HASH"), "sha256", "type map");
    PT_OK(pt_feed_type("ja4t") == NULL, "type ja4t is not an indicator");
    for (; *f; f++) {
        n++;
        PT_OK(pt_feed_format_valid(*f) && pt_feed_source(*f),
              "format %s is valid", *f);
    }
    PT_OK(n == 9, "nine formats");
    PT_IS_STR(pt_feed_source("feodo-json"), "Feodo Tracker", "source");
    PT_OK(!pt_feed_format_valid("URLhaus-csv") && !pt_feed_format_valid(NULL)
          && pt_feed_source("x") == NULL, "invalid formats");
}

/* A large synthetic body: every row arrives, memory stays per row. */
static void test_volume(apr_pool_t *p)
{
    const int n = 20000;
    apr_size_t cap = (apr_size_t)n * 200 + 1000, len = 0;
    char *body = malloc(cap);
    apr_pool_t *sub;
    result_t *r;
    int i;

    for (i = 0; i < n; i++) {
        len += (apr_size_t)apr_snprintf(body + len, cap - len,
                                        "\"%d\",\"2026-01-01 00:00:00\","
                                        "\"http://h%d.example/p\",\"online\","
                                        "\"\",\"malware_download\",\"a,b\","
                                        "\"https://urlhaus.abuse.ch/url/%d/\","
                                        "\"r\"\r\n", i, i, i);
    }
    apr_pool_create(&sub, p);
    r = run(sub, "urlhaus-csv", body, len);
    check_ok(r, n, 0, "20000 synthetic rows");
    PT_IS_STR(row(r, n - 1)->value, "http://h19999.example/p",
              "the last synthetic row");
    apr_pool_destroy(sub);
    free(body);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_urlhaus(p);
    test_threatfox(p);
    test_bazaar(p);
    test_feodo(p);
    test_greynoise(p);
    test_eol_swap(p);
    test_trailers(p);
    test_structure(p);
    test_not_the_format(p);
    test_truncation_csv(p, "urlhaus-csv_recent.csv");
    test_truncation_csv(p, "urlhaus-csv_online_lf_noeol.csv");
    test_truncation_csv(p, "threatfox-csv_2024.csv");
    test_truncation_csv(p, "threatfox-csv_2026_15col.csv");
    test_truncation_csv(p, "malwarebazaar-csv_dump.csv");
    test_truncation_csv(p, "feodo-csv_ipblocklist.csv");
    test_truncation_json(p, "threatfox-json_api.json");
    test_truncation_json(p, "threatfox-json_export.json");
    test_truncation_json(p, "malwarebazaar-json_recent.json");
    test_truncation_json(p, "feodo-json_ipblocklist.json");
    test_truncation_json(p, "greynoise-json_malicious.json");
    test_truncation_json(p, "greynoise-json_not_observed_404.json");
    test_truncation_json(p, "greynoise-json_array.json");
    test_truncation_json(p, "greynoise-json_data.json");
    test_truncation_greynoise(p);
    test_truncation_header(p);
    test_no_stale_comment(p);
    test_each_stops(p);
    test_normalise(p);
    test_time();
    test_helpers(p);
    test_volume(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
