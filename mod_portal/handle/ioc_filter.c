/*
 * ioc_filter.c -- the filter of the threat-intelligence views (/iocs and
 * its export): keyword, type, source and first-seen dates from the query
 * string, validated, and turned into a query label and its arguments.
 *
 * Queries come in variants by filter (sql/queries.sql, ioc_list_q_t_s
 * ...): the code picks the label, the SQL stays in sql/.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_ioc.h"
#include "pt_form.h"
#include "pt_url.h"

#define IOC_FIELD_MAX 200

const char *portal_ioc_param(portal_req_t *req, const char *name)
{
    const char *v = apr_table_get(req->query, name);

    while (v && apr_isspace(*v)) {
        v++;
    }
    return v && *v ? v : NULL;
}

/* "YYYY-MM-DD" as the Unix time of its start (UTC); -1 when malformed. */
static apr_int64_t parse_day(const char *s)
{
    apr_int64_t t;
    char buf[32];

    if (strlen(s) != 10) {
        return -1;
    }
    apr_snprintf(buf, sizeof(buf), "%s 00:00:00", s);
    return pt_ioc_time_parse(buf, &t) == APR_SUCCESS ? t : -1;
}

/* Fill f from the query; NULL or the message for a 400. */
const char *portal_ioc_filter_read(portal_req_t *req, pt_db_t *db,
                                   portal_ioc_filter_t *f)
{
    apr_pool_t *p = req->r->pool;
    const char *v;

    memset(f, 0, sizeof(*f));
    f->q = portal_ioc_param(req, "q");
    f->type = portal_ioc_param(req, "type");
    f->source = portal_ioc_param(req, "source");
    f->from = 0;
    f->to = APR_INT64_C(4611686018427387903);
    if ((f->q && strlen(f->q) > IOC_FIELD_MAX)
        || (f->type && strlen(f->type) > IOC_FIELD_MAX)
        || (f->source && strlen(f->source) > IOC_FIELD_MAX)) {
        return "A search term or filter is too long.";
    }
    if (f->q && !pt_utf8_valid(f->q, strlen(f->q))) {
        return "The search is not valid UTF-8.";
    }
    if (f->q && strlen(f->q) < 3) {
        return "Search for at least 3 characters.";
    }
    v = portal_ioc_param(req, "from");
    if (v) {
        f->from = parse_day(v);
        if (f->from < 0) {
            return "Give the dates as YYYY-MM-DD.";
        }
        f->from_text = v;
    }
    v = portal_ioc_param(req, "to");
    if (v) {
        f->to = parse_day(v);
        if (f->to < 0) {
            return "Give the dates as YYYY-MM-DD.";
        }
        f->to += 86399;         /* the whole day */
        f->to_text = v;
    }
    if (f->q) {
        if (!strcmp(db->sql->dialect, "pgsql")) {
            /* LIKE '%word%' on the lower-cased text, metacharacters
             * escaped (\ is LIKE's default escape) */
            char *lq = apr_pstrdup(p, f->q), *o;
            const char *c;

            for (o = lq; *o; o++) {
                *o = (char)apr_tolower(*o);
            }
            o = apr_palloc(p, 2 * strlen(lq) + 3);
            f->qarg = o;
            *o++ = '%';
            for (c = lq; *c; c++) {
                if (*c == '%' || *c == '_' || *c == '\\') {
                    *o++ = '\\';
                }
                *o++ = *c;
            }
            *o++ = '%';
            *o = '\0';
        }
        else {
            /* an FTS5 phrase: "..." with " doubled */
            char *o = apr_palloc(p, 2 * strlen(f->q) + 3);
            const char *c;

            f->qarg = o;
            *o++ = '"';
            for (c = f->q; *c; c++) {
                if (*c == '"') {
                    *o++ = '"';
                }
                *o++ = *c;
            }
            *o++ = '"';
            *o = '\0';
        }
    }
    f->suffix = apr_pstrcat(p, f->q ? "_q" : "", f->type ? "_t" : "",
                            f->source ? "_s" : "", NULL);
    f->any = f->q || f->type || f->source || f->from_text || f->to_text;
    return NULL;
}

/* The filter's arguments, then extra ones, as an array for pt_db_*. */
const char **portal_ioc_filter_args(apr_pool_t *p,
                                    const portal_ioc_filter_t *f, int *n,
                                    const char **extra, int nextra)
{
    const char **a = apr_pcalloc(p, (8 + nextra) * sizeof(*a));
    int k = 0, i;

    if (f->q) {
        a[k++] = f->qarg;
    }
    if (f->type) {
        a[k++] = f->type;
    }
    if (f->source) {
        a[k++] = f->source;
    }
    a[k++] = pt_i64(p, f->from);
    a[k++] = pt_i64(p, f->to);
    for (i = 0; i < nextra; i++) {
        a[k++] = extra[i];
    }
    *n = k;
    return a;
}

/* The filter as a query string ("q=..&type=..&", possibly ""). */
const char *portal_ioc_filter_query(apr_pool_t *p,
                                    const portal_ioc_filter_t *f)
{
    const char *q = "";

#define ADD(k, v) if (v) { q = apr_pstrcat(p, q, k "=", pt_url_encode(p, v), \
                                           "&", NULL); }
    ADD("q", f->q);
    ADD("type", f->type);
    ADD("source", f->source);
    ADD("from", f->from_text);
    ADD("to", f->to_text);
#undef ADD
    return q;
}
