/*
 * pt_audit.c -- activity-log entries: normalising, the canonical JSON,
 * the chain's hash, and the export lines with their parser (see
 * pt_audit.h for the formats).
 *
 * The canonical form is written here by hand rather than by jansson, whose
 * escaping is not specified to match RFC 8785: every byte of it is decided
 * below.  The parser reads an 'E' line with jansson and then insists that
 * writing the entry again gives exactly the bytes it read.
 */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "pt_audit.h"
#include "pt_buf.h"
#include "pt_crypto.h"

#define CANON_MAX (64 * 1024)
#define MAX_SECONDS 253402300799LL      /* 9999-12-31T23:59:59Z */

/* ------------------------------------------------------------ normalise */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when none. */
static apr_size_t utf8_seq(const unsigned char *s, apr_size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    apr_size_t need, k;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    }
    else {
        return 0;
    }
    if (n < need + 1 || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (k = 2; k <= need; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return need + 1;
}

/* s as valid UTF-8 (bad bytes -> U+FFFD) of at most max bytes, cut at a
 * character; NULL for NULL or "". */
static const char *fit(apr_pool_t *p, const char *s, apr_size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t n, i = 0, o = 0;
    char *out;

    if (!s || !*s) {
        return NULL;
    }
    n = strlen(s);
    out = apr_palloc(p, max + 1);
    while (i < n) {
        apr_size_t k = utf8_seq(u + i, n - i);
        const char *src = k ? s + i : "\xEF\xBF\xBD";
        apr_size_t len = k ? k : 3;

        if (o + len > max) {
            break;
        }
        memcpy(out + o, src, len);
        o += len;
        i += k ? k : 1;
    }
    out[o] = '\0';
    return o ? out : NULL;
}

/* 1..max characters of [a-z0-9._-] (and ':' when colon). */
static int token_ok(const char *s, apr_size_t max, int colon)
{
    apr_size_t n = 0;

    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++, n++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
              || *s == '.' || *s == '_' || *s == '-' || (colon && *s == ':'))
            || n >= max) {
            return 0;
        }
    }
    return 1;
}

apr_status_t pt_audit_normalise(apr_pool_t *p, const pt_audit_entry_t *in,
                                pt_audit_entry_t *out, pt_err_t *err)
{
    if (!token_ok(in->action, PT_AUDIT_MAX_ACTION, 1)) {
        pt_err_set(err, p, NULL, 0, "an activity-log action is 1 to %d of"
                   " a-z 0-9 . _ : -", PT_AUDIT_MAX_ACTION);
        return APR_EINVAL;
    }
    if (!token_ok(in->outcome, PT_AUDIT_MAX_OUTCOME, 0)) {
        pt_err_set(err, p, NULL, 0, "an activity-log outcome is 1 to %d of"
                   " a-z 0-9 . _ -", PT_AUDIT_MAX_OUTCOME);
        return APR_EINVAL;
    }
    if (in->actor_id < 0 || in->time < 0) {
        pt_err_set(err, p, NULL, 0, "a negative actor id or time");
        return APR_EINVAL;
    }
    out->id = in->id;
    out->time = in->time ? in->time : apr_time_now();
    out->actor_id = in->actor_id;
    out->actor_name = fit(p, in->actor_name, PT_AUDIT_MAX_NAME);
    out->ip = fit(p, in->ip, PT_AUDIT_MAX_IP);
    out->user_agent = fit(p, in->user_agent, PT_AUDIT_MAX_UA);
    out->action = apr_pstrdup(p, in->action);
    out->target = fit(p, in->target, PT_AUDIT_MAX_TARGET);
    out->outcome = apr_pstrdup(p, in->outcome);
    out->request_id = fit(p, in->request_id, PT_AUDIT_MAX_REQUEST_ID);
    out->detail = fit(p, in->detail, PT_AUDIT_MAX_DETAIL);
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ canonical */

static void put_str(pt_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    if (!s) {
        pt_buf_append(b, "null", 4);
        return;
    }
    pt_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[7];
        const char *e = NULL;

        switch (c) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\r':
            e = "\\r";
            break;
        default:
            if (c < 0x20) {
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                esc[6] = '\0';
                e = esc;
            }
        }
        if (e) {
            pt_buf_append(b, run, (apr_size_t)(s - run));
            pt_buf_puts(b, e);
            run = s + 1;
        }
    }
    pt_buf_append(b, run, (apr_size_t)(s - run));
    pt_buf_putc(b, '"');
}

static void put_key(pt_buf_t *b, const char *key)
{
    pt_buf_puts(b, key);        /* ",\"name\":" */
}

