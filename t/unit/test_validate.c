/*
 * test_validate.c -- unit tests of pt_validate.c: each rule's accepted and
 * refused values, and lengths counted in code points.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_validate.h"
#include "pt_password.h"
#include "pt_test.h"

/* A pool string of n copies of s. */
static const char *repeat(apr_pool_t *p, const char *s, int n)
{
    apr_size_t len = strlen(s);
    char *out = apr_palloc(p, len * (apr_size_t)n + 1);
    int i;

    for (i = 0; i < n; i++) {
        memcpy(out + len * (apr_size_t)i, s, len);
    }
    out[len * (apr_size_t)n] = '\0';
    return out;
}

#define ACCEPT(call, what) PT_IS_STR(call, NULL, "accepts %s", what)
#define REJECT(call, what)                                                \
    do {                                                                  \
        const char *msg_ = (call);                                        \
        PT_OK(msg_ != NULL, "rejects %s (%s)", what,                      \
              msg_ ? msg_ : "accepted");                                  \
    } while (0)

static void test_username(apr_pool_t *p)
{
    ACCEPT(pt_validate_username("alice"), "alice");
    ACCEPT(pt_validate_username("bob"), "3 characters");
    ACCEPT(pt_validate_username(repeat(p, "a", 32)), "32 characters");
    ACCEPT(pt_validate_username("J.Doe_99-x"), "dot, underscore, dash");
    ACCEPT(pt_validate_username("9lives"), "leading digit");
    REJECT(pt_validate_username("ab"), "2 characters");
    REJECT(pt_validate_username(repeat(p, "a", 33)), "33 characters");
    REJECT(pt_validate_username(""), "empty");
    REJECT(pt_validate_username(NULL), "NULL");
    REJECT(pt_validate_username(".alice"), "leading dot");
    REJECT(pt_validate_username("_alice"), "leading underscore");
    REJECT(pt_validate_username("-alice"), "leading dash");
    REJECT(pt_validate_username("al ice"), "space");
    REJECT(pt_validate_username("alice@x"), "'@'");
    REJECT(pt_validate_username("al<b>"), "markup");
    REJECT(pt_validate_username("Zo\xc3\xab"), "non-ASCII letter");
    REJECT(pt_validate_username("alice\n"), "newline");
    PT_IS_STR(pt_validate_username("a"),
              "Username must be 3 to 32 characters: letters, digits, dot, "
              "dash or underscore, starting with a letter or digit.",
              "username message");
}

