/*
 * test_multipart.c -- unit tests of pt_multipart.c: boundary extraction,
 * fields and files, every way of splitting a body across pt_mp_feed()
 * calls, content that looks like a delimiter, binary content, a 50 MiB
 * body parsed with flat memory, filename* and quoted parameters,
 * truncated bodies, every malformed case and callback errors.
 *
 * A recorder turns the callbacks into a log, "<name;filename;type>" for
 * begin (NULL as "(null)"), the data bytes as they are, "</>" for end, so
 * that a whole parse is one string to compare.
 */
#include <stdint.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "pt_buf.h"
#include "pt_multipart.h"
#include "pt_test.h"

#define B "XyZ-42_b"    /* the boundary of most tests */

typedef struct rec_t {
    pt_mp_t *mp;
    pt_buf_t log;
    int broken;                 /* a callback contract was broken */
    int in_part;                /* begin seen, end not yet */
    int calls;                  /* data calls */
    apr_size_t bytes;           /* data bytes */
    uint64_t hash;              /* FNV-1a of the data bytes */
    int keep;                   /* log data bytes (0 for huge bodies) */
    apr_status_t fail_begin, fail_data, fail_end;
} rec_t;

static apr_status_t rec_begin(void *baton, const pt_mp_part_t *part)
{
    rec_t *r = baton;

    if (r->in_part || !part->name || !pt_mp_in_part(r->mp)) {
        r->broken = 1;
    }
    r->in_part = 1;
    pt_buf_puts(&r->log, "<");
    pt_buf_puts(&r->log, part->name ? part->name : "(null)");
    pt_buf_puts(&r->log, ";");
    pt_buf_puts(&r->log, part->filename ? part->filename : "(null)");
    pt_buf_puts(&r->log, ";");
    pt_buf_puts(&r->log, part->content_type ? part->content_type : "(null)");
    pt_buf_puts(&r->log, ">");
    return r->fail_begin;
}

static apr_status_t rec_data(void *baton, const char *buf, apr_size_t len)
{
    rec_t *r = baton;
    apr_size_t i;

    if (!r->in_part || len == 0 || !pt_mp_in_part(r->mp)) {
        r->broken = 1;
    }
    r->calls++;
    r->bytes += len;
    for (i = 0; i < len; i++) {
        r->hash = (r->hash ^ (unsigned char)buf[i]) * 1099511628211ULL;
    }
    if (r->keep) {
        pt_buf_append(&r->log, buf, len);
    }
    return r->fail_data;
}

static apr_status_t rec_end(void *baton)
{
    rec_t *r = baton;

    if (!r->in_part || pt_mp_in_part(r->mp)) {
        r->broken = 1;
    }
    r->in_part = 0;
    pt_buf_puts(&r->log, "</>");
    return r->fail_end;
}

static const pt_mp_cb_t rec_cb = { rec_begin, rec_data, rec_end };

static void rec_init(rec_t *r, apr_pool_t *p)
{
    memset(r, 0, sizeof(*r));
    pt_buf_init(&r->log, p, 256, 1 << 20);
    r->hash = 14695981039346656037ULL;
    r->keep = 1;
}

/*
 * Parse body[0..len) with boundary b, fed in the pieces that the sorted
 * offsets cuts[0..ncuts) make, then finish.  The first status that is not
 * APR_SUCCESS (or finish's); *r has the log, *err the message.
 */
