/*
 * test_pwned.c -- unit tests of pt_pwned.c with fixture files written
 * here: the range-response parser (CRLF and LF, padding, malformed
 * lines), a folder of range files (ABCDE.txt and ABCDE, missing and
 * damaged ranges), and the sorted single file searched by bisection
 * (every kind of position: first, last, middle, absent before, between
 * and after; CRLF and LF; one line; wrong formats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_pwned.h"
#include "pt_test.h"

/* SHA-1("password"), well known */
#define PW_HASH "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"

static char dir[] = "/tmp/pt-pwned.XXXXXX";

static const char *write_file(apr_pool_t *p, const char *name,
                              const char *data, apr_size_t len)
{
    const char *path = apr_pstrcat(p, dir, "/", name, NULL);
    FILE *f = fopen(path, "wb");

    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    return path;
}

static void test_range(apr_pool_t *p)
{
    const char *body =
        "0018A45C4D1DEF81644B54AB7F969B88D65:10\r\n"
        "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\r\n"
        "1E4C9B93F3F0682250B6CF8331B7EE68FD9:0\r\n"
        "ffffffffffffffffffffffffffffffffff0:7";
    apr_uint64_t c = 99;
    pt_err_t err = { 0 };
    char hex[41];

    pt_pwned_sha1("password", 8, hex);
    PT_IS_STR(hex, PW_HASH, "SHA-1 in upper-case hex");
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_SUCCESS && c == 3861493, "found with its count (CRLF)");
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1e4c9b93f3f0682250b6cf8331b7ee68fd8", &c, &err)
          == APR_SUCCESS && c == 3861493, "a lower-case suffix too");
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0", &c, &err)
          == APR_SUCCESS && c == 7, "a lower-case line, last, no line end");
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD9", &c, &err)
          == APR_SUCCESS && c == 0, "a padding line (count 0) is absent");
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FDA", &c, &err)
          == APR_SUCCESS && c == 0, "not listed: 0");
    body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:12\r\n"
           "1E4C9B93F3F0682250B6CF8331B7EE68FD8:0\r\n";
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_SUCCESS && c == 12, "a padding line with the same suffix "
          "after the real one does not hide it");
    PT_OK(pt_pwned_range_find(p, "A:1\n\n", 5,
                              "1E4C9B93F3F0682250B6CF8331B7EE68FDA", &c, &err)
          == APR_EINVAL, "a short suffix line: malformed");
    body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:12\n"
           "0018A45C4D1DEF81644B54AB7F969B88D65:1x\n";
    memset(&err, 0, sizeof(err));
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_EINVAL && c == 0, "a bad count on another line: the whole "
          "range is refused");
    PT_OK(err.line == 2, "on line %d", err.line);
    body = "<html><body>Service Unavailable</body></html>\n";
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_EINVAL, "an HTML error page is not \"not found\"");
    body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:12\n\n\r\n";
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_SUCCESS && c == 12, "empty lines are fine");
    PT_OK(pt_pwned_range_find(p, "", 0, "1E4C9B93F3F0682250B6CF8331B7EE68FD8",
                              &c, &err) == APR_SUCCESS && c == 0,
          "an empty range: absent");
    PT_OK(pt_pwned_range_find(p, body, strlen(body), "1E4C9", &c, &err)
          == APR_EINVAL, "a 5-digit suffix: refused");
    PT_OK(pt_pwned_range_find(p, body, PT_PWNED_MAX_RANGE + 1,
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_EINVAL, "a body over the limit: refused unread");
    body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:99999999999999\n";
    PT_OK(pt_pwned_range_find(p, body, strlen(body),
                              "1E4C9B93F3F0682250B6CF8331B7EE68FD8", &c, &err)
          == APR_EINVAL, "a count of 14 digits: malformed");
}

