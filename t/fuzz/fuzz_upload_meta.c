/*
 * fuzz_upload_meta.c -- libFuzzer target for what an upload's metadata
 * goes through: pt_filename_clean(), pt_filename_ext(),
 * pt_content_disposition(), pt_ext_allowed() and the content sniffer.
 *
 * The input is a raw file name and a file's bytes at once.  The promises
 * checked (any broken one aborts, so libFuzzer or replay.c reports it):
 *  - a clean name is valid UTF-8 without NUL, 1..PT_FILENAME_MAX bytes, has
 *    no '/', '\\', control, bidi or zero-width character, no leading white
 *    space, no trailing white space or dot, is not "." or "..", and
 *    cleaning it again gives it back;
 *  - its extension has no dot and no upper-case ASCII letter;
 *  - a Content-Disposition value is printable ASCII only, for the clean
 *    name and for the raw bytes alike;
 *  - the sniffer says the same (type and extension checks) whether the
 *    bytes come in one chunk, in two (split where the first byte says) or
 *    one at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <unictype.h>
#include <unistr.h>

#include "pt_filename.h"
#include "pt_form.h"
#include "pt_sniff.h"

static int initialized;

static const char *const exts[] = {
    "", "txt", "csv", "pdf", "png", "jpg", "zip", "docx", "xlsx", "pptx",
    "exe", "mp3", "mp4", "svg", "foo", NULL
};

static int forbidden(ucs4_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '/' || c == '\\'
           || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)
           || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff || c == 0x2028
           || c == 0x2029 || uc_is_general_category(c, UC_CATEGORY_Cf);
}

static void check_name(apr_pool_t *p, const char *name)
{
    apr_size_t n = strlen(name), i;
    const char *ext;
    ucs4_t c;

    if (n == 0 || n > PT_FILENAME_MAX || !pt_utf8_valid(name, n)
        || !strcmp(name, ".") || !strcmp(name, "..")) {
        abort();
    }
    for (i = 0; i < n;) {
        i += (apr_size_t)u8_mbtouc(&c, (const uint8_t *)name + i, n - i);
        if (forbidden(c)) {
            abort();
        }
    }
    u8_mbtouc(&c, (const uint8_t *)name, n);
    if (uc_is_property_white_space(c)) {
        abort();
    }
    if (!u8_prev(&c, (const uint8_t *)name + n, (const uint8_t *)name)
        || c == '.' || uc_is_property_white_space(c)) {
        abort();
    }
    if (strcmp(pt_filename_clean(p, name, n), name) != 0) {
        abort();
    }
    ext = pt_filename_ext(p, name);
    for (i = 0; ext[i]; i++) {
        if (ext[i] == '.' || (ext[i] >= 'A' && ext[i] <= 'Z')) {
            abort();
        }
    }
    if (!pt_ext_allowed(NULL, ext)
        || (*ext && !strpbrk(ext, " ,\t") && !pt_ext_allowed(ext, ext))) {
        abort();
    }
}

static void check_disposition(const char *v)
{
    for (; *v; v++) {
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e) {
            abort();
        }
    }
}

/* Type and extension checks of data fed as the chunks cut at a and b. */
static void sniff_split(apr_pool_t *p, const char *data, apr_size_t size,
                        apr_size_t a, apr_size_t b, const char **type,
                        int *match)
{
    pt_sniff_t *s = pt_sniff_create(p);
    int i;

    pt_sniff_feed(s, data, a);
    pt_sniff_feed(s, data + a, b - a);
    pt_sniff_feed(s, data + b, size - b);
    *type = pt_sniff_type(s);
    for (i = 0; exts[i]; i++) {
        match[i] = pt_sniff_matches(s, exts[i]);
    }
}

static void check_sniff(apr_pool_t *p, const char *data, apr_size_t size)
{
    const char *t1, *t2;
    int m1[16], m2[16], i;
    apr_size_t cut = size ? (unsigned char)data[0] % (size + 1) : 0;

    sniff_split(p, data, size, size, size, &t1, m1);
    sniff_split(p, data, size, cut, cut, &t2, m2);
    if (strcmp(t1, t2) != 0) {
        abort();
    }
    for (i = 0; exts[i]; i++) {
        if (m1[i] != m2[i]) {
            abort();
        }
    }
    if (size <= 2048) {
        pt_sniff_t *s = pt_sniff_create(p);
        apr_size_t k;

        for (k = 0; k < size; k++) {
            pt_sniff_feed(s, data + k, 1);
        }
        if (strcmp(pt_sniff_type(s), t1) != 0) {
            abort();
        }
        for (i = 0; exts[i]; i++) {
            if (pt_sniff_matches(s, exts[i]) != m1[i]) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *raw = (const char *)data;
    const char *name, *cstr;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);

    name = pt_filename_clean(p, raw, size);
    check_name(p, name);
    check_disposition(pt_content_disposition(p, "attachment", name));
    check_disposition(pt_content_disposition(p, "inline", name));

    /* The raw bytes up to the first NUL, as a C string. */
    cstr = apr_pstrmemdup(p, raw, size);
    check_disposition(pt_content_disposition(p, cstr, cstr));
    (void)pt_filename_ext(p, cstr);
    (void)pt_ext_allowed(cstr, pt_filename_ext(p, name));

    check_sniff(p, raw, size);

    apr_pool_destroy(p);
    return 0;
}
