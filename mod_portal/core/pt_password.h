/*
 * pt_password.h -- password hashing and verification.
 *
 * New hashes are argon2id in the PHC string format of libargon2
 * ($argon2id$v=19$m=...,t=...,p=...$salt$hash).  Hashes carried over from
 * the Flask portal verify too, so its users can sign in unchanged:
 *   werkzeug  scrypt:N:r:p$salt$hex       (hashlib.scrypt, dklen 64)
 *   werkzeug  pbkdf2:sha256:N$salt$hex    (also pbkdf2:sha1 / sha512)
 *   bcrypt    $2b$ / $2y$ / $2a$          (libxcrypt)
 * and such a hash (or an argon2id one weaker than the current parameters)
 * is reported as needing a rehash, which the caller does after a successful
 * sign-in.
 */
#ifndef PT_PASSWORD_H
#define PT_PASSWORD_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct pt_argon2_params_t {
    unsigned int m_cost_kib;    /* memory in KiB; default 19456 (19 MiB) */
    unsigned int t_cost;        /* passes; default 2 */
    unsigned int parallelism;   /* lanes; default 1 */
} pt_argon2_params_t;

#define PT_ARGON2_DEFAULT_M 19456
#define PT_ARGON2_DEFAULT_T 2
#define PT_ARGON2_DEFAULT_P 1

/* Inputs longer than this are refused by hash and never match on verify
 * (bounds the work an attacker can ask for). */
#define PT_PASSWORD_MAX_LEN 1024

typedef enum {
    PT_PW_UNKNOWN = 0,  /* not a format we know */
    PT_PW_ARGON2ID,
    PT_PW_WERKZEUG_SCRYPT,
    PT_PW_WERKZEUG_PBKDF2,
    PT_PW_BCRYPT
} pt_pw_format_e;

/* The format of a stored hash string. */
pt_pw_format_e pt_password_format(const char *stored);

/* Hash pw with argon2id and a fresh 16-byte salt; *out is the PHC string. */
apr_status_t pt_password_hash(apr_pool_t *p, const char *pw,
                              const pt_argon2_params_t *params,
                              const char **out);

/* Check pw against stored (pt_password_check without its work count).
 * *match is 1 on a match.  *rehash (may be NULL)
 * is set to 1 on a match whose stored hash is not argon2id with at least
 * the given params.  Returns APR_SUCCESS whether or not it matched;
 * APR_EINVAL when stored is malformed or of an unknown format (then
 * *match is 0). */
apr_status_t pt_password_verify(apr_pool_t *p, const char *pw,
                                const char *stored,
                                const pt_argon2_params_t *params,
                                int *match, int *rehash);

/* What pt_password_check found and did. */
typedef struct pt_pw_check_t {
    int match;                  /* 1: pw is the password */
    int rehash;                 /* 1: a match whose hash should be renewed */
    unsigned int argon2;        /* argon2id computations done (for callers
                                   that account for the work) */
} pt_pw_check_t;

/* Check pw (NULL: "") against stored, doing at least the work of one
 * argon2id verification whatever stored is: a hash of an unknown format,
 * a malformed one, or none at all (NULL: an account without a password,
 * e.g. one made through the identity provider) costs a dummy argon2id
 * computation with params and never matches.  So every path that does
 * not match costs the same, and out->argon2 counts the computations.
 * Returns APR_SUCCESS for a hash it could check (match or not),
 * APR_EINVAL for one it could not (after the dummy work), APR_ENOMEM or
 * APR_EGENERAL when argon2 itself failed.  Legacy formats (scrypt, pbkdf2,
 * bcrypt) cost their own work, not argon2id. */
apr_status_t pt_password_check(apr_pool_t *p, const char *pw,
                               const char *stored,
                               const pt_argon2_params_t *params,
                               pt_pw_check_t *out);

/* Whether stored is a hash that pt_password_check() can verify: a known
 * format, well-formed, with costs within the bounds sign-in accepts --
 * found without computing anything, so it is cheap enough for every row
 * of an import that takes hashes as they are.  NULL when it is; else a
 * sentence saying why not (static, or from p). */
const char *pt_password_wellformed(apr_pool_t *p, const char *stored);

/* Burn about the time a real verify costs, for unknown users, so that
 * timing does not tell whether an account exists. */
void pt_password_dummy_verify(apr_pool_t *p, const char *pw,
                              const pt_argon2_params_t *params);

#endif /* PT_PASSWORD_H */
