/*
 * pt_s3_util.c -- the string work of the S3 store (see pt_s3_util.h):
 * SigV4-canonical URL encoding, checks of names and keys, the little XML
 * reading and escaping S3's responses and requests need, ISO-8601 dates,
 * response header values.
 *
 * Nothing here does I/O or knows about libcurl; every function is pure and
 * allocates only from the pool it is given.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "pt_buf.h"
#include "pt_form.h"
#include "pt_s3_util.h"

/* ------------------------------------------------------------ text */

const char *pt_s3_uri_encode(apr_pool_t *p, const char *s, int keep_slash)
{
    return pt_url_encode_keep(p, s, keep_slash ? "/" : NULL);
}

int pt_s3_printable_ok(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return 0;
        }
    }
    return 1;
}

int pt_s3_word_ok(const char *s, const char *allowed, apr_size_t max)
{
    apr_size_t n = 0;

    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++, n++) {
        unsigned char c = (unsigned char)*s;

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || (c && strchr(allowed, c)))) {
            return 0;
        }
    }
    return n <= max;
}

const char *pt_s3_one_line(apr_pool_t *p, const char *s)
{
    apr_size_t n = strlen(s), i;
    char *out;

    if (n > PT_S3_TEXT_MAX) {
        n = PT_S3_TEXT_MAX;
    }
    out = apr_pstrmemdup(p, s, n);
    for (i = 0; i < n; i++) {
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
            out[i] = ' ';
        }
    }
    return out;
}

/* ------------------------------------------------------------ XML */

/* The first occurrence of needle (n bytes) in [s, end), or NULL. */
static const char *find_bytes(const char *s, const char *end,
                              const char *needle, apr_size_t n)
{
    while (s && (apr_size_t)(end - s) >= n) {
        s = memchr(s, needle[0], (apr_size_t)(end - s) - n + 1);
        if (!s) {
            return NULL;
        }
        if (!memcmp(s, needle, n)) {
            return s;
        }
        s++;
    }
    return NULL;
}

static int xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first '<' that starts name, then the first end tag of name after
 * it: enough because S3 never nests an element in one of the same name. */
const char *pt_s3_xml_find(const char *s, const char *end, const char *name,
                           const char **in, const char **in_end)
{
    apr_size_t n = strlen(name);
    const char *lt = s;

    while ((lt = find_bytes(lt, end, "<", 1)) != NULL) {
        const char *q = lt + 1, *gt, *c;

        lt = q;
        if ((apr_size_t)(end - q) <= n || memcmp(q, name, n)
            || !(q[n] == '>' || q[n] == '/' || xml_space(q[n]))) {
            continue;
        }
        gt = find_bytes(q + n, end, ">", 1);
        if (!gt) {
            return NULL;
        }
        if (gt[-1] == '/') {
            *in = *in_end = gt + 1;
            return gt + 1;
        }
        for (c = gt + 1; (c = find_bytes(c, end, "</", 2)) != NULL; c += 2) {
            const char *t = c + 2 + n;

            if ((apr_size_t)(end - c - 2) < n || memcmp(c + 2, name, n)) {
                continue;
            }
            while (t < end && xml_space(*t)) {
                t++;
            }
            if (t < end && *t == '>') {
                *in = gt + 1;
                *in_end = c;
                return t + 1;
            }
        }
        return NULL;
    }
    return NULL;
}

/* Append code point cp as UTF-8 at out; returns the bytes written, 0 when
 * cp is not a character XML allows. */
