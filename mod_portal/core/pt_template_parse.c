/*
 * pt_template_parse.c -- the Mustache parser of the template engine.
 *
 * Turns template text into the tree of pt_template_int.h in one pass over
 * the text, with the current delimiters ("{{" "}}" until a {{=<% %>=}}
 * tag changes them).  Open sections are kept on a fixed stack of levels, so
 * nesting is bounded and the parser never recurses.
 *
 * Standalone lines: a section, inverted, closing, comment, partial or
 * delimiter tag with only spaces and tabs between it and the start of its
 * line (not counting anything before the previous tag) and between it and
 * the end of its line ("\n", "\r\n" or the end of the template) removes the
 * whole line, newline included.  The whitespace in front of a standalone
 * partial becomes that partial's indentation.
 *
 * Every tag that is not standalone and begins a source line is marked
 * `bol`; tags that output nothing (comments, delimiter changes, closing
 * tags) are then kept as PT_N_INDENT nodes, so that a partial rendered with
 * an indentation indents exactly the lines of its template text.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_template_int.h"

/* One level of open sections; level 0 is the template itself. */
typedef struct {
    pt_node_t *node;    /* the section node (NULL at level 0) */
    pt_node_t **tail;   /* where the next node of this level is linked */
} pt_level_t;

typedef struct {
    apr_pool_t *p;
    const char *where;
    pt_err_t *err;
    const char *src;    /* the template (a pool copy, NUL-terminated) */
    apr_size_t len;
    apr_size_t lpos;    /* a position for which `line` is known */
    int line;
    const char *otag;   /* current delimiters (point into src or static) */
    apr_size_t olen;
    const char *ctag;
    apr_size_t clen;
    int depth;          /* index of the innermost open level */
    pt_level_t lv[PT_TPL_MAX_NEST + 1];
} pt_parser_t;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Position of the first needle (nlen > 0) in src[from, len), or -1. */
static apr_ssize_t find(const char *src, apr_size_t len, apr_size_t from,
                        const char *needle, apr_size_t nlen)
{
    while (from + nlen <= len) {
        const char *hit = memchr(src + from, needle[0], len - from - nlen + 1);

        if (!hit) {
            return -1;
        }
        from = (apr_size_t)(hit - src);
        if (!memcmp(hit, needle, nlen)) {
            return (apr_ssize_t)from;
        }
        from++;
    }
    return -1;
}

/* The 1-based line of pos; positions must be asked for in increasing
 * order (each call only counts the newlines since the previous one). */
static int line_at(pt_parser_t *ps, apr_size_t pos)
{
    while (ps->lpos < pos) {
        if (ps->src[ps->lpos] == '\n') {
            ps->line++;
        }
        ps->lpos++;
    }
    return ps->line;
}

static int starts_line(const pt_parser_t *ps, apr_size_t pos)
{
    return pos == 0 || ps->src[pos - 1] == '\n';
}

static pt_node_t *add_node(pt_parser_t *ps, pt_ntype_e type, int line)
{
    pt_level_t *lv = &ps->lv[ps->depth];
    pt_node_t *n = apr_pcalloc(ps->p, sizeof(*n));

    n->type = type;
    n->line = line;
    *lv->tail = n;
    lv->tail = &n->next;
    return n;
}

static void add_text(pt_parser_t *ps, apr_size_t from, apr_size_t to)
{
    pt_node_t *n;

    if (to <= from) {
        return;
    }
    n = add_node(ps, PT_N_TEXT, line_at(ps, from));
    n->text = ps->src + from;
    n->len = to - from;
    n->bol = starts_line(ps, from);
}

/* Set n's name from s[0, len) (already trimmed): "." or dot-separated
 * non-empty parts.  Returns non-zero (err filled) when it is not a name. */
static apr_status_t set_name(pt_parser_t *ps, pt_node_t *n, const char *s,
                             apr_size_t len)
{
    apr_size_t i, start;
    int k;

    n->text = apr_pstrmemdup(ps->p, s, len);
    n->len = len;
    if (len == 0) {
        return pt_err_set(ps->err, ps->p, ps->where, n->line,
                          "empty tag name");
    }
    if (len == 1 && s[0] == '.') {
        n->nparts = 0;
        return APR_SUCCESS;
    }
    n->nparts = 1;
    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            n->nparts++;
        }
    }
    n->parts = apr_palloc(ps->p, sizeof(*n->parts) * n->nparts);
    for (i = 0, start = 0, k = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (i == start) {
                return pt_err_set(ps->err, ps->p, ps->where, n->line,
                                  "bad name '%s' (empty part)", n->text);
            }
            n->parts[k++] = apr_pstrmemdup(ps->p, s + start, i - start);
            start = i + 1;
        }
    }
    return APR_SUCCESS;
}

