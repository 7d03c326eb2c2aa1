/*
 * test_password.c -- unit tests of pt_password.c: argon2id hashing and
 * verification, rehash decisions, and verification of the hashes carried
 * over from the Flask portal (werkzeug scrypt/pbkdf2, bcrypt) against
 * vectors produced by the real tools.  Malformed and oversized hashes must
 * give APR_EINVAL and never a match.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <argon2.h>

#include "pt_password.h"
#include "pt_test.h"

/*
 * Werkzeug vectors.  Produced with Python 3.11.7 and werkzeug
 * 3.1.8 installed; the hashlib ones exactly as werkzeug.security.
 * _hash_internal computes them, and every one checked with
 * werkzeug.security.check_password_hash() (True):
 *
 *   python3 -c 'import hashlib; s="Zx7pQ2mV9rT4kL8s";
 *     print("scrypt:32768:8:1$" + s + "$" + hashlib.scrypt(
 *       b"correct horse battery staple", salt=s.encode(), n=32768, r=8,
 *       p=1, maxmem=132*32768*8, dklen=64).hex())'
 *   python3 -c 'import hashlib; s="aB3dE5gH7jK9mN1p";
 *     print("pbkdf2:sha256:600000$" + s + "$" + hashlib.pbkdf2_hmac(
 *       "sha256", b"hunter2hunter2", s.encode(), 600000).hex())'
 *   (likewise pbkdf2:sha256:1000 over the UTF-8 password "Zoë-pässwörd",
 *    pbkdf2:sha1:1000 / pbkdf2:sha512:1000 of "password" with salt
 *    "saltsalt", and scrypt:1024:8:2 of "small" with salt
 *    "abcdefgh12345678")
 *   python3 -c 'from werkzeug.security import generate_password_hash as g;
 *     print(g("Tr0ub4dor&3"))'   (werkzeug's default method, random salt)
 */
static const char wz_scrypt_default[] =
    "scrypt:32768:8:1$Zx7pQ2mV9rT4kL8s$524724a7138f2e4cd3207f07e62d00a2a886"
    "17ddc6da82954d7161bca41cc4796803de1180c731bf6ae4e7822607ac5d45fd6789f1"
    "ddea5a56441a45bd17d25a";
static const char wz_scrypt_generated[] =
    "scrypt:32768:8:1$cUUWQ6vSQZJ7Hlx1$4c7fb09520ba5364f51a78fd317f6a6c02a0"
    "347c38a5ccf50c00e7470b2027d9d5deca00bb5df67beae8fd4e154f3af66864c8ce71"
    "650e196944d79833fc4cb0";
static const char wz_scrypt_small[] =
    "scrypt:1024:8:2$abcdefgh12345678$18beeff9272377abf51b0b796a4cc0f1e4e1af"
    "c31c01b54446190380dfb2a3733f6213bf2f90e31f778c0c160fefd70761f187a2e00c"
    "08240ce28786a564ade0";
static const char wz_pbkdf2_600k[] =
    "pbkdf2:sha256:600000$aB3dE5gH7jK9mN1p$62285153964dbbd82853406cc6a6f2d7"
    "ec95a4a71833362cb7119a1495673937";
static const char wz_pbkdf2_1000_utf8[] =
    "pbkdf2:sha256:1000$q1W2e3R4t5Y6u7I8$54a1a55cb813f4cd0d76f018391fb48b25"
    "ba85d98797bd4e6f9f1ba7152fe649";
static const char wz_pbkdf2_sha1[] =
    "pbkdf2:sha1:1000$saltsalt$e9febff54bfce668fde301acc85563cc9dc71ef6";
static const char wz_pbkdf2_sha512[] =
    "pbkdf2:sha512:1000$saltsalt$43abf8c7027c6bd9d63e9d81784a006188474a8db1"
    "4663d60114f5eef4e94b1b76aba88da7b04ea335b9e7baaa6bde5e36350ee202acd02c"
    "af25b6061a4bb5b4";

