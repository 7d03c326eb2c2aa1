/*
 * pt_mail.c -- build an RFC 5322 / MIME message (see pt_mail.h): the checks
 * of what is given, Date and Message-ID, the MIME structure with its
 * boundaries, and the bodies made ready for 7bit or quoted-printable.  What
 * needs encoding (the address and subject headers, attachment file names,
 * quoted-printable and base64) is written by pt_mail_encode.c; the two
 * share pt_mail_int.h.
 *
 * The message is written into one bounded buffer (pt_buf, at most
 * PT_MAIL_MAX_SIZE) through a small writer that remembers the first error,
 * so the building code reads top to bottom and the status is checked once.
 *
 * Invariants of the output: every line ends in CRLF and is at most 998
 * bytes; header lines are folded to about 78 columns; no text from the
 * caller reaches a header without being cleaned (controls become spaces,
 * invalid UTF-8 becomes U+FFFD), so it can never start a new header line.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_crypto.h"
#include "pt_mail_int.h"

#define LINE_HARD 998       /* RFC 5322 2.1.1: MUST be <= 998 without CRLF */
#define BOUNDARY_TRIES 8

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

/* A body text prepared for writing. */
typedef struct body_t {
    const char *data;   /* CRLF-normalised */
    apr_size_t len;
    int qp;
} body_t;

static void put_text_part(pt_mail_writer_t *w, const char *subtype,
                          const body_t *b)
{
    pt_mail_puts(w, "Content-Type: text/");
    pt_mail_puts(w, subtype);
    pt_mail_puts(w, "; charset=UTF-8\r\nContent-Transfer-Encoding: ");
    pt_mail_puts(w, b->qp ? "quoted-printable\r\n\r\n" : "7bit\r\n\r\n");
    if (b->qp) {
        pt_mail_put_qp(w, b->data, b->len);
    }
    else {
        pt_mail_put(w, b->data, b->len);
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

static void put_attachment(pt_mail_writer_t *w, apr_pool_t *p,
                           const pt_mail_attachment_t *a)
{
    pt_mail_puts(w, "Content-Type: ");
    pt_mail_puts(w, pt_mail_content_type_ok(a->content_type)
                    ? a->content_type : "application/octet-stream");
    pt_mail_puts(w, "\r\nContent-Transfer-Encoding: base64\r\n");
    pt_mail_put_disposition(w, p, a->filename);
    pt_mail_puts(w, "\r\n");
    pt_mail_put_base64(w, (const unsigned char *)a->data, a->len);
}

/* The text part, or a multipart/alternative of text and html. */
static apr_status_t put_body(pt_mail_writer_t *w, apr_pool_t *p,
                             const body_t *text, const body_t *html)
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
    pt_mail_puts(w, apr_pstrcat(p, "Content-Type: multipart/alternative;\r\n"
                                " boundary=\"", bd, "\"\r\n\r\n--", bd,
                                "\r\n", NULL));
    put_text_part(w, "plain", text);
    pt_mail_puts(w, apr_pstrcat(p, "\r\n--", bd, "\r\n", NULL));
    put_text_part(w, "html", html);
    pt_mail_puts(w, apr_pstrcat(p, "\r\n--", bd, "--\r\n", NULL));
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

apr_status_t pt_mail_msgid_new(apr_pool_t *p, const char *domain,
                               const char **msgid)
{
    unsigned char r[16];
    apr_status_t rv;

    if (!domain || !pt_mail_host_ok(domain, strlen(domain))) {
        return APR_EINVAL;
    }
    rv = pt_random_bytes(r, sizeof(r));
    if (rv) {
        return rv;
    }
    *msgid = apr_pstrcat(p, "<", pt_hex_encode(p, r, sizeof(r)), "@", domain,
                         ">", NULL);
    return APR_SUCCESS;
}

apr_status_t pt_mail_build(apr_pool_t *p, const pt_mail_t *m,
                           const char **out, apr_size_t *len,
                           const char **msgid, pt_err_t *err)
{
    body_t text, html = { NULL, 0, 0 };
    const char *domain, *mixed = NULL;
    apr_uint64_t floor;
    pt_mail_writer_t w;
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
    if (!m->msgid && !pt_mail_host_ok(domain, strlen(domain))) {
        pt_err_set(err, p, "mail", 0, "Message-ID domain is not a host name");
        return APR_EINVAL;
    }
    if (m->msgid && !pt_mail_msgid_ok(m->msgid)) {
        pt_err_set(err, p, "mail", 0, "the given Message-ID is not "
                   "<dot-atom@host>");
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
    if (m->msgid) {
        *msgid = apr_pstrdup(p, m->msgid);
    }
    else {
        rv = pt_mail_msgid_new(p, domain, msgid);
        if (rv) {
            return rv;
        }
    }

    /* Room for the usual case at once; never more than the bound. */
    floor += floor / 3 + 4096;
    pt_buf_init(&w.buf, p, floor > PT_MAIL_MAX_SIZE ? PT_MAIL_MAX_SIZE + 1
                                                    : (apr_size_t)floor,
                PT_MAIL_MAX_SIZE);
    w.rv = APR_SUCCESS;
    pt_mail_puts(&w, apr_pstrcat(p, "Date: ",
                                 rfc5322_date(p, m->date ? m->date
                                                         : apr_time_now()),
                                 "\r\n", NULL));
    pt_mail_put_address(&w, p, "From", m->from_name, m->from_addr);
    pt_mail_put_address(&w, p, "To", m->to_name, m->to_addr);
    pt_mail_put_subject(&w, p, m->subject);
    pt_mail_puts(&w, apr_pstrcat(p, "Message-ID: ", *msgid, "\r\n"
                                 "MIME-Version: 1.0\r\n"
                                 "Auto-Submitted: auto-generated\r\n",
                                 NULL));
    if (natt > 0) {
        rv = make_boundary(p, 'm', &text, m->html ? &html : NULL, &mixed);
        if (rv) {
            return rv;
        }
        pt_mail_puts(&w, apr_pstrcat(p, "Content-Type: multipart/mixed;\r\n"
                                     " boundary=\"", mixed, "\"\r\n\r\n"
                                     "This is a multi-part message in MIME "
                                     "format.\r\n\r\n--", mixed, "\r\n",
                                     NULL));
    }
    rv = put_body(&w, p, &text, m->html ? &html : NULL);
    if (rv) {
        return rv;
    }
    for (i = 0; i < natt; i++) {
        pt_mail_puts(&w, apr_pstrcat(p, "\r\n--", mixed, "\r\n", NULL));
        put_attachment(&w, p, &APR_ARRAY_IDX(m->attachments, i,
                                             pt_mail_attachment_t));
    }
    if (natt > 0) {
        pt_mail_puts(&w, apr_pstrcat(p, "\r\n--", mixed, "--\r\n", NULL));
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