static apr_status_t run_cuts(apr_pool_t *p, const char *b, const char *body,
                             apr_size_t len, const apr_size_t *cuts,
                             int ncuts, rec_t *r, pt_err_t *err)
{
    apr_size_t at = 0;
    apr_status_t rv;
    int i;

    memset(err, 0, sizeof(*err));
    if (pt_mp_create(p, b, &rec_cb, r, &r->mp) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    for (i = 0; i <= ncuts; i++) {
        apr_size_t to = i < ncuts ? cuts[i] : len;

        rv = pt_mp_feed(r->mp, body + at, to - at, err);
        if (rv) {
            return rv;
        }
        at = to;
    }
    return pt_mp_finish(r->mp, err);
}

/* The same, fed step bytes at a time. */
static apr_status_t run_step(apr_pool_t *p, const char *b, const char *body,
                             apr_size_t len, apr_size_t step, rec_t *r,
                             pt_err_t *err)
{
    apr_size_t at;
    apr_status_t rv;

    memset(err, 0, sizeof(*err));
    if (pt_mp_create(p, b, &rec_cb, r, &r->mp) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    for (at = 0; at < len; at += step) {
        rv = pt_mp_feed(r->mp, body + at, len - at < step ? len - at : step,
                        err);
        if (rv) {
            return rv;
        }
    }
    return pt_mp_finish(r->mp, err);
}

/* Parse a C string in one piece and check status and log. */
static void parses(apr_pool_t *p, const char *b, const char *body,
                   apr_status_t want_rv, const char *want_log,
                   const char *what)
{
    rec_t r;
    pt_err_t err;
    apr_status_t rv;

    rec_init(&r, p);
    rv = run_cuts(p, b, body, strlen(body), NULL, 0, &r, &err);
    PT_OK(rv == want_rv && !r.broken, "%s: status %d (%s)", what, rv,
          err.what ? err.what : "no message");
    PT_IS_STR(r.log.data, want_log, "%s: callbacks", what);
}

/*
 * body must be refused with APR_EINVAL and exactly the message want,
 * whether fed whole or byte by byte; log is what the callbacks saw.
 */
static void refused(apr_pool_t *p, const char *body, const char *want,
                    const char *want_log, const char *what)
{
    rec_t r1, r2;
    pt_err_t e1, e2;
    apr_status_t rv1, rv2;

    rec_init(&r1, p);
    rec_init(&r2, p);
    rv1 = run_cuts(p, B, body, strlen(body), NULL, 0, &r1, &e1);
    rv2 = run_step(p, B, body, strlen(body), 1, &r2, &e2);
    PT_OK(rv1 == APR_EINVAL && rv2 == APR_EINVAL && !r1.broken
          && !r2.broken, "%s: refused", what);
    PT_IS_STR(e1.what, want, "%s: message", what);
    PT_IS_STR(e2.what, want, "%s: same message fed byte by byte", what);
    PT_IS_STR(r1.log.data, want_log, "%s: callbacks before the error", what);
    PT_IS_STR(r2.log.data, want_log, "%s: same callbacks byte by byte",
              what);
}

static void test_boundary(apr_pool_t *p)
{
    static const struct {
        const char *ct, *want;
    } good[] = {
        { "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZ",
          "----WebKitFormBoundary7MA4YWxkTrZ" },
        { "Multipart/Form-Data; BOUNDARY=\"a b:c'()+_,-./=?\"",
          "a b:c'()+_,-./=?" },
        { "multipart/form-data; charset=utf-8; boundary=xyz", "xyz" },
        { "multipart/form-data;boundary=xyz;charset=\"utf-8\"", "xyz" },
        { "  multipart/form-data ;  boundary = abc  ", "abc" },
        { "multipart/form-data; boundary="
          "12345678901234567890123456789012345"
          "67890123456789012345678901234567890",
          "12345678901234567890123456789012345"
          "67890123456789012345678901234567890" },
    };
    static const struct {
        const char *ct, *msg;
    } bad[] = {
        { NULL, "the request has no Content-Type "
          "(multipart/form-data expected)" },
        { "application/x-www-form-urlencoded",
          "the request body is not multipart/form-data" },
        { "multipart/mixed; boundary=abc",
          "the request body is not multipart/form-data" },
        { "multipart/form-dataX; boundary=abc",
          "the request body is not multipart/form-data" },
        { "multipart/form-data",
          "the multipart/form-data Content-Type has no boundary" },
        { "multipart/form-data; charset=utf-8",
          "the multipart/form-data Content-Type has no boundary" },
        { "multipart/form-data; boundary=a; boundary=b",
          "the multipart/form-data Content-Type has more than one boundary" },
        { "multipart/form-data; boundary=\"abc",
          "malformed parameters in the multipart/form-data Content-Type" },
        { "multipart/form-data; boundary",
          "malformed parameters in the multipart/form-data Content-Type" },
        { "multipart/form-data boundary=abc",
          "malformed parameters in the multipart/form-data Content-Type" },
    };
    static const char *invalid[] = {
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"abc \"",
        "multipart/form-data; boundary=ab<c",
        "multipart/form-data; boundary=\"a\\\"b\"",
        "multipart/form-data; boundary=\xc3\xa9t\xc3\xa9",
        "multipart/form-data; boundary="
        "12345678901234567890123456789012345"
        "678901234567890123456789012345678901",
        "multipart/form-data; boundary=\"q\\\\\"; x=1",
    };
    const char *got;
    pt_err_t err;
    apr_status_t rv;
    pt_mp_t *mp;
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(&err, 0, sizeof(err));
        got = NULL;
        rv = pt_mp_boundary(p, good[i].ct, &got, &err);
        PT_OK(rv == APR_SUCCESS, "accepted: %s", good[i].ct);
        PT_IS_STR(got, good[i].want, "boundary of '%s'", good[i].ct);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        got = "x";
        rv = pt_mp_boundary(p, bad[i].ct, &got, &err);
        PT_OK(rv == APR_EINVAL && got == NULL, "refused: %s",
              bad[i].ct ? bad[i].ct : "(null)");
        PT_IS_STR(err.what, bad[i].msg, "message for %s",
                  bad[i].ct ? bad[i].ct : "(null)");
    }
    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        memset(&err, 0, sizeof(err));
        rv = pt_mp_boundary(p, invalid[i], &got, &err);
        PT_OK(rv == APR_EINVAL && err.what
              && !strncmp(err.what, "the multipart boundary is invalid", 33),
              "invalid boundary refused: %s", invalid[i]);
    }
    PT_OK(pt_mp_create(p, "", &rec_cb, NULL, &mp) == APR_EINVAL
          && mp == NULL, "create: empty boundary refused");
    PT_OK(pt_mp_create(p, "a\r\nb", &rec_cb, NULL, &mp) == APR_EINVAL,
          "create: CRLF in a boundary refused");
    PT_OK(pt_mp_create(p, "abc", NULL, NULL, &mp) == APR_EINVAL,
          "create: NULL callbacks refused");
    PT_OK(pt_mp_boundary_valid("a b") && !pt_mp_boundary_valid("a ")
          && !pt_mp_boundary_valid(NULL), "pt_mp_boundary_valid");
}

