/*
 * test_filename.c -- unit tests of pt_filename.c: cleaning display names
 * (paths, controls, bidi and zero-width characters, NFC, trimming, cutting
 * long names), extensions, Content-Disposition and extension lists.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_filename.h"
#include "pt_test.h"

/* clean(raw) for a NUL-terminated raw. */
static const char *clean(apr_pool_t *p, const char *raw)
{
    return pt_filename_clean(p, raw, strlen(raw));
}

/* n copies of s. */
static char *rep(apr_pool_t *p, const char *s, int n)
{
    apr_size_t l = strlen(s);
    char *out = apr_palloc(p, l * (apr_size_t)n + 1);
    int i;

    for (i = 0; i < n; i++) {
        memcpy(out + l * (apr_size_t)i, s, l);
    }
    out[l * (apr_size_t)n] = '\0';
    return out;
}

static void test_paths(apr_pool_t *p)
{
    PT_IS_STR(clean(p, "../../etc/passwd"), "passwd", "../../etc/passwd");
    PT_IS_STR(clean(p, "C:\\x\\y.txt"), "y.txt", "Windows path");
    PT_IS_STR(clean(p, "a/b\\c/d.txt"), "d.txt", "mixed separators");
    PT_IS_STR(clean(p, "dir/"), "unnamed", "trailing slash: nothing left");
    PT_IS_STR(clean(p, "x/.."), "unnamed", "last component ..");
    PT_IS_STR(clean(p, "report.pdf"), "report.pdf", "plain name unchanged");
}

static void test_controls(apr_pool_t *p)
{
    PT_IS_STR(pt_filename_clean(p, "a\0b.txt", 7), "ab.txt",
              "NUL inside is removed (len is authoritative)");
    PT_IS_STR(pt_filename_clean(p, "evil.php\0.jpg", 13), "evil.php.jpg",
              "NUL cannot hide the real extension");
    PT_IS_STR(clean(p, "a\tb\r\nc\x7f" "d.txt"), "abcd.txt",
              "TAB, CR, LF and DEL removed");
    PT_IS_STR(clean(p, "a\xc2\x85" "b\xc2\x9f" "c"), "abc",
              "C1 controls (U+0085, U+009F) removed");
    PT_IS_STR(clean(p, "evil\xe2\x80\xae" "txt.exe"), "eviltxt.exe",
              "RTL override U+202E removed");
    PT_IS_STR(clean(p, "a\xe2\x80\xaa" "b\xe2\x80\xab" "c\xe2\x80\xac"
                       "d\xe2\x80\xad" "e\xe2\x81\xa6" "f\xe2\x81\xa7"
                       "g\xe2\x81\xa8" "h\xe2\x81\xa9" "i"),
              "abcdefghi", "bidi embeddings and isolates removed");
    PT_IS_STR(clean(p, "a\xe2\x80\x8b" "b\xe2\x80\x8c" "c\xe2\x80\x8d"
                       "d\xe2\x80\x8e" "e\xe2\x80\x8f" "f\xef\xbb\xbf"
                       "g\xe2\x81\xa0" "h\xe2\x81\xa4" ".txt"),
              "abcdefgh.txt", "zero-width characters, marks, BOM removed");
    PT_IS_STR(clean(p, "\xef\xbb\xbfname.txt"), "name.txt",
              "leading BOM removed");
    PT_IS_STR(clean(p, "ab\xc2\xad" "c"), "abc", "soft hyphen (Cf) removed");
    PT_IS_STR(clean(p, "a\xf3\xa0\x81\x81" "b"), "ab",
              "tag character U+E0041 (Cf) removed");
    PT_IS_STR(clean(p, "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c"), "abc",
              "line and paragraph separators removed");
    PT_IS_STR(clean(p, "a\xe3\x85\xa4" "b\xe1\x85\x9f" "c"), "abc",
              "Hangul fillers removed");
    PT_IS_STR(clean(p, "\x01\x02\x1b"), "unnamed", "only controls: unnamed");
}

static void test_unicode(apr_pool_t *p)
{
    PT_IS_STR(clean(p, "e\xcc\x81t\xc3\xa9.txt"), "\xc3\xa9t\xc3\xa9.txt",
              "NFD e + U+0301 becomes NFC U+00E9");
    PT_IS_STR(clean(p, "\xe2\x84\xab"), "\xc3\x85",
              "singleton U+212B ANGSTROM SIGN becomes U+00C5");
    PT_IS_STR(clean(p, "\xef\xac\x81le"), "\xef\xac\x81le",
              "compatibility ligature kept (NFC, not NFKC)");
    PT_IS_STR(clean(p, "\xf0\x9f\x98\x80 party \xf0\x9f\x8e\x89.png"),
              "\xf0\x9f\x98\x80 party \xf0\x9f\x8e\x89.png", "emoji kept");
    PT_IS_STR(clean(p, "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7.txt"),
              "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7.txt", "flag emoji kept");
    PT_IS_STR(clean(p, "a:b*c?\"<>|.txt"), "a:b*c?\"<>|.txt",
              "printable punctuation kept (display name)");
    PT_IS_STR(clean(p, "\xe6\x97\xa5\xe6\x9c\xac.pdf"),
              "\xe6\x97\xa5\xe6\x9c\xac.pdf", "CJK kept");
}

