/*
 * test_mail.c -- unit tests of pt_mail.c: message structure (text, text and
 * HTML, attachments), RFC 2047 names and subjects, header injection
 * attempts, address checks, line-end normalisation, quoted-printable,
 * base64 attachments and the size bound.
 *
 * Every message built here is also written to a temporary directory and
 * parsed by Python's email package ($top_srcdir/t/unit/check_mail.py), and
 * what Python sees (names, subject, parts) must equal what went in.
 */
#include <stdlib.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <jansson.h>

#include "pt_buf.h"
#include "pt_crypto.h"
#include "pt_mail.h"
#include "pt_test.h"

static const char *tmpdir;
static int nfiles;

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

static apr_status_t json_cleanup(void *j)
{
    json_decref(j);
    return APR_SUCCESS;
}

/* Write msg to a new file in tmpdir, run check_mail.py on it and return
 * its JSON (NULL when anything fails, with a diagnostic). */
static json_t *py_parse(apr_pool_t *p, const char *msg, apr_size_t len)
{
    const char *path, *cmd;
    pt_buf_t out;
    json_error_t jerr;
    json_t *j;
    FILE *f;
    char chunk[4096];
    apr_size_t n;

    path = apr_psprintf(p, "%s/%04d.eml", tmpdir, ++nfiles);
    f = fopen(path, "wb");
    if (!f || fwrite(msg, 1, len, f) != len) {
        printf("# cannot write %s\n", path);
        if (f) {
            fclose(f);
        }
        return NULL;
    }
    fclose(f);
    cmd = apr_psprintf(p, "python3 '%s/t/unit/check_mail.py' '%s'",
                       top_srcdir(), path);
    f = popen(cmd, "r");
    if (!f) {
        printf("# cannot run %s\n", cmd);
        return NULL;
    }
    pt_buf_init(&out, p, 4096, 16 * 1024 * 1024);
    for (;;) {
        n = fread(chunk, 1, sizeof(chunk), f);
        if (n == 0 || pt_buf_append(&out, chunk, n) != APR_SUCCESS) {
            break;
        }
    }
    if (pclose(f) != 0) {
        printf("# %s failed\n", cmd);
        return NULL;
    }
    j = json_loads(out.data, 0, &jerr);
    if (!j) {
        printf("# bad JSON from check_mail.py: %s\n", jerr.text);
        return NULL;
    }
    apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    return j;
}

static const char *jstr(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* The n-th leaf part's key, or NULL. */
static const char *part_str(json_t *j, size_t n, const char *key)
{
    return jstr(json_array_get(json_object_get(j, "parts"), n), key);
}

/* The display name / address of the first From or To address. */
static const char *addr_str(json_t *j, const char *field, const char *key)
{
    return jstr(json_array_get(json_object_get(j, field), 0), key);
}

static json_int_t raw_int(json_t *j, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(j, "raw"),
                                              key));
}

/* No defects, no line over 998 bytes, no bare CR or LF. */
static int py_clean(json_t *j)
{
    if (!j) {
        return 0;
    }
    if (json_array_size(json_object_get(j, "defects")) != 0) {
        printf("# defects: %s\n",
               json_dumps(json_object_get(j, "defects"), 0));
        return 0;
    }
    return raw_int(j, "max_line") <= 998 && raw_int(j, "bare_lf") == 0
           && raw_int(j, "bare_cr") == 0;
}

/* Equal after dropping one final "\n" from each (a text part always ends
 * with a line end in the message). */
static int text_eq(const char *got, const char *want)
{
    apr_size_t g, w;

    if (!got || !want) {
        return 0;
    }
    g = strlen(got);
    w = strlen(want);
    if (g && got[g - 1] == '\n') {
        g--;
    }
    if (w && want[w - 1] == '\n') {
        w--;
    }
    return g == w && !memcmp(got, want, g);
}

/* The header section (up to the blank line) of msg. */
static const char *headers_of(apr_pool_t *p, const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");

    return end ? apr_pstrmemdup(p, msg, (apr_size_t)(end - msg) + 2) : "";
}

/*
 * Every header line starts with a known field name and ':' or is a
 * continuation (starts with SP or HTAB), ends in CRLF and is at most
 * `maxlen` bytes.  Returns the number of fields, or -1.
 */
