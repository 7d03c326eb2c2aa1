/*
 * pt_feed_json.c -- the JSON feeds: ThreatFox and MalwareBazaar API
 * answers ({"query_status":"ok","data":[...]}, and ThreatFox's export
 * {"<id>":[{...}],...}), Feodo Tracker's ipblocklist.json (an array) and
 * GreyNoise community answers (one object, an array, or {"data":[...]}).
 *
 * Memory stays constant per record whatever the size of the body: a small
 * scanner here walks the outer structure (objects, arrays, strings with
 * their escapes, brackets matched on a bounded stack) without building
 * anything, and only one record at a time (at most PT_FEED_MAX_ELEMENT
 * bytes) is handed to jansson, which validates it fully.  Envelope members
 * other than the records are validated by jansson too, so a body only
 * parses when it is valid JSON from end to end.
 *
 * Longer than the ~600 lines of the norm: five published JSON formats over
 * one shared walker.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include <jansson.h>

#include "pt_ioc.h"

typedef struct jscan_t {
    pt_feed_ctx_t *ctx;
    const char *p;
    const char *end;
    int line;                /* the line of *p, 1-based */
} jscan_t;

/* A member name (raw, between its quotes) or an array element. */
typedef apr_status_t (*js_member_fn)(jscan_t *s, const char *key,
                                     apr_size_t keylen, const char *v,
                                     apr_size_t vlen, int vline, void *arg);
typedef apr_status_t (*js_item_fn)(jscan_t *s, const char *v,
                                   apr_size_t vlen, int vline, int index,
                                   void *arg);

static int js_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void js_ws(jscan_t *s)
{
    while (s->p < s->end && js_blank((unsigned char)*s->p)) {
        if (*s->p == '\n') {
            s->line++;
        }
        s->p++;
    }
}

/* A character for a message: itself when printable, else its code. */
static const char *js_char(apr_pool_t *p, unsigned char c)
{
    return (c > 0x20 && c < 0x7f) ? apr_psprintf(p, "'%c'", c)
                                  : apr_psprintf(p, "byte 0x%02x", c);
}

static apr_status_t js_cut(jscan_t *s, const char *inside)
{
    return pt_feed_fail(s->ctx, "line %d: the JSON ends inside %s (cut?)",
                        s->line, inside);
}

/* s->p at the opening quote: move past the closing one. */
static apr_status_t js_skip_string(jscan_t *s)
{
    s->p++;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p++;

        if (c == '"') {
            return APR_SUCCESS;
        }
        if (c == '\\') {
            if (s->p == s->end) {
                break;
            }
            s->p++;
        }
        else if (c == '\n') {
            s->line++;
        }
    }
    return js_cut(s, "a string");
}

/* Skip one value at s->p (after blanks): strings and brackets matched,
 * primitives up to the next delimiter.  jansson checks the rest. */
static apr_status_t js_skip(jscan_t *s)
{
    char stack[PT_FEED_MAX_DEPTH];
    int depth = 0;
    unsigned char c;

    if (s->p == s->end) {
        return js_cut(s, "a value");
    }
    c = (unsigned char)*s->p;
    if (c == '"') {
        return js_skip_string(s);
    }
    if (c != '{' && c != '[') {
        const char *start = s->p;

        while (s->p < s->end && !js_blank((unsigned char)*s->p)
               && !strchr(",:]}[{\"", *s->p)) {
            s->p++;
        }
        if (s->p == start) {
            return pt_feed_fail(s->ctx, "line %d: %s where a value was "
                                "expected", s->line,
                                js_char(s->ctx->pool, c));
        }
        return APR_SUCCESS;
    }
    while (s->p < s->end) {
        c = (unsigned char)*s->p;
        if (c == '"') {
            apr_status_t rv = js_skip_string(s);

            if (rv != APR_SUCCESS) {
                return rv;
            }
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == PT_FEED_MAX_DEPTH) {
                return pt_feed_fail(s->ctx, "line %d: JSON nested deeper "
                                    "than %d levels", s->line,
                                    PT_FEED_MAX_DEPTH);
            }
            stack[depth++] = (char)(c == '{' ? '}' : ']');
        }
        else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != (char)c) {
                return pt_feed_fail(s->ctx, "line %d: a '%c' that closes "
                                    "nothing open", s->line, c);
            }
            if (--depth == 0) {
                s->p++;
                return APR_SUCCESS;
            }
        }
        else if (c == '\n') {
            s->line++;
        }
        s->p++;
    }
    return js_cut(s, depth && stack[depth - 1] == '}' ? "an object"
                                                      : "an array");
}