static void test_email(apr_pool_t *p)
{
    const char *local64 = repeat(p, "a", 64);
    const char *label63 = repeat(p, "b", 63);

    ACCEPT(pt_validate_email("alice@example.com"), "alice@example.com");
    ACCEPT(pt_validate_email("first.last+tag@mail.example.co.uk"),
           "dots, plus, subdomains");
    ACCEPT(pt_validate_email("o'brien@example.ie"), "apostrophe");
    ACCEPT(pt_validate_email("x!#$%&'*+/=?^_`{|}~-@ex-ample.org"),
           "every atext special");
    ACCEPT(pt_validate_email("A@B.CO"), "upper case");
    ACCEPT(pt_validate_email(apr_pstrcat(p, local64, "@example.com", NULL)),
           "64-character local part");
    ACCEPT(pt_validate_email(apr_pstrcat(p, "a@", label63, ".com", NULL)),
           "63-character label");
    REJECT(pt_validate_email(apr_pstrcat(p, local64, "a@example.com", NULL)),
           "65-character local part");
    REJECT(pt_validate_email(apr_pstrcat(p, "a@", label63, "b.com", NULL)),
           "64-character label");
    REJECT(pt_validate_email(apr_pstrcat(p, "a@",
                                         repeat(p, "abcdefghi.", 25),
                                         "com", NULL)),
           "over 254 characters");
    REJECT(pt_validate_email(""), "empty");
    REJECT(pt_validate_email(NULL), "NULL");
    REJECT(pt_validate_email("alice"), "no '@'");
    REJECT(pt_validate_email("@example.com"), "empty local part");
    REJECT(pt_validate_email("alice@"), "empty domain");
    REJECT(pt_validate_email("alice@localhost"), "single-label domain");
    REJECT(pt_validate_email("a@b@example.com"), "two '@'");
    REJECT(pt_validate_email("al ice@example.com"), "space");
    REJECT(pt_validate_email("alice@exa mple.com"), "space in domain");
    REJECT(pt_validate_email(".alice@example.com"), "leading dot");
    REJECT(pt_validate_email("alice.@example.com"), "trailing dot");
    REJECT(pt_validate_email("al..ice@example.com"), "double dot");
    REJECT(pt_validate_email("alice@example..com"), "empty label");
    REJECT(pt_validate_email("alice@.example.com"), "leading dot in domain");
    REJECT(pt_validate_email("alice@example.com."), "trailing dot in domain");
    REJECT(pt_validate_email("alice@-example.com"), "label starts with '-'");
    REJECT(pt_validate_email("alice@example-.com"), "label ends with '-'");
    REJECT(pt_validate_email("alice@exa_mple.com"), "underscore in domain");
    REJECT(pt_validate_email("\"al\"@example.com"), "quoted local part");
    REJECT(pt_validate_email("a(b)@example.com"), "parentheses");
    REJECT(pt_validate_email("a,b@example.com"), "comma");
    REJECT(pt_validate_email("<a@example.com>"), "angle brackets");
    REJECT(pt_validate_email("alice@[127.0.0.1]"), "address literal");
    REJECT(pt_validate_email("z\xc3\xab@example.com"), "non-ASCII");
    REJECT(pt_validate_email("alice@example.com\n"), "newline");
    PT_IS_STR(pt_validate_email("nope"), "Enter a valid email address.",
              "email message");
}

