/*
 * pt_usergen.h -- plausible random users for tests, demonstrations and
 * load: what the Flask portal's generator script wrote to users.csv, made
 * reproducible from a seed.
 *
 * Each user has the Flask CSV's columns, in its order (PT_USERGEN_COLUMNS):
 *   username    3-32 of [a-z0-9._-] from the names ("ada.lovelace",
 *               "alovelace", "lovelace.ada1987", ...), unique
 *   first_name  from ~400 given names, last_name from ~340 family names
 *               (a few with an apostrophe, a hyphen or a letter outside
 *               ASCII)
 *   password    16 characters of A-Z a-z 0-9 !#$%&*+-=?@_ drawn uniformly
 *               (about 99 bits), starting with a letter (a spreadsheet
 *               never takes it for a formula), with at least one upper-
 *               and one lower-case letter, a digit and a symbol
 *   email       a name-based local part at one of a dozen domains under
 *               example.com/.net/.org -- reserved by RFC 2606, so mail to
 *               a generated user can never reach a real person -- unique
 *   address     "1742 Willow Lane, Apt 12, Fairview, OR 97301" style: one
 *               line, street number, street, optional apartment, town,
 *               state code and ZIP
 * Usernames and emails are unique without regard to case, every field
 * passes pt_validate_*, and every password passes pt_validate_password()
 * and pt_strength_check() at PT_STRENGTH_DEFAULT_BITS with the user's own
 * words (a 16-character random password rates far above that floor; the
 * unit test checks it for thousands of users).
 *
 * Reproducible: the same seed (any bytes) gives the same users in the same
 * order, and the first N users of a longer run are those of a run of N.
 * Randomness comes from a documented generator, never rand():
 *   key    = SHA-256("mod_portal usergen v1" || 0x00 || seed)
 *   stream = ChaCha20 (RFC 8439) keystream under key, nonce 0, block
 *            counter from 0 (OpenSSL's EVP_chacha20 with a zero 16-byte IV)
 *   u32    = the next 4 bytes of the stream, little-endian
 *   below(n) = draw u32 until it is below 2^32 - (2^32 mod n), answer it
 *            mod n (no modulo bias)
 * A key stream rather than a fast non-cryptographic generator: someone
 * who is handed one generated account cannot work out the others'
 * passwords from it.  Without a seed of their own, callers pass a random
 * one (pt_token_new()) and may print it so that the run can be repeated.
 * PT_USERGEN_VERSION changes whenever the same seed would give other
 * users (the word lists, the order of the draws).
 *
 * Speed: 100,000 users written as CSV in well under a second here.
 * Memory: the usernames and email addresses already used, about 100
 * bytes a user in the generator's pool; at most PT_USERGEN_MAX users per
 * generator.
 * A generator is used by one thread at a time.
 */
#ifndef PT_USERGEN_H
#define PT_USERGEN_H

#include <apr_file_io.h>

#include "pt_core.h"

#define PT_USERGEN_VERSION 1
#define PT_USERGEN_MAX 1000000
#define PT_USERGEN_PASSWORD_LEN 16
#define PT_USERGEN_NCOLUMNS 6

/* "username", "first_name", "last_name", "password", "email", "address" */
extern const char *const PT_USERGEN_COLUMNS[PT_USERGEN_NCOLUMNS];

/* ------------------------------------------------------------ the PRNG */

typedef struct pt_prng_t pt_prng_t;

/* The generator above for seed (len bytes; NULL with len 0 is the empty
 * seed); lives in p (a pool cleanup frees its cipher context).
 * APR_EGENERAL when OpenSSL cannot set up ChaCha20. */
apr_status_t pt_prng_new(apr_pool_t *p, const void *seed, apr_size_t len,
                         pt_prng_t **out);

/* The next 32 bits of the stream, little-endian. */
apr_uint32_t pt_prng_u32(pt_prng_t *r);

/* Uniform in [0, n), n >= 1 (as below(n) above). */
apr_uint32_t pt_prng_below(pt_prng_t *r, apr_uint32_t n);

/* ------------------------------------------------------------ users */

typedef struct pt_gen_user_t {
    const char *username;
    const char *first_name;
    const char *last_name;
    const char *password;
    const char *email;
    const char *address;
} pt_gen_user_t;

typedef struct pt_usergen_t pt_usergen_t;

/* A generator for seed (NUL-terminated; "" is a seed too), in p.
 * APR_EGENERAL + err when the PRNG cannot be set up. */
apr_status_t pt_usergen_new(apr_pool_t *p, const char *seed,
                            pt_usergen_t **g, pt_err_t *err);

/*
 * The next user, its strings allocated in p (a pool the caller may clear
 * between users; the generator keeps its own copies of what must stay
 * unique).  APR_ENOSPC + err once PT_USERGEN_MAX users were made.
 */
apr_status_t pt_usergen_next(pt_usergen_t *g, apr_pool_t *p,
                             pt_gen_user_t *u, pt_err_t *err);

/* The users made so far. */
apr_int64_t pt_usergen_count(const pt_usergen_t *g);

/*
 * Write the next n users to f as CSV (pt_csvout: RFC 4180, CRLF, quoted
 * where needed, no formula guard), after the header line
 * PT_USERGEN_COLUMNS when `header` is set.  Call it again for more (e.g.
 * in slices, to show progress).  Errors: as pt_usergen_next(), or the
 * status of the failed write (err says "cannot write").
 */
apr_status_t pt_usergen_write(pt_usergen_t *g, apr_file_t *f, apr_int64_t n,
                              int header, pt_err_t *err);

#endif /* PT_USERGEN_H */
