/*
 * iocs.c -- the threat-intelligence views: /iocs (the list with keyword
 * search, filters, keyset paging, counts and charts; JSON when asked) and
 * the dashboard's panel with the sign-in's place.  The filter is
 * ioc_filter.c's, the export iocs_export.c's.
 *
 * Queries come in variants by filter (sql/queries.sql, ioc_list_q_t_s
 * ...): the code picks the label, the SQL stays in sql/.  Counts without a
 * filter come from ioc_counts, which each pull recomputes.
 */
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_buckets.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_ioc.h"
#include "pt_form.h"
#include "pt_export.h"
#include "pt_geoip.h"
#include "pt_tz.h"
#include "pt_url.h"

APLOG_USE_MODULE(portal);

#define IOC_PER_PAGE 10
#define IOC_PER_PAGE_MAX 100
#define IOC_CHART_WIDTH 300
/* Page numbers stop here: deeper pages only through the keyset cursor
 * (after=), which the Next links switch to from this page on, so that no
 * request makes the database skip more than IOC_PAGE_MAX x per_page rows. */
#define IOC_PAGE_MAX 50

static json_t *iso(apr_pool_t *p, apr_int64_t t)
{
    apr_time_exp_t e;
    char buf[32];
    apr_size_t n;

    if (t <= 0) {
        return json_null();
    }
    apr_time_exp_gmt(&e, apr_time_from_sec(t));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &e);
    return json_stringn(buf, n);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *item_json(apr_pool_t *p, const pt_row_t *row)
{
    json_t *tags = json_array();
    const char *t = pt_row_get(row, "tags");

    while (t && *t) {
        apr_size_t n = strcspn(t, ",");

        if (n) {
            json_array_append_new(tags, json_stringn(t, n));
        }
        t += n;
        t += (*t == ',');
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "type", pt_row_get(row, "type"),
                     "value", pt_row_get(row, "value"),
                     "source", pt_row_get(row, "source"),
                     "threat", str_or_null(pt_row_get(row, "threat")),
                     "malware", str_or_null(pt_row_get(row, "malware")),
                     "tags", tags,
                     "confidence", pt_row_get(row, "confidence")
                         ? json_integer(pt_row_int(row, "confidence"))
                         : json_null(),
                     "first_seen", iso(p, pt_row_int(row, "first_seen")),
                     "last_seen", iso(p, pt_row_int(row, "last_seen")),
                     "reference", str_or_null(pt_row_get(row, "reference")));
}

#define IOC_COUNT_CAP 10000       /* the grouped queries stop at this + 1 */

static void add_count(json_t *o, const char *key, apr_int64_t k)
{
    json_t *v = json_object_get(o, key);

    json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0)
                                             + k));
}

/* Counts for the filter: {"by_type": {...}, "by_source": {...}} and the
 * total.  Without a keyword or dates they come from ioc_counts (each pull
 * recomputes it: by type, by source, and by the pair for the type and
 * source filters); otherwise from a grouped query that stops after
 * IOC_COUNT_CAP rows, and *capped says so. */
