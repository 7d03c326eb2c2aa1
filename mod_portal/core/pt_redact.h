/*
 * pt_redact.h -- what the logs may show of a URL that carries a secret.
 *
 * Some of the portal's URLs are secrets: a signed download link
 * (/d/<link id>.<MAC>), the links mailed to confirm an address or reset a
 * password (/verify_email?token=, /reset_password?token=,
 * /api/client/verify-email?token=), and the OpenID Connect redirect that
 * brings the provider's authorization code (/oidc/redirect?code=&state=).
 * httpd logs the request line (%r), the path (%U), the query (%q) and the
 * file name (%f), and its error log can print the path: what they show is
 * computed here, from the URL alone (no mount point needed), so that the
 * same rules hold for a request the portal answers, one another module
 * answers first and one httpd refused while reading it.  The Referer a
 * browser sends from such a page (logged by %{Referer}i, and appended to
 * error-log lines) is redacted by the same rules.
 *
 * The rules, on the path (decoded or raw) and the raw query:
 *   - a path holding "/d/" followed by anything: what follows becomes
 *     "[link]" (so "/d/<token>", "/portal/d/<token>/more" too);
 *   - a query on a path ending in /verify_email, /reset_password or
 *     /verify-email, or holding a parameter whose name (percent-decoded,
 *     any case) ends in "token": the whole query becomes "token=[token]"
 *     (or "[redacted]" when no parameter is named so);
 *   - a query on a path ending in /oidc/redirect: "[redacted]"; that URL
 *     belongs to mod_auth_openidc, which reads it after the portal's first
 *     hook, so it is PT_REDACT_AT_LOG: hide it in the request line at
 *     once, elsewhere only when logging.
 * Everything else is shown as it is.
 */
#ifndef PT_REDACT_H
#define PT_REDACT_H

#include <apr_pools.h>

#define PT_REDACT_NONE 0        /* nothing secret */
#define PT_REDACT_NOW 1         /* the portal's route: hide it at once */
#define PT_REDACT_AT_LOG 2      /* another module reads it first */

#define PT_REDACT_LINK "[link]"
#define PT_REDACT_TOKEN "token=[token]"
#define PT_REDACT_OTHER "[redacted]"

/* Classify path (not NULL) and query (NULL or "": none).  Returns a
 * PT_REDACT_* kind; unless NONE, *shown_path and *shown_query are what to
 * show instead (each the input itself when that part holds nothing;
 * *shown_query NULL when query was NULL). */
int pt_redact_url(apr_pool_t *p, const char *path, const char *query,
                  const char **shown_path, const char **shown_query);

/* The request line "METHOD TARGET[ PROTOCOL]" with its target replaced by
 * target (for a URL already classified). */
const char *pt_redact_line_with(apr_pool_t *p, const char *line,
                                const char *target);

/* A URL in origin form "/path?query" or absolute form
 * "scheme://host/path?query" (a request target, a Referer) classified and
 * redacted as above; NULL when it holds nothing secret.  Anything else
 * that holds "/d/" or a token becomes "[redacted]" as a whole. */
const char *pt_redact_target(apr_pool_t *p, const char *target);

/* The request line with its target redacted so; NULL when it holds
 * nothing secret. */
const char *pt_redact_line(apr_pool_t *p, const char *line);

#endif /* PT_REDACT_H */
