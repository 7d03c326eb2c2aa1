/*
 * pt_usergen.c -- random plausible users from a seed (see pt_usergen.h).
 *
 * Every random choice is a pt_prng_below() draw, made in a fixed order per
 * user: given name, family name, username pattern and its digits, email
 * pattern, its digits and domain, the address's parts, the password.
 * Usernames and email addresses that are taken get random digits appended
 * (drawn too), so the sequence stays a function of the seed alone.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include <openssl/evp.h>

#include "pt_csvout.h"
#include "pt_usergen.h"
#include "pt_usergen_int.h"

#define STREAM_BLOCK 4096           /* keystream bytes made at a time */
#define NAME_PART_MAX 20            /* of a name in a username/local part */
#define TAKEN_TRIES 8               /* short digit runs tried first */

const char *const PT_USERGEN_COLUMNS[PT_USERGEN_NCOLUMNS] = {
    "username", "first_name", "last_name", "password", "email", "address"
};

/* RFC 2606's reserved example domains only: never a real mailbox. */
static const char *const domains[] = {
    "example.com", "example.net", "example.org", "mail.example.com",
    "mail.example.net", "post.example.org", "inbox.example.com",
    "webmail.example.net", "users.example.org", "home.example.com",
    "office.example.net", "members.example.org", NULL
};

static const char pw_upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char pw_lower[] = "abcdefghijklmnopqrstuvwxyz";
static const char pw_digit[] = "0123456789";
static const char pw_symbol[] = "!#$%&*+-=?@_";

struct pt_prng_t {
    EVP_CIPHER_CTX *ctx;
    unsigned char buf[STREAM_BLOCK];
    apr_size_t pos;
};

struct pt_usergen_t {
    apr_pool_t *pool;
    pt_prng_t *rng;
    apr_hash_t *usernames;      /* lower case -> "" */
    apr_hash_t *emails;
    apr_int64_t count;
    apr_uint32_t n_first, n_last, n_street, n_suffix, n_city, n_state;
    apr_uint32_t n_domain;
};

/* ------------------------------------------------------------ the PRNG */

static apr_status_t prng_cleanup(void *data)
{
    EVP_CIPHER_CTX_free(data);
    return APR_SUCCESS;
}

/* The next STREAM_BLOCK bytes of the key stream (ChaCha20 of zeros). */
static void prng_refill(pt_prng_t *r)
{
    static const unsigned char zeros[STREAM_BLOCK];
    int outl = 0;

    if (EVP_EncryptUpdate(r->ctx, r->buf, &outl, zeros, STREAM_BLOCK) != 1
        || outl != STREAM_BLOCK) {
        /* cannot happen once the context is set up; never hand out a
         * stream that is not the documented one */
        abort();
    }
    r->pos = 0;
}

apr_status_t pt_prng_new(apr_pool_t *p, const void *seed, apr_size_t len,
                         pt_prng_t **out)
{
    static const char label[] = "mod_portal usergen v1";
    unsigned char key[32], iv[16];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    pt_prng_t *r = apr_pcalloc(p, sizeof(*r));
    int ok;

    ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL)
         && EVP_DigestUpdate(md, label, sizeof(label))  /* with its NUL */
         && (len == 0 || EVP_DigestUpdate(md, seed, len))
         && EVP_DigestFinal_ex(md, key, NULL);
    EVP_MD_CTX_free(md);
    r->ctx = ok ? EVP_CIPHER_CTX_new() : NULL;
    if (!r->ctx) {
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(p, r->ctx, prng_cleanup, apr_pool_cleanup_null);
    memset(iv, 0, sizeof(iv));      /* counter 0, nonce 0 */
    if (EVP_EncryptInit_ex(r->ctx, EVP_chacha20(), NULL, key, iv) != 1) {
        return APR_EGENERAL;
    }
    memset(key, 0, sizeof(key));
    prng_refill(r);
    *out = r;
    return APR_SUCCESS;
}

