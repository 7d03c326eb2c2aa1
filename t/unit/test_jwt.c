/*
 * test_jwt.c -- unit tests of pt_jwt.c: HS256/RS256/ES256 round trips,
 * time and claim checks, tampering, and the alg "none" and RS256->HS256
 * key-confusion attacks, each with its exact error message.
 *
 * Keys are generated here with OpenSSL; forged tokens are built by hand with
 * pt_crypto's base64url and HMAC, independently of libjwt.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "pt_crypto.h"
#include "pt_jwt.h"
#include "pt_test.h"

#define NOW ((apr_int64_t)1700000000)
#define ISS "https://portal.example"
#define AUD "portal-api"
#define SECRET "0123456789abcdef0123456789abcdef"

/* A fresh key pair as PEM strings in p ("RSA" 2048 or "EC" P-256). */
static void gen_pem(apr_pool_t *p, int rsa, const char **priv,
                    const char **pub)
{
    EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    BIO *b1 = BIO_new(BIO_s_mem()), *b2 = BIO_new(BIO_s_mem());
    char *d;
    long n;

    PEM_write_bio_PrivateKey(b1, k, NULL, NULL, 0, NULL, NULL);
    PEM_write_bio_PUBKEY(b2, k);
    n = BIO_get_mem_data(b1, &d);
    *priv = apr_pstrmemdup(p, d, (apr_size_t)n);
    n = BIO_get_mem_data(b2, &d);
    *pub = apr_pstrmemdup(p, d, (apr_size_t)n);
    BIO_free(b1);
    BIO_free(b2);
    EVP_PKEY_free(k);
}

static const char *b64(apr_pool_t *p, const char *s)
{
    return pt_b64url_encode(p, (const unsigned char *)s, strlen(s));
}

/* header.payload.HMAC-SHA256(secret) built by hand. */
static const char *hand_hs256(apr_pool_t *p, const char *secret,
                              apr_size_t slen, const char *header,
                              const char *payload)
{
    const char *msg = apr_pstrcat(p, b64(p, header), ".", b64(p, payload),
                                  NULL);

    return apr_pstrcat(p, msg, ".",
                       pt_hmac_b64url(p, (const unsigned char *)secret, slen,
                                      msg, strlen(msg)), NULL);
}

/* A payload with the usual claims; extra is appended inside the object. */
static const char *payload(apr_pool_t *p, apr_int64_t iat, apr_int64_t exp,
                           const char *extra)
{
    return apr_psprintf(p, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
                        "\"iat\":%" APR_INT64_T_FMT ",\"exp\":%"
                        APR_INT64_T_FMT "%s}", iat, exp, extra);
}

static const char *std_extra = ",\"sub\":\"alice\",\"jti\":\"j1\"";
static const char *hs_header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* Verify and return err.what, or "OK". */
static const char *verify(apr_pool_t *p, const pt_jwt_key_t *key,
                          const char *tok, apr_int64_t now, int leeway,
                          pt_jwt_claims_t *c)
{
    pt_jwt_claims_t dummy;
    pt_err_t err = {0};
    apr_status_t rv;

    rv = pt_jwt_verify(p, key, tok, ISS, AUD, now, leeway, c ? c : &dummy,
                       &err);
    if (rv == APR_SUCCESS) {
        return "OK";
    }
    if (rv != APR_EGENERAL) {
        return "unexpected status";
    }
    return err.what;
}

static pt_jwt_claims_t base_claims(void)
{
    pt_jwt_claims_t c;

    memset(&c, 0, sizeof(c));
    c.iss = ISS;
    c.aud = AUD;
    c.sub = "alice";
    c.jti = "jti-123";
    c.iat = NOW;
    c.exp = NOW + 300;
    c.role = "admin";
    return c;
}

