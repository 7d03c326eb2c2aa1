/*
 * redact.c -- secrets in URLs (download links, mailed tokens, the
 * OpenID Connect code) never reach httpd's logs.
 *
 * What a log may show of a URL is the core's pt_redact_url(); this file
 * applies it where httpd reads the URL, with two hooks that run before any
 * other module's:
 *
 *   translate_name: httpd has read the request and matched its
 *     <Location>s; nothing has mapped, checked or answered it yet.  For a
 *     request to the portal (SetHandler portal) whose URL holds a secret,
 *     the request line (%r), path (%U), query (%q) and unparsed URL are
 *     replaced by what may be shown, and the real path and query are kept
 *     for the portal's handler (portal_redact_real()).  So everything that
 *     follows -- the file mapping (%f), authorization (403), another
 *     module's authentication (401), our router (400, 404, 405, 413), the
 *     handler -- and every error-log line about the request see only the
 *     shown form.  The OpenID Connect redirect is mod_auth_openidc's to
 *     read: only its request line is replaced here.
 *
 *     It also redacts a Referer from a page of this site that holds a
 *     secret (a browser that ignored our Referrer-Policy): error-log lines
 *     end with the Referer.
 *
 *   log_transaction: just before the access log is written.  The shown
 *     form again (for the OIDC redirect, now all of it); any Referer that
 *     holds a secret; a request the portal answered without the first
 *     hook knowing (SetHandler portal in a <Directory>); and a request
 *     httpd refused while reading it (a malformed header: 400; a request
 *     line too long: 414), which never got to the first hook: its request
 *     line is all that says where it was going, and a secret in it is
 *     hidden whatever the path.
 *
 * The per-request state lives in r->pool's user data under a key naming
 * the request, so internal redirects (which share the pool) keep theirs.
 */
#include "apr_strings.h"
#include "http_core.h"
#include "ap_expr.h"

#include "portal.h"
#include "http/http.h"
#include "pt_redact.h"

APLOG_USE_MODULE(portal);

typedef struct redact_t {
    int kind;                   /* PT_REDACT_* of the path and query */
    const char *line;           /* the request line shown; NULL: as is */
    const char *shown_uri, *shown_args, *shown_unparsed;
    const char *uri, *args;     /* the real ones, once replaced (NOW) */
} redact_t;

static const char *state_key(request_rec *r)
{
    return apr_psprintf(r->pool, "portal_redact_%pp", (void *)r);
}

static redact_t *state_get(request_rec *r)
{
    void *x = NULL;

    apr_pool_userdata_get(&x, state_key(r), r->pool);
    return x;
}

/* Is the request for the portal?  Before the fix-ups, r->handler is not
 * set yet: evaluate SetHandler as core will. */
static int for_portal(request_rec *r)
{
    core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    const char *h = r->handler, *err = NULL;

    if (!h && core) {
        h = core->expr_handler
            ? ap_expr_str_exec(r, core->expr_handler, &err)
            : core->handler;
    }
    return h && !err && !strcasecmp(h, PORTAL_HANDLER);
}

/* Fill x with what r's URL may show. */
static void classify(request_rec *r, redact_t *x)
{
    const char *sp, *sq;

    if (r->uri) {
        x->kind = pt_redact_url(r->pool, r->uri, r->args, &sp, &sq);
    }
    if (x->kind != PT_REDACT_NONE) {
        x->shown_uri = sp;
        x->shown_args = sq;
        x->shown_unparsed = sq ? apr_pstrcat(r->pool, sp, "?", sq, NULL)
                               : sp;
        if (r->the_request) {
            x->line = pt_redact_line_with(r->pool, r->the_request,
                                          x->shown_unparsed);
        }
    }
    else if (r->the_request) {
        /* the decoded path holds nothing, the raw line may ("/d/x/..") */
        x->line = pt_redact_line(r->pool, r->the_request);
    }
}

static void show_url(request_rec *r, const redact_t *x)
{
    r->uri = (char *)x->shown_uri;
    r->args = (char *)x->shown_args;
    r->unparsed_uri = (char *)x->shown_unparsed;
    r->parsed_uri.path = (char *)x->shown_uri;
    r->parsed_uri.query = (char *)x->shown_args;
}

/* A file name made from the real URL (late cases only). */
static void show_path(request_rec *r, char **path)
{
    const char *shown, *q;

    if (*path && pt_redact_url(r->pool, *path, NULL, &shown, &q)
                 != PT_REDACT_NONE) {
        *path = (char *)shown;
    }
}

/* A Referer that holds a secret (a browser that ignored our
 * Referrer-Policy): only one from this site (own_only), or any. */
static void show_referer(request_rec *r, int own_only)
{
    const char *ref = apr_table_get(r->headers_in, "Referer");
    const char *host, *a, *shown;
    apr_size_t n;

    if (!ref) {
        return;
    }
    if (own_only) {
        host = apr_table_get(r->headers_in, "Host");
        a = strstr(ref, "://");
        if (!host || !a) {
            return;
        }
        a += 3;
        n = strcspn(a, "/?#");
        if (strlen(host) != n || strncasecmp(a, host, n)) {
            return;
        }
    }
    shown = pt_redact_target(r->pool, ref);
    if (shown) {
        apr_table_setn(r->headers_in, "Referer", shown);
    }
}

int portal_redact_translate(request_rec *r)
{
    redact_t *x = apr_pcalloc(r->pool, sizeof(*x));

    /* even when there is nothing to hide: the log hook then knows httpd
     * got this far */
    apr_pool_userdata_setn(x, state_key(r), NULL, r->pool);
    /* error-log lines end with the Referer: one from a page of this site
     * (not only the portal's: its style sheets are served by httpd) */
    show_referer(r, 1);
    if (!for_portal(r)) {
        return DECLINED;
    }
    classify(r, x);
    if (x->line) {
        r->the_request = (char *)x->line;
    }
    if (x->kind == PT_REDACT_NOW) {
        x->uri = r->uri;
        x->args = r->args;
        show_url(r, x);
        apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    }
    return DECLINED;
}

static void redact_late(request_rec *r)
{
    redact_t *x = state_get(r);
    int unrouted = !x;

    show_referer(r, 0);

    if (!x || (x->kind == PT_REDACT_NONE && !x->line)) {
        if (!unrouted
            && !(r->handler && !strcmp(r->handler, PORTAL_HANDLER))) {
            return;             /* not the portal's, nothing hidden */
        }
        x = apr_pcalloc(r->pool, sizeof(*x));
        classify(r, x);
        show_path(r, &r->filename);
        show_path(r, &r->path_info);
    }
    if (x->line) {
        r->the_request = (char *)x->line;
    }
    if (x->kind != PT_REDACT_NONE) {
        show_url(r, x);
    }
}

int portal_redact_log(request_rec *r)
{
    request_rec *rr;

    /* mod_log_config reads the first request of an internal redirect for
     * some items and the last for others */
    for (rr = r; rr; rr = rr->next) {
        redact_late(rr);
    }
    return DECLINED;
}

int portal_redact_real(request_rec *r, const char **uri, const char **args)
{
    redact_t *x = state_get(r);

    *uri = r->uri;
    *args = r->args;
    if (!x) {
        return 0;
    }
    if (x->uri) {
        *uri = x->uri;
        *args = x->args;
    }
    return x->kind != PT_REDACT_NONE || x->line != NULL;
}
