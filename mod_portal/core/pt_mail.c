/*
 * pt_mail.c -- build an RFC 5322 / MIME message (see pt_mail.h).
 *
 * The message is written into one bounded buffer (pt_buf, at most
 * PT_MAIL_MAX_SIZE) through a small writer that remembers the first error,
 * so the building code reads top to bottom and the status is checked once.
 *
 * Invariants of the output: every line ends in CRLF and is at most 998
 * bytes; header lines are folded to about 78 columns; no text from the
 * caller reaches a header without passing clean_text() (controls become
 * spaces, invalid UTF-8 becomes U+FFFD), so it can never start a new header
 * line.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_buf.h"
#include "pt_crypto.h"
#include "pt_mail.h"

#define LINE_SOFT 78        /* RFC 5322 2.1.1: lines SHOULD be <= 78 */
#define LINE_HARD 998       /* ... and MUST be <= 998 (without CRLF) */
#define EW_MAX 75           /* RFC 2047 2: an encoded-word is <= 75 */
#define EW_OVERHEAD 12      /* "=?UTF-8?B?" and "?=" */
#define QP_LINE 76          /* RFC 2045 6.7 (5) */
#define B64_IN_LINE 57      /* 57 bytes make 76 base64 characters */
#define ASCII_NAME_MAX 64   /* longer ASCII names are encoded (they fold) */
#define ASCII_WORD_MAX 60   /* longer runs in an ASCII subject: encoded */
#define FILENAME_MAX_BYTES 200
#define BOUNDARY_TRIES 8

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex_upper[] = "0123456789ABCDEF";

/* The message being written: the first failing append sets rv and every
 * later call does nothing. */
typedef struct writer_t {
    pt_buf_t buf;
    apr_status_t rv;
} writer_t;

static void put(writer_t *w, const char *s, apr_size_t n)
{
    if (w->rv == APR_SUCCESS) {
        w->rv = pt_buf_append(&w->buf, s, n);
    }
}

