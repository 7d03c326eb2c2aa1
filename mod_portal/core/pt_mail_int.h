/*
 * pt_mail_int.h -- what pt_mail.c and pt_mail_encode.c share.
 *
 * Private to the message builder: nothing outside those two files may
 * include it; the public API is pt_mail.h.  pt_mail.c assembles the
 * message (checks, Date and Message-ID, the MIME structure, boundaries,
 * body normalisation); pt_mail_encode.c writes what needs encoding: the
 * address and subject headers (RFC 2047 encoded-words, quoting, folding),
 * the attachment file name (RFC 2231), and quoted-printable and base64
 * bodies, plus the syntax checks of addresses, host names and content
 * types.
 *
 * The pt_mail_put_*() functions keep the invariants of pt_mail.c: lines
 * end in CRLF and are at most 998 bytes, header lines are folded to about
 * 78 columns, and no caller text can start a new header line: display
 * names, subjects and file names are cleaned first (controls become
 * spaces, invalid UTF-8 becomes U+FFFD).
 */
#ifndef PT_MAIL_INT_H
#define PT_MAIL_INT_H

#include "pt_buf.h"
#include "pt_mail.h"

/* The message being written: the first failing append sets rv and every
 * later call does nothing, so the building code reads top to bottom and
 * checks the status once, at the end. */
typedef struct pt_mail_writer_t {
    pt_buf_t buf;
    apr_status_t rv;
} pt_mail_writer_t;

/* Append n bytes of s (or strlen(s) for pt_mail_puts) unless w failed. */
void pt_mail_put(pt_mail_writer_t *w, const char *s, apr_size_t n);
void pt_mail_puts(pt_mail_writer_t *w, const char *s);

/* 1 when s (n bytes) is a host name: dot-separated labels of 1..63
 * letters, digits and hyphens, not starting or ending with a hyphen,
 * 1..253 characters in all. */
int pt_mail_host_ok(const char *s, apr_size_t n);

/* 1 when s is "type/subtype" of RFC 2045 tokens, at most 100 bytes; 0 for
 * NULL. */
int pt_mail_content_type_ok(const char *s);

/*
 * "Field: name <addr>\r\n", or "Field: addr\r\n" when name (UTF-8, may be
 * NULL) is empty once cleaned and its runs of spaces squeezed.  addr must
 * have passed pt_mail_addr_ok().  A name of printable ASCII, at most 64
 * bytes and without "=?" is written as it is when it is atext words, else
 * as a quoted-string; any other name as RFC 2047 B encoded-words.  The
 * address goes to a continuation line when the line would pass 78 columns.
 */
void pt_mail_put_address(pt_mail_writer_t *w, apr_pool_t *p,
                         const char *field, const char *name,
                         const char *addr);

/* The Subject header of subject (UTF-8, may be NULL): cleaned, then as it
 * is, folded at spaces, when it is printable ASCII without "=?" and
 * without a run of spaces or of other characters longer than 60 bytes,
 * otherwise as RFC 2047 B encoded-words. */
void pt_mail_put_subject(pt_mail_writer_t *w, apr_pool_t *p,
                         const char *subject);

/*
 * The Content-Disposition of an attachment called name (UTF-8, may be
 * NULL): cleaned, with quotes, backslashes and slashes made '_', cut to
 * 200 bytes at a character boundary, "attachment" when nothing is left;
 * written as filename="..." when ASCII, as the RFC 2231
 * filename*=UTF-8''... otherwise.
 */
void pt_mail_put_disposition(pt_mail_writer_t *w, apr_pool_t *p,
                             const char *name);

/*
 * Quoted-printable of s (n bytes, CRLF-normalised and ending in CRLF as
 * pt_mail.c makes bodies): line ends stay hard line breaks; '=', controls,
 * non-ASCII and a space or TAB at the end of a line are escaped; soft line
 * breaks keep every line within 76 characters.
 */
void pt_mail_put_qp(pt_mail_writer_t *w, const char *s, apr_size_t n);

/* Base64 of d (n bytes) in lines of 76 characters, each ending in CRLF. */
void pt_mail_put_base64(pt_mail_writer_t *w, const unsigned char *d,
                        apr_size_t n);

#endif /* PT_MAIL_INT_H */