static void test_fields(apr_pool_t *p)
{
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"title\"\r\n"
           "\r\n"
           "Hello, world\r\n"
           "--" B "--\r\n",
           APR_SUCCESS, "<title;(null);(null)>Hello, world</>",
           "single field");

    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
           "1\r\n"
           "--" B "\r\n"
           "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
           "two\r\nlines\r\n"
           "--" B "\r\n"
           "Content-Disposition: form-data; name=\"doc\"; "
           "filename=\"report.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n"
           "%PDF-1.4\r\n"
           "--" B "\r\n"
           "Content-Disposition: form-data; name=\"pic\"; "
           "filename=\"a.png\"\r\n"
           "Content-Type:image/png  \r\n\r\n"
           "\x89PNG\r\n"
           "--" B "--",
           APR_SUCCESS,
           "<a;(null);(null)>1</><b;(null);(null)>two\r\nlines</>"
           "<doc;report.pdf;application/pdf>%PDF-1.4</>"
           "<pic;a.png;image/png>\x89PNG</>",
           "fields and files");

    parses(p, B, "This is the preamble.\r\n--" B "\r\n"
           "Content-Disposition: form-data; name=\"x\"\r\n\r\n"
           "v\r\n--" B "--\r\nThe epilogue\r\n--" B "\r\ngarbage",
           APR_SUCCESS, "<x;(null);(null)>v</>",
           "preamble and epilogue are ignored");
    parses(p, B, "\r\n--" B "\r\n"
           "Content-Disposition: form-data; name=\"x\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<x;(null);(null)>v</>",
           "a body starting with CRLF delimiter");
    parses(p, B, "--" B " \t \r\n"
           "Content-Disposition: form-data; name=\"x\"\r\n\r\n"
           "v\r\n--" B "\t\r\n"
           "Content-Disposition: form-data; name=\"y\"\r\n\r\n"
           "\r\n--" B "--",
           APR_SUCCESS, "<x;(null);(null)>v</><y;(null);(null)></>",
           "transport padding after boundaries");
    parses(p, B, "--" B "--\r\n", APR_SUCCESS, "", "a body without parts");
    parses(p, B, "--" B "\r\n"
           "content-disposition: FORM-DATA; NAME=\"x\"\r\n"
           "CONTENT-TYPE: text/plain; charset=utf-8\r\n"
           "X-Other: ignored\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<x;(null);text/plain; charset=utf-8>v</>",
           "header names, disposition and parameters are case-insensitive");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data;\r\n"
           "\tname=\"folded\";\r\n"
           "  filename=\"f.txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<folded;f.txt;(null)>v</>", "folded header lines");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=field1; filename=r.pdf;"
           " size=42;\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<field1;r.pdf;(null)>v</>",
           "token parameters, unknown parameters, trailing ';'");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<;(null);(null)>v</>", "name=\"\" gives \"\"");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"up\"; filename=\"\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n"
           "\r\n--" B "\r\n"
           "Content-Disposition: form-data; name=\"e\"; "
           "filename=\"empty.txt\"\r\n"
           "Content-Type: text/plain\r\n\r\n"
           "\r\n--" B "--\r\n",
           APR_SUCCESS,
           "<up;;application/octet-stream></><e;empty.txt;text/plain></>",
           "no file chosen (filename \"\") and an empty file");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
           "x--" B "--y\n--" B "\r--" B "\r\n-\r\n--XyZ-42_\r\n--\r\n"
           "\r\n--" B "--",
           APR_SUCCESS,
           "<a;(null);(null)>x--" B "--y\n--" B "\r--" B
           "\r\n-\r\n--XyZ-42_\r\n--\r\n</>",
           "boundary without CRLF in front and near misses are data");
}

static void test_params(apr_pool_t *p)
{
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"a\\\"b\"; "
           "filename=\"say \\\"hi\\\".txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<a\"b;say \"hi\".txt;(null)>v</>",
           "escaped quotes in quoted parameters");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename=\"C:\\\\dir\\\\x.txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;C:\\dir\\x.txt;(null)>v</>",
           "escaped backslashes");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename=\"C:\\dir\\x.txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;C:\\dir\\x.txt;(null)>v</>",
           "a backslash before other characters is literal (IE paths)");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename=\"na\xc3\xafve %22q%22;x.txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;na\xc3\xafve %22q%22;x.txt;(null)>v</>",
           "filename= is raw: UTF-8, ';' and %22 kept as sent");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename=\"fallback.txt\"; "
           "filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;\xe2\x82\xac rates.txt;(null)>v</>",
           "filename* (UTF-8) wins over filename=");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename*=utf-8'en'%c3%a9t%C3%A9.txt; "
           "filename=\"fallback.txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;\xc3\xa9t\xc3\xa9.txt;(null)>v</>",
           "filename* wins when it comes first, charset case-insensitive");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename*=ISO-8859-1''%A3%20rates\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;\xc2\xa3 rates;(null)>v</>",
           "filename* in ISO-8859-1 becomes UTF-8");
    parses(p, B, "--" B "\r\n"
           "Content-Disposition: form-data; name=\"f\"; "
           "filename*=KOI8-R''%C1; filename=\"plain.txt\"\r\n\r\n"
           "v\r\n--" B "--",
           APR_SUCCESS, "<f;plain.txt;(null)>v</>",
           "filename* in another charset: filename= is used");
}