static void test_folder(apr_pool_t *p)
{
    const char *range = "0018A45C4D1DEF81644B54AB7F969B88D65:10\r\n"
                        "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\r\n";
    pt_pwned_t *db = NULL;
    apr_uint64_t c = 0;
    pt_err_t err = { 0 };
    char hex[41];
    const char *sub = apr_pstrcat(p, dir, "/ranges", NULL);

    mkdir(sub, 0700);
    write_file(p, "ranges/5BAA6.txt", range, strlen(range));
    PT_OK(pt_pwned_open(p, sub, &db, &err) == APR_SUCCESS && db
          && pt_pwned_is_folder(db), "a folder opens as range files");
    PT_OK(pt_pwned_lookup(db, p, "password", 8, &c, &err) == APR_SUCCESS
          && c == 3861493, "\"password\" is found in 5BAA6.txt (%llu)",
          (unsigned long long)c);
    /* another password of the same range that is not listed */
    pt_pwned_sha1("password", 8, hex);
    hex[39] = '0';
    PT_OK(pt_pwned_lookup_hash(db, p, hex, &c, &err) == APR_SUCCESS && c == 0,
          "a hash of the same range that is not listed: 0");
    /* "correct horse battery staple": range without .txt */
    pt_pwned_sha1("correct horse battery staple", 28, hex);
    {
        const char *name = apr_pstrcat(p, "ranges/",
                                       apr_pstrmemdup(p, hex, 5), NULL);
        const char *line = apr_pstrcat(p, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:0\n",
                                       hex + 5, ":42\n", NULL);

        write_file(p, name, line, strlen(line));
    }
    PT_OK(pt_pwned_lookup(db, p, "correct horse battery staple", 28, &c, &err)
          == APR_SUCCESS && c == 42, "a range file named ABCDE (no .txt)");
    memset(&err, 0, sizeof(err));
    PT_OK(pt_pwned_lookup(db, p, "a range that is not there 1", 27, &c, &err)
          == APR_ENOENT && c == 0, "no file for the range: APR_ENOENT");
    PT_OK(err.what && strstr(err.what, "incomplete"), "saying the copy is "
          "incomplete: %s", err.what ? err.what : "");
    write_file(p, "ranges/5BAA6.txt", "<html>\n", 7);
    PT_OK(pt_pwned_lookup(db, p, "password", 8, &c, &err) == APR_EINVAL,
          "a damaged range file: APR_EINVAL");
    PT_OK(pt_pwned_lookup_hash(db, p, "5BAA6", &c, &err) == APR_EINVAL,
          "a short hash: refused");
    PT_OK(pt_pwned_open(p, apr_pstrcat(p, dir, "/none", NULL), &db, &err)
          != APR_SUCCESS && !db, "a path that does not exist: refused");
}

static int cmp_hex(const void *a, const void *b)
{
    return memcmp(a, b, 40);
}

/* A sorted list of n random hashes (one of them SHA-1("password")),
 * counts i + 1, written with eol; returns the sorted hashes. */
static char *sorted_list(apr_pool_t *p, int n, const char *eol,
                         const char *name, const char **path)
{
    char *h = apr_palloc(p, (apr_size_t)n * 41);
    char *text, *o;
    int i, k;

    for (i = 0; i < n; i++) {
        for (k = 0; k < 40; k++) {
            h[i * 41 + k] = "0123456789ABCDEF"[rand() % 16];
        }
        h[i * 41 + 40] = '\0';
    }
    memcpy(h + (n / 3) * 41, PW_HASH, 40);
    qsort(h, (size_t)n, 41, cmp_hex);
    text = o = apr_palloc(p, (apr_size_t)n * 60);
    for (i = 0; i < n; i++) {
        o += snprintf(o, 60, "%s:%d%s", h + i * 41, i + 1, eol);
    }
    *path = write_file(p, name, text, (apr_size_t)(o - text));
    return h;
}

