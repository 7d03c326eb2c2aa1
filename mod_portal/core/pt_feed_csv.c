/*
 * pt_feed_csv.c -- the CSV feeds: URLhaus, ThreatFox, MalwareBazaar and
 * Feodo Tracker exports (abuse.ch) and GreyNoise's published IOC lists.
 *
 * Fields are split by libcsv in strict mode, which also copes with
 * abuse.ch's `", "` separator (blanks before a quoted field are skipped).
 * This file owns the lines around it: the body is fed to libcsv one
 * physical line at a time, and a line that starts a row with "#" is a
 * comment (the banner, a commented header, the trailer) that never reaches
 * libcsv; blank lines are skipped.  Only LF ends a row; CR counts as a
 * blank, so CRLF and LF bodies read the same while a CR inside quotes is
 * kept.
 *
 * Columns are found by name when there is a header (commented as in
 * URLhaus/ThreatFox/MalwareBazaar, or a plain first row as in Feodo and
 * GreyNoise), so added, removed or moved columns (ThreatFox's later
 * "is_compromised") are fine; without a header the known layouts of the
 * format are chosen by the number of fields.  Every row must then have
 * exactly as many fields as the first.
 *
 * Longer than the ~600 lines of the norm: five published CSV formats, each
 * a short table of columns over one shared reader.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include <csv.h>

#include "pt_ioc.h"

/* The columns the parsers read; every other column is ignored. */
enum {
    COL_ID, COL_FIRST, COL_LAST, COL_VALUE, COL_TYPE, COL_THREAT,
    COL_MALWARE, COL_TAGS, COL_REF, COL_CONF, COL_PORT, COL_MD5, COL_SHA1,
    COL_SHA256, COL_N
};

typedef struct col_name_t {
    const char *name;        /* header name, lower case */
    int col;
} col_name_t;

/* How one format's CSV is laid out. */
typedef struct csv_layout_t {
    const col_name_t *names;             /* ended by { NULL, 0 } */
    int required[3];                     /* a header must have; -1 ends */
    const char *const *defaults[3];      /* header-less layouts; NULL ends */
    const char *expect;                  /* "9 or 8": for messages */
    int header_required;
} csv_layout_t;

static const col_name_t urlhaus_names[] = {
    { "id", COL_ID }, { "dateadded", COL_FIRST }, { "url", COL_VALUE },
    { "last_online", COL_LAST }, { "threat", COL_THREAT },
    { "tags", COL_TAGS }, { "urlhaus_link", COL_REF }, { NULL, 0 }
};
static const char *const urlhaus_9[] = {
    "id", "dateadded", "url", "url_status", "last_online", "threat", "tags",
    "urlhaus_link", "reporter", NULL
};
static const char *const urlhaus_8[] = {   /* before last_online (2019) */
    "id", "dateadded", "url", "url_status", "threat", "tags",
    "urlhaus_link", "reporter", NULL
};

static const col_name_t threatfox_names[] = {
    { "first_seen_utc", COL_FIRST }, { "ioc_id", COL_ID },
    { "ioc_value", COL_VALUE }, { "ioc_type", COL_TYPE },
    { "threat_type", COL_THREAT }, { "malware_printable", COL_MALWARE },
    { "last_seen_utc", COL_LAST }, { "confidence_level", COL_CONF },
    { "reference", COL_REF }, { "tags", COL_TAGS }, { NULL, 0 }
};
static const char *const threatfox_14[] = {
    "first_seen_utc", "ioc_id", "ioc_value", "ioc_type", "threat_type",
    "fk_malware", "malware_alias", "malware_printable", "last_seen_utc",
    "confidence_level", "reference", "tags", "anonymous", "reporter", NULL
};
static const char *const threatfox_15[] = {
    "first_seen_utc", "ioc_id", "ioc_value", "ioc_type", "threat_type",
    "fk_malware", "malware_alias", "malware_printable", "last_seen_utc",
    "confidence_level", "is_compromised", "reference", "tags", "anonymous",
    "reporter", NULL
};

