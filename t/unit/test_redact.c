/*
 * test_redact.c -- what httpd's logs may show of a URL that carries a
 * secret (pt_redact.h): download links, mailed tokens, the OIDC code.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pt_test.h"
#include "pt_redact.h"

#define LINK "0b7e8f6c-2a1d-4c3e-9f00-1234567890ab.Kq3ZsT9vN0yXw2bL5dF8hJ1mP4rU7tC6eA_-QiGoY8s"
#define TOK "R9mLGkI5QM5Qiu1izGtq-1e-OekNuo7ZbhkFW5r-Ml8"

/* pt_redact_url as "path?query" (or "-" when nothing is hidden). */
static const char *shown(apr_pool_t *p, const char *path, const char *query,
                         int *kind)
{
    const char *sp, *sq;

    *kind = pt_redact_url(p, path, query, &sp, &sq);
    if (*kind == PT_REDACT_NONE) {
        return "-";
    }
    return apr_pstrcat(p, sp, sq ? "?" : "", sq ? sq : "", NULL);
}

int main(void)
{
    apr_pool_t *p;
    int kind;

    apr_initialize();
    apr_pool_create(&p, NULL);

    /* signed download links, wherever the portal is mounted */
    PT_IS_STR(shown(p, "/d/" LINK, NULL, &kind), "/d/[link]", "a link");
    PT_OK(kind == PT_REDACT_NOW, "is hidden at once");
    PT_IS_STR(shown(p, "/portal/d/" LINK, NULL, &kind), "/portal/d/[link]",
              "under a mount");
    PT_IS_STR(shown(p, "/d/" LINK "/more", "x=1", &kind), "/d/[link]?x=1",
              "with more path: all of it; a query without a secret stays");
    PT_IS_STR(shown(p, "/oidc/d/" LINK, NULL, &kind), "/oidc/d/[link]",
              "below another location");
    PT_IS_STR(shown(p, "/d/", NULL, &kind), "-", "/d/ alone holds nothing");
    PT_IS_STR(shown(p, "/dashboard", NULL, &kind), "-", "other paths");
    PT_IS_STR(shown(p, "/files/d", NULL, &kind), "-", "a segment named d");

    /* mailed tokens */
    PT_IS_STR(shown(p, "/verify_email", "token=" TOK, &kind),
              "/verify_email?token=[token]", "a confirmation link");
    PT_OK(kind == PT_REDACT_NOW, "is hidden at once");
    PT_IS_STR(shown(p, "/reset_password", "token=" TOK "&%zz", &kind),
              "/reset_password?token=[token]", "a malformed query too");
    PT_IS_STR(shown(p, "/portal/api/client/verify-email", "TOKEN=" TOK,
                    &kind), "/portal/api/client/verify-email?token=[token]",
              "any case");
    PT_IS_STR(shown(p, "/verify_email", "tok%65n=" TOK, &kind),
              "/verify_email?token=[token]", "an encoded name");
    PT_IS_STR(shown(p, "/reset_password", "t=" TOK, &kind),
              "/reset_password?[redacted]",
              "any query on a token route, whatever its name");
    PT_IS_STR(shown(p, "/reset_password/", "token=" TOK, &kind),
              "/reset_password/?token=[token]", "a trailing slash");
    PT_IS_STR(shown(p, "/login", "amp;token=" TOK, &kind),
              "/login?token=[token]", "a mangled link on another page");
    PT_IS_STR(shown(p, "/login", "x_token=" TOK, &kind),
              "/login?[redacted]", "a name ending in token");
    PT_IS_STR(shown(p, "/login", "next=%2Freset_password%3Ftoken%3D" TOK,
                    &kind), "/login?[redacted]", "a link inside a value");
    PT_IS_STR(shown(p, "/login", "x=to%00ken", &kind), "/login?[redacted]",
              "NUL bytes do not hide the word");
    PT_IS_STR(shown(p, "/iocs", "q=evil.example&page=2", &kind), "-",
              "other queries stay");
    PT_IS_STR(shown(p, "/verify_email", "", &kind), "-", "an empty query");
    PT_IS_STR(shown(p, "/verify_email", NULL, &kind), "-", "no query");
    PT_IS_STR(shown(p, "/login", "%", &kind), "-", "a lone %%");
    PT_IS_STR(shown(p, "/login", "a=%4", &kind), "-", "a short escape");

    /* the OpenID Connect redirect: mod_auth_openidc reads it first */
    PT_IS_STR(shown(p, "/oidc/redirect", "code=abc&state=def", &kind),
              "/oidc/redirect?[redacted]", "the OIDC code");
    PT_OK(kind == PT_REDACT_AT_LOG, "is hidden when logging");
    PT_IS_STR(shown(p, "/portal/oidc/redirect/", "code=abc", &kind),
              "/portal/oidc/redirect/?[redacted]", "under a mount");
    PT_IS_STR(shown(p, "/redirect", "code=abc", &kind), "-",
              "another redirect");
    PT_IS_STR(shown(p, "/d/" LINK "/oidc/redirect", "code=abc", &kind),
              "/d/[link]?[redacted]", "a link in its path");
    PT_OK(kind == PT_REDACT_NOW, "is hidden at once still");

    /* request lines and Referers */
    PT_IS_STR(pt_redact_line(p, "GET /d/" LINK " HTTP/1.1"),
              "GET /d/[link] HTTP/1.1", "a request line");
    PT_IS_STR(pt_redact_line(p, "GET /reset_password?token=" TOK),
              "GET /reset_password?token=[token]", "HTTP/0.9");
    PT_IS_STR(pt_redact_line(p, "GET http://portal.example:8080/d/" LINK
                             " HTTP/1.1"),
              "GET http://portal.example:8080/d/[link] HTTP/1.1",
              "absolute form keeps the origin");
    PT_IS_STR(pt_redact_line(p, "GET /d/" LINK " junk HTTP/1.1"),
              "GET /d/[link] HTTP/1.1", "a target with a space");
    PT_OK(pt_redact_line(p, "GET /login HTTP/1.1") == NULL,
          "nothing to hide: NULL");
    PT_OK(pt_redact_line(p, "garbage") == NULL, "no target");
    PT_IS_STR(pt_redact_line(p, "GET d/" LINK " HTTP/1.1"),
              "GET [redacted] HTTP/1.1", "not a path, but a link in it");
    PT_IS_STR(pt_redact_line(p, "GET ht/d/x://host/ HTTP/1.1"),
              "GET [redacted] HTTP/1.1", "not a scheme");
    PT_OK(pt_redact_line(p, "GET * HTTP/1.1") == NULL, "OPTIONS *");
    PT_OK(pt_redact_line(p, "GET http://host HTTP/1.1") == NULL,
          "an origin without a path");
    PT_IS_STR(pt_redact_line(p, "GET http://host?token=x HTTP/1.1"),
              "GET http://host?token=[token] HTTP/1.1",
              "an origin with a query");
    PT_IS_STR(pt_redact_line_with(p, "POST /x?y HTTP/1.0", "/a?b"),
              "POST /a?b HTTP/1.0", "a line with a new target");
    PT_IS_STR(pt_redact_line_with(p, "GET", "/a"), "GET /a",
              "a line without a target");
    PT_IS_STR(pt_redact_target(p, "https://portal.example/reset_password"
                               "?token=" TOK),
              "https://portal.example/reset_password?token=[token]",
              "a Referer");
    PT_OK(pt_redact_target(p, "https://search.example/?q=portal") == NULL,
          "a harmless Referer: NULL");

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
