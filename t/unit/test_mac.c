/*
 * test_mac.c -- unit tests of pt_mac.c, the portal's one MAC with a
 * purpose label per use, and of its earlier forms: every value in
 * t/fixtures/legacy-macs/legacy.json was minted by the code before the
 * labels (a running portal of commit c669048: mint.pl there says how),
 * and must still be accepted where its caller allows the earlier form --
 * and only there.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "pt_test.h"
#include "pt_crypto.h"
#include "pt_jwt.h"
#include "pt_link.h"
#include "pt_mac.h"
#include "pt_pending.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static const char *top_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
}

static void test_labels(apr_pool_t *p)
{
    const char *m = pt_mac(p, key, sizeof(key), PT_MAC_LINK,
                           PT_MAC_PARTS("3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                                        "9c5b94b1-35ad-49bb-b118-8e8fc24abf80",
                                        "1900000000"));

    /* known answers, computed independently (Python's hmac module over
     * "pt-mac/1\0" purpose "\0" and each part with its 4-byte length) */
    PT_IS_STR(m, "-IolZSlfbv30KGdLQwwPQtxM_nqzSh8DZtT6UEmMt3s",
              "a link's MAC: the known answer");
    PT_IS_STR(pt_mac(p, key, sizeof(key), PT_MAC_JWT_KEY, PT_MAC_NOPARTS),
              "dK9ACKaE7jCw1CbL7UFHX7y4KakuESzDeHm4bDMthUc",
              "the API key's derivation: the known answer");
    PT_IS_STR(pt_mac(p, key, sizeof(key), PT_MAC_CHANGE_CODE,
                     PT_MAC_PARTS("42", "123456")),
              "0p4VCqxdcqpV-xZne0smD3oRmfRLPXdlarG-zNAFmnM",
              "a code's MAC: the known answer");
    PT_OK(strlen(m) == PT_TOKEN_CHARS, "43 characters of base64url");
    PT_OK(strcmp(pt_mac(p, key, sizeof(key), PT_MAC_CSRF_SESSION,
                        PT_MAC_PARTS("tok")),
                 pt_mac(p, key, sizeof(key), PT_MAC_CSRF_PRE,
                        PT_MAC_PARTS("tok"))),
          "the same part under two purposes: two MACs");
    PT_OK(strcmp(pt_mac(p, key, sizeof(key), PT_MAC_CHANGE_CODE,
                        PT_MAC_PARTS("1", "23456")),
                 pt_mac(p, key, sizeof(key), PT_MAC_CHANGE_CODE,
                        PT_MAC_PARTS("12", "3456"))),
          "parts cannot run into each other");
    PT_OK(strcmp(pt_mac(p, key, sizeof(key), PT_MAC_CHANGE_CODE,
                        PT_MAC_PARTS("1", "2")),
                 pt_mac(p, key, sizeof(key), PT_MAC_CHANGE_CODE,
                        PT_MAC_PARTS("1", "2", ""))),
          "nor can an empty part disappear");
    PT_IS_STR(pt_mac(p, key, sizeof(key), PT_MAC_CSRF_PRE,
                     PT_MAC_PARTS(NULL)),
              pt_mac(p, key, sizeof(key), PT_MAC_CSRF_PRE, PT_MAC_PARTS("")),
              "a NULL part is an empty one");
    PT_OK(pt_mac_verify(p, key, sizeof(key), PT_MAC_LINK,
                        PT_MAC_PARTS("a"), NULL, 1) == PT_MAC_BAD,
          "no MAC verifies nothing");
    PT_OK(pt_mac_legacy(p, key, sizeof(key), "no-such-use", PT_MAC_NOPARTS)
          == NULL, "an unknown purpose has no earlier form");
    PT_OK(pt_mac_verify(p, key, sizeof(key), "no-such-use", PT_MAC_NOPARTS,
                        pt_mac(p, key, sizeof(key), "no-such-use",
                               PT_MAC_NOPARTS), 1) == PT_MAC_OK,
          "but a MAC of its own");
}

static const char *str(json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

static apr_int64_t num(json_t *o, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(o, a), b));
}