static const col_name_t bazaar_names[] = {
    { "first_seen_utc", COL_FIRST }, { "first_seen", COL_FIRST },
    { "sha256_hash", COL_SHA256 }, { "md5_hash", COL_MD5 },
    { "sha1_hash", COL_SHA1 }, { "signature", COL_MALWARE }, { NULL, 0 }
};
static const char *const bazaar_14[] = {
    "first_seen_utc", "sha256_hash", "md5_hash", "sha1_hash", "reporter",
    "file_name", "file_type_guess", "mime_type", "signature", "clamav",
    "vtpercent", "imphash", "ssdeep", "tlsh", NULL
};

static const col_name_t feodo_names[] = {
    { "first_seen_utc", COL_FIRST }, { "firstseen", COL_FIRST },
    { "dst_ip", COL_VALUE }, { "dstip", COL_VALUE },
    { "dst_port", COL_PORT }, { "dstport", COL_PORT },
    { "last_online", COL_LAST }, { "lastonline", COL_LAST },
    { "malware", COL_MALWARE }, { NULL, 0 }
};
static const char *const feodo_6[] = {
    "first_seen_utc", "dst_ip", "dst_port", "c2_status", "last_online",
    "malware", NULL
};
static const char *const feodo_5[] = {   /* the older ipblocklist.csv */
    "firstseen", "dstip", "dstport", "lastonline", "malware", NULL
};

static const col_name_t greynoise_names[] = {
    { "ip", COL_VALUE }, { "indicator", COL_VALUE }, { "type", COL_TYPE },
    { NULL, 0 }
};

static const csv_layout_t layout_urlhaus = {
    urlhaus_names, { COL_VALUE, -1 }, { urlhaus_9, urlhaus_8, NULL },
    "9 or 8", 0
};
static const csv_layout_t layout_threatfox = {
    threatfox_names, { COL_VALUE, COL_TYPE, -1 },
    { threatfox_14, threatfox_15, NULL }, "14 or 15", 0
};
static const csv_layout_t layout_bazaar = {
    bazaar_names, { COL_SHA256, -1 }, { bazaar_14, NULL }, "14", 0
};
static const csv_layout_t layout_feodo = {
    feodo_names, { COL_VALUE, -1 }, { feodo_6, feodo_5, NULL }, "6 or 5", 0
};
static const csv_layout_t layout_greynoise = {
    greynoise_names, { COL_VALUE, -1 }, { NULL }, NULL, 1
};

#define COMMENT_MAX 4096

typedef struct csv_state_t {
    pt_feed_ctx_t *ctx;
    const csv_layout_t *lay;
    struct csv_parser parser;
    const char *fields[PT_FEED_MAX_COLUMNS];
    int nfields;
    int overflow;            /* the row had more than PT_FEED_MAX_COLUMNS */
    int col[COL_N];          /* field index of each column, -1 absent */
    int ncols;               /* fields per row once known, else 0 */
    char *comment;           /* the last comment before the first row */
    int comment_line;        /* its line; 0: none yet */
    apr_int64_t data_rows;
    int trailer_line;        /* 0: no trailer seen */
    apr_int64_t trailer_n;
    int line;                /* the physical line being fed */
    int row_line;            /* where the current row started */
    int row_open;            /* libcsv holds part of a row */
    int last_comment_open;   /* the body ends in a comment, not the trailer */
    char where[32];
    apr_status_t rv;
} csv_state_t;

static int blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* libcsv: CR is a blank (trimmed around fields) and only LF ends a row. */
static int csv_is_space(unsigned char c)
{
    return blank(c);
}

static int csv_is_term(unsigned char c)
{
    return c == '\n';
}

/* libcsv's buffer holds one field: refusing to grow it past the limit
 * bounds memory whatever the body (libcsv reports CSV_ENOMEM). */