/* s->p at '[': call fn for each element. */
static apr_status_t js_array(jscan_t *s, js_item_fn fn, void *arg)
{
    int index = 0;

    s->p++;
    js_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return APR_SUCCESS;
    }
    for (;;) {
        const char *v;
        int vline;
        apr_status_t rv;

        js_ws(s);
        v = s->p;
        vline = s->line;
        rv = js_skip(s);
        if (rv == APR_SUCCESS) {
            rv = fn(s, v, (apr_size_t)(s->p - v), vline, index++, arg);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        js_ws(s);
        if (s->p == s->end) {
            return js_cut(s, "an array");
        }
        if (*s->p == ']') {
            s->p++;
            return APR_SUCCESS;
        }
        if (*s->p != ',') {
            return pt_feed_fail(s->ctx, "line %d: %s after an array "
                                "element, expected ',' or ']'", s->line,
                                js_char(s->ctx->pool, (unsigned char)*s->p));
        }
        s->p++;
    }
}

/* s->p at '{': call fn for each member. */
static apr_status_t js_object(jscan_t *s, js_member_fn fn, void *arg)
{
    s->p++;
    js_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return APR_SUCCESS;
    }
    for (;;) {
        const char *k, *v;
        apr_size_t klen;
        int vline;
        apr_status_t rv;

        js_ws(s);
        if (s->p == s->end) {
            return js_cut(s, "an object");
        }
        if (*s->p != '"') {
            return pt_feed_fail(s->ctx, "line %d: %s where a member name "
                                "was expected", s->line,
                                js_char(s->ctx->pool, (unsigned char)*s->p));
        }
        k = s->p + 1;
        rv = js_skip_string(s);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        klen = (apr_size_t)(s->p - 1 - k);
        js_ws(s);
        if (s->p == s->end) {
            return js_cut(s, "an object");
        }
        if (*s->p != ':') {
            return pt_feed_fail(s->ctx, "line %d: %s after a member name, "
                                "expected ':'", s->line,
                                js_char(s->ctx->pool, (unsigned char)*s->p));
        }
        s->p++;
        js_ws(s);
        v = s->p;
        vline = s->line;
        rv = js_skip(s);
        if (rv == APR_SUCCESS) {
            rv = fn(s, k, klen, v, (apr_size_t)(s->p - v),
                    vline, arg);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        js_ws(s);
        if (s->p == s->end) {
            return js_cut(s, "an object");
        }
        if (*s->p == '}') {
            s->p++;
            return APR_SUCCESS;
        }
        if (*s->p != ',') {
            return pt_feed_fail(s->ctx, "line %d: %s after a member, "
                                "expected ',' or '}'", s->line,
                                js_char(s->ctx->pool, (unsigned char)*s->p));
        }
        s->p++;
    }
}

/* Parse [v, v + len) with jansson; NULL after setting the error. */
static json_t *js_load(jscan_t *s, const char *v, apr_size_t len, int line,
                       const char *what)
{
    json_error_t jerr;
    json_t *j;

    if (len > PT_FEED_MAX_ELEMENT) {
        pt_feed_fail(s->ctx, "line %d: %s is larger than %d bytes", line,
                     what, PT_FEED_MAX_ELEMENT);
        return NULL;
    }
    j = json_loadb(v, len, JSON_DECODE_ANY, &jerr);
    if (!j) {
        pt_feed_fail(s->ctx, "line %d: %s is not valid JSON: %s",
                     line + (jerr.line > 0 ? jerr.line - 1 : 0), what,
                     jerr.text);
    }
    return j;
}

