/*
 * pt_filename.c -- cleaning uploaded file names, extensions, extension
 * lists and Content-Disposition (see pt_filename.h for the contracts).
 *
 * Cleaning works on code points: the last path component is decoded
 * (libunistring's u8_mbtouc gives U+FFFD for each ill-formed sequence),
 * unwanted characters are dropped, the rest is NFC-normalised with
 * u32_normalize and trimmed, then encoded back to UTF-8 and, when too long,
 * cut at a grapheme cluster boundary (u8_grapheme_breaks).  libunistring
 * returns malloc'd memory when a result does not fit the buffer we offer;
 * that is copied into the pool and freed at once.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include <unictype.h>
#include <unigbrk.h>
#include <uninorm.h>
#include <unistr.h>

#include "pt_filename.h"

#define UNNAMED "unnamed"

static const char hex_upper[] = "0123456789ABCDEF";

/* 1 for the characters a display name must not contain (see the list in
 * pt_filename.h).  The explicit ranges keep the promise even for format
 * characters newer than libunistring's tables. */
static int char_removed(ucs4_t c)
{
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        return 1;                       /* C0, DEL, C1 */
    }
    if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206f)
        || c == 0xfeff || c == 0x2028 || c == 0x2029) {
        return 1;
    }
    if (c == 0x034f || c == 0x17b4 || c == 0x17b5 || c == 0x115f
        || c == 0x1160 || c == 0x3164 || c == 0xffa0) {
        return 1;                       /* invisible, not Cf */
    }
    return uc_is_general_category(c, UC_CATEGORY_Cf);
}

static int char_space(ucs4_t c)
{
    return uc_is_property_white_space(c);
}

/* NFC of u[0..*n) in p; on failure (out of memory) u is returned as it is,
 * which is still a safe name, only not normalised. */
static ucs4_t *nfc(apr_pool_t *p, ucs4_t *u, apr_size_t *n)
{
    size_t cap = *n + 16, outn = cap;
    uint32_t *buf = apr_palloc(p, cap * sizeof(uint32_t));
    uint32_t *r;

    r = u32_normalize(UNINORM_NFC, u, *n, buf, &outn);
    if (!r) {
        return u;
    }
    if (r != buf) {
        buf = apr_palloc(p, (outn ? outn : 1) * sizeof(uint32_t));
        memcpy(buf, r, outn * sizeof(uint32_t));
        free(r);
    }
    *n = outn;
    return buf;
}

/*
 * The longest prefix of s[0..n) of at most max bytes (0 < max < n) that
 * ends at a grapheme cluster boundary; when the first cluster alone is
 * longer than max (a letter with hundreds of accents), the longest prefix
 * that ends at a code point boundary.  s is valid UTF-8; br holds
 * u8_grapheme_breaks() of s.
 */
static apr_size_t cut_at_boundary(const unsigned char *s, const char *br,
                                  apr_size_t max)
{
    apr_size_t k;

    for (k = max; k > 0; k--) {
        if (br[k]) {
            return k;
        }
    }
    for (k = max; k > 0; k--) {
        if ((s[k] & 0xc0) != 0x80) {
            return k;
        }
    }
    return 0;   /* not reached: s[0] starts a character */
}

/* Drop trailing white space and dots from the UTF-8 string s[0..n);
 * returns the new length. */
static apr_size_t trim_end_utf8(const unsigned char *s, apr_size_t n)
{
    while (n > 0) {
        ucs4_t c;
        const uint8_t *prev = u8_prev(&c, s + n, s);

        if (!prev || !(c == '.' || char_space(c))) {
            break;
        }
        n = (apr_size_t)(prev - s);
    }
    return n;
}

/* Offset of the dot that starts the extension in s[0..n), or -1: the last
 * dot, when it is not the last byte and some byte before it is not a dot. */
static apr_ssize_t ext_dot(const char *s, apr_size_t n)
{
    apr_size_t i, d;

    for (d = n; d > 0 && s[d - 1] != '.'; d--) {
    }
    if (d == 0 || d == n) {
        return -1;
    }
    d--;
    for (i = 0; i < d; i++) {
        if (s[i] != '.') {
            return (apr_ssize_t)d;
        }
    }
    return -1;
}

/* Shorten the clean name s[0..n) (n > PT_FILENAME_MAX) as pt_filename.h
 * says; the result is NUL-terminated in p. */
static const char *shorten(apr_pool_t *p, const char *s, apr_size_t n)
{
    const unsigned char *us = (const unsigned char *)s;
    char *br = apr_palloc(p, n + 1);
    apr_ssize_t d = ext_dot(s, n);
    apr_size_t k;

    u8_grapheme_breaks(us, n, br);
    br[n] = 1;
    if (d >= 0 && n - (apr_size_t)d - 1 <= PT_FILENAME_EXT_KEEP) {
        apr_size_t extlen = n - (apr_size_t)d;      /* with the dot */

        k = cut_at_boundary(us, br, PT_FILENAME_MAX - extlen);
        return apr_pstrcat(p, apr_pstrmemdup(p, s, k), s + d, NULL);
    }
    k = cut_at_boundary(us, br, PT_FILENAME_MAX);
    k = trim_end_utf8(us, k);
    return k ? apr_pstrmemdup(p, s, k) : UNNAMED;
}