apr_uint32_t pt_prng_u32(pt_prng_t *r)
{
    const unsigned char *b;

    if (r->pos + 4 > STREAM_BLOCK) {
        prng_refill(r);
    }
    b = r->buf + r->pos;
    r->pos += 4;
    return (apr_uint32_t)b[0] | ((apr_uint32_t)b[1] << 8)
           | ((apr_uint32_t)b[2] << 16) | ((apr_uint32_t)b[3] << 24);
}

apr_uint32_t pt_prng_below(pt_prng_t *r, apr_uint32_t n)
{
    apr_uint64_t limit;
    apr_uint32_t x;

    if (n <= 1) {
        return 0;
    }
    limit = ((apr_uint64_t)1 << 32) - (((apr_uint64_t)1 << 32) % n);
    do {
        x = pt_prng_u32(r);
    } while ((apr_uint64_t)x >= limit);
    return x % n;
}

/* ------------------------------------------------------------ helpers */

static apr_uint32_t list_len(const char *const *l)
{
    apr_uint32_t n = 0;

    while (l[n]) {
        n++;
    }
    return n;
}

static const char *pick(pt_usergen_t *g, const char *const *l,
                        apr_uint32_t n)
{
    return l[pt_prng_below(g->rng, n)];
}

/* ASCII letters of U+00C0..U+00FF, '_' where there is none. */
static const char latin1_fold[] =
    "aaaaaaaceeeeiiiidnooooo_ouuuuytsaaaaaaaceeeeiiiidnooooo_ouuuuyty";

/* A name as lower-case ASCII letters for a username or local part: Latin-1
 * accented letters folded (é -> e), anything else that is not a letter
 * dropped (O'Brien -> obrien), at most NAME_PART_MAX letters. */