/*
 * bcrypt vectors:
 *   $2y$: `htpasswd -nbB user password` and `htpasswd -nbB user 'S3cret!pw'`
 *         (apache2-utils 2.4, cost 5)
 *   $2b$: a small C program, crypt_gensalt_rn("$2b$", 5, NULL, 0, ...) then
 *         crypt_rn("password", salt, ...) with libxcrypt
 *   $2a$: the same with "$2a$" and "correct horse"
 *   $2a$ "U*U": the well-known vector of Openwall's crypt_blowfish
 *         (wrapper.c tests), also used by OpenBSD's regression tests
 */
static const char bc_2y_password[] =
    "$2y$05$lZpAI6HgI8ty3me2JdW2vuDgdDiYrdN3GV/nNrando0Cij2YuX6du";
static const char bc_2y_secret[] =
    "$2y$05$oZVyKBTr0vnxiOkBCXbML.omMeuNg5sHQBuxXckQKB6jU.axU0/WW";
static const char bc_2b_password[] =
    "$2b$05$Fv2c.UIZalz.7OmAwY3n0OMIhSUju5451ugTDt94E16tTF4TJ59i6";
static const char bc_2a_horse[] =
    "$2a$05$wBKkmvRObFqidqoA.M0P5.bvheeNs2V0Vqsawz9xT/f8gFw2LZQCm";
static const char bc_2a_openwall[] =
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

/*
 * argon2id reference vectors from the reference implementation's test
 * suite (phc-winner-argon2 src/test.c; also in RustCrypto's and Go's
 * known-answer tests): password "password", salt "somesalt".
 */
static const char a2_ref_p1[] =
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$"
    "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
static const char a2_ref_p2[] =
    "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$"
    "bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc";

static const pt_argon2_params_t small = { 1024, 1, 1 };

/* Verify pw against stored; expect rv and match. */
static void check(apr_pool_t *p, const char *pw, const char *stored,
                  const pt_argon2_params_t *params, apr_status_t want_rv,
                  int want_match, const char *what)
{
    int match = -1, rehash = -1;
    apr_status_t rv = pt_password_verify(p, pw, stored, params, &match,
                                         &rehash);

    PT_OK(rv == want_rv && match == want_match,
          "%s (rv %d, match %d)", what, rv, match);
}

/* A known hash: the right password matches with a rehash request (it is
 * not argon2id), a wrong one does not match. */
static void check_legacy(apr_pool_t *p, const char *stored, const char *pw,
                         pt_pw_format_e fmt, const char *what)
{
    int match = -1, rehash = -1;
    apr_status_t rv;

    PT_OK(pt_password_format(stored) == fmt, "%s: format", what);
    rv = pt_password_verify(p, pw, stored, &small, &match, &rehash);
    PT_OK(rv == APR_SUCCESS && match == 1 && rehash == 1,
          "%s: right password matches, rehash (rv %d, match %d, rehash %d)",
          what, rv, match, rehash);
    rv = pt_password_verify(p, "wrong password", stored, &small, &match,
                            &rehash);
    PT_OK(rv == APR_SUCCESS && match == 0 && rehash == 0,
          "%s: wrong password fails (rv %d, match %d, rehash %d)", what, rv,
          match, rehash);
}

