/*
 * test_tokens.c -- unit tests of the attacker-facing tokens the core
 * parses: a signed download link's token (pt_link.c) and the identity
 * provider's pending-identity cookie (pt_pending.c).  Every malformed,
 * tampered, re-targeted or expired value is refused.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "pt_test.h"
#include "pt_crypto.h"
#include "pt_link.h"
#include "pt_pending.h"
#include "pt_mac.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char other[32] = "fedcba9876543210fedcba9876543210";

#define LINK "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
#define FILE_ID "9c5b94b1-35ad-49bb-b118-8e8fc24abf80"
#define EXPIRES 1900000000

/* The payload's MAC as the core makes it (for values with a valid MAC
 * and a hostile payload). */
static const char *pending_sign(apr_pool_t *p, const char *payload)
{
    return pt_mac(p, key, sizeof(key), PT_MAC_OIDC_PENDING,
                  PT_MAC_PARTS(payload));
}

static void test_link(apr_pool_t *p)
{
    const char *tok = pt_link_token(p, key, sizeof(key), LINK, FILE_ID,
                                    EXPIRES);
    const char *uuid = NULL, *mac = NULL;
    char *bad;

    PT_OK(tok && strlen(tok) == PT_LINK_TOKEN_CHARS,
          "a token is uuid.mac (%d characters)", (int)strlen(tok));
    PT_OK(!strncmp(tok, LINK ".", 37), "starting with the link's uuid");
    PT_OK(pt_link_token_parse(p, tok, &uuid, &mac) == APR_SUCCESS,
          "it parses");
    PT_IS_STR(uuid, LINK, "into the link's uuid");
    PT_OK(mac && strlen(mac) == PT_TOKEN_CHARS, "and a MAC");
    PT_OK(pt_link_token_check(p, key, sizeof(key), uuid, mac, FILE_ID,
                              EXPIRES, 0), "which checks");
    PT_OK(!pt_link_token_check(p, key, sizeof(key), uuid, mac,
                               "9c5b94b1-35ad-49bb-b118-8e8fc24abf81",
                               EXPIRES, 0), "not for another file");
    PT_OK(!pt_link_token_check(p, key, sizeof(key), uuid, mac, FILE_ID,
                               EXPIRES + 1, 0), "nor a later expiry");
    PT_OK(!pt_link_token_check(p, other, sizeof(other), uuid, mac, FILE_ID,
                               EXPIRES, 0), "nor under another key");
    PT_OK(!pt_link_token_check(p, key, sizeof(key), uuid, NULL, FILE_ID,
                               EXPIRES, 0), "nor without a MAC");
    bad = apr_pstrdup(p, mac);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    PT_OK(!pt_link_token_check(p, key, sizeof(key), uuid, bad, FILE_ID,
                               EXPIRES, 0), "a changed character fails");

    /* a link made before the MACs were labelled */
    bad = (char *)pt_mac_legacy(p, key, sizeof(key), PT_MAC_LINK,
                                PT_MAC_PARTS(LINK, FILE_ID, "1900000000"));
    PT_OK(pt_link_token_check(p, key, sizeof(key), LINK, bad, FILE_ID,
                              EXPIRES, 1) == PT_MAC_LEGACY,
          "the earlier form checks when the link may have it");
    PT_OK(pt_link_token_check(p, key, sizeof(key), LINK, bad, FILE_ID,
                              EXPIRES, 0) == PT_MAC_BAD,
          "and only then");
    PT_OK(pt_link_token_check(p, key, sizeof(key), LINK, mac, FILE_ID,
                              EXPIRES, 1) == PT_MAC_OK,
          "the labelled form checks either way");

#define REFUSED(t, what)                                                   \
    do {                                                                   \
        const char *u_ = NULL, *m_ = NULL;                                 \
        PT_OK(pt_link_token_parse(p, t, &u_, &m_) == APR_EINVAL            \
              && !u_ && !m_, "refused: %s", what);                         \
    } while (0)

    REFUSED(NULL, "no token");
    REFUSED("", "an empty one");
    REFUSED(LINK, "a uuid without a MAC");
    REFUSED(apr_pstrcat(p, LINK, ".", NULL), "an empty MAC");
    REFUSED(apr_pstrcat(p, LINK, ".", mac, "x", NULL), "a MAC too long");
    REFUSED(apr_pstrcat(p, LINK, ".", apr_pstrndup(p, mac, 42), NULL),
            "a MAC too short");
    bad = apr_pstrdup(p, tok);
    bad[50] = '+';
    REFUSED(bad, "a MAC with a character base64url does not have");
    bad = apr_pstrdup(p, tok);
    bad[50] = '.';
    REFUSED(bad, "a second dot");
    REFUSED(apr_pstrcat(p, "3F2504E0-4F89-41D3-9A0C-0305E82C3301.", mac,
                        NULL), "an upper-case uuid");
    REFUSED(apr_pstrcat(p, "3f2504e0-4f89-41d3-9a0c-0305e82c330.", mac,
                        NULL), "a uuid one short");
    REFUSED(apr_pstrcat(p, "3f2504e0-4f89-41d3-9a0c-0305e82c33011.", mac,
                        NULL), "a uuid one long");
    REFUSED(apr_pstrcat(p, "3f2504e0x4f89-41d3-9a0c-0305e82c3301.", mac,
                        NULL), "a uuid that is not one");
    REFUSED(apr_pstrcat(p, "../../../../../../../etc/passwd/xxxx.", mac,
                        NULL), "a path");
    bad = apr_pstrcat(p, tok, "", NULL);
    bad[20] = '\0';
    REFUSED(bad, "a token cut short");
}