static int scan_headers(const char *h, apr_size_t maxlen)
{
    static const char *const known[] = {
        "Date:", "From:", "To:", "Subject:", "Message-ID:", "MIME-Version:",
        "Auto-Submitted:", "Content-Type:", "Content-Transfer-Encoding:",
        NULL
    };
    int fields = 0;

    while (*h) {
        const char *eol = strstr(h, "\r\n");
        int i, ok = 0;

        if (!eol || (apr_size_t)(eol - h) > maxlen
            || memchr(h, '\n', (apr_size_t)(eol - h))
            || memchr(h, '\r', (apr_size_t)(eol - h))) {
            return -1;
        }
        if (*h == ' ' || *h == '\t') {
            ok = (fields > 0);
        }
        for (i = 0; !ok && known[i]; i++) {
            if (!strncmp(h, known[i], strlen(known[i]))) {
                ok = 1;
                fields++;
            }
        }
        if (!ok) {
            printf("# unexpected header line: %.*s\n", (int)(eol - h), h);
            return -1;
        }
        h = eol + 2;
    }
    return fields;
}

/*
 * Decode the RFC 2047 B encoded-words of one header field of h (folded as
 * written), checking that each is at most 75 characters.  Returns the
 * concatenated text, or NULL when a word is malformed or too long.
 */
static const char *decode_words(apr_pool_t *p, const char *h,
                                const char *field, int *nwords)
{
    const char *s = strstr(h, field);
    const char *end;
    char *result = "";

    *nwords = 0;
    if (!s) {
        return NULL;
    }
    /* The field ends at the first CRLF not followed by whitespace. */
    end = s;
    do {
        end = strstr(end + 1, "\r\n");
    } while (end && (end[2] == ' ' || end[2] == '\t'));
    if (!end) {
        return NULL;
    }
    for (;;) {
        const char *w = strstr(s, "=?UTF-8?B?"), *q;
        unsigned char *dec;
        apr_size_t declen;
        char *b64;
        apr_size_t i;

        if (!w || w >= end) {
            break;
        }
        q = strstr(w + 10, "?=");
        if (!q || q > end || (q + 2 - w) > 75) {
            printf("# bad or long encoded-word at %.20s\n", w);
            return NULL;
        }
        b64 = apr_pstrmemdup(p, w + 10, (apr_size_t)(q - w - 10));
        for (i = 0; b64[i]; i++) {
            if (b64[i] == '+') {
                b64[i] = '-';
            }
            else if (b64[i] == '/') {
                b64[i] = '_';
            }
        }
        if (pt_b64url_decode(p, b64, &dec, &declen) != APR_SUCCESS) {
            return NULL;
        }
        result = apr_pstrcat(p, result,
                             apr_pstrmemdup(p, (char *)dec, declen), NULL);
        ++*nwords;
        s = q + 2;
    }
    return result;
}

/* Longest line of s (without CRLF). */
static apr_size_t max_line(const char *s)
{
    apr_size_t best = 0;

    while (*s) {
        const char *eol = strstr(s, "\r\n");
        apr_size_t n = eol ? (apr_size_t)(eol - s) : strlen(s);

        if (n > best) {
            best = n;
        }
        s += n + (eol ? 2 : 0);
    }
    return best;
}

static void base_mail(pt_mail_t *m)
{
    memset(m, 0, sizeof(*m));
    m->from_name = "Portal";
    m->from_addr = "noreply@portal.example.org";
    m->to_name = "Alice Example";
    m->to_addr = "alice@example.com";
    m->subject = "Confirm your address";
    m->text = "Hello Alice,\n\nplease confirm your address.\n";
    m->date = apr_time_from_sec(1709211909);   /* 2024-02-29 13:05:09 */
}

/* "<32 lower-case hex digits@domain>" */
static int hex_msgid(const char *id, const char *domain)
{
    apr_size_t i, dl = strlen(domain);

    if (strlen(id) != 35 + dl || id[0] != '<' || id[33] != '@'
        || strncmp(id + 34, domain, dl) || id[34 + dl] != '>') {
        return 0;
    }
    for (i = 1; i < 33; i++) {
        if (!strchr("0123456789abcdef", id[i])) {
            return 0;
        }
    }
    return 1;
}