static void puts_w(writer_t *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Standard base64 (with padding) of in[0..n) into out, which must have
 * room for 4 * ((n + 2) / 3) + 1 bytes; returns the characters written. */
static apr_size_t b64_encode(const unsigned char *in, apr_size_t n, char *out)
{
    apr_size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        out[o++] = b64_alphabet[in[i] >> 2];
        out[o++] = b64_alphabet[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
        out[o++] = b64_alphabet[((in[i + 1] & 0x0f) << 2) | (in[i + 2] >> 6)];
        out[o++] = b64_alphabet[in[i + 2] & 0x3f];
    }
    if (i < n) {
        out[o++] = b64_alphabet[in[i] >> 2];
        if (i + 1 < n) {
            out[o++] = b64_alphabet[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
            out[o++] = b64_alphabet[(in[i + 1] & 0x0f) << 2];
        }
        else {
            out[o++] = b64_alphabet[(in[i] & 0x03) << 4];
            out[o++] = '=';
        }
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

/*
 * Decode one UTF-8 character at s (n > 0 bytes available).  Returns the
 * bytes it takes (1..4) and sets *cp; a malformed, overlong, surrogate or
 * out-of-range sequence takes 1 byte and gives U+FFFD.
 */
static apr_size_t utf8_next(const unsigned char *s, apr_size_t n,
                            apr_uint32_t *cp)
{
    apr_uint32_t c = s[0], min;
    apr_size_t len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        c &= 0x1f;
        min = 0x80;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        c &= 0x0f;
        min = 0x800;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    }
    else {
        *cp = 0xfffd;
        return 1;
    }
    if (len > n) {
        *cp = 0xfffd;
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = c;
    return len;
}

static apr_size_t utf8_put(char *o, apr_uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/*
 * A copy of s that is safe in a header: valid UTF-8 (bad bytes become
 * U+FFFD), with every C0 control (CR, LF, NUL, TAB...), DEL and C1
 * control replaced by a space.  NULL gives "".
 */
static char *clean_text(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t n, i = 0, o = 0;
    char *out;

    if (!s) {
        return apr_pstrdup(p, "");
    }
    n = strlen(s);
    out = apr_palloc(p, 3 * n + 1);     /* U+FFFD for a byte is 3 bytes */
    while (i < n) {
        apr_uint32_t c;

        i += utf8_next(u + i, n - i, &c);
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            c = ' ';
        }
        o += utf8_put(out + o, c);
    }
    out[o] = '\0';
    return out;
}

/* s with runs of spaces made one and no space at either end, in place
 * (display names: parsers collapse whitespace in a phrase anyway). */
static char *squeeze_spaces(char *s)
{
    apr_size_t i, o = 0;

    for (i = 0; s[i]; i++) {
        if (s[i] != ' ' || (o > 0 && s[o - 1] != ' ')) {
            s[o++] = s[i];
        }
    }
    if (o > 0 && s[o - 1] == ' ') {
        o--;
    }
    s[o] = '\0';
    return s;
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

/* RFC 5322 atext. */
static int is_atext(unsigned char c)
{
    return is_alnum(c)
           || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* 1 when s is printable ASCII only (space included). */
static int printable_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* A host name: dot-separated labels of 1..63 letters, digits and hyphens,
 * not starting or ending with a hyphen, 1..253 characters. */
static int host_ok(const char *s, apr_size_t n)
{
    apr_size_t i, start = 0;

    if (n == 0 || n > 253) {
        return 0;
    }
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (i == start || i - start > 63 || s[start] == '-'
                || s[i - 1] == '-') {
                return 0;
            }
            start = i + 1;
        }
        else if (!is_alnum((unsigned char)s[i]) && s[i] != '-') {
            return 0;
        }
    }
    return 1;
}

int pt_mail_addr_ok(const char *s)
{
    const char *at;
    apr_size_t n, i;

    if (!s) {
        return 0;
    }
    n = strlen(s);
    at = strchr(s, '@');
    if (n > PT_MAIL_ADDR_MAX || !at || at == s || at[-1] == '.'
        || s[0] == '.' || (at - s) > 64) {
        return 0;
    }
    for (i = 0; s + i < at; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') {
                return 0;
            }
        }
        else if (!is_atext((unsigned char)s[i])) {
            return 0;
        }
    }
    /* host_ok also refuses a second '@'. */
    return host_ok(at + 1, strlen(at + 1));
}

/*
 * Write s (clean, non-empty UTF-8) as RFC 2047 B encoded-words starting at
 * column *col, each at most EW_MAX characters and never splitting a
 * character; the words after the first go on continuation lines (CRLF SP),
 * which readers join without the whitespace.
 */
static void put_encoded_words(writer_t *w, apr_size_t *col, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t n = strlen(s), i = 0;
    char enc[EW_MAX + 1];
    int first = 1;

    while (i < n) {
        apr_size_t chars, bytes, take = 0;

        /* Fold before every word but the first, and before the first when
         * fewer than 6 bytes (8 base64 characters) would fit. */
        if (!first || *col + EW_OVERHEAD + 8 > LINE_SOFT) {
            puts_w(w, "\r\n ");
            *col = 1;
        }
        first = 0;
        chars = LINE_SOFT - *col - EW_OVERHEAD;
        if (chars > EW_MAX - EW_OVERHEAD) {
            chars = EW_MAX - EW_OVERHEAD;
        }
        bytes = chars / 4 * 3;
        while (i + take < n) {
            apr_uint32_t c;
            apr_size_t l = utf8_next(u + i + take, n - i - take, &c);

            if (take + l > bytes) {
                break;
            }
            take += l;
        }
        puts_w(w, "=?UTF-8?B?");
        chars = b64_encode(u + i, take, enc);
        put(w, enc, chars);
        puts_w(w, "?=");
        *col += chars + EW_OVERHEAD;
        i += take;
    }
}

/* 1 when s is atext words separated by single spaces (an RFC 5322 phrase
 * that needs no quoting and means exactly s). */
static int plain_phrase(const char *s)
{
    int prev_space = 1;

    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        if (*s == ' ') {
            if (prev_space) {
                return 0;
            }
            prev_space = 1;
        }
        else if (is_atext((unsigned char)*s)) {
            prev_space = 0;
        }
        else {
            return 0;
        }
    }
    return !prev_space;
}

/* "Field: name <addr>" or "Field: addr" (addr already checked). */
static void put_address(writer_t *w, apr_pool_t *p, const char *field,
                        const char *name, const char *addr)
{
    apr_size_t col = strlen(field) + 2;

    puts_w(w, field);
    puts_w(w, ": ");
    name = squeeze_spaces(clean_text(p, name));
    if (!*name) {
        puts_w(w, addr);
        puts_w(w, "\r\n");
        return;
    }
    if (printable_ascii(name) && !strstr(name, "=?")
        && strlen(name) <= ASCII_NAME_MAX) {
        if (plain_phrase(name)) {
            puts_w(w, name);
            col += strlen(name);
        }
        else {
            /* quoted-string: escape backslash and double quote */
            puts_w(w, "\"");
            col++;
            for (; *name; name++) {
                if (*name == '"' || *name == '\\') {
                    put(w, "\\", 1);
                    col++;
                }
                put(w, name, 1);
                col++;
            }
            puts_w(w, "\"");
            col++;
        }
    }
    else {
        put_encoded_words(w, &col, name);
    }
    if (col + 3 + strlen(addr) > LINE_SOFT) {
        puts_w(w, "\r\n <");
    }
    else {
        puts_w(w, " <");
    }
    puts_w(w, addr);
    puts_w(w, ">\r\n");
}

/* 1 when an ASCII subject can be written as it is and folded at spaces:
 * printable, nothing that looks like an encoded-word, no run of spaces or
 * of other characters longer than ASCII_WORD_MAX. */
static int plain_subject(const char *s)
{
    apr_size_t run = 0;
    int in_space = 0;

    if (!printable_ascii(s) || strstr(s, "=?")) {
        return 0;
    }
    for (; *s; s++) {
        if ((*s == ' ') != in_space) {
            in_space = (*s == ' ');
            run = 0;
        }
        if (++run > ASCII_WORD_MAX) {
            return 0;
        }
    }
    return 1;
}

static void put_subject(writer_t *w, apr_pool_t *p, const char *subject)
{
    const char *s = clean_text(p, subject);
    apr_size_t col = 9, i = 0, n = strlen(s);

    if (!*s) {
        puts_w(w, "Subject:\r\n");
        return;
    }
    puts_w(w, "Subject: ");
    if (!plain_subject(s)) {
        put_encoded_words(w, &col, s);
        puts_w(w, "\r\n");
        return;
    }
    /* Segments are spaces followed by a word; fold before a segment that
     * would pass the soft limit (the continuation starts with its space). */
    while (i < n) {
        apr_size_t start = i;
        int has_word;

        while (i < n && s[i] == ' ') {
            i++;
        }
        has_word = (i < n);
        while (i < n && s[i] != ' ') {
            i++;
        }
        if (start > 0 && has_word && s[start] == ' '
            && col + (i - start) > LINE_SOFT) {
            puts_w(w, "\r\n");
            col = 0;
        }
        put(w, s + start, i - start);
        col += i - start;
    }
    puts_w(w, "\r\n");
}

static const char *rfc5322_date(apr_pool_t *p, apr_time_t t)
{
    static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat" };
    static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                       "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec" };
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%s, %02d %s %d %02d:%02d:%02d +0000",
                        wday[e.tm_wday % 7], e.tm_mday, mon[e.tm_mon % 12],
                        e.tm_year + 1900, e.tm_hour, e.tm_min, e.tm_sec);
}