/* The ~300-byte body of the split tests and what it must give. */
static const char split_body[] =
    "preamble\r\n--" B "\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
    "Hello\r\n"
    "--" B " \t\r\n"
    "Content-Disposition: form-data; name=\"up\"; filename=\"a.bin\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
    "\r\n--XyZ-42_\r\r\n-\r\n--X\0\r--" B "\n--" B "\r\n\r\n\r\n-"
    "\r\n--" B "\r\n"
    "Content-Disposition: form-data; name=\"e\"; filename=\"\"\r\n\r\n"
    "\r\n--" B "--\r\nepilogue";
static const char split_log[] =
    "<title;(null);(null)>Hello</>"
    "<up;a.bin;application/octet-stream>"
    "\r\n--XyZ-42_\r\r\n-\r\n--X\0\r--" B "\n--" B "\r\n\r\n\r\n-</>"
    "<e;;(null)></>";

static int same_log(const rec_t *r, const char *want, apr_size_t len)
{
    return r->log.len == len && memcmp(r->log.data, want, len) == 0;
}

static void test_splits(apr_pool_t *p)
{
    apr_size_t len = sizeof(split_body) - 1, i, j, cuts[2];
    apr_size_t loglen = sizeof(split_log) - 1;
    int bad2 = 0, bad3 = 0, n3 = 0;
    apr_pool_t *sub;
    rec_t r;
    pt_err_t err;
    apr_status_t rv;

    apr_pool_create(&sub, p);
    rec_init(&r, sub);
    rv = run_cuts(sub, B, split_body, len, NULL, 0, &r, &err);
    PT_OK(rv == APR_SUCCESS && !r.broken && same_log(&r, split_log, loglen),
          "split body (%d bytes) in one piece", (int)len);

    for (i = 1; i <= 7; i++) {
        apr_pool_clear(sub);
        rec_init(&r, sub);
        rv = run_step(sub, B, split_body, len, i, &r, &err);
        PT_OK(rv == APR_SUCCESS && !r.broken
              && same_log(&r, split_log, loglen),
              "split body fed %d byte(s) at a time", (int)i);
    }
    for (i = 0; i <= len; i++) {
        apr_pool_clear(sub);
        rec_init(&r, sub);
        cuts[0] = i;
        rv = run_cuts(sub, B, split_body, len, cuts, 1, &r, &err);
        if (rv != APR_SUCCESS || r.broken
            || !same_log(&r, split_log, loglen)) {
            bad2++;
        }
    }
    PT_OK(bad2 == 0, "every 2-way split gives the same parts (%d bad)",
          bad2);
    for (i = 0; i <= len; i++) {
        for (j = i; j <= len; j++) {
            apr_pool_clear(sub);
            rec_init(&r, sub);
            cuts[0] = i;
            cuts[1] = j;
            rv = run_cuts(sub, B, split_body, len, cuts, 2, &r, &err);
            n3++;
            if (rv != APR_SUCCESS || r.broken
                || !same_log(&r, split_log, loglen)) {
                bad3++;
            }
        }
    }
    PT_OK(bad3 == 0, "every 3-way split (%d) gives the same parts "
          "(%d bad)", n3, bad3);
    apr_pool_destroy(sub);
}

static void test_binary(apr_pool_t *p)
{
    char content[3 * 256 + 16];
    const char *head = "--" B "\r\nContent-Disposition: form-data; "
                       "name=\"bin\"; filename=\"b\"\r\n\r\n";
    const char *tail = "\r\n--" B "--\r\n";
    const char *want_head = "<bin;b;(null)>";
    char *body, *want;
    apr_size_t n = 0, hl = strlen(head), tl = strlen(tail), i;
    apr_size_t wl = strlen(want_head);
    rec_t r1, r2;
    pt_err_t err;
    apr_status_t rv1, rv2;

    for (i = 0; i < 256; i++) {
        content[n++] = (char)i;
    }
    for (i = 0; i < 256; i++) {
        content[n++] = (char)(255 - i);
        content[n++] = (i & 1) ? '\r' : '\n';
    }
    memcpy(content + n, "\r\r\n\0\r\n-\r\n--\0\r\n--", 16);
    n += 16;
    body = apr_palloc(p, hl + n + tl);
    memcpy(body, head, hl);
    memcpy(body + hl, content, n);
    memcpy(body + hl + n, tail, tl);
    want = apr_palloc(p, wl + n + 3);
    memcpy(want, want_head, wl);
    memcpy(want + wl, content, n);
    memcpy(want + wl + n, "</>", 3);

    rec_init(&r1, p);
    rec_init(&r2, p);
    rv1 = run_cuts(p, B, body, hl + n + tl, NULL, 0, &r1, &err);
    rv2 = run_step(p, B, body, hl + n + tl, 1, &r2, &err);
    PT_OK(rv1 == APR_SUCCESS && same_log(&r1, want, wl + n + 3),
          "binary content with every byte, CR, LF and NUL");
    PT_OK(rv2 == APR_SUCCESS && same_log(&r2, want, wl + n + 3),
          "the same fed byte by byte");
}