static void test_text_only(apr_pool_t *p)
{
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL, *h;
    apr_size_t len = 0;
    pt_err_t err = { 0 };
    json_t *j;

    base_mail(&m);
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_SUCCESS,
          "text-only message builds");
    if (!out) {
        return;
    }
    PT_OK(len == strlen(out), "length matches the NUL-terminated text");
    h = headers_of(p, out);
    PT_OK(scan_headers(h, 78) == 9, "nine known header fields, lines <= 78");
    PT_OK(!strncmp(out, "Date: Thu, 29 Feb 2024 13:05:09 +0000\r\n"
                   "From: Portal <noreply@portal.example.org>\r\n"
                   "To: Alice Example <alice@example.com>\r\n"
                   "Subject: Confirm your address\r\n"
                   "Message-ID: <", 158),
          "Date (UTC +0000), From, To, Subject, Message-ID in order");
    PT_OK(hex_msgid(id, "portal.example.org"),
          "Message-ID is <32 hex@domain of the sender>: %s", id);
    PT_OK(strstr(h, apr_pstrcat(p, "\r\nMessage-ID: ", id, "\r\n", NULL))
          != NULL, "*msgid is the Message-ID header");
    PT_OK(strstr(h, "\r\nMIME-Version: 1.0\r\n")
          && strstr(h, "\r\nAuto-Submitted: auto-generated\r\n")
          && strstr(h, "\r\nContent-Type: text/plain; charset=UTF-8\r\n")
          && strstr(h, "\r\nContent-Transfer-Encoding: 7bit\r\n"),
          "MIME-Version, Auto-Submitted, text/plain UTF-8, 7bit");
    PT_OK(len >= 2 && !strcmp(out + len - 2, "\r\n"), "ends with CRLF");

    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects, CRLF only, lines <= 998");
    PT_IS_STR(jstr(j, "structure"), "text/plain", "python: text/plain");
    PT_IS_STR(jstr(j, "subject"), m.subject, "python: subject");
    PT_IS_STR(addr_str(j, "from", "name"), "Portal", "python: from name");
    PT_IS_STR(addr_str(j, "from", "addr"), m.from_addr, "python: from addr");
    PT_IS_STR(addr_str(j, "to", "name"), m.to_name, "python: to name");
    PT_IS_STR(addr_str(j, "to", "addr"), m.to_addr, "python: to addr");
    PT_IS_STR(jstr(j, "message_id"), id, "python: Message-ID");
    PT_IS_STR(jstr(j, "auto_submitted"), "auto-generated",
              "python: Auto-Submitted");
    PT_OK(text_eq(part_str(j, 0, "text"), m.text), "python: body text");

    /* Other Message-ID domain, no names, empty subject, date now. */
    m.msgid_domain = "mail.example.net";
    m.from_name = NULL;
    m.to_name = "";
    m.subject = NULL;
    m.date = 0;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_SUCCESS
          && hex_msgid(id, "mail.example.net"),
          "msgid_domain is used: %s", id ? id : "");
    PT_OK(strstr(out, "\r\nFrom: noreply@portal.example.org\r\n"
                 "To: alice@example.com\r\nSubject:\r\n") != NULL,
          "no display names: bare addresses; empty subject");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j) && jstr(j, "date") && strstr(jstr(j, "date"), "+0000"),
          "python: Date of now parses, UTC");
    PT_IS_STR(jstr(j, "subject"), "", "python: empty subject");
}

static void test_alternative(apr_pool_t *p)
{
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL;
    apr_size_t len = 0;
    json_t *j;

    base_mail(&m);
    m.html = "<p>Hello Alice,</p>\n<p>please <b>confirm</b>.</p>\n";
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "text+html message builds");
    if (!out) {
        return;
    }
    PT_OK(scan_headers(headers_of(p, out), 78) == 8,
          "eight header fields (no top-level CTE)");
    PT_OK(strstr(out, "Content-Type: multipart/alternative;\r\n"
                 " boundary=\"=_pta_") != NULL,
          "multipart/alternative with a quoted random boundary");
    PT_OK(strstr(out, "text/plain") < strstr(out, "text/html"),
          "text part comes first");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_IS_STR(jstr(j, "structure"),
              "multipart/alternative(text/plain,text/html)",
              "python: alternative(text, html)");
    PT_OK(text_eq(part_str(j, 0, "text"), m.text), "python: text part");
    PT_OK(text_eq(part_str(j, 1, "text"), m.html), "python: html part");
    PT_IS_STR(part_str(j, 1, "charset"), "utf-8", "python: html is UTF-8");
}