static void test_password(apr_pool_t *p)
{
    char *big;

    ACCEPT(pt_validate_password("12345678", "alice"), "8 characters");
    ACCEPT(pt_validate_password("correct horse battery", NULL),
           "NULL username");
    ACCEPT(pt_validate_password("p\xc3\xa4\xc3\x9f\xc3\xa9\xc3\xb6rd!",
                                "alice"),
           "8 code points in 12 bytes");
    ACCEPT(pt_validate_password("alice123", "alice"),
           "contains the username");
    REJECT(pt_validate_password("1234567", "alice"), "7 characters");
    REJECT(pt_validate_password("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                                "\xc3\xa4\xc3\xa4\xc3\xa4", "alice"),
           "7 code points in 14 bytes");
    REJECT(pt_validate_password("", "alice"), "empty");
    REJECT(pt_validate_password(NULL, "alice"), "NULL");
    REJECT(pt_validate_password("alicebob", "alicebob"), "same as username");
    REJECT(pt_validate_password("AliceBob", "aliceBOB"),
           "same as username, other case");
    REJECT(pt_validate_password("abc\xff\xfe""defgh", "alice"),
           "invalid UTF-8");
    big = apr_palloc(p, PT_PASSWORD_MAX_LEN + 2);
    memset(big, 'x', PT_PASSWORD_MAX_LEN);
    big[PT_PASSWORD_MAX_LEN] = '\0';
    ACCEPT(pt_validate_password(big, "alice"), "PT_PASSWORD_MAX_LEN bytes");
    big[PT_PASSWORD_MAX_LEN] = 'x';
    big[PT_PASSWORD_MAX_LEN + 1] = '\0';
    REJECT(pt_validate_password(big, "alice"), "one byte more");
    PT_IS_STR(pt_validate_password("short", "alice"),
              "Password must be at least 8 characters.",
              "short password message");
    PT_IS_STR(pt_validate_password("alicebob", "ALICEBOB"),
              "Password must not be the same as the username.",
              "same-as-username message");
}

static void test_name(apr_pool_t *p)
{
    /* "Zoë Åström": 10 code points, 13 bytes */
    const char *zoe = "Zo\xc3\xab \xc3\x85str\xc3\xb6m";

    ACCEPT(pt_validate_name("Alice"), "Alice");
    ACCEPT(pt_validate_name(zoe), "Zo\xc3\xab \xc3\x85str\xc3\xb6m");
    ACCEPT(pt_validate_name("O'Brien-Smith Jr."), "punctuation");
    ACCEPT(pt_validate_name("\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e"),
           "CJK");
    ACCEPT(pt_validate_name("<script>"),
           "markup (escaping is the template's job)");
    ACCEPT(pt_validate_name(repeat(p, "a", 100)), "100 ASCII characters");
    ACCEPT(pt_validate_name(repeat(p, "\xc3\xa9", 100)),
           "100 two-byte characters (200 bytes)");
    ACCEPT(pt_validate_name(repeat(p, zoe, 10)),
           "10 x 'Zo\xc3\xab \xc3\x85str\xc3\xb6m' (100 code points)");
    REJECT(pt_validate_name(repeat(p, "a", 101)), "101 characters");
    REJECT(pt_validate_name(repeat(p, "\xc3\xa9", 101)),
           "101 two-byte characters");
    REJECT(pt_validate_name(apr_pstrcat(p, repeat(p, zoe, 10), "x", NULL)),
           "101 code points");
    REJECT(pt_validate_name(""), "empty");
    REJECT(pt_validate_name(NULL), "NULL");
    REJECT(pt_validate_name("   "), "only spaces");
    REJECT(pt_validate_name("Al\nice"), "newline");
    REJECT(pt_validate_name("Al\tice"), "tab");
    REJECT(pt_validate_name("Al\rice"), "CR");
    REJECT(pt_validate_name("Al\x7f""ice"), "DEL");
    REJECT(pt_validate_name("Al\x1bice"), "ESC");
    REJECT(pt_validate_name("Al\xc2\x85ice"), "C1 control U+0085");
    REJECT(pt_validate_name("Al\xc3ice"), "invalid UTF-8");
    PT_IS_STR(pt_validate_name(""), "This field is required.",
              "required message");
    PT_IS_STR(pt_validate_name(repeat(p, "a", 101)),
              "Must be at most 100 characters.", "name length message");
    PT_IS_STR(pt_validate_name("a\x01"),
              "Must not contain control characters.", "control message");
}

static void test_address(apr_pool_t *p)
{
    ACCEPT(pt_validate_address("1 Main Street\r\nSpringfield\tUSA"),
           "CRLF and tab");
    ACCEPT(pt_validate_address("Storgatan 1\n111 22 Stockholm\n"),
           "newlines");
    ACCEPT(pt_validate_address(repeat(p, "a", 500)), "500 characters");
    ACCEPT(pt_validate_address(repeat(p, "\xc3\xb6", 500)),
           "500 two-byte characters");
    REJECT(pt_validate_address(repeat(p, "a", 501)), "501 characters");
    REJECT(pt_validate_address(repeat(p, "\xc3\xb6", 501)),
           "501 two-byte characters");
    REJECT(pt_validate_address(""), "empty");
    REJECT(pt_validate_address(NULL), "NULL");
    REJECT(pt_validate_address("\r\n\t "), "only white space");
    REJECT(pt_validate_address("Main St\x0b"), "vertical tab");
    REJECT(pt_validate_address("Main St\x7f"), "DEL");
    REJECT(pt_validate_address("Main\xc2\x9fSt"), "C1 control");
    PT_IS_STR(pt_validate_address(repeat(p, "a", 501)),
              "Must be at most 500 characters.", "address length message");
}

static void test_lower(apr_pool_t *p)
{
    PT_IS_STR(pt_ascii_lower(p, "Alice.Smith@Example.COM"),
              "alice.smith@example.com", "ASCII lower-cased");
    PT_IS_STR(pt_ascii_lower(p, "\xc3\x85STR\xc3\x96M"),
              "\xc3\x85str\xc3\x96m", "non-ASCII bytes unchanged");
    PT_IS_STR(pt_ascii_lower(p, ""), "", "empty");
    PT_OK(pt_ascii_lower(p, NULL) == NULL, "NULL gives NULL");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_username(p);
    test_email(p);
    test_password(p);
    test_name(p);
    test_address(p);
    test_lower(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