static void test_argon2id(apr_pool_t *p)
{
    const char *h1 = NULL, *h2 = NULL;
    pt_argon2_params_t stronger_m = { 2048, 1, 1 };
    pt_argon2_params_t stronger_t = { 1024, 2, 1 };
    pt_argon2_params_t stronger_p = { 1024, 1, 2 };
    pt_argon2_params_t weaker = { 512, 1, 1 };
    pt_argon2_params_t bad = { 1024, 0, 1 };
    char enc[256];
    int match = -1, rehash = -1;
    char *longpw;

    PT_OK(pt_password_hash(p, "s3cret pässword", &small, &h1) == APR_SUCCESS
          && h1 != NULL, "argon2id hash with m=1024,t=1,p=1");
    PT_OK(h1 && !strncmp(h1, "$argon2id$v=19$m=1024,t=1,p=1$", 30),
          "PHC string with the parameters: %s", h1 ? h1 : "(null)");
    PT_OK(pt_password_format(h1) == PT_PW_ARGON2ID, "format is argon2id");
    /* computed with our own allocator (mmap), written by our own encoder:
     * still the standard PHC string libargon2 itself verifies */
    PT_OK(h1 && argon2id_verify(h1, "s3cret pässword", strlen("s3cret pässword"))
          == ARGON2_OK, "libargon2's own argon2id_verify accepts it");
    PT_OK(h1 && argon2id_verify(h1, "s3cret passwörd", strlen("s3cret passwörd"))
          == ARGON2_VERIFY_MISMATCH, "and refuses another password");
    PT_OK(pt_password_hash(p, "s3cret pässword", &small, &h2) == APR_SUCCESS
          && strcmp(h1, h2) != 0, "same password, new salt, new hash");

    PT_OK(pt_password_verify(p, "s3cret pässword", h1, &small, &match,
                             &rehash) == APR_SUCCESS
          && match == 1 && rehash == 0,
          "round trip matches, no rehash with the same params");
    check(p, "s3cret passwörd", h1, &small, APR_SUCCESS, 0,
          "wrong password does not match");
    check(p, "", h1, &small, APR_SUCCESS, 0, "empty password does not match");

    PT_OK(pt_password_verify(p, "s3cret pässword", h1, &stronger_m, &match,
                             &rehash) == APR_SUCCESS
          && match == 1 && rehash == 1, "rehash when m is raised");
    PT_OK(pt_password_verify(p, "s3cret pässword", h1, &stronger_t, &match,
                             &rehash) == APR_SUCCESS
          && match == 1 && rehash == 1, "rehash when t is raised");
    PT_OK(pt_password_verify(p, "s3cret pässword", h1, &stronger_p, &match,
                             &rehash) == APR_SUCCESS
          && match == 1 && rehash == 1, "rehash when p is raised");
    PT_OK(pt_password_verify(p, "s3cret pässword", h1, &weaker, &match,
                             &rehash) == APR_SUCCESS
          && match == 1 && rehash == 0, "no rehash when params are lower");
    PT_OK(pt_password_verify(p, "nope nope", h1, &stronger_m, &match,
                             &rehash) == APR_SUCCESS
          && match == 0 && rehash == 0, "no rehash without a match");
    PT_OK(pt_password_verify(p, "s3cret pässword", h1, &small, &match,
                             NULL) == APR_SUCCESS && match == 1,
          "rehash pointer may be NULL");

    /* Reference vectors of the argon2 authors. */
    check(p, "password", a2_ref_p1, &small, APR_SUCCESS, 1,
          "reference vector m=256,t=2,p=1");
    {
        /* the same hash with its last base64 digit's spare bits set:
         * libargon2 refuses such a string, and so do we */
        char *odd = apr_pstrdup(p, a2_ref_p1);
        apr_size_t n = strlen(odd);

        odd[n - 1] = odd[n - 1] == '4' ? '5' : '4';
        check(p, "password", odd, &small, APR_EINVAL, 0,
              "a hash whose last digit has non-zero spare bits");
    }
    check(p, "password", a2_ref_p2, &small, APR_SUCCESS, 1,
          "reference vector m=256,t=2,p=2");
    check(p, "passwore", a2_ref_p1, &small, APR_SUCCESS, 0,
          "reference vector, wrong password");
    PT_OK(pt_password_verify(p, "password", a2_ref_p1, NULL, &match,
                             &rehash) == APR_SUCCESS
          && match == 1 && rehash == 1,
          "reference vector is weaker than the defaults: rehash");

    /* An old version-0x10 hash verifies but asks for a rehash. */
    PT_OK(argon2_hash(1, 1024, 1, "old", 3, "somesaltsomesalt", 16, NULL, 32,
                      enc, sizeof(enc), Argon2_id, ARGON2_VERSION_10)
          == ARGON2_OK, "libargon2 makes a v=16 hash");
    PT_OK(pt_password_verify(p, "old", enc, &small, &match, &rehash)
          == APR_SUCCESS && match == 1 && rehash == 1,
          "v=16 hash matches and asks for a rehash");

    /* Defaults: one hash and one verify (about 50 ms each). */
    PT_OK(pt_password_hash(p, "default params", NULL, &h2) == APR_SUCCESS
          && !strncmp(h2, "$argon2id$v=19$m=19456,t=2,p=1$", 31),
          "hash with default params (NULL)");
    PT_OK(pt_password_verify(p, "default params", h2, NULL, &match, &rehash)
          == APR_SUCCESS && match == 1 && rehash == 0,
          "default-params hash verifies without rehash");

    /* Bounds on hashing. */
    longpw = apr_palloc(p, PT_PASSWORD_MAX_LEN + 2);
    memset(longpw, 'x', PT_PASSWORD_MAX_LEN + 1);
    longpw[PT_PASSWORD_MAX_LEN + 1] = '\0';
    PT_OK(pt_password_hash(p, longpw, &small, &h2) == APR_EINVAL
          && h2 == NULL, "hash refuses a password over the maximum");
    PT_OK(pt_password_verify(p, longpw, h1, &small, &match, &rehash)
          == APR_SUCCESS && match == 0, "verify never matches one");
    longpw[PT_PASSWORD_MAX_LEN] = '\0';
    PT_OK(pt_password_hash(p, longpw, &small, &h2) == APR_SUCCESS,
          "hash takes a password of exactly the maximum");
    PT_OK(pt_password_verify(p, longpw, h2, &small, &match, &rehash)
          == APR_SUCCESS && match == 1, "and verifies it");
    PT_OK(pt_password_hash(p, "x", &bad, &h2) == APR_EINVAL,
          "hash refuses t=0");
    PT_OK(pt_password_hash(p, NULL, &small, &h2) == APR_EINVAL,
          "hash refuses NULL");

    pt_password_dummy_verify(p, "whatever", &small);
    pt_password_dummy_verify(p, NULL, &bad);
    PT_OK(1, "dummy verify runs (also with NULL and bad params)");
}

