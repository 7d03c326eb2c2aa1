/*
 * pt_jwt.c -- JWT keys, signing and verification for the JSON API.
 *
 * libjwt 1.x makes and checks the signatures.  It trusts the "alg" of the
 * token header (and its HMAC check is a strcmp), so everything before the
 * signature is done here: the length cap, the three-part base64url shape,
 * the header (alg must be the key's, exactly), a constant-time HMAC check for
 * HS256, and after libjwt has accepted the signature, the claims, read with
 * jansson from the payload that was verified.  See pt_jwt.h for contracts.
 *
 * A little over the ~600 lines of the norm: the checks around libjwt are
 * one path through a token, and splitting them would export its state.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "pt_crypto.h"
#include "pt_jwt.h"

struct pt_jwt_key_t {
    jwt_alg_t alg;
    const char *alg_name;           /* "HS256", "RS256", "ES256" */
    unsigned char *secret;          /* HS256 only, wiped on cleanup */
    apr_size_t secret_len;
    char *private_pem;              /* RS256/ES256 signing, or NULL */
    const char *public_pem;         /* RS256/ES256 verifying, or NULL */
};

/* A wiped-on-cleanup copy of secret material. */
typedef struct secret_buf_t {
    void *buf;
    apr_size_t len;
} secret_buf_t;

/* The base64url alphabet plus the part separator. */
static const char token_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

static apr_status_t secret_cleanup(void *data)
{
    secret_buf_t *s = data;

    OPENSSL_cleanse(s->buf, s->len);
    return APR_SUCCESS;
}

/* Copy len bytes into p (plus a NUL) and wipe them when p goes. */
static void *secret_dup(apr_pool_t *p, const void *src, apr_size_t len)
{
    secret_buf_t *s = apr_palloc(p, sizeof(*s));

    s->buf = apr_palloc(p, len + 1);
    memcpy(s->buf, src, len);
    ((char *)s->buf)[len] = '\0';
    s->len = len + 1;
    apr_pool_cleanup_register(p, s, secret_cleanup, apr_pool_cleanup_null);
    return s->buf;
}

static apr_status_t key_error(pt_err_t *err, apr_pool_t *p, const char *what)
{
    pt_err_set(err, p, NULL, 0, "%s", what);
    return APR_EINVAL;
}

/* One of the fixed token errors of pt_jwt_verify(). */
static apr_status_t token_error(pt_err_t *err, apr_pool_t *p,
                                const char *what)
{
    return pt_err_set(err, p, NULL, 0, "%s", what);
}

apr_status_t pt_jwt_key_hs256(apr_pool_t *p, const unsigned char *secret,
                              apr_size_t len, pt_jwt_key_t **key,
                              pt_err_t *err)
{
    pt_jwt_key_t *k;

    *key = NULL;
    if (!secret || len < PT_JWT_MIN_SECRET) {
        return key_error(err, p, "HS256 secret must be at least 32 bytes");
    }
    if (len > PT_JWT_MAX_SECRET) {
        return key_error(err, p, "HS256 secret is too long");
    }
    k = apr_pcalloc(p, sizeof(*k));
    k->alg = JWT_ALG_HS256;
    k->alg_name = "HS256";
    k->secret = secret_dup(p, secret, len);
    k->secret_len = len;
    *key = k;
    return APR_SUCCESS;
}

/* Refuse to prompt for a pass phrase: encrypted keys are not supported. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Parse a PEM private (is_private) or public key; NULL when it is not one. */
static EVP_PKEY *read_pem(const char *pem, int is_private)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)strlen(pem));
    EVP_PKEY *pkey;

    if (!bio) {
        return NULL;
    }
    if (is_private) {
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    }
    else {
        pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    }
    BIO_free(bio);
    return pkey;
}

/* NULL when pkey suits alg, else what is wrong with it. */
static const char *check_pkey(EVP_PKEY *pkey, jwt_alg_t alg)
{
    char group[64];
    size_t glen = 0;

    if (alg == JWT_ALG_RS256) {
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
            return "RS256 needs an RSA key";
        }
        if (EVP_PKEY_get_bits(pkey) < PT_JWT_MIN_RSA_BITS) {
            return "RS256 key must have at least 2048 bits";
        }
        return NULL;
    }
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
        return "ES256 needs an EC key";
    }
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1
        || strcmp(group, SN_X9_62_prime256v1)) {
        return "ES256 key must be on curve P-256";
    }
    return NULL;
}