/* The 50 MiB body: a generated stream of head, data, tail. */
typedef struct gen_t {
    const char *head, *tail;
    apr_size_t hl, tl, n;       /* n data bytes */
    apr_size_t at;              /* bytes produced */
    uint64_t rnd;
    uint64_t hash;              /* FNV-1a of the data produced */
} gen_t;

/*
 * Data byte j: xorshift noise, except that every 4099 bytes comes a near
 * miss CRLF "--" + the first k bytes of the boundary + '#' ('#' is not in
 * B, so it is never a delimiter); 4099 is prime, so the near misses fall
 * across feed boundaries at every offset over time.
 */
static char gen_data_byte(gen_t *g, apr_size_t j)
{
    static const char bnd[] = B;
    apr_size_t m = j % 4099, k = (j / 4099) % (sizeof(bnd) - 1);

    g->rnd ^= g->rnd << 13;
    g->rnd ^= g->rnd >> 7;
    g->rnd ^= g->rnd << 17;
    if (m < 4) {
        return "\r\n--"[m];
    }
    if (m < 4 + k) {
        return bnd[m - 4];
    }
    if (m == 4 + k) {
        return '#';
    }
    return (char)(g->rnd >> 24);
}

static apr_size_t gen(gen_t *g, char *out, apr_size_t max)
{
    apr_size_t o = 0, total = g->hl + g->n + g->tl;

    while (o < max && g->at < total) {
        char c;

        if (g->at < g->hl) {
            c = g->head[g->at];
        }
        else if (g->at < g->hl + g->n) {
            c = gen_data_byte(g, g->at - g->hl);
            g->hash = (g->hash ^ (unsigned char)c) * 1099511628211ULL;
        }
        else {
            c = g->tail[g->at - g->hl - g->n];
        }
        out[o++] = c;
        g->at++;
    }
    return o;
}

static void test_large(apr_pool_t *p)
{
    enum { CHUNK = 64 * 1024 };
    char *chunk = apr_palloc(p, CHUNK);
    gen_t g;
    rec_t r;
    pt_err_t err;
    apr_status_t rv = APR_SUCCESS;
    apr_size_t got, max_lag = 0, dlen = strlen("\r\n--" B);
    apr_time_t t0;
    int feeds = 0;
    long ms;

    memset(&g, 0, sizeof(g));
    g.head = "--" B "\r\nContent-Disposition: form-data; name=\"big\"; "
             "filename=\"big.bin\"\r\nContent-Type: "
             "application/octet-stream\r\n\r\n";
    g.tail = "\r\n--" B "\r\nContent-Disposition: form-data; "
             "name=\"after\"\r\n\r\nok\r\n--" B "--\r\n";
    g.hl = strlen(g.head);
    g.tl = strlen(g.tail);
    g.n = (apr_size_t)50 * 1024 * 1024;
    g.rnd = 88172645463325252ULL;
    g.hash = 14695981039346656037ULL;

    rec_init(&r, p);
    r.keep = 0;
    PT_OK(pt_mp_create(p, B, &rec_cb, &r, &r.mp) == APR_SUCCESS,
          "parser for the 50 MiB body");
    t0 = apr_time_now();
    while ((got = gen(&g, chunk, CHUNK)) > 0) {
        apr_size_t produced;

        rv = pt_mp_feed(r.mp, chunk, got, &err);
        feeds++;
        if (rv) {
            break;
        }
        /* Data produced so far minus data delivered: what the parser
         * holds.  It must stay below the delimiter's length. */
        produced = g.at <= g.hl ? 0 : g.at - g.hl;
        if (produced > g.n) {
            produced = g.n;
        }
        if (produced > r.bytes && produced - r.bytes > max_lag) {
            max_lag = produced - r.bytes;
        }
    }
    if (rv == APR_SUCCESS) {
        rv = pt_mp_finish(r.mp, &err);
    }
    ms = (long)(apr_time_as_msec(apr_time_now() - t0));
    PT_OK(rv == APR_SUCCESS && !r.broken, "50 MiB body parsed (%d feeds)",
          feeds);
    PT_OK(r.bytes == g.n + 2, "every data byte delivered (%lu)",
          (unsigned long)r.bytes);
    /* The hash of the big part only: recompute with "ok" removed. */
    {
        uint64_t h = g.hash;

        h = (h ^ (unsigned char)'o') * 1099511628211ULL;
        h = (h ^ (unsigned char)'k') * 1099511628211ULL;
        PT_OK(h == r.hash, "running checksum of the data matches");
    }
    PT_OK(max_lag < dlen, "the parser never held more than %lu bytes "
          "(delimiter: %lu)", (unsigned long)max_lag, (unsigned long)dlen);
    PT_OK(r.calls <= 2 * feeds, "data arrives in big chunks: %d calls for "
          "%d feeds", r.calls, feeds);
    PT_IS_STR(r.log.data, "<big;big.bin;application/octet-stream></>"
              "<after;(null);(null)></>", "the two parts");
    printf("# 50 MiB (generated) parsed in %ld ms\n", ms);
}

