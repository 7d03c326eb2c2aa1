/*
 * pt_strength.c -- the password strength floor on libzxcvbn, and the
 * message that says which kinds of weak part were found.  See
 * pt_strength.h.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include <zxcvbn.h>

#include "pt_strength.h"

#define WORD_MAX 100            /* longer user words are cut */
#define PIECE_MIN 3

static const struct {
    unsigned int bit;
    const char *text;
} kinds[] = {
    { PT_WEAK_USER, "your own name, username or email address" },
    { PT_WEAK_WORD, "a common word or password" },
    { PT_WEAK_LEET, "a common word with look-alike characters swapped in" },
    { PT_WEAK_SPATIAL, "a keyboard pattern like qwerty" },
    { PT_WEAK_SEQUENCE, "a sequence like abc or 123" },
    { PT_WEAK_REPEAT, "repeated characters" },
    { PT_WEAK_DATE, "a date or a year" },
};

static unsigned int weak_bit(ZxcTypeMatch_t type)
{
    switch ((int)type & ~(int)MULTIPLE_MATCH) {
    case DICTIONARY_MATCH:
        return PT_WEAK_WORD;
    case DICT_LEET_MATCH:
        return PT_WEAK_LEET;
    case USER_MATCH:
    case USER_LEET_MATCH:
        return PT_WEAK_USER;
    case REPEATS_MATCH:
        return PT_WEAK_REPEAT;
    case SEQUENCE_MATCH:
        return PT_WEAK_SEQUENCE;
    case SPATIAL_MATCH:
        return PT_WEAK_SPATIAL;
    case DATE_MATCH:
    case YEAR_MATCH:
        return PT_WEAK_DATE;
    default:
        return 0;               /* brute force, long password: not weak */
    }
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (unsigned char)c >= 0x80;     /* UTF-8 letters stay whole */
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Add s[0..n) in ASCII lower case to list unless short, full or known. */
static void add_word(apr_pool_t *p, apr_array_header_t *list, const char *s,
                     apr_size_t n)
{
    char *w;
    apr_size_t i;
    int j;

    if (n < PIECE_MIN || list->nelts >= PT_STRENGTH_MAX_WORDS) {
        return;
    }
    if (n > WORD_MAX) {
        n = WORD_MAX;
    }
    w = apr_pstrmemdup(p, s, n);
    for (i = 0; i < n; i++) {
        if (w[i] >= 'A' && w[i] <= 'Z') {
            w[i] = (char)(w[i] - 'A' + 'a');
        }
    }
    for (j = 0; j < list->nelts; j++) {
        if (!strcmp(APR_ARRAY_IDX(list, j, const char *), w)) {
            return;
        }
    }
    APR_ARRAY_PUSH(list, const char *) = w;
}

/* The user dictionary: each word whole, then its letter and digit runs. */
static const char **user_dict(apr_pool_t *p, const char *const *words)
{
    apr_array_header_t *list = apr_array_make(p, PT_STRENGTH_MAX_WORDS + 1,
                                              sizeof(const char *));
    int i;

    for (i = 0; words && words[i]; i++) {
        const char *w = words[i];
        apr_size_t n = strlen(w), k = 0;

        add_word(p, list, w, n);
        while (k < n) {
            apr_size_t start = k;

            if (is_alpha(w[k])) {
                while (k < n && is_alpha(w[k])) {
                    k++;
                }
            }
            else if (is_digit(w[k])) {
                while (k < n && is_digit(w[k])) {
                    k++;
                }
            }
            else {
                k++;
                continue;
            }
            if (k - start < n) {
                add_word(p, list, w + start, k - start);
            }
        }
    }
    APR_ARRAY_PUSH(list, const char *) = NULL;
    return (const char **)list->elts;
}

/* "This password is too easy to guess: it contains A, B and C. ..." */
static const char *weak_message(apr_pool_t *p, unsigned int weak)
{
    const char *list = NULL;
    const char *last = NULL;
    apr_size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (!(weak & kinds[i].bit)) {
            continue;
        }
        if (last) {
            list = list ? apr_pstrcat(p, list, ", ", last, NULL) : last;
        }
        last = kinds[i].text;
    }
    if (!last) {
        return "This password is too easy to guess: it is too short for "
               "what it is made of. Make it longer: a few words that do "
               "not belong together work well.";
    }
    return apr_pstrcat(p, "This password is too easy to guess: it contains ",
                       list ? list : "", list ? " and " : "", last,
                       ". Add a few more words, or make it longer with "
                       "something less predictable.", NULL);
}

apr_status_t pt_strength_check(apr_pool_t *p, const char *pw,
                               const char *const *user_words, double floor,
                               pt_strength_t *out, pt_err_t *err)
{
    ZxcMatch_t *info = NULL, *m;
    pt_strength_t res;

    memset(&res, 0, sizeof(res));
    if (out) {
        *out = res;
    }
    if (!pw || strlen(pw) > PT_STRENGTH_MAX_LEN) {
        pt_err_set(err, p, NULL, 0, "a password of at most %d bytes is "
                   "needed", PT_STRENGTH_MAX_LEN);
        return APR_EINVAL;
    }
    if (!(floor >= 0.0 && floor <= PT_STRENGTH_MAX_BITS)) {
        pt_err_set(err, p, NULL, 0, "a strength floor is 0 to %.0f bits",
                   PT_STRENGTH_MAX_BITS);
        return APR_EINVAL;
    }
    res.bits = ZxcvbnMatch(pw, user_dict(p, user_words), &info);
    for (m = info; m; m = m->Next) {
        res.weak |= weak_bit(m->Type);
        if ((int)m->Type & (int)MULTIPLE_MATCH) {
            res.weak |= PT_WEAK_REPEAT;     /* the same part again */
        }
    }
    ZxcvbnFreeInfo(info);
    if (!(res.bits >= floor)) {
        res.message = weak_message(p, res.weak);
    }
    if (out) {
        *out = res;
    }
    if (res.message) {
        pt_err_set(err, p, NULL, 0, "%s", res.message);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
