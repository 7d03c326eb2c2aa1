/*
 * pt_template.c -- the Mustache engine of pt_template.h.
 *
 * pt_tplset_add() parses a template once (pt_template_parse.c) into a tree
 * of pt_node_t kept in the set's pool; pt_template_render() walks that tree
 * and never writes to it, so one set serves every thread.  Everything a render needs to remember
 * (the context stack, the indentation of standalone partials, a step count)
 * lives in the render call's own stack frames.
 *
 * Standalone lines and partial indentation follow the specification:
 *  - a section, inverted, closing, comment, partial or delimiter tag alone
 *    on its line (only spaces and tabs around it) removes the whole line;
 *  - a standalone partial indents every line of the partial's *template
 *    text* by the whitespace before the tag.  The parser marks each node
 *    that begins a source line (`bol`); when a partial is rendered with an
 *    indentation, every such node and every line inside a text node get
 *    the indentation first.  Interpolated data is never indented.
 *    Indentations nest: a standalone partial inside an indented partial
 *    gets both.  A partial that is not standalone gets none, as in the
 *    reference implementation.
 *
 * Interpolation: strings as they are, integers in decimal, reals in the
 * shortest "%g" form that reads back as the same double (1.21 -> "1.21"),
 * true/false as "true"/"false", null, objects and arrays as nothing.
 * Sections: false, null, an empty array and a missing name are false; any
 * other value (also "" and 0, as the specification says) is true.
 *
 * Limits, so that no template can exhaust the stack or run for ever:
 * sections nest at most PT_TPL_MAX_NEST deep in one template, partials at
 * most PT_TEMPLATE_MAX_DEPTH deep, and one render visits at most
 * PT_TEMPLATE_MAX_STEPS nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include "pt_template_int.h"

/* Largest template file pt_tplset_load_dir() reads. */
#define PT_TPL_MAX_FILE (8 * 1024 * 1024)

struct pt_tplset_t {
    apr_pool_t *pool;
    apr_hash_t *tpls;   /* name -> const pt_template_t * */
};

/* ------------------------------------------------------------------ sets */

pt_tplset_t *pt_tplset_make(apr_pool_t *p)
{
    pt_tplset_t *set = apr_pcalloc(p, sizeof(*set));

    set->pool = p;
    set->tpls = apr_hash_make(p);
    return set;
}

apr_status_t pt_tplset_add(pt_tplset_t *set, const char *name,
                           const char *where, const char *src,
                           apr_size_t len, pt_err_t *err)
{
    pt_template_t *tpl;
    apr_status_t rv;

    if (!name) {
        return APR_EINVAL;
    }
    tpl = apr_pcalloc(set->pool, sizeof(*tpl));
    tpl->name = apr_pstrdup(set->pool, name);
    tpl->where = apr_pstrdup(set->pool, where ? where : name);
    rv = pt_template_parse(set->pool, tpl->where, src ? src : "",
                           src ? len : 0, &tpl->first, err);
    if (rv) {
        return rv;
    }
    apr_hash_set(set->tpls, tpl->name, APR_HASH_KEY_STRING, tpl);
    return APR_SUCCESS;
}

const pt_template_t *pt_tplset_get(const pt_tplset_t *set, const char *name)
{
    if (!set || !name) {
        return NULL;
    }
    return apr_hash_get(set->tpls, name, APR_HASH_KEY_STRING);
}

/* Add the file at path as template name when it is a regular file (or a
 * link to one); anything else is ignored.  Scratch memory comes from tmp. */