/* Decode python's base64 of a part and compare with want. */
static int py_data_eq(apr_pool_t *p, json_t *j, size_t n, const char *want,
                      apr_size_t wlen)
{
    const char *b64 = part_str(j, n, "data_b64");
    unsigned char *dec;
    apr_size_t declen, i;
    char *u;

    if (!b64) {
        return 0;
    }
    u = apr_pstrdup(p, b64);
    for (i = 0; u[i]; i++) {
        if (u[i] == '+') {
            u[i] = '-';
        }
        else if (u[i] == '/') {
            u[i] = '_';
        }
    }
    return pt_b64url_decode(p, u, &dec, &declen) == APR_SUCCESS
           && declen == wlen && !memcmp(dec, want, wlen);
}

static void test_attachments(apr_pool_t *p)
{
    apr_array_header_t *atts = apr_array_make(p, 3,
                                              sizeof(pt_mail_attachment_t));
    pt_mail_attachment_t *a;
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL, *body;
    apr_size_t len = 0;
    char bin[1000];
    int i, b64_lines_ok = 1;
    json_t *j;

    for (i = 0; i < (int)sizeof(bin); i++) {
        bin[i] = (char)(i * 7 + 3);
    }
    a = apr_array_push(atts);
    a->filename = "report.pdf";
    a->content_type = "application/pdf";
    a->data = bin;
    a->len = sizeof(bin);
    a = apr_array_push(atts);
    a->filename = "r\xc3\xa9sum\xc3\xa9 2024.txt";
    a->content_type = "text/plain";
    a->data = "plain\r\ntext\r\n";
    a->len = 13;
    a = apr_array_push(atts);
    a->filename = "a\"b\r\nContent-Type: x/y\\..\\/etc.bin";
    a->content_type = "text/html\r\nX-Evil: 1";
    a->data = "";
    a->len = 0;

    base_mail(&m);
    m.html = "<p>see attached</p>";
    m.attachments = atts;
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "message with attachments builds");
    if (!out) {
        return;
    }
    PT_OK(strstr(out, "Content-Type: multipart/mixed;\r\n"
                 " boundary=\"=_ptm_") != NULL, "multipart/mixed");
    PT_OK(strstr(out, "filename*=UTF-8''r%C3%A9sum%C3%A9%202024.txt\r\n")
          != NULL, "non-ASCII file name as RFC 2231 filename*");
    PT_OK(!strstr(out, "X-Evil") && !strstr(out, "\r\nContent-Type: x/y"),
          "CR/LF in file name and content type add no header");
    /* base64 lines of the first attachment are at most 76 */
    body = strstr(out, "filename=\"report.pdf\"\r\n\r\n");
    if (body) {
        body += strlen("filename=\"report.pdf\"\r\n\r\n");
        for (i = 0; i < 14; i++) {
            const char *eol = strstr(body, "\r\n");

            if (!eol || (eol - body) > 76 || (i < 13 && eol - body != 76)) {
                b64_lines_ok = 0;
                break;
            }
            body = eol + 2;
        }
    }
    PT_OK(body && b64_lines_ok, "base64 in lines of 76 characters");

    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_IS_STR(jstr(j, "structure"),
              "multipart/mixed(multipart/alternative(text/plain,text/html),"
              "application/pdf,text/plain,application/octet-stream)",
              "python: mixed(alternative(text, html), attachments)");
    PT_OK(text_eq(part_str(j, 0, "text"), m.text), "python: text part");
    PT_IS_STR(part_str(j, 2, "disposition"), "attachment",
              "python: attachment disposition");
    PT_IS_STR(part_str(j, 2, "filename"), "report.pdf", "python: file name");
    PT_OK(py_data_eq(p, j, 2, bin, sizeof(bin)),
          "python: 1000 binary bytes round trip through base64");
    PT_IS_STR(part_str(j, 3, "filename"), "r\xc3\xa9sum\xc3\xa9 2024.txt",
              "python: RFC 2231 file name decodes to the original");
    PT_OK(py_data_eq(p, j, 3, "plain\r\ntext\r\n", 13),
          "python: text attachment bytes unchanged");
    PT_IS_STR(part_str(j, 4, "filename"),
              "a_b  Content-Type: x_y_..__etc.bin",
              "python: quotes, CR/LF, slashes sanitised in file name");
    PT_OK(py_data_eq(p, j, 4, "", 0), "python: empty attachment");

    /* Text only plus one attachment: mixed(text/plain, attachment). */
    apr_array_pop(atts);
    apr_array_pop(atts);
    m.html = NULL;
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "text plus attachment builds");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_IS_STR(jstr(j, "structure"),
              "multipart/mixed(text/plain,application/pdf)",
              "python: mixed(text, attachment)");
    PT_OK(py_data_eq(p, j, 1, bin, sizeof(bin)), "python: attachment data");
}

