/*
 * pt_pwned.h -- is a password in a list of breached passwords?  The
 * "Pwned Passwords" k-anonymity format, looked up in local files (so
 * air-gapped sites can use it) or in an online range response.
 *
 * The format: H = SHA-1 of the password's bytes, 40 upper-case hex
 * digits.  Its first 5 digits name a "range"; a range lists every known
 * hash with that prefix as lines
 *     SUFFIX:COUNT          SUFFIX = the other 35 hex digits of H
 * ended by CRLF or LF, COUNT how often the password was seen.  Online,
 * GET https://api.pwnedpasswords.com/range/ABCDE answers one range; with
 * the request header "Add-Padding: true" it adds random lines of COUNT 0,
 * which mean nothing (so the answer's size says nothing either) and are
 * ignored here.  Only the 5-digit prefix ever leaves the server.  The
 * glue's online look-up: hex = pt_pwned_sha1(password); GET
 * URL/range/<hex[0..4]> (libcurl, a short timeout, a size cap of
 * PT_PWNED_MAX_RANGE, "Add-Padding: true"); then
 * pt_pwned_range_find(body, hex + 5).  Whether a failed fetch blocks the
 * password is the glue's policy (the error says what failed).
 *
 * Local copies (PortalPwnedPasswords PATH):
 *   - a folder of range files (what the official downloader writes, or
 *     `curl .../range/ABCDE -o ABCDE`): the range ABCDE is read from
 *     PATH/ABCDE.txt, or when there is none from PATH/ABCDE (upper-case
 *     names), each in the range format above.  A folder may hold only
 *     some ranges (a curated list); a missing range is reported as such.
 *   - or one file of full lines "HASH40:COUNT", sorted by hash (the
 *     downloader's single-file output, ~40 GB for the whole list): found
 *     by binary search on the file with a few small reads, memory flat
 *     whatever its size.  A file that is not sorted gives wrong answers:
 *     keep it as downloaded.
 * Hex digits are matched in either case.
 *
 * Everything is thread-safe: a pt_pwned_t is read-only after
 * pt_pwned_open(); each look-up opens its own file descriptors in the
 * look-up's pool.
 */
#ifndef PT_PWNED_H
#define PT_PWNED_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_PWNED_MAX_RANGE (4 * 1024 * 1024)  /* largest range read/parsed */
#define PT_PWNED_MAX_COUNT 1000000000000ULL   /* larger counts: malformed */

typedef struct pt_pwned_t pt_pwned_t;

/* SHA-1 of len bytes of pw as 40 upper-case hex digits in hex[41]. */
void pt_pwned_sha1(const char *pw, apr_size_t len, char hex[41]);

/*
 * Find suffix (35 hex digits, either case) in a range response or range
 * file body of len bytes.  *count: how often it was seen (0 when absent,
 * or present only as padding).  APR_EINVAL + err (with the 1-based line
 * number) when any line is not SUFFIX:COUNT, or len exceeds
 * PT_PWNED_MAX_RANGE: a damaged or wrong answer (an HTML error page, a
 * hash of another type) is never taken as "not found".  Empty lines are
 * allowed (e.g. the last one).
 */
apr_status_t pt_pwned_range_find(apr_pool_t *p, const char *body,
                                 apr_size_t len, const char *suffix,
                                 apr_uint64_t *count, pt_err_t *err);

/*
 * Check a local copy at path and remember it: a folder (ranges), or a
 * regular file whose first line must be "HASH40:COUNT" (a sorted list).
 * *db lives in p.  The system's status + err when path cannot be read,
 * APR_EINVAL + err when it is neither, or the file's first line is not of
 * the format (e.g. an NTLM list).  Call once at start-up.
 */
apr_status_t pt_pwned_open(apr_pool_t *p, const char *path, pt_pwned_t **db,
                           pt_err_t *err);

/* 1 when db is a folder of range files, 0 when a sorted file. */
int pt_pwned_is_folder(const pt_pwned_t *db);

/*
 * Look up a password (len bytes of pw; it is hashed here and never kept).
 * APR_SUCCESS with *count > 0 when it is in the list (refuse it), 0 when
 * it is not.  Errors:
 *   APR_ENOENT + err  a folder has no file for the password's range (an
 *                     incomplete copy: treat as not found, and log err);
 *   APR_EINVAL + err  the range file or a line of the sorted file that
 *                     the search read is malformed;
 *   other             the system's status reading the files, + err.
 * Temporary memory and descriptors come from p.
 */
apr_status_t pt_pwned_lookup(const pt_pwned_t *db, apr_pool_t *p,
                             const char *pw, apr_size_t len,
                             apr_uint64_t *count, pt_err_t *err);

/* The same with the 40-digit SHA-1 (either case) instead of the
 * password; APR_EINVAL + err when hex is not 40 hex digits. */
apr_status_t pt_pwned_lookup_hash(const pt_pwned_t *db, apr_pool_t *p,
                                  const char *hex, apr_uint64_t *count,
                                  pt_err_t *err);

#endif /* PT_PWNED_H */