static apr_status_t load_file(pt_tplset_t *set, const char *path,
                              const char *name, pt_err_t *err,
                              apr_pool_t *tmp)
{
    apr_finfo_t fi;
    apr_file_t *f;
    apr_size_t got;
    apr_status_t rv;
    char *buf, ebuf[120];

    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, tmp);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        pt_err_set(err, set->pool, path, 0, "cannot stat: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    if (fi.filetype != APR_REG) {
        return APR_SUCCESS;
    }
    if (fi.size < 0 || fi.size > PT_TPL_MAX_FILE) {
        pt_err_set(err, set->pool, path, 0, "larger than %d bytes",
                   PT_TPL_MAX_FILE);
        return APR_EINVAL;
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, tmp);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, set->pool, path, 0, "cannot open: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    buf = apr_palloc(tmp, (apr_size_t)fi.size + 1);
    got = 0;
    rv = APR_SUCCESS;
    if (fi.size > 0) {
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &got);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, set->pool, path, 0, "cannot read: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    return pt_tplset_add(set, name, path, buf, got, err);
}

apr_status_t pt_tplset_load_dir(pt_tplset_t *set, const char *dir,
                                const char *ext, pt_err_t *err)
{
    apr_size_t elen = ext ? strlen(ext) : 0;
    apr_pool_t *tmp;
    apr_dir_t *d;
    apr_status_t rv;
    char ebuf[120];

    rv = apr_pool_create(&tmp, set->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_dir_open(&d, dir, tmp);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, set->pool, dir, 0, "cannot open directory: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        apr_pool_destroy(tmp);
        return rv;
    }
    for (;;) {
        apr_finfo_t de;
        char *path;
        apr_size_t nlen;

        rv = apr_dir_read(&de, APR_FINFO_NAME, d);
        if (APR_STATUS_IS_ENOENT(rv)) {
            rv = APR_SUCCESS;
            break;
        }
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            pt_err_set(err, set->pool, dir, 0, "cannot read directory: %s",
                       apr_strerror(rv, ebuf, sizeof(ebuf)));
            break;
        }
        if (!de.name || de.name[0] == '.') {
            continue;
        }
        nlen = strlen(de.name);
        if (nlen <= elen
            || (elen && memcmp(de.name + nlen - elen, ext, elen))) {
            continue;
        }
        rv = apr_filepath_merge(&path, dir, de.name, 0, tmp);
        if (rv != APR_SUCCESS) {
            pt_err_set(err, set->pool, dir, 0, "bad file name %s",
                       de.name);
            break;
        }
        rv = load_file(set, path, apr_pstrmemdup(tmp, de.name, nlen - elen),
                       err, tmp);
        if (rv != APR_SUCCESS) {
            break;
        }
    }
    apr_dir_close(d);
    apr_pool_destroy(tmp);
    return rv;
}

/* ------------------------------------------------------------------ render */

/* The context stack: the innermost value first. */
typedef struct pt_ctx_t {
    json_t *v;
    const struct pt_ctx_t *up;
} pt_ctx_t;

/* The indentation of the standalone partials being rendered, innermost
 * first (it is written outermost first). */
typedef struct pt_indent_t {
    const char *s;
    apr_size_t len;
    const struct pt_indent_t *outer;
} pt_indent_t;

typedef struct {
    const pt_tplset_t *set;
    pt_buf_t *out;
    pt_err_t *err;
    apr_size_t steps;
} pt_render_t;

apr_status_t pt_html_escape(pt_buf_t *out, const char *s, apr_size_t len)
{
    apr_size_t i, run = 0;
    apr_status_t rv;

    for (i = 0; i < len; i++) {
        const char *ent;

        switch (s[i]) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default: continue;
        }
        rv = pt_buf_append(out, s + run, i - run);
        if (rv) {
            return rv;
        }
        rv = pt_buf_puts(out, ent);
        if (rv) {
            return rv;
        }
        run = i + 1;
    }
    return pt_buf_append(out, s + run, len - run);
}

static apr_status_t put_indent(pt_buf_t *out, const pt_indent_t *ind)
{
    apr_status_t rv;

    if (!ind) {
        return APR_SUCCESS;
    }
    rv = put_indent(out, ind->outer);
    if (rv) {
        return rv;
    }
    return pt_buf_append(out, ind->s, ind->len);
}