/*
 * s with every line ending made CRLF (lone LF and lone CR included) and a
 * final CRLF added when s is not empty and lacks one.  *qp is set when the
 * result cannot go as 7bit: a byte outside printable ASCII other than TAB
 * and the line ends, or a line longer than LINE_HARD.
 */
static const char *normalise_body(apr_pool_t *p, const char *s,
                                  apr_size_t *outlen, int *qp)
{
    apr_size_t n = strlen(s), i, o = 0, line = 0;
    char *out = apr_palloc(p, 2 * n + 3);

    *qp = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\r' || c == '\n') {
            if (c == '\r' && s[i + 1] == '\n') {
                i++;
            }
            out[o++] = '\r';
            out[o++] = '\n';
            line = 0;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c >= 0x7f) {
            *qp = 1;
        }
        if (++line > LINE_HARD) {
            *qp = 1;
        }
        out[o++] = (char)c;
    }
    if (o > 0 && out[o - 1] != '\n') {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/*
 * Quoted-printable of s (CRLF-normalised, n bytes): line ends stay hard
 * line breaks; '=', controls, non-ASCII and a space or TAB at the end of a
 * line are escaped; soft line breaks keep every line within QP_LINE.
 */
static void put_qp(writer_t *w, const char *s, apr_size_t n)
{
    char line[QP_LINE + 4];
    apr_size_t i = 0;

    while (i < n) {
        apr_size_t e = i, col = 0;

        while (e < n && !(s[e] == '\r' && e + 1 < n && s[e + 1] == '\n')) {
            e++;
        }
        for (; i < e; i++) {
            unsigned char c = (unsigned char)s[i];
            int last = (i + 1 == e);
            char tok[3];
            apr_size_t toklen;

            if ((c >= 33 && c <= 126 && c != '=')
                || ((c == ' ' || c == '\t') && !last)) {
                tok[0] = (char)c;
                toklen = 1;
            }
            else {
                tok[0] = '=';
                tok[1] = hex_upper[c >> 4];
                tok[2] = hex_upper[c & 0x0f];
                toklen = 3;
            }
            /* Leave room for the '=' of a soft break unless this is the
             * last character of the line. */
            if (col + toklen > (last ? QP_LINE : QP_LINE - 1)) {
                line[col++] = '=';
                put(w, line, col);
                puts_w(w, "\r\n");
                col = 0;
            }
            memcpy(line + col, tok, toklen);
            col += toklen;
        }
        put(w, line, col);
        if (e < n) {
            puts_w(w, "\r\n");
            i = e + 2;
        }
    }
}

/* base64 in lines of 76 characters, each ending in CRLF. */
static void put_base64(writer_t *w, const unsigned char *d, apr_size_t n)
{
    char line[80];
    apr_size_t i;

    for (i = 0; i < n; i += B64_IN_LINE) {
        apr_size_t k = n - i < B64_IN_LINE ? n - i : B64_IN_LINE;
        apr_size_t l = b64_encode(d + i, k, line);

        line[l++] = '\r';
        line[l++] = '\n';
        put(w, line, l);
    }
}

/* A body text prepared for writing. */
typedef struct body_t {
    const char *data;   /* CRLF-normalised */
    apr_size_t len;
    int qp;
} body_t;

static void put_text_part(writer_t *w, const char *subtype, const body_t *b)
{
    puts_w(w, "Content-Type: text/");
    puts_w(w, subtype);
    puts_w(w, "; charset=UTF-8\r\nContent-Transfer-Encoding: ");
    puts_w(w, b->qp ? "quoted-printable\r\n\r\n" : "7bit\r\n\r\n");
    if (b->qp) {
        put_qp(w, b->data, b->len);
    }
    else {
        put(w, b->data, b->len);
    }
}

/*
 * A fresh boundary "=_pt<tag>_<32 hex>".  "=_" cannot occur in base64 or
 * quoted-printable, so only the 7bit bodies can contain it: draw again if
 * one of them does (never happens in practice: 128 random bits).
 */
static apr_status_t make_boundary(apr_pool_t *p, char tag,
                                  const body_t *a, const body_t *b,
                                  const char **out)
{
    unsigned char r[16];
    int i;

    for (i = 0; i < BOUNDARY_TRIES; i++) {
        const char *bd;

        if (pt_random_bytes(r, sizeof(r)) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        bd = apr_psprintf(p, "=_pt%c_%s", tag,
                          pt_hex_encode(p, r, sizeof(r)));
        if ((a && !a->qp && strstr(a->data, bd))
            || (b && !b->qp && strstr(b->data, bd))) {
            continue;
        }
        *out = bd;
        return APR_SUCCESS;
    }
    return APR_EGENERAL;
}

/* 1 when s is "type/subtype" of RFC 2045 tokens. */
static int content_type_ok(const char *s)
{
    const char *slash;
    apr_size_t i;

    if (!s || !*s || strlen(s) > 100) {
        return 0;
    }
    slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1]) {
        return 0;
    }
    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];

        if (s + i == slash) {
            continue;
        }
        if (!is_alnum(c) && !strchr("!#$%&'*+-.^_`{|}~", c)) {
            return 0;
        }
    }
    return 1;
}