/* {{=<% %>=}}: s[0, len) is the trimmed text between the '=' signs. */
static apr_status_t set_delims(pt_parser_t *ps, const char *s,
                               apr_size_t len, int line)
{
    apr_size_t i = 0, o, c;

    while (i < len && !is_space(s[i]) && s[i] != '=') {
        i++;
    }
    o = i;
    while (i < len && is_space(s[i])) {
        i++;
    }
    c = i;
    while (i < len && !is_space(s[i]) && s[i] != '=') {
        i++;
    }
    if (o == 0 || c == o || i == c || i != len) {
        return pt_err_set(ps->err, ps->p, ps->where, line,
                          "bad delimiter change {{=%s=}}",
                          apr_pstrmemdup(ps->p, s, len));
    }
    ps->otag = s;
    ps->olen = o;
    ps->ctag = s + c;
    ps->clen = i - c;
    return APR_SUCCESS;
}

/* Find the end of the tag whose content starts at `from`: the closing
 * delimiter, preceded by `sigil` when sigil is not 0 ('}' or '=').  Sets
 * *ce to the end of the content, returns the position of the delimiter or
 * -1. */
static apr_ssize_t find_close(const pt_parser_t *ps, apr_size_t from,
                              char sigil, apr_size_t *ce)
{
    apr_size_t at = from;

    for (;;) {
        apr_ssize_t q = find(ps->src, ps->len, at, ps->ctag, ps->clen);

        if (q < 0) {
            return -1;
        }
        if (!sigil) {
            *ce = (apr_size_t)q;
            return q;
        }
        if ((apr_size_t)q > from && ps->src[q - 1] == sigil) {
            *ce = (apr_size_t)q - 1;
            return q;
        }
        at = (apr_size_t)q + 1;
    }
}

/* Handle one tag: type is its sigil (0 for a variable), content the trimmed
 * text, `standalone` whether its line is removed, indent the whitespace in
 * front of a standalone tag, bol whether it begins a source line. */
static apr_status_t parse_tag(pt_parser_t *ps, char type, const char *s,
                              apr_size_t len, int line, int standalone,
                              const char *indent, apr_size_t indent_len,
                              int bol)
{
    pt_node_t *n;
    pt_level_t *lv;
    apr_status_t rv;

    switch (type) {
    case '!':
    case '=':
        if (type == '=') {
            rv = set_delims(ps, s, len, line);
            if (rv) {
                return rv;
            }
        }
        if (bol) {
            add_node(ps, PT_N_INDENT, line)->bol = 1;
        }
        return APR_SUCCESS;

    case '#':
    case '^':
        if (ps->depth >= PT_TPL_MAX_NEST) {
            return pt_err_set(ps->err, ps->p, ps->where, line,
                              "sections nested deeper than %d",
                              PT_TPL_MAX_NEST);
        }
        n = add_node(ps, type == '#' ? PT_N_SECTION : PT_N_INVERTED, line);
        n->bol = bol;
        rv = set_name(ps, n, s, len);
        if (rv) {
            return rv;
        }
        lv = &ps->lv[++ps->depth];
        lv->node = n;
        lv->tail = &n->child;
        return APR_SUCCESS;

    case '/':
        lv = &ps->lv[ps->depth];
        if (ps->depth == 0) {
            return pt_err_set(ps->err, ps->p, ps->where, line,
                              "{{/%s}} closes no section",
                              apr_pstrmemdup(ps->p, s, len));
        }
        if (lv->node->len != len || memcmp(lv->node->text, s, len)) {
            return pt_err_set(ps->err, ps->p, ps->where, line,
                              "{{/%s}} does not close {{%c%s}} of line %d",
                              apr_pstrmemdup(ps->p, s, len),
                              lv->node->type == PT_N_SECTION ? '#' : '^',
                              lv->node->text, lv->node->line);
        }
        if (bol) {
            add_node(ps, PT_N_INDENT, line)->bol = 1;
        }
        ps->depth--;
        return APR_SUCCESS;

    case '>':
        if (len == 0) {
            return pt_err_set(ps->err, ps->p, ps->where, line,
                              "empty partial name in {{>}}");
        }
        n = add_node(ps, PT_N_PARTIAL, line);
        n->bol = bol;
        n->text = apr_pstrmemdup(ps->p, s, len);
        n->len = len;
        if (standalone) {
            n->indent = indent;
            n->indent_len = indent_len;
        }
        return APR_SUCCESS;

    default:
        n = add_node(ps, (type == '{' || type == '&') ? PT_N_RAW : PT_N_VAR,
                     line);
        n->bol = bol;
        return set_name(ps, n, s, len);
    }
}