static void test_rfc2047(apr_pool_t *p)
{
    static const char zoe[] = "Zo\xc3\xab \xc3\x85str\xc3\xb6m";
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL, *h, *dec, *subject;
    apr_size_t len = 0;
    int nwords = 0, i;
    json_t *j;

    base_mail(&m);
    m.to_name = zoe;
    m.from_name = "Smith, John (Admin) \"JS\"";
    /* 20 times a 22-byte mix of 1-, 2-, 3- and 4-byte characters */
    subject = "";
    for (i = 0; i < 20; i++) {
        subject = apr_pstrcat(p, subject, "\xc3\x9c" "ber \xe3\x83\x86\xe3\x82\xb9"
                              "\xe3\x83\x88 \xf0\x9f\x93\xa7 a\xc3\xa9 ", NULL);
    }
    m.subject = subject;
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "message with UTF-8 names and subject builds");
    if (!out) {
        return;
    }
    h = headers_of(p, out);
    PT_OK(scan_headers(h, 78) == 9, "header lines are folded to <= 78");
    dec = decode_words(p, h, "\r\nTo: ", &nwords);
    PT_OK(nwords >= 1 && dec && !strcmp(dec, zoe),
          "To name is RFC 2047 encoded-words decoding to the original");
    PT_OK(strstr(h, "\r\nTo: =?UTF-8?B?") != NULL, "To uses =?UTF-8?B?");
    PT_OK(strstr(h, "\r\nFrom: \"Smith, John (Admin) \\\"JS\\\"\" "
                 "<noreply@portal.example.org>\r\n") != NULL,
          "ASCII name with specials is a quoted-string");
    dec = decode_words(p, h, "\r\nSubject: ", &nwords);
    PT_OK(nwords > 5, "long subject makes %d encoded-words", nwords);
    PT_OK(dec && !strcmp(dec, subject),
          "each encoded-word <= 75 and they decode to the subject");

    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_IS_STR(addr_str(j, "to", "name"), zoe, "python: To name");
    PT_IS_STR(addr_str(j, "from", "name"), m.from_name,
              "python: quoted From name");
    PT_IS_STR(jstr(j, "subject"), subject, "python: long UTF-8 subject");

    /* Long ASCII subject folds at spaces; "=?" text is encoded so that it
     * is not taken for an encoded-word. */
    base_mail(&m);
    m.subject = "Your account at the portal: please confirm your address "
                "within the next seven days, or the request expires and you "
                "will need to register again from the start page";
    m.to_name = "=?UTF-8?B?QQ==?=";
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "long ASCII subject builds");
    h = headers_of(p, out);
    PT_OK(scan_headers(h, 78) == 9, "long ASCII subject folded to <= 78");
    PT_OK(strstr(h, "\r\nSubject: Your account") != NULL,
          "ASCII subject written as it is");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_IS_STR(jstr(j, "subject"), m.subject, "python: folded ASCII subject");
    PT_IS_STR(addr_str(j, "to", "name"), m.to_name,
              "python: a name that looks like an encoded-word stays literal");

    /* A 300-character word cannot fold at spaces: encoded-words. */
    m.subject = apr_pstrcat(p, "x", apr_psprintf(p, "%0300d", 7), NULL);
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS
          && scan_headers(headers_of(p, out), 78) == 9,
          "unbreakable ASCII subject is encoded and folded");
    j = py_parse(p, out, len);
    PT_IS_STR(jstr(j, "subject"), m.subject, "python: unbreakable subject");
}