static void test_pending(apr_pool_t *p)
{
    pt_pending_t id, got;
    const char *c, *payload, *raw;
    char *bad;

    id.email = "grace@example.org";
    id.given = "Grace";
    id.family = "Hopper";
    id.exp = 1900000000;
    c = pt_pending_make(p, key, sizeof(key), &id);
    PT_OK(c && strchr(c, '.'), "a pending cookie is payload.mac");
    memset(&got, 0, sizeof(got));
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000000 - 60, 0, &got)
          == APR_SUCCESS, "it reads back before it expires");
    PT_IS_STR(got.email, "grace@example.org", "the address");
    PT_IS_STR(got.given, "Grace", "the given name");
    PT_IS_STR(got.family, "Hopper", "the family name");
    PT_OK(got.exp == 1900000000, "the expiry");
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000000, 0, &got)
          == APR_SUCCESS, "still at the second it expires");
    memset(&got, 0, sizeof(got));
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000001, 0, &got)
          == APR_TIMEUP && !got.email, "refused after (APR_TIMEUP)");
    PT_OK(pt_pending_parse(p, other, sizeof(other), c, 0, 0, &got)
          == APR_EINVAL, "refused under another key");
    bad = apr_pstrdup(p, c);
    bad[3] = bad[3] == 'A' ? 'B' : 'A';
    PT_OK(pt_pending_parse(p, key, sizeof(key), bad, 0, 0, &got) == APR_EINVAL,
          "a changed payload is refused");
    bad = apr_pstrdup(p, c);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    PT_OK(pt_pending_parse(p, key, sizeof(key), bad, 0, 0, &got) == APR_EINVAL,
          "so is a changed MAC");
    PT_OK(pt_pending_parse(p, key, sizeof(key), NULL, 0, 0, &got) == APR_EINVAL,
          "no cookie is no identity");
    PT_OK(pt_pending_parse(p, key, sizeof(key), "", 0, 0, &got) == APR_EINVAL,
          "nor an empty one");
    PT_OK(pt_pending_parse(p, key, sizeof(key), "nodot", 0, 0, &got)
          == APR_EINVAL, "nor one without a dot");
    PT_OK(pt_pending_parse(p, key, sizeof(key), ".", 0, 0, &got) == APR_EINVAL,
          "nor a lone dot");

    /* a valid MAC over a payload the portal never made */
#define SIGNED_REFUSED(json, what)                                         \
    do {                                                                   \
        raw = json;                                                        \
        payload = pt_b64url_encode(p, (const unsigned char *)raw,          \
                                   strlen(raw));                           \
        PT_OK(pt_pending_parse(p, key, sizeof(key),                        \
                               apr_pstrcat(p, payload, ".",                \
                                           pending_sign(p, payload),       \
                                           NULL), 0, 0, &got)              \
              == APR_EINVAL,                                               \
              "refused: %s", what);                                        \
    } while (0)

    SIGNED_REFUSED("not json", "a payload that is not JSON");
    SIGNED_REFUSED("[1,2]", "a JSON array");
    SIGNED_REFUSED("{\"exp\":1900000000}", "no address");
    SIGNED_REFUSED("{\"email\":7,\"exp\":1900000000}",
                   "an address that is not a string");
    SIGNED_REFUSED("{\"email\":\"a@b.c\"}", "no expiry");
    SIGNED_REFUSED("{\"email\":\"a@b.c\",\"exp\":\"1900000000\"}",
                   "an expiry that is not a number");
    SIGNED_REFUSED("{\"email\":\"a@b.c\",\"exp\":1.5e9}",
                   "an expiry that is not an integer");
    SIGNED_REFUSED("{\"email\":\"a@b.c\",\"exp\":1900000000,\"given\":[]}",
                   "a name that is not a string");
    payload = "!!!";
    PT_OK(pt_pending_parse(p, key, sizeof(key),
                           apr_pstrcat(p, payload, ".",
                                       pending_sign(p, payload), NULL),
                           0, 0, &got) == APR_EINVAL,
          "refused: a payload that is not base64url");
    raw = "{\"email\":\"a@b.c\",\"exp\":1900000000}";
    payload = pt_b64url_encode(p, (const unsigned char *)raw, strlen(raw));
    PT_OK(pt_pending_parse(p, key, sizeof(key),
                           apr_pstrcat(p, payload, ".",
                                       pending_sign(p, payload), NULL),
                           0, 0, &got) == APR_SUCCESS
          && !strcmp(got.given, "") && !strcmp(got.family, ""),
          "names the provider did not give read as empty");
    /* a cookie of the earlier form: accepted when issued before the
     * switch (exp - lifetime < legacy_before), refused after */
    raw = "{\"email\":\"old@example.org\",\"given\":\"O\","
          "\"family\":\"L\",\"exp\":1900000900}";
    payload = pt_b64url_encode(p, (const unsigned char *)raw, strlen(raw));
    c = apr_pstrcat(p, payload, ".",
                    pt_mac_legacy(p, key, sizeof(key), PT_MAC_OIDC_PENDING,
                                  PT_MAC_PARTS(payload)), NULL);
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000100, 0, &got)
          == APR_EINVAL, "an earlier-form cookie: refused with no switch");
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000100, 1900000001,
                           &got) == APR_SUCCESS
          && !strcmp(got.email, "old@example.org"),
          "accepted when issued before the switch");
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000100, 1900000000,
                           &got) == APR_EINVAL,
          "refused when issued at or after it");
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 1900000901, 1900000001,
                           &got) == APR_TIMEUP,
          "and expires like any other");
    id.given = id.family = NULL;
    c = pt_pending_make(p, key, sizeof(key), &id);
    PT_OK(pt_pending_parse(p, key, sizeof(key), c, 0, 0, &got) == APR_SUCCESS
          && !strcmp(got.given, ""), "and are made as empty");
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    test_link(p);
    test_pending(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