static apr_status_t counts(portal_req_t *req, pt_db_t *db,
                           const portal_ioc_filter_t *f, json_t **out,
                           apr_int64_t *total, int *capped)
{
    apr_pool_t *p = req->r->pool;
    json_t *bt = json_object(), *bs = json_object();
    apr_array_header_t *rows;
    apr_status_t rv;
    int i, n;

    *total = 0;
    *capped = 0;
    if (!f->q && !f->from_text && !f->to_text) {
        rv = pt_db_select(db, "ioc_counts_all", &rows, PT_NOARGS);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            pt_row_t *r = APR_ARRAY_IDX(rows, i, pt_row_t *);
            const char *kind = pt_row_get(r, "kind");
            const char *key = pt_row_get(r, "key"), *bar;
            apr_int64_t k = pt_row_int(r, "n");
            char *type;

            if (!f->type && !f->source) {
                if (!strcmp(kind, "total")) {
                    *total = k;
                }
                else if (!strcmp(kind, "type") || !strcmp(kind, "source")) {
                    add_count(!strcmp(kind, "type") ? bt : bs, key, k);
                }
                continue;
            }
            bar = strchr(key, '|');
            if (strcmp(kind, "pair") || !bar) {
                continue;
            }
            type = apr_pstrmemdup(p, key, (apr_size_t)(bar - key));
            if ((f->type && strcmp(f->type, type))
                || (f->source && strcmp(f->source, bar + 1))) {
                continue;
            }
            add_count(bt, type, k);
            add_count(bs, bar + 1, k);
            *total += k;
        }
    }
    else {
        const char **a = portal_ioc_filter_args(p, f, &n, NULL, 0);

        rv = pt_db_select(db, apr_pstrcat(p, "ioc_groups", f->suffix, NULL),
                          &rows, a, n);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            pt_row_t *r = APR_ARRAY_IDX(rows, i, pt_row_t *);
            apr_int64_t k = pt_row_int(r, "n");

            add_count(bt, pt_row_get(r, "type"), k);
            add_count(bs, pt_row_get(r, "source"), k);
            *total += k;
        }
        *capped = *total > IOC_COUNT_CAP;
    }
    *out = json_pack("{s:o, s:o}", "by_type", bt, "by_source", bs);
    return rv;
}

/* For the HTML views: reference_link on the items whose reference is an
 * http(s) URL, the only ones the templates make links of; any other
 * reference (javascript:, data:, ...) is shown as text.  The JSON views
 * and the exports keep the reference as data. */
static void web_links(json_t *items)
{
    size_t i;

    for (i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const char *ref = json_string_value(json_object_get(it,
                                                            "reference"));

        if (pt_url_is_web(ref)) {
            json_object_set_new(it, "reference_link", json_string(ref));
        }
    }
}

/* Rows for a table and an SVG bar chart: [{name, n, width, y}], largest
 * first. */
static json_t *chart(const json_t *counts)
{
    json_t *rows = json_array();
    const char *key;
    json_t *v;
    json_int_t max = 1;
    size_t i, j;

    json_object_foreach((json_t *)counts, key, v) {
        json_int_t n = json_integer_value(v);

        if (n > max) {
            max = n;
        }
        for (i = 0; i < json_array_size(rows); i++) {
            if (json_integer_value(json_object_get(json_array_get(rows, i),
                                                   "n")) < n) {
                break;
            }
        }
        json_array_insert_new(rows, i, json_pack("{s:s, s:I}", "name", key,
                                                 "n", n));
    }
    for (j = 0; j < json_array_size(rows); j++) {
        json_t *r = json_array_get(rows, j);
        json_int_t n = json_integer_value(json_object_get(r, "n"));

        json_object_set_new(r, "width", json_integer(
                            n * IOC_CHART_WIDTH / max + (n > 0)));
        json_object_set_new(r, "y", json_integer((json_int_t)j * 22));
    }
    return rows;
}

static json_t *feeds_json(portal_req_t *req, pt_db_t *db)
{
    apr_pool_t *p = req->r->pool;
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_array_header_t *rows;
    json_t *list = json_array();
    int i;

    if (pt_db_select(db, "ioc_feeds_all", &rows, PT_NOARGS) != APR_SUCCESS) {
        return list;
    }
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *r = APR_ARRAY_IDX(rows, i, pt_row_t *);
        apr_int64_t ok = pt_row_int(r, "last_success_at");
        json_t *f = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}",
            "name", pt_row_get(r, "name"),
            "format", pt_row_get(r, "format"),
            "last_success", ok ? json_string(pt_fmt_time(p, ok))
                               : json_null(),
            "age", ok ? json_string(now - ok < 120
                                    ? apr_psprintf(p, "%" APR_INT64_T_FMT
                                                   " s ago", now - ok)
                                    : now - ok < 7200
                                    ? apr_psprintf(p, "%" APR_INT64_T_FMT
                                                   " min ago",
                                                   (now - ok) / 60)
                                    : apr_psprintf(p, "%" APR_INT64_T_FMT
                                                   " h ago",
                                                   (now - ok) / 3600))
                      : json_null(),
            "error", str_or_null(pt_row_get(r, "last_error")),
            "healthy", ok > 0 && !pt_row_get(r, "last_error"));

        json_object_set_new(f, "rows", json_integer(pt_row_int(r,
                                                               "rows_seen")));
        json_array_append_new(list, f);
    }
    return list;
}