/* Text, with the indentation in front of each of its lines (but not after
 * its last newline: what follows is another node, which knows whether it
 * begins a line). */
static apr_status_t put_text(pt_buf_t *out, const pt_node_t *n,
                             const pt_indent_t *ind)
{
    const char *s = n->text, *end = n->text + n->len;
    apr_status_t rv;

    if (!ind) {
        return pt_buf_append(out, n->text, n->len);
    }
    if (n->bol) {
        rv = put_indent(out, ind);
        if (rv) {
            return rv;
        }
    }
    while (s < end) {
        const char *nl = memchr(s, '\n', (apr_size_t)(end - s));
        const char *stop = nl ? nl + 1 : end;

        rv = pt_buf_append(out, s, (apr_size_t)(stop - s));
        if (rv) {
            return rv;
        }
        s = stop;
        if (s < end) {
            rv = put_indent(out, ind);
            if (rv) {
                return rv;
            }
        }
    }
    return APR_SUCCESS;
}

/* The shortest "%.Ng" that reads back as d, into buf; returns its length. */
static apr_size_t format_real(char *buf, apr_size_t size, double d)
{
    int prec, n = 0;
    char *c;

    for (prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    /* A locale may have made the decimal point a comma. */
    c = strchr(buf, ',');
    if (c) {
        *c = '.';
    }
    return n > 0 ? (apr_size_t)n : 0;
}

/* Interpolate v (NULL: a miss) into out, escaped when `escape`. */
static apr_status_t put_value(pt_buf_t *out, json_t *v, int escape)
{
    char num[64];
    const char *s;
    apr_size_t n;
    int k;

    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    case JSON_INTEGER:
        k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        s = num;
        n = k > 0 ? (apr_size_t)k : 0;
        break;
    case JSON_REAL:
        n = format_real(num, sizeof(num), json_real_value(v));
        s = num;
        break;
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    default:
        return APR_SUCCESS;
    }
    return escape ? pt_html_escape(out, s, n) : pt_buf_append(out, s, n);
}

/* Resolve n's name: "." is the innermost context; otherwise the first part
 * is looked up from the innermost context outwards, the others only inside
 * what the first found.  NULL when missing. */
static json_t *lookup(const pt_ctx_t *ctx, const pt_node_t *n)
{
    json_t *v = NULL;
    int i;

    if (n->nparts == 0) {
        return ctx->v;
    }
    for (; ctx; ctx = ctx->up) {
        if (json_is_object(ctx->v)) {
            v = json_object_get(ctx->v, n->parts[0]);
            if (v) {
                break;
            }
        }
    }
    for (i = 1; v && i < n->nparts; i++) {
        v = json_is_object(v) ? json_object_get(v, n->parts[i]) : NULL;
    }
    return v;
}

static int is_false(json_t *v)
{
    return !v || json_is_false(v) || json_is_null(v)
           || (json_is_array(v) && json_array_size(v) == 0);
}

static apr_status_t render_list(pt_render_t *rs, const pt_template_t *tpl,
                                const pt_node_t *n, const pt_ctx_t *ctx,
                                const pt_indent_t *ind, int depth);

/* One step more; fails (err filled) past PT_TEMPLATE_MAX_STEPS. */
static apr_status_t step(pt_render_t *rs, const pt_template_t *tpl,
                         const pt_node_t *n)
{
    if (++rs->steps > PT_TEMPLATE_MAX_STEPS) {
        return pt_err_set(rs->err, rs->out->pool, tpl->where, n->line,
                          "rendering takes more than %d steps",
                          PT_TEMPLATE_MAX_STEPS);
    }
    return APR_SUCCESS;
}

/* Render a section body once per element of a list, else once with v on
 * top of the context stack. */