static void test_sorted(apr_pool_t *p, const char *eol, const char *what)
{
    const int n = 20000;
    const char *path;
    char *h = sorted_list(p, n, eol, !strcmp(eol, "\n") ? "lf.txt"
                                                        : "crlf.txt", &path);
    pt_pwned_t *db = NULL;
    pt_err_t err = { 0 };
    apr_uint64_t c = 0;
    int i, found = 1, absent = 1;

    PT_OK(pt_pwned_open(p, path, &db, &err) == APR_SUCCESS && db
          && !pt_pwned_is_folder(db), "%s: a sorted file opens", what);
    if (!db) {
        return;
    }
    for (i = 0; i < n; i += 7) {
        if (pt_pwned_lookup_hash(db, p, h + i * 41, &c, &err) != APR_SUCCESS
            || c != (apr_uint64_t)(i + 1)) {
            found = 0;
        }
    }
    PT_OK(found, "%s: every 7th of %d hashes is found with its count", what,
          n);
    PT_OK(pt_pwned_lookup_hash(db, p, h, &c, &err) == APR_SUCCESS && c == 1,
          "%s: the first line", what);
    PT_OK(pt_pwned_lookup_hash(db, p, h + (n - 1) * 41, &c, &err)
          == APR_SUCCESS && c == (apr_uint64_t)n, "%s: the last line", what);
    PT_OK(pt_pwned_lookup(db, p, "password", 8, &c, &err) == APR_SUCCESS
          && c > 0, "%s: \"password\" is found", what);
    for (i = 0; i < 2000; i++) {
        static const char digits[] = "0123456789ABCDEF";
        char probe[41];
        const char *d;

        memcpy(probe, h + (i * 9 % n) * 41, 41);
        d = strchr(digits, probe[39]);
        probe[39] = digits[(d - digits + 1) % 16];
        if (bsearch(probe, h, (size_t)n, 41, cmp_hex)) {
            continue;           /* that one is listed too: skip */
        }
        if (pt_pwned_lookup_hash(db, p, probe, &c, &err) != APR_SUCCESS
            || c != 0) {
            absent = 0;
        }
    }
    PT_OK(absent, "%s: 2000 hashes just after listed ones are absent", what);
    PT_OK(pt_pwned_lookup_hash(db, p, "0000000000000000000000000000000000000000",
                               &c, &err) == APR_SUCCESS && c == 0
          && pt_pwned_lookup_hash(db, p,
                                  "ffffffffffffffffffffffffffffffffffffffff",
                                  &c, &err) == APR_SUCCESS && c == 0,
          "%s: before the first and after the last: absent", what);
}

static void test_sorted_edges(apr_pool_t *p)
{
    pt_pwned_t *db = NULL;
    pt_err_t err = { 0 };
    apr_uint64_t c = 0;
    const char *one = write_file(p, "one.txt", PW_HASH ":5", 42);
    const char *ntlm = write_file(p, "ntlm.txt",
                                  "8846F7EAEE8FB117AD06BDD830B7586C:1\r\n", 36);
    const char *empty = write_file(p, "empty.txt", "", 0);
    const char *bad = write_file(p, "bad.txt", PW_HASH ":5\r\n" "garbage\r\n"
                                 "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1\r\n",
                                 44 + 9 + 44);

    PT_OK(pt_pwned_open(p, one, &db, &err) == APR_SUCCESS
          && pt_pwned_lookup(db, p, "password", 8, &c, &err) == APR_SUCCESS
          && c == 5, "a one-line file without a line end");
    PT_OK(pt_pwned_lookup_hash(db, p, "0000000000000000000000000000000000000000",
                               &c, &err) == APR_SUCCESS && c == 0,
          "and a hash before it: absent");
    PT_OK(pt_pwned_open(p, ntlm, &db, &err) == APR_EINVAL && !db,
          "an NTLM list (32 digits): refused at open");
    PT_OK(pt_pwned_open(p, empty, &db, &err) == APR_EINVAL,
          "an empty file: refused at open");
    PT_OK(pt_pwned_open(p, bad, &db, &err) == APR_SUCCESS
          && pt_pwned_lookup_hash(db, p,
                                  "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE",
                                  &c, &err) == APR_EINVAL,
          "a garbage line the search reads: APR_EINVAL, not \"absent\"");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    srand(1301);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_range(p);
    test_folder(p);
    test_sorted(p, "\r\n", "CRLF");
    test_sorted(p, "\n", "LF");
    test_sorted_edges(p);
    apr_pool_destroy(p);
    apr_terminate();
    {
        char cmd[64];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "could not remove %s\n", dir);
        }
    }
    return pt_test_done();
}