const char *pt_audit_canonical(apr_pool_t *p, const pt_audit_entry_t *e,
                               apr_size_t *len)
{
    pt_buf_t b;

    pt_buf_init(&b, p, 512, CANON_MAX);
    put_key(&b, "{\"action\":");
    put_str(&b, e->action);
    put_key(&b, ",\"actor_id\":");
    if (e->actor_id) {
        pt_buf_puts(&b, apr_off_t_toa(p, e->actor_id));
    }
    else {
        pt_buf_puts(&b, "null");
    }
    put_key(&b, ",\"actor_name\":");
    put_str(&b, e->actor_name);
    put_key(&b, ",\"detail\":");
    put_str(&b, e->detail);
    put_key(&b, ",\"id\":");
    pt_buf_puts(&b, apr_off_t_toa(p, e->id));
    put_key(&b, ",\"ip\":");
    put_str(&b, e->ip);
    put_key(&b, ",\"outcome\":");
    put_str(&b, e->outcome);
    put_key(&b, ",\"request_id\":");
    put_str(&b, e->request_id);
    put_key(&b, ",\"target\":");
    put_str(&b, e->target);
    put_key(&b, ",\"time\":");
    pt_buf_puts(&b, apr_off_t_toa(p, e->time));
    put_key(&b, ",\"user_agent\":");
    put_str(&b, e->user_agent);
    pt_buf_puts(&b, ",\"v\":1}");
    if (len) {
        *len = b.len;
    }
    return b.data;
}

const char *pt_audit_hash(apr_pool_t *p, const char *prev_hex,
                          const pt_audit_entry_t *e)
{
    unsigned char md[32];
    apr_size_t n;
    const char *c = pt_audit_canonical(p, e, &n);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
         && EVP_DigestUpdate(ctx, prev_hex, strlen(prev_hex))
         && EVP_DigestUpdate(ctx, c, n)
         && EVP_DigestFinal_ex(ctx, md, NULL);
    EVP_MD_CTX_free(ctx);
    return ok ? pt_hex_encode(p, md, sizeof(md)) : "";
}

int pt_audit_row_ok(apr_pool_t *p, const pt_audit_row_t *row)
{
    return row->prev_hash && row->hash
           && !strcmp(pt_audit_hash(p, row->prev_hash, &row->e), row->hash);
}

/* ------------------------------------------------------------ export */

const char *pt_audit_export_entry(apr_pool_t *p, const pt_audit_row_t *row)
{
    return apr_pstrcat(p, "E\t", row->prev_hash, "\t", row->hash, "\t",
                       pt_audit_canonical(p, &row->e, NULL), "\n", NULL);
}

/* A TSA name fit for a TAB-separated field. */
static const char *field_safe(apr_pool_t *p, const char *s)
{
    char *c = apr_pstrdup(p, s && *s ? s : "-");
    char *q;

    for (q = c; *q; q++) {
        if ((unsigned char)*q < 0x20 || *q == 0x7f) {
            *q = ' ';
        }
    }
    return c;
}

const char *pt_audit_export_seal(apr_pool_t *p, const pt_audit_seal_t *s)
{
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)s->token_len));

    apr_base64_encode_binary(b64, s->token, (int)s->token_len);
    return apr_psprintf(p, "S\t%" APR_INT64_T_FMT "\t%s\t%" APR_INT64_T_FMT
                        "\t%s\t%s\n", s->entry_id, s->hash,
                        (apr_int64_t)apr_time_sec(s->sealed_at),
                        field_safe(p, s->tsa), b64);
}

/* ------------------------------------------------------------ parse */