static apr_status_t render_section(pt_render_t *rs, const pt_template_t *tpl,
                                   const pt_node_t *n, json_t *v,
                                   const pt_ctx_t *ctx,
                                   const pt_indent_t *ind, int depth)
{
    pt_ctx_t top;
    apr_size_t i;
    apr_status_t rv;

    top.up = ctx;
    if (!json_is_array(v)) {
        top.v = v;
        return render_list(rs, tpl, n->child, &top, ind, depth);
    }
    for (i = 0; i < json_array_size(v); i++) {
        rv = step(rs, tpl, n);
        if (rv) {
            return rv;
        }
        top.v = json_array_get(v, i);
        rv = render_list(rs, tpl, n->child, &top, ind, depth);
        if (rv) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t render_partial(pt_render_t *rs, const pt_template_t *tpl,
                                   const pt_node_t *n, const pt_ctx_t *ctx,
                                   const pt_indent_t *ind, int depth)
{
    const pt_template_t *part;
    pt_indent_t mine;

    part = rs->set ? apr_hash_get(rs->set->tpls, n->text, n->len) : NULL;
    if (!part) {
        return APR_SUCCESS;
    }
    if (depth >= PT_TEMPLATE_MAX_DEPTH) {
        return pt_err_set(rs->err, rs->out->pool, tpl->where, n->line,
                          "partials nested deeper than %d at {{> %s}}",
                          PT_TEMPLATE_MAX_DEPTH, n->text);
    }
    if (!n->indent) {
        return render_list(rs, part, part->first, ctx, NULL, depth + 1);
    }
    mine.s = n->indent;
    mine.len = n->indent_len;
    mine.outer = ind;
    return render_list(rs, part, part->first, ctx, &mine, depth + 1);
}

/* Render the nodes from n on.  depth counts the partials entered. */
static apr_status_t render_list(pt_render_t *rs, const pt_template_t *tpl,
                                const pt_node_t *n, const pt_ctx_t *ctx,
                                const pt_indent_t *ind, int depth)
{
    apr_status_t rv;
    json_t *v;

    for (; n; n = n->next) {
        rv = step(rs, tpl, n);
        if (rv) {
            return rv;
        }
        if (ind && n->bol && n->type != PT_N_TEXT) {
            rv = put_indent(rs->out, ind);
            if (rv) {
                return rv;
            }
        }
        switch (n->type) {
        case PT_N_TEXT:
            rv = put_text(rs->out, n, ind);
            break;
        case PT_N_VAR:
        case PT_N_RAW:
            rv = put_value(rs->out, lookup(ctx, n), n->type == PT_N_VAR);
            break;
        case PT_N_SECTION:
            v = lookup(ctx, n);
            rv = is_false(v) ? APR_SUCCESS
                             : render_section(rs, tpl, n, v, ctx, ind, depth);
            break;
        case PT_N_INVERTED:
            rv = is_false(lookup(ctx, n))
                     ? render_list(rs, tpl, n->child, ctx, ind, depth)
                     : APR_SUCCESS;
            break;
        case PT_N_PARTIAL:
            rv = render_partial(rs, tpl, n, ctx, ind, depth);
            break;
        default:
            rv = APR_SUCCESS;
            break;
        }
        if (rv) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

apr_status_t pt_template_render(const pt_template_t *tpl, json_t *data,
                                const pt_tplset_t *set, pt_buf_t *out,
                                pt_err_t *err)
{
    pt_render_t rs;
    pt_ctx_t root;

    rs.set = set;
    rs.out = out;
    rs.err = err;
    rs.steps = 0;
    root.v = data;
    root.up = NULL;
    return render_list(&rs, tpl, tpl->first, &root, NULL, 0);
}

apr_status_t pt_tplset_render(const pt_tplset_t *set, const char *name,
                              json_t *data, pt_buf_t *out, pt_err_t *err)
{
    const pt_template_t *tpl = pt_tplset_get(set, name);

    if (!tpl) {
        pt_err_set(err, out->pool, name, 0, "no such template");
        return APR_NOTFOUND;
    }
    return pt_template_render(tpl, data, set, out, err);
}

