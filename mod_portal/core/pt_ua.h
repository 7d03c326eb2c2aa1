/*
 * pt_ua.h -- a person-readable name for a browser's User-Agent string.
 *
 * The dashboard lists where an account is signed in; "Firefox on Windows"
 * says more to a person than the raw header.  Unknown agents come back as
 * their first 60 characters.
 */
#ifndef PT_UA_H
#define PT_UA_H

#include <apr_pools.h>

/* "Chrome on Linux", "Safari on iPhone", "curl", ... (never NULL). */
const char *pt_ua_summary(apr_pool_t *p, const char *ua);

#endif /* PT_UA_H */