static void *csv_capped_realloc(void *ptr, size_t n)
{
    if (n > (size_t)PT_FEED_MAX_FIELD + 1) {
        return NULL;
    }
    return realloc(ptr, n);
}

/* ----------------------------------------------------------- the schema */

/* A header name: blanks, quotes and a leading "#" stripped, lower case. */
static char *header_name(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *out;
    apr_size_t i;

    while (n > 0 && (blank((unsigned char)*s) || *s == '"' || *s == '#')) {
        s++;
        n--;
    }
    while (n > 0 && (blank((unsigned char)s[n - 1]) || s[n - 1] == '"')) {
        n--;
    }
    out = apr_pstrmemdup(p, s, n);
    for (i = 0; i < n; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z') {
            out[i] = (char)(out[i] + ('a' - 'A'));
        }
    }
    return out;
}

/* Names look like column names: letters, digits, "_" and "-" only. */
static int header_like(const char *const *names, int n)
{
    int i;

    if (n < 2) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        const char *s = names[i];

        if (!*s) {
            return 0;
        }
        for (; *s; s++) {
            if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
                  || *s == '_' || *s == '-')) {
                return 0;
            }
        }
    }
    return 1;
}

/* Take names as the header: map the columns and check the required ones.
 * Returns 0, or -1 when a required column is missing (*missing set). */
static int schema_apply(csv_state_t *st, const char *const *names, int n,
                        const char **missing)
{
    const col_name_t *cn;
    int i, k;

    for (k = 0; k < COL_N; k++) {
        st->col[k] = -1;
    }
    for (i = 0; i < n; i++) {
        for (cn = st->lay->names; cn->name; cn++) {
            if (strcmp(cn->name, names[i]) == 0 && st->col[cn->col] < 0) {
                st->col[cn->col] = i;
            }
        }
    }
    for (k = 0; st->lay->required[k] >= 0; k++) {
        if (st->col[st->lay->required[k]] < 0) {
            for (cn = st->lay->names; cn->name; cn++) {
                if (cn->col == st->lay->required[k]) {
                    *missing = cn->name;
                    break;
                }
            }
            return -1;
        }
    }
    st->ncols = n;
    return 0;
}

/* Split a comment line "# a,b,c" or `# "a","b"` into header names. */
static int comment_names(apr_pool_t *p, const char *s, const char **names)
{
    int n = 0;

    while (n < PT_FEED_MAX_COLUMNS) {
        const char *comma = strchr(s, ',');
        apr_size_t len = comma ? (apr_size_t)(comma - s) : strlen(s);

        names[n++] = header_name(p, s, len);
        if (!comma) {
            return n;
        }
        s = comma + 1;
    }
    return 0;                   /* too many: not a header */
}

/* The first row: find the columns from a header (the last comment or the
 * row itself) or a default layout.  *consumed says the row was the header. */
static apr_status_t schema_find(csv_state_t *st, int *consumed)
{
    pt_feed_ctx_t *ctx = st->ctx;
    const char *names[PT_FEED_MAX_COLUMNS];
    const char *missing = NULL;
    int n, i, k;

    *consumed = 0;
    if (st->comment_line > 0) {
        n = comment_names(ctx->scratch, st->comment, names);
        if (header_like(names, n)) {
            if (schema_apply(st, names, n, &missing) < 0) {
                return pt_feed_fail(ctx, "line %d: the header has no \"%s\" "
                                    "column: not a %s CSV", st->comment_line,
                                    missing, ctx->source);
            }
            return APR_SUCCESS;
        }
    }
    for (i = 0; i < st->nfields; i++) {
        names[i] = header_name(ctx->scratch, st->fields[i],
                               strlen(st->fields[i]));
    }
    if (header_like(names, st->nfields)) {
        if (schema_apply(st, names, st->nfields, &missing) == 0) {
            *consumed = 1;
            return APR_SUCCESS;
        }
        if (st->lay->header_required) {
            return pt_feed_fail(ctx, "line %d: the header has no \"%s\" "
                                "column: not a %s CSV", st->row_line,
                                missing, ctx->source);
        }
    }
    if (st->lay->header_required) {
        return pt_feed_fail(ctx, "line %d: no header line (\"ip,sessions\" "
                            "or \"type,indicator,...\"): not a %s CSV",
                            st->row_line, ctx->source);
    }
    for (k = 0; st->lay->defaults[k]; k++) {
        const char *const *d = st->lay->defaults[k];

        for (n = 0; d[n]; n++) {
        }
        if (n == st->nfields) {
            return schema_apply(st, d, n, &missing) == 0
                   ? APR_SUCCESS
                   : pt_feed_fail(ctx, "internal: bad default layout");
        }
    }
    return pt_feed_fail(ctx, "line %d: %d field%s, expected %s",
                        st->row_line, st->nfields,
                        st->nfields == 1 ? "" : "s", st->lay->expect);
}