/*
 * The Content-Disposition of an attachment.  The name is cleaned, quotes,
 * backslashes and slashes become '_', it is cut to FILENAME_MAX_BYTES at a
 * character boundary, and written as filename="..." when ASCII, as the RFC
 * 2231 filename*=UTF-8''... otherwise.
 */
static void put_disposition(writer_t *w, apr_pool_t *p, const char *name)
{
    const unsigned char *u;
    char *s = clean_text(p, name);
    const char *fn;
    apr_size_t i, n = 0, total;

    for (i = 0; s[i]; i++) {
        if (s[i] == '"' || s[i] == '\\' || s[i] == '/') {
            s[i] = '_';
        }
    }
    total = i;
    while (n < total) {
        apr_uint32_t c;
        apr_size_t l = utf8_next((const unsigned char *)s + n, total - n, &c);

        if (n + l > FILENAME_MAX_BYTES) {
            break;
        }
        n += l;
    }
    s[n] = '\0';
    fn = *s ? s : "attachment";
    puts_w(w, "Content-Disposition: attachment;\r\n ");
    if (printable_ascii(fn)) {
        puts_w(w, "filename=\"");
        puts_w(w, fn);
        puts_w(w, "\"\r\n");
        return;
    }
    puts_w(w, "filename*=UTF-8''");
    for (u = (const unsigned char *)s; *u; u++) {
        if (is_alnum(*u) || strchr("!#$&+-.^_`|~", *u)) {
            put(w, (const char *)u, 1);
        }
        else {
            char esc[3] = { '%', hex_upper[*u >> 4], hex_upper[*u & 0x0f] };

            put(w, esc, 3);
        }
    }
    puts_w(w, "\r\n");
}

