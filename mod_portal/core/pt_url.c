/*
 * pt_url.c -- the link classifier of pt_url.h.
 */
#include <string.h>
#include <strings.h>

#include "pt_url.h"

int pt_url_is_web(const char *s)
{
    const unsigned char *c;
    const char *host;
    size_t n = 0;

    if (!s) {
        return 0;
    }
    if (!strncasecmp(s, "http://", 7)) {
        host = s + 7;
    }
    else if (!strncasecmp(s, "https://", 8)) {
        host = s + 8;
    }
    else {
        return 0;
    }
    if (!*host || strchr("/\\?#", *host)) {
        return 0;
    }
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c <= 0x20 || *c >= 0x7f || ++n > PT_URL_WEB_MAX) {
            return 0;
        }
    }
    return 1;
}
