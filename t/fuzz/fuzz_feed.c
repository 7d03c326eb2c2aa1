/*
 * fuzz_feed.c -- libFuzzer target for the threat-intelligence feed parsers.
 *
 * The first byte picks one of the nine formats (modulo 9, in the order of
 * pt_feed_formats()); the rest is the body.  Every indicator handed to
 * each() must keep the promises of pt_ioc.h: type, value, source and tags
 * set, source the format's, the value a fixed point of
 * pt_ioc_normalise_value(), tags "a,b" without blanks around commas or
 * empty tags, confidence -1..100.  The parse must return success or
 * APR_EGENERAL with a message naming the format, count exactly the calls of
 * each(), and when there was a row, stop at the first one with each()'s own
 * status.  Any broken promise aborts, so libFuzzer (or replay.c under the
 * sanitizers) reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_ioc.h"

static int initialized;

typedef struct fuzz_baton_t {
    apr_pool_t *pool;
    const char *source;
    apr_int64_t calls;
    int stop_first;
} fuzz_baton_t;

static void check_tags(const char *t)
{
    apr_size_t n = strlen(t), i;

    if (n == 0) {
        return;
    }
    if (t[0] == ',' || t[n - 1] == ',' || t[0] == ' ' || t[n - 1] == ' ') {
        abort();
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];

        if (c < 0x20 || c == 0x7f) {
            abort();
        }
        if (c == ',' && (t[i + 1] == ',' || t[i + 1] == ' '
                         || t[i + 1] == '\t' || t[i - 1] == ' '
                         || t[i - 1] == '\t')) {
            abort();
        }
    }
}

static void check_opt(const char *s)
{
    if (s && *s == '\0') {
        abort();                       /* NULL means unknown, never "" */
    }
}

static apr_status_t each(void *baton, const pt_ioc_t *ioc)
{
    fuzz_baton_t *b = baton;
    const char *again;

    b->calls++;
    if (!ioc->type || !ioc->value || !ioc->source || !ioc->tags) {
        abort();
    }
    if (strcmp(ioc->source, b->source) != 0) {
        abort();
    }
    again = pt_ioc_normalise_value(b->pool, ioc->type, ioc->value);
    if (!again || strcmp(again, ioc->value) != 0) {
        abort();
    }
    if (ioc->confidence < -1 || ioc->confidence > 100) {
        abort();
    }
    check_tags(ioc->tags);
    check_opt(ioc->threat);
    check_opt(ioc->malware);
    check_opt(ioc->reference);
    return b->stop_first ? APR_EINTR : APR_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *const *formats = pt_feed_formats();
    const char *format;
    fuzz_baton_t b;
    pt_feed_stats_t st;
    apr_pool_t *p;
    pt_err_t err;
    apr_status_t rv;
    int nformats = 0;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (size < 1) {
        return 0;
    }
    while (formats[nformats]) {
        nformats++;
    }
    format = formats[data[0] % nformats];
    apr_pool_create(&p, NULL);

    memset(&b, 0, sizeof(b));
    b.pool = p;
    b.source = pt_feed_source(format);
    memset(&err, 0, sizeof(err));
    rv = pt_feed_parse(p, format, (const char *)data + 1, size - 1, each, &b,
                       &st, &err);
    if (rv != APR_SUCCESS
        && (rv != APR_EGENERAL || !err.what || !err.where
            || strcmp(err.where, format) != 0)) {
        abort();
    }
    if (st.rows != b.calls || st.rows < 0 || st.skipped < 0) {
        abort();
    }

    if (b.calls > 0) {
        apr_int64_t had = b.calls;

        b.calls = 0;
        b.stop_first = 1;
        memset(&err, 0, sizeof(err));
        rv = pt_feed_parse(p, format, (const char *)data + 1, size - 1, each,
                           &b, &st, &err);
        if (rv != APR_EINTR || b.calls != 1 || st.rows != 1 || !err.what
            || had < 1) {
            abort();
        }
    }

    /* The date parser on a short prefix of the raw input. */
    {
        char buf[40];
        apr_size_t n = size - 1 < sizeof(buf) - 1 ? size - 1
                                                  : sizeof(buf) - 1;
        apr_int64_t t;

        memcpy(buf, data + 1, n);
        buf[n] = '\0';
        (void)pt_ioc_time_parse(buf, &t);
    }

    apr_pool_destroy(p);
    return 0;
}
