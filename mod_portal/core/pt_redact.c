/*
 * pt_redact.c -- what the logs may show of a URL that carries a secret
 * (rules in pt_redact.h).
 *
 * Everything here reads attacker-controlled bytes (any request line), so
 * it never fails: a malformed escape is read as it stands, and the output
 * is built only from the input and the constant placeholders.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "pt_redact.h"

#define TOKEN_WORD "token"

/* Does path end with suffix ("/a/b"; trailing slashes of path ignored)? */
static int ends_with(const char *path, const char *suffix)
{
    apr_size_t n = strlen(path), k = strlen(suffix);

    while (n > 1 && path[n - 1] == '/') {
        n--;
    }
    return n >= k && !memcmp(path + n - k, suffix, k);
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)apr_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s[0..n) percent-decoded leniently ('+' a space, a malformed escape kept
 * as it stands, NUL bytes dropped) and lower-cased. */
static char *lenient_lower(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;
    int c;

    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && hex_val(s[i + 1]) >= 0
            && hex_val(s[i + 2]) >= 0) {
            c = (hex_val(s[i + 1]) << 4) | hex_val(s[i + 2]);
            i += 2;
        }
        else if (c == '+') {
            c = ' ';
        }
        if (c) {
            *o++ = (char)apr_tolower(c);
        }
    }
    *o = '\0';
    return out;
}

/* Does the query mention a token anywhere (in a name or a value, any case,
 * percent-encoded or not)?  *named: a parameter is named exactly so. */
static int query_has_token(apr_pool_t *p, const char *q, int *named)
{
    const char *pair = q;
    int found = 0;

    *named = 0;
    while (*pair) {
        apr_size_t len = strcspn(pair, "&;");
        apr_size_t nlen = strcspn(pair, "=&;");

        if (!strcmp(lenient_lower(p, pair, nlen), TOKEN_WORD)) {
            *named = 1;
        }
        if (strstr(lenient_lower(p, pair, len), TOKEN_WORD)) {
            found = 1;
        }
        pair += len;
        if (*pair) {
            pair++;
        }
    }
    return found;
}

int pt_redact_url(apr_pool_t *p, const char *path, const char *query,
                  const char **shown_path, const char **shown_query)
{
    const char *d = strstr(path, "/d/");
    int kind = PT_REDACT_NONE, named = 0;

    *shown_path = path;
    *shown_query = query;
    if (d && d[3]) {
        *shown_path = apr_pstrcat(p, apr_pstrmemdup(p, path, d - path + 3),
                                  PT_REDACT_LINK, NULL);
        kind = PT_REDACT_NOW;
    }
    if (query && *query) {
        int oidc = ends_with(path, "/oidc/redirect");
        int mentioned = query_has_token(p, query, &named);

        if (oidc || mentioned || ends_with(path, "/verify_email")
            || ends_with(path, "/reset_password")
            || ends_with(path, "/verify-email")) {
            *shown_query = named ? PT_REDACT_TOKEN : PT_REDACT_OTHER;
            /* a link in the path is hidden at once in any case */
            kind = oidc && kind == PT_REDACT_NONE ? PT_REDACT_AT_LOG
                                                  : PT_REDACT_NOW;
        }
    }
    return kind;
}

const char *pt_redact_line_with(apr_pool_t *p, const char *line,
                                const char *target)
{
    const char *sp = strchr(line, ' ');
    const char *last = strrchr(line, ' ');

    if (!sp) {
        return apr_pstrcat(p, line, " ", target, NULL);
    }
    if (last > sp && !strncasecmp(last + 1, "HTTP/", 5)) {
        return apr_pstrcat(p, apr_pstrmemdup(p, line, sp - line), " ",
                           target, last, NULL);
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, line, sp - line), " ", target,
                       NULL);
}

/* The length of target's "scheme://authority" when it starts so (the
 * scheme letters, digits, '+', '-', '.'), else 0. */
static apr_size_t origin_len(const char *target)
{
    apr_size_t n = 0;

    if (!apr_isalpha(target[0])) {
        return 0;
    }
    while (apr_isalnum(target[n]) || target[n] == '+' || target[n] == '-'
           || target[n] == '.') {
        n++;
    }
    if (strncmp(target + n, "://", 3)) {
        return 0;
    }
    n += 3;
    return n + strcspn(target + n, "/?#");
}

const char *pt_redact_target(apr_pool_t *p, const char *target)
{
    const char *q, *shown_path, *shown_query;
    apr_size_t n = *target == '/' ? 0 : origin_len(target);
    char *path;
    int named;

    if (*target != '/' && !n) {
        /* neither form (httpd refuses it): all of it, if it may hold a
         * secret */
        return strstr(target, "/d/") || !strncmp(target, "d/", 2)
               || query_has_token(p, target, &named) ? PT_REDACT_OTHER
                                                     : NULL;
    }
    path = apr_pstrdup(p, target + n);
    q = strchr(path, '?');
    if (q) {
        path[q - path] = '\0';
        q++;
    }
    if (pt_redact_url(p, path, q, &shown_path, &shown_query)
        == PT_REDACT_NONE) {
        return NULL;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, target, n), shown_path,
                       shown_query ? "?" : "",
                       shown_query ? shown_query : "", NULL);
}

const char *pt_redact_line(apr_pool_t *p, const char *line)
{
    const char *sp = strchr(line, ' ');
    const char *last = strrchr(line, ' ');
    const char *shown;

    if (!sp) {
        return NULL;
    }
    shown = pt_redact_target(p, (last > sp
                                 && !strncasecmp(last + 1, "HTTP/", 5))
                                ? apr_pstrmemdup(p, sp + 1, last - sp - 1)
                                : sp + 1);
    return shown ? pt_redact_line_with(p, line, shown) : NULL;
}