/* Sign with key, verify at NOW, compare every claim. */
static const char *round_trip(apr_pool_t *p, const pt_jwt_key_t *key,
                              const char *name)
{
    pt_jwt_claims_t in = base_claims(), out;
    const char *tok = NULL, *dot;
    pt_err_t err = {0};

    in.nbf = NOW - 5;
    PT_OK(pt_jwt_sign(p, key, &in, &tok, &err) == APR_SUCCESS,
          "%s: sign", name);
    if (!tok) {
        return NULL;
    }
    PT_IS_STR(verify(p, key, tok, NOW, 0, &out), "OK", "%s: verify", name);
    PT_IS_STR(out.iss, ISS, "%s: iss", name);
    PT_IS_STR(out.aud, AUD, "%s: aud", name);
    PT_IS_STR(out.sub, "alice", "%s: sub", name);
    PT_IS_STR(out.jti, "jti-123", "%s: jti", name);
    PT_IS_STR(out.role, "admin", "%s: role", name);
    PT_OK(out.iat == NOW && out.exp == NOW + 300 && out.nbf == NOW - 5,
          "%s: iat, exp, nbf", name);
    dot = strchr(tok, '.');
    PT_IS_STR(apr_pstrmemdup(p, tok, (apr_size_t)(dot - tok)),
              b64(p, apr_psprintf(p, "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
                                  pt_jwt_key_alg(key))),
              "%s: header", name);
    return tok;
}

/* tok with the character at index i replaced by a different one. */
static const char *flip(apr_pool_t *p, const char *tok, apr_size_t i)
{
    char *t = apr_pstrdup(p, tok);

    t[i] = t[i] == 'A' ? 'B' : 'A';
    return t;
}

static void test_keys(apr_pool_t *p, const char *rs_priv, const char *rs_pub,
                      const char *es_priv, const char *es_pub)
{
    pt_jwt_key_t *k = NULL;
    pt_err_t err = {0};
    pt_jwt_claims_t c = base_claims();
    const char *tok;

    PT_OK(pt_jwt_key_hs256(p, (const unsigned char *)SECRET, 31, &k, &err)
          == APR_EINVAL && !k, "31-byte HS256 secret refused");
    PT_IS_STR(err.what, "HS256 secret must be at least 32 bytes",
              "short secret message");
    PT_OK(pt_jwt_key_pem(p, "HS256", NULL, rs_pub, &k, &err) == APR_EINVAL,
          "pt_jwt_key_pem refuses HS256");
    PT_OK(pt_jwt_key_pem(p, "RS256", NULL, es_pub, &k, &err) == APR_EINVAL,
          "RS256 with an EC key refused");
    PT_IS_STR(err.what, "RS256 needs an RSA key", "RS256/EC message");
    PT_OK(pt_jwt_key_pem(p, "ES256", es_priv, rs_pub, &k, &err)
          == APR_EINVAL, "ES256 with an RSA public key refused");
    PT_IS_STR(err.what, "ES256 needs an EC key", "ES256/RSA message");
    PT_OK(pt_jwt_key_pem(p, "RS256", rs_priv, "junk", &k, &err)
          == APR_EINVAL, "junk public PEM refused");
    PT_IS_STR(err.what, "cannot read the PEM public key", "junk message");
    PT_OK(pt_jwt_key_pem(p, "ES256", NULL, NULL, &k, &err) == APR_EINVAL,
          "no PEM at all refused");

    /* Sign-only and verify-only keys. */
    PT_OK(pt_jwt_key_pem(p, "ES256", NULL, es_pub, &k, &err) == APR_SUCCESS,
          "verify-only ES256 key");
    PT_OK(pt_jwt_sign(p, k, &c, &tok, &err) == APR_EINVAL,
          "verify-only key cannot sign");
    PT_IS_STR(err.what, "key cannot sign (no private key)",
              "verify-only message");
    PT_OK(pt_jwt_key_pem(p, "ES256", es_priv, NULL, &k, &err) == APR_SUCCESS,
          "sign-only ES256 key");
    PT_OK(pt_jwt_sign(p, k, &c, &tok, &err) == APR_SUCCESS,
          "sign-only key signs");
    PT_OK(pt_jwt_verify(p, k, tok, ISS, AUD, NOW, 0, &c, &err) == APR_EINVAL,
          "sign-only key cannot verify");

    /* Sign refuses incomplete claims. */
    PT_OK(pt_jwt_key_hs256(p, (const unsigned char *)SECRET, 32, &k, &err)
          == APR_SUCCESS, "32-byte HS256 secret accepted");
    c.jti = NULL;
    PT_OK(pt_jwt_sign(p, k, &c, &tok, &err) == APR_EINVAL && !tok,
          "sign without jti refused");
    c = base_claims();
    c.exp = c.iat;
    PT_OK(pt_jwt_sign(p, k, &c, &tok, &err) == APR_EINVAL,
          "sign with exp == iat refused");
}

