/*
 * pt_password.c -- argon2id hashing, and verification of argon2id and of
 * the hashes carried over from the Flask portal (see pt_password.h).
 *
 * Stored hashes come from the database, so every cost parameter in them is
 * bounded before any work is done: a corrupt or hostile row must not make
 * one sign-in allocate gigabytes or run for minutes.  Values above the
 * bounds below make the hash malformed (APR_EINVAL).
 *
 * The werkzeug formats are those of werkzeug.security (checked against
 * werkzeug 3.1):
 *   scrypt:N:r:p$SALT$HEX   HEX = hashlib.scrypt(pw, salt=SALT, n=N, r=r,
 *                           p=p, dklen=64).hex(); a bare "scrypt" means
 *                           werkzeug's fixed default 32768:8:1.
 *   pbkdf2:HASH:ITER$SALT$HEX  HEX = hashlib.pbkdf2_hmac(HASH, pw, SALT,
 *                           ITER).hex().  Without ITER werkzeug uses the
 *                           default of whatever version is running (it has
 *                           changed from release to release), so a hash
 *                           without ITER is refused as malformed.
 * SALT is used as its bytes (werkzeug's salt.encode()).
 *
 * Longer than the ~600 lines of the norm: argon2id and every legacy format
 * the Flask portal left (werkzeug scrypt and pbkdf2, bcrypt) must be
 * checked by one function with the same bounded work.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <argon2.h>
#include <crypt.h>

#include "pt_crypto.h"
#include "pt_password.h"

/* Bounds on stored and configured costs. */
#define PT_ARGON2_MAX_M       1048576UL     /* KiB: 1 GiB */
#define PT_ARGON2_MAX_T       64UL
#define PT_ARGON2_MAX_P       64UL
#define PT_ARGON2_MAX_ENCODED 512
#define PT_ARGON2_SALT_BYTES  16
#define PT_ARGON2_HASH_BYTES  32

#define PT_SCRYPT_MAX_N       (1UL << 20)
#define PT_SCRYPT_MAX_R       32UL
#define PT_SCRYPT_MAX_P       16UL
#define PT_SCRYPT_MAX_MEM     ((uint64_t)256 << 20) /* 128 * N * r */
#define PT_SCRYPT_MAX_WORK    ((uint64_t)1 << 30)   /* 128 * N * r * p */
#define PT_SCRYPT_DKLEN       64

#define PT_PBKDF2_MAX_ITER    10000000UL

#define PT_WZ_MAX_SALT        1024

#define PT_BCRYPT_LEN         60
#define PT_BCRYPT_MIN_COST    4
#define PT_BCRYPT_MAX_COST    16

/* The result of checking one stored hash. */
typedef struct {
    int match;
    int rehash;
    unsigned int argon2;        /* argon2id computations done */
} pw_result_t;

static const pt_argon2_params_t default_params = {
    PT_ARGON2_DEFAULT_M, PT_ARGON2_DEFAULT_T, PT_ARGON2_DEFAULT_P
};

/*
 * Parse a decimal number of at most `max` at *s, advancing *s past it.
 * At least one digit; no sign, no space.  APR_EINVAL when there is no
 * digit or the value exceeds max.
 */
static apr_status_t parse_ulong(const char **s, unsigned long max,
                                unsigned long *out)
{
    const char *c = *s;
    unsigned long v = 0;

    if (*c < '0' || *c > '9') {
        return APR_EINVAL;
    }
    while (*c >= '0' && *c <= '9') {
        unsigned long d = (unsigned long)(*c - '0');

        if (v > (max - d) / 10) {
            return APR_EINVAL;
        }
        v = v * 10 + d;
        c++;
    }
    *s = c;
    *out = v;
    return APR_SUCCESS;
}

/* Expect the literal prefix at *s, then a number as parse_ulong(). */
static apr_status_t parse_after(const char **s, const char *prefix,
                                unsigned long max, unsigned long *out)
{
    apr_size_t n = strlen(prefix);

    if (strncmp(*s, prefix, n) != 0) {
        return APR_EINVAL;
    }
    *s += n;
    return parse_ulong(s, max, out);
}

/* Decode exactly 2 * n hex digits of s into out; APR_EINVAL otherwise. */
static apr_status_t hex_decode_exact(const char *s, unsigned char *out,
                                     apr_size_t n)
{
    apr_size_t i;

    if (strlen(s) != 2 * n) {
        return APR_EINVAL;
    }
    for (i = 0; i < n; i++) {
        int hi = pt_hex_value((unsigned char)s[2 * i]);
        int lo = pt_hex_value((unsigned char)s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return APR_EINVAL;
        }
        out[i] = (unsigned char)((hi << 4) | lo);
    }
    return APR_SUCCESS;
}