/* Whether the tag at [tag, te) stands alone on its line: only blanks
 * between it and the line start (a line that began before the previous tag
 * does not count: text_start is where the text after that tag starts) and
 * between it and the line end.  If so, *b is where its line starts and
 * *next where the following line starts. */
static int standalone_at(const pt_parser_t *ps, apr_size_t text_start,
                         apr_size_t tag, apr_size_t te, apr_size_t *b,
                         apr_size_t *next)
{
    const char *src = ps->src;
    apr_size_t e = te;

    *b = tag;
    while (*b > text_start && is_blank(src[*b - 1])) {
        (*b)--;
    }
    if (!starts_line(ps, *b)) {
        return 0;
    }
    while (e < ps->len && is_blank(src[e])) {
        e++;
    }
    if (e == ps->len) {
        *next = e;
    }
    else if (src[e] == '\n') {
        *next = e + 1;
    }
    else if (src[e] == '\r' && e + 1 < ps->len && src[e + 1] == '\n') {
        *next = e + 2;
    }
    else {
        return 0;
    }
    return 1;
}

/* Parse ps->src into the level-0 list.  Returns non-zero with err filled. */
static apr_status_t parse(pt_parser_t *ps)
{
    apr_size_t text_start = 0;
    apr_status_t rv;

    for (;;) {
        apr_ssize_t found = find(ps->src, ps->len, text_start, ps->otag,
                                 ps->olen);
        apr_size_t tag, cs, ce, te, text_end, next;
        apr_ssize_t q;
        char type, sigil;
        int line, standalone = 0;

        if (found < 0) {
            add_text(ps, text_start, ps->len);
            break;
        }
        tag = (apr_size_t)found;
        cs = tag + ps->olen;
        type = cs < ps->len ? ps->src[cs] : 0;
        if (type == 0 || !strchr("{&#^/!>=", type)) {
            type = 0;
        }
        else {
            cs++;
        }
        sigil = (type == '{') ? '}' : (type == '=') ? '=' : 0;
        q = find_close(ps, cs, sigil, &ce);
        if (q < 0) {
            return pt_err_set(ps->err, ps->p, ps->where, line_at(ps, tag),
                              "unclosed tag %s",
                              apr_pstrmemdup(ps->p, ps->src + tag,
                                             ps->olen + (type ? 1 : 0)));
        }
        te = (apr_size_t)q + ps->clen;

        text_end = tag;
        next = te;
        if (type && type != '{' && type != '&') {
            standalone = standalone_at(ps, text_start, tag, te, &text_end,
                                       &next);
            if (!standalone) {
                text_end = tag;
                next = te;
            }
        }
        add_text(ps, text_start, text_end);
        line = line_at(ps, tag);

        while (cs < ce && is_space(ps->src[cs])) {
            cs++;
        }
        while (ce > cs && is_space(ps->src[ce - 1])) {
            ce--;
        }
        rv = parse_tag(ps, type, ps->src + cs, ce - cs, line, standalone,
                       ps->src + text_end, tag - text_end,
                       !standalone && starts_line(ps, tag));
        if (rv) {
            return rv;
        }
        text_start = next;
    }
    if (ps->depth > 0) {
        pt_node_t *open = ps->lv[ps->depth].node;

        return pt_err_set(ps->err, ps->p, ps->where, open->line,
                          "unclosed section {{%c%s}}",
                          open->type == PT_N_SECTION ? '#' : '^', open->text);
    }
    return APR_SUCCESS;
}

apr_status_t pt_template_parse(apr_pool_t *p, const char *where,
                               const char *src, apr_size_t len,
                               pt_node_t **first, pt_err_t *err)
{
    pt_parser_t *ps = apr_pcalloc(p, sizeof(*ps));

    *first = NULL;
    ps->p = p;
    ps->where = where;
    ps->err = err;
    ps->src = apr_pstrmemdup(p, src, len);
    ps->len = len;
    ps->line = 1;
    ps->otag = "{{";
    ps->olen = 2;
    ps->ctag = "}}";
    ps->clen = 2;
    ps->lv[0].tail = first;
    return parse(ps);
}
