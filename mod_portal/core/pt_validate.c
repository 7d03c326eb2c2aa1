/*
 * pt_validate.c -- validation of account fields (see pt_validate.h).
 *
 * Every validator returns NULL for an acceptable value or a short English
 * sentence to show next to the field.  The messages are static strings, so
 * no pool is needed.  Inputs are NUL-terminated; free-text fields must be
 * valid UTF-8 (the form parser already guarantees it, but the validators do
 * not rely on that) and are measured in code points.
 */
#include <string.h>

#include <apr_strings.h>

#include "pt_form.h"
#include "pt_password.h"
#include "pt_validate.h"

#define PT_STR_(x) #x
#define PT_STR(x) PT_STR_(x)

#define MSG_USERNAME                                                      \
    "Username must be " PT_STR(PT_USERNAME_MIN) " to "                   \
    PT_STR(PT_USERNAME_MAX) " characters: letters, digits, dot, dash or " \
    "underscore, starting with a letter or digit."
#define MSG_EMAIL           "Enter a valid email address."
#define MSG_EMAIL_LONG                                                    \
    "Email address must be at most " PT_STR(PT_EMAIL_MAX) " characters."
#define MSG_PW_SHORT                                                      \
    "Password must be at least " PT_STR(PT_PASSWORD_MIN) " characters."
#define MSG_PW_LONG                                                       \
    "Password must be at most " PT_STR(PT_PASSWORD_MAX_LEN) " bytes."
#define MSG_PW_USER         "Password must not be the same as the username."
#define MSG_PW_BAD          "Password contains invalid characters."
#define MSG_REQUIRED        "This field is required."
#define MSG_NAME_LONG                                                     \
    "Must be at most " PT_STR(PT_NAME_MAX) " characters."
#define MSG_ADDRESS_LONG                                                  \
    "Must be at most " PT_STR(PT_ADDRESS_MAX) " characters."
#define MSG_CONTROL         "Must not contain control characters."
#define MSG_BAD_TEXT        "Contains characters that are not allowed."

#define EMAIL_LOCAL_MAX  64
#define EMAIL_LABEL_MAX  63
#define EMAIL_DOMAIN_MAX 253

static int is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Number of code points in valid UTF-8 s (bytes that are not
 * continuation bytes). */
static apr_size_t utf8_chars(const char *s)
{
    apr_size_t n = 0;

    for (; *s; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80) {
            n++;
        }
    }
    return n;
}

/* Case-insensitive ASCII equality, independent of the locale. */
static int ascii_case_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b)) {
            return 0;
        }
    }
    return *a == *b;
}

const char *pt_validate_username(const char *s)
{
    apr_size_t i;

    if (!s || !(is_alpha((unsigned char)s[0])
                || is_digit((unsigned char)s[0]))) {
        return MSG_USERNAME;
    }
    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];

        if (i >= PT_USERNAME_MAX
            || !(is_alpha(c) || is_digit(c) || c == '.' || c == '_'
                 || c == '-')) {
            return MSG_USERNAME;
        }
    }
    if (i < PT_USERNAME_MIN) {
        return MSG_USERNAME;
    }
    return NULL;
}

/* atext of RFC 5322 (letters, digits and !#$%&'*+/=?^_`{|}~-). */
static int email_atext(unsigned char c)
{
    return is_alpha(c) || is_digit(c)
           || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/*
 * local@domain: the local part a dot-atom (atext runs separated by single
 * dots, 1..64 characters); the domain 1..253 characters of at least two
 * dot-separated labels, each 1..63 letters, digits or hyphens, not
 * starting or ending with a hyphen.
 */
const char *pt_validate_email(const char *s)
{
    const char *at, *c, *label;
    apr_size_t len;
    int labels = 0;

    if (!s || !*s) {
        return MSG_EMAIL;
    }
    len = strlen(s);
    if (len > PT_EMAIL_MAX) {
        return MSG_EMAIL_LONG;
    }
    at = strchr(s, '@');
    if (!at || at == s || (apr_size_t)(at - s) > EMAIL_LOCAL_MAX
        || strlen(at + 1) > EMAIL_DOMAIN_MAX) {
        return MSG_EMAIL;
    }
    /* Local part: no leading, trailing or doubled dot. */
    if (s[0] == '.' || at[-1] == '.') {
        return MSG_EMAIL;
    }
    for (c = s; c < at; c++) {
        if (*c == '.') {
            if (c[1] == '.') {
                return MSG_EMAIL;
            }
        }
        else if (!email_atext((unsigned char)*c)) {
            return MSG_EMAIL;
        }
    }
    /* Domain: LDH labels. */
    label = at + 1;
    for (c = label;; c++) {
        if (*c == '.' || *c == '\0') {
            apr_size_t n = (apr_size_t)(c - label);

            if (n == 0 || n > EMAIL_LABEL_MAX || label[0] == '-'
                || c[-1] == '-') {
                return MSG_EMAIL;
            }
            labels++;
            if (*c == '\0') {
                break;
            }
            label = c + 1;
        }
        else if (!(is_alpha((unsigned char)*c) || is_digit((unsigned char)*c)
                   || *c == '-')) {
            return MSG_EMAIL;
        }
    }
    if (labels < 2) {
        return MSG_EMAIL;
    }
    return NULL;
}

const char *pt_validate_password(const char *pw, const char *username)
{
    apr_size_t len;

    if (!pw) {
        return MSG_PW_SHORT;
    }
    len = strlen(pw);
    if (len > PT_PASSWORD_MAX_LEN) {
        return MSG_PW_LONG;
    }
    if (!pt_utf8_valid(pw, len)) {
        return MSG_PW_BAD;
    }
    if (utf8_chars(pw) < PT_PASSWORD_MIN) {
        return MSG_PW_SHORT;
    }
    if (username && *username && ascii_case_equal(pw, username)) {
        return MSG_PW_USER;
    }
    return NULL;
}

/*
 * Shared by name and address: required (not empty, not only white space),
 * valid UTF-8, at most max code points, no C0/C1 control characters or DEL
 * except tab, CR and LF when multiline.
 */
static const char *validate_text(const char *s, apr_size_t max,
                                 int multiline, const char *msg_long)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t len, i;
    int blank = 1;

    if (!s || !*s) {
        return MSG_REQUIRED;
    }
    len = strlen(s);
    if (!pt_utf8_valid(s, len)) {
        return MSG_BAD_TEXT;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = u[i];

        if (c < 0x20 || c == 0x7f) {
            if (!(multiline && (c == '\t' || c == '\n' || c == '\r'))) {
                return MSG_CONTROL;
            }
        }
        else if (c == 0xc2 && i + 1 < len && u[i + 1] >= 0x80
                 && u[i + 1] <= 0x9f) {
            /* U+0080..U+009F, the C1 controls */
            return MSG_CONTROL;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            blank = 0;
        }
    }
    if (blank) {
        return MSG_REQUIRED;
    }
    if (utf8_chars(s) > max) {
        return msg_long;
    }
    return NULL;
}

const char *pt_validate_name(const char *s)
{
    return validate_text(s, PT_NAME_MAX, 0, MSG_NAME_LONG);
}

const char *pt_validate_address(const char *s)
{
    return validate_text(s, PT_ADDRESS_MAX, 1, MSG_ADDRESS_LONG);
}

const char *pt_ascii_lower(apr_pool_t *p, const char *s)
{
    char *out;
    apr_size_t i;

    if (!s) {
        return NULL;
    }
    out = apr_pstrdup(p, s);
    for (i = 0; out[i]; i++) {
        out[i] = (char)ascii_lower((unsigned char)out[i]);
    }
    return out;
}