apr_status_t pt_jwt_key_pem(apr_pool_t *p, const char *alg,
                            const char *private_pem, const char *public_pem,
                            pt_jwt_key_t **key, pt_err_t *err)
{
    EVP_PKEY *priv = NULL, *pub = NULL;
    const char *problem = NULL;
    pt_jwt_key_t *k;

    *key = NULL;
    if (!alg || (strcmp(alg, "RS256") && strcmp(alg, "ES256"))) {
        return key_error(err, p, "unsupported algorithm (RS256 or ES256)");
    }
    if (!private_pem && !public_pem) {
        return key_error(err, p, "no private or public key given");
    }
    if ((private_pem && strlen(private_pem) > PT_JWT_MAX_PEM)
        || (public_pem && strlen(public_pem) > PT_JWT_MAX_PEM)) {
        return key_error(err, p, "PEM key is too long");
    }
    k = apr_pcalloc(p, sizeof(*k));
    k->alg = strcmp(alg, "RS256") ? JWT_ALG_ES256 : JWT_ALG_RS256;
    k->alg_name = k->alg == JWT_ALG_RS256 ? "RS256" : "ES256";

    if (private_pem) {
        priv = read_pem(private_pem, 1);
        if (!priv) {
            problem = "cannot read the PEM private key (unencrypted only)";
            goto done;
        }
        problem = check_pkey(priv, k->alg);
        if (problem) {
            goto done;
        }
    }
    if (public_pem) {
        pub = read_pem(public_pem, 0);
        if (!pub) {
            problem = "cannot read the PEM public key";
            goto done;
        }
        problem = check_pkey(pub, k->alg);
        if (problem) {
            goto done;
        }
    }
    if (priv && pub && EVP_PKEY_eq(priv, pub) != 1) {
        problem = "the private and public keys are not a pair";
        goto done;
    }
    if (private_pem) {
        k->private_pem = secret_dup(p, private_pem, strlen(private_pem));
    }
    if (public_pem) {
        k->public_pem = apr_pstrdup(p, public_pem);
    }

done:
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    if (problem) {
        return key_error(err, p, problem);
    }
    *key = k;
    return APR_SUCCESS;
}

const char *pt_jwt_key_alg(const pt_jwt_key_t *key)
{
    return key->alg_name;
}

/* The bytes libjwt wants as key for signing (sign) or verifying. */
static const unsigned char *libjwt_key(const pt_jwt_key_t *key, int sign,
                                       int *len)
{
    const char *pem;

    if (key->alg == JWT_ALG_HS256) {
        *len = (int)key->secret_len;
        return key->secret;
    }
    pem = sign ? key->private_pem : key->public_pem;
    *len = pem ? (int)strlen(pem) : 0;
    return (const unsigned char *)pem;
}

static int nonempty(const char *s)
{
    return s && *s;
}

apr_status_t pt_jwt_sign(apr_pool_t *p, const pt_jwt_key_t *key,
                         const pt_jwt_claims_t *c, const char **token,
                         pt_err_t *err)
{
    const unsigned char *kb;
    const char *problem = NULL;
    jwt_t *jwt = NULL;
    char *out = NULL;
    apr_status_t rv = APR_SUCCESS;
    int klen, e = 0;

    *token = NULL;
    kb = libjwt_key(key, 1, &klen);
    if (!kb) {
        return key_error(err, p, "key cannot sign (no private key)");
    }
    if (!nonempty(c->iss) || !nonempty(c->aud) || !nonempty(c->sub)
        || !nonempty(c->jti)) {
        return key_error(err, p, "claims iss, aud, sub and jti are required");
    }
    if (c->iat <= 0 || c->exp <= c->iat || c->nbf < 0) {
        return key_error(err, p, "claims need iat > 0, exp after iat, "
                                 "nbf >= 0");
    }
    if (c->exp > LONG_MAX || c->nbf > LONG_MAX) {
        return key_error(err, p, "claim time out of range");
    }
    if (c->role && !*c->role) {
        return key_error(err, p, "claim role is empty");
    }

    if (jwt_new(&jwt)) {
        return APR_ENOMEM;
    }
    e = jwt_set_alg(jwt, key->alg, kb, klen);
    if (!e) {
        e = jwt_add_grant(jwt, "iss", c->iss);
    }
    if (!e) {
        e = jwt_add_grant(jwt, "aud", c->aud);
    }
    if (!e) {
        e = jwt_add_grant(jwt, "sub", c->sub);
    }
    if (!e) {
        e = jwt_add_grant(jwt, "jti", c->jti);
    }
    if (!e) {
        e = jwt_add_grant_int(jwt, "iat", (long)c->iat);
    }
    if (!e) {
        e = jwt_add_grant_int(jwt, "exp", (long)c->exp);
    }
    if (!e && c->nbf > 0) {
        e = jwt_add_grant_int(jwt, "nbf", (long)c->nbf);
    }
    if (!e && c->role) {
        e = jwt_add_grant(jwt, "role", c->role);
    }
    if (e) {
        problem = "cannot build the token";
        rv = e == ENOMEM ? APR_ENOMEM : APR_EINVAL;
        goto done;
    }
    out = jwt_encode_str(jwt);
    if (!out) {
        problem = "cannot sign the token";
        rv = errno == ENOMEM ? APR_ENOMEM : APR_EGENERAL;
        goto done;
    }
    if (strlen(out) > PT_JWT_MAX_TOKEN) {
        /* Never issue a token that pt_jwt_verify() would refuse. */
        problem = "token too long";
        rv = APR_EINVAL;
        goto done;
    }
    *token = apr_pstrdup(p, out);

done:
    if (out) {
        /* libjwt 1.10 has no jwt_free_str(): its strings are malloc()ed. */
        OPENSSL_cleanse(out, strlen(out));
        free(out);
    }
    jwt_free(jwt);
    if (problem) {
        pt_err_set(err, p, NULL, 0, "%s", problem);
    }
    return rv;
}