static void test_truncated(apr_pool_t *p)
{
    static const char body[] =
        "--" B "\r\nContent-Disposition: form-data; name=\"f\"; "
        "filename=\"x\"\r\n\r\nsome data\r\n--" B "--\r\n";
    apr_size_t cut = strlen(body) - strlen("\r\n--" B "--\r\n") + 3;
    rec_t r;
    pt_err_t err;
    apr_status_t rv;

    rec_init(&r, p);
    rv = run_cuts(p, B, body, cut, NULL, 0, &r, &err);
    PT_OK(rv == APR_EINCOMPLETE, "cut in a delimiter: APR_EINCOMPLETE");
    PT_IS_STR(err.what, "the upload was cut off before the end of the "
              "multipart body", "cut off message");
    PT_OK(pt_mp_in_part(r.mp) == 1, "still in the part");
    PT_IS_STR(r.log.data, "<f;x;(null)>some data",
              "the held start of the delimiter was not given as data");

    rec_init(&r, p);
    rv = run_cuts(p, B, body, 30, NULL, 0, &r, &err);
    PT_OK(rv == APR_EINCOMPLETE && pt_mp_in_part(r.mp) == 0
          && r.log.len == 0, "cut in the header block: not in a part");
    rec_init(&r, p);
    rv = run_cuts(p, B, body, strlen(body) - 3, NULL, 0, &r, &err);
    PT_OK(rv == APR_EINCOMPLETE && pt_mp_in_part(r.mp) == 0,
          "cut in the close delimiter: APR_EINCOMPLETE, not in a part");
    rec_init(&r, p);
    rv = run_cuts(p, B, body, 4, NULL, 0, &r, &err);
    PT_IS_STR(err.what, "the upload was cut off before its first "
              "multipart boundary (or the body does not use the boundary "
              "of its Content-Type)", "cut before the first boundary");
    rec_init(&r, p);
    rv = run_cuts(p, B, "", 0, NULL, 0, &r, &err);
    PT_OK(rv == APR_EINCOMPLETE, "empty body: APR_EINCOMPLETE");
    rec_init(&r, p);
    rv = run_cuts(p, "other", body, strlen(body), NULL, 0, &r, &err);
    PT_OK(rv == APR_EINCOMPLETE && r.log.len == 0,
          "wrong boundary: all preamble, APR_EINCOMPLETE");
}