/* The choices of a filter: every type or source known (from the cached
 * counts), the current one selected. */
static json_t *options(pt_db_t *db, apr_pool_t *p, const char *kind,
                       const char *current)
{
    apr_array_header_t *rows;
    json_t *list = json_array();
    int i, seen = 0;

    if (pt_db_select(db, "ioc_counts_all", &rows, PT_NOARGS) == APR_SUCCESS) {
        for (i = 0; i < rows->nelts; i++) {
            pt_row_t *r = APR_ARRAY_IDX(rows, i, pt_row_t *);
            const char *key = pt_row_get(r, "key");
            int sel = current && !strcmp(current, key);

            if (strcmp(pt_row_get(r, "kind"), kind)) {
                continue;
            }
            seen |= sel;
            json_array_append_new(list, json_pack("{s:s, s:b}", "name", key,
                                                  "selected", sel));
        }
    }
    if (current && !seen) {     /* a value no row has (yet) */
        json_array_append_new(list, json_pack("{s:s, s:b}", "name", current,
                                              "selected", 1));
    }
    return list;
}

/* A link to the list with the current filter and the given extras. */
static const char *list_url(portal_req_t *req, const portal_ioc_filter_t *f,
                            const char *extra)
{
    return apr_pstrcat(req->r->pool, req->mount, "/iocs?",
                       portal_ioc_filter_query(req->r->pool, f),
                       extra ? extra : "",
                       NULL);
}

