/*
 * pt_pwned.c -- breached-password look-ups in the Pwned Passwords range
 * format: range bodies, a folder of range files, or one sorted file
 * searched by bisection.  See pt_pwned.h.
 */
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "pt_crypto.h"
#include "pt_pwned.h"

#define HASH_HEX 40
#define PREFIX_HEX 5
#define SUFFIX_HEX (HASH_HEX - PREFIX_HEX)
#define LINE_MAX_BYTES 128          /* a line of the sorted file, at most */
#define SCAN_MAX 4096               /* bytes searched for a line end */

struct pt_pwned_t {
    const char *path;
    int folder;
};

static const char hex_upper[] = "0123456789ABCDEF";

void pt_pwned_sha1(const char *pw, apr_size_t len, char hex[41])
{
    unsigned char md[SHA_DIGEST_LENGTH];
    int i;

    SHA1((const unsigned char *)pw, len, md);
    for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
        hex[2 * i] = hex_upper[md[i] >> 4];
        hex[2 * i + 1] = hex_upper[md[i] & 0x0f];
    }
    hex[HASH_HEX] = '\0';
    OPENSSL_cleanse(md, sizeof(md));
}

/* Upper-case copy of n hex digits into out; 0 when one is not hex. */
static int hex_upcase(const char *in, apr_size_t n, char *out)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        int v = pt_hex_value((unsigned char)in[i]);

        if (v < 0) {
            return 0;
        }
        out[i] = hex_upper[v];
    }
    out[n] = '\0';
    return 1;
}

/* Parse the decimal COUNT of len bytes; 0 when malformed or too large. */
static int parse_count(const char *s, apr_size_t len, apr_uint64_t *count)
{
    apr_uint64_t v = 0;
    apr_size_t i;

    if (len == 0 || len > 13) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (apr_uint64_t)(s[i] - '0');
    }
    if (v > PT_PWNED_MAX_COUNT) {
        return 0;
    }
    *count = v;
    return 1;
}

/* Split one line (no line end) into its hash part (hexlen hex digits,
 * upper-cased into key) and count; 0 when it is not "HEX:COUNT". */
static int parse_line(const char *line, apr_size_t len, apr_size_t hexlen,
                      char *key, apr_uint64_t *count)
{
    if (len < hexlen + 2 || line[hexlen] != ':') {
        return 0;
    }
    return hex_upcase(line, hexlen, key)
           && parse_count(line + hexlen + 1, len - hexlen - 1, count);
}

apr_status_t pt_pwned_range_find(apr_pool_t *p, const char *body,
                                 apr_size_t len, const char *suffix,
                                 apr_uint64_t *count, pt_err_t *err)
{
    char want[SUFFIX_HEX + 1], key[SUFFIX_HEX + 1];
    apr_size_t pos = 0;
    int lineno = 0;

    *count = 0;
    if (!suffix || strlen(suffix) != SUFFIX_HEX
        || !hex_upcase(suffix, SUFFIX_HEX, want)) {
        pt_err_set(err, p, NULL, 0, "a hash suffix has 35 hex digits");
        return APR_EINVAL;
    }
    if (len > PT_PWNED_MAX_RANGE) {
        pt_err_set(err, p, NULL, 0, "range of %" APR_SIZE_T_FMT " bytes: "
                   "more than %d", len, PT_PWNED_MAX_RANGE);
        return APR_EINVAL;
    }
    if (!body && len) {
        pt_err_set(err, p, NULL, 0, "no range body");
        return APR_EINVAL;
    }
    while (pos < len) {
        const char *line = body + pos;
        const char *nl = memchr(line, '\n', len - pos);
        apr_size_t n = nl ? (apr_size_t)(nl - line) : len - pos;
        apr_uint64_t c = 0;

        lineno++;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (n == 0) {
            continue;
        }
        if (!parse_line(line, n, SUFFIX_HEX, key, &c)) {
            *count = 0;
            pt_err_set(err, p, "range", lineno, "not a SUFFIX:COUNT line of a "
                       "Pwned Passwords range");
            return APR_EINVAL;
        }
        if (c > 0 && !memcmp(key, want, SUFFIX_HEX)) {
            *count = c;
        }
    }
    return APR_SUCCESS;
}

int pt_pwned_is_folder(const pt_pwned_t *db)
{
    return db->folder;
}