static void test_malformed(apr_pool_t *p)
{
    const char *cd = "Content-Disposition: form-data; name=\"a\"\r\n";
    const char *d = "--" B "\r\n";
    pt_buf_t big;
    int i;

    refused(p, "--" B "x\r\n", "garbage after multipart boundary 1 (a "
            "boundary line must end in CRLF)", "", "--Bx");
    refused(p, apr_pstrcat(p, d, cd, "\r\nv\r\n--" B " x\r\n", NULL),
            "garbage after multipart boundary 2 (a boundary line must end "
            "in CRLF)", "<a;(null);(null)>v</>", "padding then garbage");
    refused(p, "--" B "-x", "garbage after multipart boundary 1 (a "
            "boundary line must end in CRLF)", "", "--B-x");
    refused(p, "--" B "\rx", "garbage after multipart boundary 1 (a "
            "boundary line must end in CRLF)", "", "--B CR x");
    refused(p, "--" B "\n", "garbage after multipart boundary 1 (a "
            "boundary line must end in CRLF)", "", "--B LF");
    refused(p, apr_pstrcat(p, d, "Content-Type: text/plain\r\n\r\nv\r\n--"
                           B "--", NULL),
            "part 1 has no Content-Disposition header", "",
            "no Content-Disposition");
    refused(p, apr_pstrcat(p, d, "\r\nv\r\n--" B "--", NULL),
            "part 1 has no Content-Disposition header", "",
            "empty header block");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: attachment; "
                           "name=\"a\"\r\n\r\n", NULL),
            "part 1: Content-Disposition is not form-data", "",
            "attachment");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data\r\n\r\n",
                           NULL),
            "part 1: Content-Disposition has no name", "", "no name");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "filename=\"x\"\r\n\r\n", NULL),
            "part 1: Content-Disposition has no name", "",
            "filename but no name");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"a\r\n\r\n", NULL),
            "part 1: malformed Content-Disposition parameters", "",
            "unterminated quote");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=a b\r\n\r\n", NULL),
            "part 1: malformed Content-Disposition parameters", "",
            "space in a token");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"a\"; NAME=\"b\"\r\n\r\n", NULL),
            "part 1: Content-Disposition has two NAME parameters", "",
            "two names");
    refused(p, apr_pstrcat(p, d, cd, cd, "\r\n", NULL),
            "part 1: two Content-Disposition headers", "",
            "two Content-Disposition headers");
    refused(p, apr_pstrcat(p, d, cd, "Content-Type: a\r\ncontent-type: b"
                           "\r\n\r\n", NULL),
            "part 1: two content-type headers", "", "two Content-Types");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"f\"; filename*=UTF-8''%E2%82\r\n\r\n",
                           NULL),
            "part 1: malformed filename* (RFC 8187) in Content-Disposition",
            "", "filename* with invalid UTF-8");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"f\"; filename*=UTF-8''a%2\r\n\r\n", NULL),
            "part 1: malformed filename* (RFC 8187) in Content-Disposition",
            "", "filename* with a bad escape");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"f\"; filename*=UTF-8''a%00\r\n\r\n",
                           NULL),
            "part 1: malformed filename* (RFC 8187) in Content-Disposition",
            "", "filename* with NUL");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"f\"; filename*=a.txt\r\n\r\n", NULL),
            "part 1: malformed filename* (RFC 8187) in Content-Disposition",
            "", "filename* without charset");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"f\"; filename*=KOI8-R''%C1\r\n\r\n",
                           NULL),
            "part 1: filename* uses a charset other than UTF-8 and "
            "ISO-8859-1", "", "unsupported charset without fallback");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data;\r name=\"a\""
                           "\r\n\r\n", NULL),
            "part 1: bare CR in the header block", "", "bare CR");
    refused(p, apr_pstrcat(p, d, "Content-Disposition: form-data; "
                           "name=\"a\"\n\r\n", NULL),
            "part 1: a header line ends in a bare LF (CRLF expected)", "",
            "bare LF");
    refused(p, apr_pstrcat(p, d, cd, "\n", NULL),
            "part 1: a header line ends in a bare LF (CRLF expected)", "",
            "bare LF as the empty line");
    refused(p, apr_pstrcat(p, d, " x: y\r\n", cd, "\r\n", NULL),
            "part 1: the header block starts with a continuation line", "",
            "continuation first");
    refused(p, apr_pstrcat(p, d, "Content Disposition: form-data\r\n",
                           NULL),
            "part 1: malformed header line (\"Name: value\" expected)", "",
            "space in a header name");
    refused(p, apr_pstrcat(p, d, ": x\r\n", NULL),
            "part 1: malformed header line (\"Name: value\" expected)", "",
            "empty header name");
    refused(p, apr_pstrcat(p, d, cd, "hello\r\n--" B "--\r\n", NULL),
            "part 1: malformed header line (\"Name: value\" expected)", "",
            "missing CRLF after the header block (data follows)");
    refused(p, apr_pstrcat(p, d, cd, "--" B "--\r\n", NULL),
            "part 1: the header block does not end with an empty line "
            "(CRLF)", "", "missing CRLF after the header block (boundary)");
    refused(p, apr_pstrcat(p, d, cd, "\r\nv\r\n", d, "X: 1\r\n\r\n", NULL),
            "part 2 has no Content-Disposition header",
            "<a;(null);(null)>v</>", "error in the second part");

    /* NUL in a header: the C-string helper cannot carry it. */
    {
        static const char nul[] = "--" B "\r\nContent-Disposition: "
                                  "form-data; name=\"a\0b\"\r\n\r\n";
        rec_t r;
        pt_err_t err;
        apr_status_t rv;

        rec_init(&r, p);
        rv = run_cuts(p, B, nul, sizeof(nul) - 1, NULL, 0, &r, &err);
        PT_OK(rv == APR_EINVAL && r.log.len == 0, "NUL in a header refused");
        PT_IS_STR(err.what, "part 1: NUL byte in the header block",
                  "NUL message");
    }

    /* The header block limit: exactly PT_MP_MAX_HEADER is fine. */
    pt_buf_init(&big, p, 16384, 1 << 20);
    pt_buf_puts(&big, d);
    pt_buf_puts(&big, cd);
    pt_buf_puts(&big, "X-Pad: ");
    while (big.len < strlen(d) + PT_MP_MAX_HEADER - 4) {
        pt_buf_putc(&big, 'p');
    }
    pt_buf_puts(&big, "\r\n\r\n");
    pt_buf_puts(&big, "v\r\n--" B "--");
    parses(p, B, big.data, APR_SUCCESS, "<a;(null);(null)>v</>",
           "a header block of exactly PT_MP_MAX_HEADER bytes");
    pt_buf_init(&big, p, 16384, 1 << 20);
    pt_buf_puts(&big, d);
    pt_buf_puts(&big, cd);
    pt_buf_puts(&big, "X-Pad: ");
    while (big.len < strlen(d) + PT_MP_MAX_HEADER - 3) {
        pt_buf_putc(&big, 'p');
    }
    pt_buf_puts(&big, "\r\n\r\n");
    refused(p, big.data, "part 1: the header block is larger than 8192 "
            "bytes", "", "a header block one byte too large");
    pt_buf_init(&big, p, 16384, 1 << 20);
    pt_buf_puts(&big, d);
    for (i = 0; i <= PT_MP_MAX_HEADER; i++) {
        pt_buf_putc(&big, 'h');
    }
    refused(p, big.data, "part 1: the header block is larger than 8192 "
            "bytes", "", "an endless header line");

    /* The part limit. */
    pt_buf_init(&big, p, 65536, 1 << 20);
    for (i = 0; i < PT_MP_MAX_PARTS; i++) {
        pt_buf_puts(&big, d);
        pt_buf_puts(&big, "Content-Disposition: form-data; name=n\r\n\r\n"
                    "v\r\n");
    }
    pt_buf_puts(&big, "--" B "--");
    {
        rec_t r;
        pt_err_t err;
        apr_status_t rv;
        apr_size_t each = strlen("<n;(null);(null)>v</>");

        rec_init(&r, p);
        rv = run_cuts(p, B, big.data, big.len, NULL, 0, &r, &err);
        PT_OK(rv == APR_SUCCESS && r.log.len == PT_MP_MAX_PARTS * each,
              "%d parts are fine", PT_MP_MAX_PARTS);
        big.len -= strlen("--" B "--");
        pt_buf_puts(&big, d);
        pt_buf_puts(&big, cd);
        rec_init(&r, p);
        rv = run_cuts(p, B, big.data, big.len, NULL, 0, &r, &err);
        PT_OK(rv == APR_EINVAL && r.log.len == PT_MP_MAX_PARTS * each,
              "part %d refused", PT_MP_MAX_PARTS + 1);
        PT_IS_STR(err.what, "the upload has more than 1000 parts",
                  "parts limit message");
    }

    /* The preamble limit. */
    pt_buf_init(&big, p, 70000, 1 << 20);
    for (i = 0; i < PT_MP_MAX_PREAMBLE; i++) {
        pt_buf_putc(&big, i % 64 == 63 ? '\r' : '-');
    }
    pt_buf_puts(&big, "\r\n--" B "--");
    parses(p, B, big.data, APR_SUCCESS, "", "a preamble of 64 KiB");
    big.len -= strlen("\r\n--" B "--");
    pt_buf_puts(&big, "x\r\n--" B "--");
    refused(p, big.data, "no multipart boundary in the first 65536 bytes "
            "of the body (is it the boundary of the Content-Type?)", "",
            "a preamble one byte too long");
}

