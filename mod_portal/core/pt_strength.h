/*
 * pt_strength.h -- a floor on how guessable a new password may be, with
 * libzxcvbn (Debian's libzxcvbn 2.5, the C port of Dropbox's zxcvbn).
 *
 * libzxcvbn estimates a password's entropy in bits (about log2 of the
 * guesses an attacker who knows common passwords, words, names, keyboard
 * patterns, dates, l33t substitutions and the person's own details would
 * need) and splits the password into the parts it recognised.  zxcvbn.js
 * reports a score 0-4 instead, from guesses: 0 < 10^3 <= 1 < 10^6 <= 2 <
 * 10^8 <= 3 < 10^10 <= 4, i.e. at about 10, 19.9, 26.6 and 33.2 bits.
 *
 * Default floor: PT_STRENGTH_DEFAULT_BITS = 20 bits, about 10^6 guesses,
 * the bottom of zxcvbn.js's score 2 ("somewhat guessable: protection from
 * unthrottled online attacks").  Why not score 3 (26.6 bits): sign-in is
 * throttled and hashes are argon2id, a breached-password list catches the
 * passwords people really reuse, and passphrases of a few common words
 * land between 21 and 27 bits -- the README's own example "a long
 * password" is 26.4 bits, the test suite's "ops password 1" for an
 * account named Ops 21.5 -- so a floor of 26.6 would refuse the
 * passphrases we recommend while accepting "Tr0ub4dor&3" (46.7).  What
 * 20 bits refuses: single words with a digit or a year ("monkey12" 12.2,
 * "sunshine2020" 13.6), keyboard walks ("qwertyuiop", "zxcvbnm,./"),
 * sequences ("abcdefgh1" 7.0), repeats, dates, and the person's own name,
 * username or email with a digit ("lovelace1" 4.0 for Ada Lovelace).
 * Sites that want score 3 set the directive to 27 or more.
 *
 * Thread-safe: libzxcvbn's dictionaries are constant; each call allocates
 * its own match list (freed here).
 */
#ifndef PT_STRENGTH_H
#define PT_STRENGTH_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_STRENGTH_DEFAULT_BITS 20.0
#define PT_STRENGTH_MAX_BITS 128.0      /* highest floor a directive may set */
#define PT_STRENGTH_MAX_LEN 1024        /* longer passwords: APR_EINVAL */
#define PT_STRENGTH_MAX_WORDS 16        /* user words considered */

/* The kinds of weak part found (bits of pt_strength_t.weak). */
#define PT_WEAK_WORD      0x01  /* a common password, word or name */
#define PT_WEAK_LEET      0x02  /* ... with look-alike swaps (p4ssw0rd) */
#define PT_WEAK_USER      0x04  /* the person's own name/username/email */
#define PT_WEAK_REPEAT    0x08  /* a repeated character or pattern */
#define PT_WEAK_SEQUENCE  0x10  /* abc, 123, 97531 */
#define PT_WEAK_SPATIAL   0x20  /* a keyboard pattern: qwerty, zxcvb */
#define PT_WEAK_DATE      0x40  /* a date or a year */

typedef struct pt_strength_t {
    double bits;            /* libzxcvbn's entropy estimate */
    unsigned int weak;      /* PT_WEAK_* of the parts it recognised */
    const char *message;    /* why it is too weak (NULL when it is not) */
} pt_strength_t;

/*
 * Rate pw (NUL-terminated, at most PT_STRENGTH_MAX_LEN bytes) against
 * floor bits (0 to PT_STRENGTH_MAX_BITS; the directive's value, default
 * PT_STRENGTH_DEFAULT_BITS).  user_words: the account's own words that
 * must not make a password (username, first and last name, email
 * address), a NULL-terminated array or NULL; each is also split at every
 * character that is not a letter or digit and at letter/digit boundaries,
 * and every piece of 3 or more characters counts too (so
 * "ada.lovelace@example.org" gives "ada", "lovelace", "example"; the
 * first PT_STRENGTH_MAX_WORDS words only).
 *
 * APR_SUCCESS when bits >= floor; out (may be NULL) is filled either
 * way.  APR_EGENERAL with err->what = out->message when it is below the
 * floor: a sentence for the person, built from the kinds of weak part
 * found, e.g. "This password is too easy to guess: it contains a common
 * word or password and a date or a year. Add a few more words, or make
 * it longer with something less predictable."  The message never quotes the password
 * or any part of it.  APR_EINVAL + err for a NULL or too long password or
 * a bad floor.
 */
apr_status_t pt_strength_check(apr_pool_t *p, const char *pw,
                               const char *const *user_words, double floor,
                               pt_strength_t *out, pt_err_t *err);

#endif /* PT_STRENGTH_H */
