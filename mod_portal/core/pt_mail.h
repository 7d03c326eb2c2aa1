/*
 * pt_mail.h -- build an RFC 5322 / MIME message for the portal's mail.
 *
 * The portal sends few and simple messages (address confirmation, password
 * reset, notices): a UTF-8 text body, optionally an HTML alternative and
 * attachments.  pt_mail_build() turns them into the bytes handed to the
 * SMTP client (pt_smtp.h), with CRLF line ends and every line within the
 * 998-byte limit.
 *
 * Nothing a user typed can add a header: display names, the subject and
 * attachment file names have CR, LF, NUL and every other control character
 * replaced by a space before they are written (as-is when plain ASCII,
 * otherwise as RFC 2047 encoded-words or RFC 2231 parameters), and the
 * addresses must be plain addr-specs (pt_mail_addr_ok) or the message is
 * refused.
 */
#ifndef PT_MAIL_H
#define PT_MAIL_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <apr_errno.h>

#include "pt_core.h"

/* No portal mail needs more: larger messages are refused (APR_ENOSPC). */
#define PT_MAIL_MAX_SIZE (64 * 1024 * 1024)

/* Longest address accepted (RFC 5321 4.5.3.1.3: a path is at most 256
 * octets including the angle brackets). */
#define PT_MAIL_ADDR_MAX 254

typedef struct pt_mail_attachment_t {
    const char *filename;       /* UTF-8; sanitised, NULL = "attachment" */
    const char *content_type;   /* "type/subtype"; anything else becomes
                                 * application/octet-stream */
    const char *data;
    apr_size_t len;
} pt_mail_attachment_t;

typedef struct pt_mail_t {
    const char *from_name;   /* display name, UTF-8, may be NULL */
    const char *from_addr;   /* addr-spec */
    const char *to_name;     /* UTF-8, may be NULL */
    const char *to_addr;
    const char *subject;     /* UTF-8 */
    const char *text;        /* UTF-8 plain-text body (required) */
    const char *html;        /* UTF-8 HTML body or NULL */
    const apr_array_header_t *attachments;  /* of pt_mail_attachment_t, or
                                             * NULL */
    const char *msgid_domain;  /* right-hand side of Message-ID; NULL = the
                                * domain of from_addr */
    const char *msgid;         /* the Message-ID to use ("<...@...>", as
                                * pt_mail_msgid_new makes), so that a
                                * message built again for a retry keeps
                                * its id; NULL = a new one on msgid_domain */
    apr_time_t date;           /* Date header; 0 = now */
} pt_mail_t;

/*
 * Build the message with CRLF line ends into *out (len bytes, also
 * NUL-terminated), allocated from p.  *msgid gets the Message-ID with its
 * angle brackets ("<32 hex digits@domain>").
 *
 * Headers: Date (UTC, "+0000"), From, To, Subject, Message-ID,
 * MIME-Version, Auto-Submitted: auto-generated, then the MIME headers.
 * Body: text only is one text/plain part; text and html a
 * multipart/alternative (text first); attachments make a multipart/mixed
 * of that part followed by each attachment in base64.  Text parts are 7bit
 * when they are ASCII with lines of at most 998 bytes, otherwise
 * quoted-printable; lone LF and lone CR become CRLF.
 *
 * Returns APR_SUCCESS; APR_EINVAL (err filled) when an address is not a
 * plain addr-spec, the Message-ID domain is not a host name, a given
 * Message-ID fails pt_mail_msgid_ok, the text is missing or an attachment
 * has no data; APR_ENOSPC (err filled) when the
 * message would exceed PT_MAIL_MAX_SIZE; APR_EGENERAL when the random
 * generator fails.
 */
apr_status_t pt_mail_build(apr_pool_t *p, const pt_mail_t *m,
                           const char **out, apr_size_t *len,
                           const char **msgid, pt_err_t *err);

/*
 * 1 when s is a safe addr-spec for an SMTP envelope and a header: at most
 * PT_MAIL_ADDR_MAX characters, a dot-atom local part (RFC 5322 atext, no
 * leading, trailing or doubled dot), exactly one '@', and a domain of
 * dot-separated letter-digit-hyphen labels (a single label such as
 * "localhost" is allowed).  Hence no CR, LF, NUL, spaces, control
 * characters, quotes, angle brackets, commas or non-ASCII bytes.
 */
int pt_mail_addr_ok(const char *s);

/*
 * A new Message-ID "<32 lower-case hex digits@domain>" (16 random bytes)
 * in *msgid.  APR_EINVAL when domain is not a host name, APR_EGENERAL when
 * the random generator fails.
 */
apr_status_t pt_mail_msgid_new(apr_pool_t *p, const char *domain,
                               const char **msgid);

/*
 * 1 when s can be written as a Message-ID header as it is: "<" a dot-atom
 * of RFC 5322 atext "@" a host name ">", at most 250 bytes (so no CR, LF,
 * space or control character); 0 for NULL.
 */
int pt_mail_msgid_ok(const char *s);

#endif /* PT_MAIL_H */
