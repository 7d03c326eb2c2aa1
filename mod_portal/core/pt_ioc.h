/*
 * pt_ioc.h -- indicators of compromise and the threat-intelligence feed
 * parsers (URLhaus, ThreatFox, MalwareBazaar, Feodo Tracker, GreyNoise).
 *
 * A feed body (downloaded and size-capped by the fetcher) is parsed in one
 * call; every indicator is normalised into a pt_ioc_t and handed to a
 * callback, one at a time, so memory stays constant per row whatever the
 * size of the body.  Files: pt_feed.c (format table, dispatch, shared
 * normalisation of types, values, dates and tags), pt_feed_csv.c (the CSV
 * formats, on libcsv), pt_feed_json.c (the JSON formats, on jansson).
 *
 * Mapping of each format onto pt_ioc_t (fields not named are NULL/""/-1/0):
 *
 *   urlhaus-csv     type "url", value=url, threat=threat, tags=tags,
 *                   first_seen=dateadded, last_seen=last_online (0 when
 *                   ""), reference=urlhaus_link, malware NULL (families are
 *                   often in the tags; they stay there), confidence -1.
 *   threatfox-csv,  (JSON: the API answer {"query_status":"ok","data":[..]}
 *   threatfox-json  or the export {"<id>":[{...}],...})
 *                   type from ioc_type: ip:port, domain, url, md5_hash,
 *                   sha1_hash, sha256_hash -> ip:port, domain, url, md5,
 *                   sha1, sha256 (other types: skipped); value=ioc_value
 *                   (JSON: ioc), threat=threat_type,
 *                   malware=malware_printable as given ("Unknown malware"
 *                   included), confidence=confidence_level (number or
 *                   string), first_seen/last_seen (first_seen_utc/
 *                   last_seen_utc in the CSV and the JSON export),
 *                   reference ("None"/null -> NULL), tags.
 *   malwarebazaar-  one indicator per hash of a sample: sha256 always, then
 *   csv, -json      md5 and sha1 as their own indicators; threat "payload",
 *                   malware=signature ("n/a"/null -> NULL), tags (JSON only;
 *                   the CSV has none), first_seen, last_seen (JSON),
 *                   reference "https://bazaar.abuse.ch/sample/<sha256>/".
 *   feodo-csv,      type "ip:port" (value "1.2.3.4:443") when a port is
 *   feodo-json      given, else "ip"; threat "botnet_cc", malware=malware,
 *                   first_seen=first_seen(_utc) (may be missing: 0),
 *                   last_seen=last_online (a date), reference
 *                   "https://feodotracker.abuse.ch/browse/host/<ip>/".
 *   greynoise-json  community API objects, a JSON array of them or
 *                   {"data":[...]}: type "ip", threat=classification as given
 *                   ("malicious", "benign", "unknown": benign and RIOT hits
 *                   are indicators too, the caller's allowlist decides),
 *                   malware=name (or actor) when the classification is
 *                   "malicious" and the name is not "unknown",
 *                   reference=link, last_seen=last_seen, tags "noise"
 *                   and/or "riot" from those booleans.  An object without
 *                   a classification and with noise and riot false (the
 *                   404 "IP not observed" body) is counted in skipped.
 *   greynoise-csv   the published "ip,sessions" shape (type "ip") and the
 *                   "type,indicator,sessions,context" shape (indicator
 *                   re-fanged: "[.]" -> "."; types ip, domain, url, cidr,
 *                   md5/sha1/sha256 are kept, "cidr" as type "cidr"; tag,
 *                   ja4*, cve and other types are skipped); threat
 *                   "scanner" (GreyNoise lists what hits its sensors).
 *
 * Shared value rules: "None", "n/a", "null" and "" mean unknown; JSON tag
 * arrays are joined with commas and read like a CSV tag list; dates are
 * read by pt_ioc_time_parse() (unreadable: 0); a value that fails
 * pt_ioc_normalise_value() makes that indicator skipped, not the body.
 */
#ifndef PT_IOC_H
#define PT_IOC_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

/* One normalised indicator of compromise. Strings live in the pool given
 * to the parser (valid until it is cleared); NULL = unknown. */
typedef struct pt_ioc_t {
    const char *type;        /* "url", "domain", "ip", "ip:port", "md5", "sha1", "sha256", "sha512", "email", "cidr", ... (lower case) */
    const char *value;       /* normalised: hashes lower-case hex, domains lower-case without trailing dot,
                                ip:port as "1.2.3.4:443" (IPv6 "[::1]:443"), urls as given (trimmed) */
    const char *source;      /* "URLhaus", "ThreatFox", "MalwareBazaar", "Feodo Tracker", "GreyNoise" */
    const char *threat;      /* category: "malware_download", "botnet_cc", "payload", "scanner", "malicious", ... or NULL */
    const char *malware;     /* family, printable ("Mozi", "Emotet") or NULL */
    const char *tags;        /* comma-separated, no spaces around commas, "" when none ("None" in feeds = none) */
    int confidence;          /* 0..100, -1 unknown */
    apr_int64_t first_seen;  /* Unix seconds UTC, 0 unknown */
    apr_int64_t last_seen;   /* Unix seconds UTC, 0 unknown */
    const char *reference;   /* a URL (feed's page about the indicator) or NULL */
} pt_ioc_t;

