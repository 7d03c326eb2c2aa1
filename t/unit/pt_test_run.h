/*
 * pt_test_run.h -- for unit tests that check the core against an
 * independent program (python3 with pyotp or cryptography, oathtool,
 * zbarimg): run a shell command and collect what it prints.
 *
 * The test's shell wrapper (t/unit/test_*.sh) makes sure the programs are
 * there and says which Debian package to install when not; a missing
 * program then fails the test, it never skips it.
 */
#ifndef PT_TEST_RUN_H
#define PT_TEST_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <apr_pools.h>
#include <apr_strings.h>

/* Run cmd with /bin/sh; *out is its standard output (NUL-terminated, in
 * p, trailing newlines removed).  Returns the exit status, -1 when it
 * could not run. */
static inline int pt_run(apr_pool_t *p, const char *cmd, const char **out)
{
    FILE *f = popen(cmd, "r");
    char buf[4096];
    char *acc = apr_pstrdup(p, "");
    size_t n;
    int st;

    *out = acc;
    if (!f) {
        return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
        buf[n] = '\0';
        acc = apr_pstrcat(p, acc, buf, NULL);
    }
    st = pclose(f);
    n = strlen(acc);
    while (n > 0 && (acc[n - 1] == '\n' || acc[n - 1] == '\r')) {
        acc[--n] = '\0';
    }
    *out = acc;
    return st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The python interpreter the wrapper chose (PT_PYTHON), or "python3". */
static inline const char *pt_python(void)
{
    const char *py = getenv("PT_PYTHON");

    return py && *py ? py : "python3";
}

#endif /* PT_TEST_RUN_H */
