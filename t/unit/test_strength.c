/*
 * test_strength.c -- unit tests of pt_strength.c: every password the
 * test suites, the browser suite, the bench scripts and the README set
 * for an account passes the default floor (with that account's own
 * words), common weak passwords do not, the message names the kinds of
 * weak part and never the password, and the floor is the caller's.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_strength.h"
#include "pt_test.h"

/* The words of the accounts these passwords are set for. */
static const char *const w_test[] = {    /* t/lib/PortalTest.pm */
    "user4242171231", "Ada", "Lovelace", "user4242171231@example.org", NULL
};
static const char *const w_ops[] = {     /* t/19_admin.t's new account */
    "ops4242171231", "Olga", "Ops", "ops4242171231@example.org", NULL
};
static const char *const w_x[] = {       /* t/19_admin.t, x/y/z fields */
    "x4242171231", "X", "Y", "x4242171231@example.org", NULL
};
static const char *const w_grace[] = {   /* t/21_openapi.t's client */
    "c4242171231", "Grace", "Hopper", "c4242171231@example.org", NULL
};
static const char *const w_browser[] = { /* t/browser/portal.test.mjs */
    "ada.lq2x9k1", "Ada", "Lovelace", "ada.lq2x9k1@example.org", NULL
};
static const char *const w_roles[] = {   /* its roles journey */
    "ops.lq2x9k1", "Olive", "Ops", "ops.lq2x9k1@example.org", NULL
};
static const char *const w_admin[] = {   /* README's portalctl example */
    "admin", "Ada", "Admin", "admin@example.org", NULL
};
static const char *const w_bench[] = {   /* bench/, scripts/instance.sh */
    "bench12345", "Bench", "Operations", "bench12345@example.org", NULL
};
static const char *const w_es[] = {      /* t/startup.sh */
    "es256user", "E", "S", "es@example.org", NULL
};

static const struct {
    const char *pw;
    const char *const *words;
    const char *where;
} project[] = {
    { "correct horse 1", w_test, "t/lib/PortalTest.pm register_user" },
    { "correct horse 3", w_test, "t/*.t" },
    { "correct horse 9", w_es, "t/startup.sh" },
    { "brand new pass 1", w_test, "t/04_password.t" },
    { "brand new pass 2", w_test, "t/04_password.t" },
    { "a brand new one 1", w_test, "t/09_mail.t" },
    { "yet another one 1", w_test, "t/*.t" },
    { "another one 1", w_test, "t/*.t" },
    { "another horse 2", w_test, "t/*.t" },
    { "other user pass 1", w_test, "t/*.t" },
    { "coded new pass 1", w_test, "t/10_sessions_code.t" },
    { "coded new pass 2", w_test, "t/10_sessions_code.t" },
    { "a coded secret 1", w_test, "t/25_outbox_secrets.t" },
    { "a long api password 1", w_grace, "t/21_openapi.t" },
    { "ops password 1", w_ops, "t/19_admin.t" },
    { "ctl password 1", w_test, "t/19_admin.t portalctl" },
    { "long enough 1", w_x, "t/19_admin.t" },
    { "Secret-Password-9", w_test, "t/02_register.t" },
    { "difference-engine-1843", w_browser, "browser FIRST_PASSWORD" },
    { "analytical-engine-1837", w_browser, "browser NEW_PASSWORD" },
    { "jacquard-loom-punched-1804", w_browser, "browser RESET_PASSWORD" },
    { "babbage-and-lovelace-42", w_roles, "browser roles PASSWORD" },
    { "a long password", w_admin, "README portalctl example" },
    { "bench-api-password-12345", w_bench, "bench/api.sh" },
    { "bench-password-12345", w_bench, "scripts/instance.sh" },
    { "bench-password-7", w_bench, "scripts/instance.sh, a short pid" },
};

static void test_project_passwords(apr_pool_t *p)
{
    apr_size_t i;
    double lowest = 1e9;

    for (i = 0; i < sizeof(project) / sizeof(project[0]); i++) {
        pt_strength_t s;
        pt_err_t err = { 0 };
        apr_status_t rv = pt_strength_check(p, project[i].pw,
                                            project[i].words,
                                            PT_STRENGTH_DEFAULT_BITS, &s,
                                            &err);

        PT_OK(rv == APR_SUCCESS && !s.message, "\"%s\" (%s): %.1f bits",
              project[i].pw, project[i].where, s.bits);
        if (s.bits < lowest) {
            lowest = s.bits;
        }
    }
    printf("# lowest of the project's passwords: %.1f bits\n", lowest);
}

static const struct {
    const char *pw;
    unsigned int weak;          /* kinds that must be reported */
} weak[] = {
    { "password", PT_WEAK_WORD },
    { "password1", PT_WEAK_WORD },
    { "Password123", PT_WEAK_WORD | PT_WEAK_SEQUENCE },
    { "p4ssw0rd", PT_WEAK_LEET },
    { "monkey12", PT_WEAK_WORD },
    { "iloveyou2", PT_WEAK_WORD },
    { "sunshine2020", PT_WEAK_WORD | PT_WEAK_DATE },
    { "qwertyuiop", 0 },        /* libzxcvbn lists it as a word */
    { "zxcvbnm123", PT_WEAK_SEQUENCE },
    { "abcdefgh1", PT_WEAK_SEQUENCE },
    { "aaaaaaaaaaaa", PT_WEAK_REPEAT },
    { "12345678", 0 },
    { "lovelace1", PT_WEAK_USER },
    { "Lovelace1815", PT_WEAK_USER },
    { "ada19901231", PT_WEAK_USER | PT_WEAK_DATE },
    { "user4242171231", PT_WEAK_USER },
    { "zxcvbnm,./", PT_WEAK_SPATIAL },
};

