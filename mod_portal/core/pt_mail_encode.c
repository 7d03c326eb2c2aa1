/*
 * pt_mail_encode.c -- the encodings of the message builder (see
 * pt_mail_int.h): text made safe for a header, RFC 2047 encoded-words for
 * display names and subjects, the RFC 2231 file name of an attachment,
 * quoted-printable and base64 bodies, and the syntax checks of addresses,
 * host names and content types.  pt_mail.c assembles the message from
 * these.
 *
 * Nothing from the caller reaches a header without passing clean_text()
 * (controls become spaces, invalid UTF-8 becomes U+FFFD), so it can never
 * start a new header line.  Header lines are folded to about LINE_SOFT
 * columns; encoded body lines are at most 76 characters.
 *
 * Longer than the ~600 lines of the norm: every encoding a message needs
 * (RFC 2045, 2047, 2231 and the syntax checks they rely on), each a few
 * dozen lines sharing the same character-class helpers.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_mail_int.h"

#define LINE_SOFT 78        /* RFC 5322 2.1.1: lines SHOULD be <= 78 */
#define EW_MAX 75           /* RFC 2047 2: an encoded-word is <= 75 */
#define EW_OVERHEAD 12      /* "=?UTF-8?B?" and "?=" */
#define QP_LINE 76          /* RFC 2045 6.7 (5) */
#define B64_IN_LINE 57      /* 57 bytes make 76 base64 characters */
#define ASCII_NAME_MAX 64   /* longer ASCII names are encoded (they fold) */
#define ASCII_WORD_MAX 60   /* longer runs in an ASCII subject: encoded */
#define FILENAME_MAX_BYTES 200

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex_upper[] = "0123456789ABCDEF";

/* ------------------------------------------------------------ writing */

void pt_mail_put(pt_mail_writer_t *w, const char *s, apr_size_t n)
{
    if (w->rv == APR_SUCCESS) {
        w->rv = pt_buf_append(&w->buf, s, n);
    }
}

void pt_mail_puts(pt_mail_writer_t *w, const char *s)
{
    pt_mail_put(w, s, strlen(s));
}

/* ------------------------------------------------------------ text */

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

/* ------------------------------------------------------------ syntax */

int pt_mail_host_ok(const char *s, apr_size_t n)
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
    return pt_mail_host_ok(at + 1, strlen(at + 1));
}

int pt_mail_msgid_ok(const char *s)
{
    apr_size_t n, i;
    const char *at;

    if (!s) {
        return 0;
    }
    n = strlen(s);
    if (n < 5 || n > 250 || s[0] != '<' || s[n - 1] != '>') {
        return 0;
    }
    at = strchr(s, '@');
    if (!at || at == s + 1 || s[1] == '.' || at[-1] == '.') {
        return 0;
    }
    for (i = 1; s + i < at; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') {
                return 0;
            }
        }
        else if (!is_atext((unsigned char)s[i])) {
            return 0;
        }
    }
    /* host_ok also refuses a second '@' and the closing '>' inside */
    return pt_mail_host_ok(at + 1, (apr_size_t)(s + n - 1 - (at + 1)));
}

int pt_mail_content_type_ok(const char *s)
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

/* ------------------------------------------------------------ headers */

/*
 * Write s (clean, non-empty UTF-8) as RFC 2047 B encoded-words starting at
 * column *col, each at most EW_MAX characters and never splitting a
 * character; the words after the first go on continuation lines (CRLF SP),
 * which readers join without the whitespace.
 */
static void put_encoded_words(pt_mail_writer_t *w, apr_size_t *col,
                              const char *s)
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
            pt_mail_puts(w, "\r\n ");
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
        pt_mail_puts(w, "=?UTF-8?B?");
        chars = b64_encode(u + i, take, enc);
        pt_mail_put(w, enc, chars);
        pt_mail_puts(w, "?=");
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