/* Decode one base64url part into a JSON object; NULL when it is not one.
 * The caller owns the reference. */
static json_t *decode_object(apr_pool_t *p, const char *part)
{
    unsigned char *buf;
    apr_size_t len;
    json_t *js;

    if (pt_b64url_decode(p, part, &buf, &len) != APR_SUCCESS || len == 0) {
        return NULL;
    }
    js = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (js && !json_is_object(js)) {
        json_decref(js);
        js = NULL;
    }
    return js;
}

/* Claim name as a non-empty string: NULL on success (*out from p), else
 * the error message. */
static const char *claim_str(apr_pool_t *p, json_t *payload,
                             const char *name, const char **out)
{
    json_t *v = json_object_get(payload, name);

    *out = NULL;
    if (!v || json_is_null(v)) {
        return apr_pstrcat(p, "missing claim ", name, NULL);
    }
    if (!json_is_string(v)) {
        return apr_pstrcat(p, "invalid claim ", name, NULL);
    }
    if (json_string_length(v) == 0) {
        return apr_pstrcat(p, "missing claim ", name, NULL);
    }
    *out = apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
    return NULL;
}

/* Claim name as a non-negative integer (NumericDate); like claim_str. */
static const char *claim_time(apr_pool_t *p, json_t *payload,
                              const char *name, apr_int64_t *out)
{
    json_t *v = json_object_get(payload, name);

    *out = 0;
    if (!v || json_is_null(v)) {
        return apr_pstrcat(p, "missing claim ", name, NULL);
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return apr_pstrcat(p, "invalid claim ", name, NULL);
    }
    *out = (apr_int64_t)json_integer_value(v);
    return NULL;
}

/* "aud" is the expected audience, or an array that contains it. */
static const char *check_aud(json_t *payload, const char *aud)
{
    json_t *v = json_object_get(payload, "aud"), *e;
    size_t i;
    int found = 0;

    if (!v || json_is_null(v)) {
        return "missing claim aud";
    }
    if (json_is_string(v)) {
        return strcmp(json_string_value(v), aud) ? "wrong audience" : NULL;
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        return "invalid claim aud";
    }
    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) {
            return "invalid claim aud";
        }
        if (!strcmp(json_string_value(e), aud)) {
            found = 1;
        }
    }
    return found ? NULL : "wrong audience";
}

/* The registered and custom claims of a verified payload into *c. */
static const char *check_claims(apr_pool_t *p, json_t *payload,
                                const char *iss, const char *aud,
                                apr_int64_t now, int leeway,
                                pt_jwt_claims_t *c)
{
    const char *problem;
    json_t *role;

    problem = claim_str(p, payload, "iss", &c->iss);
    if (problem) {
        return problem;
    }
    if (strcmp(c->iss, iss)) {
        return "wrong issuer";
    }
    problem = check_aud(payload, aud);
    if (problem) {
        return problem;
    }
    c->aud = apr_pstrdup(p, aud);

    problem = claim_time(p, payload, "exp", &c->exp);
    if (problem) {
        return problem;
    }
    if (c->exp <= now - leeway) {
        return "token expired";
    }
    if (json_object_get(payload, "nbf")) {
        problem = claim_time(p, payload, "nbf", &c->nbf);
        if (problem) {
            return problem;
        }
        if (c->nbf > now + leeway) {
            return "token not yet valid";
        }
    }
    problem = claim_time(p, payload, "iat", &c->iat);
    if (problem) {
        return problem;
    }
    if (c->iat > now + leeway) {
        return "token not yet valid";
    }

    problem = claim_str(p, payload, "sub", &c->sub);
    if (problem) {
        return problem;
    }
    problem = claim_str(p, payload, "jti", &c->jti);
    if (problem) {
        return problem;
    }
    role = json_object_get(payload, "role");
    if (role && !json_is_null(role)) {
        problem = claim_str(p, payload, "role", &c->role);
        if (problem) {
            return problem;
        }
    }
    return NULL;
}