int portal_iocs_get(portal_req_t *req)
{
    request_rec *r = req->r;
    apr_pool_t *p = r->pool;
    pt_db_t *db = portal_db_get(req);
    portal_ioc_filter_t f;
    const char *bad, **a, *after = portal_ioc_param(req, "after");
    const char *extra[5];
    apr_int64_t per, page, total, c_first = 0, c_id = 0;
    apr_array_header_t *rows;
    json_t *items, *cnt, *out, *d;
    int n, i, more, capped;

    if (!db) {
        return portal_error(req, HTTP_SERVICE_UNAVAILABLE, "The portal's "
                            "database is not available right now.");
    }
    bad = portal_ioc_filter_read(req, db, &f);
    if (bad) {
        return portal_error(req, HTTP_BAD_REQUEST, bad);
    }
    per = IOC_PER_PAGE;
    if (portal_ioc_param(req, "per_page")) {
        per = apr_strtoi64(portal_ioc_param(req, "per_page"), NULL, 10);
        if (per < 1 || per > IOC_PER_PAGE_MAX) {
            return portal_error(req, HTTP_BAD_REQUEST, apr_psprintf(p,
                                "per_page is 1 to %d.", IOC_PER_PAGE_MAX));
        }
    }
    page = portal_ioc_param(req, "page")
           ? apr_strtoi64(portal_ioc_param(req, "page"), NULL, 10) : 1;
    if (page < 1 || page > IOC_PAGE_MAX) {
        return portal_error(req, HTTP_BAD_REQUEST, apr_psprintf(p,
                            "page is a number from 1 to %d; further on, "
                            "follow the Next links (after=, a cursor that "
                            "goes on where the last page ended).",
                            IOC_PAGE_MAX));
    }
    /* a keyset cursor "first_seen.id" for deep pages */
    extra[0] = extra[1] = PORTAL_IOC_TIME_MAX;
    extra[2] = PORTAL_IOC_TIME_MAX;
    extra[4] = pt_i64(p, (page - 1) * per);
    if (after) {
        char *end;

        c_first = apr_strtoi64(after, &end, 10);
        if (*end != '.' || c_first < 0) {
            return portal_error(req, HTTP_BAD_REQUEST, "The page cursor "
                                "is not valid.");
        }
        c_id = apr_strtoi64(end + 1, &end, 10);
        if (*end || c_id < 0) {
            return portal_error(req, HTTP_BAD_REQUEST, "The page cursor "
                                "is not valid.");
        }
        extra[0] = extra[1] = pt_i64(p, c_first);
        extra[2] = pt_i64(p, c_id);
        extra[4] = "0";
    }
    extra[3] = pt_i64(p, per + 1);
    a = portal_ioc_filter_args(p, &f, &n, extra, 5);
    if (pt_db_select(db, apr_pstrcat(p, "ioc_list", f.suffix, NULL), &rows,
                     a, n) != APR_SUCCESS) {
        return portal_db_fail(req, "ioc_list");
    }
    if (counts(req, db, &f, &cnt, &total, &capped) != APR_SUCCESS) {
        json_decref(cnt);
        return portal_db_fail(req, "ioc counts");
    }
    more = rows->nelts > per;
    items = json_array();
    for (i = 0; i < rows->nelts && i < per; i++) {
        json_array_append_new(items, item_json(p, APR_ARRAY_IDX(rows, i,
                                                                pt_row_t *)));
    }
    out = json_pack("{s:I, s:b, s:I, s:I, s:o, s:o}",
                    "total", (json_int_t)(capped ? IOC_COUNT_CAP : total),
                    "total_capped", capped,
                    "page", (json_int_t)page, "per_page", (json_int_t)per,
                    "items", items, "counts", cnt);
    if (more) {
        pt_row_t *last = APR_ARRAY_IDX(rows, per - 1, pt_row_t *);

        json_object_set_new(out, "next", json_string(apr_psprintf(
            p, "%s.%s", pt_row_get(last, "first_seen"),
            pt_row_get(last, "id"))));
    }
    if (req->want_json) {
        return portal_json(req, HTTP_OK, out);
    }
    d = portal_page_data(req, "Threat intelligence");
    web_links(items);
    json_object_update(d, out);
    json_decref(out);
    json_object_set_new(d, "q", str_or_null(f.q));
    json_object_set_new(d, "type", str_or_null(f.type));
    json_object_set_new(d, "source", str_or_null(f.source));
    json_object_set_new(d, "from", str_or_null(f.from_text));
    json_object_set_new(d, "to", str_or_null(f.to_text));
    json_object_set_new(d, "filtered", json_boolean(f.any));
    json_object_set_new(d, "type_chart", chart(json_object_get(
        json_object_get(d, "counts"), "by_type")));
    json_object_set_new(d, "source_chart", chart(json_object_get(
        json_object_get(d, "counts"), "by_source")));
    json_object_set_new(d, "type_options", options(db, p, "type", f.type));
    json_object_set_new(d, "source_options", options(db, p, "source",
                                                     f.source));
    json_object_set_new(d, "feeds", feeds_json(req, db));
    json_object_set_new(d, "has_items", json_boolean(i > 0));
    if (more) {
        /* page links while shallow; from the last numbered page on the
         * keyset cursor, not an ever larger OFFSET */
        pt_row_t *last = APR_ARRAY_IDX(rows, per - 1, pt_row_t *);
        const char *next = after || page >= IOC_PAGE_MAX
            ? apr_pstrcat(p, "after=", pt_row_get(last, "first_seen"), ".",
                          pt_row_get(last, "id"), NULL)
            : apr_psprintf(p, "page=%" APR_INT64_T_FMT, page + 1);

        json_object_set_new(d, "next_url", json_string(list_url(req, &f,
                                                                next)));
    }
    if (page > 1 && !after) {
        json_object_set_new(d, "prev_url", json_string(list_url(req, &f,
            apr_psprintf(p, "page=%" APR_INT64_T_FMT, page - 1))));
    }
    if (after) {
        json_object_set_new(d, "first_url", json_string(list_url(req, &f,
                                                                 NULL)));
    }
    for (i = 0; i < 3; i++) {
        static const char *const fmts[] = { "csv", "json", "stix" };

        json_object_set_new(d, apr_pstrcat(p, "export_", fmts[i], NULL),
                            json_string(apr_pstrcat(p, req->mount,
                                "/iocs/export?format=", fmts[i], "&",
                                portal_ioc_filter_query(p, &f), NULL)));
    }
    return portal_render(req, HTTP_OK, "iocs", d);
}