/* Called once per indicator.  The strings of *ioc live in a scratch pool
 * that is cleared after the row: copy what you keep.  A non-success return
 * stops parsing, and pt_feed_parse() returns that status unchanged. */
typedef apr_status_t (*pt_ioc_each_fn)(void *baton, const pt_ioc_t *ioc);  /* non-success stops parsing and is returned */

typedef struct pt_feed_stats_t {
    apr_int64_t rows;        /* indicators handed to each() */
    apr_int64_t skipped;     /* rows understood but not indicators (e.g. unknown type), or allowlisted by the caller — the parser counts only its own skips */
} pt_feed_stats_t;

/* The formats: "urlhaus-csv", "threatfox-csv", "threatfox-json", "malwarebazaar-csv", "malwarebazaar-json", "feodo-csv", "feodo-json", "greynoise-csv", "greynoise-json". */

/* 1 when format is one of the names above (exact, case-sensitive), else 0;
 * NULL gives 0. */
int pt_feed_format_valid(const char *format);

/* The source name of a format, static storage. */
const char *pt_feed_source(const char *format);        /* "URLhaus", "ThreatFox", "MalwareBazaar", "Feodo Tracker", "GreyNoise"; NULL if unknown */

/* Static storage, in the order listed above. */
const char *const *pt_feed_formats(void);              /* NULL-terminated list */

/*
 * Parse a whole body (the fetcher caps its size).  Every indicator goes to
 * each() with strings from a scratch pool that is cleared between rows
 * (copy what you keep).  stats (may be NULL) is zeroed first and counts
 * what went to each() and what the parser skipped.
 *
 * Returns APR_SUCCESS when the whole body was read.  A JSON answer
 * {"query_status":"no_result"} (or "no_results") is success with zero rows,
 * and so is a GreyNoise "not observed" (404) body.  APR_EGENERAL, with
 * err->where = the format and err->what saying exactly what and where
 * ("line 12: 7 fields, expected 9"), when:
 *   - the format is unknown, or the body is empty;
 *   - the body is not the format: an HTML page (for every format, CSV ones
 *     included), JSON given to a CSV format or text to a JSON one, the
 *     wrong JSON shape, a CSV header without the columns the format needs,
 *     a row with a different number of fields than the header, any other
 *     query_status (e.g. "illegal_auth_key", "unknown_auth_key"), a
 *     GreyNoise object with a message and no ip (401, 429);
 *   - the body is truncated or corrupt: cut mid-row (too few fields), an
 *     unterminated quote, a stray quote, JSON cut or invalid anywhere, a
 *     trailer ("# Number of entries: N", "# END N entries") that disagrees
 *     with the number of data rows, data after the trailer, a NUL byte;
 *   - a limit is exceeded: a CSV field over PT_FEED_MAX_FIELD bytes, a row
 *     over PT_FEED_MAX_COLUMNS fields, a JSON element over
 *     PT_FEED_MAX_ELEMENT bytes or nested deeper than PT_FEED_MAX_DEPTH.
 * A missing final newline is not an error by itself, and a cut that falls
 * exactly between two rows of a CSV without a trailer cannot be seen.
 * each() may have been called for earlier rows before an error is found:
 * the caller keeps its previous data unless the parse returned success.
 * Any other status is the one each() returned (err->what then says where
 * the parse stopped).  Values are read leniently: a bad hash, IP, domain,
 * unknown type etc. skips that indicator (stats->skipped), not the body.
 */
apr_status_t pt_feed_parse(apr_pool_t *p, const char *format, const char *data, apr_size_t len, pt_ioc_each_fn each, void *baton, pt_feed_stats_t *stats, pt_err_t *err);

/* Helpers the rest of the portal uses too: */

/* "YYYY-MM-DD HH:MM:SS" with an optional " UTC", "YYYY-MM-DDTHH:MM:SSZ"
 * (also with fractional seconds, "+00:00" or no zone), or "YYYY-MM-DD"
 * (midnight) -> Unix seconds UTC in *out.  Fields are range-checked (month
 * 1-12, the day within its month, 23:59:60 at most); anything else, other
 * zone offsets included, is APR_EINVAL with *out untouched. */
apr_status_t pt_ioc_time_parse(const char *s, apr_int64_t *out);   /* "YYYY-MM-DD HH:MM:SS", optional " UTC", "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD" -> Unix seconds UTC */

/*
 * The normalised form of value for type, in p; blanks around it are
 * trimmed first.  NULL when value is NULL, empty, or invalid for the type:
 *   md5/sha1/sha256/sha512  32/40/64/128 hex digits -> lower case;
 *   ip        IPv4 dotted quad (no leading zeros) or IPv6 -> canonical text;
 *   ip:port   "1.2.3.4:443" or "[v6]:443", port 1-65535 -> canonical;
 *   cidr      ip "/" prefix (0-32 or 0-128) -> canonical ip, prefix as is;
 *   domain    at least two labels of [a-z0-9_-] (1-63 bytes, 253 in all),
 *             one trailing dot dropped -> lower case;
 *   email     local@domain (domain as above) -> domain lower-cased;
 *   url, and any other type: no control characters, at most
 *             PT_IOC_MAX_VALUE bytes -> as given.
 */