static void test_pairs(apr_pool_t *p, const char *rs_priv, const char *rs_pub)
{
    const char *priv2, *pub2;
    pt_jwt_key_t *k = NULL;
    pt_err_t err = {0};

    gen_pem(p, 1, &priv2, &pub2);
    PT_OK(pt_jwt_key_pem(p, "RS256", rs_priv, pub2, &k, &err) == APR_EINVAL,
          "mismatched RSA pair refused");
    PT_IS_STR(err.what, "the private and public keys are not a pair",
              "mismatch message");
}

int main(void)
{
    apr_pool_t *p;
    pt_jwt_key_t *hs, *rs, *es, *rs_other;
    const char *rs_priv, *rs_pub, *es_priv, *es_pub, *o_priv, *o_pub;
    const char *hs_tok, *rs_tok, *es_tok, *tok, *dot1, *dot2;
    pt_jwt_claims_t c;
    pt_err_t err = {0};
    jwt_t *raw = NULL;
    char *big;
    apr_size_t i, n;

    apr_initialize();
    apr_pool_create(&p, NULL);

    gen_pem(p, 1, &rs_priv, &rs_pub);
    gen_pem(p, 0, &es_priv, &es_pub);
    gen_pem(p, 1, &o_priv, &o_pub);
    PT_OK(pt_jwt_key_hs256(p, (const unsigned char *)SECRET, 32, &hs, &err)
          == APR_SUCCESS, "HS256 key");
    PT_OK(pt_jwt_key_pem(p, "RS256", rs_priv, rs_pub, &rs, &err)
          == APR_SUCCESS, "RS256 key");
    PT_OK(pt_jwt_key_pem(p, "ES256", es_priv, es_pub, &es, &err)
          == APR_SUCCESS, "ES256 key");
    PT_OK(pt_jwt_key_pem(p, "RS256", NULL, o_pub, &rs_other, &err)
          == APR_SUCCESS, "other RS256 verify-only key");

    test_keys(p, rs_priv, rs_pub, es_priv, es_pub);
    test_pairs(p, rs_priv, rs_pub);

    /* Round trips. */
    hs_tok = round_trip(p, hs, "HS256");
    rs_tok = round_trip(p, rs, "RS256");
    es_tok = round_trip(p, es, "ES256");
    PT_IS_STR(verify(p, rs_other, rs_tok, NOW, 0, NULL), "bad signature",
              "RS256 token with another RSA key");

    /* Hand-made HS256 token (independent of libjwt) verifies. */
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW, NOW + 60, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, &c), "OK", "hand-made HS256 token");
    PT_OK(c.role == NULL && c.nbf == 0, "absent role and nbf");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     apr_psprintf(p, "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\""
                                  AUD "\"],\"iat\":%" APR_INT64_T_FMT
                                  ",\"exp\":%" APR_INT64_T_FMT "%s}",
                                  NOW, NOW + 60, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, &c), "OK", "aud array with ours");
    PT_IS_STR(c.aud, AUD, "aud from array");

    /* Time. */
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW - 400, NOW - 100, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 30, NULL), "token expired",
              "expired beyond leeway");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW - 400, NOW - 10, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 30, NULL), "OK",
              "expired within leeway");
    PT_IS_STR(verify(p, hs, tok, NOW, 10, NULL), "token expired",
              "exp == now - leeway is expired");
    PT_IS_STR(verify(p, hs, tok, NOW, 11, NULL), "OK",
              "exp == now - leeway + 1 is valid");
    PT_IS_STR(verify(p, hs, tok, NOW, -100, NULL), "token expired",
              "negative leeway counts as 0");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW, NOW + 600,
                             ",\"sub\":\"a\",\"jti\":\"j\",\"nbf\":1700000100"));
    PT_IS_STR(verify(p, hs, tok, NOW, 30, NULL), "token not yet valid",
              "nbf in the future");
    PT_IS_STR(verify(p, hs, tok, NOW, 100, NULL), "OK",
              "nbf within leeway");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW + 100, NOW + 600, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 30, NULL), "token not yet valid",
              "iat in the future");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"iat\":1,"
                     "\"exp\":\"9999999999\",\"sub\":\"a\",\"jti\":\"j\"}");
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "invalid claim exp",
              "exp as a string");

    /* Claims. */
    c = base_claims();
    c.iss = "https://evil.example";
    pt_jwt_sign(p, hs, &c, &tok, &err);
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "wrong issuer", "wrong iss");
    c = base_claims();
    c.aud = "other-api";
    pt_jwt_sign(p, hs, &c, &tok, &err);
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "wrong audience",
              "wrong aud");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW, NOW + 60, ",\"jti\":\"j\""));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "missing claim sub",
              "missing sub");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW, NOW + 60, ",\"sub\":\"alice\""));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "missing claim jti",
              "missing jti");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     payload(p, NOW, NOW + 60, ",\"sub\":7,\"jti\":\"j\""));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "invalid claim sub",
              "sub as a number");
    tok = hand_hs256(p, SECRET, 32, hs_header,
                     "{\"iss\":\"" ISS "\",\"iss\":\"" ISS "\"}");
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "malformed token",
              "duplicate claim");

    /* Tampering. */
    dot1 = strchr(hs_tok, '.');
    dot2 = strchr(dot1 + 1, '.');
    {
        unsigned char *pl;
        apr_size_t pllen;
        char *hit;

        pt_b64url_decode(p, apr_pstrmemdup(p, dot1 + 1,
                                           (apr_size_t)(dot2 - dot1 - 1)),
                         &pl, &pllen);
        hit = strstr((char *)pl, "alice");
        PT_OK(hit != NULL, "payload holds sub alice");
        if (hit) {
            hit[0] ^= 0x03;         /* "alice" -> "blice" */
            tok = apr_pstrcat(p, apr_pstrmemdup(p, hs_tok,
                                                (apr_size_t)(dot1 - hs_tok)),
                              ".", pt_b64url_encode(p, pl, pllen), dot2,
                              NULL);
            PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "bad signature",
                      "HS256 tampered payload byte");
        }
    }
    PT_IS_STR(verify(p, hs, flip(p, hs_tok, (apr_size_t)(dot2 - hs_tok) + 1),
                     NOW, 0, NULL), "bad signature",
              "HS256 tampered signature");
    dot2 = strrchr(rs_tok, '.');
    PT_IS_STR(verify(p, rs, flip(p, rs_tok, (apr_size_t)(dot2 - rs_tok) + 5),
                     NOW, 0, NULL), "bad signature",
              "RS256 tampered signature");
    dot2 = strrchr(es_tok, '.');
    PT_IS_STR(verify(p, es, flip(p, es_tok, (apr_size_t)(dot2 - es_tok) + 5),
                     NOW, 0, NULL), "bad signature",
              "ES256 tampered signature");
    dot1 = strchr(rs_tok, '.');
    dot2 = strrchr(rs_tok, '.');
    tok = apr_pstrcat(p, apr_pstrmemdup(p, rs_tok,
                                        (apr_size_t)(dot1 - rs_tok)),
                      ".", b64(p, payload(p, NOW, NOW + 300,
                                          ",\"sub\":\"mallory\","
                                          "\"jti\":\"jti-123\"")),
                      dot2, NULL);
    PT_IS_STR(verify(p, rs, tok, NOW, 0, NULL), "bad signature",
              "RS256 payload swapped");

    /* Algorithm attacks. */
    tok = apr_pstrcat(p, b64(p, "{\"alg\":\"none\",\"typ\":\"JWT\"}"), ".",
                      b64(p, payload(p, NOW, NOW + 60, std_extra)), ".",
                      NULL);
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "unsupported algorithm",
              "alg none to HS256 key");
    PT_IS_STR(verify(p, rs, tok, NOW, 0, NULL), "unsupported algorithm",
              "alg none to RS256 key");
    tok = apr_pstrcat(p, b64(p, "{\"alg\":\"NONE\"}"), ".",
                      b64(p, payload(p, NOW, NOW + 60, std_extra)), ".",
                      NULL);
    PT_IS_STR(verify(p, es, tok, NOW, 0, NULL), "unsupported algorithm",
              "alg NONE to ES256 key");

    tok = hand_hs256(p, rs_pub, strlen(rs_pub), hs_header,
                     payload(p, NOW, NOW + 60, std_extra));
    PT_OK(jwt_decode(&raw, tok, (const unsigned char *)rs_pub,
                     (int)strlen(rs_pub)) == 0,
          "plain libjwt accepts the RS256->HS256 confusion token");
    jwt_free(raw);
    PT_IS_STR(verify(p, rs, tok, NOW, 0, NULL), "unsupported algorithm",
              "RS256->HS256 key confusion refused");
    tok = hand_hs256(p, SECRET, 32, "{\"alg\":\"hs256\"}",
                     payload(p, NOW, NOW + 60, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "unsupported algorithm",
              "alg must match exactly (hs256)");
    PT_IS_STR(verify(p, hs, es_tok, NOW, 0, NULL), "unsupported algorithm",
              "ES256 token to HS256 key");
    PT_IS_STR(verify(p, es, rs_tok, NOW, 0, NULL), "unsupported algorithm",
              "RS256 token to ES256 key");
    tok = hand_hs256(p, SECRET, 32, "{\"typ\":\"JWT\"}",
                     payload(p, NOW, NOW + 60, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "malformed token",
              "header without alg");
    tok = hand_hs256(p, SECRET, 32, "{\"alg\":\"HS256\",\"typ\":\"JWE\"}",
                     payload(p, NOW, NOW + 60, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "unsupported token type",
              "typ JWE");
    tok = hand_hs256(p, SECRET, 32,
                     "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
                     payload(p, NOW, NOW + 60, std_extra));
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "unsupported critical header",
              "crit header");

    /* Malformed input. */
    PT_IS_STR(verify(p, hs, "garbage", NOW, 0, NULL), "malformed token",
              "garbage");
    PT_IS_STR(verify(p, hs, "", NOW, 0, NULL), "malformed token", "empty");
    PT_IS_STR(verify(p, hs, NULL, NOW, 0, NULL), "malformed token", "NULL");
    PT_IS_STR(verify(p, hs, "...", NOW, 0, NULL), "malformed token",
              "three dots");
    PT_IS_STR(verify(p, hs, "..", NOW, 0, NULL), "malformed token",
              "two dots");
    PT_IS_STR(verify(p, hs, apr_pstrcat(p, hs_tok, ".x", NULL), NOW, 0,
                     NULL), "malformed token", "four parts");
    n = 10 * 1024;
    big = apr_palloc(p, n + 1);
    for (i = 0; i < n; i++) {
        big[i] = 'A';
    }
    big[20] = '.';
    big[40] = '.';
    big[n] = '\0';
    PT_IS_STR(verify(p, hs, big, NOW, 0, NULL), "token too long",
              "10 KiB token");
    tok = flip(p, hs_tok, 3);
    ((char *)tok)[3] = '*';
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "malformed token",
              "non-base64 character in header");
    tok = apr_pstrdup(p, hs_tok);
    ((char *)tok)[strlen(tok) - 2] = '+';
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "malformed token",
              "standard base64 '+' in signature");
    PT_IS_STR(verify(p, hs, apr_pstrcat(p, hs_tok, "=", NULL), NOW, 0, NULL),
              "malformed token", "padding");
    tok = apr_pstrcat(p, b64(p, hs_header), ".", b64(p, "[1,2]"), ".AAAA",
                      NULL);
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "malformed token",
              "payload not an object");
    tok = apr_pstrcat(p, b64(p, hs_header), ".",
                      b64(p, payload(p, NOW, NOW + 60, std_extra)), ".",
                      NULL);
    PT_IS_STR(verify(p, hs, tok, NOW, 0, NULL), "bad signature",
              "empty signature with HS256 header");

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