static void test_werkzeug(apr_pool_t *p)
{
    check_legacy(p, wz_scrypt_default, "correct horse battery staple",
                 PT_PW_WERKZEUG_SCRYPT, "werkzeug scrypt:32768:8:1");
    check_legacy(p, wz_scrypt_generated, "Tr0ub4dor&3",
                 PT_PW_WERKZEUG_SCRYPT,
                 "werkzeug generate_password_hash default");
    check_legacy(p, wz_scrypt_small, "small", PT_PW_WERKZEUG_SCRYPT,
                 "werkzeug scrypt:1024:8:2");
    check_legacy(p, wz_pbkdf2_600k, "hunter2hunter2", PT_PW_WERKZEUG_PBKDF2,
                 "werkzeug pbkdf2:sha256:600000");
    check_legacy(p, wz_pbkdf2_1000_utf8, "Zoë-pässwörd",
                 PT_PW_WERKZEUG_PBKDF2, "werkzeug pbkdf2:sha256:1000 UTF-8");
    check_legacy(p, wz_pbkdf2_sha1, "password", PT_PW_WERKZEUG_PBKDF2,
                 "werkzeug pbkdf2:sha1:1000");
    check_legacy(p, wz_pbkdf2_sha512, "password", PT_PW_WERKZEUG_PBKDF2,
                 "werkzeug pbkdf2:sha512:1000");

    /* A bare "scrypt" is werkzeug's fixed default 32768:8:1. */
    check(p, "correct horse battery staple",
          apr_pstrcat(p, "scrypt", strchr(wz_scrypt_default, '$'), NULL),
          &small, APR_SUCCESS, 1, "bare 'scrypt' means 32768:8:1");
    /* Upper-case hex decodes to the same bytes. */
    check(p, "password",
          "pbkdf2:sha1:1000$saltsalt$E9FEBFF54BFCE668FDE301ACC85563CC9DC71EF6",
          &small, APR_SUCCESS, 1, "upper-case hex accepted");
}

static void test_bcrypt(apr_pool_t *p)
{
    check_legacy(p, bc_2y_password, "password", PT_PW_BCRYPT,
                 "htpasswd -B $2y$ 'password'");
    check_legacy(p, bc_2y_secret, "S3cret!pw", PT_PW_BCRYPT,
                 "htpasswd -B $2y$ 'S3cret!pw'");
    check_legacy(p, bc_2b_password, "password", PT_PW_BCRYPT,
                 "libxcrypt $2b$ 'password'");
    check_legacy(p, bc_2a_horse, "correct horse", PT_PW_BCRYPT,
                 "libxcrypt $2a$ 'correct horse'");
    check_legacy(p, bc_2a_openwall, "U*U", PT_PW_BCRYPT,
                 "Openwall crypt_blowfish $2a$ 'U*U'");
    check(p, "U*U*", bc_2a_openwall, &small, APR_SUCCESS, 0,
          "Openwall vector with 'U*U*' fails");
}