/* A callback that fails stops the parser with its own status. */
static void test_callback_errors(apr_pool_t *p)
{
    static const char body[] =
        "--" B "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
        "data\r\n--" B "\r\nContent-Disposition: form-data; name=\"b\"\r\n"
        "\r\nmore\r\n--" B "--\r\n";
    static const char *const which[] = { "begin", "data", "end" };
    static const char *const logs[] = {
        "<a;(null);(null)>", "<a;(null);(null)>data",
        "<a;(null);(null)>data</>"
    };
    static const char sentinel[] = "untouched";
    int k;

    for (k = 0; k < 3; k++) {
        rec_t r;
        pt_err_t err;
        apr_status_t rv, status = APR_ENOSPC + k;

        rec_init(&r, p);
        if (k == 0) {
            r.fail_begin = status;
        }
        else if (k == 1) {
            r.fail_data = status;
        }
        else {
            r.fail_end = status;
        }
        pt_mp_create(p, B, &rec_cb, &r, &r.mp);
        err.what = sentinel;
        rv = pt_mp_feed(r.mp, body, sizeof(body) - 1, &err);
        PT_OK(rv == status && err.what == sentinel,
              "%s error passed through, err untouched", which[k]);
        PT_IS_STR(r.log.data, logs[k], "%s error: nothing after it",
                  which[k]);
        PT_OK(pt_mp_in_part(r.mp) == (k < 2),
              "%s error: in_part %d", which[k], k < 2);
        rv = pt_mp_feed(r.mp, body, sizeof(body) - 1, &err);
        PT_OK(rv == status && r.log.len == strlen(logs[k]),
              "%s error: further input refused", which[k]);
        PT_IS_STR(err.what, "the multipart parser has already stopped on "
                  "an error", "%s error: refusal message", which[k]);
        PT_OK(pt_mp_finish(r.mp, &err) == status,
              "%s error: finish repeats the status", which[k]);
    }

    /* A parse error stops it too. */
    {
        rec_t r;
        pt_err_t err;

        rec_init(&r, p);
        pt_mp_create(p, B, &rec_cb, &r, &r.mp);
        PT_OK(pt_mp_feed(r.mp, "--" B "!", 11, &err) == APR_EINVAL,
              "malformed input");
        PT_OK(pt_mp_feed(r.mp, "\r\n", 2, &err) == APR_EINVAL
              && pt_mp_finish(r.mp, &err) == APR_EINVAL,
              "then everything is refused");
    }
    /* Callbacks may be NULL. */
    {
        static const pt_mp_cb_t none = { NULL, NULL, NULL };
        pt_mp_t *mp;
        pt_err_t err;

        PT_OK(pt_mp_create(p, B, &none, NULL, &mp) == APR_SUCCESS
              && pt_mp_feed(mp, body, sizeof(body) - 1, &err) == APR_SUCCESS
              && pt_mp_finish(mp, &err) == APR_SUCCESS
              && pt_mp_in_part(mp) == 0, "no callbacks at all");
    }
    /* After the close delimiter: input is ignored, no callbacks. */
    {
        rec_t r;
        pt_err_t err;

        rec_init(&r, p);
        pt_mp_create(p, B, &rec_cb, &r, &r.mp);
        PT_OK(pt_mp_feed(r.mp, "--" B "--", 12, &err) == APR_SUCCESS
              && pt_mp_feed(r.mp, body, sizeof(body) - 1, &err)
                 == APR_SUCCESS
              && pt_mp_finish(r.mp, &err) == APR_SUCCESS
              && r.log.len == 0, "epilogue fed later is ignored");
    }
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_boundary(p);
    test_fields(p);
    test_params(p);
    test_splits(p);
    test_binary(p);
    test_large(p);
    test_truncated(p);
    test_malformed(p);
    test_callback_errors(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
