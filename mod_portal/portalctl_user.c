/*
 * portalctl_user.c -- `portalctl user add`: an account with any role (the
 * first admin, typically), already confirmed, made the way the server
 * makes accounts (pt_account).  The password is never taken from the
 * command line, where other users could see it: it is the first line of
 * --password-file, or read from standard input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <termios.h>

#include <apr_strings.h>
#include <apr_time.h>
#include <openssl/crypto.h>

#include "pt_core.h"
#include "pt_password.h"
#include "pt_account.h"
#include "portalctl.h"

#define PW_BUF (PT_PASSWORD_MAX_LEN + 3)    /* the line, its end, NUL */

/* Read one line from f into buf (PW_BUF bytes) without its line end.
 * NULL, or what is wrong. */
static const char *read_line(FILE *f, char *buf)
{
    apr_size_t n;

    if (!fgets(buf, PW_BUF, f)) {
        return "no password given";
    }
    n = strlen(buf);
    if (n && buf[n - 1] == '\n') {
        buf[--n] = '\0';
    }
    else if (!feof(f)) {
        return "the password is too long";
    }
    if (n && buf[n - 1] == '\r') {
        buf[--n] = '\0';
    }
    return n ? NULL : "the password is empty";
}

/* Ask for a line on the terminal without echoing it. */
static const char *prompt_line(const char *prompt, char *buf)
{
    struct termios old, quiet;
    int have = tcgetattr(STDIN_FILENO, &old) == 0;
    const char *bad;

    fputs(prompt, stderr);
    fflush(stderr);
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bad = read_line(stdin, buf);
    if (have) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return bad;
}

/* The new account's password: the first line of --password-file, or of
 * standard input (asked twice on a terminal).  Into buf (PW_BUF bytes). */
static int read_password(ctl_t *ctl, char *buf)
{
    const char *file = ctl->password_file, *bad;

    if (file && strcmp(file, "-")) {
        FILE *f = fopen(file, "r");

        if (!f) {
            return portalctl_fail(apr_psprintf(ctl->pool, "cannot read %s: %s", file,
                                     strerror(errno)));
        }
        bad = read_line(f, buf);
        fclose(f);
    }
    else if (isatty(STDIN_FILENO)) {
        char again[PW_BUF];

        bad = prompt_line("Password for the new account: ", buf);
        if (!bad) {
            bad = prompt_line("The same password again: ", again);
        }
        if (!bad && strcmp(buf, again)) {
            bad = "the two passwords differ";
        }
        OPENSSL_cleanse(again, sizeof(again));
    }
    else {
        bad = read_line(stdin, buf);
    }
    return bad ? portalctl_fail(bad) : 0;
}

/* Every field valid (pt_account_check, as the web form checks them)?
 * Prints what is not. */
static int check_fields(ctl_t *ctl, const char *pw)
{
    static const char *const fields[][2] = {
        { "username", "--username" }, { "email", "--email" },
        { "first_name", "--first-name" }, { "last_name", "--last-name" },
        { "address", "--address" }, { "password", "password" }
    };
    pt_account_t a;
    apr_table_t *bad;
    const char *why;
    unsigned i;

    memset(&a, 0, sizeof(a));
    a.username = ctl->username;
    a.email = ctl->email;
    a.first_name = ctl->first_name;
    a.last_name = ctl->last_name;
    a.address = ctl->address;
    a.role = ctl->role;
    bad = pt_account_check(ctl->pool, &a, pw, PT_ACCOUNT_ADDRESS_OPTIONAL);
    if (!bad) {
        return 0;
    }
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        why = apr_table_get(bad, fields[i][0]);
        if (why) {
            fprintf(stderr, "portalctl: %s: %s\n", fields[i][1], why);
        }
    }
    if (apr_table_get(bad, "role")) {
        fprintf(stderr, "portalctl: --role: one of client, operations or "
                "admin\n");
    }
    return 1;
}

/* Is the username or email taken?  Prints which (1), or 0. */
static int taken(ctl_t *ctl, pt_db_t *db, int *rc)
{
    int utaken, etaken;

    *rc = 0;
    if (pt_account_taken(db, ctl->username, ctl->email, &utaken, &etaken)
        != APR_SUCCESS) {
        *rc = portalctl_fail(db->errmsg);
        return 1;
    }
    if (utaken) {
        fprintf(stderr, "portalctl: the username '%s' is already taken\n",
                ctl->username);
        *rc = 1;
    }
    if (etaken) {
        fprintf(stderr, "portalctl: an account with the email address "
                "'%s' already exists\n", ctl->email);
        *rc = 1;
    }
    return *rc;
}

/* Before the database is opened (and, as root, before acting as the
 * data folder's owner, who may not read the password file): the fields,
 * the password and its hash (argon2id with the module's default cost; a
 * server configured for more rehashes it at the first sign-in). */
int portalctl_user_prepare(ctl_t *ctl, const char **hash)
{
    pt_argon2_params_t params = { PT_ARGON2_DEFAULT_M, PT_ARGON2_DEFAULT_T,
                                  PT_ARGON2_DEFAULT_P };
    char pw[PW_BUF];
    int rc;

    if (!ctl->role || !ctl->username || !ctl->email || !ctl->first_name
        || !ctl->last_name) {
        fprintf(stderr, "portalctl: user add needs --role, --username, "
                "--email, --first-name and --last-name\n");
        return 2;
    }
    if (!ctl->address) {
        ctl->address = "";
    }
    if (read_password(ctl, pw)) {
        return 1;
    }
    rc = check_fields(ctl, pw);
    if (!rc && pt_password_hash(ctl->pool, pw, &params, hash)
               != APR_SUCCESS) {
        rc = portalctl_fail("cannot hash the password");
    }
    OPENSSL_cleanse(pw, sizeof(pw));
    return rc;
}

int portalctl_user_add(ctl_t *ctl, pt_db_t *db, const char *hash)
{
    const char *uuid;
    pt_account_t a;
    int rc;

    if (portalctl_migrate(ctl, db, 1)) {
        return 1;
    }
    if (taken(ctl, db, &rc)) {
        return rc;
    }
    memset(&a, 0, sizeof(a));
    a.username = ctl->username;
    a.email = ctl->email;
    a.first_name = ctl->first_name;
    a.last_name = ctl->last_name;
    a.address = ctl->address;
    a.role = ctl->role;
    if (pt_account_insert(db, &a, hash, apr_time_sec(apr_time_now()), 1,
                          &uuid, NULL) != APR_SUCCESS) {
        const char *msg = db->errmsg;

        /* made meanwhile by someone else? */
        if (taken(ctl, db, &rc)) {
            return rc;
        }
        return portalctl_fail(msg ? msg : "cannot insert the account");
    }
    printf("%s\n", uuid);
    fprintf(stderr, "portalctl: created the %s account '%s'\n", ctl->role,
            ctl->username);
    return 0;
}