/* The effective parameters: the caller's, or the defaults for NULL. */
static const pt_argon2_params_t *params_or_default(
    const pt_argon2_params_t *params)
{
    return params ? params : &default_params;
}

/* 1 when params are within what we are prepared to compute. */
static int argon2_params_ok(const pt_argon2_params_t *pa)
{
    return pa->t_cost >= 1 && pa->t_cost <= PT_ARGON2_MAX_T
           && pa->parallelism >= 1 && pa->parallelism <= PT_ARGON2_MAX_P
           && pa->m_cost_kib <= PT_ARGON2_MAX_M
           && pa->m_cost_kib >= 8 * pa->parallelism;
}

/*
 * argon2's working memory (m KiB, 19 MiB by default) comes straight from
 * the kernel and goes back to it (mmap, munmap) instead of through
 * malloc: glibc keeps freed blocks of that size in its per-thread arenas
 * (above its dynamic mmap threshold), so a process whose threads had each
 * hashed once would keep threads x m of memory for good, whatever limits
 * how many hashes run at once.
 */
static int a2_allocate(uint8_t **memory, size_t bytes)
{
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (m == MAP_FAILED) {
        *memory = NULL;
        return ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    *memory = m;
    return ARGON2_OK;
}

static void a2_deallocate(uint8_t *memory, size_t bytes)
{
    if (memory) {
        munmap(memory, bytes);
    }
}

/* One argon2id computation into out (an argon2 error code). */
static int a2_compute(const pt_argon2_params_t *pa, unsigned long version,
                      const char *pw, size_t pwlen,
                      const unsigned char *salt, size_t saltlen,
                      unsigned char *out, size_t outlen)
{
    argon2_context ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.out = out;
    ctx.outlen = (uint32_t)outlen;
    /* not written to: no ARGON2_FLAG_CLEAR_PASSWORD */
    ctx.pwd = (uint8_t *)(uintptr_t)pw;
    ctx.pwdlen = (uint32_t)pwlen;
    ctx.salt = (uint8_t *)(uintptr_t)salt;
    ctx.saltlen = (uint32_t)saltlen;
    ctx.t_cost = pa->t_cost;
    ctx.m_cost = pa->m_cost_kib;
    ctx.lanes = pa->parallelism;
    ctx.threads = pa->parallelism;
    ctx.version = (uint32_t)version;
    ctx.allocate_cbk = a2_allocate;
    ctx.free_cbk = a2_deallocate;
    ctx.flags = ARGON2_DEFAULT_FLAGS;
    return argon2_ctx(&ctx, Argon2_id);
}

/* Unpadded standard base64, as the PHC string format writes it. */
static const char *b64std_encode(apr_pool_t *p, const unsigned char *in,
                                 apr_size_t n)
{
    char *out = apr_palloc(p, 4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);

    while (len > 0 && out[len - 1] == '=') {
        len--;
    }
    out[len] = '\0';
    return out;
}

static int b64std_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode n characters of unpadded standard base64 into out (at most max
 * bytes); -1 for a bad character, too much data or leftover bits that
 * are not zero (libargon2's decoder refuses those too). */
static long b64std_decode(const char *s, apr_size_t n, unsigned char *out,
                          apr_size_t max)
{
    unsigned long acc = 0;
    unsigned int bits = 0;
    apr_size_t i, len = 0;

    for (i = 0; i < n; i++) {
        int v = b64std_value((unsigned char)s[i]);

        if (v < 0) {
            return -1;
        }
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= max) {
                return -1;
            }
            out[len++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits > 4 || (acc & ((1UL << bits) - 1)) != 0) {
        return -1;
    }
    return (long)len;
}

pt_pw_format_e pt_password_format(const char *stored)
{
    if (!stored) {
        return PT_PW_UNKNOWN;
    }
    if (!strncmp(stored, "$argon2id$", 10)) {
        return PT_PW_ARGON2ID;
    }
    if (!strncmp(stored, "scrypt:", 7) || !strncmp(stored, "scrypt$", 7)) {
        return PT_PW_WERKZEUG_SCRYPT;
    }
    if (!strncmp(stored, "pbkdf2:", 7)) {
        return PT_PW_WERKZEUG_PBKDF2;
    }
    if (!strncmp(stored, "$2a$", 4) || !strncmp(stored, "$2b$", 4)
        || !strncmp(stored, "$2y$", 4)) {
        return PT_PW_BCRYPT;
    }
    return PT_PW_UNKNOWN;
}

/*
 * Split a werkzeug hash "METHOD$SALT$HEX" (werkzeug's split("$", 2)) into
 * pool copies of its three parts.  APR_EINVAL without two '$' or with a
 * salt longer than PT_WZ_MAX_SALT.
 */
static apr_status_t wz_split(apr_pool_t *p, const char *stored,
                             char **method, char **salt, char **hex)
{
    const char *d1, *d2;

    d1 = strchr(stored, '$');
    if (!d1) {
        return APR_EINVAL;
    }
    d2 = strchr(d1 + 1, '$');
    if (!d2 || (apr_size_t)(d2 - d1 - 1) > PT_WZ_MAX_SALT) {
        return APR_EINVAL;
    }
    *method = apr_pstrmemdup(p, stored, (apr_size_t)(d1 - stored));
    *salt = apr_pstrmemdup(p, d1 + 1, (apr_size_t)(d2 - d1 - 1));
    *hex = apr_pstrdup(p, d2 + 1);
    return APR_SUCCESS;
}

/* Verify a werkzeug scrypt hash. */
static apr_status_t verify_scrypt(apr_pool_t *p, const char *pw,
                                  const char *stored, pw_result_t *res)
{
    unsigned char want[PT_SCRYPT_DKLEN], got[PT_SCRYPT_DKLEN];
    unsigned long n = 32768, r = 8, par = 1;
    char *method, *salt, *hex;
    const char *c;
    uint64_t maxmem;
    apr_status_t rv;

    rv = wz_split(p, stored, &method, &salt, &hex);
    if (rv) {
        return rv;
    }
    if (strcmp(method, "scrypt") != 0) {
        c = method + 6;
        if (parse_after(&c, ":", PT_SCRYPT_MAX_N, &n)
            || parse_after(&c, ":", PT_SCRYPT_MAX_R, &r)
            || parse_after(&c, ":", PT_SCRYPT_MAX_P, &par) || *c != '\0') {
            return APR_EINVAL;
        }
    }
    /* N a power of two > 1; bounded memory (128 N r) and work (x p). */
    if (n < 2 || (n & (n - 1)) != 0 || r < 1 || par < 1
        || (uint64_t)128 * n * r > PT_SCRYPT_MAX_MEM
        || (uint64_t)128 * n * r * par > PT_SCRYPT_MAX_WORK) {
        return APR_EINVAL;
    }
    rv = hex_decode_exact(hex, want, sizeof(want));
    if (rv || !pw) {
        return rv;              /* !pw: the format check alone */
    }
    /* OpenSSL needs 128 r (N + 2) for V plus 128 r p for B. */
    maxmem = (uint64_t)128 * r * (n + 2) + (uint64_t)128 * r * par
             + (1 << 20);
    if (EVP_PBE_scrypt(pw, strlen(pw), (const unsigned char *)salt,
                       strlen(salt), n, r, par, maxmem, got,
                       sizeof(got)) != 1) {
        return APR_EGENERAL;
    }
    res->match = CRYPTO_memcmp(want, got, sizeof(got)) == 0;
    res->rehash = 1;
    OPENSSL_cleanse(got, sizeof(got));
    return APR_SUCCESS;
}

/* Verify a werkzeug pbkdf2 hash (sha1, sha224, sha256, sha384, sha512). */
static apr_status_t verify_pbkdf2(apr_pool_t *p, const char *pw,
                                  const char *stored, pw_result_t *res)
{
    unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
    char *method, *salt, *hex, *colon;
    const char *c;
    const EVP_MD *md;
    unsigned long iter;
    int mdlen;
    apr_status_t rv;

    rv = wz_split(p, stored, &method, &salt, &hex);
    if (rv) {
        return rv;
    }
    if (strncmp(method, "pbkdf2:", 7) != 0) {
        return APR_EINVAL;
    }
    colon = strchr(method + 7, ':');
    if (!colon) {
        /* No iteration count: werkzeug's default depends on its version. */
        return APR_EINVAL;
    }
    *colon = '\0';
    if (!strcmp(method + 7, "sha1")) {
        md = EVP_sha1();
    }
    else if (!strcmp(method + 7, "sha224")) {
        md = EVP_sha224();
    }
    else if (!strcmp(method + 7, "sha256")) {
        md = EVP_sha256();
    }
    else if (!strcmp(method + 7, "sha384")) {
        md = EVP_sha384();
    }
    else if (!strcmp(method + 7, "sha512")) {
        md = EVP_sha512();
    }
    else {
        return APR_EINVAL;
    }
    c = colon + 1;
    if (parse_ulong(&c, PT_PBKDF2_MAX_ITER, &iter) || *c != '\0'
        || iter < 1) {
        return APR_EINVAL;
    }
    mdlen = EVP_MD_get_size(md);
    if (mdlen <= 0 || mdlen > EVP_MAX_MD_SIZE) {
        return APR_EGENERAL;
    }
    rv = hex_decode_exact(hex, want, (apr_size_t)mdlen);
    if (rv || !pw) {
        return rv;              /* !pw: the format check alone */
    }
    if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), (const unsigned char *)salt,
                          (int)strlen(salt), (int)iter, md, mdlen,
                          got) != 1) {
        return APR_EGENERAL;
    }
    res->match = CRYPTO_memcmp(want, got, (size_t)mdlen) == 0;
    res->rehash = 1;
    OPENSSL_cleanse(got, sizeof(got));
    return APR_SUCCESS;
}

