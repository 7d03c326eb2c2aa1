/*
 * pt_validate.h -- validation of account fields.
 *
 * Each function returns NULL when the value is acceptable and otherwise a
 * message fit to show next to the form field (English, no markup).
 * Lengths are counted in characters (UTF-8 code points).
 */
#ifndef PT_VALIDATE_H
#define PT_VALIDATE_H

#include <apr_pools.h>

#define PT_USERNAME_MIN 3
#define PT_USERNAME_MAX 32
#define PT_PASSWORD_MIN 8
#define PT_NAME_MAX 100
#define PT_ADDRESS_MAX 500
#define PT_EMAIL_MAX 254

/* 3-32 of [A-Za-z0-9._-], starting with a letter or digit. */
const char *pt_validate_username(const char *s);

/* A practical addr-spec: local@domain, local part of printable ASCII
 * without spaces or specials, a domain of dot-separated LDH labels with at
 * least one dot, at most PT_EMAIL_MAX characters. */
const char *pt_validate_email(const char *s);

/* At least PT_PASSWORD_MIN characters, at most PT_PASSWORD_MAX_LEN bytes,
 * and not equal to the username (compared case-insensitively). */
const char *pt_validate_password(const char *pw, const char *username);

/* Required free text of 1..max characters without control characters
 * (for the address, newlines and tabs are allowed). */
const char *pt_validate_name(const char *s);
const char *pt_validate_address(const char *s);

/* ASCII lower-case copy (usernames and emails are unique case-insensitively). */
const char *pt_ascii_lower(apr_pool_t *p, const char *s);

#endif /* PT_VALIDATE_H */