/* The raw member name key[0..len) (quotes excluded) equals name. */
static int key_is(const char *key, apr_size_t len, const char *name)
{
    json_t *j;
    int eq;

    if (!memchr(key, '\\', len)) {
        return strlen(name) == len && memcmp(key, name, len) == 0;
    }
    if (len > 256) {
        return 0;
    }
    j = json_loadb(key - 1, len + 2, JSON_DECODE_ANY, NULL);
    eq = j && json_is_string(j) && strcmp(json_string_value(j), name) == 0;
    json_decref(j);
    return eq;
}

/* A string safe to quote in a message: printable ASCII, at most max. */
static const char *js_quote(apr_pool_t *p, const char *s, apr_size_t max)
{
    apr_size_t n = strlen(s), i;
    char *out;

    if (n > max) {
        n = max;
    }
    out = apr_pstrmemdup(p, s, n);
    for (i = 0; i < n; i++) {
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f) {
            out[i] = '?';
        }
    }
    return out;
}

/* ------------------------------------------------------------ records */

/* A member as a string: strings as they are, integers in decimal. */
static const char *jstr(apr_pool_t *p, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_string(v)) {
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT,
                            (apr_int64_t)json_integer_value(v));
    }
    return NULL;
}

/* The first of two names that is present. */
static const char *jstr2(apr_pool_t *p, json_t *obj, const char *a,
                         const char *b)
{
    const char *s = jstr(p, obj, a);

    return s ? s : jstr(p, obj, b);
}

/* Tags: an array of strings, a comma-separated string, or null. */
static const char *jtags(apr_pool_t *p, json_t *obj)
{
    json_t *v = json_object_get(obj, "tags");
    const char *out = "";
    apr_size_t i;

    if (json_is_string(v)) {
        return pt_feed_tags(p, json_string_value(v));
    }
    if (!json_is_array(v)) {
        return "";
    }
    for (i = 0; i < json_array_size(v); i++) {
        json_t *t = json_array_get(v, i);

        if (json_is_string(t)) {
            out = apr_pstrcat(p, out, *out ? "," : "", json_string_value(t),
                              NULL);
        }
    }
    return pt_feed_tags(p, out);
}

static void ioc_init(pt_ioc_t *ioc)
{
    memset(ioc, 0, sizeof(*ioc));
    ioc->confidence = -1;
}

static const char *type_name(json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_NULL:
        return "null";
    default:
        return "a boolean";
    }
}

static apr_status_t rec_threatfox(pt_feed_ctx_t *ctx, json_t *o,
                                  const char *what)
{
    apr_pool_t *p = ctx->scratch;
    json_t *conf;
    pt_ioc_t ioc;

    if (!json_object_get(o, "ioc") && !json_object_get(o, "ioc_value")) {
        return pt_feed_fail(ctx, "%s has no \"ioc\"", what);
    }
    if (!json_object_get(o, "ioc_type")) {
        return pt_feed_fail(ctx, "%s has no \"ioc_type\"", what);
    }
    ioc_init(&ioc);
    ioc.type = pt_feed_type(jstr(p, o, "ioc_type"));
    if (!ioc.type) {
        pt_feed_skip(ctx);
        return APR_SUCCESS;
    }
    ioc.value = jstr2(p, o, "ioc", "ioc_value");
    ioc.threat = pt_feed_str(p, jstr(p, o, "threat_type"));
    ioc.malware = pt_feed_str(p, jstr(p, o, "malware_printable"));
    ioc.tags = jtags(p, o);
    conf = json_object_get(o, "confidence_level");
    if (json_is_integer(conf)) {
        json_int_t c = json_integer_value(conf);

        ioc.confidence = (c >= 0 && c <= 100) ? (int)c : -1;
    }
    else {
        ioc.confidence = pt_feed_confidence(json_string_value(conf));
    }
    ioc.first_seen = pt_feed_time(jstr2(p, o, "first_seen",
                                        "first_seen_utc"));
    ioc.last_seen = pt_feed_time(jstr2(p, o, "last_seen", "last_seen_utc"));
    ioc.reference = pt_feed_str(p, jstr(p, o, "reference"));
    return pt_feed_emit(ctx, &ioc);
}