static void put_attachment(writer_t *w, apr_pool_t *p,
                           const pt_mail_attachment_t *a)
{
    puts_w(w, "Content-Type: ");
    puts_w(w, content_type_ok(a->content_type) ? a->content_type
                                               : "application/octet-stream");
    puts_w(w, "\r\nContent-Transfer-Encoding: base64\r\n");
    put_disposition(w, p, a->filename);
    puts_w(w, "\r\n");
    put_base64(w, (const unsigned char *)a->data, a->len);
}

/* The text part, or a multipart/alternative of text and html. */
static apr_status_t put_body(writer_t *w, apr_pool_t *p, const body_t *text,
                             const body_t *html)
{
    const char *bd;
    apr_status_t rv;

    if (!html) {
        put_text_part(w, "plain", text);
        return APR_SUCCESS;
    }
    rv = make_boundary(p, 'a', text, html, &bd);
    if (rv) {
        return rv;
    }
    puts_w(w, apr_pstrcat(p, "Content-Type: multipart/alternative;\r\n"
                          " boundary=\"", bd, "\"\r\n\r\n--", bd, "\r\n",
                          NULL));
    put_text_part(w, "plain", text);
    puts_w(w, apr_pstrcat(p, "\r\n--", bd, "\r\n", NULL));
    put_text_part(w, "html", html);
    puts_w(w, apr_pstrcat(p, "\r\n--", bd, "--\r\n", NULL));
    return APR_SUCCESS;
}

/* A lower bound of the encoded size, to refuse a hopeless message before
 * encoding it. */
static apr_uint64_t size_floor(const pt_mail_t *m)
{
    apr_uint64_t n = strlen(m->text) + (m->html ? strlen(m->html) : 0);
    int i;

    for (i = 0; m->attachments && i < m->attachments->nelts; i++) {
        const pt_mail_attachment_t *a =
            &APR_ARRAY_IDX(m->attachments, i, pt_mail_attachment_t);

        n += (apr_uint64_t)a->len / 3 * 4;
    }
    return n;
}