void pt_mail_put_address(pt_mail_writer_t *w, apr_pool_t *p,
                         const char *field, const char *name,
                         const char *addr)
{
    apr_size_t col = strlen(field) + 2;

    pt_mail_puts(w, field);
    pt_mail_puts(w, ": ");
    name = squeeze_spaces(clean_text(p, name));
    if (!*name) {
        pt_mail_puts(w, addr);
        pt_mail_puts(w, "\r\n");
        return;
    }
    if (printable_ascii(name) && !strstr(name, "=?")
        && strlen(name) <= ASCII_NAME_MAX) {
        if (plain_phrase(name)) {
            pt_mail_puts(w, name);
            col += strlen(name);
        }
        else {
            /* quoted-string: escape backslash and double quote */
            pt_mail_puts(w, "\"");
            col++;
            for (; *name; name++) {
                if (*name == '"' || *name == '\\') {
                    pt_mail_put(w, "\\", 1);
                    col++;
                }
                pt_mail_put(w, name, 1);
                col++;
            }
            pt_mail_puts(w, "\"");
            col++;
        }
    }
    else {
        put_encoded_words(w, &col, name);
    }
    if (col + 3 + strlen(addr) > LINE_SOFT) {
        pt_mail_puts(w, "\r\n <");
    }
    else {
        pt_mail_puts(w, " <");
    }
    pt_mail_puts(w, addr);
    pt_mail_puts(w, ">\r\n");
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

void pt_mail_put_subject(pt_mail_writer_t *w, apr_pool_t *p,
                         const char *subject)
{
    const char *s = clean_text(p, subject);
    apr_size_t col = 9, i = 0, n = strlen(s);

    if (!*s) {
        pt_mail_puts(w, "Subject:\r\n");
        return;
    }
    pt_mail_puts(w, "Subject: ");
    if (!plain_subject(s)) {
        put_encoded_words(w, &col, s);
        pt_mail_puts(w, "\r\n");
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
            pt_mail_puts(w, "\r\n");
            col = 0;
        }
        pt_mail_put(w, s + start, i - start);
        col += i - start;
    }
    pt_mail_puts(w, "\r\n");
}

/* The name is cut at FILENAME_MAX_BYTES. */
void pt_mail_put_disposition(pt_mail_writer_t *w, apr_pool_t *p,
                             const char *name)
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
    pt_mail_puts(w, "Content-Disposition: attachment;\r\n ");
    if (printable_ascii(fn)) {
        pt_mail_puts(w, "filename=\"");
        pt_mail_puts(w, fn);
        pt_mail_puts(w, "\"\r\n");
        return;
    }
    pt_mail_puts(w, "filename*=UTF-8''");
    for (u = (const unsigned char *)s; *u; u++) {
        if (is_alnum(*u) || strchr("!#$&+-.^_`|~", *u)) {
            pt_mail_put(w, (const char *)u, 1);
        }
        else {
            char esc[3] = { '%', hex_upper[*u >> 4], hex_upper[*u & 0x0f] };

            pt_mail_put(w, esc, 3);
        }
    }
    pt_mail_puts(w, "\r\n");
}

/* ------------------------------------------------------------ bodies */

void pt_mail_put_qp(pt_mail_writer_t *w, const char *s, apr_size_t n)
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
                pt_mail_put(w, line, col);
                pt_mail_puts(w, "\r\n");
                col = 0;
            }
            memcpy(line + col, tok, toklen);
            col += toklen;
        }
        pt_mail_put(w, line, col);
        if (e < n) {
            pt_mail_puts(w, "\r\n");
            i = e + 2;
        }
    }
}

void pt_mail_put_base64(pt_mail_writer_t *w, const unsigned char *d,
                        apr_size_t n)
{
    char line[80];
    apr_size_t i;

    for (i = 0; i < n; i += B64_IN_LINE) {
        apr_size_t k = n - i < B64_IN_LINE ? n - i : B64_IN_LINE;
        apr_size_t l = b64_encode(d + i, k, line);

        line[l++] = '\r';
        line[l++] = '\n';
        pt_mail_put(w, line, l);
    }
}