static void test_injection(apr_pool_t *p)
{
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL, *h;
    apr_size_t len = 0;
    json_t *j, *names;
    size_t i;
    int extra = 0, nwords = 0;

    base_mail(&m);
    m.to_name = "Bob\r\nBcc: evil@x";
    m.from_name = "Eve\nX-Evil: 1\n";
    m.subject = "Hi\r\nBcc: evil@x\r\n\r\nbody";
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "names and subject with CR/LF build");
    if (!out) {
        return;
    }
    h = headers_of(p, out);
    PT_OK(scan_headers(h, 998) == 9, "no extra header line (ASCII)");
    PT_OK(!strstr(h, "\r\nBcc") && !strstr(h, "\nX-Evil"),
          "no Bcc or X-Evil line");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    names = json_object_get(j, "header_names");
    for (i = 0; i < json_array_size(names); i++) {
        const char *n = json_string_value(json_array_get(names, i));

        if (!strcasecmp(n, "bcc") || !strcasecmp(n, "x-evil")) {
            extra = 1;
        }
    }
    PT_OK(json_array_size(names) == 9 && !extra,
          "python: nine header fields, none injected");
    PT_IS_STR(addr_str(j, "to", "name"), "Bob Bcc: evil@x",
              "python: CR LF became a space in the To name");
    PT_IS_STR(addr_str(j, "to", "addr"), "alice@example.com",
              "python: To address unchanged");
    PT_IS_STR(addr_str(j, "from", "name"), "Eve X-Evil: 1",
              "python: LF became a space in the From name");
    PT_IS_STR(jstr(j, "subject"), "Hi  Bcc: evil@x    body",
              "python: CR LF became spaces in the subject");
    PT_OK(text_eq(part_str(j, 0, "text"), m.text), "python: body intact");

    /* Non-ASCII with controls: the encoded path cleans too (ESC, NEL, TAB,
     * invalid UTF-8). */
    m.to_name = "Zo\xc3\xab\r\nBcc: x@y\x1b\xc2\x85\t\xff";
    m.from_name = "\xc3\x85\r\n\r\nX: 1";
    m.subject = "\xc3\xa9t\xc3\xa9\r\nBcc: evil@x\n";
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "non-ASCII names with CR/LF build");
    h = headers_of(p, out);
    PT_OK(scan_headers(h, 78) == 9, "no extra header line (encoded-words)");
    PT_IS_STR(decode_words(p, h, "\r\nTo: ", &nwords),
              "Zo\xc3\xab Bcc: x@y \xef\xbf\xbd",
              "encoded To name: controls became spaces, bad byte U+FFFD");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_IS_STR(addr_str(j, "to", "name"),
              "Zo\xc3\xab Bcc: x@y \xef\xbf\xbd",
              "python: controls became spaces, bad byte U+FFFD");
    PT_IS_STR(addr_str(j, "from", "name"), "\xc3\x85 X: 1",
              "python: From name cleaned");
    PT_IS_STR(jstr(j, "subject"), "\xc3\xa9t\xc3\xa9  Bcc: evil@x ",
              "python: subject cleaned");
}