apr_status_t pt_mail_build(apr_pool_t *p, const pt_mail_t *m,
                           const char **out, apr_size_t *len,
                           const char **msgid, pt_err_t *err)
{
    body_t text, html = { NULL, 0, 0 };
    const char *domain, *mixed = NULL;
    unsigned char r[16];
    apr_uint64_t floor;
    writer_t w;
    apr_status_t rv;
    int i, natt;

    if (!pt_mail_addr_ok(m->from_addr)) {
        pt_err_set(err, p, "mail", 0, "sender address is not a plain "
                   "addr-spec");
        return APR_EINVAL;
    }
    if (!pt_mail_addr_ok(m->to_addr)) {
        pt_err_set(err, p, "mail", 0, "recipient address is not a plain "
                   "addr-spec");
        return APR_EINVAL;
    }
    domain = m->msgid_domain ? m->msgid_domain : strchr(m->from_addr, '@') + 1;
    if (!host_ok(domain, strlen(domain))) {
        pt_err_set(err, p, "mail", 0, "Message-ID domain is not a host name");
        return APR_EINVAL;
    }
    if (!m->text) {
        pt_err_set(err, p, "mail", 0, "the message has no text");
        return APR_EINVAL;
    }
    natt = m->attachments ? m->attachments->nelts : 0;
    if (natt > 0 && m->attachments->elt_size != sizeof(pt_mail_attachment_t)) {
        pt_err_set(err, p, "mail", 0, "attachments is not an array of "
                   "pt_mail_attachment_t");
        return APR_EINVAL;
    }
    for (i = 0; i < natt; i++) {
        const pt_mail_attachment_t *a =
            &APR_ARRAY_IDX(m->attachments, i, pt_mail_attachment_t);

        if (!a->data && a->len > 0) {
            pt_err_set(err, p, "mail", 0, "attachment %d has no data", i + 1);
            return APR_EINVAL;
        }
    }
    floor = size_floor(m);
    if (floor > PT_MAIL_MAX_SIZE) {
        pt_err_set(err, p, "mail", 0, "the message would be larger than "
                   "%d bytes", PT_MAIL_MAX_SIZE);
        return APR_ENOSPC;
    }

    text.data = normalise_body(p, m->text, &text.len, &text.qp);
    if (m->html) {
        html.data = normalise_body(p, m->html, &html.len, &html.qp);
    }
    rv = pt_random_bytes(r, sizeof(r));
    if (rv) {
        return rv;
    }
    *msgid = apr_pstrcat(p, "<", pt_hex_encode(p, r, sizeof(r)), "@", domain,
                         ">", NULL);

    /* Room for the usual case at once; never more than the bound. */
    floor += floor / 3 + 4096;
    pt_buf_init(&w.buf, p, floor > PT_MAIL_MAX_SIZE ? PT_MAIL_MAX_SIZE + 1
                                                    : (apr_size_t)floor,
                PT_MAIL_MAX_SIZE);
    w.rv = APR_SUCCESS;
    puts_w(&w, apr_pstrcat(p, "Date: ",
                           rfc5322_date(p, m->date ? m->date : apr_time_now()),
                           "\r\n", NULL));
    put_address(&w, p, "From", m->from_name, m->from_addr);
    put_address(&w, p, "To", m->to_name, m->to_addr);
    put_subject(&w, p, m->subject);
    puts_w(&w, apr_pstrcat(p, "Message-ID: ", *msgid, "\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Auto-Submitted: auto-generated\r\n", NULL));
    if (natt > 0) {
        rv = make_boundary(p, 'm', &text, m->html ? &html : NULL, &mixed);
        if (rv) {
            return rv;
        }
        puts_w(&w, apr_pstrcat(p, "Content-Type: multipart/mixed;\r\n"
                               " boundary=\"", mixed, "\"\r\n\r\n"
                               "This is a multi-part message in MIME "
                               "format.\r\n\r\n--", mixed, "\r\n", NULL));
    }
    rv = put_body(&w, p, &text, m->html ? &html : NULL);
    if (rv) {
        return rv;
    }
    for (i = 0; i < natt; i++) {
        puts_w(&w, apr_pstrcat(p, "\r\n--", mixed, "\r\n", NULL));
        put_attachment(&w, p, &APR_ARRAY_IDX(m->attachments, i,
                                             pt_mail_attachment_t));
    }
    if (natt > 0) {
        puts_w(&w, apr_pstrcat(p, "\r\n--", mixed, "--\r\n", NULL));
    }
    if (w.rv == APR_ENOSPC) {
        pt_err_set(err, p, "mail", 0, "the message would be larger than "
                   "%d bytes", PT_MAIL_MAX_SIZE);
        return APR_ENOSPC;
    }
    if (w.rv) {
        return w.rv;
    }
    *out = w.buf.data;
    *len = w.buf.len;
    return APR_SUCCESS;
}