/* 1 when c belongs to bcrypt's base64 alphabet "./A-Za-z0-9". */
static int bcrypt_char(unsigned char c)
{
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z')
           || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Verify a bcrypt hash $2a$/$2b$/$2y$NN$<53 chars> with libxcrypt. */
static apr_status_t verify_bcrypt(apr_pool_t *p, const char *pw,
                                  const char *stored, pw_result_t *res)
{
    struct crypt_data *cd;
    const char *out;
    int cost, i;

    if (strlen(stored) != PT_BCRYPT_LEN || stored[6] != '$'
        || stored[4] < '0' || stored[4] > '9'
        || stored[5] < '0' || stored[5] > '9') {
        return APR_EINVAL;
    }
    cost = (stored[4] - '0') * 10 + (stored[5] - '0');
    if (cost < PT_BCRYPT_MIN_COST || cost > PT_BCRYPT_MAX_COST) {
        return APR_EINVAL;
    }
    for (i = 7; i < PT_BCRYPT_LEN; i++) {
        if (!bcrypt_char((unsigned char)stored[i])) {
            return APR_EINVAL;
        }
    }
    if (!pw) {
        return APR_SUCCESS;     /* the format check alone */
    }
    /* crypt_rn wants the structure zeroed before first use. */
    cd = apr_pcalloc(p, sizeof(*cd));
    out = crypt_rn(pw, stored, cd, (int)sizeof(*cd));
    if (!out || out[0] == '*') {
        OPENSSL_cleanse(cd, sizeof(*cd));
        return APR_EINVAL;
    }
    res->match = strlen(out) == PT_BCRYPT_LEN
                 && CRYPTO_memcmp(out, stored, PT_BCRYPT_LEN) == 0;
    res->rehash = 1;
    OPENSSL_cleanse(cd, sizeof(*cd));
    return APR_SUCCESS;
}

/* 1 when c belongs to the unpadded standard base64 alphabet. */
static int b64std_char(unsigned char c)
{
    return c == '+' || c == '/' || (c >= 'A' && c <= 'Z')
           || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Parse the head of "$argon2id$[v=V$]m=M,t=T,p=P$SALT$HASH" into *got
 * (bounded as for hashing) and *version (0x10 when v= is missing, as in
 * libargon2), and check that SALT and HASH are non-empty base64.
 */
static apr_status_t argon2_parse(const char *stored, pt_argon2_params_t *got,
                                 unsigned long *version)
{
    const char *c = stored + 10;     /* after "$argon2id$" */
    unsigned long m, t, par;
    int dollars = 0, run = 0;

    if (strlen(stored) > PT_ARGON2_MAX_ENCODED) {
        return APR_EINVAL;
    }
    *version = 0x10;
    if (!strncmp(c, "v=", 2)) {
        if (parse_after(&c, "v=", 255, version) || *c != '$') {
            return APR_EINVAL;
        }
        c++;
    }
    if (parse_after(&c, "m=", PT_ARGON2_MAX_M, &m)
        || parse_after(&c, ",t=", PT_ARGON2_MAX_T, &t)
        || parse_after(&c, ",p=", PT_ARGON2_MAX_P, &par) || *c != '$') {
        return APR_EINVAL;
    }
    c++;
    for (; *c; c++) {
        if (*c == '$') {
            if (run == 0) {
                return APR_EINVAL;
            }
            dollars++;
            run = 0;
        }
        else if (b64std_char((unsigned char)*c)) {
            run++;
        }
        else {
            return APR_EINVAL;
        }
    }
    if (dollars != 1 || run == 0) {
        return APR_EINVAL;
    }
    got->m_cost_kib = (unsigned int)m;
    got->t_cost = (unsigned int)t;
    got->parallelism = (unsigned int)par;
    if (!argon2_params_ok(got)) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* Verify an argon2id PHC string: its salt and hash decoded, the hash
 * computed again with its parameters and version (memory from mmap), and
 * compared in constant time. */
static apr_status_t verify_argon2id(const char *pw, const char *stored,
                                    const pt_argon2_params_t *want,
                                    pw_result_t *res)
{
    unsigned char salt[64], hash[64], calc[64];
    pt_argon2_params_t got;
    unsigned long version;
    const char *s_end, *h;
    long slen, hlen;
    apr_status_t rv;
    int arv;

    rv = argon2_parse(stored, &got, &version);
    if (rv) {
        return rv;
    }
    if (version != ARGON2_VERSION_10 && version != ARGON2_VERSION_13) {
        return APR_EINVAL;
    }
    /* "...$SALT$HASH": argon2_parse checked there is exactly this */
    h = strrchr(stored, '$');
    s_end = h;
    while (s_end > stored && s_end[-1] != '$') {
        s_end--;
    }
    slen = b64std_decode(s_end, (apr_size_t)(h - s_end), salt, sizeof(salt));
    hlen = b64std_decode(h + 1, strlen(h + 1), hash, sizeof(hash));
    if (slen < (long)ARGON2_MIN_SALT_LENGTH || hlen < (long)ARGON2_MIN_OUTLEN) {
        return APR_EINVAL;
    }
    if (!pw) {
        return APR_SUCCESS;     /* the format check alone */
    }
    arv = a2_compute(&got, version, pw, strlen(pw), salt, (size_t)slen,
                     calc, (size_t)hlen);
    if (arv == ARGON2_MEMORY_ALLOCATION_ERROR) {
        return APR_ENOMEM;
    }
    if (arv == ARGON2_THREAD_FAIL) {
        return APR_EGENERAL;
    }
    if (arv != ARGON2_OK) {
        return APR_EINVAL;
    }
    res->argon2++;
    res->match = CRYPTO_memcmp(calc, hash, (size_t)hlen) == 0;
    OPENSSL_cleanse(calc, sizeof(calc));
    res->rehash = res->match
                  && (version != ARGON2_VERSION_13
                      || got.m_cost_kib < want->m_cost_kib
                      || got.t_cost < want->t_cost
                      || got.parallelism < want->parallelism);
    return APR_SUCCESS;
}

/* Check pw against stored according to its format; pw NULL checks the
 * format alone (parsed and bounded as for a verification, nothing
 * computed): pt_password_wellformed(). */
static apr_status_t verify_any(apr_pool_t *p, const char *pw,
                               const char *stored,
                               const pt_argon2_params_t *params,
                               pw_result_t *res)
{
    switch (pt_password_format(stored)) {
    case PT_PW_ARGON2ID:
        return verify_argon2id(pw, stored, params, res);
    case PT_PW_WERKZEUG_SCRYPT:
        return verify_scrypt(p, pw, stored, res);
    case PT_PW_WERKZEUG_PBKDF2:
        return verify_pbkdf2(p, pw, stored, res);
    case PT_PW_BCRYPT:
        return verify_bcrypt(p, pw, stored, res);
    default:
        return APR_EINVAL;
    }
}

apr_status_t pt_password_check(apr_pool_t *p, const char *pw,
                               const char *stored,
                               const pt_argon2_params_t *params,
                               pt_pw_check_t *out)
{
    pw_result_t res = { 0, 0, 0 };
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    params = params_or_default(params);
    if (!pw) {
        pw = "";
    }
    if (strlen(pw) > PT_PASSWORD_MAX_LEN) {
        /* Never matches.  Verify the empty password instead, which checks
         * the stored hash and costs the time a real attempt costs, and
         * throw the outcome away. */
        rv = stored ? verify_any(p, "", stored, params, &res) : APR_EINVAL;
        res.match = 0;
        res.rehash = 0;
    }
    else {
        rv = stored ? verify_any(p, pw, stored, params, &res) : APR_EINVAL;
    }
    if (rv == APR_EINVAL && !res.argon2) {
        /* No hash, or one we cannot read: the same argon2id work as a
         * wrong password, so that timing does not tell such an account
         * (made by the identity provider, or with a damaged row) from
         * one with a password. */
        pt_password_dummy_verify(p, pw, params);
        res.argon2++;
    }
    out->argon2 = res.argon2;
    if (rv) {
        return rv;
    }
    out->match = res.match;
    out->rehash = res.match && res.rehash;
    return APR_SUCCESS;
}

apr_status_t pt_password_verify(apr_pool_t *p, const char *pw,
                                const char *stored,
                                const pt_argon2_params_t *params,
                                int *match, int *rehash)
{
    pt_pw_check_t c;
    apr_status_t rv;

    *match = 0;
    if (rehash) {
        *rehash = 0;
    }
    if (!pw || !stored) {
        /* a programming error rather than an attempt: no work */
        return APR_EINVAL;
    }
    rv = pt_password_check(p, pw, stored, params, &c);
    if (rv) {
        return rv;
    }
    *match = c.match;
    if (rehash) {
        *rehash = c.rehash;
    }
    return APR_SUCCESS;
}

apr_status_t pt_password_hash(apr_pool_t *p, const char *pw,
                              const pt_argon2_params_t *params,
                              const char **out)
{
    unsigned char salt[PT_ARGON2_SALT_BYTES], raw[PT_ARGON2_HASH_BYTES];
    apr_status_t rv;
    int arv;

    *out = NULL;
    params = params_or_default(params);
    if (!pw || strlen(pw) > PT_PASSWORD_MAX_LEN || !argon2_params_ok(params)) {
        return APR_EINVAL;
    }
    rv = pt_random_bytes(salt, sizeof(salt));
    if (rv) {
        return rv;
    }
    arv = a2_compute(params, ARGON2_VERSION_13, pw, strlen(pw), salt,
                     sizeof(salt), raw, sizeof(raw));
    if (arv == ARGON2_MEMORY_ALLOCATION_ERROR) {
        return APR_ENOMEM;
    }
    if (arv != ARGON2_OK) {
        return APR_EGENERAL;
    }
    /* the PHC string, as argon2id_hash_encoded writes it */
    *out = apr_psprintf(p, "$argon2id$v=%d$m=%u,t=%u,p=%u$%s$%s",
                        ARGON2_VERSION_13, params->m_cost_kib,
                        params->t_cost, params->parallelism,
                        b64std_encode(p, salt, sizeof(salt)),
                        b64std_encode(p, raw, sizeof(raw)));
    OPENSSL_cleanse(raw, sizeof(raw));
    return APR_SUCCESS;
}

/*
 * One argon2id computation with the given parameters (the defaults when
 * they are out of bounds) over pw, truncated to PT_PASSWORD_MAX_LEN, and a
 * fixed salt.  The result is thrown away.
 */
void pt_password_dummy_verify(apr_pool_t *p, const char *pw,
                              const pt_argon2_params_t *params)
{
    static const char salt[] = "pt-dummy-salt-01";
    unsigned char out[PT_ARGON2_HASH_BYTES];
    apr_size_t len;

    params = params_or_default(params);
    if (!argon2_params_ok(params)) {
        params = &default_params;
    }
    if (!pw) {
        pw = "";
    }
    len = strlen(pw);
    if (len > PT_PASSWORD_MAX_LEN) {
        len = PT_PASSWORD_MAX_LEN;
    }
    (void)a2_compute(params, ARGON2_VERSION_13, pw, len,
                     (const unsigned char *)salt, sizeof(salt) - 1, out,
                     sizeof(out));
    OPENSSL_cleanse(out, sizeof(out));
}

const char *pt_password_wellformed(apr_pool_t *p, const char *stored)
{
    static const char *const names[] = {
        NULL, "argon2id", "werkzeug scrypt", "werkzeug pbkdf2", "bcrypt"
    };
    pw_result_t res = { 0, 0, 0 };
    pt_pw_format_e f = pt_password_format(stored);

    if (f == PT_PW_UNKNOWN) {
        return "not a password hash of a supported format (werkzeug scrypt"
               " or pbkdf2, bcrypt, argon2id)";
    }
    if (verify_any(p, NULL, stored, NULL, &res) != APR_SUCCESS) {
        return apr_psprintf(p, "a malformed %s hash (or one whose cost is"
                            " beyond what sign-in accepts)", names[f]);
    }
    return NULL;
}