static void test_addresses(apr_pool_t *p)
{
    static const char *const good[] = {
        "a@b", "root@localhost", "first.last+tag@example.co.uk",
        "x!#$%&'*+/=?^_`{|}~-@example.org", "a@x-y.example", NULL
    };
    static const char *const bad[] = {
        "", "a", "a@", "@b", "a@@b", "a@b@c", "a b@c", "a@b c", "a\r\n@b",
        "a@b\r\nBcc: x@y", "<a@b>", "\"a\"@b", "a@b,c@d", "a;b@c",
        "a..b@c", ".a@b", "a.@b", "a@-b.com", "a@b-.com", "a@b..c",
        "a@.b", "a@b.", "\xc3\xbc@b.c", "a@b\xc3\xbc", "a\\b@c", "a(b)@c",
        "a@[127.0.0.1]", "a@b\t", "a\x7f@b", NULL
    };
    pt_err_t err = { 0 };
    const char *out, *id, *long_local, *long_addr;
    apr_size_t len;
    pt_mail_t m;
    apr_status_t rv;
    int i, ok = 1;

    for (i = 0; good[i]; i++) {
        if (!pt_mail_addr_ok(good[i])) {
            printf("# refused: %s\n", good[i]);
            ok = 0;
        }
    }
    PT_OK(ok, "plain addr-specs accepted");
    ok = 1;
    for (i = 0; bad[i]; i++) {
        if (pt_mail_addr_ok(bad[i])) {
            printf("# accepted: %s\n", bad[i]);
            ok = 0;
        }
    }
    PT_OK(ok, "%d malformed or unsafe addresses refused", i);
    PT_OK(!pt_mail_addr_ok(NULL), "NULL refused");
    long_local = apr_psprintf(p, "%065d@b.c", 1);
    PT_OK(!pt_mail_addr_ok(long_local), "local part of 65 refused");
    /* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
    long_addr = apr_pstrcat(p, apr_psprintf(p, "%064d", 1), "@",
                            apr_psprintf(p, "%063d", 2), ".",
                            apr_psprintf(p, "%063d", 3), ".",
                            apr_psprintf(p, "%061d", 4), NULL);
    PT_OK(strlen(long_addr) == 254 && pt_mail_addr_ok(long_addr),
          "address of 254 accepted");
    long_addr = apr_pstrcat(p, long_addr, "5", NULL);
    PT_OK(!pt_mail_addr_ok(long_addr), "address of 255 refused");

    base_mail(&m);
    m.to_addr = "bob@example.com\r\nBcc: evil@x";
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_EINVAL
          && err.what && strstr(err.what, "recipient"),
          "build refuses a bad recipient: %s", err.what ? err.what : "");
    base_mail(&m);
    m.from_addr = "Portal <noreply@example.org>";
    err.what = NULL;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_EINVAL
          && err.what && strstr(err.what, "sender"),
          "build refuses a bad sender: %s", err.what ? err.what : "");
    base_mail(&m);
    m.msgid_domain = "bad domain";
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_EINVAL,
          "build refuses a bad Message-ID domain");
    base_mail(&m);
    m.text = NULL;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_EINVAL,
          "build refuses a message without text");
}

/* A Message-ID made once and given again (a retry builds the message
 * anew and keeps its id); hostile ids are refused. */
static void test_given_msgid(apr_pool_t *p)
{
    static const char *const bad[] = {
        "<a@b.example>\r\nBcc: victim@example.org", "<no-at-sign>",
        "a@b.example", "<a@b.example", "<@b.example>", "<a..b@b.example>",
        "<.a@b.example>", "<a@b@c.example>", "<a b@c.example>",
        "<a@bad domain>", "<a@>", "", NULL
    };
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL, *given = NULL, *h;
    apr_size_t len = 0;
    pt_err_t err = { 0 };
    char *longid;
    int i;

    rv = pt_mail_msgid_new(p, "portal.example.org", &given);
    PT_OK(rv == APR_SUCCESS && hex_msgid(given, "portal.example.org"),
          "pt_mail_msgid_new: <32 hex@domain>: %s", given ? given : "");
    PT_OK(pt_mail_msgid_ok(given), "and pt_mail_msgid_ok accepts it");
    PT_OK(pt_mail_msgid_new(p, "bad domain", &id) == APR_EINVAL,
          "pt_mail_msgid_new refuses a bad domain");

    base_mail(&m);
    m.msgid = given;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_SUCCESS && id && !strcmp(id, given),
          "a given Message-ID is used: %s", id ? id : "");
    h = out ? headers_of(p, out) : "";
    PT_OK(strstr(h, apr_pstrcat(p, "\r\nMessage-ID: ", given, "\r\n", NULL))
          != NULL, "and written as the header");
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_SUCCESS && !strcmp(id, given),
          "a second build keeps it");

    for (i = 0; bad[i]; i++) {
        PT_OK(!pt_mail_msgid_ok(bad[i]), "pt_mail_msgid_ok refuses \"%s\"",
              bad[i]);
        base_mail(&m);
        m.msgid = bad[i];
        err.what = NULL;
        rv = pt_mail_build(p, &m, &out, &len, &id, &err);
        PT_OK(rv == APR_EINVAL && err.what, "build refuses Message-ID %d", i);
    }
    longid = apr_pcalloc(p, 260);
    longid[0] = '<';
    memset(longid + 1, 'a', 240);
    memcpy(longid + 241, "@example.org>", 13);
    PT_OK(!pt_mail_msgid_ok(longid), "a Message-ID over 250 bytes is refused");
    PT_OK(!pt_mail_msgid_ok(NULL), "NULL is refused");
}