const char *pt_filename_clean(apr_pool_t *p, const char *raw, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)raw;
    apr_size_t i, n, un = 0, b, e, o;
    ucs4_t *u;
    char *out;

    if (!raw) {
        len = 0;
    }
    /* The last path component: '/' and '\\' never occur inside a UTF-8
     * sequence, ill-formed or not, so bytes can be searched. */
    for (i = len; i > 0; i--) {
        if (s[i - 1] == '/' || s[i - 1] == '\\') {
            break;
        }
    }
    s += i;
    n = len - i;
    if (n > PT_FILENAME_RAW_MAX) {
        n = PT_FILENAME_RAW_MAX;
        for (i = 0; i < 3 && (s[n] & 0xc0) == 0x80; i++) {
            n--;    /* do not end inside a character */
        }
    }

    u = apr_palloc(p, (n ? n : 1) * sizeof(ucs4_t));
    for (i = 0; i < n;) {
        ucs4_t c;
        int l = u8_mbtouc(&c, s + i, n - i);

        i += (apr_size_t)l;
        if (!char_removed(c)) {
            u[un++] = c;
        }
    }
    if (un) {
        u = nfc(p, u, &un);
    }

    for (b = 0; b < un && char_space(u[b]); b++) {
    }
    for (e = un; e > b && (u[e - 1] == '.' || char_space(u[e - 1])); e--) {
    }
    if (b == e) {
        return UNNAMED;
    }

    out = apr_palloc(p, (e - b) * 4 + 1);
    for (o = 0, i = b; i < e; i++) {
        int l = u8_uctomb((uint8_t *)out + o, u[i], 4);

        if (l > 0) {
            o += (apr_size_t)l;
        }
    }
    out[o] = '\0';
    return o > PT_FILENAME_MAX ? shorten(p, out, o) : out;
}

const char *pt_filename_ext(apr_pool_t *p, const char *name)
{
    const char *base;
    apr_size_t i, n;
    apr_ssize_t d;
    char *ext;

    if (!name) {
        return "";
    }
    base = name;
    for (i = 0; name[i]; i++) {
        if (name[i] == '/' || name[i] == '\\') {
            base = name + i + 1;
        }
    }
    n = strlen(base);
    d = ext_dot(base, n);
    if (d < 0) {
        return "";
    }
    ext = apr_pstrdup(p, base + d + 1);
    for (i = 0; ext[i]; i++) {
        if (ext[i] >= 'A' && ext[i] <= 'Z') {
            ext[i] = (char)(ext[i] - 'A' + 'a');
        }
    }
    return ext;
}

/* RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" /
 * "." / "^" / "_" / "`" / "|" / "~". */
static int attr_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || (c && strchr("!#$&+-.^_`|~", c));
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}

const char *pt_content_disposition(apr_pool_t *p, const char *disposition,
                                   const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    apr_size_t n, i, f = 0, e = 0;
    char *fallback, *enc;
    int need_ext = 0;

    if (!disposition || strcmp(disposition, "inline") != 0) {
        disposition = "attachment";
    }
    if (!name || !*name) {
        s = (const unsigned char *)UNNAMED;
    }
    n = strlen((const char *)s);

    /* Worst cases: every byte escaped in the fallback (2 bytes), every byte
     * an ill-formed sequence encoded as U+FFFD (9 bytes). */
    fallback = apr_palloc(p, 2 * n + 1);
    enc = apr_palloc(p, 9 * n + 1);
    for (i = 0; i < n;) {
        ucs4_t c;
        uint8_t u8[4];
        int l = u8_mbtouc(&c, s + i, n - i), ul, k;

        if (c < 0x20 || c >= 0x7f) {
            fallback[f++] = '_';
            need_ext = 1;
        }
        else if (c == '"' || c == '\\') {
            fallback[f++] = '\\';
            fallback[f++] = (char)c;
            need_ext = 1;
        }
        else if (c == '%') {
            int esc = i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2]);

            fallback[f++] = esc ? '_' : '%';
            need_ext = 1;
        }
        else {
            fallback[f++] = (char)c;
        }

        ul = u8_uctomb(u8, c, 4);   /* c is valid: u8_mbtouc made sure */
        for (k = 0; k < ul; k++) {
            if (attr_char(u8[k])) {
                enc[e++] = (char)u8[k];
            }
            else {
                enc[e++] = '%';
                enc[e++] = hex_upper[u8[k] >> 4];
                enc[e++] = hex_upper[u8[k] & 0x0f];
            }
        }
        i += (apr_size_t)l;
    }
    fallback[f] = '\0';
    enc[e] = '\0';

    if (!need_ext) {
        return apr_pstrcat(p, disposition, "; filename=\"", fallback, "\"",
                           NULL);
    }
    return apr_pstrcat(p, disposition, "; filename=\"", fallback,
                       "\"; filename*=UTF-8''", enc, NULL);
}

static int list_sep(char c)
{
    return c == ' ' || c == ',' || c == '\t';
}

int pt_ext_allowed(const char *list, const char *ext)
{
    const char *s;
    int entries = 0;

    if (!list) {
        return 1;
    }
    if (!ext) {
        ext = "";
    }
    s = list;
    while (*s) {
        const char *start;
        apr_size_t n;

        while (list_sep(*s)) {
            s++;
        }
        if (!*s) {
            break;
        }
        start = s;
        while (*s && !list_sep(*s)) {
            s++;
        }
        entries++;
        if (*start == '.') {
            start++;
        }
        n = (apr_size_t)(s - start);
        if (n > 0 && n == strlen(ext) && !strncasecmp(start, ext, n)) {
            return 1;
        }
    }
    return entries == 0;
}