/* Refuse the header unless it names exactly the key's algorithm. */
static const char *check_header(json_t *head, const pt_jwt_key_t *key)
{
    json_t *alg = json_object_get(head, "alg");
    json_t *typ = json_object_get(head, "typ");

    if (!json_is_string(alg)) {
        return "malformed token";
    }
    if (strcmp(json_string_value(alg), key->alg_name)) {
        return "unsupported algorithm";
    }
    if (typ && (!json_is_string(typ)
                || strcasecmp(json_string_value(typ), "JWT"))) {
        return "unsupported token type";
    }
    if (json_object_get(head, "crit")) {
        return "unsupported critical header";
    }
    return NULL;
}

apr_status_t pt_jwt_verify(apr_pool_t *p, const pt_jwt_key_t *key,
                           const char *token, const char *iss,
                           const char *aud, apr_int64_t now, int leeway,
                           pt_jwt_claims_t *c, pt_err_t *err)
{
    apr_size_t len, hlen, plen, slen;
    const char *dot1, *dot2, *problem = NULL;
    const unsigned char *kb;
    json_t *head = NULL, *payload = NULL;
    jwt_t *jwt = NULL;
    pt_jwt_claims_t got;
    apr_status_t rv = APR_EGENERAL;
    int klen, e;

    memset(c, 0, sizeof(*c));
    memset(&got, 0, sizeof(got));
    kb = libjwt_key(key, 0, &klen);
    if (!kb) {
        return key_error(err, p, "key cannot verify (no public key)");
    }
    if (!iss || !aud) {
        return key_error(err, p, "expected issuer and audience are required");
    }
    if (leeway < 0) {
        leeway = 0;
    }
    if (!token) {
        return token_error(err, p, "malformed token");
    }
    len = strnlen(token, PT_JWT_MAX_TOKEN + 1);
    if (len > PT_JWT_MAX_TOKEN) {
        return token_error(err, p, "token too long");
    }

    /* Exactly three base64url parts (no padding); the last may be empty
     * only for alg "none", which the header check refuses. */
    if (strspn(token, token_chars) != len) {
        return token_error(err, p, "malformed token");
    }
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || strchr(dot2 + 1, '.')) {
        return token_error(err, p, "malformed token");
    }
    hlen = (apr_size_t)(dot1 - token);
    plen = (apr_size_t)(dot2 - dot1 - 1);
    slen = len - hlen - plen - 2;

    head = decode_object(p, apr_pstrmemdup(p, token, hlen));
    if (!head) {
        problem = "malformed token";
        goto done;
    }
    problem = check_header(head, key);
    if (problem) {
        goto done;
    }
    payload = decode_object(p, apr_pstrmemdup(p, dot1 + 1, plen));
    if (!payload) {
        problem = "malformed token";
        goto done;
    }
    if (slen == 0) {
        problem = "bad signature";
        goto done;
    }

    if (key->alg == JWT_ALG_HS256) {
        /* libjwt compares MACs with strcmp: check in constant time first. */
        const char *mac = pt_hmac_b64url(p, key->secret, key->secret_len,
                                         token, hlen + 1 + plen);

        if (!pt_secret_equal(mac, dot2 + 1)) {
            problem = "bad signature";
            goto done;
        }
    }
    e = jwt_decode(&jwt, token, kb, klen);
    if (e == ENOMEM) {
        rv = APR_ENOMEM;
        problem = "out of memory";
        goto done;
    }
    if (e || !jwt || jwt_get_alg(jwt) != key->alg) {
        problem = "bad signature";
        goto done;
    }

    problem = check_claims(p, payload, iss, aud, now, leeway, &got);
    if (!problem) {
        *c = got;
    }

done:
    jwt_free(jwt);
    if (head) {
        json_decref(head);
    }
    if (payload) {
        json_decref(payload);
    }
    if (problem) {
        pt_err_set(err, p, NULL, 0, "%s", problem);
        return rv;
    }
    return APR_SUCCESS;
}