/* ------------------------------------------------------------- the rows */

static const char *field(csv_state_t *st, int col)
{
    int i = st->col[col];

    return i >= 0 ? st->fields[i] : NULL;
}

static void ioc_init(pt_ioc_t *ioc)
{
    memset(ioc, 0, sizeof(*ioc));
    ioc->confidence = -1;
}

static apr_status_t row_urlhaus(csv_state_t *st)
{
    apr_pool_t *p = st->ctx->scratch;
    pt_ioc_t ioc;

    ioc_init(&ioc);
    ioc.type = "url";
    ioc.value = field(st, COL_VALUE);
    ioc.threat = pt_feed_str(p, field(st, COL_THREAT));
    ioc.tags = pt_feed_tags(p, field(st, COL_TAGS));
    ioc.first_seen = pt_feed_time(field(st, COL_FIRST));
    ioc.last_seen = pt_feed_time(field(st, COL_LAST));
    ioc.reference = pt_feed_str(p, field(st, COL_REF));
    return pt_feed_emit(st->ctx, &ioc);
}

static apr_status_t row_threatfox(csv_state_t *st)
{
    apr_pool_t *p = st->ctx->scratch;
    pt_ioc_t ioc;

    ioc_init(&ioc);
    ioc.type = pt_feed_type(field(st, COL_TYPE));
    if (!ioc.type) {
        pt_feed_skip(st->ctx);
        return APR_SUCCESS;
    }
    ioc.value = field(st, COL_VALUE);
    ioc.threat = pt_feed_str(p, field(st, COL_THREAT));
    ioc.malware = pt_feed_str(p, field(st, COL_MALWARE));
    ioc.tags = pt_feed_tags(p, field(st, COL_TAGS));
    ioc.confidence = pt_feed_confidence(field(st, COL_CONF));
    ioc.first_seen = pt_feed_time(field(st, COL_FIRST));
    ioc.last_seen = pt_feed_time(field(st, COL_LAST));
    ioc.reference = pt_feed_str(p, field(st, COL_REF));
    return pt_feed_emit(st->ctx, &ioc);
}