static void test_weak(apr_pool_t *p)
{
    apr_size_t i;

    for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        pt_strength_t s;
        pt_err_t err = { 0 };
        apr_status_t rv = pt_strength_check(p, weak[i].pw, w_test,
                                            PT_STRENGTH_DEFAULT_BITS, &s,
                                            &err);

        PT_OK(rv == APR_EGENERAL && s.message && err.what
              && !strcmp(err.what, s.message),
              "\"%s\" is refused (%.1f bits, weak 0x%02x)", weak[i].pw,
              s.bits, s.weak);
        PT_OK((s.weak & weak[i].weak) == weak[i].weak,
              "\"%s\": the weak parts found include 0x%02x", weak[i].pw,
              weak[i].weak);
        /* (the fixed text itself says "password") */
        PT_OK(s.message && (!strstr(s.message, weak[i].pw)
                            || !strcmp(weak[i].pw, "password"))
              && !strstr(s.message, "1815") && !strstr(s.message, "love")
              && !strstr(s.message, "monkey"),
              "\"%s\": the message does not quote it", weak[i].pw);
    }
}

static void test_messages(apr_pool_t *p)
{
    pt_strength_t s;
    pt_err_t err = { 0 };

    pt_strength_check(p, "lovelace1", w_test, 20, &s, &err);
    PT_OK(s.message && strstr(s.message, "your own name, username or email"),
          "the person's own name is named: %s", s.message);
    pt_strength_check(p, "sunshine2020", NULL, 20, &s, &err);
    PT_IS_STR(s.message, "This password is too easy to guess: it contains "
              "a common word or password and a date or a year. Add a few "
              "more words, or make it longer with something less "
              "predictable.", "a word and a year");
    pt_strength_check(p, "zxcvbnm,./", NULL, 20, &s, &err);
    PT_OK(s.message && strstr(s.message, "a keyboard pattern like qwerty"),
          "a keyboard pattern is named");
    pt_strength_check(p, "aaaaaaaaaaaa", NULL, 20, &s, &err);
    PT_OK(s.message && strstr(s.message, "repeated characters"),
          "repeats are named");
    pt_strength_check(p, "x7", NULL, 20, &s, &err);
    PT_OK(s.message && strstr(s.message, "too short"),
          "random but short: \"too short\" (%.1f bits)", s.bits);
    /* the user words matter: without them "lovelace1" is a name */
    pt_strength_check(p, "adalovelace1815", NULL, 20, &s, &err);
    {
        double without = s.bits;

        pt_strength_check(p, "adalovelace1815", w_test, 20, &s, &err);
        PT_OK(s.bits < without, "the account's words lower the estimate "
              "(%.1f < %.1f bits)", s.bits, without);
    }
    {
        static const char *const email_only[] = {
            "grace.hopper@navy.example", NULL
        };

        pt_strength_check(p, "hopper2024", email_only, 20, &s, &err);
        PT_OK(s.weak & PT_WEAK_USER, "a piece of the email address counts "
              "as the person's own word");
    }
}

static void test_floor(apr_pool_t *p)
{
    pt_strength_t s;
    pt_err_t err = { 0 };
    char *longpw = apr_palloc(p, PT_STRENGTH_MAX_LEN + 2);

    PT_OK(pt_strength_check(p, "a long password", NULL, 27, &s, &err)
          == APR_EGENERAL, "\"a long password\" fails a floor of 27 "
          "(zxcvbn.js score 3) at %.1f bits", s.bits);
    PT_OK(pt_strength_check(p, "monkey12", NULL, 0, &s, &err)
          == APR_SUCCESS, "a floor of 0 accepts anything");
    PT_OK(pt_strength_check(p, "jacquard-loom-punched-1804", NULL, 60, &s,
                            &err) == APR_SUCCESS, "a long passphrase passes "
          "60 bits (%.1f)", s.bits);
    PT_OK(pt_strength_check(p, "x", NULL, -1, &s, &err) == APR_EINVAL,
          "a negative floor: refused");
    PT_OK(pt_strength_check(p, "x", NULL, 129, &s, &err) == APR_EINVAL,
          "a floor above 128: refused");
    PT_OK(pt_strength_check(p, NULL, NULL, 20, &s, &err) == APR_EINVAL,
          "NULL: refused");
    memset(longpw, 'q', PT_STRENGTH_MAX_LEN + 1);
    longpw[PT_STRENGTH_MAX_LEN + 1] = '\0';
    PT_OK(pt_strength_check(p, longpw, NULL, 20, &s, &err) == APR_EINVAL,
          "longer than %d bytes: refused", PT_STRENGTH_MAX_LEN);
    longpw[PT_STRENGTH_MAX_LEN] = '\0';
    PT_OK(pt_strength_check(p, longpw, NULL, 20, NULL, &err)
          != APR_EINVAL, "%d bytes: rated (out may be NULL)",
          PT_STRENGTH_MAX_LEN);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_project_passwords(p);
    test_weak(p);
    test_messages(p);
    test_floor(p);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
