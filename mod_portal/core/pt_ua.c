/*
 * pt_ua.c -- User-Agent to "Browser on System" (see pt_ua.h).
 *
 * Order matters: Edge and Opera say "Chrome", Chrome says "Safari", and
 * every Android phone says "Linux".
 */
#include <string.h>
#include <apr_strings.h>

#include "pt_ua.h"

typedef struct ua_match_t {
    const char *needle;
    const char *name;
} ua_match_t;

static const ua_match_t browsers[] = {
    { "Edg/", "Edge" }, { "OPR/", "Opera" }, { "Firefox/", "Firefox" },
    { "HeadlessChrome/", "Headless Chrome" }, { "Chrome/", "Chrome" },
    { "Chromium/", "Chromium" }, { "Safari/", "Safari" },
    { "curl/", "curl" }, { "Wget/", "Wget" }, { "libwww-perl", "Perl LWP" },
    { NULL, NULL }
};

static const ua_match_t systems[] = {
    { "iPhone", "iPhone" }, { "iPad", "iPad" }, { "Android", "Android" },
    { "Windows", "Windows" }, { "Mac OS X", "macOS" },
    { "CrOS", "ChromeOS" }, { "Linux", "Linux" }, { NULL, NULL }
};

static const char *find(const ua_match_t *m, const char *ua)
{
    for (; m->needle; m++) {
        if (strstr(ua, m->needle)) {
            return m->name;
        }
    }
    return NULL;
}

const char *pt_ua_summary(apr_pool_t *p, const char *ua)
{
    const char *browser, *system;

    if (!ua || !*ua) {
        return "Unknown browser";
    }
    browser = find(browsers, ua);
    system = find(systems, ua);
    if (browser && system) {
        return apr_pstrcat(p, browser, " on ", system, NULL);
    }
    if (browser || system) {
        return browser ? browser : apr_pstrcat(p, "A browser on ", system,
                                               NULL);
    }
    return apr_pstrndup(p, ua, 60);
}