/* Read the whole range file at path (at most PT_PWNED_MAX_RANGE bytes). */
static apr_status_t read_range_file(apr_pool_t *p, const char *path,
                                    char **body, apr_size_t *len,
                                    pt_err_t *err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got = 0;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv == APR_SUCCESS && (fi.filetype != APR_REG
                              || fi.size > PT_PWNED_MAX_RANGE)) {
        apr_file_close(f);
        pt_err_set(err, p, path, 0, "not a range file of at most %d bytes",
                   PT_PWNED_MAX_RANGE);
        return APR_EINVAL;
    }
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        pt_err_set(err, p, path, 0, "cannot read the range file");
        return rv;
    }
    *body = apr_palloc(p, (apr_size_t)fi.size + 1);
    if (fi.size > 0) {
        rv = apr_file_read_full(f, *body, (apr_size_t)fi.size, &got);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        pt_err_set(err, p, path, 0, "cannot read the range file");
        return rv;
    }
    (*body)[got] = '\0';
    *len = got;
    return APR_SUCCESS;
}

static apr_status_t lookup_folder(const pt_pwned_t *db, apr_pool_t *p,
                                  const char *hex, apr_uint64_t *count,
                                  pt_err_t *err)
{
    char prefix[PREFIX_HEX + 1];
    const char *path;
    char *body = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    memcpy(prefix, hex, PREFIX_HEX);
    prefix[PREFIX_HEX] = '\0';
    path = apr_pstrcat(p, db->path, "/", prefix, ".txt", NULL);
    rv = read_range_file(p, path, &body, &len, err);
    if (APR_STATUS_IS_ENOENT(rv)) {
        path = apr_pstrcat(p, db->path, "/", prefix, NULL);
        rv = read_range_file(p, path, &body, &len, err);
    }
    if (APR_STATUS_IS_ENOENT(rv)) {
        pt_err_set(err, p, db->path, 0, "no range file %s(.txt): the copy "
                   "of the list is incomplete", prefix);
        return rv;
    }
    if (rv != APR_SUCCESS) {
        if (!err || !err->what) {
            pt_err_set(err, p, path, 0, "cannot read the range file");
        }
        return rv;
    }
    rv = pt_pwned_range_find(p, body, len, hex + PREFIX_HEX, count, err);
    if (rv != APR_SUCCESS && err) {
        err->where = path;
    }
    return rv;
}

/* Read up to n bytes at off; *got is what came (fewer at the end). */
static apr_status_t read_at(apr_file_t *f, apr_off_t off, char *buf,
                            apr_size_t n, apr_size_t *got)
{
    apr_off_t at = off;
    apr_status_t rv;

    *got = 0;
    rv = apr_file_seek(f, APR_SET, &at);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_read_full(f, buf, n, got);
    return rv == APR_EOF ? APR_SUCCESS : rv;
}

/* The first line start at or after off (0, or just after a '\n'); size
 * when there is none.  APR_EINVAL when no line end is found within
 * SCAN_MAX bytes (not a list of short lines). */
static apr_status_t line_start(apr_file_t *f, apr_off_t size, apr_off_t off,
                               apr_off_t *start)
{
    char buf[256];
    apr_off_t at = off - 1, scanned = 0;

    if (off <= 0) {
        *start = 0;
        return APR_SUCCESS;
    }
    while (at < size) {
        apr_size_t got, i;
        apr_status_t rv = read_at(f, at, buf, sizeof(buf), &got);

        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (got == 0) {
            break;
        }
        for (i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                *start = at + (apr_off_t)i + 1;
                return APR_SUCCESS;
            }
        }
        at += (apr_off_t)got;
        scanned += (apr_off_t)got;
        if (scanned > SCAN_MAX) {
            return APR_EINVAL;
        }
    }
    *start = size;
    return APR_SUCCESS;
}

/* Read the line at start: its hash (upper case) into key, its count, and
 * where the next line starts. */
static apr_status_t read_line(apr_file_t *f, apr_off_t start, char *key,
                              apr_uint64_t *count, apr_off_t *next)
{
    char buf[LINE_MAX_BYTES];
    apr_size_t got, n;
    const char *nl;
    apr_status_t rv = read_at(f, start, buf, sizeof(buf), &got);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    nl = memchr(buf, '\n', got);
    if (!nl && got == sizeof(buf)) {
        return APR_EINVAL;
    }
    n = nl ? (apr_size_t)(nl - buf) : got;
    *next = start + (apr_off_t)n + (nl ? 1 : 0);
    if (n > 0 && buf[n - 1] == '\r') {
        n--;
    }
    return parse_line(buf, n, HASH_HEX, key, count) ? APR_SUCCESS
                                                     : APR_EINVAL;
}

/*
 * Bisection over line starts.  Invariant: every line starting before lo
 * sorts before want, every line starting at or after hi after it; lo is
 * always a line start.  Each round reads the first line starting at or
 * after the middle, and either finds want, or moves lo past that line, or
 * hi down to its start; when no line starts in [mid, hi), hi drops to mid
 * (mid > lo then, as [lo, lo + 1) holds the line start lo).
 */
