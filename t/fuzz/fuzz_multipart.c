/*
 * fuzz_multipart.c -- libFuzzer target for the streaming multipart parser.
 *
 * The first byte of an input picks a split position, the rest is a body
 * with the fixed boundary "fuzzB".  The body is parsed three times: in one
 * piece, in two pieces split at that position, and (when short) one byte
 * at a time.  The three runs must agree exactly -- same callbacks, same
 * data bytes, same status and message, same pt_mp_in_part() -- because
 * where a network read ends must never change what the parser sees.  The
 * callbacks check their own contract (begin/data/end order, no empty data,
 * NUL-terminated names) and a part named "fail" makes begin() return
 * APR_ENOSPC, which must come back unchanged with err untouched.  The
 * first line of the body (up to CR, LF or 256 bytes) also goes to
 * pt_mp_boundary(), whose answer must be a valid boundary that
 * pt_mp_create() accepts.  Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_multipart.h"

#define FUZZ_BOUNDARY "fuzzB"

static int initialized;
static const char sentinel[] = "untouched";

typedef struct run_t {
    pt_mp_t *mp;
    int in_part;
    uint64_t hash;              /* FNV-1a over events and data */
    apr_size_t bytes;
    apr_status_t rv;
    const char *what;
    int final_in_part;
} run_t;

static void mix(run_t *r, const void *buf, apr_size_t len)
{
    const unsigned char *u = buf;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        r->hash = (r->hash ^ u[i]) * 1099511628211ULL;
    }
}

static void mix_str(run_t *r, const char *s)
{
    if (!s) {
        mix(r, "\1N", 2);
        return;
    }
    if (strlen(s) > PT_MP_MAX_HEADER) {
        abort();
    }
    mix(r, s, strlen(s) + 1);
}

static apr_status_t on_begin(void *baton, const pt_mp_part_t *part)
{
    run_t *r = baton;

    if (r->in_part || !part || !part->name || !pt_mp_in_part(r->mp)) {
        abort();
    }
    r->in_part = 1;
    mix(r, "\2B", 2);
    mix_str(r, part->name);
    mix_str(r, part->filename);
    mix_str(r, part->content_type);
    if (strcmp(part->name, "fail") == 0) {
        return APR_ENOSPC;
    }
    return APR_SUCCESS;
}

static apr_status_t on_data(void *baton, const char *buf, apr_size_t len)
{
    run_t *r = baton;

    if (!r->in_part || len == 0 || !buf || !pt_mp_in_part(r->mp)) {
        abort();
    }
    r->bytes += len;
    mix(r, buf, len);
    return APR_SUCCESS;
}

static apr_status_t on_end(void *baton)
{
    run_t *r = baton;

    if (!r->in_part || pt_mp_in_part(r->mp)) {
        abort();
    }
    r->in_part = 0;
    mix(r, "\3E", 2);
    return APR_SUCCESS;
}

static const pt_mp_cb_t callbacks = { on_begin, on_data, on_end };

/* Feed body[0..len) in pieces of step bytes, the first one first bytes
 * long (when first > 0), then finish. */
static void run(apr_pool_t *p, const char *body, apr_size_t len,
                apr_size_t first, apr_size_t step, run_t *r)
{
    apr_size_t at = 0;
    pt_err_t err;

    memset(r, 0, sizeof(*r));
    r->hash = 14695981039346656037ULL;
    if (pt_mp_create(p, FUZZ_BOUNDARY, &callbacks, r, &r->mp)
        != APR_SUCCESS) {
        abort();
    }
    memset(&err, 0, sizeof(err));
    err.what = sentinel;
    while (at < len) {
        apr_size_t n = (at == 0 && first > 0) ? first : step;

        if (n > len - at) {
            n = len - at;
        }
        r->rv = pt_mp_feed(r->mp, body + at, n, &err);
        if (r->rv != APR_SUCCESS) {
            break;
        }
        at += n;
    }
    if (r->rv == APR_SUCCESS) {
        r->rv = pt_mp_finish(r->mp, &err);
        if (r->rv != APR_SUCCESS && r->rv != APR_EINCOMPLETE) {
            abort();
        }
    }
    else if (r->rv == APR_ENOSPC) {
        /* A callback's status: err untouched. */
        if (err.what != sentinel) {
            abort();
        }
    }
    else if (r->rv != APR_EINVAL) {
        abort();
    }
    if (r->rv != APR_SUCCESS && r->rv != APR_ENOSPC
        && (!err.what || err.what == sentinel)) {
        abort();
    }
    r->what = err.what;
    r->final_in_part = pt_mp_in_part(r->mp);
    if (r->final_in_part != r->in_part) {
        abort();
    }
    /* After an error everything is refused with the same status. */
    if (r->rv != APR_SUCCESS && r->rv != APR_EINCOMPLETE) {
        apr_size_t bytes = r->bytes;

        if (pt_mp_feed(r->mp, "\r\n", 2, &err) != r->rv
            || pt_mp_finish(r->mp, &err) != r->rv || r->bytes != bytes) {
            abort();
        }
    }
}

static void same(const run_t *a, const run_t *b)
{
    if (a->rv != b->rv || a->hash != b->hash || a->bytes != b->bytes
        || a->final_in_part != b->final_in_part) {
        abort();
    }
    if (a->rv != APR_ENOSPC && strcmp(a->what, b->what) != 0) {
        abort();
    }
}

static void check_boundary(apr_pool_t *p, const char *s, apr_size_t len)
{
    const char *ct, *b = NULL;
    pt_err_t err;
    pt_mp_t *mp;
    apr_size_t i;

    if (len > 256) {
        len = 256;
    }
    for (i = 0; i < len && s[i] != '\r' && s[i] != '\n'; i++) {
    }
    len = i;
    ct = apr_pstrmemdup(p, s, len);    /* stops at a NUL too */
    memset(&err, 0, sizeof(err));
    if (pt_mp_boundary(p, ct, &b, &err) == APR_SUCCESS) {
        if (!b || !*b || strlen(b) > PT_MP_MAX_BOUNDARY
            || !pt_mp_boundary_valid(b)
            || pt_mp_create(p, b, &callbacks, NULL, &mp) != APR_SUCCESS) {
            abort();
        }
    }
    else if (b != NULL || !err.what) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *body;
    apr_size_t len, split;
    run_t whole, halves, bytes;

    if (size < 1) {
        return 0;
    }
    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    body = (const char *)data + 1;
    len = size - 1;
    split = len * data[0] / 255;

    run(p, body, len, 0, len > 0 ? len : 1, &whole);
    run(p, body, len, split, len > 0 ? len : 1, &halves);
    same(&whole, &halves);
    if (len <= 4096) {
        run(p, body, len, 0, 1, &bytes);
        same(&whole, &bytes);
    }
    check_boundary(p, body, len);

    apr_pool_destroy(p);
    return 0;
}