const char *pt_ioc_normalise_value(apr_pool_t *p, const char *type, const char *value);  /* NULL when invalid for the type (bad hash length/chars, bad IP, empty) */

/* Limits (see pt_feed_parse()). */
#define PT_IOC_MAX_VALUE     8192            /* bytes of one value */
#define PT_FEED_MAX_FIELD    (64 * 1024)     /* bytes of one CSV field */
#define PT_FEED_MAX_COLUMNS  64              /* fields of one CSV row */
#define PT_FEED_MAX_ELEMENT  (1024 * 1024)   /* bytes of one JSON record */
#define PT_FEED_MAX_DEPTH    64              /* JSON nesting */

/* ------------------------------------------------------------------------
 * Internal to pt_feed.c, pt_feed_csv.c and pt_feed_json.c: not for other
 * callers.
 */
typedef enum pt_feed_kind_e {
    PT_FEED_URLHAUS_CSV,
    PT_FEED_THREATFOX_CSV,
    PT_FEED_THREATFOX_JSON,
    PT_FEED_MALWAREBAZAAR_CSV,
    PT_FEED_MALWAREBAZAAR_JSON,
    PT_FEED_FEODO_CSV,
    PT_FEED_FEODO_JSON,
    PT_FEED_GREYNOISE_CSV,
    PT_FEED_GREYNOISE_JSON
} pt_feed_kind_e;

/* One parse in progress. */
typedef struct pt_feed_ctx_t {
    apr_pool_t *pool;        /* the caller's pool: error messages */
    apr_pool_t *scratch;     /* the row's strings; cleared per row */
    pt_feed_kind_e kind;
    const char *format;
    const char *source;
    pt_ioc_each_fn each;
    void *baton;
    pt_feed_stats_t *stats;
    pt_err_t *err;
    const char *where;       /* "line 12" for the row in progress, or NULL */
} pt_feed_ctx_t;

/* Normalise ioc->value for ioc->type (pt_ioc_normalise_value()) and fill
 * source; an invalid value counts as skipped, a valid one goes to each().
 * Returns what each() returned (with err set), else APR_SUCCESS. */
apr_status_t pt_feed_emit(pt_feed_ctx_t *ctx, pt_ioc_t *ioc);

/* Count a row understood but not an indicator. */
void pt_feed_skip(pt_feed_ctx_t *ctx);

/* Set ctx->err (where = the format) and return APR_EGENERAL. */
apr_status_t pt_feed_fail(pt_feed_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 1 when s is NULL, empty (after blanks) or "None", "n/a", "null". */
int pt_feed_none(const char *s);

/* s without surrounding blanks, NULL when pt_feed_none(s); in p. */
const char *pt_feed_str(apr_pool_t *p, const char *s);

/* A tag list ("a, b,None,,c") as "a,b,c"; "" for none.  Blanks around each
 * tag and control characters are dropped, and so are "None" tags. */
const char *pt_feed_tags(apr_pool_t *p, const char *s);

/* The portal's type for a feed's type name ("md5_hash" -> "md5",
 * "ip:port" -> "ip:port", "ipv4" -> "ip", "hostname" -> "domain"...),
 * static storage; NULL when the type is not an indicator we keep. */
const char *pt_feed_type(const char *feed_type);

/* A C2 server's indicator: type "ip:port" with value "ip:port" ("[v6]:port")
 * when the port is known, else type "ip". */
void pt_feed_host(apr_pool_t *p, pt_ioc_t *ioc, const char *ip,
                  const char *port);

/* An integer 0..100 from a string of digits, else -1. */
int pt_feed_confidence(const char *s);

/* pt_ioc_time_parse() of s, 0 when s is unknown or unreadable. */
apr_int64_t pt_feed_time(const char *s);

/* s with defanging undone: "[.]", "(.)", "[dot]" -> ".", "[:]" -> ":",
 * a leading "hxxp" -> "http" (any case); in p. */
const char *pt_feed_refang(apr_pool_t *p, const char *s);

/* The body is HTML (starts with "<" after blanks and a BOM): 1, else 0. */
int pt_feed_is_html(const char *data, apr_size_t len);

/* A JSON body given to a CSV format: an abuse.ch answer with a
 * query_status ("no_result": success, zero rows; others: the error), or
 * an error saying the body is JSON. */
apr_status_t pt_feed_json_answer(pt_feed_ctx_t *ctx, const char *data,
                                 apr_size_t len);

/* The format parsers, called by pt_feed_parse() with stats zeroed. */
apr_status_t pt_feed_parse_csv(pt_feed_ctx_t *ctx, const char *data,
                               apr_size_t len);
apr_status_t pt_feed_parse_json(pt_feed_ctx_t *ctx, const char *data,
                                apr_size_t len);

#endif /* PT_IOC_H */