static apr_status_t lookup_sorted(const pt_pwned_t *db, apr_pool_t *p,
                                  const char *want, apr_uint64_t *count,
                                  pt_err_t *err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_off_t lo = 0, hi, mid, s, next;
    apr_status_t rv;
    int rounds = 0;

    rv = apr_file_open(&f, db->path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
        if (rv != APR_SUCCESS) {
            apr_file_close(f);
        }
    }
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, db->path, 0, "cannot read the breached-password "
                   "list");
        return rv;
    }
    hi = fi.size;
    while (lo < hi) {
        char key[HASH_HEX + 1];
        apr_uint64_t c = 0;
        int cmp;

        if (++rounds > 200) {
            rv = APR_EINVAL;        /* cannot happen on a sane file */
            break;
        }
        mid = lo + (hi - lo) / 2;
        rv = line_start(f, fi.size, mid, &s);
        if (rv != APR_SUCCESS) {
            break;
        }
        if (s >= hi) {
            hi = mid;
            continue;
        }
        rv = read_line(f, s, key, &c, &next);
        if (rv != APR_SUCCESS) {
            break;
        }
        cmp = memcmp(key, want, HASH_HEX);
        if (cmp == 0) {
            *count = c;
            break;
        }
        if (cmp < 0) {
            lo = next;
        }
        else {
            hi = s;
        }
    }
    apr_file_close(f);
    if (rv == APR_EINVAL) {
        pt_err_set(err, p, db->path, 0, "not a sorted list of HASH:COUNT "
                   "lines (SHA-1)");
    }
    else if (rv != APR_SUCCESS) {
        pt_err_set(err, p, db->path, 0, "cannot read the breached-password "
                   "list");
    }
    return rv;
}

apr_status_t pt_pwned_open(apr_pool_t *p, const char *path, pt_pwned_t **db,
                           pt_err_t *err)
{
    apr_finfo_t fi;
    apr_status_t rv;
    pt_pwned_t *d;

    *db = NULL;
    if (!path || !*path) {
        pt_err_set(err, p, NULL, 0, "no path for the breached-password list");
        return APR_EINVAL;
    }
    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, p);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, path, 0, "cannot read the breached-password "
                   "list");
        return rv;
    }
    d = apr_pcalloc(p, sizeof(*d));
    d->path = apr_pstrdup(p, path);
    if (fi.filetype == APR_DIR) {
        d->folder = 1;
        *db = d;
        return APR_SUCCESS;
    }
    if (fi.filetype != APR_REG) {
        pt_err_set(err, p, path, 0, "neither a folder of range files nor a "
                   "file of sorted hashes");
        return APR_EINVAL;
    }
    {
        apr_file_t *f;
        char key[HASH_HEX + 1];
        apr_uint64_t c;
        apr_off_t next;

        rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
        if (rv != APR_SUCCESS) {
            pt_err_set(err, p, path, 0, "cannot read the breached-password "
                       "list");
            return rv;
        }
        rv = read_line(f, 0, key, &c, &next);
        apr_file_close(f);
        if (rv != APR_SUCCESS) {
            pt_err_set(err, p, path, 1, "not a list of HASH:COUNT lines "
                       "(SHA-1, 40 hex digits)");
            return APR_STATUS_IS_EINVAL(rv) ? APR_EINVAL : rv;
        }
    }
    *db = d;
    return APR_SUCCESS;
}

apr_status_t pt_pwned_lookup_hash(const pt_pwned_t *db, apr_pool_t *p,
                                  const char *hex, apr_uint64_t *count,
                                  pt_err_t *err)
{
    char want[HASH_HEX + 1];

    *count = 0;
    if (!db) {
        pt_err_set(err, p, NULL, 0, "no breached-password list");
        return APR_EINVAL;
    }
    if (!hex || strlen(hex) != HASH_HEX || !hex_upcase(hex, HASH_HEX, want)) {
        pt_err_set(err, p, NULL, 0, "a SHA-1 hash has 40 hex digits");
        return APR_EINVAL;
    }
    return db->folder ? lookup_folder(db, p, want, count, err)
                      : lookup_sorted(db, p, want, count, err);
}

apr_status_t pt_pwned_lookup(const pt_pwned_t *db, apr_pool_t *p,
                             const char *pw, apr_size_t len,
                             apr_uint64_t *count, pt_err_t *err)
{
    char hex[HASH_HEX + 1];
    apr_status_t rv;

    pt_pwned_sha1(pw ? pw : "", pw ? len : 0, hex);
    rv = pt_pwned_lookup_hash(db, p, hex, count, err);
    OPENSSL_cleanse(hex, sizeof(hex));
    return rv;
}