static void test_bodies(apr_pool_t *p)
{
    pt_mail_t m;
    apr_status_t rv;
    const char *out = NULL, *id = NULL, *body, *text;
    apr_size_t len = 0;
    int i, ok;
    json_t *j;

    base_mail(&m);
    m.text = "line1\nline2\rline3\r\nline4\n\n.\nFrom here\nlast";
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "text with mixed line ends builds");
    body = out ? strstr(out, "\r\n\r\n") : NULL;
    PT_IS_STR(body, "\r\n\r\nline1\r\nline2\r\nline3\r\nline4\r\n\r\n.\r\n"
              "From here\r\nlast\r\n",
              "lone LF and CR normalised to CRLF, final CRLF added");
    PT_OK(out && strstr(out, "Content-Transfer-Encoding: 7bit\r\n"),
          "ASCII text is 7bit");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no bare CR or LF");
    PT_OK(text_eq(part_str(j, 0, "text"),
                  "line1\nline2\nline3\nline4\n\n.\nFrom here\nlast"),
          "python: text lines");

    /* Long non-ASCII body: quoted-printable with lines <= 76. */
    text = "";
    for (i = 0; i < 400; i++) {
        text = apr_pstrcat(p, text, "\xc3\xa9t\xc3\xa9 = ", NULL);
    }
    text = apr_pstrcat(p, text, "\ntrailing space \nand tab\t\n"
                       "\xe2\x82\xac" "100\n", NULL);
    base_mail(&m);
    m.text = text;
    m.html = apr_pstrcat(p, "<p>", text, "</p>", NULL);
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS,
          "long non-ASCII text builds");
    body = out ? strstr(out, "\r\n\r\n") : NULL;
    PT_OK(out && strstr(out, "Content-Transfer-Encoding: quoted-printable"),
          "non-ASCII text is quoted-printable");
    PT_OK(body && max_line(body) <= 76, "every body line <= 76 (%d)",
          body ? (int)max_line(body) : -1);
    PT_OK(body && strstr(body, "trailing space=20\r\n")
          && strstr(body, "and tab=09\r\n") && strstr(body, "=E2=82=AC100"),
          "space/tab at line end and non-ASCII escaped");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j), "python: no defects");
    PT_OK(text_eq(part_str(j, 0, "text"), text),
          "python: quoted-printable text decodes to the original");
    PT_OK(text_eq(part_str(j, 1, "text"), m.html),
          "python: quoted-printable html decodes to the original");

    /* An ASCII line over 998 bytes cannot go as 7bit. */
    base_mail(&m);
    m.text = apr_pstrcat(p, apr_psprintf(p, "%01200d", 0), "\nshort\n",
                         NULL);
    rv = pt_mail_build(p, &m, &out, &len, &id, NULL);
    PT_OK(rv == APR_SUCCESS
          && strstr(out, "Content-Transfer-Encoding: quoted-printable"),
          "ASCII line of 1200 bytes makes quoted-printable");
    j = py_parse(p, out, len);
    PT_OK(py_clean(j) && text_eq(part_str(j, 0, "text"), m.text),
          "python: long line decodes to the original");

    /* A 998-byte line is still 7bit. */
    m.text = apr_psprintf(p, "%0998d", 0);
    ok = pt_mail_build(p, &m, &out, &len, &id, NULL) == APR_SUCCESS
         && strstr(out, "Content-Transfer-Encoding: 7bit") != NULL;
    PT_OK(ok, "ASCII line of 998 bytes stays 7bit");
}

static void test_size_bound(apr_pool_t *p)
{
    apr_array_header_t *atts = apr_array_make(p, 1,
                                              sizeof(pt_mail_attachment_t));
    pt_mail_attachment_t *a = apr_array_push(atts);
    pt_err_t err = { 0 };
    const char *out = NULL, *id = NULL;
    apr_size_t len = 0, big = 48 * 1024 * 1024;
    char *data = apr_palloc(p, big + 1024 * 1024);
    pt_mail_t m;
    apr_status_t rv;

    memset(data, 'x', big + 1024 * 1024);
    base_mail(&m);
    m.attachments = atts;
    a->filename = "big.bin";
    a->content_type = "application/octet-stream";
    a->data = data;
    a->len = big + 1024 * 1024;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_ENOSPC
          && err.what, "49 MiB attachment refused before encoding: %s",
          err.what ? err.what : "");
    a->len = big;
    err.what = NULL;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_ENOSPC
          && err.what, "48 MiB attachment (over 64 MiB in base64) refused");
    a->len = 1024 * 1024;
    rv = pt_mail_build(p, &m, &out, &len, &id, &err);
    PT_OK(rv == APR_SUCCESS
          && len > 1024 * 1024 * 4 / 3, "1 MiB attachment builds");
}

int main(void)
{
    apr_pool_t *p;
    char dir[] = "/tmp/pt_mail_XXXXXX";
    int i;

    apr_initialize();
    apr_pool_create(&p, NULL);
    tmpdir = mkdtemp(dir);
    PT_OK(tmpdir != NULL, "temporary directory %s", dir);
    if (!tmpdir) {
        return pt_test_done();
    }

    test_text_only(p);
    test_alternative(p);
    test_attachments(p);
    test_rfc2047(p);
    test_injection(p);
    test_addresses(p);
    test_given_msgid(p);
    test_bodies(p);
    test_size_bound(p);

    if (!pt_test_failed) {
        for (i = 1; i <= nfiles; i++) {
            unlink(apr_psprintf(p, "%s/%04d.eml", tmpdir, i));
        }
        rmdir(tmpdir);
    }
    else {
        printf("# messages kept in %s\n", tmpdir);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
