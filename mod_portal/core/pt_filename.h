/*
 * pt_filename.h -- display names of uploaded files and Content-Disposition.
 *
 * A file's name as a client sent it is untrusted text: it may carry a path,
 * invalid UTF-8, NUL bytes, invisible or bidirectional control characters
 * ("evil\u202Etxt.exe" shows as "evilexe.txt"), decomposed accents or a
 * few kilobytes of padding.  pt_filename_clean() turns it into a name that
 * is safe to store, show and send back; stored files are addressed by id,
 * never by this name.  pt_content_disposition() builds the download header
 * from a clean name (RFC 6266 with an RFC 8187 filename*).
 */
#ifndef PT_FILENAME_H
#define PT_FILENAME_H

#include <apr_pools.h>

#define PT_FILENAME_MAX 255   /* bytes of a display name */

/* Longest extension (bytes, without the dot) that pt_filename_clean() keeps
 * when it has to shorten a name. */
#define PT_FILENAME_EXT_KEEP 16

/* Only the first PT_FILENAME_RAW_MAX bytes of the last path component are
 * looked at; no client sends more, and this bounds time and memory. */
#define PT_FILENAME_RAW_MAX 65536

/*
 * A display name from what a client sent, in p.  raw[0..len) may contain
 * NUL bytes (len is authoritative); raw may be NULL when len is 0.  In order:
 *  - only the last path component is kept (split on '/' and '\\');
 *  - each ill-formed UTF-8 sequence becomes U+FFFD;
 *  - removed: C0 controls (NUL included), DEL, C1 controls, every format
 *    character (general category Cf: soft hyphen, U+200B-U+200F zero-width
 *    and direction marks, U+202A-U+202E and U+2066-U+2069 bidi embeddings,
 *    overrides and isolates, U+2060-U+2064, U+FEFF, tag characters ...),
 *    U+2028/U+2029 line and paragraph separators, U+034F, U+17B4/U+17B5 and
 *    the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 (all invisible);
 *  - NFC normalisation (macOS sends "e" + U+0301, everyone else U+00E9);
 *  - leading white space, trailing white space and trailing dots stripped
 *    (so "." and ".." vanish; a leading dot, as in ".bashrc", stays);
 *  - at most PT_FILENAME_MAX bytes, cut at a grapheme cluster boundary (an
 *    emoji or a letter with its accents is never split); when the name has
 *    an extension of at most PT_FILENAME_EXT_KEEP bytes, the part before
 *    it is shortened and ".ext" kept;
 *  - "unnamed" when nothing is left.
 * Other characters, '"', ':', '*' and emoji included, are kept: the name is
 * for display, and every output escapes it for its context.  The result is
 * valid UTF-8 without NUL, never NULL, and cleaning it again gives it back.
 */
const char *pt_filename_clean(apr_pool_t *p, const char *raw, apr_size_t len);

/*
 * The extension of name in lower case (ASCII letters only are folded),
 * without the dot: "Report.DOCX" -> "docx", "a.tar.gz" -> "gz".  "" when
 * there is none: no dot, a dot at the end ("a."), or only dots before the
 * last one (".bashrc", "..x").  A directory part of name is ignored.
 * Never NULL; name may be NULL.
 */
const char *pt_filename_ext(apr_pool_t *p, const char *name);

/*
 * The value of a Content-Disposition header for name (RFC 6266, RFC 8187):
 *   attachment; filename="fallback"; filename*=UTF-8''percent-encoded
 * disposition is "inline" or "attachment"; anything else (NULL included)
 * gives "attachment", the safe choice.  The quoted fallback is ASCII: each
 * non-ASCII character and each control character becomes '_', '%' followed
 * by two hex digits becomes '_' (RFC 6266 D: some agents decode it), '"'
 * and '\\' are backslash-escaped.  filename* percent-encodes the UTF-8
 * bytes of every character outside RFC 8187 attr-char (uppercase hex: ' '
 * is %20, '\'' is %27, '%' is %25); it is left out when the name is plain
 * printable ASCII without '"', '\\' or '%', where the fallback says it all.
 * Ill-formed UTF-8 in name is encoded as U+FFFD; a NULL or empty name is
 * "unnamed".  The value never contains a control character.
 */
const char *pt_content_disposition(apr_pool_t *p, const char *disposition,
                                   const char *name);

/*
 * 1 when ext (lower case, no dot, as from pt_filename_ext()) is in list, a
 * space-, tab- or comma-separated list of extensions whose entries may have
 * a leading dot and any case ("pdf, .DOCX png"); 0 otherwise.  A NULL list
 * or one with no entries allows everything.  An entry that is only a dot
 * matches nothing, and "" (no extension) is allowed only by an empty list.
 * Entries are single extensions: "tar.gz" never matches.  ext may be NULL
 * (treated as "").
 */
int pt_ext_allowed(const char *list, const char *ext);

#endif /* PT_FILENAME_H */
