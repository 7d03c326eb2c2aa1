/*
 * pt_template_int.h -- what pt_template.c and pt_template_parse.c share.
 *
 * Private to the template engine: the parsed tree of a template.  Nothing
 * outside those two files may include it; the public API is pt_template.h.
 *
 * Invariants of a tree made by pt_template_parse():
 *  - VAR, RAW, SECTION and INVERTED nodes have a non-empty name in text
 *    and its dot-separated parts (none empty) in parts, or nparts 0 for
 *    "."; PARTIAL nodes have the partial's non-empty name in text;
 *  - only SECTION and INVERTED nodes have children (their body);
 *  - TEXT nodes have len > 0 and point into the template's pool copy;
 *  - sections nest at most PT_TPL_MAX_NEST deep.
 * The tree is never written after parsing, so renders share it freely.
 */
#ifndef PT_TEMPLATE_INT_H
#define PT_TEMPLATE_INT_H

#include "pt_template.h"

/* Sections open at once in one template. */
#define PT_TPL_MAX_NEST 100

typedef enum {
    PT_N_TEXT,          /* literal text */
    PT_N_VAR,           /* {{name}}: escaped */
    PT_N_RAW,           /* {{{name}}}, {{& name}} */
    PT_N_SECTION,       /* {{#name}} ... {{/name}} */
    PT_N_INVERTED,      /* {{^name}} ... {{/name}} */
    PT_N_PARTIAL,       /* {{> name}} */
    PT_N_INDENT         /* a tag that outputs nothing but starts a line */
} pt_ntype_e;

typedef struct pt_node_t pt_node_t;
struct pt_node_t {
    pt_ntype_e type;
    int bol;            /* begins a source line: gets a partial's indent */
    int line;           /* 1-based line of the tag (or of the text start) */
    const char *text;   /* TEXT: the bytes; other tags: the name */
    apr_size_t len;
    const char **parts; /* the name split at dots; nparts 0 means "." */
    int nparts;
    const char *indent; /* PARTIAL: whitespace before a standalone tag */
    apr_size_t indent_len;
    pt_node_t *child;   /* SECTION, INVERTED: the body */
    pt_node_t *next;
};

struct pt_template_t {
    const char *name;
    const char *where;
    pt_node_t *first;
};

/* Parse src (len bytes, need not be NUL-terminated) into a tree in p.
 * On success *first is the first node (NULL for an empty template); on a
 * syntax error returns APR_EGENERAL with err filled: where, the 1-based
 * line of the offending tag (of the opening tag for an unclosed section)
 * and what is wrong (*first is then to be ignored). */
apr_status_t pt_template_parse(apr_pool_t *p, const char *where,
                               const char *src, apr_size_t len,
                               pt_node_t **first, pt_err_t *err);

#endif /* PT_TEMPLATE_INT_H */