static int hash_hex_ok(const char *s)
{
    int i;

    for (i = 0; i < PT_AUDIT_HASH_HEX; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return s[PT_AUDIT_HASH_HEX] == '\0';
}

/* A non-negative decimal without sign or leading zeros. */
static int uint_ok(const char *s, apr_int64_t *out)
{
    apr_int64_t v = 0;
    const char *c = s;

    if (!*c || (c[0] == '0' && c[1])) {
        return 0;
    }
    for (; *c; c++) {
        if (*c < '0' || *c > '9' || v > (APR_INT64_MAX - (*c - '0')) / 10) {
            return 0;
        }
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return 1;
}

/* The string member key of o: *out = its value or NULL (JSON null);
 * 0 when it is missing or of another type. */
static int get_str(apr_pool_t *p, json_t *o, const char *key,
                   const char **out)
{
    json_t *v = json_object_get(o, key);

    if (!v) {
        return 0;
    }
    if (json_is_null(v)) {
        *out = NULL;
        return 1;
    }
    if (!json_is_string(v) || strlen(json_string_value(v))
                              != json_string_length(v)) {
        return 0;
    }
    *out = apr_pstrdup(p, json_string_value(v));
    return 1;
}

static int get_int(json_t *o, const char *key, apr_int64_t *out, int null_ok)
{
    json_t *v = json_object_get(o, key);

    if (v && null_ok && json_is_null(v)) {
        *out = 0;
        return 1;
    }
    if (!v || !json_is_integer(v) || json_integer_value(v) < 0) {
        return 0;
    }
    *out = (apr_int64_t)json_integer_value(v);
    return 1;
}

static apr_status_t parse_entry(apr_pool_t *p, const char *json,
                                apr_size_t len, pt_audit_entry_t *e,
                                pt_err_t *err)
{
    json_error_t jerr;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    apr_int64_t v = 0;
    const char *again;
    apr_size_t n;
    int ok;

    if (!o || !json_is_object(o)) {
        json_decref(o);
        pt_err_set(err, p, NULL, 0, "not a JSON object");
        return APR_EINVAL;
    }
    memset(e, 0, sizeof(*e));
    ok = json_object_size(o) == 12
         && get_str(p, o, "action", &e->action) && e->action
         && get_int(o, "actor_id", &e->actor_id, 1)
         && get_str(p, o, "actor_name", &e->actor_name)
         && get_str(p, o, "detail", &e->detail)
         && get_int(o, "id", &e->id, 0) && e->id > 0
         && get_str(p, o, "ip", &e->ip)
         && get_str(p, o, "outcome", &e->outcome) && e->outcome
         && get_str(p, o, "request_id", &e->request_id)
         && get_str(p, o, "target", &e->target)
         && get_int(o, "time", &e->time, 0)
         && get_str(p, o, "user_agent", &e->user_agent)
         && get_int(o, "v", &v, 0) && v == 1;
    json_decref(o);
    if (!ok) {
        pt_err_set(err, p, NULL, 0, "not an activity-log entry (its members"
                   " or their types)");
        return APR_EINVAL;
    }
    again = pt_audit_canonical(p, e, &n);
    if (n != len || memcmp(again, json, len) != 0) {
        pt_err_set(err, p, NULL, 0, "the entry is not in its canonical form");
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* Split line into at most max TAB-separated fields (copies in p). */
static int split_tabs(apr_pool_t *p, const char *line, apr_size_t len,
                      char **f, int max)
{
    int n = 0;
    const char *s = line, *end = line + len;

    while (n < max) {
        const char *t = n == max - 1 ? NULL
                        : memchr(s, '\t', (apr_size_t)(end - s));

        f[n++] = apr_pstrmemdup(p, s, t ? (apr_size_t)(t - s)
                                        : (apr_size_t)(end - s));
        if (!t) {
            break;
        }
        s = t + 1;
    }
    return n;
}

static apr_status_t parse_seal(apr_pool_t *p, char **f, pt_audit_seal_t *s,
                               pt_err_t *err)
{
    apr_int64_t at;
    apr_size_t n = strlen(f[5]), i;
    unsigned char *der;
    int len;

    if (!uint_ok(f[1], &s->entry_id) || s->entry_id == 0
        || !hash_hex_ok(f[2]) || !uint_ok(f[3], &at) || at > MAX_SECONDS
        || !*f[4]) {
        pt_err_set(err, p, NULL, 0, "a seal line needs an entry id, a hash,"
                   " a time and a TSA name");
        return APR_EINVAL;
    }
    for (i = 0; i < n; i++) {
        char c = f[5][i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '+' || c == '/'
              || (c == '=' && i + 2 >= n))) {
            break;
        }
    }
    if (n == 0 || i != n || n % 4 != 0
        || (apr_size_t)apr_base64_decode_len(f[5]) > PT_TSA_MAX_DER + 3) {
        pt_err_set(err, p, NULL, 0, "a seal's token is not base64 of at "
                   "most %d bytes", PT_TSA_MAX_DER);
        return APR_EINVAL;
    }
    der = apr_palloc(p, (apr_size_t)apr_base64_decode_len(f[5]));
    len = apr_base64_decode_binary(der, f[5]);
    s->hash = f[2];
    s->sealed_at = apr_time_from_sec(at);
    s->tsa = f[4];
    s->token = der;
    s->token_len = len > 0 ? (apr_size_t)len : 0;
    return APR_SUCCESS;
}

apr_status_t pt_audit_parse_line(apr_pool_t *p, const char *line,
                                 apr_size_t len, pt_audit_line_t *out,
                                 pt_err_t *err)
{
    char *f[6];
    int n;

    memset(out, 0, sizeof(*out));
    if (len > PT_AUDIT_MAX_LINE || memchr(line, '\0', len)
        || memchr(line, '\n', len)) {
        pt_err_set(err, p, NULL, 0, "not a line of an activity-log export");
        return APR_EINVAL;
    }
    if (len == 0 || line[0] == '#') {
        out->kind = '#';
        return APR_SUCCESS;
    }
    if (len > 2 && line[0] == 'E' && line[1] == '\t') {
        n = split_tabs(p, line, len, f, 4);
        if (n != 4 || !hash_hex_ok(f[1]) || !hash_hex_ok(f[2])) {
            pt_err_set(err, p, NULL, 0, "an entry line is E, two hashes "
                       "and the entry");
            return APR_EINVAL;
        }
        out->kind = 'E';
        out->row.prev_hash = f[1];
        out->row.hash = f[2];
        return parse_entry(p, f[3], strlen(f[3]), &out->row.e, err);
    }
    if (len > 2 && line[0] == 'S' && line[1] == '\t') {
        n = split_tabs(p, line, len, f, 6);
        if (n != 6) {
            pt_err_set(err, p, NULL, 0, "a seal line has six fields");
            return APR_EINVAL;
        }
        out->kind = 'S';
        return parse_seal(p, f, &out->seal, err);
    }
    pt_err_set(err, p, NULL, 0, "not a line of an activity-log export");
    return APR_EINVAL;
}