static void test_invalid_utf8(apr_pool_t *p)
{
    PT_IS_STR(clean(p, "a\xff" "b.txt"), "a\xef\xbf\xbd" "b.txt",
              "stray 0xFF becomes U+FFFD");
    PT_IS_STR(clean(p, "\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd",
              "overlong '/' is two U+FFFD, not a separator");
    PT_IS_STR(clean(p, "x\xed\xa0\x80y"), "x\xef\xbf\xbdy",
              "surrogate becomes U+FFFD");
    PT_IS_STR(clean(p, "x\xe2\x82"), "x\xef\xbf\xbd",
              "truncated sequence at the end becomes U+FFFD");
    PT_IS_STR(clean(p, "\xf4\x90\x80\x80z"), "\xef\xbf\xbdz",
              "above U+10FFFF becomes U+FFFD");
    PT_IS_STR(clean(p, "\xe4\xb8/ok"), "ok",
              "'/' after a broken sequence still splits");
}

static void test_trim(apr_pool_t *p)
{
    PT_IS_STR(clean(p, ".."), "unnamed", "..");
    PT_IS_STR(clean(p, "."), "unnamed", ".");
    PT_IS_STR(clean(p, "..."), "unnamed", "...");
    PT_IS_STR(clean(p, ""), "unnamed", "empty");
    PT_IS_STR(pt_filename_clean(p, NULL, 0), "unnamed", "NULL");
    PT_IS_STR(clean(p, "    "), "unnamed", "only spaces");
    PT_IS_STR(clean(p, "a."), "a", "trailing dot stripped");
    PT_IS_STR(clean(p, "a. . "), "a", "trailing dots and spaces stripped");
    PT_IS_STR(clean(p, "  x y  "), "x y", "outer spaces stripped, inner kept");
    PT_IS_STR(clean(p, ".bashrc"), ".bashrc", "leading dot kept");
    PT_IS_STR(clean(p, " .env "), ".env", "leading dot kept after space");
    PT_IS_STR(clean(p, "\xe3\x80\x80x\xc2\xa0"), "x",
              "ideographic space and NBSP are white space");
    PT_IS_STR(clean(p, "a\xe2\x80\x8b.\xe2\x80\x8b"), "a",
              "dot hidden behind a zero-width space is trailing");
}

static void test_length(apr_pool_t *p)
{
    const char *got, *want;

    got = clean(p, apr_pstrcat(p, rep(p, "a", 4096), ".pdf", NULL));
    want = apr_pstrcat(p, rep(p, "a", 251), ".pdf", NULL);
    PT_IS_STR(got, want, "4 KiB name: 251 bytes of it plus .pdf");
    PT_OK(strlen(got) == PT_FILENAME_MAX, "exactly %d bytes",
          PT_FILENAME_MAX);

    got = clean(p, apr_pstrcat(p, rep(p, "\xc3\xa9", 2048), ".pdf", NULL));
    want = apr_pstrcat(p, rep(p, "\xc3\xa9", 125), ".pdf", NULL);
    PT_IS_STR(got, want, "2-byte characters are not split (254 bytes)");

    got = clean(p, apr_pstrcat(p, rep(p, "x\xcc\x81", 100), ".pdf", NULL));
    want = apr_pstrcat(p, rep(p, "x\xcc\x81", 83), ".pdf", NULL);
    PT_IS_STR(got, want, "a letter keeps its accent (grapheme boundary)");

    got = clean(p, apr_pstrcat(p, rep(p, "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7",
                                       40), ".pdf", NULL));
    want = apr_pstrcat(p, rep(p, "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", 31),
                       ".pdf", NULL);
    PT_IS_STR(got, want, "flags are not split in half");

    got = clean(p, apr_pstrcat(p, "x", rep(p, "\xcc\x81", 300), ".pdf",
                               NULL));
    want = apr_pstrcat(p, "x", rep(p, "\xcc\x81", 125), ".pdf", NULL);
    PT_IS_STR(got, want,
              "one huge grapheme is cut at a code point boundary");

    got = clean(p, rep(p, "\xe0\xa5\x98", 100));
    PT_IS_STR(got, rep(p, "\xe0\xa4\x95\xe0\xa4\xbc", 42),
              "U+0958 expands under NFC, then is cut between clusters");

    got = clean(p, rep(p, "b", 300));
    PT_IS_STR(got, rep(p, "b", 255), "no extension: first 255 bytes");

    got = clean(p, apr_pstrcat(p, rep(p, "a", 300), ".",
                               rep(p, "e", 17), NULL));
    PT_IS_STR(got, rep(p, "a", 255), "17-byte extension is not kept");

    got = clean(p, apr_pstrcat(p, rep(p, "a", 300), ".",
                               rep(p, "e", 16), NULL));
    PT_IS_STR(got, apr_pstrcat(p, rep(p, "a", 238), ".", rep(p, "e", 16),
                               NULL), "16-byte extension is kept");

    got = clean(p, apr_pstrcat(p, rep(p, "a", 250), "     ",
                               rep(p, "b", 100), NULL));
    PT_IS_STR(got, rep(p, "a", 250), "spaces at the cut are stripped");

    got = clean(p, apr_pstrcat(p, rep(p, "a", 250), "\xe2\x80\xae",
                               rep(p, "b", 10), ".pdf", NULL));
    PT_IS_STR(got, apr_pstrcat(p, rep(p, "a", 250), rep(p, "b", 1), ".pdf",
                               NULL), "removed characters do not count");

    got = clean(p, apr_pstrcat(p, rep(p, "a", 100000), ".pdf", NULL));
    PT_IS_STR(got, rep(p, "a", 255),
              "only the first PT_FILENAME_RAW_MAX bytes are looked at");

    got = clean(p, apr_pstrcat(p, rep(p, "z/", 50000), "tail.pdf", NULL));
    PT_IS_STR(got, "tail.pdf", "long path: the last component counts");
}

static void test_idempotent(apr_pool_t *p)
{
    static const char *const raws[] = {
        "../../etc/passwd", "e\xcc\x81.txt", " a. . ", "\xc0\xaf",
        "evil\xe2\x80\xae" "txt.exe", "..", "x\xcc\x81", ".bashrc", NULL
    };
    int i, ok = 1;

    for (i = 0; raws[i]; i++) {
        const char *once = clean(p, raws[i]);

        if (strcmp(clean(p, once), once) != 0) {
            ok = 0;
            printf("# not idempotent: '%s'\n", raws[i]);
        }
    }
    PT_OK(ok, "cleaning a clean name changes nothing");
}

static void test_ext(apr_pool_t *p)
{
    PT_IS_STR(pt_filename_ext(p, "Report.DOCX"), "docx", "Report.DOCX");
    PT_IS_STR(pt_filename_ext(p, "a.tar.gz"), "gz", "a.tar.gz");
    PT_IS_STR(pt_filename_ext(p, ".bashrc"), "", ".bashrc has none");
    PT_IS_STR(pt_filename_ext(p, "..x"), "", "..x has none");
    PT_IS_STR(pt_filename_ext(p, "a."), "", "a. has none");
    PT_IS_STR(pt_filename_ext(p, "noext"), "", "no dot");
    PT_IS_STR(pt_filename_ext(p, "a..b"), "b", "a..b");
    PT_IS_STR(pt_filename_ext(p, ".x.PNG"), "png", ".x.PNG");
    PT_IS_STR(pt_filename_ext(p, "dir.d/file"), "", "dot in directory only");
    PT_IS_STR(pt_filename_ext(p, "x\\y.Pdf"), "pdf", "after a backslash");
    PT_IS_STR(pt_filename_ext(p, "x.\xc3\x89T\xc3\xa9"), "\xc3\x89t\xc3\xa9",
              "only ASCII letters are folded");
    PT_IS_STR(pt_filename_ext(p, ""), "", "empty");
    PT_IS_STR(pt_filename_ext(p, NULL), "", "NULL");
}

static void test_disposition(apr_pool_t *p)
{
    PT_IS_STR(pt_content_disposition(p, "attachment", "report.pdf"),
              "attachment; filename=\"report.pdf\"", "plain ASCII");
    PT_IS_STR(pt_content_disposition(p, "inline", "a b;c,d=e.pdf"),
              "inline; filename=\"a b;c,d=e.pdf\"",
              "inline; separators are fine inside the quotes");
    PT_IS_STR(pt_content_disposition(p, "attachment", "it's.txt"),
              "attachment; filename=\"it's.txt\"", "apostrophe alone: ASCII");
    PT_IS_STR(pt_content_disposition(p, "attachment", "say \"hi\".txt"),
              "attachment; filename=\"say \\\"hi\\\".txt\"; "
              "filename*=UTF-8''say%20%22hi%22.txt", "double quotes");
    PT_IS_STR(pt_content_disposition(p, "attachment", "a\\b"),
              "attachment; filename=\"a\\\\b\"; filename*=UTF-8''a%5Cb",
              "backslash");
    PT_IS_STR(pt_content_disposition(p, "attachment",
                                     "\xc3\x9c" "bersicht 2024.pdf"),
              "attachment; filename=\"_bersicht 2024.pdf\"; "
              "filename*=UTF-8''%C3%9Cbersicht%202024.pdf", "non-ASCII");
    PT_IS_STR(pt_content_disposition(p, "inline",
                                     "\xf0\x9f\x98\x80.png"),
              "inline; filename=\"_.png\"; "
              "filename*=UTF-8''%F0%9F%98%80.png",
              "an emoji is one '_' in the fallback");
    PT_IS_STR(pt_content_disposition(p, "attachment",
                                     "l'\xc3\xa9t\xc3\xa9.txt"),
              "attachment; filename=\"l'_t_.txt\"; "
              "filename*=UTF-8''l%27%C3%A9t%C3%A9.txt",
              "apostrophe is not an attr-char");
    PT_IS_STR(pt_content_disposition(p, "attachment", "100%.txt"),
              "attachment; filename=\"100%.txt\"; "
              "filename*=UTF-8''100%25.txt", "percent");
    PT_IS_STR(pt_content_disposition(p, "attachment", "a%41.txt"),
              "attachment; filename=\"a_41.txt\"; "
              "filename*=UTF-8''a%2541.txt",
              "percent + two hex digits is '_' in the fallback");
    PT_IS_STR(pt_content_disposition(p, "attachment",
                                     "\xc3\xa9!#$&+-.^_`|~(x)*,;=@[]{}"),
              "attachment; filename=\"_!#$&+-.^_`|~(x)*,;=@[]{}\"; "
              "filename*=UTF-8''%C3%A9!#$&+-.^_`|~%28x%29%2A%2C%3B%3D%40"
              "%5B%5D%7B%7D", "attr-char kept, the rest encoded");
    PT_IS_STR(pt_content_disposition(p, "attachment", "a\tb\r\nc"),
              "attachment; filename=\"a_b__c\"; "
              "filename*=UTF-8''a%09b%0D%0Ac",
              "controls never reach the header");
    PT_IS_STR(pt_content_disposition(p, "attachment", "a\xff"),
              "attachment; filename=\"a_\"; filename*=UTF-8''a%EF%BF%BD",
              "ill-formed UTF-8 is encoded as U+FFFD");
    PT_IS_STR(pt_content_disposition(p, "inline\r\nX-Evil: 1", "a.txt"),
              "attachment; filename=\"a.txt\"",
              "unknown disposition becomes attachment");
    PT_IS_STR(pt_content_disposition(p, NULL, NULL),
              "attachment; filename=\"unnamed\"", "NULL name");
    PT_IS_STR(pt_content_disposition(p, "inline", ""),
              "inline; filename=\"unnamed\"", "empty name");
}

static void test_allowed(void)
{
    PT_OK(pt_ext_allowed(NULL, "exe"), "NULL list allows everything");
    PT_OK(pt_ext_allowed("", "exe"), "empty list allows everything");
    PT_OK(pt_ext_allowed(" , ,\t", "exe"), "list of separators is empty");
    PT_OK(pt_ext_allowed("", ""), "empty list allows no extension");
    PT_OK(pt_ext_allowed("pdf docx", "docx"), "space-separated");
    PT_OK(pt_ext_allowed("pdf,docx", "pdf"), "comma-separated");
    PT_OK(pt_ext_allowed(".PDF, .Docx", "docx"), "leading dots, any case");
    PT_OK(pt_ext_allowed("pdf\tpng", "png"), "tab-separated");
    PT_OK(!pt_ext_allowed("pdf", "pd"), "prefix does not match");
    PT_OK(!pt_ext_allowed("pdf", "pdfx"), "longer does not match");
    PT_OK(!pt_ext_allowed("pdf docx", "exe"), "not in the list");
    PT_OK(!pt_ext_allowed("pdf", ""), "no extension is not in a list");
    PT_OK(!pt_ext_allowed("pdf", NULL), "NULL ext is no extension");
    PT_OK(!pt_ext_allowed(".", ""), "a lone dot matches nothing");
    PT_OK(!pt_ext_allowed("tar.gz", "gz"), "entries are single extensions");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_paths(p);
    test_controls(p);
    test_unicode(p);
    test_invalid_utf8(p);
    test_trim(p);
    test_length(p);
    test_idempotent(p);
    test_ext(p);
    test_disposition(p);
    test_allowed();

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