static void test_malformed(apr_pool_t *p)
{
    static const struct {
        const char *stored;
        const char *what;
    } bad[] = {
        { "", "empty string" },
        { "plaintext", "plain text" },
        { "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$"
          "iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8", "argon2i" },
        { "$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$"
          "iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8", "argon2d" },
        { "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ", "argon2id no hash" },
        { "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$", "argon2id empty hash" },
        { "$argon2id$v=19$m=256,t=2,p=1$$nf65EOgLrQMR", "argon2id no salt" },
        { "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id huge m" },
        { "$argon2id$v=19$m=2097152,t=2,p=1$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id m 2 GiB" },
        { "$argon2id$v=19$m=256,t=100000,p=1$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id huge t" },
        { "$argon2id$v=19$m=256,t=2,p=1000$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id huge p" },
        { "$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id t=0" },
        { "$argon2id$v=19$m=256,t=2,p=1$c29t!XNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id bad b64" },
        { "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4$x", "argon2id extra" },
        { "$argon2id$v=19$m=-256,t=2,p=1$c29tZXNhbHQ$"
          "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id m<0" },
        /* werkzeug scrypt */
        { "scrypt:32768:8:1$Zx7pQ2mV9rT4kL8s$524724a7138f2e4cd3207f07e62d00"
          "a2a88617ddc6da82954d7161bca41cc4796803de1180c731bf6ae4e7822607ac"
          "5d45fd6789f1ddea5a56441a45bd17d25", "scrypt truncated hex" },
        { "scrypt:32768:8:1$Zx7pQ2mV9rT4kL8s$zz4724a7138f2e4cd3207f07e62d00"
          "a2a88617ddc6da82954d7161bca41cc4796803de1180c731bf6ae4e7822607ac"
          "5d45fd6789f1ddea5a56441a45bd17d25a", "scrypt bad hex" },
        { "scrypt:32768:8:1$Zx7pQ2mV9rT4kL8s", "scrypt no hash" },
        { "scrypt:32768:8:1", "scrypt no salt" },
        { "scrypt:1048576:8:1$salt$00", "scrypt N=2^20 r=8 (1 GiB)" },
        { "scrypt:2097152:1:1$salt$00", "scrypt N=2^21" },
        { "scrypt:99999999999999999999999:8:1$salt$00", "scrypt N overflow" },
        { "scrypt:32768:64:1$salt$00", "scrypt huge r" },
        { "scrypt:32768:8:100$salt$00", "scrypt huge p" },
        { "scrypt:30000:8:1$salt$00", "scrypt N not a power of two" },
        { "scrypt:32768:0:1$salt$00", "scrypt r=0" },
        { "scrypt:32768:8$salt$00", "scrypt two parameters" },
        { "scrypt:32768:8:1:1$salt$00", "scrypt four parameters" },
        { "scrypt:+32768:8:1$salt$00", "scrypt signed N" },
        /* werkzeug pbkdf2 */
        { "pbkdf2:sha256$saltsalt$00", "pbkdf2 without iterations" },
        { "pbkdf2$saltsalt$00", "pbkdf2 without hash and iterations" },
        { "pbkdf2:md5:1000$saltsalt$00", "pbkdf2 md5" },
        { "pbkdf2:sha256:10000001$s$00", "pbkdf2 too many iterations" },
        { "pbkdf2:sha256:0$s$00", "pbkdf2 zero iterations" },
        { "pbkdf2:sha256:1000x$s$00", "pbkdf2 junk after iterations" },
        { "pbkdf2:sha1:1000$saltsalt$e9febff54bfce668fde301acc85563cc9dc71e",
          "pbkdf2 truncated hex" },
        { "pbkdf2:sha1:1000$saltsalt$"
          "e9febff54bfce668fde301acc85563cc9dc71ef600",
          "pbkdf2 overlong hex" },
        { "pbkdf2:sha1:1000$saltsalt$g9febff54bfce668fde301acc85563cc9dc71ef6",
          "pbkdf2 bad hex" },
        /* bcrypt */
        { "$2y$05$lZpAI6HgI8ty3me2JdW2vuDgdDiYrdN3GV/nNrando0Cij2YuX6d",
          "bcrypt truncated" },
        { "$2y$31$lZpAI6HgI8ty3me2JdW2vuDgdDiYrdN3GV/nNrando0Cij2YuX6du",
          "bcrypt cost 31" },
        { "$2y$03$lZpAI6HgI8ty3me2JdW2vuDgdDiYrdN3GV/nNrando0Cij2YuX6du",
          "bcrypt cost 3" },
        { "$2y$05$lZpAI6HgI8ty3me2JdW2vuDgdDiYrdN3GV/nNrando0Cij2YuX6d!",
          "bcrypt bad character" },
        { "$2x$05$lZpAI6HgI8ty3me2JdW2vuDgdDiYrdN3GV/nNrando0Cij2YuX6du",
          "bcrypt $2x$" },
        { "$1$abcdefgh$abcdefghijklmnopqrstuv", "md5-crypt" },
    };
    int match = -1;
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        check(p, "password", bad[i].stored, &small, APR_EINVAL, 0,
              bad[i].what);
    }
    PT_OK(pt_password_verify(p, "password", NULL, &small, &match, NULL)
          == APR_EINVAL && match == 0, "NULL stored hash");
    PT_OK(pt_password_verify(p, NULL, a2_ref_p1, &small, &match, NULL)
          == APR_EINVAL && match == 0, "NULL password");

    PT_OK(pt_password_format(NULL) == PT_PW_UNKNOWN, "format of NULL");
    PT_OK(pt_password_format("$argon2i$v=19$m=1,t=1,p=1$x$y")
          == PT_PW_UNKNOWN, "argon2i is an unknown format");
    PT_OK(pt_password_format("sha256$salt$hex") == PT_PW_UNKNOWN,
          "old werkzeug plain-digest format is unknown");
}