static apr_status_t rec_bazaar(pt_feed_ctx_t *ctx, json_t *o,
                               const char *what)
{
    static const struct {
        const char *key;
        const char *type;
    } hashes[] = { { "sha256_hash", "sha256" }, { "md5_hash", "md5" },
                   { "sha1_hash", "sha1" } };
    apr_pool_t *p = ctx->scratch;
    const char *sha256;
    apr_size_t i;

    if (!json_object_get(o, "sha256_hash")) {
        return pt_feed_fail(ctx, "%s has no \"sha256_hash\"", what);
    }
    sha256 = pt_ioc_normalise_value(p, "sha256", jstr(p, o, "sha256_hash"));
    for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        pt_ioc_t ioc;
        apr_status_t rv;

        if (!json_object_get(o, hashes[i].key)) {
            continue;
        }
        ioc_init(&ioc);
        ioc.type = hashes[i].type;
        ioc.value = jstr(p, o, hashes[i].key);
        ioc.threat = "payload";
        ioc.malware = pt_feed_str(p, jstr(p, o, "signature"));
        ioc.tags = jtags(p, o);
        ioc.first_seen = pt_feed_time(jstr(p, o, "first_seen"));
        ioc.last_seen = pt_feed_time(jstr(p, o, "last_seen"));
        ioc.reference = sha256 ? apr_pstrcat(p, "https://bazaar.abuse.ch/"
                                             "sample/", sha256, "/", NULL)
                               : NULL;
        rv = pt_feed_emit(ctx, &ioc);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t rec_feodo(pt_feed_ctx_t *ctx, json_t *o,
                              const char *what)
{
    apr_pool_t *p = ctx->scratch;
    const char *ip, *port, *norm;
    pt_ioc_t ioc;

    if (!json_object_get(o, "ip_address")) {
        return pt_feed_fail(ctx, "%s has no \"ip_address\"", what);
    }
    ip = pt_feed_str(p, jstr(p, o, "ip_address"));
    port = pt_feed_str(p, jstr(p, o, "port"));
    norm = pt_ioc_normalise_value(p, "ip", ip);
    ioc_init(&ioc);
    pt_feed_host(p, &ioc, ip, port);
    ioc.threat = "botnet_cc";
    ioc.malware = pt_feed_str(p, jstr(p, o, "malware"));
    ioc.first_seen = pt_feed_time(jstr2(p, o, "first_seen",
                                        "first_seen_utc"));
    ioc.last_seen = pt_feed_time(jstr(p, o, "last_online"));
    ioc.reference = norm ? apr_pstrcat(p, "https://feodotracker.abuse.ch/"
                                       "browse/host/", norm, "/", NULL)
                         : NULL;
    return pt_feed_emit(ctx, &ioc);
}

static apr_status_t rec_greynoise(pt_feed_ctx_t *ctx, json_t *o,
                                  const char *what)
{
    apr_pool_t *p = ctx->scratch;
    const char *classification, *name;
    int noise = json_is_true(json_object_get(o, "noise"));
    int riot = json_is_true(json_object_get(o, "riot"));
    pt_ioc_t ioc;

    if (!json_object_get(o, "ip")) {
        const char *msg = jstr(p, o, "message");

        if (msg) {
            return pt_feed_fail(ctx, "%s: GreyNoise answered \"%s\"", what,
                                js_quote(ctx->pool, msg, 200));
        }
        return pt_feed_fail(ctx, "%s has no \"ip\"", what);
    }
    classification = pt_feed_str(p, jstr(p, o, "classification"));
    if (!classification && !noise && !riot) {
        pt_feed_skip(ctx);                /* not observed (404) */
        return APR_SUCCESS;
    }
    ioc_init(&ioc);
    ioc.type = "ip";
    ioc.value = jstr(p, o, "ip");
    ioc.threat = classification;
    if (classification && strcmp(classification, "malicious") == 0) {
        name = pt_feed_str(p, jstr2(p, o, "name", "actor"));
        if (name && strcasecmp(name, "unknown") != 0) {
            ioc.malware = name;
        }
    }
    ioc.tags = noise ? (riot ? "noise,riot" : "noise") : (riot ? "riot" : "");
    ioc.last_seen = pt_feed_time(jstr(p, o, "last_seen"));
    ioc.reference = pt_feed_str(p, jstr(p, o, "link"));
    return pt_feed_emit(ctx, &ioc);
}

/* One record of any format: [v, v + len), "data[3]"-style in what. */
static apr_status_t record(jscan_t *s, const char *v, apr_size_t len,
                           int line, const char *what)
{
    pt_feed_ctx_t *ctx = s->ctx;
    const char *where = apr_psprintf(ctx->scratch, "line %d: %s", line,
                                     what);
    apr_status_t rv;
    json_t *j;

    ctx->where = where;
    j = js_load(s, v, len, line, what);
    if (!j) {
        rv = APR_EGENERAL;
    }
    else if (!json_is_object(j)) {
        rv = pt_feed_fail(ctx, "%s is %s, expected an object", where,
                          type_name(j));
    }
    else {
        switch (ctx->kind) {
        case PT_FEED_THREATFOX_JSON:
            rv = rec_threatfox(ctx, j, where);
            break;
        case PT_FEED_MALWAREBAZAAR_JSON:
            rv = rec_bazaar(ctx, j, where);
            break;
        case PT_FEED_FEODO_JSON:
            rv = rec_feodo(ctx, j, where);
            break;
        default:
            rv = rec_greynoise(ctx, j, where);
            break;
        }
    }
    json_decref(j);
    ctx->where = NULL;
    apr_pool_clear(ctx->scratch);
    return rv;
}

static apr_status_t item_record(jscan_t *s, const char *v, apr_size_t len,
                                int line, int index, void *arg)
{
    const char *name = arg;
    char what[64];

    apr_snprintf(what, sizeof(what), "%s[%d]", name, index);
    return record(s, v, len, line, what);
}

/* ---------------------------------------------------------- envelopes */

/* What the first pass over a top-level object found. */
typedef struct survey_t {
    const char *status;      /* query_status, in ctx->pool */
    int status_line;
    int has_status;
    const char *data;        /* the "data" value */
    apr_size_t data_len;
    int data_line;
    int members;
    int arrays;              /* members whose value is an array */
} survey_t;

static apr_status_t survey_member(jscan_t *s, const char *key,
                                  apr_size_t keylen, const char *v,
                                  apr_size_t vlen, int vline, void *arg)
{
    survey_t *sv = arg;
    json_t *j;

    sv->members++;
    if (*v == '[') {
        sv->arrays++;
    }
    if (key_is(key, keylen, "data")) {
        sv->data = v;
        sv->data_len = vlen;
        sv->data_line = vline;
        if (*v == '[') {
            return APR_SUCCESS;       /* its records are checked one by one */
        }
    }
    j = js_load(s, v, vlen, vline, "a member");
    if (!j) {
        return APR_EGENERAL;
    }
    if (key_is(key, keylen, "query_status")) {
        sv->has_status = 1;
        sv->status_line = vline;
        sv->status = json_is_string(j)
                     ? apr_pstrdup(s->ctx->pool, json_string_value(j)) : NULL;
    }
    json_decref(j);
    return APR_SUCCESS;
}

/* ThreatFox's export: every member is [ {record}, ... ]. */
static apr_status_t export_member(jscan_t *s, const char *key,
                                  apr_size_t keylen, const char *v,
                                  apr_size_t vlen, int vline, void *arg)
{
    jscan_t sub = { s->ctx, v, v + vlen, vline };
    char name[48];

    apr_snprintf(name, sizeof(name), "\"%.*s\"", keylen > 32 ? 32
                 : (int)keylen, key);
    return js_array(&sub, item_record, name);
}

/* The query_status of an abuse.ch answer other than "ok". */
static apr_status_t status_answer(pt_feed_ctx_t *ctx, const survey_t *sv)
{
    const char *st = sv->status;

    if (!st) {
        return pt_feed_fail(ctx, "line %d: \"query_status\" is not a string",
                            sv->status_line);
    }
    if (strcmp(st, "no_result") == 0 || strcmp(st, "no_results") == 0) {
        return APR_SUCCESS;
    }
    st = js_quote(ctx->pool, st, 64);
    if (strstr(st, "auth_key")) {
        return pt_feed_fail(ctx, "the feed refused the Auth-Key "
                            "(query_status \"%s\")", st);
    }
    return pt_feed_fail(ctx, "the feed answered query_status \"%s\"", st);
}

/* Iterate the records of the "data" array found by the survey. */
static apr_status_t data_records(jscan_t *s, const survey_t *sv)
{
    jscan_t sub = { s->ctx, sv->data, sv->data + sv->data_len,
                    sv->data_line };

    if (*sv->data != '[') {
        return pt_feed_fail(s->ctx, "line %d: \"data\" is not an array",
                            sv->data_line);
    }
    return js_array(&sub, item_record, "data");
}

static apr_status_t top_object(jscan_t *s, const char *start)
{
    pt_feed_ctx_t *ctx = s->ctx;
    survey_t sv;
    int line = s->line;
    apr_status_t rv;

    memset(&sv, 0, sizeof(sv));
    rv = js_object(s, survey_member, &sv);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    js_ws(s);
    if (s->p != s->end) {
        return pt_feed_fail(ctx, "line %d: text after the JSON value",
                            s->line);
    }
    if (sv.has_status) {
        if (!sv.status || strcmp(sv.status, "ok") != 0) {
            return status_answer(ctx, &sv);
        }
        if (!sv.data) {
            return pt_feed_fail(ctx, "query_status \"ok\" without \"data\"");
        }
        return data_records(s, &sv);
    }
    switch (ctx->kind) {
    case PT_FEED_THREATFOX_JSON:
        if (sv.members == sv.arrays) {
            jscan_t again = { ctx, start, s->end, line };

            return js_object(&again, export_member, NULL);
        }
        return pt_feed_fail(ctx, "no \"query_status\": not a ThreatFox "
                            "answer");
    case PT_FEED_MALWAREBAZAAR_JSON:
        return pt_feed_fail(ctx, "no \"query_status\": not a MalwareBazaar "
                            "answer");
    case PT_FEED_FEODO_JSON:
        return pt_feed_fail(ctx, "line %d: an object, expected the array "
                            "of C2 entries", line);
    default:
        if (sv.data) {
            return data_records(s, &sv);
        }
        return record(s, start, (apr_size_t)(s->end - start), line,
                      "the answer");
    }
}

apr_status_t pt_feed_parse_json(pt_feed_ctx_t *ctx, const char *data,
                                apr_size_t len)
{
    jscan_t s = { ctx, data, data + len, 1 };
    apr_status_t rv;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        s.p += 3;
    }
    js_ws(&s);
    if (s.p == s.end) {
        return pt_feed_fail(ctx, "the body is empty");
    }
    if (*s.p == '{') {
        return top_object(&s, s.p);
    }
    if (*s.p != '[') {
        return pt_feed_fail(ctx, "line %d: not JSON (%s where '{' or '[' "
                            "was expected)", s.line,
                            js_char(ctx->pool, (unsigned char)*s.p));
    }
    if (ctx->kind != PT_FEED_FEODO_JSON
        && ctx->kind != PT_FEED_GREYNOISE_JSON) {
        return pt_feed_fail(ctx, "line %d: an array, expected an object with "
                            "\"query_status\" and \"data\"", s.line);
    }
    rv = js_array(&s, item_record, "entry");
    if (rv != APR_SUCCESS) {
        return rv;
    }
    js_ws(&s);
    if (s.p != s.end) {
        return pt_feed_fail(ctx, "line %d: text after the JSON value",
                            s.line);
    }
    return APR_SUCCESS;
}

apr_status_t pt_feed_json_answer(pt_feed_ctx_t *ctx, const char *data,
                                 apr_size_t len)
{
    jscan_t s = { ctx, data, data + len, 1 };
    survey_t sv;

    js_ws(&s);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        s.p += 3;
        js_ws(&s);
    }
    memset(&sv, 0, sizeof(sv));
    if (s.p < s.end && *s.p == '{'
        && js_object(&s, survey_member, &sv) == APR_SUCCESS
        && sv.has_status && (!sv.status || strcmp(sv.status, "ok") != 0)) {
        return status_answer(ctx, &sv);
    }
    return pt_feed_fail(ctx, "the body is JSON, not %s CSV", ctx->source);
}