static apr_status_t row_bazaar(csv_state_t *st)
{
    static const struct {
        int col;
        const char *type;
    } hashes[] = { { COL_SHA256, "sha256" }, { COL_MD5, "md5" },
                   { COL_SHA1, "sha1" } };
    apr_pool_t *p = st->ctx->scratch;
    const char *sha256;
    apr_size_t i;
    pt_ioc_t ioc;

    sha256 = pt_ioc_normalise_value(p, "sha256", field(st, COL_SHA256));
    for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        apr_status_t rv;

        if (st->col[hashes[i].col] < 0) {
            continue;
        }
        ioc_init(&ioc);
        ioc.type = hashes[i].type;
        ioc.value = field(st, hashes[i].col);
        ioc.threat = "payload";
        ioc.malware = pt_feed_str(p, field(st, COL_MALWARE));
        ioc.tags = "";
        ioc.first_seen = pt_feed_time(field(st, COL_FIRST));
        ioc.reference = sha256 ? apr_pstrcat(p, "https://bazaar.abuse.ch/"
                                             "sample/", sha256, "/", NULL)
                               : NULL;
        rv = pt_feed_emit(st->ctx, &ioc);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t row_feodo(csv_state_t *st)
{
    apr_pool_t *p = st->ctx->scratch;
    const char *ip = pt_feed_str(p, field(st, COL_VALUE));
    const char *port = pt_feed_str(p, field(st, COL_PORT));
    const char *norm = pt_ioc_normalise_value(p, "ip", ip);
    pt_ioc_t ioc;

    ioc_init(&ioc);
    pt_feed_host(p, &ioc, ip, port);
    ioc.threat = "botnet_cc";
    ioc.malware = pt_feed_str(p, field(st, COL_MALWARE));
    ioc.first_seen = pt_feed_time(field(st, COL_FIRST));
    ioc.last_seen = pt_feed_time(field(st, COL_LAST));
    ioc.reference = norm ? apr_pstrcat(p, "https://feodotracker.abuse.ch/"
                                       "browse/host/", norm, "/", NULL)
                         : NULL;
    return pt_feed_emit(st->ctx, &ioc);
}

static apr_status_t row_greynoise(csv_state_t *st)
{
    apr_pool_t *p = st->ctx->scratch;
    const char *value = field(st, COL_VALUE);
    pt_ioc_t ioc;

    ioc_init(&ioc);
    if (st->col[COL_TYPE] >= 0) {
        ioc.type = pt_feed_type(field(st, COL_TYPE));
        if (!ioc.type) {                 /* tag, ja4t, ja4h, cve, ... */
            pt_feed_skip(st->ctx);
            return APR_SUCCESS;
        }
    }
    else {
        ioc.type = "ip";
    }
    ioc.value = pt_feed_refang(p, value);
    ioc.threat = "scanner";
    return pt_feed_emit(st->ctx, &ioc);
}

/* One complete row from libcsv; at_eof: ended by the end of the body
 * rather than a newline. */
static apr_status_t row_done(csv_state_t *st, int at_eof)
{
    pt_feed_ctx_t *ctx = st->ctx;

    apr_snprintf(st->where, sizeof(st->where), "line %d", st->row_line);
    ctx->where = st->where;
    if (st->overflow) {
        return pt_feed_fail(ctx, "line %d: more than %d fields",
                            st->row_line, PT_FEED_MAX_COLUMNS);
    }
    if (st->ncols == 0) {
        int consumed;
        apr_status_t rv = schema_find(st, &consumed);

        if (rv == APR_SUCCESS && consumed && at_eof) {
            return pt_feed_fail(ctx, "line %d: the body ends inside the "
                                "header (cut?)", st->row_line);
        }
        if (rv != APR_SUCCESS || consumed) {
            return rv;
        }
    }
    if (st->trailer_line) {
        return pt_feed_fail(ctx, "line %d: a row after the trailer on "
                            "line %d", st->row_line, st->trailer_line);
    }
    if (st->nfields != st->ncols) {
        return pt_feed_fail(ctx, "line %d: %d field%s, expected %d",
                            st->row_line, st->nfields,
                            st->nfields == 1 ? "" : "s", st->ncols);
    }
    st->data_rows++;
    switch (ctx->kind) {
    case PT_FEED_URLHAUS_CSV:
        return row_urlhaus(st);
    case PT_FEED_THREATFOX_CSV:
        return row_threatfox(st);
    case PT_FEED_MALWAREBAZAAR_CSV:
        return row_bazaar(st);
    case PT_FEED_FEODO_CSV:
        return row_feodo(st);
    default:
        return row_greynoise(st);
    }
}

static void on_field(void *s, size_t len, void *data)
{
    csv_state_t *st = data;

    if (st->rv != APR_SUCCESS) {
        return;
    }
    if (st->nfields >= PT_FEED_MAX_COLUMNS) {
        st->overflow = 1;
        return;
    }
    st->fields[st->nfields++] = len ? apr_pstrmemdup(st->ctx->scratch, s,
                                                     len)
                                    : "";
}

static void on_row(int c, void *data)
{
    csv_state_t *st = data;

    st->row_open = 0;
    if (st->rv == APR_SUCCESS) {
        st->rv = row_done(st, c < 0);
    }
    st->nfields = 0;
    st->overflow = 0;
    st->ctx->where = NULL;
    apr_pool_clear(st->ctx->scratch);
}

/* ---------------------------------------------------------- comments */

/* "Number of entries: N" (ThreatFox, MalwareBazaar) or "END N entries"
 * (Feodo Tracker): 1 with *n set, else 0. */
static int trailer_count(const char *s, apr_int64_t *n)
{
    const char *digits;
    char *end;

    if (strncasecmp(s, "Number of entries:", 18) == 0) {
        digits = s + 18;
        while (*digits == ' ') {
            digits++;
        }
        if (*digits < '0' || *digits > '9') {
            return 0;
        }
        *n = apr_strtoi64(digits, &end, 10);
        return *end == '\0' && *n >= 0;
    }
    if (strncasecmp(s, "END ", 4) == 0) {
        digits = s + 4;
        if (*digits < '0' || *digits > '9') {
            return 0;
        }
        *n = apr_strtoi64(digits, &end, 10);
        return strcasecmp(end, " entries") == 0 && *n >= 0;
    }
    return 0;
}

/* A line starting with "#" at the start of a row: [s, e) without the LF. */
static apr_status_t comment_line(csv_state_t *st, const char *s,
                                 const char *e)
{
    pt_feed_ctx_t *ctx = st->ctx;
    apr_int64_t n;
    apr_size_t len;
    char buf[128];

    s++;                                    /* the "#" */
    while (s < e && blank((unsigned char)*s)) {
        s++;
    }
    while (e > s && blank((unsigned char)e[-1])) {
        e--;
    }
    len = (apr_size_t)(e - s);
    if (len < sizeof(buf)) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (trailer_count(buf, &n)) {
            if (st->trailer_line) {
                return pt_feed_fail(ctx, "line %d: a second trailer (the "
                                    "first on line %d)", st->line,
                                    st->trailer_line);
            }
            st->trailer_line = st->line;
            st->trailer_n = n;
            return APR_SUCCESS;
        }
    }
    if (st->ncols == 0 && st->data_rows == 0) {
        if (len >= COMMENT_MAX) {
            len = COMMENT_MAX - 1;
        }
        memcpy(st->comment, s, len);
        st->comment[len] = '\0';
        st->comment_line = st->line;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------- parsing */

/* Feed the body line by line; see the top of the file. */
static apr_status_t feed_lines(csv_state_t *st, const char *data,
                               apr_size_t len)
{
    pt_feed_ctx_t *ctx = st->ctx;
    const char *pos = data, *end = data + len;
    const char *nul = memchr(data, '\0', len);

    if (nul) {
        return pt_feed_fail(ctx, "byte %" APR_SIZE_T_FMT ": a NUL byte: "
                            "not a text CSV", (apr_size_t)(nul - data));
    }
    if (len >= 3 && memcmp(pos, "\xEF\xBB\xBF", 3) == 0) {
        pos += 3;
    }
    while (pos < end) {
        const char *nl = memchr(pos, '\n', (apr_size_t)(end - pos));
        const char *next = nl ? nl + 1 : end;
        const char *eol = nl ? nl : end;
        apr_size_t fed;

        st->line++;
        if (!st->row_open) {
            const char *q = pos;

            while (q < eol && blank((unsigned char)*q)) {
                q++;
            }
            if (q == eol) {                      /* blank line */
                pos = next;
                continue;
            }
            if (*pos == '#') {
                apr_status_t rv = comment_line(st, pos, eol);

                if (rv != APR_SUCCESS) {
                    return rv;
                }
                /* A last comment without a newline must be the trailer. */
                st->last_comment_open = !nl && st->trailer_line != st->line;
                pos = next;
                continue;
            }
            st->row_open = 1;
            st->row_line = st->line;
        }
        fed = csv_parse(&st->parser, pos, (size_t)(next - pos), on_field,
                        on_row, st);
        if (st->rv != APR_SUCCESS) {
            return st->rv;
        }
        if (fed != (apr_size_t)(next - pos)) {
            if (csv_error(&st->parser) == CSV_ENOMEM) {
                return pt_feed_fail(ctx, "line %d: a field longer than %d "
                                    "bytes", st->line, PT_FEED_MAX_FIELD);
            }
            return pt_feed_fail(ctx, "line %d: a stray quote (a quote "
                                "inside an unquoted field, or text after "
                                "a closing quote)", st->line);
        }
        pos = next;
    }
    if (st->row_open) {
        /* The last row has no newline: a body that stops right after a
         * separator was cut (the empty field would pass the count). */
        const char *q = end;

        while (q > data && blank((unsigned char)q[-1])) {
            q--;
        }
        if (q > data && q[-1] == ',') {
            return pt_feed_fail(ctx, "line %d: the body ends after a field "
                                "separator (cut?)", st->line);
        }
    }
    else if (st->last_comment_open) {
        return pt_feed_fail(ctx, "line %d: the body ends inside a comment "
                            "line (cut?)", st->line);
    }
    if (csv_fini(&st->parser, on_field, on_row, st) != 0) {
        return pt_feed_fail(ctx, "line %d: a quoted field is not closed at "
                            "the end of the body (cut?)", st->row_line);
    }
    if (st->rv != APR_SUCCESS) {
        return st->rv;
    }
    if (st->trailer_line && st->trailer_n != st->data_rows) {
        return pt_feed_fail(ctx, "line %d: the trailer counts %"
                            APR_INT64_T_FMT " entries but the body has %"
                            APR_INT64_T_FMT " rows (cut or corrupt)",
                            st->trailer_line, st->trailer_n, st->data_rows);
    }
    return APR_SUCCESS;
}

apr_status_t pt_feed_parse_csv(pt_feed_ctx_t *ctx, const char *data,
                               apr_size_t len)
{
    csv_state_t *st;
    apr_size_t i = 0;
    apr_status_t rv;
    int k;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < len && (blank((unsigned char)data[i]) || data[i] == '\n')) {
        i++;
    }
    if (i < len && (data[i] == '{' || data[i] == '[')) {
        return pt_feed_json_answer(ctx, data, len);
    }

    st = apr_pcalloc(ctx->pool, sizeof(*st));
    st->ctx = ctx;
    st->comment = apr_palloc(ctx->pool, COMMENT_MAX);
    st->comment[0] = '\0';
    for (k = 0; k < COL_N; k++) {
        st->col[k] = -1;
    }
    switch (ctx->kind) {
    case PT_FEED_URLHAUS_CSV:
        st->lay = &layout_urlhaus;
        break;
    case PT_FEED_THREATFOX_CSV:
        st->lay = &layout_threatfox;
        break;
    case PT_FEED_MALWAREBAZAAR_CSV:
        st->lay = &layout_bazaar;
        break;
    case PT_FEED_FEODO_CSV:
        st->lay = &layout_feodo;
        break;
    default:
        st->lay = &layout_greynoise;
        break;
    }
    if (csv_init(&st->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        return pt_feed_fail(ctx, "cannot set up the CSV parser");
    }
    csv_set_space_func(&st->parser, csv_is_space);
    csv_set_term_func(&st->parser, csv_is_term);
    csv_set_realloc_func(&st->parser, csv_capped_realloc);
    csv_set_blk_size(&st->parser, 4096);
    rv = feed_lines(st, data, len);
    csv_free(&st->parser);
    return rv;
}
