/*
 * pt_form.c -- strict application/x-www-form-urlencoded parsing, UTF-8
 * validation and URL percent-encoding (see pt_form.h).
 *
 * Rules of the parser: fields are separated by '&'; empty fields ("a&&b")
 * are skipped; "a" without '=' is the name a with the value ""; everything
 * after the first '=' is the value; '+' decodes to a space; "%XX" takes two
 * hex digits of either case.  A '%' not followed by two hex digits, a
 * decoded NUL byte, invalid UTF-8 or more than PT_FORM_MAX_FIELDS fields
 * make the whole input invalid.  Error messages name the field by its
 * position, never by its (untrusted) content.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "pt_form.h"
#include "pt_crypto.h"

/*
 * 1 when s[0..len) is well-formed UTF-8 (RFC 3629, Unicode table 3-7):
 * no NUL, no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF, no truncated sequence.
 */
int pt_utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0;

    if (!s) {
        return len == 0;
    }
    while (i < len) {
        unsigned char c = u[i];
        unsigned char lo = 0x80, hi = 0xbf;
        apr_size_t need, k;

        if (c == 0) {
            return 0;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0) {
                lo = 0xa0;          /* overlong below U+0800 */
            }
            else if (c == 0xed) {
                hi = 0x9f;          /* surrogates */
            }
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0) {
                lo = 0x90;          /* overlong below U+10000 */
            }
            else if (c == 0xf4) {
                hi = 0x8f;          /* above U+10FFFF */
            }
        }
        else {
            /* 0x80..0xc1 (continuation or overlong lead), 0xf5..0xff */
            return 0;
        }
        if (len - i - 1 < need) {
            return 0;
        }
        if (u[i + 1] < lo || u[i + 1] > hi) {
            return 0;
        }
        for (k = 2; k <= need; k++) {
            if (u[i + k] < 0x80 || u[i + k] > 0xbf) {
                return 0;
            }
        }
        i += need + 1;
    }
    return 1;
}

/*
 * Decode s[0..len) ('+' and %XX) into a new NUL-terminated pool string.
 * Returns NULL for a malformed escape, with *why set to a reason; checks
 * for NUL and UTF-8 are the caller's.
 */
static char *form_decode(apr_pool_t *p, const char *s, apr_size_t len,
                         apr_size_t *outlen, const char **why)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t i, o = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '+') {
            out[o++] = ' ';
        }
        else if (c == '%') {
            int hi, lo;

            if (len - i < 3) {
                *why = "truncated percent escape";
                return NULL;
            }
            hi = pt_hex_value((unsigned char)s[i + 1]);
            lo = pt_hex_value((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) {
                *why = "bad percent escape";
                return NULL;
            }
            out[o++] = (char)((hi << 4) | lo);
            i += 2;
        }
        else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* Decode one name or value and check it; NULL with *why on failure. */
static char *decode_checked(apr_pool_t *p, const char *s, apr_size_t len,
                            const char **why)
{
    apr_size_t n = 0;
    char *d = form_decode(p, s, len, &n, why);

    if (!d) {
        return NULL;
    }
    if (memchr(d, '\0', n)) {
        *why = "NUL byte";
        return NULL;
    }
    if (!pt_utf8_valid(d, n)) {
        *why = "invalid UTF-8";
        return NULL;
    }
    return d;
}

apr_status_t pt_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                           apr_table_t **out, pt_err_t *err)
{
    apr_table_t *t = apr_table_make(p, 8);
    apr_size_t pos = 0;
    int fields = 0;

    *out = NULL;
    if (!body && len > 0) {
        pt_err_set(err, p, "form", 0, "no body");
        return APR_EINVAL;
    }
    while (pos < len) {
        const char *seg = body + pos;
        const char *amp = memchr(seg, '&', len - pos);
        apr_size_t seglen = amp ? (apr_size_t)(amp - seg) : len - pos;
        const char *eq, *why = NULL;
        char *name, *value;

        pos += seglen + 1;
        if (seglen == 0) {
            continue;
        }
        fields++;
        if (fields > PT_FORM_MAX_FIELDS) {
            pt_err_set(err, p, "form", 0, "more than %d fields",
                       PT_FORM_MAX_FIELDS);
            return APR_EINVAL;
        }
        eq = memchr(seg, '=', seglen);
        if (eq) {
            name = decode_checked(p, seg, (apr_size_t)(eq - seg), &why);
            value = name ? decode_checked(p, eq + 1,
                                          seglen - (apr_size_t)(eq - seg) - 1,
                                          &why)
                         : NULL;
        }
        else {
            name = decode_checked(p, seg, seglen, &why);
            value = "";
        }
        if (!name || !value) {
            pt_err_set(err, p, "form", 0, "field %d: %s", fields, why);
            return APR_EINVAL;
        }
        apr_table_addn(t, name, value);
    }
    *out = t;
    return APR_SUCCESS;
}

const char *pt_url_encode(apr_pool_t *p, const char *s)
{
    return pt_url_encode_keep(p, s, NULL);
}

/* Percent-encode everything but RFC 3986 unreserved characters and the
 * ones in keep. */
const char *pt_url_encode_keep(apr_pool_t *p, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t len, i, o = 0;
    char *out;

    if (!s) {
        return "";
    }
    len = strlen(s);
    out = apr_palloc(p, len * 3 + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~' || (keep && c && strchr(keep, c))) {
            out[o++] = (char)c;
        }
        else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0x0f];
        }
    }
    out[o] = '\0';
    return out;
}