static apr_size_t put_utf8(char *out, unsigned long cp)
{
    if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * The text of [s, end) with the five named entities and numeric character
 * references replaced.  APR_EINVAL for markup inside (a '<'), an unknown
 * or malformed entity, or a reference to NUL.
 */
static apr_status_t xml_text(apr_pool_t *p, const char *s, const char *end,
                             const char **text)
{
    static const struct {
        const char *name;
        char c;
    } named[] = { { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
                  { "quot;", '"' }, { "apos;", '\'' } };
    /* Every reference is at least as long as what it stands for. */
    char *out = apr_palloc(p, (apr_size_t)(end - s) + 1);
    apr_size_t o = 0, i;

    while (s < end) {
        const char *semi;

        if (*s == '<') {
            return APR_EINVAL;
        }
        if (*s != '&') {
            out[o++] = *s++;
            continue;
        }
        s++;
        semi = memchr(s, ';', (apr_size_t)(end - s));
        if (!semi || semi - s > 10) {
            return APR_EINVAL;
        }
        if (*s == '#') {
            unsigned long cp = 0;
            const char *d = s + 1;
            int base = 10;
            apr_size_t w;

            if (d < semi && (*d == 'x' || *d == 'X')) {
                base = 16;
                d++;
            }
            if (d == semi) {
                return APR_EINVAL;
            }
            for (; d < semi; d++) {
                int v;

                if (*d >= '0' && *d <= '9') {
                    v = *d - '0';
                }
                else if (base == 16 && *d >= 'a' && *d <= 'f') {
                    v = *d - 'a' + 10;
                }
                else if (base == 16 && *d >= 'A' && *d <= 'F') {
                    v = *d - 'A' + 10;
                }
                else {
                    return APR_EINVAL;
                }
                cp = cp * (unsigned long)base + (unsigned long)v;
                if (cp > 0x10ffff) {
                    return APR_EINVAL;
                }
            }
            w = put_utf8(out + o, cp);
            if (!w) {
                return APR_EINVAL;
            }
            o += w;
            s = semi + 1;
            continue;
        }
        for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
            apr_size_t len = strlen(named[i].name);

            if ((apr_size_t)(semi + 1 - s) == len
                && !memcmp(s, named[i].name, len)) {
                break;
            }
        }
        if (i == sizeof(named) / sizeof(named[0])) {
            return APR_EINVAL;
        }
        out[o++] = named[i].c;
        s = semi + 1;
    }
    out[o] = '\0';
    *text = out;
    return APR_SUCCESS;
}

apr_status_t pt_s3_xml_get(apr_pool_t *p, const char *s, const char *end,
                           const char *name, const char **text)
{
    const char *in, *in_end;

    *text = NULL;
    if (!pt_s3_xml_find(s, end, name, &in, &in_end)) {
        return APR_ENOENT;
    }
    return xml_text(p, in, in_end, text);
}

const char *pt_s3_xml_escape(apr_pool_t *p, const char *s)
{
    pt_buf_t b;

    pt_buf_init(&b, p, strlen(s) + 16, strlen(s) * 6);
    for (; *s; s++) {
        switch (*s) {
        case '&': pt_buf_puts(&b, "&amp;"); break;
        case '<': pt_buf_puts(&b, "&lt;"); break;
        case '>': pt_buf_puts(&b, "&gt;"); break;
        case '"': pt_buf_puts(&b, "&quot;"); break;
        case '\'': pt_buf_puts(&b, "&apos;"); break;
        default: pt_buf_putc(&b, *s); break;
        }
    }
    return b.data;
}

/* ------------------------------------------------------------ dates */

int pt_s3_digits_parse(const char *s, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

apr_status_t pt_s3_iso8601_parse(const char *s, apr_time_t *t)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                 31 };
    apr_time_exp_t tm;
    int y, mo, d, h, mi, sec, usec = 0, scale = 100000, off = 0;

    if (strlen(s) < 20 || !pt_s3_digits_parse(s, 4, &y) || s[4] != '-'
        || !pt_s3_digits_parse(s + 5, 2, &mo) || s[7] != '-'
        || !pt_s3_digits_parse(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't')
        || !pt_s3_digits_parse(s + 11, 2, &h) || s[13] != ':'
        || !pt_s3_digits_parse(s + 14, 2, &mi) || s[16] != ':'
        || !pt_s3_digits_parse(s + 17, 2, &sec)) {
        return APR_EINVAL;
    }
    s += 19;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') {
            return APR_EINVAL;
        }
        for (; *s >= '0' && *s <= '9'; s++) {
            usec += (*s - '0') * scale;
            scale /= 10;
        }
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    }
    else if (*s == '+' || *s == '-') {
        int oh, om;

        if (!pt_s3_digits_parse(s + 1, 2, &oh) || s[3] != ':'
            || !pt_s3_digits_parse(s + 4, 2, &om) || oh > 23 || om > 59) {
            return APR_EINVAL;
        }
        off = (oh * 60 + om) * (*s == '-' ? -1 : 1);
        s += 6;
    }
    else {
        return APR_EINVAL;
    }
    if (*s || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]
        || (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0)
                                    || y % 400 == 0))
        || h > 23 || mi > 59 || sec > 59) {
        return APR_EINVAL;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_usec = usec;
    if (apr_time_exp_gmt_get(t, &tm) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    *t -= (apr_time_t)off * 60 * APR_USEC_PER_SEC;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ HTTP */

void pt_s3_header_get(const char *buf, apr_size_t len, const char *name,
                      char *dst, apr_size_t size)
{
    apr_size_t n = strlen(name), o = 0;
    const char *v, *end = buf + len;

    if (len <= n || buf[n] != ':' || strncasecmp(buf, name, n)) {
        return;
    }
    for (v = buf + n + 1; v < end && (*v == ' ' || *v == '\t'); v++) {
    }
    while (end > v && (unsigned char)end[-1] <= ' ') {
        end--;
    }
    for (; v < end && o + 1 < size; v++) {
        dst[o++] = ((unsigned char)*v < 0x20 || *v == 0x7f) ? ' ' : *v;
    }
    dst[o] = '\0';
}
