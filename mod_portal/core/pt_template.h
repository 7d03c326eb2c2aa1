/*
 * pt_template.h -- a Mustache template engine over jansson data.
 *
 * Implements the required modules of the Mustache specification
 * (comments, delimiters, interpolation, inverted, partials, sections):
 * {{name}} is HTML-escaped, {{{name}}} and {{& name}} are raw, dotted names
 * and the implicit iterator {{.}} resolve through the context stack,
 * standalone tags remove their line, partials keep the indentation of a
 * standalone tag.  Lambdas are not supported (data is JSON).
 *
 * Templates are parsed once (at start-up, in the portal) into a tree kept in
 * the pool given to pt_tplset_*; rendering only reads that tree, so one set
 * can be used by many threads at once.  A parse error names the template and
 * the line.
 */
#ifndef PT_TEMPLATE_H
#define PT_TEMPLATE_H

#include <jansson.h>

#include "pt_core.h"
#include "pt_buf.h"

typedef struct pt_template_t pt_template_t;

/* A named collection of templates; partials {{> name}} are looked up in the
 * set the render call is given. */
typedef struct pt_tplset_t pt_tplset_t;

pt_tplset_t *pt_tplset_make(apr_pool_t *p);

/* Parse src (len bytes, need not be NUL-terminated) and add it as `name`.
 * `where` names the source in errors (a file path; NULL means use name).
 * A name added twice replaces the earlier template. */
apr_status_t pt_tplset_add(pt_tplset_t *set, const char *name,
                           const char *where, const char *src,
                           apr_size_t len, pt_err_t *err);

/* Add every regular file DIR/<name><ext> (not recursing) as template <name>.
 * Fails on the first file that cannot be read or parsed. */
apr_status_t pt_tplset_load_dir(pt_tplset_t *set, const char *dir,
                                const char *ext, pt_err_t *err);

/* The template called name, or NULL. */
const pt_template_t *pt_tplset_get(const pt_tplset_t *set, const char *name);

/* Render tpl with data (any JSON value; usually an object) into out,
 * appending.  Partials come from set (may be NULL: every partial is then
 * empty, as the spec says of a missing one).  Fails with APR_ENOSPC when out
 * reaches its maximum, and with APR_EGENERAL (err filled) when partials nest
 * deeper than PT_TEMPLATE_MAX_DEPTH. */
#define PT_TEMPLATE_MAX_DEPTH 64

/* Also fails with APR_EGENERAL (err filled) when one render visits more
 * than PT_TEMPLATE_MAX_STEPS template nodes (each list element counts as
 * one too): sections over lists and partials that include themselves more
 * than once multiply, and no template may run for ever.  Sections nest at
 * most 100 deep in one template (a parse error beyond). */
#ifndef PT_TEMPLATE_MAX_STEPS
#define PT_TEMPLATE_MAX_STEPS 10000000
#endif
apr_status_t pt_template_render(const pt_template_t *tpl, json_t *data,
                                const pt_tplset_t *set, pt_buf_t *out,
                                pt_err_t *err);

/* Convenience: render the template called name from set. APR_NOTFOUND when
 * there is no such template. */
apr_status_t pt_tplset_render(const pt_tplset_t *set, const char *name,
                              json_t *data, pt_buf_t *out, pt_err_t *err);

/* Append s (len bytes) to out HTML-escaped: & < > " ' become entities. */
apr_status_t pt_html_escape(pt_buf_t *out, const char *s, apr_size_t len);

#endif /* PT_TEMPLATE_H */