static const char *fold(apr_pool_t *p, const char *name)
{
    char *out = apr_palloc(p, NAME_PART_MAX + 1);
    const unsigned char *s = (const unsigned char *)name;
    apr_size_t n = 0;

    while (*s && n < NAME_PART_MAX) {
        unsigned char c = *s;

        if (c >= 'A' && c <= 'Z') {
            out[n++] = (char)(c - 'A' + 'a');
        }
        else if (c >= 'a' && c <= 'z') {
            out[n++] = (char)c;
        }
        else if ((c & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
            unsigned int cp = ((unsigned int)(c & 0x1f) << 6) | (s[1] & 0x3f);

            if (cp >= 0xc0 && cp <= 0xff && latin1_fold[cp - 0xc0] != '_') {
                out[n++] = latin1_fold[cp - 0xc0];
            }
            s++;
        }
        s++;
    }
    out[n] = '\0';
    return out;
}

/* Random decimal digits: a two-digit number or a birth year. */
static const char *digits(pt_usergen_t *g, apr_pool_t *p)
{
    if (pt_prng_below(g->rng, 2)) {
        return apr_itoa(p, (int)(1950 + pt_prng_below(g->rng, 60)));
    }
    return apr_itoa(p, (int)(1 + pt_prng_below(g->rng, 99)));
}

/*
 * base (lower case) made unique in set: as it is when free, else with
 * random digits before suffix_after (four at most for the first
 * TAKEN_TRIES draws, then eight), drawn until the result is free.  The
 * result has at most max characters: base is cut to make room for the
 * digits.  Recorded in set (copied into g's pool).
 */
static const char *unique(pt_usergen_t *g, apr_pool_t *p, apr_hash_t *set,
                          const char *base, const char *suffix_after,
                          apr_size_t max)
{
    const char *cand;
    int i;

    for (i = 0;; i++) {
        apr_uint32_t range = i <= TAKEN_TRIES ? 10000 : 100000000;
        const char *d = i == 0 ? ""
                        : apr_itoa(p, (int)pt_prng_below(g->rng, range));
        apr_size_t room = max - strlen(d) - strlen(suffix_after);

        cand = apr_pstrcat(p, apr_pstrndup(p, base, room), d, suffix_after,
                           NULL);
        if (!apr_hash_get(set, cand, APR_HASH_KEY_STRING)) {
            break;
        }
    }
    apr_hash_set(set, apr_pstrdup(g->pool, cand), APR_HASH_KEY_STRING, "");
    return cand;
}

static const char *make_username(pt_usergen_t *g, apr_pool_t *p,
                                 const char *f, const char *l)
{
    const char *base;
    char fi[2] = { f[0], '\0' }, li[2] = { l[0], '\0' };

    switch (pt_prng_below(g->rng, 8)) {
    case 0:
        base = apr_pstrcat(p, f, ".", l, NULL);
        break;
    case 1:
        base = apr_pstrcat(p, f, l, NULL);
        break;
    case 2:
        base = apr_pstrcat(p, fi, l, NULL);
        break;
    case 3:
        base = apr_pstrcat(p, f, "_", l, NULL);
        break;
    case 4:
        base = apr_pstrcat(p, f, li, NULL);
        break;
    case 5:
        base = apr_pstrcat(p, l, ".", f, NULL);
        break;
    case 6:
        base = apr_pstrcat(p, f, "-", l, NULL);
        break;
    default:
        base = apr_pstrcat(p, l, fi, NULL);
        break;
    }
    if (pt_prng_below(g->rng, 10) < 4) {
        base = apr_pstrcat(p, base, digits(g, p), NULL);
    }
    if (strlen(base) < 3) {
        base = apr_pstrcat(p, base, "user", NULL);
    }
    return unique(g, p, g->usernames, base, "", 32);
}

static const char *make_email(pt_usergen_t *g, apr_pool_t *p, const char *f,
                              const char *l)
{
    const char *local, *domain;
    char fi[2] = { f[0], '\0' };

    switch (pt_prng_below(g->rng, 5)) {
    case 0:
        local = apr_pstrcat(p, f, ".", l, NULL);
        break;
    case 1:
        local = apr_pstrcat(p, fi, l, NULL);
        break;
    case 2:
        local = apr_pstrcat(p, f, "_", l, NULL);
        break;
    case 3:
        local = apr_pstrcat(p, l, ".", f, NULL);
        break;
    default:
        local = apr_pstrcat(p, f, l, NULL);
        break;
    }
    if (pt_prng_below(g->rng, 10) < 3) {
        local = apr_pstrcat(p, local, digits(g, p), NULL);
    }
    domain = pick(g, domains, g->n_domain);
    return unique(g, p, g->emails, local, apr_pstrcat(p, "@", domain, NULL),
                  64 + 1 + strlen(domain));
}

static const char *make_address(pt_usergen_t *g, apr_pool_t *p)
{
    unsigned int number = 1 + pt_prng_below(g->rng, 9999);
    const char *street = pick(g, pt_ug_street, g->n_street);
    const char *kind = pick(g, pt_ug_suffix, g->n_suffix);
    const char *apt = "";
    const char *city, *state;
    unsigned int zip;

    if (pt_prng_below(g->rng, 100) < 15) {
        apt = apr_psprintf(p, ", Apt %u", 1 + pt_prng_below(g->rng, 60));
    }
    city = pick(g, pt_ug_city, g->n_city);
    state = pick(g, pt_ug_state, g->n_state);
    zip = 1001 + pt_prng_below(g->rng, 98999);
    return apr_psprintf(p, "%u %s %s%s, %s, %s %05u", number, street, kind,
                        apt, city, state, zip);
}

/* 16 characters as pt_usergen.h says: redrawn whole until it has every
 * class (about 1 in 3 draws is). */
static const char *make_password(pt_usergen_t *g, apr_pool_t *p)
{
    static const char *const sets[] = { pw_upper, pw_lower, pw_digit,
                                        pw_symbol };
    char all[sizeof(pw_upper) + sizeof(pw_lower) + sizeof(pw_digit)
             + sizeof(pw_symbol)];
    char *pw = apr_palloc(p, PT_USERGEN_PASSWORD_LEN + 1);
    apr_uint32_t nall, nletters;
    int i, k, have;

    all[0] = '\0';
    for (k = 0; k < 4; k++) {
        apr_cpystrn(all + strlen(all), sets[k], sizeof(all) - strlen(all));
    }
    nall = (apr_uint32_t)strlen(all);
    nletters = (apr_uint32_t)(strlen(pw_upper) + strlen(pw_lower));
    do {
        have = 0;
        pw[0] = all[pt_prng_below(g->rng, nletters)];
        for (i = 1; i < PT_USERGEN_PASSWORD_LEN; i++) {
            pw[i] = all[pt_prng_below(g->rng, nall)];
        }
        pw[PT_USERGEN_PASSWORD_LEN] = '\0';
        for (k = 0; k < 4; k++) {
            if (strpbrk(pw, sets[k])) {
                have |= 1 << k;
            }
        }
    } while (have != 0xf);
    return pw;
}

/* ------------------------------------------------------------ API */

apr_status_t pt_usergen_new(apr_pool_t *p, const char *seed,
                            pt_usergen_t **out, pt_err_t *err)
{
    pt_usergen_t *g = apr_pcalloc(p, sizeof(*g));

    if (!seed) {
        seed = "";
    }
    if (pt_prng_new(p, seed, strlen(seed), &g->rng) != APR_SUCCESS) {
        return pt_err_set(err, p, NULL, 0, "cannot set up ChaCha20 for the"
                          " user generator");
    }
    g->pool = p;
    g->usernames = apr_hash_make(p);
    g->emails = apr_hash_make(p);
    g->n_first = list_len(pt_ug_first);
    g->n_last = list_len(pt_ug_last);
    g->n_street = list_len(pt_ug_street);
    g->n_suffix = list_len(pt_ug_suffix);
    g->n_city = list_len(pt_ug_city);
    g->n_state = list_len(pt_ug_state);
    g->n_domain = list_len(domains);
    *out = g;
    return APR_SUCCESS;
}

apr_status_t pt_usergen_next(pt_usergen_t *g, apr_pool_t *p,
                             pt_gen_user_t *u, pt_err_t *err)
{
    const char *f, *l;

    if (g->count >= PT_USERGEN_MAX) {
        pt_err_set(err, p, NULL, 0, "at most %d users from one generator",
                   PT_USERGEN_MAX);
        return APR_ENOSPC;
    }
    u->first_name = pick(g, pt_ug_first, g->n_first);
    u->last_name = pick(g, pt_ug_last, g->n_last);
    f = fold(p, u->first_name);
    l = fold(p, u->last_name);
    u->username = make_username(g, p, f, l);
    u->email = make_email(g, p, f, l);
    u->address = make_address(g, p);
    u->password = make_password(g, p);
    g->count++;
    return APR_SUCCESS;
}

apr_int64_t pt_usergen_count(const pt_usergen_t *g)
{
    return g->count;
}

apr_status_t pt_usergen_write(pt_usergen_t *g, apr_file_t *f, apr_int64_t n,
                              int header, pt_err_t *err)
{
    apr_pool_t *p, *row;
    pt_csvw_t *w;
    apr_status_t rv = APR_SUCCESS;
    apr_int64_t i;

    apr_pool_create(&p, g->pool);
    apr_pool_create(&row, p);
    w = pt_csvw_make(p, f, 0);
    if (header) {
        rv = pt_csvw_row(w, PT_USERGEN_COLUMNS, PT_USERGEN_NCOLUMNS);
    }
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        pt_gen_user_t u;
        const char *fields[PT_USERGEN_NCOLUMNS];

        apr_pool_clear(row);
        rv = pt_usergen_next(g, row, &u, err);
        if (rv != APR_SUCCESS) {
            break;
        }
        fields[0] = u.username;
        fields[1] = u.first_name;
        fields[2] = u.last_name;
        fields[3] = u.password;
        fields[4] = u.email;
        fields[5] = u.address;
        rv = pt_csvw_row(w, fields, PT_USERGEN_NCOLUMNS);
        if (rv != APR_SUCCESS) {
            pt_err_set(err, g->pool, NULL, 0, "cannot write the users");
        }
    }
    if (rv == APR_SUCCESS) {
        rv = pt_csvw_flush(w);
        if (rv != APR_SUCCESS) {
            pt_err_set(err, g->pool, NULL, 0, "cannot write the users");
        }
    }
    else if (rv != APR_ENOSPC) {
        pt_csvw_flush(w);
    }
    apr_pool_destroy(p);
    return rv;
}