/* Finding 7 of issue 11: every path that does not match costs one
 * argon2id computation, counted by pt_password_check. */
static void test_work(apr_pool_t *p)
{
    static const struct {
        const char *pw, *stored, *what;
        apr_status_t rv;
        int match;
    } cases[] = {
        { "password", NULL, "no hash (an account made by the provider)",
          APR_EINVAL, 0 },
        { "password", "!", "the provider's no-password marker", APR_EINVAL,
          0 },
        { "password", "$argon2id$v=19$m=abc", "a malformed argon2id hash",
          APR_EINVAL, 0 },
        { "password", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
          "an argon2id hash with absurd costs", APR_EINVAL, 0 },
        { "password", "sha256$salt$hex", "an unknown format", APR_EINVAL,
          0 },
        { "wrong", NULL, "a wrong password", APR_SUCCESS, 0 },
        { "password", NULL, "the right password", APR_SUCCESS, 1 },
    };
    pt_pw_check_t c;
    apr_size_t i;
    char *longpw;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *stored = cases[i].stored;
        apr_status_t rv;

        if (!stored && cases[i].rv == APR_SUCCESS) {
            stored = a2_ref_p1;
        }
        rv = pt_password_check(p, cases[i].pw, stored, &small, &c);
        PT_OK(rv == cases[i].rv && c.match == cases[i].match
              && c.argon2 == 1, "%s: one argon2id computation (rv %d, "
              "match %d, argon2 %u)", cases[i].what, rv, c.match,
              c.argon2);
    }
    longpw = apr_palloc(p, PT_PASSWORD_MAX_LEN + 2);
    memset(longpw, 'a', PT_PASSWORD_MAX_LEN + 1);
    longpw[PT_PASSWORD_MAX_LEN + 1] = '\0';
    PT_OK(pt_password_check(p, longpw, a2_ref_p1, &small, &c) == APR_SUCCESS
          && !c.match && c.argon2 == 1,
          "an over-long password: one computation, no match");
    PT_OK(pt_password_check(p, longpw, NULL, &small, &c) == APR_EINVAL
          && !c.match && c.argon2 == 1,
          "an over-long password and no hash: one computation");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_argon2id(p);
    test_werkzeug(p);
    test_bcrypt(p);
    test_malformed(p);
    test_work(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
