/*
 * pt_url.h -- which URLs from untrusted data a page may turn into links.
 *
 * Feed data (an indicator's "reference") is chosen by whoever submitted
 * the indicator.  Browsers run `javascript:` URLs, render `data:` ones,
 * and ignore leading spaces and control characters and any case in a
 * scheme, so a deny-list cannot be complete: only http and https pass,
 * spelt out at the very start.  Everything else is shown as text.
 */
#ifndef PT_URL_H
#define PT_URL_H

#define PT_URL_WEB_MAX 2048

/* 1 when s is "http://" or "https://" (any case) at its first byte,
 * followed by a host (not '/', '\\', '?', '#' or the end), and every byte
 * is printable ASCII without spaces, at most PT_URL_WEB_MAX bytes; else
 * 0 (NULL included). */
int pt_url_is_web(const char *s);

#endif /* PT_URL_H */