static void test_legacy(apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, top_srcdir(),
                                   "/t/fixtures/legacy-macs/legacy.json",
                                   NULL);
    json_error_t jerr;
    json_t *f = json_load_file(path, 0, &jerr);
    const char *hex, *uuid, *mac, *tok;
    unsigned char k[32];
    pt_jwt_key_t *jk;
    pt_jwt_claims_t c;
    pt_pending_t id;
    pt_err_t err = { 0 };
    apr_int64_t exp;
    int i;

    PT_OK(f != NULL, "the legacy fixtures load (%s)", f ? path : jerr.text);
    if (!f) {
        return;
    }
    hex = json_string_value(json_object_get(f, "key_hex"));
    PT_OK(hex && strlen(hex) == 64, "with the old server's secret key");
    for (i = 0; hex && i < 32; i++) {
        k[i] = (unsigned char)(pt_hex_value((unsigned char)hex[2 * i]) * 16
                               + pt_hex_value((unsigned char)hex[2 * i + 1]));
    }

    /* a signed link (PortalLinkMaxLifetime: up to a year) */
    tok = str(f, "link", "token");
    PT_OK(pt_link_token_parse(p, tok, &uuid, &mac) == APR_SUCCESS,
          "an old link's token parses");
    PT_OK(pt_link_token_check(p, k, 32, uuid, mac, str(f, "link", "file_uuid"),
                              num(f, "link", "expires"), 1)
          == PT_MAC_LEGACY, "and checks as the earlier form when allowed");
    PT_OK(pt_link_token_check(p, k, 32, uuid, mac, str(f, "link", "file_uuid"),
                              num(f, "link", "expires"), 0) == PT_MAC_BAD,
          "and not otherwise (a link made after the switch)");
    PT_OK(pt_link_token_check(p, k, 32, uuid, mac, str(f, "link", "file_uuid"),
                              num(f, "link", "expires") + 1, 1)
          == PT_MAC_BAD, "nor with another expiry");

    /* CSRF tokens of a session and of a pre-session cookie */
    PT_OK(pt_mac_verify(p, k, 32, PT_MAC_CSRF_SESSION,
                        PT_MAC_PARTS(str(f, "csrf_session", "session")),
                        str(f, "csrf_session", "csrf"), 1) == PT_MAC_LEGACY,
          "an old session's CSRF token: the earlier form");
    PT_OK(pt_mac_verify(p, k, 32, PT_MAC_CSRF_SESSION,
                        PT_MAC_PARTS(str(f, "csrf_session", "session")),
                        str(f, "csrf_session", "csrf"), 0) == PT_MAC_BAD,
          "refused when not allowed");
    PT_OK(pt_mac_verify(p, k, 32, PT_MAC_CSRF_PRE,
                        PT_MAC_PARTS(str(f, "csrf_session", "session")),
                        str(f, "csrf_session", "csrf"), 1) == PT_MAC_BAD,
          "a session's token is no pre-session token");
    PT_OK(pt_mac_verify(p, k, 32, PT_MAC_CSRF_PRE,
                        PT_MAC_PARTS(str(f, "csrf_pre", "pre")),
                        str(f, "csrf_pre", "csrf"), 1) == PT_MAC_LEGACY,
          "an old pre-session CSRF token: the earlier form");

    /* the HMAC the old server stored for a mailed code */
    PT_OK(pt_mac_verify(p, k, 32, PT_MAC_CHANGE_CODE,
                        PT_MAC_PARTS(str(f, "change_code", "user_id"),
                                     str(f, "change_code", "code")),
                        str(f, "change_code", "hmac"), 1) == PT_MAC_LEGACY,
          "an old code's stored HMAC: the earlier form");
    PT_OK(pt_mac_verify(p, k, 32, PT_MAC_CHANGE_CODE,
                        PT_MAC_PARTS(str(f, "change_code", "user_id"),
                                     "000000"),
                        str(f, "change_code", "hmac"), 1) == PT_MAC_BAD,
          "not for another code");

    /* an API token signed with the key derived the earlier way */
    exp = num(f, "jwt", "exp");
    tok = pt_mac_legacy(p, k, 32, PT_MAC_JWT_KEY, PT_MAC_NOPARTS);
    PT_OK(pt_jwt_key_hs256(p, (const unsigned char *)tok, strlen(tok), &jk,
                           &err) == APR_SUCCESS, "the earlier API key");
    memset(&c, 0, sizeof(c));
    PT_OK(pt_jwt_verify(p, jk, str(f, "jwt", "token"), str(f, "jwt", "iss"),
                        str(f, "jwt", "aud"), exp - 60, 30, &c, &err)
          == APR_SUCCESS && c.iat == num(f, "jwt", "iat"),
          "verifies an old token before it expires (%s)",
          err.what ? err.what : "ok");
    tok = pt_mac(p, k, 32, PT_MAC_JWT_KEY, PT_MAC_NOPARTS);
    PT_OK(pt_jwt_key_hs256(p, (const unsigned char *)tok, strlen(tok), &jk,
                           &err) == APR_SUCCESS
          && pt_jwt_verify(p, jk, str(f, "jwt", "token"),
                           str(f, "jwt", "iss"), str(f, "jwt", "aud"),
                           exp - 60, 30, &c, &err) != APR_SUCCESS,
          "the labelled key does not");

    /* the identity provider's pending cookie (15 minutes) */
    exp = num(f, "oidc_pending", "exp");
    tok = str(f, "oidc_pending", "cookie");
    memset(&id, 0, sizeof(id));
    PT_OK(pt_pending_parse(p, k, 32, tok, exp - 60, exp, &id) == APR_SUCCESS
          && !strcmp(id.email, str(f, "oidc_pending", "email"))
          && !strcmp(id.given, str(f, "oidc_pending", "given")),
          "an old pending cookie reads when issued before the switch");
    PT_OK(pt_pending_parse(p, k, 32, tok, exp - 60, 0, &id) == APR_EINVAL,
          "not when the secret never made the earlier form");
    PT_OK(pt_pending_parse(p, k, 32, tok, exp - 60, exp - PT_PENDING_LIFETIME,
                           &id) == APR_EINVAL,
          "nor when it was issued at the switch or after");
    PT_OK(pt_pending_parse(p, k, 32, tok, exp + 1, exp, &id) == APR_TIMEUP,
          "and it expires as before");
    json_decref(f);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    test_labels(p);
    test_legacy(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