/* ------------------------------------------------------------ dashboard */

json_t *portal_ioc_panel(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    pt_db_t *db = portal_db_get(req);
    portal_ioc_filter_t f;
    const char *extra[5];
    const char **a;
    apr_array_header_t *rows;
    json_t *cnt = NULL, *items, *panel;
    apr_int64_t total = 0;
    int n, i, capped;

    if (!db) {
        return json_null();
    }
    memset(&f, 0, sizeof(f));
    f.suffix = "";
    f.to = APR_INT64_C(4611686018427387903);
    extra[0] = extra[1] = extra[2] = PORTAL_IOC_TIME_MAX;
    extra[3] = pt_i64(p, IOC_PER_PAGE);
    extra[4] = "0";
    a = portal_ioc_filter_args(p, &f, &n, extra, 5);
    items = json_array();
    if (pt_db_select(db, "ioc_list", &rows, a, n) == APR_SUCCESS) {
        for (i = 0; i < rows->nelts; i++) {
            json_array_append_new(items, item_json(p, APR_ARRAY_IDX(
                                                       rows, i, pt_row_t *)));
        }
    }
    if (counts(req, db, &f, &cnt, &total, &capped) != APR_SUCCESS) {
        json_decref(cnt);
        json_decref(items);
        return json_null();
    }
    if (!req->want_json) {
        web_links(items);
    }
    panel = json_pack("{s:I, s:o, s:o, s:o, s:b}", "total",
                      (json_int_t)total, "items", items,
                      "type_chart", chart(json_object_get(cnt, "by_type")),
                      "source_chart", chart(json_object_get(cnt,
                                                            "by_source")),
                      "has_items", json_array_size(items) > 0);
    json_object_set_new(panel, "feeds", feeds_json(req, db));
    json_decref(cnt);
    return panel;
}

json_t *portal_geo_json(portal_req_t *req, const char *ip, apr_int64_t when)
{
    struct pt_geoip_t *geoip = portal_ioc_geoip(req->conf);
    apr_pool_t *p = req->r->pool;
    pt_geo_t geo;
    pt_err_t err = { 0 };
    int found = 0;
    json_t *g;

    memset(&geo, 0, sizeof(geo));
    if (geoip && ip
        && pt_geoip_lookup(geoip, p, ip, &geo, &found, &err)
           != APR_SUCCESS) {
        found = 0;
    }
    g = json_pack("{s:b, s:s}", "found", found,
                  "local_time", pt_tz_format(portal_ioc_tz(req->conf), p,
                                             found ? geo.time_zone : NULL,
                                             when));
    if (found) {
        json_object_set_new(g, "country", str_or_null(geo.country));
        json_object_set_new(g, "country_code", str_or_null(
                            geo.country_code));
        json_object_set_new(g, "region", str_or_null(geo.region));
        json_object_set_new(g, "city", str_or_null(geo.city));
        json_object_set_new(g, "time_zone", str_or_null(geo.time_zone));
    }
    json_object_set_new(g, "enabled", json_boolean(geoip != NULL));
    return g;
}
